"""A full disk and read-only folders (issue 15): the CLI says so in one `error:` line (exit status 2) and
leaves nothing half-written; once there is room again, the run resumes and finishes.

What each test really exercises:
- RLIMIT_FSIZE on the trainer's process (SIGXFSZ ignored, so a write past the limit fails with EFBIG, as
  a full disk fails with ENOSPC): the kernel refuses the real writes, wherever in the code they happen.
  Works for any user, in any container.
- ENOSPC injected in-process at the one place every atomic write passes (vae.atomic's fsync), at the
  k-th write for several k: the errno a full disk gives, at every kind of file a run writes.
- A read-only bind mount inside a private mount namespace (`unshare -rm`): the kernel's EROFS, which root
  cannot override (chmod would not stop root, and CI runs as root). Where unshare is not allowed and the
  tests run as root, those tests are skipped, saying why; as another user a chmod-ed folder is used.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from vae import atomic
from vae.training.checkpoint import load_model
from vae.cli import main
from vae.training.runs import CHECKPOINT_NAME, CONFIG_NAME, METRICS_NAME, STATUS_NAME, read_metrics

TINY = ["--dataset", "digits", "--limit", "64", "--hidden", "64", "--latent-dim", "2", "--batch-size", "32",
        "--epochs", "2", "--log-every", "1", "--grid-images", "4", "--device", "cpu", "--quiet"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def _one_error_line(rc: int, err: str) -> None:
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err


def _nothing_half_written(run_dir: Path) -> None:
    """Every file the run holds is whole: JSON parses, the checkpoint loads, no temporary file is left.
    metrics.jsonl may end in a torn line (it grows by appends; readers skip that line, a resume rewrites it)."""
    assert not [p for p in run_dir.rglob("*") if p.name.endswith(".tmp")]
    for name in (CONFIG_NAME, STATUS_NAME):
        if (run_dir / name).exists():
            json.loads((run_dir / name).read_text())
    if (run_dir / CHECKPOINT_NAME).exists():
        load_model(run_dir)
    lines = (run_dir / METRICS_NAME).read_text().splitlines() if (run_dir / METRICS_NAME).exists() else []
    for line in lines[:-1]:
        json.loads(line)
    read_metrics(run_dir)


def _limited(max_bytes: int):
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return preexec


@pytest.mark.parametrize("max_bytes, where", [(1500, "metrics.jsonl"), (12_000, "checkpoint.safetensors")])
def test_a_full_disk_stops_training_in_one_line_and_the_run_resumes(max_bytes, where, tmp_path):
    run_dir = tmp_path / "run"
    # 1,500 bytes: config.json (about 1.2 KB) fits, metrics.jsonl (about 380 bytes an event) outgrows it in
    # epoch 1. 12,000: epoch 1's events and grids fit (under 8 KB each), its checkpoint (about 114 KB) does not.
    result = subprocess.run([sys.executable, "-m", "vae", "train", "--run-dir", str(run_dir), *TINY], env=ENV,
                            capture_output=True, text=True, timeout=300, preexec_fn=_limited(max_bytes))
    _one_error_line(result.returncode, result.stderr)
    assert "File too large" in result.stderr and "free some space" in result.stderr, result.stderr
    _nothing_half_written(run_dir)
    assert not (run_dir / CHECKPOINT_NAME).exists()
    if where == "checkpoint.safetensors":  # the events were all written: the write that failed was the checkpoint
        assert any(e["kind"] == "step" for e in read_metrics(run_dir))
    assert json.loads((run_dir / STATUS_NAME).read_text())["state"] in ("failed", "running")
    # Room again: the run restarts from step 0 (it has no checkpoint) and finishes (in this process: the
    # trainer that failed has exited, which is all a resume needs).
    assert main(["train", "--resume", str(run_dir), "--quiet"]) == 0
    assert json.loads((run_dir / STATUS_NAME).read_text())["state"] == "finished"
    _nothing_half_written(run_dir)


def _no_space_at(monkeypatch, k: int) -> list[str]:
    """Make the k-th atomic write fail as a full disk does, at its fsync (later ones succeed: space was freed,
    so the trainer can record that it failed). Returns the names written so far, the failed one last."""
    written = []
    fsync = os.fsync

    def full(fd: int) -> None:
        written.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        if len(written) == k:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", full)
    return written


# The atomic writes of this run, in order: config.json, status.json, metrics.jsonl, the two epoch-1 grids,
# the checkpoint, status.json, ... (metrics events after the first are appended, not atomic: see above).
@pytest.mark.parametrize("k", [1, 2, 3, 4, 6, 9])
def test_no_space_at_any_write_is_one_line_and_leaves_whole_files(k, tmp_path, monkeypatch, capsys):
    run_dir = tmp_path / "run"
    written = _no_space_at(monkeypatch, k)
    rc = main(["train", "--run-dir", str(run_dir), *TINY])
    monkeypatch.undo()
    err = capsys.readouterr().err
    _one_error_line(rc, err)
    assert "No space left on device" in err, (written, err)
    _nothing_half_written(run_dir)
    if (run_dir / CONFIG_NAME).exists():  # the run goes on to the end
        assert json.loads((run_dir / STATUS_NAME).read_text())["state"] == "failed", written
        assert main(["train", "--resume", str(run_dir), "--quiet"]) == 0
        assert json.loads((run_dir / STATUS_NAME).read_text())["state"] == "finished"
        _nothing_half_written(run_dir)


# ---------------------------------------------------------------- read-only folders

def _read_only_command(folder: Path, argv: list[str]) -> list[str]:
    """argv run with `folder` read-only: a read-only bind mount in a private mount namespace."""
    script = f'mount --bind -o ro "$0" "$0" && exec "$@"'
    return ["unshare", "-rm", "sh", "-c", script, str(folder), *argv]


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    """A function (folder, argv) -> CompletedProcess of argv with folder read-only."""
    probe = tmp_path_factory.mktemp("ro-probe")
    if shutil.which("unshare"):
        done = subprocess.run(_read_only_command(probe, ["touch", str(probe / "x")]), capture_output=True, text=True)
        if "Read-only file system" in done.stderr and not (probe / "x").exists():
            return lambda folder, argv: subprocess.run(_read_only_command(folder, argv), env=ENV,
                                                       capture_output=True, text=True, timeout=300)
    if os.geteuid() != 0:
        def chmod_run(folder, argv):
            folder.chmod(0o555)
            try:
                return subprocess.run(argv, env=ENV, capture_output=True, text=True, timeout=300)
            finally:
                folder.chmod(0o755)
        return chmod_run
    pytest.skip("no way to make a folder read-only for root here (unshare -rm is not allowed)")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("ro-run") / "run"
    assert main(["train", "--run-dir", str(run_dir), *TINY]) == 0
    return run_dir


def test_run_dir_in_a_read_only_folder_is_one_line(read_only, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    done = read_only(folder, [sys.executable, "-m", "vae", "train", "--run-dir", str(folder / "run"), *TINY])
    _one_error_line(done.returncode, done.stderr)
    assert "Read-only file system" in done.stderr or "Permission denied" in done.stderr, done.stderr
    assert list(folder.iterdir()) == []


def test_sample_out_into_a_read_only_folder_is_one_line(read_only, finished_run, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    done = read_only(folder, [sys.executable, "-m", "vae", "sample", str(finished_run), "--out",
                              str(folder / "s.png")])
    _one_error_line(done.returncode, done.stderr)
    assert "cannot be written" in done.stderr, done.stderr
    assert list(folder.iterdir()) == []


def test_resuming_a_read_only_run_is_one_line(read_only, finished_run):
    before = {p: p.stat().st_mtime_ns for p in finished_run.rglob("*")}
    done = read_only(finished_run, [sys.executable, "-m", "vae", "train", "--resume", str(finished_run),
                                    "--epochs", "3", "--quiet"])
    _one_error_line(done.returncode, done.stderr)
    assert {p: p.stat().st_mtime_ns for p in finished_run.rglob("*")} == before
