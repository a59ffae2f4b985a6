"""Anomaly detection: a model scores pictures it never saw, either a class held out of its training or another
dataset entirely; histograms (the raw likelihood beside a correction), the ROC against a PCA baseline, a
threshold with its precision / recall, and the most and least anomalous pictures."""

import io

import numpy as np
import streamlit as st
import torch

from ui.parts.anomaly_data import (TIME_BUDGET_S, background_for, baseline_scores, cached_other_set, estimated_seconds,
                             own_test_set, rows_digest, stored_scores, task_scores)
from ui.parts.anomaly import histogram_figure, roc_figure, start_threshold
from ui import url_state
from ui.teaching import present
from ui.catalog import ModelEntry
from ui.i18n import t
from ui.images import png_bytes, to_pil
from ui.loaders import data_for
from ui.names import class_label
from ui.page import open_page
from ui.sidebar import suggest_models
from vae.metrics.anomaly.scores import (CORRECTED_SCORES, AnomalyError, ScoreSettings, available_scores, extremes, roc,
                         threshold_metrics)
from vae.metrics.anomaly.sets import AnomalyTask, dataset_task, held_out_task, uploaded_set
from vae.config import ConfigError
from vae.data import DATASET_NAMES, DatasetUnavailable, list_datasets

MODES = ("held_out", "dataset")
K_CHOICES = (10, 50, 100, 200, 500)
STEP_CHOICES = (5, 10, 20, 50, 100)
SUBSETS = (250, 500, 1000, 2000, 5000, 10_000)
GALLERY, GALLERY_COLUMNS = 10, 5
# `scripts/make_assets.sh` trains the background runs; the CLI says the same in its error.
BACKGROUND_HINT = "python -m vae train ... --pixel-noise 0.2 --run-dir runs/<name>-background"


def default_score(model, mode: str) -> str:
    """Held out: the raw −ELBO (the first thing to try); another dataset: the likelihood regret, the
    correction that held up against both simpler and busier pictures in benchmarks/anomaly_quality.py."""
    options = available_scores(model)
    wanted = "neg_elbo" if mode == "held_out" else "regret"
    return wanted if wanted in options else options[-1]


def _reset_on_change(entry: ModelEntry, model, mode: str) -> None:
    """Choices that depend on the model or the mode start over when either changes."""
    if st.session_state.get("anom_model") == (entry, mode):
        return
    st.session_state["anom_model"] = (entry, mode)
    st.session_state["anom_score"] = default_score(model, mode)
    for key in ("anom_pca_components", "anom_threshold", "anom_subset"):
        st.session_state.pop(key, None)


def pick_anomalies(entry: ModelEntry, model) -> AnomalyTask | None:
    """Another dataset as anomalies: the picker (and uploader); the task, or None with a message shown."""
    present = {s.name: s.available for s in list_datasets()}
    options = [n for n in DATASET_NAMES if n != entry.dataset or n == "folder"]
    if st.session_state.get("anom_dataset") not in options:
        st.session_state["anom_dataset"] = "shapes" if "shapes" in options else options[0]
    name = st.selectbox(t("anom_dataset"), options, key="anom_dataset", help=t("anom_dataset_help"),
                        format_func=lambda n: t(f"anom_dataset_{n}") + ("" if present.get(n) or n == "folder"
                                                                         else t("anom_missing_suffix")))
    shape = tuple(model.config.image_shape)
    test = own_test_set(entry)
    if name == "folder":
        files = st.file_uploader(t("anom_upload"), type=["png", "jpg", "jpeg"], accept_multiple_files="directory",
                                 key="anom_upload", help=t("anom_upload_help"))
        if not files:
            st.info(t("anom_upload_prompt", size=f"{shape[2]}×{shape[1]}"))
            return None
        try:
            other, skipped = uploaded_set([(f.name, f.getvalue()) for f in files], shape)
        except ConfigError as error:
            st.warning(t("anom_score_error", message=error))
            return None
        if skipped:
            st.caption(t("anom_upload_skipped", n=skipped))
    else:
        try:
            other = cached_other_set(name, None, shape)
        except DatasetUnavailable as error:
            st.warning(t("data_missing", message=error))
            return None
    return dataset_task(test, entry.train.exclude_classes, other)


def controls(entry: ModelEntry, model, max_components: int, has_background: bool,
             more=None) -> tuple[str, ScoreSettings, int]:
    """Score on its own row; then IWAE k, regret steps and PCA components (more: the page's folded settings)."""
    options = [s for s in available_scores(model) if s != "ratio" or has_background]
    if st.session_state.get("anom_score") not in options:
        st.session_state["anom_score"] = options[0]
    url_state.restore("score", "anom_score", url_state.choice({s: s for s in options}))
    with present.advanced(more):
        score = st.segmented_control(t("anom_score"), options, format_func=lambda s: t(f"anom_score_{s}"),
                                     key="anom_score", required=True,
                                     help=t("anom_score_help", samples=ScoreSettings.samples))
    url_state.keep("score", score)
    with present.advanced(more):
        k_box, steps_box, pca_box = st.columns(3, vertical_alignment="bottom")
    k = k_box.select_slider(t("anom_k"), K_CHOICES, value=ScoreSettings.k, key="anom_k", help=t("anom_k_help"),
                            disabled=score != "iwae")
    steps = steps_box.select_slider(t("anom_steps"), STEP_CHOICES, value=ScoreSettings.regret_steps, key="anom_steps",
                                    help=t("anom_steps_help"), disabled=score != "regret")
    components = pca_box.number_input(t("anom_pca_components"), 1, max_components,
                                      min(entry.latent_dim, max_components), key="anom_pca_components",
                                      help=t("anom_pca_help"))
    if not model.config.kind.posterior:
        st.caption(t("anom_vq_note"))
    elif model.num_classes:
        st.caption(t("anom_cvae_note"))
    if model.config.kind.posterior and not has_background:
        st.caption(t("anom_no_background", command=BACKGROUND_HINT))
    return score, ScoreSettings(k=int(k), regret_steps=int(steps)), int(components)


def choose_subset(entry: ModelEntry, model, task: AnomalyTask, score: str, settings: ScoreSettings, classes: tuple,
                  stored: dict) -> AnomalyTask:
    """Score everything when it is stored or quick; otherwise a seeded random subset that fits the time budget,
    with a picker to score more."""
    if all((p.key, score) in stored for p in (task.normal, task.anomalous)):
        st.caption(t("anom_stored_note"))
        return task
    largest = max(len(task.normal_rows), len(task.anomalous_rows))
    total = len(task.normal_rows) + len(task.anomalous_rows)
    seconds = estimated_seconds(entry, model, score, settings, classes, total)
    choices = [n for n in SUBSETS if n < largest] + [largest]
    if seconds <= TIME_BUDGET_S and "anom_subset" not in st.session_state:
        return task
    if st.session_state.get("anom_subset") not in choices:
        fits = [n for n in choices if seconds * min(n, largest) / largest <= TIME_BUDGET_S]
        st.session_state["anom_subset"] = fits[-1] if fits else choices[0]
    most = st.select_slider(t("anom_subset"), choices, key="anom_subset",
                            format_func=lambda n: t("anom_subset_all") if n == largest else f"{n:,}",
                            help=t("anom_subset_help", total=f"{total:,}", seconds=f"{seconds:.0f}"))
    picked = task.sample(most)
    if most < largest:
        st.caption(t("anom_subset_note", normal=f"{len(picked.normal_rows):,}",
                     anomalous=f"{len(picked.anomalous_rows):,}", seconds=f"{seconds:.0f}"))
    return picked


def threshold_slider(scores: np.ndarray, is_anomaly: np.ndarray, key: tuple) -> float:
    low, high = float(scores.min()), float(scores.max())
    if st.session_state.get("anom_threshold_for") != key or not (
            low <= st.session_state.get("anom_threshold", low - 1) <= high):
        st.session_state["anom_threshold_for"] = key
        st.session_state["anom_threshold"] = min(max(start_threshold(scores, is_anomaly), low), high)
    url_state.restore("threshold", "anom_threshold", url_state.number(low, high))
    threshold = st.slider(t("anom_threshold"), low, max(high, low + 1e-6), step=max(high - low, 1e-6) / 500,
                          format="%.1f", key="anom_threshold", help=t("anom_threshold_help"))
    url_state.keep("threshold", threshold, text=lambda v: f"{v:.6g}")
    return threshold


def draw_threshold(scores: np.ndarray, is_anomaly: np.ndarray, threshold: float, mode: str) -> tuple[float, float]:
    """Precision, recall, false alarms and the confusion counts; returns the (fpr, tpr) point."""
    m = threshold_metrics(scores, is_anomaly, threshold)
    as_percent = lambda v: "–" if np.isnan(v) else f"{v:.0%}"  # noqa: E731
    columns = st.columns(3)
    columns[0].metric(t("anom_precision"), as_percent(m.precision), help=t("anom_precision_help"))
    columns[1].metric(t("anom_recall"), as_percent(m.recall), help=t("anom_recall_help"))
    columns[2].metric(t("anom_false_alarms"), as_percent(m.false_positive_rate), help=t("anom_false_alarms_help"))
    st.markdown(t("anom_confusion" if mode == "held_out" else "anom_confusion_dataset", tp=m.tp, fp=m.fp, tn=m.tn,
                  fn=m.fn))
    return m.false_positive_rate, m.recall


def draw_verdict(mode: str, raw_auroc: float, ours_auroc: float, baseline_auroc: float, score: str,
                 anomaly_name: str) -> None:
    """One paragraph in plain words: does the raw likelihood fail here, and does the chosen score fix it?"""
    if score in CORRECTED_SCORES:
        kind = "fails" if raw_auroc < 0.5 else "weak" if raw_auroc < 0.9 else "ok"
        st.info(t(f"anom_verdict_{kind}", raw=raw_auroc, ours=ours_auroc, score=t(f"anom_score_{score}"),
                  other=anomaly_name))
    elif ours_auroc < 0.5:
        st.info(t("anom_below_chance") + (" " + t("anom_try_corrections") if mode == "dataset" else ""))
    elif ours_auroc < baseline_auroc:
        st.info(t("anom_baseline_wins"))


def draw_gallery(task: AnomalyTask, scores: np.ndarray, captions: list[str], mode: str) -> None:
    st.header(t("anom_gallery_header"))
    st.caption(t("anom_gallery_help"))
    images, flags = task.images, task.is_anomaly
    picked = extremes(torch.from_numpy(scores), GALLERY)
    tag = "anom_caption_heldout" if mode == "held_out" else "anom_caption_anomaly"
    for which, title in (("most", t("anom_most")), ("least", t("anom_least"))):
        st.subheader(title)
        columns = st.columns(GALLERY_COLUMNS)
        for n, i in enumerate(picked[which].tolist()):
            key = tag if flags[i] else "anom_caption"
            columns[n % GALLERY_COLUMNS].image(png_bytes(to_pil(images[i], size=256)), output_format="PNG",
                                               width="stretch", caption=t(key, name=captions[i], score=scores[i]))


def scores_csv(captions: list[str], is_anomaly: np.ndarray, scores: np.ndarray, baseline: np.ndarray) -> bytes:
    buffer = io.StringIO()
    buffer.write("index,class,anomalous,score,pca_score\n")
    for i, (name, flag, score, pca) in enumerate(zip(captions, is_anomaly, scores, baseline)):
        buffer.write(f"{i},\"{name}\",{int(flag)},{score:.6g},{pca:.6g}\n")
    return buffer.getvalue().encode()


opened = open_page("anom_title", "anom_intro", needs_data=False)
entry, model = opened.entry, opened.model
st.session_state.setdefault("anom_mode", "held_out")
url_state.restore("mode", "anom_mode", url_state.choice({m: m for m in MODES}))
more = present.advanced()  # on a projector the link's mode and score are folded away: the histograms come first
with more:
    mode = st.segmented_control(t("anom_mode"), MODES, format_func=lambda m: t(f"anom_mode_{m}"), key="anom_mode",
                                required=True, help=t("anom_mode_help"))
url_state.keep("mode", mode, default="held_out")
held_out = entry.train.exclude_classes
if mode == "held_out" and not held_out:
    suggest_models(opened.models, lambda m: bool(m.train.exclude_classes), "anom_needs_heldout")
    st.stop()

_reset_on_change(entry, model, mode)
try:
    if mode == "held_out":
        test = own_test_set(entry)
        if test.labels is None:
            st.warning(t("anom_needs_labels"))
            st.stop()
        task = held_out_task(test, held_out)
    else:
        st.markdown(t("anom_dataset_intro"))
        task = pick_anomalies(entry, model)
        if task is None:
            st.stop()
    train_images = data_for(entry, "train").images
except DatasetUnavailable as error:
    st.warning(t("data_missing", message=error))
    st.stop()
except ConfigError:
    st.warning(t("anom_no_heldout_images"))
    st.stop()

labels = task.normal.labels
names = list(entry.class_labels) or [str(c) for c in range(int(labels.max()) + 1 if labels is not None else 0)]
if mode == "held_out":
    anomaly_name = ", ".join(names[c] for c in held_out if c < len(names))
    legend = (t("anom_normal"), t("anom_heldout", name=anomaly_name))
    st.markdown(t("anom_summary", held_out=anomaly_name, normal=f"{len(task.normal_rows):,}",
                  anomalous=f"{len(task.anomalous_rows):,}"))
else:
    source = task.anomalous.source
    anomaly_name = t("anom_yours") if task.anomalous.key.startswith("upload:") else t(f"anom_name_{source}")
    legend = (t("anom_normal_own", name=entry.dataset), t("anom_anomalies", name=anomaly_name))
    shape = model.config.image_shape
    st.markdown(t("anom_summary_dataset", normal=f"{len(task.normal_rows):,}", own=entry.dataset,
                  anomalous=f"{len(task.anomalous_rows):,}", other=anomaly_name, size=f"{shape[2]}×{shape[1]}"))

background, background_dir = background_for(entry)
pixels = int(np.prod(task.normal.images.shape[1:]))
score, settings, components = controls(entry, model, min(pixels, len(train_images)), background is not None, more)
known = tuple(c for c in range(len(names)) if c not in held_out) if model.num_classes else ()
stored = stored_scores(entry, background_dir, settings)
task = choose_subset(entry, model, task, score, settings, known, stored)
is_anomaly = task.is_anomaly.numpy()
scores = task_scores(entry, model, task, score, settings, known, background, background_dir, stored)
raw_score = model.config.kind.likelihood_score  # the likelihood before any correction
raw = task_scores(entry, model, task, raw_score, settings, known, stored=stored) if score in CORRECTED_SCORES else None
rows_key = rows_digest(torch.cat([task.normal_rows, task.anomalous_rows]))
baseline = baseline_scores(entry, task.key, rows_key, components, train_images, task.images)
try:
    ours_roc, baseline_roc = roc(scores, is_anomaly), roc(baseline, is_anomaly)
    raw_roc = roc(raw, is_anomaly) if raw is not None else None
except AnomalyError as error:
    st.warning(t("anom_score_error", message=error))
    st.stop()

score_label = t(f"anom_score_{score}")
st.header(t("anom_hist_header") if mode == "held_out" else t("anom_trap_header"))
st.markdown(t("anom_hist_help") if raw is None else t("anom_trap_help"))
threshold = threshold_slider(scores, is_anomaly, (score, settings, task.key, rows_key))
raw_label = t(f"anom_score_{raw_score}")
raw_panel = None if raw is None else (raw, t("anom_raw_panel", score=raw_label, auroc=raw_roc.auroc))
st.plotly_chart(histogram_figure(scores, is_anomaly, legend, threshold,
                                 t("anom_chosen_panel", score=score_label, auroc=ours_roc.auroc) if raw is not None
                                 else t("anom_score_axis", score=score_label), raw_panel),
                width="stretch", key="anom_histogram")
draw_verdict(mode, raw_roc.auroc if raw_roc else ours_roc.auroc, ours_roc.auroc, baseline_roc.auroc, score,
             anomaly_name)
with st.expander(t("anom_fixes_header")):
    st.markdown(t("anom_fixes", steps=settings.regret_steps))
st.header(t("anom_roc_header"))
st.markdown(t("anom_roc_help" if mode == "held_out" else "anom_roc_help_dataset"))
chart, numbers = st.columns([3, 2], gap="large")
with numbers:
    auroc_ours, auroc_pca = st.columns(2)
    auroc_ours.metric(t("anom_auroc_ours"), f"{ours_roc.auroc:.3f}")
    auroc_pca.metric(t("anom_auroc_pca"), f"{baseline_roc.auroc:.3f}")
    point = draw_threshold(scores, is_anomaly, threshold, mode)
axes = (t("anom_fpr"), t("anom_tpr")) if mode == "held_out" else (t("anom_fpr_dataset"), t("anom_tpr_dataset"))
chart.plotly_chart(roc_figure(ours_roc, baseline_roc, score_label, components, point, raw_roc, raw_label, axes),
                   width="stretch", key="anom_roc")
raw_captions = task.captions()  # one per picture (10,000s): translate each distinct name once
translated = {name: class_label(name) for name in set(raw_captions)}
captions = [translated[name] for name in raw_captions]
if task.anomalous.key.startswith("upload:"):
    captions = captions[:len(task.normal_rows)] + [t("anom_yours")] * len(task.anomalous_rows)
st.download_button(t("anom_download_csv"), scores_csv(captions, is_anomaly, scores, baseline),
                   file_name=f"{entry.name}-anomaly-{score}.csv", mime="text/csv", key="anom_download",
                   on_click="ignore")
draw_gallery(task, scores, captions, mode)
