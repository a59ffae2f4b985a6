"""The anomaly page's data: picture sets and the background run (cached, shared), precomputed scores, and
scores computed in cached pieces so a progress bar can follow the first computation."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from ui.catalog import ModelEntry, list_models, openable
from ui.i18n import t
from ui.loaders import cached_model, data_for
from vae.metrics.anomaly.scores import ScoreSettings, decoder_passes, pca_scores, score_images
from vae.metrics.anomaly.sets import AnomalyTask, PictureSet, find_background, needed_rows, other_set
from vae.precompute.anomaly_scores import STORE_NAME, load_scores

CHUNK = 1000  # pictures per cached piece (a multiple of the batch size): the bar moves once per piece
TIME_BUDGET_S = 30.0  # a first look should not take longer; the picker scores more on request


def own_test_set(entry: ModelEntry) -> PictureSet:
    """The model's own test split as a picture set (shares data_for's cached tensors)."""
    data = data_for(entry, "test")
    return PictureSet("test", data.images, data.labels, tuple(entry.class_names) or data.info.class_names,
                      entry.dataset)


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_other_set(name: str, root: str | None, image_shape: tuple) -> PictureSet:
    """Another dataset's test pictures at a model's input shape (shared; never mutate)."""
    return other_set(name, image_shape, root)


@st.cache_data(show_spinner=False, max_entries=64, ttl=60)
def background_path(entry: ModelEntry) -> str | None:
    """The run the likelihood ratio compares against: a pixel-noise run on the same pictures among the
    models the app offers (rechecked each minute, so a background trained meanwhile appears)."""
    found = find_background(entry.path, [m.path for m in openable(list_models())])
    return None if found is None else str(found)


def background_for(entry: ModelEntry):
    """(background model, its folder) or (None, None)."""
    path = background_path(entry)
    if path is None:
        return None, None
    background = next((m for m in openable(list_models()) if m.path == path), None)
    return (None, None) if background is None else (cached_model(background), path)


@st.cache_data(show_spinner=False, max_entries=32)
def _stored_scores(entry: ModelEntry, file_stamp: float, background: str | None, settings: ScoreSettings) -> dict:
    return load_scores(entry.path, settings, background)


def stored_scores(entry: ModelEntry, background: str | None, settings: ScoreSettings) -> dict:
    """The run's precomputed scores valid for these settings: {(set key, score): (N,) float64}; read again
    when the file changes."""
    file = Path(entry.path) / STORE_NAME
    file_stamp = file.stat().st_mtime if file.is_file() else 0.0
    return _stored_scores(entry, file_stamp, background, settings)


@st.cache_resource(show_spinner=False, max_entries=16)
def seconds_per_pass(entry: ModelEntry, _model) -> float:
    """Measured seconds of one encoder + decoder pass per picture, for time estimates (median of 3)."""
    x = torch.rand(250, *_model.config.image_shape, device=_model.device)
    y = torch.zeros(250, dtype=torch.long, device=_model.device) if _model.num_classes else None
    times = []
    with torch.no_grad():
        for _ in range(3):
            start = time.perf_counter()
            code, _ = _model.encode(x, y)
            _model.decode_params(code, y)
            times.append(time.perf_counter() - start)
    return float(np.median(times)) / 250 / 2


def estimated_seconds(entry: ModelEntry, model, score: str, settings: ScoreSettings, classes, pictures: int) -> float:
    return seconds_per_pass(entry, model) * decoder_passes(model, score, settings, classes) * pictures


@st.cache_data(show_spinner=False, max_entries=1024)
def _piece(entry: ModelEntry, set_key: str, rows_key: str, score: str, settings: ScoreSettings, classes: tuple,
           background: str | None, start: int, _model, _background, _images) -> np.ndarray:
    # first_index=start: the same picture gets the same draws whichever piece it is scored in.
    return score_images(_model, _images, score, classes=classes, settings=settings,
                        background=_background, first_index=start).numpy()


def task_scores(entry: ModelEntry, model, task: AnomalyTask, score: str, settings: ScoreSettings, classes: tuple,
                background=None, background_dir: str | None = None, stored: dict | None = None) -> np.ndarray:
    """(N + M,) scores of a task's pictures in its order: stored whole sets where the run ships them,
    the rest computed in cached pieces with a progress bar."""
    from vae.metrics.anomaly.sets import assemble

    needs = needed_rows(task)
    todo = [(p, rows) for p, rows in needs if (p.key, score) not in (stored or {})]
    total, done = sum(len(rows) for _, rows in todo), 0
    bar = st.empty()
    scored = {}
    for pictures, rows in needs:
        full = (stored or {}).get((pictures.key, score))
        if full is not None and len(full) == len(pictures):
            scored[pictures.key] = (torch.arange(len(pictures)), full)
            continue
        rows_key = rows_digest(rows)
        images = pictures.images[rows]
        parts = []
        for start in range(0, len(rows), CHUNK):
            bar.progress(done / max(total, 1), text=t("anom_scoring", done=f"{done:,}", total=f"{total:,}"))
            parts.append(_piece(entry, pictures.key, rows_key, score, settings, classes, background_dir, start,
                                model, background, images[start:start + CHUNK]))
            done += len(parts[-1])
        scored[pictures.key] = (rows, torch.from_numpy(np.concatenate(parts)))
    bar.empty()
    return assemble(task, scored).numpy()


@st.cache_data(show_spinner=False, max_entries=32)
def baseline_scores(entry: ModelEntry, task_key: str, rows_key: str, components: int, _train: torch.Tensor,
                    _images: torch.Tensor) -> np.ndarray:
    """PCA-reconstruction scores of a task's pictures, PCA fitted on the model's training split."""
    return pca_scores(_train, _images, components).numpy()


def rows_digest(rows: torch.Tensor) -> str:
    """A cache key for a choice of rows (10,000 rows hash in microseconds)."""
    return hashlib.sha256(rows.numpy().tobytes()).hexdigest()[:16]

