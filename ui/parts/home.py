"""The home page's pictures: the shipped ones (vae.precompute.home_pictures, no PyTorch needed), else drawn now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from ui.catalog import ModelEntry, checkpoint_sha
from vae.precompute import home_pictures

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class HomePictures:
    samples: bytes | Image.Image  # shipped PNG bytes, or the grid drawn now
    recons: bytes | Image.Image | None  # None when the model's data is not here (data_or_warning has said so)
    prior_used: bool = False  # a VQ-VAE's samples drawn by its learned prior


def pictures(entry: ModelEntry, seed: int) -> HomePictures:
    """The home page's pictures for `seed`: the shipped ones for the first seed when they are fresh, else drawn."""
    return (shipped(entry) if seed == home_pictures.SEED else None) or drawn(entry, seed)


@st.cache_data(show_spinner=False, max_entries=32)
def shipped(entry: ModelEntry) -> HomePictures | None:
    """The run's shipped pictures for the first seed, when both are there and drawn from these weights."""
    if entry.problem or not home_pictures.ships(entry):
        return None
    drawn_with, digest = home_pictures.settings(entry.num_classes), checkpoint_sha(entry)
    samples = home_pictures.load_picture(entry.path, home_pictures.SAMPLES_FILE, drawn_with, digest)
    recons = home_pictures.load_picture(entry.path, home_pictures.RECONS_FILE, drawn_with, digest)
    return HomePictures(samples, recons) if samples and recons else None


def drawn(entry: ModelEntry, seed: int) -> HomePictures:
    """The pictures drawn now with the model: for another seed, a user's run or a VQ-VAE. The modules that need
    PyTorch are imported here, not above, so that the shipped pictures never wait for it."""
    from ui.torch_runtime import load_torch

    load_torch()  # with its message on screen, if this is the server's first page
    import torch

    from ui.loaders import model_for
    from ui.page import data_or_warning
    from vae.precompute.pages import home_grid, home_recons, home_samples
    from vae.models.prior import PriorError, sample_images

    model = model_for(entry)
    data = data_or_warning(entry)
    prior = _learned_prior(entry, model) if entry.kind.codes else None
    samples = None
    if prior is not None:  # a VQ-VAE's codes drawn by its learned prior, which knows how codes fit together
        try:
            n = home_pictures.sample_count(entry.num_classes)
            samples = sample_images(model, prior, n, 1.0, torch.Generator().manual_seed(seed))
        except PriorError:  # a damaged prior: the codebook's own samples instead
            prior = None
    if samples is None:
        samples = home_samples(model, seed)
    recons = home_grid(home_recons(model, data)) if data is not None else None
    return HomePictures(home_grid(samples), recons, prior_used=prior is not None)


def _learned_prior(entry: ModelEntry, model):
    """The VQ-VAE run's learned code prior, or None (none trained, or trained for other codes)."""
    from ui.parts.codes import cached_prior, prior_stamp
    from vae.models.prior import PriorError

    try:
        return cached_prior(entry, prior_stamp(entry), model)
    except PriorError:
        return None
