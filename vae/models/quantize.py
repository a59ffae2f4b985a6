"""Vector quantization (van den Oord et al. 2017) with EMA codebook updates and restart of
dead codes, after lucidrains/vector-quantize-pytorch.

Codebook state (EMA cluster sizes and sums) lives in buffers, apart from the gradients. In
data-parallel training the batch statistics are summed over the processes before the EMA update.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class VQOutput:
    quantized: torch.Tensor  # (B, D, h, w), straight-through: gradients reach the encoder
    indices: torch.Tensor  # (B, h, w) int64
    commit_loss: torch.Tensor  # β·||z_e − sg(e)||², summed per image, batch mean
    codebook_loss: torch.Tensor  # ||sg(z_e) − e||² (0 when the codebook learns by EMA)
    perplexity: torch.Tensor  # exp(entropy of code use in this batch): 1 … K
    usage: torch.Tensor  # fraction of the K codes used in this batch


class VectorQuantizer(nn.Module):
    """Maps each D-vector of a (B, D, h, w) grid to its nearest of K codebook rows."""

    def __init__(self, codebook_size: int, dim: int, commitment: float = 0.25, ema_decay: float = 0.99,
                 dead_threshold: float = 0.01, eps: float = 1e-5):
        super().__init__()
        self.codebook_size, self.dim = codebook_size, dim
        self.commitment, self.ema_decay = commitment, ema_decay
        self.dead_threshold, self.eps = dead_threshold, eps
        init = torch.randn(codebook_size, dim) / dim**0.5
        if ema_decay > 0:
            self.register_buffer("codebook", init)
        else:
            self.codebook = nn.Parameter(init)
        # EMA of how many vectors each code took per batch, and of their sum: codebook = sum / size.
        self.register_buffer("cluster_size", torch.ones(codebook_size))
        self.register_buffer("embed_sum", init.clone())
        # In data-parallel training, the vae.training.distributed.Group that sums each batch's statistics over the
        # processes and picks dead-code restarts from the global batch, so that every process keeps the
        # codebook one process would have; None in one process.
        self.sync = None

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """Code indices (B, h, w) -> their codebook rows as a grid (B, D, h, w)."""
        return F.embedding(indices, self.codebook).permute(0, 3, 1, 2).contiguous()

    def usage_probs(self) -> torch.Tensor:
        """How often training picked each code, normalized to a distribution (K,)."""
        return self.cluster_size.clamp(min=self.eps) / self.cluster_size.clamp(min=self.eps).sum()

    def forward(self, z_e: torch.Tensor) -> VQOutput:
        batch, dim, height, width = z_e.shape
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, dim)  # (B·h·w, D)
        codebook = self.codebook
        distances = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ codebook.t() + codebook.pow(2).sum(1)
        indices = distances.argmin(1)
        onehot = F.one_hot(indices, self.codebook_size).type(flat.dtype)  # (B·h·w, K)
        counts = onehot.sum(0)  # (K,) vectors that took each code
        if self.training:
            counts = self._update(flat.detach(), onehot, counts)  # the global batch's, in data-parallel training
        quantized = F.embedding(indices, self.codebook).view(batch, height, width, dim).permute(0, 3, 1, 2)
        per_image = lambda t: t.flatten(1).sum(1).mean()  # noqa: E731  nats-like: summed per image
        commit = self.commitment * per_image((z_e - quantized.detach()).pow(2))
        codebook_loss = per_image((z_e.detach() - quantized).pow(2)) if self.ema_decay == 0 else z_e.new_zeros(())
        probs = counts / counts.sum()
        perplexity = torch.exp(-(probs * torch.log(probs + 1e-10)).sum())
        usage = (counts > 0).float().mean()
        quantized = z_e + (quantized - z_e).detach()  # straight-through estimator
        return VQOutput(quantized, indices.view(batch, height, width), commit, codebook_loss, perplexity, usage)

    @torch.no_grad()
    def _update(self, flat: torch.Tensor, onehot: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        """EMA counts (always, for usage statistics), EMA codebook, and dead-code restarts; returns the
        counts (K,) the update used: the batch's, or the global batch's in data-parallel training."""
        sums = onehot.t() @ flat if self.ema_decay > 0 else None  # (K, D)
        if self.sync is not None:  # summed in float32: bf16 (CUDA autocast) holds whole numbers only to 256
            counts, sums = self.sync.all_sum(counts.float(), None if sums is None else sums.float())
        decay = self.ema_decay if self.ema_decay > 0 else 0.99
        self.cluster_size.mul_(decay).add_(counts, alpha=1 - decay)
        if self.ema_decay > 0:
            self.embed_sum.mul_(decay).add_(sums, alpha=1 - decay)
            n = self.cluster_size.sum()
            # Laplace smoothing keeps rarely used codes from dividing by ~0.
            size = (self.cluster_size + self.eps) / (n + self.codebook_size * self.eps) * n
            self.codebook.copy_(self.embed_sum / size.unsqueeze(1))
        dead = self.cluster_size < self.dead_threshold
        if dead.any():
            # Re-seed dead codes from this batch's encoder outputs, so every code stays in play.
            if self.sync is None:
                picks = torch.randint(0, flat.shape[0], (int(dead.sum()),), device=flat.device)
                rows = flat[picks]
            else:  # the same rows of the global batch in every process (dead is the same everywhere)
                rows = self.sync.pick_rows(flat, int(dead.sum()))
            self.codebook.data[dead] = rows
            self.embed_sum[dead] = rows
            self.cluster_size[dead] = 1.0
        return counts
