"""The "copy link" button: the view on screen (kept in the URL by ui.url_state) onto the clipboard,
in the browser, with no round trip to the server (plain JavaScript in ui/share_assets/); and the address
that links handed to students start with (public_origin)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

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


# --- The address students use ---------------------------------------------------------------------------

PUBLIC_URL_ENV = "VAE_PUBLIC_URL"  # e.g. http://192.168.1.20:8501: the address links handed out start with
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0")


def public_origin() -> str:
    """The address (scheme://host[:port][/base]) that links handed to students start with: the configured public
    address (VAE_PUBLIC_URL, else Streamlit's browser.serverAddress when set), else the address the teacher's
    browser used (st.context.url, else the request's X-Forwarded-Host / Host); "" when none is known."""
    from streamlit import config

    configured = urlsplit(os.environ.get(PUBLIC_URL_ENV, "").strip())
    if configured.scheme in ("http", "https") and configured.netloc:  # else not an address: ignored
        return f"{configured.scheme}://{configured.netloc}{configured.path.rstrip('/')}"
    base = "/" + config.get_option("server.baseUrlPath").strip("/") if config.get_option("server.baseUrlPath") else ""
    if config.is_manually_set("browser.serverAddress"):
        return f"http://{config.get_option('browser.serverAddress')}:{config.get_option('browser.serverPort')}{base}"
    if st.context.url:
        parts = urlsplit(st.context.url)
        return f"{parts.scheme}://{parts.netloc}{base}"
    headers = st.context.headers
    host = headers.get("X-Forwarded-Host") or headers.get("Host")
    if host and _HOST.fullmatch(host.split(",")[0].strip()):
        scheme = (headers.get("X-Forwarded-Proto") or "http").split(",")[0].strip()
        return f"{'https' if scheme == 'https' else 'http'}://{host.split(',')[0].strip()}{base}"
    return ""


def is_loopback(origin: str) -> bool:
    """An address only the machine serving the app can open (a handout's links would fail elsewhere)."""
    return urlsplit(origin).hostname in {h.strip("[]") for h in LOOPBACK_HOSTS}


def network_origin() -> str | None:
    """This server's address on the local network, as `streamlit run` prints it ("Network URL"); None when it
    has none."""
    from streamlit import config
    from streamlit.net_util import get_internal_ip

    ip = get_internal_ip()
    if not ip or ip.startswith("127."):
        return None
    return f"http://{ip}:{config.get_option('server.port')}"


_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")  # a header is untrusted text
