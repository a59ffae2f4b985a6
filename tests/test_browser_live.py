"""Live decoding in real Chromium: the JavaScript decoder draws PyTorch's pixels for every pretrained
Gaussian model, and on the pages the pictures follow the hand while Python hears only the release."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from playwright.sync_api import Page, expect

from browser_server import browser_type_launch_args, streamlit_server  # noqa: F401  (pytest fixtures)
from test_browser_explorer import FIRST_LOAD_MS, STEP_MS, expect_no_error, open_page, wait_idle
from ui.catalog import list_models
from ui.live import MAX_BYTES
from harness.live_page import LivePage
from vae.training.checkpoint import load_model
from vae.models.decoder_export import export_decoder, export_within

CODES = 100  # seeded random codes per model
PRETRAINED = {m.name: m for m in list_models() if m.pretrained}
GAUSSIAN = [name for name, m in PRETRAINED.items() if m.kind.posterior]
VQ = [name for name, m in PRETRAINED.items() if not m.kind.posterior]  # their decoders add Conv2d
LATENT_SLIDER = "input.vl-range[data-dim]"  # the live sliders' inputs (the scrubber's has no dimension)
PIXELS = """c => Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0))"""


def torch_pixels(model, z: torch.Tensor, y: int | None = None) -> np.ndarray:
    """What the server draws for codes (B, D): uint8 (B, H, W) of the first channel."""
    labels = None if y is None else torch.full((len(z),), y)
    with torch.no_grad():
        images = model.decode(z, labels)
    return (images.clamp(0, 1) * 255).round().byte().numpy()[:, 0]


@pytest.mark.browser
@pytest.mark.parametrize("name, dtype", [(n, "shipped") for n in GAUSSIAN + VQ] + [(n, "float16") for n in GAUSSIAN])
def test_js_decoder_draws_pytorchs_pixels(page: Page, name, dtype):
    """Against PyTorch's float32 decoder: the weights the app ships (float16 where float32 is over the budget:
    fashion-vae, so the rounding itself must cost it at most 1/255), and every Gaussian model's weights rounded
    to float16 and widened again by the JavaScript, against PyTorch over the same rounded weights (the rounding
    alone moves a deep decoder's pixels further: the 64×64 shapes models are shipped in float32)."""
    model = load_model(PRETRAINED[name].path)
    if dtype == "float16":
        export = export_decoder(model, "float16", check_codes=0)  # the JavaScript's widening, not the rounding
        with torch.no_grad():
            for weight in model.parameters():
                weight.copy_(weight.half().float())
    elif name in GAUSSIAN:
        export = export_within(model, MAX_BYTES)
        assert export.dtype == ("float16" if name == "fashion-vae" else "float32")
    else:
        export = export_decoder(model)  # VQ-VAEs stay on the server; their decoders still run here
    generator = torch.Generator().manual_seed(0)
    if model.config.family == "vqvae":  # the decoder reads codebook rows
        indices = torch.randint(0, model.config.codebook_size, (CODES, *model.grid_shape), generator=generator)
        z = model.quantizer.lookup(indices).flatten(1)
    else:
        z = torch.randn(CODES, export.latent_dim, generator=generator) * 1.5  # most of the sliders' ±3
    y = torch.arange(CODES) % export.num_classes if export.num_classes else None
    with torch.no_grad():
        expected = model.decode(z, y).numpy()  # (B, C, H, W) in [0, 1]
    floats, pixels = LivePage(page).decode(export, z.numpy(), None if y is None else y.numpy())
    assert np.abs(floats - expected).max() <= 1 / 255
    expected_pixels = (np.clip(expected, 0, 1) * 255).round().astype(np.uint8)
    expected_pixels = expected_pixels[:, 0] if expected.shape[1] == 1 else expected_pixels.transpose(0, 2, 3, 1)
    assert np.abs(pixels.astype(int) - expected_pixels).max() <= 1  # what the canvas shows, within 1/255


@pytest.mark.browser
def test_js_decoder_runs_every_family(page: Page, tiny, family):
    """User runs of every family and architecture, here fresh tiny ones: RGB pictures, Gaussian means."""
    from vae.models import build_model

    torch.manual_seed(0)
    model = build_model(tiny(family, image_shape=(3, 16, 8), likelihood="gaussian")).eval()
    export = export_decoder(model)
    z = torch.randn(20, export.latent_dim) * 2
    if model.config.family == "vqvae":
        z = model.quantizer.lookup(torch.randint(0, 16, (20, *model.grid_shape))).flatten(1)
    y = torch.arange(20) % export.num_classes if export.num_classes else None
    with torch.no_grad():
        expected = model.decode(z, y).numpy()
    floats, pixels = LivePage(page).decode(export, z.numpy(), None if y is None else y.numpy())
    assert np.abs(floats - expected).max() <= 1 / 255 and pixels.shape == (20, 16, 8, 3)
    assert np.abs(pixels.astype(int) - (expected * 255).round().transpose(0, 2, 3, 1)).max() <= 1


BOOT_CALLS = """async (boot) => {
  const blob = (source) => URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const module = blob(`export const css = ".x { color: red }";
    export default function ({ data }) {
      globalThis.__calls.push(data.n);
      return () => globalThis.__cleanups.push(data.n);
    }`);
  globalThis.__calls = [];
  globalThis.__cleanups = [];
  const start = (await import(blob(boot))).default;
  const root = document.body.appendChild(document.createElement("div")).attachShadow({ mode: "open" });
  const call = (n) => start({ data: { module, n }, parentElement: root });
  const tick = () => new Promise((resolve) => setTimeout(resolve, 50));
  const seen = [];
  const first = call(1), second = call(2);  // new data before the bundle's import resolved
  await tick();
  seen.push([...__calls], typeof first, typeof second);
  first();  // Streamlit's late cleanup of a call it replaced: the view stays
  await tick();
  seen.push([...__cleanups]);
  const third = call(3);
  await tick();
  third();
  const fourth = call(4);  // a newer call within the tick keeps the view ...
  await tick();
  seen.push([...__calls], [...__cleanups]);
  fourth();  // ... the last one's cleanup removes it
  await tick();
  seen.push([...__cleanups], root.querySelectorAll("style[data-vae-live]").length);
  return seen;
}"""


@pytest.mark.browser
def test_the_bootstrap_draws_the_latest_data_and_cleans_up_once(page: Page):
    """boot.js, as every element carries it: the bundle's default export gets only the latest data, its CSS goes
    into the element's root once, and only the element's last cleanup (a tick later) reaches the bundle."""
    from ui.live import BOOT

    page.set_content("<!doctype html><html><body></body></html>")
    assert page.evaluate(BOOT_CALLS, BOOT) == [[2], "function", "function", [], [2, 3, 4], [], [4], 1]


def live_picture(page: Page, index: int = 0):
    return page.get_by_test_id("stMain").locator("canvas.vl-picture").nth(index)


def canvas_pixels(canvas) -> np.ndarray:
    size = canvas.evaluate("c => [c.height, c.width]")
    return np.array(canvas.evaluate(PIXELS), dtype=np.uint8).reshape(size)


def live_code(page: Page, length: int) -> torch.Tensor:
    values = page.get_by_test_id("stMain").locator(LATENT_SLIDER).evaluate_all(
        "inputs => inputs.map(i => [Number(i.dataset.dim), Number(i.value)])")
    z = torch.zeros(length)
    for d, v in values:
        z[int(d)] = v
    return z


def choose_model(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    page.keyboard.type(name)  # the list is virtualized: filter it, so the option is drawn whatever the count
    page.get_by_role("option", name=re.compile(rf"^{re.escape(name)}( ·|$)")).click()
    wait_idle(page, FIRST_LOAD_MS)


def server_slider(page: Page, d: int):
    """The server's slider of number d (in the Exact values tab, hidden until it is opened)."""
    return page.get_by_test_id("stSlider").get_by_role("slider", name=re.compile(rf"^z{d}( |$)"), include_hidden=True)


@pytest.mark.browser
@pytest.mark.parametrize("name", ["digits-vae", "fashion-vae"])  # float32 MLP weights; float16 conv ones
def test_traversal_sliders_follow_the_hand_and_report_on_release(page: Page, streamlit_server, name):  # noqa: F811
    entry = PRETRAINED[name]
    model = load_model(entry.path)
    open_page(page, streamlit_server, "Latent traversal", start="prior")  # digits-vae from the prior mean (all zeros)
    if name != "digits-vae":
        choose_model(page, name)
    picture = live_picture(page)
    expect(picture).to_be_visible(timeout=STEP_MS)
    expect(picture).to_have_attribute("width", str(model.config.image_shape[2]), timeout=STEP_MS)  # this model's
    page.wait_for_function("() => globalThis.__vaeLive && globalThis.__vaeLive.frames.length > 0", timeout=STEP_MS)
    start = canvas_pixels(picture)
    assert np.abs(start.astype(int) - torch_pixels(model, torch.zeros(1, entry.latent_dim))[0]).max() <= 1

    handle = page.get_by_test_id("stMain").locator(LATENT_SLIDER).first
    d = int(handle.get_attribute("data-dim"))
    wait_idle(page)
    expect(server_slider(page, d)).to_have_count(1, timeout=STEP_MS)  # a model switch's stale elements are gone
    server_before = server_slider(page, d).get_attribute("aria-valuetext")
    server_src = page.get_by_test_id("stImage").filter(has_text="Decoded picture").locator("img").get_attribute("src")
    box = handle.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(box["x"] + box["width"] / 2 + step * box["width"] / 20, y)
    dragged = canvas_pixels(picture)
    assert not np.array_equal(dragged, start)  # the picture moved with the hand ...
    assert server_slider(page, d).get_attribute("aria-valuetext") == server_before  # ... before Python heard of it
    page.mouse.up()

    value = handle.get_attribute("aria-valuetext")
    assert float(value) > 0.5
    expect(server_slider(page, d)).to_have_attribute("aria-valuetext", value, timeout=STEP_MS)  # heard on release
    server_img = page.get_by_test_id("stImage").filter(has_text="Decoded picture").locator("img")
    expect(server_img).not_to_have_attribute("src", server_src, timeout=STEP_MS)
    wait_idle(page)
    z = live_code(page, entry.latent_dim)
    assert z[d] == pytest.approx(float(value)) and (z != 0).sum() == 1
    assert np.abs(canvas_pixels(picture).astype(int) - torch_pixels(model, z[None])[0]).max() <= 1
    expect_no_error(page)


@pytest.mark.browser
def test_traversal_pad_decodes_under_the_pointer_and_keeps_a_click(page: Page, streamlit_server):  # noqa: F811
    open_page(page, streamlit_server, "Latent traversal", start="prior")
    pad = page.get_by_test_id("stMain").locator("canvas.vl-pad-canvas")
    expect(pad).to_be_visible(timeout=STEP_MS)
    pad.scroll_into_view_if_needed()
    picture = live_picture(page, 1)  # the pad's own picture, after the sliders'
    page.wait_for_function("() => globalThis.__vaeLive && globalThis.__vaeLive.frames.length > 1", timeout=STEP_MS)
    before = canvas_pixels(picture)
    box = pad.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.2)  # hover: across +2.1, up +1.8
    expect(picture.locator("xpath=..").locator("figcaption")).to_contain_text("+2.1", timeout=STEP_MS)
    assert not np.array_equal(canvas_pixels(picture), before)
    page.mouse.click(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.2)
    caption = picture.locator("xpath=..").locator("figcaption").inner_text()
    x, y = (float(v.replace("−", "-")) for v in re.findall(r"[−+]\d+\.\d\d", caption))
    order = page.get_by_test_id("stMain").locator(LATENT_SLIDER).evaluate_all("i => i.map(e => e.dataset.dim)")
    first, second = int(order[0]), int(order[1])  # the pad's default numbers: the two most used
    expect(server_slider(page, first)).to_have_attribute("aria-valuetext", f"{x:.2f}", timeout=STEP_MS)
    expect(server_slider(page, second)).to_have_attribute("aria-valuetext", f"{y:.2f}", timeout=STEP_MS)
    # ... and the sliders view adopts the pad's code (someone else changed it)
    expect(page.get_by_test_id("stMain").locator(f'input.vl-range[data-dim="{first}"]')).to_have_attribute(
        "aria-valuetext", f"{x:.2f}", timeout=STEP_MS)
    wait_idle(page)
    expect_no_error(page)


PALETTE_PIXELS = """(canvas, colours) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const wanted = new Set(colours);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (wanted.has((data[i] << 16) | (data[i + 1] << 8) | data[i + 2])) n++;
    return n;
}"""
MEDIA_FETCHES = """() => performance.getEntriesByType("resource").map((e) => e.name)
    .filter((u) => u.includes("/media/"))"""


@pytest.mark.browser
def test_traversal_pad_draws_its_dots_from_one_file_per_model(page: Page, streamlit_server):  # noqa: F811
    """Issue 25: the dots come as one media file per model (every dimension's codes), fetched once; other
    axes take other columns of it, and the bundles of JavaScript come as media files too, once per page."""
    from ui.parts.latent_map import palette
    from ui.parts.traversal_live import PAD_POINTS
    from vae.config import TrainConfig
    from vae.data import load_split

    shown = str(min(PAD_POINTS, len(load_split(TrainConfig(dataset="digits"), "test"))))  # digits: 360
    open_page(page, streamlit_server, "Latent traversal", start="prior")
    pad = page.get_by_test_id("stMain").locator("canvas.vl-pad-canvas")
    expect(pad).to_be_visible(timeout=STEP_MS)
    pad.scroll_into_view_if_needed()
    expect(pad).to_have_attribute("data-points", shown, timeout=STEP_MS)
    colours = [int(c[1:], 16) for c in palette(10)]
    dotted = pad.evaluate(PALETTE_PIXELS, colours)
    assert dotted > int(shown) * 5  # the dots' own colours: several pixels each
    fetched = page.evaluate(MEDIA_FETCHES)
    bundles, files = [u for u in fetched if u.endswith(".js")], [u for u in fetched if u.endswith(".bin")]
    assert len(bundles) == 2 and len(files) == 2  # the view and weights bundles; the weights and the dots
    across = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Across")
    across.click()
    page.get_by_role("option").nth(2).click()
    wait_idle(page)
    pad = page.get_by_test_id("stMain").locator("canvas.vl-pad-canvas")
    expect(pad).to_have_attribute("data-points", shown, timeout=STEP_MS)
    page.wait_for_function("c => c.dataset.points && globalThis.__vaeLive.frames.length > 0", arg=pad.element_handle())
    assert pad.evaluate(PALETTE_PIXELS, colours) not in (0, dotted)  # other columns: the dots moved
    assert page.evaluate(MEDIA_FETCHES) == fetched  # ... from the file the page holds: nothing fetched again
    expect_no_error(page)


@pytest.mark.browser
def test_interpolation_t_drag_decodes_between_the_codes(page: Page, streamlit_server):  # noqa: F811
    from ui.parts.interpolation import encode_means
    from ui.pickers import class_members
    from vae.config import TrainConfig
    from vae.data import load_split

    open_page(page, streamlit_server, "Interpolation")  # digits-vae; A is the first 0, B the first 1
    model = load_model(PRETRAINED["digits-vae"].path)
    data = load_split(TrainConfig(dataset="digits"), "test")
    a, b = int(class_members(data.labels, 0, len(data))[0]), int(class_members(data.labels, 1, len(data))[0])
    z = encode_means(model, data.images[[a, b]])
    lerp, slerp = live_picture(page, 0), live_picture(page, 1)
    expect(lerp).to_be_visible(timeout=STEP_MS)
    page.wait_for_function("() => globalThis.__vaeLive && globalThis.__vaeLive.frames.length > 0", timeout=STEP_MS)
    assert np.abs(canvas_pixels(lerp).astype(int) - torch_pixels(model, z.mean(0, keepdim=True))[0]).max() <= 1
    t_input = page.get_by_test_id("stMain").locator("input.vl-range")
    t_input.focus()
    t_input.press("Home")  # t = 0: both paths start at A's own code
    expect(t_input).to_have_attribute("aria-valuetext", "0.00")
    own = torch_pixels(model, z[:1])[0]
    for canvas in (lerp, slerp):
        expect(canvas).to_be_visible()
        assert np.abs(canvas_pixels(canvas).astype(int) - own).max() <= 1
    page.get_by_text("Why a spherical path?").click()  # the norm chart marks the released t
    expect(page.locator(".js-plotly-plot").filter(has_text="live t = 0.00")).to_have_count(1, timeout=STEP_MS)
    wait_idle(page)
    expect_no_error(page)


@pytest.mark.browser
def test_latent_map_pad_over_a_2d_manifold(page: Page, streamlit_server):  # noqa: F811
    open_page(page, streamlit_server, "Latent map")
    choose_model(page, "digits-vae-2d")
    pad = page.get_by_test_id("stMain").locator("canvas.vl-pad-canvas")
    expect(pad).to_be_visible(timeout=FIRST_LOAD_MS)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)  # lower left: both < 0
    download = page.get_by_test_id("stDownloadButton").filter(has_text="Download the picture at")
    expect(download).to_have_count(1, timeout=STEP_MS)
    x, y = (float(v) for v in re.findall(r"[-+]\d+\.\d\d", download.inner_text()))
    assert x < -1 and y < -1
    caption = live_picture(page).locator("xpath=..").locator("figcaption")
    expect(caption).to_have_text(f"({x:+.2f}, {y:+.2f})".replace("-", "−"))
    wait_idle(page)
    expect_no_error(page)


GRID_TILE = """gd => {
    // A grid being drawn again has no layout for a moment: it counts as not yet drawn.
    const axis = gd._fullLayout && gd._fullLayout.xaxis, ticks = axis && axis.tickvals;
    const image = gd.querySelector("g.imagelayer image, image");
    return image && ticks && ticks.length ? image.getBoundingClientRect().width / ticks.length : 0;
}"""


COUNT_RUNS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    globalThis.__runs = 0;
    globalThis.__changed = performance.now();
    new MutationObserver(() => {
        globalThis.__changed = performance.now();
        if (app.dataset.testScriptState === "running") globalThis.__runs++;
    }).observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
}"""
QUIET = """(ms) => document.querySelector('[data-testid="stApp"]').dataset.testScriptState === "notRunning"
    && performance.now() - globalThis.__changed > ms"""


def count_runs_from_now(page: Page) -> None:
    """Count the script's runs from here on, once the page's own runs are over: on a loaded machine a run the
    page asked for while opening (a component reporting its first value) may start after the first idle."""
    page.evaluate(COUNT_RUNS)
    page.wait_for_function(QUIET, arg=1500, timeout=STEP_MS)
    page.evaluate("globalThis.__runs = 0")


def scrub_value(text: str) -> float:
    """ "z3 = −1.25" -> -1.25"""
    return float(text.split("= ")[1].replace("−", "-"))


@pytest.mark.browser
def test_traversal_scrubber_steps_through_its_frames_in_the_page(page: Page, streamlit_server):  # noqa: F811
    """The scrubber's range input and its Play button change the picture and its value in the page, large
    and crisp at 1400×900, without a rerun of the script."""
    page.set_viewport_size({"width": 1400, "height": 900})
    open_page(page, streamlit_server, "Latent traversal", start="prior")  # digits-vae from the prior mean
    scrub = page.locator(".vl-scrub")
    expect(scrub).to_have_count(1, timeout=STEP_MS)
    wait_idle(page)
    image, value, handle = scrub.locator("img"), scrub.locator(".vl-scrub-value"), scrub.locator("input[type=range]")
    expect(value).to_have_text(re.compile(r"^z\d+ = [+−]\d\.\d\d$"))
    start_text, start_source = value.text_content(), image.get_attribute("src")
    assert image.bounding_box()["width"] >= 300  # an 8×8 picture, enlarged by the page
    count_runs_from_now(page)
    handle.focus()
    handle.press("End")  # the last frame: three prior standard deviations up
    expect(value).not_to_have_text(start_text)
    assert scrub_value(value.text_content()) == pytest.approx(scrub_value(start_text) + 3, abs=0.011)
    assert image.get_attribute("src") != start_source
    play = scrub.get_by_role("button")
    play.click()
    seen = {value.text_content()}
    for _ in range(40):
        page.wait_for_timeout(50)
        seen.add(value.text_content())
    play.click()  # pause
    assert len(seen) >= 5  # playing walks back down from the last frame, one picture after another
    assert page.evaluate("globalThis.__runs") == 0  # all of it in the page
    expect_no_error(page)


@pytest.mark.browser
def test_traversal_grid_cells_reach_64_px_and_grow_with_the_screen(page: Page, streamlit_server):  # noqa: F811
    """Issue 9: at 1400×900 each cell of the side-by-side grids is at least 64 px, and a wider screen
    gets larger cells (the grids stack when side by side they would be small)."""
    page.set_viewport_size({"width": 1400, "height": 900})
    open_page(page, streamlit_server, "Latent traversal", start="prior")  # digits-vae, beside another digits model
    grids = page.get_by_test_id("stPlotlyChart").filter(has=page.locator("g.imagelayer")).locator(".js-plotly-plot")
    expect(grids).to_have_count(2, timeout=STEP_MS)  # the two grids
    wait_idle(page)
    # The grids are drawn again once the page has reported its width: wait until both have their pictures.
    # Measured in one go: a grid drawn again between two separate reads would have no layout.
    # Only the grids (a plot with pictures): on a loaded machine another chart may still be without its layout.
    tiles = page.wait_for_function(f"""() => {{
        const grids = [...document.querySelectorAll(".js-plotly-plot")].filter(gd => gd.querySelector("g.imagelayer image"));
        const tiles = grids.map({GRID_TILE});
        return tiles.length === 2 && tiles.every(tile => tile > 0) ? tiles : null;
    }}""", timeout=STEP_MS).json_value()
    assert min(tiles) >= 64, tiles  # both grids
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function(f"""() => [...document.querySelectorAll(".js-plotly-plot")].filter(gd => gd._fullLayout
        && gd._fullLayout.xaxis && gd._fullLayout.xaxis.tickvals && gd._fullLayout.xaxis.tickvals.length > 1).every(gd => ({GRID_TILE})(gd)
        > {max(tiles) * 1.3})""", timeout=STEP_MS)
    expect_no_error(page)
