"""A model's decoder as a flat layer list and one weight buffer (float32, or float16 at half the bytes),
for decoders written in other languages (the browser's live decoding runs it in JavaScript:
ui/live_assets/decoder.js).

`export_decoder(model)` walks the decoder (Linear, activations, Conv2d, ConvTranspose2d and the
reshapes between them; a conditional VAE's one-hot class enters next to z), `pack` writes it as
bytes, and `reference_decode` is the same interpreter in NumPy, the specification the JavaScript
follows. An export is only returned once it has reproduced PyTorch's own decodes (a float16 export: within
HALF_ATOL of them, float32's own check passed first); anything else raises UnsupportedDecoder, so a
caller can fall back to decoding in PyTorch. `export_within(model, max_bytes)` picks the dtype.
"""

from __future__ import annotations

import hashlib
import json
import dataclasses
import math
import struct
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from vae.models.nets import ConvDecoder, MLPDecoder

MAGIC = b"VAEL"  # first four bytes of a packed export
FORMAT_VERSION = 2  # 2: the header names the weights' dtype
CHECK_CODES = 8  # random codes on which an export must match PyTorch before it is trusted
CHECK_ATOL = 1e-4  # largest allowed pixel difference (in [0, 1]) on those codes; float32 noise is ~1e-6
# float16 rounds each weight by up to 2^-11 of itself; on the pretrained decoders that moved pictures by
# 0.08-0.37 of a grey level (100 codes). Half a level leaves the browser's 1/255 parity target a margin.
HALF_ATOL = 0.5 / 255
DTYPES = {"float32": "<f4", "float16": "<f2"}  # the header's name -> little-endian NumPy dtype
ACTIVATIONS = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}


class UnsupportedDecoder(ValueError):
    """This decoder holds a layer (or a wiring) the exported interpreters do not run."""


@dataclass(frozen=True)
class DecoderExport:
    """A decoder as data: `layers` run in order on a flat float vector, offsets index `weights`."""

    latent_dim: int  # D: the code's length
    num_classes: int  # K > 0: a one-hot class of length K follows z in the input
    output_shape: tuple[int, int, int]  # (C, H, W) of the picture
    output: str  # "sigmoid" (Bernoulli logits) or "clamp" (Gaussian means clamped to [0, 1])
    layers: list[dict]  # {"op": ..., sizes, "w"/"b": element offsets into weights}
    weights: np.ndarray = field(repr=False)  # (N,) float32 or float16, every tensor flattened in PyTorch's order

    @property
    def dtype(self) -> str:
        return self.weights.dtype.name  # "float32" or "float16"

    @property
    def nbytes(self) -> int:
        return int(self.weights.nbytes)

    @property
    def model_id(self) -> str:
        """A short digest of the layer list and weights: the same decoder always gets the same id."""
        digest = hashlib.sha1(json.dumps(self.header(), sort_keys=True).encode())
        digest.update(self.weights.tobytes())
        return digest.hexdigest()[:16]

    def header(self) -> dict:
        return {"version": FORMAT_VERSION, "latent_dim": self.latent_dim, "num_classes": self.num_classes,
                "output_shape": list(self.output_shape), "output": self.output, "layers": self.layers,
                "dtype": self.dtype, "floats": int(self.weights.size)}


class _Writer:
    """Collects tensors into one float32 buffer and tracks the shape flowing through the layers."""

    def __init__(self, shape: tuple[int, ...]):
        self.chunks: list[np.ndarray] = []
        self.size = 0
        self.shape = shape  # the current activation's shape, without the batch
        self.layers: list[dict] = []

    def tensor(self, t: torch.Tensor) -> int:
        array = t.detach().float().cpu().contiguous().numpy().ravel()
        offset = self.size
        self.chunks.append(array)
        self.size += array.size
        return offset

    def add(self, module: nn.Module) -> None:
        if isinstance(module, nn.Sequential):
            for child in module:
                self.add(child)
        elif isinstance(module, nn.Linear):
            self._linear(module)
        elif isinstance(module, nn.ConvTranspose2d):
            self._conv(module, "conv_transpose2d")
        elif isinstance(module, nn.Conv2d):
            self._conv(module, "conv2d")
        elif isinstance(module, nn.LeakyReLU):
            self.layers.append({"op": "leaky_relu", "slope": float(module.negative_slope)})
        elif type(module) in ACTIVATIONS:
            self.layers.append({"op": ACTIVATIONS[type(module)]})
        elif isinstance(module, nn.Flatten):
            self.reshape((math.prod(self.shape),))
        elif isinstance(module, (nn.Identity, nn.Dropout)):
            pass  # nothing at inference time
        else:
            raise UnsupportedDecoder(f"no exported version of layer {type(module).__name__}")

    def reshape(self, shape) -> None:
        shape = tuple(int(s) for s in shape)
        if math.prod(shape) != math.prod(self.shape):
            raise UnsupportedDecoder(f"cannot reshape {self.shape} to {shape}")
        self.layers.append({"op": "reshape", "shape": list(shape)})
        self.shape = shape

    def _linear(self, layer: nn.Linear) -> None:
        if len(self.shape) != 1 or self.shape[0] != layer.in_features:
            raise UnsupportedDecoder(f"Linear({layer.in_features}) after an activation of shape {self.shape}")
        bias = layer.bias if layer.bias is not None else torch.zeros(layer.out_features)
        self.layers.append({"op": "linear", "in": layer.in_features, "out": layer.out_features,
                            "w": self.tensor(layer.weight), "b": self.tensor(bias)})  # w: (out, in) row-major
        self.shape = (layer.out_features,)

    def _conv(self, layer: nn.Conv2d | nn.ConvTranspose2d, op: str) -> None:
        if len(self.shape) != 3 or self.shape[0] != layer.in_channels:
            raise UnsupportedDecoder(f"{type(layer).__name__}({layer.in_channels}) after shape {self.shape}")
        if layer.groups != 1 or tuple(layer.dilation) != (1, 1) or layer.padding_mode != "zeros":
            raise UnsupportedDecoder(f"{type(layer).__name__} with groups, dilation or non-zero padding")
        if isinstance(layer.padding, str):
            raise UnsupportedDecoder("convolutions with padding given by name")
        (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
        _, h, w = self.shape
        if op == "conv2d":
            out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
        else:
            oph, opw = layer.output_padding
            out_h, out_w = (h - 1) * sh - 2 * ph + kh + oph, (w - 1) * sw - 2 * pw + kw + opw
        if out_h < 1 or out_w < 1:
            raise UnsupportedDecoder(f"{type(layer).__name__} leaves no pixels of {self.shape}")
        bias = layer.bias if layer.bias is not None else torch.zeros(layer.out_channels)
        self.layers.append({"op": op, "in_c": layer.in_channels, "out_c": layer.out_channels, "k": [kh, kw],
                            "stride": [sh, sw], "pad": [ph, pw], "in_hw": [h, w], "out_hw": [out_h, out_w],
                            # conv2d weight (out_c, in_c, kh, kw); conv_transpose2d (in_c, out_c, kh, kw)
                            "w": self.tensor(layer.weight), "b": self.tensor(bias)})
        self.shape = (layer.out_channels, out_h, out_w)


def _walk(model) -> _Writer:
    """The decoder of any model family as layers, from its input (z and the one-hot class) on."""
    decoder = model.decoder
    config = model.config
    k = model.num_classes
    if isinstance(decoder, MLPDecoder):
        writer = _Writer((config.latent_dim + k,))
        writer.add(decoder.net)
        writer.reshape(decoder.image_shape)
    elif isinstance(decoder, ConvDecoder):
        writer = _Writer((config.latent_dim + k,))
        writer.add(decoder.dense)
        writer.reshape(decoder.grid)
        writer.add(decoder.deconvs)
    elif config.kind.codes and isinstance(decoder, nn.Sequential):
        writer = _Writer((model.latent_dim,))  # the quantized grid, flattened
        writer.reshape((config.latent_dim, *model.grid_shape))
        writer.add(decoder)
    else:
        raise UnsupportedDecoder(f"no exported version of decoder {type(decoder).__name__}")
    if writer.shape != tuple(config.image_shape):
        raise UnsupportedDecoder(f"the decoder ends at {writer.shape}, not the image shape {config.image_shape}")
    return writer


@torch.no_grad()
def export_decoder(model, dtype: str = "float32", check_codes: int = CHECK_CODES, seed: int = 0) -> DecoderExport:
    """The model's decoder as a DecoderExport with weights in `dtype` ("float32" or "float16"), checked
    against model.decode on a few random codes.

    Raises UnsupportedDecoder when a layer has no exported version, the float32 export does not reproduce
    PyTorch's pictures within CHECK_ATOL (the interpreter's own error), or float16's rounding moves them by
    more than HALF_ATOL (an overflow to inf included)."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, not {dtype!r}")
    writer = _walk(model)
    weights = np.concatenate(writer.chunks).astype(np.float32) if writer.chunks else np.zeros(0, np.float32)
    export = DecoderExport(int(model.latent_dim), int(model.num_classes), tuple(model.config.image_shape),
                           "sigmoid" if model.config.likelihood == "bernoulli" else "clamp", writer.layers, weights)
    if check_codes:
        _check(model, export, check_codes, seed, CHECK_ATOL)
    if dtype == "float16":
        with np.errstate(over="ignore"):  # a weight beyond float16's range becomes inf: the check refuses it
            export = dataclasses.replace(export, weights=weights.astype(np.float16))
        if check_codes:
            _check(model, export, check_codes, seed, HALF_ATOL)
    return export


def export_within(model, max_bytes: int) -> DecoderExport | None:
    """float32 weights when they fit max_bytes (as exact as PyTorch), else float16 when those fit (half the
    bytes, pictures within HALF_ATOL), else None. Raises UnsupportedDecoder as export_decoder does."""
    export = export_decoder(model)
    if export.nbytes <= max_bytes:
        return export
    if export.nbytes // 2 <= max_bytes:
        return export_decoder(model, "float16")
    return None


def _check(model, export: DecoderExport, n: int, seed: int, atol: float) -> None:
    """Raise UnsupportedDecoder unless the export draws model.decode's pictures within atol on n codes."""
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(n, export.latent_dim, generator=generator) * 1.5
    y = torch.arange(n) % export.num_classes if export.num_classes else None
    expected = model.decode(z.to(model.device), None if y is None else y.to(model.device)).float().cpu().numpy()
    got = reference_decode(export, z.numpy(), None if y is None else y.numpy())
    gap = float(np.abs(got - expected).max())
    if not gap <= atol:  # also catches NaN
        raise UnsupportedDecoder(f"the exported {export.dtype} decoder differs from PyTorch's by {gap:.2g}")


def pack(export: DecoderExport) -> bytes:
    """MAGIC, the header's length (uint32 little-endian), the header as UTF-8 JSON (with the model id),
    zero padding to a multiple of 4 bytes, then the weights little-endian in the header's dtype (float32 or
    float16: IEEE 754 binary32 / binary16)."""
    header = json.dumps({**export.header(), "id": export.model_id}, separators=(",", ":")).encode()
    head = MAGIC + struct.pack("<I", len(header)) + header
    head += b"\0" * (-len(head) % 4)
    return head + export.weights.astype(DTYPES[export.dtype]).tobytes()


def unpack(blob: bytes) -> tuple[dict, np.ndarray]:
    """pack's inverse: (header, weights (N,) in the header's dtype). Raises ValueError on anything else."""
    if len(blob) < 8 or blob[:4] != MAGIC:
        raise ValueError("not a packed decoder (bad magic)")
    (length,) = struct.unpack("<I", blob[4:8])
    header = json.loads(blob[8:8 + length].decode())
    start = 8 + length + (-(8 + length) % 4)
    dtype = DTYPES.get(header.get("dtype"))
    if header.get("version") != FORMAT_VERSION or dtype is None:
        raise ValueError("packed decoder has another version or an unknown weight dtype")
    if (len(blob) - start) % np.dtype(dtype).itemsize:
        raise ValueError("packed decoder has a truncated weight buffer")
    weights = np.frombuffer(blob, dtype=dtype, offset=start)
    if weights.size != header.get("floats"):
        raise ValueError("packed decoder has a truncated weight buffer")
    return header, weights


# --- The interpreter, in NumPy: what ui/live_assets/decoder.js does, line for line -----------------------

def _conv_transpose2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, layer: dict) -> np.ndarray:
    """Scatter form: every input pixel adds its kernel, scaled, into the output. x (Ci, H, W)."""
    (kh, kw), (sh, sw), (ph, pw) = layer["k"], layer["stride"], layer["pad"]
    out_h, out_w = layer["out_hw"]
    ci, h, wd = x.shape
    # Full-size output before cropping the padding: (Co, (H-1)·s + k, (W-1)·s + k), grown for output_padding.
    full = np.zeros((w.shape[1], max((h - 1) * sh + kh, out_h + ph), max((wd - 1) * sw + kw, out_w + pw)))
    contrib = np.einsum("chw,cokl->ohwkl", x, w)  # (Co, H, W, kh, kw)
    for ky in range(kh):
        for kx in range(kw):
            full[:, ky:ky + (h - 1) * sh + 1:sh, kx:kx + (wd - 1) * sw + 1:sw] += contrib[:, :, :, ky, kx]
    return full[:, ph:ph + out_h, pw:pw + out_w] + b[:, None, None]


def _conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, layer: dict) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw) = layer["k"], layer["stride"], layer["pad"]
    out_h, out_w = layer["out_hw"]
    padded = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((w.shape[0], out_h, out_w))
    for ky in range(kh):
        for kx in range(kw):
            patch = padded[:, ky:ky + (out_h - 1) * sh + 1:sh, kx:kx + (out_w - 1) * sw + 1:sw]  # (Ci, oh, ow)
            out += np.einsum("oc,chw->ohw", w[:, :, ky, kx], patch)
    return out + b[:, None, None]


def _run_one(export: DecoderExport, x: np.ndarray) -> np.ndarray:
    weights = export.weights.astype(np.float64)  # the JavaScript accumulates in doubles too
    for layer in export.layers:
        op = layer["op"]
        if op == "linear":
            w = weights[layer["w"]:layer["w"] + layer["out"] * layer["in"]].reshape(layer["out"], layer["in"])
            x = w @ x.ravel() + weights[layer["b"]:layer["b"] + layer["out"]]
        elif op in ("conv2d", "conv_transpose2d"):
            kh, kw = layer["k"]
            shape = ((layer["out_c"], layer["in_c"], kh, kw) if op == "conv2d"
                     else (layer["in_c"], layer["out_c"], kh, kw))
            w = weights[layer["w"]:layer["w"] + math.prod(shape)].reshape(shape)
            b = weights[layer["b"]:layer["b"] + layer["out_c"]]
            x = (_conv2d if op == "conv2d" else _conv_transpose2d)(x, w, b, layer)
        elif op == "reshape":
            x = x.reshape(layer["shape"])
        elif op == "relu":
            x = np.maximum(x, 0)
        elif op == "leaky_relu":
            x = np.where(x >= 0, x, x * layer["slope"])
        elif op == "sigmoid":
            x = _sigmoid(x)
        elif op == "tanh":
            x = np.tanh(x)
        else:
            raise UnsupportedDecoder(f"unknown op {op}")
    x = _sigmoid(x) if export.output == "sigmoid" else np.clip(x, 0, 1)
    return x.reshape(export.output_shape)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """As the JavaScript computes it: a very negative logit (a 64×64 decoder's black background) overflows exp
    to infinity and gives 0, which is the right value, not an error."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def reference_decode(export: DecoderExport, z: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """Codes (B, D) [+ classes (B,)] -> pictures (B, C, H, W) in [0, 1], float64."""
    z = np.asarray(z, dtype=np.float64).reshape(-1, export.latent_dim)
    if export.num_classes:
        if y is None:
            raise ValueError("this conditional decoder needs a class per code")
        onehot = np.eye(export.num_classes)[np.asarray(y, dtype=np.int64).reshape(-1)]
        z = np.concatenate([z, np.broadcast_to(onehot, (len(z), export.num_classes))], axis=1)
    return np.stack([_run_one(export, row) for row in z])
