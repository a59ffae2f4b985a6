"""Data-parallel training over processes started by torchrun: which process this is, its device, and
the few collectives the training loop needs besides DistributedDataParallel's gradient averaging.

`join(device)` gives `Solo` in a plain process: every collective is the identity and nothing of
torch.distributed is set up, so the one-process loop runs as it always did. Under torchrun (its
RANK / WORLD_SIZE / LOCAL_RANK / MASTER_* variables) it gives a `Group`: gloo on the CPU, NCCL on
CUDA, one GPU per local rank (PyTorch's "Getting Started with Distributed Data Parallel").
"""

from __future__ import annotations

import hashlib
import os
from typing import Mapping

import torch
from torch import nn

from vae.config import ConfigError
from vae.training.devices import resolve_device

# Why a run stops, in order of precedence: the processes agree on the largest code any of them has.
STOP_REASONS = (None, "SIGINT", "SIGTERM", "callback")


def launched_by_torchrun(environ: Mapping[str, str] | None = None) -> bool:
    """True when the environment names this process's place in a group (as torchrun sets it)."""
    environ = os.environ if environ is None else environ
    return "RANK" in environ and "WORLD_SIZE" in environ


def join(device_name: str) -> "Solo | Group":
    """The process group of this training (a context manager), from torchrun's environment; Solo without."""
    return Group.from_environment(device_name) if launched_by_torchrun() else Solo()


def check_batches(size: int, batch_size: int, world_size: int) -> None:
    """Refuse an epoch whose batches cannot give every process at least one image."""
    last = size % batch_size
    if world_size > 1 and (batch_size < world_size or 0 < last < world_size):
        small = batch_size if batch_size < world_size else last
        raise ConfigError(f"{world_size} processes split every batch, but a batch of the {size} training images "
                          f"has only {small}: pick a --batch-size (or --limit) that gives each batch at least "
                          f"{world_size} images")


def process_seed(seed: int, rank: int, step: int = 0) -> int:
    """The seed of process `rank`'s own random draws (sampling noise), distinct per rank and run seed."""
    digest = hashlib.blake2b(f"{seed}/{rank}/{step}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


class Solo:
    """One process: the identity for every collective."""

    rank, world_size, is_main, distributed = 0, 1, True, False

    def __enter__(self) -> "Solo":
        return self

    def __exit__(self, *_exc) -> None:
        return None

    def device(self, name: str) -> torch.device:
        return resolve_device(name)

    def check_batches(self, size: int, batch_size: int) -> None:
        pass

    def barrier(self) -> None:
        pass

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        return batch

    def loss_scale(self, count: int, total: int) -> float:
        return 1.0

    def wrap(self, model: nn.Module):
        return model.loss

    def reduce_terms(self, terms: dict, all_finite: torch.Tensor, count: int) -> tuple[dict, torch.Tensor]:
        return terms, all_finite

    def agree(self, reason: str | None) -> str | None:
        return reason

    def any(self, flag: bool) -> bool:
        return flag

    def seed_process(self, seed: int, step: int = 0) -> None:
        pass

    def rng_tensors(self) -> dict[str, torch.Tensor]:
        return {}

    def restore_rng(self, tensors: Mapping[str, torch.Tensor], seed: int, step: int) -> None:
        pass


class _Objective(nn.Module):
    """model.loss as a forward, so that DistributedDataParallel sees every step (it hooks forward)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, step: int = 0,
                **pair) -> dict[str, torch.Tensor]:
        return self.model.loss(x, y, step=step, **pair)


class Group:
    """This process's place among world_size data-parallel processes; rank 0 is the one that writes."""

    distributed = True

    def __init__(self, rank: int, world_size: int, device: torch.device, owns: bool):
        self.rank, self.world_size, self._device, self._owns = rank, world_size, device, owns
        self.is_main = rank == 0

    @classmethod
    def from_environment(cls, device_name: str) -> "Group":
        """Join (or, when the caller already made one, reuse) the process group torchrun describes."""
        import torch.distributed as dist

        local_rank = int(os.environ.get("LOCAL_RANK", os.environ["RANK"]))  # this machine's process number
        device = resolve_device(device_name)
        if device.type == "mps":
            raise ConfigError("data-parallel training runs on CUDA GPUs or on the CPU: use --device cuda or cpu")
        if device.type == "cuda":
            count = torch.cuda.device_count()
            if local_rank >= count:
                raise ConfigError(f"local process {local_rank} has no GPU of its own ({count} on this machine): "
                                  f"start at most {count} processes per machine (--nproc-per-node {count})")
            device = torch.device("cuda", local_rank)
            torch.cuda.set_device(device)
        owns = not dist.is_initialized()
        if owns:  # MASTER_ADDR / MASTER_PORT / RANK / WORLD_SIZE come from the environment (env://)
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo",
                                    device_id=device if device.type == "cuda" else None)
        return cls(dist.get_rank(), dist.get_world_size(), device, owns)

    def __enter__(self) -> "Group":
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        import torch.distributed as dist

        if self._owns and dist.is_initialized():
            if exc_type is None:
                dist.barrier()  # an orderly end: nobody leaves while another still talks to the store
            dist.destroy_process_group()

    # ------------------------------------------------------------ setup

    def device(self, _name: str) -> torch.device:
        return self._device

    def check_batches(self, size: int, batch_size: int) -> None:
        check_batches(size, batch_size, self.world_size)

    def barrier(self) -> None:
        import torch.distributed as dist

        dist.barrier()

    def wrap(self, model: nn.Module) -> nn.Module:
        """The model's loss behind DistributedDataParallel; its quantizers sum their statistics over the group."""
        from torch.nn.parallel import DistributedDataParallel

        from vae.models.quantize import VectorQuantizer

        for module in model.modules():
            if isinstance(module, VectorQuantizer):
                module.sync = self
        # Buffers (the VQ codebook) are kept equal by the quantizer's own sums, not re-sent every step.
        return DistributedDataParallel(_Objective(model), device_ids=[self._device.index] if self._device.type == "cuda"
                                       else None, forward_sync_buffers=False)

    # ------------------------------------------------------------ batches

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        """This process's contiguous part of a global batch of indices (sizes differ by at most one)."""
        return torch.tensor_split(batch, self.world_size)[self.rank]

    def loss_scale(self, count: int, total: int) -> float:
        """DDP averages gradients over processes; with shards of unequal size this factor on a shard's mean
        loss makes the average equal the gradient of the global batch's mean."""
        return count * self.world_size / total

    # ------------------------------------------------------------ collectives

    def all_sum(self, *tensors: torch.Tensor | None) -> tuple[torch.Tensor | None, ...]:
        """Each tensor summed over the processes (one all-reduce for all of them); None stays None."""
        import torch.distributed as dist

        present = [t for t in tensors if t is not None]
        packed = torch.cat([t.reshape(-1) for t in present])
        dist.all_reduce(packed)
        out, start = [], 0
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            out.append(packed[start:start + t.numel()].view_as(t))
            start += t.numel()
        return tuple(out)

    def pick_rows(self, flat: torch.Tensor, n: int) -> torch.Tensor:
        """n rows drawn at random from the global batch's rows, the same in every process: rank 0 draws
        indices as one process would (its random stream, the global count), whoever holds a row sends it.
        flat: this process's rows (M_rank, D), in rank order the global batch's; returns (n, D)."""
        import torch.distributed as dist

        size = torch.tensor([flat.shape[0]], device=flat.device)
        sizes = [torch.empty_like(size) for _ in range(self.world_size)]
        dist.all_gather(sizes, size)
        offset, total = int(sum(sizes[:self.rank])), int(sum(sizes))
        picks = (torch.randint(0, total, (n,), device=flat.device) if self.is_main
                 else torch.empty(n, dtype=torch.int64, device=flat.device))
        dist.broadcast(picks, src=0)
        mine = (picks >= offset) & (picks < offset + flat.shape[0])
        rows = flat.new_zeros(n, flat.shape[1])
        rows[mine] = flat[picks[mine] - offset]
        dist.all_reduce(rows)  # each row is held by one process: the sum adds exact zeros
        return rows

    def reduce_terms(self, terms: dict, all_finite: torch.Tensor, count: int) -> tuple[dict, torch.Tensor]:
        """Batch means over this process's `count` images -> means over the global batch; all_finite -> whether
        every process's losses were finite since the last check."""
        names = list(terms)
        values = [terms[n].detach().to(self._device, torch.float64).reshape(-1) for n in names]
        extra = torch.stack([torch.tensor(float(count), dtype=torch.float64, device=self._device),
                             (~all_finite).to(torch.float64)])
        (packed,) = self.all_sum(torch.cat([torch.cat(values) * count, extra]))
        total, broken = packed[-2], packed[-1]
        out, start = {}, 0
        for name, value in zip(names, values):
            out[name] = (packed[start:start + value.numel()] / total).view(terms[name].shape)
            start += value.numel()
        return out, broken == 0

    def agree(self, reason: str | None) -> str | None:
        """The stop reason of the group: the weightiest one any process has (None: go on)."""
        import torch.distributed as dist

        code = torch.tensor([STOP_REASONS.index(reason)], device=self._device)
        dist.all_reduce(code, op=dist.ReduceOp.MAX)
        return STOP_REASONS[int(code)]

    def any(self, flag: bool) -> bool:
        import torch.distributed as dist

        value = torch.tensor([int(flag)], device=self._device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value)

    # ------------------------------------------------------------ random state

    def seed_process(self, seed: int, step: int = 0) -> None:
        """Give ranks other than 0 their own sampling noise (rank 0 keeps the run's seeded stream)."""
        if self.rank:
            torch.manual_seed(process_seed(seed, self.rank, step))

    def _states(self) -> dict[str, torch.Tensor]:
        states = {"cpu": torch.get_rng_state()}
        if self._device.type == "cuda":
            states["cuda"] = torch.cuda.get_rng_state(self._device)
        return states

    def rng_tensors(self) -> dict[str, torch.Tensor]:
        """Every other process's random state, gathered on rank 0 for its checkpoint: {"rng.cpu.<rank>": ...}."""
        import torch.distributed as dist

        out = {}
        for kind, state in self._states().items():
            local = state.to(self._device)  # NCCL gathers device tensors
            gathered = [torch.empty_like(local) for _ in range(self.world_size)]
            dist.all_gather(gathered, local)
            if self.is_main:
                out.update({f"rng.{kind}.{rank}": gathered[rank].cpu() for rank in range(1, self.world_size)})
        return out

    def restore_rng(self, tensors: Mapping[str, torch.Tensor], seed: int, step: int) -> None:
        """Rank r > 0 takes back its state from the checkpoint, or fresh noise if it was not in the run then."""
        if not self.rank:
            return
        if f"rng.cpu.{self.rank}" not in tensors:
            self.seed_process(seed, step)
            return
        torch.set_rng_state(tensors[f"rng.cpu.{self.rank}"])
        if self._device.type == "cuda" and f"rng.cuda.{self.rank}" in tensors:
            torch.cuda.set_rng_state(tensors[f"rng.cuda.{self.rank}"], self._device)
