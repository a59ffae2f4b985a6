"""Follow the teacher: the class store (codes, expiry, the key, guesses, one lock; one folder that several store
objects, as several processes, share; damaged files and path-like codes), and sessions under AppTest running the
app's router: a follower moves when the teacher's step changes, the projected window follows the speaker view,
the speaker view shows the step the projected window is on."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.teaching import class_store

from ui.teaching import follow as classroom
from ui.catalog import ROOT
from ui.i18n import table
from ui.teaching.class_store import (ALPHABET, CODE_LENGTH, IDLE_S, ClassesFull, ClassStore, TooManyGuesses, View,
                                     normalize, pretty)
from ui.teaching.lesson import STEPS

parse = class_store._parse  # the class file's parser, before a test wraps it to count reads


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def step_view(n: int, **extra: str) -> View:
    return View.of(STEPS[n - 1].page, {**STEPS[n - 1].query(n, "en"), **extra})


def test_codes_are_random_readable_and_hard_to_guess():
    store = ClassStore()
    codes = [store.start(step_view(1))[0] for _ in range(class_store.MAX_CLASSES)]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == CODE_LENGTH and set(code) <= set(ALPHABET) for code in codes)
    assert not set(ALPHABET) & set("01ILOU")  # nothing to misread off a projector
    # The docstring's arithmetic: 30**8 codes, about 39 bits; 100 classes and 3,600 throttled guesses hit one
    # with p < 1e-6.
    assert len(ALPHABET) ** CODE_LENGTH > 6e11 and CODE_LENGTH * math.log2(len(ALPHABET)) > 39
    assert 100 * class_store.GUESSES_PER_MINUTE * 180 / len(ALPHABET) ** CODE_LENGTH < 1e-6
    # Every letter shows up: the codes use the whole alphabet (a biased generator would shrink the space).
    assert set("".join(codes)) == set(ALPHABET)
    assert normalize(pretty(codes[0]).lower()) == codes[0] == normalize(" " + codes[0][:4] + " " + codes[0][4:])
    assert normalize("ABCD-EFG") == normalize("ABCD-EFGO") == ""


def test_a_class_follows_its_teacher_and_expires_when_idle():
    clock = Clock()
    store = ClassStore(clock)
    code, key = store.start(step_view(1))
    assert store.join(code, "10.0.0.1").moves == 0
    assert store.publish(code, "not the key", step_view(2)) is None  # only the teacher moves the class
    assert store.peek(code).view == step_view(1)
    # A slider moved on the same step is not a move; another step is.
    same_step = step_view(1, seed="3")
    assert store.publish(code, key, same_step).moves == 0 and store.peek(code).view == same_step
    clock.now += 10
    moved = store.publish(code, key, step_view(2))
    assert (moved.moves, moved.view.step, moved.moved_at) == (1, 2, clock.now)
    # Followers' polls do not keep a class alive; the teacher's windows do.
    clock.now += IDLE_S - 1
    assert store.touch(code, key) is not None
    clock.now += IDLE_S - 1
    assert store.peek(code) is not None
    clock.now += 2
    assert store.peek(code) is None and store.join(code, "10.0.0.1") is None and len(store) == 0


def test_wrong_codes_are_throttled_per_address():
    clock = Clock()
    store = ClassStore(clock)
    code, _ = store.start(step_view(1))
    wrong = "".join(ALPHABET[(ALPHABET.index(c) + 1) % len(ALPHABET)] for c in code)
    for _ in range(class_store.GUESSES_PER_MINUTE):
        assert store.join(wrong, "10.0.0.9") is None
    with pytest.raises(TooManyGuesses):
        store.join(code, "10.0.0.9")  # even the right code: a guesser learns nothing more this minute
    assert store.join(code, "10.0.0.10") is not None  # another address is not held up
    clock.now += 61
    assert store.join(code, "10.0.0.9") is not None


def test_the_store_is_safe_under_concurrent_sessions():
    store = ClassStore()
    code, key = store.start(step_view(1))
    seen: list[int] = []

    def teacher():
        for n in range(1, 201):
            store.publish(code, key, step_view(n % len(STEPS) + 1))

    def follower():
        for _ in range(500):
            seen.append(store.peek(code).moves)

    threads = [threading.Thread(target=teacher)] + [threading.Thread(target=follower) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.peek(code).moves == 200  # every move counted once, none lost
    assert all(0 <= moves <= 200 for moves in seen)


# --- One folder, many processes: each store object below stands for one app process ---------------------

def genuine(folder, clock) -> tuple[ClassStore, str, str, bytes]:
    """A store over folder with one class started: (store, code, key, the class file's bytes)."""
    store = ClassStore(clock, folder)
    code, key = store.start(step_view(3))
    return store, code, key, (folder / f"{code}.json").read_bytes()


def age(path, seconds: float = 30.0) -> None:
    """Date a file back, as if written a while ago (a fresh file is always read again: SETTLE_S)."""
    then = path.stat().st_mtime - seconds
    os.utime(path, (then, then))


def test_stores_over_one_folder_see_each_others_classes_and_moves(tmp_path, monkeypatch):
    clock, folder = Clock(), tmp_path / "classes"
    teachers, students = ClassStore(clock, folder), ClassStore(clock, folder)  # two processes of one server
    code, key = teachers.start(step_view(3))
    assert students.join(pretty(code), "10.0.0.1").view == step_view(3)
    # The teacher key is only in the teacher's hands: the file holds its SHA-256.
    text = (folder / f"{code}.json").read_text()
    assert key not in text and json.loads(text)["key_sha256"] == hashlib.sha256(key.encode()).hexdigest()
    assert students.publish(code, "not the key", step_view(4)) is None
    # A move made through either store is seen by the other, and a follower's poll reads the file only when
    # it changed.
    age(folder / f"{code}.json")
    reads = []
    monkeypatch.setattr(students.files, "parse", lambda *a: reads.append(a) or parse(*a))
    assert [students.peek(code).moves for _ in range(5)] == [0] * 5 and len(reads) == 1
    clock.now += 5
    assert students.publish(code, key, step_view(4)).moves == 1  # the speaker view, on the students' process
    age(folder / f"{code}.json")  # even as old as the version cached: the file is another one
    assert teachers.peek(code).view == step_view(4) and teachers.peek(code).moved_at == clock.now
    assert teachers.publish(code, key, step_view(5)).moves == 2
    assert students.peek(code).moves == 2 and len(students) == len(teachers) == 1
    # The teacher's polls keep it alive for everyone; ending it ends it everywhere.
    clock.now += IDLE_S - 1
    assert teachers.touch(code, key) is not None
    clock.now += IDLE_S - 1
    assert students.peek(code) is not None
    assert students.end(code, key) and teachers.peek(code) is None and len(teachers) == 0


def test_moves_from_two_processes_at_once_are_never_lost(tmp_path):
    folder = tmp_path / "classes"
    a, b = ClassStore(folder=folder), ClassStore(folder=folder)  # separate locks and caches: only the file lock
    code, key = a.start(step_view(1))

    def teach(store: ClassStore, steps: tuple[int, int]):
        for i in range(60):
            store.publish(code, key, step_view(steps[i % 2]))  # never the step the class is on: each is a move

    threads = [threading.Thread(target=teach, args=(a, (2, 1))), threading.Thread(target=teach, args=(b, (3, 4)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert a.peek(code).moves == b.peek(code).moves == 120


def test_a_damaged_or_foreign_file_is_no_class(tmp_path):
    clock, folder = Clock(), tmp_path / "classes"
    store, code, key, good = genuine(folder, clock)
    record = json.loads(good)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "22222222.json").write_bytes(good)
    bad = {
        "33333333": b"{not json",
        "44444444": good[: len(good) // 2],  # cut short
        "55555555": json.dumps({**record, "moves": "7"}).encode(),
        "56666666": json.dumps({**record, "page": "/etc/passwd"}).encode(),
        "57777777": json.dumps({**record, "query": [["model", 3]]}).encode(),
        "58888888": json.dumps({**record, "format": 2}).encode(),
        "59999999": json.dumps({**record, "seen": clock.now + 100 * IDLE_S}).encode(),  # would never expire
        "5AAAAAAA": json.dumps({**record, "pad": "x" * class_store.MAX_FILE_BYTES}).encode(),  # oversized
        "5BBBBBBB": b"[" * 100_000,  # deep nesting, and oversized
        "5CCCCCCC": json.dumps({**record, "seen": float("nan")}).encode(),
    }
    for name, data in bad.items():
        (folder / f"{name}.json").write_bytes(data)
    (folder / "5DDDDDDD.json").symlink_to(outside / "22222222.json")  # a genuine file, but through a link
    os.mkfifo(folder / "5EEEEEEE.json")  # reading it would block
    (folder / "5FFFFFFF.json").mkdir()
    for name in [*bad, "5DDDDDDD", "5EEEEEEE", "5FFFFFFF"]:
        assert store.peek(name) is None and store.join(name, "10.0.0.2") is None, name
        assert store.touch(name, key) is None and store.publish(name, key, step_view(4)) is None, name
    # The genuine class is untouched; the junk is neither counted nor removed by a start's sweep (only the
    # well-formed class whose time is up is).
    assert store.peek(code).view == step_view(3) and len(store) == 1
    store.start(step_view(1))
    assert len(store) == 2 and {name for name in bad if (folder / f"{name}.json").exists()} == set(bad) - {"59999999"}


def test_a_code_with_path_characters_never_forms_a_path(tmp_path):
    clock, folder = Clock(), tmp_path / "classes"
    store, code, key, good = genuine(folder, clock)
    (tmp_path / "22222222.json").write_bytes(good)  # a genuine class file just outside the folder
    before = sorted(p.name for p in tmp_path.rglob("*"))
    for raw in ("../22222222", "..\\22222222", "/tmp/x", code + "/..", code[:4] + "/" + code[5:], code + "\0",
                "２２２２２２２２", code.lower()):  # full-width digits and lower case are not codes until normalized
        assert not class_store._is_code(raw), raw
        assert store.files.path(raw) is None or raw == code.lower(), raw  # the folder refuses path characters too
        assert store.peek(raw) is None and store.touch(raw, key) is None, raw
        assert store.publish(raw, key, step_view(4)) is None and not store.end(raw, key), raw
    assert store.join("../2222-2222", "10.0.0.3") is None and normalize("../2222-2222") == ""
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing made, nothing removed
    assert store.peek(code).moves == 0


def test_max_classes_counts_every_process_and_expired_ones_make_room(tmp_path, monkeypatch):
    monkeypatch.setattr(class_store, "MAX_CLASSES", 5)
    clock, folder = Clock(), tmp_path / "classes"
    a, b = ClassStore(clock, folder), ClassStore(clock, folder)
    for store in (a, b, a, b):
        store.start(step_view(1))
    clock.now += 10
    last, key = b.start(step_view(1))
    with pytest.raises(ClassesFull):
        a.start(step_view(1))
    clock.now += IDLE_S - 5  # the first four expire; the last is 5 s younger
    a.start(step_view(2))
    assert len(b) == 2 and b.peek(last) is not None
    assert len(list(folder.glob("*.json"))) == 2  # the sweep removed the expired files


def test_the_default_folder_is_per_user_and_port_or_the_environment_s(tmp_path, monkeypatch):
    monkeypatch.delenv(class_store.FOLDER_ENV, raising=False)
    default = class_store.class_folder()
    assert default.parent == Path(tempfile.gettempdir()) and default.name == f"vae-classes-{os.getuid()}-8501"
    monkeypatch.setenv(class_store.FOLDER_ENV, str(tmp_path / "shared"))
    assert class_store.class_folder() == tmp_path / "shared"
    # A folder others may write to (a planted one in /tmp, say) is not used: the classes stay in this process.
    planted = tmp_path / "planted"
    planted.mkdir()
    planted.chmod(0o777)
    store = ClassStore(folder=planted)
    code, key = store.start(step_view(1))
    assert store.peek(code) is not None and not list(planted.iterdir()) and store.folder != planted


# --- Sessions under AppTest, through app.py's router (st.switch_page needs it) ------------------------

def url_state_seen() -> str:
    from ui import url_state

    return url_state.SEEN


def open_app(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params.update(params)
    return at.run()


def current_view(at: AppTest) -> tuple[str, dict[str, str]]:
    title = at.title[0].value if at.title else ""
    return title, dict(at.query_params)


@pytest.fixture
def store(monkeypatch, tmp_path):
    """The test's hand on a fresh class folder, and the app's sessions' store over the same folder: two objects,
    as two processes of one server hold (the module-level store is shared by the whole test process)."""
    clock = Clock()
    app_store = ClassStore(clock, tmp_path / "classes")
    for module in ("ui.teaching.class_store", "ui.teaching.follow", "ui.teaching.speaker"):
        monkeypatch.setattr(f"{module}.STORE", app_store)
    return ClassStore(clock, tmp_path / "classes")


def test_a_follower_moves_when_the_teacher_changes_step(store):
    code, key = store.start(step_view(3, present="1"))
    student = open_app(follow=pretty(code).lower())
    assert not student.exception
    # Taken to the teacher's page, without the teacher's step and presenter mode, still following.
    assert student.title[0].value == "Latent map"
    assert dict(student.query_params) == {"model": "digits-vae-2d", "follow": pretty(code)}
    shown = "".join(m.value for m in student.markdown)
    assert "Following class" in shown and "Step 3 of" in shown  # the follower's bar names the teacher's step
    assert table()["lesson_map_point"][0].split("{")[0][:20] not in shown  # ... and shows no teacher notes
    # The student explores; the teacher does not move: the student stays.
    student.switch_page("views/interpolation.py").run()
    assert student.title[0].value == "Interpolation" and student.query_params["follow"] == pretty(code)
    student.run()
    assert student.title[0].value == "Interpolation"
    # The teacher moves on: the student's next poll goes there.
    store.publish(code, key, step_view(5, present="1"))
    student.run()
    assert not student.exception
    assert student.title[0].value.startswith("Latent traversal")
    assert student.query_params["model"] == STEPS[4].model and "step" not in student.query_params
    # "Back to the teacher" after exploring.
    student.switch_page("views/codes.py").run()
    student.button(key="follow_back").click().run()
    assert student.title[0].value.startswith("Latent traversal")


def test_a_wrong_code_is_a_one_line_warning(store):
    at = open_app(follow="ZZZZ-ZZZZ")
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "No class has the code ZZZZ-ZZZZ: check it, or it may have ended."]
    assert "follow" not in at.query_params


def test_the_speaker_view_and_the_projected_window_stay_in_step(store):
    # A lesson presented on a projector starts a class; its notes are not projected.
    projector = open_app(**STEPS[0].query(1, "en"), present="1")
    assert not projector.exception
    code, key = projector.session_state[classroom.TEACHER]
    assert store.peek(code).view.step == 1
    assert table()["lesson_autoencoder_point"][0].split("{")[0][:15] not in "".join(m.value for m in projector.markdown)
    # The speaker view shows step 1's notes, with the expected answer.
    speaker = open_app()
    speaker.switch_page("views/speaker.py")
    speaker.query_params.update({"class": code, "key": key})
    speaker.run()
    assert not speaker.exception
    assert speaker.subheader[0].value.startswith("Step 1 of")
    assert "Expected answer" in "".join(m.value for m in speaker.markdown)
    # The projected window opens step 2 (its Next navigates in the browser, ui.url_state.navigate: here the
    # page is opened as that navigation opens it): the speaker view follows at its next poll.
    projector.query_params.clear()
    projector.query_params.update({**STEPS[1].query(2, "en"), "present": "1"})
    projector.session_state[url_state_seen()] = {}
    projector.switch_page(STEPS[1].page).run()
    assert not projector.exception
    assert store.peek(code).view.step == 2
    speaker.run()
    assert speaker.subheader[0].value.startswith("Step 2 of")
    # Next on the speaker view: the projected window follows at its next poll.
    speaker.button(key="speaker_next").click().run()
    assert store.peek(code).view.step == 3
    projector.run()
    assert not projector.exception
    assert projector.title[0].value == "Latent map" and projector.query_params["step"] == "3"
    assert projector.query_params["present"] == "1"


def test_the_projected_window_tells_its_class_only_after_drawing_its_page(store, monkeypatch):
    """30 followers' runs of the new page start when they hear of a move: the projected window, the screen the
    whole room watches, draws its own page first (ui.teaching.follow.after_page)."""
    import streamlit as st

    projector = open_app(**STEPS[1].query(2, "en"), present="1")
    code, _ = projector.session_state[classroom.TEACHER]
    drawn_when_told = []
    publish = classroom.STORE.publish

    def told(*args):  # the latent map's own widgets exist by the time the class hears of the move
        drawn_when_told.append("map_manifold_steps" in st.session_state)
        return publish(*args)

    monkeypatch.setattr(classroom.STORE, "publish", told)
    projector.query_params.clear()
    projector.query_params.update({**STEPS[2].query(3, "en"), "present": "1"})
    projector.session_state[url_state_seen()] = {}
    projector.switch_page(STEPS[2].page).run()
    assert not projector.exception
    assert drawn_when_told == [True] and store.peek(code).view.step == 3
