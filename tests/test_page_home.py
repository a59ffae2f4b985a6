"""The home page: runs for every model in both languages, and "new samples" draws new samples."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui.catalog import list_models

PRETRAINED = [m for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time
TINY = ["tiny-vae", "tiny-cvae", "tiny-vqvae"]


@pytest.fixture
def open_page(open_page):
    """open_page(model_path, lang) -> this page after its first run with that model and language
    (the tiny runs are tests/conftest.py's)."""
    return lambda model_path, lang="en": open_page("views/home.py", model_path, lang, timeout=60)


def check_page(at: AppTest, lang: str) -> None:
    assert not at.exception
    assert at.title[0].value == ("What does a VAE learn?" if lang == "en" else "VAE 学到了什么？")
    assert len(at.image) == (1 if at.warning else 2)  # samples, reconstructions (unless the data is absent)
    first = at.image[0].value
    at.button(key="home_resample").click().run()
    assert not at.exception and at.image[0].value != first


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("entry", PRETRAINED, ids=[m.name for m in PRETRAINED])
def test_runs_for_every_pretrained_model(open_page, entry, lang):
    check_page(open_page(entry.path, lang), lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", TINY)
def test_runs_for_tiny_runs(open_page, runs, name, lang):
    at = open_page(runs / name, lang)
    assert at.selectbox(key="model_path").value == str(runs / name)
    check_page(at, lang)


def test_new_samples_keep_the_reconstructions(open_page, runs):
    at = open_page(runs / "tiny-vae")
    samples, recons = at.image[0].value, at.image[1].value
    at.button(key="home_resample").click().run()
    assert at.image[0].value != samples and at.image[1].value == recons


def test_vq_samples_come_from_the_learned_prior_when_there_is_one(open_page, runs, media):
    import io

    import numpy as np
    import torch
    from PIL import Image

    from vae.training.checkpoint import load_model
    from vae.explore.grids import grid_pil
    from vae.models.prior import load_prior, sample_prior

    vq = next(m for m in PRETRAINED if m.name == "digits-vqvae")  # ships with prior.safetensors
    at = open_page(vq.path)
    assert any("learned prior" in c.value for c in at.caption)
    model = load_model(vq.path)
    codes = sample_prior(load_prior(vq.path, model), 32, 1.0, torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = grid_pil(model.decode_indices(codes), nrow=8)
    shown = Image.open(io.BytesIO(media[at.image[0].value[0]]))
    assert np.array_equal(np.asarray(shown.convert("L")), np.asarray(expected.convert("L")))
    at = open_page(runs / "tiny-vqvae")  # no prior: codes drawn by how often training used them
    assert any("how often training used it" in c.value for c in at.caption)
