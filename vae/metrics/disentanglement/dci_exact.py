"""GradientBoostingClassifier()'s own trees, grown on codes sorted once instead of at every node.

scikit-learn's tree builder sorts a node's samples by each feature at every node it splits: on DCI's 10,000
codes of 10 dimensions that sorting was 68 % of a `GradientBoostingClassifier().fit` (py-spy), and the
boosted trees ~280 CPU-s of a shapes model's scoring. A depth-3 tree needs no sorting at all once each code
dimension is sorted a single time: a node's samples, in that order, are the sorted order with the other
nodes' samples left out, which a stable sort by node number (a linear radix sort of small integers) gives.

The rest is scikit-learn's algorithm, step for step (`sklearn/tree/_splitter.pyx`, `_criterion.pyx`,
`sklearn/ensemble/_gb.py`), so the fit is the same model up to floating-point summation order:
- the codes as float32 (scikit-learn's DTYPE); a split only between two consecutive values more than 1e-7
  apart, at their midpoint (in float64; the lower value when the midpoint rounds to the upper);
- the split with the largest Friedman improvement (n_r·Σ_l − n_l·Σ_r)² / (n_l·n_r) of the residuals y − p,
  the first of equals; depth 3, at least one sample a leaf, no split of a node whose residuals are all equal;
- the prior's log-probabilities to start, then per stage and class one tree, each leaf set to one Newton
  step (K−1)/K · Σ(y − p) / Σ p(1 − p) (no (K−1)/K for two classes), times 0.1, for 100 stages;
- importances: each split's squared-error decrease, summed over every tree, normalized to sum to 1.
Where two features give exactly equal improvements scikit-learn takes whichever its random feature order
visits first, this the lower-numbered: with continuous codes that never happens on the shipped models.
`tests/test_disentanglement.py` compares it with `GradientBoostingClassifier` itself.
"""

from __future__ import annotations

import numpy as np

from vae.metrics.disentanglement.dci_boosting import DEPTH, LEARNING_RATE, STAGES, boosting_start, leaf_of, probabilities

FEATURE_THRESHOLD = 1e-7  # sklearn.tree._splitter: values closer than this are not split apart
EPSILON = np.finfo(np.float64).eps  # sklearn.tree._tree: a node with impurity at most this is a leaf


class ExactGradientBoosting:
    """fit(X (N, D), y (N,)) -> self; predict(X) -> (N,) labels; feature_importances_ (D,), summing to 1
    (zeros when no tree split). Deterministic (random_state is accepted and unused)."""

    def __init__(self, n_estimators: int = STAGES, random_state: int | None = None):
        self.n_estimators, self.random_state = n_estimators, random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> ExactGradientBoosting:
        X = np.asarray(X, dtype=np.float32)
        n, dims = X.shape
        self.classes_, target, self._init, factor = boosting_start(y)
        order = np.argsort(X, axis=0, kind="stable").T.copy()  # (D, N): each dimension's samples by value
        values = np.take_along_axis(X.T, order, axis=1).astype(np.float64)  # (D, N) sorted
        raw = np.tile(self._init, (n, 1))
        importance, self._trees = np.zeros(dims), []
        for _ in range(self.n_estimators):
            p = probabilities(raw)
            stage = []
            for k in range(target.shape[1]):
                residual = target[:, k] - p[:, k]
                tree, sample_leaf = _grow(order, values, residual, importance)  # sample_leaf: (N,) node index
                hessian = np.bincount(sample_leaf, p[:, k] * (1 - p[:, k]), minlength=len(tree["value"]))
                numerator = factor * np.bincount(sample_leaf, residual, minlength=len(tree["value"]))
                leaves = tree["feature"] < 0
                safe = np.where(hessian >= 1e-150, hessian, 1.0)  # sklearn's _safe_divide: 0 for a tiny hessian
                tree["value"][leaves] = LEARNING_RATE * np.where(hessian >= 1e-150, numerator / safe, 0.0)[leaves]
                raw[:, k] += tree["value"][sample_leaf]
                stage.append(tree)
            self._trees.append(stage)
        total = importance.sum()
        self.feature_importances_ = importance / total if total > 0 else importance
        return self

    def _raw(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32).astype(np.float64)
        raw = np.tile(self._init, (len(X), 1))
        for stage in self._trees:
            for k, tree in enumerate(stage):
                raw[:, k] += tree["value"][leaf_of(tree, X, "threshold")]
        return raw

    def predict(self, X: np.ndarray) -> np.ndarray:
        raw = self._raw(X)
        return self.classes_[raw.argmax(1) if raw.shape[1] > 1 else (raw[:, 0] > 0).astype(int)]


NODE = np.dtype([("feature", np.int64), ("threshold", np.float64), ("left", np.int64), ("right", np.int64),
                 ("value", np.float64)])


def _grow(order: np.ndarray, values: np.ndarray, residual: np.ndarray, importance: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """One regression tree on residual (N,), level by level; adds its splits' squared-error decreases to
    importance (D,). -> (the tree's nodes, (N,) each sample's leaf)."""
    n = len(residual)
    nodes = [[-1, 0.0, 0, 0, 0.0]]  # [feature, threshold, left, right, value]; the root first
    node_of = np.zeros(n, dtype=np.int64)  # each sample's node in `nodes`
    open_nodes = [0]  # nodes of the current level that may split
    for _ in range(DEPTH):
        if not open_nodes:
            break
        # Samples of the open nodes only, grouped by node (in open_nodes order), each group sorted by value.
        rank = np.full(len(nodes), -1, dtype=np.int64)
        rank[open_nodes] = np.arange(len(open_nodes))
        group = rank[node_of]  # (N,) -1 outside the open nodes
        counts = np.bincount(group[group >= 0], minlength=len(open_nodes))
        if open_nodes == [0]:  # the root holds every sample: the presorted order itself
            samples, x = order, values
        else:  # a stable sort by node (a radix sort of small integers) keeps each node's samples in order
            keyed = group[order]  # (D, N)
            perm = np.argsort(np.where(keyed < 0, len(open_nodes), keyed).astype(np.int8), axis=1, kind="stable")
            perm = perm[:, :int(counts.sum())]
            samples = np.take_along_axis(order, perm, axis=1)  # (D, M)
            x = np.take_along_axis(values, perm, axis=1)  # (D, M)
        r = residual[samples]  # (D, M)
        left_sum = np.cumsum(r, axis=1)
        ends = np.cumsum(counts)
        starts = ends - counts
        next_open = []
        for j, node in enumerate(open_nodes):
            s, e = starts[j], ends[j]
            count = e - s
            if count < 2:
                continue
            node_r = r[0, s:e]
            total = node_r.sum()
            impurity = float(np.dot(node_r, node_r) / count - (total / count) ** 2)
            if impurity <= EPSILON:
                continue
            before = left_sum[:, s - 1:s] if s > 0 else 0.0
            sums = left_sum[:, s:e - 1] - before  # (D, count-1): Σ_l after each position
            n_l = np.arange(1, count, dtype=np.float64)
            n_r = count - n_l
            diff = n_r * sums - n_l * (total - sums)
            proxy = diff * diff / (n_l * n_r)
            xs = x[:, s:e]
            proxy[~(xs[:, 1:] > xs[:, :-1] + FEATURE_THRESHOLD)] = -np.inf
            best = proxy.argmax(axis=1)  # the first best position of each feature
            gains = proxy[np.arange(len(proxy)), best]
            feature = int(gains.argmax())  # the first best feature
            if not np.isfinite(gains[feature]):
                continue  # no two values far enough apart: a leaf
            p = int(best[feature])
            low, high = xs[feature, p], xs[feature, p + 1]
            threshold = low / 2.0 + high / 2.0
            if threshold == high or not np.isfinite(threshold):
                threshold = low
            left_n, right_n = p + 1, count - p - 1
            sum_l = sums[feature, p]
            importance[feature] += (left_n * right_n / count) * (sum_l / left_n - (total - sum_l) / right_n) ** 2
            left_id, right_id = len(nodes), len(nodes) + 1
            nodes[node][:4] = [feature, threshold, left_id, right_id]
            nodes += [[-1, 0.0, 0, 0, 0.0], [-1, 0.0, 0, 0, 0.0]]
            moved = samples[feature, s:e]
            node_of[moved[:left_n]] = left_id
            node_of[moved[left_n:]] = right_id
            next_open += [left_id, right_id]
        open_nodes = next_open
    tree = np.array([tuple(node) for node in nodes], dtype=NODE)
    return tree, node_of
