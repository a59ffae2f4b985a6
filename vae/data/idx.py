"""MNIST and Fashion-MNIST from IDX files (LeCun et al., 1998; Xiao et al., 2017).

Looks in ROOT, then torchvision's ROOT/<MNIST|FashionMNIST>/raw, then (Fashion-MNIST only)
Debian's /usr/share/datasets/fashion-mnist. Official splits: 60,000 train, 10,000 test.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np
import torch

from .base import DatasetInfo, ImageData, check_split
from .sources import DEFAULT_ROOT, SOURCES, DatasetUnavailable, IdxSource, find_split, missing_message

# IDX type code -> big-endian numpy dtype (http://yann.lecun.com/exdb/mnist/).
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
def read_idx(path: str | os.PathLike) -> torch.Tensor:
    """Read an IDX file (raw or .gz) into a tensor of its stored shape; ValueError if malformed."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"  # trust the bytes, not the file name
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: not a readable gzip file ({e})") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic number {data[:4].hex() or 'empty'})")
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX data type code 0x{code:02x}")
    if ndim == 0:
        raise ValueError(f"{path}: IDX file declares no dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: truncated IDX header")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_DTYPES[code])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(data) - header != expected:
        what = "truncated" if len(data) - header < expected else "has trailing bytes"
        raise ValueError(f"{path}: {what}: {len(data) - header} data bytes, expected {expected} for shape {dims}")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return torch.from_numpy(array.astype(dtype.newbyteorder("="), copy=True))


def _download(source: IdxSource, root: str | None) -> None:
    """Let torchvision fetch the files into ROOT/<torchvision dir>/raw."""
    root = DEFAULT_ROOT if root is None else root
    try:
        from torchvision import datasets

        cls = datasets.MNIST if source.name == "mnist" else datasets.FashionMNIST
        for train in (True, False):
            cls(root, train=train, download=True)
    except Exception as e:  # network, disk, checksum: all mean "not available here"
        first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise DatasetUnavailable(f"{source.title} download into {root} failed ({first_line}); "
                                 + source.how_to_get.format(root=root)) from None


def load_idx(name: str, split: str = "train", *, root: str | None = None,
             download: bool = False) -> ImageData:
    """An official split: images (N, 1, 28, 28) in [0, 1], labels (N,) int64."""
    check_split(split)
    source = SOURCES[name]
    paths = find_split(source, split, root)
    if paths is None and download:
        _download(source, root)
        paths = find_split(source, split, root)
    if paths is None:
        raise DatasetUnavailable(missing_message(source, root))
    images, labels = (read_idx(p) for p in paths)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{paths[0]}: expected (N, H, W) images and (N,) labels, got "
                         f"{tuple(images.shape)} and {tuple(labels.shape)}")
    x = images.unsqueeze(1).float().div_(255.0)  # (N, 1, 28, 28)
    info = DatasetInfo(name, tuple(x.shape[1:]), class_names=source.class_names,
                       source=os.path.dirname(paths[0]))
    return ImageData(images=x, labels=labels.long(), factors=None, info=info)
