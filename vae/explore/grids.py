"""Image grids for runs and pages: torchvision's make_grid, upscaled so small images stay crisp, and its
uint8 twin `grid_pil` that the app shows and the shipped home pictures are made with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

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


def grid_pil(images: torch.Tensor, nrow: int, min_side: int = 64, padding: int = 2) -> Image.Image:
    """(B, C, H, W) -> one grid picture (RGB, or L for gray images), each cell enlarged to at least min_side pixels.

    The same pixels as vae.explore.grids.image_grid (torchvision's make_grid, 0.5-gray padding), but built in
    uint8 after the 8-bit conversion, which is several times faster for a page rerun; gray images give
    a one-channel ("L") picture where make_grid repeats them to RGB: the same look, a third of the PNG work."""
    x = (images.detach().float().cpu().clamp(0, 1) * 255).round().byte().numpy()  # (B, C, H, W)
    count, channels, height, width = x.shape
    factor = max(1, -(-min_side // height))
    cells = x.transpose(0, 2, 3, 1).repeat(factor, axis=1).repeat(factor, axis=2)  # (B, H·f, W·f, C)
    if count == 1:
        # make_grid leaves a single image unpadded
        return Image.fromarray(np.ascontiguousarray(cells[0].squeeze(-1) if channels == 1 else cells[0]))
    columns = min(nrow, count)
    rows = -(-count // columns)
    pitch_y, pitch_x = height * factor + padding, width * factor + padding
    grid = np.full((rows * pitch_y + padding, columns * pitch_x + padding, channels), 128, np.uint8)  # 0.5 gray
    for i in range(count):
        row, column = divmod(i, columns)
        grid[row * pitch_y + padding:(row + 1) * pitch_y, column * pitch_x + padding:(column + 1) * pitch_x] = cells[i]
    return Image.fromarray(grid.squeeze(-1) if channels == 1 else grid)


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
