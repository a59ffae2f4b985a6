"""Ship the β ladder: read every scored run of the shapes sweep (scripts/make_ladder.sh), pick each group's
median-MIG seed (vae.metrics.disentanglement.ladder's stated rule), copy the picks into assets/ under the names the pages open, and
write assets/ladder.json with every run's scores and the CPU-hours the sweep took.

    python scripts/ship_ladder.py RUNS_DIR [--assets assets]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from pathlib import Path

from vae.atomic import read_json, read_jsonl
from vae.metrics.disentanglement import ladder
from vae.metrics.disentanglement.run import PROTOCOL


def shipped_name(family: str, beta: float) -> str:
    """The asset folder a group's pick ships as, the name the pages, the lesson and the tests open: shapes-vae
    (β = 1), shapes-beta<β> for the rest of the β-VAE ladder, shapes-<family> for the one β of each other family."""
    if family != "vae":
        return f"shapes-{family}"
    return "shapes-vae" if beta == 1.0 else f"shapes-beta{beta:g}"


def cpu_seconds(run_dir: Path) -> float:
    """Training (one thread: its loop's wall time, an upper bound of its CPU time when the core was shared)
    plus scoring (the scorer's CPU time) of one run."""
    wall = [e["wall_time"] for e in read_jsonl(run_dir / "metrics.jsonl") if "wall_time" in e]
    report = read_json(run_dir / "disentanglement.json")
    return float(wall[-1]) + float(sum(report.get("cpu_seconds", {}).values()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs_dir", type=Path)
    parser.add_argument("--assets", type=Path, default=Path("assets"))
    args = parser.parse_args()
    folders = sorted(p for p in args.runs_dir.iterdir() if (p / "disentanglement.json").is_file())
    runs = [r for r in (ladder.run_from_folder(p) for p in folders) if r is not None]
    shipped = []
    for group, members in ladder.groups(runs).items():
        pick = ladder.median_pick(members)
        target = shipped_name(*group)
        for run in members:
            shipped.append(dataclasses.replace(run, shown=target if run is pick else None))
        destination = args.assets / target
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(args.runs_dir / pick.name, destination,
                        ignore=shutil.ignore_patterns("train.log", "launch.json", "*.tmp"))
        seeds = ", ".join(f"{r.scores['mig']:.3f}" for r in members)
        print(f"{target:16s} <- {pick.name} (MIG {pick.scores['mig']:.3f}, median of {seeds})")
    hours = sum(cpu_seconds(args.runs_dir / r.name) for r in runs) / 3600
    path = ladder.write(args.assets / ladder.LADDER_NAME, shipped, PROTOCOL, round(hours, 2))
    print(f"{path}: {len(shipped)} runs, {hours:.1f} CPU-hours")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
