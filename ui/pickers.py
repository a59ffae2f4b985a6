"""The class picker, and the "pick a class, then a picture" picker of every page that starts from a test
picture."""

from __future__ import annotations

import random

import numpy as np
import streamlit as st
import torch

from ui import url_state
from ui.catalog import ModelEntry
from ui.i18n import t
from ui.images import to_pil
from ui.state import keep_valid
from vae.data import ImageData

ANY = -1  # the class option "any class"


def class_names(entry: ModelEntry, data: ImageData) -> tuple[str, ...]:
    """The current model's name of every class in its test labels ("0", "1", ... where it has none);
    () for unlabelled data."""
    if data.labels is None or not len(data.labels):
        return ()
    count = int(data.labels.max()) + 1
    names = entry.class_labels
    return names if len(names) >= count else tuple(str(k) for k in range(count))


def class_members(labels: np.ndarray | torch.Tensor | None, k: int | None, n: int) -> np.ndarray:
    """Test indices of class k in order, of n pictures (all of them when unlabelled, or for k None or ANY)."""
    if labels is None or k is None or k == ANY:
        return np.arange(n)
    return np.flatnonzero(np.asarray(labels) == k)


def pick_class(key: str, names: tuple[str, ...] | list[str], label: str, *, place=st, any_label: str | None = None,
               default: int = 0, help: str | None = None, param: str | None = None, **widget) -> int:
    """A selectbox of class numbers shown by the current model's names -> the class (ANY for any_label,
    offered first and the default when given). Keyed by `key` alone (no model path in it); param: the URL
    query parameter that holds the class number (ui.url_state); widget: more selectbox arguments."""
    names = tuple(names)
    options = [ANY, *range(len(names))] if any_label else list(range(len(names)))
    keep_valid(key, options, ANY if any_label else min(max(default, 0), len(names) - 1), shown=names, restart=False)
    if param:
        url_state.restore(param, key, url_state.integer(0, len(names) - 1))
    chosen = place.selectbox(label, options, key=key, help=help,
                             format_func=lambda c: any_label if c == ANY else names[c], **widget)
    if param:
        url_state.keep(param, None if chosen == ANY else chosen)
    return chosen


def show_picture(prefix: str, labels, index: int, names: tuple[str, ...] | None = None) -> None:
    """Make the picker {prefix} show test picture `index` (from a callback, or before its widgets are drawn).

    labels: the test labels (None when unlabelled). A picker set to "any class" keeps it; otherwise it moves
    to the picture's class. names: the class names the picker will show (keep_valid's `shown` marker), so a
    picker drawn for the first time does not start over at its default class."""
    state = st.session_state
    if labels is None or state.get(f"{prefix}_class") == ANY:
        state[f"{prefix}_index"] = index
        return
    k = int(labels[index])
    state[f"{prefix}_class"] = k
    if names is not None:
        state[f"{prefix}_class__shown"] = names
    state[f"{prefix}_index"] = int(class_members(labels, k, len(labels)).tolist().index(index))


def _restore_picture(param: str, prefix: str, data: ImageData, names: tuple[str, ...]) -> None:
    """A link's test index -> the picker's class and position within it."""
    index = url_state.take(param, url_state.integer(0, len(data) - 1))
    if index is not None:
        show_picture(prefix, data.labels if names else None, index, names)


def _random_picture(prefix: str, labels: list[int] | None, count: int) -> None:
    # A callback runs before the script, while the picker's widgets may still be changed.
    show_picture(prefix, labels, random.randrange(count))


def pick_picture(prefix: str, entry: ModelEntry, data: ImageData, *, any_class: bool = False, default_class: int = 0,
                 class_label: str | None = None, thumbnail: int | None = None, random_button: bool = True,
                 stacked: bool = False, param: str | None = None) -> int | None:
    """A class (labelled data only), which picture of it and a random button -> the test index, or None
    (with a warning) when the class has no test pictures.

    Keys: {prefix}_class, {prefix}_index, {prefix}_random. any_class: offer "any class" first, as the
    default; default_class: the class shown first otherwise; class_label: the class box's label (default
    "Class"); thumbnail: draw the picture this many pixels wide under the widgets; stacked: widgets one
    under another (in a narrow column) instead of in one row; param: the URL query parameter that holds
    the test index (ui.url_state)."""
    names = class_names(entry, data)
    if param:
        _restore_picture(param, prefix, data, names)
    class_box, index_box, button_box = [st.container()] * 3 if stacked else st.columns([3, 2, 2],
                                                                                        vertical_alignment="bottom")
    k = ANY
    if names:
        k = pick_class(f"{prefix}_class", names, class_label or t("class"), place=class_box, default=default_class,
                       any_label=t("any_class") if any_class else None)
    if random_button:
        button_box.button(t("random_picture"), key=f"{prefix}_random", on_click=_random_picture, icon=":material/casino:",
                          args=(prefix, None if data.labels is None else data.labels.tolist(), len(data)))
    chosen = class_members(data.labels, k, len(data))
    if not len(chosen):
        st.warning(t("no_pictures"))
        return None
    keep_valid(f"{prefix}_index", range(len(chosen)), 0)
    which = index_box.number_input(t("index"), min_value=0, max_value=len(chosen) - 1, step=1, key=f"{prefix}_index",
                                   help=t("picture_index_help", count=len(chosen)))
    index = int(chosen[int(which)])
    if param:
        url_state.keep(param, index)
    if thumbnail:
        index_box.image(to_pil(data.images[index], thumbnail), caption=f"{t('index')} #{index}", width=thumbnail,
                        output_format="PNG")
    return index
