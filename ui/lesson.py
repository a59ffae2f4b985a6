"""The guided lesson: an ordered path of saved views (page + query parameters) with what the teacher
says, points at and asks at each one (texts in ui/strings/lesson.py), the card every page shows while
a lesson runs, and the printable handout."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import urlencode

import streamlit as st

from ui import url_state
from ui.i18n import language, t

STEP_KEY = "lesson_step"  # the running lesson's step (1-based); absent when no lesson runs
STEP_PARAM = "step"
HOME_PAGE = "views/home.py"  # app.py's default page, served at the root


@dataclass(frozen=True)
class Step:
    name: str  # its texts are lesson_<name>_title / _say / _point / _ask
    page: str  # the page file, as the router registers it
    model: str  # the run folder's name the view opens on
    params: dict[str, str] = field(default_factory=dict)  # the page's own query parameters

    @property
    def stem(self) -> str:
        return self.page.removeprefix("views/").removesuffix(".py")

    @property
    def nav_key(self) -> str:
        """The page's name in the menu (app.py names each page nav_<file stem>)."""
        return "nav_" + self.stem

    @property
    def url_path(self) -> str:
        """The page's address, as st.Page derives it from the file name ("" for the default page)."""
        return "" if self.page == HOME_PAGE else self.stem

    def query(self, n: int, lang: str) -> dict[str, str]:
        """The saved view's query parameters, with the lesson's step and the language."""
        query = {"model": self.model, **self.params, STEP_PARAM: str(n)}
        return {**query, "lang": lang} if lang != "en" else query


# Sneaker #9 -> ankle boot #0 and trousers #2 are Fashion-MNIST test pictures (the whole test split).
STEPS = (
    Step("autoencoder", HOME_PAGE, "fashion-vae"),
    Step("sampling", HOME_PAGE, "fashion-vae"),
    Step("map", "views/latent_map.py", "digits-vae-2d"),
    Step("interpolation", "views/interpolation.py", "fashion-vae", {"a": "9", "b": "0"}),
    Step("traversal", "views/traversal.py", "shapes-beta8", {"start": "prior"}),
    Step("beta", "views/disentanglement.py", "shapes-beta8"),
    Step("conditional", "views/conditional.py", "digits-cvae"),
    Step("restore", "views/restore.py", "fashion-vae", {"pic": "2", "corruption": "mask", "mask": "bottom"}),
    Step("anomaly", "views/anomaly.py", "fashion-vae-no-ankle-boot", {"score": "complexity"}),
    Step("codes", "views/codes.py", "digits-vqvae"),
    Step("train", "views/train.py", "fashion-vae", {"preset": "lesson"}),
)


def step_texts(step: Step) -> dict[str, str]:
    return {part: t(f"lesson_{step.name}_{part}") for part in ("title", "say", "point", "ask")}


def step_markdown(texts: dict[str, str]) -> str:
    """What to say, point at and ask, as three marked lines."""
    return (f":material/record_voice_over: **{t('lesson_say')}:** {texts['say']}  \n"
            f":material/arrow_selector_tool: **{t('lesson_point')}:** {texts['point']}  \n"
            f":material/help: **{t('lesson_ask')}:** {texts['ask']}")


def current() -> int | None:
    """The running lesson's step (1-based), from this session or a link's `step=`; None when none runs."""
    url_state.restore(STEP_PARAM, STEP_KEY, url_state.integer(1, len(STEPS)))
    n = st.session_state.get(STEP_KEY)
    return n if isinstance(n, int) and 1 <= n <= len(STEPS) else None


def go(n: int) -> None:
    """Open step n's saved view (from a button's script run: st.switch_page ends this run)."""
    st.session_state[STEP_KEY] = n
    step = STEPS[n - 1]
    query = step.query(n, language())
    if st.session_state.get("present"):
        query["present"] = "1"
    # The target page reads these as links from outside: forget what this session last wrote.
    st.session_state.pop(url_state.SEEN, None)
    st.switch_page(step.page, query_params=query)


def card(n: int) -> None:
    """The running lesson's step above the page: say / point at / ask, with Previous, Next and End."""
    step = STEPS[n - 1]
    texts = step_texts(step)
    with st.container(border=True, key="lesson_card"):
        st.markdown(f"**{t('lesson_step_label', n=n, total=len(STEPS), title=texts['title'])}**")
        st.markdown(step_markdown(texts))
        buttons = st.container(horizontal=True)
        if buttons.button(t("lesson_previous"), key="lesson_previous", disabled=n == 1,
                          icon=":material/arrow_back:"):
            go(n - 1)
        if buttons.button(t("lesson_next"), key="lesson_next", disabled=n == len(STEPS), type="primary",
                          icon=":material/arrow_forward:"):
            go(n + 1)
        if buttons.button(t("lesson_end"), key="lesson_end", icon=":material/close:"):
            st.session_state.pop(STEP_KEY, None)
            st.query_params.pop(STEP_PARAM, None)
            st.rerun()
    url_state.keep(STEP_PARAM, n)


def view_link(step: Step, n: int, origin: str = "") -> str:
    """The step's saved view as a link (relative unless origin, e.g. "http://host:8501", is given)."""
    return f"{origin}/{step.url_path}?{urlencode(step.query(n, language()))}"


def handout(origin: str) -> str:
    """Every step on one printable page (HTML), in the current language, with each view's link."""
    items = []
    for n, step in enumerate(STEPS, 1):
        texts = {k: html.escape(v) for k, v in step_texts(step).items()}
        link = html.escape(view_link(step, n, origin))
        items.append(
            f"<li><h2>{texts['title']}</h2>"
            f"<p><b>{html.escape(t('lesson_say'))}:</b> {texts['say']}</p>"
            f"<p><b>{html.escape(t('lesson_point'))}:</b> {texts['point']}</p>"
            f"<p><b>{html.escape(t('lesson_ask'))}:</b> {texts['ask']}</p>"
            f"<p class=link><a href=\"{link}\">{link}</a></p></li>")
    title = html.escape(t("lesson_handout_title"))
    return (f"<!doctype html><html lang=\"{language()}\"><meta charset=\"utf-8\"><title>{title}</title>"
            "<style>@page{size:A4;margin:10mm}body{font:9pt/1.25 sans-serif;margin:0}h1{font-size:13pt;margin:0 0 4pt}"
            "ol{columns:2;column-gap:8mm;margin:0;padding-left:14pt}li{break-inside:avoid;margin-bottom:5pt}"
            "h2{font-size:10pt;margin:0}p{margin:1pt 0}.link{font-size:7pt;word-break:break-all;color:#555}</style>"
            f"<h1>{title}</h1><ol>{''.join(items)}</ol></html>")
