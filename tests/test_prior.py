"""The learned prior over VQ-VAE code grids and the code-grid tools: it learns structure a unigram
prior cannot, saves and loads exactly, samples valid grids, and the CLI refuses what is not a VQ-VAE."""

from __future__ import annotations

import math
import shutil

import pytest
import torch

from vae import cli
from vae.training.checkpoint import load_model
from vae.explore.codes import CodeError, code_grids, codebook_usage, swap_code
from vae.models.prior import (PRIOR_NAME, CodePrior, PriorConfig, PriorError, codebook_fingerprint, fit_grids, load_prior,
                       mean_nll, read_prior_metrics, sample_prior, save_prior)

FAST = PriorConfig(width=32, layers=1, heads=2, dropout=0.0, epochs=15, batch_size=64, lr=1e-2)


def constant_grids(n: int, k: int = 4, shape=(2, 2), seed: int = 0) -> torch.Tensor:
    """Grids whose cells all hold the same random code: each cell alone is uniform, together they are one."""
    codes = torch.randint(0, k, (n, 1, 1), generator=torch.Generator().manual_seed(seed))
    return codes.expand(n, *shape).clone()


@pytest.fixture(scope="module")
def structured_fit():
    return fit_grids(constant_grids(400), 4, FAST, held_out=constant_grids(100, seed=1))


def test_prior_learns_what_the_unigram_prior_cannot(structured_fit):
    m = structured_fit.metrics
    # Unigram: 4 cells × ln 4; a prior that learned "copy the first cell" needs only ln 4.
    assert m["unigram_nll"] == pytest.approx(4 * math.log(4), rel=0.05)
    assert m["nll"] < 0.5 * m["unigram_nll"]
    assert m["held_out"] == "test" and m["held_out_grids"] == 100 and m["train_grids"] + m["val_grids"] == 400
    assert m["bits_per_cell"] == pytest.approx(m["nll"] / (4 * math.log(2)))
    assert 1 <= m["best_epoch"] <= FAST.epochs


def test_samples_are_valid_grids_and_follow_the_learned_structure(structured_fit):
    prior = structured_fit.prior
    grids = sample_prior(prior, 200, temperature=0.5, generator=torch.Generator().manual_seed(0))
    assert grids.shape == (200, 2, 2) and grids.dtype == torch.long
    assert grids.min() >= 0 and grids.max() < 4
    constant = (grids.flatten(1) == grids[:, :1, :1].flatten(1)).all(1).float().mean()
    assert constant > 0.9  # a unigram sampler would give 1/64 constant grids
    assert len(grids[:, 0, 0].unique()) >= 3  # and it still draws different codes for the first cell
    again = sample_prior(prior, 200, temperature=0.5, generator=torch.Generator().manual_seed(0))
    assert torch.equal(grids, again)


def test_save_load_round_trip_is_exact(structured_fit, tmp_path):
    save_prior(tmp_path, structured_fit.prior, structured_fit.metrics)
    loaded = load_prior(tmp_path)
    grids = constant_grids(50, seed=3)
    assert loaded.config == FAST and loaded.grid_shape == (2, 2) and loaded.codebook_size == 4
    for key, value in structured_fit.prior.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])
    assert mean_nll(loaded, grids) == mean_nll(structured_fit.prior, grids)
    assert read_prior_metrics(tmp_path) == structured_fit.metrics
    assert not list(tmp_path.glob(".*tmp"))  # written atomically: no temp file left behind


def test_missing_or_broken_prior(tmp_path):
    assert load_prior(tmp_path) is None and read_prior_metrics(tmp_path) is None
    (tmp_path / PRIOR_NAME).write_bytes(b"not a safetensors file")
    with pytest.raises(PriorError, match="not a readable code prior"):
        load_prior(tmp_path)


def test_config_and_data_are_checked():
    with pytest.raises(ValueError, match="multiple of heads"):
        PriorConfig(width=30, heads=4)
    with pytest.raises(PriorError, match="at least 10"):
        fit_grids(constant_grids(5), 4, FAST)


def test_codebook_usage_counts_perplexity_and_dead_codes():
    grids = torch.tensor([[[0, 1], [2, 3]], [[0, 1], [2, 3]]])
    usage = codebook_usage(grids, 6)
    assert usage.counts.tolist() == [2, 2, 2, 2, 0, 0] and usage.dead == (4, 5) and usage.used == 4
    assert usage.perplexity == pytest.approx(4.0)  # four codes used evenly
    assert codebook_usage(torch.zeros(3, 2, 2, dtype=torch.long), 6).perplexity == pytest.approx(1.0)


def test_swap_code_copies_and_checks():
    grid = torch.zeros(3, 3, dtype=torch.long)
    edited = swap_code(grid, (1, 2), 5, codebook_size=8)
    assert edited[1, 2] == 5 and edited.sum() == 5 and grid.sum() == 0
    with pytest.raises(CodeError, match="outside"):
        swap_code(grid, (3, 0), 1)
    with pytest.raises(CodeError, match="from 0 to 7"):
        swap_code(grid, (0, 0), 8, codebook_size=8)


def test_prior_for_other_codes_is_refused(tiny_runs, tmp_path):
    run = tmp_path / "vq"
    shutil.copytree(tiny_runs / "tiny-vqvae", run)
    model = load_model(run)
    prior = CodePrior(model.config.codebook_size, model.grid_shape, FAST)
    save_prior(run, prior, {"vqvae_fingerprint": "0" * 16})
    with pytest.raises(PriorError, match="retrain it with python -m vae prior"):
        load_prior(run, model)
    save_prior(run, prior, {"vqvae_fingerprint": codebook_fingerprint(model)})
    assert load_prior(run, model) is not None


def test_cli_trains_a_prior_into_the_run(tiny_runs, tmp_path, capsys):
    run = tmp_path / "vq"
    shutil.copytree(tiny_runs / "tiny-vqvae", run)
    assert cli.main(["prior", str(run), "--epochs", "2", "--device", "cpu", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "learned prior" in out and "unigram prior" in out and "nats/grid" in out and "bits/cell" in out
    model = load_model(run)
    prior = load_prior(run, model)
    assert prior.grid_shape == tuple(model.grid_shape) == (4, 4) and prior.codebook_size == 16
    metrics = read_prior_metrics(run)
    assert metrics["held_out"] == "test" and metrics["held_out_grids"] == 360  # the digits test split
    grids = code_grids(model, torch.rand(3, 1, 16, 16))
    assert grids.shape == (3, 4, 4)
    # `python -m vae sample` now draws the codes from the learned prior
    assert cli.main(["sample", str(run), "--n", "5", "--seed", "3", "--out", str(tmp_path / "s.png")]) == 0
    assert "learned prior" in capsys.readouterr().out
    expected = model.decode_indices(sample_prior(prior, 5, 1.0, torch.Generator().manual_seed(3)))
    assert (tmp_path / "s.png").read_bytes() == _grid_png(expected.detach(), tmp_path / "expected.png")


@pytest.mark.parametrize("which, message", [("tiny-vae", "needs a VQ-VAE"), ("missing", "holds no run")])
def test_cli_prior_refuses_what_is_not_a_vqvae(tiny_runs, capsys, which, message):
    assert cli.main(["prior", str(tiny_runs / which), "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not (tiny_runs / which / PRIOR_NAME).exists()


def _grid_png(images: torch.Tensor, path) -> bytes:
    from vae.explore.grids import save_grid

    save_grid(images, path)
    return path.read_bytes()
