"""Anomaly detection: a model trained without one class scores every test picture; histograms, the ROC
against a PCA baseline, a threshold with its precision / recall, and the most and least anomalous pictures."""

import io

import numpy as np
import streamlit as st
import torch

from ui.anomaly_view import baseline_scores, histogram_figure, roc_figure, start_threshold, test_scores
from ui.catalog import ModelEntry, data_for, list_models, model_for
from ui.i18n import t
from ui.images import png_bytes, to_pil
from ui.sidebar import sidebar, suggest_models
from vae.anomaly import AnomalyError, ScoreSettings, available_scores, extremes, heldout_mask, roc, threshold_metrics
from vae.data import DatasetUnavailable

K_CHOICES = (10, 50, 100, 200, 500)
GALLERY, GALLERY_COLUMNS = 10, 5


def held_out_of(entry: ModelEntry) -> tuple[int, ...]:
    return tuple(int(c) for c in entry.train.get("exclude_classes") or ())


def _reset_on_model_change(entry: ModelEntry, model) -> None:
    """Choices that depend on the model start over when another model is picked."""
    if st.session_state.get("anom_model") == entry.path:
        return
    st.session_state["anom_model"] = entry.path
    st.session_state["anom_score"] = available_scores(model)[0]
    st.session_state.pop("anom_pca_components", None)
    st.session_state.pop("anom_threshold", None)


def controls(entry: ModelEntry, model, max_components: int) -> tuple[str, int, int]:
    """Score, IWAE k and PCA components, in one row."""
    options = available_scores(model)
    if st.session_state.get("anom_score") not in options:
        st.session_state["anom_score"] = options[0]
    pick, k_box, pca_box = st.columns([5, 2, 2], vertical_alignment="bottom")
    score = pick.segmented_control(t("anom_score"), options, format_func=lambda s: t(f"anom_score_{s}"),
                                   key="anom_score", required=True,
                                   help=t("anom_score_help", samples=ScoreSettings.samples))
    k = k_box.select_slider(t("anom_k"), K_CHOICES, value=ScoreSettings.k, key="anom_k", help=t("anom_k_help"),
                            disabled=score != "iwae")
    components = pca_box.number_input(t("anom_pca_components"), 1, max_components,
                                      min(entry.latent_dim, max_components), key="anom_pca_components",
                                      help=t("anom_pca_help"))
    if not model.config.is_gaussian_latent:
        st.caption(t("anom_vq_note"))
    elif model.num_classes:
        st.caption(t("anom_cvae_note"))
    return score, int(k), int(components)


def threshold_slider(scores: np.ndarray, is_anomaly: np.ndarray, score: str, k: int) -> float:
    low, high = float(scores.min()), float(scores.max())
    if st.session_state.get("anom_threshold_for") != (score, k) or not (
            low <= st.session_state.get("anom_threshold", low - 1) <= high):
        st.session_state["anom_threshold_for"] = (score, k)
        st.session_state["anom_threshold"] = min(max(start_threshold(scores, is_anomaly), low), high)
    return st.slider(t("anom_threshold"), low, max(high, low + 1e-6), step=max(high - low, 1e-6) / 500,
                     format="%.1f", key="anom_threshold", help=t("anom_threshold_help"))


def draw_threshold(scores: np.ndarray, is_anomaly: np.ndarray, threshold: float) -> tuple[float, float]:
    """Precision, recall, false alarms and the confusion counts; returns the (fpr, tpr) point."""
    m = threshold_metrics(scores, is_anomaly, threshold)
    as_percent = lambda v: "–" if np.isnan(v) else f"{v:.0%}"  # noqa: E731
    columns = st.columns(3)
    columns[0].metric(t("anom_precision"), as_percent(m.precision), help=t("anom_precision_help"))
    columns[1].metric(t("anom_recall"), as_percent(m.recall), help=t("anom_recall_help"))
    columns[2].metric(t("anom_false_alarms"), as_percent(m.false_positive_rate), help=t("anom_false_alarms_help"))
    st.markdown(t("anom_confusion", tp=m.tp, fp=m.fp, tn=m.tn, fn=m.fn))
    return m.false_positive_rate, m.recall


def draw_gallery(images: torch.Tensor, labels: torch.Tensor, scores: np.ndarray, names: list[str],
                 held_out: tuple[int, ...]) -> None:
    st.header(t("anom_gallery_header"))
    st.caption(t("anom_gallery_help"))
    picked = extremes(torch.from_numpy(scores), GALLERY)
    for which, title in (("most", t("anom_most")), ("least", t("anom_least"))):
        st.subheader(title)
        columns = st.columns(GALLERY_COLUMNS)
        for n, i in enumerate(picked[which].tolist()):
            label = int(labels[i])
            key = "anom_caption_heldout" if label in held_out else "anom_caption"
            columns[n % GALLERY_COLUMNS].image(png_bytes(to_pil(images[i], size=256)), output_format="PNG",
                                               width="stretch", caption=t(key, name=names[label], score=scores[i]))


def scores_csv(labels: torch.Tensor, is_anomaly: np.ndarray, scores: np.ndarray, baseline: np.ndarray) -> bytes:
    buffer = io.StringIO()
    buffer.write("index,class,held_out,score,pca_score\n")
    for i, (label, flag, score, pca) in enumerate(zip(labels.tolist(), is_anomaly, scores, baseline)):
        buffer.write(f"{i},{label},{int(flag)},{score:.6g},{pca:.6g}\n")
    return buffer.getvalue().encode()


entry = sidebar()
st.title(t("anom_title"))
st.markdown(t("anom_intro"))
if entry is None:
    st.stop()
held_out = held_out_of(entry)
if not held_out:
    suggest_models(list_models(), lambda m: bool(held_out_of(m)), "anom_needs_heldout")
    st.stop()

model = model_for(entry)
try:
    test, train = data_for(entry, "test"), data_for(entry, "train")
except DatasetUnavailable as error:
    st.warning(t("data_missing", message=error))
    st.stop()
if test.labels is None:
    st.warning(t("anom_needs_labels"))
    st.stop()
is_anomaly = heldout_mask(test.labels, held_out).numpy()
if not is_anomaly.any():
    st.warning(t("anom_no_heldout_images"))
    st.stop()
names = list(entry.class_names) or [str(c) for c in range(int(test.labels.max()) + 1)]
held_out_names = ", ".join(names[c] for c in held_out)
st.markdown(t("anom_summary", held_out=held_out_names, normal=f"{int((~is_anomaly).sum()):,}",
              anomalous=f"{int(is_anomaly.sum()):,}"))

_reset_on_model_change(entry, model)
pixels = int(np.prod(test.images.shape[1:]))
score, k, components = controls(entry, model, min(pixels, len(train)))
known = tuple(c for c in range(len(names)) if c not in held_out) if model.num_classes else ()
scores = test_scores(entry, model, test.images, score, k if score == "iwae" else ScoreSettings.k, known)
baseline = baseline_scores(entry.path, entry.stamp, components, train.images, test.images)
try:
    ours_roc, baseline_roc = roc(scores, is_anomaly), roc(baseline, is_anomaly)
except AnomalyError as error:
    st.warning(t("anom_score_error", message=error))
    st.stop()

score_label = t(f"anom_score_{score}")
st.header(t("anom_hist_header"))
st.markdown(t("anom_hist_help"))
threshold = threshold_slider(scores, is_anomaly, score, k)
st.plotly_chart(histogram_figure(scores, is_anomaly, held_out_names, threshold,
                                 t("anom_score_axis", score=score_label)), width="stretch", key="anom_histogram")
st.header(t("anom_roc_header"))
st.markdown(t("anom_roc_help"))
chart, numbers = st.columns([3, 2], gap="large")
with numbers:
    auroc_ours, auroc_pca = st.columns(2)
    auroc_ours.metric(t("anom_auroc_ours"), f"{ours_roc.auroc:.3f}")
    auroc_pca.metric(t("anom_auroc_pca"), f"{baseline_roc.auroc:.3f}")
    point = draw_threshold(scores, is_anomaly, threshold)
if ours_roc.auroc < 0.5:
    numbers.info(t("anom_below_chance"))
elif ours_roc.auroc < baseline_roc.auroc:
    numbers.info(t("anom_baseline_wins"))
chart.plotly_chart(roc_figure(ours_roc, baseline_roc, score_label, components, point), width="stretch",
                   key="anom_roc")
st.download_button(t("anom_download_csv"), scores_csv(test.labels, is_anomaly, scores, baseline),
                   file_name=f"{entry.name}-anomaly-{score}.csv", mime="text/csv", key="anom_download",
                   on_click="ignore")
draw_gallery(test.images, test.labels, scores, names, held_out)
