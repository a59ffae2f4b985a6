"""The command line: `python -m vae {train,eval,datasets,slim,sample,prior,disentanglement,anomaly,sweep}`.

Bad settings are refused up front with one line on stderr (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
import typing
from pathlib import Path

from vae.training.checkpoint import CheckpointError
from vae.config import (FAMILIES, ConfigError, ModelConfig, TrainConfig, base_type, setting_field, settings_of,
                        type_hints)
from vae.data import DATASET_NAMES, DatasetUnavailable
from vae.training.runs import CONFIG_NAME, RUNS_ENV, default_run_name, default_runs_dir, pid_alive, real_run_folder


class _Parser(argparse.ArgumentParser):
    """argparse, with a refusal printed as one `error:` line (and where to read more), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _int_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.replace(" ", "").split(",") if v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got '{text}'") from None


def _count(least: int, most: int | None = None):
    """An argparse type: a whole number in [least, most]."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
        if value < least or (most is not None and value > most):
            bounds = f"between {least} and {most}" if most is not None else f"at least {least}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value
    return parse


def _positive(text: str) -> float:
    """An argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def _readable_run(path: str):
    """The run in a folder given on the command line, refused in one line when missing or damaged."""
    from vae.training.runs import read_run

    run = read_run(path)
    if run is None:
        raise ConfigError(f"{path} holds no run (no config.json): give a run directory")
    if run.problem or run.model is None:
        raise ConfigError(f"{path} is damaged: {run.problem or 'it has not been trained yet'}")
    return run


def _output_file(path: str) -> str:
    """--out: a file whose folder exists and can be written, never a folder."""
    out = os.path.abspath(path)
    if os.path.isdir(out):
        raise ConfigError(f"--out {path} is a folder: give a file name, e.g. {os.path.join(path, 'samples.png')}")
    folder = os.path.dirname(out)
    if not os.path.isdir(folder):
        raise ConfigError(f"--out {path}: the folder {folder} does not exist: create it first")
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"--out {path}: the folder {folder} cannot be written: pick another place")
    if not out.lower().endswith((".png", ".jpg", ".jpeg")):
        raise ConfigError(f"--out {path}: give a .png or .jpg file name")
    return out


def flag_of(f: dataclasses.Field) -> str:
    """A setting's command-line flag: --latent-dim for latent_dim (or the field's own flag)."""
    return "--" + (f.metadata.get("flag") or f.name.replace("_", "-"))


def _add_flag(group, f: dataclasses.Field, hint, default) -> None:
    """The flag of one schema field: its type, and help from its metadata (families, choices, default)."""
    kind, _ = base_type(hint)
    text = f.metadata["help"]
    if f.metadata["families"] != FAMILIES:
        text += f" [{', '.join(f.metadata['families'])}]"
    names = [flag_of(f)] + (["--model"] if f.name == "family" else [])
    if kind is bool:  # a flag that flips the default
        group.add_argument(*names, dest=f.name, action="store_const", const=not f.default, default=default, help=text)
        return
    if typing.get_origin(kind) is tuple:
        kind = _int_list
    if f.metadata.get("choices"):  # checked by the schema, so the refusal reads the same everywhere
        text += f" (one of {', '.join(map(str, f.metadata['choices']))})"
    if f.default is not None and kind in (int, float, str):
        text += f" (default {f.default})"
    group.add_argument(*names, dest=f.name, type=kind, default=default, help=text.replace("%", "%%"))


def add_setting_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per setting of ModelConfig and TrainConfig, generated from the fields. Every default is
    None (= not given), so RunSpec.from_flat can tell a given value from a default (the family's own)."""
    groups = {}
    for cls in (ModelConfig, TrainConfig):
        hints = type_hints(cls)
        for f in settings_of(cls):
            group = groups.setdefault(f.metadata["group"], parser.add_argument_group(f.metadata["group"]))
            _add_flag(group, f, hints[f.name], None)


def add_schema_arguments(parser: argparse.ArgumentParser, cls) -> None:
    """One flag per setting of a config class (PriorConfig, ScoreSettings) that has one (cli=True), with the
    schema's default; `config_from_args` makes the class from them, which checks every value."""
    hints = type_hints(cls)
    for f in settings_of(cls):
        if f.metadata.get("cli", True):
            _add_flag(parser, f, hints[f.name], f.default)


def config_from_args(args, cls):
    """A config class from its flags (add_schema_arguments); the settings without a flag keep their default."""
    return cls(**{f.name: getattr(args, f.name) for f in settings_of(cls) if f.metadata.get("cli", True)})


def settings_from_args(args) -> dict:
    """The settings given on the command line, {field name: value}; flags left out are absent."""
    names = [f.name for cls in (ModelConfig, TrainConfig) for f in settings_of(cls)]
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def _command_train(args) -> int:
    from vae.training.trainer import resume, start_prepared, train_settings

    given = settings_from_args(args)
    if args.resume:
        from vae.training.trainer import readable_run

        readable_run(args.resume, "run to resume")
        extra = sorted(set(given) - {"epochs", "device"})
        if extra or args.run_dir:
            flags = ", ".join(flag_of(setting_field(n)) for n in extra) or "--run-dir"
            raise ConfigError(f"--resume continues a run with its own settings: leave out {flags} "
                              "(only --epochs and --device may change)")
        result = resume(args.resume, epochs=given.get("epochs"), device=given.get("device"), progress=not args.quiet)
    elif args.run_dir and not given and (Path(args.run_dir) / CONFIG_NAME).is_file():  # prepared by a launcher
        result = start_prepared(args.run_dir, progress=not args.quiet)
    else:
        runs_dir = Path(args.runs_dir) if args.runs_dir else default_runs_dir()
        run_dir = args.run_dir or str(runs_dir / default_run_name(given))
        result = train_settings(given, run_dir, progress=not args.quiet)
    test_loss = result.last_epoch.get("test_loss")
    loss_text = f", test loss {test_loss:.2f} nats/image" if test_loss is not None else ""
    if result.main:  # under torchrun, rank 0 speaks for the group
        print(f"{result.state}: {result.run_dir} after {result.epoch} epochs{loss_text}")
    return 0


def _command_eval(args) -> int:
    from vae.training.checkpoint import load_model
    from vae.training.devices import resolve_device
    from vae.metrics.evaluate import evaluate
    from vae.data import load_split

    run = _readable_run(args.run_dir)
    train_config = run.train
    data = load_split(train_config, "test")
    if args.limit:
        data.images, data.labels = data.images[:args.limit], (data.labels[:args.limit] if data.labels is not None else None)
    model = load_model(args.run_dir, resolve_device(args.device))
    report = evaluate(model, data, k=args.k)
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{run.name}: {report['images']} test images of {train_config.dataset}")
    if "neg_elbo" in report:
        print(f"  negative ELBO   {report['neg_elbo']:10.3f} nats/image")
        print(f"  reconstruction  {report['recon']:10.3f}")
        print(f"  KL              {report['kl']:10.3f}")
        print(f"  IWAE NLL (k={args.k}) {report['iwae_nll']:8.3f}")
        print(f"  active units    {report['active_units']:6d} of {len(report['kl_per_dim'])}")
        print("  KL per dim      " + " ".join(f"{v:.2f}" for v in report["kl_per_dim"]))
    else:
        print(f"  reconstruction  {report['recon']:10.3f} nats/image")
        print(f"  perplexity      {report['perplexity']:10.2f}")
        print(f"  codes used      {report['usage']:10.1%}  ({report['dead_codes']} dead)")
    return 0


def _command_datasets(args) -> int:
    from vae.data import list_datasets

    for status in list_datasets(args.data_root):
        mark = "yes" if status.available else "no "
        where = status.where if status.available else status.how_to_get
        print(f"{status.name:14s} {mark}  {status.description}\n{'':19s}{where}")
    return 0


def _command_precompute(args) -> int:
    from vae.precompute.pages import precompute

    for path in precompute(args.run_dir, log=(lambda line: None) if args.quiet else print):
        print(f"wrote {path}")
    return 0


def _command_slim(args) -> int:
    from vae.training.checkpoint import slim_checkpoint
    from vae.training.runs import read_run, thin_epoch_images

    folder = real_run_folder(args.run_dir)
    run = read_run(folder)
    if run is not None and run.state == "running":  # its next checkpoint would bring the optimizer state back
        raise ConfigError(f"{args.run_dir} is still training: slim it once it has finished")
    before, after = slim_checkpoint(folder)
    print(f"{args.run_dir}: checkpoint {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB (weights only; no longer resumable)")
    if args.keep_grids is not None:
        removed = thin_epoch_images(args.run_dir, args.keep_grids)
        print(f"{args.run_dir}: kept the sample/reconstruction grids of {args.keep_grids} epochs ({removed} files removed)")
    return 0


def _command_sample(args) -> int:
    import torch

    from vae.training.checkpoint import load_model
    from vae.explore.grids import save_grid

    out = _output_file(args.out)
    model = load_model(args.run_dir)
    if args.label is not None and not 0 <= args.label < max(model.num_classes, 1):
        raise ConfigError(f"--label {args.label}: " + (f"this model draws classes 0..{model.num_classes - 1}"
                          if model.num_classes else "this model is not conditional: leave --label out"))
    generator = torch.Generator().manual_seed(args.seed)
    prior = None
    if model.config.kind.codes:
        from vae.models.prior import load_prior, sample_images

        prior = load_prior(args.run_dir, model)  # the run's learned prior over code grids, if it has one
    if prior is not None:
        images = sample_images(model, prior, args.n, args.temperature, generator)
    else:
        y = args.label if model.num_classes else None
        if model.num_classes and y is None:
            y = torch.arange(args.n) % model.num_classes
        images = model.sample(args.n, y=y, temperature=args.temperature, generator=generator)
    save_grid(images, out)
    print(f"wrote {args.n} samples to {args.out}" + (" (codes from the learned prior)" if prior is not None else ""))
    return 0


def _command_prior(args) -> int:
    import torch

    from vae.training.checkpoint import load_model
    from vae.training.devices import resolve_device
    from vae.models.prior import PriorConfig, fit_prior, save_prior
    from vae.data import load_split

    run = _readable_run(real_run_folder(args.run_dir))  # the prior is written into the run
    if not run.model.kind.codes:
        raise ConfigError(f"{args.run_dir} is a {run.model.family} run: a code prior needs a "
                          "VQ-VAE (train one with --family vqvae)")
    config = config_from_args(args, PriorConfig)  # checked before any data is read
    device = resolve_device(args.device)
    torch.manual_seed(args.seed)
    train_config = run.train
    model = load_model(args.run_dir, device)
    progress = None if args.quiet else (lambda e: print(f"  epoch {e['epoch']:3d}  validation NLL "
                                                        f"{e['val_nll']:.2f} nats/grid", flush=True))
    fit = fit_prior(model, load_split(train_config, "train"), config, held_out=load_split(train_config, "test"),
                    device=device, progress=progress)
    path = save_prior(args.run_dir, fit.prior, fit.metrics)
    m = fit.metrics
    print(f"{path}: held-out NLL on {m['held_out_grids']} {m['held_out']} grids (best epoch {m['best_epoch']})")
    print(f"  learned prior  {m['nll']:8.2f} nats/grid  {m['bits_per_cell']:.3f} bits/cell")
    print(f"  unigram prior  {m['unigram_nll']:8.2f} nats/grid  {m['unigram_bits_per_cell']:.3f} bits/cell")
    return 0


def _command_disentanglement(args) -> int:
    from vae.training.devices import resolve_device
    from vae.metrics.disentanglement.scores import METRIC_KEYS
    from vae.metrics.disentanglement.run import score_run, write_scores

    shown = []  # the stages announced so far: the FactorVAE votes report often, one line each is enough

    def progress(fraction: float, stage: str) -> None:
        if stage not in shown:
            shown.append(stage)
            print(f"  {fraction:4.0%}  {stage}", file=sys.stderr, flush=True)

    if args.workers < 1:
        print(f"error: --workers {args.workers}: give at least 1", file=sys.stderr)
        return 2
    if args.workers > 1:
        import torch

        torch.set_num_threads(1)  # the workers are the parallelism: one intra-op thread each, no pools fighting
    report = score_run(real_run_folder(args.run_dir), points=args.points, seed=args.seed,
                       device=resolve_device(args.device), progress=None if args.json or args.quiet else progress,
                       workers=args.workers, dci_classifier=args.dci)
    path = write_scores(args.run_dir, report)
    if args.json:
        print(json.dumps(report))
        return 0
    names = {"mig": "MIG", "factor_vae": "FactorVAE score", "dci_disentanglement": "DCI disentanglement",
             "dci_completeness": "DCI completeness", "dci_informativeness": "DCI informativeness",
             "sap": "SAP", "modularity": "Modularity"}
    print(f"{report['run']}: {report['points']:,} points, seed {report['seed']}, DCI by {report['dci_classifier']}, "
          f"{report['total_seconds']:.0f} s (written to {path})")
    for key in METRIC_KEYS:
        print(f"  {names[key]:20s} {report[key]:6.3f}")
    print(f"  {'SAP (linear SVM)':20s} {report['sap_discrete']:6.3f}   disentanglement_lib's discrete variant")
    print(f"  active dims {report['active_dims']} of {report['latent_dim']}, reconstruction {report['recon']:.2f} "
          f"nats/image, KL {report['kl']:.2f}")
    return 0


def _add_disentanglement_parser(commands) -> None:
    from vae.metrics.disentanglement.dci_classifiers import CLASSIFIERS, DEFAULT
    from vae.metrics.disentanglement.scores import POINTS

    parser = commands.add_parser("disentanglement", help="MIG, FactorVAE, DCI, SAP and Modularity of a shapes run "
                                 "(written to RUN/disentanglement.json)")
    parser.add_argument("run_dir", metavar="RUN")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--points", type=int, default=POINTS,
                        help="training points per metric (test sets and evaluation votes: half); the protocol's "
                        f"{POINTS:,} by default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="threads that render and encode, and processes that fit DCI's factors, at once (default: "
                        "one per CPU core); the scores are the same for any count")
    parser.add_argument("--dci", choices=tuple(CLASSIFIERS), default=DEFAULT,
                        help="DCI's classifier per factor: exact (the default) is disentanglement_lib's "
                        "GradientBoostingClassifier() grown on codes sorted once (within 0.006 of it, ~3.4× less CPU), "
                        "gbt scikit-learn's own (minutes), hist the same boosting on 255-bin histograms (up to 0.02 "
                        "off), forest a 10-tree random forest (seconds; up to 0.06 off the reference)")
    parser.set_defaults(handler=_command_disentanglement)


def _command_anomaly(args) -> int:
    from tqdm import tqdm

    from vae.metrics.anomaly.scores import ScoreSettings
    from vae.metrics.anomaly.run import aurocs, open_run, parse_scores, precompute, task_for
    from vae.training.devices import resolve_device

    if args.limit is not None and args.limit < 1:
        raise ConfigError("--limit must be at least 1 picture")
    settings = config_from_args(args, ScoreSettings)
    if args.precompute:  # the scores are written into the run
        real_run_folder(args.run_dir)
    run = open_run(args.run_dir, resolve_device(args.device), args.background)
    if args.precompute:
        scores = None if args.score in (None, "all") else parse_scores(args.score, run)
        datasets = None if args.anomalies is None else (args.anomalies,)
        path = precompute(run, settings, args.data_root, scores=scores, datasets=datasets)
        print(f"wrote {path}" + (f" (ratio against {run.background_dir.name})" if run.background_dir else ""))
        return 0
    scores = parse_scores(args.score or "neg_elbo", run)  # checked before any data is read
    task = task_for(run, args.anomalies, args.data_root)
    if args.limit:
        task = task.sample(args.limit)
    bars: dict = {}

    def progress(score: str, done: int, total: int) -> None:
        if score not in bars:
            bars[score] = tqdm(total=total, desc=score, unit="picture", leave=False, disable=args.quiet)
        bars[score].update(done - bars[score].n)

    rows = aurocs(run, task, scores, settings, progress)
    for bar in bars.values():
        bar.close()
    if args.json:
        for row in rows:
            print(json.dumps({k: row[k] for k in ("score", "auroc", "n_normal", "n_anomalous")}))
        return 0
    what = f"{args.anomalies} test pictures" if args.anomalies else "the held-out classes " + ", ".join(
        run.class_names[c] if c < len(run.class_names) else str(c) for c in run.held_out)
    print(f"{run.path.name}: {rows[0]['n_normal']:,} normal pictures against {rows[0]['n_anomalous']:,} of {what}")
    for row in rows:
        print(f"  {row['score']:12s} AUROC {row['auroc']:.3f}   ({row['seconds']:.1f} s)")
    return 0


def _add_anomaly_parser(commands) -> None:
    from vae.metrics.anomaly.scores import SCORES, ScoreSettings

    anomaly = commands.add_parser("anomaly", help="AUROC of anomaly scores: held-out classes or another dataset")
    anomaly.add_argument("run_dir")
    anomaly.add_argument("--anomalies", metavar="DATASET", default=None,
                         help=f"another dataset's test pictures as anomalies ({', '.join(DATASET_NAMES)}); "
                         "default: the run's held-out classes")
    anomaly.add_argument("--data-root", default=None,
                         help="where the anomalies' files are (mnist, fashion-mnist, folder)")
    anomaly.add_argument("--score", default=None, help=f"one of {', '.join(SCORES)}, or all (default: neg_elbo; "
                         "with --precompute, all)")
    anomaly.add_argument("--limit", type=int, default=None, metavar="N",
                         help="score at most N pictures of each kind (a seeded random choice)")
    anomaly.add_argument("--background", metavar="DIR", default=None,
                         help="the ratio's background run (default: one beside RUN trained with --pixel-noise)")
    add_schema_arguments(anomaly, ScoreSettings)  # --k, --regret-steps
    anomaly.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    anomaly.add_argument("--json", action="store_true", help="print one JSON object per score")
    anomaly.add_argument("--precompute", action="store_true",
                         help="score every picture set the app offers with every score; save them in RUN (to ship "
                         "it), beside those it holds; --score and --anomalies narrow it to one score or dataset")
    anomaly.add_argument("--quiet", action="store_true", help="no progress bar")
    anomaly.set_defaults(handler=_command_anomaly)


def _command_sweep(args) -> int:
    """Train every combination of the grid's values as a run of its own, K at a time (see vae.training.sweep)."""
    import signal
    from functools import lru_cache, partial

    from vae.training import launch

    from vae.training import sweep
    from vae.data import load_dataset

    if args.parallel is not None and args.parallel < 1:
        raise ConfigError("--parallel must be at least 1 (runs at a time)")
    given = {axis: getattr(args, axis) for axis in sweep.AXES if getattr(args, axis) is not None}
    axes = {axis: values for axis, values in given.items() if len(values) > 1}  # one value is a plain setting
    if not axes:
        raise ConfigError("a sweep needs a grid: two or more comma-separated values of at least one of "
                          + ", ".join(flag_of(setting_field(a)) for a in sweep.AXES) + ", e.g. --beta 1,2,4,8")
    base = {key: value for key, value in settings_from_args(args).items() if key not in sweep.AXES}
    base.update({axis: values[0] for axis, values in given.items() if axis not in axes})
    points = sweep.grid(axes)
    probe = lru_cache(maxsize=None)(lambda name, root, size, channels: load_dataset(
        name, "test", root=root, image_size=size, channels=channels, limit=4))
    for point in points:  # every run's settings are checked before the first starts
        problems = launch.check_settings({**base, **point}, probe=probe)
        if problems:
            raise ConfigError(", ".join(f"{a}={sweep.value_text(v)}" for a, v in point.items()) + f": {problems[0]}")
    gpus = sweep.visible_gpus(base.get("device", "auto"))
    threads = None
    if gpus or base.get("device") in ("cuda", "mps"):
        parallel = args.parallel or max(1, len(gpus))
    else:  # the CPU: one run per core, one thread each, unless told otherwise
        parallel, threads = sweep.cpu_plan(args.parallel)
    runs_root = Path(args.runs_dir) if args.runs_dir else default_runs_dir()
    family = "+".join(axes["family"]) if "family" in axes else base.get("family", "vae")
    dataset = base.get("dataset", "digits")
    name = launch.sanitize_run_name(args.name or f"sweep-{family}-{dataset}-{time.strftime('%Y%m%d-%H%M%S')}")
    if args.resume:
        sweep_dir = _sweep_to_resume(runs_root, name if args.name else "", base, points)
    else:
        sweep_dir = launch.claim_dir(runs_root, name or "sweep")
    where = (f" on GPUs {','.join(gpus)}" if len(gpus) > 1 else
             f", {threads} thread{'s' if threads > 1 else ''} each" if threads else "")
    print(f"{sweep_dir}: {len(points)} runs, {parallel} at a time{where}", flush=True)
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):  # stop the live runs (they save a checkpoint), start no more
        signal.signal(sig, lambda signum, _frame: stop.append(signum))
    summary = sweep.Sweep(sweep_dir, points, base, parallel, gpus, launch.start_run, launch.run_state,
                          partial(launch.stop_run, runs_root=runs_root), threads,
                          resume=partial(launch.resume_run, runs_root=runs_root) if args.resume else None,
                          ).run(stop_requested=lambda: bool(stop), poll_s=args.poll)
    for run in summary["runs"]:
        scores = " ".join(f"{k} {v:.3f}" for k, v in (run["scores"] or {}).items() if k in ("mig", "factor_vae"))
        loss = run["final"].get("test_loss")
        print(f"  {sweep.point_label(run['params']):24s} {run['state']:11s} "
              f"{'' if loss is None else f'test loss {loss:.2f}'} {scores}".rstrip())
    failed = [run["name"] for run in summary["runs"] if run["state"] not in ("finished", "stopped", sweep.PENDING)]
    print(f"{summary['state']}: {sweep_dir / sweep.SWEEP_NAME}")
    if failed:
        print(f"error: {len(failed)} of {len(points)} runs did not finish (see their train.log): {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


def _sweep_to_resume(runs_root: Path, name: str, base: dict, points: list[dict]) -> Path:
    """The folder of the sweep that --resume continues: it must exist and hold the same grid and settings."""
    from vae.atomic import read_json
    from vae.training import sweep

    if not name:
        raise ConfigError("--resume continues a sweep by its --name: give the name it was started with")
    sweep_dir = runs_root / name
    data = read_json(sweep_dir / sweep.SWEEP_NAME) if sweep_dir.is_dir() and not sweep_dir.is_symlink() else None
    if not isinstance(data, dict) or data.get("format") != sweep.FORMAT:
        raise ConfigError(f"{sweep_dir} holds no sweep to resume: start it without --resume")
    if data.get("state") == "running" and pid_alive(data.get("pid") if isinstance(data.get("pid"), int) else None):
        raise ConfigError(f"{sweep_dir} is still running (process {data['pid']})")
    recorded = [record.get("params") for record in data.get("runs", []) if isinstance(record, dict)]
    # JSON round trip: the summary holds the settings as JSON does (lists for tuples).
    if recorded != json.loads(json.dumps(points)) or data.get("settings") != json.loads(json.dumps(base)):
        raise ConfigError(f"--resume continues {name} with the grid and settings it was started with: repeat its "
                          f"own command (see {sweep_dir / sweep.SWEEP_NAME})")
    return sweep_dir


def _add_sweep_parser(commands) -> None:
    from vae.training.sweep import axis_types, parse_values

    def values(kind: type):
        def parse(text: str) -> tuple:
            try:
                return parse_values(text, kind)
            except ValueError as error:
                raise argparse.ArgumentTypeError(str(error)) from None
        return parse

    # "resolve": the grid's --beta, --seed, ... take the place of train's single-valued flags.
    sweep = commands.add_parser(
        "sweep", conflict_handler="resolve", help="train a grid of runs, e.g. --beta 1,2,4,8 --seed 0,1,2",
        description="Train every combination of the comma-separated values as a run of its own, through the "
                    "app's launcher, K at a time and one GPU each when there are several; RUNS/NAME/sweep.json "
                    "sums them up and the Runs page shows them as one group. Every other flag of `train` "
                    "applies to every run.")
    add_setting_arguments(sweep)
    grid = sweep.add_argument_group("grid (comma-separated values; every combination is one run)")
    for axis, kind in axis_types().items():
        flag = flag_of(setting_field(axis))
        names = [flag] + (["--model"] if axis == "family" else [])
        grid.add_argument(*names, dest=axis, type=values(kind), default=None, metavar="V,...",
                          help=f"values of train's {flag}")
    sweep.add_argument("--parallel", type=int, default=None, metavar="K",
                       help="runs at a time (default: one per GPU when there are several; on the CPU one per core, "
                            "one thread each)")
    sweep.add_argument("--name", default=None, help="the sweep's folder in the runs folder (its runs: NAME-beta4-seed1, ...)")
    sweep.add_argument("--runs-dir", default=None, help="the runs folder (default: $VAE_RUNS_DIR, else runs)")
    sweep.add_argument("--resume", action="store_true",
                       help="continue the sweep --name after an interruption (the same command again): its finished "
                            "runs are kept, the others continue from their checkpoints, the rest start")
    sweep.add_argument("--poll", type=float, default=2.0, help=argparse.SUPPRESS)  # seconds between looks at the runs
    sweep.set_defaults(handler=_command_sweep)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m vae", description="Train and inspect VAEs.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model (or --resume a run)",
                                description=f"Runs go to --run-dir, by default under {RUNS_ENV} "
                                            "(environment variable) or ./runs.")
    add_setting_arguments(train)
    where = train.add_argument_group("where")
    where.add_argument("--run-dir", default=None, help=f"where the run is written (default: a new folder under "
                       f"${RUNS_ENV} or ./runs); a folder prepared by the app (config.json only) is trained as it is")
    where.add_argument("--runs-dir", default=None, help=f"the folder new runs are made in (default: ${RUNS_ENV}, "
                       "else ./runs)")
    where.add_argument("--resume", metavar="DIR", default=None,
                       help="continue the run in DIR (its own settings; --epochs N trains on to N epochs)")
    where.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(handler=_command_train)
    evaluate = commands.add_parser("eval", help="test-set ELBO, IWAE bound and active units of a run")
    evaluate.add_argument("run_dir")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--k", type=_count(1), default=100, help="importance samples of the IWAE bound")
    evaluate.add_argument("--limit", type=_count(1), default=None, help="evaluate only the first N test images")
    evaluate.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    evaluate.set_defaults(handler=_command_eval)
    datasets = commands.add_parser("datasets", help="list datasets and whether each is available here")
    datasets.add_argument("--data-root", default=None)
    datasets.set_defaults(handler=_command_datasets)
    slim = commands.add_parser("slim", help="drop optimizer and RNG state from a run's checkpoint (to ship it)")
    slim.add_argument("run_dir")
    slim.add_argument("--keep-grids", type=_count(1), default=None, metavar="K",
                      help="also keep only K evenly spaced epochs' sample/reconstruction grids (the last included)")
    slim.set_defaults(handler=_command_slim)
    precompute = commands.add_parser("precompute", help="the latent map's t-SNE and the Restore page's first "
                                     "restorations of a run, saved beside its checkpoint (to ship it)")
    precompute.add_argument("run_dir")
    precompute.add_argument("--quiet", action="store_true", help="no timing lines")
    precompute.set_defaults(handler=_command_precompute)
    sample = commands.add_parser("sample", help="write a PNG grid of samples from a run")
    sample.add_argument("run_dir")
    sample.add_argument("--n", type=_count(1, 4096), default=64, help="how many samples (1 or more)")
    sample.add_argument("--label", type=int, default=None, help="class to draw (conditional models)")
    sample.add_argument("--temperature", type=_positive, default=1.0, help="scales the prior's spread (> 0)")
    sample.add_argument("--seed", type=_count(0), default=0)
    sample.add_argument("--out", default="samples.png")
    sample.set_defaults(handler=_command_sample)
    from vae.models.prior import PriorConfig  # light: torch is imported by the other subcommands anyway

    prior = commands.add_parser("prior", help="train a VQ-VAE run's autoregressive prior over its code grids")
    prior.add_argument("run_dir")
    add_schema_arguments(prior, PriorConfig)
    prior.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    prior.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    prior.set_defaults(handler=_command_prior)
    _add_disentanglement_parser(commands)
    _add_anomaly_parser(commands)
    _add_sweep_parser(commands)
    return parser


def _one_line(error: BaseException) -> str:
    """An exception as one line: its message's first line, or its kind when it has no message."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help (0), or a refusal already printed as one error: line (2)
        return int(done.code or 0)
    try:
        return args.handler(args)
    except (ConfigError, DatasetUnavailable, CheckpointError, ValueError) as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader left early (`python -m vae datasets | grep -q ...`): not an error
        # Python's recipe: point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # a full disk, a read-only folder, a file where a folder should be
        where = f" ({error.filename})" if error.filename else ""
        print(f"error: {error.strerror or _one_line(error)}{where}: free some space or pick a folder you can write to",
              file=sys.stderr)
        return 2
    except RuntimeError as error:  # TrainingDiverged and friends: the run's status says the same
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 1
