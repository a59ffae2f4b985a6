"""The interpolation page: it runs for every model in both languages, its widgets change the strips,
and every latent strip starts and ends at the decodes of the endpoints' own codes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from ui.catalog import list_models
from ui.parts.interpolation import (arithmetic_strip, encode_means, latent_path, latent_strip, random_pair,
                            strip_gif, strip_picture)
from ui.pickers import class_members
from ui.strings.interpolation import STRINGS
from vae.training.checkpoint import load_model
from vae.config import TrainConfig
from vae.data import load_split
from vae.explore.latent import decode_path, lerp, pixel_blend, slerp, snap_to_codebook
from vae.training.trainer import train

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "interpolation.py")
PRETRAINED = [m.name for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time
# Tiny runs of our own, so the tests never wait for assets/: (model fields, train fields).
TINY = {
    "tiny-digits": (dict(family="vae", arch="mlp", hidden=(32,), latent_dim=4), dict(dataset="digits")),
    "tiny-cvae": (dict(family="cvae", arch="mlp", hidden=(32,), latent_dim=3), dict(dataset="digits")),
    "tiny-vqvae": (dict(family="vqvae", arch="conv", hidden=(8, 8), latent_dim=4, codebook_size=16),
                   dict(dataset="digits", image_size=16)),
    "tiny-shapes": (dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3), dict(dataset="shapes", image_size=16)),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Train the tiny runs once and point the app's catalog at them (VAE_RUNS_DIR)."""
    root = tmp_path_factory.mktemp("interp-runs")
    for name, (model_fields, train_fields) in TINY.items():
        config = TrainConfig(epochs=1, batch_size=64, limit=128, device="cpu", grid_images=16, **train_fields)
        train(model_fields, config, root / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VAE_RUNS_DIR", str(root))
        yield root


@pytest.fixture(scope="module")
def digits():
    return load_split(TrainConfig(dataset="digits"), "test")


def entry_named(name: str):
    return next(m for m in list_models() if m.name == name)


def page(name: str, lang: str = "en", **state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["model_path"] = entry_named(name).path
    at.session_state["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def strips(at: AppTest) -> dict[str, str]:
    """Caption -> media URL of every strip (not the endpoint thumbnails, nor the row of arithmetic references)."""
    return {el.proto.imgs[0].caption: el.proto.imgs[0].url for el in at.image
            if len(el.proto.imgs) == 1 and not re.match(r"(Index|序号) #", el.proto.imgs[0].caption)}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", PRETRAINED + list(TINY))
def test_page_runs_for_every_model(runs, name, lang):
    entry = entry_named(name)
    at = page(name, lang)
    assert not at.exception
    drawn = strips(at)
    # lerp, slerp (VQ: snapped lerp instead) and the pixel cross-fade, then the arithmetic strip
    assert len(drawn) == 4
    assert len(at.get("download_button")) == 2 * 4
    if entry.kind.posterior:
        assert at.get("plotly_chart")  # the length of the codes along both paths
    else:
        assert at.info  # lerp is rough, slerp skipped: a note, never an error
    assert at.title[0].value == ("Interpolation" if lang == "en" else "插值")


def test_steps_slider_changes_the_strips(runs):
    at = page("tiny-digits")
    before = strips(at)
    at.slider(key="interp_steps").set_value(5).run()
    after = strips(at)
    assert not at.exception and len(after) == 4
    assert not set(before.values()) & set(after.values())  # every strip was redrawn


def test_picking_other_endpoints_changes_the_latent_strips(runs):
    at = page("tiny-digits")
    before = strips(at)
    at.number_input(key="interp_b_index").set_value(3).run()
    after = strips(at)
    assert list(before.values())[:3] != list(after.values())[:3]
    assert list(before.values())[3] == list(after.values())[3]  # the arithmetic strip has its own picture


def test_random_pair_button_draws_a_pair_from_the_seed(runs, digits):
    at = page("tiny-digits", interp_seed=5)
    at.button(key="interp_random").click().run()
    assert not at.exception and at.session_state["interp_seed"] == 6
    a, b = random_pair(digits.labels.numpy(), len(digits), 5)
    for side, index in zip("ab", (a, b)):
        k = at.session_state[f"interp_{side}_class"]
        assert k == int(digits.labels[index])
        assert class_members(digits.labels, k, len(digits))[at.session_state[f"interp_{side}_index"]] == index
    assert any(f"#{a} → #{b}" in caption for caption in strips(at))


def test_arithmetic_classes_change_the_strip(runs):
    at = page("tiny-digits")
    assert at.selectbox(key="interp_arith_class").value == 7 and at.selectbox(key="interp_arith_target").value == 1
    before = strips(at)
    at.selectbox(key="interp_arith_target").set_value(0).run()
    assert not at.exception and list(strips(at).values())[3] != list(before.values())[3]
    assert len(at.image[-2].proto.imgs) == 3  # above the strip: the picture, the average source, the average target


def test_conditional_model_decodes_under_the_chosen_class(runs):
    at = page("tiny-cvae")
    before = strips(at)
    at.selectbox(key="interp_decode_class").set_value(5).run()
    after = strips(at)
    assert list(before.values())[0] != list(after.values())[0]
    assert list(before.values())[2] == list(after.values())[2]  # the pixel cross-fade does not decode


@pytest.mark.parametrize("name", ["tiny-digits", "tiny-cvae", "tiny-vqvae"])
def test_strip_ends_are_the_endpoints_own_decodes(runs, name):
    entry = entry_named(name)
    model = load_model(entry.path)
    data = load_split(entry.train, "test")
    labels = data.labels[[0, 1]] if entry.num_classes else None
    z = encode_means(model, data.images[[0, 1]], labels)
    y = 4 if entry.num_classes else None
    own = decode_path(model, z, y)  # (2, C, H, W): each endpoint's own decode
    for method in (["lerp", "slerp"] if entry.kind.posterior else ["lerp"]):
        codes = latent_path(z[0], z[1], 7, method)
        assert torch.allclose(codes[0], z[0], atol=1e-5) and torch.allclose(codes[-1], z[1], atol=1e-5)
        strip = latent_strip(model, z[0], z[1], 7, method, y)
        assert strip.shape == (7, *own.shape[1:])
        assert torch.allclose(strip[0], own[0], atol=1e-5) and torch.allclose(strip[-1], own[1], atol=1e-5)
    if not entry.kind.posterior:  # snapped to the codebook: every step is a code the model itself could produce
        snapped = snap_to_codebook(model, latent_path(z[0], z[1], 5, "lerp"))
        rows = snapped.view(5, model.config.latent_dim, -1).permute(0, 2, 1).reshape(-1, model.config.latent_dim)
        distances = torch.cdist(rows, model.quantizer.codebook.cpu()).min(1).values
        assert distances.max() < 1e-5 and torch.allclose(snapped[[0, -1]], z, atol=1e-5)  # z is already quantized


def test_lerp_slerp_and_blend_endpoints():
    z0, z1 = torch.tensor([3.0, 0.0, 1.0]), torch.tensor([0.0, -2.0, 0.5])
    for path in (lerp(z0, z1, 9), slerp(z0, z1, 9)):
        assert torch.allclose(path[0], z0, atol=1e-6) and torch.allclose(path[-1], z1, atol=1e-6)
    arc = slerp(z0 / z0.norm(), z1 / z1.norm(), 9)
    assert torch.allclose(arc.norm(dim=1), torch.ones(9), atol=1e-5)  # on the unit sphere all the way
    assert lerp(z0 / z0.norm(), z1 / z1.norm(), 9).norm(dim=1)[4] < 0.99  # the straight line cuts inside
    x0, x1 = torch.zeros(1, 4, 4), torch.ones(1, 4, 4)
    blend = pixel_blend(x0, x1, 5)
    assert torch.equal(blend[0], x0) and torch.equal(blend[-1], x1) and torch.allclose(blend[2], x1 / 2)


def test_arithmetic_strip_starts_at_the_picture_and_moves_by_the_class_difference(runs, digits):
    model = load_model(entry_named("tiny-digits").path)
    z = encode_means(model, digits.images[:1])[0]
    source, target = torch.randn(4), torch.randn(4)
    strip = arithmetic_strip(model, z, source, target, 6)
    assert torch.allclose(strip[0], decode_path(model, z[None])[0], atol=1e-6)
    assert torch.allclose(strip[-1], decode_path(model, (z + target - source)[None])[0], atol=1e-5)


def test_random_pair_is_seeded_and_spans_two_classes(digits):
    labels = digits.labels.numpy()
    pairs = {random_pair(labels, len(labels), seed) for seed in range(20)}
    assert len(pairs) > 15 and random_pair(labels, len(labels), 3) == random_pair(labels, len(labels), 3)
    assert all(labels[a] != labels[b] for a, b in pairs)
    assert all(a != b for a, b in (random_pair(None, 10, seed) for seed in range(20)))
    assert list(class_members(labels, 2, len(labels))) == list(np.flatnonzero(labels == 2))


def test_strip_picture_and_gif():
    images = torch.rand(6, 1, 8, 8)
    picture = strip_picture(images)
    assert picture.width >= 1400 - 6 * 8 and picture.width > 5 * picture.height  # one large row
    gif = Image.open(io.BytesIO(strip_gif(images)))
    assert gif.format == "GIF" and gif.n_frames == 6 + 4  # forward, then back without repeating the ends


def test_strings_have_both_languages_with_the_same_placeholders():
    for key, (english, chinese) in STRINGS.items():
        assert key.startswith("interp_") and english and chinese
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", chinese)), key
