"""The latent map's pieces: the cached encoding of a test set, what a click on the map picked,
and the plotly figures (the 2-D map, the decoded manifold, the codes against the prior)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from PIL import Image
from plotly.colors import qualitative
from plotly.subplots import make_subplots
from threadpoolctl import threadpool_limits

from ui.catalog import ModelEntry, checkpoint_sha
from ui.images import png_bytes, png_data_uri
from ui.names import dim_name
from ui.parts.traversal import mosaic
from vae.explore.grids import image_grid
from vae.explore.latent import decoded_manifold, encode_dataset, project_2d
from vae.precompute.pages import MAX_POINTS, point_choices, stored_projection

DEFAULT_POINTS = 3000
PRIOR_RADII = (1.0, 2.0)
MANIFOLD_PAD = 4  # grey pixels between the cells of the decoded manifold


@dataclass(frozen=True)
class Codes:
    """The encoded test set as plain arrays (what st.cache_data stores)."""

    mu: np.ndarray  # (N, D) posterior means (VQ-VAE: quantized codes, flattened)
    logvar: np.ndarray | None  # (N, D)
    labels: np.ndarray | None  # (N,)
    factors: np.ndarray | None  # (N, F)


@st.cache_data(show_spinner=False, max_entries=16)
def encoded_test_set(entry: ModelEntry, _model, _data) -> Codes:
    """The first MAX_POINTS test images encoded once per checkpoint version (keyed by the entry)."""
    encoded = encode_dataset(_model, _data, limit=MAX_POINTS)
    as_np = lambda t: None if t is None else t.numpy()  # noqa: E731
    return Codes(encoded.mu.numpy(), as_np(encoded.logvar), as_np(encoded.labels), as_np(encoded.factors))


def idle_cores() -> int:
    """Cores not already busy by the 1-minute load average, at least one. OpenMP threads that share busy
    cores spin-wait for each other: on a loaded two-core machine t-SNE ran 10× slower with two threads."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average (Windows)
        return cores
    return max(1, min(cores, round(cores - load)))


@st.cache_data(show_spinner=False, max_entries=32)
def projection(entry: ModelEntry, _codes: np.ndarray, method: str, n: int) -> np.ndarray:
    """PCA or t-SNE of the first n codes, computed once per (checkpoint, method, n) -> (n, 2); a t-SNE the run
    ships (`python -m vae precompute`) is read instead of computed."""
    if method == "tsne" and _codes.shape[1] > 2:
        stored = stored_projection(entry.path, n, checkpoint_sha(entry))
        if stored is not None:
            return stored
    with threadpool_limits(limits=idle_cores(), user_api="openmp"):
        return project_2d(_codes[:n], method)


def default_points(choices: list[int]) -> int:
    fitting = [c for c in choices if c <= DEFAULT_POINTS]
    return fitting[-1] if fitting else choices[0]


def tsne_seconds(n: int) -> int:
    """A rough first-time cost of t-SNE on two cores: about 15 s for 5,000 points."""
    return max(2, round(15 * n / 5000))


def selected_test_index(event) -> int | None:
    """The test-image index of the first point a plotly selection picked, or None.

    Takes what st.plotly_chart(on_select="rerun") returns (or its "selection" part); each point's
    customdata holds the test index, as a number or a one-element list."""
    if not event:
        return None
    selection = event.get("selection", event)
    for point in (selection or {}).get("points") or []:
        custom = point.get("customdata")
        if isinstance(custom, (list, tuple)):
            custom = custom[0] if custom else None
        if custom is not None:
            return int(custom)
    return None


def colour_options(codes: Codes, factor_names: tuple[str, ...]) -> list[str]:
    """"class" (when labelled), then each ground-truth factor that is not just the class again."""
    options = ["class"] if codes.labels is not None else []
    if codes.factors is not None:
        for f, name in enumerate(factor_names[:codes.factors.shape[1]]):
            if codes.labels is None or not np.array_equal(codes.factors[:, f], codes.labels):
                options.append(name)
    return options


def palette(k: int) -> list[str]:
    colours = qualitative.Plotly if k <= 10 else qualitative.Dark24 + qualitative.Light24
    return [colours[i % len(colours)] for i in range(k)]


def map_figure(xy: np.ndarray, index: np.ndarray, *, labels: np.ndarray | None, class_names: tuple[str, ...],
               factor: np.ndarray | None, factor_name: str, axes: tuple[str, str], text: dict[str, str],
               picked: int | None = None, height: int = 640) -> go.Figure:
    """The 2-D map as WebGL scatter: one trace per class (legend = class names) or one trace coloured by a
    factor. customdata is the test index; picked (a test index) gets a ring."""
    size = 7 if len(xy) <= 1000 else 5 if len(xy) <= 4000 else 4
    figure = go.Figure()
    hover = f"{text['image']} #%{{customdata}}"
    if factor is not None:
        figure.add_trace(go.Scattergl(
            x=xy[:, 0], y=xy[:, 1], mode="markers", customdata=index, showlegend=False,
            marker=dict(size=size, color=factor, colorscale="Viridis", opacity=0.85,
                        colorbar=dict(title=dict(text=factor_name), thickness=14)),
            hovertemplate=f"{factor_name} = %{{marker.color}}<br>{hover}<extra></extra>"))
    elif labels is not None:
        colours = palette(len(class_names))
        for k, name in enumerate(class_names):
            members = labels == k
            if members.any():
                figure.add_trace(go.Scattergl(
                    x=xy[members, 0], y=xy[members, 1], mode="markers", name=name, customdata=index[members],
                    marker=dict(size=size, color=colours[k], opacity=0.8),
                    hovertemplate=f"{text['class']}: {name}<br>{hover}<extra></extra>"))
    else:
        figure.add_trace(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", customdata=index, showlegend=False,
                                      marker=dict(size=size, opacity=0.8), hovertemplate=hover + "<extra></extra>"))
    if picked is not None and picked in index:
        row = int(np.flatnonzero(index == picked)[0])
        figure.add_trace(go.Scattergl(
            x=[xy[row, 0]], y=[xy[row, 1]], mode="markers", name=text["picked"], customdata=[picked],
            showlegend=False, hoverinfo="skip",
            marker=dict(size=22, symbol="circle-open", color="#111", line=dict(width=3, color="#111"))))
    figure.update_layout(
        height=height, margin=dict(l=10, r=10, t=10, b=10), legend=dict(title=dict(text=text["legend"]),
                                                                          itemsizing="constant"),
        xaxis=dict(title=dict(text=axes[0]), zeroline=False), yaxis=dict(title=dict(text=axes[1]), zeroline=False),
        dragmode="pan", hovermode="closest")
    return figure


@dataclass(frozen=True)
class Sheet:
    """A decoded manifold as the page shows it, drawn once per (checkpoint, steps, span, class) for every
    session (a class following the teacher opens the same plane 30 times)."""

    steps: int  # cells per side
    png: bytes  # the contact sheet: manifold_picture as PNG
    uri: str  # the same PNG as a data URI (the figure's background: plotly would encode a PIL picture again)
    width: int  # the contact sheet's side, pixels
    pad_uri: str  # the live pad's background: the cells without gaps, scaled to at least pad_pixels wide


@st.cache_data(show_spinner=False, max_entries=32)
def manifold_sheet(entry: ModelEntry, _model, steps: int, span: float, y: int | None, pad_pixels: int) -> Sheet:
    """The steps × steps decodes of the (z0, z1) plane over [−span, span]² (class y of a conditional model),
    drawn once per checkpoint version (the entry) and settings."""
    images = decoded_manifold(_model, steps=steps, span=span, y=y)  # (S, S, C, H, W)
    picture = manifold_picture(images)
    png = png_bytes(picture)
    scale = max(1, math.ceil(pad_pixels / (steps * images.shape[-1])))  # the browser then only shrinks it
    pad = png_bytes(Image.fromarray(mosaic(images, scale=scale, gap=0)))
    return Sheet(steps, png, png_data_uri(png), picture.width, png_data_uri(pad))


def manifold_picture(images: torch.Tensor) -> Image.Image:
    """Decodes (S, S, C, H, W) -> one contact sheet, cells parted by MANIFOLD_PAD pixels of grey."""
    steps = images.shape[0]
    grid = image_grid(images.flatten(0, 1), nrow=steps, min_side=max(32, math.ceil(1200 / steps)),
                      padding=MANIFOLD_PAD)
    array = (grid.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    return Image.fromarray(np.ascontiguousarray(array))


def manifold_extent(width_px: int, steps: int, span: float) -> tuple[float, float]:
    """Where a contact sheet of width_px pixels must start and end on the axis so that the centre of
    cell i sits at the i-th grid value (-span … span)."""
    cell = (width_px - MANIFOLD_PAD) / steps  # pixels from one cell's start to the next (cell + pad)
    per_unit = cell * (steps - 1) / (2 * span) if steps > 1 else cell / (2 * span)
    first_centre = MANIFOLD_PAD + (cell - MANIFOLD_PAD) / 2
    start = -span - first_centre / per_unit
    return start, start + width_px / per_unit


def manifold_figure(sheet: Sheet, span: float, points: np.ndarray | None, labels: np.ndarray | None,
                    class_names: tuple[str, ...], text: dict[str, str], height: int = 760) -> go.Figure:
    """The decoded grid as the background of the (z0, z1) plane, encoded test points on top."""
    low, high = manifold_extent(sheet.width, sheet.steps, span)
    figure = go.Figure()
    figure.add_layout_image(dict(source=sheet.uri, xref="x", yref="y", x=low, y=high, sizex=high - low,
                                 sizey=high - low, xanchor="left", yanchor="top", sizing="stretch", layer="below"))
    if points is not None:
        groups = [(k, name) for k, name in enumerate(class_names)] if labels is not None else [(None, text["codes"])]
        colours = palette(len(class_names)) if labels is not None else ["#ff4b4b"]
        for k, name in groups:
            members = labels == k if k is not None else np.ones(len(points), bool)
            figure.add_trace(go.Scattergl(
                x=points[members, 0], y=points[members, 1], mode="markers", name=name,
                marker=dict(size=6, color=colours[k or 0], opacity=0.8, line=dict(width=1, color="white")),
                hovertemplate=f"{name}<br>{dim_name(0)} = %{{x:.2f}}, {dim_name(1)} = %{{y:.2f}}<extra></extra>"))
    else:  # an invisible trace gives the axes their range and hover coordinates
        figure.add_trace(go.Scatter(x=[-span, span], y=[-span, span], mode="markers", showlegend=False,
                                    marker=dict(opacity=0), hoverinfo="skip"))
    axis = dict(range=[low, high], zeroline=False, showgrid=False, constrain="domain")
    figure.update_layout(
        height=height, margin=dict(l=10, r=10, t=10, b=10), plot_bgcolor="rgba(0,0,0,0)",
        xaxis=dict(title=dict(text=dim_name(0)), **axis), yaxis=dict(title=dict(text=dim_name(1)), scaleanchor="x", **axis),
        legend=dict(title=dict(text=text["legend"]), itemsizing="constant"))
    return figure


def normal_density(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)


def prior_histograms(values: np.ndarray, dims: list[int], kl: np.ndarray, text: dict[str, str],
                     cols: int = 3) -> go.Figure:
    """One panel per latent dimension: a density histogram of the codes against the N(0, 1) curve."""
    cols = min(cols, len(dims))
    rows = math.ceil(len(dims) / cols)
    titles = [f"{dim_name(d)} · KL {kl[d]:.2f}" for d in dims]
    figure = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.06,
                           vertical_spacing=0.16 if rows > 1 else 0.1)
    grid = np.linspace(-4, 4, 161)
    for i, d in enumerate(dims):
        row, col = i // cols + 1, i % cols + 1
        counts, _ = np.histogram(values[:, d], bins=np.linspace(-4, 4, 41))
        peak = counts.max() / (len(values) * 0.2) if len(values) else 0.0
        # A collapsed dimension is one tall spike: cut it off so the prior's curve stays readable.
        figure.update_yaxes(range=[0, float(np.clip(peak * 1.1, 0.5, 1.0))], row=row, col=col)
        figure.add_trace(go.Histogram(x=values[:, d], histnorm="probability density", name=text["codes"],
                                      xbins=dict(start=-4, end=4, size=0.2), marker=dict(color="#4c78a8"),
                                      opacity=0.75, showlegend=i == 0, legendgroup="codes"), row=row, col=col)
        figure.add_trace(go.Scatter(x=grid, y=normal_density(grid), mode="lines", name=text["prior"],
                                    line=dict(color="#e45756", width=2.5), showlegend=i == 0, legendgroup="prior"),
                         row=row, col=col)
    figure.update_xaxes(range=[-4, 4])
    figure.update_layout(height=300 * rows + 40, margin=dict(l=10, r=10, t=40, b=10), bargap=0.02,
                         legend=dict(orientation="h", yanchor="bottom", y=1.0 + 0.12 / rows, xanchor="right", x=1))
    return figure


def prior_scatter(points: np.ndarray, dims: tuple[int, int], labels: np.ndarray | None,
                  class_names: tuple[str, ...], text: dict[str, str], height: int = 560) -> go.Figure:
    """Two latent dimensions of the codes, with the 1σ and 2σ circles of the prior N(0, I)."""
    figure = go.Figure()
    angle = np.linspace(0, 2 * math.pi, 121)
    for r in PRIOR_RADII:
        line = dict(color="#e45756", width=2, dash="dash" if r > 1 else None)
        figure.add_trace(go.Scatter(x=r * np.cos(angle), y=r * np.sin(angle), mode="lines", hoverinfo="skip",
                                    name=f"{r:g}σ", line=line))
    if labels is not None:
        colours = palette(len(class_names))
        for k, name in enumerate(class_names):
            members = labels == k
            if members.any():
                figure.add_trace(go.Scattergl(x=points[members, 0], y=points[members, 1], mode="markers", name=name,
                                              marker=dict(size=4, color=colours[k], opacity=0.6), hoverinfo="skip"))
    else:
        figure.add_trace(go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers", name=text["codes"],
                                      marker=dict(size=4, color="#4c78a8", opacity=0.6), hoverinfo="skip"))
    # Wide enough for the 2σ circle and nearly every code; a few far outliers may fall outside.
    reach = float(np.clip(np.percentile(np.abs(points), 99.5) * 1.1, 3.2, 12)) if len(points) else 3.2
    axis = dict(range=[-reach, reach], zeroline=True, zerolinecolor="#ccc")
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10),
                         xaxis=dict(title=dict(text=dim_name(dims[0])), **axis),
                         yaxis=dict(title=dict(text=dim_name(dims[1])), scaleanchor="x", **axis),
                         legend=dict(itemsizing="constant"))
    return figure
