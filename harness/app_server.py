"""This checkout's app under `streamlit run` on a free port, and Debian's Chromium to open it: the one
home of both for the browser tests (tests/browser_server.py) and the benchmarks that drive the app
(benchmarks/live_decode.py, classroom.py, server_cpu.py, page_open.py, explorer_speed.py), with the wait
for a script's run to end. Recipe: /work/shared/TESTING.md.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach the internet.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 120  # the first start imports torch, streamlit and plotly: slow on a loaded machine
# The app's script has finished its run. Streamlit marks stApp with the run's state for tests
# (initial, running, rerunRequested, notRunning, ...); the status widget ("Running...") cannot say it,
# since the shipped toolbarMode "minimal" never draws it.
SCRIPT_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_idle(page, timeout_ms: float) -> None:
    """Wait until the app's script has finished its run in a Playwright page (sync API)."""
    from playwright.sync_api import expect

    expect(page.locator(SCRIPT_IDLE)).to_have_count(1, timeout=timeout_ms)


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium with the recipe's flags, through Playwright's sync API; closed when the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class ServerDidNotStart(RuntimeError):
    """The server exited or never answered its health check; the message ends with its log."""


@dataclass(frozen=True)
class AppServer:
    url: str  # http://localhost:PORT
    process: subprocess.Popen  # the server's own handle: its pid, to measure or stop exactly it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    """The server at url answers its health check with "ok"."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


@contextmanager
def serve_app(runs_dir: str | Path, log: str | Path | None = None,
              timeout_s: float = START_TIMEOUT_S, script: str = "app.py") -> Iterator[AppServer]:
    """`streamlit run app.py` (or another entry script of this checkout; an absolute path to another checkout's
    app.py runs that checkout, from its own folder, to compare two versions) with VAE_RUNS_DIR=runs_dir, its
    output to `log` (discarded when None), ready once its health check answers; stopped (terminate, then
    kill) when the block ends."""
    port = free_port()
    url = f"http://localhost:{port}"
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port",
               str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    # The server's classes (ui.teaching.class_store) in a folder of its own, gone with it.
    classes = tempfile.TemporaryDirectory(prefix="vae-classes-")
    with open(log, "wb") if log is not None else open(os.devnull, "wb") as out:
        process = subprocess.Popen(command, cwd=Path(ROOT, script).parent,
                                   env={**os.environ, "VAE_RUNS_DIR": str(runs_dir), "VAE_CLASS_DIR": classes.name},
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout_s
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = Path(log).read_text(errors="replace")[-2000:] if log is not None else "(no log kept)"
                raise ServerDidNotStart(f"streamlit did not start: {tail}")
            time.sleep(0.3)
        yield AppServer(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        classes.cleanup()
