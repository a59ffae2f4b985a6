"""The Train page: both languages, the demo presets, a bad form refused before anything starts, and a short
run started from the page, watched, stopped, resumed and finished (a real trainer process)."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from ui.catalog import ROOT
from vae.data import list_datasets

PAGE = str(ROOT / "views/train.py")
TIMEOUT_S = 240  # a trainer process needs seconds to import torch; far more on a busy machine


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # trainers started here share the machine with the tests
    return tmp_path


@pytest.fixture
def open_page(runs, monkeypatch):
    def opener(lang: str = "en") -> AppTest:
        # AppTest reads selectbox values back through their (translated) labels outside the script run.
        monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", lang)
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["lang"] = lang
        return at.run()

    return opener


def rerun_until(at: AppTest, predicate, what: str, timeout: float = TIMEOUT_S) -> AppTest:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception
        if predicate(at):
            return at
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; progress: {[p.proto.text for p in at.get('progress')]}")


def progress_text(at: AppTest) -> str:
    return " ".join(p.proto.text for p in at.get("progress"))


@pytest.mark.parametrize("lang, title", [("en", "Train a model and watch it learn"),
                                         ("zh", "训练一个模型，看着它学习")])
def test_renders_in_both_languages(open_page, lang, title):
    at = open_page(lang)
    assert not at.exception
    assert at.title[0].value == title
    assert at.button(key="train_start").label == ("Start training" if lang == "en" else "开始训练")
    assert at.info  # no runs yet: says how to start one


def test_presets_fill_the_form(open_page):
    at = open_page()
    at.pills[0].set_value("train_preset_shapes_beta").run()
    assert (at.selectbox(key="train_dataset").value, at.number_input(key="train_beta").value) == ("shapes", 4.0)
    assert at.number_input(key="train_image_size").value == 32
    at.pills[0].set_value("train_preset_vqvae").run()
    assert at.selectbox(key="train_family").value == "vqvae"
    keys = {w.key for w in at.number_input}
    assert "train_codebook_size" in keys and "train_beta" not in keys  # the form shows what the family uses
    assert at.number_input(key="train_latent_dim").value == 16  # VQ-VAE's own default, not the first preset's 2
    at.pills[0].set_value("train_preset_cvae").run()
    assert (at.selectbox(key="train_family").value, at.number_input(key="train_latent_dim").value) == ("cvae", 2)


def test_lesson_preset_validates_and_launches(open_page, runs):
    """The lesson preset is a valid run that starts and trains (its speed is measured in the README, not here)."""
    if not next(s for s in list_datasets() if s.name == "fashion-mnist").available:
        pytest.skip("the lesson preset trains on Fashion-MNIST, which is not on this machine")
    at = open_page()
    at.pills[0].set_value("train_preset_lesson").run()
    assert (at.selectbox(key="train_dataset").value, at.number_input(key="train_limit").value) == ("fashion-mnist",
                                                                                                  10_000)
    at.selectbox(key="train_device").set_value("cpu")
    at.text_input(key="train_name").input("lesson")
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    train = json.loads((runs / "lesson" / "config.json").read_text())["spec"]["train"]
    assert (train["dataset"], train["epochs"], train["limit"]) == ("fashion-mnist", 12, 10_000)
    rerun_until(at, lambda at: "Epoch" in progress_text(at), "the first steps")
    at.button(key="train_lesson_stop").click()
    rerun_until(at, lambda at: any("Stopped" in i.value for i in at.info), "the stop")


@pytest.mark.parametrize("change, message", [
    (lambda at: (at.selectbox(key="train_warmup").set_value("linear").run(),
                 at.number_input(key="train_warmup_steps").set_value(0)), "Warm-up steps: KL warm-up needs at least 1 step"),
    (lambda at: (at.selectbox(key="train_arch").set_value("conv"), at.text_input(key="train_hidden").input("8,8,8,8")),
     "must be divisible by 16"),
    (lambda at: at.selectbox(key="train_dataset").set_value("folder"), "the folder dataset needs a folder"),
    (lambda at: at.text_input(key="train_exclude_classes").input("3,12"), "Hold out classes: [12] out of range"),
    (lambda at: (at.selectbox(key="train_dataset").set_value("folder").run(),
                 at.text_input(key="train_data_root").input("/no/such/folder")), "/no/such/folder"),
])
def test_invalid_form_is_refused_with_its_message(open_page, runs, change, message):
    at = open_page()
    change(at)
    at.button(key="train_start").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Cannot start: ") and message in errors[0]
    assert list(runs.iterdir()) == []  # nothing started


@pytest.mark.parametrize("change,message", [
    (lambda at: at.text_input(key="train_hidden").input("32,abc"), "Hidden sizes: must be whole numbers"),
    (lambda at: at.text_input(key="train_exclude_classes").input("three"), "Hold out classes: must be whole numbers"),
    (lambda at: at.number_input(key="train_epochs").set_value(0), "Epochs: must be at least 1 (got 0)"),
    (lambda at: at.number_input(key="train_beta").set_value(-1.0), "β (weight on the KL): must be at least 0"),
    (lambda at: at.number_input(key="train_latent_dim").set_value(100000), "Latent dimensions: must be at most 1024"),
])
def test_a_value_its_own_bounds_refuse_is_named_under_its_field_and_blocks_start(open_page, runs, change, message):
    """Checked as it is typed (issue 24, bug 6): the message is on screen before Start, which waits."""
    at = open_page()
    change(at).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert at.button(key="train_start").disabled
    assert list(runs.iterdir()) == []  # nothing started


def test_the_form_follows_the_familys_own_defaults(open_page, runs):
    """Picking VQ-VAE shows its latent_dim 16 and conv (the CLI's defaults too); another family, the schema's."""
    at = open_page()
    assert at.number_input(key="train_latent_dim").value == 2  # the first preset's
    at.selectbox(key="train_family").set_value("tcvae").run()
    assert at.number_input(key="train_latent_dim").value == 2  # same default for both: the value stays
    at.selectbox(key="train_family").set_value("vqvae").run()
    assert at.number_input(key="train_latent_dim").value == 16 and at.session_state["train_arch"] == "conv"
    at.number_input(key="train_latent_dim").set_value(8).run()
    at.selectbox(key="train_family").set_value("vae").run()
    assert at.number_input(key="train_latent_dim").value == 20 and at.selectbox(key="train_arch").value == "mlp"
    assert not at.exception and not at.error


def test_the_form_offers_only_what_the_family_uses(open_page):
    at = open_page()
    at.selectbox(key="train_family").set_value("tcvae").run()
    keys = {w.key for w in at.number_input}
    assert {"train_beta", "train_tc_alpha", "train_tc_gamma"} <= keys
    assert not keys & {"train_capacity_max", "train_free_bits", "train_codebook_size"}  # β-TCVAE ignores them
    assert "train_warmup_steps" not in keys  # shown once a warm-up is chosen


def test_missing_dataset_says_how_to_get_it(open_page):
    missing = [s for s in list_datasets() if not s.available and s.name != "folder"]
    if not missing:
        pytest.skip("every downloadable dataset is present here")
    at = open_page()
    at.selectbox(key="train_dataset").set_value(missing[0].name).run()
    assert any(missing[0].how_to_get in w.value for w in at.warning)


def test_start_watch_stop_resume_finish(open_page, runs):
    at = open_page()
    # Long enough (about 1,200 steps) that the stop lands mid-run even on an idle machine.
    for key, value in [("train_latent_dim", 2), ("train_limit", 1000), ("train_epochs", 40), ("train_batch_size", 32),
                       ("train_log_every", 1)]:
        at.number_input(key=key).set_value(value)
    at.text_input(key="train_hidden").input("32")
    at.text_input(key="train_exclude_classes").input("3")  # a model for the anomaly page
    at.selectbox(key="train_device").set_value("cpu")
    at.text_input(key="train_name").input("class demo")
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    assert "class-demo" in at.success[0].value and (runs / "class-demo" / "launch.json").is_file()
    assert json.loads((runs / "class-demo" / "config.json").read_text())["spec"]["train"]["exclude_classes"] == [3]
    rerun_until(at, lambda at: "Epoch" in progress_text(at), "the first steps")
    at.button(key="train_class-demo_stop").click()
    rerun_until(at, lambda at: any("Stopped" in i.value for i in at.info), "the stop")
    assert at.get("progress")[0].proto.value < 100
    at.button(key="train_class-demo_resume").click()
    rerun_until(at, lambda at: any(b.key == "train_class-demo_open" for b in at.button), "the end")
    assert at.get("progress")[0].proto.value == 100
    assert "Epoch 40 of 40" in progress_text(at)
    assert json.loads((runs / "class-demo" / "config.json").read_text())["spec"]["train"]["exclude_classes"] == [3]
    assert len(at.get("plotly_chart")) == 2 and len(at.image) >= 3  # curves, heatmap, latest grids, strip
    assert at.button(key="train_class-demo_open").label == "Open in explorer"


def test_every_setting_has_its_two_translated_labels():
    """Adding a setting to vae.config is one field plus its label (and help) in English and 简体中文."""
    from ui.i18n import table
    from ui.settings_form import all_settings

    strings = table()
    for f, _ in all_settings():
        for key in (f"setting_{f.name}", f"setting_{f.name}_help"):
            assert key in strings and all(strings[key]), key
