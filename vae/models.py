"""The model families behind one interface: VAE (with β, capacity, TC and class conditioning
as config fields) and VQ-VAE.

Every model offers `encode`, `decode`, `reconstruct`, `sample`, `loss` (a dict of named terms)
and `latent_dim`, so tools and pages never special-case a family.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vae import losses
from vae.config import ModelConfig
from vae.nets import build_encoder_decoder, conv_stages, deconv_stages
from vae.quantize import VectorQuantizer


class _Base(nn.Module):
    """What every family shares: the likelihood, label handling and image decoding."""

    config: ModelConfig

    @property
    def num_classes(self) -> int:
        return self.config.num_classes if self.config.is_conditional else 0

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


class VAE(_Base):
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
        if pair is not None and cfg.is_weakly_supervised:
            return self._pair_loss(x, pair, step)
        mu, logvar = self.encode(x, y)
        z = self.reparameterize(mu, logvar)
        recon = self.nll(self.decode_params(z, y), x).mean()
        kl_per_dim = losses.gaussian_kl(mu, logvar).mean(0)  # (D,)
        kl = kl_per_dim.sum()
        weight = losses.kl_warmup_weight(step, cfg.warmup, cfg.warmup_steps)
        out = {"recon": recon, "kl": kl, "neg_elbo": recon + kl, "kl_per_dim": kl_per_dim}
        if cfg.is_tcvae:
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


class VQVAE(_Base):
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


def build_model(config: ModelConfig) -> _Base:
    """A freshly initialized model for a config."""
    return VQVAE(config) if config.is_vector_quantized else VAE(config)
