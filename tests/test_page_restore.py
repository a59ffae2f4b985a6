"""The denoise-and-complete page: runs for every pretrained model in both languages, repairs what it
spoils, follows its widgets, reads uploads and names what is wrong with a bad one."""

from __future__ import annotations

import io
import re

import pytest
import torch
from PIL import Image, ImageDraw

from ui.catalog import list_models

PAGE = "views/restore.py"
PRETRAINED = [m for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time


def psnrs(at) -> list[float]:
    """The PSNR in each picture's caption, in page order (the clean picture has none)."""
    return [float(m.group(1)) for image in at.image for c in image.captions if (m := re.search(r"PSNR ([\d.]+)", c))]


def png(picture: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("entry", PRETRAINED, ids=[m.name for m in PRETRAINED])
def test_runs_for_every_pretrained_model(open_page, entry, lang):
    at = open_page(PAGE, entry.path, lang)
    assert not at.exception and not at.error
    searched = entry.kind.posterior  # code search needs a Gaussian latent
    assert len(at.image) == 5 + searched  # clean | spoiled | reconstruction | (code search) | PCA | median filter
    assert at.title[0].value == ("Denoise and complete a picture" if lang == "en" else "图片去噪与补全")
    assert len(psnrs(at)) == 4 + searched
    assert ("SSIM" in at.image[1].captions[0]) == (entry.model.image_shape[-1] >= 11)


def test_repairing_raises_psnr_on_the_pretrained_digits_vae(open_page, media):
    at = open_page(PAGE, next(m for m in PRETRAINED if m.name == "digits-vae").path)
    spoiled, model, search, *_ = psnrs(at)
    assert model > spoiled + 1 and search > spoiled + 1  # noise σ 0.3: both repairs are closer to the clean picture
    picture = Image.open(io.BytesIO(media[at.image[2].value[0]]))
    assert picture.size == (320, 320)  # 8×8 enlarged 40×: large, and every pixel a sharp square
    at.segmented_control(key="restore_kind").set_value("mask").run()
    spoiled, _, completion, search, _ = psnrs(at)[:5]
    assert completion > spoiled and search > spoiled


def test_every_corruption_and_its_widgets(open_page, runs):
    at = open_page(PAGE, runs / "tiny-vae")
    first = at.image[1].value
    at.slider(key="restore_sigma").set_value(0.6).run()
    assert at.image[1].value != first and not at.exception
    louder = at.image[1].value
    at.button(key="restore_new_noise").click().run()
    assert at.image[1].value != louder
    at.segmented_control(key="restore_kind").set_value("salt_pepper").run()
    assert len(at.image) == 6 and not at.exception
    at.segmented_control(key="restore_kind").set_value("mask").run()
    assert len(at.image) == 7 and len(at.get("plotly_chart")) == 1  # the row of 6, then the strip of rounds
    assert "Rounds 0, 2, 4" in at.image[6].captions[0]
    at.slider(key="restore_iterations").set_value(5).run()
    assert "Rounds 0, 1, 2, 3, 4, 5." in at.image[6].captions[0]
    for mask in ["top", "left", "right", "random", "rectangle"]:
        at.segmented_control(key="restore_mask").set_value(mask).run()
        assert not at.exception and len(at.image) == 7, mask
    at.slider(key="restore_rows_8").set_value((3, 3)).run()  # an empty range still hides a row
    assert not at.exception and not at.error and len(at.image) == 7
    assert len(at.get("download_button")) == 2  # the row (PNG) and the completion (GIF)


def test_picture_picker(open_page, runs):
    at = open_page(PAGE, runs / "tiny-cvae")
    clean = at.image[0].value
    at.number_input(key="restore_index").set_value(3).run()
    assert at.image[0].value != clean
    at.selectbox(key="restore_class").set_value(7).run()
    assert at.image[0].value != clean and not at.exception
    at.button(key="restore_random").click().run()
    assert not at.exception and len(at.image) == 6


@pytest.mark.parametrize("data,message", [
    (b"", "This file is empty"),
    (b"GIF89a this is not really a picture", "not a PNG or JPEG picture"),
])
def test_a_bad_upload_shows_its_message(open_page, runs, data, message):
    at = open_page(PAGE, runs / "tiny-vae")
    at.segmented_control(key="restore_source").set_value("upload").run()
    assert len(at.info) == 1 and not at.image  # asks for a picture
    at.file_uploader(key="restore_upload").set_value(("picture.png", data, "image/png")).run()
    assert not at.exception and len(at.error) == 1 and message in at.error[0].value
    assert "\n" not in at.error[0].value and not at.image


def test_an_upload_is_repaired_and_inverted_when_dark_on_light(open_page, runs, media):
    at = open_page(PAGE, runs / "tiny-cvae", lang="zh")
    at.segmented_control(key="restore_source").set_value("upload").run()
    picture = Image.new("RGB", (120, 160), "white")
    ImageDraw.Draw(picture).line((60, 20, 60, 140), fill="black", width=16)  # a dark "1" on paper
    at.file_uploader(key="restore_upload").set_value(("one.jpg", png(picture, "JPEG"), "image/jpeg")).run()
    assert not at.exception and not at.error and len(at.image) == 6
    assert at.checkbox(key="restore_invert").value  # a bright border: inverted by default
    assert at.selectbox(key="restore_upload_class") is not None  # a conditional VAE asks the class
    clean = Image.open(io.BytesIO(media[at.image[0].value[0]])).convert("L")
    assert clean.getpixel((0, 0)) < 30 and clean.getpixel((clean.width // 2, clean.height // 2)) > 200
    at.checkbox(key="restore_invert").uncheck().run()
    clean = Image.open(io.BytesIO(media[at.image[0].value[0]])).convert("L")
    assert clean.getpixel((0, 0)) > 200
    at.selectbox(key="restore_upload_class").set_value(1).run()
    assert not at.exception and len(at.image) == 6


def test_opens_on_the_restoration_the_run_ships_and_ignores_a_stale_one(open_page, tiny_runs, tmp_path, monkeypatch):
    """The default view is read from RUN/restore_examples.safetensors when it was written for these weights."""
    import shutil

    import streamlit as st

    from vae.cli import main
    from vae.precompute.pages import RESTORE_STORE, restore_settings
    from vae.precompute.store import load_stored, save_stored

    run = shutil.copytree(tiny_runs / "tiny-vae", tmp_path / "runs" / "tiny-vae")
    monkeypatch.setenv("VAE_RUNS_DIR", str(run.parent))
    assert main(["precompute", str(run), "--quiet"]) == 0
    stored = load_stored(run, RESTORE_STORE, restore_settings())
    marked = {k: (torch.full_like(v, 42.0) if k.endswith("|psnr.model") else v) for k, v in stored.items()}
    save_stored(run, RESTORE_STORE, marked, restore_settings())  # a value no repair gives: only the file says it
    st.cache_data.clear()
    at = open_page(PAGE, run)
    assert not at.exception and psnrs(at)[1] == 42.0  # spoiled, then the model's one reconstruction
    at.segmented_control(key="restore_kind").set_value("mask").run()
    assert not at.exception and psnrs(at)[1] == 42.0 and at.image[-1].value  # the completion strip too
    save_stored(run, RESTORE_STORE, marked, {"pca_images": -1})  # a file written with other settings: stale
    st.cache_data.clear()
    at = open_page(PAGE, run)
    assert not at.exception and psnrs(at)[1] != 42.0
