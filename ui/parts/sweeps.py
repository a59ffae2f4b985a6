"""The Runs page's sweeps (grids of runs from `python -m vae sweep`): each one a group with its runs'
final losses and disentanglement scores, and, with several seeds, means over the seeds."""

from __future__ import annotations

import statistics
from pathlib import Path

import pandas as pd
import streamlit as st

from ui.i18n import t
from ui.parts.runs import state_text
from vae.training.sweep import FINAL_KEYS, PENDING, SCORE_KEYS, SweepInfo, read_sweeps

LOSS_KEYS = tuple(k for k in FINAL_KEYS if k.startswith("test_"))  # the training loss stays in the run's panel


def axis_label(axis: str) -> str:
    return t(f"sweep_axis_{axis}")


def score_label(key: str) -> str:
    return t(f"sweep_score_{key}") if key in SCORE_KEYS else key  # a score this version has no name for


def _columns(info: SweepInfo) -> tuple[list[str], list[str]]:
    """The loss and score keys that at least one run of the sweep has, in display order."""
    losses = [k for k in LOSS_KEYS if any(k in r["final"] for r in info.runs)]
    scores: list[str] = []
    for run in info.runs:
        scores += [k for k in (run["scores"] or {}) if k not in scores]
    return losses, scores


def _state(run: dict, sweep_state: str) -> str:
    if run["state"] == PENDING:
        return t("sweep_pending") if sweep_state == "running" else t("sweep_not_started")
    return state_text(run["state"])


def sweep_rows(info: SweepInfo) -> list[dict]:
    """One row per run of the grid, with translated column names; blanks (None) where a value is missing."""
    losses, scores = _columns(info)
    rows = []
    for run in info.runs:
        row = {axis_label(axis): run["params"].get(axis) for axis in info.axes}
        row[t("sweep_col_run")] = run["name"] or "–"
        row[t("sweep_col_state")] = _state(run, info.state)
        row[t("sweep_col_epochs")] = run["epochs"]
        row.update({t(f"sweep_col_{k}"): run["final"].get(k) for k in losses})
        row.update({score_label(k): (run["scores"] or {}).get(k) for k in scores})
        rows.append(row)
    return rows


def _spread(values: list[float], digits: int) -> str | None:
    if not values:
        return None
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def seed_means(info: SweepInfo) -> list[dict]:
    """Per setting of the other axes, mean ± standard deviation over the seeds of the finished runs;
    [] unless the sweep has several seeds."""
    if len(info.axes.get("seed", [])) < 2:
        return []
    others = [axis for axis in info.axes if axis != "seed"]
    losses, scores = _columns(info)
    groups: dict[tuple, list[dict]] = {}
    for run in info.runs:
        groups.setdefault(tuple(run["params"].get(a) for a in others), []).append(run)
    rows = []
    for key, runs in groups.items():
        done = [r for r in runs if r["state"] == "finished"]
        row = {axis_label(a): v for a, v in zip(others, key)}
        row[t("sweep_col_runs")] = f"{len(done)} / {len(runs)}"
        for k in losses:
            row[t(f"sweep_col_{k}")] = _spread([r["final"][k] for r in done if k in r["final"]], 2)
        for k in scores:
            row[score_label(k)] = _spread([r["scores"][k] for r in done if k in (r["scores"] or {})], 3)
        rows.append(row)
    return rows


def _number_formats(info: SweepInfo) -> dict:
    losses, scores = _columns(info)
    formats = {t(f"sweep_col_{k}"): st.column_config.NumberColumn(format="%.2f") for k in losses}
    formats.update({score_label(k): st.column_config.NumberColumn(format="%.3f") for k in scores})
    if "beta" in info.axes:
        formats[axis_label("beta")] = st.column_config.NumberColumn(format="%g")
    return formats


def sweeps_section(runs_root: str | Path) -> None:
    """Every sweep under the runs folder, newest first and open; nothing when there are none."""
    sweeps = read_sweeps(runs_root)
    if not sweeps:
        return
    st.subheader(t("sweep_title"))
    st.caption(t("sweep_help"))
    for i, info in enumerate(sweeps):
        done = sum(run["state"] == "finished" for run in info.runs)
        label = t("sweep_label", name=info.name, state=t(f"sweep_state_{info.state}"), done=done,
                  total=len(info.runs))
        with st.expander(label, expanded=i == 0):
            st.dataframe(pd.DataFrame(sweep_rows(info)), hide_index=True, placeholder="–",
                         column_config=_number_formats(info), key=f"sweep_table_{info.name}")
            st.caption(t("sweep_losses_help"))
            means = seed_means(info)
            if means:
                st.markdown(f"**{t('sweep_means')}**")
                st.dataframe(pd.DataFrame(means), hide_index=True, placeholder="–",
                             key=f"sweep_means_{info.name}")
                st.caption(t("sweep_means_help"))
