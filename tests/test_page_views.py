"""What a run ships for its pages (vae.precompute.store, vae.precompute.pages, `python -m vae precompute`): what is
stored is what the pages would compute, and a file for other weights or settings, or a torn or foreign one, is
ignored; the three kinds share one stamp, and the shipped files still read as fresh."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import save_file

from vae.training.checkpoint import load_model
from vae.cli import main
from vae.explore.latent import encode_dataset, project_2d
from vae.precompute.pages import (MAP_STORE, RESTORE_EXAMPLES, RESTORE_STORE, example_key, first_picture, map_settings,
                            point_choices, restore_settings, stored_projection, stored_restoration)
from vae.explore.restore import baseline_components, compare, training_pca
from vae.training.runs import checkpoint_digest, read_run
from vae.data import load_split
from vae.metrics.anomaly.scores import ScoreSettings
from vae.precompute import home_pictures, store
from vae.precompute.anomaly_scores import NAME as ANOMALY_STORE, load_scores, save_scores
from vae.precompute.store import load_stored, save_stored
from ui.catalog import list_models


@pytest.fixture
def run(tiny_runs, tmp_path):
    """A copy of the tiny VAE run (latent 3), so the files written here reach no other test."""
    return shutil.copytree(tiny_runs / "tiny-vae", tmp_path / "tiny-vae")


def test_store_round_trip_and_what_it_ignores(run):
    tensors = {"a|1": torch.arange(6.0).view(3, 2)}
    path = save_stored(run, "stored", tensors, {"n": 3, "pair": (1, 2)})
    assert torch.equal(load_stored(run, "stored", {"n": 3, "pair": [1, 2]})["a|1"], tensors["a|1"])
    assert load_stored(run, "stored", {"n": 4, "pair": [1, 2]}) == {}  # other settings
    assert load_stored(run, "stored", {"n": 3, "pair": [1, 2]}, digest="0" * 64) == {}  # other weights
    meta = {"format": store.FORMAT, "checkpoint": "0" * 64, "settings": {"n": 3, "pair": [1, 2]}}
    save_file(tensors, str(path), metadata={"meta": json.dumps(meta)})
    assert load_stored(run, "stored", {"n": 3, "pair": [1, 2]}) == {}  # written for another checkpoint
    path.write_bytes(b"\x00" * 100)
    assert load_stored(run, "stored", {"n": 3, "pair": [1, 2]}) == {}  # torn
    assert load_stored(run, "missing", {}) == {}


def test_precompute_stores_what_the_pages_compute(run, capsys):
    assert main(["precompute", str(run), "--quiet"]) == 0
    assert {p.name for p in run.iterdir()} >= {f"{MAP_STORE}.safetensors", f"{RESTORE_STORE}.safetensors"}
    info = read_run(run)
    model = load_model(run).eval()
    test = load_split(info.train, "test")
    with torch.no_grad():
        codes = encode_dataset(model, test, limit=10_000).mu.numpy()
    for n in point_choices(len(codes)):
        stored = stored_projection(run, n)
        assert stored.shape == (n, 2) and np.allclose(stored, project_2d(codes[:n], "tsne"), atol=1e-4)
    assert stored_projection(run, 7) is None  # a size the map does not offer
    row, label = first_picture(test)
    components = baseline_components(model)
    baseline = training_pca(info.train, components)
    for spec, iterations in RESTORE_EXAMPLES:
        clean = test.images[row]
        shipped = stored_restoration(run, example_key(clean, None, spec, iterations, components))
        live = compare(model, baseline, clean[None], spec, iterations)
        assert torch.equal(shipped.clean, live.clean) and torch.equal(shipped.corrupted.known, live.corrupted.known)
        assert shipped.restored.keys() == live.restored.keys() and shipped.strips.keys() == live.strips.keys()
        for name in live.psnr:
            assert torch.allclose(shipped.psnr[name], live.psnr[name], atol=1e-3)
        # another picture, class or corruption is not the stored one
        assert stored_restoration(run, example_key(test.images[row + 1], None, spec, iterations, components)) is None
        assert stored_restoration(run, example_key(clean, 3, spec, iterations, components)) is None


def test_precompute_refuses_a_folder_without_a_run(tmp_path, capsys):
    assert main(["precompute", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "holds no usable run" in err and err.count("\n") == 1


PRETRAINED = [m for m in list_models() if m.pretrained]


@pytest.mark.parametrize("entry", PRETRAINED, ids=[m.name for m in PRETRAINED])
def test_the_shipped_files_still_read_as_fresh(entry):
    """The assets were written before the three kinds shared one stamp (format names "vae-explorer-views",
    "vae-explorer-home", none for anomaly scores): each still opens its page at once."""
    files = {p.name for p in Path(entry.path).iterdir()}
    if f"{RESTORE_STORE}.safetensors" in files:
        assert load_stored(entry.path, RESTORE_STORE, restore_settings())
    if f"{MAP_STORE}.safetensors" in files:
        assert load_stored(entry.path, MAP_STORE, map_settings())
    if f"{ANOMALY_STORE}.safetensors" in files:
        assert load_scores(entry.path, ScoreSettings())
    if home_pictures.ships(entry):
        digest, drawn_with = checkpoint_digest(entry.path), home_pictures.settings(entry.num_classes)
        assert home_pictures.load_picture(entry.path, home_pictures.SAMPLES_FILE, drawn_with, digest) is not None


def _stamp_of(path: Path) -> dict:
    if path.suffix == ".png":
        with Image.open(path) as picture:
            return json.loads(picture.info[home_pictures.META_KEY])
    with safe_open(str(path), framework="pt") as handle:
        return json.loads(handle.metadata()[store.META_KEY])


def test_the_three_kinds_write_one_stamp_and_accept_only_their_checkpoint(run, monkeypatch):
    digest = checkpoint_digest(run)
    written = [save_stored(run, "stored", {"a": torch.zeros(2)}, {"n": 1}),
               save_scores(run, {("test", "recon"): torch.zeros(3)}, ScoreSettings()),
               home_pictures.save_picture(run, "home_samples", Image.new("L", (8, 8)), {"n": 1})]
    for path in written:
        meta = _stamp_of(path)
        assert meta["format"] == store.FORMAT and meta["checkpoint"] == digest, path.name
        assert store.is_fresh(meta, meta["settings"], digest) and not store.is_fresh(meta, meta["settings"], "0" * 64)
    assert store.is_fresh({"format": "vae-explorer-home", "checkpoint": digest, "settings": {"n": (1,)}},
                          {"n": [1]}, digest)  # an earlier format name; tuples compare as lists
    for foreign in ({"format": "other", "checkpoint": digest, "settings": {}}, ["not", "a", "stamp"], None):
        assert not store.is_fresh(foreign, {}, digest)
    monkeypatch.setattr(store, "MAX_BYTES", 1000)
    (run / "big.safetensors").write_bytes(b"\x00" * 1001)
    assert store.read_file(run / "big.safetensors") is None and store.read_file(run) is None
    assert load_stored(run, "big", {}) == {}
