"""The disentanglement metrics mean what they say: a perfect encoder scores ~1, an entangled one
(a rotation of the same code) far lower, a constant one ~0; every score is seeded.

Made-up encoders of factor indices, no model: `represent(factors (N, F)) -> codes (N, D)`.
"""

from __future__ import annotations

import numpy as np
import pytest

from vae import disentanglement as dis
from vae.data import shapes
from vae.disentanglement import METRIC_KEYS, FactorSpace

SHAPES = FactorSpace(shapes.FACTOR_NAMES, shapes.FACTOR_SIZES)
# Every factor has at most 20 values, so the protocol's 20-bin histograms lose none of it.
SMALL = FactorSpace(("a", "b", "c", "d", "e"), (3, 6, 10, 16, 20))
NOISE_DIMS = 5
POINTS = 2000  # a fifth of the protocol's points: the same meaning, five times quicker


class Encoders:
    """perfect: each factor standardized, times a random nonzero scale (either sign), plus NOISE_DIMS
    dims of noise fixed per grid cell (a function of the image, informing no factor), dims shuffled;
    entangled: a random rotation of the perfect code; constant: zeros."""

    def __init__(self, space: FactorSpace, seed: int = 1, noise_dims: int = NOISE_DIMS):
        rng = np.random.default_rng(seed)
        sizes = np.array(space.sizes)
        self.space = space
        self.mean, self.std = (sizes - 1) / 2, np.sqrt((sizes ** 2 - 1) / 12)
        self.scale = rng.uniform(0.5, 2.0, len(sizes)) * rng.choice([-1, 1], len(sizes))
        self.noise = rng.normal(size=(space.cells, noise_dims)).astype(np.float32)
        self.dims = len(sizes) + noise_dims
        self.order = rng.permutation(self.dims)
        self.rotation = np.linalg.qr(rng.normal(size=(self.dims, self.dims)))[0]

    def perfect(self, factors: np.ndarray) -> np.ndarray:
        codes = np.concatenate([(factors - self.mean) / self.std * self.scale, self.noise[self.space.flat(factors)]], 1)
        return codes[:, self.order]

    def entangled(self, factors: np.ndarray) -> np.ndarray:
        return self.perfect(factors) @ self.rotation

    def constant(self, factors: np.ndarray) -> np.ndarray:
        return np.zeros((len(factors), self.dims))

    def factor_dims(self) -> np.ndarray:
        """Where the factor-carrying dims went in the shuffle."""
        return np.argsort(self.order)[:len(self.space.sizes)]


@pytest.fixture(scope="module")
def small() -> Encoders:
    return Encoders(SMALL)


@pytest.fixture(scope="module")
def small_scores(small) -> dict[str, dict]:
    return {name: dis.score(getattr(small, name), SMALL, points=POINTS, seed=0)
            for name in ("perfect", "entangled", "constant")}


def test_perfect_encoder_scores_about_one(small, small_scores):
    perfect = small_scores["perfect"]
    assert perfect["factor_vae"] == 1.0 and perfect["factor_vae_train"] == 1.0
    assert perfect["factor_vae_active_dims"] == small.dims  # noise dims have variance too: not pruned
    for key in ("mig", "dci_disentanglement", "dci_completeness", "dci_informativeness", "sap"):
        assert perfect[key] >= 0.95, key
    # Modularity averages over every dim: the factor dims are ~1; the noise dims, with a little histogram MI
    # with every factor, score well below, so the headline sits in between.
    per_dim = np.array(perfect["modularity_per_dim"])
    assert per_dim[small.factor_dims()].min() >= 0.95
    assert perfect["modularity"] == pytest.approx(per_dim.mean())
    assert 0.5 < np.delete(per_dim, small.factor_dims()).max() < 0.95


def test_perfect_encoder_without_noise_dims_has_modularity_one():
    encoders = Encoders(SMALL, noise_dims=0)
    factors = SMALL.sample(POINTS, np.random.default_rng(0))
    assert dis.modularity(dis.mutual_information(encoders.perfect(factors), factors)) >= 0.95


def test_entangled_encoder_scores_far_lower(small_scores):
    perfect, entangled = small_scores["perfect"], small_scores["entangled"]
    for key in ("mig", "dci_disentanglement", "dci_completeness", "sap"):
        assert entangled[key] <= 0.3 < perfect[key] - 0.6, key
    assert entangled["factor_vae"] <= perfect["factor_vae"] - 0.1
    # The rotation keeps every bit of information, but no single split reads a factor off any more.
    assert entangled["dci_informativeness"] <= perfect["dci_informativeness"] - 0.3


def test_constant_encoder_scores_zero(small_scores):
    constant = small_scores["constant"]
    for key in ("mig", "factor_vae", "dci_disentanglement", "dci_completeness", "sap", "sap_discrete", "modularity"):
        assert constant[key] == pytest.approx(0.0, abs=1e-6), key
    assert constant["factor_vae_active_dims"] == 0
    # Informativeness is accuracy: a constant code can only name the commonest value, about 1/K of the time.
    chance = np.mean([1 / k for k in SMALL.sizes])
    assert constant["dci_informativeness"] == pytest.approx(chance, abs=0.03)


def test_mig_of_perfect_shapes_code_reaches_the_histogram_ceiling():
    """With 20 bins a factor of 32 or 40 values loses resolution: the protocol's MIG of a perfect code on
    the shapes grid is the mean of H(binned factor) / H(factor), about 0.90, not 1."""
    encoders = Encoders(SHAPES)
    factors = SHAPES.sample(dis.POINTS, np.random.default_rng(0))
    mi = dis.mutual_information(encoders.perfect(factors), factors)
    entropy = np.log(np.array(SHAPES.sizes, dtype=float))
    binned = [np.histogram(np.arange(k), dis.NUM_BINS)[0] / k for k in SHAPES.sizes]
    ceiling = np.mean([-(p[p > 0] * np.log(p[p > 0])).sum() / h for p, h in zip(binned, entropy)])
    assert 0.88 < ceiling < 0.92
    assert dis.mig(mi, entropy) == pytest.approx(ceiling, abs=0.02)


def test_perfect_shapes_code_scores_about_one_on_the_other_metrics():
    encoders = Encoders(SHAPES)
    scores = dis.score(encoders.perfect, SHAPES, points=POINTS, seed=0)
    assert scores["factor_vae"] == 1.0
    for key in ("dci_disentanglement", "dci_completeness", "dci_informativeness", "sap"):
        assert scores[key] >= 0.95, key


def test_scores_are_seeded(small):
    first = dis.score(small.entangled, SMALL, points=500, seed=3)
    again = dis.score(small.entangled, SMALL, points=500, seed=3)
    other = dis.score(small.entangled, SMALL, points=500, seed=4)
    timings = ("seconds", "cpu_seconds")
    same = lambda a, b: {k: v for k, v in a.items() if k not in timings} == {  # noqa: E731
        k: v for k, v in b.items() if k not in timings}
    assert same(first, again)
    assert not same(first, other)
    assert set(METRIC_KEYS) <= set(first) and set(first["seconds"]) >= {"codes", "mig", "factor_vae", "dci", "sap"}


def test_modularity_per_dim():
    mi = np.array([[2.0, 0.0, 0.0],  # one factor only: 1
                   [1.0, 1.0, 1.0],  # every factor alike: 0
                   [0.0, 0.0, 0.0],  # informs nothing: 0 (disentanglement_lib's rule)
                   [2.0, 1.0, 0.0]])  # 1 - 1 / (2 · 4)
    assert dis.modularity_per_dim(mi) == pytest.approx([1.0, 0.0, 0.0, 1 - 1 / 8])


def test_mig_is_the_gap_over_entropy():
    mi = np.array([[1.0, 0.2], [0.4, 0.2], [0.0, 0.1]])  # (D=3, F=2)
    assert dis.mig(mi, np.array([2.0, 1.0])) == pytest.approx(((1.0 - 0.4) / 2.0 + (0.2 - 0.2) / 1.0) / 2)


def test_factor_vae_prunes_dims_of_small_spread():
    """A dim that moves with a factor but whose standard deviation is under 0.05 gets no votes."""
    encoders = Encoders(SMALL, noise_dims=0)

    def shrunk(factors):
        codes = encoders.perfect(factors)
        codes[:, encoders.factor_dims()[0]] *= 0.04 / encoders.scale[0]  # std 0.04: pruned
        return codes

    result = dis.factor_vae(shrunk, SMALL, np.random.default_rng(0), 1000, 1000, 500)
    assert result["active_dims"] == len(SMALL.sizes) - 1
    assert result["votes"][:, encoders.factor_dims()[0]].sum() == 0
    assert 0.7 <= result["score"] <= 0.85  # the other four factors are still named: about 4/5


def test_code_cache_encodes_each_cell_once(small):
    seen = []

    def counting(factors):
        seen.extend(SMALL.flat(factors).tolist())
        return small.perfect(factors)

    cache = dis.CodeCache(counting, SMALL)
    factors = SMALL.sample(3000, np.random.default_rng(0))
    first, again = cache(factors), cache(factors[::-1])
    assert len(seen) == len(set(seen)) == len(np.unique(SMALL.flat(factors)))
    np.testing.assert_allclose(first, small.perfect(factors), rtol=1e-6)
    np.testing.assert_array_equal(again, first[::-1])


def test_workers_change_no_score(small, small_scores):
    """Two workers encode the cache's chunks in threads and fit DCI's trees at once: every score is the same."""
    seen = []

    def counting(factors):
        seen.extend(SMALL.flat(factors).tolist())
        return small.entangled(factors)

    cache = dis.CodeCache(counting, SMALL, workers=2)
    cache.CHUNK = 256  # several chunks per call, so the threads really share the work
    factors = SMALL.sample(3000, np.random.default_rng(0))
    np.testing.assert_allclose(cache(factors), small.entangled(factors), rtol=1e-6)
    assert len(seen) == len(set(seen)) == len(np.unique(SMALL.flat(factors)))  # still once per cell
    two = dis.score(small.perfect, SMALL, points=POINTS, seed=0, workers=2)
    for key in (*METRIC_KEYS, "sap_discrete", "factor_vae_train"):
        assert two[key] == small_scores["perfect"][key], key
    assert two["dci_importance"] == small_scores["perfect"]["dci_importance"]
