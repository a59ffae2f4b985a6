"""The pages' live views under AppTest: mounted for every model the browser can run and absent (server
widgets only) for the others, and what a release sends back moves the rest of the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from ui import live
from ui.catalog import list_models
from ui.parts.traversal import MIN_TILE, grid_layout, label_width, tile_size

VIEWS = Path(__file__).resolve().parent.parent / "views"
PRETRAINED = {m.name: m for m in list_models() if m.pretrained}
BOOT_MAX = 2_000  # bytes of inline JavaScript in every live element of every rerun (the bundles were ~40 KB)


def page(name: str, file: str, lang: str = "en", **state) -> AppTest:
    """The page with that model; the traversal from the prior mean (it opens on a test picture otherwise)."""
    at = AppTest.from_file(str(VIEWS / file), default_timeout=120)
    at.session_state["model_path"] = PRETRAINED[name].path
    at.session_state["lang"] = lang
    at.session_state["trav_start"] = "prior"
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def components(at: AppTest, prefix: str) -> list:
    return [e for e in at.get("bidi_component") if e.key and e.key.startswith(prefix)]


def send(at: AppTest, prefix: str, value: dict) -> AppTest:
    """What the browser does when a live view is let go: set the component's state and rerun. AppTest has no
    public setter for a Components v2 value, so this adds one widget state to the tree's own."""
    states: WidgetStates = at._tree.get_widget_states()
    (element,) = components(at, prefix)
    state = states.widgets.add()
    state.id = element.proto.id
    state.json_value = json.dumps(value)
    return at._run(states)


@pytest.mark.parametrize("name", list(PRETRAINED))
def test_traversal_mounts_live_views_exactly_when_the_browser_can_run_the_model(name):
    entry = PRETRAINED[name]
    at = page(name, "traversal.py")
    assert not at.exception
    if not entry.kind.posterior:
        return  # the page suggests other models (tested with the page)
    fits = live.live_model(entry) is not None
    assert len(components(at, "trav_live_sliders")) == fits and len(components(at, "trav_live_pad")) == fits
    assert len(components(at, "trav_live_weights")) == fits
    assert len(at.tabs) == (2 if fits else 0)
    assert sorted(s.key for s in at.slider if s.key.startswith("z")) == sorted(f"z{d}" for d in range(entry.latent_dim))
    assert fits  # every pretrained Gaussian decoder, fashion-vae's in float16 (3.4 MB of float32 weights)


def test_a_model_over_the_budget_even_in_float16_keeps_the_server_sliders(monkeypatch):
    """A decoder the browser should not download (here: a budget below digits-vae's 0.1 MB of float16 weights)
    falls back to the server's sliders and picture, with no error and no tabs."""
    entry = PRETRAINED["digits-vae"]
    monkeypatch.setattr(live, "MAX_BYTES", live.live_model(entry).nbytes // 2 - 1)
    assert live.live_model(entry) is None
    at = page("digits-vae", "traversal.py")
    assert not at.exception and not at.error
    assert not components(at, "trav_live") and len(at.tabs) == 0
    assert sorted(s.key for s in at.slider if s.key.startswith("z")) == [f"z{d}" for d in range(8)]
    picture = at.image[0].proto.SerializeToString()
    at.slider(key="z0").set_value(1.5).run()
    assert not at.exception and at.image[0].proto.SerializeToString() != picture  # the server draws instead


@pytest.mark.parametrize("name", ["digits-vae-2d", "digits-cvae", "fashion-vae", "digits-vqvae"])
def test_latent_map_and_interpolation_mount_their_views(name):
    entry = PRETRAINED[name]
    fits = live.live_model(entry) is not None
    at = page(name, "latent_map.py")
    assert not at.exception
    assert len(components(at, "map_live_pad")) == (fits and entry.latent_dim == 2)
    at = page(name, "interpolation.py")
    assert not at.exception and len(components(at, "interp_live_path")) == fits


def test_a_slider_release_moves_the_server_sliders_and_picture():
    at = page("digits-vae", "traversal.py")
    picture = at.image[0].proto.SerializeToString()
    code = [0.0] * 8
    code[3] = 1.35
    at = send(at, "trav_live_sliders", {"z": {"z": code, "seq": 1}})
    assert not at.exception
    assert at.slider(key="z3").value == pytest.approx(1.35) and at.slider(key="z0").value == 0
    assert at.image[0].proto.SerializeToString() != picture  # the server's picture follows the release
    assert at.session_state["trav_code_rev"][1] == "sliders"  # so that view keeps its own handles
    at = send(at, "trav_live_pad", {"z": {"z": [0.5] * 3, "seq": 2}})  # a code of another length: ignored
    assert not at.exception and at.slider(key="z3").value == pytest.approx(1.35)


def test_a_pad_release_is_clamped_to_the_sliders_range():
    at = page("digits-vae", "traversal.py")
    at = send(at, "trav_live_pad", {"z": {"z": [9.0] + [0.0] * 7, "seq": 1}})
    assert not at.exception and at.slider(key="z0").value == pytest.approx(3.0)
    assert at.session_state["trav_code_rev"][1] == "pad"


def test_the_latent_map_pad_offers_the_kept_picture():
    at = page("digits-vae-2d", "latent_map.py")
    assert not [b for b in at.get("download_button") if "(+" in b.proto.label]
    at = send(at, "map_live_pad", {"z": {"z": [1.0, -0.5], "seq": 1}})
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the picture at (+1.00, -0.50)" in labels


def test_a_t_release_marks_the_norm_chart():
    at = page("digits-vae", "interpolation.py")
    at = send(at, "interp_live_path", {"t": {"t": 0.25, "seq": 1}})
    assert not at.exception
    norm = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [s["x0"] for s in norm["layout"]["shapes"] if s.get("x0") == s.get("x1")] == [0.25]


def test_the_grid_is_sized_to_the_width_the_browser_reports():
    at = page("digits-vae", "traversal.py")
    grids = lambda: [json.loads(c.proto.spec) for c in at.get("plotly_chart")  # noqa: E731
                     if len(json.loads(c.proto.spec)["data"]) == 2 and not json.loads(c.proto.spec).get("frames")]
    narrow = [g["layout"]["height"] for g in grids()]
    at = send(at, "trav_grid_width", {"width": 2600})
    assert not at.exception
    wide = [g["layout"]["height"] for g in grids()]
    assert len(wide) == len(narrow) == 2 and all(w > n for w, n in zip(wide, narrow))  # cells grow with the screen


def test_grid_layout_puts_grids_side_by_side_only_when_cells_stay_large():
    labels = [f"z{d} · x position" for d in range(10)]
    label_px = label_width(labels)
    at_1400 = grid_layout(1000, 2, 11, label_px)  # the main column of a 1400-px window, with the sidebar open
    assert not at_1400.side_by_side and tile_size(at_1400.width, 11, label_px) >= MIN_TILE
    wide = grid_layout(2400, 2, 11, label_px)
    assert wide.side_by_side and tile_size(wide.width, 11, label_px) >= MIN_TILE
    assert grid_layout(2400, 2, 21, label_px).side_by_side is False  # 21 steps do not fit twice
    assert label_width(["z3 · 横向位置"]) > label_width(["z3 · ab"])  # CJK labels are wider


def test_live_elements_carry_a_small_bootstrap_and_name_their_bundle_and_dots_by_url():
    """Issue 25: a release rebuilt every view's 26 KB of JavaScript and 4 KB of CSS, and the pad's 2,000 dots
    inline. Now each element carries boot.js and the URL of its bundle; the pad, the URL of its model's dots."""
    at = page("digits-vae", "traversal.py")
    elements = components(at, "trav_")
    assert {e.key.split("::")[0].split("_weights")[0] for e in elements} >= {
        "trav_live", "trav_live_sliders", "trav_live_pad", "trav_scrub", "trav_grid_width"}
    for element in elements:
        assert 0 < len(element.proto.js_content) <= BOOT_MAX and not element.proto.css_content
        if element.proto.component_name.endswith("vae_width_probe"):
            continue  # the width probe is its own ~1 KB inline script: it reports before any bundle is imported
        assert json.loads(element.proto.json)["module"].endswith(".js")
    views = {json.loads(e.proto.json)["module"] for e in elements
             if "_weights" not in e.key and not e.proto.component_name.endswith("vae_width_probe")}
    assert len(views) == 1  # one bundle for every view
    (pad,) = components(at, "trav_live_pad")
    points = json.loads(pad.proto.json)["points"]
    assert set(points) == {"url"} and points["url"].endswith(".bin")
    assert len(pad.proto.json) < 2_000  # was ~85 KB
    dims = json.loads(pad.proto.json)["dims"]
    at.session_state["trav_pad_x"] = next(d for d in range(8) if d not in dims)  # other axes ...
    at.run()
    (pad,) = components(at, "trav_live_pad")
    moved = json.loads(pad.proto.json)
    assert moved["dims"] != dims and moved["points"] == points  # ... the same file: the pad takes other columns


def test_the_bundles_are_the_asset_files_and_the_view_bundle_exports_its_css():
    css = (live.ASSETS / "live.css").read_text(encoding="utf-8")
    assert live.BUNDLES["view"].decode().endswith(f"export const css = {json.dumps(css)};\n")
    for name in live.VIEW_FILES + live.WEIGHTS_FILES:
        assert (live.ASSETS / name).read_text(encoding="utf-8") in live.BUNDLES["view" if name in live.VIEW_FILES
                                                                                   else "weights"].decode()
    assert "export default function" in live.BOOT and len(live.BOOT) <= BOOT_MAX


def test_the_dots_file_holds_every_dimension_in_hundredths_and_the_classes():
    codes = np.array([[0.123, -2.5, 400.0], [1.0, 0.004, -0.015]])
    packed = live.pack_points(codes, np.array([3, 7]))
    assert packed[:4] == b"VAEP"
    assert np.frombuffer(packed, "<u4", 4, 4).tolist() == [2, 3, 1, live.POINTS_SCALE]
    values = np.frombuffer(packed, "<i2", 6, 20)
    assert values.tolist() == [12, -250, 32767, 100, 0, -2]  # row-major, clamped to int16's range
    assert np.frombuffer(packed, "<u2", 2, 32).tolist() == [3, 7] and len(packed) == 36
    assert np.frombuffer(live.pack_points(codes), "<u4", 4, 4).tolist()[2] == 0 and len(live.pack_points(codes)) == 32
