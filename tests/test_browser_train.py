"""In a real browser: start a 1-epoch digits run on the Train page, watch the progress bar reach the end
without the page reloading, and open the finished run in the traversal page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from browser_server import browser_type_launch_args, streamlit_server  # noqa: F401  (pytest fixtures)

FIRST_LOAD_MS = 180_000  # the server's first script run imports torch and friends
STEP_MS = 60_000  # one rerun of a page, on a busy machine
RUN_MS = 300_000  # start-up of the trainer process plus one epoch, on a possibly busy machine


def set_field(page: Page, label: str, value: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.press("Enter")  # commits the value (one rerun)
    expect(field).to_have_value(value, timeout=STEP_MS)


@pytest.mark.browser
def test_train_watch_and_open_in_explorer(page: Page, streamlit_server):  # noqa: F811
    page.set_default_timeout(60_000)
    page.goto(streamlit_server.url)
    page.get_by_role("link", name="Train", exact=True).click(timeout=FIRST_LOAD_MS)
    expect(page.get_by_role("heading", name="Train a model and watch it learn")).to_be_visible(timeout=FIRST_LOAD_MS)
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

    set_field(page, "Epochs", "1")
    set_field(page, "Training images (empty = all)", "300")
    set_field(page, "Log every N steps", "1")
    set_field(page, "Hidden sizes", "32")
    set_field(page, "Run name", "browser demo")
    page.get_by_role("button", name="Start training").click()
    expect(page.get_by_text("Started browser-demo")).to_be_visible(timeout=STEP_MS)  # checks, then launches

    bar = page.get_by_role("progressbar")
    expect(page.get_by_test_id("stProgress")).to_contain_text("Starting", timeout=RUN_MS)
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=RUN_MS)
    expect(page.get_by_test_id("stProgress")).to_contain_text("Epoch 1 of 1", timeout=STEP_MS)
    assert page.evaluate("window.__sameDocument === true")  # it all arrived without a reload
    assert (streamlit_server.runs_dir / "browser-demo" / "checkpoint.safetensors").is_file()

    page.get_by_role("button", name="Open in explorer").click(timeout=RUN_MS)
    expect(page).to_have_url(re.compile(r"/traversal(\?.*)?$"), timeout=STEP_MS)
    expect(page.get_by_role("heading", level=1)).to_contain_text("traversal", ignore_case=True, timeout=STEP_MS)
    picker = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Model")
    expect(picker).to_have_value(re.compile("^browser-demo"))  # the explorer shows the run just trained
