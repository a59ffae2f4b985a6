"""In a real browser, the state bugs of issue 24: what a control shows is what the page applies."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from browser_server import browser_type_launch_args, streamlit_server  # noqa: F401  (pytest fixtures)
from test_browser_explorer import STEP_MS, open_page, wait_idle


def picture_bytes(fmt: str, size=(120, 160)) -> bytes:
    picture = Image.new("RGB", size, "white")
    middle = size[0] // 2
    ImageDraw.Draw(picture).line((middle, 10, middle, size[1] - 10), fill="black", width=max(1, size[0] // 8))
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt)
    return buffer.getvalue()


def control(page: Page, label: str):
    """A segmented control of the main area by its label."""
    return page.get_by_test_id("stMain").get_by_test_id("stButtonGroup").filter(has_text=label)


def selected(page: Page, label: str):
    """The option the control shows as chosen (a radio group: aria-checked)."""
    return control(page, label).locator('[role=radio][aria-checked=true]')


def upload(page: Page, name: str, data: bytes, mime: str, wait: bool = True) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    if wait:
        expect(page.get_by_test_id("stFileChipName")).to_have_text(name, timeout=STEP_MS)
        wait_idle(page)


def settled(page: Page) -> None:
    """The repaired row is on screen and the script idle (an upload's run is slow on a busy machine)."""
    expect(page.get_by_test_id("stImageCaption").nth(1)).to_be_visible(timeout=STEP_MS)
    wait_idle(page)


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
