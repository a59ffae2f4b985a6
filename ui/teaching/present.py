"""Presenter mode, for a projector: the sidebar folded away, larger text and pictures, the advanced controls
folded away, and the page's picture on the first screen (1280×720).

A sidebar toggle, also `present=1` in the URL. Pages wrap their fine-tuning widgets in `advanced()`. The
teacher's notes are not projected: the lesson shows a slim bar here (ui.teaching.follow) and the notes open in
the speaker view (views/speaker.py).
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import t

KEY = "present"

# Sizes for the back of a classroom: text about 1.3× Streamlit's, headings to match, and the first screen of a
# projector (1280×720) spent on the picture:
# - the page starts beside the header's sidebar button (the header is see-through), not under Streamlit's 6rem;
# - while a lesson step is shown, its bar names it, so the page's own title is not repeated;
# - the page's intro and a section's explanatory text (the paragraph or caption right under a heading) are
#   self-study text the teacher says: not projected;
# - a button's label wraps where the larger text makes its column narrow, rather than being cut ("New samp…").
# --vl-font-size reaches the live views' shadow roots (ui/live_assets/live.css): custom properties inherit
# through them, plain selectors do not.
STYLE = """<style>
[data-testid="stMain"] { --vl-font-size: 1.25rem; }
[data-testid="stMain"] .stMarkdown p, [data-testid="stMain"] .stMarkdown li { font-size: 1.3rem; line-height: 1.45; }
[data-testid="stMain"] h1 { font-size: 2.2rem; padding: 0 0 0.4rem 2.75rem; }  /* clear of the sidebar button */
[data-testid="stMain"] h2 { font-size: 1.7rem; padding-top: 0.25rem; padding-bottom: 0.25rem; }
[data-testid="stMain"] h3, [data-testid="stMain"] h4 {
  font-size: 1.5rem; padding-top: 0.25rem; padding-bottom: 0.25rem; }
[data-testid="stMain"] .stElementContainer:has(h1) + .stElementContainer:has(.stMarkdown) { display: none; }
[data-testid="stMain"] .stElementContainer:has(h2, h3, h4)
  + .stElementContainer:has(.stMarkdown):not(:has(h1, h2, h3, h4, h5)) { display: none; }
[data-testid="stMain"]:has(.st-key-projector_bar .stMarkdown) .stElementContainer:has(h1) { display: none; }
[data-testid="stMain"] [data-testid="stWidgetLabel"] p { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 0.95rem; }
[data-testid="stMain"] button .stMarkdownEllipsis, [data-testid="stMain"] button .stMarkdownEllipsis p {
  white-space: normal; overflow: visible; text-overflow: clip; }
[data-testid="stMain"] hr { margin: 0.25rem 0; }
[data-testid="stHeader"] { background: transparent; }
[data-testid="stHeader"], [data-testid="stHeader"] * { pointer-events: none; }
[data-testid="stHeader"] button, [data-testid="stHeader"] a { pointer-events: auto; }
[data-testid="stMainBlockContainer"] { padding: 0.75rem 2rem 2rem 2rem; max-width: 100%; }
.st-key-projector_bar { padding-left: 2.75rem; }
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


def advanced(more=None):
    """Where a page draws controls a class does not need: in place normally, folded away when presenting.

    more: what an earlier call of this script run returned, to fold these controls into the same "More
    settings" (one per page, where its first folded control would be); ignored when not presenting."""
    if not is_on():
        return st.container()
    return more if more is not None else st.expander(t("present_more"), expanded=False)
