"""Denoising and completion: corrupt a picture, then ask the model for the nearest picture it can draw.

A VAE only knows how to draw plausible images, so reconstructing a noisy one (encode, then decode the
posterior mean) pulls it back towards the data. For a missing region, `complete` keeps the known pixels
and refills the unknown ones from repeated encode/decode: the pseudo-Gibbs completion of Rezende et al.
(2014, §5.2), with the posterior mean instead of a sample so that the result is deterministic.
`search_code` skips the encoder (which never saw noisy or half-hidden pictures) and finds the most
probable code given the visible pixels by gradient steps on z: MAP inference, as Bora et al. (2017)
do with generative priors.

Baselines, for honesty: PCA fitted on the model's training split (the same number of numbers as the
model's code: its latent size, or for a VQ-VAE one component per grid cell), the same iterative
completion with PCA in place of the model, and a 3×3 median filter. Images are (B, C, H, W) in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

KINDS = ("noise", "salt_pepper", "mask")
MASKS = ("rectangle", "random", "top", "bottom", "left", "right")  # the halves name the missing half
SSIM_MIN_SIDE = 11  # Wang et al.'s 11×11 Gaussian window (σ 1.5) must fit inside the picture
MAX_PSNR = 100.0  # dB, for identical pictures (MSE 1e-10)
PCA_IMAGES = 10_000  # training pictures the PCA baseline is fitted on: plenty for at most a few dozen components


class CorruptionError(ValueError):
    """A corruption setting that cannot apply; the message is one line a user can act on."""


@dataclass(frozen=True)
class Corruption:
    kind: str = "noise"  # one of KINDS
    sigma: float = 0.3  # Gaussian noise: standard deviation in pixel units (pixels are in [0, 1])
    rate: float = 0.1  # salt and pepper: share of pixels set to black or white
    mask: str = "bottom"  # one of MASKS
    rows: tuple[int, int] = (0, 4)  # rectangle: first and past-the-last missing row
    cols: tuple[int, int] = (0, 4)  # rectangle: first and past-the-last missing column
    block: float = 0.5  # random block: its side as a share of the picture's side
    seed: int = 0  # noise, salt and pepper, and the random block's position

    def __post_init__(self):
        if self.kind not in KINDS:
            raise CorruptionError(f"unknown corruption '{self.kind}': choose one of {', '.join(KINDS)}")
        if self.mask not in MASKS:
            raise CorruptionError(f"unknown mask '{self.mask}': choose one of {', '.join(MASKS)}")
        if self.sigma < 0:
            raise CorruptionError(f"the noise level σ must be 0 or more, not {self.sigma}")
        if not 0 <= self.rate <= 1:
            raise CorruptionError(f"the salt-and-pepper rate must lie in [0, 1], not {self.rate}")
        if not 0 < self.block <= 1:
            raise CorruptionError(f"the random block's size must lie in (0, 1], not {self.block}")


@dataclass(frozen=True)
class Corrupted:
    image: torch.Tensor  # (B, C, H, W) in [0, 1]: what the model is shown; missing pixels hold the fill
    known: torch.Tensor  # (B, 1, H, W) bool: pixels kept from the clean picture (all True for noise)


def missing_mask(height: int, width: int, spec: Corruption) -> torch.Tensor:
    """(H, W) bool, True where the mask hides the pixel."""
    missing = torch.zeros(height, width, dtype=torch.bool)
    if spec.mask in ("top", "bottom", "left", "right"):
        half_h, half_w = height // 2, width // 2
        region = {"top": (slice(0, half_h), slice(None)), "bottom": (slice(half_h, None), slice(None)),
                  "left": (slice(None), slice(0, half_w)), "right": (slice(None), slice(half_w, None))}
        missing[region[spec.mask]] = True
    elif spec.mask == "rectangle":
        (top, bottom), (left, right) = spec.rows, spec.cols
        if not (0 <= top < bottom <= height and 0 <= left < right <= width):
            raise CorruptionError(f"the rectangle rows {top}–{bottom}, columns {left}–{right} must cover at least "
                                  f"one pixel inside the {height}×{width} picture")
        missing[top:bottom, left:right] = True
    else:  # random: a block of the chosen size at a seeded position
        block_h, block_w = max(1, round(spec.block * height)), max(1, round(spec.block * width))
        generator = torch.Generator().manual_seed(spec.seed)
        top = int(torch.randint(0, height - block_h + 1, (1,), generator=generator))
        left = int(torch.randint(0, width - block_w + 1, (1,), generator=generator))
        missing[top:top + block_h, left:left + block_w] = True
    return missing


def corrupt(x: torch.Tensor, spec: Corruption, fill: float | torch.Tensor = 0.5) -> Corrupted:
    """(B, C, H, W) clean pictures -> the corrupted ones. Noise is clipped to [0, 1] like any picture;
    masked pixels take `fill` (a number or a (C, H, W) picture, e.g. the training mean)."""
    batch, _, height, width = x.shape
    generator = torch.Generator().manual_seed(spec.seed)
    everywhere = torch.ones(batch, 1, height, width, dtype=torch.bool)
    if spec.kind == "noise":
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype) * spec.sigma
        return Corrupted((x + noise.to(x.device)).clamp(0, 1), everywhere)
    if spec.kind == "salt_pepper":
        hit = (torch.rand(batch, 1, height, width, generator=generator) < spec.rate).to(x.device)
        salt = (torch.rand(batch, 1, height, width, generator=generator) < 0.5).to(x.device)
        return Corrupted(torch.where(hit, salt.to(x.dtype), x), everywhere)
    known = ~missing_mask(height, width, spec).to(x.device).expand(batch, 1, height, width)
    fill = torch.as_tensor(fill, dtype=x.dtype, device=x.device).expand_as(x)
    return Corrupted(torch.where(known, x, fill), known)


@torch.no_grad()
def restore(model, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """(B, C, H, W) -> the model's reconstruction (posterior mean, or the quantized code of a VQ-VAE).
    A conditional VAE needs the class y (B,) or one class for all."""
    y = None if y is None else torch.as_tensor(y, device=model.device)
    return model.reconstruct(x.to(model.device), y).float().cpu()


def iterate_completion(reconstruct: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, known: torch.Tensor,
                       iterations: int) -> torch.Tensor:
    """Keep the known pixels of x, refill the others from reconstruct(current), `iterations` times.
    x (B, C, H, W) with its missing pixels at the starting fill; known (B, 1, H, W) bool.
    Returns the strip of iterates (iterations + 1, B, C, H, W); [0] is x itself."""
    if iterations < 0:
        raise CorruptionError(f"the number of iterations must be 0 or more, not {iterations}")
    current, frames = x, [x]
    for _ in range(iterations):
        current = torch.where(known, x, reconstruct(current))
        frames.append(current)
    return torch.stack(frames)


def complete(model, x: torch.Tensor, known: torch.Tensor, iterations: int,
             y: torch.Tensor | None = None) -> torch.Tensor:
    """The model's iterative completion of x (B, C, H, W): strip of iterates (iterations + 1, B, C, H, W)."""
    return iterate_completion(lambda current: restore(model, current, y), x.cpu(), known.cpu(), iterations)


def error_std(spec: Corruption) -> float:
    """How far the visible pixels may sit from the picture the model draws, in pixel units: the noise's
    standard deviation (salt and pepper: a hit pixel is off by about √0.4 on average), and for masks the
    typical reconstruction error of these models, 0.1 (the visible pixels themselves are exact)."""
    spread = {"noise": spec.sigma, "salt_pepper": (0.4 * spec.rate) ** 0.5, "mask": 0.1}[spec.kind]
    return max(spread, 0.05)


def search_code(model, x: torch.Tensor, known: torch.Tensor, std: float, y: torch.Tensor | None = None,
                steps: int = 200, lr: float = 0.05) -> torch.Tensor:
    """The most probable picture the model can draw given x: the code z minimizing
    ||known ⊙ (decode(z) − x)||² / (2 std²) + ||z||² / 2 (Gaussian error, standard normal prior), found by
    Adam from the encoder's mean (Bora et al. 2017 do this for compressed sensing). It skips the encoder,
    which never saw noisy or half-hidden pictures. Gaussian-latent families only. (B, C, H, W) -> same."""
    if not model.config.kind.posterior:
        raise CorruptionError("code search needs a Gaussian latent; a VQ-VAE's code is discrete")
    y = None if y is None else torch.as_tensor(y, device=model.device)
    x, weight = x.to(model.device), known.to(model.device).float()
    with torch.no_grad():
        start, _ = model.encode(x, y)
    z = start.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=lr)
    with torch.enable_grad():
        for _ in range(steps):
            misfit = (weight * (model.decode(z, y) - x) ** 2).flatten(1).sum(1) / (2 * std ** 2)
            loss = (misfit + 0.5 * z.pow(2).sum(1)).sum()
            # autograd.grad, not backward: the model is shared and its parameters' .grad must stay untouched
            (z.grad,) = torch.autograd.grad(loss, [z])
            optimizer.step()
    with torch.no_grad():
        return model.decode(z, y).float().cpu()


def psnr(x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio of each picture against its reference, in dB (B,); peak 1."""
    mse = (x.float() - reference.float()).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(1 / mse.clamp_min(10 ** (-MAX_PSNR / 10)))


def ssim(x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor | None:
    """Structural similarity (Wang et al. 2004) of each picture against its reference (B,), computed as
    torchmetrics does (11×11 Gaussian window, σ 1.5, K1 0.01, K2 0.03, edges reflected, mean over every
    pixel) without its seconds-long import. None for pictures smaller than the window (the 8×8 digits),
    where most windows would be made of reflected pixels."""
    if min(x.shape[-2:]) < SSIM_MIN_SIDE:
        return None
    channels, pad = x.shape[1], SSIM_MIN_SIDE // 2
    offsets = torch.arange(SSIM_MIN_SIDE, dtype=torch.float64) - pad
    bell = torch.exp(-offsets ** 2 / (2 * 1.5 ** 2))
    window = (torch.outer(bell, bell) / bell.sum() ** 2).expand(channels, 1, SSIM_MIN_SIDE, SSIM_MIN_SIDE)
    a, b = (torch.nn.functional.pad(v.double().cpu(), (pad,) * 4, mode="reflect") for v in (x, reference))

    def local_mean(v: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.conv2d(v, window, groups=channels)  # (B, C, H, W)

    mu_a, mu_b = local_mean(a), local_mean(b)
    var_a = (local_mean(a * a) - mu_a ** 2).clamp_min(0)
    var_b = (local_mean(b * b) - mu_b ** 2).clamp_min(0)
    covariance = local_mean(a * b) - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2  # (K · peak)², peak 1
    index = ((2 * mu_a * mu_b + c1) * (2 * covariance + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return index.flatten(1).mean(1).float()


def baseline_components(model) -> int:
    """PCA components that match the model's code: its latent size, or for a VQ-VAE one per grid cell
    (each cell holds one discrete choice)."""
    if model.config.kind.codes:
        return int(model.grid_shape[0] * model.grid_shape[1])
    return int(model.latent_dim)


@dataclass(frozen=True)
class PCABaseline:
    pca: object  # a fitted sklearn.decomposition.PCA over flattened pictures
    image_shape: tuple[int, int, int]  # (C, H, W)

    @property
    def mean_image(self) -> torch.Tensor:
        """The training split's mean picture (C, H, W): the starting fill of missing pixels."""
        return torch.from_numpy(self.pca.mean_).float().view(self.image_shape)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> projection onto the principal subspace and back, clipped to [0, 1]."""
        flat = x.detach().float().cpu().flatten(1).numpy().astype(np.float64)
        back = self.pca.inverse_transform(self.pca.transform(flat))
        return torch.from_numpy(back).float().view(x.shape).clamp(0, 1)

    def complete(self, x: torch.Tensor, known: torch.Tensor, iterations: int) -> torch.Tensor:
        """The same iterative completion as the model's, with PCA reconstruction: (iterations + 1, B, C, H, W)."""
        return iterate_completion(self.reconstruct, x.cpu(), known.cpu(), iterations)


def fit_pca(train_images: torch.Tensor, n_components: int, max_images: int = PCA_IMAGES, seed: int = 0) -> PCABaseline:
    """PCA on (at most max_images, seeded) training pictures (N, C, H, W); components capped by the data."""
    from sklearn.decomposition import PCA

    if len(train_images) == 0:
        raise CorruptionError("the PCA baseline needs training pictures, and the training split is empty")
    generator = torch.Generator().manual_seed(seed)
    chosen = torch.randperm(len(train_images), generator=generator)[:max_images]
    flat = train_images[chosen].float().flatten(1).numpy().astype(np.float64)
    k = max(1, min(n_components, *flat.shape))
    pca = PCA(n_components=k, svd_solver="randomized" if k < min(flat.shape) // 2 else "full", random_state=seed)
    pca.fit(flat)
    return PCABaseline(pca, tuple(train_images.shape[1:]))


def training_pca(config, n_components: int) -> PCABaseline:
    """The PCA baseline of a run: fitted on the first PCA_IMAGES pictures of its training split
    (config: the run's TrainConfig). Raises DatasetUnavailable when the data is not on this machine."""
    from vae.data import load_split

    limit = min(config.limit or PCA_IMAGES, PCA_IMAGES)
    return fit_pca(load_split(config.replace(limit=limit), "train").images, n_components)


def median_filter(x: torch.Tensor, size: int = 3) -> torch.Tensor:
    """Each channel of each picture (B, C, H, W) through a size×size median filter (edges reflected)."""
    from scipy import ndimage

    filtered = ndimage.median_filter(x.detach().float().cpu().numpy(), size=(1, 1, size, size), mode="reflect")
    return torch.from_numpy(filtered)


@dataclass(frozen=True)
class Comparison:
    """One corruption restored every way, scored against the clean pictures."""

    clean: torch.Tensor  # (B, C, H, W)
    corrupted: Corrupted
    restored: dict[str, torch.Tensor]  # method -> (B, C, H, W): noise: model, search, pca, median;
    #                                    masks: model (one reconstruction), completion, search, pca_completion
    #                                    (no "search" for a VQ-VAE)
    strips: dict[str, torch.Tensor]  # masks only: completion, pca_completion -> (iterations + 1, B, C, H, W)
    psnr: dict[str, torch.Tensor]  # "corrupted" and every method -> (B,) dB
    ssim: dict[str, torch.Tensor] | None  # the same keys -> (B,); None for pictures under SSIM_MIN_SIDE


def compare(model, baseline: PCABaseline, x: torch.Tensor, spec: Corruption, iterations: int = 20,
            y: torch.Tensor | None = None) -> Comparison:
    """Corrupt x (B, C, H, W) by spec (masked pixels start at the training mean), then restore it with the
    model (reconstruction, completion, code search) and the baselines. y: the classes, for a conditional VAE."""
    corrupted = corrupt(x, spec, fill=baseline.mean_image)
    shown, known = corrupted.image, corrupted.known
    restored = {"model": restore(model, shown, y)}
    strips = {}
    if spec.kind == "mask":
        strips = {"completion": complete(model, shown, known, iterations, y),
                  "pca_completion": baseline.complete(shown, known, iterations)}
        restored["completion"] = strips["completion"][-1]
    if model.config.kind.posterior:
        start = restored.get("completion", shown)  # the encoder's guess for a completed picture is a better start
        found = search_code(model, start, known, error_std(spec), y)
        restored["search"] = torch.where(known, shown, found) if spec.kind == "mask" else found
    if spec.kind == "mask":
        restored["pca_completion"] = strips["pca_completion"][-1]
    else:
        restored.update(pca=baseline.reconstruct(shown), median=median_filter(shown))
    pictures = {"corrupted": shown, **restored}
    scores = {name: ssim(picture, x) for name, picture in pictures.items()}
    return Comparison(x, corrupted, restored, strips, {name: psnr(p, x) for name, p in pictures.items()},
                      None if scores["corrupted"] is None else scores)
