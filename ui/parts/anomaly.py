"""The anomaly page's figures: score histograms (the chosen score, and the raw −ELBO beside a correction)
and ROC curves against the PCA baseline."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.i18n import t
from vae.metrics.anomaly.scores import RocCurve

NORMAL_COLOUR, HELDOUT_COLOUR, PCA_COLOUR, RAW_COLOUR = "#1f77b4", "#d62728", "#7f7f7f", "#ff7f0e"
FALSE_ALARM_START = 0.05  # the threshold starts where 5 % of known images are flagged


def start_threshold(scores: np.ndarray, is_anomaly: np.ndarray) -> float:
    return float(np.quantile(scores[~is_anomaly], 1 - FALSE_ALARM_START))


def _bins(scores: np.ndarray, threshold: float | None) -> dict:
    low, high = np.quantile(scores, [0.0, 0.995])  # a few extreme scores would squeeze the rest into one bar
    end = float(high if threshold is None else max(high, threshold))
    return dict(start=float(low), end=end, size=float(max(end - low, 1e-9) / 60))


def _histograms(figure: go.Figure, scores: np.ndarray, is_anomaly: np.ndarray, names: tuple[str, str],
                threshold: float | None, legend: bool, **where) -> None:
    bins = _bins(scores, threshold)
    shown = np.clip(scores, None, bins["end"] - bins["size"] / 2)  # the far tail piles into the last bar
    for mask, name, colour in ((~is_anomaly, names[0], NORMAL_COLOUR), (is_anomaly, names[1], HELDOUT_COLOUR)):
        figure.add_trace(go.Histogram(x=shown[mask], name=name, histnorm="percent", xbins=bins, marker_color=colour,
                                      opacity=0.6, showlegend=legend, legendgroup=name), **where)


def histogram_figure(scores: np.ndarray, is_anomaly: np.ndarray, names: tuple[str, str], threshold: float,
                     score_label: str, raw: tuple[np.ndarray, str] | None = None) -> go.Figure:
    """Overlaid histograms of normal vs anomalous scores, each normalized to 100 %, and the threshold.
    names: (normal, anomalous) legend entries. raw: (raw −ELBO scores, panel title) drawn on the left,
    the chosen score on the right, so the trap and its correction sit side by side."""
    layout = dict(barmode="overlay", height=400, margin=dict(l=10, r=10, t=40, b=10), font=dict(size=16),
                  legend=dict(orientation="h", x=0.5, xanchor="center", y=-0.22))
    if raw is None:
        figure = go.Figure()
        _histograms(figure, scores, is_anomaly, names, threshold, True)
        figure.add_vline(x=threshold, line_dash="dash", line_color="black", line_width=2)
        figure.update_layout(xaxis_title=score_label, yaxis_title=t("anom_share"), **layout)
        return figure
    figure = make_subplots(rows=1, cols=2, subplot_titles=(raw[1], score_label), horizontal_spacing=0.06)
    _histograms(figure, raw[0], is_anomaly, names, None, True, row=1, col=1)
    _histograms(figure, scores, is_anomaly, names, threshold, False, row=1, col=2)
    figure.add_vline(x=threshold, line_dash="dash", line_color="black", line_width=2, row=1, col=2)
    figure.update_yaxes(title_text=t("anom_share"), row=1, col=1)
    figure.update_xaxes(title_text=t("anom_nats"))
    figure.update_annotations(font_size=17)
    figure.update_layout(**layout)
    return figure


def roc_figure(ours: RocCurve, baseline: RocCurve, ours_label: str, components: int, point: tuple[float, float],
               raw: RocCurve | None = None, raw_label: str = "", axes: tuple[str, str] | None = None) -> go.Figure:
    """ROC of our score and the PCA baseline on one square chart, AUROCs in the legend, our operating point;
    raw: the raw likelihood's curve too (drawn last, dashed), when a correction is chosen; axes: the titles."""
    axes = axes or (t("anom_fpr"), t("anom_tpr"))
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=t("anom_roc_chance"),
                                line=dict(color="lightgray", dash="dot")))
    figure.add_trace(go.Scatter(x=baseline.fpr, y=baseline.tpr, mode="lines", line=dict(color=PCA_COLOUR, width=3),
                                name=t("anom_roc_pca", n=components, auroc=baseline.auroc)))
    figure.add_trace(go.Scatter(x=ours.fpr, y=ours.tpr, mode="lines", line=dict(color=HELDOUT_COLOUR, width=3),
                                name=t("anom_roc_ours", score=ours_label, auroc=ours.auroc)))
    figure.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=t("anom_roc_point"),
                                marker=dict(color="black", size=14, symbol="x")))
    if raw is not None:
        figure.add_trace(go.Scatter(x=raw.fpr, y=raw.tpr, mode="lines",
                                    line=dict(color=RAW_COLOUR, width=3, dash="dash"), name=t("anom_roc_raw", score=raw_label, auroc=raw.auroc)))
    figure.update_layout(xaxis=dict(title=axes[0], range=[0, 1], constrain="domain"),
                         yaxis=dict(title=axes[1], range=[0, 1.02], scaleanchor="x", scaleratio=1),
                         height=520, margin=dict(l=10, r=10, t=30, b=10), font=dict(size=16),
                         legend=dict(x=0.99, xanchor="right", y=0.02, yanchor="bottom"))
    return figure
