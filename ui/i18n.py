"""The translation table: every user-facing string, in English and Simplified Chinese.

Strings live in `ui/strings/<area>.py` as `STRINGS = {key: (english, chinese)}`, one file per
page or area so pages can grow without touching each other; `t(key)` looks them up.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

import streamlit as st

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=1)
def table() -> dict[str, tuple[str, str]]:
    """Every string of every area, merged; a key defined twice is a bug and raises."""
    from ui import strings

    merged: dict[str, tuple[str, str]] = {}
    for module_info in pkgutil.iter_modules(strings.__path__):
        module = importlib.import_module(f"ui.strings.{module_info.name}")
        for key, pair in module.STRINGS.items():
            if key in merged:
                raise KeyError(f"translation key '{key}' is defined twice (ui/strings/{module_info.name}.py)")
            merged[key] = pair
    return merged


def language() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def t(key: str, **values) -> str:
    """The string for key in the current language, formatted with values."""
    english, chinese = table()[key]
    text = chinese if language() == "zh" else english
    return text.format(**values) if values else text


def series(values: list[float], digits: int) -> str:
    """Numbers along a ladder, as running text in either language: "0.05 → 0.06 → 0.35"."""
    return " → ".join(f"{v:.{digits}f}" for v in values)
