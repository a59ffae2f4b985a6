"""The model list (ui/catalog.py): every page run of every session reads it, so an entry is read from its
folder once per version of its files, and read again as soon as one of them changes."""

from __future__ import annotations

import json
import shutil

from ui import catalog
from vae.atomic import atomic_write_json
from vae.training.runs import write_status


def test_an_entry_is_read_once_and_again_when_its_run_changes(tmp_path, monkeypatch):
    run = tmp_path / "my-run"
    shutil.copytree(catalog.ASSETS_DIR / "digits-vae-2d", run)
    monkeypatch.setattr(catalog, "runs_dir", lambda: tmp_path)
    reads = []
    real_read_run = catalog.read_run
    monkeypatch.setattr(catalog, "read_run", lambda path: reads.append(path) or real_read_run(path))

    def mine():
        return [m for m in catalog.list_models() if m.name == "my-run"]

    first = mine()
    assert len(first) == 1 and reads.count(run) == 1
    assert mine()[0] is first[0] and reads.count(run) == 1  # nothing changed: the same entry, not read again
    write_status(run, state="stopped")  # a run resumed and stopped again: not offered while unfinished
    assert mine() == [] and reads.count(run) == 2
    write_status(run, state="finished")
    config = json.loads((run / "config.json").read_text())
    atomic_write_json(run / "config.json", config)  # rewritten as it was: a new file, read again
    again = mine()
    assert len(again) == 1 and reads.count(run) == 3 and again[0] == first[0]
