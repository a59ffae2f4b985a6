"""scikit-learn's bundled handwritten digits (UCI): 1,797 8×8 gray images, 10 classes.

Ships with scikit-learn, so it is always available and needs no network.
"""

from __future__ import annotations

import torch

from .base import DatasetInfo, ImageData, check_split, split_sizes

NAME = "digits"
DESCRIPTION = "1,797 8×8 handwritten digits bundled with scikit-learn (10 classes)"
SOURCE = "scikit-learn (sklearn.datasets.load_digits)"
CLASS_NAMES = tuple(str(d) for d in range(10))
SPLIT_SEED = 0  # fixed on purpose: the split must never move with the caller's seed


def load_digits(split: str = "train") -> ImageData:
    """The fixed 80/20 split: images (N, 1, 8, 8) in [0, 1], labels (N,) int64."""
    check_split(split)
    from sklearn.datasets import load_digits as sk_load_digits  # slow import, only when needed

    bunch = sk_load_digits()
    x = torch.as_tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16.0  # (1797, 1, 8, 8)
    y = torch.as_tensor(bunch.target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(SPLIT_SEED))
    n_train, _ = split_sizes(len(y))
    rows = order[:n_train] if split == "train" else order[n_train:]
    info = DatasetInfo(NAME, (1, 8, 8), class_names=CLASS_NAMES, source=SOURCE)
    return ImageData(images=x[rows].contiguous(), labels=y[rows], factors=None, info=info)
