"""What every model family shares: the likelihood, class-label handling and image decoding."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vae.config import ModelConfig
from vae.models import losses


class BaseModel(nn.Module):
    """What every family shares: the likelihood, label handling and image decoding."""

    config: ModelConfig

    @property
    def num_classes(self) -> int:
        return self.config.num_classes if self.config.kind.conditional else 0

    def _onehot(self, y: torch.Tensor | None, batch: int) -> torch.Tensor | None:
        if self.num_classes == 0:
            return None
        if y is None:
            raise ValueError("this conditional model needs class labels y")
        y = torch.as_tensor(y, device=self.device).long().reshape(-1)
        if y.numel() == 1 and batch > 1:
            y = y.expand(batch)
        return F.one_hot(y, self.num_classes).float()

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def nll(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per image: decoder outputs (B, C, H, W) and images (B, C, H, W) -> (B,) nats."""
        params = params.float()
        if self.config.likelihood == "bernoulli":
            return losses.bernoulli_nll(params, x)
        return losses.gaussian_nll(params, x, self.config.obs_std)

    def _to_image(self, params: torch.Tensor) -> torch.Tensor:
        """Decoder outputs -> the mean image in [0, 1]."""
        if self.config.likelihood == "bernoulli":
            return torch.sigmoid(params)
        return params.clamp(0.0, 1.0)

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Latent codes (B, latent_dim) -> mean images (B, C, H, W) in [0, 1]."""
        return self._to_image(self.decode_params(z, y))

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, C, H, W) -> their reconstructions through the posterior mean."""
        code, _ = self.encode(x, y)
        return self.decode(code, y)
