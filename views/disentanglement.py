"""Disentanglement: the shapes models side by side, ordered by β; each active dimension's sweep,
named by the factor it moves; the scores of each model (MIG, FactorVAE, DCI, SAP, Modularity), what
they mean, and how they and the reconstruction error move with β; the factor × dimension MI."""

from __future__ import annotations

import unicodedata

import pandas as pd
import streamlit as st

from ui.parts.disentanglement import (Rung, best_rung, best_sentence, beta_figure, compute_scores, describe, ladder,
                                     ladder_sentences, metric_name, scorable, scores_for, seeds_figure, shape_row,
                                     shipped_ladder, short_label, sweeps)
from vae.metrics.disentanglement.ladder import groups as ladder_groups
from ui.i18n import t
from ui.page import open_page
from ui.names import dim_name, factor_name
from ui.parts.traversal import mi_figure
from vae.metrics.disentanglement import scores as disentanglement
from vae.metrics.disentanglement.dci_classifiers import CLASSIFIERS
from vae.metrics.disentanglement.scores import METRIC_KEYS

CHART_CONFIG = {"displayModeBar": False}
MI_TOP, MI_ROW = 110, 44  # MI heatmap height: room for the factor names, then per row
MI_PER_ROW = 2  # heatmaps side by side: wide enough cells for their numbers
ROW_PX = 35  # st.dataframe's row height
# The scores table's label column, sized to its longest label: left to st.dataframe, it was cut to "Reconstruction
# error (nats/pict" at 1400×900. Measured in its 14 px font: Latin ~6 px a character, CJK ~13; plus the padding.
LATIN_PX, WIDE_PX, LABEL_PAD_PX = 6.2, 13, 20
SHAPES_PER_ROW = 4  # models per row of the three shapes' reconstructions
MIN_TILES = 5  # a row of animations has at least this many places, so a model with few dims keeps big tiles
MAX_TILES = 6  # and at most this many: more wrap onto a second row, so tiles stay legible on a projector


def animations(rungs: list[Rung], span: float, steps: int) -> None:
    """One row per model (wrapped past MAX_TILES), one looping sweep per active dimension, every tile the same
    size."""
    places = min(MAX_TILES, max([MIN_TILES, *(len(r.active) for r in rungs)]))
    for rung in rungs:
        label_col, row_col = st.columns([1.3, places], vertical_alignment="center")
        label_col.markdown(f"**{short_label(rung.entry)}**  \n{t('dis_active', n=len(rung.active))}")
        if not rung.active:
            row_col.caption(t("dis_no_active"))
            continue
        gifs = sweeps(rung.entry, tuple(rung.active), span, steps, still=False)
        for start in range(0, len(rung.active), places):
            if start:  # the wrapped part of the row, under the first, beside an empty label
                row_col = st.columns([1.3, places])[1]
            for tile, d, gif in zip(row_col.columns(places), rung.active[start:start + places], gifs[start:]):
                tile.image(gif, caption=rung.labels[d], width="stretch")


def grid(rungs: list[Rung], span: float, steps: int) -> None:
    """One chosen model's active dimensions as still rows across the whole page."""
    paths = [r.entry.path for r in rungs]
    if st.session_state.get("dis_grid_model") not in paths:
        st.session_state["dis_grid_model"] = paths[-1] if len(paths) > 1 else paths[0]
    chosen = st.selectbox(t("dis_grid_model"), paths, key="dis_grid_model",
                          format_func=lambda p: short_label(rungs[paths.index(p)].entry))
    rung = rungs[paths.index(chosen)]
    if not rung.active:
        st.caption(t("dis_no_active"))
        return
    strips = sweeps(rung.entry, tuple(rung.active), span, steps, still=True)
    for d, picture in zip(rung.active, strips):
        label_col, strip_col = st.columns([1, 7], vertical_alignment="center")
        label_col.markdown(f"**{rung.labels[d]}**")
        strip_col.image(picture, width="stretch", output_format="PNG")


def label_px(labels: list[str]) -> int:
    """The width in CSS pixels that shows the longest of `labels` whole in a st.dataframe cell."""
    return LABEL_PAD_PX + max(round(sum(WIDE_PX if unicodedata.east_asian_width(c) in "WF" else LATIN_PX
                                        for c in label)) for label in labels)


def scores_table(rungs: list[Rung]) -> None:
    """One row per score, one column per model in ladder order, so each row reads along the ladder."""
    rows = [(metric_name(k), k, "{:.2f}") for k in METRIC_KEYS] + [
        (t("dis_col_recon"), "recon", "{:.1f}"), (t("dis_col_kl"), "kl", "{:.1f}"),
        (t("dis_col_active"), "active_dims", "{:.0f}")]
    names = [t("dis_col_beta")] + [name for name, _, _ in rows]
    names_key = t("dis_col_score")
    columns = {names_key: names}
    for rung in rungs:
        scores = rung.scores or {}
        columns[short_label(rung.entry)] = [rung.entry.model.beta] + [scores.get(k) for _, k, _ in rows]
    frame = pd.DataFrame(columns).astype({name: float for name in list(columns)[1:]})  # None -> NaN: "–"
    styled = frame.style
    for i, fmt in enumerate(["{:g}"] + [fmt for _, _, fmt in rows]):
        styled = styled.format(fmt, subset=(i, frame.columns[1:]), na_rep="–")  # – : not scored yet
    label = st.column_config.TextColumn(width=label_px(names), pinned=True)  # read whole, kept while scrolling
    st.dataframe(styled, hide_index=True, key="dis_table", placeholder="–", column_config={names_key: label},
                 height=ROW_PX * (len(names) + 1) + 3)  # every row shows
    kinds = sorted({r.scores.get("dci_classifier", "forest") for r in rungs if r.scores})
    if kinds:  # which classifier DCI fitted: the reference's boosted trees, or the quick forest (labelled)
        st.caption(t("dis_dci_classifier", classifier=t("list_separator").join(
            t(f"dis_dci_kind_{k}", constructor=CLASSIFIERS[CLASSIFIERS[k].grows or k].label)
            for k in kinds if k in CLASSIFIERS)))
    points = {r.scores["points"] for r in rungs if r.scores}
    if points - {disentanglement.POINTS}:
        st.caption(t("dis_points_note", points=", ".join(f"{p:,}" for p in sorted(points))))


def missing_scores(rungs: list[Rung]) -> None:
    """A button per model without scores (a run of the user's own, or a new asset)."""
    for rung in rungs:
        if rung.scores is None:
            if st.button(t("dis_compute", model=short_label(rung.entry)), key=f"dis_compute::{rung.entry.path}",
                         icon=":material/calculate:", help=t("dis_compute_help")):
                compute_scores(rung.entry)
                st.rerun()


def mi_matrices(rungs: list[Rung]) -> None:
    shown = [r for r in rungs if r.share is not None]
    per_row = min(MI_PER_ROW, max(len(shown), 1))
    for start in range(0, len(shown), per_row):
        for column, rung in zip(st.columns(per_row, gap="large"), shown[start:start + per_row]):
            dims = rung.active or list(range(rung.entry.latent_dim))
            factors = [factor_name(name) for name in rung.entry.factor_names]
            rows = [rung.labels.get(d, dim_name(d)) for d in dims]
            share = rung.share[dims]
            hover = [[t("traversal_mi_hover", dim=rows[i], factor=f, share=float(share[i, j]))
                      for j, f in enumerate(factors)] for i in range(len(dims))]
            with column:
                st.markdown(f"**{short_label(rung.entry)}**")
                figure = mi_figure(share, rows, factors, hover, height=MI_TOP + MI_ROW * len(rows))
                figure.update_traces(textfont_size=12)
                st.plotly_chart(figure, key=f"dis_mi::{rung.entry.path}", config=CHART_CONFIG)


def seeds_section() -> None:
    """Every trained seed of the shipped ladder with its group's median, and what that says (measured)."""
    runs, meta = shipped_ladder()
    if not runs:
        return
    st.subheader(t("dis_seeds_title"))
    st.caption(t("dis_seeds_help", seeds=max(len(g) for g in ladder_groups(runs).values())))
    st.plotly_chart(seeds_figure(runs), key="dis_seeds_chart", config=CHART_CONFIG)
    for line in ladder_sentences(runs, meta):
        st.markdown(line)


def shapes_section(rungs: list[Rung]) -> None:
    """Each model's reconstruction of the three shapes: whether "shape" is a factor it can show at all."""
    st.subheader(t("dis_shapes_title"))
    st.caption(t("dis_shapes_help"))
    per_row = min(len(rungs), SHAPES_PER_ROW)
    for start in range(0, len(rungs), per_row):
        for column, rung in zip(st.columns(per_row), rungs[start:start + per_row]):
            column.image(shape_row(rung.entry), caption=short_label(rung.entry), width="stretch")


opened = open_page("dis_title", "dis_intro", needs_model=False)
entry = opened.entry
rungs = [describe(m, scores_for(m)) for m in ladder(opened.models, entry)]
if not rungs:
    st.info(t("dis_no_models"))
    st.stop()
if entry is not None and not scorable(entry):
    st.caption(t("dis_not_shapes"))

st.subheader(t("dis_watch_title"))
st.caption(t("dis_watch_help"))
view_col, span_col, steps_col = st.columns([3, 2, 2], gap="large")
view = view_col.segmented_control(t("dis_view"), ["animation", "grid"], default="animation", required=True,
                                  key="dis_view", format_func=lambda v: t(f"dis_view_{v}"))
span = span_col.slider(t("traversal_span"), 1.0, 4.0, 2.5, step=0.5, key="dis_span", help=t("dis_span_help"))
steps = steps_col.slider(t("traversal_steps"), 5, 15, 9, step=2, key="dis_steps")
if view == "animation":
    animations(rungs, span, steps)
else:
    grid(rungs, span, steps)

st.subheader(t("dis_scores_title"))
st.caption(t("dis_scores_help"))
scores_table(rungs)
missing_scores(rungs)
best = best_rung(rungs)
if best is not None:
    st.markdown(best_sentence(best))
st.markdown(t("dis_reading"))

shapes_section(rungs)
seeds_section()
if any(r.scores is not None for r in rungs):
    st.subheader(t("dis_beta_title"))
    st.caption(t("dis_beta_help"))
    picked = st.pills(t("dis_plot_pick"), list(METRIC_KEYS), default=["mig", "factor_vae", "dci_disentanglement"],
                      selection_mode="multi", format_func=metric_name, key="dis_plot_metrics")
    st.plotly_chart(beta_figure(rungs, list(picked or [])), key="dis_beta_chart", config=CHART_CONFIG)

st.subheader(t("dis_mi_title"))
st.caption(t("dis_mi_help"))
mi_matrices(rungs)
