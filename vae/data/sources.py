"""Which datasets there are, where each is looked for and whether it is on this machine: `list_datasets()`.

No PyTorch here (the loaders, in the sibling modules, need it): the app lists the datasets and picks the
model it opens on before PyTorch has finished importing. Also `DatasetUnavailable`, the one error a caller
shows to the user as-is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DATASET_NAMES: tuple[str, ...] = ("digits", "shapes", "fashion-mnist", "mnist", "folder")
DESCRIPTIONS = {
    "digits": "1,797 8×8 handwritten digits bundled with scikit-learn (10 classes)",
    "shapes": "procedural dSprites-like shapes with 5 known factors (737,280 combinations)",
    "fashion-mnist": "70,000 28×28 Zalando clothing images (10 classes)",
    "mnist": "70,000 28×28 handwritten digits (10 classes)",
    "folder": "your own images: ROOT/<class>/<image>, one subfolder per class",
}
DIGITS_SOURCE = "scikit-learn (sklearn.datasets.load_digits)"
HOW_TO_GET = "pass --data-root DIR, a folder with one subfolder of images per class"  # the folder dataset
SPLIT_FILES = {"train": "train", "test": "t10k"}  # IDX file-name prefixes
DEFAULT_ROOT = "./data"


class DatasetUnavailable(RuntimeError):
    """Raised with ONE line that says how to get the data (no traceback needed by callers)."""

    def __init__(self, message: str):
        # Callers print this verbatim in a CLI or a Streamlit banner, so keep it on one line.
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True)
class DatasetStatus:
    """One row of `list_datasets`: is it here, where, and how to get it if not."""

    name: str
    available: bool
    where: str  # path (or "generated", "scikit-learn") where it was found; "" when missing
    how_to_get: str  # one line of advice when missing; "" when available
    description: str


@dataclass(frozen=True)
class IdxSource:
    """Where one IDX dataset may live and what to tell the user when it does not."""

    name: str  # registry name
    title: str  # how people write it
    torchvision_dir: str  # folder under ROOT that torchvision's downloader writes
    system_dirs: tuple[str, ...]  # distribution packages, searched after ROOT
    class_names: tuple[str, ...]
    how_to_get: str  # {root} is filled in


MNIST = IdxSource(
    "mnist", "MNIST", "MNIST", (), tuple(str(d) for d in range(10)),
    "put the IDX files (train-images-idx3-ubyte[.gz] etc.) in ROOT or ROOT/MNIST/raw "
    "(--data-root, now {root}), or pass --download where the network allows.",
)
FASHION_MNIST = IdxSource(
    "fashion-mnist", "Fashion-MNIST", "FashionMNIST", ("/usr/share/datasets/fashion-mnist",),
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
     "Ankle boot"),
    "install it with `apt-get install dataset-fashion-mnist`, or pass --download where the "
    "network allows.",
)
SOURCES = {s.name: s for s in (MNIST, FASHION_MNIST)}


def _find_file(folder: str, stem: str) -> str | None:
    for candidate in (stem, stem + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def search_dirs(source: IdxSource, root: str | None) -> tuple[str, ...]:
    """Folders searched, in order: ROOT, ROOT/<torchvision dir>/raw, the system package."""
    root = DEFAULT_ROOT if root is None else root
    return (root, os.path.join(root, source.torchvision_dir, "raw"), *source.system_dirs)


def find_split(source: IdxSource, split: str, root: str | None) -> tuple[str, str] | None:
    """(images path, labels path) of the first folder holding both, or None."""
    prefix = SPLIT_FILES[split]
    for folder in search_dirs(source, root):
        images = _find_file(folder, f"{prefix}-images-idx3-ubyte")
        labels = _find_file(folder, f"{prefix}-labels-idx1-ubyte")
        if images and labels:
            return images, labels
    return None


def missing_message(source: IdxSource, root: str | None) -> str:
    """One line: where we looked and how to get the files."""
    root = DEFAULT_ROOT if root is None else root
    where = " or ".join((root, *source.system_dirs))
    return f"{source.title} not found in {where}: " + source.how_to_get.format(root=root)


def find_classes(root: str) -> tuple[str, ...]:
    """Sorted names of the subfolders of `root` (ImageFolder semantics)."""
    with os.scandir(root) as entries:
        return tuple(sorted(e.name for e in entries if e.is_dir()))


def check_root(root: str | None) -> tuple[str, ...]:
    """The class names under a folder dataset's `root`, or DatasetUnavailable saying what is wrong."""
    if root is None:
        raise DatasetUnavailable(f"the folder dataset needs a folder: {HOW_TO_GET}")
    if not os.path.isdir(root):
        raise DatasetUnavailable(f"{root} is not a folder: {HOW_TO_GET}")
    classes = find_classes(root)
    if not classes:
        raise DatasetUnavailable(f"no class subfolders in {root}: {HOW_TO_GET}")
    return classes


def _idx_status(name: str, root: str | None) -> DatasetStatus:
    source = SOURCES[name]
    found = [find_split(source, split, root) for split in ("train", "test")]
    if all(found):
        return DatasetStatus(name, True, os.path.dirname(found[0][0]), "", DESCRIPTIONS[name])
    return DatasetStatus(name, False, "", missing_message(source, root), DESCRIPTIONS[name])


def _folder_status(root: str | None) -> DatasetStatus:
    try:
        check_root(root)
    except (DatasetUnavailable, OSError) as e:
        return DatasetStatus("folder", False, "", str(e), DESCRIPTIONS["folder"])
    return DatasetStatus("folder", True, os.path.abspath(root), "", DESCRIPTIONS["folder"])


def list_datasets(root: str | None = None) -> list[DatasetStatus]:
    """Each registered dataset: available here?, where, and one line on how to get it."""
    return [
        DatasetStatus("digits", True, DIGITS_SOURCE, "", DESCRIPTIONS["digits"]),
        DatasetStatus("shapes", True, "generated", "", DESCRIPTIONS["shapes"]),
        _idx_status("fashion-mnist", root),
        _idx_status("mnist", root),
        _folder_status(root),
    ]
