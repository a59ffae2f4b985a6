"""In a real browser: the browser's Back and Forward buttons walk the lesson's steps, each entry restoring the
page, the model and the step together (issue 24, state bug 1: Back from step 4 once showed the latent map
with step 4's model and card)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from browser_server import browser_type_launch_args, streamlit_server  # noqa: F401  (pytest fixtures)
from test_browser_explorer import FIRST_LOAD_MS, STEP_MS, expect_no_error, wait_idle

from ui.teaching.lesson import STEPS


def query(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def model_picker(page: Page):
    return page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.locator("input[role=combobox]")


def expect_step(page: Page, n: int, timeout: float = STEP_MS) -> None:
    """Step n's saved view is on screen: its page's address, its query, its model in the picker, its card."""
    step = STEPS[n - 1]
    expect(page).to_have_url(re.compile(rf"/{step.url_path}\?(.*&)?step={n}(&|$)"), timeout=timeout)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(re.compile(rf"^Step {n} of {len(STEPS)}:"))).to_be_visible(timeout=timeout)
    wait_idle(page, timeout)
    expect(model_picker(page)).to_have_value(step.model, timeout=timeout)
    expect_no_error(page)
    assert urlsplit(page.url).path == f"/{step.url_path}"
    assert query(page) == {"model": step.model, **step.params, "step": str(n)}
    expect(main.get_by_text(re.compile(r"^Step \d+ of"))).to_have_count(1)


@pytest.mark.browser
def test_back_and_forward_restore_page_model_and_step_together(page: Page, streamlit_server):  # noqa: F811
    first = next(n for n, step in enumerate(STEPS, 1) if step.name == "map")  # the example
    assert STEPS[first - 2].page != STEPS[first - 1].page != STEPS[first].page  # each Next changes the page
    step = STEPS[first - 1]
    page.goto(f"{streamlit_server.url}/{step.url_path}?model={step.model}&step={first}")
    expect_step(page, first, 3 * FIRST_LOAD_MS)  # the server's first page: torch, the models, on a shared machine
    main = page.get_by_test_id("stMain")
    main.get_by_role("button", name="Next").click()
    expect_step(page, first + 1, FIRST_LOAD_MS)
    main.get_by_role("button", name="Previous").click()
    expect_step(page, first, FIRST_LOAD_MS)
    main.get_by_role("button", name="Previous").click()
    expect_step(page, first - 1, FIRST_LOAD_MS)
    # History, newest last: first, first + 1, first, first - 1. Back walks it backwards, one view per press.
    for n in (first, first + 1, first):
        page.go_back()
        expect_step(page, n, FIRST_LOAD_MS)
    for n in (first + 1, first, first - 1):
        page.go_forward()
        expect_step(page, n, FIRST_LOAD_MS)
