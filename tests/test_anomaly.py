"""Anomaly scores and their ROC: AUROC on cases with known answers, threshold counts by hand, scores
that are seeded, batched consistently and defined per family, and each correction's defining property:
complexity = −ELBO minus the PNG code length in nats, regret reaches the exact log p(x) of a linear-Gaussian
model, ratio cancels what the background model explains."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae.metrics.anomaly.scores import (SCORES, AnomalyError, ScoreSettings, available_scores, decoder_passes, extremes,
                         heldout_mask, pca_scores, roc, score_images, threshold_metrics)
from vae.metrics.anomaly.compress import idat_bytes, png_code_length
from vae.metrics.evaluate import elbo_terms, iwae_log_likelihood
from vae.models import build_model
from vae.metrics.anomaly.regret import regret_terms


def test_auroc_of_separated_reversed_and_tied_scores():
    flags = np.array([0, 0, 0, 1, 1], bool)
    assert roc([0.1, 0.2, 0.3, 0.8, 0.9], flags).auroc == 1.0
    assert roc([0.9, 0.8, 0.7, 0.2, 0.1], flags).auroc == 0.0
    assert roc([5.0] * 5, flags).auroc == 0.5  # one score for all: no better than guessing


def test_auroc_of_a_hand_computed_case():
    # Anomalies 0.35 and 0.8 against normals 0.1, 0.4, 0.5: of the 6 (anomaly, normal) pairs the anomaly
    # ranks higher in 0.35>0.1, 0.8>0.1, 0.8>0.4, 0.8>0.5 = 4 of 6; a tie would count one half.
    result = roc([0.1, 0.4, 0.35, 0.8, 0.5], [False, False, True, True, False])
    assert result.auroc == pytest.approx(4 / 6)
    assert roc([0.1, 0.4, 0.4, 0.8], [False, False, True, True]).auroc == pytest.approx(3.5 / 4)
    # The curve runs from (0, 0) to (1, 1) and its trapezoid area is the AUROC.
    assert (result.fpr[0], result.tpr[0], result.fpr[-1], result.tpr[-1]) == (0, 0, 1, 1)
    area = np.sum(np.diff(result.fpr) * (result.tpr[1:] + result.tpr[:-1]) / 2)
    assert area == pytest.approx(result.auroc)


def test_roc_needs_both_kinds_and_finite_scores():
    with pytest.raises(AnomalyError, match="both normal and held-out"):
        roc([0.1, 0.2], [False, False])
    with pytest.raises(AnomalyError, match="not finite"):
        roc([0.1, math.nan], [False, True])
    with pytest.raises(AnomalyError, match="same length"):
        roc([0.1, 0.2, 0.3], [False, True])


def test_threshold_counts_precision_and_recall_by_hand():
    scores = [0.1, 0.4, 0.35, 0.8, 0.5]
    flags = [False, False, True, True, False]
    m = threshold_metrics(scores, flags, 0.4)  # flagged: 0.4 (normal), 0.8 (anomaly), 0.5 (normal)
    assert (m.tp, m.fp, m.tn, m.fn) == (1, 2, 1, 1)
    assert m.precision == pytest.approx(1 / 3) and m.recall == 0.5 and m.false_positive_rate == pytest.approx(2 / 3)
    nothing = threshold_metrics(scores, flags, 10.0)
    assert (nothing.tp, nothing.fp, nothing.tn, nothing.fn) == (0, 0, 3, 2) and math.isnan(nothing.precision)
    # Each ROC point is the (false-positive rate, recall) of flagging at its threshold.
    curve = roc(scores, flags)
    for fpr, tpr, threshold in zip(curve.fpr[1:], curve.tpr[1:], curve.thresholds[1:]):
        point = threshold_metrics(scores, flags, threshold)
        assert (point.false_positive_rate, point.recall) == pytest.approx((fpr, tpr))


def test_heldout_mask_and_extremes():
    labels = torch.tensor([7, 1, 7, 3])
    assert heldout_mask(labels, (7,)).tolist() == [True, False, True, False]
    assert heldout_mask(labels, (1, 3)).tolist() == [False, True, False, True]
    picked = extremes(torch.tensor([0.5, 3.0, -1.0, 2.0]), 2)
    assert picked["most"].tolist() == [1, 3] and picked["least"].tolist() == [2, 0]


def test_pca_baseline_is_zero_inside_the_fitted_subspace():
    # Training images that vary along 2 directions: a 2-component PCA reconstructs any image on that
    # plane exactly, and scores an image off it by its squared distance to the plane.
    torch.manual_seed(0)
    basis = torch.randn(2, 16)
    train = (torch.randn(50, 2) @ basis).view(50, 1, 4, 4)
    on_plane = (torch.randn(3, 2) @ basis).view(3, 1, 4, 4)
    off = torch.zeros(1, 1, 4, 4)
    off.view(-1)[0] = 1.0
    normal = torch.linalg.svd(basis, full_matrices=True).Vh[2:]  # directions orthogonal to the plane
    offset = off.flatten() - train.flatten(1).mean(0)
    expected = float(((normal @ offset) ** 2).sum())
    scores = pca_scores(train, torch.cat([on_plane, off]), components=2)
    assert scores[:3].abs().max() < 1e-6 * float((on_plane ** 2).sum())
    assert float(scores[3]) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("name", ["vae-mlp", "cvae-mlp", "vqvae"])
def test_scores_are_seeded_batch_independent_and_defined_per_family(tiny, digits_batch, name):
    shape = (1, 16, 16) if name == "vqvae" else (1, 8, 8)
    torch.manual_seed(0)
    model = build_model(tiny(name, image_shape=shape)).eval()
    x = torch.nn.functional.interpolate(digits_batch[0], size=shape[1:]) if name == "vqvae" else digits_batch[0]
    classes = tuple(range(9)) if name == "cvae-mlp" else None
    assert available_scores(model) == (("recon", "complexity") if name == "vqvae" else SCORES)
    background = build_model(tiny("vae-mlp")).eval() if name != "vqvae" else None
    settings = ScoreSettings(k=8, regret_steps=3)
    for score in available_scores(model):
        first = score_images(model, x, score, classes=classes, settings=settings, background=background)
        again = score_images(model, x, score, classes=classes, settings=settings, background=background)
        assert first.shape == (len(x),) and torch.isfinite(first).all() and torch.equal(first, again)
        # scored in two pieces that say where they start, the draws are the same as scored at once
        pieces = [score_images(model, x[i:i + 16], score, classes=classes, background=background, first_index=i,
                               settings=ScoreSettings(k=8, regret_steps=3, batch_size=8)) for i in (0, 16)]
        whole = score_images(model, x, score, classes=classes, background=background,
                             settings=ScoreSettings(k=8, regret_steps=3, batch_size=8))
        assert torch.equal(torch.cat(pieces), whole), score
    # recon is deterministic, so batching cannot change it
    whole = score_images(model, x, "recon", classes=classes)
    small = score_images(model, x, "recon", classes=classes, settings=ScoreSettings(batch_size=5))
    assert torch.allclose(whole, small, atol=1e-4)
    if name == "vqvae":
        with pytest.raises(AnomalyError, match="not defined"):
            score_images(model, x, "neg_elbo")


def test_scores_match_their_definitions(tiny, digits_batch):
    torch.manual_seed(0)
    model = build_model(tiny("vae-mlp")).eval()
    x = digits_batch[0]
    with torch.no_grad():
        mu, logvar = model.encode(x)
        recon_at_mean = model.nll(model.decode_params(mu), x)
        torch.manual_seed(3)
        iwae = -iwae_log_likelihood(model, x, k=20, chunk=20)
    assert torch.allclose(score_images(model, x, "recon").float(), recon_at_mean, atol=1e-4)
    assert torch.allclose(score_images(model, x, "iwae", settings=ScoreSettings(k=20, seed=3)).float(), iwae, atol=1e-3)
    # −ELBO with many draws ≈ its expectation, and it bounds −log p(x) from above (IWAE k = 200 is tighter)
    elbo = score_images(model, x, "neg_elbo", settings=ScoreSettings(samples=64))
    tight = score_images(model, x, "iwae", settings=ScoreSettings(k=200))
    assert (elbo >= tight - 0.5).all()
    with pytest.raises(AnomalyError, match="classes it trained on"):
        score_images(build_model(tiny("cvae-mlp")).eval(), x)


# --- complexity (Serrà et al. 2020) --------------------------------------------------------------------

def test_png_code_length_is_the_compressed_pixel_stream_in_nats():
    import io
    import zlib

    from PIL import Image

    torch.manual_seed(0)
    noise = torch.rand(2, 1, 16, 16)
    flat = torch.zeros(2, 1, 16, 16)
    lengths = png_code_length(torch.cat([noise, flat]))
    # incompressible 8-bit noise costs 8 bits a pixel (plus row filters and block headers); flat, almost nothing
    assert lengths[:2].min() >= 16 * 16 * 8 * math.log(2) and lengths[:2].max() < 1.15 * 16 * 16 * 8 * math.log(2)
    assert lengths[2:].max() < 0.05 * lengths[0]
    # the length counted is the IDAT payload: a zlib stream that inflates to the filtered scanlines
    buffer = io.BytesIO()
    Image.fromarray((noise[0, 0] * 255).round().to(torch.uint8).numpy()).save(buffer, format="PNG", compress_level=9)
    png = buffer.getvalue()
    start = png.index(b"IDAT")
    payload = png[start + 4:start + 4 + idat_bytes(png)]
    assert len(zlib.decompress(payload)) == 16 * (16 + 1)  # one filter byte per row
    assert float(lengths[0]) == pytest.approx(8 * idat_bytes(png) * math.log(2))
    rgb = png_code_length(torch.rand(1, 3, 8, 8))
    assert rgb[0] > 3 * 8 * 8 * 7 * math.log(2)


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_complexity_is_neg_elbo_minus_the_png_length(tiny, digits_batch, likelihood):
    torch.manual_seed(0)
    model = build_model(tiny("vae-mlp", likelihood=likelihood)).eval()
    x = digits_batch[0]
    settings = ScoreSettings(seed=4)
    neg_elbo = score_images(model, x, "neg_elbo", settings=settings)
    # a Gaussian density becomes the probability of the 8-bit values: + ln 255 per pixel (bins of 1/255)
    offset = 64 * math.log(255) if likelihood == "gaussian" else 0.0
    expected = neg_elbo + offset - png_code_length(x)
    assert torch.allclose(score_images(model, x, "complexity", settings=settings), expected, atol=1e-3)
    # the defining property: of two pictures the model explains equally well, the simpler one scores higher
    busy = x[:1].clone()
    busy.view(-1)[::2] = 1 - busy.view(-1)[::2]
    pair = torch.cat([x[:1], busy])
    assert (png_code_length(pair)[1] > png_code_length(pair)[0])


def test_vqvae_complexity_adds_the_constant_kl_of_its_codes(tiny, digits_batch):
    torch.manual_seed(0)
    model = build_model(tiny("vqvae", image_shape=(1, 16, 16))).eval()
    x = torch.nn.functional.interpolate(digits_batch[0], size=(16, 16))
    kl = 4 * 4 * math.log(16)  # 4×4 cells of 16 codes each (van den Oord et al. 2017)
    expected = score_images(model, x, "recon") + kl - png_code_length(x)
    assert torch.allclose(score_images(model, x, "complexity"), expected, atol=1e-3)


# --- likelihood regret (Xiao et al. 2020) ---------------------------------------------------------------

class LinearDecoder(torch.nn.Module):
    """x = W z + b with orthogonal columns of W: the exact posterior is a diagonal Gaussian."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, shape):
        super().__init__()
        self.weight, self.bias, self.shape = torch.nn.Parameter(weight), torch.nn.Parameter(bias), shape

    def forward(self, z, y_onehot=None):
        return (z @ self.weight.T + self.bias).view(-1, *self.shape)


def test_regret_reaches_the_exact_likelihood_of_a_linear_gaussian_model(tiny):
    torch.manual_seed(0)
    sigma = 0.5
    model = build_model(tiny("vae-mlp", image_shape=(1, 2, 2), latent_dim=2, likelihood="gaussian",
                             obs_std=sigma)).eval()
    weight = torch.linalg.qr(torch.randn(4, 2)).Q * torch.tensor([1.5, 0.7])  # orthogonal columns
    bias = torch.randn(4) * 0.1
    model.decoder = LinearDecoder(weight, bias, (1, 2, 2))
    x = (torch.randn(6, 2) @ weight.T + bias + sigma * torch.randn(6, 4)).view(6, 1, 2, 2)
    # log p(x) = log N(x; b, W Wᵀ + σ² I): the ELBO's maximum over Gaussian posteriors
    exact = -torch.distributions.MultivariateNormal(bias, weight @ weight.T + sigma ** 2 * torch.eye(4)).log_prob(
        x.view(6, 4))
    before = [p.clone() for p in model.parameters()]
    torch.manual_seed(1)
    terms = regret_terms(model, x, steps=400, lr=0.05, samples=2000)
    # within Monte Carlo error of the 2,000 fixed draws (the gap it closed is many times larger)
    assert torch.allclose(terms["best"], exact, atol=0.1)
    assert (terms["regret"] >= 0).all() and torch.allclose(terms["regret"], terms["start"] - terms["best"])
    assert terms["regret"].max() > 0.5  # the untrained encoder was far from the posterior
    # the model is never changed (it may be shared by every page of a server)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(p.grad is None for p in model.parameters())


def test_regret_is_zero_without_steps_and_grows_with_them(tiny, digits_batch):
    torch.manual_seed(0)
    model = build_model(tiny("vae-mlp")).eval()
    x = digits_batch[0]
    none = score_images(model, x, "regret", settings=ScoreSettings(regret_steps=0))
    few = score_images(model, x, "regret", settings=ScoreSettings(regret_steps=5))
    many = score_images(model, x, "regret", settings=ScoreSettings(regret_steps=50))
    assert torch.equal(none, torch.zeros_like(none))
    assert (few >= 0).all() and (many >= few - 1e-4).mean(dtype=torch.float64) > 0.9 and many.mean() > few.mean()
    # the start is the −ELBO at the encoder's output, with the score's own draws
    torch.manual_seed(7)
    terms = regret_terms(model, x, steps=0, lr=0.1, samples=200)
    torch.manual_seed(8)
    assert torch.allclose(terms["start"], elbo_terms(model, x, samples=200)["neg_elbo"], rtol=0.02)


# --- likelihood ratio (Ren et al. 2019) -----------------------------------------------------------------

def test_ratio_is_the_difference_of_the_two_bounds_and_cancels_a_shared_model(tiny, digits_batch):
    torch.manual_seed(0)
    model, background = build_model(tiny("vae-mlp")).eval(), build_model(tiny("vae-mlp")).eval()
    x = digits_batch[0]
    settings = ScoreSettings(seed=2)
    # the same model as its own background explains everything the same: the ratio is 0 for every picture
    assert torch.equal(score_images(model, x, "ratio", settings=settings, background=model),
                       torch.zeros(len(x), dtype=torch.float64))
    expected = (score_images(model, x, "neg_elbo", settings=settings)
                - score_images(background, x, "neg_elbo", settings=settings))
    assert torch.allclose(score_images(model, x, "ratio", settings=settings, background=background), expected)
    with pytest.raises(AnomalyError, match="background model"):
        score_images(model, x, "ratio")
    with pytest.raises(AnomalyError, match="train it at the model's size"):
        score_images(model, x, "ratio", background=build_model(tiny("vae-mlp", image_shape=(1, 4, 4))))
    with pytest.raises(AnomalyError, match="Gaussian latent"):
        score_images(model, x, "ratio", background=build_model(tiny("vqvae", image_shape=(1, 8, 8))))


def test_time_estimates_follow_the_settings(tiny):
    model = build_model(tiny("vae-mlp"))
    base = ScoreSettings()
    assert decoder_passes(model, "iwae", ScoreSettings(k=100)) > decoder_passes(model, "iwae", base)
    assert decoder_passes(model, "regret", ScoreSettings(regret_steps=40)) > decoder_passes(model, "regret", base)
    assert decoder_passes(model, "recon", base) < decoder_passes(model, "neg_elbo", base) < decoder_passes(
        model, "ratio", base)
    cvae = build_model(tiny("cvae-mlp"))
    assert decoder_passes(cvae, "neg_elbo", base, classes=range(9)) == 9 * decoder_passes(model, "neg_elbo", base)
    with pytest.raises(AnomalyError, match="regret needs"):
        ScoreSettings(regret_lr=0)
