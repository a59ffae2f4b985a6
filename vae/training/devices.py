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


def cpu_has_amx() -> bool:
    """True on x86 CPUs with AMX tiles (Sapphire Rapids and later), where oneDNN runs bf16 convolutions
    natively. Without AMX, bf16 on the CPU is emulated and slower than float32 (benchmarks/shapes_throughput.py)."""
    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)  # private, so asked for with a fallback
    try:
        return bool(probe and probe())
    except RuntimeError:
        return False


def fast_bf16(device: torch.device, arch: str) -> bool:
    """Whether bf16 autocast speeds up training a model of this arch on this device: always on CUDA; on the
    CPU only for conv models with AMX (a small MLP runs slower in bf16 there: 11k against 17k images/s for
    the digits recipe, where the casts cost more than the matrix products save)."""
    if device.type == "cuda":
        return True
    return device.type == "cpu" and arch == "conv" and cpu_has_amx()
