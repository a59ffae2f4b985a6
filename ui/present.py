"""Presenter mode, for a projector: larger text and pictures, the advanced controls folded away.

A sidebar toggle, also `present=1` in the URL. Pages wrap their fine-tuning widgets in `advanced()`.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import t

KEY = "present"

# Sizes for the back of a classroom at 1400×900: text about 1.4× Streamlit's, headings to match.
STYLE = """<style>
[data-testid="stMain"] .stMarkdown p, [data-testid="stMain"] .stMarkdown li { font-size: 1.35rem; line-height: 1.5; }
[data-testid="stMain"] h1 { font-size: 3rem; }
[data-testid="stMain"] h2 { font-size: 2.2rem; }
[data-testid="stMain"] h3, [data-testid="stMain"] h4 { font-size: 1.7rem; }
[data-testid="stMain"] [data-testid="stWidgetLabel"] p { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 1.1rem; }
[data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; max-width: 100%; }
</style>"""


def is_on() -> bool:
    return bool(st.session_state.get(KEY, False))


def apply() -> None:
    """The presenter's style, when presenter mode is on (call once per run, before the page draws)."""
    if is_on():
        st.html(STYLE)


def advanced():
    """Where a page draws controls a class does not need: in place normally, folded away when presenting."""
    return st.expander(t("present_more"), expanded=False) if is_on() else st.container()
