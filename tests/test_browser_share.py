"""In a real browser: a shared link opens its view on a fresh server and a reload keeps it, "copy link"
puts the address of the view on the clipboard, and the lesson's Next / Previous walk its saved views."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from browser_server import browser_type_launch_args, fresh_server, streamlit_server  # noqa: F401  (pytest fixtures)
from test_browser_explorer import FIRST_LOAD_MS, STEP_MS, expect_no_error, wait_idle

from ui.teaching.lesson import STEPS


def query(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def model_picker(page: Page):
    """The sidebar's model picker: its value is the chosen run's name."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.locator("input[role=combobox]")


@pytest.mark.browser
def test_a_link_opens_its_view_on_a_fresh_server_and_a_reload_keeps_it(page: Page, fresh_server):  # noqa: F811
    page.goto(f"{fresh_server}/latent_map?model=digits-vae-2d&lang=zh&present=1")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", level=1)).to_have_text("潜空间地图", timeout=FIRST_LOAD_MS)
    wait_idle(page, FIRST_LOAD_MS)
    expect(model_picker(page)).to_have_value("digits-vae-2d", timeout=FIRST_LOAD_MS)  # a cold first run is slow
    expect(page.get_by_test_id("stSidebar").get_by_role("switch", name="演示模式")).to_be_checked()
    expect_no_error(page)
    assert query(page) == {"model": "digits-vae-2d", "lang": "zh", "present": "1"}
    page.reload()
    expect(main.get_by_role("heading", level=1)).to_have_text("潜空间地图", timeout=FIRST_LOAD_MS)
    wait_idle(page, FIRST_LOAD_MS)
    expect(model_picker(page)).to_have_value("digits-vae-2d", timeout=FIRST_LOAD_MS)  # a cold first run is slow
    assert query(page) == {"model": "digits-vae-2d", "lang": "zh", "present": "1"}


@pytest.mark.browser
def test_copy_link_copies_the_view_on_screen(page: Page, streamlit_server):  # noqa: F811
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=streamlit_server.url)
    page.goto(f"{streamlit_server.url}/?model=digits-cvae")
    wait_idle(page, FIRST_LOAD_MS)
    expect(model_picker(page)).to_have_value("digits-cvae", timeout=FIRST_LOAD_MS)
    button = page.get_by_test_id("stSidebar").locator("button.vae-copy-link")
    expect(button).to_have_text("Copy link")
    button.click()
    expect(button).to_have_attribute("data-copied", page.url, timeout=STEP_MS)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.url and query(page)["model"] == "digits-cvae"


@pytest.mark.browser
def test_the_lesson_walks_its_saved_views(page: Page, streamlit_server):  # noqa: F811
    page.goto(f"{streamlit_server.url}/lesson")
    wait_idle(page, FIRST_LOAD_MS)
    main = page.get_by_test_id("stMain")
    main.get_by_role("button", name="Start the lesson").click()
    for n in (1, 2, 3):
        step = STEPS[n - 1]
        expect(page).to_have_url(re.compile(rf"/{step.url_path}\?.*step={n}"), timeout=FIRST_LOAD_MS)
        expect(main.get_by_text(re.compile(rf"^Step {n} of {len(STEPS)}:"))).to_be_visible(timeout=FIRST_LOAD_MS)
        wait_idle(page, FIRST_LOAD_MS)
        expect_no_error(page)
        assert urlsplit(page.url).path == f"/{step.url_path}"
        assert query(page) == {"model": step.model, **step.params, "step": str(n)}
        expect(model_picker(page)).to_have_value(step.model)
        if n < 3:
            main.get_by_role("button", name="Next").click()
    main.get_by_role("button", name="Previous").click()
    expect(main.get_by_text(re.compile(rf"^Step 2 of {len(STEPS)}:"))).to_be_visible(timeout=STEP_MS)
