"""`python -m vae anomaly`: the AUROC of held-out classes or of another dataset, --json, --limit, the ratio's
background found beside the run, --precompute, and one-line errors (exit status 2) for missing data, a run
with nothing held out, an unknown score or dataset."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.anomaly_runs import make_runs
from vae.metrics.anomaly.scores import ScoreSettings, roc
from vae.metrics.anomaly.run import open_run, task_for
from vae.metrics.anomaly.sets import score_task
from vae.precompute.anomaly_scores import STORE_NAME, load_scores
from vae.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return make_runs(tmp_path_factory.mktemp("anomaly-cli"))


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_held_out_classes_by_default_as_one_json_object(runs, capsys):
    assert main(["anomaly", str(runs / "tiny-vae-no7"), "--json", "--quiet", "--device", "cpu"]) == 0
    [row] = _json_lines(capsys.readouterr().out)
    assert set(row) == {"score", "auroc", "n_normal", "n_anomalous"} and row["score"] == "neg_elbo"
    assert (row["n_normal"], row["n_anomalous"]) == (318, 42)  # digits' 360 test pictures, 42 of them sevens
    # the AUROC is the library's, on the same task
    run = open_run(runs / "tiny-vae-no7")
    task = task_for(run, None)
    scores = score_task(run.model, task, "neg_elbo", **run.options(ScoreSettings()))
    assert row["auroc"] == pytest.approx(roc(scores.numpy(), task.is_anomaly.numpy()).auroc)


def test_another_dataset_with_a_limit_and_every_score(runs, capsys):
    assert main(["anomaly", str(runs / "tiny-vae-no7"), "--anomalies", "shapes", "--limit", "50", "--score", "all",
                 "--json", "--quiet", "--regret-steps", "3"]) == 0
    rows = _json_lines(capsys.readouterr().out)
    # the background run beside it is found, so the ratio is among them
    assert [r["score"] for r in rows] == ["neg_elbo", "recon", "iwae", "complexity", "regret", "ratio"]
    assert all(r["n_normal"] == 50 and r["n_anomalous"] == 50 and 0 <= r["auroc"] <= 1 for r in rows)
    assert main(["anomaly", str(runs / "tiny-vae-no7"), "--anomalies", "shapes", "--score", "complexity",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "318 normal pictures against 2,000 of shapes" in out and "complexity" in out and "AUROC" in out


def test_a_folder_of_the_user_s_pictures_as_anomalies(runs, tmp_path, capsys):
    from PIL import Image

    (tmp_path / "mine").mkdir()
    for i in range(6):
        Image.new("L", (30, 30), 255 if i % 2 else 0).save(tmp_path / "mine" / f"{i}.png")
    assert main(["anomaly", str(runs / "tiny-vae"), "--anomalies", "folder", "--data-root", str(tmp_path),
                 "--json", "--quiet"]) == 0
    [row] = _json_lines(capsys.readouterr().out)
    assert (row["n_normal"], row["n_anomalous"]) == (360, 6)


@pytest.mark.parametrize("args, message", [
    (["tiny-vae"], "nothing is held out: pass --anomalies DATASET"),
    (["tiny-vae", "--anomalies", "mnist", "--data-root", "/nonexistent"], "MNIST not found"),
    (["tiny-vae", "--anomalies", "nope"], "unknown dataset 'nope'"),
    (["tiny-vae", "--anomalies", "digits"], "trained on digits: pick another dataset"),
    (["tiny-vae-no7", "--score", "best"], "unknown score 'best'"),
    (["tiny-vae", "--anomalies", "shapes", "--score", "ratio"], "no background model"),
    (["tiny-vae-no7", "--limit", "0"], "--limit must be at least 1"),
    (["missing-run"], "holds no run"),
])
def test_bad_requests_get_one_error_line_and_exit_2(runs, capsys, args, message):
    assert main(["anomaly", str(runs / args[0]), *args[1:], "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1


def test_precompute_writes_the_scores_the_app_reads(runs, tmp_path, capsys):
    import shutil

    for name in ("tiny-vae-no7", "tiny-vae-no7-background"):
        shutil.copytree(runs / name, tmp_path / name)
    assert main(["anomaly", str(tmp_path / "tiny-vae-no7"), "--precompute", "--regret-steps", "2", "--quiet"]) == 0
    assert "ratio against tiny-vae-no7-background" in capsys.readouterr().out
    stored = load_scores(tmp_path / "tiny-vae-no7", ScoreSettings(regret_steps=2), tmp_path / "tiny-vae-no7-background")
    # the test split and every other dataset present here (shapes at least), each with all six scores
    assert {("test", s) for s in ("neg_elbo", "recon", "iwae", "complexity", "regret", "ratio")} <= set(stored)
    assert ("dataset:shapes", "regret") in stored and len(stored[("dataset:shapes", "regret")]) == 2000
    assert (tmp_path / "tiny-vae-no7" / STORE_NAME).stat().st_size < 1_000_000


def test_precompute_in_stages_keeps_what_the_file_holds(runs, tmp_path, capsys):
    import shutil

    run = shutil.copytree(runs / "tiny-vae-no7", tmp_path / "tiny-vae-no7")
    assert main(["anomaly", str(run), "--precompute", "--score", "recon", "--anomalies", "shapes", "--quiet"]) == 0
    assert set(load_scores(run, ScoreSettings())) == {("test", "recon"), ("dataset:shapes", "recon")}
    assert main(["anomaly", str(run), "--precompute", "--score", "neg_elbo", "--anomalies", "shapes", "--quiet"]) == 0
    assert set(load_scores(run, ScoreSettings())) == {(k, s) for k in ("test", "dataset:shapes")
                                                      for s in ("recon", "neg_elbo")}


def test_the_real_command_line(runs):
    process = subprocess.run([sys.executable, "-m", "vae", "anomaly", str(runs / "tiny-vae-no7"), "--score", "recon",
                              "--json"], cwd=REPO, env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True,
                             text=True, timeout=120)
    assert process.returncode == 0 and json.loads(process.stdout)["score"] == "recon"
