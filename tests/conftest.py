"""Shared by the core tests: one tiny config per model family, and a fixed batch of digits."""

from __future__ import annotations

import pytest
import torch

from vae.config import ModelConfig

torch.set_num_threads(1)  # tiny models: a second thread only adds overhead, and the CPU is shared

# Every family (and the variants that are only config fields), as tiny as still makes sense.
FAMILIES = {
    "vae-mlp": dict(family="vae", arch="mlp"),
    "vae-conv": dict(family="vae", arch="conv"),
    "beta-vae": dict(family="vae", arch="mlp", beta=4.0),
    "capacity": dict(family="vae", arch="mlp", capacity_max=5.0, capacity_gamma=10.0, capacity_steps=100),
    "tcvae": dict(family="tcvae", arch="mlp", beta=6.0, dataset_size=1000),
    "cvae-mlp": dict(family="cvae", arch="mlp", num_classes=10),
    "cvae-conv": dict(family="cvae", arch="conv", num_classes=10),
    "vqvae": dict(family="vqvae", arch="conv", codebook_size=16),
    "adagvae": dict(family="adagvae", arch="conv", beta=4.0),  # on single pictures: its β-VAE test loss
}


def tiny_config(name: str, image_shape=(1, 8, 8), **changes) -> ModelConfig:
    """The named family with hidden (32,) (two 8-channel conv stages), latent 4."""
    fields = dict(FAMILIES[name])
    hidden = (8, 8) if fields["arch"] == "conv" else (32,)
    return ModelConfig(**{"image_shape": image_shape, "hidden": hidden, "latent_dim": 4, "conv_fc": 32,
                          **fields, **changes})


@pytest.fixture
def tiny():
    """The tiny_config factory: tiny(name, image_shape=(1, 8, 8), **changes) -> ModelConfig."""
    return tiny_config


@pytest.fixture(params=list(FAMILIES))
def family(request) -> str:
    """Each family's name in FAMILIES in turn."""
    return request.param


@pytest.fixture(scope="session")
def digits_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """32 training digits (32, 1, 8, 8) in [0, 1] and their labels (32,)."""
    from vae.data import load_dataset

    data = load_dataset("digits", "train", limit=32)
    return data.images, data.labels


# --- Page tests (AppTest) ------------------------------------------------------------------------

@pytest.fixture
def media(monkeypatch) -> dict[str, bytes]:
    """Every file a page hands Streamlit, by URL, so a test can open the picture it serves:
    media[at.image[i].value[0]] -> PNG bytes."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    files: dict[str, bytes] = {}
    add = MediaFileManager.add

    def recording_add(self, data, mimetype, coordinates, *args, **kwargs):
        url = add(self, data, mimetype, coordinates, *args, **kwargs)
        files[url] = data
        return url

    monkeypatch.setattr(MediaFileManager, "add", recording_add)
    return files


@pytest.fixture
def open_page(monkeypatch):
    """open_page("views/x.py", model_path, lang="en", **session_state) -> the page after its first run."""
    from streamlit.testing.v1 import AppTest

    from ui.catalog import ROOT

    def opener(page: str, model_path, lang: str = "en", timeout: float = 120, **state):
        # AppTest reads widget values back through their format_func (the model picker's labels) outside
        # the script run, where session state is empty: the test process must default to the same language.
        monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", lang)
        at = AppTest.from_file(str(ROOT / page), default_timeout=timeout)
        at.session_state["lang"] = lang
        at.session_state["model_path"] = str(model_path)
        for key, value in state.items():
            at.session_state[key] = value
        return at.run()

    return opener


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory):
    """Finished one-epoch runs on 200 digits, trained once per test session: tiny-vae, tiny-cvae
    (MLP, latent 3), tiny-vqvae (conv, 16×16 images, 4×4 grid of 16 codes). Point VAE_RUNS_DIR at
    this folder (monkeypatch.setenv) to offer them in the app's model picker."""
    from vae.config import TrainConfig
    from vae.training.trainer import train

    root = tmp_path_factory.mktemp("tiny-runs")
    config = TrainConfig(dataset="digits", limit=200, epochs=1, batch_size=50, device="cpu", grid_images=16)
    train(dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3), config, root / "tiny-vae")
    train(dict(family="cvae", arch="mlp", hidden=(32,), latent_dim=3), config, root / "tiny-cvae")
    train(dict(family="vqvae", arch="conv", hidden=(8, 8), latent_dim=4, codebook_size=16),
          config.replace(image_size=16), root / "tiny-vqvae")
    return root


@pytest.fixture
def runs(tiny_runs, monkeypatch):
    """The tiny runs, offered in the app's model picker (VAE_RUNS_DIR points at them). Page tests that
    need other runs define their own `runs`."""
    monkeypatch.setenv("VAE_RUNS_DIR", str(tiny_runs))
    return tiny_runs


SERVER_LOG_LINES = 80


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test carries the tail of its app server's log (browser_server.StreamlitServer.log): a page
    that drew nothing in time says why only there, and a flake seen once in CI cannot be rerun."""
    outcome = yield
    report = outcome.get_result()
    log = getattr(getattr(item, "funcargs", {}).get("streamlit_server"), "log", None)
    if report.failed and log is not None and log.is_file():
        tail = log.read_text(errors="replace").splitlines()[-SERVER_LOG_LINES:]
        report.sections.append(("app server log (last lines)", "\n".join(tail)))
