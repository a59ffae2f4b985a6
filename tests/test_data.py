"""The dataset registry: splits, transforms, the shapes renderer, IDX files and image folders."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest
import torch
from PIL import Image

from vae.data import (
    DATASET_NAMES,
    SHAPE_FACTORS,
    DatasetUnavailable,
    all_factor_indices,
    factor_index,
    flat_index,
    list_datasets,
    load_dataset,
    read_idx,
    render_shapes,
)

FASHION_DIR = "/usr/share/datasets/fashion-mnist"


# ---------------------------------------------------------------- digits


def test_digits_shapes_range_and_split_sizes():
    train, test = load_dataset("digits", "train"), load_dataset("digits", "test")
    assert (len(train), len(test)) == (1437, 360)
    assert train.images.shape == (1437, 1, 8, 8) and train.images.dtype == torch.float32
    assert train.images.min() >= 0 and train.images.max() == 1.0
    assert train.labels.dtype == torch.int64 and set(train.labels.tolist()) == set(range(10))
    assert train.factors is None and train.info.num_classes == 10 and train.info.image_shape == (1, 8, 8)


def test_digits_read_without_sklearn_equal_sklearns_load_digits(monkeypatch):
    from sklearn.datasets import load_digits as sk_load_digits

    from vae.data import digits

    bunch = sk_load_digits()
    pixels, target = digits._read_digits()  # the bundled file, read directly
    assert digits._bundled_csv() is not None
    assert np.array_equal(pixels, bunch.data) and np.array_equal(target, bunch.target)
    fast = load_dataset("digits", "test")
    monkeypatch.setattr(digits, "_bundled_csv", lambda: None)  # the fallback: scikit-learn's own loader
    slow = load_dataset("digits", "test")
    assert torch.equal(fast.images, slow.images) and torch.equal(fast.labels, slow.labels)


def test_digits_splits_disjoint_and_fixed():
    train, test = load_dataset("digits", "train"), load_dataset("digits", "test")
    rows = {tuple(x.flatten().tolist()) for x in train.images}
    # a few digits are pixel-identical duplicates in the UCI set, so allow a handful
    assert sum(tuple(x.flatten().tolist()) in rows for x in test.images) <= 3
    again = load_dataset("digits", "train", seed=123)  # the seed never moves the split
    assert torch.equal(again.images, train.images) and torch.equal(again.labels, train.labels)


def test_digits_resize_channels_limit_exclude():
    data = load_dataset("digits", "test", image_size=28, channels=3, limit=50)
    assert data.images.shape == (50, 3, 28, 28) and data.info.image_shape == (3, 28, 28)
    assert data.images.min() >= 0 and data.images.max() <= 1
    assert torch.equal(data.images[:, 0], data.images[:, 2])  # gray repeated
    full = load_dataset("digits", "test")
    assert torch.equal(load_dataset("digits", "test", limit=10).images, full.images[:10])
    held_out = load_dataset("digits", "train", exclude_classes=(3,))
    assert 3 not in held_out.labels.tolist()
    assert len(held_out) == len(load_dataset("digits", "train")) - int((load_dataset("digits").labels == 3).sum())


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="known: digits, shapes"):
        load_dataset("cifar")
    with pytest.raises(ValueError, match="split"):
        load_dataset("digits", "valid")
    with pytest.raises(ValueError, match="channels"):
        load_dataset("digits", channels=2)
    with pytest.raises(ValueError, match="out of range"):
        load_dataset("digits", exclude_classes=(10,))
    with pytest.raises(ValueError, match="leaves none of the 10 classes of digits"):
        load_dataset("digits", exclude_classes=tuple(range(10)))


# ---------------------------------------------------------------- shapes


def test_shape_factor_grid_round_trip():
    assert [n for n, _ in SHAPE_FACTORS] == ["shape", "scale", "orientation", "pos_x", "pos_y"]
    grid = all_factor_indices()
    assert grid.shape == (737280, 5) and grid.dtype == torch.int64
    flat = torch.tensor([0, 1, 31, 32, 12345, 737279])
    assert torch.equal(grid[flat], factor_index(flat))
    assert torch.equal(flat_index(grid[flat]), flat)
    assert factor_index(737279).tolist() == [2, 5, 39, 31, 31]
    assert torch.equal(flat_index(grid), torch.arange(737280))


def test_render_matches_grid_and_is_batch_independent():
    grid = all_factor_indices()
    flat = torch.tensor([5, 99_999, 400_000, 737_279])
    batch = render_shapes(grid[flat])
    for i, f in enumerate(flat):
        alone = render_shapes(factor_index(int(f))[None])
        assert torch.equal(alone[0], batch[i])
    assert batch.shape == (4, 1, 64, 64) and batch.dtype == torch.float32
    assert torch.equal(render_shapes(grid[flat]), batch)  # deterministic


def test_dataset_factors_re_render_exactly():
    data = load_dataset("shapes", "test", limit=64)
    assert torch.equal(render_shapes(data.factors), data.images)
    assert torch.equal(data.labels, data.factors[:, 0])
    assert data.info.class_names == ("square", "ellipse", "heart")
    assert data.info.factor_sizes == (3, 6, 40, 32, 32)


def _center_of_mass(img: torch.Tensor) -> tuple[float, float]:
    img = img.squeeze()
    ys, xs = torch.meshgrid(torch.arange(img.shape[0]), torch.arange(img.shape[1]), indexing="ij")
    return float((img * xs).sum() / img.sum()), float((img * ys).sum() / img.sum())


def test_pos_x_moves_the_centre_right_and_scale_grows():
    moved = render_shapes(torch.tensor([[2, 3, 5, px, 10] for px in (0, 10, 20, 31)]))
    xs = [_center_of_mass(im)[0] for im in moved]
    ys = [_center_of_mass(im)[1] for im in moved]
    assert xs == sorted(xs) and xs[-1] - xs[0] > 20
    assert max(ys) - min(ys) < 0.5
    grown = render_shapes(torch.tensor([[s, sc, 7, 16, 16] for s in range(3) for sc in range(6)]))
    mass = grown.sum(dim=(1, 2, 3)).view(3, 6)
    assert (mass[:, 1:] > mass[:, :-1]).all()


def test_equal_area_shapes_cover_the_same_pixels_at_a_scale():
    """Under "bounding" (dSprites' rule) size in pixels tells part of the shape: the heart covers ~1.49× the
    ellipse. Under "equal" the three shapes cover the same pixels at each scale, and still grow with it."""
    factors = torch.tensor([[s, sc, o, 16, 16] for s in range(3) for sc in range(6) for o in (0, 7, 13)])
    for area, spread in (("bounding", (1.4, 1.6)), ("equal", (1.0, 1.04))):
        mass = render_shapes(factors, 64, area=area).sum(dim=(1, 2, 3)).view(3, 6, 3).mean(-1)  # (shape, scale)
        ratio = mass.max(0).values / mass.min(0).values  # the largest shape's pixels over the smallest's, per scale
        assert ((ratio >= spread[0]) & (ratio <= spread[1])).all(), (area, ratio)
        assert (mass[:, 1:] > mass[:, :-1]).all()
    same = torch.tensor([[s, 5, 3, 16, 16] for s in range(3)])
    assert torch.equal(render_shapes(same), render_shapes(same, area="bounding"))  # the default is dSprites' rule
    equal = render_shapes(same, area="equal")
    assert (equal[0] - equal[1]).abs().sum() > 20 and (equal[1] - equal[2]).abs().sum() > 20  # still three shapes
    with pytest.raises(ValueError, match="unknown shape area"):
        render_shapes(same, area="half")


def test_a_runs_shape_area_reaches_its_data_and_its_scoring():
    """The pictures a run trains on and the ones it is scored on are drawn by the same rule (its config's)."""
    from vae.config import TrainConfig
    from vae.data import load_split
    from vae.metrics.disentanglement.run import ground_truth

    config = TrainConfig(dataset="shapes", image_size=32, limit=8, shape_area="equal")
    data = load_split(config, "train")
    assert torch.equal(data.images, render_shapes(data.factors, 32, area="equal"))
    _, render = ground_truth(config)
    assert torch.equal(render(data.factors, 32), data.images)
    _, render = ground_truth(TrainConfig(dataset="shapes"))
    assert not torch.equal(render(data.factors, 32), data.images)
    with pytest.raises(ValueError, match="shapes grid only"):
        load_dataset("digits", shape_area="equal")


def test_shapes_differ_and_stay_in_frame():
    imgs = render_shapes(torch.tensor([[s, 5, 3, 16, 16] for s in range(3)]))
    for a in range(3):
        for b in range(a + 1, 3):
            assert (imgs[a] - imgs[b]).abs().sum() > 20
    # the largest shapes at the corner positions, every orientation, never touch the border
    corners = torch.tensor([[s, 5, o, px, py] for s in range(3) for o in range(40)
                            for px in (0, 31) for py in (0, 31)])
    for size in (64, 32):
        x = render_shapes(corners, size)
        border = torch.cat([x[..., 0, :], x[..., -1, :], x[..., :, 0], x[..., :, -1]], dim=-1)
        assert border.max() == 0


def test_shapes_splits_seeded_and_disjoint():
    train = load_dataset("shapes", "train", image_size=32)
    test = load_dataset("shapes", "test", image_size=32)
    assert train.images.shape == (12000, 1, 32, 32) and len(test) == 2000
    train_flat, test_flat = set(flat_index(train.factors).tolist()), set(flat_index(test.factors).tolist())
    assert len(train_flat) == 12000 and not train_flat & test_flat
    again = load_dataset("shapes", "test", image_size=32, limit=100)
    assert torch.equal(again.images, test.images[:100])
    other = load_dataset("shapes", "test", image_size=32, limit=100, seed=1)
    assert not torch.equal(other.factors, again.factors)
    assert set(load_dataset("shapes", "test", limit=200, exclude_classes=(1,)).labels.tolist()) == {0, 2}


def test_shapes_render_directly_at_32px():
    data = load_dataset("shapes", "train", image_size=32, limit=20, channels=3)
    assert data.images.shape == (20, 3, 32, 32) and data.info.image_shape == (3, 32, 32)
    assert torch.equal(data.images[:, :1], render_shapes(data.factors, 32))
    assert ((data.images == 0) | (data.images == 1)).float().mean() > 0.9  # binary-ish


# ---------------------------------------------------------------- idx


def _idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def _write_mnist(folder, compress: bool) -> tuple[np.ndarray, np.ndarray]:
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    for prefix in ("train", "t10k"):
        for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
            path = os.path.join(folder, f"{prefix}-{kind}-ubyte" + (".gz" if compress else ""))
            with (gzip.open(path, "wb") if compress else open(path, "wb")) as f:
                f.write(_idx_bytes(arr))
    return images, labels


@pytest.mark.parametrize("layout", ["flat", "torchvision"])
@pytest.mark.parametrize("compress", [False, True])
def test_mnist_from_idx_files(tmp_path, layout, compress):
    folder = tmp_path if layout == "flat" else tmp_path / "MNIST" / "raw"
    images, labels = _write_mnist(folder, compress)
    data = load_dataset("mnist", "test", root=str(tmp_path))
    assert data.images.shape == (5, 1, 28, 28) and data.labels.tolist() == labels.tolist()
    assert torch.allclose(data.images[:, 0], torch.from_numpy(images).float() / 255)
    assert data.info.class_names == tuple("0123456789") and data.info.source == str(folder)
    assert any(s.name == "mnist" and s.available for s in list_datasets(str(tmp_path)))


def test_read_idx_rejects_malformed_files(tmp_path):
    good = _idx_bytes(np.zeros((2, 3, 3), dtype=np.uint8))
    cases = {"bad_magic": b"\x08\x03" + good[2:], "truncated": good[:-4], "bad_code": good[:2] + b"\x07" + good[3:]}
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)
        with pytest.raises(ValueError) as err:
            read_idx(tmp_path / name)
        assert "\n" not in str(err.value) and name in str(err.value)
    (tmp_path / "truncated.gz").write_bytes(gzip.compress(good)[:-10])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(tmp_path / "truncated.gz")
    (tmp_path / "good").write_bytes(good)
    assert read_idx(tmp_path / "good").shape == (2, 3, 3)


def test_missing_mnist_is_one_line(tmp_path):
    with pytest.raises(DatasetUnavailable) as err:
        load_dataset("mnist", root=str(tmp_path))
    message = str(err.value)
    assert "\n" not in message and "--download" in message and str(tmp_path) in message


@pytest.mark.skipif(not os.path.isdir(FASHION_DIR), reason="apt package dataset-fashion-mnist not installed")
def test_fashion_mnist_real_test_split(tmp_path):
    data = load_dataset("fashion-mnist", "test", root=str(tmp_path))
    assert data.images.shape == (10000, 1, 28, 28) and data.info.source == FASHION_DIR
    assert data.labels.bincount().tolist() == [1000] * 10
    assert data.images.min() == 0 and data.images.max() == 1
    assert data.info.class_names[0] == "T-shirt/top" and data.info.num_classes == 10


# ---------------------------------------------------------------- folder


@pytest.fixture
def image_folder(tmp_path):
    rng = np.random.default_rng(0)
    for name, count in (("cats", 6), ("dogs", 4)):
        (tmp_path / name).mkdir()
        for i in range(count):
            pixels = rng.integers(0, 256, size=(20, 24, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / name / f"{i}.png")
    (tmp_path / "dogs" / "broken.png").write_bytes(b"not a png at all")
    (tmp_path / "dogs" / "notes.txt").write_text("not an image, not counted")
    return tmp_path


def test_folder_loads_splits_and_skips_corrupt(image_folder):
    train = load_dataset("folder", "train", root=str(image_folder))
    test = load_dataset("folder", "test", root=str(image_folder))
    assert (len(train), len(test)) == (8, 2) and train.skipped == test.skipped == 1
    assert train.info.class_names == ("cats", "dogs") and train.images.shape == (8, 1, 32, 32)
    assert sorted(train.labels.tolist() + test.labels.tolist()) == [0] * 6 + [1] * 4
    rgb = load_dataset("folder", "train", root=str(image_folder), channels=3, image_size=16)
    assert rgb.images.shape == (8, 3, 16, 16) and rgb.info.image_shape == (3, 16, 16)
    assert 0 <= rgb.images.min() and rgb.images.max() <= 1
    assert torch.equal(rgb.labels, train.labels)  # same fixed split in every mode


def test_folder_needs_a_root(tmp_path):
    with pytest.raises(DatasetUnavailable, match="--data-root"):
        load_dataset("folder")
    with pytest.raises(DatasetUnavailable, match="--data-root"):
        load_dataset("folder", root=str(tmp_path / "nowhere"))


# ---------------------------------------------------------------- list_datasets


def test_list_datasets(image_folder):
    statuses = {s.name: s for s in list_datasets(str(image_folder))}
    assert tuple(statuses) == DATASET_NAMES
    assert statuses["digits"].available and statuses["shapes"].available
    assert statuses["folder"].available and statuses["folder"].where == str(image_folder)
    assert not statuses["mnist"].available and "--download" in statuses["mnist"].how_to_get
    assert statuses["fashion-mnist"].available == os.path.isdir(FASHION_DIR)
    missing = {s.name: s for s in list_datasets()}["folder"]
    assert not missing.available and "--data-root" in missing.how_to_get
    assert all(s.description for s in statuses.values())
