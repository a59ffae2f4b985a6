"""Browser-test fixtures: the real app served by `streamlit run app.py`, and Debian's Chromium for Playwright.

Recipe from /work/shared/TESTING.md. In a browser test module, import the fixtures by name:

    from browser_server import browser_type_launch_args, streamlit_server  # noqa: F401  (pytest fixtures)

    @pytest.mark.browser
    def test_home(page, streamlit_server):
        page.goto(streamlit_server.url)          # pages: streamlit_server.page_url("traversal")

`streamlit_server` is session-scoped (one server for every browser test), serves this checkout's app.py
with VAE_RUNS_DIR pointing at a fresh temporary folder (`streamlit_server.runs_dir`: runs the tests start
go there, never into runs/), and at the end stops the server and any trainer still running in that folder.
Browser tests skip when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 90


@dataclass(frozen=True)
class StreamlitServer:
    url: str  # http://localhost:PORT
    runs_dir: Path  # VAE_RUNS_DIR of the server
    log: Path  # the server's stdout and stderr

    def page_url(self, name: str) -> str:
        """URL of a page of the router by its file stem: page_url("train") -> http://localhost:PORT/train."""
        return f"{self.url}/{name}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory) -> StreamlitServer:
    """`streamlit run app.py` on a free port, ready (health check answers ok) before the first test."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium)")
    base = tmp_path_factory.mktemp("streamlit-server")
    runs, log_path = base / "runs", base / "server.log"
    runs.mkdir()
    port = _free_port()
    url = f"http://localhost:{port}"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "VAE_RUNS_DIR": str(runs)},
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
        yield StreamlitServer(url, runs, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _stop_trainers(runs)


def _stop_trainers(runs: Path) -> None:
    """Trainers the browser tests started outlive the server by design: stop them here."""
    from vae import launch

    for run_dir in launch.list_run_dirs(runs):
        state = launch.run_state(run_dir)
        if state is not None and state.live and state.pid:
            try:
                launch.stop_run(run_dir, runs_root=runs)
            except launch.LaunchError:
                pass


@pytest.fixture
def fresh_server(tmp_path):
    """A second `streamlit run app.py` that no browser has visited yet (the shared one is warm)."""
    port = _free_port()
    url = f"http://localhost:{port}"
    log_path = tmp_path / "server.log"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
               str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "VAE_RUNS_DIR": str(tmp_path)},
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.kill()  # our own server, which started nothing: no need to wait for its script to stop
        process.wait()
