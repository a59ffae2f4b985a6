"""The "copy link" button: the view on screen (kept in the URL by ui.url_state) onto the clipboard,
in the browser, with no round trip to the server. Plain JavaScript in ui/share_assets/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.i18n import t

ASSETS = Path(__file__).with_name("share_assets")
_copy_link = st.components.v2.component(
    "vae_copy_link", js=(ASSETS / "copy_link.js").read_text(encoding="utf-8"),
    css=(ASSETS / "copy_link.css").read_text(encoding="utf-8"))


def copy_link_button() -> None:
    """Draw the button (in the current container)."""
    _copy_link(key="copy_link", data={"label": t("copy_link"), "done": t("copy_link_done")},
               height="content")
