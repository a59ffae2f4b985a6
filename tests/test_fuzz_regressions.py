"""One fixed case for each bug the run-folder fuzzer (test_fuzz_runs.py) and the kill and full-disk tests
found (issue 15), so each stays fixed whatever the random stream draws."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from safetensors.torch import load_file, save_file

from tests.fuzz_runs import make_base_runs, read_header, write_header
from vae.cli import main


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, Path]:
    vae, vq = make_base_runs(tmp_path_factory.mktemp("regression-base"))
    return {"vae": vae, "vqvae": vq}


@pytest.fixture
def copy(base, tmp_path):
    def make(name: str) -> Path:
        target = tmp_path / "runs" / name
        shutil.copytree(base[name], target)
        return target
    return make


def _refused(argv: list[str], capsys, *words: str) -> str:
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


def _snapshot(folder: Path) -> dict:
    return {str(p): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("argv", [["slim", "{run}"], ["prior", "{run}", "--epochs", "1"],
                                  ["disentanglement", "{run}", "--points", "100"],
                                  ["anomaly", "{run}", "--precompute"]])
def test_commands_that_write_into_a_run_refuse_a_linked_run_folder(argv, copy, tmp_path, capsys):
    # Found: `slim LINK` rewrote the checkpoint of the folder the link points to, outside the runs folder.
    real = copy("vqvae" if argv[0] == "prior" else "vae")
    link = tmp_path / "runs" / "link"
    link.symlink_to(real, target_is_directory=True)
    before = _snapshot(real)
    _refused([a.format(run=link) for a in argv], capsys, "is a link")
    assert _snapshot(real) == before


def test_resume_writes_no_grid_through_a_linked_samples_folder(copy, tmp_path, capsys):
    # Found: `train --resume` wrote the next epoch's sample grid into the folder samples/ linked to.
    run = copy("vae")
    outside = tmp_path / "outside"
    shutil.move(run / "samples", outside)
    (run / "samples").symlink_to(outside, target_is_directory=True)
    before = _snapshot(outside)
    assert main(["train", "--resume", str(run), "--epochs", "2", "--quiet"]) == 0
    assert _snapshot(outside) == before
    assert not (run / "samples").is_symlink() and (run / "samples" / "epoch_0002.png").is_file()


def test_slim_keep_grids_deletes_nothing_through_a_linked_folder(copy, tmp_path, capsys):
    run = copy("vae")
    outside = tmp_path / "outside"
    outside.mkdir()
    for epoch in (1, 2, 3):
        shutil.copyfile(run / "samples" / "epoch_0001.png", outside / f"epoch_000{epoch}.png")
    shutil.rmtree(run / "samples")
    (run / "samples").symlink_to(outside, target_is_directory=True)
    assert main(["slim", str(run), "--keep-grids", "1"]) == 0
    assert sorted(p.name for p in outside.iterdir()) == ["epoch_0001.png", "epoch_0002.png", "epoch_0003.png"]


def _poison(path: Path, key: str | None = None) -> None:
    """Write NaN into the first element of a floating-point tensor of a safetensors file, keeping its header."""
    header, _ = read_header(path.read_bytes())
    tensors = load_file(path)
    key = key or next(k for k, v in tensors.items() if v.is_floating_point() and v.numel())
    tensors[key].view(-1)[0] = float("nan")
    save_file(tensors, path, metadata=header.get("__metadata__"))


@pytest.mark.parametrize("argv", [["eval", "{run}", "--k", "2"], ["sample", "{run}", "--out", "{tmp}/s.png"]])
def test_a_checkpoint_with_nan_weights_is_refused(argv, copy, tmp_path, capsys):
    # Found: a few changed bytes made NaN weights; eval printed NaN losses and sample wrote a NaN grid.
    run = copy("vae")
    _poison(run / "checkpoint.safetensors")
    _refused([a.format(run=run, tmp=tmp_path) for a in argv], capsys, "NaN or infinite")
    assert not (tmp_path / "s.png").exists()


def test_a_prior_with_nan_weights_is_refused(copy, tmp_path, capsys):
    # Found: `sample` of a VQ-VAE whose prior held NaN: "probability tensor contains either inf, nan", exit 1.
    run = copy("vqvae")
    _poison(run / "prior.safetensors")
    _refused(["sample", run, "--out", tmp_path / "s.png"], capsys, "prior.safetensors is damaged", "NaN")


@pytest.mark.parametrize("field, value", [("layers", float("inf")), ("width", "64"), ("heads", True),
                                          ("dropout", float("nan"))])
def test_a_prior_config_of_the_wrong_type_is_refused(field, value, copy, tmp_path, capsys):
    # Found: layers = inf in prior.safetensors' header: TypeError "'float' object cannot be interpreted as an integer".
    run = copy("vqvae")
    path = run / "prior.safetensors"
    header, body = read_header(path.read_bytes())
    config = json.loads(header["__metadata__"]["config"])
    header["__metadata__"]["config"] = json.dumps({**config, field: value})
    path.write_bytes(write_header(header, body))
    _refused(["sample", run, "--out", tmp_path / "s.png"], capsys, "not a readable code prior", field)


@pytest.mark.parametrize("info", [10 ** 30, "digits", [1]])
def test_anomaly_refuses_a_damaged_config(info, copy, capsys):
    # Found: dataset_info as a number: AttributeError "'int' object has no attribute 'get'" in `anomaly`.
    run = copy("vae")
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "dataset_info": info}))
    _refused(["anomaly", run, "--limit", "4", "--k", "2"], capsys, "is damaged", "dataset_info")


def test_a_trainer_removes_the_temporary_files_a_killed_one_left(copy):
    # Found by the kill tests: SIGKILL during a checkpoint write left .checkpoint.safetensors.XXXX.tmp for good.
    run = copy("vae")
    stale = [run / ".checkpoint.safetensors.abc123.tmp", run / ".status.json.x1.tmp",
             run / "samples" / ".epoch_0002.png.q9.tmp"]
    for path in stale:
        path.write_bytes(b"half")
    (run / ".launch.json.k2.tmp").write_bytes(b"not the trainer's")  # the launcher's: left alone
    assert main(["train", "--resume", str(run), "--epochs", "2", "--quiet"]) == 0
    assert not any(path.exists() for path in stale)
    assert (run / ".launch.json.k2.tmp").exists()
    from vae.training.runs import remove_stale_temps

    assert remove_stale_temps(run) == 0


def _blow_up(path: Path) -> None:
    """Scale every weight of a safetensors file by 1e30: finite, but softmax over such logits is NaN."""
    header, _ = read_header(path.read_bytes())
    tensors = {k: v * 1e30 if v.is_floating_point() else v for k, v in load_file(path).items()}
    save_file(tensors, path, metadata=header.get("__metadata__"))


def test_a_prior_with_huge_weights_is_refused_by_sample(copy, tmp_path, capsys):
    # Found (seed 8): a few changed bytes left finite but huge prior weights; `sample` stopped with torch's
    # "probability tensor contains either inf, nan or element < 0", exit 1.
    run = copy("vqvae")
    _blow_up(run / "prior.safetensors")
    _refused(["sample", run, "--out", tmp_path / "s.png"], capsys, "NaN or infinite", "retrain")
    assert not (tmp_path / "s.png").exists()


@pytest.mark.parametrize("page", ["views/home.py", "views/codes.py"])
def test_pages_fall_back_from_a_prior_that_cannot_sample(page, copy, open_page, monkeypatch):
    run = copy("vqvae")
    _blow_up(run / "prior.safetensors")
    monkeypatch.setenv("VAE_RUNS_DIR", str(run.parent))
    at = open_page(page, run)
    assert not at.exception, at.exception
    assert at.image, "the codebook's own samples are still drawn"
    if page == "views/codes.py":
        assert any("The learned prior cannot be used" in w.value for w in at.warning)


def test_disentanglement_refuses_a_damaged_config(copy, capsys):
    # Found (seed 9): config.json's model as -1: AttributeError "'int' object has no attribute 'get'".
    run = copy("vae")
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "model": -1}))
    _refused(["disentanglement", run, "--points", "100"], capsys, "is damaged")


def test_resume_skips_a_metrics_line_with_a_wrong_type(copy, capsys):
    # Found (seed 9): a metrics.jsonl line with "step": "text": TypeError in `train --resume`.
    run = copy("vae")
    lines = (run / "metrics.jsonl").read_text().splitlines()
    lines[1] = json.dumps({**json.loads(lines[1]), "step": "text"})
    (run / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["train", "--resume", str(run), "--epochs", "2", "--quiet"]) == 0
    events = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [e["epoch"] for e in events if e["kind"] == "epoch"] == [1, 2]


def _damage_png(run: Path) -> None:
    (run / "samples" / "epoch_0001.png").write_bytes(b"\x89PNG not really")


def _loop_launch(run: Path) -> None:
    (run / "launch.json").unlink()
    (run / "launch.json").symlink_to(run / "launch.json.loop")
    (run / "launch.json.loop").symlink_to(run / "launch.json")


def _dangling_recons(run: Path) -> None:
    (run / "recons" / "epoch_0001.png").unlink()
    (run / "recons" / "epoch_0001.png").symlink_to(run / "no-such-file")


@pytest.mark.parametrize("damage", [_damage_png, _loop_launch, _dangling_recons])
def test_the_runs_page_shows_a_run_with_unreadable_files(damage, copy, open_page, monkeypatch):
    # Found (seed 9): the Runs page raised on a grid PNG of random bytes (PIL's "cannot identify image file"),
    # on launch.json as a link loop (ELOOP) and on a grid that is a dangling link (FileNotFoundError).
    run = copy("vae")
    damage(run)
    monkeypatch.setenv("VAE_RUNS_DIR", str(run.parent))
    at = open_page("views/runs.py", run, runs_detail=str(run))
    assert not at.exception, at.exception
    if damage is _damage_png:
        assert any("epoch_0001.png cannot be read as a picture" in w.value for w in at.warning)
