"""The latent traversal page: it runs for every model in both languages, its widgets change what is
drawn, and its figures and labels hold what they claim."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from ui.catalog import list_models
from ui.i18n import table
from ui.images import gif_bytes, png_bytes, rgb_uint8, to_pil
from ui.loaders import model_for
from ui.parts.traversal import grid_figure, mosaic
from vae.config import TrainConfig
from vae.explore.grids import grid_pil
from vae.metrics.disentanglement import naming
from vae.explore.latent import decode_path, factor_entropy
from vae.training.trainer import train

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "traversal.py")
PRETRAINED = [m.name for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time
# Tiny runs of our own, so the tests never wait for assets/: (model fields, train fields).
TINY = {
    "tiny-digits": (dict(family="vae", arch="mlp", hidden=(32,), latent_dim=4), dict(dataset="digits")),
    "tiny-cvae": (dict(family="cvae", arch="mlp", hidden=(32,), latent_dim=3), dict(dataset="digits")),
    "tiny-vqvae": (dict(family="vqvae", arch="conv", hidden=(8, 8), latent_dim=4, codebook_size=16),
                   dict(dataset="digits", image_size=16)),
    "tiny-shapes": (dict(family="vae", arch="conv", hidden=(8, 8), latent_dim=3, conv_fc=32),
                    dict(dataset="shapes", image_size=16)),
}


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """Train the tiny runs once and point the app's catalog at them (VAE_RUNS_DIR)."""
    root = tmp_path_factory.mktemp("runs")
    for name, (model_fields, train_fields) in TINY.items():
        config = TrainConfig(epochs=1, batch_size=64, limit=128, device="cpu", grid_images=16, **train_fields)
        train(model_fields, config, root / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VAE_RUNS_DIR", str(root))
        yield root


def entry_named(name: str):
    return next(m for m in list_models() if m.name == name)


def page(name: str, lang: str = "en", start: str = "prior") -> AppTest:
    """The page from the prior mean (the page itself opens on a test picture: tests/test_url_pages.py)."""
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["model_path"] = entry_named(name).path
    at.session_state["lang"] = lang
    at.session_state["trav_start"] = start
    return at.run()


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", PRETRAINED + list(TINY))
def test_page_runs_for_every_model(runs, name, lang):
    entry = entry_named(name)
    at = page(name, lang)
    assert not at.exception
    if not entry.kind.posterior:
        assert at.info and not at.slider and not at.get("plotly_chart")
        return
    assert sorted(s.key for s in at.slider if s.key.startswith("z")) == sorted(f"z{d}" for d in range(entry.latent_dim))
    assert len(at.image) == 1
    assert len(at.get("download_button")) >= 2  # the GIF of the scrubbed dimension and the grid PNG


def test_slider_changes_picture_and_reset_restores_it(runs):
    at = page("tiny-digits")
    before = at.image[0].proto.SerializeToString()
    top = at.slider[0].key  # the most used dimension comes first
    at.slider(key=top).set_value(2.5).run()
    assert not at.exception
    assert at.image[0].proto.SerializeToString() != before
    at.button(key="trav_reset").click().run()
    assert at.slider(key=top).value == 0.0
    assert at.image[0].proto.SerializeToString() == before


def test_start_from_test_image_puts_the_thumbs_at_its_code(runs):
    at = page("tiny-digits")
    at.get("button_group")[0].set_value("image").run()
    assert not at.exception
    assert len(at.image) == 2  # the decoded picture and the start image
    sliders = [s for s in at.slider if s.key.startswith("z")]
    assert any(s.value != 0 for s in sliders)
    for s in sliders:
        assert (s.min, s.max) == (min(-3.0, round(s.value, 2)), max(3.0, round(s.value, 2)))  # same limits for all
    at.selectbox(key="trav_class").set_value(3).run()
    assert not at.exception and at.number_input(key="trav_index").max < 1000


def test_conditional_vae_draws_the_chosen_class(runs):
    at = page("tiny-cvae")
    before = at.image[0].proto.SerializeToString()
    at.selectbox(key="trav_y_prior").set_value(7).run()
    assert not at.exception and at.image[0].proto.SerializeToString() != before




def test_grid_figure_names_rows_and_hovers_each_cell():
    images = torch.rand(3, 5, 1, 8, 8)
    hover = [[f"z{r} (KL 1.00 nats): value {v:+.2f}" for v in range(5)] for r in range(3)]
    fig = grid_figure(images, ["z2 · shape", "z0", "z1 · collapsed"], [str(v) for v in range(5)], hover, "value")
    assert list(fig.layout.yaxis.ticktext) == ["z2 · shape", "z0", "z1 · collapsed"]
    layer = next(tr for tr in fig.data if tr.type == "heatmap")
    assert np.asarray(layer.text).shape == (3, 5) and layer.text[2][4] == hover[2][4]
    picture = mosaic(images, scale=2)
    assert picture.shape == (3 * 18 - 2, 5 * 18 - 2) and picture.dtype == np.uint8  # gray stays one channel
    cell = (images[2, 4, 0] * 255).round().byte().numpy().repeat(2, 0).repeat(2, 1)
    assert np.array_equal(picture[36:52, 72:88], cell)  # row 2, column 4: after two (16 + 2 px) pitches
    assert (picture[16:18] == 255).all() and (picture[:, 16:18] == 255).all()  # white gaps between cells
    colour = mosaic(torch.rand(2, 3, 3, 8, 8), scale=1)
    assert colour.shape == (2 * 10 - 2, 3 * 10 - 2, 3)


def scrub_data(at: AppTest) -> dict:
    (element,) = [e for e in at.get("bidi_component") if e.key == "trav_scrub"]
    return json.loads(element.proto.json)


def png_pixels(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.removeprefix("data:image/png;base64,")))))


def test_scrubber_frames_are_the_code_moved_along_the_chosen_number(runs):
    at = page("tiny-digits")
    entry = entry_named("tiny-digits")
    data = scrub_data(at)
    dim = at.selectbox(key="trav_scrub_dim").value
    z = torch.tensor([at.slider(key=f"z{d}").value for d in range(entry.latent_dim)])
    assert len(data["frames"]) == len(data["values"]) == 41 and data["active"] == 20
    assert data["values"][20] == pytest.approx(float(z[dim]), abs=1e-6)  # the middle frame is the code itself
    assert data["values"][0] == pytest.approx(float(z[dim]) - 3, abs=1e-5) and data["prefix"] == f"z{dim} = "
    model = model_for(entry)
    for i in (0, 20, 40):  # each frame: that value decoded, at the model's own size (the page enlarges it)
        moved = z.clone()
        moved[dim] = data["values"][i]
        expected = rgb_uint8(decode_path(model, moved[None], None)[0])[..., 0]
        assert np.array_equal(png_pixels(data["frames"][i]), expected)
    # Moving a server slider sends new frames; another number to scrub, that number's frames.
    at.slider(key=f"z{dim}").set_value(round(float(z[dim]) + 1, 2)).run()
    assert scrub_data(at)["values"][20] == pytest.approx(float(z[dim]) + 1, abs=0.01)
    other = next(d for d in range(entry.latent_dim) if d != dim)
    at.selectbox(key="trav_scrub_dim").set_value(other).run()
    assert not at.exception and scrub_data(at)["prefix"] == f"z{other} = "


def test_page_grid_names_its_rows(runs):
    at = page("tiny-digits")
    grid = next(c for c in charts(at) if len(c["data"]) == 2)
    text = grid["data"][1]["text"]
    assert len(text) == 4 and len(text[0]) == 11
    assert text[0][0].startswith(grid["layout"]["yaxis"]["ticktext"][0]) and "KL" in text[0][0]
    # The second grid defaults to another model of the same dataset (here a digits model).
    compare = next(s for s in at.selectbox if s.key.startswith("trav_compare"))
    assert compare.value and next(m for m in list_models() if m.path == compare.value).dataset == "digits"


def test_the_estimate_names_a_copied_factor_and_calls_a_blend_mixed():
    generator = torch.Generator().manual_seed(0)
    factors = torch.stack([torch.randint(0, k, (3000,), generator=generator) for k in (3, 6, 20)], dim=1)
    codes = torch.randn(3000, 4, generator=generator)
    codes[:, 0] = factors[:, 2] / 20 + 0.01 * codes[:, 0]  # dimension 0 copies factor 2
    codes[:, 2] = factors[:, 0].float() + 0.01 * codes[:, 2]  # dimension 2 copies factor 0
    codes[:, 3] = factors[:, 1].float() / 6 + factors[:, 2].float() / 20  # dimension 3 blends factors 1 and 2
    share = naming.estimate_share(codes, factors)
    assert factor_entropy(factors) == pytest.approx(np.log([3, 6, 20]), abs=0.05)
    roles = naming.dimension_roles(share)
    assert roles[0] == naming.DimensionRole("factor", (2,)) and roles[2] == naming.DimensionRole("factor", (0,))
    assert roles[1] == naming.DimensionRole("unused")  # noise
    assert roles[3].kind == "mixed" and set(roles[3].factors) == {1, 2}


def test_shapes_compare_and_factor_heatmap(runs):
    at = page("tiny-shapes")
    assert not at.exception
    # The tiny shapes run is compared with a pretrained shapes model when one exists; MI heatmaps appear.
    specs = charts(at)
    assert any(s["data"][0].get("colorscale") and s["layout"]["xaxis"].get("side") == "top" for s in specs)
    compare = next(s for s in at.selectbox if s.key.startswith("trav_compare"))
    compare.set_value("").run()
    assert not at.exception
    assert sum(1 for s in charts(at) if not s.get("frames") and len(s["data"]) == 2) == 1


def test_vqvae_suggests_other_models_instead_of_failing(runs):
    at = page("tiny-vqvae")
    assert not at.exception and not at.error
    assert at.info[0].value == table()["traversal_not_gaussian"][0]
    assert any(b.key and b.key.startswith("suggest-") for b in at.button)


def test_download_builders_give_png_and_gif():
    images = torch.rand(2, 5, 1, 8, 8)
    assert png_bytes(grid_pil(images.flatten(0, 1), nrow=5)).startswith(b"\x89PNG")
    assert gif_bytes([to_pil(image, 64) for image in images[0]]).startswith(b"GIF8")


def test_every_string_has_both_languages_with_the_same_placeholders():
    from string import Formatter

    from ui.strings.traversal import STRINGS

    for key, (english, chinese) in STRINGS.items():
        assert key.startswith("traversal_") and english and chinese
        names = lambda s: {f for _, f, _, _ in Formatter().parse(s) if f}  # noqa: E731
        assert names(english) == names(chinese), key
