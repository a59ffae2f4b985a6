"""Operations every loader shares: drop classes, keep the first `limit`, resize, convert channels.

Each returns a new `ImageData` whose `info.image_shape` matches its images.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from vae.config import ConfigError

from .base import ImageData

# ITU-R 601-2 luma, the weights PIL's "L" mode uses.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def check_options(image_size: int | None, channels: int | None, limit: int | None) -> None:
    """Reject options no loader could honour, with one-line messages."""
    if image_size is not None and (not isinstance(image_size, int) or image_size < 1):
        raise ValueError(f"image_size must be a positive integer, not {image_size!r}")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1 (gray) or 3 (RGB), not {channels!r}")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be a non-negative integer, not {limit!r}")


def keep_mask(labels: torch.Tensor | None, exclude: tuple[int, ...], name: str,
              num_classes: int) -> torch.Tensor | None:
    """(N,) bool mask of rows to keep, or None when nothing is excluded."""
    if not exclude:
        return None
    if labels is None:
        raise ConfigError(f"exclude_classes needs labels, and {name} has none", field="exclude_classes",
                          rule="exclude_unlabelled", dataset=name)
    bad = [c for c in exclude if not 0 <= int(c) < num_classes]
    if bad:
        raise ConfigError(f"exclude_classes {bad} out of range: {name} has classes 0..{num_classes - 1}",
                          field="exclude_classes", rule="exclude_range", bad=bad, dataset=name, last=num_classes - 1)
    if len({int(c) for c in exclude}) >= num_classes:
        raise ConfigError(f"exclude_classes leaves none of the {num_classes} classes of {name}: keep at least one",
                          field="exclude_classes", rule="exclude_all", classes=num_classes, dataset=name)
    return ~torch.isin(labels, torch.tensor([int(c) for c in exclude], dtype=labels.dtype))


def select(data: ImageData, exclude: tuple[int, ...] = (), limit: int | None = None) -> ImageData:
    """Drop the `exclude` classes, then keep the first `limit` images (order preserved)."""
    mask = keep_mask(data.labels, exclude, data.info.name, data.info.num_classes)
    rows = torch.arange(len(data)) if mask is None else mask.nonzero().squeeze(1)
    if limit is not None:
        rows = rows[:limit]
    if mask is None and rows.numel() == len(data):
        return data
    return dataclasses.replace(
        data,
        images=data.images[rows],
        labels=None if data.labels is None else data.labels[rows],
        factors=None if data.factors is None else data.factors[rows],
    )


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, size, size), antialiased bilinear, clamped to [0, 1]."""
    if images.shape[-2:] == (size, size):
        return images
    if images.shape[0] == 0:
        return images.new_zeros(*images.shape[:2], size, size)
    out = F.interpolate(images, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return out.clamp_(0.0, 1.0)  # bilinear with antialias can overshoot slightly at edges


def convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, channels, H, W): RGB -> luma, or gray repeated to RGB."""
    c = images.shape[1]
    if c == channels:
        return images
    if c == 3 and channels == 1:
        w = torch.tensor(LUMA_WEIGHTS, dtype=images.dtype).view(1, 3, 1, 1)
        return (images * w).sum(dim=1, keepdim=True).clamp_(0.0, 1.0)
    if c == 1 and channels == 3:
        return images.repeat(1, 3, 1, 1)
    raise ValueError(f"cannot convert {c}-channel images to {channels} channels")


def reshape(data: ImageData, image_size: int | None = None, channels: int | None = None) -> ImageData:
    """Resize to `image_size` and convert to `channels`; None leaves that part as it is."""
    x = data.images
    if image_size is not None:
        x = resize(x, image_size)
    if channels is not None:
        x = convert_channels(x, channels)
    if x is data.images:
        return data
    info = dataclasses.replace(data.info, image_shape=tuple(x.shape[1:]))
    return dataclasses.replace(data, images=x.contiguous(), info=info)
