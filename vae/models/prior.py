"""A learned prior over VQ-VAE code grids: a small causal transformer reads the cells in raster
order and predicts each code from the ones above and to the left (the autoregressive prior of
van den Oord et al. 2017, with a transformer in place of their PixelCNN, as in VQGAN).

Negative log-likelihoods are in nats per grid (summed over cells, averaged over grids); bits per
cell divide by cells·ln 2. Saved as prior.safetensors inside the VQ-VAE's run directory, with its
config and metrics as JSON in the header: never a pickle.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from safetensors import SafetensorError, safe_open
from torch import nn

from vae.training.checkpoint import first_non_finite, write_safetensors
from vae.config import ConfigError, setting, validate

PRIOR_NAME = "prior.safetensors"
FORMAT = "vae-explorer-code-prior"


class PriorError(ValueError):
    """A prior that cannot be trained or read; the message is one line."""


@dataclass(frozen=True)
class PriorConfig:
    """The prior's settings: vae.config schema fields, so `python -m vae prior` has a flag for each one with
    cli=True, and a prior's header (untrusted) is checked like a user's settings."""

    width: int = setting(64, "transformer width: the size of each cell's embedding and of the attention layers",
                         group="prior", min=1, max=4096)
    layers: int = setting(2, "transformer blocks: two already see every earlier cell of a 7×7 grid", group="prior",
                          min=1, max=64)
    heads: int = setting(4, "attention heads; the width must be a multiple of them", group="prior", min=1, max=256)
    dropout: float = setting(0.1, "0 for large datasets, where it only costs time (a few thousand grids overfit "
                             "an undropped model within epochs)", group="prior", min=0, below=1)
    epochs: int = setting(30, "passes over the training grids (the best epoch is kept)", group="prior", min=1,
                          max=100_000)
    batch_size: int = setting(128, "grids per optimizer step", group="prior", min=1, max=65_536)
    lr: float = setting(3e-3, "AdamW learning rate", group="prior", above=0, max=1.0)
    weight_decay: float = setting(0.01, "AdamW weight decay", group="prior", min=0, max=100.0, cli=False)
    val_fraction: float = setting(0.1, "training grids held back to pick the best epoch (the test split stays "
                                  "unseen)", group="prior", above=0, below=0.5, cli=False)
    seed: int = setting(0, "seeds the prior's initialization and batch order", group="prior", min=0, max=2**31 - 1)

    def __post_init__(self) -> None:
        validate(self)
        if self.width % self.heads:
            raise ConfigError(f"prior width {self.width} must be a positive multiple of heads {self.heads}",
                              field="width", rule="prior_heads", width=self.width, heads=self.heads)


class CodePrior(nn.Module):
    """p(grid) = Π p(c_t | c_<t) over the h·w cells in raster order; indices (B, h, w) long."""

    def __init__(self, codebook_size: int, grid_shape: tuple[int, int], config: PriorConfig = PriorConfig()):
        super().__init__()
        self.codebook_size, self.grid_shape, self.config = codebook_size, tuple(grid_shape), config
        cells = self.grid_shape[0] * self.grid_shape[1]
        self.embed = nn.Embedding(codebook_size + 1, config.width)  # the last row is the start token
        self.position = nn.Parameter(torch.randn(cells, config.width) * 0.02)
        block = nn.TransformerEncoderLayer(config.width, config.heads, 4 * config.width, config.dropout,
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, config.layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(config.width), nn.Linear(config.width, codebook_size))
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(cells), persistent=False)

    @property
    def cells(self) -> int:
        return self.position.shape[0]

    def logits(self, indices: torch.Tensor) -> torch.Tensor:
        """(B, h, w) -> (B, h·w, K): cell t's logits see only cells before t."""
        flat = indices.flatten(1)  # (B, T)
        start = flat.new_full((flat.shape[0], 1), self.codebook_size)
        tokens = torch.cat([start, flat[:, :-1]], dim=1)  # shifted right by one: predict t from < t
        h = self.embed(tokens) + self.position
        return self.head(self.blocks(h, mask=self.causal, is_causal=True))

    def nll(self, indices: torch.Tensor) -> torch.Tensor:
        """−log p(grid) per grid (B,), in nats."""
        logits = self.logits(indices)
        return F.cross_entropy(logits.transpose(1, 2), indices.flatten(1), reduction="none").sum(1)

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
        """n grids (n, h, w) drawn cell by cell; temperature < 1 favours each cell's likelier codes."""
        grid = torch.zeros(n, self.cells, dtype=torch.long, device=self.position.device)
        for t in range(self.cells):
            # Later cells are still 0 but cannot influence cell t through the causal mask.
            logits = self.logits(grid.view(n, *self.grid_shape))[:, t].float().cpu()
            probs = torch.softmax(logits / max(temperature, 1e-3), dim=-1)
            if not bool(torch.isfinite(probs).all()):  # finite but huge weights (a damaged file) overflow here
                raise PriorError("the prior's probabilities are NaN or infinite: its file is damaged; retrain it "
                                 "with python -m vae prior RUN")
            grid[:, t] = torch.multinomial(probs, 1, generator=generator).squeeze(1).to(grid.device)
        return grid.view(n, *self.grid_shape)


def sample_prior(prior: CodePrior, n: int, temperature: float = 1.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """n code grids (n, h, w) long, in [0, K), from a trained prior (kept in eval mode)."""
    prior.eval()
    return prior.sample(n, temperature, generator)


def sample_images(vqvae, prior: CodePrior, n: int, temperature: float = 1.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """n VQ-VAE samples (n, C, H, W) on the CPU: code grids drawn from the learned prior, then decoded."""
    from vae.explore.codes import decode_grids

    return decode_grids(vqvae, sample_prior(prior, n, temperature, generator))


def unigram_log_probs(grids: torch.Tensor, codebook_size: int) -> torch.Tensor:
    """log p(code) (K,) from code counts in grids (N, h, w), add-one smoothed so no code is impossible."""
    counts = torch.bincount(grids.flatten(), minlength=codebook_size).double() + 1.0
    return (counts / counts.sum()).log().float()


def unigram_nll(log_probs: torch.Tensor, grids: torch.Tensor) -> float:
    """Mean −log p(grid) in nats when every cell is drawn independently from log_probs (K,)."""
    return float(-log_probs[grids.flatten(1)].sum(1).mean())


@torch.no_grad()
def mean_nll(prior: CodePrior, grids: torch.Tensor, batch_size: int = 1000) -> float:
    """Mean −log p(grid) in nats over grids (N, h, w)."""
    prior.eval()
    device = prior.position.device
    total = sum(float(prior.nll(grids[i:i + batch_size].to(device)).sum()) for i in range(0, len(grids), batch_size))
    return total / max(1, len(grids))


def bits_per_cell(nats_per_grid: float, cells: int) -> float:
    return nats_per_grid / (cells * math.log(2))


@dataclass(frozen=True)
class PriorFit:
    prior: CodePrior  # the epoch with the best validation NLL, in eval mode
    metrics: dict  # NLLs in nats/grid and bits/cell, for the prior and the unigram baseline


def _split(grids: torch.Tensor, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    order = torch.randperm(len(grids), generator=torch.Generator().manual_seed(seed))
    n_val = max(1, round(fraction * len(grids)))
    return grids[order[n_val:]], grids[order[:n_val]]


def _train_epochs(prior: CodePrior, train: torch.Tensor, val: torch.Tensor, config: PriorConfig,
                  progress: Callable[[dict], None] | None) -> tuple[dict, int, float]:
    """AdamW with a cosine schedule; returns the best state dict, its epoch and validation NLL."""
    device = prior.position.device
    optimizer = torch.optim.AdamW(prior.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps = config.epochs * math.ceil(len(train) / config.batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    generator = torch.Generator().manual_seed(config.seed)
    best = (copy.deepcopy(prior.state_dict()), 0, mean_nll(prior, val))
    train = train.to(device)
    for epoch in range(1, config.epochs + 1):
        prior.train()
        order = torch.randperm(len(train), generator=generator).to(device)
        for start in range(0, len(train), config.batch_size):
            loss = prior.nll(train[order[start:start + config.batch_size]]).mean() / prior.cells
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(prior.parameters(), 1.0)
            optimizer.step()
            schedule.step()
        val_nll = mean_nll(prior, val)
        if val_nll < best[2]:
            best = (copy.deepcopy(prior.state_dict()), epoch, val_nll)
        if progress:
            progress({"epoch": epoch, "val_nll": val_nll, "best_epoch": best[1]})
    return best


def fit_grids(grids: torch.Tensor, codebook_size: int, config: PriorConfig = PriorConfig(),
              held_out: torch.Tensor | None = None, device: str | torch.device = "cpu",
              progress: Callable[[dict], None] | None = None) -> PriorFit:
    """Train a CodePrior on code grids (N, h, w); a config.val_fraction of them picks the best epoch.

    NLLs are reported on held_out grids (M, h, w) when given, else on that validation part, beside the
    NLL of a unigram prior counted on the same training grids."""
    if len(grids) < 10:
        raise PriorError(f"only {len(grids)} training images: a prior needs at least 10 code grids")
    torch.manual_seed(config.seed)
    train, val = _split(grids, config.val_fraction, config.seed)
    test = held_out if held_out is not None else val
    prior = CodePrior(codebook_size, tuple(grids.shape[1:]), config).to(device)
    state, best_epoch, val_nll = _train_epochs(prior, train, val, config, progress)
    prior.load_state_dict(state)
    prior.eval()
    cells = prior.cells
    unigram = unigram_log_probs(train, codebook_size)
    test_nll, base_nll = mean_nll(prior, test), unigram_nll(unigram, test)
    metrics = {
        "held_out": "test" if held_out is not None else "validation", "held_out_grids": len(test),
        "train_grids": len(train), "val_grids": len(val), "cells": cells, "codebook_size": codebook_size,
        "best_epoch": best_epoch, "val_nll": val_nll,
        "nll": test_nll, "bits_per_cell": bits_per_cell(test_nll, cells),
        "unigram_nll": base_nll, "unigram_bits_per_cell": bits_per_cell(base_nll, cells),
    }
    return PriorFit(prior, metrics)


def fit_prior(vqvae, data, config: PriorConfig = PriorConfig(), held_out=None, device: str | torch.device = "cpu",
              progress: Callable[[dict], None] | None = None) -> PriorFit:
    """Train a CodePrior on the VQ-VAE's code grids of `data` (ImageData, its training split); NLLs are
    reported on `held_out` (ImageData, the test split) when given. See fit_grids."""
    from vae.explore.codes import code_grids, require_vqvae

    require_vqvae(vqvae)
    test = code_grids(vqvae, held_out.images) if held_out is not None else None
    fit = fit_grids(code_grids(vqvae, data.images), vqvae.config.codebook_size, config, test, device, progress)
    fit.metrics["vqvae_fingerprint"] = codebook_fingerprint(vqvae)
    return fit


def codebook_fingerprint(vqvae) -> str:
    """A short hash of the codebook: a prior trained for other codes (a retrained VQ-VAE) is refused."""
    import hashlib

    values = vqvae.quantizer.codebook.detach().float().cpu().contiguous().numpy().round(5)
    return hashlib.sha256(values.tobytes()).hexdigest()[:16]


def save_prior(run_dir: str | Path, prior: CodePrior, metrics: dict) -> Path:
    """Write prior.safetensors into the run directory atomically; config and metrics go in its header."""
    from vae import __version__

    path = Path(run_dir) / PRIOR_NAME
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in prior.state_dict().items()}
    header = {"format": FORMAT, "library_version": __version__, "codebook_size": str(prior.codebook_size),
              "grid_shape": json.dumps(list(prior.grid_shape)), "config": json.dumps(asdict(prior.config)),
              "metrics": json.dumps(metrics)}
    write_safetensors(path, tensors, header)
    return path


def read_prior_metrics(run_dir: str | Path) -> dict | None:
    """The metrics stored with a run's prior, or None when it has none (reads the header only)."""
    loaded = _read(Path(run_dir) / PRIOR_NAME, tensors=False)
    return loaded[1] if loaded else None


def _read(path: Path, tensors: bool = True):
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            header = handle.metadata() or {}
            state = {key: handle.get_tensor(key) for key in handle.keys()} if tensors else {}
        if header.get("format") != FORMAT:
            raise PriorError(f"{path} is not a code prior")
        if (broken := first_non_finite(state)) is not None:
            raise PriorError(f"{path} is damaged: {broken} holds NaN or infinite values; retrain it with "
                             f"python -m vae prior {path.parent}")
        config = PriorConfig(**json.loads(header["config"]))
        shape = tuple(json.loads(header["grid_shape"]))
        return (int(header["codebook_size"]), shape, config), json.loads(header.get("metrics", "{}")), state
    except (SafetensorError, OSError, KeyError, TypeError, json.JSONDecodeError, ConfigError, RuntimeError) as error:
        raise PriorError(f"{path} is not a readable code prior ({str(error).splitlines()[0][:120]})") from None


def load_prior(run_dir: str | Path, vqvae=None, device: str | torch.device = "cpu") -> CodePrior | None:
    """The run's prior in eval mode, or None when it has none. With vqvae given, a prior trained for
    another codebook (or grid) raises PriorError saying to retrain it."""
    loaded = _read(Path(run_dir) / PRIOR_NAME)
    if loaded is None:
        return None
    (codebook_size, shape, config), metrics, state = loaded
    if vqvae is not None and ((codebook_size, shape) != (vqvae.config.codebook_size, tuple(vqvae.grid_shape))
                              or metrics.get("vqvae_fingerprint") != codebook_fingerprint(vqvae)):
        raise PriorError(f"the prior in {run_dir} was trained for other codes (the VQ-VAE changed since): "
                         f"retrain it with python -m vae prior {run_dir}")
    prior = CodePrior(codebook_size, shape, config)
    try:
        prior.load_state_dict(state)
    except RuntimeError as error:
        detail = str(error).splitlines()[0][:80]
        raise PriorError(f"{run_dir}/{PRIOR_NAME} does not match its config ({detail})") from None
    return prior.to(device).eval()
