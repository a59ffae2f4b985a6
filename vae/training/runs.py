"""The run directory: what a training run writes and how readers (CLI, app) find it.

    DIR/config.json          {"spec": RunSpec, "data": DataShape} (vae.spec); a launcher writes it with
                             "data": null and the trainer fills the data in once it has read it
    DIR/status.json          state (running/finished/stopped/failed), pid, epoch, message
    DIR/metrics.jsonl        one JSON object per log event (kind "step" or "epoch")
    DIR/samples/epoch_NNNN.png, DIR/recons/epoch_NNNN.png
    DIR/checkpoint.safetensors

Every file is replaced atomically, except metrics.jsonl, which grows by whole lines (readers skip a
torn last line), so the app can read while a run writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from vae.atomic import atomic_write_json, read_json, read_jsonl
from vae.config import ConfigError, ModelConfig, TrainConfig
from vae.spec import DataShape, RunSpec, config_record, read_config

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


def write_config(run_dir: str | Path, spec: RunSpec, data: DataShape | None = None) -> None:
    """DIR/config.json: the run's spec, and the data's shape once the trainer has read the data (a launcher
    writes it without, for the trainer it starts)."""
    atomic_write_json(Path(run_dir) / CONFIG_NAME, config_record(spec, data))


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
    # config.json in the layout of earlier versions, {"model", "train", "dataset_info"}, whatever its layout on
    # disk, for readers not moved to `spec` yet (as read when damaged; {} when it is not a JSON object)
    config: dict
    status: dict  # status.json, type-checked ({} when missing or damaged)
    state: str  # status.json's state; "interrupted" when a "running" run's process is gone; "prepared" before it starts
    model: ModelConfig | None  # the full model config (None before the trainer fitted it to the data, or damaged)
    train: TrainConfig | None
    class_names: tuple[str, ...] = ()
    factor_names: tuple[str, ...] = ()
    factor_sizes: tuple[int, ...] = ()
    problem: str | None = None  # one line: why this run cannot be used
    spec: RunSpec | None = None  # what the user chose (None when damaged)
    data: DataShape | None = None  # what the data decided (None before the trainer read it, or damaged)

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
    if not isinstance(config, dict):
        return Run(run_dir, {}, status, state, None, None, problem="config.json is not a JSON object")
    try:
        spec, data = read_config(config)
        model = None if data is None else spec.model_config(data)
    except ConfigError as error:
        return Run(run_dir, _damaged_layout(config), status, state, None, None,
                   problem=problem or f"config.json: {error}")
    if data is None and not status:
        state = "prepared"
    data_names = {} if data is None else dict(class_names=data.class_names, factor_names=data.factor_names,
                                              factor_sizes=data.factor_sizes)
    return Run(run_dir, old_layout(spec, data, model), status, state, model, spec.train, **data_names,
               problem=problem, spec=spec, data=data)


def _damaged_layout(raw: dict) -> dict:
    """A damaged file's parts under the old layout's names, unchecked (as a damaged old file is kept): readers
    that look for "model" find a run there, and then its problem."""
    if "spec" not in raw:
        return raw
    spec = raw["spec"] if isinstance(raw["spec"], dict) else {}
    return {"model": spec.get("model"), "train": spec.get("train"), "dataset_info": raw.get("data")}


def old_layout(spec: RunSpec, data: DataShape | None, model: ModelConfig | None) -> dict:
    """config.json as earlier versions laid it out: {"model": the full config (the settings before the data
    is read), "train", "dataset_info"}, with JSON's lists (as `json.load` of such a file gives)."""
    info = {} if data is None else {k: getattr(data, k) for k in ("class_names", "factor_names", "factor_sizes")}
    layout = {"model": (model or spec.model).to_dict(), "train": spec.train.to_dict(), "dataset_info": info}
    return json.loads(json.dumps(layout))


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
