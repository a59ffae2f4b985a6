"""Procedural sprites in the image of dSprites (Matthey et al., 2017): white shapes on black.

Five factors, every combination rendered: shape (square, ellipse, heart) × scale (6) ×
orientation (40) × pos_x (32) × pos_y (32) = 737,280 images. Rendering is vectorized torch
at the requested resolution (not resized), anti-aliased by k×k supersampling.
"""

from __future__ import annotations

import math

import torch

from vae.config import SHAPE_AREAS

from .base import DatasetInfo, ImageData, check_split
from .transforms import keep_mask

NAME = "shapes"
SHAPE_NAMES = ("square", "ellipse", "heart")
SHAPE_FACTORS: tuple[tuple[str, int], ...] = (
    ("shape", 3), ("scale", 6), ("orientation", 40), ("pos_x", 32), ("pos_y", 32),
)
FACTOR_NAMES = tuple(name for name, _ in SHAPE_FACTORS)
FACTOR_SIZES = tuple(size for _, size in SHAPE_FACTORS)
NUM_COMBINATIONS = math.prod(FACTOR_SIZES)  # 737,280

DEFAULT_SIZE = 64
SPLIT_COUNTS = {"train": 12_000, "test": 2_000}  # disjoint slices of one seeded permutation
MAX_TRAIN = NUM_COMBINATIONS - SPLIT_COUNTS["test"]  # a train split can take every combination not tested
RADIUS = 0.22  # bounding radius of the largest shape (scale 1.0), in image widths
MARGIN = 0.25  # centres stay this far from the borders, so every shape stays in frame
SUPERSAMPLE = 4  # k×k samples per pixel: smooth edges, still almost binary
ELLIPSE_MINOR = 0.5  # aspect 1 : 0.5, so orientation is visible
# The heart curve spans y in [-1, 1.236]; shift and shrink it so it fits the unit circle.
HEART_SHIFT, HEART_SPREAD = 0.25, 1.25
# SHAPE_AREAS (vae.config, the setting's home): "bounding" gives every shape the same bounding circle, as in
# dSprites, so at one scale the heart covers 1.49× the ellipse's pixels and a code for size in pixels tells part
# of the shape; "equal" shrinks each shape to the smallest one's area (the ellipse's), so size is the scale alone.
# Each shape's area inside the unit bounding circle: square 2, ellipse π·minor, heart measured on a 4000² grid.
UNIT_AREAS = (2.0, math.pi * ELLIPSE_MINOR, 2.3425)
SAMPLES_PER_CHUNK = 1 << 21  # bounds the (n, W, k, W, k) temporaries to ~8 MB each


def flat_index(factors: torch.Tensor) -> torch.Tensor:
    """(N, 5) factor indices -> (N,) flat indices into the row-major grid."""
    strides = torch.tensor([math.prod(FACTOR_SIZES[i + 1:]) for i in range(len(FACTOR_SIZES))])
    return (torch.as_tensor(factors, dtype=torch.int64) * strides).sum(-1)


def factor_index(flat: int | torch.Tensor) -> torch.Tensor:
    """Flat index (or (N,) indices) -> factor indices (5,) (or (N, 5)), row-major."""
    flat = torch.as_tensor(flat, dtype=torch.int64)
    if ((flat < 0) | (flat >= NUM_COMBINATIONS)).any():
        raise ValueError(f"flat index out of range 0..{NUM_COMBINATIONS - 1}")
    return torch.stack(torch.unravel_index(flat, FACTOR_SIZES), dim=-1)


def all_factor_indices() -> torch.Tensor:
    """(737280, 5) int64: every factor combination, row 'i' has flat index i."""
    return factor_index(torch.arange(NUM_COMBINATIONS))


def factor_values() -> dict[str, torch.Tensor]:
    """The physical value of each factor index: scale, orientation (radians), pos_x/pos_y (0..1)."""
    # Built from whole tables in float64 so a value never depends on which rows are rendered.
    pos = torch.linspace(MARGIN, 1.0 - MARGIN, FACTOR_SIZES[3], dtype=torch.float64)
    return {
        "scale": torch.linspace(0.5, 1.0, FACTOR_SIZES[1], dtype=torch.float64),
        "orientation": torch.arange(FACTOR_SIZES[2], dtype=torch.float64) * (2 * math.pi / FACTOR_SIZES[2]),
        "pos_x": pos,
        "pos_y": torch.linspace(MARGIN, 1.0 - MARGIN, FACTOR_SIZES[4], dtype=torch.float64),
    }


def _check_factors(factors: torch.Tensor) -> torch.Tensor:
    factors = torch.as_tensor(factors, dtype=torch.int64)
    if factors.ndim != 2 or factors.shape[1] != len(FACTOR_SIZES):
        raise ValueError(f"factors must have shape (N, {len(FACTOR_SIZES)}), not {tuple(factors.shape)}")
    sizes = torch.tensor(FACTOR_SIZES)
    if ((factors < 0) | (factors >= sizes)).any():
        raise ValueError(f"factor indices out of range; sizes are {dict(SHAPE_FACTORS)}")
    return factors


def _inside(shape: int, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Bool mask of object-frame points (u, v) (unit = bounding radius, v down) inside `shape`.

    Works in place on `u` and `v` (fresh temporaries): the heart is the renderer's hot loop.
    """
    if shape == 0:  # square with its corners on the unit circle
        h = 1.0 / math.sqrt(2.0)
        return (u.abs_() <= h).logical_and_(v.abs_() <= h)
    if shape == 1:  # ellipse, major axis along u
        return u.square_().add_(v.square_().div_(ELLIPSE_MINOR * ELLIPSE_MINOR)) <= 1.0
    # heart (x²+y²−1)³ − x²y³ <= 0 with y up, lobes on top
    x2 = u.mul_(HEART_SPREAD).square_()
    y = v.mul_(-HEART_SPREAD).add_(HEART_SHIFT)
    t = y.square().add_(x2).sub_(1.0)
    return t.square().mul_(t) <= x2.mul_(y).mul_(y).mul_(y)


def shape_radii(area: str) -> torch.Tensor:
    """(3,) float64: each shape's bounding radius at scale 1, in image widths, under the `area` rule."""
    if area not in SHAPE_AREAS:
        raise ValueError(f"unknown shape area {area!r}; known: {', '.join(SHAPE_AREAS)}")
    areas = torch.tensor(UNIT_AREAS, dtype=torch.float64)
    shrink = (areas.min() / areas).sqrt() if area == "equal" else torch.ones_like(areas)  # ≤ 1: stays in frame
    return RADIUS * shrink


def _render_chunk(factors: torch.Tensor, size: int, k: int, window: int, canvas: torch.Tensor,
                  radii: torch.Tensor) -> None:
    """Draw (n, 5) factors into `canvas` (n, size, size), one window around each centre; radii: shape_radii's."""
    vals = factor_values()
    r = (vals["scale"][factors[:, 1]] * radii[factors[:, 0]]).float()  # (n,)
    theta = vals["orientation"]
    cos, sin = torch.cos(theta).float()[factors[:, 2]], torch.sin(theta).float()[factors[:, 2]]
    cx, cy = vals["pos_x"].float()[factors[:, 3]], vals["pos_y"].float()[factors[:, 4]]
    # Window origins in pixels; the window covers the bounding circle of the largest shape.
    x0 = torch.floor(cx * size - window / 2).long().clamp_(0, size - window)  # (n,)
    y0 = torch.floor(cy * size - window / 2).long().clamp_(0, size - window)
    sub = (torch.arange(k, dtype=torch.float32) + 0.5) / k  # (k,) sample offsets in a pixel
    grid = torch.arange(window, dtype=torch.float32)[:, None] + sub  # (W, k)
    dx = ((x0[:, None, None] + grid) / size - cx[:, None, None]) / r[:, None, None]  # (n, W, k)
    dy = ((y0[:, None, None] + grid) / size - cy[:, None, None]) / r[:, None, None]
    c, s = cos[:, None, None], sin[:, None, None]
    # Rotate pixel offsets into the object frame; separable terms broadcast to (n, W, k, W, k).
    cdx, sdx = (c * dx)[:, None, None], (s * dx)[:, None, None]  # (n, 1, 1, W, k) columns
    cdy, sdy = (c * dy)[..., None, None], (s * dy)[..., None, None]  # (n, W, k, 1, 1) rows
    cover = torch.empty(len(factors), window, window)
    for shape in range(FACTOR_SIZES[0]):
        rows = (factors[:, 0] == shape).nonzero().squeeze(1)
        if rows.numel() == 0:
            continue
        u = cdx[rows] + sdy[rows]
        v = cdy[rows] - sdx[rows]
        cover[rows] = _inside(shape, u, v).float().sum(4).sum(2) / (k * k)
    n = torch.arange(len(factors))[:, None, None]
    ys = (y0[:, None] + torch.arange(window))[:, :, None]  # (n, W, 1)
    xs = (x0[:, None] + torch.arange(window))[:, None, :]  # (n, 1, W)
    canvas[n, ys, xs] = cover


def render_shapes(factors: torch.Tensor, image_size: int = DEFAULT_SIZE,
                  supersample: int = SUPERSAMPLE, area: str = "bounding") -> torch.Tensor:
    """(N, 5) int64 factor indices -> (N, 1, S, S) float32 images in [0, 1]; `area`: see SHAPE_AREAS.

    Deterministic: an image depends only on its own factors, never on the batch around it.
    """
    factors = _check_factors(factors)
    if image_size < 1 or supersample < 1:
        raise ValueError("image_size and supersample must be positive")
    radii = shape_radii(area)  # an unknown rule fails here, before any work
    window = min(image_size, math.ceil(2 * RADIUS * image_size) + 2)
    out = torch.zeros(len(factors), image_size, image_size)
    step = max(1, SAMPLES_PER_CHUNK // (window * window * supersample * supersample))
    for start in range(0, len(factors), step):
        _render_chunk(factors[start:start + step], image_size, supersample, window, out[start:start + step], radii)
    return out.unsqueeze(1)


def partner_factors(factors: torch.Tensor, changes: int = 0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Weak supervision's second pictures (Locatello et al. 2020): (B, 5) factor indices -> (B, 5), each row
    with `changes` of its factors (0: a number from 1 to 4 drawn per row) set to another of their values,
    uniformly; the rest shared. Draws from `generator` (default: the global stream a run checkpoints)."""
    factors = _check_factors(factors)
    count, width = factors.shape
    if not 0 <= changes <= width:
        raise ValueError(f"a pair can differ in 0 to {width} factors, not {changes}")
    sizes = torch.tensor(FACTOR_SIZES)
    k = (torch.full((count,), changes) if changes else torch.randint(1, width, (count,), generator=generator))
    rank = torch.rand(count, width, generator=generator).argsort(1).argsort(1)  # a random order of the factors
    change = rank < k[:, None]  # (B, 5): the first k factors of that order
    offset = (torch.rand(count, width, generator=generator) * (sizes - 1)).long() + 1  # 1 .. size-1: another value
    return torch.where(change, (factors + offset) % sizes, factors)


def split_indices(split: str, seed: int = 0, train_size: int | None = None) -> torch.Tensor:
    """Flat grid indices of a split: disjoint seeded draws for train/test, everything for "all".

    train_size: how many combinations the train split draws (default 12,000, at most every one not
    in the test split). The test split stays the same 2,000 whatever it is, so larger training sets
    are scored on the same pictures; the first 12,000 train draws are too.
    """
    check_split(split, ("train", "test", "all"))
    if split == "all":
        return torch.arange(NUM_COMBINATIONS)
    order = torch.randperm(NUM_COMBINATIONS, generator=torch.Generator().manual_seed(seed))
    n_train, n_test = SPLIT_COUNTS["train"], SPLIT_COUNTS["test"]
    if split == "test":
        return order[n_train:n_train + n_test]
    size = n_train if train_size is None else train_size
    if not 1 <= size <= MAX_TRAIN:
        raise ValueError(f"shapes train size must be between 1 and {MAX_TRAIN:,} (got {size})")
    return torch.cat([order[:n_train], order[n_train + n_test:]])[:size]


def load_shapes(split: str = "train", *, image_size: int | None = None, limit: int | None = None,
                seed: int = 0, exclude_classes: tuple[int, ...] = (), train_size: int | None = None,
                area: str = "bounding") -> ImageData:
    """A split of distinct factor combinations, rendered at `image_size` (default 64) under the `area` rule.

    train/test: 12,000 / 2,000 combinations drawn with `seed` (train_size: more or fewer training
    draws, see split_indices); `limit` caps the count.
    "all": the full grid of 737,280 images in row-major order -- ~12 GB of float32 at 64×64
    (~3 GB at 32×32), so ask for it only with a small image_size or a limit.
    Labels are the shape factor; `factors` holds all five indices.
    """
    flat = split_indices(split, seed, train_size if split == "train" else None)
    factors = factor_index(flat)  # (N, 5)
    mask = keep_mask(factors[:, 0], exclude_classes, NAME, len(SHAPE_NAMES))
    if mask is not None:
        factors = factors[mask]
    if limit is not None:
        factors = factors[:limit]
    size = DEFAULT_SIZE if image_size is None else image_size
    info = DatasetInfo(NAME, (1, size, size), class_names=SHAPE_NAMES, factor_names=FACTOR_NAMES,
                       factor_sizes=FACTOR_SIZES, source="generated")
    return ImageData(images=render_shapes(factors, size, area=area), labels=factors[:, 0].clone(),
                     factors=factors, info=info)
