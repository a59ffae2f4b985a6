"""An uploaded PNG or JPEG as a model input: checked, decoded safely, fitted to the model's size and channels.

Fitting pads the picture to a square with its own border colour (so nothing is cut off or stretched),
then resizes it with Lanczos filtering to H×W and stretches its contrast to the full [0, 1] range. The
datasets here are light drawings on black: a dark-on-light upload (bright border) should be inverted,
which `Upload.bright_border` suggests and `image_from_bytes` does by default.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024  # a picture for an 8×8 to 64×64 model needs far less
MAX_PIXELS = 16_000_000  # checked from the header before decoding: stops decompression bombs (4,000 × 4,000)
MAX_ASPECT = 20  # longest side : shortest, also from the header: a 2 × 10,000,000 strip is no picture
MIN_SIDE = 8  # a smaller picture holds no shape to encode (the smallest model input is 8 × 8)
WORK_SCALE = 4  # pictures are shrunk to 4× the model's side before padding, never padded at full size
FORMATS = ("PNG", "JPEG")


class BadUpload(ValueError):
    """An upload that cannot be used; `reason` is one of empty, too_large, too_many_pixels, bad_shape, too_small,
    not_image."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Upload:
    image: torch.Tensor  # (C, H, W) in [0, 1], fitted to the model, not inverted
    bright_border: bool  # dark drawing on a light background: inverting makes it look like the data


def _open(data: bytes) -> Image.Image:
    """Decode PNG or JPEG bytes after checking their size and the pixel count their header declares."""
    if not data:
        raise BadUpload("empty", "the file is empty: choose a PNG or JPEG picture")
    if len(data) > MAX_BYTES:
        raise BadUpload("too_large", f"the file has {len(data) / 2**20:.1f} MB; pictures up to "
                                     f"{MAX_BYTES // 2**20} MB are accepted")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
            if max(picture.size) > MAX_ASPECT * max(1, min(picture.size)):
                raise BadUpload("bad_shape", f"the picture is {picture.width}×{picture.height} pixels; its sides "
                                             f"may differ by {MAX_ASPECT}× at most")
            if min(picture.size) < MIN_SIDE:
                raise BadUpload("too_small", f"the picture is {picture.width}×{picture.height} pixels; it needs "
                                             f"at least {MIN_SIDE} on each side")
            if picture.width * picture.height <= MAX_PIXELS:
                picture.load()
    except BadUpload:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadUpload("too_many_pixels", f"the picture has too many pixels; up to "
                                           f"{MAX_PIXELS // 10**6} million are accepted") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise BadUpload("not_image", "the file is not a readable PNG or JPEG picture") from None
    if picture.width * picture.height > MAX_PIXELS:
        raise BadUpload("too_many_pixels", f"the picture has {picture.width}×{picture.height} pixels; "
                                           f"up to {MAX_PIXELS // 10**6} million are accepted")
    return picture


def _flatten(picture: Image.Image, mode: str) -> Image.Image:
    """Upright (EXIF), transparency composited on white, then gray (L) or RGB."""
    picture = ImageOps.exif_transpose(picture)
    if picture.mode.startswith("I"):  # 16-bit gray PNG: keep the top 8 bits (convert("L") would clip)
        picture = Image.fromarray((np.asarray(picture).astype(np.int64) >> 8).clip(0, 255).astype(np.uint8))
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(white, rgba)
    return picture.convert(mode)


def _border(array: np.ndarray) -> np.ndarray:
    """The outermost ring of pixels of an (H, W) or (H, W, C) array, as (N,) or (N, C)."""
    return np.concatenate([array[0], array[-1], array[1:-1, 0], array[1:-1, -1]])


def read_upload(data: bytes, image_shape: tuple[int, int, int]) -> Upload:
    """PNG/JPEG bytes -> the picture at the model's (C, H, W), and whether its border is bright.
    Raises BadUpload (one line) for an empty, too large, too big or unreadable file."""
    channels, height, width = image_shape
    picture = _flatten(_open(data), "L" if channels == 1 else "RGB")
    work = WORK_SCALE * max(height, width)
    if max(picture.size) > work:  # shrink first: the padded square is then small whatever the upload's size
        scale = work / max(picture.size)
        picture = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
                                 Image.Resampling.LANCZOS, reducing_gap=3.0)
    border = np.median(_border(np.asarray(picture)), axis=0)
    side = max(picture.size)
    fill = int(border) if channels == 1 else tuple(int(v) for v in border)
    square = Image.new(picture.mode, (side, side), fill)
    square.paste(picture, ((side - picture.width) // 2, (side - picture.height) // 2))
    fitted = ImageOps.autocontrast(square.resize((width, height), Image.Resampling.LANCZOS), cutoff=1)
    array = np.asarray(fitted, dtype=np.float32) / 255
    image = torch.from_numpy(array[None] if channels == 1 else array.transpose(2, 0, 1).copy())
    return Upload(image, bright_border=bool(_border(array).mean() > 0.5))


def image_from_bytes(data: bytes, image_shape: tuple[int, int, int], invert: bool | None = None) -> torch.Tensor:
    """PNG/JPEG bytes -> (C, H, W) float in [0, 1]; invert None inverts a dark-on-light picture."""
    upload = read_upload(data, image_shape)
    invert = upload.bright_border if invert is None else invert
    return 1 - upload.image if invert else upload.image
