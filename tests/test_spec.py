"""vae.spec: a run's settings as one checked RunSpec (the family's defaults applied, every value checked once),
its one config.json format, and the two formats written before it, which still read (shipped assets, old runs)."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest

from vae.cli import build_parser, config_from_args, main
from vae.config import ConfigError, ModelConfig, TrainConfig, settings_of
from vae.metrics.anomaly.scores import AnomalyError, ScoreSettings
from vae.models.prior import PriorConfig
from vae.spec import DataShape, ModelSettings, RunSpec, TrainSettings, config_record, read_config
from vae.training import sweep
from vae.training.runs import read_run

ASSETS = Path(__file__).resolve().parents[1] / "assets"
TINY = dict(dataset="digits", limit=64, hidden=(16,), latent_dim=2, batch_size=32, epochs=1, device="cpu",
            log_every=1, grid_images=4)


def test_the_settings_are_modelconfigs_own_fields_and_the_data_shape_its_derived_ones():
    config = {f.name: f for f in dataclasses.fields(ModelConfig)}
    assert [f.name for f in dataclasses.fields(ModelSettings)] == [f.name for f in settings_of(ModelConfig)]
    assert all(f.metadata == config[f.name].metadata for f in dataclasses.fields(ModelSettings))
    derived = [f.name for f in dataclasses.fields(ModelConfig) if not f.metadata.get("setting")]
    shape = {f.name for f in dataclasses.fields(DataShape)}
    assert set(derived) == {"image_shape", "num_classes", "dataset_size"} <= shape
    assert TrainSettings is TrainConfig


def test_from_flat_applies_the_familys_own_defaults():
    vq = RunSpec.from_flat({"family": "vqvae"})
    assert (vq.model.latent_dim, vq.model.arch, vq.model.hidden) == (16, "conv", None)  # hidden: from the image
    assert RunSpec.from_flat({"family": "vqvae", "latent_dim": 8}).model.latent_dim == 8  # given beats the default
    plain = RunSpec.from_flat({})
    assert (plain.model.family, plain.model.latent_dim, plain.model.arch) == ("vae", 20, "mlp")
    assert RunSpec.from_flat({"beta": None, "epochs": None}) == plain  # None: not given


@pytest.mark.parametrize("flat, field, rule", [
    ({"beta": -1.0}, "beta", "min"),
    ({"beta": float("nan")}, "beta", "number"),
    ({"latent_dim": 2.5}, "latent_dim", "whole"),
    ({"family": "gan"}, "family", "choice"),
    ({"family": "tcvae", "free_bits": 1.0}, "free_bits", "unused"),
    ({"train_size": 100}, "train_size", "unused_dataset"),
    ({"shape_area": "equal"}, "shape_area", "unused_dataset"),  # digits: there are no shapes to size
    ({"dataset": "shapes", "shape_area": "half"}, "shape_area", "choice"),
    ({"warmup": "linear"}, "warmup_steps", "warmup_steps"),
    ({"hidden": ()}, "hidden", "hidden_empty"),
    ({"epochs": 0}, "epochs", "min"),
    ({"dataset": "folder"}, "data_root", "folder_needs_root"),
    ({"dataset": "digits", "data_root": "/tmp/pictures"}, "data_root", "unused_dataset"),  # issue 24, bug 6
    ({"family": "vqvae", "arch": "mlp"}, "arch", "vq_conv"),  # a family's rule, checked before any data
    ({"run_dir": "x"}, None, "unknown"),
])
def test_from_flat_refuses_naming_the_field_and_rule(flat, field, rule):
    with pytest.raises(ConfigError) as refused:
        RunSpec.from_flat(flat)
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_rules_that_need_the_data_wait_for_it():
    spec = RunSpec.from_flat({"arch": "conv", "hidden": (8, 8, 8, 8)})  # 4 stages: fine for 32×32, not 8×8
    assert spec.model_config(DataShape((1, 32, 32))).hidden == (8, 8, 8, 8)
    with pytest.raises(ConfigError, match="divisible by 16"):
        spec.model_config(DataShape((1, 8, 8)))
    assert RunSpec.from_flat({"arch": "conv"}).model_config(DataShape((1, 32, 32))).hidden == (32, 32, 64)


def test_the_spec_round_trips_through_json_and_load_checks_it_again():
    spec = RunSpec.from_flat({**TINY, "family": "cvae", "beta": 4.0, "exclude_classes": (3,)})
    record = json.loads(json.dumps(config_record(spec, DataShape((1, 8, 8), 10, 64, tuple("0123456789")))))
    loaded, data = read_config(record)
    assert loaded == spec and data.num_classes == 10 and data.class_names[3] == "3"
    assert loaded.model_config(data).beta == 4.0  # model.config.beta, as every page reads it
    record["spec"]["model"]["beta"] = -1.0  # edited by hand after the checks
    with pytest.raises(ConfigError, match="beta must be a number >= 0"):
        read_config(record)
    record["spec"]["model"]["beta"], record["spec"]["model"]["bogus"] = 1.0, 1
    with pytest.raises(ConfigError, match="unknown model settings"):
        read_config(record)
    record["spec"]["model"].pop("bogus")
    with pytest.raises(ConfigError, match=r"unknown parts \['model'\]"):  # both layouts at once: which holds?
        read_config({**record, "model": record["spec"]["model"]})


def _layout(asset: str) -> str:
    """"spec": RunSpec's record; "before": the trainer's layout before it ({"model", "train", "dataset_info"})."""
    return "spec" if "spec" in json.loads((ASSETS / asset / "config.json").read_text()) else "before"


SHIPPED = sorted(p.parent.name for p in ASSETS.glob("*/config.json"))
BEFORE = [a for a in SHIPPED if _layout(a) == "before"]  # assets trained before RunSpec, kept as they were


def test_assets_of_both_layouts_ship():
    """Both readers stay tested on real assets: the models trained before RunSpec, and the β ladder trained since."""
    assert BEFORE and len(BEFORE) < len(SHIPPED)


@pytest.mark.parametrize("asset", sorted(set(SHIPPED) - set(BEFORE)))
def test_every_shipped_assets_spec_reads_back_as_written(asset):
    raw = json.loads((ASSETS / asset / "config.json").read_text())
    spec, data = read_config(raw)
    again = json.loads(json.dumps(config_record(spec, data)))
    # A setting added after the asset was trained reads as its default (shape_area: "bounding", the pictures
    # every earlier run saw) and is written out; everything the asset says comes back as it said it.
    for section, cls in (("model", ModelSettings), ("train", TrainSettings)):
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        added = {k: v for k, v in again["spec"][section].items() if k not in raw["spec"][section]}
        assert all(json.loads(json.dumps(defaults[k])) == v for k, v in added.items()), added
        assert {k: v for k, v in again["spec"][section].items() if k not in added} == raw["spec"][section]
    assert again["data"] == raw["data"]
    run = read_run(ASSETS / asset)
    assert run.problem is None and run.spec == spec and run.model == spec.model_config(data)


@pytest.mark.parametrize("asset", BEFORE)
def test_every_shipped_assets_config_reads_as_the_same_model(asset):
    """The trainer's layout before RunSpec: {"model": ModelConfig, "train", "dataset_info"}."""
    raw = json.loads((ASSETS / asset / "config.json").read_text())
    spec, data = read_config(raw)
    assert spec.model_config(data) == ModelConfig.from_dict(raw["model"])
    assert spec.train == TrainConfig.from_dict(raw["train"])
    assert list(data.class_names) == raw["dataset_info"]["class_names"]
    run = read_run(ASSETS / asset)
    assert run.problem is None and run.model == spec.model_config(data) and run.spec == spec
    as_json = lambda config: json.loads(json.dumps(config.to_dict()))  # noqa: E731 (fields added since: defaults)
    assert run.config["model"] == as_json(ModelConfig.from_dict(raw["model"]))  # old readers see the same
    assert run.config["train"] == as_json(TrainConfig.from_dict(raw["train"]))
    assert run.config["dataset_info"] == raw["dataset_info"]


def _prepared_as_launch_wrote_it(settings: dict) -> dict:
    """config.json as vae.launch wrote it before RunSpec: the given model settings with the family's defaults for
    arch and latent_dim filled in, the full training config and "prepared"."""
    train = TrainConfig(**{k: v for k, v in settings.items() if k in {f.name for f in settings_of(TrainConfig)}})
    family = settings.get("family", "vae")
    model = {"family": family, **({"arch": "conv", "latent_dim": 16} if family == "vqvae" else {})}
    model.update({k: v for k, v in settings.items() if k in {f.name for f in settings_of(ModelConfig)}})
    return json.loads(json.dumps({"model": model, "train": train.to_dict(), "prepared": True, "created": time.time()}))


def test_a_launchers_prepared_file_of_before_reads_and_trains(tmp_path, capsys):
    settings = {**{k: v for k, v in TINY.items() if k != "latent_dim"}, "family": "vqvae", "hidden": (8, 8),
                "codebook_size": 16}
    raw = _prepared_as_launch_wrote_it(settings)
    spec, data = read_config(raw)
    assert spec == RunSpec.from_flat(settings) and data is None
    run_dir = tmp_path / "old-prepared"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps(raw))
    assert read_run(run_dir).state == "prepared" and read_run(run_dir).model is None
    assert main(["train", "--run-dir", str(run_dir), "--quiet"]) == 0, capsys.readouterr().err
    run = read_run(run_dir)
    assert run.state == "finished" and run.model.latent_dim == 16 and run.model.image_shape == (1, 8, 8)
    assert set(json.loads((run_dir / "config.json").read_text())) == {"spec", "data", "library_version", "created"}


def test_a_prepared_file_holds_the_spec_and_no_data_until_the_trainer_reads_it(tmp_path):
    from vae.training.runs import write_config

    spec = RunSpec.from_flat(TINY)
    write_config(tmp_path, spec)
    raw = json.loads((tmp_path / "config.json").read_text())
    assert raw["data"] is None and raw["spec"]["model"]["hidden"] == [16]
    run = read_run(tmp_path)
    assert (run.state, run.spec, run.model, run.config["train"]["limit"]) == ("prepared", spec, None, 64)


def test_sweep_axes_come_from_the_schema_with_their_types():
    assert sweep.AXES == ("family", "beta", "seed", "lr", "latent_dim")  # the order of run names, as before
    assert sweep.axis_types() == {"family": str, "beta": float, "seed": int, "lr": float, "latent_dim": int}
    args = build_parser().parse_args(["sweep", "--beta", "1,4", "--seed", "0,1", "--lr", "1e-3"])
    assert (args.beta, args.seed, args.lr) == ((1.0, 4.0), (0, 1), (0.001,))
    with pytest.raises(ValueError, match="whole numbers"):
        sweep.parse_values("1.5,2", int)
    assert sweep.point_label({"beta": 4.0, "lr": 0.0003}) == "beta4-lr0.0003"


def test_prior_and_score_settings_are_schema_fields_with_generated_flags():
    args = build_parser().parse_args(["prior", "RUN", "--width", "32", "--heads", "2", "--seed", "3"])
    assert config_from_args(args, PriorConfig) == PriorConfig(width=32, heads=2, seed=3)
    assert config_from_args(build_parser().parse_args(["prior", "RUN"]), PriorConfig) == PriorConfig()
    args = build_parser().parse_args(["anomaly", "RUN", "--k", "8", "--regret-steps", "3"])
    assert config_from_args(args, ScoreSettings) == ScoreSettings(k=8, regret_steps=3)
    with pytest.raises(ConfigError, match="epochs must be at least 1"):
        PriorConfig(epochs=0)
    with pytest.raises(ConfigError, match="multiple of heads"):
        PriorConfig(width=30, heads=4)
    with pytest.raises(AnomalyError, match="k must be at least 1"):
        ScoreSettings(k=0)
    for command, hidden in (("prior", ("--weight-decay", "--val-fraction")), ("anomaly", ("--samples", "--regret-lr"))):
        with pytest.raises(SystemExit):
            build_parser().parse_args([command, "RUN", hidden[0], "1"])  # settings with cli=False have no flag
