"""What the disentanglement page draws: the ladder of shapes models ordered by β, each one's scores
(read from its disentanglement.json, or computed on demand), its active dimensions named by the
factor they move, their traversals as animations and strips, and the figures of the scores against β.
Plain arguments in, figures and bytes out, so tests can read them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch
from plotly.subplots import make_subplots

from ui.catalog import ASSETS_DIR, ModelEntry, openable, runs_dir
from ui.i18n import series, t
from ui.images import gif_bytes, png_bytes, to_pil
from ui.loaders import model_for
from ui.names import dim_label, factor_name
from ui.parts.traversal import describe_dims, mosaic
from vae.data.shapes import UNIT_AREAS
from vae.metrics.disentanglement import scores as disentanglement
from vae.metrics.disentanglement import naming
from vae.metrics.disentanglement.run import GROUND_TRUTH, SCORES_NAME, read_scores, score_run, write_scores
from vae.families import family
from vae.metrics.disentanglement import ladder as ladder_study
from vae.metrics.disentanglement.ladder import LadderRun
from vae.metrics.disentanglement.ladder import groups as ladder_groups
from vae.metrics.disentanglement.ladder import median as ladder_median
from vae.explore.latent import dimension_order, traverse

FRAME_SIDE = 192  # animation frames are enlarged (nearest neighbour) to this; the browser only shrinks them
STRIP_SCALE = 4  # strip cells: 32-px shapes become 128 px, shrunk by the browser to the column
OTHER_SYMBOLS = ("diamond", "square", "triangle-up", "star", "cross", "x") * 4  # models off the β-VAE line


def scorable(entry: ModelEntry) -> bool:
    """A Gaussian-latent model of a dataset whose factors the library can render."""
    return entry.kind.posterior and entry.dataset in GROUND_TRUTH


def ladder(models: list[ModelEntry], chosen: ModelEntry | None) -> list[ModelEntry]:
    """The pretrained shapes models by β (β-TCVAE, whose β weighs only the total correlation, then the
    weakly supervised Ada-GVAE last),
    then the sidebar's model when it is a shapes run of the user's own."""
    rungs = sorted((m for m in openable(models) if m.pretrained and scorable(m)),
                   key=lambda m: (ladder_study.family_rank(m.family), m.model.beta, m.name))
    if chosen is not None and not chosen.pretrained and scorable(chosen):
        rungs.append(chosen)
    return rungs


def short_label(entry: ModelEntry) -> str:
    """ "β = 4" / "β-TCVAE (β = 6)" / "my-run (β = 2)": the model's place on the ladder."""
    beta = f"{entry.model.beta:g}"
    if not entry.pretrained:
        return t("dis_label_run", name=entry.name, beta=beta)
    return group_label(entry.family, entry.model.beta)


def group_label(name: str, beta: float) -> str:
    """ "β = 4" / "β-TCVAE (β = 6)" / "Ada-GVAE (β = 4)": a group of the ladder (each family's own string)."""
    return t(f"dis_label_{name}", beta=f"{beta:g}")


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

    # One worker process per core fits DCI's boosted trees (the reference's: ~5 CPU-minutes for a shapes model).
    report = score_run(entry.path, points=disentanglement.POINTS, progress=progress, workers=os.cpu_count() or 1)
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
    named: tuple[int, ...] | None = None  # factors some dimension is named after, in order; None: not scored


def describe(entry: ModelEntry, scores: dict | None) -> Rung:
    """Active dims and what each holds (vae.metrics.disentanglement.naming's rule): from the scores' MI, the numbers the scores
    table uses, else from the traversal page's estimate on the test images (the same estimator)."""
    if scores is None:
        dims = describe_dims(entry, True)
        collapsed = dimension_order(torch.from_numpy(dims.kl))[1] if dims.kl is not None else [False] * len(dims.order)
        active = [d for d, c in zip(dims.order, collapsed) if not c]
        return Rung(entry, None, active, dims.labels, dims.share)
    share = naming.share_of(scores["mi"], scores["entropy"])
    order, collapsed = dimension_order(torch.tensor(scores["kl_per_dim"]))
    roles = naming.dimension_roles(share, [collapsed[order.index(d)] for d in range(len(order))])
    labels = {d: dim_label(d, roles[d], entry.factor_names) for d in order}
    return Rung(entry, scores, [d for d, c in zip(order, collapsed) if not c], labels, share,
                tuple(sorted(naming.factors_with_own_dimension(roles))))


def best_rung(rungs: list[Rung]) -> Rung | None:
    """The page's best model, by a rule it states: of the scored models, the one that gives the most factors a
    dimension of their own (naming's rule), then the highest FactorVAE score, then MIG; ties keep ladder order."""
    scored = [r for r in rungs if r.named is not None]
    return max(scored, key=lambda r: (len(r.named), r.scores["factor_vae"], r.scores["mig"]), default=None)


def best_sentence(rung: Rung) -> str:
    """What the page says of its best model: its scores and the factors it names, the numbers in its row of the
    scores table and the names on its animations."""
    total = len(rung.entry.factor_names)
    names = t("list_separator").join(factor_name(rung.entry.factor_names[f]) for f in rung.named)
    named = t("dis_best_named", n=len(rung.named), total=total, names=names) if rung.named else t(
        "dis_best_none", total=total)
    return t("dis_best", model=short_label(rung.entry), mig=rung.scores["mig"], fvae=rung.scores["factor_vae"],
             named=named)


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
    ladder_rungs = [r for r in scored if r.entry.pretrained and r.entry.kind.beta_ladder]
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


SEED_METRICS = ("mig", "factor_vae", "recon")  # the seeds figure's panels: two scores, and their price
SEED_JITTER = 0.12  # a group's dots spread this far apart sideways, so equal scores stay visible


def seeds_figure(runs: list[LadderRun]) -> go.Figure:
    """Every trained seed as a dot and each group's median as a line, per panel of SEED_METRICS (as Locatello
    et al. 2019 draw them): the β-VAE groups along β, then β-TCVAE and Ada-GVAE; the shown seed is ringed."""
    grouped = ladder_groups(runs)
    names = [group_label(*g) for g in grouped]
    titles = [metric_name(k) if k != "recon" else t("dis_plot_recon") for k in SEED_METRICS]
    fig = make_subplots(rows=1, cols=len(SEED_METRICS), subplot_titles=titles, horizontal_spacing=0.07)
    for col, key in enumerate(SEED_METRICS, 1):
        line_x, line_y = [], []
        for x, ((name, _), members) in enumerate(grouped.items()):
            kind = family(name)
            values = [r.scores.get(key) for r in members]
            offsets = np.linspace(-SEED_JITTER, SEED_JITTER, len(members)) if len(members) > 1 else [0.0]
            fig.add_trace(go.Scatter(
                x=[x + o for o in offsets], y=values, mode="markers", showlegend=False,
                marker=dict(size=[13 if r.shown else 8 for r in members], color="#3060c0",
                            line=dict(width=[2.5 if r.shown else 0 for r in members], color="#111")),
                customdata=[[r.seed] for r in members],
                hovertemplate=names[x] + ", seed %{customdata[0]}: %{y:.3f}<extra></extra>"), row=1, col=col)
            middle = ladder_median(members, key)
            if kind.beta_ladder:  # the ladder's groups joined by a line along β
                line_x.append(x), line_y.append(middle)
            elif middle is not None:  # a lone group: its median as a short bar
                fig.add_trace(go.Scatter(x=[x - 0.25, x + 0.25], y=[middle, middle], mode="lines", showlegend=False,
                                         line=dict(color="#c03030", width=3), hoverinfo="skip"), row=1, col=col)
        fig.add_trace(go.Scatter(x=line_x, y=line_y, mode="lines+markers", showlegend=col == 1,
                                 name=t("dis_seeds_median"), line=dict(color="#c03030", width=3),
                                 marker=dict(symbol="line-ew", size=18, line=dict(width=3, color="#c03030")),
                                 hovertemplate=t("dis_seeds_median") + ": %{y:.3f}<extra></extra>"), row=1, col=col)
        fig.update_xaxes(tickvals=list(range(len(names))), ticktext=names, tickangle=-35, row=1, col=col)
        if key != "recon":
            fig.update_yaxes(range=[0, 1.02], row=1, col=col)
    fig.update_yaxes(title_text=t("dis_recon_unit"), row=1, col=len(SEED_METRICS))
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.08, x=1, xanchor="right"))
    return fig


@st.cache_data(show_spinner=False, max_entries=4)
def _ladder_file(path: str, stamp: float) -> tuple[list[LadderRun], dict]:
    return ladder_study.read(path), ladder_study.read_meta(path)


def shipped_ladder() -> tuple[list[LadderRun], dict]:
    """The seeds study that ships in assets/ladder.json (every run's scores), and its protocol and CPU-hours."""
    path = ASSETS_DIR / ladder_study.LADDER_NAME
    return _ladder_file(str(path), path.stat().st_mtime if path.is_file() else 0.0)


def ladder_sentences(runs: list[LadderRun], meta: dict) -> list[str]:
    """What the page says about the seeds, each sentence from vae.metrics.disentanglement.ladder.claims (the numbers tests check)."""
    said = ladder_study.claims(runs)
    lines = []
    if said.shape_area is not None:  # a file from before it was kept says nothing of the pictures
        lines.append(t(f"dis_seeds_area_{said.shape_area}", ratio=max(UNIT_AREAS) / min(UNIT_AREAS)))

    def listed(medians: dict[float, float]) -> str:
        return t("list_separator").join(t("dis_seeds_at", beta=f"{b:g}", value=v) for b, v in medians.items())

    if said.rises:
        first, peak = f"{said.first_beta:g}", f"{said.peak_beta:g}"
        lines.append(t("dis_seeds_rises", medians=series([said.medians[b] for b in said.rise], 2), first=first,
                       peak=peak, peak_mig=said.peak_median, gain=said.peak_gain))
        if said.falls_back:
            lines.append(t("dis_seeds_falls", peak=peak, past=listed(said.past)))
    else:
        lines.append(t("dis_seeds_flat", medians=listed(said.medians)))
    if said.weak_median is not None and said.best_unsupervised is not None:
        key = "dis_weak_beats" if said.weak_beats_unsupervised else "dis_weak_behind"
        pairs = t("dis_weak_pairs_one" if said.weak_pair_changes == 1 else "dis_weak_pairs_some")
        lines.append(t(key, pairs=pairs, weak=said.weak_median, best=said.best_unsupervised))
        if said.weak_steps and said.unsupervised_steps and said.weak_steps != said.unsupervised_steps:
            lines.append(t("dis_weak_steps", weak=said.weak_steps, others=said.unsupervised_steps,
                           ratio=round(said.weak_steps / said.unsupervised_steps, 1)))
    if meta.get("cpu_hours"):
        lines.append(t("dis_seeds_cost", n=len(runs), hours=meta["cpu_hours"]))
    return lines


SHAPE_ROW_FACTORS = [[shape, 5, 0, 16, 16] for shape in range(3)]  # each shape at its largest, upright, centred
SHAPE_ROW_PIXELS = 128  # each picture drawn this wide whatever the model's size: 32 px at 4×, 64 px at 2×


@st.cache_data(show_spinner=False, max_entries=16)
def shape_row(entry: ModelEntry) -> bytes:
    """The square, the ellipse and the heart (top) and what the model draws back (bottom): one PNG."""
    from PIL import Image

    from vae.data.shapes import render_shapes

    model = model_for(entry)
    size = entry.model.image_shape[-1]
    pictures = render_shapes(torch.tensor(SHAPE_ROW_FACTORS), size, area=entry.train.shape_area)
    with torch.no_grad():
        recons = model.reconstruct(pictures.to(model.device)).float().cpu()
    return png_bytes(Image.fromarray(mosaic(torch.stack([pictures, recons]), max(1, SHAPE_ROW_PIXELS // size))))
