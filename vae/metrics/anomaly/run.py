"""Anomaly scores of a saved run, for the command line (`python -m vae anomaly`) and the asset script:
the AUROC of each score on a task, and the precomputed scores shipped in the run folder."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from vae.metrics.anomaly.scores import SCORES, AnomalyError, ScoreSettings, available_scores, roc, score_images
from vae.metrics.anomaly.sets import (AnomalyTask, PictureSet, dataset_task, find_background, held_out_classes, held_out_task,
                              other_set, own_test_set, score_task)
from vae.precompute.anomaly_scores import load_scores, save_scores
from vae.training.checkpoint import load_model
from vae.config import ConfigError, TrainConfig
from vae.data import DATASET_NAMES, DatasetUnavailable, list_datasets
from vae.training.runs import read_run


@dataclass(frozen=True)
class ScoredRun:
    path: Path
    model: torch.nn.Module
    train: TrainConfig
    held_out: tuple[int, ...]
    classes: tuple[int, ...]  # a CVAE's training classes (scored without labels); () otherwise
    class_names: tuple[str, ...]
    background: torch.nn.Module | None  # the ratio's background model, None when there is none
    background_dir: Path | None

    def scores(self) -> tuple[str, ...]:
        """The scores this run can give: ratio only with a background model."""
        return tuple(s for s in available_scores(self.model) if s != "ratio" or self.background is not None)

    def options(self, settings: ScoreSettings) -> dict:
        return dict(classes=self.classes, settings=settings, background=self.background)


def open_run(run_dir: str | Path, device="cpu", background: str | Path | None = None) -> ScoredRun:
    """A run and, if one fits, its background model (the given folder, or one found beside the run)."""
    run = read_run(run_dir)
    if run is None or "model" not in run.config:
        raise ConfigError(f"{run_dir} holds no run (no config.json): give a run directory")
    if run.problem or run.model is None:  # checked by read_run; nothing below trusts config.json unchecked
        raise ConfigError(f"{run_dir} is damaged: {run.problem or 'it has not been trained yet'}")
    model = load_model(run_dir, device).eval()
    train = run.train
    held_out = held_out_classes(run.config["train"])
    names = run.class_names
    classes = tuple(c for c in range(model.num_classes) if c not in held_out)
    background_dir = Path(background) if background else find_background(run_dir)
    background_model = None
    if background_dir is not None:
        other = read_run(background_dir)
        if other is None:
            raise ConfigError(f"{background_dir} holds no run: give the background model's run directory")
        background_model = load_model(background_dir, device).eval()
    return ScoredRun(Path(run_dir), model, train, held_out, classes, names, background_model, background_dir)


def task_for(run: ScoredRun, anomalies: str | None, root: str | None = None) -> AnomalyTask:
    """The held-out classes of the run's test split (anomalies None) or another dataset as anomalies."""
    test = own_test_set(run.train, run.class_names)
    if anomalies is None:
        if not run.held_out:
            raise ConfigError(f"{run.path} was trained on every class, so nothing is held out: pass "
                              f"--anomalies DATASET ({', '.join(DATASET_NAMES)})")
        return held_out_task(test, run.held_out)
    return dataset_task(test, run.held_out, other_set(anomalies, run.model.config.image_shape, root))


def parse_scores(text: str, run: ScoredRun) -> tuple[str, ...]:
    """'all' or one score name -> the scores to compute; an unknown or unusable one raises with advice."""
    if text == "all":
        return run.scores()
    if text not in SCORES:
        raise AnomalyError(f"unknown score '{text}': choose one of {', '.join(SCORES)} or all")
    if text == "ratio" and run.background is None:
        raise AnomalyError(f"no background model for {run.path}: train one on the same data with "
                           f"`python -m vae train ... --pixel-noise 0.2 --run-dir {run.path}-background` "
                           "or pass --background DIR")
    if text not in available_scores(run.model):
        raise AnomalyError(f"score '{text}' is not defined for a {run.model.config.family} model: choose one of "
                           f"{', '.join(available_scores(run.model))}")
    return (text,)


def aurocs(run: ScoredRun, task: AnomalyTask, scores, settings: ScoreSettings,
           progress: Callable[[str, int, int], None] | None = None) -> list[dict]:
    """One row per score: {score, auroc, n_normal, n_anomalous, seconds}; whole sets the run ships
    precomputed (for these settings) are not scored again."""
    flags = task.is_anomaly.numpy()
    stored = load_scores(run.path, settings, run.background_dir)
    rows = []
    for score in scores:
        start = time.perf_counter()
        report = None if progress is None else (lambda done, total, s=score: progress(s, done, total))
        values = score_task(run.model, task, score, stored=stored, progress=report, **run.options(settings)).numpy()
        rows.append({"score": score, "auroc": roc(values, flags).auroc, "n_normal": len(task.normal_rows),
                     "n_anomalous": len(task.anomalous_rows), "seconds": time.perf_counter() - start})
    return rows


def precompute_sets(run: ScoredRun, root: str | None = None) -> list[PictureSet]:
    """The picture sets the anomaly page offers for a run: its own test split and every other dataset
    present here (not a folder: which one is the user's choice)."""
    sets = [own_test_set(run.train, run.class_names)]
    for status in list_datasets(root):
        if status.available and status.name not in ("folder", run.train.dataset):
            try:
                sets.append(other_set(status.name, run.model.config.image_shape, root))
            except DatasetUnavailable:
                continue
    return sets


def precompute(run: ScoredRun, settings: ScoreSettings = ScoreSettings(), root: str | None = None,
               log: Callable[[str], None] = print, scores: tuple[str, ...] | None = None,
               datasets: tuple[str, ...] | None = None) -> Path:
    """Score every set of `precompute_sets` (or the own test split and `datasets` only) with every score (or
    `scores`) and save them in the run folder, beside the scores it already holds for these settings: a long
    precomputation can be done in stages, the page's opening view first."""
    stored = load_scores(run.path, settings, run.background_dir)
    for pictures in precompute_sets(run, root):
        if datasets is not None and pictures.key != "test" and pictures.key.removeprefix("dataset:") not in datasets:
            continue
        for score in scores or run.scores():
            if (pictures.key, score) in stored:
                continue
            start = time.perf_counter()
            stored[(pictures.key, score)] = score_images(run.model, pictures.images, score, **run.options(settings))
            log(f"  {pictures.key} ({len(pictures):,} pictures): {score} {time.perf_counter() - start:.1f} s")
    return save_scores(run.path, stored, settings, run.background_dir)
