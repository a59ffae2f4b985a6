"""Where each lesson step's picture starts on a projector: every step of the lesson (ui.teaching.lesson.STEPS)
opened from its link in presenter mode, in Debian's Chromium at 1280×720, and the top of the step's main
picture (img, canvas, Plotly chart, inside the live views' shadow roots too) against the 720 px fold.

    python -m benchmarks.projector_fold [--lang en,zh] [--shots /tmp/fold_shots] [--width 1280 --height 720]

The train step's picture is the run the teacher starts there: the runs folder of this server holds one
finished run (a copy of assets/fashion-vae), which the page's Watch section shows as it would the new run.
The exit status is 1 when a picture starts below the fold (or is missing), else 0.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
FOLD = (1280, 720)  # a classroom projector
LOAD_MS = 180_000  # the first page imports torch and loads models, on a shared machine
PICTURE_S = 60.0  # a picture arrives after its script run (media files, plotly, the live views' first draw)
WATCHED_RUN = "lesson-run"  # the train step's run (a copy of assets/fashion-vae)

# Each step's main picture: a CSS selector (Playwright's, which reaches into open shadow roots) and which match;
# the picture is the first img / canvas / Plotly svg / iframe of at least 100×100 px inside it.
MAIN_PICTURE = {
    "autoencoder": ('[data-testid="stColumn"]', 1),  # the reconstructions, right
    "sampling": ('[data-testid="stColumn"]', 0),  # the samples, left
    "map": (".st-key-map_chart", 0),
    "interpolation": ('[class*="st-key-interp_live_path"]', 0),  # the live path: t under the hand
    "traversal": ('[class*="st-key-trav_live_sliders"]', 0),  # the picture the live sliders decode
    "beta": ('[data-testid="stMain"]', 0),  # the traversal tiles of every β, first on the page
    "conditional": (".st-key-cond_styles", 0),  # one row per style: the same code as every digit
    "restore": ('[data-testid="stMain"]', 0),  # clean, spoiled, repairs and baselines with their PSNR
    "anomaly": (".st-key-anom_histogram", 0),
    "codes": (".st-key-codes_grid_chart", 0),  # the grid of code numbers
    "train": ('[class*="st-key-loss_"]', 0),  # the watched run's loss curve
}

# [top, height, bottom of its caption or label] of the first picture inside an element, or null.
FIRST_PICTURE = """(scope) => {
  const found = [];
  const walk = (root) => { for (const e of root.querySelectorAll('*')) {
    if (e.shadowRoot) walk(e.shadowRoot);
    const tag = e.tagName;
    if (tag === 'IMG' || tag === 'CANVAS' || tag === 'IFRAME' || (e.classList && e.classList.contains('main-svg'))) {
      const r = e.getBoundingClientRect();
      if (r.width >= 100 && r.height >= 100 && (tag !== 'IMG' || e.complete)) found.push(r);
    } } };
  walk(scope);
  if (scope.shadowRoot) walk(scope.shadowRoot);
  if (!found.length) return null;
  found.sort((a, b) => a.top - b.top);
  return [Math.round(found[0].top), Math.round(found[0].height)];
}"""


def step_url(base: str, n: int, lang: str = "en") -> str:
    """Step n's link (1-based), as the lesson page gives it, in presenter mode."""
    from ui.teaching.lesson import STEPS

    step = STEPS[n - 1]
    return f"{base}/{step.url_path}?{urlencode({**step.query(n, lang), 'present': '1'})}"


def picture_box(page, name: str, timeout_s: float = PICTURE_S) -> tuple[int, int] | None:
    """(top, height) in px of step `name`'s main picture in a Playwright page whose script has finished;
    None when it does not appear within timeout_s."""
    selector, nth = MAIN_PICTURE[name]
    deadline = time.monotonic() + timeout_s
    while True:
        scope = page.locator(selector)
        if scope.count() > nth:
            box = scope.nth(nth).evaluate(FIRST_PICTURE)
            if box is not None:
                time.sleep(0.5)  # a late layout change (a chart's resize, a font) moves it once more
                return tuple(scope.nth(nth).evaluate(FIRST_PICTURE) or box)
        if time.monotonic() > deadline:
            return None
        time.sleep(0.25)


def open_step(browser, base: str, n: int, lang: str, size: tuple[int, int] = FOLD):
    """A fresh browser context (no sidebar choice remembered) on step n in presenter mode, its script finished:
    (context, page)."""
    from harness.app_server import wait_idle

    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(step_url(base, n, lang))
    page.locator(".st-key-projector_bar").wait_for(timeout=LOAD_MS)
    wait_idle(page, LOAD_MS)
    return context, page


def add_watched_run(runs: Path) -> None:
    """A finished run for the train step's Watch section to show (the one the class would have started)."""
    shutil.copytree(ROOT / "assets" / "fashion-vae", runs / WATCHED_RUN, dirs_exist_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", help="comma-separated: en,zh")
    parser.add_argument("--shots", default="", help="save a screenshot of each step's first screen here")
    parser.add_argument("--width", type=int, default=FOLD[0])
    parser.add_argument("--height", type=int, default=FOLD[1])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from harness.app_server import chromium, serve_app
    from ui.teaching.lesson import STEPS

    shots = Path(args.shots) if args.shots else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    size = (args.width, args.height)
    below = 0
    with tempfile.TemporaryDirectory() as folder:
        runs = Path(folder)
        add_watched_run(runs)
        with serve_app(runs, runs / "server.log") as server, chromium() as browser:
            print(f"{'step':<18} {'page':<28} {'lang':<4} {'top px':>7} {'height':>7}  above the fold ({size[1]} px)?")
            for lang in args.lang.split(","):
                for n, step in enumerate(STEPS, 1):
                    context, page = open_step(browser, server.url, n, lang, size)
                    box = picture_box(page, step.name)
                    if shots:
                        page.screenshot(path=str(shots / f"{lang}-{n:02d}-{step.name}.png"))
                    context.close()
                    if box is None:
                        verdict, top, height = "NO PICTURE", "–", "–"
                    else:
                        top, height = box
                        verdict = ("yes, top half in view" if top + height / 2 <= size[1] else
                                   "yes" if top < size[1] else "NO")
                    below += box is None or box[0] >= size[1]
                    print(f"{n:>2} {step.name:<15} {step.page:<28} {lang:<4} {top:>7} {height:>7}  {verdict}",
                          flush=True)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
