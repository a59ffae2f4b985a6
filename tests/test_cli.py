"""`python -m vae` end to end on digits, and its one-line errors (exit status 2, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from vae.cli import main
from vae.config import TrainConfig
from vae.data import DATASET_NAMES
from vae.training.runs import read_run
from vae.training.trainer import train

REPO = Path(__file__).resolve().parents[1]
TINY = ["--hidden", "32", "--latent-dim", "4", "--device", "cpu", "--quiet"]


def _start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vae", *map(str, args)], cwd=REPO,
                            env={**os.environ, "OMP_NUM_THREADS": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = process.communicate(timeout=180)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> tuple[Path, dict[str, subprocess.CompletedProcess]]:
    """Every command this module runs as a real process, started in two waves (each process spends
    seconds importing torch, so they overlap): train, datasets and a bad setting; then eval and sample.
    The other errors go through main() in this process: the same code, without the start-up cost."""
    root = tmp_path_factory.mktemp("cli")
    run_dir = root / "run"
    first = {"train": _start("train", "--limit", "200", "--epochs", "1", "--batch-size", "50", *TINY,
                             "--run-dir", run_dir),
             "datasets": _start("datasets"),
             "beta": _start("train", "--beta", "-1")}
    results = {name: _finish(process) for name, process in first.items()}
    if results["train"].returncode == 0:
        second = {"eval": _start("eval", run_dir, "--json", "--k", "5", "--limit", "50", "--device", "cpu"),
                  "sample": _start("sample", run_dir, "--n", "16", "--out", root / "samples.png")}
        results.update({name: _finish(process) for name, process in second.items()})
    return run_dir, results


def test_train(cli):
    run_dir, results = cli
    done = results["train"]
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"finished: {run_dir} after 1 epochs, test loss ") and done.stdout.endswith(
        " nats/image\n")
    assert "epoch 1/1" not in done.stderr  # --quiet: no progress bar
    run = read_run(run_dir)
    assert run.state == "finished" and run.config["train"]["limit"] == 200
    assert run.config["model"]["hidden"] == [32] and run.config["model"]["latent_dim"] == 4
    assert (run_dir / "checkpoint.safetensors").is_file() and (run_dir / "samples" / "epoch_0001.png").is_file()


def test_eval_json(cli):
    _, results = cli
    done = results["eval"]
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"neg_elbo", "recon", "kl", "iwae_nll", "active_units", "kl_per_dim"} <= set(report)
    assert report["images"] == 50 and report["iwae_k"] == 5 and len(report["kl_per_dim"]) == 4
    assert 0 <= report["active_units"] <= 4 and report["kl"] >= 0
    assert report["neg_elbo"] == pytest.approx(report["recon"] + report["kl"], rel=1e-5)
    assert 0 < report["iwae_nll"] < report["neg_elbo"] + 1.0  # a bound at least about as tight as the ELBO


def test_sample(cli):
    run_dir, results = cli
    done = results["sample"]
    assert done.returncode == 0, done.stderr
    out = run_dir.parent / "samples.png"
    assert done.stdout == f"wrote 16 samples to {out}\n"
    with Image.open(out) as image:
        assert image.format == "PNG" and image.width > image.height > 32  # two rows of eight


def test_datasets_lists_every_name(cli):
    _, results = cli
    done = results["datasets"]
    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines() if line and not line[0].isspace()]
    assert names == list(DATASET_NAMES)
    assert "digits         yes" in done.stdout


def test_an_error_is_one_line_on_stderr_in_a_real_process(cli):
    _, results = cli
    done = results["beta"]
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "error: beta must be a number >= 0 (got -1.0)\n"


def _one_class_folder(root: Path) -> Path:
    (root / "only").mkdir(parents=True)
    for i in range(10):
        Image.new("L", (8, 8), color=i * 20).save(root / "only" / f"{i}.png")
    return root


@pytest.mark.parametrize("args, message", [
    (["train", "--beta", "-1"], "beta must be a number >= 0"),
    (["train", "--latent-dim", "0"], "latent dim must be at least 1"),
    (["train", "--epochs", "0"], "epochs must be at least 1"),
    (["train", "--dataset", "nope"], "unknown dataset 'nope'"),
    (["train", "--model", "cvae", "--dataset", "folder", "--data-root", "{folder}"], "needs class labels"),
    (["train", "--model", "vqvae", "--arch", "mlp"], "use --arch conv"),
    (["train", "--dataset", "folder"], "needs a folder"),
    (["train", "--arch", "conv", "--hidden", "8,8,8,8,8,8,8"], "so 8×8 must be divisible by 128"),  # the data's size
    (["train", "--capacity-max", "5", "--capacity-gamma", "-1"], "capacity_gamma must be a number >= 0"),
    (["train", "--resume", "{tmp}"], "no run to resume"),
    (["eval", "{tmp}/missing"], "holds no run"),
    (["sample", "{tmp}"], "no checkpoint"),
])
def test_errors_are_one_line_with_status_2(args, message, tmp_path, capsys):
    folder = _one_class_folder(tmp_path / "images")
    argv = [a.format(tmp=tmp_path, folder=folder) for a in args]
    if argv[0] == "train":
        argv += ["--run-dir", str(tmp_path / "run"), "--quiet"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith("error: ")
    assert message in captured.err
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_an_existing_run_dir_is_refused(tmp_path, capsys):
    config = TrainConfig(dataset="digits", limit=32, epochs=1, batch_size=32, device="cpu", grid_images=4)
    train(dict(hidden=(32,), latent_dim=4), config, tmp_path / "run")
    assert main(["train", "--limit", "32", *TINY, "--run-dir", str(tmp_path / "run")]) == 2
    assert "already holds a run" in capsys.readouterr().err


@pytest.mark.parametrize("epochs", [["--epochs", "3"], ["--epochs=3"]], ids=["separate", "equals"])
def test_resume_trains_on_to_more_epochs(epochs, tmp_path, capsys):
    config = TrainConfig(dataset="digits", limit=32, epochs=1, batch_size=32, device="cpu", grid_images=4)
    train(dict(hidden=(32,), latent_dim=4), config, tmp_path / "run")
    assert main(["train", "--resume", str(tmp_path / "run"), *epochs, "--quiet"]) == 0
    assert capsys.readouterr().out.startswith(f"finished: {tmp_path / 'run'} after 3 epochs")
    assert read_run(tmp_path / "run").status["epoch"] == 3


def test_slim_keeps_the_weights_and_thins_the_grids(tmp_path, capsys):
    from vae.training.checkpoint import load_model, read_checkpoint
    from vae.training.runs import RECONS_DIR, SAMPLES_DIR, checkpoint_digest, epoch_images

    run = tmp_path / "run"
    config = TrainConfig(dataset="digits", limit=64, epochs=7, batch_size=32, device="cpu", grid_images=4)
    train(dict(family="vae", arch="mlp", hidden=(16,), latent_dim=2), config, run)
    weights = load_model(run).state_dict()
    assert main(["slim", str(run), "--keep-grids", "3"]) == 0
    assert "weights only" in capsys.readouterr().out
    for which in (SAMPLES_DIR, RECONS_DIR):
        # 3 of 7 grids, spaced back from the last epoch: 7, then 7 - 7/3 -> 5, 7 - 14/3 -> 3
        assert [p.name for p in epoch_images(run, which)] == ["epoch_0003.png", "epoch_0005.png", "epoch_0007.png"]
    assert read_checkpoint(run).meta["weights_only"] is True
    assert all(torch.equal(v, weights[k]) for k, v in load_model(run).state_dict().items())
    # Slimming again leaves the file byte for byte (scores name its digest): make_ladder.sh slims scored runs.
    digest = checkpoint_digest(run)
    assert main(["slim", str(run)]) == 0
    assert checkpoint_digest(run) == digest


def test_slim_refuses_a_run_still_training(tmp_path, capsys):
    """A live trainer would write its next checkpoint, optimizer state and all, over the slimmed one."""
    from vae.training.runs import STATUS_NAME, checkpoint_digest

    run = tmp_path / "run"
    train(dict(family="vae", arch="mlp", hidden=(16,), latent_dim=2),
          TrainConfig(dataset="digits", limit=64, epochs=1, batch_size=32, device="cpu"), run)
    digest = checkpoint_digest(run)
    status = json.loads((run / STATUS_NAME).read_text())
    (run / STATUS_NAME).write_text(json.dumps({**status, "state": "running", "pid": os.getpid()}))  # a live pid
    assert main(["slim", str(run)]) == 2
    assert "still training" in capsys.readouterr().err
    assert checkpoint_digest(run) == digest
    (run / STATUS_NAME).write_text(json.dumps(status))  # finished: slimmed
    assert main(["slim", str(run)]) == 0 and checkpoint_digest(run) != digest


def test_a_reader_that_leaves_early_is_no_error():
    """`python -m vae datasets | grep -q digits`: the pipe closes before the CLI writes."""
    process = _start("datasets")
    process.stdout.close()  # the reader is gone before the CLI has imported torch and printed
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0 and "Traceback" not in err and "BrokenPipe" not in err
