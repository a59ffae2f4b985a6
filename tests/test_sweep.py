"""Sweeps: the grid, K runs at a time with one GPU each, the summary (written atomically, read back as
untrusted input), a stop, a tiny real sweep through the launcher, and its group on the Runs page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vae.training import sweep
from vae.training.launch import claim_dir
from vae.atomic import atomic_write_json
from vae.training.launch import RunState
from vae.training.runs import read_run

REPO = Path(__file__).resolve().parents[1]


def test_values_and_the_grid():
    types = sweep.axis_types()  # each axis parses as its setting's type in vae.config
    assert sweep.parse_values("1,2, 4", types["seed"]) == (1, 2, 4)
    assert sweep.parse_values("1,4", types["beta"]) == (1.0, 4.0) and sweep.point_label({"beta": 4.0}) == "beta4"
    assert sweep.parse_values("1e-3,3e-4", types["lr"]) == (0.001, 0.0003)
    assert sweep.parse_values("vae,tcvae", types["family"]) == ("vae", "tcvae")
    for bad, kind in (("", str), (",", str), ("1,1", int), ("1.5", int), ("x", float)):
        with pytest.raises(ValueError):
            sweep.parse_values(bad, kind)
    points = sweep.grid({"beta": (1, 4), "seed": (0, 1, 2)})
    assert points[:4] == [{"beta": 1, "seed": 0}, {"beta": 1, "seed": 1}, {"beta": 1, "seed": 2}, {"beta": 4, "seed": 0}]
    assert len(points) == 6 and sweep.point_label(points[-1]) == "beta4-seed2"


class FakeLauncher:
    """start_run / run_state / stop_run over run folders this test writes; a run ends `steps` polls after it starts."""

    def __init__(self, steps: int = 2):
        self.steps, self.polls, self.started, self.stopped = steps, {}, [], []

    def start(self, settings: dict, runs_root: Path, name: str) -> Path:
        run_dir = runs_root / name
        run_dir.mkdir()
        (run_dir / "config.json").write_text(json.dumps({"model": {}, "train": {}}))
        self.started.append((name, settings, os.environ.get("CUDA_VISIBLE_DEVICES")))
        self.polls[run_dir] = 0
        return run_dir

    def live(self) -> int:
        return sum(1 for d, n in self.polls.items() if n < self.steps and d not in self.stopped)

    def state(self, run_dir: Path) -> RunState:
        self.max_live = max(getattr(self, "max_live", 0), self.live())
        self.polls[run_dir] += 1
        if run_dir in self.stopped:
            return RunState("stopped", None, "")
        if self.polls[run_dir] <= self.steps:
            return RunState("running", 1, "")
        loss = 100.0 - self.started[[n for n, *_ in self.started].index(run_dir.name)][1].get("beta", 0)
        (run_dir / "metrics.jsonl").write_text(json.dumps({"kind": "epoch", "epoch": 3, "test_loss": loss}) + "\n")
        return RunState("finished", None, "")

    def stop(self, run_dir: Path) -> None:
        self.stopped.append(run_dir)


def _sweep(tmp_path, launcher, points, parallel=2, gpus=()):
    sweep_dir = claim_dir(tmp_path, "grid")
    return sweep.Sweep(sweep_dir, points, {"dataset": "digits", "epochs": 3}, parallel, list(gpus),
                       launcher.start, launcher.state, launcher.stop)


def test_a_sweep_runs_k_at_a_time_and_sums_up(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    launcher = FakeLauncher()
    points = sweep.grid({"beta": (1, 2, 4), "seed": (0, 1)})
    summary = _sweep(tmp_path, launcher, points, parallel=2).run(poll_s=0)
    assert launcher.max_live == 2 and len(launcher.started) == 6
    assert [s for _, s, _ in launcher.started] == [{"dataset": "digits", "epochs": 3, **p} for p in points]
    assert all(gpu is None for *_, gpu in launcher.started)  # no GPUs: the device is left to each run
    saved = json.loads((tmp_path / "grid" / "sweep.json").read_text())
    assert saved == json.loads(json.dumps(summary)) and saved["state"] == "finished"
    assert saved["axes"] == {"beta": [1, 2, 4], "seed": [0, 1]}
    assert [r["name"] for r in saved["runs"]] == [f"grid-{sweep.point_label(p)}" for p in points]
    assert {r["state"] for r in saved["runs"]} == {"finished"}
    assert [r["final"]["test_loss"] for r in saved["runs"]] == [99, 99, 98, 98, 96, 96]
    assert not list((tmp_path / "grid").glob(".*.tmp"))


def test_one_gpu_per_run_when_there_are_several(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,5")
    launcher = FakeLauncher(steps=3)
    summary = _sweep(tmp_path, launcher, sweep.grid({"beta": (1, 2, 4, 8)}), parallel=2, gpus=("2", "5")).run(poll_s=0)
    gpus = [gpu for *_, gpu in launcher.started]
    assert gpus[:2] == ["2", "5"] and set(gpus) == {"2", "5"}  # each run starts on the least busy GPU
    assert [r["gpu"] for r in summary["runs"]] == gpus
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "2,5"  # this process's own setting is restored


def test_a_stopped_sweep_stops_its_live_runs_and_starts_no_more(tmp_path):
    launcher = FakeLauncher(steps=50)
    summary = _sweep(tmp_path, launcher, sweep.grid({"seed": (0, 1, 2, 3)}), parallel=2).run(
        stop_requested=lambda: len(launcher.started) == 2, poll_s=0)
    assert summary["state"] == "stopped" and len(launcher.started) == 2
    assert sorted(d.name for d in launcher.stopped) == ["grid-seed0", "grid-seed1"]
    assert [r["state"] for r in summary["runs"]] == ["stopped", "stopped", "pending", "pending"]
    info = sweep.read_sweep(tmp_path / "grid", launcher.state)
    assert info.state == "stopped" and [r["name"] for r in info.runs] == ["grid-seed0", "grid-seed1", None, None]


def test_a_resumed_sweep_keeps_finished_runs_continues_stopped_ones_and_starts_the_rest(tmp_path):
    launcher = FakeLauncher(steps=50)
    points = sweep.grid({"seed": (0, 1, 2, 3)})
    _sweep(tmp_path, launcher, points, parallel=2).run(stop_requested=lambda: len(launcher.started) == 2, poll_s=0)
    finished = tmp_path / "grid-seed0"
    (finished / "metrics.jsonl").write_text(json.dumps({"kind": "epoch", "epoch": 3, "test_loss": 90.0}) + "\n")
    states = {finished: RunState("finished", None, ""), tmp_path / "grid-seed1": RunState("stopped", None, "")}
    resumed = []

    def state(run_dir: Path) -> RunState:  # seed0 finished before the stop, seed1 stopped; then each runs once
        if run_dir in resumed or run_dir.name in ("grid-seed2", "grid-seed3"):
            states[run_dir] = RunState("finished", None, "") if states.get(run_dir) else RunState("running", 1, "")
        return states.get(run_dir) or states.setdefault(run_dir, RunState("running", 1, ""))

    again = sweep.Sweep(tmp_path / "grid", points, {"dataset": "digits", "epochs": 3}, 2, [], launcher.start, state,
                        launcher.stop, resume=resumed.append)
    summary = again.run(poll_s=0)
    assert resumed == [tmp_path / "grid-seed1"]  # continued from its checkpoint, not started again
    assert [n for n, *_ in launcher.started] == ["grid-seed0", "grid-seed1", "grid-seed2", "grid-seed3"]
    assert summary["state"] == "finished" and [r["state"] for r in summary["runs"]] == ["finished"] * 4
    assert summary["runs"][0]["final"]["test_loss"] == 90.0


def test_a_summary_is_read_as_untrusted_input(tmp_path):
    good = tmp_path / "grid-beta1"
    good.mkdir()
    (good / "config.json").write_text("{}")
    (good / "metrics.jsonl").write_text(json.dumps({"kind": "epoch", "epoch": 2, "test_loss": 31.5,
                                                    "test_kl": "lots"}) + "\n")
    (good / "disentanglement.json").write_text(json.dumps({
        "mig": 0.31, "factor_vae": 0.8, "sap": float("nan"), "modularity": True, "Bad Key": 1.0, "extra_score": 0.5}))
    outside = tmp_path.parent / "outside-run"
    outside.mkdir(exist_ok=True)
    (tmp_path / "grid").mkdir()
    atomic_write_json(tmp_path / "grid" / "sweep.json", {
        "format": "vae-sweep", "state": "running", "pid": 2 ** 22 + 12345, "created": 5.0,
        "axes": {"beta": [1, 2, 3], "rm -rf": [1]},
        "runs": [{"name": "grid-beta1", "params": {"beta": 1}},
                 {"name": "../outside-run", "params": {"beta": 2}, "state": "finished", "final": {"test_loss": 1}},
                 {"name": "gone", "params": {"beta": 3}, "state": "finished", "final": {"test_loss": "x"}},
                 {"name": "grid-beta9", "params": {"beta": [9]}},
                 "not a record"]})
    info = sweep.read_sweep(tmp_path / "grid", lambda d: RunState("finished", None, "") if d == good else None)
    assert info.state == "interrupted"  # "running", but its pid is no process
    assert info.axes == {"beta": [1, 2, 3]}
    first, second, third = info.runs
    assert first["final"] == {"test_loss": 31.5} and first["epochs"] == 2 and first["state"] == "finished"
    assert first["scores"] == {"mig": 0.31, "factor_vae": 0.8, "extra_score": 0.5}
    assert second["name"] is None and second["state"] == "pending"  # a path, never followed
    assert third["name"] == "gone" and third["state"] == "finished" and third["final"] == {}
    for text in ("[]", "{", json.dumps({"format": "other", "runs": []})):
        (tmp_path / "grid" / "sweep.json").write_text(text)
        assert sweep.read_sweep(tmp_path / "grid") is None


# ---------------------------------------------------------------- a real tiny sweep, and the Runs page

TINY_SWEEP = ["--beta", "1,4", "--seed", "3", "--dataset", "digits", "--limit", "64", "--epochs", "1",
              "--hidden", "32", "--latent-dim", "2", "--device", "cpu", "--parallel", "2", "--name", "tiny"]


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("sweeps")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "vae", "sweep", *TINY_SWEEP, "--runs-dir", str(root), "--poll", "0.1"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    return root, done


def test_a_tiny_sweep_trains_its_grid_through_the_launcher(tiny_sweep):
    root, done = tiny_sweep
    assert done.returncode == 0, done.stderr
    _, threads = sweep.cpu_plan(2)  # a CPU sweep shares the cores out among its runs
    assert done.stdout.splitlines()[0] == (f"{root / 'tiny'}: 2 runs, 2 at a time, {threads} thread"
                                           f"{'s' if threads > 1 else ''} each")
    assert done.stdout.splitlines()[-1] == f"finished: {root / 'tiny' / 'sweep.json'}"
    names = ["tiny-beta1", "tiny-beta4"]
    for name, beta in zip(names, (1.0, 4.0)):
        run = read_run(root / name)
        assert run.state == "finished" and run.config["model"]["beta"] == beta and run.config["train"]["seed"] == 3
        assert json.loads((root / name / "launch.json").read_text())["action"] == "start"  # launched by the app's path
    summary = json.loads((root / "tiny" / "sweep.json").read_text())
    assert summary["state"] == "finished" and summary["axes"] == {"beta": [1, 4]}
    assert [r["name"] for r in summary["runs"]] == names and all(r["final"]["test_loss"] > 0 for r in summary["runs"])
    started = [json.loads((root / n / "launch.json").read_text())["started"] for n in names]
    ended = [read_run(root / n).status["updated"] for n in names]
    assert max(started) < min(ended)  # both ran at once (--parallel 2)


def test_a_sweep_with_bad_settings_starts_nothing(tmp_path):
    done = subprocess.run([sys.executable, "-m", "vae", "sweep", "--beta", "1,-2", "--dataset", "digits",
                           "--runs-dir", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr == "error: beta=-2: beta must be a number >= 0 (got -2.0)\n"
    assert not list(tmp_path.iterdir())


def test_resume_continues_a_sweep_only_with_its_own_grid(tiny_sweep, tmp_path):
    root, done = tiny_sweep
    assert done.returncode == 0, done.stderr
    again = subprocess.run([sys.executable, "-m", "vae", "sweep", *TINY_SWEEP, "--runs-dir", str(root), "--poll", "0.1",
                            "--resume"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == f"finished: {root / 'tiny' / 'sweep.json'}"
    assert sorted(p.name for p in root.iterdir()) == ["tiny", "tiny-beta1", "tiny-beta4"]  # nothing trained again
    for name in ("tiny-beta1", "tiny-beta4"):
        assert json.loads((root / name / "launch.json").read_text())["action"] == "start"
    changed = [*TINY_SWEEP[:1], "1,8", *TINY_SWEEP[2:]]
    for flags, words in ((changed + ["--runs-dir", str(root)], "with the grid and settings it was started with"),
                         (TINY_SWEEP + ["--runs-dir", str(tmp_path)], "holds no sweep to resume")):
        refused = subprocess.run([sys.executable, "-m", "vae", "sweep", *flags, "--resume"], cwd=REPO,
                                 capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and words in refused.stderr and refused.stderr.count("\n") == 1


@pytest.mark.parametrize("lang, words", [("en", ("Sweeps", "2 of 2 runs finished", "MIG")),
                                         ("zh", ("扫参", "已完成 2 个", "MIG"))])
def test_the_runs_page_shows_a_sweep_as_one_group(tiny_sweep, monkeypatch, lang, words):
    from streamlit.testing.v1 import AppTest

    from ui.catalog import ROOT

    root, _ = tiny_sweep
    atomic_write_json(root / "tiny-beta4" / "disentanglement.json", {"mig": 0.25, "factor_vae": 0.7})
    monkeypatch.setenv("VAE_RUNS_DIR", str(root))
    monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", lang)
    at = AppTest.from_file(str(ROOT / "views/runs.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert words[0] in [s.value for s in at.subheader]
    expander = next(e for e in at.expander if e.label.startswith("tiny · "))
    assert words[1] in expander.label
    frame = expander.dataframe[0].value
    assert list(frame[frame.columns[0]]) == [1, 4]  # the β axis
    assert words[2] in frame.columns
    assert frame[words[2]].isna().tolist() == [True, False] and frame[words[2]].iloc[1] == 0.25


def test_means_over_seeds(monkeypatch):
    from ui.parts.sweeps import seed_means

    monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", "en")
    runs = [{"name": f"r{b}{s}", "params": {"beta": b, "seed": s}, "state": "finished" if s < 2 else "failed",
             "epochs": 3, "final": {"test_loss": 10.0 * b + s}, "scores": {"mig": 0.1 * b} if s else None}
            for b in (1, 4) for s in (0, 1, 2)]
    info = sweep.SweepInfo(Path("x"), "x", "finished", 0.0, {"beta": [1, 4], "seed": [0, 1, 2]}, runs)
    assert seed_means(info) == [
        {"β": 1, "Finished runs": "2 / 3", "Test loss": "10.50 ± 0.71", "MIG": "0.100"},
        {"β": 4, "Finished runs": "2 / 3", "Test loss": "40.50 ± 0.71", "MIG": "0.400"}]
    assert seed_means(sweep.SweepInfo(Path("x"), "x", "finished", 0.0, {"beta": [1, 4]}, runs)) == []


def test_a_cpu_sweep_runs_one_training_per_core_with_one_thread_each(monkeypatch):
    monkeypatch.setattr(sweep, "cpu_cores", lambda: 4)
    assert sweep.cpu_plan(None) == (4, 1)
    assert sweep.cpu_plan(2) == (2, 2)
    assert sweep.cpu_plan(8) == (8, 1)


def test_each_run_starts_with_its_own_environment_and_this_process_keeps_its_own(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    seen = []
    with sweep._environment(CUDA_VISIBLE_DEVICES="1", OMP_NUM_THREADS=1):
        seen.append((os.environ["CUDA_VISIBLE_DEVICES"], os.environ["OMP_NUM_THREADS"]))
    with sweep._environment(CUDA_VISIBLE_DEVICES=None, OMP_NUM_THREADS=None):  # None: left alone
        seen.append((os.environ.get("CUDA_VISIBLE_DEVICES"), os.environ["OMP_NUM_THREADS"]))
    assert seen == [("1", "1"), (None, "7")]
    assert os.environ["OMP_NUM_THREADS"] == "7" and "CUDA_VISIBLE_DEVICES" not in os.environ
