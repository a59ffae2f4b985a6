"""The interpolation page's pieces: choosing a pair of test pictures, building the strips
(latent lerp / slerp, pixel blend, latent arithmetic) and turning them into pictures and a chart."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image

from ui.images import gif_bytes, to_pil
from vae.explore.grids import grid_pil
from vae.explore.latent import arithmetic_path, decode_path, lerp, slerp, snap_to_codebook

PATHS = {"lerp": lerp, "slerp": slerp}
STRIP_WIDTH = 1400  # pixels a strip is drawn at, so the browser only ever shrinks it


@torch.no_grad()
def encode_means(model, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """Posterior means (VQ-VAE: quantized codes) of a few pictures: (B, C, H, W) -> (B, D) on the CPU."""
    mu, _ = model.encode(x.to(model.device), None if y is None else y.to(model.device))
    return mu.float().cpu()


def latent_path(z0: torch.Tensor, z1: torch.Tensor, steps: int, method: str = "lerp") -> torch.Tensor:
    """The codes of a strip from z0 to z1 (both included): (D,), (D,) -> (steps, D)."""
    return PATHS[method](z0, z1, steps)


@torch.no_grad()
def latent_strip(model, z0: torch.Tensor, z1: torch.Tensor, steps: int, method: str = "lerp",
                 y: int | None = None, snap: bool = False) -> torch.Tensor:
    """Decodes along a latent path: (steps, C, H, W); the ends are the decodes of z0 and z1 themselves.

    y decodes under that class (conditional models); snap rounds every step to the codebook (VQ-VAE)."""
    codes = latent_path(z0, z1, steps, method)
    if snap:
        codes = snap_to_codebook(model, codes)
    return decode_path(model, codes, y)


@torch.no_grad()
def arithmetic_strip(model, z: torch.Tensor, source_mean: torch.Tensor, target_mean: torch.Tensor,
                     steps: int) -> torch.Tensor:
    """z + t·(target mean − source mean), t from 0 to 1, decoded: (steps, C, H, W)."""
    return decode_path(model, arithmetic_path(z, source_mean, target_mean, steps))


def random_pair(labels: np.ndarray | torch.Tensor | None, n: int, seed: int) -> tuple[int, int]:
    """Two different test indices drawn from the seed; of two different classes when labelled."""
    rng = np.random.default_rng(int(seed))
    first = int(rng.integers(n))
    if labels is None:
        second = int(rng.choice(np.setdiff1d(np.arange(n), [first]))) if n > 1 else first
        return first, second
    labels = np.asarray(labels)
    others = np.flatnonzero(labels != labels[first])
    if not len(others):
        others = np.setdiff1d(np.arange(n), [first])
    return first, int(rng.choice(others)) if len(others) else first


def strip_picture(images: torch.Tensor) -> Image.Image:
    """(S, C, H, W) -> one row, each cell enlarged by a whole factor to about STRIP_WIDTH / S pixels."""
    steps = images.shape[0]
    return grid_pil(images, nrow=steps, min_side=max(32, math.ceil(STRIP_WIDTH / steps)))


def strip_gif(images: torch.Tensor) -> bytes:
    """(S, C, H, W) -> an animated GIF that plays the strip forward and back."""
    return gif_bytes([to_pil(image, 256) for image in images])


def norm_figure(paths: dict[str, torch.Tensor], references: dict[str, float], t_mark: float | None = None,
                t_label: str = "t", height: int = 320) -> go.Figure:
    """Length ‖z‖ of each path's codes along the strip, with horizontal reference lengths and, when
    given, a vertical line at t_mark (where the live t slider was let go)."""
    figure = go.Figure()
    colours = ["#4c78a8", "#f58518", "#54a24b"]
    for (name, codes), colour in zip(paths.items(), colours):
        figure.add_trace(go.Scatter(x=np.linspace(0, 1, len(codes)), y=codes.norm(dim=1).numpy(), name=name,
                                    mode="lines+markers", line=dict(color=colour, width=3)))
    for (name, value), dash in zip(references.items(), ["dash", "dot"]):
        figure.add_hline(y=value, line=dict(color="#888", dash=dash), annotation_text=name,
                         annotation_position="bottom right")
    if t_mark is not None:
        figure.add_vline(x=t_mark, line=dict(color="#888", width=1), annotation_text=f"{t_label} = {t_mark:.2f}",
                         annotation_position="top")
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), xaxis=dict(title=dict(text="t")),
                         yaxis=dict(title=dict(text="‖z‖"), rangemode="tozero"),
                         legend=dict(orientation="h", y=1.12))
    return figure
