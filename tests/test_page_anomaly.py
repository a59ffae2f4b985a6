"""The anomaly page: runs for every pretrained model in both languages and both modes (held-out classes,
another dataset), scores the full test split (held-out class included), reacts to the score, threshold and
baseline, shows the raw −ELBO beside a correction, uses shipped scores, samples slow ones, and points models
that saw every class to ones that did not."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ui.catalog import list_models
from ui.loaders import data_for
from vae.metrics.anomaly.scores import heldout_mask, roc, score_images, threshold_metrics
from vae.precompute.anomaly_scores import STORE_NAME
from vae.training.checkpoint import load_model
from vae.config import TrainConfig
from vae.training.trainer import train

PAGE = "views/anomaly.py"
PRETRAINED = [m for m in list_models() if m.pretrained]  # whatever assets/ holds at collection time
TINY = {  # name: (model fields, held-out classes)
    "tiny-vae-no7": (dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3), (7,)),
    "tiny-vae-no7-background": (dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3), (7,)),
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
                             exclude_classes=held_out, image_size=16 if fields["family"] == "vqvae" else None,
                             pixel_noise=0.2 if name.endswith("-background") else 0.0)
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
    if entry.train.exclude_classes:
        assert len(at.get("plotly_chart")) == 2 and len(at.image) == 20
    else:
        assert len(at.info) == 1 and not at.image  # the reason, and models to try instead
        assert any(b.key and b.key.startswith("suggest-") for b in at.button)


def test_gallery_captions_name_the_classes_in_the_readers_language(open_page):
    from ui.strings.common import STRINGS

    entry = next((m for m in PRETRAINED if m.name == "fashion-vae-no-ankle-boot"), None)
    if entry is None:
        pytest.fail("assets/fashion-vae-no-ankle-boot ships with the app")
    at = open_page(PAGE, entry.path, "zh", timeout=300, anom_mode="held_out")
    captions = [c for image in at.image for c in image.captions]
    chinese = {STRINGS[f"classname_{name}"][1] for name in entry.class_names}
    assert captions and all(any(name in c for name in chinese) for c in captions), captions[:5]
    assert not any(name in c for c in captions for name in entry.class_names), captions[:5]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["digits-vae-no3", "fashion-vae-no-ankle-boot"])
def test_pretrained_anomaly_models_open_at_once_on_their_shipped_scores(open_page, name, lang):
    entry = next((m for m in PRETRAINED if m.name == name), None)
    if entry is None or not (Path(entry.path) / STORE_NAME).is_file():
        pytest.fail(f"assets/{name} and its {STORE_NAME} ship with the app")
    for mode in ("held_out", "dataset"):
        at = open_page(PAGE, entry.path, lang, timeout=300, anom_mode=mode)
        assert not at.exception and not at.error and len(at.get("plotly_chart")) == 2
        stored = "computed in advance" if lang == "en" else "已预先计算"
        assert any(stored in c.value for c in at.caption), mode
        assert at.segmented_control(key="anom_score").value == ("neg_elbo" if mode == "held_out" else "regret")
        # its background model ships beside it, so the likelihood ratio is offered
        assert {"Likelihood ratio", "似然比"} & set(at.segmented_control(key="anom_score").options)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_held_out_model_draws_everything(open_page, held_out_runs, media, lang):
    at = open_page(PAGE, held_out_runs / "tiny-vae-no7", lang)
    assert not at.exception and not at.warning
    assert at.title[0].value == ("Anomaly detection: spot what the model never saw" if lang == "en"
                                 else "异常检测：找出模型从未见过的东西")
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
    # its KL is a constant, so −ELBO ranks as recon does; the complexity correction applies all the same
    assert at.segmented_control(key="anom_score").options == ["Reconstruction error", "Complexity-corrected"]
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


# --- another dataset as anomalies ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_another_dataset_shows_the_raw_likelihood_beside_a_correction(open_page, held_out_runs, lang):
    at = open_page(PAGE, held_out_runs / "tiny-vae", lang, anom_mode="dataset")
    assert not at.exception and not at.error and not at.warning
    assert at.selectbox(key="anom_dataset").value == "shapes"
    assert "digits" not in at.selectbox(key="anom_dataset").options[0]  # never its own dataset
    assert at.segmented_control(key="anom_score").value == "regret"
    histogram, curve = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    # left the raw −ELBO, right the chosen correction: two histograms each, one threshold on the right
    assert [d["type"] for d in histogram["data"]] == ["histogram"] * 4
    titles = [a["text"] for a in histogram["layout"]["annotations"]]
    assert ("Raw: Negative ELBO" if lang == "en" else "原始：负 ELBO") in titles[0]
    assert ("Likelihood regret" if lang == "en" else "似然遗憾") in titles[1]
    assert len(curve["data"]) == 5 and "AUROC" in curve["data"][4]["name"]  # the raw curve, drawn last
    summary = next(m.value for m in at.markdown if "2,000" in m.value)
    assert ("360" in summary and "8×8" in summary)  # all 360 test pictures against 2,000 shapes at the model's size
    assert len(at.info) == 1 and "AUROC" in at.info[0].value  # the verdict in plain words
    assert len(at.image) == 20
    anomaly = "(anomaly)" if lang == "en" else "（异常）"
    assert any(anomaly in c for image in at.image for c in image.captions)
    assert not any("nothing held out" in w.value for w in at.warning)


def test_the_dataset_and_the_score_change_what_is_drawn(open_page, held_out_runs):
    at = open_page(PAGE, held_out_runs / "tiny-vae-no7", anom_mode="dataset")
    before = [el.proto.spec for el in at.get("plotly_chart")]
    at.selectbox(key="anom_dataset").set_value("fashion-mnist").run()
    assert not at.exception and not at.warning
    after = [el.proto.spec for el in at.get("plotly_chart")]
    assert after[0] != before[0]
    assert any("10,000" in m.value for m in at.markdown)  # Fashion-MNIST's test pictures, resized to 8×8
    # the normal side leaves out the held-out class: it is neither known nor the other dataset
    test = data_for(entry_of(held_out_runs / "tiny-vae-no7"), "test")
    assert any(f"**{int((test.labels != 7).sum())}**" in m.value for m in at.markdown)
    at.segmented_control(key="anom_score").set_value("complexity").run()
    assert "Complexity-corrected" in json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["annotations"][1]["text"]
    at.segmented_control(key="anom_score").set_value("ratio").run()  # its background run is beside it
    assert not at.exception and "Likelihood ratio" in json.loads(at.get("plotly_chart")[1].proto.spec)["data"][2]["name"]
    at.segmented_control(key="anom_score").set_value("neg_elbo").run()  # a raw score: one panel, four curves
    histogram, curve = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert len(histogram["data"]) == 2 and len(curve["data"]) == 4


def test_no_background_means_no_ratio_and_says_how_to_train_one(open_page, held_out_runs):
    at = open_page(PAGE, held_out_runs / "tiny-vae", anom_mode="dataset")
    assert "Likelihood ratio" not in at.segmented_control(key="anom_score").options
    assert any("--pixel-noise 0.2" in c.value for c in at.caption)
    with_background = open_page(PAGE, held_out_runs / "tiny-vae-no7", anom_mode="dataset")
    assert "Likelihood ratio" in with_background.segmented_control(key="anom_score").options


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_missing_data_and_an_empty_upload_get_a_message_not_a_traceback(open_page, held_out_runs, lang):
    at = open_page(PAGE, held_out_runs / "tiny-vae", lang, anom_mode="dataset")
    mnist = at.selectbox(key="anom_dataset")
    assert "mnist" in mnist.options[-2].lower()
    if not any(s.name == "mnist" and s.available for s in __import__("vae.data", fromlist=["x"]).list_datasets()):
        at.selectbox(key="anom_dataset").set_value("mnist").run()
        assert not at.exception and len(at.warning) == 1 and not at.get("plotly_chart")
        assert ("(not on this machine)" if lang == "en" else "（本机没有）") in at.selectbox(key="anom_dataset").options[-2]
    at.selectbox(key="anom_dataset").set_value("folder").run()
    assert not at.exception and not at.get("plotly_chart") and "8×8" in at.info[0].value


def test_slow_scores_are_sampled_and_the_picker_scores_more(open_page, held_out_runs, monkeypatch):
    monkeypatch.setattr("ui.parts.anomaly_data.TIME_BUDGET_S", 0.0)  # every score counts as slow
    at = open_page(PAGE, held_out_runs / "tiny-vae", anom_mode="dataset")
    assert not at.exception
    picker = at.select_slider(key="anom_subset")
    assert picker.value == 250  # the smallest choice when nothing fits
    note = next(c.value for c in at.caption if "Scored a random" in c.value)
    assert "250 normal and 250 anomalous" in note
    assert sum(d["type"] == "histogram" for d in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]) == 4
    at.select_slider(key="anom_subset").set_value(2000).run()  # "all" of the larger side
    assert not at.exception and not any("Scored a random" in c.value for c in at.caption)
    assert any("**360**" in m.value for m in at.markdown)


def test_shipped_scores_are_used_and_stale_ones_ignored(open_page, held_out_runs, tmp_path, monkeypatch):
    from vae.cli import main

    for name in ("tiny-vae-no7", "tiny-vae-no7-background"):
        shutil.copytree(held_out_runs / name, tmp_path / name)
    assert main(["anomaly", str(tmp_path / "tiny-vae-no7"), "--precompute", "--quiet"]) == 0
    monkeypatch.setenv("VAE_RUNS_DIR", str(tmp_path))
    at = open_page(PAGE, tmp_path / "tiny-vae-no7")
    assert any("computed in advance" in c.value for c in at.caption)
    curve = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][2]["name"]
    # the shipped numbers are the library's: the page's AUROC equals one computed from the stored file
    from vae.precompute.anomaly_scores import load_scores
    from vae.metrics.anomaly.scores import ScoreSettings
    stored = load_scores(tmp_path / "tiny-vae-no7", ScoreSettings())[("test", "neg_elbo")].numpy()
    test = data_for(entry_of(tmp_path / "tiny-vae-no7"), "test")
    flags = (test.labels == 7).numpy()
    assert f"{roc(stored, flags).auroc:.3f}" in curve
    (tmp_path / "tiny-vae-no7" / STORE_NAME).write_bytes(b"not a safetensors file")
    at = open_page(PAGE, tmp_path / "tiny-vae-no7")
    assert not at.exception and not any("computed in advance" in c.value for c in at.caption)
