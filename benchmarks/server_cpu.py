"""The server's CPU time per page visit: what each student's visit costs the one server a class shares.

    python -m benchmarks.server_cpu [--pages traversal,home] [--visits 8] [--app app.py[,app_before.py]]

One `streamlit run` per entry script (ui.app_server), one Chromium page (digits-vae): each page is opened once
to warm the caches, then opened --visits more times (each open is a new session: the sidebar, the page's first
run, the reruns its widgets ask for); the server's CPU seconds (its process and children, from /proc) and the
wall time per visit, until the script has ended. With two entry scripts, the rows compare them side by side:
`app_before.py` is a copy of an earlier app.py, saved by hand beside it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from benchmarks.classroom import tree_cpu_s
from benchmarks.live_decode import STEP_MS, WATCH_BUSY, wait_settled
from ui.app_server import chromium, serve_app, wait_idle

MODEL = "digits-vae"


def visits(browser, script: str, pages: list[str], n: int) -> list[dict]:
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
        page.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="traversal,home", help="comma-separated page stems (home: the root)")
    parser.add_argument("--visits", type=int, default=8, help="visits per page after the warm one")
    parser.add_argument("--app", default="app.py", help="comma-separated entry scripts of this checkout")
    args = parser.parse_args(argv)
    if args.visits < 1:
        print("error: --visits must be at least 1", file=sys.stderr)
        return 2
    load = os.getloadavg()[0]
    with chromium() as browser:
        rows = [row for script in args.app.split(",") for row in visits(browser, script, args.pages.split(","),
                                                                          args.visits)]
    print("| app | page | server CPU s per visit | wall s per visit |")
    print("|---|---|---:|---:|")
    for row in rows:
        print(f"| {row['app']} | {row['page']} | {row['server_cpu_s']:.3f} | {row['wall_s']:.2f} |")
    print(f"\n{args.visits} visits each, {MODEL}; load average (1 min) before / after: {load:.1f} / "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
