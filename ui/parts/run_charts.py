"""The pictures of a training run: loss curves over the β / capacity schedule, KL per latent dimension
as a heatmap, several runs overlaid, and the per-epoch sample grids enlarged crisply. Plain builders:
RunFacts (ui.parts.run_facts) in, plotly figures or PNG bytes out."""

from __future__ import annotations

import io
import math
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots
from PIL import Image

from ui.i18n import t
from ui.names import dim_name
from ui.parts.run_facts import RunFacts


def _layout(fig: go.Figure, height: int) -> go.Figure:
    # uirevision keeps the viewer's zoom while new points arrive every second.
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=70, b=10), uirevision="keep",
                      hovermode="x unified", legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0))
    return fig


def thin(events: list[dict], limit: int = 600) -> list[dict]:
    """At most about limit events, evenly spaced, the last always kept: a browser redraws them every second."""
    if len(events) <= limit:
        return events
    stride = math.ceil(len(events) / limit)
    kept = events[::stride]
    return kept if kept[-1] is events[-1] else kept + [events[-1]]


def _line(fig, events, key, name, row, **style):
    points = [(e["step"], e[key]) for e in events if isinstance(e.get(key), (int, float)) and "step" in e]
    if points:
        fig.add_trace(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], name=name,
                                 mode=style.pop("mode", "lines"), **style), row=row, col=1)


def loss_figure(facts: RunFacts) -> go.Figure:
    """Training losses per step, test loss per epoch, the KL (or VQ) terms, and the weight schedule beneath."""
    vq = facts.kind.codes
    titles = [t("run_chart_loss"), t("run_chart_vq" if vq else "run_chart_kl"),
              t("run_chart_codes" if vq else "run_chart_schedule")]
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.5, 0.28, 0.22],
                        subplot_titles=titles)
    steps, epochs = thin(facts.steps), facts.epochs
    _line(fig, steps, "loss", t("run_series_loss"), 1)
    _line(fig, steps, "recon", t("run_series_recon"), 1)
    _line(fig, epochs, "test_loss", t("run_series_test_loss"), 1,
          mode="lines+markers" if len(epochs) <= 60 else "lines")
    if vq:
        _line(fig, steps, "vq", t("run_series_vq"), 2)
        _line(fig, steps, "commit", t("run_series_commit"), 2)
        _line(fig, steps, "perplexity", t("run_series_perplexity"), 3)
    else:
        _line(fig, steps, "kl", t("run_series_kl"), 2)
        for key in ("mi", "tc", "dwkl"):
            _line(fig, steps, key, t(f"run_series_{key}"), 2)
        _line(fig, steps, "kl_weight", t("run_series_kl_weight"), 3)
        _line(fig, steps, "capacity", t("run_series_capacity"), 3)
    fig.update_xaxes(title_text=t("run_axis_step"), row=3, col=1)
    return _layout(fig, 640)


def kl_heatmap(facts: RunFacts) -> go.Figure | None:
    """KL of each latent dimension (rows) at each logged step (columns); None without such data."""
    events = [e for e in facts.steps if isinstance(e.get("kl_per_dim"), list) and "step" in e]
    if not events:
        return None
    dims = len(events[-1]["kl_per_dim"])
    events = thin([e for e in events if len(e["kl_per_dim"]) == dims], 300)
    z = [[e["kl_per_dim"][d] for e in events] for d in range(dims)]  # (D, T)
    fig = go.Figure(go.Heatmap(
        z=z, x=[e["step"] for e in events], y=[dim_name(d) for d in range(dims)], colorscale="Viridis", zmin=0,
        colorbar=dict(title=t("run_axis_nats"), thickness=12),
        hovertemplate=t("run_heat_hover") + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title_text=t("run_axis_dim"), type="category")
    fig.update_xaxes(title_text=t("run_axis_step"))
    fig = _layout(fig, min(640, max(300, 120 + 36 * dims)))
    fig.update_layout(hovermode="closest", title=t("run_chart_heat"))
    return fig


def compare_series(facts: RunFacts, metric: str) -> tuple[list[float], list[float]]:
    """(x in epochs, y) of one metric of one run: test metrics per epoch, training ones per step."""
    if metric.startswith("test_"):
        points = [(e.get("epoch"), e.get(metric)) for e in facts.epochs]
    else:
        first = facts.epochs[0] if facts.epochs and facts.epochs[0].get("epoch") else None
        per_epoch = first["step"] / first["epoch"] if first else 1  # before the first epoch ends: steps
        points = [(e["step"] / per_epoch, e.get(metric)) for e in thin(facts.steps) if "step" in e]
    points = [(x, y) for x, y in points if isinstance(x, (int, float)) and isinstance(y, (int, float))]
    return [p[0] for p in points], [p[1] for p in points]


def compare_figure(runs: list[RunFacts], metric: str) -> go.Figure:
    """One line per run of the chosen metric, on a shared epoch axis."""
    fig = go.Figure()
    for facts in runs:
        x, y = compare_series(facts, metric)
        label = f"{facts.name} (β = {facts.beta:g})"
        markers = metric.startswith("test_") and len(x) <= 60
        fig.add_trace(go.Scatter(x=x, y=y, name=label, mode="lines+markers" if markers else "lines"))
    fig.update_xaxes(title_text=t("run_axis_epoch"))
    fig.update_yaxes(title_text=f"{t(f'runs_metric_{metric}')} · {t('run_axis_nats_image')}")
    return _layout(fig, 480)


@st.cache_data(show_spinner=False, max_entries=128)
def crisp(path: str, mtime_ns: int, side: int = 640) -> bytes:
    """A grid PNG enlarged nearest-neighbour to about side pixels (tiny digits stay sharp on a projector),
    as PNG bytes: the same picture is the same media file, so a rerun every second costs nothing."""
    with Image.open(path) as picture:
        picture = picture.convert("RGB")
    factor = max(1, side // max(picture.size))
    picture = picture.resize((picture.width * factor, picture.height * factor), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def picture(path: Path, side: int = 640) -> bytes | None:
    """crisp() of a run's grid; None when the file is no readable picture (a damaged or hostile run folder)."""
    try:
        return crisp(str(path), path.stat().st_mtime_ns, side)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def show_picture(place, path: Path, side: int = 640, **image_args) -> None:
    """A run's grid in place (st or a column), or one line saying it cannot be read."""
    png = picture(path, side)
    if png is None:
        place.warning(t("run_picture_unreadable", name=path.name))
    else:
        place.image(png, **image_args)


def strip_epochs(paths: list[Path], count: int = 8) -> list[Path]:
    """Up to count grids evenly spread over the run, always the first and the latest."""
    if len(paths) <= count:
        return paths
    picks = sorted({round(i * (len(paths) - 1) / (count - 1)) for i in range(count)})
    return [paths[i] for i in picks]


def epoch_number(path: Path) -> int:
    return int(path.stem.split("_")[-1])
