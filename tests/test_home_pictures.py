"""The home page's shipped pictures (vae.precompute.home_pictures): they are what the model draws, a stale, torn or foreign
file is ignored, and the first visit's home page draws from them without importing PyTorch."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image, PngImagePlugin

from ui.catalog import ROOT, list_models
from vae.precompute import home_pictures, store
from vae.training.checkpoint import load_model
from vae.data import load_split
from vae.precompute.pages import home_grid, home_recons, home_samples, precompute_home
from vae.training.runs import checkpoint_digest, read_run

SHIPPING = [m for m in list_models() if m.pretrained and home_pictures.ships(m)]


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.int16)


def shipped_pair(run_dir, num_classes: int) -> tuple[bytes | None, bytes | None]:
    drawn_with, digest = home_pictures.settings(num_classes), checkpoint_digest(run_dir)
    return tuple(home_pictures.load_picture(run_dir, name, drawn_with, digest)
                 for name in (home_pictures.SAMPLES_FILE, home_pictures.RECONS_FILE))


@pytest.mark.parametrize("entry", SHIPPING, ids=[m.name for m in SHIPPING])
def test_every_pretrained_gaussian_model_ships_its_own_drawing(entry):
    samples, recons = shipped_pair(entry.path, entry.num_classes)
    assert samples is not None and recons is not None, "rebuild with scripts/make_assets.sh (or vae precompute)"
    model = load_model(entry.path).eval()
    with torch.no_grad():
        expected_samples = home_grid(home_samples(model))
        expected_recons = home_grid(home_recons(model, load_split(entry.train, "test")))
    # Drawn on another CPU, a float may round the other way: at most one gray level apart, anywhere.
    for shown, expected in ((samples, expected_samples), (recons, expected_recons)):
        difference = np.abs(pixels(shown) - np.asarray(expected.convert("L"), dtype=np.int16))
        assert difference.max() <= 1 and difference.mean() < 0.01


@pytest.fixture
def run(tiny_runs, tmp_path):
    """Copies of the tiny runs, so the files written here reach no other test."""
    shutil.copytree(tiny_runs, tmp_path / "runs")
    return tmp_path / "runs"


def test_precompute_writes_exactly_the_drawing_and_skips_a_vq_vae(run):
    vae_dir = run / "tiny-vae"
    model, test = load_model(vae_dir).eval(), load_split(read_run(vae_dir).train, "test")
    with torch.no_grad():
        written = precompute_home(vae_dir, model, test, log=lambda line: None)
        expected = [home_grid(home_samples(model)), home_grid(home_recons(model, test))]
    assert [p.name for p in written] == ["home_samples.png", "home_recons.png"]
    for data, picture in zip(shipped_pair(vae_dir, 0), expected):
        assert np.array_equal(pixels(data), np.asarray(picture.convert("L"), dtype=np.int16))
    vq_dir = run / "tiny-vqvae"
    assert precompute_home(vq_dir, load_model(vq_dir), load_split(read_run(vq_dir).train, "test")) == []


def _png(picture: Image.Image, meta: dict | str | None) -> bytes:
    info = PngImagePlugin.PngInfo()
    if meta is not None:
        info.add_text(home_pictures.META_KEY, meta if isinstance(meta, str) else json.dumps(meta))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def test_a_stale_torn_or_foreign_file_is_ignored(run):
    run_dir = run / "tiny-vae"
    drawn_with, digest = home_pictures.settings(0), checkpoint_digest(run_dir)
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (30, 40), dtype=np.uint8))
    path = home_pictures.save_picture(run_dir, "home_samples", noise, drawn_with)
    assert home_pictures.load_picture(run_dir, "home_samples", drawn_with, digest) == path.read_bytes()
    assert home_pictures.load_picture(run_dir, "home_samples", home_pictures.settings(3), digest) is None
    assert home_pictures.load_picture(run_dir, "home_samples", drawn_with, "0" * 64) is None  # other weights
    good = {"format": store.FORMAT, "checkpoint": digest, "settings": drawn_with}
    cases = {
        "torn": path.read_bytes()[:-20],
        "torn in its pixels": path.read_bytes()[:800] + path.read_bytes()[-12:],
        "no metadata": _png(Image.new("L", (40, 30)), None),
        "metadata not JSON": _png(Image.new("L", (40, 30)), "{not json"),
        "another format": _png(Image.new("L", (40, 30)), {**good, "format": "other"}),
        "too large a picture": _png(Image.new("1", (home_pictures.MAX_SIDE + 1, 1)), good),
        "a JPEG": (lambda b: (Image.new("L", (40, 30)).save(b, format="JPEG"), b.getvalue())[1])(io.BytesIO()),
        "not a picture": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    }
    for why, data in cases.items():
        path.write_bytes(data)
        assert home_pictures.load_picture(run_dir, "home_samples", drawn_with, digest) is None, why
    path.write_bytes(_png(Image.new("L", (40, 30)), good))  # a well-formed file for these weights: taken
    assert home_pictures.load_picture(run_dir, "home_samples", drawn_with, digest) is not None
    assert home_pictures.load_picture(run_dir, "missing", drawn_with, digest) is None


FIRST_VISIT = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({script!r}, default_timeout=120).run()
assert not at.exception, at.exception
print(len(at.main.image), "torch" in sys.modules)
"""


@pytest.mark.parametrize(("script", "expected"), [("views/home.py", "2 False"), ("app.py", "2 True")])
def test_the_first_visit_draws_the_home_page_before_pytorch_is_imported(script, expected, tmp_path):
    """On a fresh server the home page draws both pictures without PyTorch (views/home.py alone imports none);
    app.py then imports it after the page, so the reader's first click does not wait for it."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VAE_RUNS_DIR": str(tmp_path / "no-runs")}
    result = subprocess.run([sys.executable, "-c", FIRST_VISIT.format(script=str(ROOT / script))], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[-2] == expected
