"""Which models the app offers: the pretrained run directories in assets/ and every finished
run under runs/. Read from their folders without PyTorch, so the sidebar and the first page are drawn while
it is still importing; the weights and data are loaded by ui.loaders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ui.names import class_label
from vae.config import FamilyTraits, ModelConfig, TrainConfig
from vae.data import list_datasets
from vae.training.runs import (CHECKPOINT_NAME, CONFIG_NAME, METRICS_NAME, STATUS_NAME, checkpoint_digest,
                               default_runs_dir, list_runs, read_metrics, read_run)

ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = ROOT / "assets"
# The model the app opens on: crisp Fashion-MNIST pictures impress a class more than 8×8 digits; without
# that dataset, a shapes model (its pictures are generated, so it always works).
FIRST_MODELS = (("fashion-vae", "fashion-mnist"), ("shapes-vae", "shapes"))


def runs_dir() -> Path:
    """Where training runs live: $VAE_RUNS_DIR, else runs/ beside the app (the trainer's own rule)."""
    return default_runs_dir(ROOT)


@dataclass(frozen=True)
class ModelEntry(FamilyTraits):
    """One model the app offers. Frozen and hashable (its configs are frozen dataclasses of scalars and
    tuples), so cached functions take the entry itself: a retrained run has a new stamp, hence a new key."""

    path: str  # run directory
    name: str
    pretrained: bool
    model: ModelConfig
    train: TrainConfig
    class_names: tuple[str, ...]
    factor_names: tuple[str, ...]
    test_loss: float | None
    stamp: float  # checkpoint mtime: a retrained run reloads
    problem: str | None = None  # why this run cannot be opened (one line); None when it can

    # What the model is (has_gaussian_latent, is_conditional, ...: vae.config.FamilyTraits), from its config.
    @property
    def family(self) -> str:
        return self.model.family

    @property
    def beta(self) -> float:
        return self.model.beta

    @property
    def latent_dim(self) -> int:
        return self.model.latent_dim

    @property
    def dataset(self) -> str:
        return self.train.dataset

    @property
    def class_labels(self) -> tuple[str, ...]:
        """The class names as the reader sees them (translated where the table knows them)."""
        return tuple(class_label(name) for name in self.class_names)

    @property
    def num_classes(self) -> int:
        """The classes the decoder is told (0 unless conditional)."""
        return self.model.num_classes if self.kind.conditional else 0


VERSIONED = (CONFIG_NAME, STATUS_NAME, CHECKPOINT_NAME, METRICS_NAME)  # the files an entry is read from


def _entry(run_dir: Path, pretrained: bool) -> ModelEntry | None:
    """The picker's entry for a finished run with a checkpoint; a damaged run becomes an entry that says why
    (holding default configs, which nothing reads: `openable` leaves it out of every other list).

    Every page run of every session lists the models: read once per version of the files an entry comes
    from (a class of 30 re-read 17 folders' JSON on each page, 13 % of the server's CPU)."""
    stamps = tuple(_version(run_dir / name) for name in VERSIONED)
    return _entry_of(str(run_dir), pretrained, stamps)


def _version(path: Path) -> tuple[int, int, int]:
    """(inode, mtime ns, size): an atomic rewrite (a new file renamed over the old) always changes it."""
    try:
        stat = path.stat()
    except OSError:
        return 0, 0, -1
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


# cache_resource: the entry is frozen, so every session may share the one object (cache_data would copy it).
@st.cache_resource(show_spinner=False, max_entries=512)
def _entry_of(path: str, pretrained: bool, stamps: tuple) -> ModelEntry | None:  # stamps: the cache key
    run_dir = Path(path)
    checkpoint = run_dir / CHECKPOINT_NAME
    run = read_run(run_dir)
    if run is None or not checkpoint.is_file() or (not pretrained and run.state != "finished" and not run.problem):
        return None
    if run.problem or run.model is None:
        return ModelEntry(str(run_dir), run_dir.name, pretrained, ModelConfig(), TrainConfig(), (), (), None, 0.0,
                          run.problem or "config.json is incomplete")
    loss = _last_test_loss(str(run_dir), stamps[VERSIONED.index(METRICS_NAME)])
    return ModelEntry(str(run_dir), run_dir.name, pretrained, run.model, run.train, run.class_names,
                      run.factor_names, loss, checkpoint.stat().st_mtime)


def openable(models: list[ModelEntry]) -> list[ModelEntry]:
    """The entries a page may offer or compare against: every one but the damaged."""
    return [m for m in models if not m.problem]


@st.cache_data(show_spinner=False, max_entries=256)
def _last_test_loss(path: str, version: tuple[int, int, int]) -> float | None:  # version: the cache key
    """The last epoch's test loss, parsed once per version of metrics.jsonl: the sidebar lists every run on
    every rerun, and a long run's metrics file holds thousands of events."""
    epochs = read_metrics(path, "epoch")
    loss = epochs[-1].get("test_loss") if epochs else None
    return float(loss) if isinstance(loss, (int, float)) else None


def first_model() -> str:
    """The run folder the app opens on: the first of FIRST_MODELS whose dataset is on this machine."""
    here = {status.name for status in list_datasets() if status.available}
    return next((name for name, dataset in FIRST_MODELS if dataset in here), FIRST_MODELS[-1][0])


def list_models() -> list[ModelEntry]:
    """Pretrained models first (first_model(), then by name), then finished runs, newest first."""
    folders = [p for p in ASSETS_DIR.iterdir() if p.is_dir()] if ASSETS_DIR.is_dir() else []
    first = first_model()
    pretrained = sorted(folders, key=lambda p: (p.name != first, p.name))
    entries = [_entry(p, True) for p in pretrained] + [_entry(r.path, False) for r in list_runs(runs_dir())]
    return [e for e in entries if e is not None]


@st.cache_data(show_spinner=False, max_entries=64)
def checkpoint_sha(entry: ModelEntry) -> str:
    """The sha256 of a run's checkpoint, once per checkpoint version: what precomputed files are checked against."""
    return checkpoint_digest(entry.path)
