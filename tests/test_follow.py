"""Follow the teacher: the class store (codes, expiry, the key, guesses, one lock), and sessions under AppTest
running the app's router: a follower moves when the teacher's step changes, the projected window follows the
speaker view, the speaker view shows the step the projected window is on."""

from __future__ import annotations

import math
import threading

import pytest
from streamlit.testing.v1 import AppTest

from ui import class_store, classroom
from ui.catalog import ROOT
from ui.i18n import table
from ui.class_store import ALPHABET, CODE_LENGTH, IDLE_S, ClassStore, TooManyGuesses, View, normalize, pretty
from ui.lesson import STEPS


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
def store(monkeypatch):
    """A fresh store for the app's sessions (the module-level one is shared by the whole test process)."""
    store = ClassStore(Clock())
    for module in ("ui.class_store", "ui.classroom", "ui.speaker"):
        monkeypatch.setattr(f"{module}.STORE", store)
    return store


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
    assert student.query_params["model"] == "shapes-beta8" and "step" not in student.query_params
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
