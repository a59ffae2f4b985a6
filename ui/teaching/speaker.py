"""The speaker view: the teacher's notes for the step the class is on (say, point at, ask, the expected answer,
the minutes planned and spent), on the teacher's own screen while the projected window shows the page.

It is a class's window (ui.teaching.follow): it reads the class every SPEAKER_POLL_S, so a move made on the
projected window shows here within a second, and its Previous / Next move the class, which the projected
window follows within a second.
"""

from __future__ import annotations

import streamlit as st

from ui import url_state

from ui.teaching import lesson
from ui.teaching.class_store import STORE, Snapshot, View, normalize, pretty
from ui.teaching.follow import CLASS_PARAM, KEY_PARAM, SPEAKER_POLL_S, TEACH_PARAM, where
from ui.i18n import language, t


def notes_markdown(step: lesson.Step) -> str:
    """Say, point at, ask and the expected answer, as four marked lines."""
    texts = lesson.step_texts(step)
    return (lesson.step_markdown(texts) + "  \n"
            f":material/task_alt: {lesson.label('lesson_answer')}{texts['answer']}")


def page() -> None:
    """The whole page, from the link's class= and key=."""
    url_state.restore_language()
    url_state.claim(CLASS_PARAM, KEY_PARAM)  # read here, not through url_state: kept in the address bar
    code = normalize(st.query_params.get(CLASS_PARAM, ""))
    key = st.query_params.get(KEY_PARAM, "")
    snapshot = STORE.touch(code, key) if code and key else None
    st.set_page_config(page_title=t("speaker_title"), initial_sidebar_state="collapsed")
    if snapshot is None:
        st.title(t("speaker_title"))
        st.error(t("speaker_no_class"))
        return
    st.markdown(f"### {t('speaker_title')} · {t('class_code', code=pretty(code))}")
    _notes(code, key)
    reopen = f"/?{TEACH_PARAM}={code}.{key}&present=1" + (f"&lang={language()}" if language() != "en" else "")
    st.link_button(t("speaker_reopen"), reopen, icon=":material/open_in_new:", help=t("speaker_reopen_help"))


@st.fragment(run_every=SPEAKER_POLL_S)
def _notes(code: str, key: str) -> None:
    snapshot = STORE.touch(code, key)
    if snapshot is None:
        st.error(t("speaker_no_class"))
        return
    n = snapshot.view.step
    total = len(lesson.STEPS)
    if n is None or not 1 <= n <= total:
        st.info(t("speaker_off_lesson", where=where(snapshot.view)))
        n = None
    else:
        step = lesson.STEPS[n - 1]
        st.subheader(t("lesson_step_label", n=n, total=total, title=t(f"lesson_{step.name}_title")))
        st.caption(_clock(snapshot, step))
        with st.container(border=True, key="speaker_notes"):
            st.markdown(notes_markdown(step))
        if n < total:
            st.caption(t("speaker_next_up", title=t(f"lesson_{lesson.STEPS[n].name}_title")))
    buttons = st.container(horizontal=True)
    buttons.button(t("lesson_previous"), key="speaker_previous", disabled=n is None or n == 1,
                   icon=":material/arrow_back:", on_click=move, args=(code, key, (n or 1) - 1))
    buttons.button(t("lesson_next") if n else t("speaker_resume"), key="speaker_next",
                   disabled=n == total, type="primary", icon=":material/arrow_forward:",
                   on_click=move, args=(code, key, (n or 0) + 1))


def _clock(snapshot: Snapshot, step: lesson.Step) -> str:
    now = STORE.clock()
    return t("speaker_clock", on_step=_mm_ss(now - snapshot.moved_at), planned=lesson.planned_minutes(step),
             total=_mm_ss(now - snapshot.started))


def _mm_ss(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 60}:{seconds % 60:02d}"


def move(code: str, key: str, n: int) -> None:
    """Button callback: the class goes to lesson step n (the projected window follows within a second)."""
    step = lesson.STEPS[n - 1]
    STORE.publish(code, key, View.of(step.page, {**step.query(n, language()), "present": "1"}))
