"""A class at once without browsers: N students speaking Streamlit's protocol to one server (issue 25).

    python -m benchmarks.class_load [--students 30[,60,100]] [--minutes 2] [--think 3] [--ramp 30]
        [--url http://127.0.0.1:8501 --pid PID ...] [--app app.py] [--path lesson|follow] [--teacher-every 20] [--json]
    python -m benchmarks.class_load --validate [--moves 20] [--pin]  # one session: this client against Chromium

Each student (benchmarks/class_client.py: one websocket, Streamlit's protobufs, the pictures fetched
over HTTP) arrives at a random moment within --ramp seconds, opens the lesson's traversal link and then,
after an exponential think time (mean --think s), does one thing at a time: mostly lets go of a live
slider (the fragment rerun a browser sends on release), sometimes the pad, a server slider, a visit to
the latent map and back, or another model. Without --url a fresh `streamlit run app.py` (harness.app_server)
serves each class size, warmed by one student first (a teacher opened the lesson before the class);
with --url the students go to that address (a proxy, say: scripts/serve_class.sh) and --pid names the
processes whose CPU and memory count. Loopback only. With --path follow a teacher presents the lesson and
presses Next every --teacher-every s, and the students follow it (benchmarks/class_paths.py, FollowPath).

Reported per class size: first page (GET the page -> its run ended, its pictures fetched, the width probe's
run answered) p50 / p95 / max; interaction (rerun sent -> script finished and its pictures fetched) p50 /
p95 / p99 / max, and by kind; errors (disconnects, timeouts, exception elements); KB per interaction: what
the server built (serialized and hashed: the frames sent plus the messages the browser's cache let it send
as references), and what travelled (websocket, HTTP); server CPU seconds (its processes and children) and peak RSS; the load average.
With --path follow, a second table: the teacher's moves, the moves followed of those due, the idle poll's latency
(a fragment run that draws nothing) p50 / p95, and the teacher's move (Next sent) -> the follower's run of the
new step finished p50 / p95 / max, and the longest of the teacher's own moves (Next -> its new page's run ended).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field

from benchmarks.class_client import ProtocolError, Run, Student
from benchmarks.class_paths import PATHS, TEACHER_EVERY_S, ClassPath, make_path
from benchmarks.classroom import PeakMemory, tree_cpu_s

HOSTS = ("127.0.0.1", "localhost")  # loopback only: this is a load generator
MAX_STUDENTS = 200
MAX_MINUTES = 15


@dataclass
class Tally:
    """Everything the class saw, across students."""

    first_page_s: list[float] = field(default_factory=list)
    interactions: dict[str, list[float]] = field(default_factory=dict)  # kind -> seconds
    bytes_ws: int = 0
    bytes_built: int = 0  # websocket bytes plus the messages the server sent as references (it built them)
    bytes_media: int = 0
    errors: list[str] = field(default_factory=list)
    students_done: int = 0

    def add(self, kind: str, run: Run) -> None:
        self.interactions.setdefault(kind, []).append(run.seconds)
        self.bytes_ws += run.bytes_in
        self.bytes_built += run.built_bytes
        self.bytes_media += run.media_bytes
        self.errors += [f"exception element ({kind}): {e}" for e in run.exceptions]

    @property
    def all_interactions(self) -> list[float]:
        return [s for values in self.interactions.values() for s in values]


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile (the smallest value with at least q % of the values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


async def student(n: int, url: str, path: ClassPath, tally: Tally, deadline: float, arrive_s: float,
                  think_s: float, seed: int) -> None:
    """One student for the class's length: arrive, open the page, then think and act until the deadline."""
    rng = random.Random(seed * 1000 + n)
    await asyncio.sleep(arrive_s)
    client = Student(url)
    try:
        start = time.perf_counter()
        runs = await path.open(client, rng)
        tally.first_page_s.append(time.perf_counter() - start)
        for run in runs:
            tally.bytes_ws += run.bytes_in
            tally.bytes_media += run.media_bytes
            tally.errors += [f"exception element (first page): {e}" for e in run.exceptions]
        while True:
            pause = path.pause(client, rng, think_s)
            if time.monotonic() + pause >= deadline:
                break
            await asyncio.sleep(pause)
            for kind, run in await path.act(client, rng):
                tally.add(kind, run)
        tally.students_done += 1
    except (ProtocolError, OSError, asyncio.TimeoutError) as error:
        tally.errors.append(f"student {n}: {type(error).__name__}: {error}"[:300])
    finally:
        try:
            await client.close()
        except Exception:  # noqa: BLE001 - closing a broken socket: the error is already counted
            pass


async def run_class(url: str, path: ClassPath, students: int, minutes: float, think_s: float, ramp_s: float,
                    seed: int) -> Tally:
    tally = Tally()
    rng = random.Random(seed)
    deadline = time.monotonic() + minutes * 60
    arrivals = sorted(rng.uniform(0, ramp_s) for _ in range(students))
    await asyncio.gather(path.lead(url, deadline, tally),
                         *(student(n, url, path, tally, deadline, arrivals[n], think_s, seed) for n in range(students)))
    return tally


def check_loopback(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname
    if host not in HOSTS:
        raise SystemExit(f"--url must be on this machine ({' or '.join(HOSTS)}), not {host}")


def measure(url: str, pids: list[int], path: ClassPath, students: int, minutes: float, think_s: float,
            ramp_s: float, seed: int) -> dict:
    """One class against a running server: warm it with one student, then the class; the figures as a row."""
    warm = sum(asyncio.run(path.warm(url)) for _ in pids)  # behind a round-robin proxy: one per process
    load_before = os.getloadavg()[0]
    cpu0 = sum(tree_cpu_s(pid) for pid in pids)
    client_cpu0 = time.process_time()
    wall0 = time.perf_counter()
    with PeakMemory(pids[0]) as memory, PeakMemoryMany(pids[1:]) as others:
        tally = asyncio.run(run_class(url, path, students, minutes, think_s, ramp_s, seed))
    wall = time.perf_counter() - wall0
    cpu = sum(tree_cpu_s(pid) for pid in pids) - cpu0
    moves = tally.all_interactions
    n = max(len(moves), 1)
    row = {
        "students": students, "minutes": minutes, "think_s": think_s, "ramp_s": ramp_s, "processes": len(pids),
        "warm_s": warm,
        "first_page_p50_s": percentile(tally.first_page_s, 50), "first_page_p95_s": percentile(tally.first_page_s, 95),
        "first_page_max_s": max(tally.first_page_s, default=None), "first_pages": len(tally.first_page_s),
        "interactions": len(moves), "per_s": len(moves) / wall,
        "p50_s": percentile(moves, 50), "p95_s": percentile(moves, 95), "p99_s": percentile(moves, 99),
        "max_s": max(moves, default=None),
        "by_kind": {k: {"n": len(v), "p50_s": percentile(v, 50), "p95_s": percentile(v, 95)}
                    for k, v in sorted(tally.interactions.items())},
        "errors": len(tally.errors), "error_lines": tally.errors[:10],
        "ws_kb_per_interaction": tally.bytes_ws / n / 1e3, "built_kb_per_interaction": tally.bytes_built / n / 1e3, "media_kb_per_interaction": tally.bytes_media / n / 1e3,
        "server_cpu_s": cpu, "server_cores": cpu / wall, "server_peak_rss_mb": (memory.peak + others.peak) / 1e6,
        "client_cpu_s": time.process_time() - client_cpu0,
        "load_before": load_before, "load_after": os.getloadavg()[0],
    }
    if hasattr(path, "report"):
        row.update(follow_row(path.report(), students, tally))
    return row


def follow_row(report: dict, students: int, tally: Tally) -> dict:
    """The follow path's columns: the timed poll's latency, and the teacher's move -> the follower's new page."""
    delays, polls = report["follow_delays_s"], tally.interactions.get("poll", [])
    tally.errors += [f"follower: {line}" for line in report["follow_errors"]]
    return {"teacher_moves": report["teacher_moves"], "followed": report["followed"],
            "follow_expected": report["follow_expected"],
            "poll_p50_s": percentile(polls, 50), "poll_p95_s": percentile(polls, 95),
            "follow_p50_s": percentile(delays, 50), "follow_p95_s": percentile(delays, 95),
            "follow_max_s": max(delays, default=None), "teacher_move_max_s": max(report["teacher_runs_s"], default=None),
            "errors": len(tally.errors), "error_lines": tally.errors[:10]}


class PeakMemoryMany:
    """PeakMemory over several process trees at once (the sum of their samples' peaks)."""

    def __init__(self, pids: list[int]):
        self.monitors = [PeakMemory(pid) for pid in pids]

    def __enter__(self):
        for m in self.monitors:
            m.__enter__()
        return self

    def __exit__(self, *exc):
        for m in self.monitors:
            m.__exit__(*exc)

    @property
    def peak(self) -> int:
        return sum(m.peak for m in self.monitors)


def ms(v: float | None) -> str:
    return "–" if v is None else f"{v * 1000:.0f}"


def table(rows: list[dict]) -> str:
    def s(v):
        return "–" if v is None else f"{v:.1f}"

    header = ("students", "procs", "first page p50/p95/max s", "moves", "p50 ms", "p95 ms", "p99 ms", "max ms",
              "errors", "KB/move built, ws+http", "server CPU s (cores)", "peak RSS MB", "load")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        lines.append("| " + " | ".join([
            str(r["students"]), str(r["processes"]),
            f"{s(r['first_page_p50_s'])} / {s(r['first_page_p95_s'])} / {s(r['first_page_max_s'])}",
            str(r["interactions"]), ms(r["p50_s"]), ms(r["p95_s"]), ms(r["p99_s"]), ms(r["max_s"]), str(r["errors"]),
            f"{r['built_kb_per_interaction']:.0f}, {r['ws_kb_per_interaction']:.0f}+{r['media_kb_per_interaction']:.0f}",
            f"{r['server_cpu_s']:.0f} ({r['server_cores']:.2f})", f"{r['server_peak_rss_mb']:.0f}",
            f"{r['load_before']:.1f}→{r['load_after']:.1f}"]) + " |")
    if any("followed" in r for r in rows):
        lines += ["", follow_table([r for r in rows if "followed" in r])]
    return "\n".join(lines)


def follow_table(rows: list[dict]) -> str:
    """--path follow: the poll's latency, and the teacher's move -> the follower's run of the new step finished."""
    header = ("students", "procs", "teacher moves", "followed / expected", "poll p50 ms", "poll p95 ms",
              "move → shown p50 ms", "p95 ms", "max ms", "teacher's own move max ms", "errors", "server CPU s (cores)", "peak RSS MB", "load")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        lines.append("| " + " | ".join([
            str(r["students"]), str(r["processes"]), str(r["teacher_moves"]), f"{r['followed']} / {r['follow_expected']}",
            ms(r["poll_p50_s"]), ms(r["poll_p95_s"]), ms(r["follow_p50_s"]), ms(r["follow_p95_s"]), ms(r["follow_max_s"]),
            ms(r["teacher_move_max_s"]), str(r["errors"]), f"{r['server_cpu_s']:.0f} ({r['server_cores']:.2f})", f"{r['server_peak_rss_mb']:.0f}",
            f"{r['load_before']:.1f}→{r['load_after']:.1f}"]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", default="30", help="class sizes, comma-separated (each on a fresh server)")
    parser.add_argument("--minutes", type=float, default=2.0, help="length of each class, arrivals included")
    parser.add_argument("--think", type=float, default=3.0, help="mean think time between two actions, seconds")
    parser.add_argument("--ramp", type=float, default=30.0, help="students arrive within this many seconds")
    parser.add_argument("--path", default="lesson", choices=sorted(PATHS), help="what the students do")
    parser.add_argument("--teacher-every", type=float, default=TEACHER_EVERY_S,
                        help="--path follow: the teacher moves to the next lesson step this often, seconds")
    parser.add_argument("--url", help="a running server (or proxy) on this machine instead of a fresh one")
    parser.add_argument("--pid", type=int, action="append", default=[], help="with --url: a server process to measure")
    parser.add_argument("--app", default="app.py", help="without --url: the entry script to serve (an absolute "
                        "path to another checkout's app.py measures that version, e.g. before a change)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    parser.add_argument("--validate", action="store_true", help="one session: this client against Chromium")
    parser.add_argument("--moves", type=int, default=20, help="with --validate: slider releases per client")
    parser.add_argument("--pin", action="store_true", help="with --validate: the server on a core of its own, "
                        "the client and Chromium on the other")
    args = parser.parse_args(argv)
    if args.validate:
        from benchmarks.class_validate import validate

        validate(args.moves, pin=args.pin)
        return
    sizes = [int(v) for v in args.students.split(",")]
    if not all(1 <= v <= MAX_STUDENTS for v in sizes) or not 0 < args.minutes <= MAX_MINUTES:
        raise SystemExit(f"--students within 1..{MAX_STUDENTS}, --minutes within (0, {MAX_MINUTES}]")
    path = make_path(args.path, args.teacher_every)
    rows = []
    for size in sizes:
        if args.url:
            check_loopback(args.url)
            if not args.pid:
                raise SystemExit("--url needs --pid for each server process to measure")
            rows.append(measure(args.url, args.pid, path, size, args.minutes, args.think, args.ramp, args.seed))
        else:
            from harness.app_server import serve_app

            with tempfile.TemporaryDirectory() as runs, serve_app(runs, script=args.app) as server:
                url = server.url.replace("localhost", "127.0.0.1")
                rows.append(measure(url, [server.process.pid], path, size, args.minutes, args.think, args.ramp,
                                    args.seed))
        print(table(rows[-1:]), flush=True)
    print(table(rows))
    for r in rows:
        print(f"{r['students']} students: by kind " + ", ".join(
            f"{k} n={v['n']} p50 {v['p50_s'] * 1000:.0f} ms p95 {v['p95_s'] * 1000:.0f} ms" for k, v in r["by_kind"].items()))
        for line in r["error_lines"]:
            print("  error:", line)
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    sys.exit(main())
