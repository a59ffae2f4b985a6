"""Picture sets and tasks of the anomaly scores (held-out classes, another dataset), the background run
of the likelihood ratio, and the precomputed score files (stale or malformed ones are ignored)."""

from __future__ import annotations

import json

import pytest
import torch

from tests.anomaly_runs import make_runs
from vae.metrics.anomaly.scores import ScoreSettings, score_images
from vae.metrics.anomaly.sets import (assemble, dataset_task, find_background, held_out_task, is_background_for,
                              needed_rows, other_set, own_test_set, score_task, uploaded_set)
from vae.precompute.anomaly_scores import STORE_NAME, load_scores, save_scores
from vae.training.checkpoint import load_model
from vae.config import ConfigError, TrainConfig
from vae.data import DatasetUnavailable
from vae.training.runs import read_run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return make_runs(tmp_path_factory.mktemp("anomaly-sets"))


def _train(run_dir) -> TrainConfig:
    return TrainConfig.from_dict(read_run(run_dir).config["train"])


def test_held_out_task_splits_the_test_set_by_class(runs):
    test = own_test_set(_train(runs / "tiny-vae-no7"))
    task = held_out_task(test, (7,))
    labels = torch.cat([test.labels[task.normal_rows], test.labels[task.anomalous_rows]])
    flags = task.is_anomaly
    assert torch.equal(flags, labels == 7) and len(flags) == len(test) == 360
    assert torch.equal(task.images, test.images[torch.cat([task.normal_rows, task.anomalous_rows])])
    assert task.captions()[-1] == "7" and "7" not in task.captions()[:len(task.normal_rows)]
    # held out: one set, every row of it scored once
    [(pictures, rows)] = needed_rows(task)
    assert pictures is test and torch.equal(rows, torch.arange(len(test)))
    with pytest.raises(ConfigError, match="saw every class"):
        held_out_task(test, ())


def test_dataset_task_is_the_model_s_own_known_pictures_against_another_set(runs):
    test = own_test_set(_train(runs / "tiny-vae-no7"))
    shapes = other_set("shapes", (1, 8, 8))
    assert shapes.images.shape == (2000, 1, 8, 8) and shapes.key == "dataset:shapes"
    task = dataset_task(test, (7,), shapes)
    assert (test.labels[task.normal_rows] != 7).all() and len(task.normal_rows) == int((test.labels != 7).sum())
    assert int(task.is_anomaly.sum()) == 2000 and task.captions()[-1] in ("square", "ellipse", "heart")
    # another dataset is fitted to the model's input: size and channels
    fashion_like = other_set("digits", (3, 16, 16))
    assert fashion_like.images.shape[1:] == (3, 16, 16)
    with pytest.raises(ConfigError, match="pick another dataset"):
        dataset_task(test, (), other_set("digits", (1, 8, 8)))
    with pytest.raises(ValueError, match="unknown dataset"):
        other_set("nope", (1, 8, 8))
    with pytest.raises(DatasetUnavailable):
        other_set("mnist", (1, 8, 8), root="/nonexistent")


def test_a_folder_of_pictures_gives_all_its_pictures(tmp_path):
    from PIL import Image

    for kind in ("a", "b"):
        (tmp_path / kind).mkdir()
        for i in range(5):
            Image.new("L", (20, 20), 40 * i).save(tmp_path / kind / f"{i}.png")
    pictures = other_set("folder", (1, 8, 8), root=str(tmp_path))
    assert pictures.images.shape == (10, 1, 8, 8) and pictures.key == f"folder:{tmp_path}"


def test_sampling_keeps_at_most_n_of_each_kind_in_order_and_seeded(runs):
    test = own_test_set(_train(runs / "tiny-vae-no7"))
    task = dataset_task(test, (7,), other_set("shapes", (1, 8, 8)))
    small = task.sample(50)
    assert len(small.normal_rows) == len(small.anomalous_rows) == 50
    assert (small.anomalous_rows.diff() > 0).all() and torch.equal(small.anomalous_rows, task.sample(50).anomalous_rows)
    assert not torch.equal(small.anomalous_rows, task.sample(50, seed=1).anomalous_rows)
    assert task.sample(10_000).normal_rows is task.normal_rows


def test_task_scores_use_stored_whole_sets_and_score_only_the_rest(runs):
    model = load_model(runs / "tiny-vae-no7")
    test = own_test_set(_train(runs / "tiny-vae-no7"))
    shapes = other_set("shapes", (1, 8, 8))
    task = dataset_task(test, (7,), shapes).sample(40)
    full_test = score_images(model, test.images, "recon")
    scores = score_task(model, task, "recon", stored={("test", "recon"): full_test})
    assert torch.allclose(scores[:40], full_test[task.normal_rows])
    assert torch.allclose(scores[40:], score_images(model, shapes.images[task.anomalous_rows], "recon"))
    with pytest.raises(ValueError, match="were not scored"):
        assemble(task, {"test": (task.normal_rows[:5], full_test[:5]), shapes.key: (task.anomalous_rows, scores[40:])})


def test_the_background_is_a_pixel_noise_run_on_the_same_pictures(runs, tmp_path):
    assert find_background(runs / "tiny-vae-no7") == runs / "tiny-vae-no7-background"
    assert find_background(runs / "tiny-vae") is None  # the background held out 7; this run did not
    main = read_run(runs / "tiny-vae-no7").config
    background = read_run(runs / "tiny-vae-no7-background").config
    assert is_background_for(main, background) and not is_background_for(main, main)  # no pixel noise
    other_size = json.loads(json.dumps(background))
    other_size["model"]["image_shape"] = [1, 16, 16]
    assert not is_background_for(main, other_size)
    assert not is_background_for(main, {"train": {"pixel_noise": "lots"}, "model": []})  # untrusted: no crash


def test_stored_scores_round_trip_and_stale_ones_are_ignored(runs, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(runs / "tiny-vae-no7", run)
    background = runs / "tiny-vae-no7-background"
    settings = ScoreSettings()
    values = {("test", "neg_elbo"): torch.arange(5.0), ("test", "ratio"): torch.ones(5),
              ("test", "iwae"): torch.zeros(5)}
    path = save_scores(run, values, settings, background)
    assert path.name == STORE_NAME and path.stat().st_size < 10_000
    loaded = load_scores(run, settings, background)
    assert set(loaded) == set(values) and all(loaded[k].dtype == torch.float64 for k in loaded)
    assert torch.equal(loaded[("test", "neg_elbo")], torch.arange(5.0, dtype=torch.float64))
    assert ("test", "ratio") not in load_scores(run, settings)  # no background given: its ratio is not valid
    assert set(load_scores(run, ScoreSettings(k=10), background)) == {("test", "neg_elbo"), ("test", "ratio")}
    assert load_scores(run, ScoreSettings(seed=1), background) == {}
    # a retrained model ignores them
    shutil.copy(runs / "tiny-vae" / "checkpoint.safetensors", run / "checkpoint.safetensors")
    assert load_scores(run, settings, background) == {}
    (run / STORE_NAME).write_bytes(b"\x00garbage")
    assert load_scores(run, settings, background) == {}


def test_uploaded_pictures_are_checked_and_fitted_and_bad_files_skipped():
    import io

    from PIL import Image

    def png(value: int) -> bytes:
        buffer = io.BytesIO()
        Image.new("L", (40, 30), value).save(buffer, format="PNG")
        return buffer.getvalue()

    pictures, skipped = uploaded_set([("a.png", png(10)), ("b.png", png(200)), ("c.txt", b"not a picture")], (1, 8, 8))
    assert pictures.images.shape == (2, 1, 8, 8) and skipped == 1 and pictures.key.startswith("upload:")
    again, _ = uploaded_set([("a.png", png(10)), ("b.png", png(200))], (1, 8, 8))
    assert again.key == pictures.key  # the same pictures, the same cache key
    with pytest.raises(ConfigError, match="none of the uploaded files"):
        uploaded_set([("c.txt", b"nope")], (1, 8, 8))
