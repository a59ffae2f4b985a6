"""SIGKILL at seeded random moments (issue 15): one tiny digits run is killed before its first checkpoint,
during a checkpoint write and at a random moment, each time resumed with `train --resume`, until
it finishes. Then every epoch is done once, metrics.jsonl reads line by line, and the checkpoint loads.

The moments are watched from outside, as a user's Ctrl-\\ or the OOM killer would strike: "before the
first checkpoint" is when metrics.jsonl exists and checkpoint.safetensors does not; "during a checkpoint
write" is when the trainer's temporary checkpoint file exists (the model is big enough for that write to
take a while). VAE_FUZZ_SEED replays other random moments.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fuzz_runs import fuzz_seed
from vae.atomic import read_json
from vae.training.checkpoint import load_model, read_checkpoint
from vae.training.runs import CHECKPOINT_NAME, METRICS_NAME, STATUS_NAME

EPOCHS, LIMIT, BATCH = 3, 256, 32
STEPS = EPOCHS * LIMIT // BATCH
SETTINGS = ["--dataset", "digits", "--limit", str(LIMIT), "--hidden", "512,512", "--latent-dim", "2",
            "--batch-size", str(BATCH), "--epochs", str(EPOCHS), "--log-every", "1", "--grid-images", "4",
            "--device", "cpu", "--quiet"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
WAIT_S = 240  # a trainer that takes longer than this on a tiny run is stuck


def _start(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vae", "train", *argv], env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _temp_checkpoint(run_dir: Path) -> bool:
    return any(name.startswith(f".{CHECKPOINT_NAME}.") for name in os.listdir(run_dir))


def _kill_when(process: subprocess.Popen, moment) -> bool:
    """SIGKILL the process as soon as moment() is true (polled every millisecond); False when it ended first."""
    deadline = time.monotonic() + WAIT_S
    while process.poll() is None and time.monotonic() < deadline:
        if moment():
            process.kill()
            process.wait()
            return True
        time.sleep(0.001)
    process.communicate(timeout=WAIT_S)
    return False


def _finish(run_dir: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "vae", "train", "--resume", str(run_dir), "--quiet"], env=ENV,
                            capture_output=True, text=True, timeout=WAIT_S)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _landed(run_dir: Path) -> str:
    """Where a kill landed: the checkpoint's epoch and step, or none."""
    if not (run_dir / CHECKPOINT_NAME).is_file():
        return "no checkpoint yet"
    meta = read_checkpoint(run_dir).meta
    return f"checkpoint at epoch {meta['epoch']}, step {meta['step']}"


def test_a_run_killed_at_random_moments_resumes_and_finishes(tmp_path):
    seed = fuzz_seed()
    rng = random.Random(seed)
    run_dir = tmp_path / "run"
    exists = lambda name: (run_dir / name).is_file()  # noqa: E731
    log = []
    # 1. Before the first checkpoint: the first events are written, no checkpoint yet.
    process = _start(["--run-dir", str(run_dir), *SETTINGS])
    assert _kill_when(process, lambda: exists(METRICS_NAME) and not exists(CHECKPOINT_NAME)), \
        "the run ended before it could be killed in its first epoch"
    log.append(f"before the first checkpoint: {_landed(run_dir)}")
    assert not exists(CHECKPOINT_NAME)
    # 2. During a checkpoint write (the resume restarts from step 0 and writes its first one).
    process = _start(["--resume", str(run_dir), *SETTINGS[-1:]])
    assert _kill_when(process, lambda: run_dir.is_dir() and _temp_checkpoint(run_dir)), \
        "no checkpoint write was caught"
    log.append(f"during a checkpoint write: {_landed(run_dir)}")
    # 3. At a random moment after the trainer has said it is running.
    process = _start(["--resume", str(run_dir), "--quiet"])
    started = [None]

    def moment() -> bool:
        # read_json, not read_text: a resume with no checkpoint yet restarts from step 0 and clears the old
        # status.json, which can vanish between a check that it exists and the read.
        status = read_json(run_dir / STATUS_NAME, default=None)
        if started[0] is None and isinstance(status, dict) and status.get("pid") == process.pid:
            started[0] = time.monotonic() + rng.uniform(0.0, 2.0)
        return started[0] is not None and time.monotonic() >= started[0]

    killed = _kill_when(process, moment)
    log.append(f"at a random moment: {_landed(run_dir)}" if killed else "at a random moment: it finished first")
    print(f"\nkill seed {seed}: " + "; ".join(log))
    status = json.loads((run_dir / STATUS_NAME).read_text())
    if status.get("state") != "finished":
        _finish(run_dir)
    status = json.loads((run_dir / STATUS_NAME).read_text())
    assert (status["state"], status["epoch"], status["step"]) == ("finished", EPOCHS, STEPS)
    lines = (run_dir / METRICS_NAME).read_text().splitlines()
    events = [json.loads(line) for line in lines]  # every line parses: no torn line survives a resume
    epochs = [e["epoch"] for e in events if e["kind"] == "epoch"]
    steps = [e["step"] for e in events if e["kind"] == "step"]
    assert epochs == list(range(1, EPOCHS + 1))  # each once: events after a checkpoint are dropped and replayed
    assert steps == list(range(1, STEPS + 1))
    assert read_checkpoint(run_dir).meta["epoch"] == EPOCHS
    load_model(run_dir)
    assert not [p.name for p in run_dir.iterdir() if p.name.endswith(".tmp")], "a half-written file was left"
