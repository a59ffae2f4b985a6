"""Each page's own query parameters: a link opens that view (the widgets hold the linked values), the URL
follows the widgets, and a value the page does not offer falls back to the default with one notice."""

from __future__ import annotations

import pytest

from links import open_with


def test_traversal_restores_start_picture_and_code():
    at = open_with("views/traversal.py", model="digits-vae", start="image", pic="17")
    assert not at.exception and not at.toast
    assert at.segmented_control(key="trav_start").value == "image"
    assert at.query_params["pic"] == "17"
    code = [float(at.session_state[f"z{d}"]) for d in range(8)]
    linked = [round(v + 0.5, 2) for v in code]
    at = open_with("views/traversal.py", model="digits-vae", start="image", pic="17", z=",".join(map(str, linked)))
    assert not at.exception and not at.toast
    assert [float(at.session_state[f"z{d}"]) for d in range(8)] == linked
    assert [float(v) for v in at.query_params["z"].split(",")] == linked


@pytest.mark.parametrize("z", ["1,2", "9,9,9,9,9,9,9,9", "a,b,c,d,e,f,g,h", "nan,0,0,0,0,0,0,0"])
def test_traversal_refuses_a_code_it_cannot_show(z):
    at = open_with("views/traversal.py", model="digits-vae", start="prior", z=z)
    assert not at.exception
    assert len(at.toast) == 1 and "z=" in at.toast[0].value
    assert [float(at.session_state[f"z{d}"]) for d in range(8)] == [0.0] * 8  # the prior mean: the default
    assert "z" not in at.query_params


def test_traversal_starts_from_a_real_picture_by_default():
    at = open_with("views/traversal.py", model="digits-vae")
    assert at.segmented_control(key="trav_start").value == "image"
    assert "start" not in at.query_params and at.query_params["pic"] == "0"


def test_interpolation_restores_both_ends_and_t():
    at = open_with("views/interpolation.py", model="digits-vae", a="5", b="40", t="0.25")
    assert not at.exception and not at.toast
    captions = " ".join(c or "" for image in at.image for c in image.captions)
    assert "#5" in captions and "#40" in captions
    assert (at.query_params["a"], at.query_params["b"], at.query_params["t"]) == ("5", "40", "0.25")
    assert at.session_state["interp_live_t"] == 0.25


def test_interpolation_refuses_an_index_past_the_test_set():
    at = open_with("views/interpolation.py", model="digits-vae", a="100000")
    assert not at.exception and len(at.toast) == 1 and "a=" in at.toast[0].value
    assert at.query_params["a"] != "100000"


def test_restore_restores_picture_and_corruption():
    at = open_with("views/restore.py", model="digits-vae", pic="12", corruption="mask", mask="left")
    assert not at.exception and not at.toast
    assert at.segmented_control(key="restore_kind").value == "mask"
    assert at.segmented_control(key="restore_mask").value == "left"
    assert (at.query_params["pic"], at.query_params["corruption"], at.query_params["mask"]) == ("12", "mask", "left")
    at.segmented_control(key="restore_kind").set_value("noise").run()
    assert at.query_params.get("corruption") is None and "mask" not in at.query_params  # the defaults


def test_latent_map_restores_method_and_picked_picture():
    at = open_with("views/latent_map.py", model="digits-vae", method="tsne", pic="3")
    assert not at.exception and not at.toast
    assert at.segmented_control(key="map_method").value == "tsne"
    assert at.query_params["method"] == "tsne" and at.query_params["pic"] == "3"
    assert any("3" in h.value for h in at.subheader)  # the picked picture's panel


def test_conditional_restores_the_class():
    at = open_with("views/conditional.py", model="digits-cvae", **{"class": "7"})
    assert not at.exception and not at.toast
    assert at.selectbox(key="cond_class").value == 7 and at.query_params["class"] == "7"
    bad = open_with("views/conditional.py", model="digits-cvae", **{"class": "12"})
    assert len(bad.toast) == 1 and bad.selectbox(key="cond_class").value == 0


def test_anomaly_restores_score_and_threshold():
    at = open_with("views/anomaly.py", model="digits-vae-no3", score="recon", threshold="20")
    assert not at.exception and not at.toast
    assert at.segmented_control(key="anom_score").value == "recon"
    assert at.slider(key="anom_threshold").value == pytest.approx(20, abs=0.5)
    assert at.query_params["score"] == "recon"


def test_presenter_mode_folds_the_fine_tuning_away():
    plain = open_with("views/interpolation.py", model="digits-vae")
    presenting = open_with("views/interpolation.py", model="digits-vae", present="1")
    assert not presenting.exception
    assert "More settings" not in [e.label for e in plain.expander]
    assert "More settings" in [e.label for e in presenting.expander]
    assert any("font-size" in h.proto.body for h in presenting.get("html"))  # the larger text
    assert not any("font-size" in h.proto.body for h in plain.get("html"))
