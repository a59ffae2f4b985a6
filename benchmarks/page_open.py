"""How long the slow pages take to open on the pretrained models, with the data they ship precomputed and without,
side by side; and (--startup) server start → first page drawn in Chromium.

    python -m benchmarks.page_open [--models a,b] [--pages latent_map,anomaly,restore] [--repeats 3] [--startup]

Page rows use Streamlit's AppTest (no browser): each run clears st.cache_data and st.cache_resource first, so it
is a page's first render on a fresh server (torch and the app's modules are already imported, as on a running
server). "with" opens the model in assets/; "without" opens a copy of its run folder without the precomputed
files (anomaly_scores, latent_map, restore_examples), offered as a user run through VAE_RUNS_DIR, which is what a
user's own run computes on demand. Each page opens on the view the slow step belongs to: the latent map on t-SNE,
the anomaly page on its default view (held-out classes where the model has them, else another dataset), the
Restore page on its default. The --startup rows spawn `streamlit run app.py` and time until the home page's
pictures are drawn in Debian's Chromium (Playwright). Medians of --repeats runs; the 1-minute load average is
printed with each table, since the machine is shared. The exit status is 0 either way: this is a report.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
PRECOMPUTED = ("anomaly_scores.safetensors", "latent_map.safetensors", "restore_examples.safetensors")
PAGES = {"latent_map": "views/latent_map.py", "anomaly": "views/anomaly.py", "restore": "views/restore.py"}
MODELS = ("digits-vae", "digits-vae-no3", "fashion-vae", "fashion-vae-no-ankle-boot", "shapes-beta4", "fashion-vqvae")
TARGET_S = 2.0


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def state_for(page: str, run: Path) -> dict:
    """The session state that opens a page on its slow view."""
    if page == "latent_map":
        return {"map_method": "tsne"}
    if page == "anomaly":
        from vae.metrics.anomaly.sets import held_out_classes
        from vae.training.runs import read_run

        held_out = held_out_classes(read_run(run).config["train"])
        return {} if held_out else {"anom_mode": "dataset"}
    return {}


def open_once(page: str, run: Path, state: dict) -> tuple[float, str | None]:
    """Seconds of one first render of the page on this run, caches empty; and what went wrong, if anything."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / PAGES[page]), default_timeout=600)
    at.session_state["lang"] = "en"
    at.session_state["model_path"] = str(run)
    for key, value in state.items():
        at.session_state[key] = value
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    problem = None
    if at.exception:
        problem = str(at.exception[0].value)[:80]
    elif at.warning or at.error:
        problem = (at.warning or at.error)[0].value[:80]
    return seconds, problem


def bare_copy(run: Path, into: Path) -> Path:
    """The run folder without its precomputed files (as a user's run has none)."""
    target = into / run.name
    shutil.copytree(run, target, ignore=shutil.ignore_patterns(*PRECOMPUTED, "samples", "recons"))
    return target


def pages_table(models: list[str], pages: list[str], repeats: int) -> None:
    import torch

    torch.set_num_threads(1)  # as app.py sets it
    with tempfile.TemporaryDirectory() as runs:
        os.environ["VAE_RUNS_DIR"] = runs
        print(f"\n1-minute load average at start: {load()} (2 cores, shared)\n")
        print("| page | model | with precomputed (s) | without (s) | ratio | ≤ 2 s with | notes |")
        print("|---|---|---:|---:|---:|:---:|---|")
        warmed = set()
        for name in models:
            run = ASSETS / name
            if not (run / "checkpoint.safetensors").is_file():
                print(f"| – | {name} | – | – | – | – | not in assets/ |")
                continue
            copy = bare_copy(run, Path(runs))
            for page in pages:
                state = state_for(page, run)
                if page not in warmed:  # the page's own modules import once per server, not per visitor
                    open_once(page, run, state)
                    warmed.add(page)
                shipped = [f for f in PRECOMPUTED if (run / f).is_file()]
                with_s, without_s, notes = [], [], set()
                for _ in range(repeats):
                    seconds, problem = open_once(page, run, state)
                    with_s.append(seconds)
                    notes.add(problem) if problem else None
                    seconds, problem = open_once(page, copy, state)
                    without_s.append(seconds)
                    notes.add(problem) if problem else None
                a, b = statistics.median(with_s), statistics.median(without_s)
                note = "; ".join(sorted(notes)) or ("ships " + ", ".join(f.split(".")[0] for f in shipped)
                                                    if shipped else "nothing shipped")
                print(f"| {page} | {name} | {a:.2f} | {b:.2f} | {b / a:.1f}× | {'yes' if a <= TARGET_S else 'no'} "
                      f"| {note} |", flush=True)
        print(f"\nmedians of {repeats} runs each; 1-minute load average at the end: {load()}")


def startup_once(app: str) -> tuple[float, float]:
    """Seconds from spawning `streamlit run APP` to the first thing drawn in the page (any text, a spinner
    included) and to the home page's two pictures drawn, in Chromium. The browser opens the page as soon as
    the server's health check answers (polled every 20 ms), as a person does after Streamlit's "You can now
    view" line: an earlier version let Chromium retry the refused connection, which added up to a second."""
    from playwright.sync_api import expect

    from harness.app_server import chromium, free_port

    port = free_port()
    log = tempfile.TemporaryFile()
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(Path(ROOT, app)), "--server.headless", "true",
             "--server.port", str(port), "--browser.gatherUsageStats", "false"], cwd=Path(ROOT, app).parent,
            stdout=log, stderr=subprocess.STDOUT)
        try:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).close()
                    break
                except OSError:  # connection refused until the server listens
                    if process.poll() is not None or time.perf_counter() - start > 120:
                        log.seek(0)
                        sys.exit(f"the server did not come up:\n{log.read().decode(errors='replace')[-2000:]}")
                    time.sleep(0.02)
            page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
            drawn = page.locator('[data-testid="stSpinner"], [data-testid="stHeading"], [data-testid="stMarkdown"]')
            drawn.first.wait_for(state="visible", timeout=300_000)
            first = time.perf_counter() - start
            images = page.get_by_test_id("stMain").get_by_test_id("stImage")
            expect(images).to_have_count(2, timeout=300_000)  # the home page's samples and reconstructions
            return first, time.perf_counter() - start
        finally:
            process.terminate()
            process.wait(timeout=30)


def startup_table(repeats: int, apps: list[str]) -> None:
    print("\n| app | server start → first text drawn (s) | → home pictures drawn (s) | runs (first / pictures, s) "
          "| load average (1 min) before → after |")
    print("|---|---:|---:|---|---|")
    for app in apps:
        before = load()
        times = [startup_once(app) for _ in range(repeats)]
        runs = ", ".join(f"{a:.1f}/{b:.1f}" for a, b in times)
        print(f"| {app} | {statistics.median(a for a, _ in times):.2f} | {statistics.median(b for _, b in times):.2f} "
              f"| {runs} | {before} → {load()} |", flush=True)
    print(f"\nmedians of {repeats}; target ≤ 5 s on an idle machine")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated asset names")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of {', '.join(PAGES)}")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--startup", action="store_true", help="time server start → first page drawn instead")
    parser.add_argument("--app", default="app.py", help="with --startup: comma-separated entry scripts to compare; "
                        "an absolute path runs another checkout from its folder (git worktree add /tmp/before HEAD)")
    args = parser.parse_args()
    if args.startup:
        startup_table(args.repeats, args.app.split(","))
        return
    pages = [p for p in args.pages.split(",") if p]
    unknown = [p for p in pages if p not in PAGES]
    if unknown:
        sys.exit(f"error: unknown page {unknown[0]}: choose from {', '.join(PAGES)}")
    pages_table([m for m in args.models.split(",") if m], pages, args.repeats)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
