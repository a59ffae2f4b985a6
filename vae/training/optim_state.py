"""Adam's state as flat named tensors, so resumable checkpoints stay safetensors (no pickle)."""

from __future__ import annotations

import torch

PREFIX = "optim."


def optimizer_to_tensors(optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """{"optim.<param index>.<name>": tensor} for every per-parameter state entry."""
    tensors = {}
    for index, entry in optimizer.state_dict()["state"].items():
        for name, value in entry.items():
            tensors[f"{PREFIX}{index}.{name}"] = torch.as_tensor(value).clone()
    return tensors


def optimizer_from_tensors(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], _meta: dict) -> None:
    """Load what optimizer_to_tensors wrote back into a freshly built optimizer of the same kind."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith(PREFIX):
            index, name = key[len(PREFIX):].split(".", 1)
            state.setdefault(int(index), {})[name] = value
    saved = optimizer.state_dict()
    saved["state"] = state
    optimizer.load_state_dict(saved)
