"""Seeded, time-bounded fuzzing of run folders (issue 15): damaged copies of real tiny runs (tests/fuzz_runs.py)
are opened by every subcommand that reads a run, and by the app's pages with the damaged run chosen.

A subcommand either succeeds (the damage was harmless to it, e.g. a grid it never reads) or refuses with
exactly one `error:` line on stderr and exit status 2; an exception escaping `main` is a traceback and
fails the case. Nothing outside the runs folder changes: the folder of link targets beside it and
/etc/passwd keep their content and mtimes.

VAE_FUZZ_SEED=N replays another stream of cases, VAE_FUZZ_SECONDS=S gives each fuzz test S seconds.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.fuzz_runs import cases, fuzz_seconds, fuzz_seed, make_base_runs
from vae.cli import main

CASE_TIMEOUT_S = 60  # a damaged file must never make a command hang (a link loop, a huge size in a header)
# Every subcommand that reads a run, with arguments that keep each one to a fraction of a second.
COMMANDS = [
    ["eval", "{run}", "--k", "2", "--limit", "8", "--json"],
    ["sample", "{run}", "--n", "4", "--out", "{tmp}/samples.png"],
    ["train", "--resume", "{run}", "--epochs", "2", "--quiet"],
    ["train", "--run-dir", "{run}", "--quiet"],
    ["slim", "{run}", "--keep-grids", "1"],
    ["prior", "{run}", "--epochs", "1", "--width", "16", "--layers", "1", "--heads", "2", "--quiet"],
    ["disentanglement", "{run}", "--points", "100", "--quiet"],
    ["anomaly", "{run}", "--limit", "4", "--k", "2", "--quiet"],
]


@pytest.fixture(scope="module")
def base_runs(tmp_path_factory) -> list[Path]:
    return make_base_runs(tmp_path_factory.mktemp("fuzz-base"))


def _fingerprint(folder: Path) -> dict:
    """What a reader must not change outside the runs folder: each entry's kind, size, mtime and content."""
    found = {"/etc/passwd": (Path("/etc/passwd").stat().st_mtime_ns,
                             hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest())}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[str(path)] = ("link", str(path.readlink()))
        elif path.is_file():
            found[str(path)] = (path.stat().st_size, path.stat().st_mtime_ns,
                                hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            found[str(path)] = ("folder",)
    return found


class _Hang(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Hang(f"still running after {CASE_TIMEOUT_S} s")


def _workspace(tmp: Path) -> tuple[Path, Path, Path]:
    """A fresh runs folder, a folder outside it (link targets, sentinel) and a scratch folder (--out)."""
    if tmp.exists():
        shutil.rmtree(tmp)
    runs, outside, scratch = tmp / "runs", tmp / "outside", tmp / "scratch"
    for folder in (runs, outside, scratch):
        folder.mkdir(parents=True)
    (outside / "sentinel.txt").write_text("nothing may touch this\n")
    return runs, outside, scratch


def _judge(argv: list[str], rc, err: str) -> str | None:
    """Why this outcome breaks the rule, or None when it keeps it."""
    lines = err.strip().splitlines()
    if "Traceback" in err:
        return "a traceback on stderr"
    if rc == 0:
        return f"stderr of a success: {lines[:2]}" if any(line.startswith("error") for line in lines) else None
    if rc != 2:
        return f"exit status {rc}"
    if len(lines) != 1 or not lines[0].startswith("error: "):
        return f"not one error: line: {lines[:3]}"
    return None


def _run_command(argv: list[str], capsys) -> tuple[object, str]:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT_S)
    try:
        rc = main(argv)
    except BaseException as error:  # noqa: BLE001 - an escaping exception is exactly what is looked for
        rc = f"raised {type(error).__name__}: {str(error)[:200]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return rc, capsys.readouterr().err


def test_every_command_refuses_damaged_runs_in_one_line(base_runs, tmp_path, capsys):
    seed, budget = fuzz_seed(), fuzz_seconds(15)
    streams = [cases(run, seed + i) for i, run in enumerate(base_runs)]
    pick = random.Random(seed)
    failures, outcomes, started = [], {"ok": 0, "refused": 0}, time.monotonic()
    for n in itertools.count():
        if time.monotonic() - started > budget:
            break
        which = pick.randrange(len(base_runs))
        case = next(streams[which])
        for command in COMMANDS:
            runs, outside, scratch = _workspace(tmp_path / "case")
            run = runs / base_runs[which].name
            shutil.copytree(base_runs[which], run, symlinks=True)
            case.damage(run, outside)
            before = _fingerprint(outside)
            argv = [a.format(run=run, tmp=scratch) for a in command]
            rc, err = _run_command(argv, capsys)
            why = _judge(argv, rc, err)
            if why is None and _fingerprint(outside) != before:
                why = "changed a file outside the runs folder"
            if why:
                failures.append(f"[{base_runs[which].name}] {case.name} | {' '.join(command[:2])}: {why} "
                                f"(rc {rc}, stderr {err.strip()[-300:]!r})")
            else:
                outcomes["ok" if rc == 0 else "refused"] += 1
    print(f"\nfuzz seed {seed}: {n} damaged runs x {len(COMMANDS)} commands in {time.monotonic() - started:.0f} s, "
          f"{outcomes['ok']} succeeded, {outcomes['refused']} refused in one line, {len(failures)} broke the rule")
    assert n >= 5, "the time budget allowed too few cases to mean anything: raise VAE_FUZZ_SECONDS"
    assert not failures, "\n".join(failures[:40])


PAGES = ["views/home.py", "views/traversal.py", "views/latent_map.py", "views/interpolation.py",
         "views/conditional.py", "views/restore.py", "views/anomaly.py", "views/codes.py", "views/train.py",
         "views/runs.py", "views/disentanglement.py"]
PAGES_PER_CASE = 2  # a page visit costs about a second: a few pages per case keeps many cases in the budget


def test_every_page_renders_with_a_damaged_run_chosen(base_runs, tmp_path, open_page, monkeypatch):
    seed, budget = fuzz_seed(), fuzz_seconds(15)
    streams = [cases(run, seed + 100 + i) for i, run in enumerate(base_runs)]
    pick = random.Random(seed + 100)
    failures, visits, started = [], 0, time.monotonic()
    for n in itertools.count():
        if time.monotonic() - started > budget:
            break
        which = pick.randrange(len(base_runs))
        case = next(streams[which])
        # A folder per case: the app caches models by path and checkpoint mtime, and copies keep mtimes.
        runs, outside, _ = _workspace(tmp_path / f"case{n}")
        shutil.copytree(base_runs[which], runs / "good", symlinks=True)
        run = runs / base_runs[which].name
        shutil.copytree(base_runs[which], run, symlinks=True)
        case.damage(run, outside)
        before = _fingerprint(outside)
        monkeypatch.setenv("VAE_RUNS_DIR", str(runs))
        for page in pick.sample(PAGES, PAGES_PER_CASE):
            at = open_page(page, run, runs_detail=str(run))
            visits += 1
            if at.exception:
                failures.append(f"[{base_runs[which].name}] {case.name} | {page}: {at.exception[0].message}")
        if _fingerprint(outside) != before:
            failures.append(f"[{base_runs[which].name}] {case.name}: changed a file outside the runs folder")
    print(f"\nfuzz seed {seed}: {n} damaged runs, {visits} page visits in {time.monotonic() - started:.0f} s, "
          f"{len(failures)} broke a page")
    assert n >= 3, "the time budget allowed too few cases to mean anything: raise VAE_FUZZ_SECONDS"
    assert not failures, "\n".join(failures[:40])
