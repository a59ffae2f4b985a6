"""VQ-VAE (van den Oord et al. 2017), the vqvae family: a grid of codebook rows in place of a vector z."""

from __future__ import annotations

import torch
from torch import nn

from vae.config import ModelConfig
from vae.models.base import BaseModel
from vae.models.nets import conv_stages, deconv_stages
from vae.models.quantize import VectorQuantizer


class VQVAE(BaseModel):
    """VQ-VAE (van den Oord et al. 2017): conv encoder, a codebook over each cell of its
    feature grid, straight-through gradients, commitment loss and EMA codebook updates."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        channels, height, width = config.image_shape
        scale = 2 ** len(config.hidden)
        self.grid_shape = (height // scale, width // scale)
        self.encoder = nn.Sequential(conv_stages(channels, config.hidden),
                                     nn.Conv2d(config.hidden[-1], config.latent_dim, 1))
        self.quantizer = VectorQuantizer(config.codebook_size, config.latent_dim, config.commitment, config.ema_decay)
        self.decoder = nn.Sequential(nn.Conv2d(config.latent_dim, config.hidden[-1], 3, padding=1), nn.ReLU(),
                                     deconv_stages(config.hidden, channels))

    @property
    def latent_dim(self) -> int:
        """Size of the flattened quantized grid (code size × cells)."""
        return self.config.latent_dim * self.grid_shape[0] * self.grid_shape[1]

    def _grid(self, z: torch.Tensor) -> torch.Tensor:
        return z.view(-1, self.config.latent_dim, *self.grid_shape)

    def encode(self, x: torch.Tensor, y=None) -> tuple[torch.Tensor, None]:
        """(B, C, H, W) -> the quantized grid flattened (B, latent_dim), and no variance."""
        return self.quantizer(self.encoder(x)).quantized.flatten(1), None

    def encode_indices(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> code indices (B, h, w)."""
        return self.quantizer(self.encoder(x)).indices

    def decode_params(self, z: torch.Tensor, y=None) -> torch.Tensor:
        return self.decoder(self._grid(z))

    def decode_indices(self, indices: torch.Tensor) -> torch.Tensor:
        """Code indices (B, h, w) -> mean images (B, C, H, W)."""
        return self._to_image(self.decoder(self.quantizer.lookup(indices)))

    @torch.no_grad()
    def sample(self, n: int, y=None, temperature: float = 1.0, generator: torch.Generator | None = None):
        """n images from codes drawn independently per cell by how often training used them.

        This unigram prior ignores how codes fit together, so samples are rough; a learned
        prior over code grids does better.
        """
        probs = self.quantizer.usage_probs().cpu()
        # Scaled to a maximum of 1 first, so that a low temperature cannot underflow every weight to 0.
        probs = (probs / probs.max()) ** (1.0 / max(temperature, 1e-3))
        cells = n * self.grid_shape[0] * self.grid_shape[1]
        indices = torch.multinomial(probs, cells, replacement=True, generator=generator)
        return self.decode_indices(indices.view(n, *self.grid_shape).to(self.device))

    def loss(self, x: torch.Tensor, y=None, step: int = 0) -> dict[str, torch.Tensor]:
        """Keys: loss, recon, vq (codebook term; 0 with EMA), commit, perplexity, usage."""
        vq = self.quantizer(self.encoder(x))
        recon = self.nll(self.decoder(vq.quantized), x).mean()
        return {"loss": recon + vq.codebook_loss + vq.commit_loss, "recon": recon, "vq": vq.codebook_loss,
                "commit": vq.commit_loss, "perplexity": vq.perplexity, "usage": vq.usage}
