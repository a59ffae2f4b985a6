"""The model families behind one interface: every model offers `encode`, `decode`, `reconstruct`, `sample`,
`loss` (a dict of named terms) and `latent_dim`. What a family can do beyond that is asked of its
vae.families object (`config.kind`), never of its name.

base: what every family shares; gaussian: VAE (vae, tcvae, cvae, adagvae); vq: VQVAE; nets: encoder and decoder
bodies; losses, quantize, prior (a learned prior over code grids), decoder_export (the decoder for the browser).
"""

from __future__ import annotations

from vae.config import ModelConfig
from vae.models.base import BaseModel
from vae.models.gaussian import VAE
from vae.models.vq import VQVAE

__all__ = ["BaseModel", "VAE", "VQVAE", "build_model"]


def build_model(config: ModelConfig) -> BaseModel:
    """A freshly initialized model for a config: its family builds it."""
    return config.kind.build(config)
