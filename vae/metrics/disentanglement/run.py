"""Disentanglement scores of a trained run (vae.metrics.disentanglement.scores's metrics on its encoder), and the
`disentanglement.json` beside its checkpoint that the app reads instead of recomputing.

    DIR/disentanglement.json   the scores, the factor × dimension MI, KL per dim, recon and KL,
                               seconds per metric, and the checkpoint's SHA-256 they belong to
"""

from __future__ import annotations

import copy
import functools
import math
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from vae import __version__
from vae.atomic import atomic_write_json, read_json
from vae.training.checkpoint import load_model
from vae.config import ConfigError, TrainConfig
from vae.data import shapes
from vae.data.transforms import convert_channels
from vae.metrics.disentanglement.dci_classifiers import CLASSIFIERS, DEFAULT, check_kind
from vae.metrics.disentanglement.scores import METRIC_KEYS, POINTS, FactorSpace, Progress, Represent, score
from vae.explore.latent import dimension_order, encode_dataset, kl_per_dimension
from vae.training.runs import checkpoint_digest, read_run

SCORES_NAME = "disentanglement.json"
SCORES_VERSION = 2  # 2 records `dci_classifier`; a version 1 file's DCI is the forest (read_scores says so)
READABLE_VERSIONS = {1: {"dci_classifier": "forest"}, SCORES_VERSION: {}}  # what an older file leaves unsaid
ENCODE_BATCH = 256  # small batches keep a conv encoder's activations in cache: ~1.5× quicker than 1,024 here
PROTOCOL = ("disentanglement_lib (Locatello et al. 2019): mean codes; MIG and Modularity on 20-bin histograms of "
            "10,000 points; FactorVAE with 10,000 points for variances, 10,000 training and 5,000 evaluation votes of "
            "batch 64, dims of std < 0.05 pruned; DCI and SAP (R², continuous factors) on 10,000 train / 5,000 "
            "test points")  # a report adds DCI's classifier (dci_protocol)
# Ground truth the library can render for any factor combination, by dataset name.
GROUND_TRUTH = {shapes.NAME: (FactorSpace(shapes.FACTOR_NAMES, shapes.FACTOR_SIZES), shapes.render_shapes)}


def dci_protocol(dci_classifier: str) -> str:
    """PROTOCOL naming the classifier DCI fitted: "...; DCI's classifier per factor: GradientBoostingClassifier()"."""
    return f"{PROTOCOL}; DCI's classifier per factor: {CLASSIFIERS[check_kind(dci_classifier)].label}"


def ground_truth(train_config: TrainConfig) -> tuple[FactorSpace, Callable[[torch.Tensor, int], torch.Tensor]]:
    """The factor grid of a run's dataset and its renderer (factors (N, F), size -> images (N, 1, S, S)), drawing
    the pictures as the run saw them (its shape area)."""
    dataset = train_config.dataset
    if dataset not in GROUND_TRUTH:
        raise ConfigError(f"the {dataset!r} dataset has no ground-truth factors to score against: disentanglement "
                          f"needs a run trained on {', '.join(GROUND_TRUTH)} (python -m vae train --dataset shapes)")
    space, render = GROUND_TRUTH[dataset]
    return space, functools.partial(render, area=train_config.shape_area)


class _Means(nn.Module):
    """model.encode's means alone: a module with tensor outputs, which TorchScript can trace."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.model.encode(x, y)[0]  # (B, D)


def _frozen(module: nn.Module, example: tuple[torch.Tensor, ...]) -> Callable[..., torch.Tensor]:
    """module traced on `example` and frozen for CPU inference (weights folded in as constants, oneDNN's
    fused conv + ReLU): 1.8× quicker than eager on the shapes conv encoder here, means equal within 1e-6.
    torch.compile would spend longer compiling than it saves on one scoring; TorchScript is deprecated but
    still shipped, so a torch without it (or a model it cannot trace) just runs eagerly."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the deprecation notices, and tracing's own about Python values
            traced = torch.jit.trace(module, example, check_trace=False)
            return torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
    except Exception:  # noqa: BLE001  (any failure to trace is only a missed speed-up)
        return module


def encoder_means(model) -> Callable[[torch.Tensor, torch.Tensor | None], np.ndarray]:
    """represent(images (N, C, H, W), labels (N,) or None) -> posterior means (N, D) float32.

    A private channels-last copy of the model (1.5-2× quicker for the conv encoder on the CPU), there traced
    and frozen (_frozen: 1.9× more); the caller's model (the app shares one across sessions) is left
    untouched. Safe to call from several threads at once."""
    private = copy.deepcopy(model).eval()
    layout = torch.channels_last if private.config.arch == "conv" else torch.contiguous_format
    private = private.to(memory_format=layout)
    means = _Means(private)
    if private.device.type == "cpu":
        x = torch.zeros(2, *private.config.image_shape).contiguous(memory_format=layout)
        means = _frozen(means, (x, torch.zeros(2, dtype=torch.int64)) if private.num_classes else (x,))

    @torch.inference_mode()
    def represent(images: torch.Tensor, labels: torch.Tensor | None = None) -> np.ndarray:
        out = []
        for start in range(0, len(images), ENCODE_BATCH):
            x = images[start:start + ENCODE_BATCH].to(private.device).contiguous(memory_format=layout)
            y = labels[start:start + ENCODE_BATCH].to(private.device) if labels is not None else None
            out.append((means(x) if y is None else means(x, y)).float().cpu())
        return torch.cat(out).numpy()

    return represent


def model_representation(model, render: Callable[[torch.Tensor, int], torch.Tensor]) -> Represent:
    """factors (N, F) -> the model's mean codes (N, D) of their images, rendered at its input size.
    A conditional model is told each image's class: the first factor (shapes: the shape)."""
    channels, size, _ = model.config.image_shape
    means = encoder_means(model)

    def represent(factors: np.ndarray) -> np.ndarray:
        factors = torch.as_tensor(factors, dtype=torch.int64)
        images = convert_channels(render(factors, size), channels)
        return means(images, factors[:, 0] if model.num_classes else None)

    return represent


@torch.no_grad()
def fit_facts(model, train_config: TrainConfig) -> dict:
    """Reconstruction error and KL (nats/image) and KL per dim on the run's test split."""
    from vae.metrics.evaluate import batched_losses
    from vae.data import load_split

    data = load_split(train_config, "test")
    losses = batched_losses(model.eval(), data, model.device)
    kl = kl_per_dimension(encode_dataset(model, data))
    _, collapsed = dimension_order(kl)
    return {"recon": losses["recon"], "kl": losses["kl"], "kl_per_dim": kl.tolist(),
            "active_dims": collapsed.count(False), "test_images": len(data)}


def score_run(run_dir: str | Path, points: int = POINTS, seed: int = 0, device: str | torch.device = "cpu",
              progress: Progress | None = None, workers: int = 1, dci_classifier: str = DEFAULT) -> dict:
    """Every disentanglement metric of a run plus what the app shows beside them (JSON-ready).

    workers: threads that encode and processes that fit DCI's factors at once (vae.metrics.disentanglement.scores.score); the
    scores do not depend on it. dci_classifier: a kind of vae.metrics.disentanglement.dci_classifiers.CLASSIFIERS.

    Raises ConfigError (one line) for a folder without a run, a VQ-VAE, or data without factors."""
    check_kind(dci_classifier)
    if points < 100:
        raise ConfigError(f"--points {points} is too few to score anything: use at least 100 (the protocol uses "
                          f"{POINTS:,})")
    run = read_run(run_dir)
    if run is None or "model" not in run.config or "train" not in run.config:
        raise ConfigError(f"{run_dir} holds no run (no config.json): give a run directory")
    if run.problem or run.model is None:  # checked by read_run; nothing below trusts config.json unchecked
        raise ConfigError(f"{run_dir} is damaged: {run.problem or 'it has not been trained yet'}")
    if run.model.kind.codes:
        raise ConfigError(f"{run_dir} is a VQ-VAE: disentanglement scores need a Gaussian latent code "
                          "(a VAE, β-VAE or β-TCVAE)")
    train_config = TrainConfig.from_dict(run.config["train"])
    space, render = ground_truth(train_config)
    model = load_model(run_dir, device).eval()
    started = time.perf_counter()
    scores = score(model_representation(model, render), space, points, seed, progress, workers, dci_classifier)
    return {
        "version": SCORES_VERSION, "run": Path(run_dir).name, "family": run.model.family,
        "beta": float(model.config.beta), "latent_dim": model.latent_dim, "dataset": train_config.dataset,
        "factor_names": list(space.names), **scores, **fit_facts(model, train_config),
        "total_seconds": time.perf_counter() - started,
        "protocol": dci_protocol(dci_classifier),
        "checkpoint_sha256": checkpoint_digest(run_dir), "library_version": __version__, "created": time.time(),
    }


def write_scores(run_dir: str | Path, report: dict) -> Path:
    path = Path(run_dir) / SCORES_NAME
    atomic_write_json(path, report)
    return path


def _matrix(value, rows: int, columns: int) -> bool:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return array.shape == (rows, columns) and bool(np.isfinite(array).all())


def read_scores(run_dir: str | Path, latent_dim: int, factors: int) -> dict | None:
    """The run's disentanglement.json when it is whole, fits a (latent_dim, factors) model and belongs to
    the checkpoint now in the folder; None otherwise (a run folder is untrusted: never trust its shapes).
    An older version's file is read as the current one, with what it left unsaid filled in (its
    `dci_classifier`), so it opens until it is scored again."""
    report = read_json(Path(run_dir) / SCORES_NAME)
    if not isinstance(report, dict) or type(report.get("version")) is not int or \
            report["version"] not in READABLE_VERSIONS:
        return None
    report = {**READABLE_VERSIONS[report["version"]], **report}
    if not isinstance(report.get("dci_classifier"), str) or report["dci_classifier"] not in CLASSIFIERS:
        return None
    numbers = [*METRIC_KEYS, "recon", "kl"]
    if not all(isinstance(report.get(k), (int, float)) and math.isfinite(report[k]) for k in numbers):
        return None
    if not (_matrix(report.get("mi"), latent_dim, factors) and _matrix([report.get("kl_per_dim")], 1, latent_dim)):
        return None
    if not isinstance(report.get("factor_names"), list) or len(report["factor_names"]) != factors:
        return None
    try:
        if report.get("checkpoint_sha256") != checkpoint_digest(run_dir):
            return None
    except OSError:
        return None
    return report
