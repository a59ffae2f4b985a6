"""The training loop and its run directory: what a run writes, exact resumption after a stop or a
kill, divergence, and settings refused before anything is written."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from vae.training.checkpoint import load_model, read_checkpoint
from vae.config import ConfigError, ModelConfig, TrainConfig
from vae.data import DatasetInfo, ImageData
from vae.models import VAE
from vae.training.runs import CHECKPOINT_NAME, epoch_images, list_runs, read_metrics, read_run
from vae.training.trainer import TrainingDiverged, fit_model_config, resume, train
from vae.spec import read_config

REPO = Path(__file__).resolve().parents[1]
TINY = dict(family="vae", arch="mlp", hidden=(32,), latent_dim=4)
# 64 digits in batches of 16: 4 steps an epoch.
SMALL = TrainConfig(dataset="digits", limit=64, epochs=3, batch_size=16, seed=0, device="cpu", log_every=1,
                    grid_images=16)


def _weights(run_dir) -> dict[str, torch.Tensor]:
    return load_model(run_dir).state_dict()


def _assert_same_weights(a, b) -> None:
    wa, wb = _weights(a), _weights(b)
    assert set(wa) == set(wb)
    for key in wa:
        torch.testing.assert_close(wa[key], wb[key], rtol=1e-6, atol=1e-7, msg=key)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    """SMALL trained straight through, the reference for the stop and resume tests."""
    run_dir = tmp_path_factory.mktemp("runs") / "straight"
    train(TINY, SMALL, run_dir)
    return run_dir


def test_a_run_writes_its_directory(tmp_path):
    run_dir = tmp_path / "run"
    config = SMALL.replace(epochs=2, log_every=2)
    result = train(TINY, config, run_dir)
    assert (result.run_dir, result.state, result.epoch, result.step) == (run_dir, "finished", 2, 8)

    saved = json.loads((run_dir / "config.json").read_text())
    assert set(saved) == {"spec", "data", "library_version", "created"}  # what was chosen, what the data said
    spec, data = read_config(saved)
    assert spec.model_config(data) == fit_model_config(TINY, _digits(64))
    assert saved["data"]["image_shape"] == [1, 8, 8] and saved["data"]["dataset_size"] == 64
    assert saved["spec"]["model"]["hidden"] == [32]  # the widths trained with, written out
    assert saved["spec"]["train"] == json.loads(json.dumps(config.to_dict()))
    assert saved["data"]["class_names"] == [str(d) for d in range(10)]

    steps, epochs = read_metrics(run_dir, "step"), read_metrics(run_dir, "epoch")
    assert [e["step"] for e in steps] == [2, 4, 6, 8] and [e["epoch"] for e in steps] == [1, 1, 2, 2]
    assert [(e["epoch"], e["step"]) for e in epochs] == [(1, 4), (2, 8)]
    for event in steps + epochs:
        for key in ("loss", "recon", "kl", "lr", "wall_time", "time"):
            assert math.isfinite(event[key]), key
        assert len(event["kl_per_dim"]) == 4 and event["lr"] == config.lr
    assert all(e["samples_per_s"] > 0 and e["eta_s"] >= 0 for e in steps)
    assert all(e["test_loss"] > 0 and "test_recon" in e and "test_kl" in e for e in epochs)
    assert result.last_epoch == epochs[-1]

    assert len(epoch_images(run_dir)) == len(epoch_images(run_dir, "recons")) == 2
    checkpoint = read_checkpoint(run_dir)
    assert (checkpoint.meta["epoch"], checkpoint.meta["step"], checkpoint.meta["batch"]) == (2, 8, 0)
    assert checkpoint.meta["metrics"]["test_loss"] == epochs[-1]["test_loss"]
    status = read_run(run_dir).status
    assert (status["state"], status["epoch"], status["epochs"], status["step"]) == ("finished", 2, 2, 8)
    assert [r.path for r in list_runs(tmp_path)] == [run_dir]


def test_seeded_cpu_runs_repeat_exactly(small_run, tmp_path):
    train(TINY, SMALL, tmp_path / "again")
    wa, wb = _weights(small_run), _weights(tmp_path / "again")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    losses = [[e["loss"] for e in read_metrics(d)] for d in (small_run, tmp_path / "again")]
    assert losses[0] == losses[1]


def test_another_seed_gives_another_run(small_run, tmp_path):
    train(TINY, SMALL.replace(seed=1, epochs=1), tmp_path / "other")
    assert not torch.equal(_weights(small_run)["decoder.net.2.weight"],
                           _weights(tmp_path / "other")["decoder.net.2.weight"])


@pytest.mark.parametrize("stop_at", [3, 4, 6], ids=["mid-epoch", "last-batch", "second-epoch"])
def test_callback_false_stops_cleanly_and_resume_is_exact(stop_at, small_run, tmp_path):
    seen = []

    def callback(event):
        seen.append(event)
        return not (event["kind"] == "step" and event["step"] == stop_at)

    run_dir = tmp_path / "run"
    result = train(TINY, SMALL, run_dir, callback=callback)
    assert result.state == "stopped" and result.step == stop_at and result.epoch == stop_at // 4
    status = read_run(run_dir).status
    assert status["state"] == "stopped" and status["message"] == "stopped by callback"
    meta = read_checkpoint(run_dir).meta
    assert (meta["step"], meta["epoch"], meta["batch"]) == (stop_at, stop_at // 4, stop_at % 4)
    assert max(e["step"] for e in seen) == stop_at

    resumed = resume(run_dir)
    assert (resumed.state, resumed.epoch, resumed.step) == ("finished", 3, 12)
    assert read_run(run_dir).state == "finished"
    assert [e["epoch"] for e in read_metrics(run_dir, "epoch")] == [1, 2, 3]
    assert [e["step"] for e in read_metrics(run_dir, "step")] == list(range(1, 13))
    _assert_same_weights(run_dir, small_run)


def test_callback_false_on_an_epoch_event_stops_after_that_epoch(tmp_path):
    result = train(TINY, SMALL, tmp_path / "run", callback=lambda e: e["kind"] != "epoch")
    assert (result.state, result.epoch, result.step) == ("stopped", 1, 4)
    assert read_checkpoint(tmp_path / "run").meta["epoch"] == 1


def test_resume_to_more_epochs(small_run, tmp_path):
    run_dir = tmp_path / "run"
    train(TINY, SMALL.replace(epochs=1), run_dir)
    result = resume(run_dir, epochs=3)
    assert (result.state, result.epoch, result.step) == ("finished", 3, 12)
    assert json.loads((run_dir / "config.json").read_text())["spec"]["train"]["epochs"] == 1  # the run as started
    _assert_same_weights(run_dir, small_run)


def _poisoned_loss(from_step: int):
    original = VAE.loss

    def loss(self, x, y=None, step=0):
        out = original(self, x, y, step)
        if step >= from_step:
            out["loss"] = out["loss"] * float("nan")
        return out

    return loss


def test_nan_loss_raises_training_diverged_and_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(VAE, "loss", _poisoned_loss(from_step=5))  # epoch 2's second step
    run_dir = tmp_path / "run"
    with pytest.raises(TrainingDiverged) as caught:
        train(TINY, SMALL, run_dir)
    message = str(caught.value)
    assert message.startswith("loss became nan at epoch 2, step 5") and "lower --lr" in message
    assert "checkpoint (epoch 1) is kept" in message and "\n" not in message
    status = read_run(run_dir).status
    assert status["state"] == "failed" and status["message"] == message
    meta = read_checkpoint(run_dir).meta
    assert (meta["epoch"], meta["step"]) == (1, 4)
    model = load_model(run_dir)
    assert all(torch.isfinite(v).all() for v in model.state_dict().values())
    assert torch.isfinite(model.sample(4)).all()


def test_deferred_check_as_on_a_gpu_still_never_saves_a_broken_step(tmp_path, monkeypatch):
    """On CUDA the finiteness of each step's loss is read at the next log event, not every step."""
    from vae.training import trainer as train_module

    init = train_module._Loop.__init__

    def deferring_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.defer_finite_check = True  # what a CUDA device sets

    monkeypatch.setattr(train_module._Loop, "__init__", deferring_init)
    monkeypatch.setattr(VAE, "loss", _poisoned_loss(from_step=5))  # epoch 2's second step; logged at step 8
    run_dir = tmp_path / "run"
    with pytest.raises(TrainingDiverged) as caught:
        train(TINY, SMALL.replace(log_every=3), run_dir)
    assert str(caught.value).startswith("loss became nan or inf by epoch 2, step 6")  # the first log after step 5
    assert "checkpoint (epoch 1) is kept" in str(caught.value)
    assert (read_checkpoint(run_dir).meta["epoch"], read_checkpoint(run_dir).meta["step"]) == (1, 4)
    assert all(torch.isfinite(v).all() for v in load_model(run_dir).state_dict().values())
    assert all(math.isfinite(e["loss"]) for e in read_metrics(run_dir, "step"))  # no NaN step was logged


def test_nan_before_any_checkpoint_says_none_was_written(tmp_path, monkeypatch):
    monkeypatch.setattr(VAE, "loss", _poisoned_loss(from_step=0))
    with pytest.raises(TrainingDiverged, match="no checkpoint was written yet") as caught:
        train(TINY, SMALL, tmp_path / "run")
    assert "is kept" not in str(caught.value)
    assert not (tmp_path / "run" / CHECKPOINT_NAME).exists()
    assert read_run(tmp_path / "run").state == "failed"


def test_a_huge_learning_rate_diverges_and_the_last_good_checkpoint_is_kept(tmp_path, monkeypatch):
    run_dir = tmp_path / "run"
    config = SMALL.replace(batch_size=64, epochs=1)  # one step an epoch
    train(TINY, config, run_dir)
    good = _weights(run_dir)

    class Wild(torch.optim.Adam):  # resume with a learning rate no model survives (the schema refuses one > 1)
        def __init__(self, params, lr):
            super().__init__(params, lr=lr * 1e20)

    monkeypatch.setattr(torch.optim, "Adam", Wild)
    with pytest.raises(TrainingDiverged, match=r"became nan .*checkpoint \(epoch 1\) is kept: try a lower --lr"):
        resume(run_dir, epochs=3)
    assert read_run(run_dir).state == "failed"
    checkpoint = read_checkpoint(run_dir)
    assert checkpoint.meta["epoch"] == 1 and math.isfinite(checkpoint.meta["metrics"]["test_loss"])
    kept = load_model(run_dir).state_dict()
    assert all(torch.equal(kept[k], good[k]) for k in good)
    assert all(math.isfinite(e["test_loss"]) for e in read_metrics(run_dir, "epoch"))


@pytest.mark.parametrize("name", ["cvae-conv", "tcvae", "vqvae"])
def test_every_kind_of_model_trains_and_resumes(name, tiny, tmp_path):
    fields = tiny(name).to_dict()
    run_dir = tmp_path / name
    train(fields, SMALL.replace(epochs=1, limit=32), run_dir)
    result = resume(run_dir, epochs=2)
    assert (result.state, result.epoch) == ("finished", 2)
    model = load_model(run_dir)
    assert model.config.dataset_size == 32 and model.num_classes == (10 if name == "cvae-conv" else 0)
    epochs = read_metrics(run_dir, "epoch")
    assert len(epochs) == 2 and all(math.isfinite(e["test_loss"]) for e in epochs)
    if name == "vqvae":
        assert "test_perplexity" in epochs[-1]
    if name == "tcvae":
        assert {"mi", "tc", "dwkl"} <= set(epochs[-1])
    assert len(epoch_images(run_dir)) == 2


def test_metrics_with_a_torn_last_line_still_read(small_run, tmp_path):
    events = read_metrics(small_run)
    path = tmp_path / "metrics.jsonl"
    text = (small_run / "metrics.jsonl").read_text()
    path.write_text(text + '{"kind": "step", "step": 13, "loss": 4')
    assert read_metrics(tmp_path) == events
    path.write_bytes(text.encode() + '{"kind": "epoch", "note": "é'.encode()[:-1])  # cut inside a character
    assert read_metrics(tmp_path) == events
    assert read_metrics(tmp_path, "epoch") == [e for e in events if e["kind"] == "epoch"]


# ---------------------------------------------------------------- refused up front


def _digits(n: int, labels: bool = True) -> ImageData:
    from vae.data import load_dataset

    data = load_dataset("digits", "train", limit=n)
    if labels:
        return data
    return ImageData(data.images, None, None, DatasetInfo("unlabelled", (1, 8, 8)))


@pytest.mark.parametrize("fields, message", [
    (dict(TINY, beta=-1.0), "beta must be a number >= 0"),
    (dict(TINY, beta=float("nan")), "beta must be a number >= 0"),
    (dict(TINY, latent_dim=0), "latent dim must be at least 1"),
    (dict(TINY, hidden=()), "hidden sizes"),
    (dict(TINY, family="gan"), "unknown model 'gan'"),
    (dict(TINY, family="vqvae"), "use --arch conv"),
    (dict(TINY, arch="conv", hidden=(8, 8, 8, 8)), "divisible by 16"),
    (dict(TINY, warmup="linear"), "warmup_steps"),
    (dict(TINY, capacity_max=5.0, capacity_gamma=-1.0), "capacity_gamma must be a number >= 0"),
])
def test_invalid_model_settings_are_refused_before_anything_is_written(fields, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        train(fields, SMALL, tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("changes, message", [
    (dict(epochs=0), "epochs"), (dict(lr=0.0), "learning rate"), (dict(lr=float("inf")), "learning rate"),
    (dict(batch_size=0), "batch size"), (dict(device="tpu"), "unknown device"), (dict(limit=0), "limit"),
])
def test_invalid_train_settings_are_refused(changes, message):
    with pytest.raises(ConfigError, match=message):
        SMALL.replace(**changes)


def test_unknown_dataset_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'nope'"):
        train(TINY, SMALL.replace(dataset="nope"), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_cvae_needs_labels():
    with pytest.raises(ConfigError, match="needs class labels, and 'unlabelled' has none"):
        fit_model_config(dict(TINY, family="cvae"), _digits(16, labels=False))
    assert fit_model_config(dict(TINY, family="cvae"), _digits(16)).num_classes == 10
    with pytest.raises(ConfigError, match="class labels"):
        ModelConfig(family="cvae")


def test_an_existing_run_is_never_overwritten(small_run):
    before = {p.name: p.stat().st_mtime_ns for p in small_run.iterdir()}
    with pytest.raises(ConfigError, match="already holds a run"):
        train(TINY, SMALL, small_run)
    assert {p.name: p.stat().st_mtime_ns for p in small_run.iterdir()} == before


def test_resume_needs_a_run(tmp_path):
    with pytest.raises(ConfigError, match="no run to resume"):
        resume(tmp_path)


# ---------------------------------------------------------------- stopping a real process

# 480 digits in batches of 16: 30 steps an epoch, long enough to catch between epochs.
CLI_RUN = ["--dataset", "digits", "--limit", "480", "--epochs", "4", "--batch-size", "16", "--hidden", "32",
           "--latent-dim", "4", "--seed", "3", "--device", "cpu", "--log-every", "5", "--quiet"]


@pytest.fixture(scope="module")
def cli_reference(tmp_path_factory) -> Path:
    """What CLI_RUN trains when nothing interrupts it (in this process)."""
    run_dir = tmp_path_factory.mktemp("cli") / "straight"
    train(TINY, TrainConfig(dataset="digits", limit=480, epochs=4, batch_size=16, seed=3, device="cpu",
                            log_every=5), run_dir)
    return run_dir


def _start_training(run_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # as this process: same sums, same weights
    return subprocess.Popen([sys.executable, "-m", "vae", "train", *CLI_RUN, "--run-dir", str(run_dir)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"training ended before {path.name} appeared: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{path.name} did not appear in {timeout} s")
        time.sleep(0.002)


def _assert_resumed_like_reference(run_dir: Path, reference: Path) -> None:
    saved, expected = (json.loads((d / "config.json").read_text()) for d in (run_dir, reference))
    assert saved["spec"] == expected["spec"] and saved["data"] == expected["data"]
    result = resume(run_dir)
    assert (result.state, result.epoch, result.step) == ("finished", 4, 120)
    assert [e["epoch"] for e in read_metrics(run_dir, "epoch")] == [1, 2, 3, 4]
    assert [e["step"] for e in read_metrics(run_dir, "step")] == [e["step"] for e in read_metrics(reference, "step")]
    _assert_same_weights(run_dir, reference)


def test_resume_after_sigkill_matches_an_uninterrupted_run(cli_reference, tmp_path):
    run_dir = tmp_path / "killed"
    process = _start_training(run_dir)
    _wait_for(run_dir / CHECKPOINT_NAME, process)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    epoch = read_checkpoint(run_dir).meta["epoch"]
    assert 1 <= epoch < 4
    assert read_run(run_dir).state == "interrupted"  # status.json still says running, but its process is gone
    _assert_resumed_like_reference(run_dir, cli_reference)


def test_sigterm_stops_with_a_checkpoint_and_resume_finishes(cli_reference, tmp_path):
    run_dir = tmp_path / "terminated"
    process = _start_training(run_dir)
    _wait_for(run_dir / "metrics.jsonl", process)  # the loop runs, so its signal handlers are in place
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.startswith(f"stopped: {run_dir}") and "Traceback" not in err
    status = read_run(run_dir).status
    assert status["state"] == "stopped" and status["message"] == "stopped by SIGTERM"
    assert 5 <= read_checkpoint(run_dir).meta["step"] < 120
    _assert_resumed_like_reference(run_dir, cli_reference)


# ---------------------------------------------------------------- the CPU's fast path (conv: channels-last, bf16)

def test_bf16_autocast_is_used_where_it_is_faster(monkeypatch):
    import vae.training.devices

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    monkeypatch.setattr(vae.training.devices, "cpu_has_amx", lambda: True)
    assert vae.training.devices.fast_bf16(cpu, "conv") and not vae.training.devices.fast_bf16(cpu, "mlp")
    assert vae.training.devices.fast_bf16(cuda, "mlp")
    monkeypatch.setattr(vae.training.devices, "cpu_has_amx", lambda: False)  # emulated bf16 is slower than float32
    assert not vae.training.devices.fast_bf16(cpu, "conv")
    assert not vae.training.devices.fast_bf16(torch.device("mps"), "conv")


CONV = dict(family="adagvae", arch="conv", hidden=(8, 8), latent_dim=4, conv_fc=16, beta=2.0)
# 128 shapes in batches of 32: 4 steps an epoch.
CONV_RUN = TrainConfig(dataset="shapes", image_size=16, limit=128, epochs=2, batch_size=32, seed=0, device="cpu",
                       log_every=1, grid_images=16)


def test_a_conv_run_on_the_fast_path_resumes_exactly_and_writes_plain_weights(tmp_path):
    """Channels-last weights and bf16 steps (on a CPU with AMX) change neither what is saved nor resume: a run
    stopped mid-epoch and resumed ends with the weights of one trained straight through (Ada-GVAE's pairs
    included, which are drawn from the checkpointed random stream)."""
    straight = tmp_path / "straight"
    train(CONV, CONV_RUN, straight)
    stopped = tmp_path / "stopped"
    result = train(CONV, CONV_RUN, stopped, callback=lambda e: not (e["kind"] == "step" and e["step"] == 3))
    assert (result.state, result.step) == ("stopped", 3)
    assert resume(stopped).step == 8
    _assert_same_weights(stopped, straight)
    checkpoint = read_checkpoint(straight)
    assert all(tensor.is_contiguous() for tensor in checkpoint.tensors.values())
