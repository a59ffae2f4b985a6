"""Lesson: the guided path through the app for a class, step by step, and its printable handout."""

import streamlit as st

from ui.i18n import t
from ui.lesson import STEPS, go, handout, step_markdown, step_texts, view_link
from ui.sidebar import sidebar

sidebar()
st.title(t("lesson_title"))
st.markdown(t("lesson_intro"))
if st.button(t("lesson_start"), key="lesson_start", type="primary", icon=":material/school:"):
    go(1)
origin = st.context.url.split("/lesson")[0].rstrip("/") if st.context.url else ""
st.download_button(t("lesson_handout"), handout(origin), file_name="vae-lesson-handout.html", mime="text/html",
                   key="lesson_handout", on_click="ignore", icon=":material/print:", help=t("lesson_handout_help"))

st.header(t("lesson_steps_header"))
for n, step in enumerate(STEPS, 1):
    texts = step_texts(step)
    with st.expander(t("lesson_step_label", n=n, total=len(STEPS), title=texts["title"]), expanded=n == 1):
        st.caption(t("lesson_page", page=t(step.nav_key), model=step.model))
        st.markdown(step_markdown(texts))
        st.code(view_link(step, n, origin), language=None)
        if st.button(t("lesson_open_step"), key=f"lesson_open_{n}", icon=":material/open_in_new:"):
            go(n)
