"""The CUDA path, checked on a machine with an NVIDIA GPU, as one markdown table of PASS/FAIL rows.

    python -m benchmarks.cuda_check [--quick]

The unit tests run on the CPU (CI has no GPU); this script exercises what only a GPU reaches:
`--device auto` picking CUDA, every family training with data on the GPU and bf16 autocast, a run
stopped mid-epoch and resumed giving the uninterrupted run's weights (CUDA RNG state restored), a
CLI run stopped by SIGTERM and resumed on the GPU, CUDA-trained checkpoints loading on the CPU with
the same decodes, and the app's latent tools and evaluation on a GPU-resident pretrained model
agreeing with the CPU. Exits 1 if any row fails (0 otherwise), so it can gate a GPU CI job.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from vae.training.checkpoint import load_model
from vae.config import TrainConfig
from vae.data import DatasetUnavailable, load_split
from vae.training.devices import resolve_device
from vae.metrics.evaluate import batched_losses
from vae.explore.latent import encode_dataset, traverse
from vae.training.runs import read_metrics, read_run
from vae.training.trainer import resume, train

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = {  # model fields; image size for the conv ones
    "vae-mlp": (dict(family="vae", arch="mlp", hidden=(64,), latent_dim=4), None),
    "vae-conv": (dict(family="vae", arch="conv", hidden=(16, 32), latent_dim=4, conv_fc=64), 16),
    "beta-vae": (dict(family="vae", arch="mlp", hidden=(64,), latent_dim=4, beta=4.0), None),
    "tcvae": (dict(family="tcvae", arch="mlp", hidden=(64,), latent_dim=4, beta=6.0), None),
    "cvae": (dict(family="cvae", arch="mlp", hidden=(64,), latent_dim=4), None),
    "vqvae": (dict(family="vqvae", arch="conv", hidden=(16, 32), latent_dim=8, codebook_size=32), 16),
}
rows: list[tuple[str, str, str]] = []


def check(name: str, ok: bool, detail: str) -> None:
    rows.append((name, detail, "PASS" if ok else "FAIL"))
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", file=sys.stderr, flush=True)


def max_weight_difference(a: Path, b: Path) -> float:
    wa, wb = load_model(a).state_dict(), load_model(b).state_dict()
    return max(float((wa[k].float() - wb[k].float()).abs().max()) for k in wa)


def families(root: Path, epochs: int, device: str) -> None:
    """Each family trains on the GPU, improves, and its checkpoint decodes the same on the CPU."""
    for name, (fields, size) in FAMILIES.items():
        config = TrainConfig(dataset="digits", epochs=epochs, batch_size=64, device=device, image_size=size,
                             grid_images=16)
        start = time.perf_counter()
        result = train(fields, config, root / name)
        seconds = time.perf_counter() - start
        losses = [e["test_loss"] for e in read_metrics(root / name, "epoch")]
        finite = all(math.isfinite(v) for v in losses)
        on_gpu, on_cpu = load_model(root / name, device), load_model(root / name, "cpu")
        z = torch.randn(16, on_cpu.latent_dim, generator=torch.Generator().manual_seed(0))
        y = torch.arange(16) % 10 if on_cpu.num_classes else None
        with torch.no_grad():
            gap = float((on_gpu.decode(z.to(device), None if y is None else y.to(device)).cpu() - on_cpu.decode(z, y)).abs().max())
        ok = result.state == "finished" and finite and losses[-1] < losses[0] and gap < 1e-3
        check(f"{name}: {epochs} epochs on {device}", ok,
              f"test loss {losses[0]:.2f} → {losses[-1]:.2f} in {seconds:.1f} s; {device} vs CPU decode max |Δ| {gap:.1e}")


def exact_resume(root: Path, device: str) -> None:
    """A run stopped mid-epoch and resumed on the GPU ends with the uninterrupted run's weights."""
    fields = FAMILIES["vae-mlp"][0]
    config = TrainConfig(dataset="digits", epochs=3, batch_size=64, device=device, log_every=5, grid_images=16)
    train(fields, config, root / "straight")
    stop_at = 30  # 23 steps an epoch: inside the second epoch
    train(fields, config, root / "stopped", callback=lambda e: not (e["kind"] == "step" and e["step"] == stop_at))
    stopped_at = read_run(root / "stopped").status.get("epoch")
    resume(root / "stopped")
    gap = max_weight_difference(root / "straight", root / "stopped")
    check(f"stop at a step, resume on {device} = uninterrupted run", gap == 0.0,
          f"stopped in epoch {stopped_at}; max |Δ weight| {gap:.1e} (0 = bit for bit)")


def cli_sigterm(root: Path) -> None:
    """`python -m vae train --device auto` on the GPU, stopped by SIGTERM, resumed to the end."""
    run_dir = root / "cli"
    command = [sys.executable, "-m", "vae", "train", "--dataset", "digits", "--hidden", "256,128", "--latent-dim", "8",
               "--epochs", "30", "--batch-size", "16", "--device", "auto", "--quiet", "--run-dir", str(run_dir)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (run_dir / "checkpoint.safetensors").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    state = read_run(run_dir).state
    device = read_run(run_dir).config["train"]["device"]
    resumed = subprocess.run([sys.executable, "-m", "vae", "train", "--resume", str(run_dir), "--quiet"], cwd=ROOT,
                             capture_output=True, text=True, timeout=600)
    final = read_run(run_dir)
    epochs = [e["epoch"] for e in read_metrics(run_dir, "epoch")]
    ok = (process.returncode == 0 and state == "stopped" and resumed.returncode == 0 and final.state == "finished"
          and epochs == list(range(1, 31)) and "Traceback" not in err + resumed.stderr)
    check("CLI --device auto: SIGTERM, then --resume", ok,
          f"device {device}; stopped → {state}; resumed → {final.state}, epochs logged {len(epochs)}")


def pretrained_on_gpu(device: str) -> None:
    """The app's latent tools and the evaluation on GPU-resident pretrained models agree with the CPU."""
    assets = sorted(p for p in (ROOT / "assets").iterdir() if (p / "checkpoint.safetensors").is_file())
    for path in assets:
        gpu, cpu = load_model(path, device), load_model(path, "cpu")
        config = TrainConfig.from_dict(read_run(path).config["train"])
        try:
            data = load_split(config, "test")
        except DatasetUnavailable as error:  # a dataset absent on this machine: say so, go on
            check(f"{path.name} on {device}", True, f"not checked: {str(error)[:80]}")
            continue
        y = 3 if cpu.num_classes else None
        with torch.no_grad():
            base = encode_dataset(cpu, data, limit=1).mu[0]
            values = torch.linspace(-3, 3, 11)
            dims = list(range(min(4, cpu.latent_dim)))
            grid_gap = float((traverse(gpu, base, dims, values, y) - traverse(cpu, base, dims, values, y)).abs().max())
            if cpu.config.kind.codes:
                # Nearest-code search: float rounding may flip a near tie, so count the cells that agree.
                x = data.images[:500]
                agree = (gpu.encode_indices(x.to(device)).cpu() == cpu.encode_indices(x)).float().mean().item()
                code_ok, code_text = agree > 0.99, f"code indices agree {agree:.2%}"
            else:
                gap = float((encode_dataset(gpu, data, limit=500).mu - encode_dataset(cpu, data, limit=500).mu).abs().max())
                code_ok, code_text = gap < 1e-3, f"encode max |Δ| {gap:.1e}"
        sub = type(data)(data.images[:500], None if data.labels is None else data.labels[:500], None, data.info)
        # The ELBO is a one-sample estimate, and the two devices draw different samples: compare the GPU's
        # against the spread of five CPU estimates with other seeds.
        loss_gpu = batched_losses(gpu, sub, device)["loss"]
        cpu_losses = torch.tensor([batched_losses(cpu, sub, "cpu", seed=s)["loss"] for s in range(5)])
        mean, spread = float(cpu_losses.mean()), float(cpu_losses.std())
        ok = code_ok and grid_gap < 1e-3 and abs(loss_gpu - mean) <= 4 * spread + 1e-3
        check(f"{path.name} on {device}", ok,
              f"{code_text}; traverse max |Δ| vs CPU {grid_gap:.1e}; test loss {loss_gpu:.2f} ({device}) vs "
              f"{mean:.2f} ± {spread:.2f} (CPU, 5 seeds)")


def divergence(root: Path, device: str) -> None:
    """A NaN loss on the GPU (found by the deferred check) stops the run and keeps the last good checkpoint."""
    from vae.models import VAE
    from vae.training.trainer import TrainingDiverged

    original = VAE.loss

    def poisoned(self, x, y=None, step=0):
        out = original(self, x, y, step)
        if step >= 30:  # inside the second epoch
            out["loss"] = out["loss"] * float("nan")
        return out

    VAE.loss = poisoned
    try:
        config = TrainConfig(dataset="digits", epochs=3, batch_size=64, device=device, grid_images=16)
        train(FAMILIES["vae-mlp"][0], config, root / "nan")
        message = "no error"
    except TrainingDiverged as error:
        message = str(error)
    finally:
        VAE.loss = original
    weights = load_model(root / "nan").state_dict()
    ok = "kept" in message and all(bool(torch.isfinite(w).all()) for w in weights.values())
    check(f"NaN loss on {device}: stops, last good checkpoint kept", ok, message[:110])


def vq_prior(root: Path, device: str) -> None:
    """The VQ-VAE code prior trains on the GPU (when vae.models.prior is there)."""
    try:
        from vae.models import prior
    except ImportError:
        return
    run = root / "vqvae"  # trained by families()
    command = [sys.executable, "-m", "vae", "prior", str(run), "--epochs", "5", "--device", device]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    loaded = prior.load_prior(run) if done.returncode == 0 else None
    learned = [line.strip() for line in done.stdout.splitlines() if "learned prior" in line]
    last = (learned or [done.stderr.strip()[-110:]])[-1]
    check(f"`python -m vae prior` on {device}", done.returncode == 0 and loaded is not None, last[:140])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs per family instead of 5")
    parser.add_argument("--device", default="cuda", help="cpu: a dry run of the checks themselves, without a GPU")
    args = parser.parse_args()
    if args.device == "cpu":
        families(Path(tempfile.mkdtemp()), 2, "cpu")
        exact_resume(Path(tempfile.mkdtemp()), "cpu")
        divergence(Path(tempfile.mkdtemp()), "cpu")
        pretrained_on_gpu("cpu")
        return 0
    if not torch.cuda.is_available():
        print("error: no CUDA GPU here: run this on a machine with an NVIDIA GPU", file=sys.stderr)
        return 2
    device = resolve_device("auto")
    check("--device auto picks CUDA", device.type == "cuda", f"{device}: {torch.cuda.get_device_name(0)}, "
          f"torch {torch.__version__}, bf16 {torch.cuda.is_bf16_supported()}")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        families(root, 2 if args.quick else 5, "cuda")
        exact_resume(root, "cuda")
        divergence(root, "cuda")
        cli_sigterm(root)
        vq_prior(root, "cuda")
    pretrained_on_gpu("cuda")
    print(f"\n`python -m benchmarks.cuda_check{' --quick' if args.quick else ''}` · {torch.cuda.get_device_name(0)} · "
          f"torch {torch.__version__} · {os.cpu_count()} CPUs\n")
    print("| check | measured | result |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0 if all(r[2] == "PASS" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
