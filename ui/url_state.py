"""Views that can be shared: a page's main choices live in the URL's query parameters.

A page calls `restore(name, key, parse)` just before drawing the widget whose value the parameter
holds, and `keep(name, value)` once it knows the value it uses. A parameter that arrives from
outside (a link opened on a fresh server, a reload, a lesson step) is parsed and validated once and
put into the widget's session state; a bad one falls back to the page's default with a short notice.
Every other run writes the page's values back, so the address bar always holds the view on screen.
`navigate(url_path, query)` opens another page's view as one entry of the browser's history.

Not Streamlit's own `bind="query-params"`: it writes an option widget's *formatted* label into the
URL (a translated class name, the model picker's long label), so a link would depend on the language
it was copied in, and it drops a bad value without a word.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlencode

import streamlit as st

from ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

SEEN = "_url_seen"  # {parameter: the text this session last read from, or wrote to, the URL}
SEEN_PAGE = "_url_seen_page"  # the page (its script hash) that SEEN belongs to
LIST_SEPARATOR = ","


class BadValue(ValueError):
    """A query parameter that does not name a value this page offers."""


def _seen() -> dict[str, str]:
    """This page's record of the URL. Another page's record is forgotten: the widgets of a page that is not
    drawn lose their state, so on arrival (a menu click, Back, Forward) every parameter in the URL is news."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    page = context.page_script_hash if context is not None else None
    if st.session_state.get(SEEN_PAGE) != page:
        st.session_state[SEEN_PAGE] = page
        st.session_state[SEEN] = {}
    return st.session_state.setdefault(SEEN, {})


def incoming(name: str) -> str | None:
    """The URL's text for `name` when it came from outside this session's own writes, else None.

    Each outside value is returned once: after that the widget owns the value and the URL follows it."""
    claim(name)
    raw = st.query_params.get(name)
    seen = _seen()
    if raw is None or seen.get(name) == raw:
        return None
    seen[name] = raw
    return raw


def take(name: str, parse: Callable[[str], Any]) -> Any | None:
    """The URL's value for `name` when it came from outside, parsed (parse raises BadValue/ValueError for a
    value this page does not offer: then the notice, and None); None when there is nothing new."""
    raw = incoming(name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except ValueError:
        refuse(name, raw)
        return None


def restore(name: str, key: str, parse: Callable[[str], Any]) -> bool:
    """Put the URL's new value for `name` (see take) into st.session_state[key], before the widget with
    that key is drawn. True when a value was applied."""
    value = take(name, parse)
    if value is None:
        return False
    st.session_state[key] = value
    return True


def refuse(name: str, raw: str) -> None:
    """The one notice for a parameter the page cannot use; the parameter leaves the URL."""
    st.toast(t("url_bad_value", name=name, value=raw[:40]), icon=":material/link_off:")
    st.query_params.pop(name, None)
    _seen().pop(name, None)


def keep(name: str, value: Any, default: Any = None, text: Callable[[Any], str] = str) -> None:
    """Write the value the page now shows into the URL; a default value leaves the URL clean."""
    claim(name)
    seen = _seen()
    if value is None or value == default:
        if name in st.query_params:
            del st.query_params[name]
        seen.pop(name, None)
        return
    written = text(value)
    if st.query_params.get(name) != written:
        st.query_params[name] = written
    seen[name] = written


CLAIMED = "_url_claimed"  # the parameters this run has read or written (a cut-short run's stay: a superset)


def claim(*names: str) -> None:
    """Mark parameters as this page's, so drop_unclaimed keeps them (incoming and keep claim theirs; a page
    that reads st.query_params itself claims its names here)."""
    st.session_state.setdefault(CLAIMED, set()).update(names)


def drop_unclaimed() -> None:
    """After a page's full run (app.py): a parameter no code of the page read or wrote leaves the address bar
    (another page's, or junk), and one given twice keeps the value the page read (the last), so the URL
    and Copy link hold only the view on screen (issue 24, bug 5)."""
    claimed = st.session_state.pop(CLAIMED, set())
    for name in list(st.query_params):
        values = st.query_params.get_all(name)
        if name not in claimed:
            del st.query_params[name]
        elif len(values) > 1:
            st.query_params[name] = values[-1]


def restore_language() -> None:
    """A link's `lang=` becomes the session's language (app.py calls this before it names the pages; it
    imports no PyTorch, so the first visit's loading message is in that language too)."""
    from ui.state import carry  # (ui.state is plain session rules; no cycle, but keep url_state's imports light)

    carry("lang", LANGUAGES, DEFAULT_LANGUAGE)
    restore("lang", "lang", choice({code: code for code in LANGUAGES}))


# A page change as the browser's own Back and Forward make it: one history entry holding the new page and its
# query together, then the popstate event Streamlit's frontend answers by running that page with that query.
# (st.switch_page first pushes the new query under the old page's address, an entry that Back then opens as
# the old page with the new view's parameters: issue 24, state bug 1.)
_NAVIGATE_JS = """
export default function ({ data }) {
  const target = new URL(data.href, window.location.href);
  if (target.href !== window.location.href) window.history.pushState({}, "", target);
  window.dispatchEvent(new PopStateEvent("popstate", { state: {} }));
}
"""
_navigate = st.components.v2.component("vae_navigate", js=_NAVIGATE_JS)
NAVIGATIONS = "_url_navigations"  # how many navigate() calls this session made: each mounts a new element


def navigate(url_path: str, query: Mapping[str, str]) -> None:
    """Open the page served at `url_path` ("" for the default page) with `query`, as one browser-history entry,
    and end this run. The target page reads the query as a link from outside."""
    st.session_state.pop(SEEN, None)
    count = st.session_state[NAVIGATIONS] = st.session_state.get(NAVIGATIONS, 0) + 1
    _navigate(key=f"vae_navigate_{count}", data={"href": f"./{url_path}?{urlencode(query)}"})
    st.stop()


# --- Parsers: raw text -> a value the page offers, or BadValue -------------------------------------

def choice(options: Mapping[str, Any]) -> Callable[[str], Any]:
    """One of a fixed set of names (e.g. {"pca": "pca", "tsne": "tsne"})."""
    def parse(raw: str) -> Any:
        if raw not in options:
            raise BadValue(raw)
        return options[raw]
    return parse


def integer(low: int, high: int) -> Callable[[str], int]:
    """A whole number in [low, high]."""
    def parse(raw: str) -> int:
        value = int(raw.strip())
        if not low <= value <= high:
            raise BadValue(raw)
        return value
    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    """A finite number in [low, high]."""
    def parse(raw: str) -> float:
        value = float(raw.strip())
        if not (math.isfinite(value) and low <= value <= high):
            raise BadValue(raw)
        return value
    return parse


def numbers(count: int, low: float, high: float) -> Callable[[str], list[float]]:
    """Exactly `count` finite numbers in [low, high], comma-separated (a latent code)."""
    one = number(low, high)

    def parse(raw: str) -> list[float]:
        parts = raw.split(LIST_SEPARATOR)
        if len(parts) != count:
            raise BadValue(raw)
        return [one(part) for part in parts]
    return parse


def flag(raw: str) -> bool:
    """1/0, true/false, on/off."""
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "on", "yes"):
        return True
    if lowered in ("0", "false", "off", "no"):
        return False
    raise BadValue(raw)


def code_text(z: Iterable[float]) -> str:
    """A latent code as URL text: two decimals are finer than a slider step."""
    return LIST_SEPARATOR.join(f"{float(v):.2f}".rstrip("0").rstrip(".") if abs(v) >= 0.005 else "0" for v in z)
