"""The dataset registry: digits, shapes (dSprites-like), MNIST, Fashion-MNIST and image folders.

`load_dataset(name, split)`, or `load_split(train_config, split)` for a run's own data, returns an
`ImageData` with images (N, C, H, W) float32 in [0, 1]. `list_datasets()` says which are here.

The loaders need PyTorch, which takes seconds to import; they are imported on first use (PEP 562), so that
`from vae.data import list_datasets` does not wait for it: the app's first page is drawn meanwhile.
"""

from importlib import import_module

from .sources import DATASET_NAMES, DatasetStatus, DatasetUnavailable, list_datasets

_LOADED_ON_USE = {
    "DatasetInfo": "base", "ImageData": "base", "read_idx": "idx",
    "load_dataset": "registry", "load_split": "registry", "split_config": "registry",
    "SHAPE_FACTORS": "shapes", "all_factor_indices": "shapes", "factor_index": "shapes", "flat_index": "shapes",
    "render_shapes": "shapes",
}


def __getattr__(name: str):
    if name not in _LOADED_ON_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_LOADED_ON_USE[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = ["DATASET_NAMES", "DatasetStatus", "DatasetUnavailable", "list_datasets", *_LOADED_ON_USE]
