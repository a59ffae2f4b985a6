"""The run directory: what a training run writes and how readers (CLI, app) find it.

    DIR/config.json          {"model": ModelConfig, "train": TrainConfig, ...}
    DIR/status.json          state (running/finished/stopped/failed), pid, epoch, message
    DIR/metrics.jsonl        one JSON object per log event (kind "step" or "epoch")
    DIR/samples/epoch_NNNN.png, DIR/recons/epoch_NNNN.png
    DIR/checkpoint.safetensors

Every file is replaced atomically, except metrics.jsonl, which grows by whole lines (readers skip a
torn last line), so the app can read while a run writes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from vae.atomic import atomic_write_json, read_json, read_jsonl
from vae.checkpoint import CHECKPOINT_NAME

CONFIG_NAME = "config.json"
STATUS_NAME = "status.json"
METRICS_NAME = "metrics.jsonl"
SAMPLES_DIR = "samples"
RECONS_DIR = "recons"
FINAL_STATES = ("finished", "stopped", "failed", "interrupted")


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
class RunInfo:
    path: Path
    config: dict
    status: dict
    state: str  # status.json's state, or "interrupted" when a "running" run's process is gone

    @property
    def name(self) -> str:
        return self.path.name


def write_status(run_dir: str | Path, **fields) -> None:
    """Replace status.json with fields plus the time of this update."""
    atomic_write_json(Path(run_dir) / STATUS_NAME, {**fields, "updated": time.time()})


def read_run(run_dir: str | Path) -> RunInfo | None:
    """What a run directory says about itself; None when it holds no run."""
    run_dir = Path(run_dir)
    config = read_json(run_dir / CONFIG_NAME)
    if not isinstance(config, dict):
        return None
    status = read_json(run_dir / STATUS_NAME, default={}) or {}
    state = status.get("state", "unknown")
    if state == "running" and not pid_alive(status.get("pid")):
        state = "interrupted"
    return RunInfo(run_dir, config, status, state)


def list_runs(root: str | Path = "runs") -> list[RunInfo]:
    """Every run directly under root, newest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    runs = [info for child in root.iterdir() if child.is_dir() and (info := read_run(child))]
    return sorted(runs, key=lambda r: r.status.get("started", 0), reverse=True)


def read_metrics(run_dir: str | Path, kind: str | None = None) -> list[dict]:
    """metrics.jsonl events, optionally only those of one kind ("step" or "epoch")."""
    events = read_jsonl(Path(run_dir) / METRICS_NAME)
    return [e for e in events if kind is None or e.get("kind") == kind]


def epoch_images(run_dir: str | Path, which: str = SAMPLES_DIR) -> list[Path]:
    """The per-epoch grid PNGs of a run, oldest first."""
    folder = Path(run_dir) / which
    return sorted(folder.glob("epoch_*.png")) if folder.is_dir() else []


def has_checkpoint(run_dir: str | Path) -> bool:
    return (Path(run_dir) / CHECKPOINT_NAME).is_file()


def thin_epoch_images(run_dir: str | Path, keep: int) -> int:
    """Keep the grids of `keep` evenly spaced epochs (the last always among them) in samples/ and
    recons/, delete the rest; returns how many files went. For shipping a run, e.g. in assets/."""
    removed = 0
    for which in (SAMPLES_DIR, RECONS_DIR):
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
