"""Issue 24's state bugs, each reproduced headless (AppTest) before its fix: what a control shows is what
the page applies, a view opens consistent, and the address bar holds only what the page understands."""

from __future__ import annotations

import re

import pytest

from ui.catalog import list_models
from ui.teaching.lesson import STEPS

PRETRAINED = {m.name: m for m in list_models() if m.pretrained}


def _shown_code(at) -> tuple[int, int, int]:
    """The cell and code the codes page says the cell holds (its markdown line)."""
    line = next(m.value for m in at.markdown if "holds code" in m.value)
    row, column, code = map(int, re.search(r"\((\d+), (\d+)\).*?(\d+)\*\*", line).groups())
    return row, column, code


def _edited_caption(at) -> tuple[int, int, int]:
    caption = next(c for image in at.image for c in image.captions if "set to code" in c)
    return tuple(map(int, re.search(r"\((\d+), (\d+)\) set to code (\d+)", caption).groups()))


def test_codes_view_opens_consistent(open_page):
    """(3) "Cell (0,0) now holds code 51" beside a picture captioned "set to code 0": the slider started at 0.
    The slider starts at the code the cell holds, and follows the cell (and the picture) when they change."""
    at = open_page("views/codes.py", PRETRAINED["digits-vqvae"].path)
    assert not at.exception
    row, column, held = _shown_code(at)
    assert _edited_caption(at) == (row, column, held)
    assert at.slider(key="codes_new_code").value == held
    assert len(at.info) >= 1 and any("already has" in i.value for i in at.info)
    at.slider(key="codes_new_code").set_value((held + 1) % 8).run()  # an edit: the caption follows the slider
    assert _edited_caption(at)[2] == (held + 1) % 8 and _shown_code(at)[2] == held
    for cell in [(1, 2), (2, 1)]:  # another cell: the slider starts at what that cell holds
        at.number_input(key="codes_row").set_value(cell[0]).run()
        at.number_input(key="codes_col").set_value(cell[1]).run()
        shown = _shown_code(at)
        assert shown[:2] == cell and _edited_caption(at) == shown
        assert at.slider(key="codes_new_code").value == shown[2]
    at.number_input(key="codes_pic_index").set_value(5).run()  # another picture: its own code in that cell
    assert _edited_caption(at) == _shown_code(at) and not at.exception


def test_a_linked_map_method_sets_the_widget_without_a_default_warning(monkeypatch):
    """(8) ?method=tsne logged "widget map_method created with a default value but also set via Session
    State": the URL's value goes into session state, so the widget must take no default of its own."""
    from streamlit.elements.lib import policies

    from links import open_with

    warned: list[str] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)  # Streamlit warns once per process
    monkeypatch.setattr(policies._LOGGER, "warning", lambda message, *args, **kwargs: warned.append(message % args))
    at = open_with("views/latent_map.py", model="digits-vae", method="tsne")
    assert not at.exception and at.segmented_control(key="map_method").value == "tsne"
    assert not [w for w in warned if "map_method" in w], warned
    at.segmented_control(key="map_method").set_value("pca").run()
    assert at.segmented_control(key="map_method").value == "pca" and "method" not in at.query_params


def _app(**params: str):
    """The router (app.py) on a fresh session whose URL carries params, after its first run."""
    from streamlit.testing.v1 import AppTest

    from ui.catalog import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params.update(params)
    return at.run()


def test_unknown_and_duplicated_url_parameters_leave_the_address_bar():
    """(5) /?model=../../etc&z=abc&t=9 became /?z=abc&t=9&model=fashion-vae: junk survived into Copy link,
    and a duplicated model= was kept. Only the parameters the page reads stay, once each."""
    at = _app(model="../../etc", z="abc", t="9", junk="1")
    assert not at.exception
    assert dict(at.query_params) == {"model": "fashion-vae"}, dict(at.query_params)  # the refused model's default
    at = _app(model=["digits-vae", "digits-cvae"], lang="zh")
    assert not at.exception
    assert dict(at.query_params) == {"model": "digits-cvae", "lang": "zh"}, dict(at.query_params)


@pytest.fixture
def train_page(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from ui.catalog import ROOT

    monkeypatch.setenv("VAE_RUNS_DIR", str(tmp_path))
    monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", "en")
    at = AppTest.from_file(str(ROOT / "views/train.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    return at.run()


def test_train_form_shows_every_refused_value_at_once_and_blocks_start(train_page, tmp_path):
    """(6) epochs 0, learning rate 5 and batch 100000 passed the fields and failed only at Start, one error at a
    time; the hold-out error suggested the hidden sizes' example. Every value is checked as it is typed."""
    at = train_page
    assert not at.error and not at.button(key="train_start").disabled
    at.number_input(key="train_epochs").set_value(0).run()
    assert [e.value for e in at.error] == ["Epochs: must be at least 1 (got 0)"]  # at once, before Start
    assert at.button(key="train_start").disabled
    at.number_input(key="train_lr").set_value(5.0).run()
    at.number_input(key="train_batch_size").set_value(100000).run()
    at.text_input(key="train_exclude_classes").input("three").run()
    errors = [e.value for e in at.error]
    assert len(errors) == 4, errors
    assert any(e.startswith("Learning rate: must be at most 1") for e in errors)
    assert any(e.startswith("Batch size: must be at most 65536") for e in errors)
    hold_out = next(e for e in errors if e.startswith("Hold out classes"))
    assert "e.g. 3" in hold_out and "32,64" not in hold_out
    assert at.button(key="train_start").disabled and "4 setting" in at.warning[-1].value
    at.number_input(key="train_epochs").set_value(-3).run()
    assert any("got -3" in e.value for e in at.error)
    for key, value in [("train_epochs", 2), ("train_lr", 0.001), ("train_batch_size", 32)]:
        at.number_input(key=key).set_value(value).run()
    at.text_input(key="train_exclude_classes").input("3").run()
    assert not at.error and not at.button(key="train_start").disabled
    assert list(tmp_path.iterdir()) == []  # nothing started on the way


def test_the_pad_drives_x_position_across_and_y_position_up(open_page):
    """(4) On the lesson's β-VAE (then shapes-beta8) the pad moved the shape perpendicular to the pointer
    (across = y, up = x): it drove the two most used dimensions in KL order. Where the naming (ui.names) finds x and y position, they go
    across and up."""
    at = open_page("views/traversal.py", PRETRAINED[next(s.model for s in STEPS if s.name == "traversal")].path)
    assert not at.exception
    across, up = at.selectbox(key="trav_pad_x"), at.selectbox(key="trav_pad_y")
    labels = [o for o in across.options]
    assert any(o.endswith("· x position") for o in labels) and any(o.endswith("· y position") for o in labels), labels
    assert across.format_func(across.value).endswith("· x position"), across.format_func(across.value)
    assert up.format_func(up.value).endswith("· y position"), up.format_func(up.value)


def test_slider_limits_are_the_same_for_every_number_so_the_thumb_shows_the_value(open_page):
    """(7) Ranges were the start value ± 3, so every thumb sat in the middle and z = 1.92 looked like z = 0.81.
    The limits are the prior's ±3 for every number (wider only to take in a start beyond them), on the server's
    sliders and in what the live sliders are sent (the browser draws them at the ends of each range)."""
    import json

    from ui.parts.traversal_live import slider_range

    assert slider_range(1.92) == slider_range(0.81) == (-3.0, 3.0) and slider_range(-4.256) == (-4.26, 3.0)
    at = open_page("views/traversal.py", PRETRAINED["digits-vae"].path, trav_start="image")
    assert not at.exception
    sliders = [s for s in at.slider if s.key.startswith("z")]
    assert len({round(s.value, 2) for s in sliders}) > 1  # a real picture's code: the thumbs differ
    for s in sliders:
        assert (s.min, s.max) == slider_range(s.value), (s.key, s.min, s.value, s.max)
    live = next(e for e in at.get("bidi_component") if e.key and e.key.startswith("trav_live_sliders"))
    sent = json.loads(live.proto.json)  # the component's data
    assert all([d["min"], d["max"]] == list(slider_range(sent["base"][d["d"]])) for d in sent["dims"])


def _png(size=(120, 160), fmt="PNG") -> bytes:
    import io

    from PIL import Image, ImageDraw

    picture = Image.new("RGB", size, "white")
    middle = size[0] // 2
    ImageDraw.Draw(picture).line((middle, 10, middle, size[1] - 10), fill="black", width=max(1, size[0] // 8))
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt)
    return buffer.getvalue()


def test_upload_sequences_keep_the_chosen_corruption_on_screen(open_page):
    """(2) PNG then JPEG left the Corruption control showing nothing while the page applied noise; a too-small
    file then the PNG again showed nothing while "bottom half" was applied. The browser shows a control's value
    from its own memory, which a run cut short by the next upload wipes; so every run sends each choice's value
    (set_value), and what the control shows is what the page applies (browser: test_browser_state_bugs)."""
    at = open_page("views/restore.py", PRETRAINED["digits-vae"].path)
    at.segmented_control(key="restore_source").set_value("upload").run()

    def sent(key: str) -> list[str]:
        proto = at.segmented_control(key=key).proto
        return list(proto.raw_values) if proto.set_value else []

    at.file_uploader(key="restore_upload").set_value(("one.png", _png(), "image/png")).run()
    assert sent("restore_kind") == ["Gaussian noise"]
    at.file_uploader(key="restore_upload").set_value(("one.jpg", _png(fmt="JPEG"), "image/jpeg")).run()
    assert not at.exception and sent("restore_kind") == ["Gaussian noise"]
    at.segmented_control(key="restore_kind").set_value("mask").run()
    at.segmented_control(key="restore_mask").set_value("left").run()
    at.file_uploader(key="restore_upload").set_value(("tiny.png", _png((4, 4)), "image/png")).run()
    assert len(at.error) == 1
    at.file_uploader(key="restore_upload").set_value(("one.png", _png(), "image/png")).run()
    assert sent("restore_kind") == ["Hide a region"] and sent("restore_mask") == ["Left half"]
    assert "orange: hidden" in at.image[1].captions[0]  # and that is what is applied
