"""Model configuration: one frozen dataclass whose fields pick the family and its weights.

Variants that differ only by a weight (β-VAE, controlled capacity, free bits, KL warm-up)
are fields here, not classes. The config round-trips through JSON beside the weights.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

FAMILIES = ("vae", "tcvae", "cvae", "vqvae")
ARCHS = ("mlp", "conv")
LIKELIHOODS = ("bernoulli", "gaussian")
WARMUPS = ("none", "linear", "cyclical")


class ConfigError(ValueError):
    """A setting a user can fix; the message is one line that says how."""


@dataclass(frozen=True)
class ModelConfig:
    family: str = "vae"  # vae (β-VAE through beta), tcvae, cvae or vqvae
    arch: str = "mlp"  # mlp: fully connected; conv: stride-2 conv stages
    image_shape: tuple[int, int, int] = (1, 28, 28)  # (C, H, W) the model reads and draws
    hidden: tuple[int, ...] = (256, 64)  # MLP widths, or conv channels of each stride-2 stage
    latent_dim: int = 20  # size of z; for VQ-VAE the size of one code vector
    conv_fc: int = 256  # width of the dense layer between conv features and z (VAE families)
    likelihood: str = "bernoulli"  # bernoulli: BCE with logits; gaussian: fixed obs_std
    obs_std: float = 0.1  # σ of the Gaussian likelihood, in pixel units
    beta: float = 1.0  # weight on KL (Higgins et al. 2017); on TC for tcvae (Chen et al. 2018)
    capacity_max: float = 0.0  # C_max in nats; > 0 switches to γ·|KL − C| (Burgess et al. 2018)
    capacity_gamma: float = 1000.0  # γ of the controlled-capacity objective
    capacity_steps: int = 10_000  # optimizer steps over which C ramps from 0 to C_max
    tc_alpha: float = 1.0  # tcvae: weight on index-code mutual information
    tc_gamma: float = 1.0  # tcvae: weight on dimension-wise KL
    dataset_size: int = 0  # tcvae: N of the training set, for minibatch-weighted sampling
    num_classes: int = 0  # cvae: number of classes given as one-hot to encoder and decoder
    codebook_size: int = 128  # vqvae: number of codes K
    commitment: float = 0.25  # vqvae: β of the commitment loss (van den Oord et al. 2017)
    ema_decay: float = 0.99  # vqvae: EMA codebook updates; 0 learns the codebook by gradient
    warmup: str = "none"  # KL warm-up: none, linear or cyclical (Fu et al. 2019)
    warmup_steps: int = 0  # linear: steps to reach full weight; cyclical: length of one cycle
    free_bits: float = 0.0  # minimum nats per latent dimension in the KL term (Kingma et al. 2016)

    def __post_init__(self) -> None:
        # JSON gives lists; keep tuples so the config stays hashable.
        object.__setattr__(self, "image_shape", tuple(int(v) for v in self.image_shape))
        object.__setattr__(self, "hidden", tuple(int(v) for v in self.hidden))
        self._validate()

    def _validate(self) -> None:
        def check(ok: bool, message: str) -> None:
            if not ok:
                raise ConfigError(message)

        check(self.family in FAMILIES, f"unknown model '{self.family}': choose one of {', '.join(FAMILIES)}")
        check(self.arch in ARCHS, f"unknown architecture '{self.arch}': choose mlp or conv")
        check(self.likelihood in LIKELIHOODS, f"unknown likelihood '{self.likelihood}': choose bernoulli or gaussian")
        check(self.warmup in WARMUPS, f"unknown warm-up '{self.warmup}': choose none, linear or cyclical")
        check(len(self.image_shape) == 3 and all(v > 0 for v in self.image_shape),
              "image shape must be (channels, height, width) with positive sizes")
        check(self.image_shape[0] in (1, 3), "images must have 1 (gray) or 3 (RGB) channels")
        check(self.latent_dim >= 1, "latent dim must be at least 1")
        check(len(self.hidden) >= 1 and all(v >= 1 for v in self.hidden),
              "hidden sizes must be one or more positive widths, e.g. --hidden 400 or --hidden 32,64")
        for name in ("beta", "capacity_max", "capacity_gamma", "tc_alpha", "tc_gamma", "free_bits", "commitment"):
            value = getattr(self, name)
            check(math.isfinite(value) and value >= 0, f"{name} must be a number >= 0 (got {value})")
        check(self.obs_std > 0, "obs_std must be > 0")
        check(0 <= self.ema_decay < 1, "ema_decay must be in [0, 1)")
        check(self.capacity_steps >= 1, "capacity_steps must be at least 1")
        check(self.warmup == "none" or self.warmup_steps >= 1,
              "KL warm-up needs warmup_steps >= 1 (e.g. --warmup-steps 2000)")
        if self.family == "cvae":
            check(self.num_classes >= 2, "a conditional VAE needs a dataset with class labels (2 or more classes)")
        if self.family == "vqvae":
            check(self.arch == "conv", "VQ-VAE quantizes a grid of conv features: use --arch conv")
            check(self.codebook_size >= 2, "VQ-VAE needs a codebook of at least 2 codes")
        if self.arch == "conv":
            factor = 2 ** len(self.hidden)
            _, height, width = self.image_shape
            check(height % factor == 0 and width % factor == 0,
                  f"{len(self.hidden)} conv stages halve the image {len(self.hidden)} times, so "
                  f"{height}×{width} must be divisible by {factor}: give fewer --hidden widths")

    @property
    def is_gaussian_latent(self) -> bool:
        """True for the families with a N(0, I) prior over a vector z (not VQ-VAE)."""
        return self.family != "vqvae"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown model settings {unknown}: this checkpoint is from a newer version")
        return cls(**data)

    def replace(self, **changes) -> "ModelConfig":
        return dataclasses.replace(self, **changes)


def default_hidden(arch: str, image_size: int) -> tuple[int, ...]:
    """Sensible widths: the textbook MLP, or as many conv stages as halve the image to ≤ 8."""
    if arch == "mlp":
        return (256, 64)
    stages = []
    size = image_size
    while size % 2 == 0 and size > 7 and len(stages) < 4:
        stages.append(32 if len(stages) < 2 else 64)
        size //= 2
    return tuple(stages) or (32,)



@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "digits"  # a name from vae.data.DATASET_NAMES
    data_root: str | None = None  # where IDX files or an image folder live
    download: bool = False  # fetch MNIST / Fashion-MNIST through torchvision when missing
    image_size: int | None = None  # resize square images to this side; None keeps the dataset's
    channels: int | None = None  # 1 (gray) or 3 (RGB); None keeps the dataset's
    limit: int | None = None  # use only the first N training images (quick demos, tests)
    exclude_classes: tuple[int, ...] = ()  # held out of training, e.g. for anomaly detection
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3  # Adam learning rate
    seed: int = 0  # seeds initialization, batch order and sampling; CPU runs repeat exactly
    device: str = "auto"  # auto (cuda, then mps, then cpu), cpu, cuda or mps
    log_every: int = 50  # optimizer steps between metrics.jsonl events
    bf16: bool = True  # bf16 autocast on CUDA (ignored elsewhere)
    grid_images: int = 64  # images in the per-epoch sample and reconstruction grids
    pixel_noise: float = 0.0  # share μ of pixels replaced by uniform noise per batch: ratio background (Ren et al. 2019)

    def __post_init__(self) -> None:
        object.__setattr__(self, "exclude_classes", tuple(int(c) for c in self.exclude_classes))

        def check(ok: bool, message: str) -> None:
            if not ok:
                raise ConfigError(message)

        check(self.epochs >= 1, "epochs must be at least 1")
        check(self.batch_size >= 1, "batch size must be at least 1")
        check(math.isfinite(self.lr) and self.lr > 0, "learning rate must be a number > 0, e.g. --lr 1e-3")
        check(self.log_every >= 1, "log_every must be at least 1")
        check(self.device in ("auto", "cpu", "cuda", "mps"), f"unknown device '{self.device}': choose auto, cpu, cuda or mps")
        check(self.image_size is None or self.image_size >= 4, "image size must be at least 4 pixels")
        check(self.channels in (None, 1, 3), "channels must be 1 (gray) or 3 (RGB)")
        check(self.limit is None or self.limit >= 1, "limit must be at least 1 image")
        check(self.grid_images >= 1, "grid_images must be at least 1")
        check(math.isfinite(self.pixel_noise) and 0 <= self.pixel_noise < 1,
              f"pixel noise must be a fraction in [0, 1), e.g. --pixel-noise 0.2 (got {self.pixel_noise})")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)
