"""The server's CPU time per page visit and per slider move: what each student costs the one server a class
shares, and what each move costs the student's own browser.

    python -m benchmarks.server_cpu [--pages traversal,home] [--visits 8] [--moves 10]
        [--app app.py[,app_before.py|,/tmp/before/app.py]]

One `streamlit run` per entry script (harness.app_server), one Chromium page (digits-vae): each page is opened once
to warm the caches, then opened --visits more times (each open is a new session: the sidebar, the page's first
run, the reruns its widgets ask for); the server's CPU seconds (its process and children, from /proc) and the
wall time per visit, until the script has ended. Then --moves presses of the traversal page's first server
slider ("Exact values" tab), each waited for until the page has settled: CPU seconds per move of the server and
of the browser (Chromium and Playwright's driver, the server left out), and the median press -> new picture.
With two entry scripts, the rows compare them side by side: `app_before.py` is a copy of an earlier app.py
saved beside it, or an absolute path runs another checkout (`git worktree add /tmp/before <commit>`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from benchmarks.classroom import tree_cpu_s
from benchmarks.live_decode import EXACT_TAB, STEP_MS, WATCH_BUSY, press_server_slider, wait_settled
from harness.app_server import chromium, serve_app, wait_idle

MODEL = "digits-vae"


def visits(browser, script: str, pages: list[str], n: int, moves: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as runs, serve_app(runs, script=script) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.add_init_script(WATCH_BUSY)
        for name in pages:
            address = f"{server.url}/{'' if name == 'home' else name}?model={MODEL}"
            page.goto(address)
            wait_settled(page)  # the first visit fills the caches
            cpu, wall = tree_cpu_s(server.process.pid), time.perf_counter()
            for _ in range(n):
                page.goto(address)
                wait_idle(page, STEP_MS)
            rows.append({"app": script, "page": name, "server_cpu_s": (tree_cpu_s(server.process.pid) - cpu) / n,
                         "wall_s": (time.perf_counter() - wall) / n})
        if moves:
            rows.append(slider_moves(page, server, script, moves))
        page.close()
    return rows


def slider_moves(page, server, script: str, n: int) -> dict:
    """n presses of the traversal page's first server slider, alternately right and left."""
    page.goto(f"{server.url}/traversal?model={MODEL}")
    wait_settled(page)
    main = page.get_by_test_id("stMain")
    tab = main.get_by_role("tab", name=EXACT_TAB)
    if tab.count():  # a model the browser decodes: the server's sliders are in the second tab
        tab.click()
    pid = server.process.pid
    server_cpu, browser_cpu = tree_cpu_s(pid), tree_cpu_s(os.getpid(), skip=pid)
    trips = press_server_slider(page, n, lambda: wait_settled(page), timeout_ms=STEP_MS)
    # wait_settled's quiet time (no DOM change, no long task) costs little CPU: it is counted, on both sides.
    return {"app": script, "page": "traversal, per slider move", "server_cpu_s": (tree_cpu_s(pid) - server_cpu) / n,
            "browser_cpu_s": (tree_cpu_s(os.getpid(), skip=pid) - browser_cpu) / n,
            "round_trip_ms": statistics.median(trips)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="traversal,home", help="comma-separated page stems (home: the root)")
    parser.add_argument("--visits", type=int, default=8, help="visits per page after the warm one")
    parser.add_argument("--moves", type=int, default=10, help="traversal slider presses (0: none)")
    parser.add_argument("--app", default="app.py", help="comma-separated entry scripts: of this checkout, or the "
                        "absolute path of another checkout's app.py")
    args = parser.parse_args(argv)
    if args.visits < 1 or args.moves < 0:
        print("error: --visits must be at least 1 and --moves at least 0", file=sys.stderr)
        return 2
    load = os.getloadavg()[0]
    with chromium() as browser:
        rows = [row for script in args.app.split(",") for row in visits(browser, script, args.pages.split(","),
                                                                          args.visits, args.moves)]
    print("| app | page | server CPU s per visit | wall s per visit |")
    print("|---|---|---:|---:|")
    for row in rows:
        if "wall_s" in row:
            print(f"| {row['app']} | {row['page']} | {row['server_cpu_s']:.3f} | {row['wall_s']:.2f} |")
    moved = [row for row in rows if "round_trip_ms" in row]
    if moved:
        print("\n| app | server CPU s per move | browser CPU s per move | press → new picture, median ms |")
        print("|---|---:|---:|---:|")
        for row in moved:
            print(f"| {row['app']} | {row['server_cpu_s']:.3f} | {row['browser_cpu_s']:.3f} | "
                  f"{row['round_trip_ms']:.0f} |")
    print(f"\n{args.visits} visits and {args.moves} moves each, {MODEL}; load average (1 min) before / after: "
          f"{load:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
