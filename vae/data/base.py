"""The records every dataset loader returns: `DatasetInfo`, `ImageData`."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset holds; `image_shape` is (C, H, W) of the images as returned."""

    name: str  # registry name, e.g. "digits"
    image_shape: tuple[int, int, int]  # (C, H, W) after resizing / channel conversion
    class_names: tuple[str, ...] = ()  # empty when the dataset has no labels
    factor_names: tuple[str, ...] = ()  # ground-truth generative factors, empty when none
    factor_sizes: tuple[int, ...] = ()  # number of values of each factor
    source: str = ""  # where it was read from (a path, "scikit-learn" or "generated")

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


@dataclass
class ImageData:
    """One split of a dataset held in memory."""

    images: torch.Tensor  # (N, C, H, W) float32 in [0, 1]
    labels: torch.Tensor | None  # (N,) int64, None when the dataset has no labels
    factors: torch.Tensor | None  # (N, F) int64 factor indices, None when none
    info: DatasetInfo
    skipped: int = 0  # unreadable files skipped (folder datasets)

    def __len__(self) -> int:
        return int(self.images.shape[0])


def split_sizes(n: int, train_fraction: float = 0.8) -> tuple[int, int]:
    """(n_train, n_test) for a fixed 80/20 split; floor keeps digits at 1,437 / 360."""
    n_train = int(n * train_fraction)
    return n_train, n - n_train


def check_split(split: str, allowed: tuple[str, ...] = ("train", "test")) -> None:
    if split not in allowed:
        raise ValueError(f"split must be one of {', '.join(map(repr, allowed))}, not {split!r}")
