"""Anomaly scores: how badly a model explains each picture, "higher = more anomalous", in nats per image.

Raw likelihoods (An & Cho 2015):
- neg_elbo: −ELBO = E_q[−log p(x|z)] + KL(q(z|x) ‖ p(z)); the KL is exact, the expectation a Monte Carlo
  mean over `samples` draws of z.
- recon: −log p(x|z) at the posterior mean z = μ (deterministic). With the Gaussian likelihood a scaled
  squared error plus a constant; with Bernoulli the cross-entropy. VQ-VAE's main score.
- iwae: −log p(x) through the importance-weighted bound with k samples (Burda et al. 2016).
A likelihood rewards pictures that are easy to draw, whatever they show (Nalisnick et al. 2019, "Do deep
generative models know what they don't know?"). Three published corrections:
- complexity: −log p(x) minus the picture's length under a lossless compressor, PNG (Serrà et al. 2020,
  "Input complexity and out-of-distribution detection with likelihood-based generative models"): what the
  model saves over a general-purpose code. −log p(x) is the −ELBO; with the Gaussian likelihood its
  density is turned into the probability of the picture's 8-bit values (+ ln 255 per pixel, vae.metrics.anomaly.compress).
  With Bernoulli the cross-entropy of gray pixels is no such code length, so the result is a score,
  not a log-ratio.
- regret: the likelihood regret (Xiao et al. 2020, vae.metrics.anomaly.regret): the −ELBO minus the −ELBO after the
  posterior of that one picture is optimised (`regret_steps` Adam steps at `regret_lr`).
- ratio: −ELBO of the model minus −ELBO of a background model (Ren et al. 2019, "Likelihood ratios for
  out-of-distribution detection"): an ordinary run trained on the same pictures with a share of their
  pixels replaced by noise (`python -m vae train --pixel-noise 0.2`), which learns the low-level
  statistics (smooth backgrounds, plain regions) and so cancels what makes simple pictures likely. Both
  bounds use the same draws of ε (common random numbers), so a background equal to the model gives 0.
A conditional VAE is scored without being told the class: p(x) = Σ_y p(y) p(x|y), y uniform over the
classes it trained on (the bounds combine by logsumexp; recon takes the best class). Every draw is
seeded per batch by (seed + the batch's first index), so the same picture at the same place gets the
same score however the caller splits the work. The baseline: squared error of a PCA reconstruction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score, roc_curve

from vae.config import ConfigError, setting, validate
from vae.metrics.anomaly.compress import png_code_length
from vae.metrics.evaluate import elbo_terms, iwae_log_likelihood
from vae.metrics.anomaly.regret import regret_terms

RAW_SCORES = ("neg_elbo", "recon", "iwae")
CORRECTED_SCORES = ("complexity", "regret", "ratio")
SCORES = RAW_SCORES + CORRECTED_SCORES
GRAY_LEVELS = 255  # 8-bit pixels: a value v stands for x in [(v − ½)/255, (v + ½)/255]


class AnomalyError(ValueError):
    """A request these scores cannot answer; the message is one line that says why."""


@dataclass(frozen=True)
class ScoreSettings:
    """How the scores are computed: vae.config schema fields (`python -m vae anomaly` has a flag for each
    one with cli=True)."""

    samples: int = setting(4, "neg_elbo, complexity, ratio, regret: draws of z for the reconstruction term (KL "
                           "exact)", group="score", min=1, max=10_000, cli=False)
    k: int = setting(50, "importance samples of the IWAE bound; it tightens slowly beyond ~50", group="score",
                     min=1, max=100_000)
    regret_steps: int = setting(20, "optimisation steps of the likelihood regret (Adam on each picture's "
                                "(mu, logvar))", group="score", min=0, max=100_000)
    regret_lr: float = setting(0.1, "regret: Adam's step size, in prior standard deviations", group="score",
                               above=0, max=100.0, cli=False)
    seed: int = setting(0, "seeds every random draw; the same settings give the same scores", group="score", min=0,
                        max=2**31 - 1, cli=False)
    batch_size: int = setting(250, "images per forward pass (iwae decodes batch × min(k, 50) at once)",
                              group="score", min=1, max=1_000_000, cli=False)

    def __post_init__(self) -> None:
        try:
            validate(self)
        except ConfigError as error:  # the scores' callers catch their own kind of error, worded as before
            regret = error.field in ("regret_steps", "regret_lr")
            raise AnomalyError(("regret needs 0 or more steps and a step size > 0: " if regret else "") + str(error)) \
                from None


def available_scores(model) -> tuple[str, ...]:
    """The scores a model offers: all six for Gaussian-latent families; recon and complexity for VQ-VAE
    (its KL is a constant, so −ELBO and IWAE rank as recon does, and it has no (mu, logvar) to optimise)."""
    return SCORES if model.config.kind.posterior else ("recon", "complexity")


def decoder_passes(model, score: str, settings: ScoreSettings, classes: Sequence[int] = ()) -> float:
    """Roughly how many network passes scoring one picture costs (a backward pass counted as two), to
    estimate the time of a score before running it."""
    per_class = {"neg_elbo": settings.samples, "recon": 1, "iwae": settings.k, "complexity": settings.samples,
                 "regret": settings.samples * (3 * settings.regret_steps + 2), "ratio": 2 * settings.samples}[score]
    return (per_class + 1) * (max(1, len(classes)) if model.num_classes else 1)


def heldout_mask(labels: torch.Tensor, held_out: Sequence[int]) -> torch.Tensor:
    """(N,) labels -> (N,) bool, True where the image belongs to a held-out class."""
    return torch.isin(labels, torch.tensor([int(c) for c in held_out], dtype=labels.dtype))


def _code_offset(model) -> float:
    """Nats that turn the model's −log p(x) into the code length of the picture's 8-bit values: the
    Gaussian density times the bin width 1/255 per pixel; Bernoulli (already per-pixel probabilities): 0."""
    return math.prod(model.config.image_shape) * math.log(GRAY_LEVELS) if model.config.likelihood == "gaussian" else 0.0


def _per_class(model, x: torch.Tensor, classes: Sequence[int], one) -> list[torch.Tensor]:
    """one(y) for y = None (unconditional model) or for each class in turn (CVAE); each (B,) or a dict."""
    if model.num_classes == 0:
        return [one(None)]
    return [one(torch.full((len(x),), c, device=x.device)) for c in classes]


def _marginal(per_class: list[torch.Tensor]) -> torch.Tensor:
    """−log Σ_y p(y) p(x|y) with p(y) = 1/K from K per-class bounds on −log p(x|y), each (B,)."""
    if len(per_class) == 1:
        return per_class[0]
    stacked = -torch.stack(per_class)  # (K, B)
    return -(torch.logsumexp(stacked, dim=0) - math.log(len(per_class)))


@torch.no_grad()
def _neg_log_likelihood(model, x: torch.Tensor, bound: str, classes: Sequence[int],
                        settings: ScoreSettings) -> torch.Tensor:
    """One batch (B, C, H, W) -> (B,) nats: the −ELBO, IWAE or recon bound on −log p(x)."""
    if bound == "recon" or not model.config.kind.posterior:
        def one(y):
            code, _ = model.encode(x, y)
            return model.nll(model.decode_params(code, y), x)

        values = _per_class(model, x, classes, one)
        return torch.stack(values).min(0).values  # recon: the best class
    if bound == "iwae":
        return _marginal(_per_class(model, x, classes, lambda y: -iwae_log_likelihood(
            model, x, y, k=settings.k, chunk=min(settings.k, 50))))
    return _marginal(_per_class(model, x, classes, lambda y: elbo_terms(model, x, y, settings.samples)["neg_elbo"]))


def _vq_kl(model) -> float:
    """VQ-VAE's KL under a uniform prior over codes: log K per cell of its grid (van den Oord et al. 2017)."""
    return math.prod(model.grid_shape) * math.log(model.config.codebook_size)


def _regret(model, x: torch.Tensor, classes: Sequence[int], settings: ScoreSettings) -> torch.Tensor:
    terms = _per_class(model, x, classes, lambda y: regret_terms(
        model, x, y, steps=settings.regret_steps, lr=settings.regret_lr, samples=settings.samples))
    # For a CVAE the regret of the marginal: each class's bound improves, so the marginal's does too.
    return _marginal([t["start"] for t in terms]) - _marginal([t["best"] for t in terms])


def _batch_scores(model, x: torch.Tensor, score: str, classes: Sequence[int], settings: ScoreSettings,
                  background) -> torch.Tensor:
    if score in RAW_SCORES:
        return _neg_log_likelihood(model, x, score, classes, settings)
    if score == "regret":
        return _regret(model, x, classes, settings)
    devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):  # restored after: the background then draws the same ε
        neg_log_px = _neg_log_likelihood(model, x, "neg_elbo", classes, settings)
    if score == "complexity":
        if not model.config.kind.posterior:
            neg_log_px = neg_log_px + _vq_kl(model)
        return neg_log_px + _code_offset(model) - png_code_length(x).to(x.device, neg_log_px.dtype)
    background_classes = classes if background.num_classes else ()
    return neg_log_px - _neg_log_likelihood(background, x, "neg_elbo", background_classes, settings)


def check_background(model, background) -> None:
    """Raise AnomalyError unless `background` can serve as the ratio's background model for `model`."""
    if background is None:
        raise AnomalyError("the likelihood ratio needs a background model: train one on the same data with "
                           "`python -m vae train ... --pixel-noise 0.2`")
    if not background.config.kind.posterior:
        raise AnomalyError("a background model needs a Gaussian latent (not a VQ-VAE)")
    if tuple(background.config.image_shape) != tuple(model.config.image_shape):
        raise AnomalyError(f"the background model reads {tuple(background.config.image_shape)} pictures, the "
                           f"model {tuple(model.config.image_shape)}: train it at the model's size")


def score_images(model, images: torch.Tensor, score: str = "neg_elbo", *, classes: Sequence[int] | None = None,
                 settings: ScoreSettings = ScoreSettings(), background=None, first_index: int = 0,
                 progress: Callable[[int, int], None] | None = None) -> torch.Tensor:
    """Images (N, C, H, W) in [0, 1] -> (N,) float64 scores on the CPU, higher = more anomalous.

    classes: for a conditional VAE, the labels it trained on (marginalized over); ignored otherwise.
    background: the ratio's background model (on the model's device). first_index: where `images` start
    in the caller's whole set, so that scoring it in pieces gives the same draws as scoring it at once
    (pieces should be multiples of the batch size). progress(done, total) is called after each batch."""
    if score not in available_scores(model):
        raise AnomalyError(f"score '{score}' is not defined for this model: choose one of "
                           f"{', '.join(available_scores(model))}")
    if model.num_classes and not classes:
        raise AnomalyError("a conditional VAE needs the classes it trained on to be scored without labels")
    if score == "ratio":
        check_background(model, background)
        if background.num_classes and not classes:
            raise AnomalyError("a conditional background model needs the classes it trained on")
    device = model.device
    out = []
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        for start in range(0, len(images), settings.batch_size):
            torch.manual_seed(settings.seed + first_index + start)
            x = images[start:start + settings.batch_size].to(device)
            out.append(_batch_scores(model, x, score, tuple(classes or ()), settings, background).double().cpu())
            if progress is not None:
                progress(min(start + settings.batch_size, len(images)), len(images))
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
