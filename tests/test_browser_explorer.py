"""In a real browser: open the app, visit every page of its navigation, move a traversal slider and see the
decoded picture change, and click a dot of the latent map to see that test picture beside the map."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin

import pytest
from playwright.sync_api import Page, expect

from benchmarks.wire import rerun_asked
from browser_server import browser_type_launch_args, fresh_server, streamlit_server  # noqa: F401  (pytest fixtures)
from harness import app_server
from ui.catalog import first_model
from vae.precompute import home_pictures

FIRST_LOAD_MS = 120_000  # the server's first script run imports torch and loads models
STEP_MS = 60_000  # one rerun of a page, on a busy machine

# Every page of app.py's navigation: its link in the sidebar, its url path (the file stem; the default
# page is served at the root) and the title and first words of the intro it draws (English).
PAGES = [
    ("Home", "", "What does a VAE learn?", "A variational autoencoder"),
    ("Lesson", "lesson", "A 45-minute lesson on variational autoencoders", "An ordered path through the app"),
    ("Latent traversal", "traversal", "Latent traversal: one number at a time", "Every picture this model draws"),
    ("Latent map", "latent_map", "Latent map", "Each dot is one test picture"),
    ("Interpolation", "interpolation", "Interpolation", "Pick two test pictures."),
    ("Conditional sampling", "conditional", "Conditional sampling: choose the class", "A conditional VAE"),
    ("Disentanglement", "disentanglement", "Disentanglement: one number, one thing", "Every shape picture here"),
    ("Denoise & complete", "restore", "Denoise and complete a picture", "Spoil a picture with noise"),
    ("Anomaly detection", "anomaly", "Anomaly detection: spot what the model never saw",
     "The models on this page were trained"),
    ("Discrete codes", "codes", "Discrete codes: what a VQ-VAE writes down", "A VQ-VAE does not describe"),
    ("Train", "train", "Train a model and watch it learn", "Pick a classic demo"),
    ("Runs", "runs", "Training runs", "Every model trained here"),
]
NAV_NAMES = [re.compile(rf"{re.escape(name)}$") for name, *_ in PAGES]  # each link: icon, then its name
TRAVERSAL, LATENT_MAP = PAGES[2], PAGES[3]


def wait_idle(page: Page, timeout: float = STEP_MS) -> None:
    """Wait until the script has finished its run."""
    app_server.wait_idle(page, timeout)


def expect_no_error(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def expect_page(page: Page, title: str, intro: str, timeout: float = STEP_MS) -> None:
    """The page's title and intro are drawn under app.py's navigation, the script finished, and no
    exception or error alert is on the page."""
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", level=1)).to_have_text(title, timeout=timeout)
    expect(main.get_by_test_id("stMarkdown").filter(has_text=intro).first).to_be_visible(timeout=timeout)
    nav_links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    expect(nav_links).to_have_text(NAV_NAMES, timeout=timeout)  # the router's menu, not Streamlit's automatic one
    wait_idle(page, timeout)
    expect_no_error(page)


# Texts the browser cut short with an ellipsis ("Rand…", "False-alarm…"): a label too long for its place.
CUT_TEXTS = """() => [...document.querySelectorAll('[data-testid=stMain] *, [data-testid=stSidebar] *')]
  .filter((e) => getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1
                 && e.offsetParent !== null && e.textContent.trim())
  .map((e) => e.textContent.trim())"""


def expect_nothing_cut(page: Page) -> None:
    assert page.evaluate(CUT_TEXTS) == [], f"cut short on {page.url}"


def page_address(server, path: str):
    """The page's address, whatever query parameters it keeps (the sidebar keeps at least model=)."""
    return re.compile(rf"^{re.escape(server.url)}/{re.escape(path)}(\?.*)?$")


def open_page(page: Page, server, name: str, model: str = "digits-vae", **params: str) -> None:
    """Open the app at its root on `model` (these tests were written for digits-vae; the app opens on
    fashion-vae), then the named page through the sidebar navigation; with params, then that page's own
    link with them (a fresh session: traversal start=prior, say).

    Going through the root first matters on a fresh server: see test_bookmarked_page_on_fresh_server."""
    page.goto(f"{server.url}/?{urlencode({'model': model})}")
    expect_page(page, *PAGES[0][2:], timeout=FIRST_LOAD_MS)
    _, path, title, intro = next(p for p in PAGES if p[0] == name)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
    expect(page).to_have_url(page_address(server, path), timeout=STEP_MS)
    expect_page(page, title, intro, timeout=FIRST_LOAD_MS)
    if params:
        page.goto(f"{server.url}/{path}?{urlencode({'model': model, **params})}")
        expect_page(page, title, intro, timeout=FIRST_LOAD_MS)


@pytest.mark.browser
def test_every_page_renders(page: Page, streamlit_server):  # noqa: F811
    page.set_viewport_size({"width": 1400, "height": 900})  # a projector's size
    page.goto(f"{streamlit_server.url}/?model=digits-vae")
    expect_page(page, *PAGES[0][2:], timeout=FIRST_LOAD_MS)
    expect_nothing_cut(page)
    nav = page.get_by_test_id("stSidebarNav")
    for name, path, title, intro in PAGES[1:]:
        nav.get_by_role("link", name=name, exact=True).click()
        expect(page).to_have_url(page_address(streamlit_server, path), timeout=STEP_MS)
        expect_page(page, title, intro, timeout=FIRST_LOAD_MS)
        expect_nothing_cut(page)
    # A page's own address (a bookmark, a link in a lesson) opens it too, once the server has run app.py.
    page.goto(streamlit_server.page_url(TRAVERSAL[1]))
    expect_page(page, *TRAVERSAL[2:])


# In one task of the page: the main column narrows, the width probe sees it (its measurement falls due 150 ms
# later), the browser stays busy past that moment, then the sidebar's link is clicked. The pending measurement
# runs after the click, as on a busy laptop, while the next page is on its way.
LEAVE_AS_LAYOUT_SHIFTS = """async (name) => {
    document.querySelector('[data-testid=stMain]').style.maxWidth = '900px';
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const busyUntil = performance.now() + 300;
    while (performance.now() < busyUntil) {}
    [...document.querySelectorAll('[data-testid=stSidebarNav] a')].find((a) => a.textContent.endsWith(name)).click();
}"""


def rerun_request(frame) -> tuple[str, str] | None:
    """(page script hash, fragment id) of a run the browser asks for in this websocket frame, else None."""
    asked = rerun_asked(frame) if isinstance(frame, bytes) else None  # text frames are not Streamlit's
    return (asked.page_script_hash, asked.fragment_id) if asked is not None else None


@pytest.mark.browser
def test_a_page_left_asks_for_no_run_of_its_own(page: Page, streamlit_server):  # noqa: F811
    """A sidebar click while the traversal grid's column changes width asks for the next page's run and
    nothing else. The grid's width probe used to report that change after the click: a run of the grid's
    fragment, which Streamlit ran after the next page's, under the traversal page's name, and the next page came
    out blank (CI saw a blank Latent map)."""
    requests = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: requests.append(rerun_request(frame))))
    page.set_viewport_size({"width": 1400, "height": 900})
    open_page(page, streamlit_server, TRAVERSAL[0])
    requests.clear()
    page.evaluate(LEAVE_AS_LAYOUT_SHIFTS, LATENT_MAP[0])
    expect(page).to_have_url(page_address(streamlit_server, LATENT_MAP[1]), timeout=STEP_MS)
    expect_page(page, *LATENT_MAP[2:], timeout=FIRST_LOAD_MS)
    runs = [request for request in requests if request]
    assert len(runs) == 1 and not runs[0][1], f"the click asked for {runs} (page hash, fragment id)"


def decoded_picture(page: Page):
    return page.get_by_test_id("stImage").filter(has_text="Decoded picture").locator("img")


@pytest.mark.browser
def test_traversal_slider_changes_picture(page: Page, streamlit_server):  # noqa: F811
    open_page(page, streamlit_server, TRAVERSAL[0])  # digits-vae, a Gaussian VAE
    handle = page.get_by_test_id("stMain").get_by_role("slider", name=re.compile(r"^z\d")).first  # most used number
    expect(handle).to_be_visible(timeout=STEP_MS)
    expect(decoded_picture(page)).to_have_count(1, timeout=STEP_MS)
    value, src = handle.get_attribute("aria-valuetext"), decoded_picture(page).get_attribute("src")
    handle.focus()
    for _ in range(10):  # +0.5: ten steps of 0.05, one (fragment) rerun each
        handle.press("ArrowRight")
    expect(handle).to_have_attribute("aria-valuetext", f"{float(value) + 0.5:.2f}", timeout=STEP_MS)
    expect(decoded_picture(page)).not_to_have_attribute("src", src, timeout=STEP_MS)
    wait_idle(page)
    expect_no_error(page)


# The dot of the map farthest (in pixels) from every other dot, so that the click cannot pick a neighbour:
# where it is on the screen (plotly's own axes: l2p maps a value to pixels within the plot area, _offset is
# where that area starts in the chart), its values and the test-image index it carries (customdata).
LONELY_DOT = """gd => {
    const layout = gd._fullLayout, box = gd.getBoundingClientRect();
    const xa = layout.xaxis, ya = layout.yaxis, dots = [];
    for (const trace of gd._fullData) {
        if (trace.visible !== true || !trace.customdata) continue;
        for (let i = 0; i < trace.x.length; i++) {
            const custom = trace.customdata[i];
            dots.push({px: xa._offset + xa.l2p(trace.x[i]), py: ya._offset + ya.l2p(trace.y[i]),
                       x: trace.x[i], y: trace.y[i], index: Array.isArray(custom) ? custom[0] : custom});
        }
    }
    let best = null, bestGap = -1;
    for (const a of dots) {
        if (a.px < xa._offset + 20 || a.px > xa._offset + xa._length - 20
            || a.py < ya._offset + 20 || a.py > ya._offset + ya._length - 20) continue;
        let gap = Infinity;
        for (const b of dots) if (b !== a) gap = Math.min(gap, Math.hypot(a.px - b.px, a.py - b.py));
        if (gap > bestGap) { best = a; bestGap = gap; }
    }
    return {...best, px: box.left + best.px, py: box.top + best.py, gap: bestGap};
}"""
# Plotly draws the chart's frame before its dots: wait for a trace of dots that carry their pictures' indices.
HAS_DOTS = "gd => (gd._fullData || []).some((trace) => trace.visible === true && trace.customdata && trace.x.length)"


@pytest.mark.browser
def test_latent_map_click_shows_point(page: Page, streamlit_server):  # noqa: F811
    page.set_viewport_size({"width": 1400, "height": 1400})  # the map and the panel beside it in view
    open_page(page, streamlit_server, LATENT_MAP[0])  # digits-vae: 8-D codes, PCA of the 360 test digits
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Click a dot on the map")).to_be_visible(timeout=STEP_MS)
    chart = main.locator(".js-plotly-plot").first  # the map (WebGL scatter) comes first
    expect(chart).to_be_visible(timeout=STEP_MS)
    expect(chart.locator(".plot-container")).to_be_visible(timeout=STEP_MS)  # plotly has drawn it
    page.wait_for_function(HAS_DOTS, arg=chart.element_handle(), timeout=STEP_MS)
    dot = chart.evaluate(LONELY_DOT)
    assert dot["gap"] > 8, f"no dot stands clear of the others: {dot}"
    page.mouse.move(dot["px"], dot["py"])  # hover first, as a hand would: plotly picks the dot under the cursor
    page.mouse.click(dot["px"], dot["py"])

    expect(main.get_by_role("heading", name=f"Test picture #{dot['index']}")).to_be_visible(timeout=STEP_MS)
    for caption in ("Original", "Reconstruction"):
        picture = main.get_by_test_id("stImage").filter(has_text=caption).locator("img")
        expect(picture).to_have_attribute("src", re.compile(r"\S"), timeout=STEP_MS)
    position = main.get_by_test_id("stMarkdown").filter(has_text="Map position")
    expect(position).to_contain_text(re.compile(r"\(-?\d+\.\d\d, -?\d+\.\d\d\)"), timeout=STEP_MS)
    x, y = map(float, re.findall(r"\((-?\d+\.\d\d), (-?\d+\.\d\d)\)", position.inner_text())[0])
    assert (x, y) == pytest.approx((dot["x"], dot["y"]), abs=0.006)  # the very dot that was clicked
    expect(main.get_by_role("table")).to_contain_text("z0", timeout=STEP_MS)  # its latent code
    wait_idle(page)
    expect_no_error(page)


@pytest.mark.browser
def test_bookmarked_page_on_fresh_server(page: Page, fresh_server):
    """A bookmarked page on a fresh server still runs through app.py's router (its menu, its layout)."""
    page.goto(f"{fresh_server}/{TRAVERSAL[1]}")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", level=1)).to_have_text(TRAVERSAL[2], timeout=FIRST_LOAD_MS)
    # The menu arrives before the page's first element, so it is already final here.
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link")).to_have_text(NAV_NAMES, timeout=2_000)


@pytest.mark.browser
def test_fresh_server_home_shows_the_shipped_pictures_then_draws_new_ones(page: Page, fresh_server):  # noqa: F811
    """The first visit's home page shows the pictures shipped with the model (drawn before PyTorch is imported,
    app.py); "New samples" then draws others with the model, PyTorch imported meanwhile."""
    page.goto(fresh_server)
    expect_page(page, *PAGES[0][2:], timeout=FIRST_LOAD_MS)
    pictures = page.get_by_test_id("stMain").get_by_test_id("stImage").locator("img")
    expect(pictures).to_have_count(2)
    shipped = app_server.ROOT / "assets" / first_model() / f"{home_pictures.SAMPLES_FILE}.png"
    src = pictures.first.get_attribute("src")
    first = page.request.get(urljoin(f"{fresh_server}/", src)).body()
    assert first == shipped.read_bytes()
    page.get_by_role("button", name="New samples").click()
    expect(pictures.first).not_to_have_attribute("src", pictures.first.get_attribute("src"), timeout=STEP_MS)
    wait_idle(page)
    expect_no_error(page)
