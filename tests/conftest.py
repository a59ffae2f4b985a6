"""Shared by the core tests: one tiny config per model family, and a fixed batch of digits."""

from __future__ import annotations

import pytest
import torch

from vae.config import ModelConfig

torch.set_num_threads(1)  # tiny models: a second thread only adds overhead, and the CPU is shared

# Every family (and the variants that are only config fields), as tiny as still makes sense.
FAMILIES = {
    "vae-mlp": dict(family="vae", arch="mlp"),
    "vae-conv": dict(family="vae", arch="conv"),
    "beta-vae": dict(family="vae", arch="mlp", beta=4.0),
    "capacity": dict(family="vae", arch="mlp", capacity_max=5.0, capacity_gamma=10.0, capacity_steps=100),
    "tcvae": dict(family="tcvae", arch="mlp", beta=6.0, dataset_size=1000),
    "cvae-mlp": dict(family="cvae", arch="mlp", num_classes=10),
    "cvae-conv": dict(family="cvae", arch="conv", num_classes=10),
    "vqvae": dict(family="vqvae", arch="conv", codebook_size=16),
}


def tiny_config(name: str, image_shape=(1, 8, 8), **changes) -> ModelConfig:
    """The named family with hidden (32,) (two 8-channel conv stages), latent 4."""
    fields = dict(FAMILIES[name])
    hidden = (8, 8) if fields["arch"] == "conv" else (32,)
    return ModelConfig(**{"image_shape": image_shape, "hidden": hidden, "latent_dim": 4, "conv_fc": 32,
                          **fields, **changes})


@pytest.fixture
def tiny():
    """The tiny_config factory: tiny(name, image_shape=(1, 8, 8), **changes) -> ModelConfig."""
    return tiny_config


@pytest.fixture(params=list(FAMILIES))
def family(request) -> str:
    """Each family's name in FAMILIES in turn."""
    return request.param


@pytest.fixture(scope="session")
def digits_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """32 training digits (32, 1, 8, 8) in [0, 1] and their labels (32,)."""
    from vae.data import load_dataset

    data = load_dataset("digits", "train", limit=32)
    return data.images, data.labels
