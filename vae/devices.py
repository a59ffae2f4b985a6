"""Pick the compute device: 'auto' prefers CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

import torch

from vae.config import ConfigError


def resolve_device(name: str = "auto") -> torch.device:
    """A torch.device for auto/cpu/cuda/mps; asking for one that is absent is a ConfigError."""
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps and mps.is_available())
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device cuda was asked for but no CUDA GPU is available: use --device auto or cpu")
    if name == "mps" and not has_mps:
        raise ConfigError("device mps was asked for but Apple's MPS is not available: use --device auto or cpu")
    if name not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"unknown device '{name}': choose auto, cpu, cuda or mps")
    return torch.device(name)
