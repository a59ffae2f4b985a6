"""The settings schema: one frozen dataclass per concern, each field one setting.

A field's metadata says everything about it once: its help text, bounds, choices, which model
families (or datasets) use it and where the Train form shows it. The CLI flags (vae.cli) and
the Train form (ui.settings_form) are generated from these fields, and `validate` is the one
place a value is checked: types on load from JSON, bounds, choices and each family's rules.
Variants that differ only by a weight (β-VAE, controlled capacity, free bits, KL warm-up) are
fields, not classes. Both configs round-trip through JSON beside the weights.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

from vae import families

FAMILIES = tuple(families.FAMILIES)  # vae.families' registry, in its order
GAUSSIAN_FAMILIES = families.names(posterior=True)  # a N(0, I) prior over a vector z
WEAKLY_SUPERVISED_FAMILIES = families.names(supervision="pairs")
ARCHS = ("mlp", "conv")
LIKELIHOODS = ("bernoulli", "gaussian")
WARMUPS = ("none", "linear", "cyclical")
DEVICES = ("auto", "cpu", "cuda", "mps")
DATASETS = ("digits", "shapes", "fashion-mnist", "mnist", "folder")  # vae.data's registry, in its order
SHAPES_TRAIN_MAX = 737_280 - 2_000  # every grid combination not in the shapes test split
# How a shape's size follows its scale (vae.data.shapes draws them): "bounding", dSprites' rule, the same bounding
# circle for every shape; "equal", the same area for every shape, so size in pixels does not tell the shape.
SHAPE_AREAS = ("bounding", "equal")


class ConfigError(ValueError):
    """A setting a user can fix; the message is one line that says how.

    field: the setting it is about (a ModelConfig / TrainConfig field name), so a UI can name it with
    its own translated label; rule and params: a key and values a UI can translate the reason with.
    """

    def __init__(self, message: str, field: str | None = None, rule: str | None = None, **params: Any):
        super().__init__(message)
        self.field, self.rule, self.params = field, rule, params


def setting(default: Any, help: str, *, group: str, min: float | None = None, max: float | None = None,
            above: float | None = None, below: float | None = None, choices: tuple | None = None,
            families: tuple[str, ...] = FAMILIES, datasets: tuple[str, ...] | None = None,
            shown: Callable[[dict], bool] | None = None,
            name: str | None = None, flag: str | None = None, advanced: bool = False, example: str = "",
            axis: int | None = None, cli: bool = True) -> Any:
    """A dataclass field that is a user setting.

    min/max: inclusive bounds; above/below: exclusive ones. families: the model families that read
    it (others refuse it); datasets: the datasets it applies to (None: all); a family's own defaults
    are the family's (vae.families: VQ-VAE's conv arch). shown(values) -> whether the form shows it for the
    other values (capacity γ only with a capacity). name: how messages call it (default: the field
    name in words); flag: the CLI flag when not --field-name. group: the form's column. axis: a sweep
    may give several values of it (`python -m vae sweep --beta 1,4`), and its run names list the axes in
    this order; cli: False for a setting with no flag.
    """
    meta = dict(help=help, group=group, min=min, max=max, above=above, below=below, choices=choices,
                families=families, datasets=datasets, shown=shown,
                name=name, flag=flag, advanced=advanced, example=example, axis=axis, cli=cli, setting=True)
    return field(default=default, metadata=meta)


def derived(default: Any, help: str) -> Any:
    """A field the trainer fills in from the data (image shape, classes, dataset size): no flag, no widget."""
    return field(default=default, metadata=dict(help=help, setting=False))


class FamilyTraits:
    """Anything that knows a run's `family` (and `beta`): `kind` is its vae.families object, which pages and
    tools ask what the model can do instead of comparing family names."""

    family: str
    beta: float

    @property
    def kind(self) -> families.Family:
        return families.family(self.family)


@dataclass(frozen=True)
class ModelConfig(FamilyTraits):
    family: str = setting("vae", "model family: vae (β-VAE through --beta), tcvae, cvae, vqvae or adagvae "
                          "(weakly supervised by pairs of shapes, Locatello et al. 2020)",
                          group="model", choices=FAMILIES, name="model", axis=0)
    arch: str = setting("mlp", "mlp: fully connected; conv: stride-2 conv stages", group="model", choices=ARCHS,
)
    image_shape: tuple[int, ...] = derived((1, 28, 28), "(C, H, W) the model reads and draws")
    hidden: tuple[int, ...] = setting((256, 64), "MLP widths or conv channels of each stride-2 stage, e.g. 400 or "
                                      "32,64 (default: from the image size)", group="model", min=1, max=8192,
                                      example="256,64")
    latent_dim: int = setting(20, "size of z (VQ-VAE: the size of one code vector)", group="model", min=1, max=1024,
                              name="latent dim", axis=4)
    conv_fc: int = setting(256, "conv: width of the dense layer between conv features and z", group="model", min=1,
                           max=8192, families=GAUSSIAN_FAMILIES, shown=lambda v: v.get("arch") == "conv",
                           advanced=True)
    likelihood: str = setting("bernoulli", "bernoulli: cross-entropy with logits; gaussian: fixed σ (obs-std)",
                              group="model", choices=LIKELIHOODS)
    obs_std: float = setting(0.1, "σ of the Gaussian likelihood, in pixel units", group="model", above=0, max=10.0,
                             shown=lambda v: v.get("likelihood") == "gaussian", advanced=True)
    beta: float = setting(1.0, "weight on the KL term (Higgins et al. 2017); for tcvae on the total correlation "
                          "(Chen et al. 2018)", group="objective", min=0, max=1000.0, families=GAUSSIAN_FAMILIES,
                          axis=1)
    capacity_max: float = setting(0.0, "C_max in nats; > 0 trains γ·|KL − C| instead (Burgess et al. 2018)",
                                  group="objective", min=0, max=10_000.0, families=("vae", "cvae"))
    capacity_gamma: float = setting(1000.0, "γ of the controlled-capacity objective", group="objective", min=0,
                                    max=1e6, families=("vae", "cvae"), shown=lambda v: v.get("capacity_max", 0) > 0)
    capacity_steps: int = setting(10_000, "optimizer steps over which C ramps from 0 to C_max", group="objective",
                                  min=1, max=10_000_000, families=("vae", "cvae"),
                                  shown=lambda v: v.get("capacity_max", 0) > 0)
    tc_alpha: float = setting(1.0, "weight on the index-code mutual information", group="objective", min=0,
                              max=1000.0, families=("tcvae",))
    tc_gamma: float = setting(1.0, "weight on the dimension-wise KL", group="objective", min=0, max=1000.0,
                              families=("tcvae",))
    dataset_size: int = derived(0, "tcvae: N of the training set, for minibatch-weighted sampling")
    num_classes: int = derived(0, "cvae: number of classes given as one-hot to encoder and decoder")
    codebook_size: int = setting(128, "number of codes K", group="objective", min=2, max=65_536, families=("vqvae",))
    commitment: float = setting(0.25, "β of the commitment loss (van den Oord et al. 2017)", group="objective", min=0,
                                max=100.0, families=("vqvae",))
    ema_decay: float = setting(0.99, "EMA codebook updates; 0 learns the codebook by gradient", group="objective",
                               min=0, below=1, families=("vqvae",), advanced=True)
    warmup: str = setting("none", "KL warm-up: none, linear or cyclical (Fu et al. 2019)", group="objective",
                          choices=WARMUPS, families=GAUSSIAN_FAMILIES)
    warmup_steps: int = setting(0, "linear: steps to reach full weight; cyclical: length of one cycle",
                                group="objective", min=0, max=10_000_000, families=GAUSSIAN_FAMILIES,
                                shown=lambda v: v.get("warmup", "none") != "none")
    pair_changes: int = setting(0, "adagvae: factors that differ within a training pair; 0 draws 1 to F−1 per "
                                "pair, as Locatello et al. 2020", group="objective", min=0, max=16,
                                families=WEAKLY_SUPERVISED_FAMILIES, advanced=True)
    free_bits: float = setting(0.0, "minimum nats per latent dimension in the KL term (Kingma et al. 2016)",
                               group="objective", min=0, max=100.0, families=("vae", "cvae"))

    def __post_init__(self) -> None:
        validate(self)
        rules_settings(self)
        _rules_model(self)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "ModelConfig":
        return _from_dict(cls, data, "model")

    def replace(self, **changes) -> "ModelConfig":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = setting("digits", "which pictures to learn", group="data", choices=DATASETS)
    # Only the datasets read from disk take a folder: one given for digits or shapes would be silently ignored.
    data_root: str | None = setting(None, "folder with IDX files or class subfolders of images", group="data",
                                    datasets=("mnist", "fashion-mnist", "folder"))
    download: bool = setting(False, "fetch MNIST / Fashion-MNIST through torchvision when missing", group="data",
                             datasets=("mnist", "fashion-mnist"), advanced=True)
    image_size: int | None = setting(None, "resize square images to this side (default: the dataset's)",
                                     group="data", min=4, max=256)
    channels: int | None = setting(None, "1 (gray) or 3 (RGB) (default: the dataset's)", group="data",
                                   choices=(1, 3), advanced=True)
    limit: int | None = setting(None, "use only the first N training images (quick demos, tests)", group="data",
                                min=1, max=10_000_000)
    train_size: int | None = setting(None, "shapes: grid combinations to train on (default 12,000 of 737,280)",
                                     group="data", min=1, max=SHAPES_TRAIN_MAX, datasets=("shapes",))
    # "bounding" for every run written before the setting existed: their configs lack it, and read as that.
    shape_area: str = setting("bounding", "shapes: bounding (each shape fills the same circle, as in dSprites) or "
                              "equal (each shape has the same area at a scale, so size says nothing about shape)",
                              group="data", choices=SHAPE_AREAS, datasets=("shapes",), advanced=True)
    exclude_classes: tuple[int, ...] = setting((), "hold these labels out of training, e.g. 7 or 3,8 (anomaly "
                                               "detection)", group="data", min=0, max=9999, example="3")
    epochs: int = setting(10, "passes over the data (with --resume: train on to this many)", group="run", min=1,
                          max=100_000)
    batch_size: int = setting(128, "images per optimizer step", group="run", min=1, max=65_536, name="batch size")
    # max 1: Adam moves each weight by about lr per step whatever the gradient's scale, so lr 1 already moves
    # weights of size ~0.1 by ten times their size each step; published VAE rates are 1e-4 to 1e-2.
    lr: float = setting(1e-3, "Adam learning rate", group="run", above=0, max=1.0, name="learning rate", axis=3)
    seed: int = setting(0, "seeds initialization, batch order and sampling; CPU runs repeat exactly", group="run",
                        min=0, max=2**31 - 1, axis=2)
    device: str = setting("auto", "auto (cuda, then mps, then cpu), cpu, cuda or mps", group="run", choices=DEVICES)
    log_every: int = setting(50, "optimizer steps between metrics events", group="run", min=1, max=1_000_000)
    bf16: bool = setting(True, "bf16 autocast where it is faster: CUDA, and Gaussian conv models in one process on CPUs "
                         "with AMX", group="run", flag="no-bf16",
                         advanced=True)
    grid_images: int = setting(64, "images in the per-epoch sample and reconstruction grids", group="run", min=1,
                               max=1024, advanced=True)
    pixel_noise: float = setting(0.0, "share μ of pixels replaced by uniform noise in each batch: trains the "
                                 "background model of the likelihood-ratio anomaly score (Ren et al. 2019)",
                                 group="data", min=0, below=1, advanced=True, name="pixel noise")

    def __post_init__(self) -> None:
        validate(self)
        if self.data_root is not None and not self.data_root.strip():
            object.__setattr__(self, "data_root", None)
        if self.dataset == "folder" and self.data_root is None:
            raise ConfigError("the folder dataset needs a folder: give --data-root DIR (one subfolder per class)",
                              field="data_root", rule="folder_needs_root")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "TrainConfig":
        return _from_dict(cls, data, "train")

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


# ---------------------------------------------------------------- the schema, read from the fields

def settings_of(cls) -> list[dataclasses.Field]:
    """The fields of a config class that are user settings (not derived from the data)."""
    return [f for f in dataclasses.fields(cls) if f.metadata.get("setting")]


def setting_field(name: str) -> dataclasses.Field:
    """The field of ModelConfig or TrainConfig called name."""
    for cls in (ModelConfig, TrainConfig):
        for f in dataclasses.fields(cls):
            if f.name == name:
                return f
    raise KeyError(name)


def type_hints(cls) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def message_name(f: dataclasses.Field) -> str:
    """How messages call a setting: its metadata name, else the field name."""
    return f.metadata.get("name") or f.name


def own_default(f: dataclasses.Field, family: str) -> bool:
    """Whether the family sets this setting's default itself (vae.families: VQ-VAE's conv arch, latent dim 16)."""
    kind = families.FAMILIES.get(family)
    return kind is not None and f.name in kind.defaults


def default_for(f: dataclasses.Field, family: str) -> Any:
    """A setting's default for a family: the family's own (vae.families), else the field's."""
    return families.family(family).defaults[f.name] if own_default(f, family) else f.default


def used_by(f: dataclasses.Field, family: str | None = None, dataset: str | None = None) -> bool:
    """Whether the family (and dataset) read this setting."""
    meta = f.metadata
    if family is not None and family not in meta.get("families", FAMILIES):
        return False
    return dataset is None or meta.get("datasets") is None or dataset in meta["datasets"]


def base_type(hint: Any) -> tuple[Any, bool]:
    """(the type inside Optional, whether None is allowed)."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        return next(a for a in args if a is not type(None)), True
    return hint, False


def _check_value(f: dataclasses.Field, hint: Any, value: Any) -> Any:
    """A field's value, type-checked and bound-checked; JSON lists become tuples. Raises ConfigError."""
    meta, name = f.metadata, message_name(f)
    kind, optional = base_type(hint)
    if value is None:
        if optional:
            return None
        raise ConfigError(f"{name} must be given", field=f.name, rule="required")
    if typing.get_origin(kind) is tuple:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                           for v in value):
            example = meta.get("example") or "1,2"
            raise ConfigError(f"{name} must be whole numbers separated by commas, e.g. {example} (got {value!r})",
                              field=f.name, rule="whole_list", example=example)
        items = tuple(value)
    elif kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false (got {value!r})", field=f.name, rule="bool")
        return value
    elif kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{name} must be a whole number (got {value!r})", field=f.name, rule="whole")
        items = (value,)
    elif kind is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConfigError(f"{name} must be a number (got {value!r})", field=f.name, rule="number")
        if not math.isfinite(value):
            bound = f" >= {meta['min']:g}" if meta.get("min") is not None else (
                f" > {meta['above']:g}" if meta.get("above") is not None else "")
            raise ConfigError(f"{name} must be a number{bound} (got {value})", field=f.name, rule="number")
        value = float(value)
        items = (value,)
    else:  # str
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be text (got {value!r})", field=f.name, rule="text")
        items = ()
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"unknown {name} {value!r}: choose one of {', '.join(map(str, choices))}",
                          field=f.name, rule="choice", value=value, choices=", ".join(map(str, choices)))
    for v in items:
        if meta.get("min") is not None and v < meta["min"]:
            text = f"{name} must be a number >= {meta['min']:g}" if kind is float else f"{name} must be at least {meta['min']:g}"
            raise ConfigError(f"{text} (got {v})", field=f.name, rule="min", min=meta["min"], value=v)
        if meta.get("above") is not None and v <= meta["above"]:
            raise ConfigError(f"{name} must be a number > {meta['above']:g} (got {v})", field=f.name,
                              rule="above", above=meta["above"], value=v)
        if meta.get("max") is not None and v > meta["max"]:
            raise ConfigError(f"{name} must be at most {meta['max']:g} (got {v})", field=f.name, rule="max",
                              max=meta["max"], value=v)
        if meta.get("below") is not None and v >= meta["below"]:
            raise ConfigError(f"{name} must be below {meta['below']:g} (got {v})", field=f.name, rule="below",
                              below=meta["below"], value=v)
    return items if typing.get_origin(kind) is tuple else value


def check_setting(name: str, value: Any) -> Any:
    """One setting's value (a field of ModelConfig or TrainConfig), type- and bound-checked alone, as the form
    checks each field while it is typed; the value, or ConfigError. Rules between fields wait for the config."""
    f = setting_field(name)
    owner = next(cls for cls in (ModelConfig, TrainConfig) if f in dataclasses.fields(cls))
    return _check_value(f, type_hints(owner)[name], value)


def validate(config) -> None:
    """Type-check and bound-check every field of a config in place (tuples for JSON lists)."""
    hints = type_hints(type(config))
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.metadata.get("setting"):
            object.__setattr__(config, f.name, _check_value(f, hints[f.name], value))
        elif typing.get_origin(hints[f.name]) is tuple:  # derived image_shape
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                               for v in value):
                raise ConfigError(f"{f.name} must be whole numbers (got {value!r})", field=f.name, rule="whole_list")
            object.__setattr__(config, f.name, tuple(value))
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{f.name} must be a whole number >= 0 (got {value!r})", field=f.name, rule="whole")


def _check(ok: bool, message: str, field: str, rule: str, **params) -> None:
    if not ok:
        raise ConfigError(message, field=field, rule=rule, **params)


def rules_settings(c) -> None:
    """The rules between a model's settings that hold whatever the data (ModelSettings and ModelConfig)."""
    _check(c.hidden is None or len(c.hidden) >= 1, "hidden sizes must be one or more positive widths, e.g. "
           "--hidden 400 or --hidden 32,64", "hidden", "hidden_empty")
    _check(c.warmup == "none" or c.warmup_steps >= 1, "KL warm-up needs warmup_steps >= 1 (e.g. --warmup-steps "
           "2000)", "warmup_steps", "warmup_steps")
    _check(not families.family(c.family).codes or c.arch == "conv",
           "VQ-VAE quantizes a grid of conv features: use --arch conv", "arch", "vq_conv")


def _rules_model(c: ModelConfig) -> None:
    """The rules between a model's fields and the data's shape, per family."""
    def check(ok: bool, message: str, field: str, rule: str, **params) -> None:
        if not ok:
            raise ConfigError(message, field=field, rule=rule, **params)

    check(len(c.image_shape) == 3 and all(v > 0 for v in c.image_shape),
          "image shape must be (channels, height, width) with positive sizes", "image_shape", "image_shape")
    check(c.image_shape[0] in (1, 3), "images must have 1 (gray) or 3 (RGB) channels", "channels", "channels")
    if c.kind.conditional:
        check(c.num_classes >= 2, "a conditional VAE needs a dataset with class labels (2 or more classes)",
              "dataset", "cvae_labels")
    if c.arch == "conv":
        factor = 2 ** len(c.hidden)
        _, height, width = c.image_shape
        check(height % factor == 0 and width % factor == 0,
              f"{len(c.hidden)} conv stages halve the image {len(c.hidden)} times, so {height}×{width} must be "
              f"divisible by {factor}: give fewer --hidden widths", "hidden", "conv_divisible",
              stages=len(c.hidden), height=height, width=width, factor=factor)


def _from_dict(cls, data: Any, what: str):
    """A config from its JSON dict; wrong shapes and unknown keys are one-line ConfigErrors."""
    if not isinstance(data, dict):
        raise ConfigError(f"the {what} settings must be a JSON object, not {type(data).__name__}", rule="damaged")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown {what} settings {unknown}: made by a newer version, or damaged", rule="damaged")
    return cls(**data)


def split_settings(settings: dict) -> tuple[dict, "TrainConfig"]:
    """Flat settings {field: value} -> (model settings {field: value}, TrainConfig), checked as
    vae.spec.RunSpec.from_flat checks them (hidden left out unless given: the image size picks it).
    For callers that build a model from the parts; new code takes the RunSpec itself."""
    from vae.spec import RunSpec  # vae.spec is built on this module

    spec = RunSpec.from_flat(settings)
    return {k: v for k, v in spec.model.to_dict().items() if v is not None or k != "hidden"}, spec.train


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
