"""vae.explore.restore and vae.data.upload: corruptions, completion, scores, baselines, and reading uploaded pictures."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
import torch
from PIL import Image, ImageDraw

from tests.conftest import tiny_config
from ui.catalog import ASSETS_DIR
from vae.explore import restore as R
from vae.training.checkpoint import load_model
from vae.config import TrainConfig
from vae.data import load_split
from vae.models import build_model
from vae.training.runs import read_run
from vae.data.upload import MAX_PIXELS, BadUpload, image_from_bytes, read_upload

GRAY = torch.full((4, 1, 16, 16), 0.5)


@pytest.mark.parametrize("fields", [dict(kind="blur"), dict(mask="middle"), dict(sigma=-0.1), dict(rate=1.5),
                                    dict(block=0.0)])
def test_bad_settings_raise_one_line_errors(fields):
    with pytest.raises(R.CorruptionError) as error:
        R.Corruption(**fields)
    assert isinstance(error.value, ValueError) and "\n" not in str(error.value)


def test_gaussian_noise_has_its_sigma_and_its_seed():
    noisy = R.corrupt(GRAY, R.Corruption("noise", sigma=0.1, seed=3))
    assert noisy.known.all() and noisy.known.shape == (4, 1, 16, 16)
    assert abs(float((noisy.image - GRAY).std()) - 0.1) < 0.01  # 0.5 ± 5σ: clipping never bites
    assert torch.equal(noisy.image, R.corrupt(GRAY, R.Corruption("noise", sigma=0.1, seed=3)).image)
    assert not torch.equal(noisy.image, R.corrupt(GRAY, R.Corruption("noise", sigma=0.1, seed=4)).image)
    loud = R.corrupt(GRAY, R.Corruption("noise", sigma=2.0)).image
    assert loud.min() == 0 and loud.max() == 1  # clipped like any picture


def test_salt_and_pepper_hits_its_share_of_pixels_with_black_or_white():
    x = torch.full((8, 3, 32, 32), 0.5)
    spoiled = R.corrupt(x, R.Corruption("salt_pepper", rate=0.2)).image
    hit = (spoiled != 0.5).all(1)  # (B, H, W): a hit pixel changes in every channel at once
    assert abs(float(hit.float().mean()) - 0.2) < 0.02
    values = spoiled.permute(1, 0, 2, 3)[:, hit]
    assert set(values.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(R.corrupt(x, R.Corruption("salt_pepper", rate=0.0)).image, x)


@pytest.mark.parametrize("side,rows,cols", [("top", slice(0, 5), slice(None)), ("bottom", slice(5, None), slice(None)),
                                            ("left", slice(None), slice(0, 4)), ("right", slice(None), slice(4, None))])
def test_halves_hide_the_named_half(side, rows, cols):
    missing = R.missing_mask(10, 8, R.Corruption("mask", mask=side))
    expected = torch.zeros(10, 8, dtype=torch.bool)
    expected[rows, cols] = True
    assert torch.equal(missing, expected) and int(missing.sum()) == 40


def test_rectangle_and_random_block():
    missing = R.missing_mask(8, 8, R.Corruption("mask", mask="rectangle", rows=(2, 5), cols=(1, 3)))
    assert int(missing.sum()) == 6 and missing[2:5, 1:3].all()
    with pytest.raises(R.CorruptionError):
        R.missing_mask(8, 8, R.Corruption("mask", mask="rectangle", rows=(3, 3), cols=(0, 8)))
    with pytest.raises(R.CorruptionError):
        R.missing_mask(8, 8, R.Corruption("mask", mask="rectangle", rows=(0, 9), cols=(0, 8)))
    blocks = [R.missing_mask(20, 20, R.Corruption("mask", mask="random", block=0.3, seed=s)) for s in range(6)]
    assert all(int(b.sum()) == 36 for b in blocks)  # a 6×6 block, always inside the picture
    assert len({tuple(b.nonzero()[0].tolist()) for b in blocks}) > 1  # the seed moves it
    assert torch.equal(blocks[0], R.missing_mask(20, 20, R.Corruption("mask", mask="random", block=0.3, seed=0)))


def test_masked_pixels_take_the_fill_and_known_ones_stay():
    x = torch.rand(3, 1, 8, 8)
    fill = torch.linspace(0, 1, 64).view(1, 8, 8)
    spoiled = R.corrupt(x, R.Corruption("mask", mask="left"), fill=fill)
    assert spoiled.known.shape == (3, 1, 8, 8) and not spoiled.known[..., :4].any() and spoiled.known[..., 4:].all()
    assert torch.equal(spoiled.image[..., 4:], x[..., 4:])
    assert torch.equal(spoiled.image[..., :4], fill[..., :4].expand(3, 1, 8, 4))


def test_iterative_completion_keeps_known_pixels_and_refills_the_rest():
    x = torch.rand(2, 1, 8, 8)
    known = torch.zeros(2, 1, 8, 8, dtype=torch.bool)
    known[..., :4, :] = True
    calls = []

    def reconstruct(current):
        calls.append(current)
        return current * 0 + 0.25 + 0.5 * current  # a contraction with fixed point 0.5

    strip = R.iterate_completion(reconstruct, x, known, iterations=30)
    assert strip.shape == (31, 2, 1, 8, 8) and torch.equal(strip[0], x) and len(calls) == 30
    assert all(torch.equal(frame[known], x[known]) for frame in strip)
    assert torch.allclose(strip[-1][~known], torch.full_like(strip[-1][~known], 0.5), atol=1e-6)
    assert torch.equal(strip[1][~known], (0.25 + 0.5 * x)[~known])
    with pytest.raises(R.CorruptionError):
        R.iterate_completion(reconstruct, x, known, iterations=-1)


def test_psnr_and_ssim():
    x = torch.zeros(2, 1, 16, 16)
    assert torch.allclose(R.psnr(x + 0.1, x), torch.tensor([20.0, 20.0]))  # MSE 0.01
    assert torch.allclose(R.psnr(x, x), torch.tensor([R.MAX_PSNR] * 2))
    assert R.ssim(torch.rand(2, 1, 8, 8), torch.rand(2, 1, 8, 8)) is None  # under the 11×11 window
    clean = torch.rand(1, 1, 1, 16).expand(2, 1, 16, 16).contiguous()
    assert torch.allclose(R.ssim(clean, clean), torch.ones(2), atol=1e-4)
    noisy = R.corrupt(clean, R.Corruption("noise", sigma=0.1)).image
    louder = R.corrupt(clean, R.Corruption("noise", sigma=0.4)).image
    assert (R.ssim(louder, clean) < R.ssim(noisy, clean)).all() and (R.ssim(noisy, clean) < 0.99).all()


def test_ssim_agrees_with_torchmetrics():
    from torchmetrics.functional.image import structural_similarity_index_measure

    g = torch.Generator().manual_seed(0)
    for shape in [(3, 1, 28, 28), (2, 3, 16, 20), (1, 1, 11, 11)]:
        a = torch.rand(shape, generator=g)
        b = (a + 0.2 * torch.randn(shape, generator=g)).clamp(0, 1)
        theirs = structural_similarity_index_measure(b, a, data_range=1.0, reduction="none")
        assert torch.allclose(R.ssim(b, a), theirs.float(), atol=1e-4)


def _plane_pictures(n: int, seed: int = 0) -> torch.Tensor:
    """(n, 1, 8, 8) pictures on a 2-D affine plane: mean + a·u + b·v."""
    g = torch.Generator().manual_seed(seed)
    mean, u, v = (torch.rand(64, generator=g) * 0.4 + 0.3 for _ in range(3))
    ab = torch.rand(n, 2, generator=g) * 0.4 - 0.2
    return (mean + ab[:, :1] * (u - 0.5) + ab[:, 1:] * (v - 0.5)).view(n, 1, 8, 8)


def test_pca_baseline_recovers_pictures_of_its_subspace():
    pictures = _plane_pictures(205)  # one plane: the last 5 are new pictures on it
    train, test = pictures[:200], pictures[200:]
    baseline = R.fit_pca(train, n_components=2)
    assert baseline.pca.n_components_ == 2
    assert torch.allclose(baseline.reconstruct(test), test, atol=1e-5)
    assert torch.allclose(baseline.mean_image, train.mean(0), atol=1e-5)
    spoiled = R.corrupt(test, R.Corruption("mask", mask="bottom"), fill=baseline.mean_image)
    strip = baseline.complete(spoiled.image, spoiled.known, iterations=100)
    assert float((strip[-1] - test).abs().max()) < 1e-3 < float((strip[0] - test).abs().max())
    assert R.fit_pca(train[:3], n_components=50).pca.n_components_ == 3  # capped by the data


def test_code_search_fits_the_visible_pixels_better_than_the_encoder():
    torch.manual_seed(0)
    model = build_model(tiny_config("vae-mlp")).eval()
    x = torch.rand(4, 1, 8, 8)
    known = torch.ones(4, 1, 8, 8, dtype=torch.bool)
    known[..., 4:, :] = False
    found = R.search_code(model, x, known, std=0.1, steps=100)
    misfit = lambda picture: ((picture - x)[known.expand_as(x)] ** 2).mean()  # noqa: E731
    assert found.shape == x.shape and misfit(found) < misfit(R.restore(model, x))
    with pytest.raises(R.CorruptionError):
        R.search_code(build_model(tiny_config("vqvae")).eval(), x, known, std=0.1)
    assert R.error_std(R.Corruption("noise", sigma=0.3)) == 0.3 and R.error_std(R.Corruption("noise", sigma=0)) == 0.05


def test_median_filter_removes_an_isolated_speck():
    x = torch.full((1, 1, 8, 8), 0.2)
    specked = x.clone()
    specked[0, 0, 3, 4] = 1.0
    assert torch.equal(R.median_filter(specked), x)


def test_compare_works_for_every_family(family):
    config = tiny_config(family, image_shape=(1, 16, 16))
    torch.manual_seed(0)
    model = build_model(config).eval()
    assert R.baseline_components(model) == (16 if family == "vqvae" else 4)  # a 4×4 grid, or latent 4
    baseline = R.fit_pca(torch.rand(40, 1, 16, 16), R.baseline_components(model))
    x = torch.rand(3, 1, 16, 16)
    y = torch.tensor([1, 2, 3]) if model.num_classes else None
    searched = {"search"} if family != "vqvae" else set()  # code search needs a Gaussian latent
    before = [p.detach().clone() for p in model.parameters()]
    noisy = R.compare(model, baseline, x, R.Corruption("noise", sigma=0.2), y=y)
    assert set(noisy.restored) == {"model", "pca", "median"} | searched and not noisy.strips
    assert noisy.ssim is not None and set(noisy.ssim) == set(noisy.psnr) == {"corrupted", *noisy.restored}
    masked = R.compare(model, baseline, x, R.Corruption("mask", mask="top"), iterations=3, y=y)
    assert set(masked.restored) == {"model", "completion", "pca_completion"} | searched
    if searched:
        assert torch.equal(masked.restored["search"][..., 8:, :], x[..., 8:, :])
    # the model is shared between sessions: searching must leave its weights and gradients alone
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(p.grad is None for p in model.parameters())
    for strip in masked.strips.values():
        assert strip.shape == (4, 3, 1, 16, 16)
        assert torch.equal(strip[-1][..., 8:, :], x[..., 8:, :])  # the visible bottom half is kept


def _pretrained(name: str):
    config = TrainConfig.from_dict(read_run(ASSETS_DIR / name).config["train"])
    test = load_split(config, "test")
    model = load_model(ASSETS_DIR / name)
    return model, test, R.fit_pca(load_split(config, "train").images, R.baseline_components(model))


@pytest.mark.parametrize("name", ["digits-vae", "digits-cvae"])
def test_a_pretrained_model_raises_psnr(name):
    model, test, baseline = _pretrained(name)
    x, labels = test.images[:100], test.labels[:100]
    y = labels if model.num_classes else None
    noisy = R.compare(model, baseline, x, R.Corruption("noise", sigma=0.3), y=y)
    assert noisy.psnr["model"].mean() > noisy.psnr["corrupted"].mean() + 1.0
    assert noisy.psnr["search"].mean() > noisy.psnr["corrupted"].mean() + 2.0
    masked = R.compare(model, baseline, x, R.Corruption("mask", mask="bottom"), iterations=10, y=y)
    assert masked.psnr["completion"].mean() > masked.psnr["corrupted"].mean() + 0.5
    assert masked.psnr["search"].mean() > masked.psnr["corrupted"].mean() + 2.0


# --- uploads ---------------------------------------------------------------------------------------

def _png(picture: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt)
    return buffer.getvalue()


def test_a_png_at_the_model_size_comes_back_unchanged():
    pixels = (torch.arange(64).view(8, 8) * 4).clamp(max=255).to(torch.uint8)
    pixels[0, 0], pixels[7, 7] = 0, 255  # already full contrast: nothing to stretch
    image = image_from_bytes(_png(Image.fromarray(pixels.numpy())), (1, 8, 8), invert=False)
    assert image.shape == (1, 8, 8) and torch.allclose(image[0], pixels.float() / 255, atol=1e-6)
    rgb = image_from_bytes(_png(Image.fromarray(pixels.numpy()).convert("RGB"), "PNG"), (3, 8, 8), invert=False)
    assert rgb.shape == (3, 8, 8) and torch.equal(rgb[0], rgb[2])


def test_a_wide_picture_is_padded_not_stretched():
    picture = Image.new("L", (160, 80), 0)
    ImageDraw.Draw(picture).rectangle((70, 20, 90, 60), fill=255)  # a bar in the middle
    image = read_upload(_png(picture), (1, 16, 16)).image[0]
    assert image[:4].max() < 0.05 and image[12:].max() < 0.05  # padded rows stay black
    assert image[6:10, 7:9].min() > 0.5 and image[:, :5].max() < 0.05


def test_dark_on_light_pictures_are_inverted_by_default():
    picture = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(picture).ellipse((110, 30, 190, 170), outline="black", width=14)
    data = _png(picture, "JPEG")
    upload = read_upload(data, (1, 8, 8))
    assert upload.bright_border and upload.image[0, 0].mean() > 0.9
    inverted = image_from_bytes(data, (1, 8, 8))
    assert torch.allclose(inverted, 1 - upload.image) and inverted[0, 0].mean() < 0.1
    assert torch.equal(image_from_bytes(data, (1, 8, 8), invert=False), upload.image)
    light_on_dark = Image.new("L", (40, 40), 0)
    ImageDraw.Draw(light_on_dark).line((5, 5, 35, 35), fill=255, width=5)
    assert not read_upload(_png(light_on_dark), (1, 8, 8)).bright_border
    transparent = Image.new("RGBA", (40, 40), (0, 0, 0, 0))  # a black stroke on nothing: composited on white
    ImageDraw.Draw(transparent).line((5, 35, 35, 5), fill=(0, 0, 0, 255), width=5)
    assert read_upload(_png(transparent), (1, 8, 8)).bright_border


def _bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header declares width×height pixels, with a tiny (truncated) image stream."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    stream = chunk(b"IDAT", zlib.compress(b"\0" * 1000))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + stream + chunk(b"IEND", b"")


BAD_UPLOADS = {  # reason -> a file that has it
    "empty": lambda: b"",
    "not_image": lambda: b"hello, this is text",
    "gif": lambda: _png(Image.new("L", (8, 8)), "GIF"),  # a picture, but not a PNG or JPEG
    "cut_short": lambda: _png(Image.new("L", (64, 64), 128))[:60],
    "too_large": lambda: b"\x89PNG" + b"\0" * (11 * 2**20),
    "too_many_pixels": lambda: _bomb_png(100_000, 100_000),  # 10 gigapixels declared in a few bytes
    "too_small": lambda: _png(Image.new("L", (1, 1), 128)),  # one pixel: nothing to encode
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_raise_one_line_errors(case):
    reason = {"gif": "not_image", "cut_short": "not_image"}.get(case, case)
    with pytest.raises(BadUpload) as error:
        read_upload(BAD_UPLOADS[case](), (1, 8, 8))
    assert error.value.reason == reason and isinstance(error.value, ValueError) and "\n" not in str(error.value)


def test_the_pixel_limit_is_checked_before_decoding():
    side = int(MAX_PIXELS ** 0.5) + 1
    with pytest.raises(BadUpload, match="pixels"):
        read_upload(_bomb_png(side, side), (1, 8, 8))


def _blank_png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height), 0).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("size", [(2, 10_000_000), (1000, 40_000), (40_000, 1000)])
def test_a_thin_strip_is_refused_from_its_header(size):
    data = _blank_png(*size)
    assert len(data) < 100_000  # tiny files that decode to gigabytes
    with pytest.raises(BadUpload) as refused:
        read_upload(data, (1, 28, 28))
    assert refused.value.reason == "bad_shape" and "\n" not in str(refused.value)


def test_a_large_picture_is_shrunk_before_it_is_padded():
    picture = Image.new("L", (3000, 1500), 255)
    picture.paste(0, (1000, 500, 2000, 1000))  # a dark block in the middle of a white page
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    upload = read_upload(buffer.getvalue(), (1, 28, 28))
    assert upload.image.shape == (1, 28, 28) and upload.bright_border
    assert upload.image[0, 14, 14] < 0.1 and upload.image[0, 2, 2] > 0.9  # the block stays where it was
