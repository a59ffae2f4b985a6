"""Disentanglement scores against known generative factors, on disentanglement_lib's protocol
(Locatello et al. 2019): MIG (Chen et al. 2018), FactorVAE score (Kim & Mnih 2018), DCI
(Eastwood & Williams 2018), SAP (Kumar et al. 2018) and Modularity (Ridgeway & Mozer 2018).

A representation is `represent(factors) -> codes`: factor indices (N, F) to mean codes (N, D), for
a model its encoder's posterior means of the rendered images (vae.metrics.disentanglement.run). The metrics
never see a model, so tests drive them with made-up encoders. Every score is seeded. MIG,
Modularity, DCI and SAP share one 10,000-point training and one 5,000-point test draw: seeded alike,
disentanglement_lib's metrics draw the same points for each of them too.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from vae.metrics.disentanglement.dci_classifiers import CLASSIFIERS, DEFAULT, check_kind, fit_factors
from vae.explore.latent import factor_entropy

Represent = Callable[[np.ndarray], np.ndarray]  # factor indices (N, F) int64 -> mean codes (N, D)
Progress = Callable[[float, str], None]  # (fraction done, the stage under way) for progress bars

POINTS = 10_000  # training points of every metric; test sets and FactorVAE's evaluation votes are half
NUM_BINS = 20  # histogram bins per code dimension (MIG, Modularity)
FACTOR_VAE_BATCH = 64  # codes per FactorVAE vote
PRUNE_STD = 0.05  # FactorVAE drops dims whose standard deviation is below this (see factor_vae)
METRIC_KEYS = ("mig", "factor_vae", "dci_disentanglement", "dci_completeness", "dci_informativeness",
               "sap", "modularity")


@dataclass(frozen=True)
class FactorSpace:
    """A grid of discrete ground-truth factors; every combination is one observation."""

    names: tuple[str, ...]
    sizes: tuple[int, ...]

    @property
    def cells(self) -> int:
        return int(np.prod(self.sizes, dtype=np.int64))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, F) int64 indices, each factor uniform and independent: uniform over the whole grid."""
        return np.stack([rng.integers(0, size, n) for size in self.sizes], axis=1)

    def flat(self, factors: np.ndarray) -> np.ndarray:
        """(N, F) -> (N,) row-major cell numbers."""
        return np.ravel_multi_index(tuple(np.asarray(factors).T), self.sizes)


class CodeCache:
    """`represent`, remembered per grid cell: a cell is rendered and encoded once per scoring.

    An observation is a deterministic function of its factors, so reusing a cell's code changes no
    score, only the time: FactorVAE alone asks for 970,000 codes of the 737,280-cell shapes grid, and
    the protocol's draws together hold 543,419 distinct cells.
    """

    CHUNK = 4096  # cells per call of the wrapped function
    MAX_CELLS = 1 << 23  # a larger grid is not remembered: its (cells, D) table would not fit in memory

    def __init__(self, represent: Represent, space: FactorSpace, workers: int = 1):
        """workers > 1: that many chunks are encoded at once, in threads (torch releases the GIL in its ops;
        give torch one intra-op thread then, or the workers' thread pools fight over the cores)."""
        self.represent, self.space, self.workers = represent, space, max(1, int(workers))
        self.table: np.ndarray | None = None  # (cells, D) float32, allocated at the first call
        self.known = np.zeros(space.cells if space.cells <= self.MAX_CELLS else 0, dtype=bool)

    def _encode(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return cells, np.asarray(self.represent(np.stack(np.unravel_index(cells, self.space.sizes), 1)), np.float32)

    def __call__(self, factors: np.ndarray) -> np.ndarray:
        if self.space.cells > self.MAX_CELLS:
            return np.asarray(self.represent(np.asarray(factors)), np.float32)
        flat = self.space.flat(factors)
        missing = np.unique(flat[~self.known[flat]])
        chunks = [missing[start:start + self.CHUNK] for start in range(0, len(missing), self.CHUNK)]
        if self.workers > 1 and len(chunks) > 1:
            # The same chunks as one worker encodes, so every code is the same whatever the count.
            with ThreadPoolExecutor(min(self.workers, len(chunks))) as pool:
                encoded = list(pool.map(self._encode, chunks))
        else:
            encoded = map(self._encode, chunks)
        for cells, codes in encoded:
            if self.table is None:
                self.table = np.zeros((self.space.cells, codes.shape[1]), dtype=np.float32)
            self.table[cells] = codes
            self.known[cells] = True
        if self.table is None:  # nothing asked for yet
            return self.represent(np.asarray(factors)).astype(np.float32)
        return self.table[flat]


# --- Mutual information: MIG and Modularity ---------------------------------------------------

def histogram_discretize(codes: np.ndarray, bins: int = NUM_BINS) -> np.ndarray:
    """(N, D) -> (N, D) bin numbers 1..bins of an equal-width histogram per dimension."""
    return np.stack([np.digitize(c, np.histogram(c, bins)[1][:-1]) for c in codes.T], axis=1)


def mutual_information(codes: np.ndarray, factors: np.ndarray, bins: int = NUM_BINS) -> np.ndarray:
    """Discrete mutual information (nats) of each binned code dimension with each factor: (D, F)."""
    from sklearn.metrics import mutual_info_score

    binned = histogram_discretize(codes, bins)
    return np.array([[mutual_info_score(f, b) for f in factors.T] for b in binned.T])


def mig(mi: np.ndarray, entropy: np.ndarray) -> float:
    """Mutual Information Gap (Chen et al. 2018): for each factor, the MI of its most informative
    dimension minus that of the runner-up, over the factor's entropy; averaged over factors.

    mi (D, F) nats, entropy (F,) nats. disentanglement_lib's protocol: mean codes of 10,000 points,
    each dim cut into a 20-bin equal-width histogram, MI by sklearn's mutual_info_score, entropy of
    the sampled factors. The bins cap a 32-valued factor at H(binned)/H = 0.85 and a 40-valued one at
    0.81 even for a perfect code: on shapes a perfect MIG is ~0.90 (disentanglement_lib's too)."""
    top = np.sort(mi, axis=0)[::-1]
    return float(np.mean((top[0] - top[1]) / entropy))


def modularity_per_dim(mi: np.ndarray) -> np.ndarray:
    """Ridgeway & Mozer (2018): 1 - (sum of squared MI off the best factor) / ((F - 1) * best²);
    0 for a dimension that informs no factor. mi (D, F) -> (D,): the histogram MI of MIG's protocol
    (20 bins, 10,000 points), as disentanglement_lib computes it."""
    squared = np.square(mi)
    best = squared.max(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = 1.0 - (squared.sum(axis=1) - best) / (best * (squared.shape[1] - 1))
    return np.where(best == 0, 0.0, score)


def modularity(mi: np.ndarray) -> float:
    """The mean of modularity_per_dim over every dimension, unused ones included: a noise dimension
    has a little histogram MI with every factor and scores ~0.7, a constant one 0."""
    return float(modularity_per_dim(mi).mean())


# --- Predictors: DCI and SAP --------------------------------------------------------------------

def _entropy_score(p: np.ndarray, axis: int) -> np.ndarray:
    """1 - entropy of p normalized along axis, in base (its length): 1 when one entry holds all."""
    p = p + 1e-11
    p = p / p.sum(axis=axis, keepdims=True)
    return np.clip(1.0 + (p * np.log(p)).sum(axis=axis) / np.log(p.shape[axis]), 0.0, 1.0)  # rounding: -1e-16


def dci_scores(importance: np.ndarray) -> tuple[float, float]:
    """(disentanglement, completeness) of an importance matrix R (D, F) of non-negative entries.

    Disentanglement: 1 - entropy of each dim's row (base F), weighted by the row's share of R.
    Completeness: 1 - entropy of each factor's column (base D), weighted by the column's share of R.
    disentanglement_lib's `disentanglement` and `completeness`; an all-zero R scores 0 on both."""
    weights = importance if importance.sum() > 0 else np.ones_like(importance)
    return (float(np.sum(_entropy_score(importance, 1) * weights.sum(1) / weights.sum())),
            float(np.sum(_entropy_score(importance, 0) * weights.sum(0) / weights.sum())))


def dci(codes: np.ndarray, factors: np.ndarray, codes_test: np.ndarray, factors_test: np.ndarray,
        seed: int = 0, classifier: str = DEFAULT, workers: int = 1,
        progress: Callable[[float], None] | None = None) -> dict:
    """Disentanglement, completeness, informativeness (Eastwood & Williams 2018).

    One classifier per factor predicts it from all D dims; its impurity importances form R (D, F), read by
    dci_scores. Informativeness: mean test accuracy (disentanglement_lib's "informativeness_test").
    classifier: a kind of vae.metrics.disentanglement.dci_classifiers.CLASSIFIERS, by default the reference's
    GradientBoostingClassifier() (100 stages of depth-3 trees per class: ~2.5 s of one core per class on
    10,000 points, ~5 min for the shapes factors' 113 classes), its factors fitted in `workers` processes;
    "hist" grows the same boosting's trees on 255-bin histograms (vae.metrics.disentanglement.dci_boosting), ~7× less CPU; "forest"
    is a 10-tree random forest, ~70× less, up to 0.06 off the reference's D and C on the shapes models
    (python -m benchmarks.dci_classifiers). `classifier` is returned with the scores. progress(share of the
    classes fitted) after each factor.
    """
    fitted = fit_factors(classifier, codes, factors, codes_test, factors_test, seed, workers, progress)
    disentanglement, completeness = dci_scores(fitted["importance"])
    return {"disentanglement": disentanglement, "completeness": completeness,
            "informativeness": float(np.mean(fitted["accuracy"])), "importance": fitted["importance"],
            "classifier": classifier, "worker_cpu_seconds": fitted["worker_cpu_seconds"]}


def sap(codes: np.ndarray, factors: np.ndarray) -> float:
    """Separated Attribute Predictability (Kumar et al. 2018), the paper's score for continuous
    factors: R² of each factor from each single dimension (squared correlation; 0 for a constant dim),
    then per factor the best minus the runner-up, averaged.

    disentanglement_lib's option `continuous_factors=True`, on the 10,000 training points (its continuous
    branch uses no test set). Its study setting (False) fits a linear SVM per dim and factor, scored on
    5,000 test points; a one-vs-rest line cannot pick a middle value off one dimension, so a perfect
    code scores only ~0.2 on shapes with it: `sap_discrete` reports that variant beside this one.
    """
    codes_c = codes - codes.mean(0)
    factors_c = factors - factors.mean(0)
    cov = codes_c.T @ factors_c / (len(codes) - 1)  # (D, F)
    var_code, var_factor = codes_c.var(0, ddof=1), factors_c.var(0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(var_code[:, None] > 1e-12, cov ** 2 / (var_code[:, None] * var_factor[None, :]), 0.0)
    top = np.sort(score, axis=0)
    return float(np.mean(top[-1] - top[-2]))


def sap_discrete(codes: np.ndarray, factors: np.ndarray, codes_test: np.ndarray, factors_test: np.ndarray) -> float:
    """SAP as disentanglement_lib's study runs it (continuous_factors=False): test accuracy of a
    LinearSVC (C=0.01, balanced classes) per dim and factor, best minus runner-up, averaged."""
    from sklearn.svm import LinearSVC

    score = np.zeros((codes.shape[1], factors.shape[1]))
    for i in range(codes.shape[1]):
        for j in range(factors.shape[1]):
            if np.ptp(codes[:, i]) == 0:
                continue  # a constant dim predicts nothing; liblinear would only warn
            classifier = LinearSVC(C=0.01, class_weight="balanced").fit(codes[:, i:i + 1], factors[:, j])
            score[i, j] = np.mean(classifier.predict(codes_test[:, i:i + 1]) == factors_test[:, j])
    top = np.sort(score, axis=0)
    return float(np.mean(top[-1] - top[-2]))


# --- FactorVAE ------------------------------------------------------------------------------------

def _votes(represent: Represent, space: FactorSpace, rng: np.random.Generator, count: int, batch: int,
           scale: np.ndarray, active: np.ndarray, done: Callable[[int], None]) -> np.ndarray:
    """`count` votes (F, D): per vote a factor k and `batch` points sharing its value; the vote goes
    to the active dim of least variance over the batch, in units of its global variance.
    done(n) after each round of n votes."""
    votes = np.zeros((len(space.sizes), len(scale)), dtype=np.int64)
    per_round = max(1, 65_536 // batch)  # votes sampled and encoded together
    for start in range(0, count, per_round):
        n = min(per_round, count - start)
        fixed = rng.integers(0, len(space.sizes), n)  # (n,)
        factors = space.sample(n * batch, rng).reshape(n, batch, -1)
        rows = np.arange(n)
        factors[rows, :, fixed] = factors[rows, 0, fixed][:, None]
        codes = represent(factors.reshape(n * batch, -1)).reshape(n, batch, -1)
        local = codes.var(axis=1, ddof=1)[:, active] / scale[active]  # (n, active)
        np.add.at(votes, (fixed, np.flatnonzero(active)[local.argmin(1)]), 1)
        done(n)
    return votes


def factor_vae(represent: Represent, space: FactorSpace, rng: np.random.Generator, variance_points: int = POINTS,
               train_votes: int = POINTS, eval_votes: int = POINTS // 2, batch: int = FACTOR_VAE_BATCH,
               progress: Callable[[float], None] | None = None) -> dict:
    """FactorVAE score (Kim & Mnih 2018): how often a majority-vote classifier names the fixed
    factor from the dim whose normalized variance drops most.

    disentanglement_lib's protocol: global variances (ddof=1) of 10,000 codes; dims whose standard
    deviation is below 0.05 are pruned (its `prune_dims` compares sqrt(variance), so the variance
    threshold is 0.0025); 10,000 training votes fix each dim's factor by majority, 5,000 fresh
    evaluation votes give the score (its "eval_accuracy"). Batches of 64. No active dim: 0.
    progress(fraction of the votes cast), now and then.
    """
    cast = 0

    def done(n: int) -> None:
        nonlocal cast
        cast += n
        if progress is not None:
            progress(cast / (train_votes + eval_votes))

    variances = represent(space.sample(variance_points, rng)).var(axis=0, ddof=1)
    active = np.sqrt(variances) >= PRUNE_STD
    if not active.any():
        return {"score": 0.0, "train_accuracy": 0.0, "active_dims": 0, "votes": None}
    train = _votes(represent, space, rng, train_votes, batch, variances, active, done)
    classifier = train.argmax(axis=0)  # (D,) the factor each dim votes for
    columns = np.arange(train.shape[1])
    evaluation = _votes(represent, space, rng, eval_votes, batch, variances, active, done)
    return {"score": float(evaluation[classifier, columns].sum() / evaluation.sum()),
            "train_accuracy": float(train[classifier, columns].sum() / train.sum()),
            "active_dims": int(active.sum()), "votes": train}


# --- All of them --------------------------------------------------------------------------------

def score(represent: Represent, space: FactorSpace, points: int = POINTS, seed: int = 0,
          progress: Progress | None = None, workers: int = 1, dci_classifier: str = DEFAULT) -> dict:
    """Every metric of one representation: the METRIC_KEYS, plus `sap_discrete`,
    `factor_vae_train`, `factor_vae_active_dims`, `mi` (D, F) nats, `entropy` (F,) nats,
    `modularity_per_dim` (D,), `dci_importance` (D, F), `dci_classifier` (the kind DCI fitted), and
    `seconds` and `cpu_seconds` per stage (arrays as lists).

    points: training points (10,000 in the protocol); test sets and evaluation votes are half.
    Codes are shared between metrics through a CodeCache, so each grid cell is encoded once. workers:
    chunks of cells encoded at once (see CodeCache) and DCI's factors fitted at once (see dci), in worker
    processes that start as soon as the codes are known and fit while the other metrics run; the scores do
    not depend on it.
    """
    progress = progress or (lambda fraction, stage: None)
    votes_end = 0.97 - CLASSIFIERS[check_kind(dci_classifier)].share  # the progress bar: the votes, then DCI
    cached = CodeCache(represent, space, workers)
    data_rng, vote_rng = (np.random.default_rng([seed, stream]) for stream in (0, 1))
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}  # all threads together: on one thread, the wall time of an idle core
    clock, cpu_clock = time.perf_counter(), time.process_time()

    def lap(stage: str, fraction: float, next_stage: str) -> None:
        """`stage` is over: time it, and report `fraction` of the work done, `next_stage` under way."""
        nonlocal clock, cpu_clock
        now, cpu_now = time.perf_counter(), time.process_time()
        seconds[stage], cpu_seconds[stage] = now - clock, cpu_now - cpu_clock
        clock, cpu_clock = now, cpu_now
        progress(fraction, next_stage)

    progress(0.0, "codes")
    factors, factors_test = space.sample(points, data_rng), space.sample(points // 2, data_rng)
    codes, codes_test = cached(factors), cached(factors_test)
    lap("codes", 0.03, "mig")
    # DCI needs only these codes: its factors' fits (worker processes, ~85% of a model's CPU time with the
    # boosted trees) start now and run while the other metrics are computed here, so both cores stay busy
    # instead of FactorVAE's encoding waiting alone before them. The scores are the same either way.
    overlap = workers > 1 and check_kind(dci_classifier) != "forest"
    background = ThreadPoolExecutor(1) if overlap else None
    try:
        pending = background.submit(dci, codes, factors, codes_test, factors_test, seed, dci_classifier,
                                    workers) if background else None
        mi = mutual_information(codes, factors)
        entropy = factor_entropy(torch.from_numpy(factors))
        out = {"mig": mig(mi, entropy)}
        lap("mig", 0.05, "modularity")
        out["modularity"] = modularity(mi)
        lap("modularity", 0.05, "factor_vae")
        fvae = factor_vae(cached, space, vote_rng, points, points, points // 2,
                          progress=lambda share: progress(0.05 + (votes_end - 0.05) * share, "factor_vae"))
        out.update(factor_vae=fvae["score"], factor_vae_train=fvae["train_accuracy"],
                   factor_vae_active_dims=fvae["active_dims"])
        lap("factor_vae", votes_end, "dci")
        if pending is not None:  # "dci" then times the wait for the fits still running, not the whole fit
            result = pending.result()
        else:
            result = dci(codes, factors, codes_test, factors_test, seed, dci_classifier, workers,
                         progress=lambda share: progress(votes_end + (0.97 - votes_end) * share, "dci"))
    finally:  # on an error above, do not wait here for the fits
        if background is not None:
            background.shutdown(wait=False, cancel_futures=True)
    out.update(dci_disentanglement=result["disentanglement"], dci_completeness=result["completeness"],
               dci_informativeness=result["informativeness"], dci_classifier=dci_classifier)
    lap("dci", 0.97, "sap")
    cpu_seconds["dci"] += result["worker_cpu_seconds"]
    out["sap"] = sap(codes, factors)
    lap("sap", 0.97, "sap_discrete")
    out["sap_discrete"] = sap_discrete(codes, factors, codes_test, factors_test)
    lap("sap_discrete", 1.0, "done")
    out.update(mi=mi.tolist(), entropy=entropy.tolist(), modularity_per_dim=modularity_per_dim(mi).tolist(),
               dci_importance=result["importance"].tolist(), seconds=seconds, cpu_seconds=cpu_seconds,
               points=points, seed=seed)
    return out
