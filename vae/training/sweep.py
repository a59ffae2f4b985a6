"""Sweeps: every combination of a few settings' values (a grid, e.g. β × seed) trained as ordinary
runs through vae.training.launch, K at a time and one GPU each when there are several, with a summary of the
grid that the Runs page shows as one group.

    RUNS/<sweep>/sweep.json   {"format": "vae-sweep", "name", "state", "pid", "axes", "settings",
                               "runs": [{"name", "params", "gpu", "state", "epochs", "final", "scores"}]}
    RUNS/<sweep>-beta4-seed1/ the runs themselves, beside the others (the app opens them as usual)

A run folder's `disentanglement.json` (keys mig, factor_vae, ...) is read into its "scores". Run
folders and the summary are untrusted input: only plain names and finite numbers are taken from them.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from vae.atomic import atomic_write_json, read_json
from vae.config import ModelConfig, TrainConfig, base_type, settings_of, type_hints
from vae.training.runs import pid_alive, read_metrics

SWEEP_NAME = "sweep.json"
FORMAT = "vae-sweep"
SCORES_NAME = "disentanglement.json"
FINAL_KEYS = ("test_loss", "test_recon", "test_kl", "test_perplexity", "loss")  # from the last epoch event
SCORE_KEYS = ("mig", "factor_vae", "dci_disentanglement", "dci_completeness", "dci_informativeness", "sap",
              "modularity")  # the keys of `python -m vae disentanglement --json`, in display order
MAX_SCORES = 16
PENDING = "pending"  # a grid point whose run has not been started yet
_NAME = re.compile(r"^[\w][\w.-]{0,63}$")
_SCORE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def axis_types() -> dict[str, type]:
    """{setting name: its type} of the settings a grid can vary (vae.config fields with `axis` metadata), in
    the order run names list them: family, beta, seed, lr, latent_dim."""
    found = []
    for cls in (ModelConfig, TrainConfig):
        hints = type_hints(cls)
        found += [(f.metadata["axis"], f.name, base_type(hints[f.name])[0]) for f in settings_of(cls)
                  if f.metadata.get("axis") is not None]
    return {name: kind for _, name, kind in sorted(found)}


AXES = tuple(axis_types())  # settings (vae.config field names) a grid can vary


def parse_values(text: str, kind: type = str) -> tuple:
    """'1,2,4' with int -> (1, 2, 4); '1e-3,3e-4' with float -> floats; 'vae,tcvae' -> strings. kind is the
    setting's type (axis_types); its bounds and choices are checked with the rest of each run's settings."""
    try:
        values = tuple(kind(v) for v in str(text).replace(" ", "").split(",") if v)
    except ValueError:
        raise ValueError(f"expected comma-separated {'whole numbers' if kind is int else 'numbers'}, got '{text}'") \
            from None
    if not values:
        raise ValueError(f"expected comma-separated values, got '{text}'")
    if len(set(values)) < len(values):
        raise ValueError(f"'{text}' lists a value twice")
    return values


def value_text(value) -> str:
    """A grid value as run names and messages write it: 4.0 as 4, 0.001 as 0.001."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def grid(axes: dict[str, tuple]) -> list[dict]:
    """Every combination, the first axis varying slowest: {"beta": (1, 4), "seed": (0, 1)} -> 4 points."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*(axes[n] for n in names))]


def point_label(point: dict) -> str:
    """{"beta": 4.0, "seed": 1} -> "beta4-seed1" (a run name's suffix)."""
    return "-".join(f"{axis}{value_text(value)}" for axis, value in point.items())


def visible_gpus(device: str | None = "auto") -> list[str]:
    """The CUDA devices a run may be given (CUDA_VISIBLE_DEVICES entries), [] for a CPU/MPS sweep."""
    if device in ("cpu", "mps"):
        return []
    import torch

    count = torch.cuda.device_count()
    visible = [v for v in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if v.strip()]
    return (visible or [str(i) for i in range(count)])[:count]


def cpu_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    with contextlib.suppress(AttributeError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def cpu_plan(parallel: int | None) -> tuple[int, int]:
    """(runs at a time, torch threads per run) for a sweep on the CPU: by default one run per core with one
    thread each, which trains the small models of a sweep ~1.4× faster in all than one run on two threads at a
    time (benchmarks/shapes_throughput.py); with --parallel K the cores are shared out among the K runs."""
    cores = cpu_cores()
    runs = parallel or cores
    return runs, max(1, cores // runs)


@contextlib.contextmanager
def _environment(**variables: str | int | None) -> Iterator[None]:
    """Environment variables for the run started inside (the launcher passes this process's environment on):
    CUDA_VISIBLE_DEVICES for its GPU, OMP_NUM_THREADS for its share of the cores; None leaves one alone."""
    given = {name: str(value) for name, value in variables.items() if value is not None}
    before = {name: os.environ.get(name) for name in given}
    os.environ.update(given)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# ---------------------------------------------------------------- what a run folder says

def _finite(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def read_scores(run_dir: Path) -> dict[str, float] | None:
    """disentanglement.json's scores (finite numbers under plain names), None when there are none."""
    data = read_json(Path(run_dir) / SCORES_NAME)
    if not isinstance(data, dict):
        return None
    scores = {}
    for key, value in data.items():
        if isinstance(key, str) and _SCORE_NAME.match(key) and (number := _finite(value)) is not None:
            scores[key] = number
        if len(scores) == MAX_SCORES:
            break
    order = {key: i for i, key in enumerate(SCORE_KEYS)}
    return dict(sorted(scores.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))) or None


def run_results(run_dir: Path, state: str) -> dict:
    """{"state", "epochs", "final": {test_loss, ...}, "scores"} of one run folder, for the summary."""
    epochs = read_metrics(run_dir, "epoch")
    last = epochs[-1] if epochs else {}
    final = {key: number for key in FINAL_KEYS if (number := _finite(last.get(key))) is not None}
    done = last.get("epoch")
    return {"state": state, "epochs": int(done) if isinstance(done, int) and not isinstance(done, bool) else 0,
            "final": final, "scores": read_scores(run_dir)}


# ---------------------------------------------------------------- running a sweep

@dataclass
class _Member:
    point: dict
    gpu: str | None = None
    run_dir: Path | None = None
    results: dict | None = None

    def record(self) -> dict:
        results = self.results or {"state": PENDING, "epochs": 0, "final": {}, "scores": None}
        return {"name": self.run_dir.name if self.run_dir else None, "params": self.point, "gpu": self.gpu, **results}


class Sweep:
    """One grid of runs and its summary file; `run` launches and waits for them."""

    def __init__(self, sweep_dir: Path, points: list[dict], settings: dict, parallel: int, gpus: list[str],
                 start: Callable[[dict, Path, str], Path], state_of: Callable[[Path], object],
                 stop_run: Callable[[Path], None], threads: int | None = None,
                 resume: Callable[[Path], None] | None = None):
        self.dir, self.settings, self.parallel, self.gpus = sweep_dir, settings, max(1, parallel), gpus
        self.threads = threads  # torch threads per run (OMP_NUM_THREADS), None: the run's own default
        self.members = [_Member(dict(point)) for point in points]
        self._start, self._state_of, self._stop_run = start, state_of, stop_run
        # Given: the sweep continues an earlier one. A grid point whose run folder exists is not started again:
        # a finished run is kept, a live one waited for, any other continued from its checkpoint by `resume`.
        self._resume = resume
        self.state, self.created = "running", time.time()

    def summary(self) -> dict:
        axes: dict[str, list] = {}
        for member in self.members:
            for axis, value in member.point.items():
                axes.setdefault(axis, [])
                if value not in axes[axis]:
                    axes[axis].append(value)
        return {"format": FORMAT, "name": self.dir.name, "state": self.state, "pid": os.getpid(),
                "created": self.created, "updated": time.time(), "parallel": self.parallel, "axes": axes,
                "settings": self.settings, "runs": [m.record() for m in self.members]}

    def write(self) -> dict:
        summary = self.summary()
        atomic_write_json(self.dir / SWEEP_NAME, summary)
        return summary

    def _gpu(self, live: list[_Member]) -> str | None:
        """The GPU with the fewest live runs of this sweep (None: leave the device to the run)."""
        if len(self.gpus) < 2:
            return None
        load = {gpu: sum(m.gpu == gpu for m in live) for gpu in self.gpus}
        return min(self.gpus, key=lambda gpu: load[gpu])

    def _refresh(self, member: _Member) -> bool:
        """Read a started run's state and results; True once it has ended."""
        state = self._state_of(member.run_dir)
        name = state.state if state is not None else "failed"
        member.results = run_results(member.run_dir, name)
        return state is None or state.final

    def run(self, stop_requested: Callable[[], bool] = lambda: False, poll_s: float = 2.0) -> dict:
        """Start the runs, `parallel` at a time, and wait for all; on a stop request, stop the live runs."""
        pending, live = list(self.members), []
        self.write()
        while pending or live:
            live = [m for m in live if not self._refresh(m)]
            if stop_requested():
                break
            while pending and len(live) < self.parallel:
                member = pending.pop(0)
                name = f"{self.dir.name}-{point_label(member.point)}"
                earlier = self.dir.parent / name
                state = self._state_of(earlier) if self._resume and earlier.is_dir() and not earlier.is_symlink() \
                    else None
                if state is not None and state.state == "finished":
                    member.run_dir = earlier
                    self._refresh(member)
                    continue
                member.gpu = self._gpu(live)
                with _environment(CUDA_VISIBLE_DEVICES=member.gpu, OMP_NUM_THREADS=self.threads):
                    if state is None:
                        member.run_dir = self._start({**self.settings, **member.point}, self.dir.parent, name)
                    else:
                        member.run_dir = earlier
                        if not state.live:
                            self._resume(earlier)
                live.append(member)
                self._refresh(member)
            self.write()
            if live:
                time.sleep(poll_s)
        if pending or live:  # stopped: the live runs save a checkpoint and end; the others never start
            for member in live:
                with contextlib.suppress(Exception):  # it may have ended meanwhile
                    self._stop_run(member.run_dir)
            while live:
                time.sleep(min(poll_s, 0.5))
                live = [m for m in live if not self._refresh(m)]
            self.state = "stopped"
        else:
            self.state = "finished"
        return self.write()


# ---------------------------------------------------------------- reading sweeps back (the Runs page)

@dataclass(frozen=True)
class SweepInfo:
    path: Path
    name: str
    state: str  # running, finished, stopped, or interrupted (its process is gone)
    created: float
    axes: dict[str, list]
    runs: list[dict]  # the summary's records, refreshed from the run folders that still exist


def _clean_point(params, axes: tuple[str, ...]) -> dict | None:
    if not isinstance(params, dict) or not set(params) <= set(axes):
        return None
    ok = all(isinstance(v, (int, float, str)) and not isinstance(v, bool) and len(str(v)) <= 64
             for v in params.values())
    return dict(params) if ok else None


def read_sweep(sweep_dir: str | Path, state_of: Callable[[Path], object] | None = None) -> SweepInfo | None:
    """A sweep folder's summary, each run's state and results read again from its folder; None if none."""
    sweep_dir = Path(sweep_dir)
    data = read_json(sweep_dir / SWEEP_NAME)
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("runs"), list):
        return None
    if state_of is None:
        from vae.training.launch import run_state as state_of
    raw_axes = data.get("axes") if isinstance(data.get("axes"), dict) else {}
    axes = {a: list(v) for a, v in raw_axes.items() if a in AXES and isinstance(v, list)}
    runs = []
    for record in data["runs"][:10_000]:
        if not isinstance(record, dict) or (point := _clean_point(record.get("params"), AXES)) is None:
            continue
        name = record.get("name")
        row = {"name": None, "params": point, "state": PENDING, "epochs": 0, "final": {}, "scores": None}
        if isinstance(name, str) and _NAME.match(name) and ".." not in name:
            row["name"] = name
            run_dir = sweep_dir.parent / name
            state = state_of(run_dir) if run_dir.is_dir() and not run_dir.is_symlink() else None
            if state is not None:
                row.update(run_results(run_dir, state.state))
            else:  # the run folder is gone: what the summary last said
                final = record.get("final") if isinstance(record.get("final"), dict) else {}
                row["final"] = {k: n for k in FINAL_KEYS if (n := _finite(final.get(k))) is not None}
                row["state"] = record.get("state") if record.get("state") in ("finished", "stopped", "failed") \
                    else "unknown"
        runs.append(row)
    state = data.get("state") if data.get("state") in ("running", "finished", "stopped") else "unknown"
    if state == "running" and not pid_alive(data.get("pid") if isinstance(data.get("pid"), int) else None):
        state = "interrupted"
    created = _finite(data.get("created")) or 0.0
    return SweepInfo(sweep_dir, sweep_dir.name, state, created, axes, runs)


def read_sweeps(runs_root: str | Path, state_of: Callable[[Path], object] | None = None) -> list[SweepInfo]:
    """Every sweep directly under runs_root (a real folder holding a summary), newest first."""
    root = Path(runs_root)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and (p / SWEEP_NAME).is_file()]
    sweeps = [info for p in found if (info := read_sweep(p, state_of)) is not None]
    return sorted(sweeps, key=lambda info: info.created, reverse=True)
