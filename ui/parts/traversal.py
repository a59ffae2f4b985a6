"""What the traversal page draws: the traversal grid with per-row hover, the dimension × factor MI
heatmap (plain arguments in, figures out, so tests can read them), and the cached facts that order and
name the dimensions.
"""

from __future__ import annotations

import math

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from PIL import Image

from ui.catalog import ModelEntry
from ui.i18n import t
from ui.images import png_bytes, png_data_uri
from ui.loaders import data_for, model_for
from ui.names import dim_label, factor_name
from vae.explore import latent
from vae.metrics.disentanglement import naming
from vae.metrics.disentanglement.run import read_scores

CELL_MIN_SIDE = 48  # grid cells are enlarged (nearest neighbour) to at least this many pixels
MIN_TILE = 64  # CSS pixels a grid cell should reach on a 1400×900 screen; they grow with wider ones
COLUMN_GAP = 64  # CSS pixels between the two grids side by side (st.columns gap="large")
FIGURE_MARGIN = 20  # the grid figure's left and right margins together
MAX_GRID_PIXELS = 8_000_000  # the mosaic is drawn at about its shown size, up to this many pixels
GAP = 2  # pixels of background between grid cells
GAP_VALUE = 255  # white gaps: cells of dark pictures stay apart
STATS_IMAGES = 2000  # test images behind the KL order and the factor mutual information
TRANSPARENT = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]


def mosaic(images: torch.Tensor, scale: int = 1, gap: int = GAP) -> np.ndarray:
    """(R, S, C, H, W) -> one uint8 picture (R·(H·scale+gap)−gap, S·(W·scale+gap)−gap), with a last axis
    of 3 for colour images; gray images stay one channel, which makes the PNG ~3× quicker to encode."""
    rows, steps, channels, height, width = images.shape
    array = (images.detach().float().cpu().clamp(0, 1) * 255).round().byte().numpy()
    cells = array.transpose(0, 1, 3, 4, 2).repeat(scale, axis=2).repeat(scale, axis=3)  # (R, S, Hs, Ws, C)
    ch, cw = height * scale, width * scale
    # Pad each cell's bottom and right edge with the gap, tile, then crop the last row's and column's gap.
    padded = np.pad(cells, ((0, 0), (0, 0), (0, gap), (0, gap), (0, 0)), constant_values=GAP_VALUE)
    out = padded.transpose(0, 2, 1, 3, 4).reshape(rows * (ch + gap), steps * (cw + gap), channels)
    out = out[:rows * (ch + gap) - gap, :steps * (cw + gap) - gap]
    return np.ascontiguousarray(out[..., 0] if channels == 1 else out)


def cell_scale(height: int, tile: float = 0) -> int:
    """Whole-number enlargement of an image `height` pixels tall: at least CELL_MIN_SIDE, and at least the
    tile size it will be shown at, so the browser only ever shrinks the mosaic (and keeps it crisp)."""
    return max(1, math.ceil(CELL_MIN_SIDE / height), math.ceil(tile / height))


def label_width(labels: list[str]) -> int:
    """CSS pixels the row labels take beside the grid (14 px font: CJK characters are about twice as wide)."""
    return 30 + max(sum(15 if ord(ch) >= 0x2E80 else 8 for ch in label) for label in labels)


def tile_size(width: float, steps: int, label_px: int) -> float:
    """CSS pixels of one cell when a grid of `steps` columns fills a figure `width` pixels wide."""
    return (width - FIGURE_MARGIN - label_px) / steps - GAP


@dataclass(frozen=True)
class GridLayout:
    side_by_side: bool  # two grids in two columns (else one above the other)
    width: int  # CSS pixels each grid's figure gets


def grid_layout(column: int, panels: int, steps: int, label_px: int) -> GridLayout:
    """Two grids share a row only when their cells still reach MIN_TILE; otherwise each takes the whole
    column, so cells grow with the screen instead of shrinking to dots."""
    if panels > 1:
        half = (column - COLUMN_GAP * (panels - 1)) // panels
        if tile_size(half, steps, label_px) >= MIN_TILE:
            return GridLayout(True, half)
    return GridLayout(panels == 1, column)


def grid_figure(images: torch.Tensor, row_labels: list[str], column_labels: list[str],
                hover: list[list[str]], x_title: str, width_hint: int = 900) -> go.Figure:
    """The traversal grid (R, S, C, H, W) as one crisp image; an invisible heatmap on top gives
    each cell its hover text hover[r][s], and the axes name the rows and columns. The height makes
    the picture fill a figure width_hint pixels wide, its cells drawn at about the size shown."""
    rows, steps, _, h, w = images.shape
    label_px = label_width(row_labels)  # room the row labels take beside the picture
    scale = cell_scale(h, tile_size(width_hint, steps, label_px))
    while scale > 1 and rows * steps * (h * scale) * (w * scale) > MAX_GRID_PIXELS:
        scale -= 1
    picture = mosaic(images, scale)
    ch, cw = h * scale, w * scale
    ys = [r * (ch + GAP) + (ch - 1) / 2 for r in range(rows)]  # cell centres in picture pixels
    xs = [s * (cw + GAP) + (cw - 1) / 2 for s in range(steps)]
    source = png_data_uri(png_bytes(Image.fromarray(picture)))
    fig = go.Figure(go.Image(source=source, hoverinfo="skip"))  # what px.imshow embeds, cheaper
    fig.add_trace(go.Heatmap(z=np.zeros((rows, steps)), x=xs, y=ys, text=hover, hovertemplate="%{text}<extra></extra>",
                             colorscale=TRANSPARENT, showscale=False, name="hover"))
    fig.update_xaxes(tickvals=xs, ticktext=column_labels, title_text=x_title, showticklabels=True,
                     showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(tickvals=ys, ticktext=row_labels, showticklabels=True, showgrid=False, zeroline=False,
                     tickfont_size=14, autorange="reversed", scaleanchor="x", constrain="domain",
                     constraintoward="top")
    height = int(75 + max(width_hint - FIGURE_MARGIN - label_px, 200) * picture.shape[0] / picture.shape[1])
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), hoverlabel=dict(font_size=15),
                      dragmode=False)
    return fig


def mi_figure(share: np.ndarray, dim_labels: list[str], factor_labels: list[str], hover: list[list[str]],
              height: int | None = None) -> go.Figure:
    """Heatmap of MI shares (D, F) in [0, 1]: one row per dimension, one column per factor."""
    fig = go.Figure(go.Heatmap(z=np.round(share, 3), x=factor_labels, y=dim_labels, zmin=0, zmax=1,
                               colorscale="Blues", text=hover, hovertemplate="%{text}<extra></extra>",
                               texttemplate="%{z:.2f}", colorbar=dict(thickness=12)))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(side="top", type="category")
    fig.update_layout(height=height or 80 + 34 * len(dim_labels), margin=dict(l=10, r=10, t=40, b=10))
    return fig


@dataclass(frozen=True)
class Dims:
    """A model's latent dimensions as the page shows them."""

    order: list[int]  # by decreasing KL: the most used first
    labels: dict[int, str]  # "z3", "z3 · x position", "z3 · collapsed"
    kl: np.ndarray | None  # (D,) nats, None without test data
    share: np.ndarray | None  # (D, F) MI as a share of each factor's entropy, None without factors
    mu: np.ndarray | None = None  # (N, D) posterior means of test images, None without test data
    code_labels: np.ndarray | None = None  # (N,) their classes


def stored_share(entry: ModelEntry) -> np.ndarray | None:
    """The MI shares (D, F) of the run's disentanglement.json (10,000 protocol points), when it holds valid
    scores of this checkpoint: the numbers the Disentanglement page shows for the same model."""
    if not entry.factor_names:
        return None
    scores = read_scores(entry.path, entry.latent_dim, len(entry.factor_names))
    return naming.share_of(scores["mi"], scores["entropy"]) if scores is not None else None


@st.cache_data(show_spinner=False, max_entries=32)
def latent_stats(entry: ModelEntry) -> dict:
    """KL of each dimension (D,), where the data has factors MI shares (D, F), and the codes (N, D) and
    labels (N,) themselves (for the live pad's dots), on the first STATS_IMAGES test images. The shares are
    the run's scored ones when it has them, else the same estimator (vae.metrics.disentanglement.naming) on those test images."""
    encoded = latent.encode_dataset(model_for(entry), data_for(entry), limit=STATS_IMAGES)
    stats = {"kl": latent.kl_per_dimension(encoded).numpy(), "share": None, "mu": encoded.mu.numpy(),
             "labels": None if encoded.labels is None else encoded.labels.numpy()}
    if entry.factor_names and encoded.factors is not None:
        stored = stored_share(entry)
        stats["share"] = stored if stored is not None else naming.estimate_share(encoded.mu, encoded.factors)
    return stats


def describe_dims(entry: ModelEntry, has_data: bool) -> Dims:
    """Order the dimensions by KL and label them by what they hold (vae.metrics.disentanglement.naming's rule)."""
    stats = latent_stats(entry) if has_data else None
    if stats is None:
        order, collapsed = list(range(entry.latent_dim)), [False] * entry.latent_dim
    else:
        order, collapsed = latent.dimension_order(torch.from_numpy(stats["kl"]))
    share = stats["share"] if stats else None
    if share is not None:
        roles = naming.dimension_roles(share, [collapsed[order.index(d)] for d in range(len(order))])
    elif stats is not None:
        roles = [naming.DimensionRole("collapsed") if collapsed[order.index(d)] else None for d in range(len(order))]
    else:
        roles = [None] * len(order)
    labels = {d: dim_label(d, roles[d], entry.factor_names) for d in order}
    return Dims(order, labels, stats["kl"] if stats else None, share, stats["mu"] if stats else None,
                stats["labels"] if stats else None)


def hover_text(dims: Dims, d: int, value: float) -> str:
    """ "z3 · x position (KL 2.41 nats): value +1.20" """
    if dims.kl is None:
        return t("traversal_hover_nokl", dim=dims.labels[d], value=value)
    return t("traversal_hover", dim=dims.labels[d], kl=float(dims.kl[d]), value=value)
