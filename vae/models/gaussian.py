"""The Gaussian-latent model (Kingma & Welling 2014) behind the vae, tcvae, cvae and adagvae families: β-VAE,
controlled capacity, β-TCVAE, class conditioning and Ada-GVAE's pairs are the same network with other config
fields and objectives."""

from __future__ import annotations

import torch

from vae.config import ModelConfig
from vae.models import losses
from vae.models.base import BaseModel
from vae.models.nets import build_encoder_decoder


class VAE(BaseModel):
    """Gaussian-latent VAE (Kingma & Welling 2014); β-VAE, controlled capacity, β-TCVAE and
    conditional VAE are the same network with other config fields."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.encoder, self.decoder = build_encoder_decoder(config, 2 * config.latent_dim)

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, C, H, W) -> mu, logvar, each (B, D)."""
        # float32 even under bf16 autocast: the KL and TC terms need the precision.
        mu, logvar = self.encoder(x, self._onehot(y, x.shape[0])).float().chunk(2, dim=1)
        # Bounded so that exp(logvar) neither overflows nor vanishes early in training.
        return mu, logvar.clamp(-15.0, 10.0)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """z = mu + σ·ε with ε ~ N(0, I): a sample that gradients flow through."""
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)

    def decode_params(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """(B, D) -> likelihood parameters (B, C, H, W): logits or Gaussian means."""
        return self.decoder(z, self._onehot(y, z.shape[0]))

    @torch.no_grad()
    def sample(self, n: int, y=None, temperature: float = 1.0, generator: torch.Generator | None = None):
        """n images from the prior, z ~ N(0, temperature² I); y: one class or (n,) classes."""
        z = torch.randn(n, self.latent_dim, generator=generator, device="cpu").to(self.device) * temperature
        return self.decode(z, y)

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None, step: int = 0,
             pair: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The training objective and its named terms, in nats per image (batch means).

        Keys: loss, recon, kl, neg_elbo, kl_per_dim (D,), kl_weight; with capacity:
        capacity; for tcvae: mi, tc, dwkl; for adagvae given pair: shared_dims.
        pair (B, C, H, W): Ada-GVAE's second pictures, each sharing all factors but a few with x's; without
        it an Ada-GVAE is scored as the β-VAE it is on single pictures (its test loss).
        """
        cfg = self.config
        if pair is not None and cfg.kind.pairs:
            return self._pair_loss(x, pair, step)
        mu, logvar = self.encode(x, y)
        z = self.reparameterize(mu, logvar)
        recon = self.nll(self.decode_params(z, y), x).mean()
        kl_per_dim = losses.gaussian_kl(mu, logvar).mean(0)  # (D,)
        kl = kl_per_dim.sum()
        weight = losses.kl_warmup_weight(step, cfg.warmup, cfg.warmup_steps)
        out = {"recon": recon, "kl": kl, "neg_elbo": recon + kl, "kl_per_dim": kl_per_dim}
        if cfg.kind.total_correlation:
            terms = losses.total_correlation_terms(z, mu, logvar, cfg.dataset_size)
            out.update(terms)
            penalty = cfg.tc_alpha * terms["mi"] + cfg.beta * terms["tc"] + cfg.tc_gamma * terms["dwkl"]
            out["loss"] = recon + weight * penalty
        elif cfg.capacity_max > 0:
            capacity = losses.capacity_at(step, cfg.capacity_max, cfg.capacity_steps)
            out["capacity"] = torch.tensor(capacity)
            out["loss"] = recon + weight * cfg.capacity_gamma * (kl - capacity).abs()
        else:
            out["loss"] = recon + weight * cfg.beta * losses.free_bits_kl(kl_per_dim, cfg.free_bits)
        out["kl_weight"] = torch.tensor(weight * (cfg.capacity_gamma if cfg.capacity_max > 0 else cfg.beta))
        return out

    def _pair_loss(self, x: torch.Tensor, pair: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        """Ada-GVAE (Locatello et al. 2020): both pictures encoded, their posteriors averaged on the dimensions
        that look shared (losses.adaptive_group_average), then the β-VAE loss of each picture from its new
        posterior; every term is the mean over the 2B pictures, so its scale matches a VAE's."""
        cfg = self.config
        mu1, logvar1 = self.encode(x)
        mu2, logvar2 = self.encode(pair)
        mu, logvar, shared = losses.adaptive_group_average(mu1, logvar1, mu2, logvar2)  # (2, B, D) each
        mu, logvar = mu.flatten(0, 1), logvar.flatten(0, 1)  # (2B, D): x's first, then pair's
        z = self.reparameterize(mu, logvar)
        recon = self.nll(self.decode_params(z), torch.cat([x, pair])).mean()
        kl_per_dim = losses.gaussian_kl(mu, logvar).mean(0)  # (D,)
        kl = kl_per_dim.sum()
        weight = losses.kl_warmup_weight(step, cfg.warmup, cfg.warmup_steps)
        return {"loss": recon + weight * cfg.beta * kl, "recon": recon, "kl": kl, "neg_elbo": recon + kl,
                "kl_per_dim": kl_per_dim, "kl_weight": torch.tensor(weight * cfg.beta),
                "shared_dims": shared.float().sum(1).mean()}
