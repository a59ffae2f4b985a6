"""Lossless code lengths of pictures under PNG (through Pillow), in nats: the complexity estimate of
the input-complexity correction (Serrà et al. 2020, "Input complexity and out-of-distribution detection
with likelihood-based generative models", ICLR).

A picture in [0, 1] is quantized to 8 bits per channel (round(255·x)), as PNG stores it, and its code
length is the size of the compressed pixel stream (the IDAT chunks): the container's fixed chunks
(signature, header, end marker) carry no information about the pixels, so they are left out.
"""

from __future__ import annotations

import io
import math
import struct

import numpy as np
import torch
from PIL import Image

NATS_PER_BIT = math.log(2)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPRESS_LEVEL = 9  # zlib's strongest: the shortest code PNG can give, which is what the score wants


def quantize(images: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) in [0, 1] -> (N, H, W, C) uint8, the values PNG stores."""
    x = images.detach().float().clamp(0, 1).mul(255).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


def idat_bytes(png: bytes) -> int:
    """Bytes of compressed pixel data (the payloads of the IDAT chunks) in a PNG file."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    total, at = 0, len(PNG_SIGNATURE)
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        if kind == b"IDAT":
            total += length
        at += 12 + length  # length, type, data, CRC
    return total


def png_code_length(images: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) in [0, 1] (C = 1 or 3) -> (N,) float64: each picture's PNG pixel stream in nats."""
    pixels = quantize(images)
    if pixels.shape[-1] not in (1, 3):
        raise ValueError("PNG code lengths need 1 (gray) or 3 (RGB) channels")
    lengths = np.empty(len(pixels), dtype=np.float64)
    for i, picture in enumerate(pixels):
        buffer = io.BytesIO()  # (H, W) uint8 is saved as gray "L", (H, W, 3) as "RGB"
        Image.fromarray(picture[..., 0] if picture.shape[-1] == 1 else picture).save(
            buffer, format="PNG", compress_level=COMPRESS_LEVEL)
        lengths[i] = 8 * idat_bytes(buffer.getvalue()) * NATS_PER_BIT
    return torch.from_numpy(lengths)
