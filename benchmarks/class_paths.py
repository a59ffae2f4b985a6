"""What simulated students do (benchmarks/class_load.py): pluggable paths through the app.

A path has `open(student, rng)` (the first page: the runs it took), `act(student, rng)` (one thing a hand
does after a pause: [(kind, run), ...]), `pause(student, rng, think_s)` (how long until then), `lead(url,
deadline, tally)` (what runs beside the students for the class's length: a teacher, or nothing), and
`warm(url)` (one student through every page and model the path uses, before the class: seconds).
Paths: "lesson" (issue 25) and "follow" (a class following its teacher, issue 24). Register new ones in PATHS.
"""

from __future__ import annotations

import asyncio
import random
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Protocol

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.class_client import ProtocolError, Run, Student, Widget
from ui.teaching.class_store import pretty
from ui.teaching.follow import FOLLOW_PARAM, FOLLOW_POLL_S, PRIVATE, TEACHER_POLL_S
from ui.teaching.lesson import STEPS

TRAVERSAL_STEP = next(n for n, s in enumerate(STEPS, 1) if s.name == "traversal")
# A model switch picks among these: the lesson's traversal model first.
MODELS = (STEPS[TRAVERSAL_STEP - 1].model, "digits-vae", "fashion-vae", "shapes-beta2")
SLIDERS, PAD, MAP_PAD = "trav_live_sliders::", "trav_live_pad::", "map_live_pad::"
# One interaction is one of these, with these odds (the rest: a live slider let go).
ODDS = {"pad": 0.15, "server_slider": 0.10, "page": 0.08, "model": 0.04}
MOVE_SD = 0.8  # how far (latent units) a hand moves a number between two releases
TEACHER_EVERY_S = 20.0  # the follow path's teacher moves on this often (a real lesson: minutes; this is a load test)
EXPLORE_ODDS = 0.5  # a follower on a page with a live view lets go of it after this share of its polls
NAVIGATE = "vae_navigate_"  # ui.url_state.navigate's element: the browser pushes its href and runs that page


class ClassPath(Protocol):
    """What a student does: benchmarks/class_load.py calls open once, then act after every think time."""

    async def open(self, student: Student, rng: random.Random) -> list[Run]: ...

    async def act(self, student: Student, rng: random.Random) -> list[tuple[str, Run]]: ...

    async def warm(self, url: str) -> float: ...

    def pause(self, student: Student, rng: random.Random, think_s: float) -> float: ...

    async def lead(self, url: str, deadline: float, tally) -> None: ...


def stamp(rng: random.Random) -> int:
    """The views' release sequence number (Date.now() * 1000 + a counter in view_base.js)."""
    return int(time.time() * 1000) * 1000 + rng.randrange(1000)


def moved(z: list[float], base: list[float], span: float, dims: list[int], rng: random.Random) -> list[float]:
    z = list(z)
    for d in dims:
        z[d] = round(min(max(z[d] + rng.gauss(0, MOVE_SD), base[d] - span), base[d] + span), 2)
    return z


class LessonPath:
    """Open the lesson's traversal step from its link; then mostly move its live sliders."""

    def __init__(self):
        step = STEPS[TRAVERSAL_STEP - 1]
        self.page = step.url_path
        self.query = urllib.parse.urlencode(step.query(TRAVERSAL_STEP, "en"))

    async def open(self, student: Student, rng: random.Random) -> list[Run]:
        await student.connect(f"/{self.page}?{self.query}")
        runs = [await student.open(self.page, self.query)]
        runs += await student.report_widths()
        return runs

    def pause(self, student: Student, rng: random.Random, think_s: float) -> float:
        return rng.expovariate(1 / think_s)

    async def lead(self, url: str, deadline: float, tally) -> None:
        """No teacher: the students explore on their own."""

    async def warm(self, url: str) -> float:
        """One student through the pages and models the class will use, so the class meets warm caches."""
        start, rng = time.perf_counter(), random.Random(0)
        student = Student(url)
        try:
            await self.open(student, rng)
            for name in MODELS[1:] + MODELS[:1]:
                await self.switch_model(student, name)
                await self.release(student, SLIDERS, rng)
            await self.visit_map(student, rng)
        finally:
            await student.close()
        return time.perf_counter() - start

    async def act(self, student: Student, rng: random.Random) -> list[tuple[str, Run]]:
        if student.page_name != self.page:  # on the map: come back
            return [("page", await student.switch_page(self.page))]
        roll, edge = rng.random(), 0.0
        for kind, odds in ODDS.items():
            edge += odds
            if roll < edge:
                break
        else:
            kind = "slider"
        if kind == "pad" and student.widget(PAD):
            return [("pad", await self.release(student, PAD, rng))]
        if kind == "server_slider":
            run = await self.server_slider(student, rng)
            if run:
                return [("server_slider", run)]
        if kind == "page":
            return [("page", await self.visit_map(student, rng, release=False))]
        if kind == "model":
            return [("model", await self.switch_model(student, rng.choice(MODELS)))]
        if student.widget(SLIDERS):
            return [("slider", await self.release(student, SLIDERS, rng))]
        return [("model", await self.switch_model(student, MODELS[0]))]  # a model without live sliders: back

    # -- the hand's moves ---------------------------------------------------------------------------
    async def release(self, student: Student, prefix: str, rng: random.Random) -> Run:
        """Let go of a live view (sliders: one number; pad: two) after moving it: its fragment reruns."""
        view = student.widget(prefix, "bidi_component")
        if view is None:
            raise ProtocolError(f"no live view {prefix} on the page (an exception drew instead?)")
        data = view.data()
        base = data.get("base") or data["z"]
        span = data.get("span") or max(abs(data["range"][0][1] - data["range"][0][0]) / 2, 0.5)
        dims = [rng.choice([d["d"] for d in data["dims"]])] if prefix == SLIDERS else list(data["dims"])
        z = moved(data["z"], base, span, dims, rng)
        student.set_component(view, "z", {"z": z, "seq": stamp(rng)})
        return await student.rerun(view.fragment_id)

    async def server_slider(self, student: Student, rng: random.Random) -> Run | None:
        """The "Exact values" tab: one of the server's sliders moved (a fragment rerun)."""
        sliders = [w for w in student.widgets.values() if w.kind == "slider" and w.key[1:].isdigit()
                   and w.key.startswith("z")]
        if not sliders:
            return None
        slider: Widget = rng.choice(sliders)
        p = slider.proto
        value = student.states[slider.id].double_array_value.data[0] if slider.id in student.states else p.default[0]
        value = round(min(max(value + rng.choice([-1, 1]) * p.step * rng.randint(1, 10), p.min), p.max), 2)
        student.set_slider(slider, value)
        return await student.rerun(slider.fragment_id)

    async def switch_model(self, student: Student, name: str) -> Run:
        picker = student.widget("model_path", "selectbox")
        if picker is not None and name in picker.proto.options:
            student.set_select(picker, name)
        return await student.rerun()

    async def visit_map(self, student: Student, rng: random.Random, release: bool = True) -> Run:
        """The latent map from the menu (and, when warming, its live pad let go; then back)."""
        run = await student.switch_page("latent_map")
        if release and student.widget(MAP_PAD):
            await self.release(student, MAP_PAD, rng)
        if release:
            await student.switch_page(self.page)
        return run


# --- Following the teacher (issue 24; the protocol: ui/teaching/follow.py's docstring) -------------------

def step_query(n: int, present: bool = True) -> str:
    """Lesson step n's link (in presenter mode, as the projected window opens it)."""
    return urllib.parse.urlencode({**STEPS[n - 1].query(n, "en"), **({"present": "1"} if present else {})})


def teacher_view(n: int) -> dict[str, str]:
    """What a follower's address holds on step n, besides follow= (the step's view without the teacher's own
    parameters: ui.teaching.follow.PRIVATE)."""
    return {k: v for k, v in STEPS[n - 1].query(n, "en").items() if k not in PRIVATE}


def class_code(teacher: Student) -> str | None:
    """The class code a presenting window shows, read off its speaker-view link ("speaker?class=CODE&key=...")."""
    for link in reversed(teacher.links):
        if link.startswith("speaker?"):
            return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["class"][0]
    return None


async def follow_poll(student: Student) -> Run:
    """What a follower's browser does every FOLLOW_POLL_S: rerun the follower's timed fragment (when the teacher
    has moved on, that run switches page and the reply is the new page's full run)."""
    return await student.timer(FOLLOW_POLL_S)


async def navigated(student: Student) -> Run | None:
    """After a run that called ui.url_state.navigate: what the browser does with the element it drew (push the
    address, then run that page with that query, as on Back/Forward). None when the run drew none."""
    target = next((w.data()["href"] for w in student.widgets.values()
                   if w.kind == "bidi_component" and w.key.startswith(NAVIGATE) and (w.data() or {}).get("href")), None)
    if target is None:
        return None
    parts = urllib.parse.urlsplit(target)
    return await student.switch_page(parts.path.removeprefix("./").strip("/"), parts.query)


@dataclass
class Follower:
    """What the path remembers of one follower between two of its acts."""

    poll_due: float  # time.monotonic() of the browser's next timed rerun
    followed: int = 0  # the latest of the teacher's moves (1-based index) this follower has been taken to
    reached: set[int] = field(default_factory=set)  # every move it was taken to
    joined: float = 0.0  # perf_counter when the student asked for the follow link's page
    last_poll: float = 0.0  # perf_counter when the latest poll was sent


class FollowPath:
    """A class following its teacher: one teacher presents the lesson and moves on every `teacher_every` s
    (Next in the projected window; after the last step, step 1 again); each student opens the follow link,
    then polls as the browser does (every FOLLOW_POLL_S) and, on a page with a live view, after a poll lets go
    of it with odds EXPLORE_ODDS (traversal: its sliders or pad; latent map: its pad)."""

    def __init__(self, teacher_every: float = TEACHER_EVERY_S):
        self.teacher_every = teacher_every
        self.hand = LessonPath()
        self._reset()

    def _reset(self) -> None:
        self.code: str | None = None
        self.ready: asyncio.Event | None = None
        self.moves: list[tuple[float, int]] = []  # (perf_counter when the teacher pressed Next, the step shown)
        self.moved = 0  # of them, those whose runs have ended (the class's file holds the move: a joiner sees it)
        self.moved_at: list[float] = []  # perf_counter when each move's runs ended (it was published by then)
        self.delays: list[float] = []  # the teacher's move -> a follower's run of the new step finished, s
        self.wrong: list[str] = []  # a follower taken somewhere else than the teacher's step
        self.teacher_runs: list[float] = []  # the teacher's move: Next's run and the new page's run, s
        self.followers: dict[int, Follower] = {}

    # -- the teacher ---------------------------------------------------------------------------------
    async def lead(self, url: str, deadline: float, tally) -> None:
        """The projected window for the class's length: open step 1 presented (a class starts), then poll as its
        browser does (every TEACHER_POLL_S) and press Next every teacher_every s."""
        self._reset()
        self.ready = asyncio.Event()
        teacher, step = Student(url), 1
        try:
            await teacher.connect(f"/{STEPS[0].url_path}?{step_query(1)}")
            run = await teacher.open(STEPS[0].url_path, step_query(1))
            tally.errors += [f"exception element (teacher): {e}" for e in run.exceptions]
            self.code = class_code(teacher)
            if self.code is None:
                raise ProtocolError("the presented lesson started no class (no speaker link)")
            self.ready.set()
            next_move = time.monotonic() + self.teacher_every
            while time.monotonic() < deadline:
                await asyncio.sleep(max(0.0, min(TEACHER_POLL_S, next_move - time.monotonic())))
                if time.monotonic() < next_move:
                    await teacher.timer(TEACHER_POLL_S)
                    continue
                step = step % len(STEPS) + 1
                start = time.perf_counter()
                self.moves.append((start, step))
                runs = await self.next_step(teacher, step)
                self.teacher_runs.append(time.perf_counter() - start)
                self.moved = len(self.moves)
                self.moved_at.append(time.perf_counter())
                tally.errors += [f"exception element (teacher, step {step}): {e}" for r in runs for e in r.exceptions]
                next_move += self.teacher_every
        except (ProtocolError, OSError, asyncio.TimeoutError) as error:
            tally.errors.append(f"teacher: {type(error).__name__}: {error}"[:300])
        finally:
            self.ready.set()  # students waiting for a code give up instead of hanging
            try:
                await teacher.close()
            except Exception:  # noqa: BLE001 - closing a broken socket: the error is already counted
                pass

    @staticmethod
    async def next_step(teacher: Student, step: int) -> list[Run]:
        """Next in the projected window (its run draws the navigation; the browser then runs the new page);
        from the last step back to step 1 by its link, as a teacher starting over would."""
        if step == 1:
            return [await teacher.switch_page(STEPS[0].url_path, step_query(1))]
        button = teacher.widget("lesson_next", "button")
        if button is None:
            raise ProtocolError(f"no Next button in the projected window before step {step}")
        runs = [await teacher.click(button)]
        page = await navigated(teacher)
        if page is None:
            raise ProtocolError("Next did not navigate")
        runs.append(page)
        if teacher.query().get("step") != str(step):
            raise ProtocolError(f"the teacher pressed Next to step {step} and shows {teacher.query()}")
        return runs

    # -- a follower ----------------------------------------------------------------------------------
    async def open(self, student: Student, rng: random.Random) -> list[Run]:
        """The follow link the teacher handed out: the server answers with the teacher's page."""
        await asyncio.wait_for(self.ready.wait(), student.timeout_s)
        if self.code is None:
            raise ProtocolError("no class to follow (the teacher did not start one)")
        query = urllib.parse.urlencode({FOLLOW_PARAM: pretty(self.code)})
        # A move still in flight when the student joins may reach them as the join's view or by a later poll.
        me = Follower(time.monotonic(), followed=self.moved, joined=time.perf_counter())
        await student.connect(f"/?{query}")
        runs = [await student.open("", query)]
        runs += await student.report_widths()
        me.poll_due = time.monotonic() + FOLLOW_POLL_S
        self.followers[id(student)] = me
        return runs

    def pause(self, student: Student, rng: random.Random, think_s: float) -> float:
        return max(0.0, self.followers[id(student)].poll_due - time.monotonic())

    async def act(self, student: Student, rng: random.Random) -> list[tuple[str, Run]]:
        """The browser's timed poll; when it took the student to the teacher's new step, the delay since the
        teacher's move; then, sometimes, a hand on the page's live view before the next poll."""
        me = self.followers[id(student)]
        me.poll_due = max(me.poll_due + FOLLOW_POLL_S, time.monotonic())
        me.last_poll = time.perf_counter()
        run = await follow_poll(student)
        done = time.perf_counter()
        acts = [("poll", run)]
        if run.status == ForwardMsg.FINISHED_SUCCESSFULLY:  # a full run: the poll switched page (maybe to the same
            # page and query: steps 1 and 2 are both the home page with fashion-vae)
            acts = [("follow", run)]
            self._followed(student, me, done)
            acts += [("width", r) for r in await student.report_widths()]
        views = [p for p in (SLIDERS, PAD, MAP_PAD) if student.widget(p, "bidi_component")]
        if views and rng.random() < EXPLORE_ODDS:
            await asyncio.sleep(rng.uniform(0, FOLLOW_POLL_S / 2))
            acts.append(("explore", await self.hand.release(student, rng.choice(views), rng)))
        return acts

    def _followed(self, student: Student, me: Follower, done: float) -> None:
        """A poll switched the page: to which of the teacher's moves (the latest one made before the poll ended
        whose step's view the follower now shows), and how long after the teacher pressed Next."""
        shown = {k: v for k, v in student.query().items() if k != FOLLOW_PARAM}
        answered = [i for i, (sent, step) in enumerate(self.moves, 1) if i > me.followed and sent <= done
                    and student.on(STEPS[step - 1].url_path) and shown == teacher_view(step)]
        if not answered:
            self.wrong.append(f"a follower was taken to {student.page_name or 'home'} {shown}, no step the teacher "
                              f"moved to since its last ({me.followed}; {len(self.moves)} moves)")
            return
        me.followed = answered[-1]
        me.reached.add(me.followed)
        self.delays.append(done - self.moves[me.followed - 1][0])

    async def warm(self, url: str) -> float:
        """One student through every step's page and model, so the class meets warm caches."""
        start, student = time.perf_counter(), Student(url)
        try:
            await student.connect(f"/{STEPS[0].url_path}?{step_query(1, present=False)}")
            for n, step in enumerate(STEPS, 1):
                await student.switch_page(step.url_path, step_query(n, present=False))
                await student.report_widths()
        finally:
            await student.close()
        return time.perf_counter() - start

    def report(self) -> dict:
        """What class_load adds to its row: the teacher's moves and how the followers followed."""
        # Due: moves made after the student joined and published before its last poll was sent (that poll read
        # them). Followed: those it was taken to, or past them to a later move (a follower slower than the teacher).
        due = [(me, [i for i, ((sent, _), end) in enumerate(zip(self.moves, self.moved_at), 1)
                     if me.joined < sent and end < me.last_poll]) for me in self.followers.values()]
        expected = sum(len(moves) for _, moves in due)
        followed = sum(1 for me, moves in due for i in moves if max(me.reached, default=0) >= i)
        return {"teacher_moves": len(self.moves), "follow_expected": expected, "followed": followed,
                "follow_delays_s": self.delays,
                "teacher_runs_s": self.teacher_runs, "follow_errors": self.wrong}


def make_path(name: str, teacher_every: float = TEACHER_EVERY_S) -> ClassPath:
    return FollowPath(teacher_every) if name == "follow" else PATHS[name]()


PATHS: dict[str, type[ClassPath]] = {"lesson": LessonPath, "follow": FollowPath}
