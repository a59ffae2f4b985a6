"""Opening a page from a link under AppTest: `open_with("views/x.py", model="digits-vae", pic="3")` is the
page on a fresh session whose URL carries those query parameters, after its first run."""

from __future__ import annotations

from html.parser import HTMLParser

from streamlit.testing.v1 import AppTest

from ui.catalog import ROOT


def open_with(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=180)
    at.query_params.update(params)
    return at.run()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs)["href"])


def hrefs(html: str) -> list[str]:
    """Every <a>'s href in a page (a handout), in order."""
    parser = _Links()
    parser.feed(html)
    return parser.links
