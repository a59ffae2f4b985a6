"""Opening a page from a link under AppTest: `open_with("views/x.py", model="digits-vae", pic="3")` is the
page on a fresh session whose URL carries those query parameters, after its first run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.catalog import ROOT


def open_with(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=180)
    at.query_params.update(params)
    return at.run()
