"""How the app names what a model holds, one rule each and in the reader's language: latent
dimensions (z0 … z{D-1}, as the code's indices and the traversal's sliders count them), the shapes'
factors and the datasets' classes (a name the table does not know, a folder's class say, stays as it is)."""

from __future__ import annotations

from ui.i18n import t, table


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
