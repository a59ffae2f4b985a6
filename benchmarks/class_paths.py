"""What simulated students do (benchmarks/class_load.py): pluggable paths through the app.

A path has `open(student, rng)` (the first page: the runs it took), `act(student, rng)` (one thing a hand
does after thinking: [(kind, run), ...]) and `warm(url)` (one student through every page and model the
path uses, before the class: seconds). Register a new path in PATHS, e.g. a student who follows the
teacher once that feature exists (issue 24).
"""

from __future__ import annotations

import random
import time
import urllib.parse
from typing import Protocol

from benchmarks.class_client import ProtocolError, Run, Student, Widget
from ui.teaching.lesson import STEPS

TRAVERSAL_STEP = next(n for n, s in enumerate(STEPS, 1) if s.name == "traversal")
MODELS = ("shapes-beta8", "digits-vae", "fashion-vae", "shapes-beta2")  # a model switch picks among these
SLIDERS, PAD, MAP_PAD = "trav_live_sliders::", "trav_live_pad::", "map_live_pad::"
# One interaction is one of these, with these odds (the rest: a live slider let go).
ODDS = {"pad": 0.15, "server_slider": 0.10, "page": 0.08, "model": 0.04}
MOVE_SD = 0.8  # how far (latent units) a hand moves a number between two releases


class ClassPath(Protocol):
    """What a student does: benchmarks/class_load.py calls open once, then act after every think time."""

    async def open(self, student: Student, rng: random.Random) -> list[Run]: ...

    async def act(self, student: Student, rng: random.Random) -> list[tuple[str, Run]]: ...

    async def warm(self, url: str) -> float: ...


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


PATHS: dict[str, type[ClassPath]] = {"lesson": LessonPath}
