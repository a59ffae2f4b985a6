"""Checkpoints that can never execute code: one safetensors file holding the weights (and,
for resuming, optimizer and RNG state), with the model config and run metadata as JSON in
its header. Written atomically, so a crash never leaves half a checkpoint.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from vae import __version__
from vae.atomic import atomic_write
from vae.config import ConfigError, ModelConfig
from vae.models import build_model
from vae.training.runs import resolve_checkpoint

FORMAT = "vae-explorer-checkpoint"
MODEL_PREFIX = "model."
# What the trainer reads back from the metadata to resume: checked before it is trusted.
META_TYPES = {"epoch": int, "batch": int, "step": int, "wall": (int, float), "dataset": str, "optimizer": dict,
              "metrics": dict}


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint; the message is one line."""


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    config: ModelConfig
    meta: dict  # dataset, epoch, step, metrics, library version, ...
    tensors: dict[str, torch.Tensor]  # every stored tensor, model weights under "model."

    def model_state(self) -> dict[str, torch.Tensor]:
        return {k[len(MODEL_PREFIX):]: v for k, v in self.tensors.items() if k.startswith(MODEL_PREFIX)}


def first_non_finite(tensors: dict[str, torch.Tensor]) -> str | None:
    """The name of the first floating-point tensor holding a NaN or an infinity, None when all are finite.
    A trainer never saves a broken step, so such a file was damaged after it was written."""
    return next((key for key, value in tensors.items()
                 if value.is_floating_point() and not bool(torch.isfinite(value).all())), None)


def write_safetensors(path: str | Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    """save_file, atomically; its failure to write (a full disk: SafetensorError "I/O error: ... (os error 28)")
    raised as the OSError it is, so callers and the CLI treat it like any other failed write."""
    def write(tmp: str) -> None:
        try:
            save_file(tensors, tmp, metadata=metadata)
        except SafetensorError as error:
            found = re.search(r"os error (\d+)", str(error))
            if found is None:
                raise
            code = int(found.group(1))
            raise OSError(code, os.strerror(code), str(path)) from None

    atomic_write(path, write)


def save_checkpoint(path: str | Path, model: torch.nn.Module, meta: dict,
                    extra: dict[str, torch.Tensor] | None = None) -> None:
    """Write model weights, config and meta (plus extra tensors, e.g. optimizer state) atomically."""
    tensors = {MODEL_PREFIX + k: v.detach().to("cpu").contiguous().clone() for k, v in model.state_dict().items()}
    for key, value in (extra or {}).items():
        tensors[key] = value.detach().to("cpu").contiguous().clone()
    header = {
        "format": FORMAT,
        "library_version": __version__,
        "config": json.dumps(model.config.to_dict()),
        "meta": json.dumps(meta),
    }
    write_safetensors(resolve_checkpoint(path), tensors, header)


def read_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> Checkpoint:
    """Read and check a checkpoint file (or a run directory's); refuses anything else."""
    path = resolve_checkpoint(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}: train a model first or pick another run")
    try:
        with safe_open(str(path), framework="pt", device=str(device)) as handle:
            header = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{path} is not a valid checkpoint ({str(error).splitlines()[0][:120]})") from None
    if header.get("format") != FORMAT:
        raise CheckpointError(f"{path} is a safetensors file but not a VAE Explorer checkpoint (no config in it)")
    if (broken := first_non_finite(tensors)) is not None:
        raise CheckpointError(f"{path} is damaged: {broken} holds NaN or infinite values; train the run again")
    try:
        config = ModelConfig.from_dict(json.loads(header["config"]))
        meta = json.loads(header.get("meta", "{}"))
    except (KeyError, json.JSONDecodeError, TypeError, ConfigError) as error:
        raise CheckpointError(f"{path} has an unreadable config: {error}") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path} has unreadable metadata (not a JSON object)")
    for key, kinds in META_TYPES.items():
        if key in meta and (not isinstance(meta[key], kinds) or isinstance(meta[key], bool)):
            raise CheckpointError(f"{path} has damaged metadata: {key} is {type(meta[key]).__name__}")
    return Checkpoint(path, config, meta, tensors)


def model_from_checkpoint(checkpoint: Checkpoint, device: str | torch.device = "cpu") -> torch.nn.Module:
    """Build the model a checkpoint's config describes and load its weights, strictly."""
    model = build_model(checkpoint.config)
    state = checkpoint.model_state()
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if expected[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        detail = (f"missing {missing[:3]}" if missing else f"unexpected {unexpected[:3]}" if unexpected
                  else f"{wrong[0]} is {tuple(state[wrong[0]].shape)}, config needs {tuple(expected[wrong[0]].shape)}")
        raise CheckpointError(f"{checkpoint.path}: weights do not match its config ({detail})")
    model.load_state_dict(state)
    return model.to(device).eval()


def load_model(path: str | Path, device: str | torch.device = "cpu") -> torch.nn.Module:
    """One call from a run directory or checkpoint file to a ready model in eval mode."""
    return model_from_checkpoint(read_checkpoint(path), device)


def slim_checkpoint(path: str | Path) -> tuple[int, int]:
    """Keep only the weights (drop optimizer and RNG state), e.g. for shipping pretrained models.

    The run can then be loaded but no longer resumed. Returns (bytes before, bytes after). A checkpoint that is
    already weights only is left as it is, byte for byte: its scores (disentanglement.json) name its digest."""
    checkpoint = read_checkpoint(path)
    before = checkpoint.path.stat().st_size
    if checkpoint.meta.get("weights_only") is True:
        return before, before
    model = model_from_checkpoint(checkpoint)
    save_checkpoint(checkpoint.path, model, {**checkpoint.meta, "weights_only": True})
    return before, checkpoint.path.stat().st_size
