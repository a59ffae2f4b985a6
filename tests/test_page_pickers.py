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
