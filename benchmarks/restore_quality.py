"""How well each pretrained model repairs pictures, against simple baselines, in one markdown table.

    python -m benchmarks.restore_quality [--images N] [--rounds R] [--models NAME ...] [--seed S]

For every pretrained model in assets/ whose dataset is on this machine: N test pictures (a seeded random
choice), spoiled two ways, then repaired by the model and by the baselines, exactly as the
denoise-and-complete page does it (vae.explore.restore.compare):

- denoise: Gaussian noise σ = 0.3, clipped to [0, 1]; the model's one reconstruction and its code search
  (vae.explore.restore.search_code: 200 Adam steps on z, error std 0.3) against PCA reconstruction and a 3×3
  median filter;
- complete: the bottom half hidden (starting at the training mean); the model's iterative completion
  (R rounds, known pixels kept) and its code search (from the completion, error std 0.1) against the same
  iterative completion with PCA. A VQ-VAE has no code search (its code is discrete).

PCA is fitted on (at most 10,000 of) the model's training pictures with as many components as the model
has code numbers (latent size; one per grid cell for a VQ-VAE). A conditional VAE is given the true class;
the baselines are not. Scores are means over the N pictures of the per-picture PSNR (dB, whole picture,
peak 1) and SSIM (11×11 Gaussian window; "–" for pictures under 11 px); "model best" is the share of
pictures where the model's better method beats every baseline's PSNR. The exit status is 0 either way: this is a report.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

from vae.training.checkpoint import load_model
from vae.config import TrainConfig
from vae.data import DatasetUnavailable, load_split
from vae.explore.restore import Comparison, Corruption, baseline_components, compare, training_pca
from vae.training.runs import read_run

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
TASKS = {"denoise σ 0.3": Corruption("noise", sigma=0.3), "complete bottom half": Corruption("mask", mask="bottom")}
BASELINES = {"denoise σ 0.3": ("pca", "median"), "complete bottom half": ("pca_completion",)}
OURS = {"denoise σ 0.3": "model", "complete bottom half": "completion"}


def score(result: Comparison, name: str | None) -> tuple[str, str]:
    """Mean PSNR and mean SSIM of one method, formatted ("–" where there is none)."""
    if name is None:
        return "–", "–"
    ssim = "–" if result.ssim is None else f"{float(result.ssim[name].mean()):.3f}"
    return f"{float(result.psnr[name].mean()):.2f}", ssim


def rows_for(name: str, images: int, rounds: int, seed: int) -> list[tuple[str, ...]]:
    """Both tasks on one model: table rows, or one row saying why the model was skipped."""
    config = TrainConfig.from_dict(read_run(ASSETS / name).config["train"])
    model = load_model(ASSETS / name)
    components = baseline_components(model)
    try:
        test = load_split(config, "test")
        baseline = training_pca(config, components)  # as the page fits it
    except DatasetUnavailable as error:
        return [(name, f"skipped: {error}", *["–"] * 12)]
    chosen = torch.randperm(len(test), generator=torch.Generator().manual_seed(seed))[:images]
    x = test.images[chosen]
    y = test.labels[chosen] if model.num_classes else None
    rows = []
    for task, spec in TASKS.items():
        start = time.perf_counter()
        result = compare(model, baseline, x, spec, rounds, y)  # code search needs autograd: no inference_mode
        ours = [OURS[task], *(["search"] if "search" in result.restored else [])]
        best_ours = torch.stack([result.psnr[m] for m in ours]).max(0).values
        best_baseline = torch.stack([result.psnr[b] for b in BASELINES[task]]).max(0).values
        wins = float((best_ours > best_baseline).float().mean())
        median = "median" if "median" in BASELINES[task] else None
        search = "search" if "search" in result.restored else None
        cells = [score(result, n) for n in ("corrupted", OURS[task], search, BASELINES[task][0], median)]
        label = f"{name} (k={components}{', class given' if y is not None else ''})"
        task_name = task if spec.kind == "noise" else f"{task}, {rounds} rounds"
        rows.append((label, task_name, str(len(x)), *(c[0] for c in cells), *(c[1] for c in cells), f"{wins:.0%}"))
        print(f"{name} {task}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500, help="test pictures per model (default 500)")
    parser.add_argument("--rounds", type=int, default=20, help="completion rounds (default 20, the page's default)")
    parser.add_argument("--models", nargs="*", help="pretrained models in assets/ (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="which test pictures (the corruptions use seed 0)")
    args = parser.parse_args()
    os.chdir(ROOT)
    torch.set_num_threads(1)
    names = args.models or sorted(p.name for p in ASSETS.iterdir() if (p / "checkpoint.safetensors").is_file())
    rows = [row for name in names for row in rows_for(name, args.images, args.rounds, args.seed)]
    print(f"\n`python -m {' '.join(['benchmarks.restore_quality', *sys.argv[1:]])}` · means over N test pictures "
          f"(seed {args.seed}) · PSNR in dB, higher is better · k = PCA components = the model's code size\n")
    print("| model | task | N | PSNR spoiled | PSNR model | PSNR model: code search | PSNR PCA | PSNR median 3×3 "
          "| SSIM spoiled | SSIM model | SSIM code search | SSIM PCA | SSIM median 3×3 | model best |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
