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
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.app_server import CHROMIUM, CHROMIUM_ARGS, ServerDidNotStart, serve_app


@dataclass(frozen=True)
class StreamlitServer:
    url: str  # http://localhost:PORT
    runs_dir: Path  # VAE_RUNS_DIR of the server
    log: Path  # the server's stdout and stderr

    def page_url(self, name: str) -> str:
        """URL of a page of the router by its file stem: page_url("train") -> http://localhost:PORT/train."""
        return f"{self.url}/{name}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory) -> StreamlitServer:
    """`streamlit run app.py` on a free port (harness.app_server), ready before the first test."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium)")
    base = tmp_path_factory.mktemp("streamlit-server")
    runs, log_path = base / "runs", base / "server.log"
    runs.mkdir()
    try:
        with serve_app(runs, log_path) as server:
            yield StreamlitServer(server.url, runs, log_path)
    except ServerDidNotStart as error:
        pytest.fail(str(error))
    finally:
        _stop_trainers(runs)


def _stop_trainers(runs: Path) -> None:
    """Trainers the browser tests started outlive the server by design: stop them here."""
    from vae.training import launch

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
    try:
        with serve_app(tmp_path, tmp_path / "server.log") as server:
            yield server.url
    except ServerDidNotStart as error:
        pytest.fail(str(error))
