"""What one student's page costs the server, per lesson step: the step's link opened by a fresh session,
first with cold caches, then warm (what each follower of a class costs when the teacher moves on).

    python -m benchmarks.step_cost [--repeat 3] [--url http://127.0.0.1:8501 --pid PID]

Per step: the page, the wall time of the first open and the median of the warm ones (GET -> run ended, its
pictures fetched), and the server's CPU seconds for the warm ones (median): 30 followers cost about 30× that
on one process, whose script runs take turns under one GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from urllib.parse import urlsplit

from benchmarks.class_client import Student
from benchmarks.classroom import tree_cpu_s as server_cpu


async def open_once(url: str, path: str, query: str) -> float:
    student = Student(url)
    try:
        started = time.perf_counter()
        await student.connect("/" + path)
        run = await student.open(path, query)
        if run.exceptions:
            raise SystemExit(f"{path}?{query}: {run.exceptions[0]}")
        await student.report_widths()
        return time.perf_counter() - started
    finally:
        await student.close()


def measure(url: str, pid: int, repeat: int) -> list[dict]:
    from ui.teaching.lesson import STEPS, view_link

    rows = []
    for n, step in enumerate(STEPS, 1):
        parts = urlsplit(view_link(step, n))
        path = parts.path.strip("/")
        walls, cpus = [], []
        for _ in range(1 + repeat):
            before = server_cpu(pid)
            walls.append(asyncio.run(open_once(url, path, parts.query)))
            time.sleep(0.3)  # the session's last messages
            cpus.append(server_cpu(pid) - before)
        rows.append({"step": n, "page": path or "home", "cold_s": walls[0], "warm_s": statistics.median(walls[1:]),
                     "cold_cpu_s": cpus[0], "warm_cpu_s": statistics.median(cpus[1:])})
        print(f"| {n} | {rows[-1]['page']} | {walls[0]:.2f} | {rows[-1]['warm_s']:.2f} | {cpus[0]:.2f} | "
              f"{rows[-1]['warm_cpu_s']:.2f} |", flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm opens per step")
    parser.add_argument("--url", help="a running server on this machine instead of a fresh one")
    parser.add_argument("--pid", type=int, help="with --url: the server's process")
    args = parser.parse_args(argv)
    print("| step | page | first open s | warm open s (median) | first CPU s | warm CPU s (median) |")
    print("|---|---|---|---|---|---|")
    if args.url:
        measure(args.url, args.pid, args.repeat)
        return
    from harness.app_server import serve_app

    with tempfile.TemporaryDirectory() as runs, serve_app(runs) as server:
        measure(server.url.replace("localhost", "127.0.0.1"), server.process.pid, args.repeat)


if __name__ == "__main__":
    sys.exit(main())
