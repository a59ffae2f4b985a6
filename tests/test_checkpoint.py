"""Checkpoints: exact round trips for every family, and clear one-line refusals of anything else."""

from __future__ import annotations

import json
import os

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

import vae.training.checkpoint
from vae.training.checkpoint import CheckpointError, load_model, read_checkpoint, save_checkpoint
from vae.models import build_model
from vae.training.runs import CHECKPOINT_NAME


def _trained(tiny, family, digits_batch):
    """A model a few steps from its initialization (VQ: EMA buffers moved too), in eval mode."""
    torch.manual_seed(0)
    model = build_model(tiny(family))
    x, labels = digits_batch
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(3):
        loss = model.loss(x, labels if model.num_classes else None)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def _outputs(model, x, labels) -> dict[str, torch.Tensor]:
    y = labels if model.num_classes else None
    code, _ = model.encode(x, y)
    torch.manual_seed(3)
    return {"code": code, "decoded": model.decode(code, y), "recon": model.reconstruct(x, y),
            "samples": model.sample(8, y=y[:8] if y is not None else None,
                                    generator=torch.Generator().manual_seed(1)),
            "loss": model.loss(x, y)["loss"]}


def test_round_trip_gives_identical_outputs(family, tiny, digits_batch, tmp_path):
    model = _trained(tiny, family, digits_batch)
    path = tmp_path / "model.safetensors"
    save_checkpoint(path, model, {"epoch": 3, "dataset": "digits"})
    loaded = load_model(path)
    assert not loaded.training and type(loaded) is type(model) and loaded.config == model.config
    state = model.state_dict()
    assert set(loaded.state_dict()) == set(state)
    assert all(torch.equal(v, state[k]) for k, v in loaded.state_dict().items())
    expected, got = _outputs(model, *digits_batch), _outputs(loaded, *digits_batch)
    for key in expected:
        assert torch.equal(got[key], expected[key]), key
    assert read_checkpoint(path).meta == {"epoch": 3, "dataset": "digits"}


def test_load_model_from_a_run_directory(tiny, digits_batch, tmp_path):
    model = _trained(tiny, "vae-mlp", digits_batch)
    save_checkpoint(tmp_path, model, {})
    assert (tmp_path / CHECKPOINT_NAME).is_file()
    loaded = load_model(tmp_path)
    assert torch.equal(loaded.decode(torch.ones(2, 4)), model.decode(torch.ones(2, 4)))


def test_checkpoint_is_readable_by_other_users(tiny, digits_batch, tmp_path):
    """The app may run as another user than the trainer; safetensors writes a fresh 0600 file."""
    save_checkpoint(tmp_path, build_model(tiny("vae-mlp")), {})
    assert os.stat(tmp_path / CHECKPOINT_NAME).st_mode & 0o777 == 0o644


def test_checkpoint_is_written_atomically(tiny, digits_batch, tmp_path, monkeypatch):
    model = _trained(tiny, "vae-mlp", digits_batch)
    save_checkpoint(tmp_path, model, {"epoch": 1})
    save_checkpoint(tmp_path, model, {"epoch": 2})  # replaces the first
    assert sorted(os.listdir(tmp_path)) == [CHECKPOINT_NAME]

    def torn_write(tensors, filename, metadata=None):  # dies halfway through writing
        with open(filename, "wb") as handle:
            handle.write(b"\x00" * 100)
        raise OSError("disk full")

    monkeypatch.setattr(vae.training.checkpoint, "save_file", torn_write)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tmp_path, model, {"epoch": 3})
    assert sorted(os.listdir(tmp_path)) == [CHECKPOINT_NAME]  # no temp file left behind
    assert read_checkpoint(tmp_path).meta == {"epoch": 2}  # and the old checkpoint is whole


def _one_line_error(path) -> str:
    with pytest.raises(CheckpointError) as caught:
        load_model(path)
    message = str(caught.value)
    assert message and "\n" not in message
    return message


@pytest.mark.parametrize("content", [os.urandom(4096), b"", b"\x05\x00\x00\x00\x00\x00\x00\x00{}",
                                     json.dumps({"config": {"family": "vae"}, "weights": [1, 2]}).encode()],
                         ids=["random-bytes", "empty", "bad-header", "json"])
def test_a_file_that_is_not_safetensors_is_refused(content, tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(content)
    assert "not a valid checkpoint" in _one_line_error(path)


def test_a_truncated_checkpoint_is_refused(tiny, digits_batch, tmp_path):
    save_checkpoint(tmp_path, _trained(tiny, "vae-mlp", digits_batch), {})
    path = tmp_path / CHECKPOINT_NAME
    path.write_bytes(path.read_bytes()[:-500])
    assert "not a valid checkpoint" in _one_line_error(path)


def test_a_missing_checkpoint_is_refused(tmp_path):
    assert "no checkpoint" in _one_line_error(tmp_path)
    assert "no checkpoint" in _one_line_error(tmp_path / "nothing.safetensors")


def test_safetensors_without_our_header_is_refused(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file({"weight": torch.zeros(3, 3)}, str(path), metadata={"framework": "something else"})
    assert "not a VAE Explorer checkpoint" in _one_line_error(path)


def _rewrite(path, edit_header=None, edit_tensors=None) -> None:
    """Re-save a checkpoint with its header and/or tensors edited."""
    with safe_open(str(path), framework="pt") as handle:
        header = handle.metadata()
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    if edit_header:
        edit_header(header)
    if edit_tensors:
        edit_tensors(tensors)
    save_file(tensors, str(path), metadata=header)


def _set_config(header, **changes):
    header["config"] = json.dumps({**json.loads(header["config"]), **changes})


@pytest.mark.parametrize("family", ["vae-mlp", "vqvae"])
@pytest.mark.parametrize("edit", [
    dict(edit_header=lambda h: _set_config(h, latent_dim=6)),
    dict(edit_header=lambda h: _set_config(h, hidden=[48])),
    dict(edit_tensors=lambda t: t.pop(sorted(k for k in t if k.startswith("model."))[-1])),
    dict(edit_tensors=lambda t: t.update({"model.extra.weight": torch.zeros(2)})),
], ids=["latent-dim", "hidden", "dropped-tensor", "extra-tensor"])
def test_weights_that_do_not_match_the_config_are_refused(family, edit, tiny, digits_batch, tmp_path):
    save_checkpoint(tmp_path, _trained(tiny, family, digits_batch), {})
    _rewrite(tmp_path / CHECKPOINT_NAME, **edit)
    assert "do not match" in _one_line_error(tmp_path)


@pytest.mark.parametrize("config", ["{not json", json.dumps({"latent_dim": 4, "from_the_future": 1}),
                                    json.dumps({"latent_dim": 0}), json.dumps([1, 2])],
                         ids=["bad-json", "unknown-field", "invalid-value", "not-a-dict"])
def test_an_unreadable_config_is_refused(config, tiny, digits_batch, tmp_path):
    save_checkpoint(tmp_path, _trained(tiny, "vae-mlp", digits_batch), {})
    _rewrite(tmp_path / CHECKPOINT_NAME, edit_header=lambda h: h.update(config=config))
    assert "config" in _one_line_error(tmp_path)


def test_every_shipped_checkpoints_config_agrees_with_its_run_folder():
    """A checkpoint's header holds the full ModelConfig as before RunSpec; the run folder's config.json (old
    layout in the assets) reads as the same model through vae.spec, and the weights load into it."""
    from pathlib import Path

    from vae.training.runs import read_run

    assets = Path(__file__).resolve().parents[1] / "assets"
    folders = sorted(p.parent for p in assets.glob(f"*/{CHECKPOINT_NAME}"))
    assert folders
    for folder in folders:
        run, checkpoint = read_run(folder), read_checkpoint(folder)
        assert run.problem is None and checkpoint.config == run.model == run.spec.model_config(run.data), folder
        load_model(folder)  # strict: every weight matches the config
