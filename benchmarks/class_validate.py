"""Does the protocol client measure what a browser's user waits for? One session each, on one fresh server:
the same live-slider release (one ArrowRight step on the lesson's traversal page), timed by
benchmarks/class_client.py and by Chromium (Playwright). Run by `python -m benchmarks.class_load --validate`.

Two browser times, in the page's clock:
- what its user waits for: the key press (a capturing keydown listener) -> the script's state back to
  notRunning after it ran (Streamlit marks stApp for tests) and every picture that arrived since loaded;
- the same interval the client measures, seen by Chromium's own network stack (the DevTools protocol's
  timestamps, the frames read as Streamlit's protobufs): the page's BackMsg with the rerun sent -> that run's
  script_finished received, or the last picture loaded after it.
The client's: the BackMsg sent -> script_finished and the new pictures fetched. Blocks of moves alternate
(client, browser, client, browser) so that a drift in the machine's load hits both. The difference between
the browser's two times is the browser's own work (the key press reaching the component, decoding and
drawing the answer), which on a student's own computer is not the server's load.

On this 2-core machine Chromium's drawing competes with the server for the same cores, which a student's own
computer does not do. --pin gives the server a core of its own (core 0: every thread of its process) and this
process, its client thread and Chromium the other, as a browser on its own computer would be.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import statistics
import tempfile
import threading

from google.protobuf.message import DecodeError
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.class_client import FINISHED, Student
from benchmarks.class_paths import SLIDERS, LessonPath, stamp
from harness.app_server import SCRIPT_IDLE, chromium, serve_app

STEP_MS = 120_000
PAUSE_S = float(os.environ.get("PAUSE_S", "0"))
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
    """Chromium's own network timestamps (DevTools protocol, monotonic seconds), not the page's main thread,
    which delivers a message event only after the messages before it were drawn: the page's websocket frames
    sent and received, read as Streamlit's protobufs, and the pictures' loads finished."""

    def __init__(self, page):
        self.sent, self.received, self.loaded, self._pictures = [], [], [], set()
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.webSocketFrameSent", lambda e: self.sent.append((e["timestamp"], _kind(BackMsg, e))))
        cdp.on("Network.webSocketFrameReceived",
               lambda e: self.received.append((e["timestamp"], _finished(e))))
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
        sent = next(t for t, kind in self.sent[mark[0]:] if kind == "rerun_script")
        finished = next(t for t, done in self.received[mark[1]:] if t > sent and done)
        later = [t for t, _ in self.sent[mark[0]:] if t > finished]
        loads = [t for t in self.loaded[mark[2]:] if sent < t < min(later, default=float("inf"))]
        return max([finished, *loads]) - sent


def _payload(event: dict) -> bytes:
    response = event["response"]
    return base64.b64decode(response["payloadData"]) if response.get("opcode") == 2 else b""


def _kind(message_type, event: dict) -> str | None:
    message = message_type()
    try:
        message.ParseFromString(_payload(event))
    except DecodeError:
        return None
    return message.WhichOneof("type")


def _finished(event: dict) -> bool:
    """The frame is a run's end (script_finished, a whole run's or a fragment's, successfully)."""
    message = ForwardMsg()
    try:
        message.ParseFromString(_payload(event))
    except DecodeError:
        return False
    return message.WhichOneof("type") == "script_finished" and message.script_finished in FINISHED


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
        await asyncio.sleep(PAUSE_S)
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
    client_times, browser_times, network_times = [], [], []
    # The client's websocket lives on its own event loop, in a thread: Playwright's sync API runs one here.
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
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            log = NetworkLog(page)
            page.goto(url + link)
            page.wait_for_selector(LIVE_SLIDER, timeout=STEP_MS)
            page.wait_for_selector(SCRIPT_IDLE, timeout=STEP_MS)
            page.evaluate(WATCH)
            student = None
            for _ in range(2):
                times, student = on_loop(client_moves(url, moves // 2, student, path))
                client_times += times
                waits, network = browser_moves(page, log, moves // 2)
                browser_times += waits
                network_times += network
            on_loop(student.close())
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    c, b, w = (statistics.median(times) for times in (client_times, network_times, browser_times))
    p95 = lambda times: sorted(times)[int(0.95 * len(times)) - 1] * 1000  # noqa: E731
    where = f"server on core {SERVER_CORE}, client and Chromium on core {BROWSER_CORE}" if pin else "unpinned"
    print(f"live slider release, {len(client_times)} moves each ({where}), median (p95):")
    print(f"  protocol client, rerun sent -> finished and pictures fetched: {c * 1000:.0f} ms ({p95(client_times):.0f})")
    print(f"  Chromium, the same interval on its websocket:                 {b * 1000:.0f} ms ({p95(network_times):.0f})"
          f" -> the client's is {100 * (c - b) / b:+.0f} % of it ({'within' if abs(c - b) <= 0.2 * b else 'outside'} 20 %)")
    print(f"  Chromium, key press -> drawn and pictures loaded:             {w * 1000:.0f} ms ({p95(browser_times):.0f})"
          f" (the browser's own work: {1000 * (w - b):+.0f} ms)")
