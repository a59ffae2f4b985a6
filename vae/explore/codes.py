"""Tools for a VQ-VAE's discrete codes: encode a dataset to code grids, codebook usage
(frequencies, perplexity, dead codes), editing one cell, and the pixels a cell can reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn


class CodeError(ValueError):
    """A code edit or model that does not fit; the message is one line."""


def require_vqvae(model) -> None:
    if not model.config.kind.codes:
        raise CodeError(f"this needs a VQ-VAE, and the model is a {model.config.family}: "
                        "train one with --model vqvae")


@torch.no_grad()
def code_grids(model, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Images (N, C, H, W) -> code indices (N, h, w) long, on the CPU."""
    require_vqvae(model)
    if model.training:  # the quantizer's EMA would move the codebook while we read it
        raise CodeError("encode code grids with the model in eval mode (load_model gives one)")
    grids = [model.encode_indices(images[i:i + batch_size].to(model.device)).cpu()
             for i in range(0, len(images), batch_size)]
    return torch.cat(grids) if grids else torch.zeros(0, *model.grid_shape, dtype=torch.long)


@dataclass(frozen=True)
class CodebookUsage:
    counts: torch.Tensor  # (K,) how many cells picked each code
    frequencies: torch.Tensor  # (K,) counts / total cells
    perplexity: float  # exp(entropy of the frequencies): the number of equally used codes that would match it
    dead: tuple[int, ...]  # codes no cell picked

    @property
    def used(self) -> int:
        return len(self.counts) - len(self.dead)


def codebook_usage(grids: torch.Tensor, codebook_size: int) -> CodebookUsage:
    """Usage of the K codes over code grids (N, h, w)."""
    counts = torch.bincount(grids.flatten().cpu(), minlength=codebook_size).double()
    frequencies = counts / counts.sum().clamp(min=1)
    nonzero = frequencies[frequencies > 0]
    entropy = float(-(nonzero * nonzero.log()).sum())
    dead = tuple(int(k) for k in (counts == 0).nonzero().flatten())
    return CodebookUsage(counts.long(), frequencies.float(), math.exp(entropy), dead)


def swap_code(indices: torch.Tensor, cell: tuple[int, int], code: int,
              codebook_size: int | None = None) -> torch.Tensor:
    """A copy of code grid(s) (h, w) or (B, h, w) with cell (row, column) set to code."""
    row, column = cell
    height, width = indices.shape[-2:]
    if not (0 <= row < height and 0 <= column < width):
        raise CodeError(f"cell ({row}, {column}) is outside the {height}×{width} grid")
    if code < 0 or (codebook_size is not None and code >= codebook_size):
        raise CodeError(f"code {code} does not exist: pick one from 0 to {(codebook_size or 1) - 1}")
    edited = indices.clone()
    edited[..., row, column] = code
    return edited


def _reach(layer: nn.Module, low: int, high: int, size_in: int) -> tuple[int, int, int]:
    """The output interval [low, high] (and output size) that input positions [low, high] can change."""
    k, s, p, d = (v[0] if isinstance(v, tuple) else v
                  for v in (layer.kernel_size, layer.stride, layer.padding, layer.dilation))
    span = d * (k - 1)
    if isinstance(layer, nn.ConvTranspose2d):
        out_pad = layer.output_padding[0]
        size = (size_in - 1) * s - 2 * p + span + 1 + out_pad
        return max(0, low * s - p), min(size - 1, high * s - p + span), size
    size = (size_in + 2 * p - span - 1) // s + 1
    # output o reads inputs o·s − p … o·s − p + span
    return max(0, math.ceil((low + p - span) / s)), min(size - 1, (high + p) // s), size


def decoder_reach(model, cell: tuple[int, int]) -> tuple[slice, slice]:
    """The image rows and columns that a change of one cell's code can alter, from the decoder's
    conv layers (kernel, stride, padding): pixels outside them are exactly unchanged."""
    require_vqvae(model)
    box = []
    for axis, position in enumerate(cell):
        low = high = position
        size = model.grid_shape[axis]
        for layer in model.decoder.modules():
            if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
                low, high, size = _reach(layer, low, high, size)
        box.append(slice(low, high + 1))
    return box[0], box[1]


def cell_area(model, cell: tuple[int, int]) -> tuple[slice, slice]:
    """The image rows and columns a grid cell stands for (image size / grid size each)."""
    _, height, width = model.config.image_shape
    rows, columns = height // model.grid_shape[0], width // model.grid_shape[1]
    return slice(cell[0] * rows, (cell[0] + 1) * rows), slice(cell[1] * columns, (cell[1] + 1) * columns)


@torch.no_grad()
def decode_grids(model, indices: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """Code grids (N, h, w) -> mean images (N, C, H, W) on the CPU."""
    require_vqvae(model)
    parts = [model.decode_indices(indices[i:i + batch_size].to(model.device)).cpu()
             for i in range(0, len(indices), batch_size)]
    return torch.cat(parts)
