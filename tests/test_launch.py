"""vae.launch: names, settings checked before anything starts, and real trainer processes started,
stopped, resumed, killed and deleted (all at once, so the module waits for Python's start-up only twice)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from vae import launch
from vae.data import list_datasets, load_dataset
from vae.runs import read_metrics, read_run

TINY = dict(dataset="digits", limit=300, hidden=(32,), latent_dim=3, batch_size=32, log_every=1, device="cpu")
TIMEOUT_S = 240  # a trainer's start-up (importing torch) takes seconds here, much longer on a busy machine


def wait_for(predicate, timeout: float = TIMEOUT_S, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def state_of(run_dir: Path) -> str:
    state = launch.run_state(run_dir)
    return state.state if state else "none"


# ---------------------------------------------------------------- no processes

@pytest.mark.parametrize("raw, clean", [
    ("my run", "my-run"), ("../../etc/passwd", "etc-passwd"), ("a/b\\c", "a-b-c"), (".hidden", "hidden"),
    ("β-VAE on shapes", "β-VAE-on-shapes"), ("形状 β=4", "形状-β-4"), ("run.v2", "run.v2"), ("x..y", "x-y"),
    ("  ", ""), ("-_-", ""), ("a" * 100, "a" * 64), ("con:*?<>|x", "con-x"),
])
def test_sanitize_run_name(raw, clean):
    assert launch.sanitize_run_name(raw) == clean


def test_settings_to_args_speaks_the_cli():
    args = launch.settings_to_args(dict(model="cvae", hidden=(256, 64), latent_dim=2, lr=0.001, download=True,
                                        image_size=None, no_bf16=False, exclude_classes=()))
    assert args == ["--model", "cvae", "--hidden", "256,64", "--latent-dim", "2", "--download", "--lr", "0.001"]
    with pytest.raises(ValueError, match="unknown training settings"):
        launch.settings_to_args({"bogus": 1})


def test_check_settings_accepts_a_good_form():
    assert launch.check_settings(dict(TINY, model="vae")) == []
    assert launch.check_settings(dict(TINY, model="vqvae", image_size=16, hidden=(8, 8), codebook_size=16)) == []


@pytest.mark.parametrize("changes, message", [
    (dict(beta=-1.0), "beta must be a number >= 0"),
    (dict(model="vqvae", arch="mlp"), "VQ-VAE quantizes a grid of conv features"),
    (dict(arch="conv", hidden=(8, 8, 8, 8)), "must be divisible by 16"),
    (dict(warmup="linear", warmup_steps=0), "KL warm-up needs warmup_steps >= 1"),
    (dict(epochs=0), "epochs must be at least 1"),
    (dict(lr=0.0), "learning rate must be a number > 0"),
    (dict(model="nonsense"), "invalid choice"),
    (dict(dataset="folder"), "the folder dataset needs a folder"),
    (dict(exclude_classes=(12,)), "exclude_classes [12] out of range: digits has classes 0..9"),
    (dict(exclude_classes=tuple(range(10))), "exclude_classes leaves none of the 10 classes of digits"),
])
def test_check_settings_refuses_with_one_line(changes, message):
    problems = launch.check_settings({**TINY, **changes})
    assert problems and message in problems[0]
    assert all("\n" not in p for p in problems)


def test_missing_dataset_says_how_to_get_it(tmp_path):
    missing = next(s for s in list_datasets(str(tmp_path)) if s.name == "mnist")  # an empty folder holds no MNIST
    assert not missing.available
    problems = launch.check_settings({**TINY, "dataset": "mnist", "data_root": str(tmp_path)})
    assert problems == [missing.how_to_get]


def test_cvae_needs_labels():
    def unlabelled(*args):
        data = load_dataset("digits", "test", limit=4)
        data.labels = None
        return data

    problems = launch.check_settings({**TINY, "model": "cvae"}, probe=unlabelled)
    assert problems and "needs class labels" in problems[0]


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_refused():
    problems = launch.check_settings({**TINY, "device": "cuda"})
    assert any("no CUDA GPU is available" in p for p in problems)


def test_names_never_clobber(tmp_path):
    first = launch._claim_dir(tmp_path, "demo")
    second = launch._claim_dir(tmp_path, "demo")
    assert (first.name, second.name) == ("demo", "demo-2")
    with pytest.raises(ValueError, match="picks the run directory"):
        launch.start_run(["--run-dir", "x"], tmp_path)


def test_states_from_files_alone(tmp_path):
    assert launch.run_state(tmp_path) is None
    gone = _dead_pid()
    (tmp_path / "status.json").write_text(json.dumps({"state": "running", "pid": gone, "updated": 1.0}))
    (tmp_path / "config.json").write_text("{}")
    assert launch.run_state(tmp_path).state == "interrupted"
    # A live pid counts only if that process was there when the status was written (no pid reuse).
    (tmp_path / "status.json").write_text(json.dumps({"state": "running", "pid": os.getpid(), "updated": time.time()}))
    assert launch.run_state(tmp_path).state == "running"
    (tmp_path / "status.json").write_text(json.dumps({"state": "running", "pid": os.getpid(), "updated": 1.0}))
    assert launch.run_state(tmp_path).state == "interrupted"
    (tmp_path / "launch.json").write_text(json.dumps({"pid": gone, "started": 2.0, "command": ["x"]}))
    (tmp_path / "train.log").write_text("loading\nerror: beta must be a number >= 0 (got -1.0)\n")
    state = launch.run_state(tmp_path)
    assert (state.state, state.message) == ("failed", "error: beta must be a number >= 0 (got -1.0)")
    assert launch.log_tail(tmp_path, 1) == ["error: beta must be a number >= 0 (got -1.0)"]


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


# ---------------------------------------------------------------- real trainers

@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """Four trainers started together: one to stop and resume, one to kill, one with bad settings, one
    stopped before it could start."""
    root = tmp_path_factory.mktemp("launched")
    threads = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"  # the trainers share this machine with the tests
    try:
        runs = {
            "flow": launch.start_run({**TINY, "epochs": 12}, root, "flow"),
            "kill": launch.start_run({**TINY, "epochs": 500}, root, "kill"),
            "bad": launch.start_run(["--beta", "-1"], root, "bad"),
            "early": launch.start_run({**TINY, "epochs": 500}, root, "early"),
        }
    finally:
        if threads is None:
            os.environ.pop("OMP_NUM_THREADS")
        else:
            os.environ["OMP_NUM_THREADS"] = threads
    yield runs
    for run_dir in runs.values():
        state = launch.run_state(run_dir)
        if state is not None and state.live and state.pid:
            os.kill(state.pid, signal.SIGKILL)


def test_stop_before_the_trainer_reports_then_restart(launched):
    run_dir = launched["early"]
    if state_of(run_dir) == "starting":
        launch.stop_run(run_dir)
        wait_for(lambda: state_of(run_dir) == "stopped", what="stopped while starting")
    else:  # the machine was quick: the trainer already reports; a stop is then a clean one
        launch.stop_run(run_dir)
        wait_for(lambda: state_of(run_dir) == "stopped", what="stopped")
    launch.resume_run(run_dir, epochs=1)
    assert state_of(run_dir) == "starting"
    command = json.loads((run_dir / "launch.json").read_text())["command"]
    assert "--epochs" in command and (command[command.index("--epochs") + 1] == "1" or "--resume" in command)
    launch.stop_run(run_dir)
    wait_for(lambda: state_of(run_dir) in ("stopped", "finished"), what="the second stop")


def test_stop_then_resume_to_the_end(launched):
    run_dir = launched["flow"]
    assert (run_dir / "launch.json").is_file() and json.loads((run_dir / "launch.json").read_text())["pid"]
    wait_for(lambda: state_of(run_dir) == "running" and len(read_metrics(run_dir, "step")) >= 3, what="steps")
    with pytest.raises(launch.LaunchError, match="still running"):
        launch.delete_run(run_dir)
    launch.stop_run(run_dir)
    wait_for(lambda: state_of(run_dir) == "stopped", what="a clean stop")
    status = read_run(run_dir).status
    assert status["message"] == "stopped by SIGTERM" and status["epoch"] < 12
    launch.resume_run(run_dir)
    assert state_of(run_dir) in ("starting", "running")
    wait_for(lambda: state_of(run_dir) == "finished", what="the resumed run to finish")
    assert read_metrics(run_dir, "epoch")[-1]["epoch"] == 12
    assert any("=== resume" in line for line in launch.log_tail(run_dir, 10))


def test_killed_trainer_is_interrupted_then_deleted(launched):
    run_dir = launched["kill"]
    wait_for(lambda: state_of(run_dir) == "running", what="the trainer to run")
    os.kill(launch.run_state(run_dir).pid, signal.SIGKILL)
    wait_for(lambda: state_of(run_dir) == "interrupted", timeout=10, what="interrupted")
    launch.delete_run(run_dir)
    assert not run_dir.exists()


def test_bad_settings_fail_with_the_cli_message(launched):
    run_dir = launched["bad"]
    state = wait_for(lambda: (s := launch.run_state(run_dir)) and s.state == "failed" and s, what="the refusal")
    assert state.message == "error: beta must be a number >= 0 (got -1.0)"
    assert not (run_dir / "config.json").exists()
