"""What a latent dimension may be called: one mutual-information estimate and one naming rule, which every
page that names a dimension or shows its MI uses (the Traversal and Disentanglement pages alike).

The estimate is the disentanglement protocol's own (the one MIG is computed from, vae.metrics.disentanglement.scores):
mean codes cut into 20 equal-width bins, discrete MI with each factor, divided by the factor's entropy, so a
"share" of 1 means the dimension tells everything about the factor. Binning caps a perfect code's share of a
32-valued factor at ~0.85 (see vae.metrics.disentanglement.scores.mig).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from vae.metrics.disentanglement.scores import mutual_information
from vae.explore.latent import factor_entropy

# A dimension is named after a factor only when the factor clearly dominates it: at least this share of the
# factor's information, and at least NAMED_RATIO times the runner-up factor's share. A near-tie (0.13 of x
# against 0.11 of y) is then "mixed", never "x position".
NAMED_SHARE = 0.4
NAMED_RATIO = 2.0
# Below this share of every factor, an active dimension informs no factor ("unused" for the factors); the
# factors of a "mixed" dimension are those of its top two above it.
MIXED_SHARE = 0.1


def share_of(mi: np.ndarray, entropy: np.ndarray) -> np.ndarray:
    """MI (D, F) nats over each factor's entropy (F,) nats -> shares (D, F) in [0, 1]."""
    return np.clip(np.asarray(mi, dtype=np.float64) / np.maximum(np.asarray(entropy, dtype=np.float64), 1e-8)[None, :],
                   0.0, 1.0)


def estimate_share(codes: np.ndarray | torch.Tensor, factors: np.ndarray | torch.Tensor) -> np.ndarray:
    """The protocol's estimate from mean codes (N, D) and factor indices (N, F) -> shares (D, F)."""
    codes, factors = np.asarray(codes, dtype=np.float64), np.asarray(factors)
    return share_of(mutual_information(codes, factors), factor_entropy(torch.from_numpy(factors)))


@dataclass(frozen=True)
class DimensionRole:
    """What one latent dimension holds, by the rule above.

    kind: "factor" (factors[0] clearly dominates), "mixed" (the top two, or the top one when only one
    reaches MIXED_SHARE: the dimension holds part of it, tangled with something else), "unused" (no factor
    reaches MIXED_SHARE) or "collapsed" (the dimension carries no information at all: its KL is ~0)."""

    kind: str
    factors: tuple[int, ...] = ()


def dimension_roles(share: np.ndarray, collapsed: list[bool] | None = None) -> list[DimensionRole]:
    """shares (D, F) [and which dims collapsed, (D,)] -> one DimensionRole per dimension."""
    roles = []
    for d, row in enumerate(np.asarray(share, dtype=np.float64)):
        if collapsed is not None and collapsed[d]:
            roles.append(DimensionRole("collapsed"))
            continue
        order = np.argsort(row)[::-1]
        top, second = row[order[0]], row[order[1]] if len(row) > 1 else 0.0
        if top >= NAMED_SHARE and top >= NAMED_RATIO * second:
            roles.append(DimensionRole("factor", (int(order[0]),)))
        elif top >= MIXED_SHARE:
            roles.append(DimensionRole("mixed", tuple(int(f) for f in order[:2] if row[f] >= MIXED_SHARE)))
        else:
            roles.append(DimensionRole("unused"))
    return roles


def factors_with_own_dimension(roles: list[DimensionRole]) -> set[int]:
    """The factors that some dimension is named after (the issue's "a dimension of their own")."""
    return {role.factors[0] for role in roles if role.kind == "factor"}
