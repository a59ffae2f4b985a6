"""The training loop: data as tensors on the device, batches taken by index, a run directory
written atomically as it goes, and a callback that can watch or stop it (after minGPT).

A run can be stopped at any moment: SIGTERM, Ctrl-C or a callback returning False save a
checkpoint mid-epoch and exit; SIGKILL loses at most the current epoch. `resume` continues
exactly where the checkpoint left off (same batches, same random numbers on the CPU).

Under torchrun the same loop trains one model with DistributedDataParallel (vae.training.distributed): every
process takes its shard of each global batch, metrics are means over the global batch, the processes
agree on stopping at log events, and only rank 0 writes the run directory.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from vae.training import distributed
from vae.atomic import atomic_write_jsonl
from vae.training.checkpoint import read_checkpoint, model_from_checkpoint, save_checkpoint
from vae.config import ConfigError, ModelConfig, TrainConfig
from vae.data import ImageData, load_split
from vae.data import shapes
from vae.families import family
from vae.training.devices import fast_bf16
from vae.metrics.evaluate import batched_losses
from vae.explore.grids import interleave_rows, save_grid
from vae.models import build_model
from vae.training.optim_state import optimizer_from_tensors, optimizer_to_tensors
from vae.training.runs import (CONFIG_NAME, METRICS_NAME, RECONS_DIR, SAMPLES_DIR, clear_outputs, grids_folder,
                      has_checkpoint, read_metrics, read_run, real_run_folder, remove_stale_temps,
                      write_config, write_status)
from vae.spec import DERIVED_NAMES, DataShape, ModelSettings, RunSpec, model_config

Callback = Callable[[dict], "bool | None"]  # return False to stop the run cleanly
# A run's first checkpoint is written this many seconds into its first epoch, at a log event, so a run
# killed early (a long first epoch: ~140 s for Fashion-MNIST on 2 cores) resumes instead of restarting.
EARLY_CHECKPOINT_S = 15.0


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    state: str  # finished or stopped
    epoch: int  # completed epochs
    step: int  # optimizer steps taken
    last_epoch: dict  # the last epoch event (test loss and friends), {} if none
    main: bool = True  # False in the data-parallel processes other than rank 0 (which know no events)


def replace_pixels(x: torch.Tensor, fraction: float) -> torch.Tensor:
    """(B, C, H, W) -> a copy with each pixel (all its channels) replaced by uniform noise in [0, 1] with
    probability `fraction` (Ren et al. 2019's background-model perturbation). Draws from the global random
    stream of x's device, which the run seeds and checkpoints, so a resumed run draws the same noise."""
    if fraction <= 0:
        return x
    replaced = torch.rand(x.shape[0], 1, *x.shape[2:], device=x.device) < fraction  # (B, 1, H, W)
    return torch.where(replaced, torch.rand_like(x), x)


def as_settings(model: ModelConfig | ModelSettings | dict) -> ModelSettings:
    """A model's settings from a full config, settings, or a dict of ModelConfig fields taken as given (no
    family defaults; fields the data decides are dropped: the data decides them again)."""
    if isinstance(model, ModelSettings):
        return model
    if isinstance(model, ModelConfig):
        return ModelSettings.of(model)
    return ModelSettings(**{k: v for k, v in dict(model).items() if k not in DERIVED_NAMES})


def data_shape(settings: ModelSettings, data: ImageData) -> DataShape:
    """What the training data decides about a model with these settings: its (C, H, W), N, the classes a
    conditional model is told and the dataset's names; a ConfigError when the family cannot learn from it."""
    fields, kind = settings.to_dict(), family(settings.family)
    if kind.pairs and (data.info.name != shapes.NAME or data.factors is None):
        raise ConfigError(f"Ada-GVAE learns from pairs of pictures that differ in known factors, which only the "
                          f"shapes generator renders, not '{data.info.name}': pick the shapes dataset",
                          field="family", rule="pairs_need_shapes")
    if kind.pairs and fields.get("pair_changes", 0) > len(shapes.FACTOR_SIZES):
        raise ConfigError(f"a pair of shapes can differ in at most {len(shapes.FACTOR_SIZES)} factors: give "
                          f"--pair-changes 0 to {len(shapes.FACTOR_SIZES)}", field="pair_changes", rule="pair_changes")
    if kind.conditional:
        if data.labels is None or data.info.num_classes < 2:
            raise ConfigError(f"a conditional VAE needs class labels, and '{data.info.name}' has none: "
                              "pick a labelled dataset such as digits or fashion-mnist")
        fields["num_classes"] = data.info.num_classes
    return DataShape(tuple(data.info.image_shape), fields.get("num_classes", 0), len(data),
                     tuple(data.info.class_names), tuple(data.info.factor_names), tuple(data.info.factor_sizes))


def fit_model_config(model: ModelConfig | ModelSettings | dict, data: ImageData) -> ModelConfig:
    """The model's full config for this data: image shape, classes, dataset size, and the hidden widths when
    none were given (from the image size); a ConfigError when the settings do not fit the data."""
    settings = as_settings(model)
    return model_config(settings, data_shape(settings, data))


class _StopRequest:
    """Turns SIGTERM / SIGINT into a flag the loop checks between steps (main thread only)."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._previous: dict = {}

    def __enter__(self) -> "_StopRequest":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, _frame) -> None:
        self.reason = signal.Signals(signum).name

    def __exit__(self, *_exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def train_settings(settings: dict | RunSpec, run_dir: str | Path, *, callback: Callback | None = None,
                   progress: bool = False) -> RunResult:
    """Start a new run from flat settings {field name: value} (checked by RunSpec.from_flat) or a RunSpec."""
    spec = settings if isinstance(settings, RunSpec) else RunSpec.from_flat(settings)
    return train(spec.model, spec.train, run_dir, callback=callback, progress=progress)


def start_prepared(run_dir: str | Path, *, callback: Callback | None = None, progress: bool = False) -> RunResult:
    """Train the run a launcher prepared in run_dir (its config.json alone), from step 0: its spec was
    checked when it was read, and is trusted from there."""
    run = readable_run(run_dir)
    if not run.prepared:
        raise ConfigError(f"{run_dir} already holds a run: resume it with --resume {run_dir} or pick another --run-dir")
    return _start(run.spec, Path(run_dir), callback, progress, None)


def readable_run(run_dir: str | Path, what: str = "run"):
    """The run in run_dir, refused in one line when there is none, it is a link, or it is damaged."""
    run = read_run(run_dir)
    if run is None:
        raise ConfigError(f"{run_dir} holds no {what} (no config.json): start one with `python -m vae train`")
    real_run_folder(run_dir)
    if run.problem:
        raise ConfigError(f"{run_dir} is damaged: {run.problem}")
    return run


def train(model_config: ModelConfig | ModelSettings | dict, train_config: TrainConfig, run_dir: str | Path, *,
          callback: Callback | None = None, progress: bool = False,
          data: tuple[ImageData, ImageData] | None = None) -> RunResult:
    """Start a new run in run_dir (which must not hold one) and train it to the end. model_config: the
    model's settings (a ModelConfig or a dict of its fields: those the data decides are decided again).

    Under torchrun every process calls this with the same arguments; batch_size is the global batch."""
    run_dir = Path(run_dir)
    if (run_dir / CONFIG_NAME).exists():
        raise ConfigError(f"{run_dir} already holds a run: resume it with --resume {run_dir} or pick another --run-dir")
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"{run_dir} is a file, not a folder: pick another --run-dir")
    return _start(RunSpec(as_settings(model_config), train_config), run_dir, callback, progress, data)


def _start(spec: RunSpec, run_dir: Path, callback: Callback | None, progress: bool,
           data: tuple[ImageData, ImageData] | None) -> RunResult:
    """Train a new run from step 0; its config.json is written (replacing a launcher's) with the data's shape
    and the hidden widths the image size picked, so the file says exactly what was trained."""
    train_config = spec.train
    with distributed.join(train_config.device) as comm:
        train_data, test_data = data or (load_split(train_config, "train"), load_split(train_config, "test"))
        # dataset_size is the whole training set in every process (β-TCVAE's estimator needs N, not a shard).
        shape = data_shape(spec.model, train_data)
        model_config = spec.model_config(shape)
        comm.check_batches(len(train_data), train_config.batch_size)
        device = comm.device(train_config.device)
        comm.barrier()  # every process has looked into run_dir before rank 0 writes there
        if comm.is_main:
            run_dir.mkdir(parents=True, exist_ok=True)
            write_config(run_dir, RunSpec(ModelSettings.of(model_config), train_config), shape)
        torch.manual_seed(train_config.seed)
        model = build_model(model_config).to(device)
        comm.seed_process(train_config.seed)
        optimizer = torch.optim.Adam(model.parameters(), lr=train_config.lr)
        state = {"epoch": 0, "batch": 0, "step": 0, "wall": 0.0}
        return _Loop(model, optimizer, train_config, run_dir, train_data, test_data, device, state, [],
                     callback, progress, comm).run()


def resume(run_dir: str | Path, *, epochs: int | None = None, callback: Callback | None = None,
           progress: bool = False, device: str | None = None) -> RunResult:
    """Continue a stopped, killed or finished run from its checkpoint (optionally to more epochs)."""
    run_dir = Path(run_dir)
    run = readable_run(run_dir, "run to resume")
    if run.state == "running":
        raise ConfigError(f"{run_dir} is being trained right now (process {run.status.get('pid')}): stop it first")
    changes = {"epochs": epochs} if epochs else {}
    if device:
        changes["device"] = device
    train_config = run.train.replace(**changes)
    if not has_checkpoint(run_dir):  # prepared, or killed before its first checkpoint: start again from step 0
        clear_outputs(run_dir)
        return _start(run.spec.replace_train(**changes), run_dir, callback, progress, None)
    done = run.status.get("epoch", 0)
    if run.state == "finished" and train_config.epochs <= done:
        raise ConfigError(f"{run_dir.name} has finished its {done} epochs: to train on, give more, e.g. "
                          f"--resume {run_dir} --epochs {done + 10}")
    with distributed.join(train_config.device) as comm:
        device_ = comm.device(train_config.device)
        train_data, test_data = load_split(train_config, "train"), load_split(train_config, "test")
        comm.check_batches(len(train_data), train_config.batch_size)
        checkpoint = read_checkpoint(run_dir)
        if "rng.cpu" not in checkpoint.tensors:
            raise ConfigError(f"{run_dir} holds weights only (a shipped model): it cannot be resumed; start a new run")
        missing = [key for key in ("epoch", "batch", "step", "wall") if key not in checkpoint.meta]
        if missing:
            raise ConfigError(f"{run_dir}'s checkpoint lacks {', '.join(missing)} in its metadata: it cannot be "
                              "resumed")
        model = model_from_checkpoint(checkpoint, device_).train()
        optimizer = torch.optim.Adam(model.parameters(), lr=train_config.lr)
        optimizer_from_tensors(optimizer, checkpoint.tensors, checkpoint.meta.get("optimizer", {}))
        torch.set_rng_state(checkpoint.tensors["rng.cpu"])
        if device_.type == "cuda" and "rng.cuda" in checkpoint.tensors:
            torch.cuda.set_rng_state(checkpoint.tensors["rng.cuda"])
        state = {key: checkpoint.meta[key] for key in ("epoch", "batch", "step", "wall")}
        comm.restore_rng(checkpoint.tensors, train_config.seed, state["step"])  # ranks > 0: their own streams
        # Events logged after the checkpoint was written are replayed by this run: drop them.
        events = [e for e in read_metrics(run_dir) if e.get("step", 0) <= state["step"]] if comm.is_main else []
        return _Loop(model, optimizer, train_config, run_dir, train_data, test_data, device_, state, events,
                     callback, progress, comm).run()


class _Loop:
    """One training session over a run directory; `run` trains until the last epoch or a stop."""

    def __init__(self, model, optimizer, config: TrainConfig, run_dir: Path, train_data: ImageData,
                 test_data: ImageData, device: torch.device, state: dict, events: list[dict],
                 callback: Callback | None, progress: bool, comm: distributed.Solo | distributed.Group):
        self.model, self.optimizer, self.config, self.run_dir = model, optimizer, config, run_dir
        self.device, self.state, self.events = device, state, events
        self.callback, self.progress, self.comm = callback, progress, comm
        self.loss = comm.wrap(model)  # model.loss, or behind DistributedDataParallel
        # The whole dataset lives on the device; batches are gathers by index (no DataLoader).
        self.x = train_data.images.to(device)
        self.y = train_data.labels.to(device) if train_data.labels is not None else None
        self.test = test_data
        self.needs_labels = model.num_classes > 0
        # Ada-GVAE: each picture's factors, from which its pair partner is drawn and rendered at every step.
        self.pair_factors = train_data.factors if model.config.kind.pairs else None
        self.steps_per_epoch = math.ceil(len(self.x) / config.batch_size)
        # The CPU's fast path (bf16, channels-last) is for one process of a Gaussian model: DistributedDataParallel's
        # gradient buckets and a VQ-VAE's codebook statistics expect the float32, contiguous layout they were built for.
        cpu_fast = device.type == "cpu" and not comm.distributed and model.config.kind.posterior
        bf16 = config.bf16 and fast_bf16(device, model.config.arch) and (device.type == "cuda" or cpu_fast)
        self.autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        if cpu_fast and model.config.arch == "conv":
            # oneDNN's convolutions run fastest on NHWC; the parameters keep their identity (the optimizer's
            # references stay valid) and checkpoints are written contiguous, so files do not change.
            model.to(memory_format=torch.channels_last)
        # On a GPU, `if not isfinite(loss)` would wait for every step to finish; a flag kept on the device
        # is read at the next log event or checkpoint instead, so a broken step is never saved. Processes of
        # a data-parallel run check together, at log events, so that all of them stop.
        self.defer_finite_check = device.type == "cuda" or comm.distributed
        self.all_finite = torch.ones((), dtype=torch.bool, device=device)
        generator = torch.Generator().manual_seed(config.seed + 1)
        self.grid_z = torch.randn(config.grid_images, model.latent_dim, generator=generator)
        self.started = time.time()
        self.early_checkpoint = state["epoch"] == 0 and not has_checkpoint(run_dir)
        self.metrics = None  # metrics.jsonl, open for appending after the first event (see _log)

    def _status(self, state: str, message: str = "") -> None:
        if not self.comm.is_main:
            return
        write_status(self.run_dir, state=state, pid=os.getpid(), epoch=self.state["epoch"],
                     epochs=self.config.epochs, step=self.state["step"], message=message,
                     started=self.events[0]["time"] if self.events else self.started)

    def run(self) -> RunResult:
        if self.comm.is_main:  # what a trainer killed mid-write left: this process owns the folder now
            remove_stale_temps(self.run_dir)
        try:
            self._status("running")  # inside: a full disk here is recorded as a failure once it lets a write through
            with _StopRequest() as stop:
                reason = self._epochs(stop)
        except TrainingDiverged as error:
            self._status("failed", str(error))
            raise
        except BaseException as error:
            self._status("failed", f"{type(error).__name__}: {error}".splitlines()[0])
            raise
        finally:
            if self.metrics is not None:
                self.metrics.close()
        final = "stopped" if reason else "finished"
        self._status(final, f"stopped by {reason}" if reason else "")
        last_epoch = next((e for e in reversed(self.events) if e.get("kind") == "epoch"), {})
        return RunResult(self.run_dir, final, self.state["epoch"], self.state["step"], last_epoch, self.comm.is_main)

    def _epochs(self, stop: _StopRequest) -> str | None:
        """Train the remaining epochs; returns why it stopped early, or None."""
        from tqdm import tqdm

        cfg, state, comm = self.config, self.state, self.comm
        while state["epoch"] < cfg.epochs:
            epoch = state["epoch"]
            bar = tqdm(total=self.steps_per_epoch, initial=state["batch"], desc=f"epoch {epoch + 1}/{cfg.epochs}",
                       disable=not (self.progress and comm.is_main), leave=True, unit="step")
            order = torch.randperm(len(self.x), generator=torch.Generator().manual_seed(cfg.seed * 100_003 + epoch))
            order = order.to(self.device)
            tick, seen = time.perf_counter(), 0
            self.model.train()
            while state["batch"] < self.steps_per_epoch:
                batch = order[state["batch"] * cfg.batch_size:(state["batch"] + 1) * cfg.batch_size]  # global
                index = comm.shard(batch)  # this process's images of it
                terms = self._step(index, len(batch))
                state["batch"] += 1
                state["step"] += 1
                seen += len(batch)
                last = state["batch"] == self.steps_per_epoch
                # One process stops between any two steps; a group only where all of them meet, at log events.
                reason = None if comm.distributed else stop.reason
                if state["step"] % cfg.log_every == 0 or last:
                    terms, self.all_finite = comm.reduce_terms(terms, self.all_finite, len(index))
                    self._check_finite()
                    now = time.perf_counter()
                    state["wall"] += now - tick
                    rate = seen / max(now - tick, 1e-9)
                    tick, seen = now, 0
                    if comm.is_main:
                        event = self._log("step", terms, samples_per_s=rate)
                        bar.update(state["batch"] - bar.n)
                        bar.set_postfix(loss=f"{event['loss']:.2f}", samples_s=f"{rate:,.0f}")
                        if self.callback and self.callback(event) is False:
                            stop.reason = "callback"
                    reason = comm.agree(stop.reason)
                    # Every process takes part in a checkpoint, so the clock of rank 0 alone cannot decide it.
                    due = time.time() - self.started >= EARLY_CHECKPOINT_S and not last
                    if self.early_checkpoint and comm.any(due):
                        self._checkpoint()
                        self.early_checkpoint = False
                if reason and not last:  # on the last batch, finish the epoch first
                    bar.close()
                    self._check_finite()
                    self._checkpoint()
                    return reason
            bar.close()
            state["epoch"], state["batch"] = epoch + 1, 0
            event = self._end_of_epoch(terms)
            verdict = "callback" if comm.is_main and self.callback and self.callback(event) is False else stop.reason
            reason = comm.agree(verdict)
            if reason:
                return reason
        return None

    def _step(self, index: torch.Tensor, total: int) -> dict[str, torch.Tensor]:
        """One optimizer step on the images at index, this process's part of a global batch of total."""
        x = replace_pixels(self.x[index], self.config.pixel_noise)
        y = self.y[index] if self.needs_labels else None
        pair = {"pair": self._partners(index, x)} if self.pair_factors is not None else {}
        with self.autocast:
            terms = self.loss(x, y, step=self.state["step"], **pair)
        loss = terms["loss"]
        if self.defer_finite_check:
            self.all_finite &= torch.isfinite(loss.detach())
        elif not torch.isfinite(loss):
            raise self._diverged(f"loss became {loss.item()} at epoch {self.state['epoch'] + 1}, "
                                 f"step {self.state['step']}", self.state["epoch"])
        self.optimizer.zero_grad(set_to_none=True)
        scale = self.comm.loss_scale(len(index), total)
        (loss if scale == 1.0 else loss * scale).backward()
        self.optimizer.step()
        return terms

    def _partners(self, index: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Ada-GVAE's second pictures for the images at index: each shares all factors but a few with its
        own (shapes.partner_factors, from the global random stream, so a resumed run draws the same pairs),
        rendered at the training size: (B, C, H, W) like x."""
        partners = shapes.partner_factors(self.pair_factors[index.cpu()], self.model.config.pair_changes)
        pictures = shapes.render_shapes(partners, x.shape[-1], area=self.config.shape_area).to(self.device)
        return pictures.expand(-1, x.shape[1], -1, -1)

    def _check_finite(self) -> None:
        """Raise TrainingDiverged if a step since the last check had a NaN/inf loss (deferred on a GPU)."""
        if self.defer_finite_check and not bool(self.all_finite):
            raise self._diverged(f"loss became nan or inf by epoch {self.state['epoch'] + 1}, "
                                 f"step {self.state['step']}", self.state["epoch"])

    def _diverged(self, what: str, good_epoch: int) -> TrainingDiverged:
        kept = (f"the last good checkpoint (epoch {good_epoch}) is kept" if has_checkpoint(self.run_dir)
                else "no checkpoint was written yet")
        return TrainingDiverged(f"{what}; {kept}: try a lower --lr")

    def _log(self, kind: str, terms: dict[str, torch.Tensor], **extra) -> dict:
        """Append one event to metrics.jsonl and return it."""
        event = {"kind": kind, "epoch": self.state["epoch"] + (kind == "step"), "step": self.state["step"],
                 "time": time.time(), "wall_time": self.state["wall"], "lr": self.optimizer.param_groups[0]["lr"]}
        for name, value in terms.items():
            value = value.detach().float().cpu()
            event[name] = value.tolist() if value.dim() else float(value)
        event.update(extra)
        if "samples_per_s" in event:
            done = self.state["epoch"] * self.steps_per_epoch + self.state["batch"]
            left = self.config.epochs * self.steps_per_epoch - done
            event["eta_s"] = left * self.config.batch_size / max(event["samples_per_s"], 1e-9)
        self.events.append(event)
        if self.metrics is None:
            # The session's first event rewrites metrics.jsonl once, atomically (a resumed run drops the events
            # logged after its checkpoint); later ones are appended: a rewrite per event grew quadratically.
            atomic_write_jsonl(self.run_dir / METRICS_NAME, self.events)
            self.metrics = open(self.run_dir / METRICS_NAME, "a", encoding="utf-8")
        else:
            self.metrics.write(json.dumps(event) + "\n")  # one write per line: readers skip a torn last line
            self.metrics.flush()
        return event

    def _end_of_epoch(self, terms: dict[str, torch.Tensor]) -> dict | None:
        """Test loss, sample and reconstruction grids, checkpoint, and the epoch event (rank 0 tests and
        writes; every process takes part in the checkpoint). Returns the event, None in other processes."""
        event, failure, epoch = None, None, self.state["epoch"]
        if self.comm.is_main:
            test = batched_losses(self.model.eval(), self.test, self.device, seed=self.config.seed)
            if not math.isfinite(test["loss"]):  # the last step broke the weights: keep the previous checkpoint
                failure = self._diverged(f"test loss became {test['loss']} after epoch {epoch}", epoch - 1)
            else:
                event = self._pictures_and_event(terms, test)
        if self.comm.any(failure is not None):
            raise failure or self._diverged(f"test loss became nan or inf after epoch {epoch}", epoch - 1)
        self._checkpoint()
        self._status("running")
        return event

    def _pictures_and_event(self, terms: dict[str, torch.Tensor], test: dict[str, float]) -> dict:
        """Save this epoch's sample and reconstruction grids; log and return the epoch event."""
        epoch = self.state["epoch"]
        with torch.no_grad():
            y = None
            if self.needs_labels:
                y = torch.arange(self.grid_z.shape[0]) % self.model.num_classes
            if self.model.config.kind.posterior:
                samples = self.model.decode(self.grid_z.to(self.device), y)
            else:
                samples = self.model.sample(self.grid_z.shape[0], generator=torch.Generator().manual_seed(epoch))
            originals = self.test.images[:32].to(self.device)
            labels = self.test.labels[:32].to(self.device) if self.needs_labels else None
            recons = self.model.reconstruct(originals, labels)
        save_grid(samples, grids_folder(self.run_dir, SAMPLES_DIR) / f"epoch_{epoch:04d}.png",
                  nrow=self.model.num_classes if self.needs_labels else 8)
        save_grid(interleave_rows(originals, recons), grids_folder(self.run_dir, RECONS_DIR) / f"epoch_{epoch:04d}.png")
        test_terms = {f"test_{k}": torch.as_tensor(v) for k, v in test.items()}
        return self._log("epoch", {**terms, **test_terms})

    def _checkpoint(self) -> None:
        """Rank 0 saves weights, optimizer and the random state of every process (all of them take part)."""
        others = self.comm.rng_tensors()
        if not self.comm.is_main:
            return
        if self.metrics is not None:
            os.fsync(self.metrics.fileno())  # the events up to this checkpoint reach the disk before it does
        extra = optimizer_to_tensors(self.optimizer)
        extra["rng.cpu"] = torch.get_rng_state()
        if self.device.type == "cuda":
            extra["rng.cuda"] = torch.cuda.get_rng_state(self.device)
        extra.update(others)
        last = next((e for e in reversed(self.events) if e.get("kind") == "epoch"), {})
        meta = {**{k: self.state[k] for k in ("epoch", "batch", "step", "wall")},
                "dataset": self.config.dataset, "optimizer": {"lr": self.config.lr},
                "metrics": {k: v for k, v in last.items() if k.startswith("test_") and not isinstance(v, list)}}
        save_checkpoint(self.run_dir, self.model, meta, extra)
