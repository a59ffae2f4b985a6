"""The decoder exporter: every family's decoder becomes a layer list whose NumPy interpreter draws
PyTorch's pictures, the packed bytes round-trip, and what it cannot run is refused, never guessed."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from vae.models import decoder_export
from vae.models.decoder_export import (CHECK_ATOL, HALF_ATOL, MAGIC, UnsupportedDecoder, export_decoder, export_within, pack,
                                reference_decode, unpack)
from vae.models import build_model
from vae.models.nets import MLPDecoder


def codes(model, n: int = 16, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor | None]:
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(n, model.latent_dim, generator=generator) * 2
    y = torch.randint(0, model.num_classes, (n,), generator=generator) if model.num_classes else None
    return z, y


@pytest.mark.parametrize("image_shape", [(1, 8, 8), (3, 16, 8)])
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_every_family_exports_and_draws_pytorchs_pictures(tiny, family, image_shape, likelihood):
    torch.manual_seed(0)
    model = build_model(tiny(family, image_shape=image_shape, likelihood=likelihood)).eval()
    export = export_decoder(model)
    assert export.output == ("sigmoid" if likelihood == "bernoulli" else "clamp")
    assert export.output_shape == image_shape and export.weights.dtype == np.float32
    z, y = codes(model)
    if family == "vqvae":  # the decoder reads quantized grids: codebook rows at random indices
        z = model.quantizer.lookup(torch.randint(0, 16, (16, *model.grid_shape))).flatten(1)
    with torch.no_grad():
        expected = model.decode(z, y).numpy()
    got = reference_decode(export, z.numpy(), None if y is None else y.numpy())
    assert got.shape == expected.shape and np.abs(got - expected).max() < 1e-5
    ops = [layer["op"] for layer in export.layers]
    if model.config.arch == "conv":
        assert "conv_transpose2d" in ops and "reshape" in ops
    assert ("conv2d" in ops) == (family == "vqvae")


def test_the_class_enters_as_a_one_hot_next_to_z(tiny):
    torch.manual_seed(0)
    model = build_model(tiny("cvae-mlp")).eval()
    export = export_decoder(model)
    assert export.num_classes == 10 and export.layers[0]["in"] == model.latent_dim + 10
    z = torch.zeros(10, model.latent_dim)
    pictures = reference_decode(export, z.numpy(), np.arange(10))
    assert len({p.tobytes() for p in pictures}) == 10  # the same z draws a different picture per class
    with pytest.raises(ValueError):
        reference_decode(export, z.numpy())


def test_pack_round_trips_and_the_id_follows_the_weights(tiny):
    torch.manual_seed(0)
    model = build_model(tiny("vae-conv")).eval()
    export = export_decoder(model)
    blob = pack(export)
    assert blob[:4] == MAGIC
    header, weights = unpack(blob)
    assert header["layers"] == export.layers and header["id"] == export.model_id
    assert np.array_equal(weights, export.weights) and len(blob) % 4 == 0
    assert export_decoder(model).model_id == export.model_id  # the same decoder, the same id
    with torch.no_grad():
        model.decoder.dense[0].bias[0] += 1
    assert export_decoder(model).model_id != export.model_id
    with pytest.raises(ValueError):
        unpack(b"JUNK" + blob[4:])
    with pytest.raises(ValueError):
        unpack(blob[:-4])  # one weight short


def test_general_convolutions_stride_padding_and_output_padding(tiny):
    """Layers beyond what our nets use today: stride 1 and 2, kernels 3 and 5, output_padding, LeakyReLU, Tanh."""
    torch.manual_seed(0)
    model = build_model(tiny("vqvae")).eval()  # (1, 8, 8) images, a 2×2 grid of 4-long codes
    model.decoder = nn.Sequential(
        nn.Conv2d(4, 6, 3, padding=1), nn.LeakyReLU(0.1),
        nn.ConvTranspose2d(6, 5, 3, stride=2, padding=1, output_padding=1), nn.Tanh(),  # 2×2 -> 4×4
        nn.ConvTranspose2d(5, 1, 5, stride=2, padding=2, output_padding=1),  # 4×4 -> 8×8
    ).eval()
    export = export_decoder(model)
    z = torch.randn(8, model.latent_dim)
    with torch.no_grad():
        expected = model.decode(z).numpy()
    assert np.abs(reference_decode(export, z.numpy()) - expected).max() < 1e-5
    assert [layer["out_hw"] for layer in export.layers if "out_hw" in layer] == [[2, 2], [4, 4], [8, 8]]


def test_an_unknown_layer_is_refused(tiny):
    model = build_model(tiny("vae-mlp")).eval()
    model.decoder.net[1] = nn.GELU()
    with pytest.raises(UnsupportedDecoder, match="GELU"):
        export_decoder(model)


def test_a_decoder_that_does_more_than_its_layers_is_refused(tiny):
    """The export is checked against the module's own forward: a decoder class that adds a step of its own
    (here, a shift) fails the check instead of drawing other pictures in the browser."""

    class Shifted(MLPDecoder):
        def forward(self, z, y_onehot=None):
            return super().forward(z, y_onehot) + 0.5

    torch.manual_seed(0)
    model = build_model(tiny("vae-mlp")).eval()
    shifted = Shifted(model.config.image_shape, model.config.hidden, model.config.latent_dim)
    shifted.load_state_dict(model.decoder.state_dict())
    model.decoder = shifted
    with pytest.raises(UnsupportedDecoder, match="differs"):
        export_decoder(model)
    assert CHECK_ATOL < 1 / 255


@pytest.mark.parametrize("family", ["vae-mlp", "cvae-conv"])
def test_float16_halves_the_bytes_and_moves_the_pictures_less_than_half_a_grey_level(tiny, family):
    torch.manual_seed(0)
    model = build_model(tiny(family, image_shape=(3, 16, 8), likelihood="gaussian")).eval()
    full, half = export_decoder(model), export_decoder(model, "float16")
    assert half.dtype == "float16" and half.weights.dtype == np.float16 and half.nbytes * 2 == full.nbytes
    assert half.layers == full.layers and half.model_id != full.model_id
    assert np.array_equal(half.weights, full.weights.astype(np.float16))  # rounded to nearest, nothing else
    z, y = codes(model, n=64)
    with torch.no_grad():
        expected = model.decode(z, y).numpy()
    got = reference_decode(half, z.numpy(), None if y is None else y.numpy())
    gap = np.abs(got - expected).max()
    assert 0 < gap <= HALF_ATOL  # rounded weights change the pictures, by less than the bound
    blob = pack(half)
    header, weights = unpack(blob)
    assert header["dtype"] == "float16" and weights.dtype == np.float16 and np.array_equal(weights, half.weights)
    assert len(blob) - len(pack(full)) == -half.nbytes  # the same header length, half the weight bytes
    with pytest.raises(ValueError, match="truncated"):
        unpack(blob[:-2])
    with pytest.raises(ValueError):
        export_decoder(model, "bfloat16")


def test_the_float16_rounding_is_checked_against_pytorch(tiny, monkeypatch):
    """The float16 export passes only while its pictures stay within HALF_ATOL of model.decode's."""
    torch.manual_seed(0)
    model = build_model(tiny("vae-mlp", likelihood="gaussian")).eval()
    export_decoder(model, "float16")
    monkeypatch.setattr(decoder_export, "HALF_ATOL", 1e-7)  # below float16's rounding: refused
    with pytest.raises(UnsupportedDecoder, match="float16 decoder differs"):
        export_decoder(model, "float16")
    export_decoder(model)  # float32 is still within its own CHECK_ATOL


def test_export_within_prefers_float32_and_falls_back_to_float16(tiny):
    torch.manual_seed(0)
    model = build_model(tiny("vae-mlp")).eval()
    size = export_decoder(model).nbytes
    assert export_within(model, size).dtype == "float32"  # fits as it is: exact
    assert export_within(model, size - 1).dtype == "float16"  # only half the bytes fit
    assert export_within(model, size // 2).dtype == "float16"
    assert export_within(model, size // 2 - 1) is None  # nothing fits


def test_every_pretrained_gaussian_model_runs_in_the_browser_within_the_budget():
    """What the app does with each pretrained Gaussian model: float32 weights when they fit ui.live.MAX_BYTES,
    float16 when only those do (fashion-vae's 3.4 MB conv decoder ships as 1.7 MB)."""
    from ui import live
    from ui.catalog import list_models

    for entry in list_models():
        if not entry.pretrained:
            continue
        decoded = live.live_model(entry)
        if not entry.kind.posterior:
            assert decoded is None
            continue
        full = export_decoder(live.model_for(entry))
        assert decoded is not None and decoded.nbytes <= live.MAX_BYTES, entry.name
        assert decoded.dtype == ("float32" if full.nbytes <= live.MAX_BYTES else "float16"), entry.name
        header, weights = unpack(decoded.packed)
        assert header["id"] == decoded.model_id and header["dtype"] == decoded.dtype == weights.dtype.name
        assert json.loads(json.dumps(header)) == header
        assert (entry.name == "fashion-vae") == (decoded.dtype == "float16")  # the one over 2 MB in float32
