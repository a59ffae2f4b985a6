"""The Runs page and the run view it shares with Train: the table (a CLI-started run included), overlaid
curves, every state of a run (finished, interrupted, failed, a torn metrics file), delete with confirmation,
open in explorer; plus the pure builders behind them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.parts import run_charts

from ui.parts import runs as run_view
from ui.catalog import ROOT
from vae.config import TrainConfig
from vae.training.trainer import train

PAGE = str(ROOT / "views/runs.py")
TINY_MODEL = dict(family="vae", arch="mlp", hidden=(32,), latent_dim=4)


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


@pytest.fixture(scope="module")
def made_runs(tmp_path_factory):
    """Runs in every state, written the way the trainer and the launcher write them; a CLI run is started
    first and finishes while the others are made."""
    root = tmp_path_factory.mktemp("runs")
    cli = subprocess.Popen(
        [sys.executable, "-m", "vae", "train", "--dataset", "digits", "--limit", "200", "--epochs", "1",
         "--hidden", "32", "--latent-dim", "2", "--device", "cpu", "--quiet", "--run-dir", str(root / "cli-run")],
        cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for beta in (1.0, 4.0):
        config = TrainConfig(dataset="digits", limit=200, epochs=3, batch_size=50, device="cpu", log_every=1,
                             grid_images=16)
        train({**TINY_MODEL, "beta": beta}, config, root / f"beta{beta:g}")
    # A torn metrics file: cut in the middle of its last line, with a garbage line before it.
    shutil.copytree(root / "beta1", root / "torn")
    text = (root / "torn" / "metrics.jsonl").read_text().splitlines()
    (root / "torn" / "metrics.jsonl").write_text("\n".join(text[:-3] + ["{not json", text[-1][:40]]))
    # A trainer that died without a word: status still says running, its pid is gone.
    shutil.copytree(root / "beta4", root / "killed")
    status = json.loads((root / "killed" / "status.json").read_text())
    (root / "killed" / "status.json").write_text(json.dumps({**status, "state": "running", "pid": _dead_pid()}))
    # A trainer that refused to start (its prepared config.json is all there is besides its log).
    (root / "refused").mkdir()
    (root / "refused" / "config.json").write_text(json.dumps({"model": {"family": "vae"}, "prepared": True,
                                                              "train": {"dataset": "digits", "epochs": 1}}))
    (root / "refused" / "launch.json").write_text(json.dumps({"pid": _dead_pid(), "started": time.time(),
                                                              "action": "start"}))
    (root / "refused" / "train.log").write_text("error: beta must be a number >= 0 (got -1.0)\n")
    shutil.copytree(root / "beta1", root / "doomed")
    shutil.copytree(root / "beta1", root / "extend")
    assert cli.wait(timeout=600) == 0, cli.stderr.read()
    return root


@pytest.fixture
def runs(made_runs, monkeypatch):
    monkeypatch.setenv("VAE_RUNS_DIR", str(made_runs))
    return made_runs


@pytest.fixture
def open_page(runs, monkeypatch):
    def opener(lang: str = "en", detail: str | None = None) -> AppTest:
        monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", lang)
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.session_state["lang"] = lang
        if detail:
            at.session_state["runs_detail"] = str(runs / detail)
        return at.run()

    return opener


def table(at: AppTest) -> dict[str, dict]:
    frame = at.dataframe[0].value
    return {row.iloc[0]: dict(row) for _, row in frame.iterrows()}


@pytest.mark.parametrize("lang, finished, interrupted, failed", [
    ("en", "✔ finished", "⚠ interrupted", "✘ failed"),
    ("zh", "✔ 已完成", "⚠ 已中断", "✘ 失败"),
])
def test_table_lists_every_run_with_its_state(open_page, lang, finished, interrupted, failed):
    at = open_page(lang)
    assert not at.exception
    rows = table(at)
    status = at.dataframe[0].value.columns[4]
    assert rows["cli-run"][status] == finished  # started from the command line, shown all the same
    assert (rows["beta4"][status], rows["killed"][status], rows["refused"][status]) == (finished, interrupted, failed)
    assert {"cli-run", "beta1", "beta4", "torn", "killed", "refused"} <= set(rows)


def test_table_columns(open_page):
    rows = table(open_page())
    row = rows["beta4"]
    assert (row["Family"], row["Dataset"], row["β"], row["Epochs"]) == ("β-VAE", "digits", 4.0, "3 / 3")
    assert row["Test loss"] > 0 and row["Active dims"].endswith("/ 4") and row["Duration"] != "–"


def test_overlay_follows_the_chosen_runs_and_curve(open_page):
    at = open_page()
    at.multiselect(key="runs_compare").set_value(["beta1", "beta4"]).run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [trace["name"] for trace in spec["data"]] == ["beta1 (β = 1)", "beta4 (β = 4)"]
    assert spec["data"][0]["x"] == [1, 2, 3]  # test loss once per epoch
    at.selectbox(key="runs_metric").set_value("kl").run()
    kl = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(kl["data"][0]["x"]) > 3 and kl["data"][0]["y"] != spec["data"][0]["y"]


def test_table_selection_picks_the_overlay():
    assert run_view.rows_to_names([2, 0, 7], ["a", "b", "c"]) == ["c", "a"]  # a row gone since is ignored


@pytest.mark.parametrize("detail", ["beta1", "torn", "cli-run"])
def test_finished_run_in_detail(open_page, detail):
    at = open_page(detail=detail)
    assert not at.exception
    assert len(at.get("plotly_chart")) == 3  # overlay, curves, KL heatmap
    assert at.get("progress")[0].proto.value == 100
    assert {f"runs_{detail}_open", f"runs_{detail}_delete"} <= {b.key for b in at.button}
    assert any(d.label == "Download checkpoint" for d in at.get("download_button"))


def test_interrupted_run_can_be_resumed(open_page):
    at = open_page(detail="killed")
    assert any("stopped without a word" in w.value for w in at.warning)
    assert at.button(key="runs_killed_resume").label == "Resume"


def test_refused_run_shows_its_error_and_log(open_page):
    at = open_page(detail="refused")
    assert not at.exception
    assert at.error[0].value == "The run failed: error: beta must be a number >= 0 (got -1.0)"
    assert "error: beta must be" in at.code[0].value
    assert at.button(key="runs_refused_resume").label == "Try again"


def test_delete_asks_first_then_removes(open_page, runs):
    at = open_page(detail="doomed")
    assert (runs / "doomed").is_dir()  # drawing the confirmation deletes nothing
    at.button(key="runs_doomed_delete").click().run()
    assert not at.exception and not (runs / "doomed").exists()
    assert "doomed" not in table(at)


def test_train_a_finished_run_longer(open_page, runs):
    at = open_page(detail="extend")
    at.number_input(key="runs_extend_epochs").set_value(5)
    at.button(key="runs_extend_more").click().run()
    assert not at.exception and not at.error
    launched = json.loads((runs / "extend" / "launch.json").read_text())
    assert launched["action"] == "resume" and "command" not in launched  # nothing to run is ever stored
    argv = run_view.launch._command_line(launched["pid"])  # the trainer itself, while it starts
    assert argv is None or argv[-4:] == [str((runs / "extend").absolute()), "--quiet", "--epochs", "5"]
    assert at.button(key="runs_extend_stop")  # the panel now follows the live run
    at.button(key="runs_extend_stop").click().run()
    deadline = time.monotonic() + 60
    while run_view.launch.run_state(runs / "extend").live and time.monotonic() < deadline:
        time.sleep(0.2)
    assert run_view.launch.run_state(runs / "extend").state in ("stopped", "finished")


def test_open_in_explorer(runs, monkeypatch):
    monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", "en")
    # From the router, so switch_page resolves views/ as in the real app.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("views/runs.py").run()
    at.selectbox(key="runs_detail").set_value(str(runs / "beta4")).run()
    at.button(key="runs_beta4_open").click().run()
    assert not at.exception
    assert at.session_state["model_path"] == str(runs / "beta4")
    assert "traversal" in at.title[0].value.lower() or "遍历" in at.title[0].value


# ---------------------------------------------------------------- the builders

def test_progress_from_events(runs):
    facts = run_view.read_facts(runs / "beta1")
    progress = run_view.progress_of(facts)
    assert (progress.fraction, progress.epoch, progress.total_steps) == (1.0, 3, 12)
    torn = run_view.read_facts(runs / "torn")
    assert len(torn.steps) + len(torn.epochs) == len(facts.steps) + len(facts.epochs) - 3


def test_strip_and_thinning():
    paths = [Path(f"epoch_{i:04d}.png") for i in range(1, 31)]
    strip = run_charts.strip_epochs(paths, 8)
    assert len(strip) == 8 and strip[0] == paths[0] and strip[-1] == paths[-1]
    events = [{"step": i} for i in range(2000)]
    thinned = run_charts.thin(events, 600)
    assert len(thinned) <= 601 and thinned[-1] is events[-1]


def test_heatmap_has_a_row_per_latent_dimension(runs):
    heat = run_charts.kl_heatmap(run_view.read_facts(runs / "beta1"))
    assert len(heat.data[0].z) == 4 and list(heat.data[0].y) == ["z0", "z1", "z2", "z3"]  # one numbering: the traversal's z0 …
