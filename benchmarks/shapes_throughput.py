"""Training throughput of the shapes recipe on the CPU, side by side in one run: our trainer before and after
its CPU path, a bare eager loop, and the candidates (channels-last, bf16 autocast, torch.compile's inductor
C++ backend, batch size, threads), plus a sweep's two runs one per core against one after the other.

    python -m benchmarks.shapes_throughput [--before DIR] [--steps 300] [--repeats 3]

The recipe: conv 32,32,64 on 32×32 shapes, dense 256, 10 latent dims, batch 64, Adam 1e-3, β = 4
(scripts/make_ladder.sh). --before DIR: a checkout of the trainer to compare with (`git worktree add DIR
<commit>`); it runs with DIR as its working directory, so its own `vae` package is the one imported.

Each row runs in a process of its own (OMP_NUM_THREADS set; nothing warm is shared). In-loop images/s is the
median over timed blocks after a warm-up (bare loops), or the median of the trainer's own samples_per_s
events after the first (trainer rows). Whole-process images/s divides the images trained by the process's wall
time from start to exit: imports, rendering the pictures, compiling and the test pass included. Rows alternate
over --repeats rounds and the medians are printed, so a shared machine's load falls on all of them alike.
Trainer rows also print the test loss after their epochs: same recipe, same seed, so bf16's and float32's
should differ by no more than two float32 seeds do.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RECIPE = ["--dataset", "shapes", "--image-size", "32", "--arch", "conv", "--hidden", "32,32,64", "--latent-dim", "10",
          "--batch-size", "64", "--beta", "4", "--device", "cpu", "--quiet"]
TRAIN_SIZE = 19_200  # 300 steps an epoch: long enough for the median rate, short enough to repeat
TRAIN_EPOCHS = 2
# Bare loops: (row name, channels_last, bf16, compile, batch).
BARE = [("bare eager float32 (batch 64)", False, False, False, 64),
        ("bare channels-last", True, False, False, 64),
        ("bare bf16 autocast", False, True, False, 64),
        ("bare channels-last + bf16", True, True, False, 64),
        ("bare channels-last + bf16 + torch.compile", True, True, True, 64),
        ("bare channels-last + bf16, batch 128", True, True, False, 128),
        ("bare channels-last + bf16, batch 256", True, True, False, 256),
        ("bare eager float32, batch 256", False, False, False, 256)]


def bare_loop(channels_last: bool, bf16: bool, compiled: bool, batch: int, steps: int) -> dict:
    """In this process: the recipe's model and loss on rendered shapes, `steps` timed steps after 20 warm-up."""
    import torch

    from vae.config import ModelConfig
    from vae.data import load_dataset
    from vae.models import build_model

    data = load_dataset("shapes", "train", image_size=32, limit=4096)
    x = data.images
    model = build_model(ModelConfig(family="vae", arch="conv", image_shape=(1, 32, 32), hidden=(32, 32, 64),
                                    latent_dim=10, conv_fc=256, beta=4.0, dataset_size=len(x)))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.compile(model.loss) if compiled else model.loss
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    generator = torch.Generator().manual_seed(0)

    def step() -> None:
        index = torch.randint(0, len(x), (batch,), generator=generator)
        with autocast:
            terms = loss_fn(x[index])
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        optimizer.step()

    for _ in range(20):
        step()
    rates, block = [], max(10, steps // 10)
    for _ in range(steps // block):
        start = time.perf_counter()
        for _ in range(block):
            step()
        rates.append(block * batch / (time.perf_counter() - start))
    return {"in_loop": statistics.median(rates), "images": (20 + steps) * batch}


def trainer(cwd: Path, threads: int, extra: list[str], seed: int = 0) -> dict:
    """`python -m vae train` on the recipe in cwd's checkout: its in-loop and whole-process rate, test loss."""
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vae", "train", *RECIPE, "--train-size", str(TRAIN_SIZE),
                        "--epochs", str(TRAIN_EPOCHS), "--seed", str(seed), "--run-dir", str(run), *extra],
                       cwd=cwd, env={**os.environ, "OMP_NUM_THREADS": str(threads)}, check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        events = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    rates = [e["samples_per_s"] for e in events if e["kind"] == "step"][1:]
    losses = [round(e["test_loss"], 2) for e in events if e["kind"] == "epoch"]
    return {"in_loop": statistics.median(rates), "whole": TRAIN_SIZE * TRAIN_EPOCHS / wall, "test_loss": losses}


def sweep_pair(cwd: Path, parallel: bool) -> dict:
    """Two runs of the recipe: at once with one thread each (one per core), or one after the other with two."""
    threads = 1 if parallel else 2
    start = time.perf_counter()
    if parallel:
        with tempfile.TemporaryDirectory() as tmp:
            procs = [subprocess.Popen([sys.executable, "-m", "vae", "train", *RECIPE, "--train-size", str(TRAIN_SIZE),
                                       "--epochs", str(TRAIN_EPOCHS), "--seed", str(seed), "--run-dir",
                                       str(Path(tmp) / f"run{seed}")], cwd=cwd, stdout=subprocess.DEVNULL,
                                      env={**os.environ, "OMP_NUM_THREADS": "1"}) for seed in (0, 1)]
            for proc in procs:
                if proc.wait() != 0:
                    raise RuntimeError("a sweep run failed")
    else:
        for seed in (0, 1):
            trainer(cwd, threads, [], seed)
    return {"whole": 2 * TRAIN_SIZE * TRAIN_EPOCHS / (time.perf_counter() - start)}


def child(args) -> None:
    """--row: measure one bare loop in this process (its own threads) and print it as JSON."""
    import torch

    torch.set_num_threads(args.threads)
    _, channels_last, bf16, compiled, batch = next(row for row in BARE if row[0] == args.row)
    print(json.dumps(bare_loop(channels_last, bf16, compiled, batch, args.steps)))


def bare_row(name: str, threads: int, steps: int) -> dict:
    """One bare loop in a fresh process; whole-process images/s over that process's life."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "benchmarks.shapes_throughput", "--row", name, "--threads",
                           str(threads), "--steps", str(steps)], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)}, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["whole"] = out["images"] / (time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="a checkout of the trainer to compare with")
    parser.add_argument("--steps", type=int, default=300, help="timed steps of each bare loop")
    parser.add_argument("--repeats", type=int, default=3, help="rounds over every row (medians are printed)")
    parser.add_argument("--row", default=None, help=argparse.SUPPRESS)  # child process: one bare loop
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:
        child(args)
        return
    rows: dict = {}  # row name -> a function that measures it once
    if args.before:
        rows["trainer before, 1 thread"] = lambda: trainer(args.before, 1, [])
        rows["trainer before, 2 threads"] = lambda: trainer(args.before, 2, [])
    rows["trainer now, 1 thread"] = lambda: trainer(REPO, 1, [])
    rows["trainer now, 2 threads"] = lambda: trainer(REPO, 2, [])
    rows["trainer now --no-bf16 (channels-last only)"] = lambda: trainer(REPO, 1, ["--no-bf16"])
    rows["trainer now --no-bf16, seed 1 (float32 noise)"] = lambda: trainer(REPO, 1, ["--no-bf16"], seed=1)
    for name, *_ in BARE:
        rows[name] = (lambda n=name: bare_row(n, 1, args.steps))
    sweep_cwd = args.before or REPO
    rows["sweep of 2: before, one after the other, 2 threads"] = lambda: sweep_pair(sweep_cwd, False)
    rows["sweep of 2: now, at once, 1 thread each"] = lambda: sweep_pair(REPO, True)
    results: dict[str, list[dict]] = {name: [] for name in rows}
    for round_ in range(args.repeats):
        for name, measure in rows.items():
            results[name].append(measure())
            print(f"round {round_ + 1}/{args.repeats}: {name} done", file=sys.stderr, flush=True)
    base = "trainer before, 2 threads" if args.before else "trainer now --no-bf16 (channels-last only)"
    base_rate = statistics.median(r.get("in_loop") or r["whole"] for r in results[base])
    base_whole = statistics.median(r["whole"] for r in results[base])
    print(f"\nShapes recipe, medians of {args.repeats} rounds; ratios against '{base}'. "
          f"Load average at the end: {os.getloadavg()[0]:.2f}\n")
    print("| row | in-loop images/s | × | whole-process images/s | × | test loss per epoch |")
    print("|---|---:|---:|---:|---:|---|")
    for name, measured in results.items():
        in_loop = [r["in_loop"] for r in measured if "in_loop" in r]
        whole = statistics.median(r["whole"] for r in measured)
        loop_cells = (f"{statistics.median(in_loop):,.0f} | {statistics.median(in_loop) / base_rate:.2f}"
                      if in_loop else "– | –")
        losses = " / ".join(str(r["test_loss"]) for r in measured if "test_loss" in r)
        print(f"| {name} | {loop_cells} | {whole:,.0f} | {whole / base_whole:.2f} | {losses} |")


if __name__ == "__main__":
    main()
