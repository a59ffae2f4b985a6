"""The dataset registry: digits, shapes (dSprites-like), MNIST, Fashion-MNIST and image folders.

`load_dataset(name, split)`, or `load_split(train_config, split)` for a run's own data, returns an
`ImageData` with images (N, C, H, W) float32 in [0, 1].
"""

from .base import DatasetInfo, DatasetStatus, DatasetUnavailable, ImageData
from .idx import read_idx
from .registry import DATASET_NAMES, list_datasets, load_dataset, load_split, split_config
from .shapes import SHAPE_FACTORS, all_factor_indices, factor_index, flat_index, render_shapes

__all__ = [
    "DATASET_NAMES",
    "SHAPE_FACTORS",
    "DatasetInfo",
    "DatasetStatus",
    "DatasetUnavailable",
    "ImageData",
    "all_factor_indices",
    "factor_index",
    "flat_index",
    "list_datasets",
    "load_dataset",
    "load_split",
    "read_idx",
    "render_shapes",
    "split_config",
]
