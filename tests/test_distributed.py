"""Data-parallel training on the CPU (2 gloo processes): under torchrun the same weights as one process
with the same global batch and seed, a SIGTERM that stops every process at one step, resume after a
SIGKILL, a run folder the app opens; in spawned processes the VQ-VAE's codebook kept equal across
processes, β-TCVAE's estimator on the whole dataset's size, and the gradient average of a VAE."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from vae.training import distributed
from vae.training.checkpoint import load_model, read_checkpoint
from vae.cli import build_parser, settings_from_args
from vae.config import split_settings
from vae.config import ConfigError, TrainConfig
from vae.training.runs import CHECKPOINT_NAME, epoch_images, pid_alive, read_metrics, read_run
from vae.training.trainer import train

REPO = Path(__file__).resolve().parents[1]
# 470 digits in global batches of 15: 32 steps an epoch. Each of the 2 processes takes 8 or 7 images of a
# batch (3 or 2 of the last one's 5), so the shards are unequal and the loss scaling matters.
# A fast EMA (0.8) re-seeds codes unused for ~20 steps, so that many codes take part (at 0.99 one code takes all).
VQ_ARGS = ["--model", "vqvae", "--arch", "conv", "--hidden", "8,8", "--latent-dim", "4", "--codebook-size", "16",
           "--ema-decay", "0.8", "--dataset", "digits", "--limit", "470", "--batch-size", "15", "--epochs", "6", "--log-every", "4",
           "--seed", "2", "--device", "cpu", "--quiet"]
EPOCHS, STEPS = 6, 6 * 32
TORCH_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def _close(a: dict, b: dict, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    assert set(a) == set(b)
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=rtol, atol=atol, msg=key)


# ---------------------------------------------------------------- one process stays as it was

def test_torchrun_is_recognised_by_its_environment():
    assert not distributed.launched_by_torchrun({})
    assert distributed.launched_by_torchrun({"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1"})


def test_one_process_never_sets_up_torch_distributed(tmp_path, monkeypatch):
    for key in TORCH_ENV:
        monkeypatch.delenv(key, raising=False)

    def refuse(*_args, **_kwargs):
        raise AssertionError("a plain process must not join a process group")

    monkeypatch.setattr(distributed.Group, "from_environment", refuse)
    model = dict(family="vqvae", arch="conv", hidden=(8, 8), latent_dim=4, codebook_size=16)
    result = train(model, TrainConfig(dataset="digits", limit=32, epochs=1, batch_size=16, device="cpu",
                                      grid_images=16), tmp_path / "run")
    assert result.state == "finished" and result.main
    assert not torch.distributed.is_initialized()
    assert not any(key.startswith("rng.cpu.") for key in read_checkpoint(tmp_path / "run").tensors)


@pytest.mark.parametrize("size, batch_size, world_size, ok", [
    (470, 15, 2, True), (64, 16, 4, True), (64, 16, 1, True), (17, 16, 1, True),
    (17, 16, 2, False),  # the last batch holds 1 image for 2 processes
    (64, 1, 2, False),  # a batch of 1 cannot be split
])
def test_batches_too_small_to_split_are_refused(size, batch_size, world_size, ok):
    if ok:
        distributed.check_batches(size, batch_size, world_size)
    else:
        with pytest.raises(ConfigError, match=f"{world_size} processes split every batch.*--batch-size"):
            distributed.check_batches(size, batch_size, world_size)


def test_each_process_takes_its_part_of_the_global_batch_and_weights_its_loss():
    batch = torch.arange(15)
    groups = [distributed.Group(rank, 2, torch.device("cpu"), owns=False) for rank in (0, 1)]
    parts = [g.shard(batch) for g in groups]
    assert parts[0].tolist() == list(range(8)) and parts[1].tolist() == list(range(8, 15))
    # DDP averages the two gradients; the weights make that average the gradient of the mean over all 15.
    assert [g.loss_scale(len(p), 15) for g, p in zip(groups, parts)] == [16 / 15, 14 / 15]


def test_a_process_the_checkpoint_did_not_know_gets_noise_of_its_own():
    rank1 = distributed.Group(1, 3, torch.device("cpu"), owns=False)
    with torch.random.fork_rng():
        saved = torch.manual_seed(5).get_state()
        torch.manual_seed(6)
        rank1.restore_rng({"rng.cpu": saved, "rng.cpu.1": saved}, seed=0, step=7)  # back to its saved state
        assert torch.equal(torch.get_rng_state(), saved)
        rank1.restore_rng({"rng.cpu": saved}, seed=0, step=7)  # resumed with more processes than were saved
        assert torch.initial_seed() == distributed.process_seed(0, 1, 7)
    assert len({distributed.process_seed(0, r, 7) for r in range(1, 4)} | {distributed.process_seed(1, 1, 7)}) == 4


# ---------------------------------------------------------------- torchrun: stop, kill, resume

def _torchrun(*args: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key not in TORCH_ENV}
    env["OMP_NUM_THREADS"] = "1"  # as this process: the same kernels, sums within float tolerance
    return subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2",
                             "-m", "vae", "train", *args], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait(done, process: subprocess.Popen, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if process.poll() is not None:
            pytest.fail(f"torchrun ended before {what}: {process.communicate()}")
        if time.monotonic() > deadline:
            _kill_all(process)
            pytest.fail(f"no {what} in {timeout} s")
        time.sleep(0.002)


def _workers(agent: int) -> list[int]:
    """The processes torchrun started (each in a session of its own, so not in its process group)."""
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:  # ended meanwhile
            continue
        if fields.get("PPid", "").strip() == str(agent):
            children.append(int(status.parent.name))
    return children


def _kill_all(process: subprocess.Popen) -> None:
    """SIGKILL torchrun and its workers, as a machine that goes down; returns once all of them are gone."""
    workers = _workers(process.pid)
    for pid in workers + [process.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.communicate(timeout=30)
    deadline = time.monotonic() + 30
    while any(pid_alive(pid) for pid in workers):  # not our children: the signal lands when they next run
        assert time.monotonic() < deadline, "torchrun's workers outlived SIGKILL"
        time.sleep(0.01)


def _checkpoint_step(run_dir: Path) -> int:
    try:
        return read_checkpoint(run_dir).meta["step"]
    except Exception:  # not written yet, or replaced while read
        return -1


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """VQ_ARGS trained in one process, straight through."""
    fields, config = split_settings(settings_from_args(build_parser().parse_args(["train", *VQ_ARGS])))
    run_dir = tmp_path_factory.mktemp("one") / "reference"
    train(fields, config, run_dir)
    return run_dir


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory) -> dict:
    """VQ_ARGS under torchrun with 2 processes: SIGTERM to torchrun once it logs, then resumed under torchrun
    and SIGKILLed with all its workers after its next checkpoint, then resumed to the end."""
    run_dir = tmp_path_factory.mktemp("ddp") / "run"
    seen = {"run_dir": run_dir}
    process = _torchrun(*VQ_ARGS, "--run-dir", str(run_dir))
    _wait(lambda: (run_dir / "metrics.jsonl").exists(), process, "first metrics event")
    process.send_signal(signal.SIGTERM)
    seen["term_out"], seen["term_err"] = process.communicate(timeout=90)
    seen["term_status"] = read_run(run_dir).status
    seen["term_meta"] = read_checkpoint(run_dir).meta
    seen["term_steps"] = [e["step"] for e in read_metrics(run_dir, "step")]

    process = _torchrun("--resume", str(run_dir), "--quiet")
    stopped_at = seen["term_meta"]["step"]
    _wait(lambda: _checkpoint_step(run_dir) > stopped_at, process, "checkpoint after the resume")
    _kill_all(process)
    seen["kill_meta"] = read_checkpoint(run_dir).meta
    seen["kill_state"] = read_run(run_dir).state

    process = _torchrun("--resume", str(run_dir), "--quiet")
    seen["final_out"], seen["final_err"] = process.communicate(timeout=300)
    seen["final_rc"] = process.returncode
    return seen


def test_sigterm_to_torchrun_stops_every_process_at_one_step_with_one_checkpoint(ddp_run):
    # torchrun passes the signal on to its workers and then reports it itself (traceback, exit 1): not ours.
    status, meta = ddp_run["term_status"], ddp_run["term_meta"]
    assert ddp_run["term_out"].splitlines() == [f"stopped: {ddp_run['run_dir']} after {meta['epoch']} epochs"]
    assert status["state"] == "stopped" and status["message"] == "stopped by SIGTERM"
    # The processes agree at log events (every 4 steps): the checkpoint is of one, mid-epoch.
    assert 4 <= meta["step"] < STEPS and meta["step"] % 4 == 0 and meta["batch"] == meta["step"] % 32
    assert ddp_run["term_steps"] == list(range(4, meta["step"] + 1, 4))  # one line per event: one writer
    errors = ddp_run["term_err"]  # the workers' stderr too: no traceback but torchrun's own (SignalException)
    assert errors.count("Traceback") <= 1 and ("Traceback" not in errors or "SignalException" in errors)


def test_resume_under_torchrun_after_sigkill_finishes(ddp_run):
    assert ddp_run["term_meta"]["step"] < ddp_run["kill_meta"]["step"] and ddp_run["kill_meta"]["epoch"] < EPOCHS
    assert ddp_run["kill_state"] == "interrupted"
    assert ddp_run["final_rc"] == 0, ddp_run["final_err"][-3000:]
    assert ddp_run["final_out"].startswith(f"finished: {ddp_run['run_dir']} after {EPOCHS} epochs, test loss")
    assert len(ddp_run["final_out"].splitlines()) == 1
    run_dir = ddp_run["run_dir"]
    assert read_run(run_dir).state == "finished"
    assert [e["epoch"] for e in read_metrics(run_dir, "epoch")] == list(range(1, EPOCHS + 1))
    meta = read_checkpoint(run_dir).meta
    assert (meta["epoch"], meta["step"], meta["batch"]) == (EPOCHS, STEPS, 0)
    tensors = read_checkpoint(run_dir).tensors
    assert "rng.cpu" in tensors and "rng.cpu.1" in tensors  # both processes' random state, for exact resumes


def test_two_processes_end_with_the_weights_of_one(ddp_run, reference):
    run_dir = ddp_run["run_dir"]
    _close(load_model(run_dir).state_dict(), load_model(reference).state_dict())  # codebook buffers included
    ours, theirs = read_metrics(run_dir, "step"), read_metrics(reference, "step")
    assert [e["step"] for e in ours] == [e["step"] for e in theirs]
    for mine, one in zip(ours, theirs):  # logged means over the global batch, not over a shard
        for key in ("loss", "recon", "commit", "perplexity", "usage"):
            assert mine[key] == pytest.approx(one[key], rel=1e-4, abs=1e-5), (mine["step"], key)
    assert max(e["perplexity"] for e in theirs) > 4  # many codes in play: the codebook statistics matter
    for key in ("test_loss", "test_perplexity"):
        assert [e[key] for e in read_metrics(run_dir, "epoch")] == pytest.approx(
            [e[key] for e in read_metrics(reference, "epoch")], rel=1e-4)


def test_the_run_folder_is_complete_and_opens_in_the_app(ddp_run, monkeypatch):
    from ui.catalog import list_models

    run_dir = ddp_run["run_dir"]
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["data"]["dataset_size"] == 470 and saved["spec"]["train"]["batch_size"] == 15  # the whole set, the global batch
    assert len(epoch_images(run_dir)) == len(epoch_images(run_dir, "recons")) == EPOCHS
    assert (run_dir / CHECKPOINT_NAME).is_file()
    monkeypatch.setenv("VAE_RUNS_DIR", str(run_dir.parent))
    entries = [e for e in list_models() if e.path == str(run_dir)]
    assert len(entries) == 1 and entries[0].family == "vqvae" and entries[0].test_loss > 0
    model = load_model(entries[0].path)
    assert model.sample(4).shape == (4, 1, 8, 8)


# ---------------------------------------------------------------- spawned processes: the family details

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SPAWN_CONFIG = dict(dataset="digits", limit=70, epochs=2, batch_size=15, seed=1, device="cpu", log_every=2,
                    grid_images=16)  # 5 batches an epoch: shards of 8/7 images, and 5/5 of the last
MLP = dict(family="vae", arch="mlp", hidden=(32,), latent_dim=4)


def _mean_code(mu, logvar):
    return mu


def _spawned(rank: int, port: int, out: str) -> None:
    """One of two processes: joins the group that torchrun's environment would describe, for three runs."""
    import vae.models.losses
    import vae.models
    import vae.training.trainer

    os.environ.update(RANK=str(rank), WORLD_SIZE="2", LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo")  # made here: the trainer uses it and leaves it open
    config = TrainConfig(**SPAWN_CONFIG)
    out = Path(out)

    # A VAE whose codes are their means (no sampling noise): the gradient average alone decides its weights.
    original = vae.models.VAE.__dict__["reparameterize"]  # the staticmethod itself
    vae.models.VAE.reparameterize = staticmethod(_mean_code)
    _train_recording(MLP, config, out / "vae", rank, out / f"vae.rank{rank}.safetensors")
    vae.models.VAE.reparameterize = original

    # β-TCVAE: which minibatch and dataset size reach the estimator.
    calls = []
    terms = vae.models.losses.total_correlation_terms

    def recording(z, mu, logvar, dataset_size):
        calls.append((z.shape[0], dataset_size))
        return terms(z, mu, logvar, dataset_size)

    vae.models.losses.total_correlation_terms = recording
    _train_recording(dict(MLP, family="tcvae", beta=4.0), config, out / "tcvae", rank,
                     out / f"tcvae.rank{rank}.safetensors")
    (out / f"tcvae.rank{rank}.json").write_text(json.dumps(calls))

    # VQ-VAE with dead codes re-seeded at nearly every step, from each process's own images and random numbers.
    build = vae.training.trainer.build_model

    def eager_restarts(model_config):
        model = build(model_config)
        model.quantizer.dead_threshold = 0.995  # a code unused for one step (EMA 1 -> 0.99) is re-seeded
        return model

    shared = []
    pick_rows = distributed.Group.pick_rows

    def counting(self, flat, n):
        shared.append(n)
        return pick_rows(self, flat, n)

    vae.training.trainer.build_model, distributed.Group.pick_rows = eager_restarts, counting
    _train_recording(dict(family="vqvae", arch="conv", hidden=(8, 8), latent_dim=4, codebook_size=16),
                     config, out / "vqvae", rank, out / f"vqvae.rank{rank}.safetensors")
    (out / f"vqvae.rank{rank}.json").write_text(json.dumps(shared))
    torch.distributed.destroy_process_group()


def _train_recording(fields: dict, config: TrainConfig, run_dir: Path, rank: int, state_path: Path) -> None:
    """Train, then write this process's own final model state (so that processes can be compared)."""
    from safetensors.torch import save_file

    import vae.training.trainer

    models = []
    loop_init = vae.training.trainer._Loop.__init__

    def keep(self, model, *args, **kwargs):
        models.append(model)
        loop_init(self, model, *args, **kwargs)

    vae.training.trainer._Loop.__init__ = keep
    try:
        result = train(fields, config, run_dir)
    finally:
        vae.training.trainer._Loop.__init__ = loop_init
    assert result.state == "finished" and result.main == (rank == 0)
    save_file({k: v.detach().contiguous() for k, v in models[0].state_dict().items()}, str(state_path))


def _load_state(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(path))


@pytest.fixture(scope="module")
def spawned(tmp_path_factory) -> Path:
    """_spawned in two fresh processes (not multiprocessing's spawn: after an AppTest, __main__ is a page)."""
    out, port = tmp_path_factory.mktemp("spawned"), _free_port()
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"from test_distributed import _spawned; _spawned(int(sys.argv[1]), {port}, {str(out)!r})")
    env = {key: value for key, value in os.environ.items() if key not in TORCH_ENV}
    env["OMP_NUM_THREADS"] = "1"
    workers = [subprocess.Popen([sys.executable, "-c", code, str(rank)], cwd=REPO, env=env, stderr=subprocess.PIPE,
                                text=True) for rank in (0, 1)]
    errors = [worker.communicate(timeout=300)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], "\n".join(e[-3000:] for e in errors)
    return out


@pytest.mark.parametrize("name", ["vae", "tcvae", "vqvae"])
def test_every_process_ends_with_the_same_model(spawned, name):
    _close(_load_state(spawned / f"{name}.rank0.safetensors"), _load_state(spawned / f"{name}.rank1.safetensors"),
           rtol=0, atol=0)
    _close(_load_state(spawned / f"{name}.rank0.safetensors"), load_model(spawned / name).state_dict(), rtol=0, atol=0)


def test_vq_dead_code_restarts_are_shared_by_the_processes(spawned):
    # Each process would re-seed dead codes from its own images and random numbers; rank 0 picks rows of the
    # global batch for all instead, which is what keeps the codebooks equal above.
    restarts = [json.loads((spawned / f"vqvae.rank{rank}.json").read_text()) for rank in (0, 1)]
    assert restarts[0] == restarts[1] and len(restarts[0]) >= 2 and sum(restarts[0]) >= 10


def test_a_vae_under_two_processes_follows_the_global_batch_gradient(spawned, tmp_path, monkeypatch):
    import vae.models

    monkeypatch.setattr(vae.models.VAE, "reparameterize", staticmethod(_mean_code))
    train(MLP, TrainConfig(**SPAWN_CONFIG), tmp_path / "one")
    _close(load_model(spawned / "vae").state_dict(), load_model(tmp_path / "one").state_dict())
    ours, theirs = read_metrics(spawned / "vae", "step"), read_metrics(tmp_path / "one", "step")
    assert [e["step"] for e in ours] == [e["step"] for e in theirs]
    torch.testing.assert_close(torch.tensor([e["kl_per_dim"] for e in ours]),  # a (D,) term: means over 15 images
                               torch.tensor([e["kl_per_dim"] for e in theirs]), rtol=1e-4, atol=1e-6)


def test_tcvae_estimates_with_the_whole_dataset_size_on_each_shard(spawned):
    for rank in (0, 1):
        calls = json.loads((spawned / f"tcvae.rank{rank}.json").read_text())
        assert len(calls) == 2 * 5  # every step of both epochs
        assert {size for _, size in calls} == {70}  # N of the training set, not of a shard (35)
        expected = {8, 5} if rank == 0 else {7, 5}  # this process's part of 15, and of the last batch's 10
        assert {batch for batch, _ in calls} == expected
    assert json.loads((spawned / "tcvae" / "config.json").read_text())["data"]["dataset_size"] == 70
