"""Session-state rules every page shares: a remembered choice stays one the current model offers, and a
"new samples" button moves its seed on."""

from __future__ import annotations

from collections.abc import Container, Hashable

import streamlit as st


def keep_valid(key: str, options: Container, default, shown: Hashable | None = None, restart: bool = True) -> None:
    """Before the widget is drawn: a choice remembered from another model (a 10th class, a test index past
    this model's count), or none yet, becomes default; its widget then takes no default of its own.

    shown: how the options look (their labels, e.g. the model's class names). When it differs from the
    last run's, the choice starts over at default too: a value set here is sent to the browser, which
    would otherwise keep showing the previous model's label until the value changes. restart=False keeps a
    choice that is still valid (re-set, so its new label is sent): labels also change with the language."""
    marker = f"{key}__shown"
    if shown is not None and st.session_state.get(marker) != shown:
        st.session_state[marker] = shown
        current = st.session_state.get(key)
        st.session_state[key] = current if not restart and current in options else default
    elif st.session_state.get(key) not in options:
        st.session_state[key] = default


def next_seed(key: str) -> None:
    """Button callback: the next seed, so the same settings draw new randomness."""
    st.session_state[key] = int(st.session_state.get(key, 0)) + 1


def carry(key: str, options: Container, default) -> None:
    """Before a widget every page draws (the language, the model) is drawn: the value it had on the last
    page, else default. Kept in a plain session copy too, because after a page switch the widget's own
    value only comes back once the widget is drawn again, which is after the page has read it."""
    value = st.session_state.get(key, st.session_state.get(f"{key}__carried"))
    st.session_state[key] = value if value in options else default


def carried(key: str, value) -> None:
    """After that widget is drawn: the value the next page starts from."""
    st.session_state[f"{key}__carried"] = value
