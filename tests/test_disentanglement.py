"""The disentanglement metrics mean what they say: a perfect encoder scores ~1, an entangled one
(a rotation of the same code) far lower, a constant one ~0; every score is seeded.

Made-up encoders of factor indices, no model: `represent(factors (N, F)) -> codes (N, D)`. The whole-score
tests fit DCI's quick forest (FOREST); DCI's reference classifier, the default, has its own tests on a grid
of few classes (TINY), where its 100 boosting stages per class stay quick.
"""

from __future__ import annotations

import numpy as np
import pytest

from vae.metrics.disentanglement import dci_exact
from vae.metrics.disentanglement import scores as dis
from vae.data import shapes
from vae.metrics.disentanglement.scores import METRIC_KEYS, FactorSpace

SHAPES = FactorSpace(shapes.FACTOR_NAMES, shapes.FACTOR_SIZES)
# Every factor has at most 20 values, so the protocol's 20-bin histograms lose none of it.
SMALL = FactorSpace(("a", "b", "c", "d", "e"), (3, 6, 10, 16, 20))
TINY = FactorSpace(("a", "b", "c"), (3, 4, 5))
NOISE_DIMS = 5
POINTS = 2000  # a fifth of the protocol's points: the same meaning, five times quicker
FOREST = {"dci_classifier": "forest"}


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
    return {name: dis.score(getattr(small, name), SMALL, points=POINTS, seed=0, **FOREST)
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
    scores = dis.score(encoders.perfect, SHAPES, points=POINTS, seed=0, **FOREST)
    assert scores["factor_vae"] == 1.0
    for key in ("dci_disentanglement", "dci_completeness", "dci_informativeness", "sap"):
        assert scores[key] >= 0.95, key


def test_scores_are_seeded(small):
    first = dis.score(small.entangled, SMALL, points=500, seed=3, **FOREST)
    again = dis.score(small.entangled, SMALL, points=500, seed=3, **FOREST)
    other = dis.score(small.entangled, SMALL, points=500, seed=4, **FOREST)
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
    """Two workers encode the cache's chunks in threads and fit DCI's forest's trees at once: every score is the
    same. (The reference classifier's processes: test_worker_processes_change_no_dci.)"""
    seen = []

    def counting(factors):
        seen.extend(SMALL.flat(factors).tolist())
        return small.entangled(factors)

    cache = dis.CodeCache(counting, SMALL, workers=2)
    cache.CHUNK = 256  # several chunks per call, so the threads really share the work
    factors = SMALL.sample(3000, np.random.default_rng(0))
    np.testing.assert_allclose(cache(factors), small.entangled(factors), rtol=1e-6)
    assert len(seen) == len(set(seen)) == len(np.unique(SMALL.flat(factors)))  # still once per cell
    two = dis.score(small.perfect, SMALL, points=POINTS, seed=0, workers=2, **FOREST)
    for key in (*METRIC_KEYS, "sap_discrete", "factor_vae_train"):
        assert two[key] == small_scores["perfect"][key], key
    assert two["dci_importance"] == small_scores["perfect"]["dci_importance"]


def test_dci_fitted_beside_the_other_metrics_changes_no_score(small):
    """With workers > 1 and boosted trees, DCI's factors fit in worker processes while FactorVAE and the rest run
    here: every score is the one of a single process, one metric after the other."""
    kwargs = dict(points=600, seed=3, dci_classifier="hist")
    one = dis.score(small.entangled, SMALL, workers=1, **kwargs)
    two = dis.score(small.entangled, SMALL, workers=2, **kwargs)
    for key in (*METRIC_KEYS, "sap_discrete", "factor_vae_train", "dci_importance", "mi"):
        assert two[key] == one[key], key


# --- DCI: the formula and its classifiers --------------------------------------------------------

def test_dci_formula_on_a_hand_computed_importance_matrix():
    """R (D=3, F=2): dim 0 informs factor 0 only, dim 1 factor 1 only, dim 2 both alike. Each row has weight
    1/3: D = (1 + 1 + 0) / 3. Each column is (2/3, 0, 1/3) up to order, of base-3 entropy h: C = 1 - h."""
    importance = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    h = -(2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3)) / np.log(3)
    disentanglement, completeness = dis.dci_scores(importance)
    assert disentanglement == pytest.approx(2 / 3, abs=1e-9)
    assert completeness == pytest.approx(1 - h, abs=1e-9)
    # A second matrix, rows of unequal weight: dim 0 (weight 3/4) splits 2:1, dim 1 (weight 1/4) one factor.
    importance = np.array([[0.5, 0.25], [0.0, 0.25]])
    row = 1 + (2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3)) / np.log(2)
    columns = (0.5 * 1.0 + 0.5 * 0.0)  # factor 0 sits in dim 0 alone; factor 1 halves between the dims
    assert dis.dci_scores(importance)[0] == pytest.approx(0.75 * row + 0.25 * 1.0, abs=1e-9)
    assert dis.dci_scores(importance)[1] == pytest.approx(columns, abs=1e-9)
    assert dis.dci_scores(np.zeros((3, 2))) == pytest.approx((0.0, 0.0), abs=1e-12)  # nothing anywhere: 0


def test_default_classifier_is_the_references():
    """disentanglement_lib's _compute_importance_gbt fits GradientBoostingClassifier() per factor, importances
    feature_importances_, informativeness the test accuracy: so does dci() unless told otherwise."""
    import inspect

    from sklearn.ensemble import GradientBoostingClassifier

    from vae.metrics.disentanglement.dci_classifiers import DEFAULT, REFERENCE, make_classifier
    from vae.metrics.disentanglement.dci_exact import ExactGradientBoosting
    from vae.metrics.disentanglement.run import score_run

    for function, name in ((dis.dci, "classifier"), (dis.score, "dci_classifier"), (score_run, "dci_classifier")):
        assert inspect.signature(function).parameters[name].default == DEFAULT == "exact"
    # The default is the reference's algorithm (test_exact_boosting_is_the_references below) with its settings.
    default = make_classifier(DEFAULT, seed=7)
    assert type(default) is ExactGradientBoosting
    reference_settings = GradientBoostingClassifier().get_params()
    assert (default.n_estimators, dci_exact.LEARNING_RATE, dci_exact.DEPTH) == (
        reference_settings["n_estimators"], reference_settings["learning_rate"], reference_settings["max_depth"])
    assert (reference_settings["subsample"], reference_settings["min_samples_leaf"],
            reference_settings["max_features"]) == (1.0, 1, None)  # what dci_exact assumes
    model = make_classifier(REFERENCE, seed=7)
    assert type(model) is GradientBoostingClassifier
    assert model.get_params() == {**GradientBoostingClassifier().get_params(), "random_state": 7}
    encoders = Encoders(TINY, noise_dims=2)
    rng = np.random.default_rng(0)
    factors, factors_test = TINY.sample(200, rng), TINY.sample(100, rng)
    codes, codes_test = encoders.entangled(factors), encoders.entangled(factors_test)
    result = dis.dci(codes, factors, codes_test, factors_test, seed=0, classifier=REFERENCE)
    accuracy = []
    for j in range(factors.shape[1]):
        reference = GradientBoostingClassifier(random_state=0).fit(codes, factors[:, j])
        np.testing.assert_allclose(result["importance"][:, j], reference.feature_importances_, atol=1e-12)
        accuracy.append(np.mean(reference.predict(codes_test) == factors_test[:, j]))
    assert result["informativeness"] == pytest.approx(np.mean(accuracy))
    assert (result["disentanglement"], result["completeness"]) == dis.dci_scores(result["importance"])
    assert result["classifier"] == "gbt"


@pytest.mark.parametrize("kind", ["gbt", "exact", "hist"])
def test_reference_dci_of_perfect_and_entangled_codes(kind):
    encoders = Encoders(TINY, noise_dims=2)
    rng = np.random.default_rng(0)
    factors, factors_test = TINY.sample(300, rng), TINY.sample(150, rng)
    perfect = dis.dci(encoders.perfect(factors), factors, encoders.perfect(factors_test), factors_test,
                      classifier=kind)
    entangled = dis.dci(encoders.entangled(factors), factors, encoders.entangled(factors_test), factors_test,
                        classifier=kind)
    assert perfect["disentanglement"] >= 0.9 and perfect["completeness"] >= 0.9
    assert perfect["informativeness"] >= 0.95
    assert entangled["disentanglement"] <= perfect["disentanglement"] - 0.4
    assert entangled["completeness"] <= perfect["completeness"] - 0.4


@pytest.mark.parametrize("kind", ["gbt", "exact", "hist"])
def test_worker_processes_change_no_dci(kind):
    """With workers > 1 the boosted trees' factors are fitted in worker processes: the same numbers as here."""
    from vae.metrics.disentanglement.dci_classifiers import fit_factors

    encoders = Encoders(TINY, noise_dims=2)
    rng = np.random.default_rng(1)
    factors, factors_test = TINY.sample(150, rng), TINY.sample(80, rng)
    codes, codes_test = encoders.entangled(factors), encoders.entangled(factors_test)
    shares = []
    one = fit_factors(kind, codes, factors, codes_test, factors_test, seed=2, workers=1)
    two = fit_factors(kind, codes, factors, codes_test, factors_test, seed=2, workers=2, progress=shares.append)
    np.testing.assert_array_equal(one["importance"], two["importance"])
    np.testing.assert_array_equal(one["accuracy"], two["accuracy"])
    assert one["worker_cpu_seconds"] == 0 < two["worker_cpu_seconds"]
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) == 3  # one report per factor


def assert_same_decisions(ours, reference, X: np.ndarray, atol: float) -> None:
    """Our boosting's decision values and labels on X against a fitted GradientBoostingClassifier's."""
    raw, expected = ours._raw(X), reference.decision_function(X).reshape(len(X), -1)
    if raw.shape[1] > 1:  # the softmax ignores a shift per row; sklearn centres its prior's logits, we do not
        raw, expected = raw - raw.mean(1, keepdims=True), expected - expected.mean(1, keepdims=True)
    np.testing.assert_allclose(raw, expected, atol=atol)
    np.testing.assert_array_equal(ours.predict(X), reference.predict(X))


@pytest.mark.parametrize("classes", [2, 3, 6])
def test_exact_boosting_is_the_references(classes):
    """ExactGradientBoosting grows GradientBoostingClassifier()'s trees: on continuous codes, for as many stages
    as no two features split a node equally well (ties: common in the small nodes of later stages, which
    scikit-learn breaks by a random feature order and this by the lower feature), the same splits, Newton
    steps, importances and probabilities, to rounding."""
    from sklearn.ensemble import GradientBoostingClassifier

    from vae.metrics.disentanglement.dci_exact import ExactGradientBoosting

    rng = np.random.default_rng(classes)
    X = rng.normal(size=(2000, 5))
    X[:, 4] = 0.0  # a collapsed dimension: never split
    y = np.clip(X[:, 0] * 1.5 + X[:, 1] * 0.7 + rng.normal(size=2000) * 0.5 + classes / 2, 0, classes - 1).astype(int)
    X_test = rng.normal(size=(1000, 5))
    for stages in (1, 5):
        ours = ExactGradientBoosting(n_estimators=stages).fit(X, y)
        reference = GradientBoostingClassifier(n_estimators=stages, random_state=0).fit(X, y)
        np.testing.assert_allclose(ours.feature_importances_, reference.feature_importances_, atol=1e-12)
        assert ours.feature_importances_[4] == 0
        assert_same_decisions(ours, reference, X_test, atol=1e-12)


def test_exact_boosting_splits_where_sklearn_does():
    """Values closer than 1e-7 are never split apart (even when that leaves a node impure), the threshold is the
    midpoint of two float32 values, a pure node is a leaf: one stage's tree, against scikit-learn's."""
    from sklearn.ensemble import GradientBoostingClassifier

    from vae.metrics.disentanglement.dci_exact import ExactGradientBoosting

    X = np.array([[-1.0], [-1.0], [0.0], [5e-8], [0.3], [0.7], [0.7]])
    y = np.array([0, 0, 1, 0, 1, 0, 1])
    ours = ExactGradientBoosting(n_estimators=1).fit(X, y)._trees[0][0]
    reference = GradientBoostingClassifier(n_estimators=1).fit(X, y).estimators_[0, 0].tree_
    splits = sorted(ours["threshold"][ours["feature"] >= 0])
    assert splits == sorted(reference.threshold[reference.feature >= 0])
    assert 2.5e-8 not in splits and np.float64(np.float32(0.3)) / 2 + np.float64(np.float32(0.7)) / 2 in splits


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_histogram_boosting_grows_the_references_trees(classes):
    """Where a feature has at most 255 values, its histogram bins are exactly GradientBoostingClassifier's
    candidate thresholds: on one feature (no tie between features to break another way) every stage splits the
    training points alike and sets the same Newton steps, so the decision values agree."""
    from sklearn.ensemble import GradientBoostingClassifier

    from vae.metrics.disentanglement.dci_boosting import HistGradientBoosting

    rng = np.random.default_rng(classes)
    X = rng.choice(rng.normal(size=60), (400, 1))  # 60 values
    y = (np.digitize(X[:, 0], [-0.5, 0.5]) + rng.integers(0, 2, 400)) % classes
    for stages in (1, 2, 10):
        ours = HistGradientBoosting(n_estimators=stages).fit(X, y)
        reference = GradientBoostingClassifier(n_estimators=stages, random_state=0).fit(X, y)
        assert_same_decisions(ours, reference, X, atol=1e-5)


def test_histogram_boosting_lands_near_the_reference_on_several_features():
    """With several features, equally good splits (common in small nodes) may go to another feature, and a
    test point between two training values to the other side: close, not equal. The benchmark measures the
    gap on the shipped models (python -m benchmarks.dci_classifiers)."""
    from sklearn.ensemble import GradientBoostingClassifier

    from vae.metrics.disentanglement.dci_boosting import HistGradientBoosting

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    y = (np.digitize(X[:, 0], [-0.5, 0.5]) + 3 * (X[:, 1] > 0)) % 4
    ours, reference = HistGradientBoosting().fit(X, y), GradientBoostingClassifier(random_state=0).fit(X, y)
    X_test = rng.normal(size=(500, 4))
    assert np.mean(ours.predict(X_test) == reference.predict(X_test)) >= 0.95
    np.testing.assert_allclose(ours.feature_importances_, reference.feature_importances_, atol=0.03)


def test_unknown_classifier_is_refused_in_one_line():
    from vae.config import ConfigError

    with pytest.raises(ConfigError, match="unknown DCI classifier 'svm': use one of exact, gbt, hist, forest"):
        dis.score(Encoders(TINY).perfect, TINY, points=100, dci_classifier="svm")
