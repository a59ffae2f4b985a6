"""Anomaly scores and their ROC: AUROC on cases with known answers, threshold counts by hand, and
scores that are seeded, batched consistently and defined per family."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae.anomaly import (AnomalyError, ScoreSettings, available_scores, extremes, heldout_mask, pca_scores, roc,
                         score_images, threshold_metrics)
from vae.evaluate import iwae_log_likelihood
from vae.models import build_model


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
    assert available_scores(model) == (("recon",) if name == "vqvae" else ("neg_elbo", "recon", "iwae"))
    for score in available_scores(model):
        first = score_images(model, x, score, classes=classes, settings=ScoreSettings(k=8))
        again = score_images(model, x, score, classes=classes, settings=ScoreSettings(k=8))
        assert first.shape == (len(x),) and torch.isfinite(first).all() and torch.equal(first, again)
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
