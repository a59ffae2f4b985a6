"""Training runs as background processes: start the CLI trainer, stop, resume, delete, and say
what state a run is in, from its directory alone (so runs outlive the app that started them).

    DIR/config.json   the run's checked RunSpec (vae.spec), written here before the trainer starts
                      (`python -m vae train --run-dir DIR` then trains exactly that)
    DIR/launch.json   {pid, started, action, stop_pid?}: written before the trainer has a word to
                      say, so a run that dies in its first second still shows why
    DIR/train.log     the trainer's stdout and stderr (its "error: ..." line when it refuses)

A run folder is untrusted input (it may be copied or downloaded): nothing read from it is ever
executed, signalled or deleted on its say-so. Commands are built here from fixed words and the
folder's own path; a pid is signalled only when /proc shows it is our trainer of that very folder;
only real folders directly under the runs folder are acted on, never links.
Children are reaped by a daemon thread each, so a finished trainer never lingers as a zombie.
"""

from __future__ import annotations

import contextlib
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
from vae.config import ConfigError
from vae.spec import RunSpec
from vae.training.runs import (CONFIG_NAME, STATUS_NAME, checked_status, default_run_name, has_checkpoint, pid_alive,
                      write_config)

LAUNCH_NAME = "launch.json"
LOG_NAME = "train.log"
REPO_ROOT = Path(__file__).resolve().parents[2]
MAX_NAME = 64
LIVE_STATES = ("starting", "running", "stopping")


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


def as_spec(settings: dict | RunSpec) -> RunSpec:
    """A RunSpec as given, or made from flat settings {field name: value} (ConfigError when refused)."""
    return settings if isinstance(settings, RunSpec) else RunSpec.from_flat(settings)


def check_settings(settings: dict | RunSpec, probe: Callable | None = None) -> list[ConfigError]:
    """Everything the trainer would refuse, found before anything starts ([] = fine); each problem is a
    ConfigError whose `field` names the setting (so a form can name it with its own label).

    settings: a RunSpec, or flat {field name: value} (ModelConfig and TrainConfig fields). What needs the
    data (conv stages and image size, labels, held-out classes) is checked against a few of its images.
    probe(dataset, root, image_size, channels) -> a few test images (ImageData) tells image shape and labels;
    pass a cached one from a UI."""
    from vae.data import DatasetUnavailable, list_datasets
    from vae.data.transforms import keep_mask
    from vae.training.devices import resolve_device
    from vae.training.trainer import fit_model_config

    try:
        spec = as_spec(settings)
    except ConfigError as error:
        return [error]
    train_config = spec.train
    problems = []
    try:
        resolve_device(train_config.device)
    except ConfigError as error:
        problems.append(ConfigError(str(error), field="device", rule="device", device=train_config.device))
    status = {s.name: s for s in list_datasets(train_config.data_root)}.get(train_config.dataset)
    if status is not None and not status.available and not train_config.download:
        return problems + [ConfigError(status.how_to_get, field="dataset", rule="dataset_missing")]
    try:
        data = (probe or _probe)(train_config.dataset, train_config.data_root, train_config.image_size,
                                 train_config.channels)
        keep_mask(data.labels, train_config.exclude_classes, data.info.name, data.info.num_classes)
        fit_model_config(spec.model, data)
    except ConfigError as error:
        problems.append(error)
    except (DatasetUnavailable, ValueError) as error:
        problems.append(ConfigError(str(error).splitlines()[0], field="dataset", rule="dataset_unreadable"))
    return problems


def _probe(dataset: str, root: str | None, image_size: int | None, channels: int | None):
    from vae.data import load_dataset

    return load_dataset(dataset, "test", root=root, image_size=image_size, channels=channels, limit=4)


# ---------------------------------------------------------------- processes

def _trainer_command(run_dir: Path, action: str, epochs: int | None = None) -> list[str]:
    """The one command this module runs: our trainer on this folder (fixed words, the folder's path)."""
    where = ["--run-dir" if action == "start" else "--resume", str(run_dir.absolute())]
    return [sys.executable, "-m", "vae", "train", *where, "--quiet",
            *(["--epochs", str(int(epochs))] if epochs else [])]


def _spawn(run_dir: Path, action: str, epochs: int | None = None) -> int:
    """Start the trainer on run_dir detached from this process group, log to DIR/train.log, record
    DIR/launch.json."""
    command = _trainer_command(run_dir, action, epochs)
    atomic_write_json(run_dir / LAUNCH_NAME, {"pid": None, "started": time.time(), "action": action})
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(run_dir / LOG_NAME, "ab") as log:
        if action != "start":
            log.write(f"\n=== {action} {time.strftime('%Y-%m-%d %H:%M:%S')} ===\n".encode())
            log.flush()
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)
    # The only reference to the Popen lives in this thread: it reaps the child, then both go away.
    threading.Thread(target=process.wait, name=f"reap-{process.pid}", daemon=True).start()
    atomic_write_json(run_dir / LAUNCH_NAME, {"pid": process.pid, "started": time.time(), "action": action})
    return process.pid


def claim_dir(runs_root: Path, name: str) -> Path:
    """A new, empty folder named name (or name-2, name-3, ... when taken) under runs_root: never an existing
    run's (or sweep's)."""
    runs_root.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        candidate = runs_root / (name if n == 1 else f"{name}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise LaunchError(f"too many runs named {name}: pick another name")


def start_run(settings: dict | RunSpec, runs_root: str | Path, name: str | None = None) -> Path:
    """Write a RunSpec (or flat settings {field name: value}, checked into one) as DIR/config.json and launch
    `python -m vae train --run-dir DIR --quiet` in the background; returns DIR.

    Raises ConfigError (naming the field) before anything is written when a setting is invalid."""
    spec = as_spec(settings)
    clean = sanitize_run_name(name or "") or default_run_name(spec.flat())
    run_dir = claim_dir(Path(runs_root), clean)
    write_config(run_dir, spec)
    _spawn(run_dir, "start")
    return run_dir


LAUNCH_TYPES = {"pid": (int, type(None)), "started": (int, float), "stop_pid": (int, type(None)),
                "stop_requested": (int, float), "action": str}


def launch_record(run_dir: Path) -> dict:
    """launch.json, type-checked: {} when missing or damaged."""
    launch = read_json(run_dir / LAUNCH_NAME, default={})
    if not isinstance(launch, dict):
        return {}
    for key, kinds in LAUNCH_TYPES.items():
        if key in launch and (not isinstance(launch[key], kinds) or isinstance(launch[key], bool)):
            return {}
    return launch


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


def _command_line(pid: int) -> list[str] | None:
    """A process's arguments, from /proc (Linux) or ps (macOS); None when neither can say."""
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as handle:
            return [part.decode("utf-8", "replace") for part in handle.read().split(b"\0") if part]
    except OSError:
        pass
    try:  # fixed words and a whole number: nothing from a file reaches this command line as text
        out = subprocess.run(["ps", "-ww", "-o", "command=", "-p", str(int(pid))], capture_output=True, text=True,
                             timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.split() if out.returncode == 0 and out.stdout.strip() else None


def is_trainer_of(pid: int | None, run_dir: Path) -> bool:
    """Whether process pid is `python -m vae train` working on this very run folder (as --run-dir or
    --resume): the only processes this app ever signals."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 1 or not pid_alive(pid):
        return False
    argv = _command_line(pid)
    if not argv:
        return False
    folder = str(run_dir.absolute())
    for i in range(len(argv) - 3):
        if argv[i:i + 3] == ["-m", "vae", "train"]:
            rest = argv[i + 3:]
            return any(rest[j] in ("--run-dir", "--resume") and rest[j + 1] == folder for j in range(len(rest) - 1))
    return False


def _failure_message(run_dir: Path) -> str:
    lines = log_tail(run_dir, 50)
    errors = [line for line in lines if line.startswith("error:") or re.match(r"^\w+(Error|Exception):", line)]
    return errors[-1] if errors else ""


def run_state(run_dir: str | Path) -> RunState | None:
    """The run's state from launch.json, status.json and whether its process lives; None if no run."""
    run_dir = Path(run_dir)
    launch = launch_record(run_dir)
    status, _ = checked_status(read_json(run_dir / STATUS_NAME, default=None))
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


def checked_run_dir(run_dir: str | Path, runs_root: str | Path) -> Path:
    """run_dir, if it is a real folder (not a link) directly under runs_root; else LaunchError."""
    run_dir, root = Path(run_dir), Path(runs_root)
    if run_dir.is_symlink() or not run_dir.is_dir():
        raise LaunchError(f"{run_dir.name} is not a run folder (a link, or not a folder): nothing was done")
    if run_dir.absolute().parent.resolve() != root.resolve():
        raise LaunchError(f"{run_dir.name} is not in the runs folder {root}: nothing was done")
    return run_dir


def stop_run(run_dir: str | Path, *, runs_root: str | Path) -> None:
    """Ask the trainer to save and exit (SIGTERM); it then marks the run stopped.

    Only a process that is our trainer of this very folder is signalled, whatever pid the files name."""
    run_dir = checked_run_dir(run_dir, runs_root)
    state = run_state(run_dir)
    if state is None or not state.live or state.pid is None:
        raise LaunchError(f"{run_dir.name} is not running")
    if not is_trainer_of(state.pid, run_dir):
        raise LaunchError(f"process {state.pid} is not this run's trainer: nothing was signalled")
    atomic_write_json(run_dir / LAUNCH_NAME, {**launch_record(run_dir), "stop_pid": state.pid, "stop_requested": time.time()})
    with contextlib.suppress(ProcessLookupError):
        os.kill(state.pid, signal.SIGTERM)


def resume_run(run_dir: str | Path, epochs: int | None = None, *, runs_root: str | Path) -> None:
    """Continue a stopped, interrupted, failed or finished run (to `epochs` in all, if given).

    Always `python -m vae train --resume DIR`: the trainer continues from the checkpoint, or starts the
    run again from step 0 from its own config.json when it died before its first one."""
    run_dir = checked_run_dir(run_dir, runs_root)
    state = run_state(run_dir)
    if state is None or not (run_dir / CONFIG_NAME).is_file():
        raise LaunchError(f"{run_dir.name} holds no run to resume (no config.json)")
    if state.live:
        raise LaunchError(f"{run_dir.name} is still running")
    _spawn(run_dir, "resume" if has_checkpoint(run_dir) else "restart", epochs)


def delete_run(run_dir: str | Path, *, runs_root: str | Path) -> None:
    """Remove a run's folder (a real folder directly under runs_root); refused while its trainer runs."""
    run_dir = checked_run_dir(run_dir, runs_root)
    state = run_state(run_dir)
    if state is None:
        raise LaunchError(f"{run_dir} holds no run")
    if state.live:
        raise LaunchError(f"{run_dir.name} is still running: stop it first")
    shutil.rmtree(run_dir)  # refuses a link itself; never follows links inside the folder


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
        status, _ = checked_status(read_json(path / STATUS_NAME, default=None))
        return float(status.get("started") or launch_record(path).get("started") or path.stat().st_mtime)

    dirs = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
            and ((p / CONFIG_NAME).is_file() or (p / LAUNCH_NAME).is_file())]
    return sorted(dirs, key=started, reverse=True)
