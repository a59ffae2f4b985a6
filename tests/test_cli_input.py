"""Every subcommand refuses bad input, including damaged run folders and paths it cannot write, with one
`error:` line and exit status 2: never a traceback (issues 13 and 15)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vae.cli import main
from vae.training.trainer import train_settings

TINY = dict(dataset="digits", limit=64, hidden=(16,), latent_dim=2, batch_size=32, epochs=1, device="cpu",
            log_every=1, grid_images=4)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A finished tiny run with a full (resumable) checkpoint."""
    run_dir = tmp_path_factory.mktemp("cli-input") / "run"
    train_settings(TINY, run_dir)
    return run_dir


def _spec(config: dict, **parts) -> dict:
    """config.json with parts of its spec ("model", "train") replaced."""
    return {**config, "spec": {**config["spec"], **parts}}


def _damaged(run: Path, tmp_path: Path, name: str, change) -> Path:
    copy = tmp_path / "damaged"
    shutil.copytree(run, copy)
    path = copy / name
    path.write_text(json.dumps(change(json.loads(path.read_text()))))
    return copy


BAD = [
    # values
    ["sample", "{run}", "--n", "0"], ["sample", "{run}", "--n", "-3"], ["sample", "{run}", "--n", "x"],
    ["sample", "{run}", "--label", "42"], ["sample", "{run}", "--temperature", "-1"],
    ["sample", "{run}", "--temperature", "nan"], ["sample", "{run}", "--temperature", "inf"],
    ["eval", "{run}", "--k", "0"], ["eval", "{run}", "--limit", "-5"], ["slim", "{run}", "--keep-grids", "-1"],
    ["train", "--epochs", "0"], ["train", "--epochs", "abc"], ["train", "--latent-dim", "100000"],
    ["train", "--beta", "nan"], ["train", "--lr", "-1"], ["train", "--family", "gan"],
    ["train", "--family", "tcvae", "--free-bits", "1"], ["train", "--family", "vqvae", "--beta", "4"],
    ["train", "--dataset", "digits", "--train-size", "100"], ["train", "--hidden", "8,x"],
    ["train", "--resume", "{run}", "--beta", "2"], ["train", "--resume", "{run}"],  # finished: says how to go on
    ["prior", "{run}"], ["prior", "{run}", "--epochs", "0"],
    # paths
    ["sample", "{run}", "--out", "{tmp}"], ["sample", "{run}", "--out", "{tmp}/no/such/dir/x.png"],
    ["sample", "{run}", "--out", "{tmp}/x.txt"], ["train", "--run-dir", "{run}/config.json", "--limit", "10"],
    ["train", "--resume", "{run}/config.json"], ["eval", "{tmp}/missing"], ["sample", "{tmp}"],
    ["train", "--run-dir", "{run}"],
]


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_invocations_are_one_line_and_status_2(argv, run, tmp_path, capsys):
    argv = [a.format(run=run, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err


def test_resume_of_a_finished_run_says_how_to_train_on(run, capsys):
    assert main(["train", "--resume", str(run)]) == 2
    assert f"--resume {run} --epochs 11" in capsys.readouterr().err


DAMAGE = [
    ("config.json", lambda c: _spec(c, train={**c["spec"]["train"], "epochs": "ten"})),
    ("config.json", lambda c: _spec(c, train={**c["spec"]["train"], "exclude_classes": 3})),
    ("config.json", lambda c: _spec(c, train={**c["spec"]["train"], "lr": "fast"})),
    ("config.json", lambda c: _spec(c, train=[1, 2])),
    ("config.json", lambda c: {**c, "spec": {"model": c["spec"]["model"]}}),
    ("config.json", lambda c: _spec(c, model={**c["spec"]["model"], "latent_dim": 2.0})),
    ("config.json", lambda c: {**c, "data": {**c["data"], "image_shape": "8x8"}}),
    ("config.json", lambda c: {**c, "spec": None}),
    ("config.json", lambda c: [c]),
    ("status.json", lambda s: [s]),
    ("status.json", lambda s: {**s, "pid": "123"}),
]


@pytest.mark.parametrize("command", ["eval", "train --resume"])
@pytest.mark.parametrize("index", range(len(DAMAGE)))
def test_damaged_run_folders_are_refused_in_one_line(command, index, run, tmp_path, capsys):
    name, change = DAMAGE[index]
    damaged = _damaged(run, tmp_path, name, change)
    argv = command.split() + [str(damaged)] + (["--epochs", "3"] if command.startswith("train") else ["--k", "2"])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "damaged" in err, err


def test_a_run_killed_before_its_first_checkpoint_starts_again(run, tmp_path, capsys):
    # What a SIGKILL in the first epoch leaves: the config, a "running" status of a dead process, a few events.
    stuck = tmp_path / "stuck"
    shutil.copytree(run, stuck)
    (stuck / "checkpoint.safetensors").unlink()
    (stuck / "status.json").write_text(json.dumps({"state": "running", "pid": 2 ** 22 + 7, "epoch": 0,
                                                   "updated": 1.0, "started": 1.0}))
    assert main(["train", "--resume", str(stuck), "--quiet"]) == 0
    assert json.loads((stuck / "status.json").read_text())["state"] == "finished"
    assert (stuck / "checkpoint.safetensors").is_file()


@pytest.mark.parametrize("error, status", [(ValueError(""), 2), (RuntimeError(""), 1), (RuntimeError("\n"), 1),
                                           (ValueError("first\nsecond"), 2), (OSError(), 2)])
def test_an_error_without_a_message_is_still_one_line(error, status, monkeypatch, capsys):
    import vae.cli

    def fails(args):
        raise error

    monkeypatch.setattr(vae.cli, "_command_datasets", fails)
    assert main(["datasets"]) == status
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) > len("error: ") + 2, lines
