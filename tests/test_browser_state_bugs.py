"""In a real browser, the state bugs of issue 24: what a control shows is what the page applies."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from browser_server import browser_type_launch_args, streamlit_server  # noqa: F401  (pytest fixtures)
from test_browser_explorer import STEP_MS, open_page, wait_idle


@pytest.mark.browser
def test_live_sliders_show_their_limits_and_the_thumb_the_value(page: Page, streamlit_server):  # noqa: F811
    """Issue 24 (7): the live sliders spanned the start value ± 3 with no limits shown, so every thumb started
    in the middle. Each range is the prior's -3 to 3, written at its ends, and the thumbs differ."""
    open_page(page, streamlit_server, "Latent traversal", start="image")
    sliders = page.get_by_test_id("stMain").locator("input.vl-range[data-dim]")
    expect(sliders.first).to_be_visible(timeout=STEP_MS)
    count = sliders.count()
    assert count == 8  # digits-vae
    limits = {(sliders.nth(i).get_attribute("min"), sliders.nth(i).get_attribute("max")) for i in range(count)}
    assert limits == {("-3", "3")}
    assert len({sliders.nth(i).input_value() for i in range(count)}) > 1  # a real picture's code: thumbs differ
    ends = page.get_by_test_id("stMain").locator(".vl-slider-limits").first
    expect(ends.locator(".vl-slider-min")).to_have_text("-3.0")
    expect(ends.locator(".vl-slider-max")).to_have_text("3.0")
