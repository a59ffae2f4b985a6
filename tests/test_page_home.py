"""The home page: runs for every model in both languages, and "new samples" draws new samples."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui.catalog import ROOT, list_models
from vae.config import TrainConfig
from vae.train import train

PAGE = str(ROOT / "views/home.py")
PRETRAINED = [m for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time
TINY = ["tiny-vae", "tiny-cvae", "tiny-vqvae"]


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """One finished tiny run per kind of sampler (prior, class-conditional, codebook), on digits."""
    root = tmp_path_factory.mktemp("runs")
    config = TrainConfig(dataset="digits", limit=200, epochs=1, batch_size=50, device="cpu", grid_images=16)
    train(dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3), config, root / "tiny-vae")
    train(dict(family="cvae", arch="mlp", hidden=(32,), latent_dim=3), config, root / "tiny-cvae")
    train(dict(family="vqvae", arch="conv", hidden=(8, 8), latent_dim=4, codebook_size=16), config,
          root / "tiny-vqvae")
    return root


@pytest.fixture
def runs(tiny_runs, monkeypatch):
    monkeypatch.setenv("VAE_RUNS_DIR", str(tiny_runs))
    return tiny_runs


@pytest.fixture
def open_page(monkeypatch):
    """open_page(model_path, lang) -> the page after its first run with that model and language."""

    def opener(model_path, lang: str = "en") -> AppTest:
        # AppTest reads widget values back through their format_func (the model picker's labels) outside
        # the script run, where session state is empty: the test process must default to the same language.
        monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", lang)
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["lang"] = lang
        at.session_state["model_path"] = str(model_path)
        return at.run()

    return opener


def check_page(at: AppTest, lang: str) -> None:
    assert not at.exception
    assert at.title[0].value == ("What does a VAE learn?" if lang == "en" else "VAE 学到了什么?")
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
