"""Latent traversal: move one latent number at a time, the others held, and watch the picture change.

Sliders (redraw on release), a scrubber whose frames are drawn in advance (follows the handle in
the browser), a traversal grid per dimension beside a second model, and for data with known
factors the factor each dimension moves.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import streamlit as st
import torch

from ui import live, url_state

from ui.teaching import present
from ui.catalog import ModelEntry, openable
from ui.i18n import t
from ui.loaders import model_for
from ui.names import dim_name, factor_name
from ui.images import gif_bytes, png_bytes, to_pil
from ui.page import data_or_warning, open_page
from ui.pickers import pick_class, pick_picture
from ui.sidebar import model_label
from ui.state import keep_valid
from ui.parts.traversal_live import (CODE_STATE, SLIDER_STEP, SPAN, live_sliders, pad_section, reset_code, server_moved,
                               set_code, slider_columns, slider_help, slider_range)
from ui.parts.traversal import (Dims, describe_dims, grid_figure, grid_layout, hover_text,
                               label_width, mi_figure)
from vae.data import ImageData
from vae.explore.grids import grid_pil
from vae.explore.latent import decode_path, traverse

SCRUB_STEPS = 41  # frames the browser scrubs through
PICTURE_SIZE = 512  # the decoded picture is enlarged (nearest neighbour) to about this; the browser only shrinks it
GRID_WIDTH = 1000  # about the width of the main column in the wide layout, until the browser reports it
CHART_CONFIG = {"displayModeBar": False}


@torch.no_grad()
def encode_one(model, x: torch.Tensor, label: int | None) -> torch.Tensor:
    """(C, H, W) -> the posterior mean (D,)."""
    y = torch.tensor([label], device=model.device) if model.num_classes else None
    return model.encode(x[None].to(model.device), y)[0][0].float().cpu()


def pick_start(entry: ModelEntry, data: ImageData | None) -> tuple[torch.Tensor | None, int | None, int | None]:
    """Start point widgets -> the start image (C, H, W) or None (prior mean), its label, the decoder's class."""
    options = ["prior", "image"] if data is not None else ["prior"]
    default = options[-1]  # a real test picture when there is one: a first screen that shows something
    keep_valid("trav_start", options, default)
    url_state.restore("start", "trav_start", url_state.choice({o: o for o in options}))
    start_col, condition_col = st.columns([2, 1], vertical_alignment="bottom")
    start = start_col.segmented_control(
        t("traversal_start"), options, required=True, key="trav_start", help=t("traversal_start_help"),
        format_func=lambda o: t("traversal_start_prior") if o == "prior" else t("traversal_start_image"))
    url_state.keep("start", start, default=default)
    image = label = None
    if start == "image":
        i = pick_picture("trav", entry, data, any_class=True, param="pic")
        if i is not None:
            image = data.images[i]
            label = int(data.labels[i]) if data.labels is not None else None
    return image, label, pick_condition(entry, label, condition_col)


def code_in_reach(base: list[float], raw: str) -> list[float]:
    """A link's `z` -> the code, when it has one number per dimension, each within its slider's range."""
    z = url_state.numbers(len(base), -1e6, 1e6)(raw)
    if any(not slider_range(b)[0] - 0.005 <= v <= slider_range(b)[1] + 0.005 for v, b in zip(z, base)):
        raise url_state.BadValue(raw)
    return z


def pick_condition(entry: ModelEntry, label: int | None, column) -> int | None:
    """A conditional VAE draws a class: which one (the start image's own by default)."""
    if not entry.num_classes:
        return None
    names = entry.class_labels or tuple(str(k) for k in range(entry.num_classes))
    if label is None:
        return pick_class("trav_y_prior", names, t("traversal_condition"), place=column,
                          help=t("traversal_condition_help"))
    choice = pick_class("trav_y_image", names, t("traversal_condition"), place=column,
                        any_label=t("traversal_own_class"), help=t("traversal_condition_help"))
    return label if choice < 0 else choice


@st.fragment
def slider_panel(entry: ModelEntry, base: list[float], y: int | None, dims: Dims, start_image) -> None:
    """Sliders around the start point and the picture they decode to; the scrubber follows them.

    A model the browser can run gets live sliders (and a pad over two numbers) first; the server's
    sliders stay in a second tab, for exact values."""
    st.subheader(t("traversal_sliders_title"))
    decoder = live.live_model(entry)
    if decoder is None:
        server_sliders(entry, base, y, dims, start_image)
    else:
        st.caption(t("traversal_live_help"))
        live_tab, exact_tab = st.tabs([t("traversal_tab_live"), t("traversal_tab_exact")])
        with live_tab:
            live_sliders(entry, decoder, base, y, dims, start_image)
            if len(base) >= 2:
                pad_section(entry, decoder, base, y, dims)
        with exact_tab:
            server_sliders(entry, base, y, dims, start_image)
    z = torch.tensor([float(st.session_state[f"z{d}"]) for d in range(len(base))])
    scrubber(entry, z, y, dims, is_live=decoder is not None)
    url_state.keep("z", url_state.code_text(z.tolist()), default=url_state.code_text(base))


def server_sliders(entry: ModelEntry, base: list[float], y: int | None, dims: Dims, start_image) -> None:
    """Streamlit sliders (redraw on release) and the picture the server decodes from them."""
    picture_col, slider_col = st.columns([2, 3], gap="large")
    with slider_col:
        st.caption(t("traversal_sliders_help"))
        ncols = slider_columns(dims)
        per_column = math.ceil(len(dims.order) / ncols)
        columns = st.columns(ncols)
        for i, d in enumerate(dims.order):
            low, high = slider_range(base[d])
            columns[i // per_column].slider(dims.labels[d], min_value=low, max_value=high, step=SLIDER_STEP,
                                            format="%.2f",
                                            key=f"z{d}", help=slider_help(dims, d), on_change=server_moved)
        st.button(t("traversal_reset"), on_click=reset_code, args=(base,), key="trav_reset",
                  icon=":material/restart_alt:")
    z = torch.tensor([float(st.session_state[f"z{d}"]) for d in range(len(base))])
    with picture_col:
        picture = to_pil(decode_path(model_for(entry), z[None], y)[0], PICTURE_SIZE)
        st.image(picture, caption=t("traversal_decoded"), width="stretch")
        if start_image is not None:
            st.image(to_pil(start_image, 96), caption=t("traversal_start_caption"), width=96)


def scrubber(entry: ModelEntry, z: torch.Tensor, y: int | None, dims: Dims, is_live: bool = False) -> None:
    """Every value of one dimension decoded in advance; the browser steps through them (ui.live.scrub).

    The pictures go at the model's own size (a few hundred bytes each) and the page enlarges them: each
    server slider move redraws these 41 frames, which as a plotly animation cost ~55 ms more of the
    server's CPU and ~0.2 CPU-s more of the browser's per move (benchmarks/server_cpu.py)."""
    st.subheader(t("traversal_scrub_title"))
    figure_col, side_col = st.columns([3, 2], gap="large")
    with side_col:
        st.caption(t("traversal_scrub_help_live" if is_live else "traversal_scrub_help"))
        keep_valid("trav_scrub_dim", dims.order, dims.order[0], tuple(dims.labels[d] for d in dims.order))
        dim = st.selectbox(t("traversal_scrub_dim"), dims.order, format_func=dims.labels.get, key="trav_scrub_dim")
    offsets = torch.linspace(-SPAN, SPAN, SCRUB_STEPS)
    frames = traverse(model_for(entry), z, [dim], offsets, y)[0]  # (S, C, H, W)
    with figure_col:
        live.scrub("trav_scrub", frames=[live.data_uri(to_pil(f, 0)) for f in frames],  # 0: not enlarged
                   values=(z[dim] + offsets).tolist(), prefix=f"{dim_name(dim)} = ", active=SCRUB_STEPS // 2,
                   text={"play": t("traversal_play"), "pause": t("traversal_pause"),
                         "label": t("traversal_scrub_dim") + f": {dims.labels[dim]}"})
    side_col.download_button(t("download_gif"), lambda: gif_bytes([to_pil(f, 256) for f in frames]),
                             file_name=f"{entry.name}-z{dim}.gif", mime="image/gif", key="trav_gif",
                             on_click="ignore", icon=":material/download:")


def pick_comparison(entry: ModelEntry, models: list[ModelEntry], column) -> ModelEntry | None:
    """A second Gaussian model for the grid; by default one trained on the same dataset."""
    others = [m for m in openable(models) if m.kind.posterior and m.path != entry.path]
    paths = ["", *(m.path for m in others)]
    # Prefer the same dataset and the same kind (conditional or not): a β = 1 / β = 4 pair, say.
    ranked = sorted(range(len(others)), key=lambda i: (others[i].dataset != entry.dataset,
                                                       bool(others[i].num_classes) != bool(entry.num_classes)))
    default = ranked[0] + 1 if ranked and others[ranked[0]].dataset == entry.dataset else 0
    keep_valid("trav_compare", paths, paths[default], shown=entry.path)  # each model starts from its own default
    chosen = column.selectbox(
        t("traversal_compare"), paths, key="trav_compare", help=t("traversal_compare_help"),
        format_func=lambda p: model_label(others[paths.index(p) - 1]) if p else t("traversal_compare_none"))
    return others[paths.index(chosen) - 1] if chosen else None


@dataclass(frozen=True)
class Panel:
    """One model's traversal grid: where it starts and what its rows are."""

    entry: ModelEntry
    start: torch.Tensor  # (D,) the code every row starts from
    y: int | None  # the class a conditional VAE draws
    dims: Dims
    from_prior: bool  # the start is the prior mean, so column values are absolute
    note: str | None = None  # why it starts elsewhere than the first model


def comparison_panel(first: ModelEntry, other: ModelEntry, image, label, y) -> Panel:
    """The second model starts from the same image when it reads the same pictures, else its prior mean."""
    other_y = (y if y is not None else label if label is not None else 0) if other.num_classes else None
    dims = describe_dims(other, data_or_warning(other) is not None)
    if image is not None and other.dataset == first.dataset and other.model.image_shape == first.model.image_shape:
        return Panel(other, encode_one(model_for(other), image, label), other_y, dims, False)
    note = t("traversal_compare_prior") if image is not None else None
    return Panel(other, torch.zeros(other.latent_dim), other_y, dims, True, note)


def draw_grid(panel: Panel, offsets: torch.Tensor, slot: int, width: int) -> None:
    images = traverse(model_for(panel.entry), panel.start, panel.dims.order, offsets, panel.y)  # (R, S, C, H, W)
    order, start = panel.dims.order, panel.start
    hover = [[hover_text(panel.dims, d, float(start[d] + v)) for v in offsets] for d in order]
    columns = [f"{round(v, 1) + 0.0:+.1f}" for v in offsets.tolist()]
    x_title = t("traversal_x_value") if panel.from_prior else t("traversal_x_change")
    figure = grid_figure(images, [panel.dims.labels[d] for d in order], columns, hover, x_title, width_hint=width)
    st.plotly_chart(figure, key=f"trav_grid_{slot}", config=CHART_CONFIG)
    st.download_button(t("download_png"), lambda: png_bytes(grid_pil(images.flatten(0, 1), nrow=images.shape[1])),
                       file_name=f"{panel.entry.name}-traversal.png", mime="image/png", key=f"trav_png_{slot}",
                       on_click="ignore", icon=":material/download:")


@st.fragment
def grid_section(models: list[ModelEntry], first: Panel, image, label) -> None:
    """The traversal grid (beside a second model's, or under it when side by side the cells would be
    small) and, with known factors, the MI heatmaps. The grids are sized to the column's width, which
    the browser reports."""
    st.subheader(t("traversal_grid_title"))
    width = live.column_width("trav_grid_width") or GRID_WIDTH
    st.caption(t("traversal_grid_help"))
    with present.advanced():  # a projector needs the grid, not its settings
        steps_col, span_col, compare_col = st.columns([1, 1, 2], gap="large")
    steps = steps_col.slider(t("traversal_steps"), 3, 21, 11, step=2, key="trav_steps")
    span = span_col.slider(t("traversal_span"), 0.5, 6.0, SPAN, step=0.5, key="trav_span")
    other = pick_comparison(first.entry, models, compare_col)
    panels = [first] if other is None else [first, comparison_panel(first.entry, other, image, label, first.y)]
    offsets = torch.linspace(-span, span, steps)
    label_px = max(label_width([panel.dims.labels[d] for d in panel.dims.order]) for panel in panels)
    layout = grid_layout(width, len(panels), steps, label_px)
    places = st.columns(len(panels), gap="large") if layout.side_by_side else [st.container() for _ in panels]
    for slot, (place, panel) in enumerate(zip(places, panels)):
        with place:
            if other is not None:
                st.markdown(f"**{model_label(panel.entry)}**")
            if panel.note:
                st.caption(panel.note)
            draw_grid(panel, offsets, slot, width=layout.width)
    if any(panel.dims.share is not None for panel in panels):
        st.subheader(t("traversal_mi_title"))
        st.caption(t("traversal_mi_help"))
        for column, panel in zip(st.columns(len(panels), gap="large"), panels):
            if panel.dims.share is not None:
                with column:
                    draw_mi(panel.entry, panel.dims)


def draw_mi(entry: ModelEntry, dims: Dims) -> None:
    """How much of each factor each dimension pins down, rows in KL order."""
    share = dims.share[dims.order]  # rows in KL order
    factors = [factor_name(name) for name in entry.factor_names]
    rows = [dims.labels[d] for d in dims.order]
    hover = [[t("traversal_mi_hover", dim=rows[r], factor=f, share=float(share[r, c])) for c, f in enumerate(factors)]
             for r in range(len(rows))]
    st.plotly_chart(mi_figure(share, rows, factors, hover), key=f"trav_mi::{entry.path}", config=CHART_CONFIG)


opened = open_page("traversal_title", "traversal_intro", fits=lambda m: m.kind.posterior,
                   reason_key="traversal_not_gaussian", data_optional=True)
models, entry, data = opened.models, opened.entry, opened.data
if data is None:
    st.caption(t("traversal_stats_missing"))
dims = describe_dims(entry, data is not None)
start_image, start_label, y = pick_start(entry, data)
base = (encode_one(model_for(entry), start_image, start_label) if start_image is not None
        else torch.zeros(entry.latent_dim))
# A new start point (or model) moves every slider to it; otherwise they keep where the user left them.
signature = (entry, tuple(round(v, 4) for v in base.tolist()))
if st.session_state.get("trav_base") != signature or any(f"z{d}" not in st.session_state for d in range(len(base))):
    set_code(base.tolist())
    live.bump(CODE_STATE, "server")
    st.session_state["trav_base"] = signature
# A link's code (absolute values within the sliders' reach of the start point), after the start's reset.
linked = url_state.take("z", functools.partial(code_in_reach, base.tolist()))
if linked is not None:
    set_code(linked)
    live.bump(CODE_STATE, "server")
st.divider()
slider_panel(entry, base.tolist(), y, dims, start_image)
st.divider()
grid_section(models, Panel(entry, base, y, dims, start_image is None), start_image, start_label)
