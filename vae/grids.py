"""Image grids for runs and pages: torchvision's make_grid, upscaled so small images stay crisp."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from vae.atomic import atomic_write


def upscale(images: torch.Tensor, min_side: int = 32) -> torch.Tensor:
    """(B, C, H, W) -> nearest-neighbour enlarged by a whole factor until H >= min_side."""
    factor = max(1, -(-min_side // images.shape[-2]))
    return F.interpolate(images, scale_factor=factor, mode="nearest") if factor > 1 else images


def image_grid(images: torch.Tensor, nrow: int = 8, min_side: int = 32, padding: int = 2) -> torch.Tensor:
    """(B, C, H, W) in [0, 1] -> one (3, H', W') grid image."""
    from torchvision.utils import make_grid  # imported late: torchvision adds seconds to every CLI start

    images = upscale(images.detach().float().cpu().clamp(0, 1), min_side)
    return make_grid(images, nrow=nrow, padding=padding, pad_value=0.5)


def save_grid(images: torch.Tensor, path: str | Path, nrow: int = 8) -> None:
    """Write a PNG grid atomically (a reader never sees a half-written picture)."""
    from torchvision.utils import save_image

    grid = image_grid(images, nrow)
    atomic_write(path, lambda tmp: save_image(grid, tmp, format="PNG"))


def interleave_rows(originals: torch.Tensor, recons: torch.Tensor, nrow: int = 8) -> torch.Tensor:
    """Rows of originals each followed by the row of their reconstructions; (B, C, H, W) each."""
    rows = []
    for start in range(0, originals.shape[0], nrow):
        rows += [originals[start:start + nrow], recons[start:start + nrow]]
    return torch.cat(rows)
