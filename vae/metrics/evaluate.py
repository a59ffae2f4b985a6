"""Test-set evaluation: negative ELBO and its terms, the importance-weighted bound (Burda et
al. 2016), KL per dimension and active units; for VQ-VAE reconstruction and perplexity.
All in nats per image.
"""

from __future__ import annotations

import math

import torch

from vae.models import losses
from vae.data import ImageData

ACTIVE_UNIT_THRESHOLD = 0.01  # Burda et al. 2016: a unit is active if Cov_x(E_q[z_u]) > 0.01


def _batches(data: ImageData, device, batch_size: int, needs_labels: bool):
    for start in range(0, len(data), batch_size):
        x = data.images[start:start + batch_size].to(device)
        y = data.labels[start:start + batch_size].to(device) if needs_labels else None
        yield x, y


def elbo_terms(model, x: torch.Tensor, y: torch.Tensor | None = None, samples: int = 1) -> dict[str, torch.Tensor]:
    """The negative ELBO of each image and its two terms, for the Gaussian-latent families.

    x (B, C, H, W), y (B,) labels or None -> {"recon": (B,), "kl": (B,), "neg_elbo": (B,)} in nats:
    recon = E_q[-log p(x|z)] as a mean over `samples` draws of z (torch's global random stream), and
    the exact KL(q(z|x) || N(0, I)).
    """
    mu, logvar = model.encode(x, y)
    recon = torch.zeros(len(x), device=x.device)
    for _ in range(samples):
        recon = recon + model.nll(model.decode_params(model.reparameterize(mu, logvar), y), x)
    recon = recon / samples
    kl = losses.gaussian_kl(mu, logvar).sum(1)
    return {"recon": recon, "kl": kl, "neg_elbo": recon + kl}


@torch.no_grad()
def batched_losses(model, data: ImageData, device, seed: int = 0, batch_size: int = 1000) -> dict[str, float]:
    """Dataset means of the ELBO terms (VAE families) or the VQ terms; "loss" is the headline:
    negative ELBO, or reconstruction NLL for VQ-VAE. The random draws use their own seed so
    evaluating never disturbs training's random stream."""
    totals: dict[str, float] = {}
    devices = [device] if torch.device(device).type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for x, y in _batches(data, device, batch_size, model.num_classes > 0):
            if model.config.kind.posterior:
                per_image = elbo_terms(model, x, y)
                terms = {"loss": per_image["neg_elbo"], "recon": per_image["recon"], "kl": per_image["kl"]}
            else:
                out = model.loss(x)
                terms = {"loss": out["recon"], "recon": out["recon"], "perplexity": out["perplexity"]}
            for name, value in terms.items():
                value = value.float()
                totals[name] = totals.get(name, 0.0) + float(value.sum() if value.dim() else value * len(x))
    return {name: total / len(data) for name, total in totals.items()}


@torch.no_grad()
def iwae_log_likelihood(model, x: torch.Tensor, y: torch.Tensor | None = None, k: int = 100,
                        chunk: int = 50) -> torch.Tensor:
    """log p(x) ≥ log (1/k) Σ_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x); (B, C, H, W) -> (B,)."""
    mu, logvar = model.encode(x, y)
    log_weights = []
    for start in range(0, k, chunk):
        n = min(chunk, k - start)
        z = mu.unsqueeze(0) + torch.randn(n, *mu.shape, device=mu.device) * torch.exp(0.5 * logvar)  # (n, B, D)
        flat = z.reshape(-1, mu.shape[1])
        y_rep = y.repeat(n) if y is not None else None
        log_px_z = -model.nll(model.decode_params(flat, y_rep), x.repeat(n, 1, 1, 1)).view(n, -1)
        log_pz = losses.log_normal(z, torch.zeros_like(z), torch.zeros_like(z)).sum(2)
        log_qz = losses.log_normal(z, mu, logvar).sum(2)
        log_weights.append(log_px_z + log_pz - log_qz)
    return torch.logsumexp(torch.cat(log_weights), dim=0) - math.log(k)


@torch.no_grad()
def evaluate(model, data: ImageData, k: int = 100, seed: int = 0, batch_size: int = 500) -> dict:
    """The eval report: neg_elbo, recon, kl, iwae_nll, kl_per_dim, active_units (VAE families);
    recon, perplexity, usage, dead_codes (VQ-VAE)."""
    model.eval()
    device = model.device
    report: dict = {"images": len(data)}
    if not model.config.kind.posterior:
        counts = torch.zeros(model.config.codebook_size)
        totals = batched_losses(model, data, device, seed)
        for x, _ in _batches(data, device, batch_size, False):
            counts += torch.bincount(model.encode_indices(x).flatten().cpu(), minlength=len(counts)).float()
        probs = counts / counts.sum()
        report.update(recon=totals["recon"],
                      perplexity=float(torch.exp(-(probs * torch.log(probs + 1e-10)).sum())),
                      usage=float((counts > 0).float().mean()), dead_codes=int((counts == 0).sum()))
        return report
    torch.manual_seed(seed)
    totals = {"neg_elbo": 0.0, "recon": 0.0, "kl": 0.0, "iwae_nll": 0.0}
    kl_per_dim = torch.zeros(model.latent_dim)
    mus = []
    for x, y in _batches(data, device, batch_size, model.num_classes > 0):
        mu, logvar = model.encode(x, y)
        z = model.reparameterize(mu, logvar)
        recon = model.nll(model.decode_params(z, y), x)
        kl = losses.gaussian_kl(mu, logvar)
        totals["recon"] += float(recon.sum())
        totals["kl"] += float(kl.sum())
        totals["neg_elbo"] += float((recon + kl.sum(1)).sum())
        totals["iwae_nll"] -= float(iwae_log_likelihood(model, x, y, k).sum())
        kl_per_dim += kl.sum(0).cpu()
        mus.append(mu.cpu())
    report.update({name: total / len(data) for name, total in totals.items()})
    activity = torch.cat(mus).var(0)
    report["kl_per_dim"] = (kl_per_dim / len(data)).tolist()
    report["active_units"] = int((activity > ACTIVE_UNIT_THRESHOLD).sum())
    report["unit_activity"] = activity.tolist()
    report["iwae_k"] = k
    return report
