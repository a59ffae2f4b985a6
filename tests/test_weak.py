"""Ada-GVAE (Locatello et al. 2020): the adaptive averaging rule on made-up posteriors, the pairs the shapes
generator draws, and the family end to end on a few steps."""

import math

import pytest
import torch

from vae.config import ConfigError, ModelConfig, TrainConfig
from vae.data import load_dataset
from vae.data.shapes import FACTOR_SIZES, partner_factors
from vae.models.losses import adaptive_group_average, gaussian_kl_between
from vae.models import build_model
from vae.training.trainer import fit_model_config, train


def test_kl_between_matches_the_closed_form_of_two_normals():
    mu1, logvar1, mu2, logvar2 = torch.tensor([[0.3]]), torch.tensor([[math.log(0.5)]]), torch.tensor([[-1.0]]), \
        torch.tensor([[math.log(2.0)]])
    expected = math.log(math.sqrt(2.0) / math.sqrt(0.5)) + (0.5 + 1.3 ** 2) / (2 * 2.0) - 0.5
    assert gaussian_kl_between(mu1, logvar1, mu2, logvar2).item() == pytest.approx(expected, rel=1e-6)


def test_dimensions_below_the_midpoint_of_the_kls_are_averaged_the_others_kept():
    # One pair, four dimensions, unit variances: δ_j = ½ (Δμ_j)², so Δμ = 0, √2, √6, √8 gives δ = 0, 1, 3, 4
    # and τ = ½ (4 + 0) = 2: dimensions 0 and 1 are shared, 2 and 3 are not.
    mu1 = torch.tensor([[0.0, 0.0, 0.0, 0.0]])
    mu2 = torch.tensor([[0.0, math.sqrt(2), math.sqrt(6), math.sqrt(8)]])
    logvar1 = torch.zeros(1, 4)
    logvar2 = torch.tensor([[0.0, math.log(3.0), 0.0, 0.0]])  # dim 1's variances differ: 1 and 3
    # Dim 1's δ with variances 1 and 3: ½ (log 3 + (1 + 2) / 3 - 1) = ½ log 3 ≈ 0.55, still below τ.
    mu, logvar, shared = adaptive_group_average(mu1, logvar1, mu2, logvar2)
    assert shared.tolist() == [[True, True, False, False]]
    assert mu.shape == (2, 1, 4) and logvar.shape == (2, 1, 4)
    # Shared: both get the mean of the means and the log of the mean of the variances (GVAE).
    assert mu[0, 0, 1].item() == pytest.approx(math.sqrt(2) / 2) and mu[1, 0, 1].item() == pytest.approx(math.sqrt(2) / 2)
    assert logvar[0, 0, 1].item() == pytest.approx(math.log(2.0)) and logvar[1, 0, 1].item() == pytest.approx(math.log(2.0))
    # Not shared: each keeps its own posterior.
    assert mu[0, 0, 3].item() == 0.0 and mu[1, 0, 3].item() == pytest.approx(math.sqrt(8))
    assert logvar[0, 0, 2].item() == 0.0 and logvar[1, 0, 2].item() == 0.0


def test_the_threshold_is_per_pair():
    # Pair 0 differs hugely in dim 0 only; pair 1 a little in dims 0 and 1, more in dim 2.
    mu1 = torch.zeros(2, 3)
    mu2 = torch.tensor([[10.0, 0.1, 0.0], [1.0, 1.0, 3.0]])
    _, _, shared = adaptive_group_average(mu1, torch.zeros(2, 3), mu2, torch.zeros(2, 3))
    assert shared.tolist() == [[False, True, True], [True, True, False]]


@pytest.mark.parametrize("changes", [1, 2, 4])
def test_partners_differ_in_exactly_the_asked_number_of_factors(changes):
    factors = torch.stack([torch.randint(0, size, (500,)) for size in FACTOR_SIZES], dim=1)
    partners = partner_factors(factors, changes, torch.Generator().manual_seed(0))
    assert ((partners != factors).sum(1) == changes).all()
    assert ((partners >= 0) & (partners < torch.tensor(FACTOR_SIZES))).all()


def test_random_partners_differ_in_one_to_four_factors_each_changing_sometimes():
    factors = torch.stack([torch.randint(0, size, (2000,)) for size in FACTOR_SIZES], dim=1)
    partners = partner_factors(factors, 0, torch.Generator().manual_seed(1))
    differing = (partners != factors).sum(1)
    assert differing.min() == 1 and differing.max() == len(FACTOR_SIZES) - 1
    assert set(differing.tolist()) == {1, 2, 3, 4}
    assert ((partners != factors).float().mean(0) > 0.3).all()  # every factor is changed in some pairs


def test_the_pair_loss_is_the_beta_vae_loss_of_both_pictures():
    config = ModelConfig(family="adagvae", arch="conv", image_shape=(1, 32, 32), hidden=(8, 8, 8), latent_dim=4,
                         conv_fc=16, beta=2.0)
    model = build_model(config)
    torch.manual_seed(0)
    x, pair = torch.rand(6, 1, 32, 32).round(), torch.rand(6, 1, 32, 32).round()
    terms = model.loss(x, pair=pair)
    assert torch.isfinite(terms["loss"]) and 0 <= terms["shared_dims"].item() <= 4
    assert terms["loss"].item() == pytest.approx((terms["recon"] + 2.0 * terms["kl"]).item(), rel=1e-5)
    single = model.loss(x)  # without a pair: the β-VAE loss of single pictures (the test loss)
    assert "shared_dims" not in single


def test_ada_gvae_trains_on_shapes_and_refuses_other_data(tmp_path):
    settings = dict(family="adagvae", arch="conv", hidden=(8, 8, 8), latent_dim=4, conv_fc=16, beta=2.0)
    digits = load_dataset("digits", "test", limit=8)
    with pytest.raises(ConfigError, match="shapes"):
        fit_model_config(settings, digits)
    config = TrainConfig(dataset="shapes", image_size=32, limit=256, epochs=1, batch_size=64, device="cpu")
    result = train(settings, config, tmp_path / "run")
    assert result.state == "finished" and result.step == 4
    assert 0 <= result.last_epoch["shared_dims"] <= 4


def test_a_runs_pairs_are_drawn_by_its_shape_area(tmp_path, monkeypatch):
    """The second picture of each pair is drawn like the first: an equal-area run never sees a dSprites-sized one."""
    from vae.data import shapes

    drawn, render = [], shapes.render_shapes

    def spy(*args, **kwargs):
        drawn.append(kwargs.get("area", "bounding"))
        return render(*args, **kwargs)

    monkeypatch.setattr(shapes, "render_shapes", spy)
    settings = dict(family="adagvae", arch="conv", hidden=(8, 8, 8), latent_dim=4, conv_fc=16, beta=2.0)
    config = TrainConfig(dataset="shapes", image_size=32, limit=128, epochs=1, batch_size=64, device="cpu",
                         shape_area="equal")
    assert train(settings, config, tmp_path / "run").state == "finished"
    assert len(drawn) >= 3 and set(drawn) == {"equal"}  # the training pictures, then one partner batch a step
