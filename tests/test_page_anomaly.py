"""The anomaly page: runs for every pretrained model in both languages, scores the full test split
(held-out class included), reacts to the score, threshold and baseline, and points models that saw
every class to ones that did not."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from ui.catalog import data_for, list_models
from vae.anomaly import heldout_mask, roc, score_images, threshold_metrics
from vae.checkpoint import load_model
from vae.config import TrainConfig
from vae.train import train

PAGE = "views/anomaly.py"
PRETRAINED = [m for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time
TINY = {  # name: (model fields, held-out classes)
    "tiny-vae-no7": (dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3), (7,)),
    "tiny-cvae-no3": (dict(family="cvae", arch="mlp", hidden=(32,), latent_dim=3), (3,)),
    "tiny-vqvae-no7": (dict(family="vqvae", arch="conv", hidden=(8, 8), latent_dim=4, codebook_size=16), (7,)),
    "tiny-vae": (dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3), ()),
}


@pytest.fixture(scope="module")
def held_out_runs(tmp_path_factory):
    """One-epoch digits runs on 200 images, two of them with a class held out, offered in the app."""
    root = tmp_path_factory.mktemp("anomaly-runs")
    for name, (fields, held_out) in TINY.items():
        config = TrainConfig(dataset="digits", limit=200, epochs=1, batch_size=50, device="cpu", grid_images=16,
                             exclude_classes=held_out, image_size=16 if fields["family"] == "vqvae" else None)
        train(fields, config, root / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VAE_RUNS_DIR", str(root))
        yield root


def entry_of(path) -> object:
    return next(m for m in list_models() if m.path == str(path))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("entry", PRETRAINED, ids=[m.name for m in PRETRAINED])
def test_runs_for_every_pretrained_model(open_page, entry, lang):
    at = open_page(PAGE, entry.path, lang, timeout=300)
    assert not at.exception and not at.error
    if entry.train.get("exclude_classes"):
        assert len(at.get("plotly_chart")) == 2 and len(at.image) == 20
    else:
        assert len(at.info) == 1 and not at.image  # the reason, and models to try instead
        assert any(b.key and b.key.startswith("suggest-") for b in at.button)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_held_out_model_draws_everything(open_page, held_out_runs, media, lang):
    at = open_page(PAGE, held_out_runs / "tiny-vae-no7", lang)
    assert not at.exception and not at.warning
    assert at.title[0].value == ("Anomaly detection: spot what the model never saw" if lang == "en"
                                 else "异常检测:找出模型从未见过的东西")
    histogram, curve = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert [d["type"] for d in histogram["data"]] == ["histogram", "histogram"]
    names = [d["name"] for d in curve["data"]]
    assert len(names) == 4 and "AUROC" in names[1] and "AUROC" in names[2]
    assert len(at.image) == 20
    # gallery pictures are large and crisp: 8×8 digits enlarged by a whole factor
    picture = Image.open(io.BytesIO(media[at.image[0].value[0]]))
    assert picture.size == (256, 256)
    assert "7" in " ".join(c for image in at.image[:10] for c in image.captions)


def test_page_scores_the_full_test_split_with_the_held_out_class(open_page, held_out_runs):
    entry = entry_of(held_out_runs / "tiny-vae-no7")
    test = data_for(entry, "test")
    assert (test.labels == 7).any() and (data_for(entry, "train").labels != 7).all()
    at = open_page(PAGE, entry.path)
    summary = next(m.value for m in at.markdown if "Held out" in m.value)
    assert f"{int((test.labels == 7).sum())} of the held-out class" in summary
    assert f"{int((test.labels != 7).sum())} of classes the model saw" in summary


def test_threshold_drives_the_counts_and_the_roc_point(open_page, held_out_runs):
    at = open_page(PAGE, held_out_runs / "tiny-vae-no7")
    slider = at.slider(key="anom_threshold")
    low, high = slider.proto.min, slider.proto.max
    at.slider(key="anom_threshold").set_value(low).run()  # everything flagged: recall 100 %, all normals false alarms
    assert (at.metric[3].value, at.metric[4].value) == ("100%", "100%")  # recall, false alarms
    counts = next(m.value for m in at.markdown if "true positives" in m.value)
    assert "(missed)" in counts and "| 0 (true negatives)" in counts
    at.slider(key="anom_threshold").set_value(high).run()
    point = [json.loads(el.proto.spec) for el in at.get("plotly_chart")][1]["data"][3]
    assert not at.exception and point["x"][0] <= 0.01


def test_score_choice_and_baseline_components_change_the_charts(open_page, held_out_runs):
    at = open_page(PAGE, held_out_runs / "tiny-vae-no7")
    before = [el.proto.spec for el in at.get("plotly_chart")]
    at.segmented_control(key="anom_score").set_value("iwae").run()
    assert not at.exception and at.select_slider(key="anom_k").disabled is False
    after = [el.proto.spec for el in at.get("plotly_chart")]
    assert after[0] != before[0] and "Importance-weighted" in json.loads(after[1])["data"][2]["name"]
    pca_before = json.loads(after[1])["data"][1]["name"]
    at.number_input(key="anom_pca_components").set_value(1).run()
    assert json.loads(at.get("plotly_chart")[1].proto.spec)["data"][1]["name"] != pca_before
    assert "1 components" in json.loads(at.get("plotly_chart")[1].proto.spec)["data"][1]["name"]


def test_conditional_model_is_scored_without_its_labels(open_page, held_out_runs):
    at = open_page(PAGE, held_out_runs / "tiny-cvae-no3")
    assert not at.exception and len(at.get("plotly_chart")) == 2
    assert any("not told the class" in c.value for c in at.caption)


def test_vqvae_offers_the_reconstruction_error_only(open_page, held_out_runs):
    at = open_page(PAGE, held_out_runs / "tiny-vqvae-no7")
    assert not at.exception and len(at.get("plotly_chart")) == 2 and len(at.image) == 20
    assert at.segmented_control(key="anom_score").options == ["Reconstruction error"]
    assert any("VQ-VAE" in c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_model_that_saw_every_class_gets_suggestions(open_page, held_out_runs, lang):
    at = open_page(PAGE, held_out_runs / "tiny-vae", lang)
    assert not at.exception and not at.image and not at.get("plotly_chart")
    assert "--exclude-classes" in at.info[0].value
    at.button(key=f"suggest-{held_out_runs / 'tiny-vae-no7'}").click().run()
    assert not at.exception and len(at.get("plotly_chart")) == 2


def test_page_auroc_agrees_with_the_library(held_out_runs):
    # The metric the page shows is roc() of the page's scores; here recomputed from the saved run.
    model = load_model(held_out_runs / "tiny-vae-no7")
    test = data_for(entry_of(held_out_runs / "tiny-vae-no7"), "test")
    flags = heldout_mask(test.labels, (7,)).numpy()
    scores = score_images(model, test.images, "recon").numpy()
    curve = roc(scores, flags)
    pairs = (scores[flags][:, None] > scores[~flags][None, :]).mean()
    assert curve.auroc == pytest.approx(pairs, abs=1e-9)  # no ties among continuous scores
    assert threshold_metrics(scores, flags, np.inf).tp == 0
