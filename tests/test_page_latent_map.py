"""The latent map page: it runs for every model in both languages, its widgets change the figures,
a click on the map picks the right test picture, and the 2-D manifold appears only for 2-D models."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from ui.catalog import list_models
from ui.parts.latent_map import colour_options, Codes, default_points, point_choices, selected_test_index
from ui.strings.latent_map import STRINGS
from vae.config import TrainConfig
from vae.data import load_split
from vae.explore.latent import fraction_within, posterior_samples, prior_fraction_within
from vae.training.trainer import train

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "latent_map.py")
PRETRAINED = [m.name for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time
# Tiny runs of our own, so the tests never wait for assets/: (model fields, train fields).
TINY = {
    "tiny-2d": (dict(family="vae", arch="mlp", hidden=(32,), latent_dim=2), dict(dataset="digits")),
    "tiny-cvae-2d": (dict(family="cvae", arch="mlp", hidden=(32,), latent_dim=2), dict(dataset="digits")),
    "tiny-vqvae": (dict(family="vqvae", arch="conv", hidden=(8, 8), latent_dim=4, codebook_size=16),
                   dict(dataset="digits", image_size=16)),
    "tiny-shapes": (dict(family="vae", arch="mlp", hidden=(32,), latent_dim=4), dict(dataset="shapes", image_size=16)),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Train the tiny runs once and point the app's catalog at them (VAE_RUNS_DIR)."""
    root = tmp_path_factory.mktemp("map-runs")
    for name, (model_fields, train_fields) in TINY.items():
        config = TrainConfig(epochs=1, batch_size=64, limit=128, device="cpu", grid_images=16, **train_fields)
        train(model_fields, config, root / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VAE_RUNS_DIR", str(root))
        yield root


def entry_named(name: str):
    return next(m for m in list_models() if m.name == name)


def page(name: str, lang: str = "en", **state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["model_path"] = entry_named(name).path
    at.session_state["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def array(value) -> np.ndarray:
    """A figure array as plotly writes it: a plain list, or a typed array {"dtype", "bdata"[, "shape"]}."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        return flat.reshape([int(s) for s in str(shape).split(",")]) if shape else flat
    return np.asarray(value)


def map_points(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """All (x, y) and test indices of the map's dot traces (the ring of a picked point left out)."""
    traces = [d for d in spec["data"] if d["type"] == "scattergl" and d.get("hoverinfo") != "skip"]
    xy = np.concatenate([np.stack([array(d["x"]), array(d["y"])], 1) for d in traces])
    index = np.concatenate([array(d["customdata"]).ravel() for d in traces])
    return xy, index


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", PRETRAINED + list(TINY))
def test_page_runs_for_every_model(runs, name, lang):
    entry = entry_named(name)
    at = page(name, lang)
    assert not at.exception
    specs = charts(at)
    assert all(d["type"] == "scattergl" for d in specs[0]["data"])
    xy, index = map_points(specs[0])
    assert len(xy) == len(set(index.tolist())) > 0
    manifold = [s for s in specs if s["layout"].get("images")]
    assert len(manifold) == (1 if entry.kind.posterior and entry.latent_dim == 2 else 0)
    if entry.kind.posterior:  # histograms against N(0, 1) and the two-dimension scatter with its circles
        assert any(d["type"] == "histogram" for s in specs for d in s["data"])
        assert len(at.get("metric")) == (2 if entry.latent_dim >= 2 else 0)
    else:
        assert at.info  # the one-line note instead of the prior comparison
    assert at.title[0].value == ("Latent map" if lang == "en" else "潜空间地图")


def test_switching_pca_and_tsne_changes_the_map(runs):
    at = page("tiny-shapes", map_points=100)
    pca, _ = map_points(charts(at)[0])
    assert charts(at)[0]["layout"]["xaxis"]["title"]["text"] == "PC 1"
    at.segmented_control(key="map_method").set_value("tsne").run()
    assert not at.exception
    tsne, index = map_points(charts(at)[0])
    assert charts(at)[0]["layout"]["xaxis"]["title"]["text"] == "t-SNE 1"
    assert len(tsne) == len(pca) == 100 and sorted(index.tolist()) == list(range(100))
    assert not np.allclose(np.sort(pca, 0), np.sort(tsne, 0))


def test_number_of_points_changes_the_map(runs):
    at = page("tiny-shapes")
    assert len(map_points(charts(at)[0])[0]) == 2000  # all of the shapes test set (< the 3,000 default)
    at.select_slider(key="map_points").set_value(250).run()
    assert len(map_points(charts(at)[0])[0]) == 250


def test_colour_by_a_ground_truth_factor(runs):
    at = page("tiny-shapes", map_points=100)
    options = at.selectbox(key="map_colour").options
    assert options[0] == "Class" and "size" in options and "shape" not in options  # shape is the class; names translated
    classes = charts(at)[0]["data"]
    assert [d["name"] for d in classes] == ["square", "ellipse", "heart"]
    at.selectbox(key="map_colour").set_value("scale").run()
    (trace,) = charts(at)[0]["data"]
    assert trace["marker"]["colorbar"]["title"]["text"] == "size" and len(array(trace["marker"]["color"])) == 100


def test_picked_point_shows_picture_reconstruction_and_code(runs):
    entry = entry_named("tiny-shapes")
    at = page("tiny-shapes", map_points=100, map_picked=(entry.path, 42))
    assert not at.exception
    assert len(at.image) == 2 and at.image[0].proto.imgs[0].url.endswith(".png")
    ring = [d for d in charts(at)[0]["data"] if d.get("hoverinfo") == "skip"]
    assert ring and ring[0]["customdata"] == [42]
    assert "#42" in at.subheader[0].value and any("| z1 | " in m.value for m in at.markdown)
    at = page("tiny-shapes", map_picked=("/another/model", 42))  # a pick of another model is forgotten
    assert not at.image and at.info


def test_selection_event_picks_the_test_image():
    event = {"selection": {"points": [{"curve_number": 3, "point_index": 7, "x": 0.1, "y": 2.0, "customdata": [123]}],
                           "point_indices": [7], "box": [], "lasso": []}}
    assert selected_test_index(event) == 123
    assert selected_test_index(event["selection"]) == 123  # the selection part alone
    assert selected_test_index({"selection": {"points": [{"customdata": 9}]}}) == 9  # a scalar customdata
    assert selected_test_index({"selection": {"points": [{"x": 1}, {"customdata": [4]}]}}) == 4
    assert selected_test_index({"selection": {"points": [], "point_indices": []}}) is None
    assert selected_test_index(None) is None and selected_test_index({}) is None


def test_selection_on_a_real_figure_maps_back_to_its_image(runs):
    """A point of the drawn map, as plotly reports it, names the test image it was drawn for."""
    at = page("tiny-shapes", map_points=250)
    spec = charts(at)[0]
    curve = spec["data"][1]  # the second class
    custom = array(curve["customdata"])
    point = {"curve_number": 1, "point_index": 5, "x": float(array(curve["x"])[5]),
             "y": float(array(curve["y"])[5]), "customdata": int(custom[5])}  # what plotly.js sends back
    index = selected_test_index({"selection": {"points": [point]}})
    assert index == custom[5] and index < 250
    test = load_split(TrainConfig(dataset="shapes", image_size=16), "test")
    assert curve["name"] == "ellipse" and test.labels[index] == 1  # that picture is of the curve's class


def test_manifold_widgets_change_the_picture(runs):
    at = page("tiny-2d")
    (manifold,) = [s for s in charts(at) if s["layout"].get("images")]
    assert manifold["layout"]["xaxis"]["title"]["text"] == "z0" and manifold["layout"]["yaxis"]["title"]["text"] == "z1"
    assert any(d["type"] == "scattergl" for d in manifold["data"])
    at.slider(key="map_manifold_steps").set_value(10).run()
    at.toggle(key="map_manifold_points").set_value(False).run()
    (after,) = [s for s in charts(at) if s["layout"].get("images")]
    assert after["layout"]["images"][0]["source"] != manifold["layout"]["images"][0]["source"]
    assert not any(d["type"] == "scattergl" for d in after["data"])


def test_cvae_manifold_decodes_the_chosen_class(runs):
    at = page("tiny-cvae-2d")
    def source() -> str:
        return [s for s in charts(at) if s["layout"].get("images")][0]["layout"]["images"][0]["source"]

    before = source()
    at.selectbox(key="map_manifold_class").set_value(3).run()
    assert not at.exception and source() != before


def test_prior_view_switches_between_means_and_samples(runs):
    at = page("tiny-shapes")
    histograms = lambda: [d["x"] for s in charts(at) for d in s["data"] if d["type"] == "histogram"]  # noqa: E731
    means = histograms()
    assert len(means) == 4  # every number of a 4-D code
    at.radio(key="map_prior_values").set_value("sample").run()
    assert histograms() != means


def test_manifold_cells_sit_at_their_grid_values():
    from ui.parts.latent_map import MANIFOLD_PAD, manifold_extent, manifold_picture

    steps, span, side = 5, 2.0, 8
    picture = manifold_picture(torch.zeros(steps, steps, 1, side, side))
    low, high = manifold_extent(picture.width, steps, span)
    cell = (picture.width - MANIFOLD_PAD) / steps
    centres = [MANIFOLD_PAD + i * cell + (cell - MANIFOLD_PAD) / 2 for i in range(steps)]
    on_axis = [low + c / picture.width * (high - low) for c in centres]
    assert np.allclose(on_axis, np.linspace(-span, span, steps))


def test_point_choices_and_colour_options():
    assert point_choices(360) == [100, 250, 360] and default_points([100, 250, 360]) == 360
    assert point_choices(70_000)[-1] == 10_000 and default_points(point_choices(70_000)) == 3000
    codes = Codes(np.zeros((4, 2)), None, np.array([0, 1, 2, 0]), np.array([[0, 5], [1, 3], [2, 1], [0, 0]]))
    assert colour_options(codes, ("shape", "scale")) == ["class", "scale"]
    assert colour_options(Codes(np.zeros((4, 2)), None, None, None), ()) == []


def test_prior_fractions_match_the_normal_distribution():
    expected = torch.tensor([1 - np.exp(-0.5), 1 - np.exp(-2)], dtype=torch.float32)  # 2-D: 1 − exp(−r²/2)
    assert torch.allclose(prior_fraction_within([1.0, 2.0], 2), expected)
    assert torch.allclose(prior_fraction_within([1.0, 2.0], 1), torch.tensor([0.6827, 0.9545]), atol=1e-4)
    z = torch.randn(200_000, 2, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(fraction_within(z, [1.0, 2.0]), prior_fraction_within([1.0, 2.0], 2), atol=5e-3)
    mu, logvar = torch.full((50_000, 3), 2.0), torch.full((50_000, 3), float(np.log(0.25)))
    samples = posterior_samples(mu, logvar, seed=1)
    assert torch.allclose(samples.mean(0), mu[0], atol=0.01)
    assert torch.allclose(samples.std(0), torch.full((3,), 0.5), atol=0.01)
    assert torch.equal(samples, posterior_samples(mu, logvar, seed=1))


def test_strings_have_both_languages_with_the_same_placeholders():
    for key, (english, chinese) in STRINGS.items():
        assert key.startswith("map_") and english and chinese
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", chinese)), key


def test_tsne_is_read_from_the_file_the_run_ships(runs):
    """A t-SNE stored for these weights is drawn as stored (no 20-second wait); a stale one is computed again."""
    import shutil

    import streamlit as st

    from vae.precompute.pages import MAP_STORE, map_settings
    from vae.precompute.store import save_stored

    copy = shutil.copytree(runs / "tiny-shapes", runs / "tiny-shapes-shipped")
    try:
        known = torch.stack([torch.arange(100.0), -torch.arange(100.0)], 1)  # a line no t-SNE draws
        save_stored(copy, MAP_STORE, {"tsne|100": known}, map_settings())
        st.cache_data.clear()
        at = page("tiny-shapes-shipped", map_points=100, map_method="tsne")
        xy, index = map_points(charts(at)[0])
        assert not at.exception and np.allclose(xy, known.numpy()[index])
        save_stored(copy, MAP_STORE, {"tsne|100": known}, {**map_settings(), "seed": 1})  # other settings: stale
        st.cache_data.clear()
        at = page("tiny-shapes-shipped", map_points=100, map_method="tsne")
        xy, index = map_points(charts(at)[0])
        assert not at.exception and not np.allclose(xy, known.numpy()[index])
    finally:
        shutil.rmtree(copy)
