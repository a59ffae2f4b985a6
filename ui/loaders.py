"""A model's weights and data, loaded once and shared across sessions (Streamlit's resource cache)."""

from __future__ import annotations

import streamlit as st
import torch

from ui.catalog import ModelEntry
from ui.i18n import t
from vae.training.checkpoint import CheckpointError, load_model
from vae.config import TrainConfig
from vae.data import ImageData, load_split, split_config


@st.cache_resource(show_spinner=False, max_entries=16)
def cached_model(entry: ModelEntry) -> torch.nn.Module:
    """The model of a run, loaded once per checkpoint version and shared; never mutate it."""
    return load_model(entry.path)


def model_for(entry: ModelEntry) -> torch.nn.Module:
    """The entry's model; a checkpoint that cannot be loaded stops the page with one line that says why."""
    try:
        return cached_model(entry)
    except CheckpointError as error:
        st.error(t("model_damaged", name=entry.name, why=str(error)))
        st.stop()


@st.cache_resource(show_spinner=False, max_entries=8)
def _cached_split(config: TrainConfig, split: str) -> ImageData:
    return load_split(config, split)


def data_for(entry: ModelEntry, split: str = "test") -> ImageData:
    """The split of the model's own dataset, at its size and channels (shared; never mutate). Keyed by the
    settings that decide the split's pictures (vae.data.split_config), so models on the same data share it.

    Raises DatasetUnavailable when the data is not on this machine."""
    return _cached_split(split_config(entry.train, split), split)
