"""What the disentanglement page draws: the ladder of shapes models ordered by β, each one's scores
(read from its disentanglement.json, or computed on demand), its active dimensions named by the
factor they move, their traversals as animations and strips, and the figures of the scores against β.
Plain arguments in, figures and bytes out, so tests can read them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.subplots import make_subplots

from ui.catalog import ModelEntry, openable, runs_dir
from ui.i18n import t
from ui.images import gif_bytes, png_bytes, to_pil
from ui.loaders import model_for
from ui.names import dim_name, factor_name
from ui.traversal_view import MIN_FACTOR_SHARE, describe_dims, mosaic
from vae import disentanglement
from vae.disentanglement_run import GROUND_TRUTH, SCORES_NAME, read_scores, score_run, write_scores
from vae.latent import dimension_order, dominant_factor, traverse

FRAME_SIDE = 192  # animation frames are enlarged (nearest neighbour) to this; the browser only shrinks them
STRIP_SCALE = 4
OTHER_SYMBOLS = ("diamond", "square", "triangle-up", "star", "cross", "x") * 4  # models off the β-VAE line  # strip cells: 32-px shapes become 128 px, shrunk by the browser to the column


def scorable(entry: ModelEntry) -> bool:
    """A Gaussian-latent model of a dataset whose factors the library can render."""
    return entry.has_gaussian_latent and entry.dataset in GROUND_TRUTH


def ladder(models: list[ModelEntry], chosen: ModelEntry | None) -> list[ModelEntry]:
    """The pretrained shapes models by β (β-TCVAE, whose β weighs only the total correlation, last),
    then the sidebar's model when it is a shapes run of the user's own."""
    rungs = sorted((m for m in openable(models) if m.pretrained and scorable(m)),
                   key=lambda m: (m.is_tcvae, m.model.beta, m.name))
    if chosen is not None and not chosen.pretrained and scorable(chosen):
        rungs.append(chosen)
    return rungs


def short_label(entry: ModelEntry) -> str:
    """ "β = 4" / "β-TCVAE (β = 6)" / "my-run (β = 2)": the model's place on the ladder."""
    beta = f"{entry.model.beta:g}"
    if not entry.pretrained:
        return t("dis_label_run", name=entry.name, beta=beta)
    if entry.is_tcvae:
        return t("dis_label_tcvae", beta=beta)
    return t("dis_label_beta", beta=beta)


def _scores_stamp(entry: ModelEntry) -> float:
    path = Path(entry.path) / SCORES_NAME
    return path.stat().st_mtime if path.is_file() else 0.0


@st.cache_data(show_spinner=False, max_entries=64)
def _stored(entry: ModelEntry, scores_stamp: float) -> dict | None:
    return read_scores(entry.path, entry.latent_dim, len(entry.factor_names))


@st.cache_resource(show_spinner=False)
def _computed() -> dict:
    """Scores computed in this server, by model entry (a retrained run is a new one), shared by every session."""
    return {}


def scores_for(entry: ModelEntry) -> dict | None:
    """The run's scores: its disentanglement.json (when valid and for this checkpoint), or computed here."""
    stored = _stored(entry, _scores_stamp(entry))
    return stored if stored is not None else _computed().get(entry)


def compute_scores(entry: ModelEntry) -> dict:
    """Score the run under a progress bar (about a minute on two cores); a run of the user's own also
    gets its disentanglement.json, so the next visit reads it at once."""
    bar = st.progress(0.0, text=t("dis_computing"))

    def progress(fraction: float, stage: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t("dis_computing_stage", stage=t(f"dis_stage_{stage}")))

    report = score_run(entry.path, points=disentanglement.POINTS, progress=progress)
    _computed()[entry] = report
    if Path(entry.path).resolve().is_relative_to(runs_dir().resolve()):
        write_scores(entry.path, report)
    bar.empty()
    return report


@dataclass(frozen=True)
class Rung:
    """One model of the ladder as the page shows it."""

    entry: ModelEntry
    scores: dict | None
    active: list[int]  # active dims, most used (KL) first
    labels: dict[int, str]  # "z3 · x position"
    share: np.ndarray | None  # (D, F) MI over each factor's entropy


def describe(entry: ModelEntry, scores: dict | None) -> Rung:
    """Active dims and their factor names: from the scores' histogram MI (the one MIG uses), else from
    the traversal page's estimate on the test images."""
    if scores is None:
        dims = describe_dims(entry, True)
        collapsed = dimension_order(torch.from_numpy(dims.kl))[1] if dims.kl is not None else [False] * len(dims.order)
        active = [d for d, c in zip(dims.order, collapsed) if not c]
        return Rung(entry, None, active, dims.labels, dims.share)
    share = np.clip(np.array(scores["mi"]) / np.maximum(np.array(scores["entropy"]), 1e-8)[None, :], 0, 1)
    order, collapsed = dimension_order(torch.tensor(scores["kl_per_dim"]))
    factors = dominant_factor(share, min_share=MIN_FACTOR_SHARE)
    labels = {d: f"{dim_name(d)} · {factor_name(entry.factor_names[factors[d]])}" if factors[d] is not None else dim_name(d)
              for d in order}
    return Rung(entry, scores, [d for d, c in zip(order, collapsed) if not c], labels, share)


def _traversal(entry: ModelEntry, dims: tuple[int, ...], span: float, steps: int) -> torch.Tensor:
    """Each dim swept from -span to +span around the prior mean, the others at 0: (R, S, C, H, W)."""
    values = torch.linspace(-span, span, steps)
    return traverse(model_for(entry), torch.zeros(entry.latent_dim), list(dims), values)


def _gif(frames: torch.Tensor) -> bytes:
    return gif_bytes([to_pil(frame, FRAME_SIDE) for frame in frames], duration_ms=110)  # there and back


def _strip(frames: torch.Tensor) -> bytes:
    from PIL import Image

    return png_bytes(Image.fromarray(mosaic(frames[None], STRIP_SCALE)))


@st.cache_data(show_spinner=False, max_entries=64)
def sweeps(entry: ModelEntry, dims: tuple[int, ...], span: float, steps: int, still: bool) -> list[bytes]:
    """One picture per dim of its sweep: a looping GIF, or (still) one PNG row of enlarged cells."""
    encode = _strip if still else _gif
    return [encode(frames) for frames in _traversal(entry, dims, span, steps)]


def metric_name(key: str) -> str:
    return t(f"dis_metric_{key}")


def beta_figure(rungs: list[Rung], metrics: list[str]) -> go.Figure:
    """Each chosen metric (left) and the reconstruction error (right) against β; the β-VAE ladder as
    lines, a β-TCVAE (its β weighs another term) or the user's run as lone markers, named in the legend."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t("dis_plot_metrics"), t("dis_plot_recon")),
                        horizontal_spacing=0.1)
    scored = [r for r in rungs if r.scores is not None]
    ladder_rungs = [r for r in scored if r.entry.pretrained and r.entry.is_plain_vae]
    others = [r for r in scored if r not in ladder_rungs]
    beta = lambda r: r.entry.model.beta  # noqa: E731
    colours = [f"hsl({int(360 * i / max(len(metrics), 1))}, 65%, 45%)" for i in range(len(metrics))]
    for key, colour in zip(metrics, colours):
        fig.add_trace(go.Scatter(x=[beta(r) for r in ladder_rungs], y=[r.scores[key] for r in ladder_rungs],
                                 mode="lines+markers", name=metric_name(key), legendgroup=key, line_color=colour,
                                 hovertemplate=f"{metric_name(key)}: %{{y:.3f}}<br>β = %{{x:g}}<extra></extra>"),
                      row=1, col=1)
        for r, symbol in zip(others, OTHER_SYMBOLS):
            fig.add_trace(go.Scatter(x=[beta(r)], y=[r.scores[key]], mode="markers", legendgroup=key, showlegend=False,
                                     marker=dict(symbol=symbol, size=11, color=colour),
                                     hovertemplate=f"{short_label(r.entry)} · {metric_name(key)}: %{{y:.3f}}"
                                                   "<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[beta(r) for r in ladder_rungs], y=[r.scores["recon"] for r in ladder_rungs],
                             mode="lines+markers", name=t("dis_recon"), line_color="#444",
                             hovertemplate=t("dis_recon") + ": %{y:.1f}<br>β = %{x:g}<extra></extra>"), row=1, col=2)
    for r, symbol in zip(others, OTHER_SYMBOLS):
        fig.add_trace(go.Scatter(x=[beta(r)], y=[r.scores["recon"]], mode="markers", name=short_label(r.entry),
                                 marker=dict(symbol=symbol, size=11, color="#444"),
                                 hovertemplate=f"{short_label(r.entry)}: %{{y:.1f}}<extra></extra>"), row=1, col=2)
    fig.update_xaxes(type="log", title_text="β", tickvals=sorted({beta(r) for r in scored}) or None)
    fig.update_yaxes(range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(title_text=t("dis_recon_unit"), row=1, col=2)
    fig.update_layout(height=440, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))
    return fig
