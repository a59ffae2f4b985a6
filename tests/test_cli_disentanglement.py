"""`python -m vae disentanglement RUN`: scores a shapes run, writes RUN/disentanglement.json that the
app trusts only while it fits the checkpoint, and refuses runs without ground truth in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vae.atomic import atomic_write_json
from vae.cli import main
from vae.config import TrainConfig
from vae.metrics.disentanglement.scores import METRIC_KEYS
from vae.metrics.disentanglement.run import SCORES_NAME, read_scores
from vae.training.trainer import train

REPO = Path(__file__).resolve().parents[1]
# The protocol's 10,000 points take minutes; the meaning is the same. The quick forest for DCI, except where
# the reference classifier (the default) is the point.
POINTS = ["--points", "400", "--device", "cpu", "--dci", "forest"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """One-epoch runs on 200 pictures: a conv VAE on 16-px shapes (latent 3), an MLP VAE on digits and a
    VQ-VAE on shapes."""
    root = tmp_path_factory.mktemp("dis-runs")
    config = TrainConfig(dataset="shapes", image_size=16, limit=200, epochs=1, batch_size=50, device="cpu",
                         grid_images=16)
    train(dict(family="vae", arch="conv", hidden=(8, 8), latent_dim=3, conv_fc=32), config, root / "shapes")
    train(dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3), config.replace(dataset="digits", image_size=None),
          root / "digits")
    train(dict(family="vqvae", arch="conv", hidden=(8, 8), latent_dim=4, codebook_size=16), config, root / "vq")
    return root


def test_json_report_and_the_file_the_app_reads(tiny, capsys):
    run = tiny / "shapes"
    assert main(["disentanglement", str(run), "--json", *POINTS]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert err == ""  # --json: no progress lines
    assert set(METRIC_KEYS) <= set(report)
    for key in METRIC_KEYS:
        assert -1e-9 <= report[key] <= 1 + 1e-9, key
    assert report["points"] == 400 and report["seed"] == 0 and report["latent_dim"] == 3
    assert report["factor_names"] == ["shape", "scale", "orientation", "pos_x", "pos_y"]
    assert len(report["mi"]) == 3 and len(report["mi"][0]) == 5 and len(report["kl_per_dim"]) == 3
    assert set(report["seconds"]) >= {"codes", "mig", "factor_vae", "dci", "sap", "modularity"}
    assert report["dci_classifier"] == "forest" and "RandomForestClassifier(n_estimators=10" in report["protocol"]
    assert report["recon"] > 0 and report["kl"] >= 0 and 0 <= report["active_dims"] <= 3
    assert read_scores(run, 3, 5) == report  # written whole, and it belongs to this checkpoint


def test_text_report_is_seeded(tiny, capsys):
    run = tiny / "shapes"
    assert main(["disentanglement", str(run), *POINTS, "--seed", "5", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("shapes: 400 points, seed 5")
    for name in ("MIG", "FactorVAE score", "DCI disentanglement", "DCI completeness", "DCI informativeness",
                 "SAP", "Modularity"):
        assert f"  {name} " in out
    first = json.loads((run / SCORES_NAME).read_text())
    assert main(["disentanglement", str(run), *POINTS, "--seed", "5", "--quiet"]) == 0
    again = json.loads((run / SCORES_NAME).read_text())
    assert {k: first[k] for k in METRIC_KEYS} == {k: again[k] for k in METRIC_KEYS}
    assert main(["disentanglement", str(run), *POINTS, "--seed", "5", "--quiet", "--workers", "1"]) == 0
    one = json.loads((run / SCORES_NAME).read_text())  # the default is a worker per core: the same scores
    assert {k: first[k] for k in METRIC_KEYS} == {k: one[k] for k in METRIC_KEYS}
    capsys.readouterr()
    assert main(["disentanglement", str(run), *POINTS, "--workers", "0"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: --workers 0") and err.count("\n") == 1


@pytest.mark.parametrize("which, words", [("digits", "no ground-truth factors"), ("vq", "VQ-VAE"),
                                          ("missing", "holds no run")])
def test_refused_in_one_line(tiny, capsys, which, words):
    run = tiny / which
    assert main(["disentanglement", str(run), *POINTS]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and err.count("\n") == 1 and words in err
    assert not (run / SCORES_NAME).exists()


def test_too_few_points_refused(tiny, capsys):
    assert main(["disentanglement", str(tiny / "shapes"), "--points", "10"]) == 2
    assert capsys.readouterr().err.startswith("error: --points 10 is too few")


def test_scores_that_do_not_fit_are_ignored(tiny, capsys):
    run = tiny / "shapes"
    assert main(["disentanglement", str(run), "--json", *POINTS]) == 0
    report = json.loads(capsys.readouterr().out)
    assert read_scores(run, 3, 5) is not None
    assert read_scores(run, 4, 5) is None  # another model's shape
    for broken in ({**report, "checkpoint_sha256": "0" * 64},  # scores of other weights
                   {**report, "mig": "high"}, {**report, "mi": [[0.0] * 5] * 2}, {**report, "version": 99}):
        atomic_write_json(run / SCORES_NAME, broken)
        assert read_scores(run, 3, 5) is None
    (run / SCORES_NAME).write_text('{"mig": 0.5, "factor_vae"')  # cut short
    assert read_scores(run, 3, 5) is None


def test_default_dci_is_the_references_and_recorded(tiny, capsys):
    run = tiny / "shapes"
    assert main(["disentanglement", str(run), "--json", "--points", "100", "--device", "cpu", "--workers", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dci_classifier"] == "exact" and report["version"] == 2
    assert report["protocol"].endswith("DCI's classifier per factor: GradientBoostingClassifier()'s trees on "
                                       "presorted codes (vae.metrics.disentanglement.dci_exact)")
    assert report["cpu_seconds"]["dci"] > 0  # the worker processes' time is counted
    assert read_scores(run, 3, 5) == report


def test_an_older_scores_file_still_opens_and_says_its_classifier(tiny, capsys):
    """Version 1 files (before DCI recorded its classifier) fitted the forest: read as such until re-scored."""
    run = tiny / "shapes"
    assert main(["disentanglement", str(run), "--json", *POINTS]) == 0
    report = json.loads(capsys.readouterr().out)
    old = {k: v for k, v in report.items() if k != "dci_classifier"}
    atomic_write_json(run / SCORES_NAME, {**old, "version": 1})
    assert read_scores(run, 3, 5) == {**old, "version": 1, "dci_classifier": "forest"}
    for broken in ({**report, "dci_classifier": "svm"}, {**report, "dci_classifier": ["gbt"]},
                   {**report, "version": "2"}, {**report, "version": 3}):
        atomic_write_json(run / SCORES_NAME, broken)
        assert read_scores(run, 3, 5) is None


def test_real_process(tiny):
    done = subprocess.run([sys.executable, "-m", "vae", "disentanglement", str(tiny / "shapes"), "--json", *POINTS],
                          cwd=REPO, env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert set(METRIC_KEYS) <= set(json.loads(done.stdout))
    refused = subprocess.run([sys.executable, "-m", "vae", "disentanglement", str(tiny / "digits")], cwd=REPO,
                             env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and refused.stderr.startswith("error: ") and refused.stderr.count("\n") == 1



@pytest.mark.parametrize("name, shape", [("vae-conv", (1, 16, 16)), ("cvae-conv", (1, 16, 16)), ("vae-mlp", (3, 8, 8))])
def test_the_frozen_encoder_gives_the_models_own_means(name, shape):
    """encoder_means traces and freezes a private copy for speed: model.encode's means at any batch size,
    and the model itself is left as it was."""
    import torch
    from conftest import tiny_config

    from vae.metrics.disentanglement.run import _frozen, _Means, encoder_means
    from vae.models import build_model

    torch.manual_seed(0)
    model = build_model(tiny_config(name, image_shape=shape)).eval()
    example = (torch.rand(2, *shape),) + ((torch.zeros(2, dtype=torch.int64),) if model.num_classes else ())
    assert isinstance(_frozen(_Means(model), example), torch.jit.ScriptModule)  # really traced, not the fallback
    means = encoder_means(model)
    for n in (1, 37, 300):  # below, at and across ENCODE_BATCH
        x = torch.rand(n, *shape)
        y = torch.randint(0, 10, (n,)) if model.num_classes else None
        with torch.no_grad():
            expected = model.encode(x, y)[0].numpy()
        got = means(x, y)
        assert got.shape == expected.shape and abs(got - expected).max() < 1e-5
    assert not isinstance(model.encoder, torch.jit.ScriptModule)
