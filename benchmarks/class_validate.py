"""Does the protocol client measure what a browser's user waits for? One session each, on one fresh server:
the same live-slider release (one ArrowRight step on the lesson's traversal page), timed by
benchmarks/class_client.py and by Chromium (Playwright). Run by `python -m benchmarks.class_load --validate`.

The reference is the wire: each party reaches the server through a relay of its own (benchmarks/wire.py), which
times a `rerun_script` arriving -> that run's `script_finished` leaving the server, the same way for both.
Beside it:
- the client's own clock: the BackMsg sent -> script_finished and the new pictures fetched;
- Chromium's DevTools timestamps of the same two frames (stamped when the page's main thread takes a frame,
  after drawing the ones before it: not the server's time);
- what Chromium's user waits for: the key press (a capturing keydown listener) -> the script's state back to
  notRunning after it ran (Streamlit marks stApp for tests) and every picture that arrived since loaded.
Blocks of moves alternate (client, browser, client, browser) so that a drift in the machine's load hits both.

On this 2-core machine Chromium's drawing competes with the server for the cores, which a student's own
computer does not do. --pin gives the server a core of its own (core 0: every thread of its process) and this
process, its client thread, the relays and Chromium the other, and then times the client once more while a busy
loop holds the other core.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
from urllib.parse import urlsplit

from benchmarks.class_client import Student
from benchmarks.class_paths import SLIDERS, LessonPath, stamp
from benchmarks.wire import Relay, ends_run, is_rerun
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


class NetworkLog:
    """Chromium's DevTools network timestamps (monotonic seconds) of the page's websocket frames sent and
    received, read as Streamlit's protobufs, and of its pictures' loads finished. A received frame is stamped
    when the page's main thread takes it, after it drew the frames before it (measured: twice the relay's time
    for the same run), so these time the server and the page's drawing together."""

    def __init__(self, page):
        self.sent, self.received, self.loaded, self._pictures = [], [], [], set()
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.webSocketFrameSent", lambda e: self.sent.append((e["timestamp"], is_rerun(_payload(e)))))
        cdp.on("Network.webSocketFrameReceived",
               lambda e: self.received.append((e["timestamp"], ends_run(_payload(e)))))
        cdp.on("Network.responseReceived",
               lambda e: e.get("type") == "Image" and self._pictures.add(e["requestId"]))
        cdp.on("Network.loadingFinished",
               lambda e: e["requestId"] in self._pictures and self.loaded.append(e["timestamp"]))
        cdp.send("Network.enable")

    def mark(self) -> tuple[int, int, int]:
        return len(self.sent), len(self.received), len(self.loaded)

    def elapsed(self, mark: tuple[int, int, int]) -> float:
        """The rerun sent since mark -> its run's script_finished received, or the last picture loaded between
        the two and up to the next frame sent (the interval the client times)."""
        sent = next(t for t, rerun in self.sent[mark[0]:] if rerun)
        finished = next(t for t, done in self.received[mark[1]:] if t > sent and done)
        later = [t for t, _ in self.sent[mark[0]:] if t > finished]
        loads = [t for t in self.loaded[mark[2]:] if sent < t < min(later, default=float("inf"))]
        return max([finished, *loads]) - sent


def _payload(event: dict) -> bytes:
    response = event["response"]
    return base64.b64decode(response["payloadData"]) if response.get("opcode") == 2 else b""


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


def browser_moves(page, log: NetworkLog, n: int) -> tuple[list[float], list[float]]:
    """(key press -> settled, rerun sent -> finished and pictures loaded) of n releases, seconds."""
    handle = page.locator(LIVE_SLIDER).first
    waits, network = [], []
    for i in range(n):
        page.wait_for_selector(SCRIPT_IDLE, timeout=STEP_MS)
        t0 = page.evaluate("performance.now()")
        mark = log.mark()
        handle.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(SETTLED, arg=t0, timeout=STEP_MS)
        waits.append(page.evaluate(ELAPSED, t0))
        page.wait_for_timeout(100)  # the protocol's last events of the run reach this process
        network.append(log.elapsed(mark))
    return waits, network


SERVER_CORE, BROWSER_CORE = 0, 1  # with pin


def pin_process(pid: int, core: int) -> None:
    """Every thread of process pid on one core (threads it starts later inherit it)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(task), {core})


def validate(moves: int, pin: bool = False) -> None:
    if pin:  # before the client's thread and Chromium start: they inherit this thread's core
        if len(os.sched_getaffinity(0)) < 2:
            raise SystemExit("--pin needs two cores")
        os.sched_setaffinity(0, {BROWSER_CORE})
    path = LessonPath()
    link = f"/{path.page}?{path.query}"
    times = {key: [] for key in ("client", "client_wire", "browser_wire", "browser_devtools", "browser_drawn")}
    # The client's websocket and the relays live on their own event loop, in a thread: Playwright's sync API
    # runs one here.
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def on_loop(coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    with tempfile.TemporaryDirectory() as runs, serve_app(runs) as server:
        url = server.url.replace("localhost", "127.0.0.1")
        if pin:
            pin_process(server.process.pid, SERVER_CORE)
        on_loop(path.warm(url))
        # One relay per party, so each one's runs are told apart and both pay the same relay.
        client_relay, browser_relay = Relay(urlsplit(url).port), Relay(urlsplit(url).port)
        on_loop(client_relay.start())
        on_loop(browser_relay.start())
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            log = NetworkLog(page)
            page.goto(browser_relay.url + link)
            page.wait_for_selector(LIVE_SLIDER, timeout=STEP_MS)
            page.wait_for_selector(SCRIPT_IDLE, timeout=STEP_MS)
            page.evaluate(WATCH)
            student = None
            for _ in range(2):
                mark = client_relay.mark()
                client, student = on_loop(client_moves(client_relay.url, moves // 2, student, path))
                times["client"] += client
                times["client_wire"] += client_relay.intervals(mark)[-len(client):]  # not the page's opening
                mark = browser_relay.mark()
                waits, network = browser_moves(page, log, moves // 2)
                times["browser_drawn"] += waits
                times["browser_devtools"] += network
                times["browser_wire"] += browser_relay.intervals(mark)
            if pin:  # the client again while a busy loop holds the browser's core, as Chromium's drawing does
                spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])  # inherits BROWSER_CORE
                try:
                    times["client_sibling_busy"], student = on_loop(client_moves(client_relay.url, moves, student,
                                                                                 path))
                finally:
                    spinner.kill()
                    spinner.wait()
            on_loop(student.close())
        on_loop(client_relay.stop())
        on_loop(browser_relay.stop())
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    report(times, f"server on core {SERVER_CORE}, client and Chromium on core {BROWSER_CORE}" if pin else "unpinned")


def report(times: dict[str, list[float]], where: str) -> None:
    median = {key: 1000 * statistics.median(values) for key, values in times.items()}
    p95 = {key: 1000 * sorted(values)[max(0, int(0.95 * len(values)) - 1)] for key, values in times.items()}
    c, b = median["client"], median["browser_wire"]
    rows = [("client", "protocol client, its own clock: rerun sent -> finished and pictures fetched"),
            ("client_wire", "protocol client, on the wire: rerun -> script_finished at the relay"),
            ("browser_wire", "Chromium, on the wire: the same"),
            ("browser_devtools", "Chromium, DevTools' frame times (its main thread): the same"),
            ("browser_drawn", "Chromium, key press -> drawn and pictures loaded"),
            ("client_sibling_busy", f"protocol client, its own clock, a busy loop on core {BROWSER_CORE}")]
    rows = [(key, label) for key, label in rows if key in times]
    print(f"live slider release, {len(times['client'])} moves each ({where}), median (p95):")
    for key, label in rows:
        print(f"  {label:78s} {median[key]:5.0f} ms ({p95[key]:.0f})")
    print(f"the client's own time is {100 * (c - b) / b:+.0f} % of Chromium's on the wire "
          f"({'within' if abs(c - b) <= 0.2 * b else 'outside'} 20 %); the browser's own work adds "
          f"{median['browser_drawn'] - b:.0f} ms")
    if "client_sibling_busy" in times:
        busy = median["client_sibling_busy"]
        print(f"with the browser's core busy, the client's time is {100 * (busy - b) / b:+.0f} % of Chromium's "
              f"({'within' if abs(busy - b) <= 0.2 * b else 'outside'} 20 %): what runs on the other core slows "
              f"the server's, Chromium's drawing as well")
