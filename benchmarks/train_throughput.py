"""Training throughput on Fashion-MNIST, side by side in one run: our trainer (`vae.training.trainer.train`)
against a bare in-memory PyTorch loop and the pytorch/examples VAE pipeline (`DataLoader` +
`ToTensor`), all on the examples' MLP (784→400→20), batch 128, Adam 1e-3, BCE-sum + KL.

    python -m benchmarks.train_throughput [--epochs 10] [--throughput-epochs 4] [--device auto] [--threads N]

Our trainer runs `--epochs` epochs. During its first `--throughput-epochs` epochs, each time it
logs (every 50 steps) the bare loop and then the examples pipeline take as many steps, so the
three alternate every second or so and share the machine's load fairly. Throughput is training
images per second of wall time summed over whole epochs (ours includes its logging, epoch-end
test loss, grids and checkpoint), the median over epochs after the first, which is a warm-up.
Prints a markdown table and PASS/FAIL lines for the targets in docs/benchmarks.md; exits 0 either way.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision import datasets, transforms

from vae.config import TrainConfig
from vae.data import ImageData, load_dataset
from vae.training.devices import resolve_device
from vae.metrics.evaluate import batched_losses
from vae.models import build_model
from vae.training.trainer import fit_model_config, train

MODEL_FIELDS = dict(family="vae", arch="mlp", hidden=(400,), latent_dim=20)  # --arch mlp --hidden 400 --latent-dim 20
BATCH_SIZE = 128
LR = 1e-3
SEED = 0
TARGET_VS_BARE = 0.9  # least ratio of our samples/s to the bare loop's
TARGET_VS_EXAMPLES = 2.0  # least ratio of our samples/s to the DataLoader pipeline's
TARGET_TEST_LOSS = 244.5  # nats/image after 10 epochs: what pytorch/examples reaches on Fashion-MNIST
TARGET_EPOCHS = 10


class ExamplesVAE(nn.Module):
    """The VAE of pytorch/examples `vae/main.py`: fc1 784→400, fc21/fc22 400→20, fc3 20→400, fc4 400→784."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def examples_loss(recon_x, x, mu, logvar):
    """BCE summed over pixels and batch + KL (Kingma & Welling 2014, appendix B), as in the example."""
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


class InMemoryFashionMNIST(datasets.FashionMNIST):
    """torchvision's FashionMNIST, whose `__getitem__` (PIL image, then the transform) it inherits,
    over uint8 arrays already in memory, so that it neither checks nor downloads files."""

    def __init__(self, data: ImageData, transform):
        torch.utils.data.Dataset.__init__(self)
        self.data = (data.images[:, 0] * 255).round().to(torch.uint8)  # (N, 28, 28), the IDX bytes
        self.targets = data.labels
        self.transform, self.target_transform = transform, None


class Pipeline:
    """A competitor that trains a given number of optimizer steps at a time, on its own random
    stream (so interleaving changes nobody's random numbers), adding up its time per epoch."""

    name = ""

    def __init__(self, train_data: ImageData, test_data: ImageData, device: torch.device, seed: int):
        self.train_data, self.test_data, self.device = train_data, test_data, device
        self.cuda_devices = [device] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=self.cuda_devices):
            torch.manual_seed(seed)
            self._setup()
            self._rng = self._get_rng()
        self._stream = self._steps()
        self._seconds = 0.0  # in the current epoch so far
        self.epoch_seconds: list[float] = []

    def _get_rng(self) -> list[torch.Tensor]:
        return [torch.get_rng_state()] + [torch.cuda.get_rng_state(d) for d in self.cuda_devices]

    def _set_rng(self, states: list[torch.Tensor]) -> None:
        torch.set_rng_state(states[0])
        for device, state in zip(self.cuda_devices, states[1:]):
            torch.cuda.set_rng_state(state, device)

    def _setup(self) -> None:
        raise NotImplementedError

    def _steps(self):
        """An endless generator: epoch after epoch, one optimizer step per `next`."""
        raise NotImplementedError

    def test_loss(self) -> float:
        raise NotImplementedError

    def run_steps(self, n: int) -> None:
        with torch.random.fork_rng(devices=self.cuda_devices):
            self._set_rng(self._rng)
            start = time.perf_counter()
            for _ in range(n):
                next(self._stream)
            if self.cuda_devices:
                torch.cuda.synchronize(self.device)
            self._seconds += time.perf_counter() - start
            self._rng = self._get_rng()

    def end_epoch(self) -> None:
        self.epoch_seconds.append(self._seconds)
        self._seconds = 0.0


class BareLoop(Pipeline):
    """Our model class, the whole set as one tensor on the device, randperm batches, Adam; no logging."""

    name = "bare in-memory loop"

    def _setup(self) -> None:
        self.model = build_model(fit_model_config(MODEL_FIELDS, self.train_data)).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.x = self.train_data.images.to(self.device)  # (N, 1, 28, 28)
        # The same autocast as our trainer (bf16 on CUDA), so that both do the same arithmetic.
        self.autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if self.device.type == "cuda"
                         else contextlib.nullcontext())

    def _steps(self):
        while True:
            self.model.train()
            order = torch.randperm(len(self.x), device=self.device)
            for start in range(0, len(self.x), BATCH_SIZE):
                x = self.x[order[start:start + BATCH_SIZE]]
                with self.autocast:
                    loss = self.model.loss(x)["loss"]
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                yield

    def test_loss(self) -> float:
        self.model.eval()
        return batched_losses(self.model, self.test_data, self.device, seed=SEED)["loss"]


class ExamplesPipeline(Pipeline):
    """pytorch/examples `vae/main.py`: PIL images through ToTensor, DataLoader(shuffle=True), and
    `num_workers=1, pin_memory=True` on CUDA, the default (0 workers) elsewhere; no printing."""

    name = "pytorch/examples DataLoader"

    def _setup(self) -> None:
        kwargs = {"num_workers": 1, "pin_memory": True} if self.device.type == "cuda" else {}
        dataset = InMemoryFashionMNIST(self.train_data, transforms.ToTensor())
        self.loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True, **kwargs)
        self.model = ExamplesVAE().to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR)

    def _steps(self):
        while True:
            self.model.train()
            train_loss = 0.0
            for data, _ in self.loader:
                data = data.to(self.device)
                self.optimizer.zero_grad()
                recon_batch, mu, logvar = self.model(data)
                loss = examples_loss(recon_batch, data, mu, logvar)
                loss.backward()
                train_loss += loss.item()
                self.optimizer.step()
                yield

    @torch.no_grad()
    def test_loss(self) -> float:
        """The example's test(): summed loss over the test set / its size (batches from memory)."""
        self.model.eval()
        total = 0.0
        with torch.random.fork_rng(devices=self.cuda_devices):
            torch.manual_seed(SEED)
            for start in range(0, len(self.test_data), 1000):
                x = self.test_data.images[start:start + 1000].to(self.device)
                recon_batch, mu, logvar = self.model(x)
                total += examples_loss(recon_batch, x, mu, logvar).item()
        return total / len(self.test_data)


class Interleave:
    """Our trainer's callback. It times our trainer from the end of one callback to the start of
    the next (so our logging, test loss, grids and checkpoint count), then, during the throughput
    epochs, runs each competitor for as many optimizer steps as we just took: the three alternate
    every `log_every` (50) steps and so share the machine's load fairly, epoch for epoch."""

    def __init__(self, competitors: list[Pipeline], throughput_epochs: int):
        self.competitors, self.throughput_epochs = competitors, throughput_epochs
        self.epoch_seconds: list[float] = []  # ours, whole epochs
        self.end_seconds: list[float] = []  # ours, the epoch end alone (test loss, grids, checkpoint)
        self.epochs: list[dict] = []  # our epoch events
        self._seconds, self._step, self._slices = 0.0, 0, 0
        self.mark = time.perf_counter()

    def __call__(self, event: dict) -> None:
        elapsed = time.perf_counter() - self.mark
        self._seconds += elapsed
        if event["kind"] == "step" and len(self.epochs) < self.throughput_epochs:
            steps, self._step = event["step"] - self._step, event["step"]
            # Alternate who goes first, so neither competitor always follows us.
            self._slices += 1
            for pipeline in self.competitors[::1 if self._slices % 2 else -1]:
                pipeline.run_steps(steps)
        elif event["kind"] == "epoch":
            self.end_seconds.append(elapsed)
            self.epoch_seconds.append(self._seconds)
            self._seconds = 0.0
            self.epochs.append(event)
            line = f"  epoch {event['epoch']}: ours {self.epoch_seconds[-1]:.1f}s, test loss {event['test_loss']:.2f}"
            if len(self.epochs) <= self.throughput_epochs:
                for pipeline in self.competitors:
                    pipeline.end_epoch()
                    line += f"; {pipeline.name} {pipeline.epoch_seconds[-1]:.1f}s"
            print(line, flush=True)
        self.mark = time.perf_counter()


def measured(seconds: list[float]) -> list[float]:
    """The epochs after the first, which is a warm-up (all of them when there is only one)."""
    return seconds[1:] or seconds


def rate(n: int, seconds: list[float]) -> float:
    """Median samples/s over the measured epochs."""
    return n / statistics.median(measured(seconds))


def speedup(seconds: list[float], baseline: list[float]) -> float:
    """Median over the measured epochs of baseline time / time. Each epoch's pair ran interleaved,
    so this ratio holds even when the machine's load changes from one epoch to the next."""
    return statistics.median(b / a for a, b in zip(measured(seconds), measured(baseline)))


def verdict(ok: bool | None) -> str:
    return "SKIP" if ok is None else "PASS" if ok else "FAIL"


def report(n: int, ours: Interleave, bare: BareLoop, examples: ExamplesPipeline, epochs: int,
           throughput_epochs: int) -> None:
    k = throughput_epochs
    ours_s = ours.epoch_seconds[:k]
    loop_s = [a - b for a, b in zip(ours_s, ours.end_seconds)]
    ours_test = ours.epochs[epochs - 1]["test_loss"]
    what = f"median of epochs 2-{k}" if k > 1 else "epoch 1 only"
    rows = [
        ("ours: `vae.training.trainer.train`, whole epochs", ours_s, f"{ours_test:.2f} @ {epochs}"),
        ("ours, training loop only (no epoch end)", loop_s, "-"),
        (f"(a) {bare.name}", bare.epoch_seconds, f"{bare.test_loss():.2f} @ {k}"),
        (f"(b) {examples.name}", examples.epoch_seconds, f"{examples.test_loss():.2f} @ {k}"),
    ]
    print(f"\nsamples/s = {n:,} training images / epoch wall time, {what} (epoch 1 = warm-up); "
          "ratio = median of per-epoch time ratios\n")
    print("| pipeline | samples/s | ratio vs bare | warm-up epoch samples/s | test loss (nats/image) @ epochs |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, test in rows:
        warm = f"{n / seconds[0]:,.0f}" if k > 1 else "-"
        print(f"| {name} | {rate(n, seconds):,.0f} | {speedup(seconds, bare.epoch_seconds):.2f}× | {warm} | {test} |")
    print(f"\nours' epoch end (test-set loss, 2 grids, checkpoint): "
          f"{statistics.median(ours.end_seconds):.2f}s median per epoch")
    later = ours.epoch_seconds[k:]
    if later:
        print(f"ours alone, epochs {k + 1}-{len(ours.epoch_seconds)}: "
              f"{n / statistics.median(later):,.0f} samples/s median (not interleaved: compare with care)")
    print()
    vs_bare, vs_examples = speedup(ours_s, bare.epoch_seconds), speedup(ours_s, examples.epoch_seconds)
    print(f"{verdict(vs_bare >= TARGET_VS_BARE)}: ours ≥ {TARGET_VS_BARE}× bare loop ({vs_bare:.2f}×)")
    print(f"{verdict(vs_examples >= TARGET_VS_EXAMPLES)}: ours ≥ {TARGET_VS_EXAMPLES:g}× DataLoader pipeline "
          f"({vs_examples:.2f}×)")
    ok = ours_test <= TARGET_TEST_LOSS if epochs == TARGET_EPOCHS else None
    print(f"{verdict(ok)}: ours test loss ≤ {TARGET_TEST_LOSS} after {TARGET_EPOCHS} epochs "
          f"({ours_test:.2f} after {epochs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=TARGET_EPOCHS, help="our trainer's epochs (test-loss check)")
    parser.add_argument("--throughput-epochs", type=int, default=4,
                        help="epochs timed side by side for all three; the first is a warm-up")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch threads, for all three")
    parser.add_argument("--data-root", default=None, help="folder with the Fashion-MNIST IDX files")
    args = parser.parse_args()
    if args.epochs < 1 or args.throughput_epochs < 1 or args.threads < 1:
        parser.error("--epochs, --throughput-epochs and --threads must be at least 1")
    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    train_data = load_dataset("fashion-mnist", "train", root=args.data_root)
    test_data = load_dataset("fashion-mnist", "test", root=args.data_root)
    print(f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} threads; "
          f"Fashion-MNIST {len(train_data):,} train / {len(test_data):,} test images")

    competitors = [BareLoop(train_data, test_data, device, SEED), ExamplesPipeline(train_data, test_data, device, SEED)]
    throughput_epochs = min(args.throughput_epochs, args.epochs)
    ours = Interleave(competitors, throughput_epochs)
    config = TrainConfig(dataset="fashion-mnist", data_root=args.data_root, epochs=args.epochs,
                         batch_size=BATCH_SIZE, lr=LR, device=args.device, seed=SEED)
    with tempfile.TemporaryDirectory() as tmp:
        ours.mark = time.perf_counter()
        train(MODEL_FIELDS, config, Path(tmp) / "run", callback=ours, data=(train_data, test_data))
    report(len(train_data), ours, competitors[0], competitors[1], args.epochs, throughput_epochs)
    print(f"\ntotal runtime {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
