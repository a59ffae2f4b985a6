"""Likelihoods, KL terms, schedules and how the model families weight them (nats per image)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli, Normal, kl_divergence

from vae.models import losses
from vae.models import build_model


def test_gaussian_kl_equals_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(16, 5) * 2, torch.randn(16, 5)
    expected = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0))
    torch.testing.assert_close(losses.gaussian_kl(mu, logvar), expected)


def test_gaussian_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(3, 4)
    assert torch.equal(losses.gaussian_kl(zeros, zeros), zeros)
    assert (losses.gaussian_kl(zeros + 0.1, zeros) > 0).all()
    assert (losses.gaussian_kl(zeros, zeros - 0.1) > 0).all()


def test_bernoulli_nll_is_the_summed_bce_with_logits():
    torch.manual_seed(0)
    logits, x = torch.randn(4, 1, 8, 8) * 3, torch.rand(4, 1, 8, 8)
    expected = torch.stack([F.binary_cross_entropy_with_logits(l, t, reduction="sum") for l, t in zip(logits, x)])
    torch.testing.assert_close(losses.bernoulli_nll(logits, x), expected)
    binary = (x > 0.5).float()
    torch.testing.assert_close(losses.bernoulli_nll(logits, binary),
                               -Bernoulli(logits=logits).log_prob(binary).flatten(1).sum(1))


def test_gaussian_nll_is_the_summed_negative_log_density():
    torch.manual_seed(0)
    mean, x = torch.rand(4, 3, 4, 4), torch.rand(4, 3, 4, 4)
    expected = -Normal(mean, 0.1).log_prob(x).flatten(1).sum(1)
    torch.testing.assert_close(losses.gaussian_nll(mean, x, 0.1), expected)


def test_log_normal_is_the_normal_log_density():
    torch.manual_seed(0)
    z, mu, logvar = torch.randn(6, 3), torch.randn(6, 3), torch.randn(6, 3)
    torch.testing.assert_close(losses.log_normal(z, mu, logvar),
                               Normal(mu, torch.exp(0.5 * logvar)).log_prob(z))


# ---------------------------------------------------------------- weights and schedules


@pytest.mark.parametrize("step, expected", [(0, 0.0), (25, 0.25), (100, 1.0), (5000, 1.0)])
def test_linear_warmup(step, expected):
    assert losses.kl_warmup_weight(step, "linear", 100) == pytest.approx(expected)


@pytest.mark.parametrize("step, expected",
                         [(0, 0.0), (25, 0.5), (50, 1.0), (75, 1.0), (99, 1.0), (100, 0.0), (125, 0.5), (260, 1.0)])
def test_cyclical_warmup_rises_over_half_a_cycle_then_holds(step, expected):
    assert losses.kl_warmup_weight(step, "cyclical", 100) == pytest.approx(expected)


def test_no_warmup_is_full_weight():
    assert losses.kl_warmup_weight(0, "none", 0) == losses.kl_warmup_weight(7, "none", 100) == 1.0


@pytest.mark.parametrize("step, expected", [(0, 0.0), (50, 2.5), (100, 5.0), (1000, 5.0)])
def test_capacity_ramps_to_c_max(step, expected):
    assert losses.capacity_at(step, 5.0, 100) == pytest.approx(expected)


def test_free_bits_clamps_each_dimension_from_below():
    kl = torch.tensor([0.1, 0.7, 2.0], requires_grad=True)
    total = losses.free_bits_kl(kl, 0.5)
    assert total.item() == pytest.approx(0.5 + 0.7 + 2.0)
    total.backward()
    assert kl.grad.tolist() == [0.0, 1.0, 1.0]  # a dimension under the floor is not pushed further down
    assert losses.free_bits_kl(kl, 0.0).item() == pytest.approx(2.8)


# ---------------------------------------------------------------- the families' objectives


def _same_noise_losses(models, x, step=0):
    """Each model's loss dict on x with the same reparameterization noise."""
    outs = []
    for model in models:
        torch.manual_seed(1)
        outs.append(model.loss(x, step=step))
    return outs


def _twins(tiny, name, shared=(), **changes):
    """Two models with the same initial weights: `name` (plus `shared`) and that with `changes`."""
    torch.manual_seed(0)
    base = build_model(tiny(name, **dict(shared)))
    other = build_model(tiny(name, **{**dict(shared), **changes}))
    other.load_state_dict(base.state_dict())
    return base, other


def test_beta_scales_only_the_kl_term(tiny, digits_batch):
    base, heavy = _twins(tiny, "vae-mlp", beta=4.0)
    a, b = _same_noise_losses([base, heavy], digits_batch[0])
    assert torch.equal(a["recon"], b["recon"]) and torch.equal(a["kl"], b["kl"])
    assert a["kl"] > 0
    torch.testing.assert_close(a["loss"] - a["recon"], a["kl"])
    torch.testing.assert_close(b["loss"] - b["recon"], 4 * b["kl"])
    torch.testing.assert_close(b["neg_elbo"], a["neg_elbo"])  # the ELBO itself does not move with β
    assert b["kl_weight"].item() == 4.0


def test_beta_scales_only_total_correlation_in_tcvae(tiny, digits_batch):
    light, heavy = _twins(tiny, "tcvae", shared=dict(beta=1.0, tc_alpha=0.5, tc_gamma=2.0), beta=9.0)
    a, b = _same_noise_losses([light, heavy], digits_batch[0])
    for key in ("recon", "kl", "mi", "tc", "dwkl"):
        assert torch.equal(a[key], b[key]), key
    torch.testing.assert_close(b["loss"] - a["loss"], 8.0 * a["tc"])
    torch.testing.assert_close(a["loss"] - a["recon"], 0.5 * a["mi"] + a["tc"] + 2.0 * a["dwkl"])


def test_capacity_objective(tiny, digits_batch):
    _, model = _twins(tiny, "vae-mlp", capacity_max=5.0, capacity_gamma=10.0, capacity_steps=100)
    for step, capacity in [(0, 0.0), (50, 2.5), (400, 5.0)]:
        (out,) = _same_noise_losses([model], digits_batch[0], step=step)
        assert out["capacity"].item() == pytest.approx(capacity)
        torch.testing.assert_close(out["loss"] - out["recon"], 10.0 * (out["kl"] - capacity).abs())
        assert out["kl_weight"].item() == 10.0


def test_warmup_weights_the_kl_term_by_step(tiny, digits_batch):
    _, model = _twins(tiny, "vae-mlp", beta=2.0, warmup="linear", warmup_steps=100)
    for step, weight in [(0, 0.0), (25, 0.25), (300, 1.0)]:
        (out,) = _same_noise_losses([model], digits_batch[0], step=step)
        torch.testing.assert_close(out["loss"] - out["recon"], weight * 2.0 * out["kl"])
        assert out["kl_weight"].item() == pytest.approx(2.0 * weight)


def test_free_bits_in_the_model_loss(tiny, digits_batch):
    _, model = _twins(tiny, "vae-mlp", free_bits=1.0)
    (out,) = _same_noise_losses([model], digits_batch[0])
    assert (out["kl_per_dim"] < 1.0).any()  # an untrained model: some dimensions under the floor
    torch.testing.assert_close(out["loss"] - out["recon"], out["kl_per_dim"].clamp(min=1.0).sum())
    torch.testing.assert_close(out["neg_elbo"], out["recon"] + out["kl"])  # the reported ELBO is unclamped


# ---------------------------------------------------------------- β-TCVAE decomposition


def _posterior_batch(correlated: bool, batch: int = 512, std: float = 0.05):
    """Means (B, 2) with independent or strongly correlated dimensions, small σ, and z ~ q(z|x)."""
    generator = torch.Generator().manual_seed(0)
    first = torch.randn(batch, 1, generator=generator)
    second = first + 0.05 * torch.randn(batch, 1, generator=generator) if correlated else \
        torch.randn(batch, 1, generator=generator)
    mu = torch.cat([first, second], 1)
    logvar = torch.full_like(mu, 2 * math.log(std))
    z = mu + std * torch.randn(mu.shape, generator=generator)
    return z, mu, logvar


@pytest.mark.parametrize("correlated", [False, True])
def test_tc_terms_telescope_to_the_kl_estimate(correlated):
    z, mu, logvar = _posterior_batch(correlated)
    terms = losses.total_correlation_terms(z, mu, logvar, dataset_size=5000)
    std = torch.exp(0.5 * logvar)
    kl_estimate = (Normal(mu, std).log_prob(z).sum(1) - Normal(0.0, 1.0).log_prob(z).sum(1)).mean()
    torch.testing.assert_close(terms["mi"] + terms["tc"] + terms["dwkl"], kl_estimate)
    assert all(t.dim() == 0 and torch.isfinite(t) for t in terms.values())


def test_tc_is_larger_for_correlated_dimensions():
    independent = losses.total_correlation_terms(*_posterior_batch(False), dataset_size=512)["tc"]
    correlated = losses.total_correlation_terms(*_posterior_batch(True), dataset_size=512)["tc"]
    # Minibatch-weighted sampling adds the same (D - 1)·log(N·M)-sized offset to both, so compare:
    # the true TC is ~0 nats for the first and ~2.4 nats for the second.
    assert correlated > independent + 1.0, (float(independent), float(correlated))
