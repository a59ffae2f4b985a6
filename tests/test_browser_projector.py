"""In a real browser at a projector's 1280×720: a lesson step in presenter mode starts with the sidebar
collapsed, shows no teacher notes, and its main picture is on the first screen (every step, in English and
Chinese: benchmarks/projector_fold.py measures the same); the speaker view opened from its bar shows the notes
and moves the projected window."""

from __future__ import annotations

import re
import shutil
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from browser_server import browser_type_launch_args, streamlit_server  # noqa: F401  (pytest fixtures)
from test_browser_explorer import FIRST_LOAD_MS, expect_no_error, wait_idle

from benchmarks.projector_fold import WATCHED_RUN, add_watched_run, open_step, picture_box
from ui.i18n import table
from ui.teaching.lesson import STEPS

# Where each picture of the page starts and how tall it is (img, canvas, Plotly's svg; inside the live views'
# shadow roots too), pictures at least 100 px on a side.
PICTURES = """() => { const out = []; const walk = (root) => { for (const e of root.querySelectorAll('*')) {
  if (e.shadowRoot) walk(e.shadowRoot);
  if (e.tagName === 'IMG' || e.tagName === 'CANVAS' || (e.classList && e.classList.contains('main-svg'))) {
    const r = e.getBoundingClientRect(); if (r.width >= 100 && r.height >= 100) out.push([Math.round(r.top), Math.round(r.height)]); } } };
  walk(document.querySelector('[data-testid=stMain]')); return out; }"""


@pytest.mark.browser
@pytest.mark.parametrize("n", [3])  # the latent map: the step whose picture is the page
def test_the_projected_step_shows_its_picture_on_the_first_screen(browser, streamlit_server, n):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 720})  # a fresh browser: no sidebar choice
    page = context.new_page()
    step = STEPS[n - 1]
    page.goto(f"{streamlit_server.url}/{step.url_path}?{urlencode({**step.query(n, 'en'), 'present': '1'})}")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(f"{n}/{len(STEPS)}", exact=False).first).to_be_visible(timeout=FIRST_LOAD_MS)
    wait_idle(page, FIRST_LOAD_MS)
    expect_no_error(page)
    expect(main.locator(".main-svg").first).to_be_visible(timeout=FIRST_LOAD_MS)
    # The sidebar is collapsed: the page starts at the left edge.
    assert main.bounding_box()["x"] < 20
    # No teacher notes on the projected screen.
    expect(main.get_by_text(re.compile(rf"^Step {n} of"))).to_have_count(0)
    expect(main.get_by_text(table()[f"lesson_{step.name}_ask"][0].split("{")[0][:20])).to_have_count(0)
    # The picture starts on the first screen, with at least 300 px of it in view.
    top, height = page.evaluate(PICTURES)[0]
    assert top + min(height, 300) <= 720, (top, height)
    page.screenshot(path=str(streamlit_server.runs_dir.parent / f"projector-step{n}.png"))

    # The speaker view, from the bar's link: the notes with the expected answer; its Next moves the projector.
    with context.expect_page() as opened:
        main.get_by_role("link", name="Speaker view").click()
    speaker = opened.value
    expect(speaker.get_by_text(table()[f"lesson_{step.name}_answer"][0][:30])).to_be_visible(timeout=FIRST_LOAD_MS)
    speaker.locator(".st-key-speaker_next button").first.click()
    following = STEPS[n]
    expect(page).to_have_url(re.compile(rf"/{following.url_path}\?.*step={n + 1}"), timeout=FIRST_LOAD_MS)
    expect(main.get_by_text(f"{n + 1}/{len(STEPS)}", exact=False).first).to_be_visible(timeout=FIRST_LOAD_MS)
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("n", range(1, len(STEPS) + 1), ids=[step.name for step in STEPS])
def test_every_steps_picture_starts_above_a_projectors_fold(browser, streamlit_server, n, lang):  # noqa: F811
    """Each step's own picture (benchmarks/projector_fold.py MAIN_PICTURE: the live path, the histograms, the
    style grid, ...) starts on the first screen at 1280×720 with at least 150 px of it in view. The train
    step's picture is the run the class watches: a finished run stands in for the one the teacher starts."""
    step = STEPS[n - 1]
    if step.name == "train":
        add_watched_run(streamlit_server.runs_dir)
    try:
        context, page = open_step(browser, streamlit_server.url, n, lang)
        expect_no_error(page)
        box = picture_box(page, step.name)
        page.screenshot(path=str(streamlit_server.runs_dir.parent / f"fold-{lang}-{n:02d}-{step.name}.png"))
        context.close()
    finally:
        shutil.rmtree(streamlit_server.runs_dir / WATCHED_RUN, ignore_errors=True)
    assert box is not None, f"step {n} ({step.name}) shows no picture"
    top, height = box
    assert top + min(height, 150) <= 720, (step.name, top, height)
