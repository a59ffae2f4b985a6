"""Training runs as background processes: start the CLI trainer, stop, resume, delete, and say
what state a run is in, from its directory alone (so runs outlive the app that started them).

    DIR/launch.json   {pid, command, started, action, stop_pid?}: written before the trainer
                      has a word to say, so a run that dies in its first second still shows why
    DIR/train.log     the trainer's stdout and stderr (its "error: ..." line when it refuses)

Children are reaped by a daemon thread each, so a finished trainer never lingers as a zombie.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from vae.atomic import atomic_write_json, read_json
from vae.checkpoint import CHECKPOINT_NAME
from vae.config import ConfigError
from vae.runs import CONFIG_NAME, METRICS_NAME, RECONS_DIR, SAMPLES_DIR, STATUS_NAME, has_checkpoint, pid_alive

LAUNCH_NAME = "launch.json"
LOG_NAME = "train.log"
REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_NAME = 64
LIVE_STATES = ("starting", "running", "stopping")
# Settings a caller may give as a dict: argparse dest names of `python -m vae train`.
SETTING_KEYS = (
    "model", "arch", "hidden", "latent_dim", "likelihood", "beta", "capacity_max", "capacity_gamma",
    "capacity_steps", "tc_alpha", "tc_gamma", "warmup", "warmup_steps", "free_bits", "codebook_size",
    "commitment", "ema_decay", "dataset", "data_root", "download", "image_size", "channels", "limit", "train_size",
    "exclude_classes", "epochs", "batch_size", "lr", "seed", "device", "log_every", "no_bf16",
)


class LaunchError(RuntimeError):
    """An action that cannot be done to a run right now; the message is one line."""


@dataclass(frozen=True)
class RunState:
    state: str  # starting, running, stopping, finished, stopped, failed, interrupted
    pid: int | None  # the process that owns the run now, when one does
    message: str  # why it failed or stopped ("" when there is nothing to say)

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def final(self) -> bool:
        return not self.live


# ---------------------------------------------------------------- names and settings

def sanitize_run_name(name: str) -> str:
    """A safe folder name: letters (any script), digits, '-', '_' and '.', no path, at most 64 chars."""
    name = unicodedata.normalize("NFKC", str(name or "")).strip()
    name = re.sub(r"[^\w.-]+|\.{2,}", "-", name)  # slashes, spaces, quotes, '..' become '-'
    name = re.sub(r"-{2,}", "-", name).strip("-._")  # no leading dots: no '..' or hidden folders
    return name[:MAX_NAME].rstrip("-._")


def default_run_name(settings: dict | None) -> str:
    settings = settings or {}
    return f"{settings.get('model', 'vae')}-{settings.get('dataset', 'digits')}-{time.strftime('%Y%m%d-%H%M%S')}"


def settings_to_args(settings: dict) -> list[str]:
    """CLI arguments of settings: {"latent_dim": 2, "hidden": (256, 64), "download": True}
    -> ["--latent-dim", "2", "--hidden", "256,64", "--download"]; None, False and () are left out."""
    unknown = sorted(set(settings) - set(SETTING_KEYS))
    if unknown:
        raise ValueError(f"unknown training settings {unknown}")
    args = []
    for key in SETTING_KEYS:
        value = settings.get(key)
        if value is None or value is False or (isinstance(value, (tuple, list)) and not value):
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, (tuple, list)):
            args += [flag, ",".join(str(int(v)) for v in value)]
        else:
            args += [flag, repr(value) if isinstance(value, float) else str(value)]
    return args


def _parse_train_args(args: list[str]) -> argparse.Namespace:
    """The CLI's own parser, turned from exit-on-error into a ConfigError with its one-line message."""
    from vae.cli import build_parser

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            return build_parser().parse_args(["train", *args])
        except SystemExit:
            lines = [line for line in stderr.getvalue().splitlines() if "error:" in line]
            raise ConfigError(lines[-1].split("error:", 1)[1].strip() if lines else "invalid settings") from None


def _probe(dataset: str, root: str | None, image_size: int | None, channels: int | None):
    from vae.data import load_dataset

    return load_dataset(dataset, "test", root=root, image_size=image_size, channels=channels, limit=4)


def check_settings(settings: dict, probe: Callable | None = None) -> list[str]:
    """Everything the CLI would refuse, found before anything starts: one line per problem ([] = fine).

    probe(dataset, root, image_size, channels) -> a few test images (ImageData) tells image shape and labels;
    pass a cached one from a UI."""
    from vae.cli import configs_from_args
    from vae.config import ModelConfig, default_hidden
    from vae.data import DatasetUnavailable, list_datasets
    from vae.data.transforms import keep_mask
    from vae.devices import resolve_device
    from vae.train import fit_model_config

    try:
        args = _parse_train_args(settings_to_args(settings))
        fields, train_config = configs_from_args(args)
    except (ConfigError, ValueError) as error:
        return [str(error)]
    problems = []
    try:
        resolve_device(train_config.device)
    except ConfigError as error:
        problems.append(str(error))
    status = {s.name: s for s in list_datasets(train_config.data_root)}.get(train_config.dataset)
    if status is not None and not status.available and not train_config.download:
        return problems + [status.how_to_get]
    try:
        data = (probe or _probe)(train_config.dataset, train_config.data_root, train_config.image_size,
                                 train_config.channels)
        keep_mask(data.labels, train_config.exclude_classes, data.info.name, data.info.num_classes)
        fields.setdefault("hidden", default_hidden(fields["arch"], data.info.image_shape[-1]))
        config = fit_model_config(fields, data)
        ModelConfig(**config.to_dict())
    except (ConfigError, DatasetUnavailable, ValueError) as error:
        problems.append(str(error))
    return problems


# ---------------------------------------------------------------- processes

def _spawn(run_dir: Path, command: list[str], action: str, extra: dict | None = None) -> int:
    """Start command detached from this process group, log to DIR/train.log, record DIR/launch.json."""
    atomic_write_json(run_dir / LAUNCH_NAME, {"pid": None, "command": command, "started": time.time(),
                                              "action": action, **(extra or {})})
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(run_dir / LOG_NAME, "ab") as log:
        if action != "start":
            log.write(f"\n=== {action} {time.strftime('%Y-%m-%d %H:%M:%S')} ===\n".encode())
            log.flush()
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)
    # The only reference to the Popen lives in this thread: it reaps the child, then both go away.
    threading.Thread(target=process.wait, name=f"reap-{process.pid}", daemon=True).start()
    atomic_write_json(run_dir / LAUNCH_NAME, {"pid": process.pid, "command": command, "started": time.time(),
                                              "action": action, **(extra or {})})
    return process.pid


def _claim_dir(runs_root: Path, name: str) -> Path:
    """A new, empty run folder named name (or name-2, name-3, ... when taken): never an existing run."""
    runs_root.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        candidate = runs_root / (name if n == 1 else f"{name}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise LaunchError(f"too many runs named {name}: pick another name")


def start_run(settings: dict | list[str], runs_root: str | Path, name: str | None = None) -> Path:
    """Launch `python -m vae train ... --run-dir DIR --quiet` in the background; returns DIR.

    settings: a dict of CLI settings (see SETTING_KEYS) or the CLI arguments themselves."""
    args = settings_to_args(settings) if isinstance(settings, dict) else [str(a) for a in settings]
    if any(a in ("--run-dir", "--resume") for a in args):
        raise ValueError("start_run picks the run directory itself: leave out --run-dir and --resume")
    clean = sanitize_run_name(name or "") or default_run_name(settings if isinstance(settings, dict) else None)
    run_dir = _claim_dir(Path(runs_root), clean)
    command = [sys.executable, "-m", "vae", "train", *args, "--run-dir", str(run_dir.absolute()), "--quiet"]
    _spawn(run_dir, command, "start", {"settings": settings if isinstance(settings, dict) else None})
    return run_dir


def _launch(run_dir: Path) -> dict:
    launch = read_json(run_dir / LAUNCH_NAME, default={})
    return launch if isinstance(launch, dict) else {}


def _started_at(pid: int) -> float | None:
    """When process pid started (seconds since the epoch), from /proc; None where /proc cannot say."""
    try:
        with open(f"/proc/{int(pid)}/stat", encoding="ascii") as handle:
            ticks = int(handle.read().rsplit(")", 1)[1].split()[19])  # field 22: starttime
        with open("/proc/stat", encoding="ascii") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith("btime"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def _owns(pid: int | None, before: float) -> bool:
    """pid is alive and is the process that wrote a record at time `before`, not a later one that got the
    same pid back (after a reboot, say): it must have started by then."""
    if not pid_alive(pid):
        return False
    started = _started_at(pid)
    return started is None or started <= before + 2.0


def _failure_message(run_dir: Path) -> str:
    lines = log_tail(run_dir, 50)
    errors = [line for line in lines if line.startswith("error:") or re.match(r"^\w+(Error|Exception):", line)]
    return errors[-1] if errors else ""


def run_state(run_dir: str | Path) -> RunState | None:
    """The run's state from launch.json, status.json and whether its process lives; None if no run."""
    run_dir = Path(run_dir)
    launch = _launch(run_dir)
    status = read_json(run_dir / STATUS_NAME, default={}) or {}
    if not isinstance(status, dict):
        status = {}
    if not launch and not status and not (run_dir / CONFIG_NAME).is_file():
        return None
    stop_pid = launch.get("stop_pid")  # the process a stop was asked of, if any
    # A launch newer than status.json (a new start or a resume) owns the run until the trainer reports.
    if launch.get("started", 0) > status.get("updated", 0):
        pid = launch.get("pid")
        if pid is None and time.time() - launch.get("started", 0) < 30:
            return RunState("starting", None, "")
        asked = stop_pid is not None and stop_pid == pid
        if _owns(pid, launch["started"]):
            return RunState("stopping" if asked else "starting", pid, "")
        if asked:
            return RunState("stopped", None, "")
        return RunState("failed", None, _failure_message(run_dir) or "the trainer exited before it started")
    state, pid, message = status.get("state", "unknown"), status.get("pid"), status.get("message", "")
    if state == "running":
        asked = stop_pid is not None and stop_pid == pid
        if _owns(pid, status.get("updated", time.time())):
            return RunState("stopping" if asked else "running", pid, "")
        # Killed by the stop before its handler was ready: stopped all the same.
        return RunState("stopped" if asked else "interrupted", None, message)
    if state == "failed":
        message = message or _failure_message(run_dir)
    return RunState(state, None, message)


def stop_run(run_dir: str | Path) -> None:
    """Ask the trainer to save and exit (SIGTERM); it then marks the run stopped."""
    run_dir = Path(run_dir)
    state = run_state(run_dir)
    if state is None or not state.live or state.pid is None:
        raise LaunchError(f"{run_dir.name} is not running")
    atomic_write_json(run_dir / LAUNCH_NAME, {**_launch(run_dir), "stop_pid": state.pid, "stop_requested": time.time()})
    with contextlib.suppress(ProcessLookupError):
        os.kill(state.pid, signal.SIGTERM)


def resume_run(run_dir: str | Path, epochs: int | None = None) -> None:
    """Continue a stopped, interrupted, failed or finished run (to `epochs` in all, if given).

    With a checkpoint the trainer continues from it; a run that died before its first checkpoint
    starts again from scratch with the command that launched it."""
    run_dir = Path(run_dir)
    state = run_state(run_dir)
    if state is None:
        raise LaunchError(f"{run_dir} holds no run")
    if state.live:
        raise LaunchError(f"{run_dir.name} is still running")
    launch = _launch(run_dir)
    if has_checkpoint(run_dir) and (run_dir / CONFIG_NAME).is_file():
        command = [sys.executable, "-m", "vae", "train", "--resume", str(run_dir.absolute()), "--quiet"]
        if epochs:
            command += ["--epochs", str(int(epochs))]
        _spawn(run_dir, command, "resume")
        return
    if not launch.get("command"):
        raise LaunchError(f"{run_dir.name} has no checkpoint to resume from and was not started from the app")
    for name in (CONFIG_NAME, STATUS_NAME, METRICS_NAME, CHECKPOINT_NAME):
        (run_dir / name).unlink(missing_ok=True)
    for folder in (SAMPLES_DIR, RECONS_DIR):
        shutil.rmtree(run_dir / folder, ignore_errors=True)
    command = list(launch["command"])
    if epochs and "--epochs" in command:
        command[command.index("--epochs") + 1] = str(int(epochs))
    elif epochs:
        command[4:4] = ["--epochs", str(int(epochs))]
    _spawn(run_dir, command, "restart", {"settings": launch.get("settings")})


def delete_run(run_dir: str | Path) -> None:
    """Remove a run's folder; refused while its trainer runs."""
    run_dir = Path(run_dir)
    state = run_state(run_dir)
    if state is None:
        raise LaunchError(f"{run_dir} holds no run")
    if state.live:
        raise LaunchError(f"{run_dir.name} is still running: stop it first")
    shutil.rmtree(run_dir)


# ---------------------------------------------------------------- reading

def log_tail(run_dir: str | Path, n: int = 20) -> list[str]:
    """The last n lines of the trainer's log (progress-bar carriage returns resolved)."""
    try:
        with open(Path(run_dir) / LOG_NAME, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64_000))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    lines = [line.split("\r")[-1].rstrip() for line in text.splitlines()]
    return [line for line in lines if line][-n:]


def list_run_dirs(runs_root: str | Path) -> list[Path]:
    """Every run folder under runs_root (including ones still starting), newest first."""
    root = Path(runs_root)
    if not root.is_dir():
        return []

    def started(path: Path) -> float:
        status = read_json(path / STATUS_NAME, default={}) or {}
        launch = _launch(path)
        return float(status.get("started") or launch.get("started") or path.stat().st_mtime)

    dirs = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
            and ((p / CONFIG_NAME).is_file() or (p / LAUNCH_NAME).is_file())]
    return sorted(dirs, key=started, reverse=True)
