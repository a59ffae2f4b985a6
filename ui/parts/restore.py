"""Pictures and the chart of the denoise-and-complete page: large crisp cells, the downloadable row with
its scores, the strip of completion rounds and the PSNR-per-round curve."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image, ImageDraw, ImageFont

import streamlit as st

from ui.catalog import ModelEntry, checkpoint_sha
from ui.images import png_bytes, rgb_uint8
from vae.explore.grids import grid_pil
from vae.precompute.pages import example_key, stored_restoration
from vae.explore.restore import Comparison, Corruption

CELL_SIDE = 320  # px at least: a cell is one of 5 columns on a projector
MAX_WIDTH = 1400  # st.image blurs wider pictures
PADDING = 2
HIDDEN_COLOUR = (255, 140, 0)  # orange: reads as "missing" on gray pictures


@st.cache_data(show_spinner=False, max_entries=64)
def _shipped(entry: ModelEntry, key: str) -> Comparison | None:
    return stored_restoration(entry.path, key, checkpoint_sha(entry))


def shipped_restoration(entry: ModelEntry, clean: torch.Tensor, label: int | None, spec: Corruption, iterations: int,
                        components: int) -> Comparison | None:
    """The restoration the run ships for this picture (C, H, W) and corruption (`python -m vae precompute`), or None."""
    return _shipped(entry, example_key(clean, label, spec, iterations, components))


def _rgb(image: torch.Tensor, missing: torch.Tensor | None) -> np.ndarray:
    """(C, H, W) in [0, 1] -> (H, W, 3) uint8; pixels where missing (H, W) is True painted HIDDEN_COLOUR."""
    array = np.array(rgb_uint8(image))  # a writable copy
    if missing is not None:
        array[missing.cpu().numpy()] = HIDDEN_COLOUR
    return array


def _enlarged(array: np.ndarray, side: int) -> Image.Image:
    factor = max(1, -(-side // array.shape[0]))  # a whole factor, so every pixel stays a sharp square
    return Image.fromarray(array.repeat(factor, axis=0).repeat(factor, axis=1))


def cell_png(image: torch.Tensor, missing: torch.Tensor | None = None) -> bytes:
    """One picture (C, H, W) enlarged to at least CELL_SIDE pixels, missing pixels in orange."""
    return png_bytes(_enlarged(_rgb(image, missing), CELL_SIDE))


def row_png(images: list[torch.Tensor], notes: list[str], missing: torch.Tensor | None = None) -> bytes:
    """The row of pictures side by side (the second one, the spoiled picture, with its hidden pixels in
    orange), each over a white band with its note (plain ASCII: scores read the same in every language)."""
    side = min(CELL_SIDE, (MAX_WIDTH - PADDING) // len(images) - PADDING)
    cells = [_enlarged(_rgb(image, missing if i == 1 else None), side) for i, image in enumerate(images)]
    width, height = cells[0].size
    band = 30
    row = Image.new("RGB", (len(cells) * (width + PADDING) + PADDING, height + band + 2 * PADDING), "white")
    draw = ImageDraw.Draw(row)
    font = ImageFont.load_default(14)
    for i, (cell, note) in enumerate(zip(cells, notes)):
        left = PADDING + i * (width + PADDING)
        row.paste(cell, (left, PADDING))
        draw.text((left + width // 2, PADDING + height + band // 2), note, fill="black", font=font, anchor="mm")
    return png_bytes(row)


def shown_rounds(iterations: int, most: int = 11) -> list[int]:
    """At most `most` rounds from 0 to iterations, evenly spread, always with the first and the last."""
    return sorted({round(v) for v in np.linspace(0, iterations, min(most, iterations + 1))})


def strip_png(strips: list[torch.Tensor], rounds: list[int], missing: torch.Tensor) -> bytes:
    """Rows of completion rounds: strips is a list of (T + 1, C, H, W) (model, then PCA); the columns show
    `rounds`, under a band numbering them; round 0 shows the hidden pixels in orange."""
    count = len(rounds)
    height = strips[0].shape[-2]
    side = max(1, ((MAX_WIDTH - PADDING) // count - PADDING) // height) * height
    cells = [torch.from_numpy(_rgb(strip[r], missing if r == 0 else None)).permute(2, 0, 1).float() / 255
             for strip in strips for r in rounds]
    grid = grid_pil(torch.stack(cells), nrow=count, min_side=side).convert("RGB")
    band = 26
    picture = Image.new("RGB", (grid.width, grid.height + band), "white")
    picture.paste(grid, (0, band))
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(16)
    pitch = (grid.width - PADDING) / count
    for k, r in enumerate(rounds):
        draw.text((PADDING + k * pitch + pitch / 2, band // 2), str(r), fill="black", font=font, anchor="mm")
    return png_bytes(picture)


def curve_figure(model_psnr: list[float], pca_psnr: list[float], names: dict[str, str]) -> go.Figure:
    """PSNR (dB) after each completion round, model and PCA; names: title, round, model, pca."""
    rounds = list(range(len(model_psnr)))
    figure = go.Figure([
        go.Scatter(x=rounds, y=model_psnr, mode="lines+markers", name=names["model"],
                   line={"color": "#1f77b4"}),
        go.Scatter(x=rounds, y=pca_psnr, mode="lines+markers", name=names["pca"],
                   line={"dash": "dash", "color": "#7f7f7f"}),
    ])
    figure.update_layout(title=names["title"], xaxis_title=names["round"], yaxis_title="PSNR (dB)", height=320,
                         margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.25})
    return figure
