"""Tiny digits runs for the anomaly tests: one with 7 held out, its background model (pixel noise),
and one that saw every class. One epoch on 200 pictures: seconds."""

from __future__ import annotations

from pathlib import Path

from vae.config import TrainConfig
from vae.training.trainer import train

TINY = dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3)
RUNS = {  # name: TrainConfig changes
    "tiny-vae-no7": dict(exclude_classes=(7,)),
    "tiny-vae-no7-background": dict(exclude_classes=(7,), pixel_noise=0.2),
    "tiny-vae": dict(),
}


def make_runs(root: Path) -> Path:
    for name, changes in RUNS.items():
        config = TrainConfig(dataset="digits", limit=200, epochs=1, batch_size=50, device="cpu", grid_images=16,
                             **changes)
        train(TINY, config, root / name)
    return root
