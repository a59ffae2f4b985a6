"""Data-parallel scaling of the trainer: training images per second of `python -m vae train` in one
process against `torchrun --nproc-per-node 2 -m vae train` (DistributedDataParallel over gloo) on
this CPU, same global batch, seed and epochs, side by side with the final test loss of each; on CUDA
(when present) one process against torchrun with one process per GPU (1, and 2 when there are two).

    python -m benchmarks.ddp_scaling [--epochs 2] [--limit 6400] [--repeats 3] [--models mlp,conv]

On the CPU three ways of using two cores are compared: one process with one thread (the baseline),
one process with two threads (intra-op parallelism, no communication) and two processes with one
thread each (DDP). Every configuration is a real run in a temporary folder; its rate is the median
over its step events after the first epoch (the trainer times steps only, not the epoch-end test,
grids and checkpoint), and the table shows the median over --repeats runs, taken in turns so that
a busy neighbour slows all of them alike. A second table times what DDP adds to each step: one
gloo all-reduce of the model's gradients (measured alone, in two processes) against the step.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from vae.training.runs import read_metrics

REPO = Path(__file__).resolve().parent.parent
MODELS = {  # the trainer's flags for each model
    "mlp": ["--arch", "mlp", "--hidden", "400", "--latent-dim", "20"],  # pytorch/examples' VAE, 784-400-20
    "conv": ["--arch", "conv", "--hidden", "32,64", "--latent-dim", "16"],  # two stride-2 stages, dense 256
}
BATCH_SIZE = 128


@dataclass(frozen=True)
class Mode:
    name: str
    processes: int  # 1: plain `python -m vae train`; more: torchrun
    threads: int  # OMP_NUM_THREADS of each process
    device: str
    torchrun: bool = False


def cpu_modes() -> list[Mode]:
    return [Mode("1 process", 1, 1, "cpu"), Mode("1 process, 2 threads", 1, 2, "cpu"),
            Mode("torchrun, 2 processes (gloo)", 2, 1, "cpu", torchrun=True)]


def gpu_modes() -> list[Mode]:
    modes = [Mode("1 process", 1, 1, "cuda"), Mode("torchrun, 1 process (NCCL)", 1, 1, "cuda", torchrun=True)]
    if torch.cuda.device_count() >= 2:
        modes.append(Mode("torchrun, 2 processes (NCCL)", 2, 1, "cuda", torchrun=True))
    return modes


def train_command(mode: Mode, model: str, args, run_dir: Path) -> list[str]:
    flags = ["--dataset", args.dataset, "--limit", str(args.limit), "--epochs", str(args.epochs),
             "--batch-size", str(BATCH_SIZE), "--seed", "0", "--device", mode.device, "--log-every", "10",
             "--quiet", "--run-dir", str(run_dir), *MODELS[model]]
    if mode.torchrun:
        return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={mode.processes}",
                "-m", "vae", "train", *flags]
    return [sys.executable, "-m", "vae", "train", *flags]


def run_once(mode: Mode, model: str, args, folder: Path) -> dict:
    """One real training run; its median samples/s after the first epoch and its final test loss."""
    run_dir = Path(tempfile.mkdtemp(dir=folder)) / "run"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env["OMP_NUM_THREADS"] = str(mode.threads)
    start = time.perf_counter()
    done = subprocess.run(train_command(mode, model, args, run_dir), cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"error: {mode.name} / {model} failed: {done.stderr.strip().splitlines()[-1:]}")
    steps = read_metrics(run_dir, "step")
    later = [e for e in steps if e["epoch"] > 1] or steps[1:] or steps
    epochs = read_metrics(run_dir, "epoch")
    return {"rate": statistics.median(e["samples_per_s"] for e in later), "test_loss": epochs[-1]["test_loss"],
            "wall": wall}


def build(model: str, args):
    """The benchmark's model (as the trainer builds it) and BATCH_SIZE training images (B, C, H, W)."""
    from vae.cli import build_parser, configs_from_args
    from vae.config import default_hidden
    from vae.models import build_model
    from vae.data import load_split
    from vae.training.trainer import fit_model_config

    fields, config = configs_from_args(build_parser().parse_args(["train", "--dataset", args.dataset, "--limit",
                                                                  str(BATCH_SIZE), *MODELS[model]]))
    data = load_split(config, "train")
    fields.setdefault("hidden", default_hidden(fields["arch"], data.info.image_shape[-1]))
    torch.manual_seed(0)
    return build_model(fit_model_config(fields, data)), data.images


def step_ms(model: str, args, images: int, repeats: int = 30) -> float:
    """Median time of one optimizer step (loss, backward, Adam) on `images` images, one thread, in ms:
    what each of P processes does per step is a step on BATCH_SIZE / P images."""
    net, x = build(model, args)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    times = []
    with torch.random.fork_rng():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        for i in range(repeats + 5):
            start = time.perf_counter()
            loss = net.loss(x[:images])["loss"]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if i >= 5:
                times.append(time.perf_counter() - start)
        torch.set_num_threads(threads)
    return statistics.median(times) * 1e3


def _allreduce_worker(rank: int, port: int, numel: int, repeats: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo", rank=rank, world_size=2)
    grads = torch.randn(numel)
    times = []
    for _ in range(repeats + 5):
        torch.distributed.barrier()
        start = time.perf_counter()
        torch.distributed.all_reduce(grads)
        times.append(time.perf_counter() - start)
    if rank == 0:
        Path(out).write_text(str(statistics.median(times[5:])))
    torch.distributed.destroy_process_group()


def allreduce_ms(numel: int, repeats: int = 50) -> float:
    """Median time of one gloo all-reduce of numel float32 between two local processes, in ms."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.NamedTemporaryFile(suffix=".txt") as out:
        torch.multiprocessing.spawn(_allreduce_worker, args=(port, numel, repeats, out.name), nprocs=2)
        return float(Path(out.name).read_text()) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--limit", type=int, default=6_400, help="training images (50 steps an epoch)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", default="mlp,conv")
    parser.add_argument("--no-gpu", action="store_true", help="only the CPU rows")
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    sections = [("cpu", cpu_modes())] + ([("cuda", gpu_modes())] if torch.cuda.is_available() and not args.no_gpu else [])
    print(f"# DDP scaling: {args.dataset}, {args.limit} training images, batch {BATCH_SIZE} (global), {args.epochs} "
          f"epochs, median of {args.repeats} runs; {os.cpu_count()} CPUs, load average before "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    results: dict[tuple, list[dict]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeats):  # in turns: a busy neighbour slows every configuration alike
            for device, modes in sections:
                for model in models:
                    for mode in modes:
                        results.setdefault((device, model, mode), []).append(run_once(mode, model, args, Path(folder)))
    print(f"load average after {os.getloadavg()[0]:.1f}\n")
    print("| device | model | parameters | how | samples/s | vs 1 process | ms per step | test loss | run wall s |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|")
    measured: dict[tuple, float] = {}
    counts = {model: sum(p.numel() for p in build(model, args)[0].parameters()) for model in models}
    for device, modes in sections:
        for model in models:
            base = statistics.median(r["rate"] for r in results[(device, model, modes[0])])
            for mode in modes:
                runs = results[(device, model, mode)]
                rate = statistics.median(r["rate"] for r in runs)
                measured[(device, model, mode.name)] = BATCH_SIZE / rate * 1e3
                print(f"| {device} | {model} | {counts[model]:,} | {mode.name} | {rate:,.0f} | {rate / base:.2f}× | "
                      f"{BATCH_SIZE / rate * 1e3:.2f} | {statistics.median(r['test_loss'] for r in runs):.2f} | "
                      f"{statistics.median(r['wall'] for r in runs):.1f} |")
    print(f"\n| model | gradients | gloo all-reduce, 2 processes | step on {BATCH_SIZE} images | step on "
          f"{BATCH_SIZE // 2} | best 2-process step | measured 1-process step | measured 2-process step |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    cpu, lines = dict(sections)["cpu"], []
    for model in models:
        reduce_ms = allreduce_ms(counts[model])
        full, half = step_ms(model, args, BATCH_SIZE), step_ms(model, args, BATCH_SIZE // 2)
        one, two = measured[("cpu", model, cpu[0].name)], measured[("cpu", model, cpu[2].name)]
        print(f"| {model} | {counts[model] * 4 / 1e6:.2f} MB | {reduce_ms:.2f} ms | {full:.2f} ms | {half:.2f} ms | "
              f"{half + reduce_ms:.2f} ms | {one:.2f} ms | {two:.2f} ms |")
        lines.append(f"{model}: a step on half the batch takes {half / full:.2f}× a full one (Adam updates every "
                     f"weight in each process, and small ops do not halve); with the all-reduce, 2 processes can be "
                     f"at best {full / (half + reduce_ms):.2f}× as fast as 1 here; measured {one / two:.2f}× (the "
                     f"rest: waiting at every all-reduce for the slower process, and the cores' other work)")
    print("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
