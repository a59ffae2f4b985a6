"""A run's settings as one checked object: what the user chooses (`ModelSettings`, `TrainSettings`) apart
from what the data decides (`DataShape`). The Train form, the CLI, presets and sweeps all make a `RunSpec`
with `RunSpec.from_flat`, which applies the family's own defaults and checks every value once.

    DIR/config.json   {"spec": {"model": ModelSettings, "train": TrainSettings},
                       "data": DataShape or null (a launcher's run the trainer has not read data for yet),
                       "library_version", "created"}

`read_config` also reads the two layouts written before it ({"model", "train", "prepared": true} by a
launcher, {"model": ModelConfig, "train", "dataset_info"} by a trainer), so old runs and shipped assets open.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from vae import __version__
from vae.config import (FAMILIES, ConfigError, FamilyTraits, ModelConfig, TrainConfig, _check_value, _from_dict,
                        default_for, default_hidden, message_name, rules_settings, setting_field, settings_of,
                        type_hints, used_by, validate)

TrainSettings = TrainConfig  # every TrainConfig field is a user setting: the class is its own settings


class _ModelSettingsBase(FamilyTraits):
    """The methods of ModelSettings, whose fields are made from ModelConfig's settings below."""

    def __post_init__(self) -> None:
        validate(self)
        rules_settings(self)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "ModelSettings":
        return _from_dict(cls, data, "model")

    @classmethod
    def of(cls, config: ModelConfig) -> "ModelSettings":
        """The settings part of a model's full config (what the user chose, hidden widths resolved)."""
        return cls(**{f.name: getattr(config, f.name) for f in dataclasses.fields(cls)})

    def replace(self, **changes) -> "ModelSettings":
        return dataclasses.replace(self, **changes)


def _model_settings_class() -> type:
    """ModelConfig's setting fields with their metadata, as a frozen dataclass of their own (one home for
    each setting: ModelConfig's field). hidden may be None: widths picked from the image size, which only
    the data tells."""
    hints = type_hints(ModelConfig)
    specs = []
    for f in settings_of(ModelConfig):
        hint, default = hints[f.name], f.default
        if f.name == "hidden":
            hint, default = hint | None, None
        specs.append((f.name, hint, field(default=default, metadata=f.metadata)))
    made = dataclasses.make_dataclass("ModelSettings", specs, bases=(_ModelSettingsBase,), frozen=True)
    made.__module__, made.__qualname__ = __name__, "ModelSettings"  # pickles and prints as vae.spec.ModelSettings
    made.__doc__ = "What the user chooses about the model: ModelConfig's settings (vae.config), hidden maybe None."
    return made


ModelSettings = _model_settings_class()
MODEL_NAMES = frozenset(f.name for f in settings_of(ModelSettings))
TRAIN_NAMES = frozenset(f.name for f in settings_of(TrainSettings))
DERIVED_NAMES = tuple(f.name for f in dataclasses.fields(ModelConfig) if not f.metadata.get("setting"))


def _whole_numbers(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ConfigError(f"config.json's {what} must be a list of whole numbers", field=what, rule="damaged")
    return tuple(value)


def _names(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"config.json's {what} must be a list of names", field=what, rule="damaged")
    return tuple(value)


@dataclass(frozen=True)
class DataShape:
    """What the data decides about a model, found when the trainer reads it; nobody types it in.

    The first three are ModelConfig's derived fields (same names, same meaning)."""

    image_shape: tuple[int, ...]  # (C, H, W) the model reads and draws
    num_classes: int = 0  # classes a conditional model is told (one-hot); 0 for the others
    dataset_size: int = 0  # N of the training set, for β-TCVAE's minibatch-weighted sampling
    class_names: tuple[str, ...] = ()  # the dataset's label names, in label order
    factor_names: tuple[str, ...] = ()  # the shapes generator's factors (disentanglement scores)
    factor_sizes: tuple[int, ...] = ()

    def __post_init__(self) -> None:  # read from an untrusted file: types first, ranges by ModelConfig
        object.__setattr__(self, "image_shape", _whole_numbers(self.image_shape, "image_shape"))
        for name in ("num_classes", "dataset_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"config.json's {name} must be a whole number >= 0 (got {value!r})", field=name,
                                  rule="damaged")
        object.__setattr__(self, "class_names", _names(self.class_names, "class_names"))
        object.__setattr__(self, "factor_names", _names(self.factor_names, "factor_names"))
        object.__setattr__(self, "factor_sizes", _whole_numbers(self.factor_sizes, "factor_sizes"))

    def model_fields(self) -> dict:
        """ModelConfig's derived fields, {image_shape, num_classes, dataset_size}."""
        return {name: getattr(self, name) for name in DERIVED_NAMES}

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "DataShape":
        if isinstance(data, dict) and "image_shape" not in data:
            raise ConfigError("config.json's data lacks image_shape", field="image_shape", rule="damaged")
        return _from_dict(cls, data, "data")

    @classmethod
    def of(cls, config: ModelConfig, info: Any = None) -> "DataShape":
        """From a full model config and the old layout's dataset_info {class_names, factor_names, factor_sizes}."""
        info = {} if info is None else info
        if not isinstance(info, dict):
            raise ConfigError("config.json's dataset_info must be a JSON object", rule="damaged")
        names = {k: info.get(k, []) for k in ("class_names", "factor_names", "factor_sizes")}
        return cls(**{name: getattr(config, name) for name in DERIVED_NAMES}, **names)


def model_config(settings: ModelSettings, data: DataShape) -> ModelConfig:
    """The model's full config, settings + data shape; hidden widths from the image size when none were
    chosen. ModelConfig checks the rules that need the data (conv stages divide the image, labels)."""
    fields = settings.to_dict()
    if fields["hidden"] is None:  # an empty shape (a damaged file) is refused by ModelConfig, not here
        fields["hidden"] = default_hidden(settings.arch, data.image_shape[-1] if data.image_shape else 0)
    return ModelConfig(**fields, **data.model_fields())


def _refuse_unused(given: dict, family: Any, dataset: Any) -> None:
    """A value other than the default for a setting the family (or dataset) does not read: refused, since
    it would be silently ignored."""
    dataset = dataset if isinstance(dataset, str) else None
    for name, value in given.items():
        f = setting_field(name)
        model = name in MODEL_NAMES
        if value != f.default and not used_by(f, family if model else None, None if model else dataset):
            if model:
                raise ConfigError(f"{message_name(f)} is not used by {family}: leave it out", field=name,
                                  rule="unused", family=family)
            raise ConfigError(f"{message_name(f)} applies to {', '.join(f.metadata['datasets'])} only, not "
                              f"{dataset}: leave it out", field=name, rule="unused_dataset", dataset=dataset)


@dataclass(frozen=True)
class RunSpec:
    """Everything a user chose about a run, checked: the model's settings and the training's."""

    model: ModelSettings
    train: TrainSettings

    @classmethod
    def from_flat(cls, flat: dict) -> "RunSpec":
        """Flat settings {field name: value} (the form, the CLI, a preset, a sweep point) -> a RunSpec.

        Left-out (or None) settings take the family's own default (VQ-VAE: conv, latent_dim 16), else the
        schema's. Refused with a ConfigError naming the field: unknown names, values the family or dataset
        does not use, types, bounds and the rules between settings. Rules that need the data (conv stages
        and image size, labels) are checked when the data is known (`model_config`)."""
        unknown = sorted(set(flat) - MODEL_NAMES - TRAIN_NAMES)
        if unknown:
            raise ConfigError(f"unknown settings {unknown}", rule="unknown", names=", ".join(unknown))
        given = {name: value for name, value in flat.items() if value is not None}
        family = given.get("family", "vae")
        if family not in FAMILIES:
            _check_value(setting_field("family"), str, family)
        _refuse_unused(given, family, given.get("dataset", "digits"))
        train = TrainSettings(**{name: value for name, value in given.items() if name in TRAIN_NAMES})
        model = ModelSettings(**{f.name: given.get(f.name, default_for(f, family)) for f in settings_of(ModelSettings)})
        return cls(model, train)

    @classmethod
    def from_dict(cls, data: Any) -> "RunSpec":
        """config.json's "spec": types and bounds checked on load (the file may have been edited)."""
        if not isinstance(data, dict):
            raise ConfigError(f"the run's spec must be a JSON object, not {type(data).__name__}", rule="damaged")
        unknown = sorted(set(data) - {"model", "train"})
        if unknown:
            raise ConfigError(f"unknown spec parts {unknown}: made by a newer version, or damaged", rule="damaged")
        return cls(ModelSettings.from_dict(data.get("model")), TrainSettings.from_dict(data.get("train")))

    def to_dict(self) -> dict:
        return {"model": self.model.to_dict(), "train": self.train.to_dict()}

    def flat(self) -> dict:
        """{field name: value} of every setting (hidden left out while the image size picks it)."""
        model = {k: v for k, v in self.model.to_dict().items() if v is not None or k != "hidden"}
        return {**model, **self.train.to_dict()}

    def replace_train(self, **changes) -> "RunSpec":
        return dataclasses.replace(self, train=self.train.replace(**changes))

    def model_config(self, data: DataShape) -> ModelConfig:
        return model_config(self.model, data)


# ---------------------------------------------------------------- config.json

RECORD_KEYS = frozenset({"spec", "data", "library_version", "created"})


def config_record(spec: RunSpec, data: DataShape | None = None) -> dict:
    """config.json's content: the spec, and the data shape once the trainer has read the data."""
    return {"spec": spec.to_dict(), "data": None if data is None else data.to_dict(),
            "library_version": __version__, "created": time.time()}


def read_config(raw: Any) -> tuple[RunSpec, DataShape | None]:
    """config.json of any version -> (spec, data shape; None before the trainer read the data).

    Raises ConfigError (one line) when the file is damaged."""
    if not isinstance(raw, dict):
        raise ConfigError("config.json is not a JSON object", rule="damaged")
    if "spec" in raw:
        unknown = sorted(set(raw) - RECORD_KEYS)  # e.g. an old layout's "model" beside the spec: which one holds?
        if unknown:
            raise ConfigError(f"config.json has unknown parts {unknown}: made by a newer version, or damaged",
                              rule="damaged")
        data = raw.get("data")
        return RunSpec.from_dict(raw["spec"]), None if data is None else DataShape.from_dict(data)
    train = TrainSettings.from_dict(raw.get("train"))
    if raw.get("prepared"):  # a launcher's file before RunSpec: the settings it was given, checked as then
        given = raw.get("model")
        if not isinstance(given, dict):
            raise ConfigError("the model settings must be a JSON object", rule="damaged")
        return RunSpec.from_flat({**given, **train.to_dict()}), None
    full = ModelConfig.from_dict(raw.get("model"))  # a trainer's file before RunSpec
    return RunSpec(ModelSettings.of(full), train), DataShape.of(full, raw.get("dataset_info"))
