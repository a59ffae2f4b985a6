"""The run directory: what a training run writes and how readers (CLI, app) find it.

    DIR/config.json          {"model": ModelConfig, "train": TrainConfig, "dataset_info": ...}; a launcher
                             writes {"model": given model settings, "train": ..., "prepared": true} and the
                             trainer replaces it with the full config once it has read the data
    DIR/status.json          state (running/finished/stopped/failed), pid, epoch, message
    DIR/metrics.jsonl        one JSON object per log event (kind "step" or "epoch")
    DIR/samples/epoch_NNNN.png, DIR/recons/epoch_NNNN.png
    DIR/checkpoint.safetensors

Every file is replaced atomically, except metrics.jsonl, which grows by whole lines (readers skip a
torn last line), so the app can read while a run writes.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from vae.atomic import atomic_write_json, read_json, read_jsonl
from vae.config import ConfigError, ModelConfig, TrainConfig, split_settings

CONFIG_NAME = "config.json"
CHECKPOINT_NAME = "checkpoint.safetensors"
STATUS_NAME = "status.json"
METRICS_NAME = "metrics.jsonl"
SAMPLES_DIR = "samples"
RECONS_DIR = "recons"
FINAL_STATES = ("finished", "stopped", "failed", "interrupted")
RUNS_ENV = "VAE_RUNS_DIR"  # where new runs go and the app looks for them; default ./runs
# Files a trainer writes into its run folder, and nothing else: what a restart from scratch removes.
OUTPUT_FILES = (STATUS_NAME, METRICS_NAME, CHECKPOINT_NAME)
OUTPUT_DIRS = (SAMPLES_DIR, RECONS_DIR)


def default_runs_dir(base: str | Path | None = None) -> Path:
    """$VAE_RUNS_DIR when set, else runs/ under base (default: the current folder)."""
    return Path(os.environ.get(RUNS_ENV) or Path(base or ".") / "runs")


def resolve_checkpoint(path: str | Path) -> Path:
    """A run directory or a checkpoint file -> the checkpoint file."""
    path = Path(path)
    return path / CHECKPOINT_NAME if path.is_dir() else path


def checkpoint_digest(path: str | Path) -> str:
    """SHA-256 (hex) of a checkpoint file (or a run directory's): what a file of scores computed from these
    weights records, so that scores written for other weights are known to be stale."""
    digest = hashlib.sha256()
    with open(resolve_checkpoint(path), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_run_name(settings: dict | None) -> str:
    """<family>-<dataset>-<date>-<time>, e.g. vae-digits-20261201-213000."""
    settings = settings or {}
    return f"{settings.get('family', 'vae')}-{settings.get('dataset', 'digits')}-{time.strftime('%Y%m%d-%H%M%S')}"


def write_prepared(run_dir: str | Path, model_settings: dict, train_config) -> None:
    """A run a trainer will start: config.json with the given model settings and the full training config."""
    atomic_write_json(Path(run_dir) / CONFIG_NAME, {"model": model_settings, "train": train_config.to_dict(),
                                                    "prepared": True, "created": time.time()})


def clear_outputs(run_dir: str | Path) -> None:
    """Remove what a trainer wrote (status, metrics, checkpoint, epoch grids), for a restart from step 0.

    Only those names, inside a real run folder: never a link, never anything else."""
    run_dir = Path(run_dir)
    if run_dir.is_symlink() or not run_dir.is_dir():
        raise ConfigError(f"{run_dir} is not a run folder (a link, or no folder): refusing to touch it")
    for name in OUTPUT_FILES:
        path = run_dir / name
        if path.is_symlink() or path.is_file():
            path.unlink()
    for name in OUTPUT_DIRS:
        folder = run_dir / name
        if folder.is_symlink():
            folder.unlink()  # the link only, never what it points to
        elif folder.is_dir():
            for image in folder.glob("epoch_*.png"):
                if image.is_symlink() or image.is_file():
                    image.unlink()


def remove_stale_temps(run_dir: str | Path) -> int:
    """Delete the temporary files of the trainer's own atomic writes that a killed trainer left behind
    (.checkpoint.safetensors.XXXX.tmp, ...); returns how many. Only plain files, never a link; only called
    by the one process that owns the run. The real files were never touched by those writes."""
    run_dir = Path(run_dir)
    found = [p for name in (CONFIG_NAME, *OUTPUT_FILES) for p in run_dir.glob(f".{name}.*.tmp")]
    for which in OUTPUT_DIRS:
        if (run_dir / which).is_dir() and not (run_dir / which).is_symlink():
            found += (run_dir / which).glob(".epoch_*.png.*.tmp")
    stale = [p for p in found if p.is_file() and not p.is_symlink()]
    for path in stale:
        path.unlink()
    return len(stale)


def real_run_folder(run_dir: str | Path) -> Path:
    """run_dir, refused in one line when it is a link: a command that writes into a run never writes through
    one (a copied or downloaded run folder may point anywhere)."""
    run_dir = Path(run_dir)
    if run_dir.is_symlink():
        raise ConfigError(f"{run_dir} is a link to a folder, not a run folder: give the folder itself")
    return run_dir


def grids_folder(run_dir: str | Path, which: str) -> Path:
    """run_dir/which (samples/ or recons/) as a real folder to write grids into: a link there is removed
    (the link only), never written through."""
    folder = Path(run_dir) / which
    if folder.is_symlink():
        folder.unlink()
    return folder


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id still runs (and is not a zombie) on this machine."""
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # A killed child that its parent has not reaped yet still answers kill(0).
        with open(f"/proc/{int(pid)}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


@dataclass(frozen=True)
class Run:
    """What a run folder says about itself, checked: every reader (CLI, trainer, app) goes through this.

    A folder whose files are damaged still reads: `problem` says why in one line, and `model` /
    `train` are None where they could not be trusted."""

    path: Path
    config: dict  # config.json as read ({} when it is not a JSON object)
    status: dict  # status.json, type-checked ({} when missing or damaged)
    state: str  # status.json's state; "interrupted" when a "running" run's process is gone; "prepared" before it starts
    model: ModelConfig | None  # the full model config (None before the trainer fitted it to the data, or damaged)
    train: TrainConfig | None
    class_names: tuple[str, ...] = ()
    factor_names: tuple[str, ...] = ()
    factor_sizes: tuple[int, ...] = ()
    problem: str | None = None  # one line: why this run cannot be used

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def prepared(self) -> bool:
        """Written by a launcher (config.json alone), not started by a trainer yet."""
        return self.state == "prepared"


STATUS_TYPES = {"state": str, "pid": (int, type(None)), "epoch": int, "epochs": int, "step": int, "message": str,
                "started": (int, float), "updated": (int, float)}


def checked_status(status) -> tuple[dict, str | None]:
    """status.json's dict if every field has its type, else ({}, why)."""
    if status is None:
        return {}, None
    if not isinstance(status, dict):
        return {}, "status.json is not a JSON object"
    for key, kinds in STATUS_TYPES.items():
        if key in status and (not isinstance(status[key], kinds) or isinstance(status[key], bool)):
            return {}, f"status.json's {key} has the wrong type ({type(status[key]).__name__})"
    return status, None


def _strings(value, what: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"config.json's {what} must be a list of names")
    return tuple(value)


def is_run_folder(path: Path) -> bool:
    """A real directory (not a link to one) that holds a run's config.json."""
    return path.is_dir() and not path.is_symlink() and (path / CONFIG_NAME).is_file()


def read_run(run_dir: str | Path) -> Run | None:
    """The run in run_dir, checked; None when the folder holds no config.json."""
    run_dir = Path(run_dir)
    if not (run_dir / CONFIG_NAME).is_file():
        return None
    config = read_json(run_dir / CONFIG_NAME)
    status, problem = checked_status(read_json(run_dir / STATUS_NAME, default=None))
    state = status.get("state", "unknown")
    if state == "running" and not pid_alive(status.get("pid")):
        state = "interrupted"
    model = train = None
    names: dict = {}
    if not isinstance(config, dict):
        return Run(run_dir, {}, status, state, None, None, problem="config.json is not a JSON object")
    try:
        train = TrainConfig.from_dict(config.get("train"))
        if config.get("prepared"):
            given = config.get("model")
            if not isinstance(given, dict):
                raise ConfigError("the model settings must be a JSON object")
            split_settings({**given, **train.to_dict()})
            state = state if status else "prepared"
        else:
            model = ModelConfig.from_dict(config.get("model"))
        info = config.get("dataset_info", {})
        if not isinstance(info, dict):
            raise ConfigError("config.json's dataset_info must be a JSON object")
        names = dict(class_names=_strings(info.get("class_names", []), "class_names"),
                     factor_names=_strings(info.get("factor_names", []), "factor_names"))
        sizes = info.get("factor_sizes", [])
        if not isinstance(sizes, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in sizes):
            raise ConfigError("config.json's factor_sizes must be a list of whole numbers")
        names["factor_sizes"] = tuple(sizes)
    except ConfigError as error:
        problem = problem or f"config.json: {error}"
        model = None
    return Run(run_dir, config, status, state, model, train, **names, problem=problem)


def list_runs(root: str | Path = "runs") -> list[Run]:
    """Every run folder directly under root (real directories only, never links), newest first;
    damaged ones too (see Run.problem)."""
    root = Path(root)
    if not root.is_dir():
        return []
    runs = [run for child in root.iterdir() if is_run_folder(child) and (run := read_run(child))]

    def started(run: Run) -> float:
        value = run.status.get("started", 0)
        return float(value) if isinstance(value, (int, float)) else 0.0

    return sorted(runs, key=started, reverse=True)


def write_status(run_dir: str | Path, **fields) -> None:
    """Replace status.json with fields plus the time of this update."""
    atomic_write_json(Path(run_dir) / STATUS_NAME, {**fields, "updated": time.time()})


def read_metrics(run_dir: str | Path, kind: str | None = None) -> list[dict]:
    """metrics.jsonl events, optionally only those of one kind ("step" or "epoch"). An event whose kind, epoch
    or step has the wrong type (a damaged line) is skipped, like a torn one."""
    events = [e for e in read_jsonl(Path(run_dir) / METRICS_NAME) if _checked_event(e)]
    return [e for e in events if kind is None or e.get("kind") == kind]


def _checked_event(event: dict) -> bool:
    return isinstance(event.get("kind"), str) and all(
        isinstance(event.get(key, 0), int) and not isinstance(event.get(key), bool) for key in ("epoch", "step"))


def epoch_images(run_dir: str | Path, which: str = SAMPLES_DIR) -> list[Path]:
    """The per-epoch grid PNGs of a run, oldest first."""
    folder = Path(run_dir) / which
    return sorted(p for p in folder.glob("epoch_*.png") if p.is_file()) if folder.is_dir() else []


def has_checkpoint(run_dir: str | Path) -> bool:
    return (Path(run_dir) / CHECKPOINT_NAME).is_file()


def thin_epoch_images(run_dir: str | Path, keep: int) -> int:
    """Keep the grids of `keep` evenly spaced epochs (the last always among them) in samples/ and
    recons/, delete the rest; returns how many files went. For shipping a run, e.g. in assets/."""
    removed = 0
    for which in (SAMPLES_DIR, RECONS_DIR):
        if (Path(run_dir) / which).is_symlink():  # never delete through a link (see grids_folder)
            continue
        images = epoch_images(run_dir, which)
        if len(images) <= keep:
            continue
        # Spaced back from the last epoch, so the final picture always stays.
        stride = len(images) / max(keep, 1)
        kept = {len(images) - 1 - int(i * stride) for i in range(keep)} if keep > 0 else set()
        for i, path in enumerate(images):
            if i not in kept:
                path.unlink()
                removed += 1
    return removed
