"""scikit-learn's bundled handwritten digits (UCI): 1,797 8×8 gray images, 10 classes.

Ships with scikit-learn, so it is always available and needs no network.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

from .base import DatasetInfo, ImageData, check_split, split_sizes
from .sources import DIGITS_SOURCE

NAME = "digits"
CLASS_NAMES = tuple(str(d) for d in range(10))
SPLIT_SEED = 0  # fixed on purpose: the split must never move with the caller's seed


def _bundled_csv() -> Path | None:
    """scikit-learn's own digits.csv.gz, found without importing scikit-learn (None if not there)."""
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            return path
    return None


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    """(1797, 64) pixel values 0..16 and (1797,) labels, as sklearn.datasets.load_digits returns them.

    Reading the bundled file the way load_digits does (np.loadtxt) skips importing scikit-learn, which
    takes ~2.5 s: most of the app's first page on this model. Falls back to load_digits itself."""
    path = _bundled_csv()
    if path is None:
        from sklearn.datasets import load_digits as sk_load_digits

        bunch = sk_load_digits()
        return bunch.data, bunch.target
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1], table[:, -1].astype(int)


def load_digits(split: str = "train") -> ImageData:
    """The fixed 80/20 split: images (N, 1, 8, 8) in [0, 1], labels (N,) int64."""
    check_split(split)
    pixels, target = _read_digits()
    x = torch.as_tensor(pixels, dtype=torch.float32).view(-1, 1, 8, 8) / 16.0  # (1797, 1, 8, 8)
    y = torch.as_tensor(target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(SPLIT_SEED))
    n_train, _ = split_sizes(len(y))
    rows = order[:n_train] if split == "train" else order[n_train:]
    info = DatasetInfo(NAME, (1, 8, 8), class_names=CLASS_NAMES, source=DIGITS_SOURCE)
    return ImageData(images=x[rows].contiguous(), labels=y[rows], factors=None, info=info)
