"""The traversal page's live panel: every latent number on a slider that decodes in the browser, a pad
over two of them, and the callbacks that make a release the server sliders' values (session keys
z0 … z{D-1}), which the rest of the page reads.
"""

from __future__ import annotations

import functools

import streamlit as st

from ui import live
from ui.catalog import ModelEntry
from ui.i18n import t
from ui.images import to_pil
from ui.parts.latent_map import palette as map_palette
from ui.names import dim_label
from ui.state import keep_valid
from ui.parts.traversal import Dims
from vae.metrics.disentanglement.naming import DimensionRole

SPAN = 3.0  # sliders reach this far either side of the start point: ±3 prior standard deviations
SLIDER_STEP = 0.05
CODE_STATE = "trav_code_rev"  # (revision, origin) of the code the sliders hold: see ui.live.bump
PAD_POINTS = 2000  # test codes drawn as dots on the live pad


def slider_range(b: float) -> tuple[float, float]:
    """A latent number's slider limits: ±SPAN around the prior's centre, the same for every number (widened to
    take in a start value beyond it), so where the thumb sits shows the value: on ranges centred on the start
    every thumb sat in the middle, and z = 1.92 looked like z = 0.81 (issue 24, bug 7)."""
    return round(min(-SPAN, b), 2), round(max(SPAN, b), 2)


def set_code(values: list[float]) -> None:
    """The sliders' values (session keys z0 … z{D-1}), to two decimals as they show them."""
    for d, v in enumerate(values):
        st.session_state[f"z{d}"] = round(v, 2)


def server_moved() -> None:
    """A server slider moved: the live views adopt the code."""
    live.bump(CODE_STATE, "server")


def reset_code(values: list[float]) -> None:
    set_code(values)
    live.bump(CODE_STATE, "server")


def released(value, base: list[float], origin: str) -> None:
    """A live view let go: its code becomes the sliders' values (and so the rest of the page's)."""
    z = live.released_code(value, len(base))
    if z is None:
        return
    set_code([min(max(v, slider_range(b)[0]), slider_range(b)[1]) for v, b in zip(z, base)])
    live.bump(CODE_STATE, origin)


def slider_columns(dims: Dims) -> int:
    return 1 if len(dims.order) <= 6 else 2 if len(dims.order) <= 12 else 3


def slider_help(dims: Dims, d: int) -> str:
    return t("traversal_slider_help", kl=float(dims.kl[d])) if dims.kl is not None else t("traversal_slider_help_nokl")


def current_code(length: int) -> list[float]:
    return [float(st.session_state[f"z{d}"]) for d in range(length)]


def live_sliders(entry: ModelEntry, decoder: live.LiveModel, base: list[float], y: int | None, dims: Dims,
                 start_image) -> None:
    """Every number on a slider that decodes in the browser while it moves."""
    live.load(decoder, "trav_live")
    live.sliders(decoder, f"trav_live_sliders::{entry.path}", z=current_code(len(base)), base=base, y=y,
                 dims=[{"d": d, "label": dims.labels[d], "help": slider_help(dims, d),
                        "min": slider_range(base[d])[0], "max": slider_range(base[d])[1]} for d in dims.order],
                 span=SPAN, step=SLIDER_STEP, columns=slider_columns(dims), state_key=CODE_STATE,
                 text={"caption": t("traversal_live_caption"), "reset": t("traversal_reset"),
                       "start": t("traversal_start_caption")},
                 start=None if start_image is None else live.data_uri(to_pil(start_image, 96)),
                 on_release=functools.partial(released, base=base, origin="sliders"))


def named_dim(entry: ModelEntry, dims: Dims, factor: str) -> int | None:
    """The dimension the app names after `factor` alone ("z0 · x position"), by the naming's own labels
    (ui.names.dim_label over vae.metrics.disentanglement.naming's roles), or None: the pad puts x position across and y position up,
    so the shape follows the pointer (issue 24, bug 4); a mixed or partial dimension is not claimed."""
    if factor not in entry.factor_names:
        return None
    role = DimensionRole("factor", (entry.factor_names.index(factor),))
    return next((d for d in dims.order if dims.labels[d] == dim_label(d, role, entry.factor_names)), None)


def pad_section(entry: ModelEntry, decoder: live.LiveModel, base: list[float], y: int | None, dims: Dims) -> None:
    """Two chosen numbers as a plane under the pointer, the test pictures' codes as dots on it."""
    st.markdown(f"**{t('traversal_pad_title')}**")
    st.caption(t("traversal_pad_help"))
    across_col, up_col, _ = st.columns([1, 1, 2])
    order = dims.order
    shown = tuple(dims.labels[d] for d in order)  # another model's dimensions: both start over
    x_dim, y_dim = (named_dim(entry, dims, factor) for factor in ("pos_x", "pos_y"))
    keep_valid("trav_pad_x", order, x_dim if x_dim is not None else order[0], shown)
    across = across_col.selectbox(t("traversal_pad_x"), order, key="trav_pad_x", format_func=dims.labels.get)
    others = [d for d in order if d != across]
    keep_valid("trav_pad_y", others, y_dim if y_dim in others else others[0], shown)
    up = up_col.selectbox(t("traversal_pad_y"), others, key="trav_pad_y", format_func=dims.labels.get)
    points = palette = None
    if dims.mu is not None:  # every dimension's codes in one file per model: the pad takes its two columns
        points = live.points_url(decoder.model_id, dims.mu[:PAD_POINTS],
                                 None if dims.code_labels is None else dims.code_labels[:PAD_POINTS])
        palette = map_palette(max(len(entry.class_names), 1))
    extent = [list(slider_range(base[across])), list(slider_range(base[up]))]
    live.pad(decoder, f"trav_live_pad::{entry.path}", z=current_code(len(base)), y=y, dims=(across, up),
             extent=extent, axes=[dims.labels[across], dims.labels[up]], state_key=CODE_STATE,
             points=points, palette=palette,
             text={"pad": t("traversal_pad_title"), "hint": t("traversal_pad_hint"),
                   "caption": t("traversal_live_caption")},
             on_release=functools.partial(released, base=base, origin="pad"))
