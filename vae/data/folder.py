"""Any folder of images with one subfolder per class (torchvision `ImageFolder` layout).

Class names are the sorted subfolder names; unreadable files are skipped and counted.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from PIL import Image

from .base import DatasetInfo, ImageData, check_split, split_sizes
from .sources import HOW_TO_GET, DatasetUnavailable, check_root

NAME = "folder"
DEFAULT_SIZE = 32
SPLIT_SEED = 0  # fixed: the split must never move


def _image_extensions() -> tuple[str, ...]:
    from torchvision.datasets.folder import IMG_EXTENSIONS  # the same files ImageFolder takes

    return tuple(IMG_EXTENSIONS)


def list_files(root: str, classes: tuple[str, ...]) -> list[tuple[str, int]]:
    """(path, class index) of every image file, walked recursively in a stable order.

    Links to folders are followed (a class folder may be one), but each real folder is walked once:
    a link back up the tree (a loop) would otherwise make the walk endless."""
    extensions = _image_extensions()
    files = []
    for label, name in enumerate(classes):
        seen: set[tuple[int, int]] = set()
        for folder, subfolders, names in os.walk(os.path.join(root, name), followlinks=True):
            stat = os.stat(folder)
            if (stat.st_dev, stat.st_ino) in seen:
                subfolders[:] = []
                continue
            seen.add((stat.st_dev, stat.st_ino))
            files += [(os.path.join(folder, f), label) for f in names if f.lower().endswith(extensions)]
    return sorted(files)  # os.walk order depends on the file system; the split must not


def read_image(path: str, size: int, channels: int) -> torch.Tensor | None:
    """(C, size, size) float32 in [0, 1], or None when Pillow cannot read the file."""
    try:
        with Image.open(path) as im:
            im = im.convert("L" if channels == 1 else "RGB").resize((size, size), Image.Resampling.BILINEAR)
            array = np.asarray(im, dtype=np.float32) / 255.0
    except Exception:  # corrupt files raise anything from OSError to struct.error; never crash
        return None
    x = torch.from_numpy(array)
    return x.unsqueeze(0) if channels == 1 else x.permute(2, 0, 1).contiguous()


def load_folder(root: str | None, split: str = "train", *, image_size: int | None = None,
                channels: int | None = None) -> ImageData:
    """The fixed 80/20 split of the readable images: (N, C, S, S), S = image_size or 32.

    Every file is read once (small folders); `skipped` counts the unreadable ones in the
    whole folder, so it is the same for both splits.
    """
    check_split(split)
    classes = check_root(root)
    size = DEFAULT_SIZE if image_size is None else image_size
    channels = 1 if channels is None else channels
    images, labels, skipped = [], [], 0
    for path, label in list_files(root, classes):
        x = read_image(path, size, channels)
        if x is None:
            skipped += 1
            continue
        images.append(x)
        labels.append(label)
    if not images:
        raise DatasetUnavailable(f"no readable images under {root} ({skipped} unreadable): {HOW_TO_GET}")
    x = torch.stack(images)  # (N, C, S, S)
    y = torch.tensor(labels, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(SPLIT_SEED))
    n_train, _ = split_sizes(len(y))
    rows = order[:n_train] if split == "train" else order[n_train:]
    info = DatasetInfo(NAME, tuple(x.shape[1:]), class_names=classes, source=os.path.abspath(root))
    return ImageData(images=x[rows], labels=y[rows], factors=None, info=info, skipped=skipped)
