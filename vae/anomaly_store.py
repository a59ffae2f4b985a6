"""Anomaly scores computed ahead of time and shipped in a run folder, so the anomaly page opens at once
on the pretrained models: RUN/anomaly_scores.safetensors (never a pickle).

Tensors "<picture set>|<score>" (N,) float64, one per set of vae.anomaly_sets and score; the JSON
metadata holds the sha256 of the checkpoint they were computed with (a retrained model ignores them),
that of the ratio's background checkpoint, and the score settings. The file is untrusted: anything
malformed or stale is ignored, and the scores are computed again.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save

from vae.anomaly import SCORES, ScoreSettings
from vae.atomic import atomic_write_bytes
from vae.runs import checkpoint_digest

STORE_NAME = "anomaly_scores.safetensors"
MAX_BYTES = 64 * 1024 * 1024  # 10,000 pictures × 6 scores × a few sets is well under 1 MB
# The settings each score depends on, besides seed and batch size (which place every draw).
DEPENDS_ON = {"neg_elbo": ("samples",), "recon": (), "iwae": ("k",), "complexity": ("samples",),
              "regret": ("samples", "regret_steps", "regret_lr"), "ratio": ("samples",)}


def _relevant(settings: dict, score: str) -> dict:
    return {k: settings.get(k) for k in ("seed", "batch_size", *DEPENDS_ON[score])}


def save_scores(run_dir: str | Path, scores: dict[tuple[str, str], torch.Tensor], settings: ScoreSettings,
                background: str | Path | None = None) -> Path:
    """Write {(set key, score): (N,) scores} to RUN/anomaly_scores.safetensors atomically."""
    meta = {"checkpoint": checkpoint_digest(run_dir), "settings": dataclasses.asdict(settings),
            "background": checkpoint_digest(background) if background else None,
            "background_name": Path(background).name if background else None}
    tensors = {f"{key}|{score}": torch.as_tensor(v, dtype=torch.float64).contiguous()
               for (key, score), v in scores.items()}
    path = Path(run_dir) / STORE_NAME
    atomic_write_bytes(path, save(tensors, metadata={"meta": json.dumps(meta)}))
    return path


def load_scores(run_dir: str | Path, settings: ScoreSettings,
                background: str | Path | None = None) -> dict[tuple[str, str], torch.Tensor]:
    """The stored scores still valid for this checkpoint, these settings and this background run
    ({(set key, score): (N,) float64}); {} when there is no usable file."""
    path = Path(run_dir) / STORE_NAME
    try:
        if not path.is_file() or os.path.getsize(path) > MAX_BYTES:
            return {}
        with safe_open(str(path), framework="pt") as handle:
            meta = json.loads((handle.metadata() or {}).get("meta", "{}"))
            if meta.get("checkpoint") != checkpoint_digest(run_dir):
                return {}
            stored, wanted = meta.get("settings") or {}, dataclasses.asdict(settings)
            background_ok = background is not None and meta.get("background") == checkpoint_digest(background)
            out = {}
            for name in handle.keys():
                key, _, score = name.rpartition("|")
                if score not in SCORES or (score == "ratio" and not background_ok):
                    continue
                if _relevant(stored, score) != _relevant(wanted, score):
                    continue
                values = handle.get_tensor(name)
                if values.dim() == 1 and values.dtype == torch.float64 and torch.isfinite(values).all():
                    out[(key, score)] = values
            return out
    except Exception:  # safetensors, json and torch raise many kinds on a torn or hand-edited file
        return {}  # a torn, foreign or hand-edited file: compute the scores again
