"""The lesson on a projector: the projected window shows no teacher notes (a slim bar instead, with a class
code), the speaker view shows them with the expected answer and the minutes, and the two handouts: links that
start with the address students reach, the answers and minutes in the teacher's copy only."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest

from links import hrefs, open_with
from ui import share
from ui.teaching import follow as classroom
from ui.teaching.class_store import ClassStore, View
from ui.i18n import table
from ui.teaching.lesson import STEPS, handout, planned_minutes, step_markdown, step_texts

ZH_PUNCTUATION = re.compile(r"[\u4e00-\u9fff][,:;()!?]|[,:;()!?][\u4e00-\u9fff]")  # ASCII beside Chinese


@pytest.fixture
def store(monkeypatch):
    store = ClassStore()
    for module in ("ui.teaching.class_store", "ui.teaching.follow", "ui.teaching.speaker"):
        monkeypatch.setattr(f"{module}.STORE", store)
    return store


def opening(key: str, lang: str = "en") -> str:
    """A text's first words, before any {placeholder} the lesson fills in with a measured number."""
    text = table()[key][lang == "zh"].split("{")[0]
    return " ".join(text.split()[:3]) if lang == "en" else text[:8]


def all_text(at) -> str:
    return "\n".join(e.value for kind in ("markdown", "caption", "subheader", "title") for e in getattr(at, kind))


def test_every_step_has_minutes_and_an_answer_in_both_languages():
    strings = table()
    for step in STEPS:
        minutes = [strings[f"lesson_{step.name}_minutes"][i].split()[0] for i in (0, 1)]
        assert minutes[0] == minutes[1] and int(minutes[0]) > 0, step.name
        english, chinese = strings[f"lesson_{step.name}_answer"]
        assert english.strip() and chinese.strip() and english != chinese
        assert not ZH_PUNCTUATION.search(chinese), chinese
    assert sum(planned_minutes(step) for step in STEPS) == 45  # the lesson's title promises 45 minutes
    for key, (_, chinese) in table().items():
        if key.startswith(("class_", "follow_", "speaker_", "lesson_handout", "lesson_start_present")):
            assert not ZH_PUNCTUATION.search(chinese), key


@pytest.mark.parametrize("n", [1, 3])
def test_the_projected_window_shows_no_notes(store, n):
    step = STEPS[n - 1]
    projector = open_with(step.page, **step.query(n, "en"), present="1")
    assert not projector.exception
    assert not projector.toast
    shown = all_text(projector)
    for part in ("say", "point", "ask", "answer"):
        assert opening(f"lesson_{step.name}_{part}") not in shown, part
    assert f"{n}/{len(STEPS)}" in shown and f"Step {n} of" not in shown  # the bar, not the card
    # The bar: Next, the class code and the speaker view's link (with the teacher key, for the teacher's screen).
    code, key = projector.session_state[classroom.TEACHER]
    assert store.peek(code).view.step == n
    assert projector.button(key="lesson_next").label == "Next"
    # Without presenter mode the same step shows the card with the notes, as before.
    laptop = open_with(step.page, **step.query(n, "en"))
    notes = all_text(laptop)
    assert f"Step {n} of" in notes and classroom.TEACHER not in laptop.session_state
    for part in ("say", "point", "ask"):
        assert opening(f"lesson_{step.name}_{part}") in notes, part


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_speaker_view_renders_the_notes(store, lang):
    step = STEPS[4]
    code, key = store.start(View.of(step.page, {**step.query(5, lang), "present": "1"}))
    at = open_with("views/speaker.py", **{"class": code, "key": key, "lang": lang})
    assert not at.exception
    strings = {k: v[lang == "zh"] for k, v in table().items()}
    shown = all_text(at)
    assert strings["lesson_traversal_answer"][:30] in shown
    assert strings["lesson_answer"] in shown
    assert at.subheader[0].value.startswith("Step 5 of" if lang == "en" else "第 5 步")
    assert str(planned_minutes(step)) in at.caption[0].value
    # The speaker view's Next moves the class.
    at.button(key="speaker_next").click().run()
    assert store.peek(code).view.step == 6 and at.subheader[0].value.startswith("Step 6 of" if lang == "en" else "第 6 步")
    # A wrong key shows nothing of the class.
    wrong = open_with("views/speaker.py", **{"class": code, "key": "guess"})
    assert [e.value for e in wrong.error] == [table()["speaker_no_class"][0]]
    assert table()["lesson_traversal_answer"][0][:30] not in all_text(wrong)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_answers_and_minutes_are_in_the_teachers_handout_only(monkeypatch, lang):
    monkeypatch.setattr("ui.teaching.lesson.language", lambda: lang)
    monkeypatch.setattr("ui.i18n.language", lambda: lang)
    strings = {k: v[lang == "zh"] for k, v in table().items()}
    follow = classroom.follow_url("http://192.168.1.20:8501", "ABCDEFGH")
    student = handout("http://192.168.1.20:8501", follow=follow)
    teacher = handout("http://192.168.1.20:8501", teacher=True, follow=follow)
    for step in STEPS:
        answer = html.escape(step_texts(step)["answer"])  # with the numbers measured on the step's view
        minutes = strings[f"lesson_{step.name}_minutes"]
        assert answer in teacher and answer[:25] not in student
        assert f"· {minutes}</span>" in teacher and minutes not in student
    assert strings["lesson_handout_total"].format(minutes=45) in teacher
    for page in (student, teacher):
        links = hrefs(page)
        assert len(links) == len(STEPS)
        assert {urlsplit(link).netloc for link in links} == {"192.168.1.20:8501"}
        assert "http://192.168.1.20:8501/?follow=ABCD-EFGH" in page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_notes_labels_take_their_colon_from_the_string_table(monkeypatch, lang):
    """Say / Point at / Ask, each with the colon of its language ("：" in Chinese, from lesson_colon), and bold
    that Markdown closes: `**` after punctuation is not a closer when a Chinese character follows it."""
    monkeypatch.setattr("ui.i18n.language", lambda: lang)
    strings = {k: v[lang == "zh"] for k, v in table().items()}
    notes = step_markdown({"say": "甲", "point": "乙", "ask": "丙"} if lang == "zh" else
                          {"say": "one", "point": "two", "ask": "three"})
    lines = notes.split("  \n")
    assert len(lines) == 3
    colon = strings["lesson_colon"]
    for line, part in zip(lines, ("say", "point", "ask")):
        label = strings[f"lesson_{part}"]
        assert (f"**{label}**{colon}" if lang == "zh" else f"**{label}{colon.strip()}** ") in line, line
    assert not ZH_PUNCTUATION.search(notes)
    assert not re.search(r"[：:，。）]\*\*[\u4e00-\u9fff]", notes)  # an unclosed bold would show its asterisks


def test_the_handout_links_use_the_address_students_reach(monkeypatch):
    monkeypatch.delenv(share.PUBLIC_URL_ENV, raising=False)
    # Under AppTest there is no browser URL: the request's Host header is the teacher's address.
    monkeypatch.setattr("streamlit.context", type("C", (), {"url": None, "headers": {"Host": "10.1.2.3:8501"}})())
    assert share.public_origin() == "http://10.1.2.3:8501"
    monkeypatch.setattr("streamlit.context", type("C", (), {"url": "http://classroom.lan:8501/lesson", "headers": {}})())
    assert share.public_origin() == "http://classroom.lan:8501"  # what the teacher's browser used
    monkeypatch.setenv(share.PUBLIC_URL_ENV, "https://vae.school.example/app/")
    assert share.public_origin() == "https://vae.school.example/app"  # the configured address wins
    monkeypatch.setenv(share.PUBLIC_URL_ENV, "not an address")
    assert share.public_origin() == "http://classroom.lan:8501"  # ignored
    monkeypatch.delenv(share.PUBLIC_URL_ENV)
    monkeypatch.setattr("streamlit.context", type("C", (), {"url": None, "headers": {"Host": "evil\"><script>"}})())
    assert share.public_origin() == ""  # a header is untrusted: a malformed host is not used
    assert share.is_loopback("http://127.0.0.1:8501") and share.is_loopback("http://localhost:8501")
    assert not share.is_loopback("http://192.168.1.20:8501")


def test_the_lesson_page_warns_when_its_links_only_work_here(monkeypatch):
    monkeypatch.setenv(share.PUBLIC_URL_ENV, "http://127.0.0.1:8501")
    at = open_with("views/lesson.py")
    assert not at.exception
    assert len(at.warning) == 1 and "http://127.0.0.1:8501" in at.warning[0].value
    assert at.get("download_button")
    monkeypatch.setenv(share.PUBLIC_URL_ENV, "http://192.168.1.20:8501")
    at = open_with("views/lesson.py")
    assert not at.warning
    assert all(code.value.startswith("http://192.168.1.20:8501/") for code in at.code)
