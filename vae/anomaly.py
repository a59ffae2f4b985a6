"""Anomaly scores: how badly a model trained without some classes explains each test image.

A VAE that never saw a class should give its images a low likelihood (An & Cho 2015). Three
scores, each "higher = more anomalous", in nats per image:
- neg_elbo: −ELBO = E_q[−log p(x|z)] + KL(q(z|x) ‖ p(z)); the KL is exact, the expectation a
  Monte Carlo mean over `samples` draws of z (seeded).
- recon: −log p(x|z) at the posterior mean z = μ (deterministic). With the Gaussian likelihood
  this is Σ (x − x̂)² / 2σ² plus a constant, i.e. a scaled squared error; with Bernoulli the
  cross-entropy. For VQ-VAE, the only score: its KL is a constant, so −ELBO ranks the same.
- iwae: −log p(x) through the importance-weighted bound with k samples (Burda et al. 2016).
A conditional VAE is scored without being told the class: p(x) = Σ_y p(y) p(x|y), y uniform over
the classes it trained on (the bounds combine by logsumexp; recon takes the best class).
The baseline: squared error of a PCA reconstruction fitted on the training split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score, roc_curve

from vae.evaluate import elbo_terms, iwae_log_likelihood

SCORES = ("neg_elbo", "recon", "iwae")


class AnomalyError(ValueError):
    """A request these scores cannot answer; the message is one line that says why."""


@dataclass(frozen=True)
class ScoreSettings:
    samples: int = 4  # neg_elbo: draws of z for the reconstruction term (the KL is exact)
    k: int = 50  # iwae: importance samples per image; the bound tightens slowly beyond ~50
    seed: int = 0  # every random draw; the same settings give the same scores
    batch_size: int = 250  # images per forward pass (iwae decodes batch × min(k, 50) at once)

    def __post_init__(self) -> None:
        if self.samples < 1 or self.k < 1 or self.batch_size < 1:
            raise AnomalyError("samples, k and batch size must each be at least 1")


def available_scores(model) -> tuple[str, ...]:
    """The scores a model offers: all three for Gaussian-latent families, recon for VQ-VAE."""
    return SCORES if model.config.is_gaussian_latent else ("recon",)


def heldout_mask(labels: torch.Tensor, held_out: Sequence[int]) -> torch.Tensor:
    """(N,) labels -> (N,) bool, True where the image belongs to a held-out class."""
    return torch.isin(labels, torch.tensor([int(c) for c in held_out], dtype=labels.dtype))


@torch.no_grad()
def _neg_bound(model, x: torch.Tensor, y: torch.Tensor | None, score: str, settings: ScoreSettings) -> torch.Tensor:
    """One batch (B, C, H, W), at labels y (CVAE) or None -> (B,) score in nats."""
    if score == "recon" or not model.config.is_gaussian_latent:
        code, _ = model.encode(x, y)
        return model.nll(model.decode_params(code, y), x)
    if score == "iwae":
        return -iwae_log_likelihood(model, x, y, k=settings.k, chunk=min(settings.k, 50))
    return elbo_terms(model, x, y, settings.samples)["neg_elbo"]


def _batch_scores(model, x: torch.Tensor, score: str, classes: Sequence[int], settings: ScoreSettings):
    if model.num_classes == 0:
        return _neg_bound(model, x, None, score, settings)
    per_class = torch.stack([_neg_bound(model, x, torch.full((len(x),), c, device=x.device), score, settings)
                             for c in classes])  # (K, B)
    if score == "recon":
        return per_class.min(0).values
    # −log Σ_y p(y) p(x|y) with p(y) = 1/K, each log p(x|y) replaced by its lower bound.
    return -(torch.logsumexp(-per_class, dim=0) - math.log(len(classes)))


@torch.no_grad()
def score_images(model, images: torch.Tensor, score: str = "neg_elbo", *, classes: Sequence[int] | None = None,
                 settings: ScoreSettings = ScoreSettings()) -> torch.Tensor:
    """Images (N, C, H, W) in [0, 1] -> (N,) float64 scores on the CPU, higher = more anomalous.

    classes: for a conditional VAE, the labels it trained on (marginalized over); ignored otherwise.
    Batched on the model's device; seeded, so repeated calls agree."""
    if score not in available_scores(model):
        raise AnomalyError(f"score '{score}' is not defined for this model: choose one of "
                           f"{', '.join(available_scores(model))}")
    if model.num_classes and not classes:
        raise AnomalyError("a conditional VAE needs the classes it trained on to be scored without labels")
    device = model.device
    out = []
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(settings.seed)
        for start in range(0, len(images), settings.batch_size):
            x = images[start:start + settings.batch_size].to(device)
            out.append(_batch_scores(model, x, score, classes or (), settings).double().cpu())
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.float64)


def pca_scores(train_images: torch.Tensor, test_images: torch.Tensor, components: int) -> torch.Tensor:
    """Baseline: fit PCA with `components` axes on train (N, C, H, W); return each test image's
    squared reconstruction error Σ (x − x̂)² (M,) float64."""
    # float32 like the images: 54,000 Fashion-MNIST pictures in float64 would take 340 MB for nothing.
    train = train_images.flatten(1).float().numpy()
    test = test_images.flatten(1).float().numpy()
    components = max(1, min(int(components), train.shape[0], train.shape[1]))
    pca = PCA(n_components=components, random_state=0).fit(train)
    recon = pca.inverse_transform(pca.transform(test))
    return torch.from_numpy(((test - recon).astype(np.float64) ** 2).sum(1))


@dataclass(frozen=True)
class RocCurve:
    fpr: np.ndarray  # false-positive rate at each threshold (normal images flagged)
    tpr: np.ndarray  # true-positive rate = recall (held-out images flagged)
    thresholds: np.ndarray  # flag an image when its score >= threshold
    auroc: float  # area under the curve: P(random anomaly scores above random normal image)


def _as_numpy(scores, is_anomaly) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    is_anomaly = np.asarray(is_anomaly, dtype=bool)
    if scores.shape != is_anomaly.shape or scores.ndim != 1:
        raise AnomalyError("scores and anomaly flags must be two lists of the same length")
    return scores, is_anomaly


def roc(scores, is_anomaly) -> RocCurve:
    """ROC curve and AUROC (scikit-learn) of scores (N,) against flags (N,) bool."""
    scores, is_anomaly = _as_numpy(scores, is_anomaly)
    if is_anomaly.all() or not is_anomaly.any():
        raise AnomalyError("the ROC needs both normal and held-out images among the test images")
    if not np.isfinite(scores).all():
        raise AnomalyError("some scores are not finite numbers: the model may have diverged")
    fpr, tpr, thresholds = roc_curve(is_anomaly, scores)
    return RocCurve(fpr, tpr, thresholds, float(roc_auc_score(is_anomaly, scores)))


@dataclass(frozen=True)
class ThresholdMetrics:
    threshold: float  # images with score >= threshold are flagged anomalous
    tp: int  # held-out images flagged
    fp: int  # normal images flagged
    tn: int  # normal images passed
    fn: int  # held-out images passed
    precision: float  # tp / (tp + fp); NaN when nothing is flagged
    recall: float  # tp / (tp + fn), the true-positive rate
    false_positive_rate: float  # fp / (fp + tn)


def threshold_metrics(scores, is_anomaly, threshold: float) -> ThresholdMetrics:
    """Confusion counts, precision and recall when images scoring >= threshold are flagged."""
    scores, is_anomaly = _as_numpy(scores, is_anomaly)
    flagged = scores >= threshold
    tp, fp = int((flagged & is_anomaly).sum()), int((flagged & ~is_anomaly).sum())
    tn, fn = int((~flagged & ~is_anomaly).sum()), int((~flagged & is_anomaly).sum())
    return ThresholdMetrics(float(threshold), tp, fp, tn, fn,
                            precision=tp / (tp + fp) if tp + fp else math.nan,
                            recall=tp / (tp + fn) if tp + fn else math.nan,
                            false_positive_rate=fp / (fp + tn) if fp + tn else math.nan)


def extremes(scores: torch.Tensor, n: int) -> dict[str, torch.Tensor]:
    """Indices of the n highest ("most") and n lowest ("least") scores, most extreme first."""
    order = torch.argsort(torch.as_tensor(scores), descending=True)
    n = min(n, len(order))
    return {"most": order[:n], "least": order.flip(0)[:n]}
