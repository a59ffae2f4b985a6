"""A damaged run folder breaks no page (issue 15): the sidebar reads every run, so each kind of damage is
put beside a good run and every page is drawn, with the good run chosen and with the damaged one."""

from __future__ import annotations

import json
import shutil

import pytest

from ui.catalog import ROOT

PAGES = ["views/home.py", "views/traversal.py", "views/latent_map.py", "views/interpolation.py",
         "views/conditional.py", "views/restore.py", "views/anomaly.py", "views/codes.py", "views/train.py",
         "views/runs.py", "views/disentanglement.py"]
# The nine kinds of damage found by hand, plus a checkpoint that is not one.
DAMAGE = {  # config.json is {"spec": {"model", "train"}, "data"} (vae.spec)
    "family": ("config.json", lambda c: {**c, "spec": {**c["spec"], "model": {**c["spec"]["model"], "family": "gan"}}}),
    "beta-text": ("config.json", lambda c: {**c, "spec": {**c["spec"], "model": {**c["spec"]["model"], "beta": "4"}}}),
    "model-list": ("config.json", lambda c: {**c, "spec": {**c["spec"], "model": [1]}}),
    "train-list": ("config.json", lambda c: {**c, "spec": {**c["spec"], "train": [1]}}),
    "no-train": ("config.json", lambda c: {**c, "spec": {"model": c["spec"]["model"]}}),
    "info-text": ("config.json", lambda c: {**c, "data": "shapes"}),
    "names-number": ("config.json", lambda c: {**c, "data": {**c["data"], "class_names": 7}}),
    "pid-text": ("status.json", lambda s: {**s, "pid": "123"}),
    "status-list": ("status.json", lambda s: [s]),
}


@pytest.fixture(scope="module")
def damaged_runs(tiny_runs, tmp_path_factory):
    root = tmp_path_factory.mktemp("damaged")
    shutil.copytree(tiny_runs / "tiny-vae", root / "good")
    for name, (file, change) in DAMAGE.items():
        shutil.copytree(tiny_runs / "tiny-vae", root / name)
        path = root / name / file
        path.write_text(json.dumps(change(json.loads(path.read_text()))))
    shutil.copytree(tiny_runs / "tiny-vae", root / "bad-checkpoint")
    (root / "bad-checkpoint" / "checkpoint.safetensors").write_bytes(b"\x80\x04 not a checkpoint")
    return root


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_beside_damaged_runs(page, damaged_runs, open_page, monkeypatch):
    monkeypatch.setenv("VAE_RUNS_DIR", str(damaged_runs))
    at = open_page(page, damaged_runs / "good")
    assert not at.exception, at.exception
    for name in ("family", "pid-text", "bad-checkpoint"):  # a damaged one chosen: a one-line message, no crash
        at = open_page(page, damaged_runs / name)
        assert not at.exception, (name, at.exception)


def test_a_damaged_run_says_why_in_the_picker(damaged_runs, open_page, monkeypatch):
    monkeypatch.setenv("VAE_RUNS_DIR", str(damaged_runs))
    at = open_page("views/home.py", damaged_runs / "beta-text")
    assert any("cannot be opened" in e.value and "beta must be a number" in e.value for e in at.sidebar.error)
    at = open_page("views/home.py", damaged_runs / "bad-checkpoint")
    assert any("is not a valid checkpoint" in e.value for e in at.error)
    labels = at.sidebar.selectbox(key="model_path").options
    assert sum("damaged" in label for label in labels) == len(DAMAGE)  # the bad checkpoint shows once opened


def test_the_runs_page_marks_damaged_runs(damaged_runs, open_page, monkeypatch):
    monkeypatch.setenv("VAE_RUNS_DIR", str(damaged_runs))
    at = open_page("views/runs.py", damaged_runs / "good", runs_detail=str(damaged_runs / "model-list"))
    assert not at.exception
    assert any("This run folder is damaged" in e.value for e in at.error)
