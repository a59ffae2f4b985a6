"""Runs: every training run in one table, the curves of several overlaid, and one run in detail."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from ui.catalog import runs_dir
from ui.i18n import t
from ui.page import open_page
from ui.parts.run_charts import compare_figure
from ui.parts.runs import COMPARE_METRICS, read_facts, rows_to_names, run_panel, table_row
from ui.parts.sweeps import sweeps_section
from vae.training import launch

SESSION = "session"
LIVE_POLL_S, IDLE_POLL_S = 1.0, 5.0  # the table follows running runs, and notices new ones started elsewhere


def default_comparison(facts: list) -> list[str]:
    """Up to three of the newest runs that have test losses to compare."""
    return [f.name for f in facts if f.epochs][:3]


def _picked_in_table(names: list[str]) -> None:
    table = st.session_state.get("runs_table")
    rows = list(table.selection.rows) if table is not None else []
    if rows:
        st.session_state["runs_compare"] = rows_to_names(rows, names)


def table(facts: list) -> None:
    rows = [table_row(f) for f in facts]
    frame = pd.DataFrame(rows)
    frame["runs_col_test_loss"] = pd.to_numeric(frame["runs_col_test_loss"])  # a run without one: blank, not "None"
    frame = frame.rename(columns=t)
    names = [f.name for f in facts]
    columns = {
        t("runs_col_beta"): st.column_config.NumberColumn(format="%g"),
        t("runs_col_test_loss"): st.column_config.NumberColumn(format="%.2f", help=t("runs_test_loss_help")),
        t("runs_col_active"): st.column_config.TextColumn(help=t("runs_active_help")),
    }
    st.dataframe(frame, hide_index=True, key="runs_table", placeholder="–", column_config=columns,
                 on_select=partial(_picked_in_table, names), selection_mode="multi-row")


def compare(facts: list) -> None:
    st.subheader(t("runs_compare"))
    st.caption(t("runs_compare_help"))
    names = [f.name for f in facts if f.steps]
    if "runs_compare" not in st.session_state:
        st.session_state["runs_compare"] = default_comparison(facts)
    else:  # runs deleted since: drop them from the choice
        st.session_state["runs_compare"] = [n for n in st.session_state["runs_compare"] if n in names]
    picked_col, metric_col = st.columns([3, 1])
    picked = picked_col.multiselect(t("runs_compare_pick"), names, key="runs_compare", persist_state=SESSION)
    metric = metric_col.selectbox(t("runs_metric"), COMPARE_METRICS, key="runs_metric", persist_state=SESSION,
                                  format_func=lambda m: t(f"runs_metric_{m}"))
    by_name = {f.name: f for f in facts}
    chosen = [by_name[name] for name in picked if name in by_name]
    if chosen:
        st.plotly_chart(compare_figure(chosen, metric), key="runs_compare_chart", config={"displaylogo": False})
    else:
        st.info(t("runs_compare_empty"))


def _overview(was_live: bool, known: tuple[str, ...]) -> None:
    paths = tuple(str(p) for p in launch.list_run_dirs(runs_dir()))
    facts = [f for p in paths if (f := read_facts(p)) is not None]
    if paths != known or any(f.state.live for f in facts) != was_live:
        st.rerun()  # a run appeared, vanished, started or ended: redraw the page (pickers included)
    table(facts)
    compare(facts)
    sweeps_section(runs_dir())


def details(paths: list[str]) -> None:
    st.header(t("runs_details"))
    if st.session_state.get("runs_detail") not in paths:
        st.session_state["runs_detail"] = paths[0]

    chosen = st.selectbox(t("runs_details_pick"), paths, key="runs_detail", format_func=lambda p: Path(p).name)
    run_panel(chosen, key="runs")


open_page("runs_title", "runs_intro", needs_model=False)
paths = [str(p) for p in launch.list_run_dirs(runs_dir())]
if not paths:
    st.info(t("runs_none"))
    st.stop()
live = any(f.state.live for p in paths if (f := read_facts(p)) is not None)
st.fragment(run_every=LIVE_POLL_S if live else IDLE_POLL_S)(_overview)(live, tuple(paths))
st.divider()
details(paths)
