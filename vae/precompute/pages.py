"""The slow results the app's pages open on, computed for a run ahead of time (`python -m vae precompute RUN`) and
read back at once: the latent map's t-SNE at every number of points the page offers (RUN/latent_map.safetensors)
and the restorations the Denoise and complete page opens on (RUN/restore_examples.safetensors), keyed by the
checkpoint's digest and the settings that produced them (vae.precompute.store): a stale file is ignored. Also the
home page's two pictures (vae.precompute.home_pictures), which the first page after a server start shows before
PyTorch is ready.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from vae.precompute import home_pictures
from vae.training.checkpoint import load_model
from vae.config import ConfigError, TrainConfig
from vae.explore.grids import grid_pil, interleave_rows
from vae.explore.latent import TSNE_SPEED, encode_dataset, project_2d
from vae.explore.restore import PCA_IMAGES, Comparison, Corrupted, Corruption, baseline_components, compare, training_pca
from vae.training.runs import read_run
from vae.data import load_split
from vae.precompute.store import load_stored, save_stored

MAP_STORE = "latent_map"
RESTORE_STORE = "restore_examples"
MAX_POINTS = 10_000  # the latent map encodes at most this many test pictures
POINT_CHOICES = (100, 250, 500, 1000, 2000, 3000, 5000, 10_000)
# What the Restore page opens on: the first test picture of the first class under each kind's default
# corruption (noise σ 0.3, salt and pepper 10 %, the bottom half hidden with 20 completion rounds), each as
# views/restore.py builds it (a half mask carries a unit rectangle; its rows and columns are unused).
RESTORE_EXAMPLES = ((Corruption("noise"), 0), (Corruption("salt_pepper"), 0),
                    (Corruption("mask", mask="bottom", rows=(0, 1), cols=(0, 1)), 20))


def point_choices(available: int) -> list[int]:
    """The number-of-points options for a test set of this size (the largest is all, up to MAX_POINTS)."""
    top = min(available, MAX_POINTS)
    return [c for c in POINT_CHOICES if c < top] + [top]


def map_settings() -> dict:
    """What a stored t-SNE depends on besides the weights (the test split is fixed by the run's config)."""
    return {"method": "tsne", "seed": 0, "speed": TSNE_SPEED, "max_points": MAX_POINTS}


def stored_projection(run_dir: str | Path, n: int, digest: str | None = None) -> np.ndarray | None:
    """The shipped t-SNE of the first n test codes (n, 2), or None when there is none for these weights."""
    xy = load_stored(run_dir, MAP_STORE, map_settings(), digest).get(f"tsne|{n}")
    if xy is None or xy.shape != (n, 2) or not torch.isfinite(xy).all():
        return None
    return xy.numpy().astype(np.float32)


def precompute_map(run_dir: str | Path, model, test, log: Callable[[str], None] = print) -> Path | None:
    """t-SNE of the first n test codes for every n the latent map offers; None for a 2-D latent (drawn directly)."""
    codes = encode_dataset(model, test, limit=MAX_POINTS).mu.numpy()  # (N, D)
    if codes.shape[1] <= 2:
        return None
    tensors = {}
    for n in point_choices(len(codes)):
        start = time.perf_counter()
        tensors[f"tsne|{n}"] = torch.from_numpy(project_2d(codes[:n], "tsne"))
        log(f"  t-SNE of {n:,} codes: {time.perf_counter() - start:.1f} s")
    return save_stored(run_dir, MAP_STORE, tensors, map_settings())


def example_key(clean: torch.Tensor, label: int | None, spec: Corruption, iterations: int, components: int) -> str:
    """One restoration's identity: the clean picture (C, H, W) by content, the class the model is told, the
    corruption, the completion rounds and the PCA baseline's components."""
    picture = hashlib.sha256(clean.detach().float().cpu().contiguous().numpy().tobytes()).hexdigest()[:16]
    fields = dataclasses.asdict(spec)
    parts = [f"{k}={fields[k]}" for k in sorted(fields)]
    return ";".join([f"picture={picture}", f"label={label}", *parts, f"iterations={iterations}", f"pca={components}"])


def restore_settings() -> dict:
    return {"pca_images": PCA_IMAGES}


def _flatten(result: Comparison) -> dict[str, torch.Tensor]:
    tensors = {"clean": result.clean, "corrupted.image": result.corrupted.image,
               "corrupted.known": result.corrupted.known}
    for group in ("restored", "strips", "psnr"):
        tensors.update({f"{group}.{k}": v for k, v in getattr(result, group).items()})
    tensors.update({f"ssim.{k}": v for k, v in (result.ssim or {}).items()})
    return tensors


def _unflatten(tensors: dict[str, torch.Tensor]) -> Comparison:
    group = lambda name: {k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith(name + ".")}  # noqa: E731
    if tensors["corrupted.known"].dtype != torch.bool:
        raise ValueError("known pixels are not a mask")
    return Comparison(tensors["clean"], Corrupted(tensors["corrupted.image"], tensors["corrupted.known"]),
                      group("restored"), group("strips"), group("psnr"), group("ssim") or None)


def stored_restoration(run_dir: str | Path, key: str, digest: str | None = None) -> Comparison | None:
    """The shipped restoration under example_key(...), or None."""
    stored = load_stored(run_dir, RESTORE_STORE, restore_settings(), digest)
    mine = {name.split("|", 1)[1]: v for name, v in stored.items() if name.split("|", 1)[0] == key}
    try:
        result = _unflatten(mine) if mine else None
    except (KeyError, ValueError):  # a hand-edited file missing a piece
        return None
    if result is None or result.clean.dim() != 4 or result.corrupted.image.shape != result.clean.shape:
        return None
    return result


def first_picture(test) -> tuple[int, int | None]:
    """The test row the Restore page opens on and its class: the first picture of class 0 (row 0 if unlabelled)."""
    if test.labels is None:
        return 0, None
    rows = (test.labels == 0).nonzero().flatten()
    return (int(rows[0]), 0) if len(rows) else (0, None)


def precompute_restore(run_dir: str | Path, model, train: TrainConfig, test, log: Callable[[str], None] = print) -> Path:
    """Every example of RESTORE_EXAMPLES on the picture the Restore page opens on."""
    components = baseline_components(model)
    baseline = training_pca(train, components)
    row, picked = first_picture(test)
    label = picked if model.num_classes else None  # only a conditional model is told the class
    y = None if label is None else torch.tensor([label])
    tensors = {}
    for spec, iterations in RESTORE_EXAMPLES:
        start = time.perf_counter()
        result = compare(model, baseline, test.images[row:row + 1], spec, iterations, y)
        key = example_key(test.images[row], label, spec, iterations, components)
        tensors.update({f"{key}|{name}": value for name, value in _flatten(result).items()})
        log(f"  restoration ({spec.kind}): {time.perf_counter() - start:.1f} s")
    return save_stored(run_dir, RESTORE_STORE, tensors, restore_settings())


def home_samples(model, seed: int = home_pictures.SEED) -> torch.Tensor:
    """The home page's samples of `seed` from the prior (N, C, H, W), N = home_pictures.sample_count; a
    conditional model's rows go through its classes."""
    n = home_pictures.sample_count(model.num_classes)
    y = torch.arange(n) // home_pictures.COLUMNS % model.num_classes if model.num_classes else None
    return model.sample(n, y=y, generator=torch.Generator().manual_seed(seed))


def home_recons(model, test) -> torch.Tensor:
    """The first RECON_COUNT test pictures, each row of them followed by its reconstructions (2·R, C, H, W)."""
    x = test.images[:home_pictures.RECON_COUNT]
    labels = test.labels[:home_pictures.RECON_COUNT] if model.num_classes else None
    return interleave_rows(x, model.reconstruct(x, labels).cpu(), nrow=home_pictures.COLUMNS)


def home_grid(images: torch.Tensor):
    """(B, C, H, W) -> the PIL grid the home page shows."""
    return grid_pil(images, nrow=home_pictures.COLUMNS, min_side=home_pictures.MIN_SIDE)


def precompute_home(run_dir: str | Path, model, test, log: Callable[[str], None] = print) -> list[Path]:
    """The home page's two pictures for the run, written beside its checkpoint ([] for a VQ-VAE)."""
    if not home_pictures.ships(model.config):
        return []
    drawn_with = home_pictures.settings(model.num_classes)
    pictures = {home_pictures.SAMPLES_FILE: home_grid(home_samples(model)),
                home_pictures.RECONS_FILE: home_grid(home_recons(model, test))}
    written = [home_pictures.save_picture(run_dir, name, picture, drawn_with) for name, picture in pictures.items()]
    log("  home pictures")
    return written


def precompute(run_dir: str | Path, log: Callable[[str], None] = print) -> list[Path]:
    """Everything a run ships for its pages (latent map, restorations, home pictures), written beside its checkpoint;
    the paths written."""
    run = read_run(run_dir)
    if run is None or run.model is None or run.train is None:
        raise ConfigError(f"{run_dir} holds no usable run (config.json missing or damaged): give a run directory")
    torch.manual_seed(0)
    model = load_model(run_dir).eval()
    test = load_split(run.train, "test")
    with torch.no_grad():
        written = [precompute_map(run_dir, model, test, log)]
    written.append(precompute_restore(run_dir, model, run.train, test, log))
    with torch.no_grad():
        written += precompute_home(run_dir, model, test, log)
    return [p for p in written if p is not None]
