"""Ship the β ladder: read every scored run of the shapes sweep (scripts/make_ladder.sh), pick each group's
median-MIG seed (vae.metrics.disentanglement.ladder's stated rule), copy the picks into assets/ under the names the pages open, and
write assets/ladder.json with every run's scores and the CPU-hours the sweep took.

    python scripts/ship_ladder.py RUNS_DIR [--assets assets] [--replace]

--replace ships only the groups RUNS_DIR holds (a group trained again, e.g. longer) into the shipped ladder: their
runs take the place of that (family, β)'s in assets/ladder.json, every other group and pick stays as shipped. The
CPU-hours add the new runs' to the shipped total, which keeps the replaced runs' own (the file does not keep a
run's cost), so the total stays what the page calls it: an upper bound of what its models took.
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
    parser.add_argument("--replace", action="store_true",
                        help="ship only RUNS_DIR's groups into the shipped ladder.json, keeping the others")
    args = parser.parse_args()
    folders = sorted(p for p in args.runs_dir.iterdir() if (p / "disentanglement.json").is_file())
    runs = [r for r in (ladder.run_from_folder(p) for p in folders) if r is not None]
    shipped, hours = [], sum(cpu_seconds(args.runs_dir / r.name) for r in runs) / 3600
    if args.replace:
        path = args.assets / ladder.LADDER_NAME
        kept, meta = ladder.read(path), ladder.read_meta(path)
        if not kept or meta.get("cpu_hours") is None:
            parser.error(f"--replace needs a shipped ladder with its CPU-hours: {path} has none")
        new_groups = {r.group for r in runs}
        shipped = [r for r in kept if r.group not in new_groups]
        hours += meta["cpu_hours"]
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
    shipped = [run for group in ladder.groups(shipped).values() for run in group]  # the study's order
    path = ladder.write(args.assets / ladder.LADDER_NAME, shipped, PROTOCOL, round(hours, 2))
    print(f"{path}: {len(shipped)} runs, {hours:.1f} CPU-hours")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
