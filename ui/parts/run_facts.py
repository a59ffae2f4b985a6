"""A training run as the pages see it, read from its directory alone: `RunFacts` and `read_facts`. Both the
runs panel (ui.parts.runs) and the run charts (ui.parts.run_charts) import it, so neither imports the other."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from vae.atomic import read_json, read_jsonl
from vae.config import FamilyTraits, ModelConfig, TrainConfig, default_for
from vae.training import launch
from vae.training.runs import METRICS_NAME, STATUS_NAME, checked_status, read_run

SECTIONS = {"model": ModelConfig, "train": TrainConfig}  # config.json's sections and the schema of each
_SCHEMA = object()  # setting()'s default: the schema's own


@dataclass(frozen=True)
class RunFacts(FamilyTraits):  # family and beta from config.json: a run not started yet has no full config
    path: Path
    state: launch.RunState
    config: dict  # config.json (checked; {} while the trainer starts or when it is damaged)
    status: dict
    launched: dict  # launch.json (started, action, ...), {} for runs started from the CLI
    steps: list[dict]  # metrics events of kind "step"
    epochs: list[dict]  # metrics events of kind "epoch"
    stamp: tuple[int, int] = (0, 0)  # metrics.jsonl (mtime_ns, size) these events were read at
    problem: str | None = None  # why the run folder is damaged (one line), None when it reads cleanly

    @property
    def name(self) -> str:
        return self.path.name

    def setting(self, section: str, key: str, default=_SCHEMA):
        """config.json's section["key"]; when it has none, `default`, else the schema's default for the run's
        family (vae.config: the trainer would have used it)."""
        value = self.config.get(section, {}).get(key, default)
        if value is not _SCHEMA:
            return value
        field = next(f for f in dataclasses.fields(SECTIONS[section]) if f.name == key)
        return default_for(field, self.config.get("model", {}).get("family", ""))

    @property
    def family(self) -> str:
        return self.setting("model", "family")

    @property
    def beta(self) -> float:
        return float(self.setting("model", "beta"))

    @property
    def dataset(self) -> str:
        return self.setting("train", "dataset")

    @property
    def total_epochs(self) -> int:
        return int(self.status.get("epochs") or self.setting("train", "epochs"))


@st.cache_data(show_spinner=False, max_entries=256)
def _events(path: str, mtime_ns: int, size: int) -> list[dict]:
    return read_jsonl(path)


def read_facts(run_dir: str | Path) -> RunFacts | None:
    """Everything the page shows about a run; None when the folder holds no run."""
    run_dir = Path(run_dir)
    state = launch.run_state(run_dir)
    if state is None:
        return None
    metrics = run_dir / METRICS_NAME
    try:
        info = metrics.stat()
        stamp = (info.st_mtime_ns, info.st_size)
        events = _events(str(metrics), *stamp)
    except OSError:
        events, stamp = [], (0, 0)
    run = read_run(run_dir)
    problem = run.problem if run is not None else None
    config = run.config if run is not None and problem is None else {}
    status = run.status if run is not None else checked_status(read_json(run_dir / STATUS_NAME, default=None))[0]
    events = [e for e in events if isinstance(e, dict) and isinstance(e.get("step", 0), int)
              and isinstance(e.get("epoch", 0), int)]  # a damaged line is skipped, never trusted
    steps = [e for e in events if e.get("kind") == "step"]
    return RunFacts(run_dir, state, config, status, launch.launch_record(run_dir), steps,
                    [e for e in events if e.get("kind") == "epoch"], stamp, problem)
