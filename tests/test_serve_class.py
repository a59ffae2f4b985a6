"""scripts/serve_class.sh: two app processes behind HAProxy (deploy/haproxy.cfg). New browsers are spread
over the processes although they share one address; a browser's cookie keeps its websocket session and its
pictures on one process; a process that stops failing its health check gets no new students (issue 25); a
student on one process follows a teacher on the other (the class store they share, issue 24)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.class_client import Http, ProtocolError, Student, run_async
from benchmarks.class_paths import class_code, follow_poll, step_query
from harness.app_server import ROOT, free_port, healthy
from ui.teaching.class_store import normalize, pretty

pytestmark = pytest.mark.proxy
START_TIMEOUT_S = 180  # two processes import torch at once: slow on a busy machine
COOKIE = "VAE_PROCESS"



@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    if shutil.which("haproxy") is None:
        pytest.fail("the proxy test needs HAProxy: apt-get install haproxy (the README's test command installs it)")
    base = tmp_path_factory.mktemp("serve-class")
    port, app_port = free_port(), free_port()
    env = {**os.environ, "VAE_PROXY_BIND": f"127.0.0.1:{port}", "VAE_APP_PORT": str(app_port),
           "VAE_SERVE_DIR": str(base / "serve"), "VAE_RUNS_DIR": str(base / "runs")}
    (base / "runs").mkdir()
    with open(base / "serve.log", "wb") as log:
        script = subprocess.Popen(["bash", str(ROOT / "scripts" / "serve_class.sh"), "2"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (base / "serve" / "haproxy.pid").exists() or not healthy(url):
            if script.poll() is not None or time.monotonic() > deadline:
                pytest.fail("serve_class.sh did not start: " + (base / "serve.log").read_text(errors="replace")[-2000:])
            time.sleep(0.3)
        pids = [int(p) for p in (base / "serve" / "app.pids").read_text().split()]
        yield url, pids, base / "serve"
    finally:
        os.killpg(script.pid, signal.SIGTERM)  # the script's trap stops HAProxy and both app processes
        try:
            script.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()


async def first_cookie(url: str, timeout_s: float = 30) -> str | None:
    """The process a new browser is given (None when its page did not come within timeout_s)."""
    http = Http(url, timeout_s)
    try:
        status, _ = await http.get("/")
        return http.cookies.get(COOKIE) if status == 200 else None
    except ProtocolError:
        return None
    finally:
        http.close()


async def session_on_one_process(url: str):
    """A student opens the traversal page through the proxy (websocket and pictures), and the picture URLs it
    fetched, asked for again with the other process's cookie."""
    student = Student(url, START_TIMEOUT_S)
    try:
        await student.connect("/traversal?model=digits-vae&start=prior")
        run = await student.open("traversal", "model=digits-vae&start=prior")
        mine = student.http.cookies[COOKIE]
        other = Http(url)
        other.cookies[COOKIE] = "app2" if mine == "app1" else "app1"
        elsewhere = [(await other.get(u))[0] for u in sorted(student.fetched)]
        again = [(await student.http.get(u))[0] for u in sorted(student.fetched)]
        other.close()
        return run, mine, elsewhere, again
    finally:
        await student.close()


def test_cookies_spread_new_browsers_and_keep_a_session_on_its_process(proxy):
    url, pids, _ = proxy
    cookies = [run_async(first_cookie(url)) for _ in range(4)]
    assert set(cookies) == {"app1", "app2"}  # one client address, both processes: not by IP
    run, mine, elsewhere, again = run_async(session_on_one_process(url))
    assert run.status == ForwardMsg.FINISHED_SUCCESSFULLY and not run.exceptions and mine in {"app1", "app2"}
    assert again and all(status == 200 for status in again)  # the pictures live in the session's process ...
    assert all(status == 404 for status in elsewhere)  # ... and the other process has never seen them


async def teacher_and_student_on_two_processes(url: str, classes: Path):
    """The teacher presents step 3 on one process; a student whose cookie names the other process joins by the
    code, then the teacher moves to step 4. What each saw, at each point."""
    teacher = Student(url, START_TIMEOUT_S)
    student, seen = None, {}
    try:
        await teacher.connect(f"/latent_map?{step_query(3)}")
        run = await teacher.open("latent_map", step_query(3))
        assert run.status == ForwardMsg.FINISHED_SUCCESSFULLY and not run.exceptions
        mine = teacher.http.cookies[COOKIE]
        code = normalize(class_code(teacher))
        seen.update(mine=mine, code=code, filed=sorted(p.name for p in classes.glob("*.json")))
        # A browser the proxy already sent to the other process.
        student = Student(url, START_TIMEOUT_S, cookies={COOKIE: "app2" if mine == "app1" else "app1"})
        await student.connect("/?" + urllib.parse.urlencode({"follow": pretty(code)}))
        joined = await student.open("", urllib.parse.urlencode({"follow": pretty(code)}))
        seen.update(theirs=student.http.cookies[COOKIE], joined=joined,
                    on_map=(student.on("latent_map"), student.query()))
        if not student.on("latent_map"):
            return seen  # the code found no class on the student's process
        seen["idle"] = await follow_poll(student)  # the teacher has not moved: nothing happens
        seen["stayed"] = student.on("latent_map")
        moved = await teacher.open("interpolation", step_query(4))  # the projected window goes to step 4
        assert moved.status == ForwardMsg.FINISHED_SUCCESSFULLY and not moved.exceptions
        deadline = time.monotonic() + 30
        while not student.on("interpolation") and time.monotonic() < deadline:
            await follow_poll(student)
            await asyncio.sleep(0.2)
        seen.update(followed=student.on("interpolation"), query=student.query())
        return seen
    finally:
        await teacher.close()
        if student is not None:
            await student.close()


def test_a_student_on_another_process_follows_the_teacher(proxy):
    url, _, serve = proxy
    seen = run_async(teacher_and_student_on_two_processes(url, serve / "classes"))
    assert {seen["mine"], seen["theirs"]} == {"app1", "app2"}  # the two sessions are on two processes
    assert seen["code"] and seen["filed"] == [f"{seen['code']}.json"]  # the class is in the folder both share
    assert seen["joined"].status == ForwardMsg.FINISHED_SUCCESSFULLY and not seen["joined"].exceptions
    # The code found the class: the student is on the teacher's page, following, without the teacher's step.
    assert seen["on_map"] == (True, {"model": "digits-vae-2d", "follow": pretty(seen["code"])})
    assert seen["idle"].status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY and seen["stayed"]
    # The teacher moved on, on the other process: the student's poll took them there.
    assert seen["followed"]
    assert seen["query"] == {"model": "fashion-vae", "a": "2", "b": "18", "follow": pretty(seen["code"])}


def test_a_process_that_stops_answering_gets_no_new_students(proxy):
    url, pids, _ = proxy
    os.kill(pids[1], signal.SIGSTOP)  # app2 hangs: its health checks time out
    try:
        deadline, cookies = time.monotonic() + 40, set()
        while time.monotonic() < deadline and cookies != {"app1"}:
            time.sleep(1)
            cookies = {run_async(first_cookie(url, 2)) for _ in range(4)}  # a request app2 holds: None
        assert cookies == {"app1"} and healthy(url)
    finally:
        os.kill(pids[1], signal.SIGCONT)
