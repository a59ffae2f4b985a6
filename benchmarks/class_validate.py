"""Does the protocol client measure what a browser's user waits for? One session each, on one fresh server:
the same live-slider release (one ArrowRight step on the lesson's traversal page), timed by
benchmarks/class_client.py and by Chromium (Playwright). Run by `python -m benchmarks.class_load --validate`.

The browser's time, in the page's clock: the key press (a capturing keydown listener) -> the script's state
back to notRunning after it ran (Streamlit marks stApp for tests) and every picture that arrived since loaded.
The client's: the BackMsg sent -> script_finished and the new pictures fetched. Blocks of moves alternate
(client, browser, client, browser) so that a drift in the machine's load hits both.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import threading

from benchmarks.class_client import Student
from benchmarks.class_paths import SLIDERS, LessonPath, stamp
from harness.app_server import SCRIPT_IDLE, chromium, serve_app

STEP_MS = 120_000
LIVE_SLIDER = ".vl-sliders input.vl-range"
WATCH = """() => {
  if (window.__cl) return;
  const cl = window.__cl = { keys: [], states: [], loads: [] };
  document.addEventListener("keydown", () => cl.keys.push(performance.now()), true);
  document.addEventListener("load", (e) => { if (e.target.tagName === "IMG") cl.loads.push(performance.now()); }, true);
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => cl.states.push([performance.now(), app.dataset.testScriptState]))
    .observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
}"""
SETTLED = """(t0) => {
  const cl = window.__cl;
  const ran = cl.states.some(([t, s]) => t > t0 && s === "running");
  const app = document.querySelector('[data-testid="stApp"]');
  return ran && app.dataset.testScriptState === "notRunning" && [...document.images].every((i) => i.complete);
}"""
ELAPSED = """(t0) => {
  const cl = window.__cl;
  const key = cl.keys.find((t) => t >= t0);
  const idle = Math.max(...cl.states.filter(([t, s]) => t > key && s === "notRunning").map(([t]) => t));
  const loads = cl.loads.filter((t) => t > key);
  return (Math.max(idle, ...loads) - key) / 1000;
}"""


async def client_moves(url: str, n: int, student: Student | None, path: LessonPath) -> tuple[list[float], Student]:
    """n releases of one live slider, one step (0.05) each way in turn, as ArrowRight/ArrowLeft would send."""
    rng = random.Random(1)
    if student is None:
        student = Student(url)
        await path.open(student, rng)
    times = []
    for i in range(n):
        view = student.widget(SLIDERS, "bidi_component")
        data = view.data()
        z = list(data["z"])
        d = data["dims"][0]["d"]
        z[d] = round(z[d] + (0.05 if i % 2 == 0 else -0.05), 2)
        student.set_component(view, "z", {"z": z, "seq": stamp(rng)})
        times.append((await student.rerun(view.fragment_id)).seconds)
    return times, student


def browser_moves(page, n: int) -> list[float]:
    handle = page.locator(LIVE_SLIDER).first
    times = []
    for i in range(n):
        page.wait_for_selector(SCRIPT_IDLE, timeout=STEP_MS)
        t0 = page.evaluate("performance.now()")
        handle.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(SETTLED, arg=t0, timeout=STEP_MS)
        times.append(page.evaluate(ELAPSED, t0))
    return times


def validate(moves: int) -> None:
    path = LessonPath()
    link = f"/{path.page}?{path.query}"
    client_times, browser_times = [], []
    # The client's websocket lives on its own event loop, in a thread: Playwright's sync API runs one here.
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def on_loop(coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    with tempfile.TemporaryDirectory() as runs, serve_app(runs) as server:
        url = server.url.replace("localhost", "127.0.0.1")
        on_loop(path.warm(url))
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url + link)
            page.wait_for_selector(LIVE_SLIDER, timeout=STEP_MS)
            page.wait_for_selector(SCRIPT_IDLE, timeout=STEP_MS)
            page.evaluate(WATCH)
            student = None
            for _ in range(2):
                times, student = on_loop(client_moves(url, moves // 2, student, path))
                client_times += times
                browser_times += browser_moves(page, moves // 2)
            on_loop(student.close())
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    c, b = statistics.median(client_times), statistics.median(browser_times)
    print(f"live slider release, {len(client_times)} moves each, median: protocol client {c * 1000:.0f} ms, "
          f"Chromium {b * 1000:.0f} ms: the client's is {100 * (c - b) / b:+.0f} % of the browser's "
          f"({'within' if abs(c - b) <= 0.2 * b else 'outside'} 20 %)")
    print(f"  client p95 {sorted(client_times)[int(0.95 * len(client_times)) - 1] * 1000:.0f} ms, "
          f"browser p95 {sorted(browser_times)[int(0.95 * len(browser_times)) - 1] * 1000:.0f} ms")
