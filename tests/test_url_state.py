"""Shareable views: the sidebar's choices (model, language, presenter mode, lesson step) come from and go
to the URL's query parameters; a bad parameter falls back to the default with one notice."""

from __future__ import annotations

import pytest

from ui import url_state
from links import open_with
from ui.catalog import list_models
from ui.teaching.lesson import STEPS

PRETRAINED = {m.name: m for m in list_models() if m.pretrained}


def test_a_link_restores_model_language_and_presenter_mode():
    at = open_with("views/home.py", model="digits-vae-2d", lang="zh", present="1")
    assert not at.exception and not at.toast
    assert at.selectbox(key="model_path").value == PRETRAINED["digits-vae-2d"].path
    assert at.title[0].value == "VAE 学到了什么？"
    assert at.toggle(key="present").value is True
    assert dict(at.query_params) == {"model": "digits-vae-2d", "lang": "zh", "present": "1"}


def test_the_url_follows_the_widgets():
    at = open_with("views/home.py")
    assert at.query_params["model"] == at.selectbox(key="model_path").value.rsplit("/", 1)[-1]
    assert "lang" not in at.query_params and "present" not in at.query_params  # defaults keep the URL clean
    at.selectbox(key="model_path").set_value(PRETRAINED["fashion-vae"].path).run()
    at.toggle(key="present").set_value(True).run()
    assert at.query_params["model"] == "fashion-vae" and at.query_params["present"] == "1"
    at.toggle(key="present").set_value(False).run()
    assert "present" not in at.query_params


@pytest.mark.parametrize("params, bad", [
    ({"model": "no-such-run"}, "model"),
    ({"model": "../../etc"}, "model"),
    ({"lang": "fr"}, "lang"),
    ({"present": "maybe"}, "present"),
    ({"step": "0"}, "step"),
    ({"step": "x" * 5000}, "step"),
])
def test_a_bad_parameter_falls_back_with_one_notice(params, bad):
    at = open_with("views/home.py", **params)
    assert not at.exception
    assert len(at.toast) == 1 and f"{bad}=" in at.toast[0].value
    assert at.selectbox(key="model_path").value == list_models()[0].path
    assert at.query_params.get(bad) != params[bad]


def test_a_link_is_applied_once_then_the_widget_owns_the_value():
    at = open_with("views/home.py", model="digits-vae-2d")
    at.selectbox(key="model_path").set_value(PRETRAINED["digits-cvae"].path).run()
    at.run()  # a rerun must not bring the link's model back
    assert at.selectbox(key="model_path").value == PRETRAINED["digits-cvae"].path
    assert at.query_params["model"] == "digits-cvae"


def test_parsers_accept_what_the_page_offers_and_refuse_the_rest():
    assert url_state.numbers(3, -3, 3)("0.5,-1,2") == [0.5, -1.0, 2.0]
    for bad in ["0.5,1", "0.5,1,2,3", "0.5,nan,1", "0.5,inf,1", "1,2,9", "a,b,c", ""]:
        with pytest.raises(ValueError):
            url_state.numbers(3, -3, 3)(bad)
    assert url_state.integer(0, 9)(" 7 ") == 7
    for bad in ["10", "-1", "1.5", "seven"]:
        with pytest.raises(ValueError):
            url_state.integer(0, 9)(bad)
    assert url_state.choice({"pca": "pca"})("pca") == "pca"
    with pytest.raises(ValueError):
        url_state.choice({"pca": "pca"})("PCA")
    assert url_state.code_text([0.5, -1.25, 0.001, -0.001, 2]) == "0.5,-1.25,0,0,2"
    assert url_state.numbers(5, -3, 3)(url_state.code_text([0.5, -1.25, 0.001, -0.001, 2])) == [0.5, -1.25, 0, 0, 2]


def test_a_lesson_step_shows_its_card_on_the_page(monkeypatch):
    monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", "zh")  # AppTest formats widget values outside the run
    n = next(i for i, step in enumerate(STEPS, 1) if step.name == "map")
    at = open_with(STEPS[n - 1].page, **STEPS[n - 1].query(n, "zh"))
    assert not at.exception and not at.toast
    assert any("潜空间地图" in m.value for m in at.markdown)
    assert not at.button(key="lesson_previous").disabled and not at.button(key="lesson_next").disabled
    at.button(key="lesson_end").click().run()
    assert "step" not in at.query_params
    assert not [b for b in at.button if b.key in ("lesson_next", "lesson_previous")]
