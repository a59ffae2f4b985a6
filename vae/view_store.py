"""Expensive views of a run computed ahead of time and shipped in its folder, so the app's pages open at once on
the pretrained models: RUN/<name>.safetensors (never a pickle), tensors under string keys.

The JSON metadata holds the sha256 of the checkpoint they were computed from and the settings that produced
them; a file written for other weights or other settings is stale and ignored. The file is untrusted: anything
malformed is ignored too, and the page computes the view again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save

from vae.atomic import atomic_write_bytes
from vae.runs import checkpoint_digest

MAX_BYTES = 16 * 1024 * 1024  # a few projections or restorations are well under 1 MB
FORMAT = "vae-explorer-views"


def _canonical(settings: dict) -> str:
    """Settings as the JSON text they are compared by (tuples and lists alike, keys sorted)."""
    return json.dumps(settings, sort_keys=True, default=list)


def save_views(run_dir: str | Path, name: str, tensors: dict[str, torch.Tensor], settings: dict) -> Path:
    """Write {key: tensor} to RUN/<name>.safetensors atomically, stamped with the checkpoint's digest and settings."""
    meta = {"format": FORMAT, "checkpoint": checkpoint_digest(run_dir), "settings": json.loads(_canonical(settings))}
    path = Path(run_dir) / f"{name}.safetensors"
    atomic_write_bytes(path, save({k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()},  # clone: views share memory
                                  metadata={"meta": json.dumps(meta)}))
    return path


def load_views(run_dir: str | Path, name: str, settings: dict, digest: str | None = None) -> dict[str, torch.Tensor]:
    """The stored tensors when RUN/<name>.safetensors was written for this checkpoint (digest: its sha256, when
    the caller has it already) and exactly these settings; {} otherwise (missing, stale, torn or foreign)."""
    path = Path(run_dir) / f"{name}.safetensors"
    try:
        if not path.is_file() or os.path.getsize(path) > MAX_BYTES:
            return {}
        with safe_open(str(path), framework="pt") as handle:
            meta = json.loads((handle.metadata() or {}).get("meta", "{}"))
            if meta.get("format") != FORMAT or _canonical(meta.get("settings")) != _canonical(settings):
                return {}
            if meta.get("checkpoint") != (digest or checkpoint_digest(run_dir)):
                return {}
            return {key: handle.get_tensor(key) for key in handle.keys()}
    except Exception:  # safetensors, json and torch raise many kinds on a torn or hand-edited file
        return {}
