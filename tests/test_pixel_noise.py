"""The pixel_noise training setting (Ren et al. 2019's background model): the share of pixels replaced,
the noise they get, seeded draws that resume exactly, and the setting's checks and CLI flag."""

from __future__ import annotations

import pytest
import torch

from vae.training.checkpoint import load_model
from vae.cli import build_parser, settings_from_args
from vae.config import ConfigError, TrainConfig, split_settings
from vae.training.trainer import replace_pixels, resume, train

TINY = dict(family="vae", arch="mlp", hidden=(32,), latent_dim=4)
SMALL = TrainConfig(dataset="digits", limit=64, epochs=2, batch_size=16, seed=0, device="cpu", log_every=1,
                    grid_images=16, pixel_noise=0.25)


def test_replaced_share_is_the_fraction_and_the_noise_is_uniform():
    torch.manual_seed(0)
    x = torch.full((200, 3, 16, 16), 2.0)  # a value noise in [0, 1] never takes
    out = replace_pixels(x, 0.3)
    replaced = out != 2.0  # (B, C, H, W)
    # whole pixels are replaced: all three channels or none
    assert torch.equal(replaced.all(1), replaced.any(1))
    assert replaced[:, 0].float().mean() == pytest.approx(0.3, abs=0.01)
    noise = out[replaced]
    assert noise.min() >= 0 and noise.max() < 1
    assert noise.mean() == pytest.approx(0.5, abs=0.01) and noise.var() == pytest.approx(1 / 12, abs=0.005)
    assert torch.equal(x, torch.full_like(x, 2.0))  # the data on the device is never changed
    assert replace_pixels(x, 0.0) is x


def test_draws_follow_the_global_seed():
    x = torch.rand(8, 1, 8, 8)
    torch.manual_seed(5)
    a = replace_pixels(x, 0.5)
    torch.manual_seed(5)
    assert torch.equal(a, replace_pixels(x, 0.5))
    assert not torch.equal(a, replace_pixels(x, 0.5))


def test_a_noisy_run_trains_on_other_batches_and_resumes_exactly(tmp_path):
    train(TINY, SMALL, tmp_path / "straight")
    train(TINY, SMALL.replace(pixel_noise=0.0), tmp_path / "clean")
    noisy, clean = load_model(tmp_path / "straight").state_dict(), load_model(tmp_path / "clean").state_dict()
    assert not torch.equal(noisy["decoder.net.2.weight"], clean["decoder.net.2.weight"])
    stopped = train(TINY, SMALL, tmp_path / "stopped", callback=lambda e: e["step"] != 6)
    assert stopped.state == "stopped" and stopped.step == 6
    resume(tmp_path / "stopped")
    resumed = load_model(tmp_path / "stopped").state_dict()
    for key in noisy:
        torch.testing.assert_close(resumed[key], noisy[key], rtol=1e-6, atol=1e-7, msg=key)


@pytest.mark.parametrize("value", [-0.1, 1.0, float("nan")])
def test_pixel_noise_outside_0_1_is_refused(value):
    with pytest.raises(ConfigError, match="pixel noise must be (a number >= 0|below 1)"):
        TrainConfig(pixel_noise=value)


def test_cli_flag_reaches_the_config():
    _, config = split_settings(settings_from_args(build_parser().parse_args(["train", "--pixel-noise", "0.2"])))
    assert config.pixel_noise == 0.2
    _, default = split_settings(settings_from_args(build_parser().parse_args(["train"])))
    assert default.pixel_noise == 0.0
