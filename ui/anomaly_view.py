"""The anomaly page's pieces: cached scores (in chunks, so a progress bar can follow the first
computation), the PCA baseline, and the plotly figures (score histograms, ROC curves)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from ui.i18n import t
from vae.anomaly import RocCurve, ScoreSettings, pca_scores, score_images

CHUNK = 1000  # test images per cached piece: the progress bar moves once per piece
NORMAL_COLOUR, HELDOUT_COLOUR, PCA_COLOUR = "#1f77b4", "#d62728", "#7f7f7f"
FALSE_ALARM_START = 0.05  # the threshold starts where 5 % of known images are flagged


@st.cache_data(show_spinner=False, max_entries=512)
def _chunk_scores(path: str, stamp: float, score: str, k: int, start: int, classes: tuple, _model,
                  _images: torch.Tensor) -> np.ndarray:
    # Each piece seeds its own draws with its offset: the same piece always gets the same scores.
    settings = ScoreSettings(k=k, seed=start)
    return score_images(_model, _images, score, classes=classes, settings=settings).numpy()


def test_scores(entry, model, images: torch.Tensor, score: str, k: int, classes: tuple) -> np.ndarray:
    """(N,) scores of the test images, computed once per (model, score, k); a bar shows the first run."""
    bar = st.empty()
    total = len(images)
    parts = []
    for start in range(0, total, CHUNK):
        bar.progress(start / max(total, 1), text=t("anom_scoring", done=start, total=total))
        parts.append(_chunk_scores(entry.path, entry.stamp, score, k, start, classes, model,
                                   images[start:start + CHUNK]))
    bar.empty()
    return np.concatenate(parts) if parts else np.zeros(0)


@st.cache_data(show_spinner=False, max_entries=32)
def baseline_scores(path: str, stamp: float, components: int, _train: torch.Tensor, _test: torch.Tensor) -> np.ndarray:
    """PCA-reconstruction scores of the test images, PCA fitted on the model's training split."""
    return pca_scores(_train, _test, components).numpy()


def start_threshold(scores: np.ndarray, is_anomaly: np.ndarray) -> float:
    return float(np.quantile(scores[~is_anomaly], 1 - FALSE_ALARM_START))


def histogram_figure(scores: np.ndarray, is_anomaly: np.ndarray, held_out: str, threshold: float,
                     score_label: str) -> go.Figure:
    """Overlaid histograms of known vs held-out scores, each normalized to 100 %, and the threshold."""
    low, high = np.quantile(scores, [0.0, 0.995])  # a few extreme scores would squeeze the rest into one bar
    bins = dict(start=float(low), end=float(max(high, threshold)), size=float(max(high - low, 1e-9) / 60))
    shown = np.clip(scores, None, bins["end"] - bins["size"] / 2)  # the far tail piles into the last bar rather than vanish
    figure = go.Figure()
    for mask, name, colour in ((~is_anomaly, t("anom_normal"), NORMAL_COLOUR),
                               (is_anomaly, t("anom_heldout", name=held_out), HELDOUT_COLOUR)):
        figure.add_trace(go.Histogram(x=shown[mask], name=name, histnorm="percent", xbins=bins,
                                      marker_color=colour, opacity=0.6))
    figure.add_vline(x=threshold, line_dash="dash", line_color="black", line_width=2)
    figure.update_layout(barmode="overlay", xaxis_title=score_label, yaxis_title=t("anom_share"), height=380,
                         margin=dict(l=10, r=10, t=30, b=10), legend=dict(x=0.99, xanchor="right", y=0.99),
                         font=dict(size=16))
    return figure


def roc_figure(ours: RocCurve, baseline: RocCurve, ours_label: str, components: int,
               point: tuple[float, float]) -> go.Figure:
    """ROC of our score and the PCA baseline on one square chart, AUROCs in the legend, our operating point."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=t("anom_roc_chance"),
                                line=dict(color="lightgray", dash="dot")))
    figure.add_trace(go.Scatter(x=baseline.fpr, y=baseline.tpr, mode="lines", line=dict(color=PCA_COLOUR, width=3),
                                name=t("anom_roc_pca", n=components, auroc=baseline.auroc)))
    figure.add_trace(go.Scatter(x=ours.fpr, y=ours.tpr, mode="lines", line=dict(color=HELDOUT_COLOUR, width=3),
                                name=t("anom_roc_ours", score=ours_label, auroc=ours.auroc)))
    figure.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=t("anom_roc_point"),
                                marker=dict(color="black", size=14, symbol="x")))
    figure.update_layout(xaxis=dict(title=t("anom_fpr"), range=[0, 1], constrain="domain"),
                         yaxis=dict(title=t("anom_tpr"), range=[0, 1.02], scaleanchor="x", scaleratio=1),
                         height=520, margin=dict(l=10, r=10, t=30, b=10), font=dict(size=16),
                         legend=dict(x=0.99, xanchor="right", y=0.02, yanchor="bottom"))
    return figure
