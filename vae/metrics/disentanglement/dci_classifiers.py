"""The classifier DCI (Eastwood & Williams 2018) fits per factor to read importances off: by default
disentanglement_lib's `GradientBoostingClassifier()` (Locatello et al. 2019) grown on codes sorted once
(vae.metrics.disentanglement.dci_exact: its algorithm, ~3.4× less CPU, within 0.006 of it on every shipped
shapes model), the factors fitted at once in worker processes; on request scikit-learn's own
GradientBoostingClassifier() (the reference), the same boosting on histograms
(vae.metrics.disentanglement.dci_boosting) or a quick random forest.

A fit is `(codes (N, D), labels (N,), test codes, test labels) -> (importance (D,), test accuracy)`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from vae.config import ConfigError

# Eastwood & Williams' own model, kept because it is ~100× quicker: on the shipped shapes models it lands
# up to 0.06 away from the reference's D and C (docs/benchmarks.md; python -m benchmarks.dci_classifiers).
FOREST = {"n_estimators": 10, "max_depth": 8, "max_features": None}


@dataclass(frozen=True)
class Classifier:
    label: str  # the constructor it runs, as a page names it (the same in every language)
    share: float  # about how much of a shapes model's whole scoring time DCI takes with it (progress bars)
    grows: str | None = None  # the kind whose very trees it grows another way, if any: the page shows that code


REFERENCE = "gbt"  # disentanglement_lib's classifier itself: what the others are measured against
DEFAULT = "exact"  # what a scoring fits unless told otherwise (issue 27: the reference's, affordable)
CLASSIFIERS = {  # the kinds a scoring can ask for, the default first
    # GradientBoostingClassifier()'s trees grown on codes sorted once (vae.metrics.disentanglement.dci_exact)
    "exact": Classifier("GradientBoostingClassifier()'s trees on presorted codes "
                        "(vae.metrics.disentanglement.dci_exact)", 0.6, grows=REFERENCE),  # ~85 s of CPU
    "gbt": Classifier("GradientBoostingClassifier()", 0.8),  # ~280 s of CPU; FactorVAE's votes ~45 s
    # its trees grown on 255 bins per dimension (vae.metrics.disentanglement.dci_boosting): ~16× less CPU, up to 0.02 off
    "hist": Classifier("vae.metrics.disentanglement.dci_boosting.HistGradientBoosting()", 0.4),
    "forest": Classifier("RandomForestClassifier(" + ", ".join(f"{k}={v}" for k, v in FOREST.items()) + ")", 0.07),
}


def check_kind(kind: str) -> str:
    """kind itself; ConfigError (one line) for a kind CLASSIFIERS does not hold."""
    if not isinstance(kind, str) or kind not in CLASSIFIERS:
        raise ConfigError(f"unknown DCI classifier {kind!r}: use one of {', '.join(CLASSIFIERS)}")
    return kind


def make_classifier(kind: str, seed: int, n_jobs: int = 1):
    """An unfitted scikit-learn classifier with feature_importances_. "gbt": disentanglement_lib's
    `_compute_importance_gbt` exactly (default parameters; only the seed, which breaks ties between
    equally good splits, is fixed). n_jobs: the forest's trees fitted at once (the same forest whatever
    the count: each tree's seed is drawn from random_state first)."""
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    if check_kind(kind) == "gbt":
        return GradientBoostingClassifier(random_state=seed)
    if kind == "hist":
        from vae.metrics.disentanglement.dci_boosting import HistGradientBoosting

        return HistGradientBoosting(random_state=seed)
    if kind == "exact":
        from vae.metrics.disentanglement.dci_exact import ExactGradientBoosting

        return ExactGradientBoosting(random_state=seed)
    return RandomForestClassifier(**FOREST, random_state=seed, n_jobs=n_jobs)


def fit_factor(kind: str, seed: int, codes: np.ndarray, labels: np.ndarray, codes_test: np.ndarray,
               labels_test: np.ndarray, n_jobs: int = 1) -> tuple[np.ndarray, float, float]:
    """One factor: (|importance| (D,), test accuracy, CPU seconds of this process's fit)."""
    start = time.process_time()
    model = make_classifier(kind, seed, n_jobs).fit(codes, labels)
    accuracy = float(np.mean(model.predict(codes_test) == labels_test))
    return np.abs(model.feature_importances_), accuracy, time.process_time() - start


def _fit_numbered(j: int, *job) -> tuple[int, tuple[np.ndarray, float, float]]:
    return j, fit_factor(*job)


def fit_factors(kind: str, codes: np.ndarray, factors: np.ndarray, codes_test: np.ndarray,
                factors_test: np.ndarray, seed: int = 0, workers: int = 1,
                progress: Callable[[float], None] | None = None) -> dict:
    """Every factor's fit: `importance` (D, F), `accuracy` (F,), and `worker_cpu_seconds`: the CPU time
    the fits took in worker processes (0 when fitted in this one, whose own clock already counts them).

    The boosted trees are single-threaded and cost about in proportion to a factor's classes (11,300 trees
    for the shapes factors' 3 + 6 + 40 + 32 + 32 values), so with workers > 1 the factors go to that many
    worker processes (joblib's loky), the most classes first. Each fit is seeded on its own: the same
    numbers for any count. "hist" likewise; the forest is quick enough to fit here, its trees in `workers`
    threads.
    progress(share of the factors' classes fitted) after each factor."""
    classes = [len(np.unique(factors[:, j])) for j in range(factors.shape[1])]
    jobs = [(kind, seed, codes, factors[:, j], codes_test, factors_test[:, j]) for j in range(len(classes))]
    order = sorted(range(len(jobs)), key=lambda j: -classes[j])
    fitted: dict[int, tuple[np.ndarray, float, float]] = {}

    def record(j: int, result: tuple[np.ndarray, float, float]) -> None:
        fitted[j] = result
        if progress is not None:
            progress(sum(classes[i] for i in fitted) / sum(classes))

    parallel = check_kind(kind) != "forest" and workers > 1 and len(jobs) > 1
    if parallel:
        from joblib import Parallel, delayed

        with Parallel(n_jobs=min(workers, len(jobs)), backend="loky", return_as="generator_unordered") as pool:
            for j, result in pool(delayed(_fit_numbered)(j, *jobs[j]) for j in order):
                record(j, result)
    else:
        for j in order:
            record(j, fit_factor(*jobs[j], n_jobs=workers))
    results = [fitted[j] for j in range(len(jobs))]
    return {"importance": np.stack([r[0] for r in results], axis=1), "accuracy": np.array([r[1] for r in results]),
            "worker_cpu_seconds": float(sum(r[2] for r in results)) if parallel else 0.0}
