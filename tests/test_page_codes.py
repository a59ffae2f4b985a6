"""The discrete-codes page: runs for every pretrained model in both languages, reacts to a changed code,
shows how to train a missing prior, and a changed code alters the decoded image only around its cell."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from ui.parts import codes as codes_view
from ui.catalog import list_models
from vae.training.checkpoint import load_model
from vae.explore.codes import cell_area, decoder_reach, swap_code
from vae.models import build_model
from vae.models.prior import CodePrior, PriorConfig, save_prior

PAGE = "views/codes.py"
PRETRAINED = [m for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time
VQ_PRETRAINED = [m for m in PRETRAINED if m.kind.codes]


def picture(at, media, i: int) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(media[at.image[i].value[0]])).convert("RGB"))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("entry", PRETRAINED, ids=[m.name for m in PRETRAINED])
def test_runs_for_every_pretrained_model(open_page, entry, lang):
    at = open_page(PAGE, entry.path, lang)
    assert not at.exception and not at.error
    if entry.family != "vqvae":
        assert len(at.info) == 1 and not at.image  # suggestions instead
        return
    assert not at.warning, [w.value for w in at.warning]
    # original, code grid's reconstruction, reconstruction, edited, difference, code strip,
    # learned-prior, unigram and same-data VAE samples; the pretrained VQ-VAEs ship a prior
    assert len(at.image) == 9
    assert len(at.get("plotly_chart")) == 2  # the code grid and the usage bars
    assert len(at.metric) == 3


def test_pretrained_vqvaes_are_set_beside_a_plain_vae_on_their_data():
    models = list_models()
    assert VQ_PRETRAINED, "assets/ should hold at least digits-vqvae"
    for entry in VQ_PRETRAINED:
        vae = codes_view.same_data_vae(entry, models)
        assert vae is not None and vae.dataset == entry.dataset and vae.kind.beta_ladder and vae.pretrained
        assert vae.latent_dim > 2 and vae.model.beta == 1
    assert codes_view.same_data_vae(next(m for m in models if m.name == "digits-vqvae"), models).name == "digits-vae"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tiny_vqvae_without_prior_says_how_to_train_one(open_page, runs, lang):
    at = open_page(PAGE, runs / "tiny-vqvae", lang)
    assert not at.exception and not at.warning
    assert any("python -m vae prior" in c.value and "tiny-vqvae" in c.value for c in at.code)
    assert len(at.image) == 8  # everything but the learned prior's samples
    assert at.title[0].value == ("Discrete codes: what a VQ-VAE writes down" if lang == "en"
                                 else "离散编码：VQ-VAE 记下了什么")


def test_changing_a_code_changes_the_edited_picture_only(open_page, runs, media):
    at = open_page(PAGE, runs / "tiny-vqvae", codes_row=1, codes_col=2)
    before = [picture(at, media, i) for i in range(5)]
    current = int(at.markdown[[i for i, m in enumerate(at.markdown) if "holds code" in m.value][0]]
                  .value.split("**")[1])
    at.slider(key="codes_new_code").set_value((current + 7) % 16).run()
    assert not at.exception and not any("already has" in i.value for i in at.info)
    after = [picture(at, media, i) for i in range(5)]
    for i in (0, 1, 2):  # the original and both reconstructions stay
        assert np.array_equal(before[i], after[i])
    assert not np.array_equal(before[3], after[3])  # the edited decode changed
    assert not (after[4] == 255).all()  # the difference picture is not blank
    assert "set to code" in at.image[3].captions[0]


def test_same_code_gives_a_note_and_no_difference(open_page, runs, media):
    at = open_page(PAGE, runs / "tiny-vqvae")
    current = int(at.markdown[[i for i, m in enumerate(at.markdown) if "holds code" in m.value][0]]
                  .value.split("**")[1])
    at.slider(key="codes_new_code").set_value(current).run()
    assert any("already has" in i.value for i in at.info)
    assert np.array_equal(picture(at, media, 2), picture(at, media, 3))


def test_widgets_pick_pictures_cells_and_strip_modes(open_page, runs):
    at = open_page(PAGE, runs / "tiny-vqvae")
    strip = at.image[5].value
    at.segmented_control(key="codes_strip_mode").set_value("fill").run()
    assert at.image[5].value != strip and not at.exception
    at.segmented_control(key="codes_strip_mode").set_value("cell").run()
    at.number_input(key="codes_row").set_value(3).run()
    assert at.image[5].value != strip  # pasted into another cell
    at.number_input(key="codes_pic_index").set_value(4).run()
    at.button(key="codes_pic_random").click().run()
    samples = at.image[6].value
    at.slider(key="codes_temperature").set_value(0.5).run()
    assert at.image[6].value != samples
    at.button(key="codes_new").click().run()
    assert at.number_input(key="codes_seed").value == 1 and not at.exception


def test_stale_prior_warns_and_the_page_still_draws(open_page, runs, tmp_path, monkeypatch):
    run = tmp_path / "stale-vqvae"
    shutil.copytree(runs / "tiny-vqvae", run)
    model = load_model(run)
    save_prior(run, CodePrior(model.config.codebook_size, model.grid_shape, PriorConfig(width=16, heads=2)),
               {"vqvae_fingerprint": "not this codebook"})
    monkeypatch.setenv("VAE_RUNS_DIR", str(tmp_path))
    at = open_page(PAGE, run)
    assert not at.exception and "retrain it with python -m vae prior" in at.warning[0].value
    assert len(at.image) == 8


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_other_models_get_suggestions(open_page, runs, lang):
    at = open_page(PAGE, runs / "tiny-vae", lang)
    assert not at.exception and not at.image
    assert "VQ-VAE" in at.info[0].value
    at.button(key=f"suggest-{runs / 'tiny-vqvae'}").click().run()
    assert not at.exception and len(at.image) >= 8


def test_a_click_on_a_cell_picks_it():
    grid = np.array([[3, 1], [0, 2]])
    figure = codes_view.code_grid_figure(grid, 4, (1, 0), "row %{customdata[0]}")
    markers = figure.data[1]
    assert [tuple(c) for c in markers.customdata] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [a.text for a in figure.layout.annotations] == ["3", "1", "0", "2"]  # the codes, in raster order
    # as Streamlit hands the selection over: the numpy customdata row arrives as a dict
    event = {"selection": {"points": [{"customdata": {"0": 1, "1": 0}, "x": 0, "y": 1, "point_index": 2}]}}
    assert codes_view.picked_cell(event) == (1, 0)
    assert codes_view.picked_cell({"selection": {"points": [{"x": 1, "y": 0}]}}) == (0, 1)
    assert codes_view.picked_cell({"selection": {"points": []}}) is None and codes_view.picked_cell(None) is None


def _locality_models(tiny_runs):
    yield "tiny", load_model(tiny_runs / "tiny-vqvae")
    for entry in VQ_PRETRAINED:
        yield entry.name, load_model(entry.path)


def test_a_changed_code_changes_the_image_only_around_its_cell(tiny_runs):
    for name, model in _locality_models(tiny_runs):
        height, width = model.grid_shape
        codebook = model.quantizer.codebook
        grid = torch.randint(0, model.config.codebook_size, (1, height, width),
                             generator=torch.Generator().manual_seed(0))
        for cell in [(0, 0), (height // 2, width // 2), (height - 1, width - 1)]:
            # the code farthest from the current one, so that the change is as large as it can be
            far = int((codebook - codebook[grid[0, cell[0], cell[1]]]).pow(2).sum(1).argmax())
            with torch.no_grad():
                before, after = model.decode_indices(torch.cat([grid, swap_code(grid, cell, far)]))
            changed = (before - after).abs().amax(0)  # (H, W)
            rows, columns = decoder_reach(model, cell)
            outside = torch.ones_like(changed, dtype=torch.bool)
            outside[rows, columns] = False
            assert outside.any(), f"{name}: the reach of cell {cell} should not cover the whole image"
            assert (changed[outside] == 0).all(), f"{name}: pixels beyond the decoder's reach changed"
            area = cell_area(model, cell)
            assert changed[area].max() > 1e-3, f"{name}: the cell's own pixels did not change"


def test_decoder_reach_is_exactly_what_the_convolutions_can_touch(tiny):
    torch.manual_seed(0)
    model = build_model(tiny("vqvae", image_shape=(1, 16, 16), codebook_size=8)).eval()
    grid = torch.zeros(1, 4, 4, dtype=torch.long)
    for cell in [(0, 0), (1, 2)]:
        edits = torch.cat([grid] + [swap_code(grid, cell, k) for k in range(1, 8)])
        with torch.no_grad():  # one batch: a batch of another size may take another conv algorithm
            images = model.decode_indices(edits)
        changed = (images[1:] - images[:1]).abs().amax((0, 1)) > 0  # (H, W)
        rows, columns = changed.any(1).nonzero().flatten(), changed.any(0).nonzero().flatten()
        reach = decoder_reach(model, cell)
        assert (int(rows.min()), int(rows.max()) + 1) == (reach[0].start, reach[0].stop)
        assert (int(columns.min()), int(columns.max()) + 1) == (reach[1].start, reach[1].stop)
