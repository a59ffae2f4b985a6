"""Likelihood regret (Xiao, Yan & Amit 2020, "Likelihood Regret: An Out-of-Distribution Detection Score
for Variational Auto-encoder", NeurIPS): how much a picture's ELBO improves when its posterior
q(z|x) = N(mu, diag exp(logvar)) is optimised for that one picture, the decoder held fixed.

Xiao et al. fine-tune the encoder's weights on the single picture; the encoder's output for it is all
that tuning can change, so here (mu, logvar) themselves are optimised, for a whole batch at once: the
batch's −ELBOs are summed, picture i's pair enters only term i and Adam is elementwise, so each
picture follows its own gradient. The −ELBO uses the same draws ε of z for the starting point and
every step (common random numbers), so the improvement is not drowned in sampling noise.
In nats per image.
"""

from __future__ import annotations

import torch

from vae.models import losses


def neg_elbo_at(model, x: torch.Tensor, y: torch.Tensor | None, mu: torch.Tensor, logvar: torch.Tensor,
                eps: torch.Tensor) -> torch.Tensor:
    """−ELBO of pictures x (B, C, H, W) under q = N(mu, exp(logvar)) (B, D) with the draws
    z_s = mu + σ·ε_s, ε (S, B, D): mean over s of −log p(x|z_s) plus the exact KL -> (B,)."""
    samples, batch, dim = eps.shape
    z = (mu.unsqueeze(0) + eps * torch.exp(0.5 * logvar).unsqueeze(0)).reshape(samples * batch, dim)
    y_rep = y.repeat(samples) if y is not None else None
    nll = model.nll(model.decode_params(z, y_rep), x.repeat(samples, 1, 1, 1)).view(samples, batch).mean(0)
    return nll + losses.gaussian_kl(mu, logvar).sum(1)


def regret_terms(model, x: torch.Tensor, y: torch.Tensor | None = None, *, steps: int, lr: float,
                 samples: int) -> dict[str, torch.Tensor]:
    """{"start": −ELBO at the encoder's q, "best": the lowest −ELBO the optimisation reached (the start
    included), "regret": start − best >= 0}, each (B,) in nats. Draws ε from torch's global stream;
    the model's weights get no gradients (it may be shared, so it is never changed)."""
    with torch.no_grad():
        mu0, logvar0 = model.encode(x, y)
        eps = torch.randn(samples, *mu0.shape, device=mu0.device)  # (S, B, D)
        start = neg_elbo_at(model, x, y, mu0, logvar0, eps)
    best = start.clone()
    params = [mu0.clone().requires_grad_(True), logvar0.clone().requires_grad_(True)]
    optimizer = torch.optim.Adam(params, lr=lr)
    with torch.enable_grad():
        for _ in range(steps):
            value = neg_elbo_at(model, x, y, *params, eps)
            best = torch.minimum(best, value.detach())
            grads = torch.autograd.grad(value.sum(), params)  # w.r.t. (mu, logvar) only
            for param, grad in zip(params, grads):
                param.grad = grad
            optimizer.step()
    if steps:
        with torch.no_grad():
            best = torch.minimum(best, neg_elbo_at(model, x, y, *params, eps))
    return {"start": start, "best": best, "regret": start - best}
