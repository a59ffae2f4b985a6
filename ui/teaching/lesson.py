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
PARTS = ("title", "say", "point", "ask", "answer")  # a step's texts: lesson_<name>_<part>


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


# The views the lesson opens; what each step's text says about them is measured in ui.teaching.claims (pictures
# by their index in the model's test split: Fashion-MNIST trousers #2, bag #18 and T-shirt #19).
STEPS = (
    Step("autoencoder", HOME_PAGE, "fashion-vae"),
    Step("sampling", HOME_PAGE, "fashion-vae"),
    Step("map", "views/latent_map.py", "digits-vae-2d"),
    Step("interpolation", "views/interpolation.py", "fashion-vae", {"a": "2", "b": "18"}),
    Step("traversal", "views/traversal.py", "shapes-beta32", {"start": "prior"}),
    Step("beta", "views/disentanglement.py", "shapes-beta32"),
    Step("conditional", "views/conditional.py", "digits-cvae"),
    Step("restore", "views/restore.py", "fashion-vae", {"pic": "19", "corruption": "mask", "mask": "bottom"}),
    Step("anomaly", "views/anomaly.py", "digits-vae-no3", {"score": "neg_elbo"}),
    Step("codes", "views/codes.py", "digits-vqvae"),
    Step("train", "views/train.py", "fashion-vae", {"preset": "lesson"}),
)


def step_texts(step: Step) -> dict[str, str]:
    """The step's title, say, point, ask and expected answer, with the numbers measured on the view it opens
    (ui.teaching.claims)."""
    from ui.teaching.claims import text_values  # (it imports the pages' helpers; keep the lesson light to import)

    values = text_values(step)
    return {part: t(f"lesson_{step.name}_{part}", **values) for part in PARTS}


def label(key: str) -> str:
    """A bold label and its colon, both from the string table ("**Say:** ", "**讲解**："). Markdown closes `**`
    after punctuation only when a space follows, so a colon without one (Chinese "：") stays outside the bold:
    "**讲解：**内容" would show its asterisks."""
    colon = t("lesson_colon")
    mark = colon.rstrip()
    if mark != colon:
        return f"**{t(key)}{mark}**{colon[len(mark):]}"
    return f"**{t(key)}**{colon}"


def step_markdown(texts: dict[str, str]) -> str:
    """What to say, point at and ask, as three marked lines."""
    return (f":material/record_voice_over: {label('lesson_say')}{texts['say']}  \n"
            f":material/arrow_selector_tool: {label('lesson_point')}{texts['point']}  \n"
            f":material/help: {label('lesson_ask')}{texts['ask']}")


def current() -> int | None:
    """The running lesson's step (1-based), from this session or a link's `step=`; None when none runs."""
    url_state.restore(STEP_PARAM, STEP_KEY, url_state.integer(1, len(STEPS)))
    n = st.session_state.get(STEP_KEY)
    return n if isinstance(n, int) and 1 <= n <= len(STEPS) else None


def go(n: int) -> None:
    """Open step n's saved view (from a button's script run: this run ends), as one entry of the browser's
    history, so Back and Forward restore page, model and step together."""
    st.session_state[STEP_KEY] = n
    step = STEPS[n - 1]
    query = step.query(n, language())
    if st.session_state.get("present"):
        query["present"] = "1"
    url_state.navigate(step.url_path, query)


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


def planned_minutes(step: Step) -> int:
    """The minutes the teacher's copy plans for a step (lesson_<name>_minutes: "4 min", "4 分钟")."""
    return int(t(f"lesson_{step.name}_minutes").split()[0])


def handout(origin: str, teacher: bool = False, follow: str = "") -> str:
    """Every step on one printable page (HTML), in the current language, with each view's link (origin: the
    address students reach, ui.share.public_origin). The students' copy gives each step's question; the
    teacher's copy what to say, point at and ask, the expected answer and the minutes planned. follow: the
    class's follow address, printed at the top when a class runs."""
    colon = html.escape(t("lesson_colon"))
    items = []
    for n, step in enumerate(STEPS, 1):
        texts = {k: html.escape(v) for k, v in step_texts(step).items()}
        link = html.escape(view_link(step, n, origin))
        if teacher:
            minutes = html.escape(t(f"lesson_{step.name}_minutes"))
            parts = [(t("lesson_say"), texts["say"]), (t("lesson_point"), texts["point"]),
                     (t("lesson_ask"), texts["ask"]),
                     (t("lesson_answer"), texts["answer"])]
            head = f"<h2>{texts['title']} <span class=min>· {minutes}</span></h2>"
        else:
            parts, head = [(t("lesson_handout_question"), texts["ask"])], f"<h2>{texts['title']}</h2>"
        body = "".join(f"<p><b>{html.escape(label)}{colon}</b>{text}</p>" for label, text in parts)
        items.append(f"<li>{head}{body}<p class=link><a href=\"{link}\">{link}</a></p></li>")
    title = html.escape(t("lesson_handout_teacher_title" if teacher else "lesson_handout_title"))
    top = ""
    if teacher:
        total = sum(planned_minutes(step) for step in STEPS)
        top += f"<p class=top>{html.escape(t('lesson_handout_total', minutes=total))}</p>"
    if follow:
        top += f"<p class=top>{html.escape(t('lesson_handout_follow', url=follow))}</p>"
    return (f"<!doctype html><html lang=\"{language()}\"><meta charset=\"utf-8\"><title>{title}</title>"
            "<style>@page{size:A4;margin:10mm}body{font:9pt/1.25 sans-serif;margin:0}h1{font-size:13pt;margin:0 0 4pt}"
            "ol{columns:2;column-gap:8mm;margin:0;padding-left:14pt}li{break-inside:avoid;margin-bottom:5pt}"
            "h2{font-size:10pt;margin:0}p{margin:1pt 0}.link{font-size:7pt;word-break:break-all;color:#555}"
            ".min{font-weight:normal;color:#555}.top{margin:0 0 4pt}</style>"
            f"<h1>{title}</h1>{top}<ol>{''.join(items)}</ol></html>")
