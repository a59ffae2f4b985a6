"""Damaged copies of a real run folder, drawn from a seeded random stream (issue 15's fuzz suite).

A case is a name (what was done, to reproduce it by eye) and a function that damages a copy of the run
in place. Every file of the run is a target: truncated at a random point, emptied, replaced by random
bytes, deleted, JSON with a field swapped for another type or a huge number, a safetensors header with
damaged metadata, and links (to /etc/passwd, to a file outside the runs folder, a link loop, the run
folder itself a link to a folder outside).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

SEED_ENV = "VAE_FUZZ_SEED"  # the stream of cases; printed by the tests, set it to replay a failure
SECONDS_ENV = "VAE_FUZZ_SECONDS"  # the time each fuzz test may spend on cases
DEFAULT_SEED = 15
WRONG_TYPES = ["text", [1, "a"], {"x": 1}, None, True, 0.5]
HUGE = [1e308, -1e308, 2 ** 63, 2 ** 64 + 1, -1, 0, 10 ** 30, "NaN", "1e308", float("nan"), float("inf")]


@dataclass(frozen=True)
class Case:
    name: str  # e.g. "config.json: model.latent_dim = 1e+308"
    damage: Callable[[Path, Path], Path | None]  # (run copy, outside folder) -> the run path to open instead


def fuzz_seed() -> int:
    return int(os.environ.get(SEED_ENV, DEFAULT_SEED))


def fuzz_seconds(default: float) -> float:
    return float(os.environ.get(SECONDS_ENV, default))


def run_files(run: Path) -> list[str]:
    """Every file of a run folder, relative to it (config.json, checkpoint.safetensors, samples/epoch_0001.png, ...)."""
    return sorted(str(p.relative_to(run)) for p in run.rglob("*") if p.is_file())


TINY = dict(dataset="digits", limit=64, hidden=(16,), latent_dim=2, batch_size=32, epochs=1, device="cpu",
            log_every=1, grid_images=4)


def make_base_runs(root: Path) -> list[Path]:
    """Two finished tiny digits runs holding every file a run folder can: a VAE with class 9 held out
    (anomaly scores read more of it), launch.json and train.log as the app's launcher writes them; a VQ-VAE
    with a learned code prior (prior.safetensors). A few seconds."""
    from vae.cli import main
    from vae.training.trainer import train_settings

    vae = root / "vae"
    train_settings({**TINY, "exclude_classes": (9,)}, vae)
    (vae / "launch.json").write_text('{"pid": 4194311, "started": 1.0, "action": "start"}\n')
    (vae / "train.log").write_text("finished: runs/vae after 1 epochs, test loss 44.10 nats/image\n")
    vq = root / "vqvae"
    train_settings({**TINY, "family": "vqvae", "arch": "conv", "hidden": (8, 8), "latent_dim": 4,
                    "codebook_size": 8, "image_size": 16}, vq)
    assert main(["prior", str(vq), "--epochs", "1", "--width", "16", "--layers", "1", "--heads", "2",
                 "--quiet"]) == 0
    return [vae, vq]


# ---------------------------------------------------------------- JSON values

def _paths(value, prefix=()) -> list[tuple]:
    """Every key path into nested dicts/lists: ("model", "latent_dim"), ("train", "hidden", 0), ..."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found.append(prefix + (key,))
        found.extend(_paths(child, prefix + (key,)))
    return found


def _set(value, path: tuple, new):
    for key in path[:-1]:
        value = value[key]
    value[path[-1]] = new


def _dumps(value) -> str:
    return json.dumps(value)  # allow_nan: NaN and Infinity are written as Python's json would read them back


def _swap_json(rng: random.Random, text: str, pool: list) -> tuple[str, str] | None:
    """One field of a JSON document swapped for a value of the pool; (new text, what changed)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    paths = _paths(value)
    if not paths:
        return None
    path, new = rng.choice(paths), rng.choice(pool)
    _set(value, path, new)
    return _dumps(value), f"{'.'.join(map(str, path))} = {new!r}"


# ---------------------------------------------------------------- safetensors headers

def read_header(data: bytes) -> tuple[dict, bytes]:
    (size,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + size]), data[8 + size:]


def write_header(header: dict, body: bytes) -> bytes:
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)  # safetensors pads its header to 8 bytes
    return struct.pack("<Q", len(raw)) + raw + body


def _damage_safetensors_meta(rng: random.Random, data: bytes) -> tuple[bytes, str] | None:
    """A field inside the JSON strings of the header's __metadata__ (config, meta), or a tensor's
    shape/dtype/offsets, swapped for a wrong value."""
    header, body = read_header(data)
    meta = header.get("__metadata__", {})
    nested = [k for k, v in meta.items() if isinstance(v, str) and v.startswith("{")]
    if nested and rng.random() < 0.7:
        key = rng.choice(nested)
        swapped = _swap_json(rng, meta[key], WRONG_TYPES + HUGE)
        if swapped is None:
            return None
        meta[key], what = swapped
        return write_header(header, body), f"__metadata__.{key}: {what}"
    tensors = [k for k in header if k != "__metadata__"]
    if rng.random() < 0.5 or not tensors:
        key = rng.choice(sorted(meta) or ["format"])
        new = rng.choice(["", "x", "{", "[]", "null", "1e308"])
        header.setdefault("__metadata__", {})[key] = new
        return write_header(header, body), f"__metadata__.{key} = {new!r}"
    name = rng.choice(tensors)
    field = rng.choice(["shape", "dtype", "data_offsets"])
    new = {"shape": [[2 ** 40], [], [0], [-1]], "dtype": ["F64", "BOOL", "X"],
           "data_offsets": [[0, 2 ** 40], [8, 4], [0, 0]]}[field]
    header[name][field] = rng.choice(new)
    return write_header(header, body), f"{name}.{field} = {header[name][field]!r}"


# ---------------------------------------------------------------- cases

def _file_case(rng: random.Random, run: Path, rel: str) -> Case:
    """One damage to one file, chosen by rng (the choice is made now, so the name says what was done)."""
    data = (run / rel).read_bytes()
    kinds = ["truncate", "empty", "random", "delete", "flip"]
    if rel.endswith((".json", ".jsonl")):
        kinds += ["wrong-type", "huge", "wrong-type", "huge"]
    if rel.endswith(".safetensors"):
        kinds += ["header", "header", "header"]
    kind = rng.choice(kinds)
    new: bytes | None = None
    what = kind
    if kind == "truncate":
        cut = rng.randrange(0, max(len(data), 1))
        new, what = data[:cut], f"truncated at {cut} of {len(data)} bytes"
    elif kind == "empty":
        new = b""
    elif kind == "random":
        new = rng.randbytes(max(len(data), 1))
    elif kind == "flip":  # a few bytes changed in place: the header may stay readable, the values not
        raw = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if raw:
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        new, what = bytes(raw), "a few bytes changed"
    elif kind in ("wrong-type", "huge"):
        pool = WRONG_TYPES if kind == "wrong-type" else HUGE
        text = data.decode("utf-8")
        if rel.endswith(".jsonl"):
            lines = text.splitlines()
            if lines:
                i = rng.randrange(len(lines))
                swapped = _swap_json(rng, lines[i], pool)
                if swapped:
                    lines[i], change = swapped
                    new, what = ("\n".join(lines) + "\n").encode(), f"line {i + 1}: {change}"
        else:
            swapped = _swap_json(rng, text, pool)
            if swapped:
                new, what = swapped[0].encode(), swapped[1]
        if new is None:
            new, what = b"[]", "a JSON list"
    elif kind == "header":
        damaged = _damage_safetensors_meta(rng, data)
        new, what = damaged if damaged else (b"", "empty")

    def damage(copy: Path, outside: Path) -> None:
        if kind == "delete":
            (copy / rel).unlink()
        else:
            (copy / rel).write_bytes(new)

    return Case(f"{rel}: {what}", damage)


def _link_case(rng: random.Random, run: Path, rel: str) -> Case:
    kind = rng.choice(["passwd", "outside", "loop", "dangling", "dev-null"])

    def damage(copy: Path, outside: Path) -> None:
        path = copy / rel
        path.unlink()
        if kind == "passwd":
            path.symlink_to("/etc/passwd")
        elif kind == "dev-null":
            path.symlink_to("/dev/null")
        elif kind == "outside":  # a copy of the real file, outside: what a reader must not write through
            target = outside / ("linked-" + rel.replace("/", "-"))
            shutil.copyfile(run / rel, target)
            path.symlink_to(target)
        elif kind == "loop":
            other = path.with_name(path.name + ".loop")
            path.symlink_to(other)
            other.symlink_to(path)
        else:
            path.symlink_to(copy / "no-such-file")

    return Case(f"{rel}: a link ({kind})", damage)


def _folder_case(rng: random.Random, run: Path) -> Case:
    kind = rng.choice(["folder-link", "folder-loop", "subfolder-link"])

    def damage(copy: Path, outside: Path) -> Path | None:
        if kind == "folder-link":  # the run folder itself a link to a real run outside the runs folder
            target = outside / "real-run"
            shutil.move(copy, target)
            copy.symlink_to(target, target_is_directory=True)
            return None
        if kind == "folder-loop":
            shutil.rmtree(copy)
            copy.symlink_to(copy, target_is_directory=True)
            return None
        shutil.rmtree(copy / "samples")  # samples/ a link to a folder outside
        (outside / "samples").mkdir(exist_ok=True)
        (outside / "samples" / "epoch_0001.png").write_bytes((run / "samples" / "epoch_0001.png").read_bytes())
        (copy / "samples").symlink_to(outside / "samples", target_is_directory=True)
        return None

    return Case(kind, damage)


def cases(run: Path, seed: int):
    """An endless seeded stream of damage cases for copies of the run folder `run`."""
    rng = random.Random(seed)
    files = run_files(run)
    while True:
        roll = rng.random()
        if roll < 0.75:
            yield _file_case(rng, run, rng.choice(files))
        elif roll < 0.93:
            yield _link_case(rng, run, rng.choice(files))
        else:
            yield _folder_case(rng, run)
