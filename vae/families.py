"""The model families, one object each: what a family is and can do, asked by pages and tools instead of
comparing family names.

A family says what its code is (a Gaussian posterior over a vector z, or a grid of discrete codes), what
supervision it trains with, which settings defaults are its own and what names it, and builds its model.
Adding a family is one subclass registered here (its loss lives with its model in vae.models) plus its
strings in ui/strings. No PyTorch at import: the settings schema (vae.config) and the
home page read these before torch is imported; `build` imports the model classes when it runs.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Family:
    """One model family. Class attributes say what it can do; subclasses override them."""

    name: ClassVar[str]
    posterior: ClassVar[bool] = True  # encode(x) -> (mu, logvar): a N(0, I) prior over a vector z, so sliders,
    #                                   traversals, KL per dimension, ELBO bounds and code search all apply
    supervision: ClassVar[str] = "none"  # "none", "labels" (told the class) or "pairs" (told which pictures differ)
    total_correlation: ClassVar[bool] = False  # β weighs the total correlation, not the whole KL (β-TCVAE)
    beta_ladder: ClassVar[bool] = False  # the plain (β-)VAE: β weighs the whole KL, nothing else changes
    defaults: ClassVar[dict[str, Any]] = {}  # its own defaults for settings of vae.config (field -> value)
    text_suffix: ClassVar[str] = ""  # the suffix of its own variant of a page's text ("_vq": codes, not numbers)

    @property
    def codes(self) -> bool:
        """True when z is a grid of discrete codebook rows (the codes page, a learned prior over code grids)."""
        return not self.posterior

    @property
    def conditional(self) -> bool:
        """True when encoder and decoder take a class label."""
        return self.supervision == "labels"

    @property
    def pairs(self) -> bool:
        """True when trained on pairs of pictures that share all factors but a few (weak supervision)."""
        return self.supervision == "pairs"

    @property
    def unsupervised(self) -> bool:
        return self.supervision == "none"

    @property
    def likelihood_score(self) -> str:
        """Its bound on −log p(x) before any correction: −ELBO with a posterior, the reconstruction otherwise."""
        return "neg_elbo" if self.posterior else "recon"

    @property
    def live_decoding(self) -> bool:
        """Whether its decoder runs in the browser from a vector z (a code grid would need the codebook)."""
        return self.posterior

    @property
    def ships_home_pictures(self) -> bool:
        """Whether its samples depend on the checkpoint alone (a code grid's prior is trained and replaced apart)."""
        return self.posterior

    def label_key(self, beta: float = 1.0) -> str:
        """The string-table key of its name (ui/strings)."""
        return f"family_{self.name}"

    def text_key(self, key: str) -> str:
        """A page's text key in this family's variant (the key itself for most families)."""
        return key + self.text_suffix

    def build(self, config):
        """A freshly initialized model for config (a vae.config.ModelConfig of this family)."""
        from vae.models import VAE

        return VAE(config)


FAMILIES: dict[str, Family] = {}


def register(cls: type[Family]) -> type[Family]:
    FAMILIES[cls.name] = cls()
    return cls


@register
class BetaVAE(Family):
    """VAE (Kingma & Welling 2014) and β-VAE (Higgins et al. 2017): β weighs the whole KL; controlled capacity
    (Burgess et al. 2018) and free bits are settings of the same objective."""

    name = "vae"
    beta_ladder = True

    def label_key(self, beta: float = 1.0) -> str:
        return "family_beta_vae" if beta != 1 else "family_vae"


@register
class BetaTCVAE(Family):
    """β-TCVAE (Chen et al. 2018): β weighs the total correlation of the minibatch-weighted KL decomposition."""

    name = "tcvae"
    total_correlation = True


@register
class ConditionalVAE(Family):
    """Conditional VAE (Sohn et al. 2015): encoder and decoder are told the class."""

    name = "cvae"
    supervision = "labels"


@register
class VQVAE(Family):
    """VQ-VAE (van den Oord et al. 2017): a grid of codebook rows, sampled through a learned prior."""

    name = "vqvae"
    posterior = False
    defaults = {"arch": "conv", "latent_dim": 16}
    text_suffix = "_vq"

    def build(self, config):
        from vae.models import VQVAE as Model

        return Model(config)


@register
class AdaGVAE(Family):
    """Ada-GVAE (Locatello et al. 2020, "Weakly-Supervised Disentanglement Without Compromises"): trained on pairs
    of pictures that share all factors but a few, with the posteriors averaged on the dimensions that look shared."""

    name = "adagvae"
    supervision = "pairs"


def family(name: str) -> Family:
    """The family called name; KeyError for an unknown one."""
    return FAMILIES[name]


def names(**wanted: Any) -> tuple[str, ...]:
    """The names of the families whose attributes equal `wanted` (e.g. names(posterior=True)), in registry order."""
    return tuple(n for n, f in FAMILIES.items() if all(getattr(f, k) == v for k, v in wanted.items()))
