"""One student's browser without the browser: Streamlit's websocket protocol spoken directly, for
benchmarks/class_load.py (issue 25). Recipe: /work/shared/TESTING.md, "Streamlit's websocket protocol".

A `Student` GETs the page (the HTML, /_stcore/health, /_stcore/host-config; cookies kept, as a proxy's
affinity cookie must be), opens one websocket to /_stcore/stream (subprotocol "streamlit"), and sends
`BackMsg.rerun_script` with a `ClientState`: the page, the query string the server last pushed, the full
set of widget states, the hashes of the large messages it holds (the browser's message cache: the server
then sends a reference instead) and, for a widget inside an `@st.fragment`, that fragment's id. It keeps what the
browser's widget manager keeps: every mounted widget's value, read from the deltas (its default, or the
value the server sets), dropped when a full run no longer draws it. The pictures a run references
(`st.image` URLs, the live decoder's weights URL) are fetched over HTTP once per session, as the page's
image cache does. Components v2 views send what the browser sends: the width probe reports a width once
mounted; a live view sends its state (json) on release.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time
import urllib.parse
from typing import Callable
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

RUN_TIMEOUT_S = 120.0  # one run longer than this counts as an error
WIDTH = 940  # what Chromium's width probe reports at 1400×900 with the sidebar open (the traversal grid's column,
# read from its websocket frames by benchmarks/class_validate.py's session; 1136 before, a guess)
WIDTH_PROBE = "vae_width_probe"  # ui.live's width probe component (its name ends the element's component_name)
FINISHED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


class ProtocolError(RuntimeError):
    """The server closed the socket, timed out, or answered something a browser would not accept."""


@dataclass
class Widget:
    id: str
    kind: str  # the element's oneof name: slider, selectbox, bidi_component, ...
    fragment_id: str  # "" outside any fragment
    proto: object  # the element's own message (Slider, Selectbox, BidiComponent, ...)

    @property
    def key(self) -> str:
        """The user key Streamlit appends to the id ("$$ID-<hash>-<key>"), or ""."""
        return self.id.split("-", 2)[2] if self.id.startswith("$$ID-") and self.id.count("-") >= 2 else ""

    def data(self) -> dict | None:
        """A Components v2 element's json data, or None."""
        if self.kind != "bidi_component" or self.proto.WhichOneof("data") != "json":
            return None
        return json.loads(self.proto.json)


@dataclass
class Run:
    """What one rerun cost the student: from the BackMsg sent to the run's end and its pictures fetched."""

    seconds: float = 0.0
    status: int = -1
    bytes_in: int = 0  # websocket frames received during the run
    media_bytes: int = 0  # pictures (and weights) it named, fetched over HTTP while it ran or just after
    messages: int = 0
    cached: int = 0  # of them, references to a message the client holds (the server built it all the same)
    cached_bytes: int = 0  # the size of the messages those references stand for

    @property
    def built_bytes(self) -> int:
        """What the server serialized and hashed for this run: the frames sent and the messages referenced."""
        return self.bytes_in + self.cached_bytes
    exceptions: list[str] = field(default_factory=list)  # st.exception elements (a traceback on the page)


# --- HTTP, as the page does it: keep-alive GETs with the cookies the server set ----------------------

class Http:
    """A keep-alive HTTP/1.1 client for GETs to one host (the browser's connection to it), with a cookie jar."""

    def __init__(self, base_url: str, timeout_s: float = RUN_TIMEOUT_S):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout_s = timeout_s
        self.cookies: dict[str, str] = {}
        self._reader = self._writer = None

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def take_cookies(self, headers: list[tuple[str, str]]) -> None:
        for name, value in headers:
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                if "=" in pair:
                    k, v = pair.split("=", 1)
                    self.cookies[k.strip()] = v.strip()

    async def get(self, path: str) -> tuple[int, bytes]:
        """(status, body); reconnects once when the kept-alive connection was closed."""
        for attempt in (0, 1):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await asyncio.wait_for(self._get(path), self.timeout_s)
            except asyncio.TimeoutError:
                self.close()
                raise ProtocolError(f"GET {path}: no answer within {self.timeout_s:.0f} s") from None
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _get(self, path: str) -> tuple[int, bytes]:
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept: */*", "Connection: keep-alive"]
        if self.cookies:
            lines.append(f"Cookie: {self.cookie_header()}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self._writer.drain()
        head = (await self._reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        headers = [tuple(s.strip() for s in line.split(":", 1)) for line in head[1:] if ":" in line]
        self.take_cookies(headers)
        named = {k.lower(): v for k, v in headers}
        if named.get("transfer-encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
                body += await self._reader.readexactly(size + 2)
                if size == 0:
                    break
                del body[-2:]
            body = bytes(body)
        else:
            body = await self._reader.readexactly(int(named.get("content-length", 0)))
        if named.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


# --- Widget states, as the browser's widget manager holds them ---------------------------------------

def default_state(widget: Widget) -> WidgetState | None:
    """The value the browser reports for a freshly drawn widget (its default, or the value the server set),
    or None for widgets that report nothing until used (buttons, charts, components)."""
    p, state = widget.proto, WidgetState(id=widget.id)
    if widget.kind == "slider" and p.type == p.SELECT_SLIDER:  # its options' labels travel, not their indices
        state.string_array_value.data.extend(list(p.raw_value) if p.set_value else [p.options[int(i)] for i in p.default])
    elif widget.kind == "slider":
        state.double_array_value.data.extend(p.value if p.set_value else p.default)
    elif widget.kind in ("selectbox", "radio"):
        if p.set_value:
            state.string_value = p.raw_value
        elif p.HasField("default") and 0 <= p.default < len(p.options):
            state.string_value = p.options[p.default]
        else:
            return None
    elif widget.kind == "button_group":
        values = list(p.raw_values) if p.set_value else [p.options[i].content for i in p.default]
        state.string_array_value.data.extend(values)
    elif widget.kind == "checkbox":
        state.bool_value = p.value if p.set_value else p.default
    elif widget.kind == "number_input":
        value = p.value if p.set_value else p.default
        if p.data_type == p.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif widget.kind in ("text_input", "text_area"):
        state.string_value = p.value if p.set_value else p.default
    elif widget.kind == "multiselect":
        state.string_array_value.data.extend(list(p.raw_values) if p.set_value else [p.options[i] for i in p.default])
    else:
        return None
    return state


class Student:
    """One browser tab: a websocket session with the app, its widget states and its picture cache."""

    def __init__(self, base_url: str, timeout_s: float = RUN_TIMEOUT_S, cookies: dict[str, str] | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s  # a run (or the websocket's opening) longer than this is an error
        self.http = Http(self.base_url, timeout_s)
        self.http.cookies.update(cookies or {})  # e.g. a proxy's affinity cookie: a browser it already placed
        self.ws = None
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, WidgetState] = {}  # what the next rerun reports, widget id -> state
        self.component_states: dict[str, dict] = {}  # a Components v2 element's state, as the page holds it
        self.fetched: set[str] = set()  # URLs the page already holds
        self.cache: dict[str, ForwardMsg] = {}  # cacheable messages (>= 10 KB) by hash, as the browser keeps them
        self.query_string = ""
        self.page_hash = ""
        self.page_name = ""
        self.pages: dict[str, str] = {}  # url path -> page script hash, from the navigation message
        self.links: list[str] = []  # the link buttons' URLs, as a person reads them off the page
        self.timers: dict[float, str] = {}  # a fragment's run_every interval -> its id, as the browser schedules it
        self.closed: str | None = None  # why the socket closed, when it did
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._reader_task = None

    # -- connection --------------------------------------------------------------------------------
    async def connect(self, path: str) -> None:
        """GET the page and its health/config endpoints as the browser does, then open the websocket."""
        for url in (path, "/_stcore/health", "/_stcore/host-config"):
            status, _ = await self.http.get(url)
            if status != 200:
                raise ProtocolError(f"GET {url}: HTTP {status}")
        host = self.base_url.split("://", 1)[1]
        headers = {"Cookie": self.http.cookie_header()} if self.http.cookies else {}
        self.ws = await websockets.connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                           additional_headers=headers, max_size=None, compression=None,
                                           open_timeout=self.timeout_s, ping_interval=None)
        self._reader_task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                await self._inbox.put(raw)
        except websockets.ConnectionClosed as error:
            self.closed = f"websocket closed: {error}"
        finally:
            self.closed = self.closed or "websocket closed by the server"
            await self._inbox.put(None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader_task is not None:
            await asyncio.gather(self._reader_task, return_exceptions=True)
        self.http.close()

    # -- runs --------------------------------------------------------------------------------------
    async def open(self, path: str, query: str = "") -> Run:
        """A fresh page load: path ("traversal", "" for home) with its query string; the run that draws it."""
        self.page_name, self.query_string, self.page_hash = path, query, ""
        return await self.rerun()

    async def switch_page(self, path: str, query: str = "") -> Run:
        """A click in the page menu: the page's hash, the query string the app keeps."""
        self.page_name, self.query_string = path, query
        self.page_hash = self.pages.get(path, "")
        return await self.rerun()

    async def rerun(self, fragment_id: str = "") -> Run:
        """Send a rerun with the full widget state; wait for its end, then fetch the new pictures it names."""
        message = BackMsg()
        client = message.rerun_script
        client.query_string = self.query_string
        client.page_script_hash = self.page_hash
        client.page_name = self.page_name
        client.fragment_id = fragment_id
        client.widget_states.widgets.extend(self.states.values())
        client.cached_message_hashes.extend(self.cache)
        client.context_info.timezone = "UTC"
        client.context_info.locale = "en-US"
        client.context_info.url = f"{self.base_url}/{self.page_name}"
        client.context_info.color_scheme = "light"
        run, start = Run(), time.perf_counter()
        if self.closed:
            raise ProtocolError(self.closed)
        await self.ws.send(message.SerializeToString())
        # As a browser does, a picture is fetched as soon as the delta naming it arrives, while the run goes on
        # (the server serves it between the run's messages): one connection, in the order they come.
        wanted: asyncio.Queue[str | None] = asyncio.Queue()
        fetching = asyncio.create_task(self._fetch(wanted, run))
        try:
            await self._receive(run, fragment_id, wanted.put_nowait)
        finally:
            wanted.put_nowait(None)
            await fetching  # its error, if any, is the run's
        run.seconds = time.perf_counter() - start
        return run

    async def _fetch(self, wanted: asyncio.Queue, run: Run) -> None:
        while (url := await wanted.get()) is not None:
            if url in self.fetched:
                continue
            status, body = await self.http.get(url)
            if status != 200:
                raise ProtocolError(f"GET {url}: HTTP {status}")
            self.fetched.add(url)
            run.media_bytes += len(body)

    async def _receive(self, run: Run, fragment_id: str, fetch: Callable[[str], None]) -> None:
        """Apply ForwardMsgs until the run has ended (a run ended early for a rerun is followed by another);
        each medium a delta names is handed to fetch as it arrives."""
        seen: set[str] = set()
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                raw = await asyncio.wait_for(self._inbox.get(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                raise ProtocolError(f"no end of run within {self.timeout_s:.0f} s") from None
            if raw is None:
                raise ProtocolError(self.closed or "websocket closed")
            run.bytes_in += len(raw)
            run.messages += 1
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                if msg.metadata.cacheable and msg.hash:
                    self.cache[msg.hash] = msg  # the browser's message cache: claimed with every later rerun
                self._delta(msg, run, seen, fetch)
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "auto_rerun":
                self.timers[msg.auto_rerun.interval] = msg.auto_rerun.fragment_id  # the latest of each interval
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "ref_hash":
                cached = self.cache.get(msg.ref_hash)
                if cached is None:
                    raise ProtocolError("a reference to a cached message this client never held")
                run.cached += 1
                run.cached_bytes += cached.ByteSize()
                self._delta(cached, run, seen, fetch)  # the message held, where the reference puts it
            elif kind == "script_finished":
                run.status = msg.script_finished
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if msg.script_finished not in FINISHED:
                    raise ProtocolError(f"script finished with status {msg.script_finished}")
                self._forget_undrawn(seen, fragment_id if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY
                                     else "")
                return

    def _delta(self, msg: ForwardMsg, run: Run, seen: set[str], fetch: Callable[[str], None]) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        proto = getattr(element, kind)
        if kind == "exception":
            run.exceptions.append(f"{proto.type}: {proto.message}"[:200])
        elif kind == "link_button":
            self.links.append(proto.url)
        elif kind == "imgs":
            for image in proto.imgs:
                if image.url.startswith("/media/"):
                    fetch(image.url)
        widget_id = getattr(proto, "id", "")
        if not widget_id or kind in ("plotly_chart",):
            return
        widget = Widget(widget_id, kind, delta.fragment_id, proto)
        seen.add(widget_id)
        known = widget_id in self.widgets
        self.widgets[widget_id] = widget
        if kind == "bidi_component":
            # What the live views fetch (ui.live): their JS bundle, the decoder's weights, the pad's dots.
            for url in sorted(media_urls(widget.data() or {})):
                fetch(url)
            return
        if not known or getattr(proto, "set_value", False):
            state = default_state(widget)
            if state is not None:
                self.states[widget_id] = state

    def _forget_undrawn(self, seen: set[str], fragment_id: str) -> None:
        """A full run drops every widget it did not draw; a fragment run, those of its fragment."""
        for widget_id, widget in list(self.widgets.items()):
            if widget_id in seen or (fragment_id and widget.fragment_id != fragment_id):
                continue
            del self.widgets[widget_id]
            self.states.pop(widget_id, None)
            self.component_states.pop(widget_id, None)

    # -- what a hand does ----------------------------------------------------------------------------
    def widget(self, key: str, kind: str | None = None) -> Widget | None:
        """The drawn widget with this user key (exact, or a prefix ending in "::" for keyed-by-model ones)."""
        for widget in self.widgets.values():
            if (widget.key == key or (key.endswith("::") and widget.key.startswith(key))) and \
                    (kind is None or widget.kind == kind):
                return widget
        return None

    def set_component(self, widget: Widget, name: str, value) -> None:
        """A Components v2 view's setStateValue(name, value): the element's whole state as json."""
        state = self.component_states.setdefault(widget.id, {})
        state[name] = value
        self.states[widget.id] = WidgetState(id=widget.id, json_value=json.dumps(state))

    def on(self, path: str) -> bool:
        """Whether the page shown is the one at this url path ("" for the default page)."""
        return bool(self.pages) and self.page_hash == self.pages.get(path)

    def query(self) -> dict[str, str]:
        """The address bar's query parameters."""
        return dict(urllib.parse.parse_qsl(self.query_string))

    async def click(self, widget: Widget) -> Run:
        """A button pressed: its trigger travels with this rerun only, as the browser's does."""
        self.states[widget.id] = WidgetState(id=widget.id, trigger_value=True)
        try:
            return await self.rerun(widget.fragment_id)
        finally:
            self.states.pop(widget.id, None)

    async def timer(self, interval: float) -> Run:
        """What the browser does every `interval` seconds for a fragment with that run_every: rerun it."""
        fragment = self.timers.get(interval)
        if fragment is None:
            raise ProtocolError(f"no fragment with run_every={interval} s on this page")
        return await self.rerun(fragment)

    def set_slider(self, widget: Widget, value: float) -> None:
        state = WidgetState(id=widget.id)
        state.double_array_value.data.append(value)
        self.states[widget.id] = state

    def set_select(self, widget: Widget, option: str) -> None:
        self.states[widget.id] = WidgetState(id=widget.id, string_value=option)

    async def report_widths(self) -> list[Run]:
        """What the page's width probes do once mounted: report the column's width (one fragment run each)."""
        runs = []
        for widget in list(self.widgets.values()):
            data = widget.data()
            if data and widget.proto.component_name.endswith(WIDTH_PROBE) and data.get("known") is None:
                self.set_component(widget, "width", WIDTH)
                runs.append(await self.rerun(widget.fragment_id))
        return runs


def media_urls(value) -> set[str]:
    """Every "/media/..." string in a component's data, however deep (a browser's view fetches each once)."""
    if isinstance(value, str):
        return {value} if value.startswith("/media/") else set()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(media_urls(v) for v in value)) if value else set()
    return set()


def run_async(coroutine):
    """asyncio.run in a thread of its own: a caller (a Playwright test earlier in a pytest worker) may leave an
    event loop running in this thread, where asyncio.run refuses to start another."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
