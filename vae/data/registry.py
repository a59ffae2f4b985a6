"""One entry point for every dataset: `load_dataset(name, split, ...)` and a run's own split
(`load_split(train_config, split)`); `list_datasets()` lives in .sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import digits, folder, idx, shapes
from .base import ImageData
from .sources import DATASET_NAMES
from .transforms import check_options, reshape, select

if TYPE_CHECKING:
    from vae.config import TrainConfig


def _check_name(name: str) -> None:
    if name not in DATASET_NAMES:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASET_NAMES)}")


def load_dataset(name: str, split: str = "train", *, root: str | None = None,
                 image_size: int | None = None, channels: int | None = None,
                 limit: int | None = None, seed: int = 0,
                 exclude_classes: tuple[int, ...] = (), download: bool = False,
                 train_size: int | None = None, shape_area: str = "bounding") -> ImageData:
    """Load one split of a registered dataset: images (N, C, H, W) float32 in [0, 1].

    split: "train" or "test" ("all" too for shapes: the full 737,280-image grid).
    image_size: square resize (antialiased bilinear); shapes and folders render/read at it.
    channels: 1 (luma) or 3 (gray repeated). limit: keep the first `limit` images of the split.
    seed: only moves the shapes subset; every other split is fixed.
    exclude_classes: drop these labels (e.g. hold one class out for anomaly detection).
    root: folder to read (mnist/fashion-mnist default ./data; required for folder).
    download: let torchvision fetch mnist/fashion-mnist into root when missing.
    train_size: shapes only: how many grid combinations the train split renders (default 12,000).
    shape_area: shapes only: how a shape's size follows its scale (vae.config.SHAPE_AREAS).
    Raises ValueError for bad arguments, DatasetUnavailable (one line) when the data is missing.
    """
    _check_name(name)
    check_options(image_size, channels, limit)
    exclude = tuple(exclude_classes)
    if train_size is not None and name != "shapes":
        raise ValueError(f"train size applies to the shapes grid only; {name} has a fixed training split")
    if shape_area != "bounding" and name != "shapes":
        raise ValueError(f"shape area applies to the shapes grid only, not {name}")
    if name == "shapes":
        data = shapes.load_shapes(split, image_size=image_size, limit=limit, seed=seed,
                                  exclude_classes=exclude, train_size=train_size, area=shape_area)
        return reshape(data, channels=channels)
    if name == "digits":
        data = digits.load_digits(split)
    elif name == "folder":
        data = folder.load_folder(root, split, image_size=image_size, channels=channels)
    else:
        data = idx.load_idx(name, split, root=root, download=download)
    return reshape(select(data, exclude, limit), image_size, channels)


def split_config(config: "TrainConfig", split: str) -> "TrainConfig":
    """The settings that decide which pictures a split of the run's data holds, the others at their
    defaults: two runs that read the same pictures get equal (hashable) configs, so caches share one copy.
    The limit, held-out classes and train size shape the training split only."""
    keep = dict(dataset=config.dataset, data_root=config.data_root, image_size=config.image_size,
                channels=config.channels, seed=config.seed, download=config.download, shape_area=config.shape_area)
    if split == "train":
        keep.update(limit=config.limit, exclude_classes=config.exclude_classes, train_size=config.train_size)
    return type(config)(**keep)


def load_split(config: "TrainConfig", split: str) -> ImageData:
    """One split of the run's dataset with the run's size, channel and class settings."""
    c = split_config(config, split)
    return load_dataset(c.dataset, split, root=c.data_root, image_size=c.image_size, channels=c.channels,
                        limit=c.limit, seed=c.seed, exclude_classes=c.exclude_classes, download=c.download,
                        train_size=c.train_size, shape_area=c.shape_area)
