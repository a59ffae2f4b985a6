"""Encoder and decoder bodies shared by every model family: MLP and stride-2 conv stacks.

A class label, when given, enters as a one-hot vector: concatenated to the flat input of an
MLP, or broadcast as extra constant channels of a conv encoder; the decoder sees it next to z.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class MLPEncoder(nn.Module):
    """(B, C, H, W) [+ one-hot (B, K)] -> (B, out_features)."""

    def __init__(self, image_shape, hidden, out_features: int, num_classes: int = 0):
        super().__init__()
        in_features = math.prod(image_shape) + num_classes
        self.net = nn.Sequential(_mlp([in_features, *hidden]), nn.ReLU(), nn.Linear(hidden[-1], out_features))

    def forward(self, x: torch.Tensor, y_onehot: torch.Tensor | None = None) -> torch.Tensor:
        h = x.flatten(1)
        if y_onehot is not None:
            h = torch.cat([h, y_onehot], dim=1)
        return self.net(h)


class MLPDecoder(nn.Module):
    """(B, D) [+ one-hot (B, K)] -> image parameters (B, C, H, W)."""

    def __init__(self, image_shape, hidden, latent_dim: int, num_classes: int = 0):
        super().__init__()
        self.image_shape = tuple(image_shape)
        widths = list(reversed(hidden))
        self.net = nn.Sequential(
            _mlp([latent_dim + num_classes, *widths]), nn.ReLU(), nn.Linear(widths[-1], math.prod(image_shape))
        )

    def forward(self, z: torch.Tensor, y_onehot: torch.Tensor | None = None) -> torch.Tensor:
        if y_onehot is not None:
            z = torch.cat([z, y_onehot], dim=1)
        return self.net(z).view(-1, *self.image_shape)


def conv_stages(channels_in: int, widths) -> nn.Sequential:
    """Stride-2 4×4 convs: each halves height and width. (B, C, H, W) -> (B, w[-1], H/2^n, W/2^n)."""
    layers: list[nn.Module] = []
    for width in widths:
        layers += [nn.Conv2d(channels_in, width, 4, stride=2, padding=1), nn.ReLU()]
        channels_in = width
    return nn.Sequential(*layers)


def deconv_stages(widths, channels_out: int) -> nn.Sequential:
    """Mirror of conv_stages: stride-2 transposed convs, each doubling size; no final activation."""
    layers: list[nn.Module] = []
    widths = list(reversed(widths))
    for i, width in enumerate(widths):
        out = widths[i + 1] if i + 1 < len(widths) else channels_out
        layers.append(nn.ConvTranspose2d(width, out, 4, stride=2, padding=1))
        if i + 1 < len(widths):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class ConvEncoder(nn.Module):
    """(B, C, H, W) [+ one-hot (B, K)] -> (B, out_features) through conv stages and a dense layer."""

    def __init__(self, image_shape, hidden, out_features: int, fc: int, num_classes: int = 0):
        super().__init__()
        channels, height, width = image_shape
        scale = 2 ** len(hidden)
        self.convs = conv_stages(channels + num_classes, hidden)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(hidden[-1] * (height // scale) * (width // scale), fc), nn.ReLU(),
            nn.Linear(fc, out_features),
        )

    def forward(self, x: torch.Tensor, y_onehot: torch.Tensor | None = None) -> torch.Tensor:
        if y_onehot is not None:
            planes = y_onehot[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
            x = torch.cat([x, planes], dim=1)
        return self.head(self.convs(x))


class ConvDecoder(nn.Module):
    """(B, D) [+ one-hot (B, K)] -> image parameters (B, C, H, W); the mirror of ConvEncoder."""

    def __init__(self, image_shape, hidden, latent_dim: int, fc: int, num_classes: int = 0):
        super().__init__()
        channels, height, width = image_shape
        scale = 2 ** len(hidden)
        self.grid = (hidden[-1], height // scale, width // scale)
        self.dense = nn.Sequential(
            nn.Linear(latent_dim + num_classes, fc), nn.ReLU(), nn.Linear(fc, math.prod(self.grid)), nn.ReLU()
        )
        self.deconvs = deconv_stages(hidden, channels)

    def forward(self, z: torch.Tensor, y_onehot: torch.Tensor | None = None) -> torch.Tensor:
        if y_onehot is not None:
            z = torch.cat([z, y_onehot], dim=1)
        return self.deconvs(self.dense(z).view(-1, *self.grid))


def build_encoder_decoder(config, out_features: int) -> tuple[nn.Module, nn.Module]:
    """The encoder (to out_features) and decoder (from latent_dim) that config.arch names."""
    k = config.num_classes if config.kind.conditional else 0
    if config.arch == "mlp":
        return (MLPEncoder(config.image_shape, config.hidden, out_features, k),
                MLPDecoder(config.image_shape, config.hidden, config.latent_dim, k))
    return (ConvEncoder(config.image_shape, config.hidden, out_features, config.conv_fc, k),
            ConvDecoder(config.image_shape, config.hidden, config.latent_dim, config.conv_fc, k))
