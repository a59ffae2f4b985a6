"""Lesson: the guided path through the app for a class, step by step, its printable handouts (the students'
and the teacher's), and the box where a student types a class's code to follow it."""

import streamlit as st

from ui.teaching import follow as classroom

from ui.teaching import present
from ui.i18n import t
from ui.teaching.lesson import STEPS, go, handout, step_markdown, step_texts, view_link
from ui.share import is_loopback, network_origin, public_origin
from ui.sidebar import sidebar

sidebar()
st.title(t("lesson_title"))
st.markdown(t("lesson_intro"))
starts = st.container(horizontal=True)
if starts.button(t("lesson_start"), key="lesson_start", type="primary", icon=":material/school:"):
    go(1)
# Presenter mode is switched on before the sidebar's toggle is drawn in the run this click starts.
if starts.button(t("lesson_start_present"), key="lesson_start_present", icon=":material/co_present:",
                 help=t("lesson_start_present_help"), on_click=lambda: st.session_state.update({present.KEY: True})):
    go(1)

origin = public_origin()
teaching = classroom.teacher()
follow = classroom.follow_url(origin, teaching[0]) if teaching else ""
handouts = st.container(horizontal=True)
handouts.download_button(t("lesson_handout_student"), handout(origin, follow=follow), key="lesson_handout",
                         file_name="vae-lesson-students.html", mime="text/html", on_click="ignore",
                         icon=":material/print:", help=t("lesson_handout_student_help"))
handouts.download_button(t("lesson_handout_teacher"), handout(origin, teacher=True, follow=follow),
                         key="lesson_handout_teacher", file_name="vae-lesson-teacher.html", mime="text/html",
                         on_click="ignore", icon=":material/assignment:", help=t("lesson_handout_teacher_help"))
if is_loopback(origin):
    network = network_origin()
    st.warning(t("lesson_handout_local", origin=origin,
                 suggestion=t("lesson_handout_suggestion", url=network) if network else ""))

with st.form("follow_form", border=False):
    st.subheader(t("follow_header"))
    row = st.container(horizontal=True, vertical_alignment="bottom")
    code = row.text_input(t("follow_code_input"), key="follow_code", max_chars=12, placeholder="ABCD-EFGH",
                          help=t("follow_code_help"))
    if row.form_submit_button(t("follow_join"), icon=":material/groups:") and code.strip():
        classroom.join(code)

st.header(t("lesson_steps_header"))
for n, step in enumerate(STEPS, 1):
    texts = step_texts(step)
    with st.expander(t("lesson_step_label", n=n, total=len(STEPS), title=texts["title"]), expanded=n == 1):
        st.caption(t("lesson_page", page=t(step.nav_key), model=step.model))
        st.markdown(step_markdown(texts))
        st.code(view_link(step, n, origin), language=None)
        if st.button(t("lesson_open_step"), key=f"lesson_open_{n}", icon=":material/open_in_new:"):
            go(n)
