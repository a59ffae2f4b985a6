"""How the app names what a model holds, one rule each and in the reader's language: latent
dimensions (z0 … z{D-1}, as the code's indices and the traversal's sliders count them), the shapes'
factors and the datasets' classes (a name the table does not know, a folder's class say, stays as it is)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.i18n import t, table

if TYPE_CHECKING:  # vae.metrics.disentanglement.naming imports PyTorch, which the first page is drawn without
    from vae.metrics.disentanglement.naming import DimensionRole


def dim_name(d: int) -> str:
    """Latent dimension d's name."""
    return f"z{d}"


def factor_name(name: str) -> str:
    """A ground-truth factor's name (pos_x -> "x position" / "横向位置")."""
    key = f"factor_{name}"
    return t(key) if key in table() else name


def class_label(name: str) -> str:
    """A class's name (Fashion-MNIST's "Ankle boot" -> "短靴" in Chinese)."""
    key = f"classname_{name}"
    return t(key) if key in table() else name


def role_name(role: DimensionRole, factor_names) -> str:
    """What a dimension holds, by vae.metrics.disentanglement.naming's rule: "x position", "mixed: x position + y position",
    "partly size", "unused" or "collapsed"."""
    names = [factor_name(factor_names[f]) for f in role.factors]
    if role.kind == "factor":
        return names[0]
    if role.kind == "mixed":
        return t("dim_mixed", a=names[0], b=names[1]) if len(names) > 1 else t("dim_partly", a=names[0])
    return t("traversal_collapsed") if role.kind == "collapsed" else t("dim_unused")


def dim_label(d: int, role: DimensionRole | None, factor_names) -> str:
    """ "z3 · x position", or "z3" when nothing is known of what it holds."""
    return f"{dim_name(d)} · {role_name(role, factor_names)}" if role is not None else dim_name(d)
