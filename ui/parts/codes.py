"""Pictures, charts and cached computations of the discrete-codes page (VQ-VAE)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.colors import qualitative
from PIL import Image, ImageDraw, ImageFont

from ui.catalog import ModelEntry, openable
from ui.images import png_bytes, to_pil
from vae.explore.codes import cell_area, code_grids, codebook_usage, decode_grids, decoder_reach, swap_code
from vae.explore.grids import grid_pil
from vae.models.prior import PRIOR_NAME, load_prior, read_prior_metrics, sample_images

PICTURE_SIDE = 256  # single pictures are enlarged by a whole factor to about this many pixels
STRIP_COLUMNS = 16
MAX_WIDTH = 1400  # st.image blurs anything wider
SAMPLES = 16  # per generation panel: a 4×4 grid


def palette(k: int) -> list[str]:
    """k distinct-looking colours (qualitative sets joined; they repeat only beyond 74 codes)."""
    colours = qualitative.Dark24 + qualitative.Light24 + qualitative.Alphabet
    return [colours[i % len(colours)] for i in range(k)]


def ink(colour: str) -> str:
    """Black or white, whichever reads better on a "#rrggbb" background."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "white"


def same_data_vae(entry: ModelEntry, models: list[ModelEntry]) -> ModelEntry | None:
    """A plain Gaussian VAE (β = 1, no capacity, no held-out classes) on the same dataset: pretrained first,
    and one with more than two latent dimensions before a 2-D one."""
    fits = [m for m in openable(models) if m.dataset == entry.dataset and m.kind.beta_ladder
            and m.model.beta == 1 and m.model.capacity_max == 0 and not m.train.exclude_classes]
    fits.sort(key=lambda m: (not m.pretrained, m.latent_dim <= 2, m.name))
    return fits[0] if fits else None


# --- cached computations ----------------------------------------------------------------------------

def prior_stamp(entry: ModelEntry) -> float:
    """The prior file's mtime (0 when absent): a newly trained prior refreshes the cached samples."""
    path = Path(entry.path) / PRIOR_NAME
    return path.stat().st_mtime if path.is_file() else 0.0


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_prior(entry: ModelEntry, prior_mtime: float, _model):
    """The run's prior (or None); a prior for other codes raises PriorError (not cached)."""
    return load_prior(entry.path, _model) if prior_mtime else None


@st.cache_data(show_spinner=False, max_entries=8)
def prior_metrics(entry: ModelEntry, prior_mtime: float) -> dict | None:
    return read_prior_metrics(entry.path) if prior_mtime else None


@st.cache_data(show_spinner=False, max_entries=8)
def test_grids(entry: ModelEntry, _model, _data) -> np.ndarray:
    """Code grids of the whole test split (N, h, w)."""
    return code_grids(_model, _data.images).numpy()


@st.cache_data(show_spinner=False, max_entries=8)
def usage_of(entry: ModelEntry, _grids: np.ndarray) -> dict:
    usage = codebook_usage(torch.from_numpy(_grids), entry.model.codebook_size)
    return {"frequencies": usage.frequencies.numpy(), "counts": usage.counts.numpy(),
            "perplexity": usage.perplexity, "dead": list(usage.dead), "used": usage.used}


@st.cache_data(show_spinner=False, max_entries=64)
def edit_pngs(entry: ModelEntry, index: int, cell: tuple[int, int], code: int, _model, _data,
              _grid: np.ndarray) -> dict[str, bytes]:
    """The test picture, its reconstruction, the decode with one cell's code changed and the difference."""
    indices = torch.from_numpy(_grid)[None]  # (1, h, w)
    edited = swap_code(indices, cell, code, _model.config.codebook_size)
    recon, changed = decode_grids(_model, torch.cat([indices, edited]))
    return {"original": png_bytes(to_pil(_data.images[index], PICTURE_SIDE)),
            "recon": png_bytes(to_pil(recon, PICTURE_SIDE)), "edited": png_bytes(to_pil(changed, PICTURE_SIDE)),
            "difference": png_bytes(difference_picture(recon, changed, _model, cell))}


@st.cache_data(show_spinner=False, max_entries=32)
def code_strip_png(entry: ModelEntry, mode: str, index: int, cell: tuple[int, int], _model,
                   _grid: np.ndarray) -> bytes:
    """Every code k decoded: pasted into the cell of test picture index's grid ("cell") or filling a grid ("fill")."""
    k = _model.config.codebook_size
    codes = torch.arange(k)
    if mode == "fill":
        grids = codes[:, None, None].expand(k, *_model.grid_shape).clone()
    else:
        grids = swap_code(torch.from_numpy(_grid)[None].expand(k, -1, -1), cell, 0)
        grids[:, cell[0], cell[1]] = codes
    return png_bytes(tagged_strip(decode_grids(_model, grids)))


@st.cache_data(show_spinner=False, max_entries=32)
def generation_pngs(entry: ModelEntry, prior_mtime: float, temperature: float, seed: int,
                    _model, _prior) -> dict[str, bytes]:
    """16 samples from the learned prior (when there is one) and 16 from the unigram prior."""
    generator = torch.Generator().manual_seed(seed)
    out = {"unigram": samples_png(_model.sample(SAMPLES, temperature=temperature, generator=generator).cpu())}
    if _prior is not None:
        out["learned"] = samples_png(sample_images(_model, _prior, SAMPLES, temperature,
                                                   torch.Generator().manual_seed(seed)))
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def vae_samples_png(entry: ModelEntry, temperature: float, seed: int, _model) -> bytes:
    generator = torch.Generator().manual_seed(seed)
    return samples_png(_model.sample(SAMPLES, temperature=temperature, generator=generator).cpu())


def samples_png(images: torch.Tensor) -> bytes:
    """SAMPLES pictures (N, C, H, W) as a 4×4 grid, each cell enlarged by a whole factor to about 96 px."""
    return png_bytes(grid_pil(images, 4, max(1, 96 // images.shape[-1]) * images.shape[-1]))


# --- pictures and charts ----------------------------------------------------------------------------

def difference_picture(before: torch.Tensor, after: torch.Tensor, model, cell: tuple[int, int]) -> Image.Image:
    """after − before (C, H, W) as red (brighter) / blue (darker) on white, with the cell's own area boxed
    in black and the farthest pixels the decoder lets one cell reach boxed in gray."""
    diff = (after - before).float().mean(0).clamp(-1, 1).numpy()  # (H, W)
    gain = 1.0 / max(float(np.abs(diff).max()), 0.05)  # small changes still show, noise stays pale
    level = np.abs(diff * gain).clip(0, 1)
    rgb = np.full((*diff.shape, 3), 255.0)
    rgb[..., 1] -= 255 * level  # green fades either way; red stays for brighter, blue for darker
    rgb[..., 0] -= np.where(diff < 0, 255 * level, 0)
    rgb[..., 2] -= np.where(diff > 0, 255 * level, 0)
    picture = Image.fromarray(rgb.round().astype(np.uint8))
    factor = max(1, PICTURE_SIDE // diff.shape[0])
    picture = picture.resize((picture.width * factor, picture.height * factor), Image.NEAREST)
    draw = ImageDraw.Draw(picture)
    draw.rectangle([0, 0, picture.width - 1, picture.height - 1], outline=(220, 220, 220))  # white on a white page
    for (rows, columns), colour, width in ((decoder_reach(model, cell), (140, 140, 140), 2),
                                           (cell_area(model, cell), (0, 0, 0), 3)):
        draw.rectangle([columns.start * factor, rows.start * factor, columns.stop * factor - 1,
                        rows.stop * factor - 1], outline=colour, width=width)
    return picture


def tagged_strip(images: torch.Tensor) -> Image.Image:
    """(K, C, H, W) -> a grid of STRIP_COLUMNS columns, each cell tagged with its code number in that
    code's heatmap colour."""
    count, _, height, width = images.shape
    factor = max(1, ((MAX_WIDTH - 2) // STRIP_COLUMNS - 2) // width)
    grid = grid_pil(images, nrow=STRIP_COLUMNS, min_side=factor * height).convert("RGB")
    draw = ImageDraw.Draw(grid)
    font = ImageFont.load_default(max(10, factor * height // 6))
    colours = palette(count)
    pitch_x, pitch_y = factor * width + 2, factor * height + 2
    for k in range(count):
        row, column = divmod(k, STRIP_COLUMNS)
        x, y = 2 + column * pitch_x, 2 + row * pitch_y
        box = draw.textbbox((x + 2, y + 1), str(k), font=font)
        draw.rectangle([box[0] - 2, box[1] - 1, box[2] + 2, box[3] + 1], fill=colours[k])
        draw.text((x + 2, y + 1), str(k), fill=ink(colours[k]), font=font)
    return grid


def code_grid_figure(grid: np.ndarray, codebook_size: int, selected: tuple[int, int], hover: str) -> go.Figure:
    """The (h, w) code grid as a heatmap coloured by code, numbers in the cells, the selected cell outlined.
    Plotly heatmaps send no click in select mode, so an invisible marker sits on each cell to be clicked."""
    height, width = grid.shape
    colours = palette(codebook_size)
    scale = []
    for k, colour in enumerate(colours):  # a stepped colour scale: one flat band per code
        scale += [[k / codebook_size, colour], [(k + 1) / codebook_size, colour]]
    figure = go.Figure(go.Heatmap(z=grid, zmin=-0.5, zmax=codebook_size - 0.5, colorscale=scale, showscale=False,
                                  hoverinfo="skip", xgap=2, ygap=2))
    rows, columns = np.mgrid[0:height, 0:width]
    invisible = dict(marker=dict(opacity=0.01))  # selected or not: a click must not dim anything
    figure.add_trace(go.Scatter(
        x=columns.flatten(), y=rows.flatten(), mode="markers", customdata=np.stack([rows, columns], -1).reshape(-1, 2),
        marker=dict(symbol="square", size=max(20, 260 // max(height, width)), opacity=0.01, color="white"),
        selected=invisible, unselected=invisible, hovertemplate=hover + "<extra></extra>", showlegend=False))
    for (row, column), code in np.ndenumerate(grid):  # annotations, which a selection does not fade
        figure.add_annotation(x=column, y=row, text=str(code), showarrow=False,
                              font=dict(size=20 if width <= 4 else 15, color=ink(colours[code])))
    row, column = selected
    figure.add_shape(type="rect", x0=column - 0.5, x1=column + 0.5, y0=row - 0.5, y1=row + 0.5,
                     line=dict(color="black", width=4))
    figure.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), dragmode="pan", hovermode="closest",
                         xaxis=dict(visible=False, range=[-0.5, width - 0.5], constrain="domain"),
                         yaxis=dict(visible=False, autorange="reversed", scaleanchor="x"))
    return figure


def picked_cell(event) -> tuple[int, int] | None:
    """The (row, column) of the first clicked cell in a plotly selection (or its state dict), or None.

    A cell's marker sits at x = column, y = row; its customdata says the same (Streamlit sends a numpy
    row as {"0": row, "1": column})."""
    if not event:
        return None
    selection = event.get("selection", event)
    for point in (selection or {}).get("points") or []:
        custom = point.get("customdata")
        if isinstance(custom, dict):
            custom = [custom.get("0"), custom.get("1")]
        if isinstance(custom, (list, tuple)) and len(custom) == 2 and None not in custom:
            return int(custom[0]), int(custom[1])
        if point.get("x") is not None and point.get("y") is not None:
            return int(round(point["y"])), int(round(point["x"]))
    return None


def usage_figure(usage: dict, text: dict[str, str]) -> go.Figure:
    """Bar chart of each code's share of the test set's cells, bars in the codes' heatmap colours."""
    frequencies = usage["frequencies"]
    k = len(frequencies)
    figure = go.Figure(go.Bar(x=np.arange(k), y=frequencies * 100, marker_color=palette(k),
                              customdata=usage["counts"],
                              hovertemplate=text["hover"] + "<extra></extra>"))
    figure.add_hline(y=100 / k, line_dash="dot", line_color="gray", annotation_text=text["even"])
    figure.update_layout(height=300, margin=dict(l=10, r=10, t=30, b=10), bargap=0.1,
                         xaxis=dict(title=text["x"], dtick=max(1, k // 16)), yaxis=dict(title=text["y"]))
    return figure
