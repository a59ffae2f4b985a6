"""Every model family behind the one interface: shapes, loss terms, learning, sampling; and the
vector quantizer's invariants (nearest codebook rows, EMA updates, dead-code restarts)."""

from __future__ import annotations

import pytest
import torch

from vae.models import losses
from vae.models import VQVAE, build_model
from vae.models.quantize import VectorQuantizer

SHAPES = [(1, 8, 8), (1, 28, 28), (3, 32, 32), (1, 64, 64)]
VAE_KEYS = {"loss", "recon", "kl", "neg_elbo", "kl_per_dim", "kl_weight"}
VQ_KEYS = {"loss", "recon", "vq", "commit", "perplexity", "usage"}


def _labels(model, n: int):
    return torch.arange(n) % 10 if model.num_classes else None


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_output_shapes_and_loss_keys(family, shape, tiny):
    torch.manual_seed(0)
    config = tiny(family, shape)
    model = build_model(config)
    x = torch.rand(3, *shape)
    y = _labels(model, 3)
    assert model.num_classes == (10 if config.family == "cvae" else 0)

    code, logvar = model.encode(x, y)
    if config.kind.posterior:
        assert model.latent_dim == 4 and code.shape == logvar.shape == (3, 4)
    else:
        h, w = model.grid_shape
        assert (h, w) == (shape[1] // 4, shape[2] // 4)
        assert logvar is None and model.latent_dim == 4 * h * w and code.shape == (3, model.latent_dim)
        assert model.encode_indices(x).shape == (3, h, w)
    assert model.decode_params(code, y).shape == (3, *shape)
    for images in (model.decode(code, y), model.reconstruct(x, y),
                   model.sample(5, y=_labels(model, 5), generator=torch.Generator().manual_seed(0))):
        assert images.shape[1:] == shape and images.min() >= 0 and images.max() <= 1
    assert model.sample(5, y=_labels(model, 5)).shape == (5, *shape)

    out = model.loss(x, y)
    assert set(out) >= (VAE_KEYS if config.kind.posterior else VQ_KEYS)
    assert all(torch.isfinite(v).all() for v in out.values())
    assert out["loss"].dim() == 0 and out["recon"].dim() == 0
    if config.kind.posterior:
        assert out["kl_per_dim"].shape == (4,) and (out["kl_per_dim"] >= 0).all()
        torch.testing.assert_close(out["kl"], out["kl_per_dim"].sum())
        torch.testing.assert_close(out["neg_elbo"], out["recon"] + out["kl"])
    if config.family == "tcvae":
        assert {"mi", "tc", "dwkl"} <= set(out)
    if config.capacity_max > 0:
        assert "capacity" in out


def test_loss_drops_within_30_adam_steps(family, tiny, digits_batch):
    x, labels = digits_batch
    torch.manual_seed(0)
    model = build_model(tiny(family))
    y = labels if model.num_classes else None

    def measured() -> float:  # same noise each time; eval so a VQ codebook holds still
        model.eval()
        with torch.no_grad(), torch.random.fork_rng():
            torch.manual_seed(1)
            return float(model.loss(x, y)["loss"])

    before = measured()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(30):
        loss = model.loss(x, y)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = measured()
    # nats per image; not a ratio, since β-TCVAE's minibatch estimates carry a large constant
    assert after < before - 5.0, (before, after)


def test_gradients_reach_every_parameter(family, tiny, digits_batch):
    x, labels = digits_batch
    torch.manual_seed(0)
    model = build_model(tiny(family))
    model.loss(x, labels if model.num_classes else None)["loss"].backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


def test_gaussian_likelihood(tiny):
    torch.manual_seed(0)
    model = build_model(tiny("vae-mlp", likelihood="gaussian", obs_std=0.2)).eval()
    x = torch.rand(4, 1, 8, 8)
    mu, _ = model.encode(x)
    params = model.decode_params(mu)
    assert torch.equal(model.decode(mu), params.clamp(0, 1))
    torch.manual_seed(2)
    out = model.loss(x)
    torch.manual_seed(2)
    mu, logvar = model.encode(x)
    z = model.reparameterize(mu, logvar)
    torch.testing.assert_close(out["recon"], losses.gaussian_nll(model.decode_params(z), x, 0.2).mean())


def test_cvae_samples_by_class(tiny):
    model = build_model(tiny("cvae-mlp")).eval()

    def draw(y):
        return model.sample(4, y=y, generator=torch.Generator().manual_seed(0))

    threes, sevens = draw(3), draw(7)
    assert torch.equal(threes, draw(torch.full((4,), 3)))  # one class for all == that class each
    assert not torch.allclose(threes, sevens)  # the label changes what is drawn from the same z
    mixed = draw(torch.tensor([3, 7, 3, 7]))
    torch.testing.assert_close(mixed[0::2], threes[0::2])
    torch.testing.assert_close(mixed[1::2], sevens[1::2])
    with pytest.raises(ValueError, match="class labels"):
        model.sample(2)


def test_sampling_is_seeded_and_temperature_zero_is_the_prior_mean(tiny):
    model = build_model(tiny("vae-mlp")).eval()
    a = model.sample(3, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, model.sample(3, generator=torch.Generator().manual_seed(5)))
    cold = model.sample(3, temperature=0.0)
    torch.testing.assert_close(cold, model.decode(torch.zeros(3, 4)).expand_as(cold))


# ---------------------------------------------------------------- vector quantization


def test_quantizer_output_is_the_nearest_codebook_rows():
    torch.manual_seed(0)
    vq = VectorQuantizer(16, 4).eval()
    z_e = torch.randn(2, 4, 3, 5, requires_grad=True)  # (B, D, h, w)
    out = vq(z_e)
    assert out.indices.shape == (2, 3, 5) and out.indices.dtype == torch.int64
    rows = vq.codebook[out.indices].permute(0, 3, 1, 2)  # (B, D, h, w)
    torch.testing.assert_close(out.quantized, rows)
    assert torch.equal(vq.lookup(out.indices), rows)
    flat = z_e.detach().permute(0, 2, 3, 1).reshape(-1, 4)
    assert torch.equal(out.indices.flatten(), torch.cdist(flat, vq.codebook).argmin(1))
    out.quantized.sum().backward()  # straight-through: the encoder gets the decoder's gradient
    torch.testing.assert_close(z_e.grad, torch.ones_like(z_e))
    assert 1 <= out.perplexity <= 16 and 0 < out.usage <= 1


def test_vqvae_codes_round_trip(tiny, digits_batch):
    torch.manual_seed(0)
    model = build_model(tiny("vqvae")).eval()
    assert isinstance(model, VQVAE)
    x, _ = digits_batch
    indices = model.encode_indices(x)
    code, _ = model.encode(x)
    torch.testing.assert_close(code, model.quantizer.lookup(indices).flatten(1))
    torch.testing.assert_close(model.decode_indices(indices), model.decode(code))


def test_ema_moves_the_codebook_in_train_mode_only():
    torch.manual_seed(0)
    vq = VectorQuantizer(8, 4)
    z_e = torch.randn(2, 4, 3, 3)
    state = {k: v.clone() for k, v in vq.state_dict().items()}
    vq.eval()(z_e)
    assert all(torch.equal(v, state[k]) for k, v in vq.state_dict().items())
    vq.train()(z_e)
    assert not torch.allclose(vq.codebook, state["codebook"])
    assert not torch.allclose(vq.cluster_size, state["cluster_size"])


def test_ema_codebook_converges_to_the_mean_of_its_vectors():
    torch.manual_seed(0)
    vq = VectorQuantizer(4, 2, ema_decay=0.5, dead_threshold=0.0).train()
    centers = torch.tensor([[3.0, 0.0], [0.0, 3.0], [-3.0, 0.0], [0.0, -3.0]])
    flat = centers.repeat_interleave(8, 0) + 0.3 * torch.randn(32, 2)  # 4 clusters of 8
    z_e = flat.view(2, 4, 4, 2).permute(0, 3, 1, 2)  # (B, D, h, w)
    for _ in range(60):
        vq(z_e)
    indices = vq.eval()(z_e).indices.flatten()
    for k in indices.unique():
        torch.testing.assert_close(vq.codebook[k], flat[indices == k].mean(0), atol=1e-3, rtol=1e-3)


def test_dead_codes_are_reseeded_from_the_batch():
    torch.manual_seed(0)
    vq = VectorQuantizer(8, 4, ema_decay=0.5).train()
    far = torch.full((4,), 100.0)
    vq.codebook[5], vq.embed_sum[5] = far, far  # a code no encoder output will ever pick
    z_e = torch.randn(2, 4, 3, 3)
    flat = z_e.permute(0, 2, 3, 1).reshape(-1, 4)
    for _ in range(6):  # its EMA count 0.5^6 is still above the 0.01 threshold
        vq(z_e)
    torch.testing.assert_close(vq.codebook[5], far, rtol=1e-3, atol=0)
    vq(z_e)  # 0.5^7 < 0.01: dead, so it restarts at one of this batch's vectors
    assert (flat == vq.codebook[5]).all(1).any()
    assert torch.equal(vq.embed_sum[5], vq.codebook[5]) and vq.cluster_size[5] == 1.0


def test_gradient_codebook_when_ema_is_off(tiny, digits_batch):
    torch.manual_seed(0)
    model = build_model(tiny("vqvae", ema_decay=0.0))
    assert isinstance(model.quantizer.codebook, torch.nn.Parameter)
    out = model.loss(digits_batch[0])
    assert out["vq"] > 0
    out["loss"].backward()
    assert model.quantizer.codebook.grad.abs().sum() > 0


@pytest.mark.parametrize("temperature", [0.0, 0.01])
def test_vqvae_samples_at_a_low_temperature_use_the_most_used_code(temperature, tiny):
    torch.manual_seed(0)
    model = build_model(tiny("vqvae")).eval()
    model.quantizer.cluster_size.fill_(1.0)[3] = 2.0  # code 3 is the most used
    samples = model.sample(4, temperature=temperature, generator=torch.Generator().manual_seed(0))
    expected = model.decode_indices(torch.full((1, *model.grid_shape), 3))
    torch.testing.assert_close(samples, expected.expand_as(samples))
