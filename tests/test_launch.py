"""vae.training.launch: names, settings checked before anything starts, and real trainer processes started,
stopped, resumed, killed and deleted (all at once, so the module waits for Python's start-up only twice)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from vae.training import launch
from vae.config import ConfigError
from vae.data import list_datasets, load_dataset
from vae.training.runs import read_metrics, read_run

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


def test_the_trainer_command_is_fixed_words_and_the_folder(tmp_path):
    run_dir = tmp_path / "run"
    assert launch._trainer_command(run_dir, "start") == [sys.executable, "-m", "vae", "train", "--run-dir",
                                                         str(run_dir.absolute()), "--quiet"]
    assert launch._trainer_command(run_dir, "resume", 7)[4:] == ["--resume", str(run_dir.absolute()), "--quiet",
                                                                 "--epochs", "7"]


def test_check_settings_accepts_a_good_form():
    assert launch.check_settings(dict(TINY, family="vae")) == []
    assert launch.check_settings(dict(TINY, family="vqvae", image_size=16, hidden=(8, 8), codebook_size=16)) == []


@pytest.mark.parametrize("changes, message", [
    (dict(beta=-1.0), "beta must be a number >= 0"),
    (dict(family="vqvae", arch="mlp"), "VQ-VAE quantizes a grid of conv features"),
    (dict(arch="conv", hidden=(8, 8, 8, 8)), "must be divisible by 16"),
    (dict(warmup="linear", warmup_steps=0), "KL warm-up needs warmup_steps >= 1"),
    (dict(epochs=0), "epochs must be at least 1"),
    (dict(lr=0.0), "learning rate must be a number > 0"),
    (dict(family="nonsense"), "unknown model 'nonsense'"),
    (dict(family="tcvae", free_bits=1.0), "free_bits is not used by tcvae"),
    (dict(train_size=5000), "train_size applies to shapes only"),
    (dict(dataset="folder"), "the folder dataset needs a folder"),
    (dict(exclude_classes=(12,)), "exclude_classes [12] out of range: digits has classes 0..9"),
    (dict(exclude_classes=tuple(range(10))), "exclude_classes leaves none of the 10 classes of digits"),
])
def test_check_settings_refuses_with_one_line(changes, message):
    problems = [str(p) for p in launch.check_settings({**TINY, **changes})]
    assert problems and message in problems[0]
    assert all("\n" not in p for p in problems)


def test_missing_dataset_says_how_to_get_it(tmp_path):
    missing = next(s for s in list_datasets(str(tmp_path)) if s.name == "mnist")  # an empty folder holds no MNIST
    assert not missing.available
    problems = launch.check_settings({**TINY, "dataset": "mnist", "data_root": str(tmp_path)})
    assert [str(p) for p in problems] == [missing.how_to_get] and problems[0].field == "dataset"


def test_cvae_needs_labels():
    def unlabelled(*args):
        data = load_dataset("digits", "test", limit=4)
        data.labels = None
        return data

    problems = launch.check_settings({**TINY, "family": "cvae"}, probe=unlabelled)
    assert problems and "needs class labels" in str(problems[0])


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_refused():
    problems = launch.check_settings({**TINY, "device": "cuda"})
    assert any("no CUDA GPU is available" in str(p) for p in problems)


def test_names_never_clobber(tmp_path):
    first = launch.claim_dir(tmp_path, "demo")
    second = launch.claim_dir(tmp_path, "demo")
    assert (first.name, second.name) == ("demo", "demo-2")
    with pytest.raises(ConfigError, match="unknown settings"):
        launch.start_run({"run_dir": "x"}, tmp_path, "third")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "demo-2"]  # refused before a folder was made


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
            "bad": _tampered(root),
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


def _tampered(root: Path) -> Path:
    """A prepared run whose config.json was edited by hand after the checks (as a copied folder may be)."""
    run_dir = launch.claim_dir(root, "bad")
    train = dict(dataset="digits", limit=300, batch_size=32, epochs=1, device="cpu")
    (run_dir / "config.json").write_text(json.dumps({"model": {"family": "vae", "beta": -1.0}, "train": train,
                                                     "prepared": True}))
    launch._spawn(run_dir, "start")
    return run_dir


def test_stop_before_the_trainer_reports_then_restart(launched):
    run_dir = launched["early"]
    root = run_dir.parent
    if state_of(run_dir) == "starting":
        launch.stop_run(run_dir, runs_root=root)
        wait_for(lambda: state_of(run_dir) == "stopped", what="stopped while starting")
    else:  # the machine was quick: the trainer already reports; a stop is then a clean one
        launch.stop_run(run_dir, runs_root=root)
        wait_for(lambda: state_of(run_dir) == "stopped", what="stopped")
    launch.resume_run(run_dir, epochs=1, runs_root=root)
    assert state_of(run_dir) == "starting"
    argv = launch._command_line(launch.run_state(run_dir).pid)
    assert argv[-6:] == ["train", "--resume", str(run_dir.absolute()), "--quiet", "--epochs", "1"]
    launch.stop_run(run_dir, runs_root=root)
    wait_for(lambda: state_of(run_dir) in ("stopped", "finished"), what="the second stop")


def test_stop_then_resume_to_the_end(launched):
    run_dir = launched["flow"]
    assert (run_dir / "launch.json").is_file() and json.loads((run_dir / "launch.json").read_text())["pid"]
    wait_for(lambda: state_of(run_dir) == "running" and len(read_metrics(run_dir, "step")) >= 3, what="steps")
    with pytest.raises(launch.LaunchError, match="still running"):
        launch.delete_run(run_dir, runs_root=run_dir.parent)
    launch.stop_run(run_dir, runs_root=run_dir.parent)
    wait_for(lambda: state_of(run_dir) == "stopped", what="a clean stop")
    status = read_run(run_dir).status
    assert status["message"] == "stopped by SIGTERM" and status["epoch"] < 12
    launch.resume_run(run_dir, runs_root=run_dir.parent)
    assert state_of(run_dir) in ("starting", "running")
    wait_for(lambda: state_of(run_dir) == "finished", what="the resumed run to finish")
    assert read_metrics(run_dir, "epoch")[-1]["epoch"] == 12
    assert any("=== resume" in line for line in launch.log_tail(run_dir, 10))


def test_killed_trainer_is_interrupted_then_deleted(launched):
    run_dir = launched["kill"]
    wait_for(lambda: state_of(run_dir) == "running", what="the trainer to run")
    os.kill(launch.run_state(run_dir).pid, signal.SIGKILL)
    wait_for(lambda: state_of(run_dir) == "interrupted", timeout=10, what="interrupted")
    launch.delete_run(run_dir, runs_root=run_dir.parent)
    assert not run_dir.exists()


def test_bad_settings_fail_with_the_cli_message(launched):
    run_dir = launched["bad"]
    state = wait_for(lambda: (s := launch.run_state(run_dir)) and s.state == "failed" and s, what="the refusal")
    assert state.message.startswith("error: ") and "beta must be a number >= 0 (got -1.0)" in state.message
    assert not (run_dir / "status.json").exists()  # refused before it trained a step


# ---------------------------------------------------------------- a run folder is untrusted (issue 15)

def _finished_run(root: Path, name: str) -> Path:
    """A tiny run trained in this process, as a copied or downloaded run folder would arrive."""
    from vae.training.trainer import train_settings

    run_dir = root / name
    train_settings(dict(TINY, epochs=1, limit=64), run_dir)
    return run_dir


def test_try_again_never_runs_a_command_from_the_folder(tmp_path):
    run_dir = _finished_run(tmp_path, "copied")
    marker = tmp_path / "pwned"
    (run_dir / "checkpoint.safetensors").unlink()  # so "Try again" restarts it from its config
    (run_dir / "launch.json").write_text(json.dumps({"pid": None, "started": 1.0, "action": "start",
                                                     "command": ["/bin/sh", "-c", f"touch {marker}"]}))
    launch.resume_run(run_dir, epochs=1, runs_root=tmp_path)
    wait_for(lambda: state_of(run_dir) == "finished", what="the restarted run")
    assert not marker.exists()
    assert "command" not in json.loads((run_dir / "launch.json").read_text())


def test_stop_never_signals_a_process_that_is_not_our_trainer(tmp_path):
    import subprocess

    run_dir = _finished_run(tmp_path, "lying")
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        (run_dir / "status.json").write_text(json.dumps({"state": "running", "pid": stranger.pid,
                                                         "updated": time.time() + 60, "started": time.time()}))
        assert launch.run_state(run_dir).state == "running"
        with pytest.raises(launch.LaunchError, match="not this run's trainer"):
            launch.stop_run(run_dir, runs_root=tmp_path)
        time.sleep(0.2)
        assert stranger.poll() is None  # still alive: nothing was signalled
    finally:
        stranger.kill()
        stranger.wait()


def test_links_are_never_run_folders(tmp_path):
    root, elsewhere = tmp_path / "runs", tmp_path / "precious"
    root.mkdir()
    victim = _finished_run(tmp_path, "precious")
    before = sorted(p.name for p in victim.rglob("*"))
    (root / "link").symlink_to(elsewhere, target_is_directory=True)
    assert launch.list_run_dirs(root) == []
    from vae.training.runs import list_runs
    assert list_runs(root) == []
    for action in (launch.resume_run, launch.delete_run):
        with pytest.raises(launch.LaunchError, match="not a run folder"):
            action(root / "link", runs_root=root)
    with pytest.raises(launch.LaunchError, match="not in the runs folder"):
        launch.delete_run(victim, runs_root=root)
    assert sorted(p.name for p in victim.rglob("*")) == before  # nothing of the target was touched


def test_damaged_files_read_as_a_problem_not_a_crash(tmp_path):
    run_dir = _finished_run(tmp_path, "damaged")
    config = json.loads((run_dir / "config.json").read_text())
    spec = config["spec"]
    old = read_run(run_dir).config  # the layout written before RunSpec, still read (shipped assets)
    cases = [
        ("config.json", {**config, "spec": {**spec, "model": {**spec["model"], "family": "gan"}}},
         "unknown model 'gan'"),
        ("config.json", {**config, "spec": {**spec, "model": {**spec["model"], "beta": "4"}}}, "beta must be a number"),
        ("config.json", {**config, "spec": {**spec, "model": [1, 2]}}, "must be a JSON object"),
        ("config.json", {**config, "spec": {**spec, "train": [1]}}, "must be a JSON object"),
        ("config.json", {**config, "spec": {"model": spec["model"]}}, "must be a JSON object"),
        ("config.json", {**config, "spec": {**spec, "extra": 1}}, "unknown spec parts"),
        ("config.json", {**config, "data": "x"}, "data settings must be a JSON object"),
        ("config.json", {**config, "data": {**config["data"], "class_names": 3}}, "class_names must be a list"),
        ("config.json", {**config, "data": {**config["data"], "image_shape": [1, 8]}}, "image shape must be"),
        ("config.json", {**old, "model": {**old["model"], "family": "gan"}}, "unknown model 'gan'"),
        ("config.json", {**old, "model": {**old["model"], "beta": "4"}}, "beta must be a number"),
        ("config.json", {**old, "model": [1, 2]}, "must be a JSON object"),
        ("config.json", {**old, "train": [1]}, "must be a JSON object"),
        ("config.json", {k: v for k, v in old.items() if k != "train"}, "must be a JSON object"),
        ("config.json", {**old, "dataset_info": "x"}, "dataset_info must be a JSON object"),
        ("config.json", {**old, "dataset_info": {"class_names": 3}}, "class_names must be a list"),
        ("status.json", {"state": "running", "pid": "12"}, "status.json's pid has the wrong type"),
        ("status.json", [1, 2], "status.json is not a JSON object"),
    ]
    original = {name: (run_dir / name).read_text() for name in ("config.json", "status.json")}
    for name, content, why in cases:
        (run_dir / name).write_text(json.dumps(content))
        run = read_run(run_dir)
        assert run.problem and why in run.problem and "\n" not in run.problem, (content, run.problem)
        launch.run_state(run_dir)  # reads without raising
        (run_dir / name).write_text(original[name])
    assert read_run(run_dir).problem is None
