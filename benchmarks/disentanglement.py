"""Disentanglement of every shapes run in assets/ (and any run folders given): each metric, the
reconstruction error, KL, active dims and β, and the seconds each metric takes against the issue's
budget of 60 s per model; with --dci-reference, DCI from our random forest beside disentanglement_lib's
gradient-boosted trees on the same codes.

    python -m benchmarks.disentanglement [RUN ...] [--points 10000] [--seed 0] [--workers 2] [--threads 1]
                                         [--dci-reference [--reference-points 2000]]

Per-metric seconds are wall time; "CPU s" is process time over all threads (with --workers 1, the wall
time an idle core would take; with 2 workers on 2 idle cores the wall time is about half of it). The
workers render and encode chunks of pictures and fit DCI's trees at once, each on one torch thread.
Prints markdown tables.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from vae.checkpoint import load_model
from vae.disentanglement import METRIC_KEYS, POINTS, dci
from vae.disentanglement_run import GROUND_TRUTH, model_representation, score_run
from vae.runs import read_run

ASSETS = Path(__file__).resolve().parent.parent / "assets"
BUDGET_S = 60.0  # issue 9: all metrics for one shapes model within a minute on the 2-core CPU
HEADERS = {"mig": "MIG", "factor_vae": "FVAE", "dci_disentanglement": "DCI-D", "dci_completeness": "DCI-C",
           "dci_informativeness": "DCI-I", "sap": "SAP", "modularity": "Mod"}
STAGES = ("codes", "mig", "modularity", "factor_vae", "dci", "sap", "sap_discrete")


def shapes_runs(extra: list[str]) -> list[Path]:
    """Gaussian-latent runs of a dataset with ground truth: assets/ by name, then the given folders."""
    found = []
    for folder in sorted(p for p in ASSETS.iterdir() if p.is_dir()) + [Path(p) for p in extra]:
        run = read_run(folder)
        if run and run.config.get("train", {}).get("dataset") in GROUND_TRUTH and \
                run.config.get("model", {}).get("family") != "vqvae":
            found.append(folder)
    return found


def ladder_order(report: dict) -> tuple:
    return report["family"] == "tcvae", report["beta"], report["run"]


def print_scores(reports: list[dict]) -> None:
    print("| run | family | β | " + " | ".join(HEADERS.values()) + " | SAP (SVM) | recon | KL | active |")
    print("|---|---|---:|" + "---:|" * (len(HEADERS) + 4))
    for r in reports:
        metrics = " | ".join(f"{r[k]:.3f}" for k in METRIC_KEYS)
        print(f"| {r['run']} | {r['family']} | {r['beta']:g} | {metrics} | {r['sap_discrete']:.3f} | "
              f"{r['recon']:.2f} | {r['kl']:.2f} | {r['active_dims']}/{r['latent_dim']} |")


def print_seconds(reports: list[dict]) -> None:
    print("\n| run | " + " | ".join(STAGES) + " | total s | CPU s | budget |")
    print("|---|" + "---:|" * (len(STAGES) + 3))
    for r in reports:
        cells = " | ".join(f"{r['seconds'][s]:.1f}" for s in STAGES)
        cpu = sum(r["cpu_seconds"].values())
        print(f"| {r['run']} | {cells} | {r['total_seconds']:.1f} | {cpu:.1f} | {BUDGET_S:.0f} s "
              f"({r['total_seconds'] / BUDGET_S:.2f}×) |")
    totals = [r["total_seconds"] for r in reports]
    print(f"\nmedian {statistics.median(totals):.1f} s per model (CPU "
          f"{statistics.median(sum(r['cpu_seconds'].values()) for r in reports):.1f} s), all {len(reports)} "
          f"models {sum(totals):.1f} s; {torch.get_num_threads()} torch thread(s), load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")


def dci_reference(folder: Path, points: int, seed: int) -> dict:
    """DCI of one run's codes with the forest and with disentanglement_lib's GradientBoostingClassifier()."""
    from sklearn.ensemble import GradientBoostingClassifier

    run = read_run(folder)
    space, render = GROUND_TRUTH[run.config["train"]["dataset"]]
    represent = model_representation(load_model(folder).eval(), render)
    rng = np.random.default_rng([seed, 0])
    factors, factors_test = space.sample(points, rng), space.sample(points // 2, rng)
    codes, codes_test = represent(factors), represent(factors_test)
    row = {"run": folder.name}
    for name, make in (("forest", None), ("boosted", lambda s: GradientBoostingClassifier(random_state=s))):
        start = time.process_time()
        row[name] = dci(codes, factors, codes_test, factors_test, seed, make)
        row[f"{name}_s"] = time.process_time() - start
    return row


def print_reference(rows: list[dict], points: int) -> None:
    print(f"\nDCI on {points:,} training / {points // 2:,} test codes: our forest | disentanglement_lib's boosted trees")
    print("| run | D forest | D boosted | C forest | C boosted | I forest | I boosted | CPU s forest | CPU s boosted |")
    print("|---|" + "---:|" * 8)
    for r in rows:
        f, b = r["forest"], r["boosted"]
        print(f"| {r['run']} | {f['disentanglement']:.3f} | {b['disentanglement']:.3f} | {f['completeness']:.3f} | "
              f"{b['completeness']:.3f} | {f['informativeness']:.3f} | {b['informativeness']:.3f} | "
              f"{r['forest_s']:.1f} | {r['boosted_s']:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", help="more run folders (assets/' shapes runs are always included)")
    parser.add_argument("--points", type=int, default=POINTS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="threads scoring at once (default: one per core; the scores do not depend on it)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: 1 with several workers, else torch's own)")
    parser.add_argument("--dci-reference", action="store_true", help="also fit disentanglement_lib's boosted trees")
    parser.add_argument("--reference-points", type=int, default=2000,
                        help="training codes for --dci-reference (the boosted trees take ~75 s of CPU per model "
                        "on 2,000)")
    args = parser.parse_args()
    if args.threads or args.workers > 1:
        torch.set_num_threads(args.threads or 1)
    folders = shapes_runs(args.runs)
    if not folders:
        raise SystemExit("no shapes runs found: train one (python -m vae train --dataset shapes ...)")
    reports = sorted((score_run(f, points=args.points, seed=args.seed, workers=args.workers) for f in folders),
                     key=ladder_order)
    print(f"{args.points:,} points, seed {args.seed} (the protocol: 10,000), {args.workers} worker(s)\n")
    print_scores(reports)
    print_seconds(reports)
    if args.dci_reference:
        print_reference([dci_reference(f, args.reference_points, args.seed) for f in folders], args.reference_points)


if __name__ == "__main__":
    main()
