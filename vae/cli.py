"""The command line: `python -m vae {train,eval,datasets,slim,sample,prior,sweep}`.

Bad settings are refused up front with one line on stderr (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from vae.checkpoint import CheckpointError
from vae.config import ARCHS, FAMILIES, LIKELIHOODS, WARMUPS, ConfigError, ModelConfig, TrainConfig, default_hidden
from vae.data import DATASET_NAMES, DatasetUnavailable


def _int_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.replace(" ", "").split(",") if v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got '{text}'") from None


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    model = parser.add_argument_group("model")
    model.add_argument("--model", choices=FAMILIES, default="vae", help="model family (β-VAE is vae with --beta)")
    model.add_argument("--arch", choices=ARCHS, default=None, help="mlp or conv (default: mlp; conv for vqvae)")
    model.add_argument("--hidden", type=_int_list, default=None, help="MLP widths or conv channels, e.g. 400 or 32,64")
    model.add_argument("--latent-dim", type=int, default=None, help="size of z (VQ-VAE: code vector size)")
    model.add_argument("--likelihood", choices=LIKELIHOODS, default="bernoulli")
    model.add_argument("--beta", type=float, default=1.0, help="KL weight (TC weight for tcvae)")
    model.add_argument("--capacity-max", type=float, default=0.0, help="C_max nats for γ·|KL−C| (0: off)")
    model.add_argument("--capacity-gamma", type=float, default=1000.0)
    model.add_argument("--capacity-steps", type=int, default=10_000)
    model.add_argument("--tc-alpha", type=float, default=1.0, help="tcvae: weight on index-code MI")
    model.add_argument("--tc-gamma", type=float, default=1.0, help="tcvae: weight on dimension-wise KL")
    model.add_argument("--warmup", choices=WARMUPS, default="none", help="KL warm-up schedule")
    model.add_argument("--warmup-steps", type=int, default=0)
    model.add_argument("--free-bits", type=float, default=0.0, help="minimum nats per latent dimension")
    model.add_argument("--codebook-size", type=int, default=128)
    model.add_argument("--commitment", type=float, default=0.25)
    model.add_argument("--ema-decay", type=float, default=0.99)
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", default="digits", help=f"one of {', '.join(DATASET_NAMES)}")
    data.add_argument("--data-root", default=None, help="folder with IDX files or class subfolders of images")
    data.add_argument("--download", action="store_true", help="download MNIST / Fashion-MNIST if missing")
    data.add_argument("--image-size", type=int, default=None)
    data.add_argument("--channels", type=int, choices=(1, 3), default=None)
    data.add_argument("--limit", type=int, default=None, help="use only the first N training images")
    data.add_argument("--exclude-classes", type=_int_list, default=(), help="hold these labels out, e.g. 7 or 3,8")
    run = parser.add_argument_group("run")
    run.add_argument("--epochs", type=int, default=None, help="passes over the data (default 10; with --resume: "
                     "train on to this many)")
    run.add_argument("--batch-size", type=int, default=128)
    run.add_argument("--lr", type=float, default=1e-3)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    run.add_argument("--log-every", type=int, default=50, help="steps between metrics events")
    run.add_argument("--no-bf16", action="store_true", help="train in fp32 on CUDA")
    run.add_argument("--run-dir", default=None, help="where the run is written (default runs/<model>-<dataset>-<time>)")
    run.add_argument("--resume", metavar="DIR", default=None, help="continue the run in DIR (other settings come from it)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")


def configs_from_args(args) -> tuple[dict, TrainConfig]:
    """Model fields (completed from the data by the trainer) and the training config."""
    train_config = TrainConfig(
        dataset=args.dataset, data_root=args.data_root, download=args.download, image_size=args.image_size,
        channels=args.channels, limit=args.limit, exclude_classes=args.exclude_classes,
        epochs=10 if args.epochs is None else args.epochs,
        batch_size=args.batch_size, lr=args.lr, seed=args.seed, device=args.device, log_every=args.log_every,
        bf16=not args.no_bf16)
    arch = args.arch or ("conv" if args.model == "vqvae" else "mlp")
    fields = dict(
        family=args.model, arch=arch, likelihood=args.likelihood, beta=args.beta,
        capacity_max=args.capacity_max, capacity_gamma=args.capacity_gamma, capacity_steps=args.capacity_steps,
        tc_alpha=args.tc_alpha, tc_gamma=args.tc_gamma, warmup=args.warmup, warmup_steps=args.warmup_steps,
        free_bits=args.free_bits, codebook_size=args.codebook_size, commitment=args.commitment,
        ema_decay=args.ema_decay)
    if args.latent_dim is not None:
        fields["latent_dim"] = args.latent_dim
    elif args.model == "vqvae":
        fields["latent_dim"] = 16
    if args.hidden is not None:
        fields["hidden"] = args.hidden
    # Validate the model settings now, before any data is read: a bad β fails in a blink. The stand-in
    # image is one that any number of conv stages divides; the data's own size is checked once it is read.
    side = 2 ** max(6, len(fields.get("hidden", ())))
    probe = {**fields, "num_classes": 10, "image_shape": (1, side, side)}
    if "hidden" not in fields:
        probe["hidden"] = default_hidden(arch, 64)
    ModelConfig(**probe)
    return fields, train_config


def _command_train(args) -> int:
    from vae.train import fit_model_config, load_split, resume, train

    if args.resume:
        result = resume(args.resume, epochs=args.epochs, progress=not args.quiet)
    else:
        fields, train_config = configs_from_args(args)
        train_data = load_split(train_config, "train")
        if "hidden" not in fields:
            fields["hidden"] = default_hidden(fields["arch"], train_data.info.image_shape[-1])
        fit_model_config(fields, train_data)  # refuse e.g. a CVAE without labels before anything is written
        test_data = load_split(train_config, "test")
        run_dir = args.run_dir or f"runs/{args.model}-{args.dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
        result = train(fields, train_config, run_dir, progress=not args.quiet, data=(train_data, test_data))
    test_loss = result.last_epoch.get("test_loss")
    loss_text = f", test loss {test_loss:.2f} nats/image" if test_loss is not None else ""
    if result.main:  # under torchrun, rank 0 speaks for the group
        print(f"{result.state}: {result.run_dir} after {result.epoch} epochs{loss_text}")
    return 0


def _command_eval(args) -> int:
    from vae.checkpoint import load_model
    from vae.devices import resolve_device
    from vae.evaluate import evaluate
    from vae.runs import read_run
    from vae.train import load_split

    run = read_run(args.run_dir)
    if run is None:
        raise ConfigError(f"{args.run_dir} holds no run (no config.json): give a run directory")
    train_config = TrainConfig.from_dict(run.config["train"])
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


def _command_slim(args) -> int:
    from vae.checkpoint import slim_checkpoint
    from vae.runs import thin_epoch_images

    before, after = slim_checkpoint(args.run_dir)
    print(f"{args.run_dir}: checkpoint {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB (weights only; no longer resumable)")
    if args.keep_grids is not None:
        removed = thin_epoch_images(args.run_dir, args.keep_grids)
        print(f"{args.run_dir}: kept the sample/reconstruction grids of {args.keep_grids} epochs ({removed} files removed)")
    return 0


def _command_sample(args) -> int:
    import torch

    from vae.checkpoint import load_model
    from vae.grids import save_grid

    model = load_model(args.run_dir)
    generator = torch.Generator().manual_seed(args.seed)
    prior = None
    if model.config.family == "vqvae":
        from vae.prior import load_prior, sample_images

        prior = load_prior(args.run_dir, model)  # the run's learned prior over code grids, if it has one
    if prior is not None:
        images = sample_images(model, prior, args.n, args.temperature, generator)
    else:
        y = args.label if model.num_classes else None
        if model.num_classes and y is None:
            y = torch.arange(args.n) % model.num_classes
        images = model.sample(args.n, y=y, temperature=args.temperature, generator=generator)
    save_grid(images, args.out)
    print(f"wrote {args.n} samples to {args.out}" + (" (codes from the learned prior)" if prior is not None else ""))
    return 0


def _command_prior(args) -> int:
    import torch

    from vae.checkpoint import load_model
    from vae.devices import resolve_device
    from vae.prior import PriorConfig, fit_prior, save_prior
    from vae.runs import read_run
    from vae.train import load_split

    run = read_run(args.run_dir)
    if run is None or "model" not in run.config:
        raise ConfigError(f"{args.run_dir} holds no run (no config.json): give a VQ-VAE's run directory")
    if run.config["model"].get("family") != "vqvae":
        raise ConfigError(f"{args.run_dir} is a {run.config['model'].get('family')} run: a code prior needs a "
                          "VQ-VAE (train one with --model vqvae)")
    # checked before any data is read
    config = PriorConfig(width=args.width, layers=args.layers, heads=args.heads, dropout=args.dropout,
                         epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    device = resolve_device(args.device)
    torch.manual_seed(args.seed)
    train_config = TrainConfig.from_dict(run.config["train"])
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


def _command_sweep(args) -> int:
    """Train every combination of the grid's values as a run of its own, K at a time (see vae.sweep)."""
    import signal
    from functools import lru_cache
    from pathlib import Path

    from vae import launch, sweep
    from vae.data import load_dataset

    if args.run_dir or args.resume:
        raise ConfigError("a sweep names its runs itself: leave out --run-dir and --resume (give --name instead)")
    if args.parallel is not None and args.parallel < 1:
        raise ConfigError("--parallel must be at least 1 (runs at a time)")
    given = {axis: getattr(args, axis) for axis in sweep.AXES if getattr(args, axis) is not None}
    axes = {axis: values for axis, values in given.items() if len(values) > 1}  # one value is a plain setting
    if not axes:
        raise ConfigError("a sweep needs a grid: two or more comma-separated values of at least one of "
                          + ", ".join("--" + a.replace("_", "-") for a in sweep.AXES) + ", e.g. --beta 1,2,4,8")
    base = {key: value for key in launch.SETTING_KEYS if key not in axes
            and (value := given[key][0] if key in given else getattr(args, key)) is not None}
    points = sweep.grid(axes)
    probe = lru_cache(maxsize=None)(lambda name, root, size, channels: load_dataset(
        name, "test", root=root, image_size=size, channels=channels, limit=4))
    for point in points:  # every run's settings are checked before the first starts
        problems = launch.check_settings({**base, **point}, probe=probe)
        if problems:
            raise ConfigError(", ".join(f"{a}={v}" for a, v in point.items()) + f": {problems[0]}")
    gpus = sweep.visible_gpus(args.device)
    parallel = args.parallel or max(1, len(gpus))
    runs_root = Path(args.runs_dir or os.environ.get("VAE_RUNS_DIR", "runs"))
    family = "+".join(axes["model"]) if "model" in axes else base.get("model", "vae")
    name = launch.sanitize_run_name(args.name or f"sweep-{family}-{args.dataset}-{time.strftime('%Y%m%d-%H%M%S')}")
    sweep_dir = sweep.claim_sweep_dir(runs_root, name or "sweep")
    print(f"{sweep_dir}: {len(points)} runs, {parallel} at a time" + (f" on GPUs {','.join(gpus)}" if len(gpus) > 1 else ""),
          flush=True)
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):  # stop the live runs (they save a checkpoint), start no more
        signal.signal(sig, lambda signum, _frame: stop.append(signum))
    summary = sweep.Sweep(sweep_dir, points, base, parallel, gpus, launch.start_run, launch.run_state,
                          launch.stop_run).run(stop_requested=lambda: bool(stop), poll_s=args.poll)
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


def _add_sweep_parser(commands) -> None:
    from vae.sweep import AXES, parse_values

    def values(text: str) -> tuple:
        try:
            return parse_values(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    # "resolve": the grid's --beta, --seed, ... take the place of train's single-valued flags.
    sweep = commands.add_parser(
        "sweep", conflict_handler="resolve", help="train a grid of runs, e.g. --beta 1,2,4,8 --seed 0,1,2",
        description="Train every combination of the comma-separated values as a run of its own, through the "
                    "app's launcher, K at a time and one GPU each when there are several; RUNS/NAME/sweep.json "
                    "sums them up and the Runs page shows them as one group. Every other flag of `train` "
                    "applies to every run.")
    _add_train_arguments(sweep)
    grid = sweep.add_argument_group("grid (comma-separated values; every combination is one run)")
    for axis in AXES:
        flag = "--" + axis.replace("_", "-")
        grid.add_argument(flag, type=values, default=None, metavar="V,...", help=f"values of train's {flag}")
    sweep.add_argument("--parallel", type=int, default=None, metavar="K",
                       help="runs at a time (default: one per GPU when there are several, else 1)")
    sweep.add_argument("--name", default=None, help="the sweep's folder in the runs folder (its runs: NAME-beta4-seed1, ...)")
    sweep.add_argument("--runs-dir", default=None, help="the runs folder (default: $VAE_RUNS_DIR, else runs)")
    sweep.add_argument("--poll", type=float, default=2.0, help=argparse.SUPPRESS)  # seconds between looks at the runs
    sweep.set_defaults(handler=_command_sweep)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m vae", description="Train and inspect VAEs.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model (or --resume a run)")
    _add_train_arguments(train)
    train.set_defaults(handler=_command_train)
    evaluate = commands.add_parser("eval", help="test-set ELBO, IWAE bound and active units of a run")
    evaluate.add_argument("run_dir")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--k", type=int, default=100, help="importance samples of the IWAE bound")
    evaluate.add_argument("--limit", type=int, default=None, help="evaluate only the first N test images")
    evaluate.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    evaluate.set_defaults(handler=_command_eval)
    datasets = commands.add_parser("datasets", help="list datasets and whether each is available here")
    datasets.add_argument("--data-root", default=None)
    datasets.set_defaults(handler=_command_datasets)
    slim = commands.add_parser("slim", help="drop optimizer and RNG state from a run's checkpoint (to ship it)")
    slim.add_argument("run_dir")
    slim.add_argument("--keep-grids", type=int, default=None, metavar="K",
                      help="also keep only K evenly spaced epochs' sample/reconstruction grids (the last included)")
    slim.set_defaults(handler=_command_slim)
    sample = commands.add_parser("sample", help="write a PNG grid of samples from a run")
    sample.add_argument("run_dir")
    sample.add_argument("--n", type=int, default=64)
    sample.add_argument("--label", type=int, default=None, help="class to draw (conditional models)")
    sample.add_argument("--temperature", type=float, default=1.0)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", default="samples.png")
    sample.set_defaults(handler=_command_sample)
    from vae.prior import PriorConfig  # light: torch is imported by the other subcommands anyway

    prior = commands.add_parser("prior", help="train a VQ-VAE run's autoregressive prior over its code grids")
    prior.add_argument("run_dir")
    prior.add_argument("--epochs", type=int, default=PriorConfig.epochs,
                       help="passes over the training grids (the best epoch is kept)")
    prior.add_argument("--width", type=int, default=PriorConfig.width, help="transformer width")
    prior.add_argument("--layers", type=int, default=PriorConfig.layers)
    prior.add_argument("--heads", type=int, default=PriorConfig.heads)
    prior.add_argument("--dropout", type=float, default=PriorConfig.dropout,
                       help="0 for large datasets, where it only costs time")
    prior.add_argument("--batch-size", type=int, default=PriorConfig.batch_size)
    prior.add_argument("--lr", type=float, default=PriorConfig.lr)
    prior.add_argument("--seed", type=int, default=0)
    prior.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    prior.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    prior.set_defaults(handler=_command_prior)
    _add_sweep_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ConfigError, DatasetUnavailable, CheckpointError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:  # TrainingDiverged and friends: the run's status says the same
        print(f"error: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader left early (`python -m vae datasets | grep -q ...`): not an error
        # Python's recipe: point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
