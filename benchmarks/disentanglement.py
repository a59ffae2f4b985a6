"""Disentanglement of every shapes run in assets/ (and any run folders given): each metric, the
reconstruction error, KL, active dims and β, and the seconds each metric takes against the issue's
budget of 60 s per model (issue 9; issue 27's reference DCI alone takes minutes: its budget is 3 min).
DCI's classifiers side by side: python -m benchmarks.dci_classifiers.

    python -m benchmarks.disentanglement [RUN ...] [--points 10000] [--seed 0] [--workers 2] [--threads 1]
                                         [--dci gbt|hist|forest]

Per-metric seconds are wall time; "CPU s" is process time over all threads (with --workers 1, the wall
time an idle core would take; with 2 workers on 2 idle cores the wall time is about half of it), DCI's
worker processes included. The workers render and encode chunks of pictures, each on one torch thread, and
fit DCI's factors at once.
Prints markdown tables.
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

import torch

from vae.metrics.disentanglement.dci_classifiers import CLASSIFIERS, DEFAULT
from vae.metrics.disentanglement.scores import METRIC_KEYS, POINTS
from vae.metrics.disentanglement.run import GROUND_TRUTH, score_run
from vae.training.runs import read_run

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", help="more run folders (assets/' shapes runs are always included)")
    parser.add_argument("--points", type=int, default=POINTS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="threads scoring at once (default: one per core; the scores do not depend on it)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: 1 with several workers, else torch's own)")
    parser.add_argument("--dci", choices=tuple(CLASSIFIERS), default=DEFAULT, help="DCI's classifier per factor")
    args = parser.parse_args()
    if args.threads or args.workers > 1:
        torch.set_num_threads(args.threads or 1)
    folders = shapes_runs(args.runs)
    if not folders:
        raise SystemExit("no shapes runs found: train one (python -m vae train --dataset shapes ...)")
    reports = sorted((score_run(f, points=args.points, seed=args.seed, workers=args.workers, dci_classifier=args.dci)
                      for f in folders), key=ladder_order)
    print(f"{args.points:,} points, seed {args.seed} (the protocol: 10,000), {args.workers} worker(s), DCI by "
          f"{args.dci}\n")
    print_scores(reports)
    print_seconds(reports)


if __name__ == "__main__":
    main()
