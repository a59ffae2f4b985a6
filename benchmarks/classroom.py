"""A classroom on one server: N browser sessions at once, each moving a traversal slider and switching
pages, against one `streamlit run app.py` (issues 11 and 15).

    python -m benchmarks.classroom [--sessions 30] [--minutes 3] [--json]

One headless Chromium (harness.app_server: Debian's, with the recipe's flags), one browser context per
student. Each opens the app, goes to the traversal page (digits-vae), and for --minutes from its first
picture on presses ArrowRight / ArrowLeft on the server's first slider ("Exact values" tab; one press is
one rerun of the slider fragment), waits for the server's new picture, and every few moves visits the
latent map and comes back. Measured: slider press -> new picture in the DOM (p50 / p95 / max over every move of every
session, the page's own clock), time to the first traversal picture per session, errors (an exception
or error alert drawn on a page, console errors, page errors, steps that timed out), and the peak
resident memory of the server with its child processes (sampled from /proc every 0.5 s). Run it on
an idle machine: every session's browser shares the CPU with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from benchmarks.live_decode import ARM_ROUND_TRIP, EXACT_TAB, PICTURE_CAPTION
from harness.app_server import CHROMIUM, CHROMIUM_ARGS, SCRIPT_IDLE, serve_app

STEP_MS = 120_000  # one rerun with 30 sessions on 2 cores can take long; longer counts as an error
MOVES_PER_VISIT = 3  # slider moves between two visits to the latent map
VIEWPORT = {"width": 1400, "height": 900}
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Session:
    """What one student's browser saw."""

    first_draw_ms: float | None = None  # goto(root) -> the traversal page's server picture drawn
    round_trips_ms: list[float] = field(default_factory=list)
    page_visits: int = 0
    errors: list[str] = field(default_factory=list)  # one line each: what went wrong, where


# --- The server's memory and CPU, from /proc -----------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            pass
    return found


def _tree(pid: int, skip: int | None = None) -> Iterator[int]:
    """pid and its descendants (the subtree of `skip` left out), each read from /proc as it is reached."""
    stack = [pid]
    while stack:
        current = stack.pop()
        if current != skip:
            yield current
            stack += _children(current)


def tree_rss(pid: int) -> int:
    """Resident bytes of pid and all its descendants (0 for a process that is gone)."""
    total = 0
    for current in _tree(pid):
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


def tree_cpu_s(pid: int, skip: int | None = None) -> float:
    """CPU seconds (user + system) pid and its descendants have used, the children they reaped included
    (Chromium reaps the renderers of closed pages); the subtree of `skip` left out."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for current in _tree(pid, skip):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


class PeakMemory:
    """Samples tree_rss(pid) in a thread until stopped; .peak is the largest sample in bytes."""

    def __init__(self, pid: int, every_s: float = 0.5):
        self.pid, self.every_s, self.peak = pid, every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(self.every_s)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# --- One student ---------------------------------------------------------------------------------

async def wait_idle(page) -> None:
    from playwright.async_api import expect

    await expect(page.locator(SCRIPT_IDLE)).to_have_count(1, timeout=STEP_MS)


async def errors_on_page(page, where: str) -> list[str]:
    """An exception or an error alert drawn in the page, as lines."""
    found = []
    for test_id in ("stException", "stAlertContentError"):
        count = await page.get_by_test_id(test_id).count()
        if count:
            found.append(f"{where}: {count} × {test_id}")
    return found


async def open_traversal(page, url: str) -> None:
    from playwright.async_api import expect

    # The app opens on fashion-vae; this measures digits-vae. Thirty pages loading Streamlit's scripts at once
    # on two cores take longer than Playwright's 30 s default: a student waits, so the page gets STEP_MS too.
    await page.goto(f"{url}/?model=digits-vae", timeout=STEP_MS)
    await wait_idle(page)
    await page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Latent traversal$")).click()
    picture = page.get_by_test_id("stMain").get_by_test_id("stImage").filter(has_text=PICTURE_CAPTION)
    await expect(picture.first).to_be_attached(timeout=STEP_MS)
    await wait_idle(page)


async def visit_latent_map(page, session: Session) -> None:
    from playwright.async_api import expect

    nav = page.get_by_test_id("stSidebarNav")
    await nav.get_by_role("link", name=re.compile("Latent map$")).click()
    await expect(page.get_by_test_id("stMain").get_by_role("heading", level=1)).to_have_text("Latent map",
                                                                                               timeout=STEP_MS)
    await wait_idle(page)
    session.errors += await errors_on_page(page, "latent map")
    await nav.get_by_role("link", name=re.compile("Latent traversal$")).click()
    # the traversal page itself, before its run's end: right after the click the latent map's run has ended too
    await expect(page.get_by_test_id("stMain").get_by_test_id("stImage").filter(has_text=PICTURE_CAPTION)
                 .first).to_be_attached(timeout=STEP_MS)
    await wait_idle(page)
    session.page_visits += 1


async def move_slider(page, press: str) -> float:
    """One key press on the server's first traversal slider -> ms until its new picture is in the DOM."""
    main = page.get_by_test_id("stMain")
    tab = main.get_by_role("tab", name=EXACT_TAB)
    if await tab.count():  # a model the browser decodes: the server's sliders are in the second tab
        await tab.click()
    slider = page.get_by_test_id("stSlider").get_by_role("slider").first
    await main.get_by_test_id("stImage").filter(has_text=PICTURE_CAPTION).first.wait_for()
    await page.evaluate(ARM_ROUND_TRIP, PICTURE_CAPTION)
    await slider.focus()
    await slider.press(press)
    await page.wait_for_function("() => globalThis.__roundTrip !== null", timeout=STEP_MS)
    ms = await page.evaluate("globalThis.__roundTrip")
    await wait_idle(page)
    return ms


async def student(browser, url: str, seconds: float, session: Session, start_delay_s: float) -> None:
    """One session: open the traversal page, then move and visit for `seconds` from its first picture on
    (on a loaded machine the first picture alone can take longer than a short run)."""
    await asyncio.sleep(start_delay_s)  # students arrive over a few seconds, not in one instant
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    page.on("console", lambda message: message.type == "error" and session.errors.append(
        f"console: {message.text[:200]}"))
    page.on("pageerror", lambda error: session.errors.append(f"page error: {str(error)[:200]}"))
    try:
        started = time.perf_counter()
        await open_traversal(page, url)
        session.first_draw_ms = (time.perf_counter() - started) * 1000
        deadline = time.monotonic() + seconds
        session.errors += await errors_on_page(page, "traversal")
        moves = 0
        while time.monotonic() < deadline:
            session.round_trips_ms.append(await move_slider(page, "ArrowRight" if moves % 2 == 0 else "ArrowLeft"))
            moves += 1
            if moves % MOVES_PER_VISIT == 0:
                session.errors += await errors_on_page(page, "traversal")
                if time.monotonic() < deadline:
                    await visit_latent_map(page, session)
    except Exception as error:  # noqa: BLE001  (a timeout or a lost page is a result: count it, go on)
        session.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await context.close()


async def classroom(url: str, sessions: int, minutes: float, server_pid: int) -> tuple[list[Session], dict]:
    """The sessions' results, and the CPU seconds the server and the browser used meanwhile: both share
    this machine's cores here, where a real class brings its own browsers."""
    from playwright.async_api import async_playwright

    results = [Session() for _ in range(sessions)]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        server_cpu, browser_cpu = tree_cpu_s(server_pid), tree_cpu_s(os.getpid(), skip=server_pid)
        try:
            await asyncio.gather(*(student(browser, url, minutes * 60, s, 0.2 * i) for i, s in enumerate(results)))
            cpu = {"server": tree_cpu_s(server_pid) - server_cpu,
                   "browser": tree_cpu_s(os.getpid(), skip=server_pid) - browser_cpu}
        finally:
            await browser.close()
    return results, cpu


# --- Report --------------------------------------------------------------------------------------

def _stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    return {"n": len(values), "p50": statistics.median(values), "p95": float(np.percentile(values, 95)),
            "max": max(values)}


def summary(results: list[Session], minutes: float, peak_rss: int, cpu: dict, load: tuple[float, float]) -> dict:
    errors = [e for s in results for e in s.errors]
    return {
        "sessions": len(results), "minutes": minutes,
        "slider_ms": _stats([ms for s in results for ms in s.round_trips_ms]),
        "first_draw_ms": _stats([s.first_draw_ms for s in results if s.first_draw_ms is not None]),
        "sessions_drawn": sum(s.first_draw_ms is not None for s in results),
        "page_visits": sum(s.page_visits for s in results),
        "errors": len(errors), "error_examples": sorted(set(errors))[:10],
        "server_peak_rss_mb": peak_rss / 1e6, "server_cpu_s": cpu["server"], "browser_cpu_s": cpu["browser"],
        "load_average": list(load), "cpus": os.cpu_count(),
    }


def print_table(report: dict) -> None:
    def ms(value) -> str:
        return "–" if value is None else f"{value:,.0f}"

    print(f"{report['sessions']} sessions for {report['minutes']:g} min against one server\n")
    print("| measure | n | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for name, key in (("slider press → new picture", "slider_ms"), ("first traversal picture", "first_draw_ms")):
        s = report[key]
        print(f"| {name} | {s['n']} | {ms(s['p50'])} | {ms(s['p95'])} | {ms(s['max'])} |")
    print(f"\nsessions drawn: {report['sessions_drawn']}/{report['sessions']}, page visits: {report['page_visits']}, "
          f"errors: {report['errors']}, server peak RSS (with children): {report['server_peak_rss_mb']:,.0f} MB")
    for line in report["error_examples"]:
        print(f"  {line}")
    print(f"CPU used meanwhile: server {report['server_cpu_s']:,.0f} s, browser (Chromium, Playwright) "
          f"{report['browser_cpu_s']:,.0f} s")
    before, after = report["load_average"]
    print(f"load average (1 min) before / after: {before:.1f} / {after:.1f} on {report['cpus']} cores")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="browser sessions at once (default 30)")
    parser.add_argument("--minutes", type=float, default=3.0, help="how long each session keeps working")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.minutes <= 0:
        print("error: --sessions must be at least 1 and --minutes above 0", file=sys.stderr)
        return 2
    if not os.path.exists(CHROMIUM):
        print(f"error: {CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as runs, serve_app(runs) as server, PeakMemory(server.process.pid) as memory:
        results, cpu = asyncio.run(classroom(server.url, args.sessions, args.minutes, server.process.pid))
    report = summary(results, args.minutes, memory.peak, cpu, (load_before, os.getloadavg()[0]))
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
