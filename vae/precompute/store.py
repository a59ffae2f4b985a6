"""The one format of the files a run ships so its pages open at once: tensors in RUN/<name>.safetensors (never a
pickle) or a picture in RUN/<name>.png, each stamped with the sha256 of the checkpoint it was computed from and the
settings that produced it. A file written for other weights or other settings is stale and ignored.

The files are untrusted: anything missing, oversized, malformed or foreign reads as missing, and the page
computes the thing again. No PyTorch at import: the home page reads its pictures before PyTorch is loaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from vae.atomic import atomic_write_bytes
from vae.training.runs import checkpoint_digest

if TYPE_CHECKING:
    import torch

FORMAT = "vae-explorer-stored"
# The format names the files carried before they shared one (the shipped assets still do); an anomaly score
# file carried none. Read as this format: the checkpoint digest, not the name, is what tells a file is ours.
EARLIER_FORMATS = ("vae-explorer-views", "vae-explorer-home", None)
MAX_BYTES = 64 * 1024 * 1024  # the largest, anomaly scores of 10,000 pictures × 6 scores × a few sets, is under 1 MB
META_KEY = "meta"  # the safetensors metadata entry holding the stamp's JSON


def canonical(settings) -> str:
    """Settings as the JSON text they are compared by (tuples and lists alike, keys sorted)."""
    return json.dumps(settings, sort_keys=True, default=list)


def stamp(run_dir: str | Path, settings: dict, **extra) -> dict:
    """What a file written now for the run's checkpoint carries: format, checkpoint digest, settings (as JSON
    reads them back) and any `extra` fields its kind needs (e.g. the anomaly ratio's background digest)."""
    return {"format": FORMAT, "checkpoint": checkpoint_digest(run_dir), "settings": json.loads(canonical(settings)),
            **extra}


def is_ours(meta, digest: str) -> bool:
    """Whether a file's stamp `meta` (anything JSON gave) is one of ours for the checkpoint whose sha256 is
    `digest`, whatever its settings."""
    return (isinstance(meta, dict) and meta.get("format") in (FORMAT, *EARLIER_FORMATS)
            and meta.get("checkpoint") == digest)


def is_fresh(meta, settings: dict, digest: str) -> bool:
    """Whether a file stamped `meta` was written for this checkpoint with exactly these settings."""
    return is_ours(meta, digest) and canonical(meta.get("settings")) == canonical(settings)


def read_file(path: str | Path) -> bytes | None:
    """A shipped file's bytes, or None when it is missing, not a file, unreadable or over MAX_BYTES."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_BYTES:
            return None
        data = Path(path).read_bytes()
    except OSError:  # removed meanwhile, unreadable, a link loop
        return None
    return data if len(data) <= MAX_BYTES else None  # it grew between the two looks


def write_file(path: str | Path, data: bytes) -> Path:
    """Write the file atomically: a page reading it meanwhile sees the old file or the new, never half of one."""
    atomic_write_bytes(path, data)
    return Path(path)


def save_stored(run_dir: str | Path, name: str, tensors: dict[str, torch.Tensor], settings: dict, **extra) -> Path:
    """Write {key: tensor} to RUN/<name>.safetensors atomically, stamped for the run's checkpoint and `settings`
    (and `extra` stamp fields)."""
    from safetensors.torch import save

    meta = stamp(run_dir, settings, **extra)
    # clone: a slice would save its whole parent
    data = save({k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()},
                metadata={META_KEY: json.dumps(meta)})
    return write_file(Path(run_dir) / f"{name}.safetensors", data)


def load_stamped(run_dir: str | Path, name: str, digest: str | None = None) -> tuple[dict, dict[str, torch.Tensor]]:
    """(stamp, {key: tensor}) of RUN/<name>.safetensors when it is one of ours for this checkpoint (digest: its
    sha256, when the caller has it already), whatever its settings: for a kind that checks them key by key.
    ({}, {}) otherwise (missing, stale, torn or foreign)."""
    data = read_file(Path(run_dir) / f"{name}.safetensors")
    if data is None:
        return {}, {}
    try:
        from safetensors.torch import load

        meta = json.loads(_header(data).get("__metadata__", {}).get(META_KEY, "{}"))
        if not is_ours(meta, digest or checkpoint_digest(run_dir)):
            return {}, {}
        return meta, load(data)
    except Exception:  # safetensors, json and torch raise many kinds on a torn or hand-edited file
        return {}, {}


def load_stored(run_dir: str | Path, name: str, settings: dict, digest: str | None = None) -> dict[str, torch.Tensor]:
    """The stored tensors when RUN/<name>.safetensors was written for this checkpoint (digest: its sha256, when
    the caller has it already) and exactly these settings; {} otherwise (missing, stale, torn or foreign)."""
    meta, tensors = load_stamped(run_dir, name, digest)
    return tensors if meta and canonical(meta.get("settings")) == canonical(settings) else {}


def _header(data: bytes) -> dict:
    """A safetensors file's JSON header (an 8-byte little-endian length, then the JSON), read before any tensor."""
    size = int.from_bytes(data[:8], "little")
    if len(data) < 8 or size > len(data) - 8:
        raise ValueError("cut short")
    header = json.loads(data[8:8 + size])
    if not isinstance(header, dict):
        raise ValueError("not a safetensors header")
    return header
