"""Anomaly scores computed ahead of time and shipped in a run folder, so the anomaly page opens at once
on the pretrained models: RUN/anomaly_scores.safetensors, in the one stored format (vae.precompute.store).

Tensors "<picture set>|<score>" (N,) float64, one per set of vae.metrics.anomaly.sets and score. The stamp's
settings are the whole ScoreSettings, compared score by score (only those the score depends on); it also holds
the digest of the ratio's background checkpoint. A stale or malformed file is ignored, and the scores are
computed again.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from vae.metrics.anomaly.scores import SCORES, ScoreSettings
from vae.precompute.store import load_stamped, save_stored
from vae.training.runs import checkpoint_digest

NAME = "anomaly_scores"
STORE_NAME = f"{NAME}.safetensors"
# The settings each score depends on, besides seed and batch size (which place every draw).
DEPENDS_ON = {"neg_elbo": ("samples",), "recon": (), "iwae": ("k",), "complexity": ("samples",),
              "regret": ("samples", "regret_steps", "regret_lr"), "ratio": ("samples",)}


def _relevant(settings: dict, score: str) -> dict:
    return {k: settings.get(k) for k in ("seed", "batch_size", *DEPENDS_ON[score])}


def save_scores(run_dir: str | Path, scores: dict[tuple[str, str], torch.Tensor], settings: ScoreSettings,
                background: str | Path | None = None) -> Path:
    """Write {(set key, score): (N,) scores} to RUN/anomaly_scores.safetensors atomically."""
    tensors = {f"{key}|{score}": torch.as_tensor(v, dtype=torch.float64) for (key, score), v in scores.items()}
    return save_stored(run_dir, NAME, tensors, dataclasses.asdict(settings),
                       background=checkpoint_digest(background) if background else None,
                       background_name=Path(background).name if background else None)


def load_scores(run_dir: str | Path, settings: ScoreSettings,
                background: str | Path | None = None) -> dict[tuple[str, str], torch.Tensor]:
    """The stored scores still valid for this checkpoint, these settings and this background run
    ({(set key, score): (N,) float64}); {} when there is no usable file."""
    meta, tensors = load_stamped(run_dir, NAME)
    if not meta:
        return {}
    stored = meta.get("settings") if isinstance(meta.get("settings"), dict) else {}
    wanted = dataclasses.asdict(settings)
    try:
        background_ok = background is not None and meta.get("background") == checkpoint_digest(background)
    except OSError:  # the background run lost its checkpoint: its ratio cannot be trusted
        background_ok = False
    out = {}
    for name, values in tensors.items():
        key, _, score = name.rpartition("|")
        if score not in SCORES or (score == "ratio" and not background_ok):
            continue
        if _relevant(stored, score) != _relevant(wanted, score):
            continue
        if values.dim() == 1 and values.dtype == torch.float64 and torch.isfinite(values).all():
            out[(key, score)] = values
    return out
