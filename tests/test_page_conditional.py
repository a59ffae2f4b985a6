"""The conditional sampling page: runs for every model in both languages, draws the chosen class on the
grid it promises, reacts to temperature and seed, and points non-conditional models elsewhere."""

from __future__ import annotations

import io

import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from ui.catalog import list_models
from vae.training.checkpoint import load_model
from vae.explore.latent import decode_every_class, decode_path, prior_codes, sample_class

PRETRAINED = [m for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time


@pytest.fixture
def open_page(open_page):
    """open_page(model_path, lang) -> this page after its first run with that model and language
    (the tiny runs are tests/conftest.py's)."""
    return lambda model_path, lang="en": open_page("views/conditional.py", model_path, lang, timeout=60)


def picture(at: AppTest, media: dict[str, bytes], i: int) -> Image.Image:
    return Image.open(io.BytesIO(media[at.image[i].value[0]]))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("entry", PRETRAINED, ids=[m.name for m in PRETRAINED])
def test_runs_for_every_pretrained_model(open_page, entry, lang):
    at = open_page(entry.path, lang)
    assert not at.exception
    if entry.num_classes:
        assert len(at.image) == 4  # class grid, style grid, original, restyled strip
    else:
        assert len(at.info) == 1 and not at.image


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tiny_cvae_in_both_languages(open_page, runs, lang):
    at = open_page(runs / "tiny-cvae", lang)
    assert not at.exception and not at.warning
    assert at.title[0].value == ("Conditional sampling: choose the class" if lang == "en" else "条件采样：指定类别")
    assert len(at.image) == 4
    assert len(at.get("download_button")) == 3


def test_class_grid_builder_decodes_every_sample_with_the_class(runs):
    model = load_model(runs / "tiny-cvae")
    images = sample_class(model, 3, 7, temperature=0.8, seed=5)
    assert images.shape == (7, 1, 8, 8)
    z = prior_codes(7, model.latent_dim, 0.8, 5)
    assert torch.allclose(images, decode_path(model, z, 3))
    assert not torch.allclose(images, decode_path(model, z, 4))
    # decode_every_class: row r, column k is code r drawn as class k
    every = decode_every_class(model, z[:2])
    assert every.shape == (2, 10, 1, 8, 8)
    assert torch.allclose(every[:, 3], images[:2], atol=1e-6)


def test_page_picture_is_the_promised_grid(open_page, runs, media):
    at = open_page(runs / "tiny-cvae")
    grid = picture(at, media, 0)
    pitch = (grid.width - 2) / 10  # 10 columns of (cell + 2 px padding), plus the outer 2 px
    assert pitch == int(pitch) and (pitch - 2) % 8 == 0  # whole cells, enlarged by a whole factor from 8 px
    assert grid.height == 4 * pitch + 2  # 40 samples in 4 rows
    assert pitch - 2 >= 96 and grid.width <= 1460  # large, yet under st.image's shrinking limit
    styles = picture(at, media, 1)  # 6 codes × 10 classes under a band of class names
    assert styles.width == grid.width and (styles.height - (6 * pitch + 2)) in range(20, 60)
    strip = picture(at, media, 3)
    assert strip.width == grid.width and (strip.height - (pitch + 2)) in range(20, 60)


def test_class_temperature_and_seed_change_the_picture(open_page, runs):
    at = open_page(runs / "tiny-cvae")
    first = at.image[0].value
    at.selectbox(key="cond_class").set_value(7).run()
    assert at.image[0].value != first and "“7”" in at.image[0].captions[0]
    seven = at.image[0].value
    at.slider(key="cond_temperature").set_value(0.3).run()
    assert at.image[0].value != seven
    cooled = at.image[0].value
    at.number_input(key="cond_seed").set_value(12).run()
    assert at.image[0].value != cooled
    at.button(key="cond_new").click().run()
    assert at.number_input(key="cond_seed").value == 13 and not at.exception
    at.number_input(key="cond_seed").set_value(0).run()
    at.slider(key="cond_temperature").set_value(1.0).run()
    assert at.image[0].value == seven  # the same class, temperature and seed give the same samples


def test_restyle_follows_the_chosen_picture(open_page, runs):
    at = open_page(runs / "tiny-cvae")
    strip = at.image[3].value
    at.number_input(key="cond_pic_index").set_value(5).run()
    assert at.image[3].value != strip
    at.selectbox(key="cond_pic_class").set_value(9).run()
    assert "“9”" in at.image[3].captions[0] and not at.exception
    at.button(key="cond_pic_random").click().run()
    assert not at.exception and len(at.image) == 4


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_model_without_classes_gets_suggestions(open_page, runs, lang):
    at = open_page(runs / "tiny-vae", lang)
    assert not at.exception and not at.error and not at.image
    assert "conditional VAE" in at.info[0].value or "条件 VAE" in at.info[0].value
    at.button(key=f"suggest-{runs / 'tiny-cvae'}").click().run()
    assert not at.exception and len(at.image) == 4
