"""vae.families: a family is one object that pages and tools ask, never a name they compare; each family has
its strings in both languages and builds a model of the shared interface."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from ui.i18n import table
from vae import families
from vae.config import FAMILIES, ModelConfig
from vae.models import build_model

REPO = Path(__file__).resolve().parents[1]
FAMILY_NAMES = set(families.FAMILIES)
# The questions a family object answers; asking them by another route is a family branch.
OLD_TRAITS = {"has_gaussian_latent", "is_vector_quantized", "is_conditional", "is_weakly_supervised", "is_tcvae",
              "is_plain_vae", "is_beta_vae"}


def family_branches(path: Path) -> list[str]:
    """Places in a source file that compare a family by name or ask an old trait: `x.family == "vqvae"`,
    `family in ("vae", "cvae")`, `entry.is_vector_quantized`, a dict keyed by family names, ..."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in OLD_TRAITS:
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            names = [s for s in sides if isinstance(s, ast.Constant) and s.value in FAMILY_NAMES]
            names += [e for s in sides if isinstance(s, (ast.Tuple, ast.List, ast.Set)) for e in s.elts
                      if isinstance(e, ast.Constant) and e.value in FAMILY_NAMES]
            if names:
                found.append(f"{path.name}:{node.lineno} compares {names[0].value!r}")
        elif isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if len(keys) >= 2 and sum(k in FAMILY_NAMES for k in keys) >= 2:
                found.append(f"{path.name}:{node.lineno} a dict keyed by family names")
    return found


def test_the_detector_finds_branches(tmp_path):
    source = tmp_path / "page.py"
    source.write_text('if entry.is_vector_quantized:\n    pass\nif m.family == "vqvae" or f in ("vae", "cvae"):\n'
                      '    pass\nKEYS = {"vae": 1, "tcvae": 2}\n')
    assert len(family_branches(source)) == 4


def test_no_family_branches_in_pages_and_ui():
    files = sorted(REPO.glob("views/*.py")) + sorted(p for p in REPO.glob("ui/**/*.py") if "strings" not in p.parts)
    branches = [b for path in files for b in family_branches(path)]
    assert branches == [], f"ask the family object (entry.kind) instead: {branches}"


def test_the_schema_lists_the_registry():
    assert FAMILIES == tuple(families.FAMILIES)
    assert set(families.names(posterior=True)) == {"vae", "tcvae", "cvae", "adagvae"}
    assert families.names(supervision="pairs") == ("adagvae",)


@pytest.mark.parametrize("name", list(families.FAMILIES))
def test_every_family_has_its_strings(name):
    strings = table()
    kind = families.family(name)
    keys = [kind.label_key(1.0), kind.label_key(4.0), f"choice_family_{name}"]
    keys += [f"dis_label_{name}"] if kind.posterior else []  # the disentanglement page scores posteriors only
    for key in keys:
        english, chinese = strings[key]
        assert english and chinese


@pytest.mark.parametrize("name", list(families.FAMILIES))
def test_every_family_builds_a_model_it_describes(name):
    kind = families.family(name)
    config = ModelConfig(family=name, arch="conv", hidden=(16, 32), latent_dim=4, image_shape=(1, 16, 16),
                         num_classes=10)
    assert config.kind is kind
    model = build_model(config)
    x = torch.rand(3, 1, 16, 16)
    y = torch.arange(3) if kind.conditional else None
    code, logvar = model.encode(x, y)
    assert code.shape == (3, model.latent_dim)
    assert (logvar is not None) == kind.posterior  # a posterior is exactly what encode's second output says
    assert model.decode(code, y).shape == x.shape
    assert torch.isfinite(model.loss(x, y)["loss"])
    assert kind.likelihood_score in ("neg_elbo", "recon") and kind.text_key("k").startswith("k")


def test_every_family_is_in_the_parametrized_tests():
    from conftest import FAMILIES as VARIANTS

    assert {v["family"] for v in VARIANTS.values()} == set(families.FAMILIES)


def test_a_new_family_is_one_class(monkeypatch):
    """Registering a subclass is all the library needs: it is found by name, asked like the others and builds."""
    monkeypatch.setattr(families, "FAMILIES", dict(families.FAMILIES))

    @families.register
    class Toy(families.Family):
        name = "toy"
        supervision = "labels"

    kind = families.family("toy")
    assert kind.conditional and kind.posterior and not kind.codes and kind.label_key() == "family_toy"
    assert "toy" in families.names(posterior=True)
    assert families.family("toy").build(ModelConfig(latent_dim=2, image_shape=(1, 8, 8))).latent_dim == 2
