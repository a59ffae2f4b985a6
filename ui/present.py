"""Presenter mode, for a projector: the sidebar folded away, larger text and pictures, the advanced controls
folded away, and the page's picture on the first screen (1280×720).

A sidebar toggle, also `present=1` in the URL. Pages wrap their fine-tuning widgets in `advanced()`. The
teacher's notes are not projected: the lesson shows a slim bar here (ui.classroom) and the notes open in
the speaker view (views/speaker.py).
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import t

KEY = "present"

# Sizes for the back of a classroom: text about 1.3× Streamlit's, headings to match, but the top of the page
# kept short so a projector's 720 px reach the picture: Streamlit's 6rem top padding (room for its header)
# shrinks to what the header's own button needs; the page's intro (self-study text: the teacher says it) is
# not projected, and a heading's explanatory paragraph is set at reading size rather than enlarged.
# --vl-font-size reaches the live views' shadow roots (ui/live_assets/live.css): custom properties inherit
# through them, plain selectors do not.
STYLE = """<style>
[data-testid="stMain"] { --vl-font-size: 1.25rem; }
[data-testid="stMain"] .stMarkdown p, [data-testid="stMain"] .stMarkdown li { font-size: 1.3rem; line-height: 1.45; }
[data-testid="stMain"] h1 { font-size: 2.2rem; padding-top: 0; padding-bottom: 0.4rem; }
[data-testid="stMain"] h2 { font-size: 1.7rem; padding-top: 0.5rem; }
[data-testid="stMain"] h3, [data-testid="stMain"] h4 { font-size: 1.5rem; }
[data-testid="stMain"] .stElementContainer:has(h1) + .stElementContainer:has(.stMarkdown) { display: none; }
[data-testid="stMain"] .stElementContainer:has(h2, h3) + .stElementContainer .stMarkdown p { font-size: 1.05rem; line-height: 1.4; }
[data-testid="stMain"] [data-testid="stWidgetLabel"] p { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 0.95rem; }
[data-testid="stMain"] hr { margin: 0.5rem 0; }
[data-testid="stMainBlockContainer"] { padding: 3.25rem 2rem 2rem 2rem; max-width: 100%; }
</style>"""


def is_on() -> bool:
    return bool(st.session_state.get(KEY, False))


def apply() -> None:
    """The presenter's layout, when presenter mode is on (call once per run, before the page draws).

    The sidebar starts collapsed while presenting. Streamlit honours this in a browser that has not
    collapsed or opened the sidebar by hand: a hand's choice is remembered by the browser and wins."""
    on = is_on()
    st.set_page_config(initial_sidebar_state="collapsed" if on else "auto")
    if on:
        st.html(STYLE)


def turn_off() -> None:
    """Button callback: leave presenter mode (callbacks run before the sidebar's toggle is drawn)."""
    st.session_state[KEY] = False


def advanced():
    """Where a page draws controls a class does not need: in place normally, folded away when presenting."""
    return st.expander(t("present_more"), expanded=False) if is_on() else st.container()
