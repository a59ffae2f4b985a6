"""What an anomaly score is judged on: a model's own test pictures against its held-out classes, or
against another dataset's test pictures resized to the model's input ("near" and "far" anomalies,
Nalisnick et al. 2019); and which run is the background model of the likelihood ratio (Ren et al. 2019).

A `PictureSet` is one whole set of pictures (scored once, cached, shipped precomputed); an `AnomalyTask`
picks rows of two sets: the normal pictures and the anomalous ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import torch

from vae.metrics.anomaly.scores import score_images
from vae.config import ConfigError, ModelConfig, TrainConfig
from vae.data import DATASET_NAMES, load_dataset, load_split
from vae.training.runs import read_run

TEST_SET = "test"  # the key of the model's own test split
HELD_OUT = "held_out"  # the task: held-out classes of the model's own test split
# What decides that two runs read the same pictures: a background model must match the model on these.
SAME_DATA = ("dataset", "data_root", "image_size", "channels", "exclude_classes")


@dataclass(frozen=True)
class PictureSet:
    key: str  # "test" (the model's own test split), "dataset:<name>" or "folder:<path>"
    images: torch.Tensor  # (N, C, H, W) in [0, 1], at the model's input size
    labels: torch.Tensor | None  # (N,) class indices into class_names, or None
    class_names: tuple[str, ...]
    source: str  # registry name of the dataset

    def __len__(self) -> int:
        return int(self.images.shape[0])


@dataclass(frozen=True)
class AnomalyTask:
    key: str  # "held_out" or the anomalous set's key
    normal: PictureSet
    normal_rows: torch.Tensor  # (N,) int64 rows of `normal`
    anomalous: PictureSet
    anomalous_rows: torch.Tensor  # (M,) int64 rows of `anomalous`

    @property
    def images(self) -> torch.Tensor:
        """(N + M, C, H, W): the normal pictures, then the anomalous ones."""
        return torch.cat([self.normal.images[self.normal_rows], self.anomalous.images[self.anomalous_rows]])

    @property
    def is_anomaly(self) -> torch.Tensor:
        """(N + M,) bool, in the order of `images`."""
        return torch.cat([torch.zeros(len(self.normal_rows), dtype=torch.bool),
                          torch.ones(len(self.anomalous_rows), dtype=torch.bool)])

    def captions(self) -> list[str]:
        """Each picture's class name (or its dataset's name when it has none), in the order of `images`."""
        def names(pictures: PictureSet, rows: torch.Tensor) -> list[str]:
            if pictures.labels is None or not pictures.class_names:
                return [pictures.source] * len(rows)
            return [pictures.class_names[int(c)] for c in pictures.labels[rows]]

        return names(self.normal, self.normal_rows) + names(self.anomalous, self.anomalous_rows)

    def sample(self, most: int, seed: int = 0) -> "AnomalyTask":
        """At most `most` pictures of each kind, a seeded random choice kept in order (for slow scores)."""
        def pick(rows: torch.Tensor) -> torch.Tensor:
            if len(rows) <= most:
                return rows
            chosen = torch.randperm(len(rows), generator=torch.Generator().manual_seed(seed))[:most]
            return rows[chosen.sort().values]

        return AnomalyTask(self.key, self.normal, pick(self.normal_rows), self.anomalous, pick(self.anomalous_rows))


def held_out_classes(train: dict) -> tuple[int, ...]:
    """The classes a run held out of training (config.json's train.exclude_classes)."""
    return tuple(int(c) for c in train.get("exclude_classes") or ())


def own_test_set(train: TrainConfig, class_names: tuple[str, ...] = ()) -> PictureSet:
    """The model's own test split, every class included."""
    data = load_split(train, "test")
    return PictureSet(TEST_SET, data.images, data.labels, tuple(class_names) or data.info.class_names, train.dataset)


def other_set(name: str, image_shape, root: str | None = None) -> PictureSet:
    """Another dataset's test pictures at the model's (C, H, W); a folder gives all its pictures (the user
    chose them as anomalies). Raises ValueError (unknown name) or DatasetUnavailable (missing data)."""
    channels, height, width = (int(v) for v in image_shape)
    if height != width:
        raise ConfigError(f"anomaly datasets are square pictures; this model reads {height}×{width}")
    if name not in DATASET_NAMES:
        raise ValueError(f"unknown dataset '{name}': choose one of {', '.join(DATASET_NAMES)}")
    splits = ("train", "test") if name == "folder" else ("test",)
    parts = [load_dataset(name, split, root=root, image_size=height, channels=channels) for split in splits]
    images = torch.cat([p.images for p in parts])  # the loaders resize and convert them
    labels = None if parts[0].labels is None else torch.cat([p.labels for p in parts])
    key = f"folder:{os.path.abspath(root)}" if name == "folder" else f"dataset:{name}"
    return PictureSet(key, images.contiguous(), labels, parts[0].info.class_names, name)


def uploaded_set(files: Iterable[tuple[str, bytes]], image_shape, most: int = 5000) -> tuple[PictureSet, int]:
    """Pictures a user uploaded (name, PNG/JPEG bytes), each checked and fitted to the model's (C, H, W) as
    vae.data.upload does (not inverted); returns the set and how many files were skipped as unreadable."""
    import hashlib

    from vae.data.upload import BadUpload, read_upload

    images, digest, skipped = [], hashlib.sha256(), 0
    for _, data in list(files)[:most]:
        try:
            images.append(read_upload(data, tuple(image_shape)).image)
        except BadUpload:
            skipped += 1
            continue
        digest.update(hashlib.sha256(data).digest())
    if not images:
        raise ConfigError("none of the uploaded files is a readable PNG or JPEG picture")
    return PictureSet(f"upload:{digest.hexdigest()[:16]}", torch.stack(images), None, (), "folder"), skipped


def held_out_task(test: PictureSet, held_out: Iterable[int]) -> AnomalyTask:
    """Normal: the test pictures of the classes the model trained on; anomalous: those it never saw."""
    held_out = tuple(int(c) for c in held_out)
    if not held_out:
        raise ConfigError("this model saw every class: there is no held-out class to detect; "
                          "compare against another dataset instead (--anomalies DATASET)")
    if test.labels is None:
        raise ConfigError("the test pictures have no class labels, so no class can be called held out")
    mask = torch.isin(test.labels, torch.tensor(held_out, dtype=test.labels.dtype))
    if not mask.any():
        raise ConfigError("the test set has no pictures of the held-out classes: nothing to detect")
    return AnomalyTask(HELD_OUT, test, (~mask).nonzero().squeeze(1), test, mask.nonzero().squeeze(1))


def dataset_task(test: PictureSet, held_out: Iterable[int], other: PictureSet) -> AnomalyTask:
    """Normal: the model's own test pictures of the classes it trained on; anomalous: all of `other`."""
    if other.source == test.source and other.source != "folder":
        raise ConfigError(f"the model was trained on {test.source}: pick another dataset as anomalies")
    rows = torch.arange(len(test))
    held_out = tuple(int(c) for c in held_out)
    if held_out and test.labels is not None:
        rows = rows[~torch.isin(test.labels, torch.tensor(held_out, dtype=test.labels.dtype))]
    return AnomalyTask(other.key, test, rows, other, torch.arange(len(other)))


def needed_rows(task: AnomalyTask) -> list[tuple[PictureSet, torch.Tensor]]:
    """Each distinct picture set of a task with the sorted rows of it the task uses (held out: one set)."""
    if task.normal.key == task.anomalous.key:
        return [(task.normal, torch.cat([task.normal_rows, task.anomalous_rows]).unique())]
    return [(task.normal, task.normal_rows), (task.anomalous, task.anomalous_rows)]


def assemble(task: AnomalyTask, scored: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """Task-order scores (N + M,) from {set key: (rows, their scores)}; full-set scores may be given
    with rows = arange(len(set))."""
    def take(pictures: PictureSet, rows: torch.Tensor) -> torch.Tensor:
        have, values = scored[pictures.key]
        where = torch.searchsorted(have, rows)
        if (where >= len(have)).any() or not torch.equal(have[where.clamp(max=len(have) - 1)], rows):
            raise ValueError(f"rows of {pictures.key} were not scored")
        return values[where]

    return torch.cat([take(task.normal, task.normal_rows), take(task.anomalous, task.anomalous_rows)])


def score_task(model, task: AnomalyTask, score: str, *, stored: dict | None = None, progress=None,
               **options) -> torch.Tensor:
    """(N + M,) float64 scores of a task's pictures in its order (vae.metrics.anomaly.scores.score_images options:
    classes, settings, background); whole sets found in `stored` ({(set key, score): (len(set),)}) are
    not scored again. progress(done, total) over all the pictures scored."""
    needs = needed_rows(task)
    todo = sum(len(rows) for pictures, rows in needs if (pictures.key, score) not in (stored or {}))
    scored, done = {}, 0
    for pictures, rows in needs:
        full = (stored or {}).get((pictures.key, score))
        if full is not None and len(full) == len(pictures):
            scored[pictures.key] = (torch.arange(len(pictures)), full)
            continue
        report = None if progress is None else (lambda n, _total, base=done: progress(base + n, todo))
        scored[pictures.key] = (rows, score_images(model, pictures.images[rows], score, progress=report, **options))
        done += len(rows)
    return assemble(task, scored)


def _data_key(config: dict) -> tuple:
    train, model = config.get("train") or {}, config.get("model") or {}
    return (*(train.get(k) for k in SAME_DATA if k != "exclude_classes"),
            tuple(int(c) for c in train.get("exclude_classes") or ()),
            tuple(int(v) for v in model.get("image_shape") or ()))


def is_background_for(config: dict, candidate: dict) -> bool:
    """Whether a run (its config.json, untrusted) can be the background model of another's likelihood ratio:
    trained with pixel_noise > 0 on the same pictures, Gaussian latent, valid settings."""
    try:
        train, model = TrainConfig.from_dict(candidate["train"]), ModelConfig.from_dict(candidate["model"])
        same = _data_key(config) == _data_key(candidate)
    except (ConfigError, KeyError, TypeError, ValueError, AttributeError):
        return False
    return train.pixel_noise > 0 and model.kind.posterior and same


def find_background(run_dir: str | Path, candidates: Iterable[str | Path] | None = None) -> Path | None:
    """The background run for `run_dir`: among `candidates` (default: the folders beside it), the one
    named <run>-background if it fits, else the first fitting one by name; None when there is none."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    if run is None:
        return None
    if candidates is None:
        candidates = [p for p in run_dir.parent.iterdir() if p.is_dir()] if run_dir.parent.is_dir() else []
    fitting = []
    for path in sorted(Path(p) for p in candidates):
        if path.resolve() == run_dir.resolve() or not (path / "checkpoint.safetensors").is_file():
            continue
        other = read_run(path)
        if other is not None and is_background_for(run.config, other.config):
            fitting.append(path)
    preferred = [p for p in fitting if p.name == f"{run_dir.name}-background"]
    return (preferred or fitting or [None])[0]
