"""The shared class-then-picture picker (ui.pickers): after a model switch its class box shows the new
model's class names, and tells the browser to drop the label it remembers (issue 11's rough edge)."""

from __future__ import annotations

import pytest

from ui.catalog import list_models

MODELS = {m.name: m for m in list_models() if m.pretrained}


def shown(selectbox) -> str:
    """The label the class box shows: the option at its index."""
    return selectbox.options[selectbox.index]


@pytest.mark.parametrize("page,key", [("views/restore.py", "restore_class"),
                                      ("views/interpolation.py", "interp_b_class")])
def test_a_model_switch_shows_the_new_models_class_names(open_page, page, key):
    digits, fashion = MODELS["digits-vae"], MODELS["fashion-vae"]
    at = open_page(page, digits.path)
    at.selectbox(key=key).set_value(3).run()
    assert shown(at.selectbox(key=key)) == "3"
    at.session_state["model_path"] = fashion.path
    at.run()
    box = at.selectbox(key=key)
    assert not at.exception
    assert box.options == list(fashion.class_names)
    assert shown(box) in fashion.class_names and box.value in range(len(fashion.class_names))
    # The new value is sent, not only the new options: a browser that still holds "3" shows the new label.
    assert box.proto.set_value
    at.selectbox(key=key).set_value(1).run()
    assert shown(at.selectbox(key=key)) == fashion.class_names[1] and not at.selectbox(key=key).proto.set_value


def test_a_language_switch_keeps_the_chosen_class():
    """The class names are translated, so they change with the language: the choice must not start over."""
    from streamlit.testing.v1 import AppTest

    from ui.catalog import ROOT, list_models

    fashion = next(m for m in list_models() if m.name == "fashion-vae")
    at = AppTest.from_file(str(ROOT / "views/interpolation.py"), default_timeout=180)
    at.session_state["model_path"] = fashion.path
    at.run()
    at.selectbox(key="interp_a_class").set_value(3).run()
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    assert at.session_state["interp_a_class"] == 3
    assert list(at.selectbox(key="interp_a_class").proto.options)[3] == "连衣裙"  # Dress, in Chinese
