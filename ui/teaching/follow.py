"""Follow the teacher: the class a teacher runs, the teacher's two windows kept in step, students following.

Three kinds of browser session take part, on any of this server's processes (the class lives in
ui.teaching.class_store.STORE, a folder they all share, so behind scripts/serve_class.sh a student whose
affinity cookie pins them to another process than the teacher's follows all the same):
- the projected window, in presenter mode: a slim bar (step, Previous / Next, the class code, a link to the
  speaker view) instead of the lesson's notes; a class starts by itself when a lesson is presented. It tells
  the class what it shows, and follows the speaker view's moves.
- the speaker view (views/speaker.py, ui/teaching/speaker.py), on the teacher's own screen: the notes; its Previous /
  Next move the class, and with it the projected window.
- followers: students who opened any page with `follow=CODE`. When the teacher moves on (another page or
  another lesson step) they are taken to the teacher's view; in between they explore freely, and
  "Back to the teacher" takes them to the teacher's view as it is now.

Follow protocol (what a load generator must do to behave like a follower):
- Query parameters: `follow=<code>` (8 characters of ui.teaching.class_store.ALPHABET, a hyphen or spaces allowed:
  "ABCD-EFGH") on any page. The server answers with a full run of the teacher's page: its query is the
  teacher's view without `step`, `present` and `lang` (the follower's own language is kept), plus
  `follow=<code>`, which stays in the URL on every page while following.
- Each followed page holds one fragment, `run_every=FOLLOW_POLL_S` (2 s): the browser sends a rerun_script
  BackMsg naming that fragment's id every 2 s; the run stats the class's file (and reads its few hundred
  bytes of JSON only when it changed) and draws nothing, so its answer is a session_status_changed and a
  script_finished (FINISHED_FRAGMENT_RUN_SUCCESSFULLY) with no delta. When the teacher has moved on, that fragment run calls st.switch_page: the server sends a new
  page (a full run, the new query string in page_info_changed).
- Teacher windows: the projected one polls with a fragment every TEACHER_POLL_S (1 s), the speaker view
  every SPEAKER_POLL_S (1 s, it also draws the step's timer). The speaker view is
  `/speaker?class=<code>&key=<teacher key>`; a projected window is reopened with `teach=<code>.<key>`
  (read once, then taken out of the address bar).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from ui import url_state

from ui.teaching import lesson

from ui.teaching import present
from ui.catalog import ROOT
from ui.teaching.class_store import STORE, ClassesFull, Snapshot, TooManyGuesses, View, normalize, pretty
from ui.i18n import DEFAULT_LANGUAGE, language, t

FOLLOW_PARAM = "follow"  # a follower's link: ?follow=ABCD-EFGH
TEACH_PARAM = "teach"  # a projected window reopened by its teacher: ?teach=CODE.KEY (read once, then dropped)
CLASS_PARAM, KEY_PARAM = "class", "key"  # the speaker view: /speaker?class=CODE&key=KEY
FOLLOW_POLL_S = 2.0  # a follower notices the teacher's move within this (30 followers: 15 tiny runs a second)
TEACHER_POLL_S = 1.0  # the projected window follows the speaker view within this
SPEAKER_POLL_S = 1.0  # ... and the speaker view the projected window (and its timer ticks)
SPEAKER_PAGE = "views/speaker.py"

TEACHER = "class_teacher"  # this session teaches: (code, key)
FOLLOWING = "class_following"  # this session follows: code
APPLIED = "class_applied"  # the class's `moves` this window last followed or made
PUBLISHED = "class_published"  # the View this window last told the class
ENDED = "class_ended"  # a followed class ended: say so once
PRIVATE = ("step", "present", "lang", FOLLOW_PARAM, TEACH_PARAM)  # the teacher's, not a follower's


def current_page() -> str:
    """This run's page file, as app.py registers it ("views/latent_map.py")."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    manager = get_script_run_ctx().pages_manager
    pages = manager.get_pages()
    info = pages.get(manager.current_page_script_hash)
    path = Path(info["script_path"] if info else manager.main_script_path).resolve()
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:  # a page outside this checkout (a test's own script)
        return path.name


def teacher() -> tuple[str, str] | None:
    return st.session_state.get(TEACHER)


def following() -> str | None:
    return st.session_state.get(FOLLOWING)


def follow_url(origin: str, code: str) -> str:
    """The address students open to follow (origin: ui.share.public_origin())."""
    return f"{origin}/?{urlencode({FOLLOW_PARAM: pretty(code)})}"


def speaker_url(code: str, key: str) -> str:
    query = {CLASS_PARAM: code, KEY_PARAM: key, **({"lang": language()} if language() != DEFAULT_LANGUAGE else {})}
    return f"speaker?{urlencode(query)}"


# --- The top of every page ----------------------------------------------------------------------------

def top_of_page(step: int | None) -> None:
    """What a page shows above itself (called by ui.sidebar): a follower's bar; the projected window's bar;
    or the lesson's card with the teacher's notes when a lesson runs without a projector."""
    _read_links()
    ended_notice()
    if following():
        _follower_bar()
        return
    if present.is_on() and (step is not None or teacher()):
        if teacher() is None:
            _start_class()
        _projector_bar(step)
    elif step is not None:
        lesson.card(step)
    if teacher():
        _teacher_sync(current_page())


def _read_links() -> None:
    """A link's follow= or teach= (each read once per value, like every parameter; ui.url_state)."""
    raw = url_state.incoming(FOLLOW_PARAM)
    if raw is not None and normalize(raw) != following():
        join(raw)
    if following():
        url_state.keep(FOLLOW_PARAM, pretty(following()))
    raw = st.query_params.get(TEACH_PARAM)
    if raw is not None:
        st.query_params.pop(TEACH_PARAM)  # the key leaves the address bar (and the projected screen) at once
        code, _, key = raw.partition(".")
        snapshot = STORE.touch(normalize(code), key)
        if snapshot is None:
            st.warning(t("class_unknown", code=raw[:9]))
        else:
            st.session_state[TEACHER] = (snapshot.code, key)
            st.session_state[APPLIED] = None  # go to the class's view at the first poll
            st.session_state.pop(PUBLISHED, None)


def join(raw: str) -> None:
    """Follow the class a typed or linked code names (and go to the teacher's view), or say why not."""
    st.session_state.pop(FOLLOWING, None)
    try:
        snapshot = STORE.join(raw, st.context.ip_address)
    except TooManyGuesses:
        st.error(t("class_too_many"))
        snapshot = None
    else:
        if snapshot is None:
            st.warning(t("class_unknown", code=raw[:12]))
    if snapshot is None:
        st.query_params.pop(FOLLOW_PARAM, None)
        return
    st.session_state[FOLLOWING] = snapshot.code
    st.session_state[APPLIED] = snapshot.moves
    _go_to_teacher(snapshot)


def _go_to_teacher(snapshot: Snapshot) -> None:
    """A follower onto the teacher's view (ends this run)."""
    query = {k: v for k, v in snapshot.view.query if k not in PRIVATE}
    query[FOLLOW_PARAM] = pretty(snapshot.code)
    if language() != DEFAULT_LANGUAGE:
        query["lang"] = language()
    st.session_state.pop(url_state.SEEN, None)  # the target page reads these as a link from outside
    st.switch_page(snapshot.view.page, query_params=query)


# --- Followers ----------------------------------------------------------------------------------------

def _follower_bar() -> None:
    code = following()
    snapshot = STORE.peek(code)
    if snapshot is None:
        _stop_following(ended=True)
        return
    with st.container(border=True, key="follow_bar", horizontal=True, vertical_alignment="center"):
        st.markdown(t("follow_bar", code=pretty(code), where=where(snapshot.view)))
        if st.button(t("follow_back"), key="follow_back", type="primary", icon=":material/undo:"):
            _go_to_teacher(STORE.peek(code) or snapshot)
        st.button(t("follow_stop"), key="follow_stop", icon=":material/close:", on_click=_stop_following)
    _follow_poll()


@st.fragment(run_every=FOLLOW_POLL_S)
def _follow_poll() -> None:
    """Every 2 s, O(1) and drawing nothing: when the teacher moved on, go there; when the class ended, say so."""
    code = following()
    if code is None:
        return
    snapshot = STORE.peek(code)
    if snapshot is None:
        _stop_following(ended=True)
        st.rerun(scope="app")
    if snapshot.moves != st.session_state.get(APPLIED):
        st.session_state[APPLIED] = snapshot.moves
        _go_to_teacher(snapshot)


def _stop_following(ended: bool = False) -> None:
    code = st.session_state.pop(FOLLOWING, None)
    if ended and code:
        st.session_state[ENDED] = code
    st.query_params.pop(FOLLOW_PARAM, None)


def ended_notice() -> None:
    """Once, after a followed class ended."""
    code = st.session_state.pop(ENDED, None)
    if code:
        st.info(t("class_ended", code=pretty(code)))


def where(view: View) -> str:
    """The teacher's view in words: the lesson step's title, or the page's name."""
    n = view.step
    if n is not None and 1 <= n <= len(lesson.STEPS):
        return t("lesson_step_label", n=n, total=len(lesson.STEPS), title=t(f"lesson_{lesson.STEPS[n - 1].name}_title"))
    return t("nav_" + Path(view.page).stem)


# --- The teacher's projected window --------------------------------------------------------------------

def _start_class() -> None:
    view = View.of(current_page(), dict(st.query_params))
    try:
        code, key = STORE.start(view)
    except ClassesFull:
        st.warning(t("class_full"))
        return
    st.session_state[TEACHER] = (code, key)
    st.session_state[APPLIED] = 0
    st.session_state[PUBLISHED] = view


def _projector_bar(step: int | None) -> None:
    """The projected window's one line: where we are, Previous / Next, the class code, the speaker view."""
    total = len(lesson.STEPS)
    with st.container(key="projector_bar", horizontal=True, vertical_alignment="center"):
        if step is not None:
            st.markdown(f"**{step}/{total}** · {t(f'lesson_{lesson.STEPS[step - 1].name}_title')}")
            if st.button("", key="lesson_previous", disabled=step == 1, icon=":material/arrow_back:",
                         help=t("lesson_previous")):
                lesson.go(step - 1)
            if st.button(t("lesson_next"), key="lesson_next", disabled=step == total, type="primary",
                         icon=":material/arrow_forward:"):
                lesson.go(step + 1)
            url_state.keep(lesson.STEP_PARAM, step)
        if teacher():
            code, key = teacher()
            with st.popover(t("class_code", code=pretty(code)), icon=":material/groups:"):
                from ui.share import public_origin

                st.markdown(t("class_invite"))
                st.code(follow_url(public_origin(), code), language=None)
            st.link_button(t("speaker_open"), speaker_url(code, key), icon=":material/speaker_notes:")
        st.button("", key="present_exit", icon=":material/fullscreen_exit:", help=t("present_exit"),
                  on_click=present.turn_off)


@st.fragment(run_every=TEACHER_POLL_S)
def _teacher_sync(page: str) -> None:
    """Every second, and in every full run: follow the speaker view's move, else tell the class what is shown.
    O(1), draws nothing."""
    code, key = teacher()
    snapshot = STORE.touch(code, key)
    if snapshot is None:  # the class expired: the next projected lesson starts another
        for name in (TEACHER, APPLIED, PUBLISHED):
            st.session_state.pop(name, None)
        return
    if snapshot.moves != st.session_state.get(APPLIED) and snapshot.view != st.session_state.get(PUBLISHED):
        st.session_state[APPLIED] = snapshot.moves
        st.session_state[PUBLISHED] = snapshot.view
        if snapshot.view.step is not None:
            st.session_state[lesson.STEP_KEY] = snapshot.view.step
        st.session_state.pop(url_state.SEEN, None)
        st.switch_page(snapshot.view.page, query_params={**snapshot.view.params, "present": "1"})
    if _fragment_run():  # a full run tells the class at its end (after_page), once its page is drawn
        _publish(code, key, page)


def after_page() -> None:
    """The end of every full run (app.py): the teacher's window tells the class what it now shows. Only now,
    after drawing it: each follower's run of the new page starts when it hears of the move, and 30 of them at
    once would hold the server (one interpreter) while the projected window, the one screen the whole room
    watches, still waited for its own page. A page that stopped early is told by the next poll instead."""
    if teacher():
        _publish(*teacher(), current_page())


def _publish(code: str, key: str, page: str) -> None:
    view = View.of(page, dict(st.query_params))
    if view != st.session_state.get(PUBLISHED):
        snapshot = STORE.publish(code, key, view)
        if snapshot is None:  # it ended since (another window ended it, or it expired)
            for name in (TEACHER, APPLIED, PUBLISHED):
                st.session_state.pop(name, None)
            return
        st.session_state[PUBLISHED] = view
        st.session_state[APPLIED] = snapshot.moves


def _fragment_run() -> bool:
    """Whether this run is a fragment's own (its timer's), not a full run of the page."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)
