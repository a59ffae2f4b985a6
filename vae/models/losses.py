"""Likelihoods, KL terms and the schedules that weight them.

Every loss here is in nats per image: summed over pixels (or latent dimensions) and
averaged over the batch by the caller, so reconstruction and KL share one scale.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) under a Bernoulli per pixel; logits, x (B, C, H, W) -> (B,)."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def gaussian_nll(mean: torch.Tensor, x: torch.Tensor, std: float) -> torch.Tensor:
    """-log p(x|z) under N(mean, std²) per pixel; (B, C, H, W) -> (B,)."""
    per_pixel = 0.5 * ((x - mean) / std) ** 2 + math.log(std) + 0.5 * LOG_2PI
    return per_pixel.flatten(1).sum(1)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per dimension (Kingma & Welling 2014, App. B); (B, D)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Elementwise log N(z; mu, exp(logvar)); broadcasts."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar))


def total_correlation_terms(
    z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, dataset_size: int
) -> dict[str, torch.Tensor]:
    """β-TCVAE's split of the KL into index-code MI, total correlation and dimension-wise KL.

    Uses minibatch-weighted sampling (Chen et al. 2018, eq. 4) to estimate log q(z) and
    log Π_j q(z_j) from the batch. z, mu, logvar: (B, D). Returns batch means (scalars).
    dataset_size is N of the whole training set, also in data-parallel training, where the
    batch is one process's shard of the global batch (an estimator over B/processes samples).
    """
    batch, _ = z.shape
    dataset_size = max(dataset_size, batch)
    # log q(z_i | x_j) for every pair: (B, B, D)
    pairwise = log_normal(z.unsqueeze(1), mu.unsqueeze(0), logvar.unsqueeze(0))
    log_norm = math.log(batch * dataset_size)
    log_qz = torch.logsumexp(pairwise.sum(2), dim=1) - log_norm  # (B,)
    log_prod_qzj = (torch.logsumexp(pairwise, dim=1) - log_norm).sum(1)  # (B,)
    log_qz_given_x = log_normal(z, mu, logvar).sum(1)  # (B,)
    log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z)).sum(1)  # (B,)
    return {
        "mi": (log_qz_given_x - log_qz).mean(),
        "tc": (log_qz - log_prod_qzj).mean(),
        "dwkl": (log_prod_qzj - log_pz).mean(),
    }


def kl_warmup_weight(step: int, kind: str, steps: int) -> float:
    """Factor in [0, 1] on the KL term at an optimizer step: none, linear or cyclical.

    Cyclical follows Fu et al. 2019: within each cycle of `steps`, rise linearly over the
    first half, then hold at 1.
    """
    if kind == "none" or steps <= 0:
        return 1.0
    if kind == "linear":
        return min(1.0, step / steps)
    position = (step % steps) / steps
    return min(1.0, 2.0 * position)


def capacity_at(step: int, capacity_max: float, steps: int) -> float:
    """The KL target C ramped linearly from 0 to C_max (Burgess et al. 2018)."""
    return capacity_max * min(1.0, step / steps)


def free_bits_kl(kl_per_dim: torch.Tensor, free_bits: float) -> torch.Tensor:
    """Sum over dimensions of max(KL_d, λ), with KL_d already averaged over the batch; (D,) -> ()."""
    if free_bits <= 0:
        return kl_per_dim.sum()
    return torch.clamp(kl_per_dim, min=free_bits).sum()


def gaussian_kl_between(mu1: torch.Tensor, logvar1: torch.Tensor, mu2: torch.Tensor,
                        logvar2: torch.Tensor) -> torch.Tensor:
    """KL(N(mu1, exp(logvar1)) || N(mu2, exp(logvar2))) per dimension; (B, D) each -> (B, D)."""
    return 0.5 * (logvar2 - logvar1 + (logvar1.exp() + (mu1 - mu2).pow(2)) / logvar2.exp() - 1.0)


def adaptive_group_average(mu1: torch.Tensor, logvar1: torch.Tensor, mu2: torch.Tensor, logvar2: torch.Tensor
                           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Ada-GVAE's posterior sharing (Locatello et al. 2020, "Weakly-Supervised Disentanglement Without
    Compromises", §4, eq. 6 and 7; disentanglement_lib's `weak/weak_vae.py`).

    Two pictures that differ in a few unknown factors should differ in the same few dimensions. Per pair,
    δ_j = KL(q(z_j|x1) || q(z_j|x2)); the dimensions with δ_j below τ = ½(max_j δ_j + min_j δ_j) are taken
    as shared, and both posteriors are replaced there by their average (GVAE: the mean of the means and of
    the variances); the others keep their own. mu*, logvar* (B, D) -> the new (mu1, logvar1), (mu2, logvar2)
    stacked as (2, B, D) each, and the shared mask (B, D) bool.
    """
    delta = gaussian_kl_between(mu1, logvar1, mu2, logvar2)  # (B, D)
    tau = 0.5 * (delta.max(dim=1, keepdim=True).values + delta.min(dim=1, keepdim=True).values)  # (B, 1)
    shared = delta < tau
    mean_mu = 0.5 * (mu1 + mu2)
    mean_logvar = torch.log(0.5 * (logvar1.exp() + logvar2.exp()))
    new_mu = torch.stack([torch.where(shared, mean_mu, mu1), torch.where(shared, mean_mu, mu2)])
    new_logvar = torch.stack([torch.where(shared, mean_logvar, logvar1), torch.where(shared, mean_logvar, logvar2)])
    return new_mu, new_logvar, shared
