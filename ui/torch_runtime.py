"""PyTorch, imported once per server: it takes seconds (most of the first visit after a server start)."""

from __future__ import annotations

import os
import sys

import streamlit as st

from ui.i18n import t


def load_torch(*, say_so: bool = True) -> None:
    """Import PyTorch and set it up for the app; say_so: a message with a timer on screen meanwhile."""
    if "torch" not in sys.modules and say_so:
        with st.spinner(t("app_loading_torch"), show_time=True):
            import torch
    import torch

    # The shipped models are small: one decode per slider move is fastest on one thread, and a
    # second one only spins against the other sessions' reruns (measured in benchmarks/explorer_speed.py,
    # and for a class of 100 in docs/benchmarks.md). VAE_TORCH_THREADS sets another count (1-64) to measure.
    torch.set_num_threads(torch_threads())


def torch_threads() -> int:
    """PyTorch's threads per app process: $VAE_TORCH_THREADS when it is a whole number from 1 to 64, else 1."""
    raw = os.environ.get("VAE_TORCH_THREADS", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 64 else 1
