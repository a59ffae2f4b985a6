"""Precomputed page views (vae.view_store, vae.page_views, `python -m vae precompute`): what is stored is what the
pages would compute, and a file for other weights or settings, or a torn or foreign one, is ignored."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from vae.checkpoint import load_model
from vae.cli import main
from vae.latent import encode_dataset, project_2d
from vae.page_views import (MAP_STORE, RESTORE_EXAMPLES, RESTORE_STORE, example_key, first_picture, map_settings,
                            point_choices, stored_projection, stored_restoration)
from vae.restore import baseline_components, compare, training_pca
from vae.runs import read_run
from vae.data import load_split
from vae.view_store import load_views, save_views


@pytest.fixture
def run(tiny_runs, tmp_path):
    """A copy of the tiny VAE run (latent 3), so the files written here reach no other test."""
    return shutil.copytree(tiny_runs / "tiny-vae", tmp_path / "tiny-vae")


def test_store_round_trip_and_what_it_ignores(run):
    tensors = {"a|1": torch.arange(6.0).view(3, 2)}
    path = save_views(run, "views", tensors, {"n": 3, "pair": (1, 2)})
    assert torch.equal(load_views(run, "views", {"n": 3, "pair": [1, 2]})["a|1"], tensors["a|1"])
    assert load_views(run, "views", {"n": 4, "pair": [1, 2]}) == {}  # other settings
    assert load_views(run, "views", {"n": 3, "pair": [1, 2]}, digest="0" * 64) == {}  # other weights
    meta = {"format": "vae-explorer-views", "checkpoint": "0" * 64, "settings": {"n": 3, "pair": [1, 2]}}
    save_file(tensors, str(path), metadata={"meta": json.dumps(meta)})
    assert load_views(run, "views", {"n": 3, "pair": [1, 2]}) == {}  # written for another checkpoint
    path.write_bytes(b"\x00" * 100)
    assert load_views(run, "views", {"n": 3, "pair": [1, 2]}) == {}  # torn
    assert load_views(run, "missing", {}) == {}


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
