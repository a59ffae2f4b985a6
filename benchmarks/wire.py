"""A TCP relay that times Streamlit's runs on the wire, for any client: the moment a `rerun_script` BackMsg
reaches it from the browser (or the protocol client) and the moment that run's `script_finished` ForwardMsg
reaches it from the server. Put in front of the server for one party, it measures the server's answer the same
way for Chromium as for benchmarks/class_client.py, and neither party's own clock is involved (Chromium's
DevTools stamps a websocket frame when its page's main thread takes it, after drawing the frames before it).

The relay removes `Sec-WebSocket-Extensions` from the upgrade request, so the server answers without
compression (permessage-deflate) and the frames can be read; both parties are relayed alike.

    relay = Relay(server_port); await relay.start()   # on the event loop that will serve it
    mark = relay.mark(); ...moves through relay.url...; relay.intervals(mark)  # seconds, one per finished rerun
"""

from __future__ import annotations

import asyncio
import re
import time

from google.protobuf.message import DecodeError
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.class_client import FINISHED

_EXTENSIONS = re.compile(rb"\r\nsec-websocket-extensions:[^\r]*", re.IGNORECASE)
CHUNK = 1 << 16


class Frames:
    """RFC 6455 frames from one direction of a stream, reassembled into messages (masked or not)."""

    def __init__(self):
        self.buffer, self.parts = bytearray(), []

    def feed(self, data: bytes) -> list[bytes]:
        """The binary or text messages completed by data."""
        self.buffer += data
        done = []
        while len(self.buffer) >= 2:
            fin, opcode = self.buffer[0] & 0x80, self.buffer[0] & 0x0F
            masked, length, at = self.buffer[1] & 0x80, self.buffer[1] & 0x7F, 2
            if length >= 126:
                width = 2 if length == 126 else 8
                if len(self.buffer) < at + width:
                    break
                length, at = int.from_bytes(self.buffer[at:at + width], "big"), at + width
            key = None
            if masked:
                key, at = bytes(self.buffer[at:at + 4]), at + 4
            if len(self.buffer) < at + length:
                break
            payload = bytes(self.buffer[at:at + length])
            del self.buffer[:at + length]
            if key is not None and length:
                mask = (key * (length // 4 + 1))[:length]
                payload = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(length, "big")
            if opcode in (0, 1, 2):  # continuation, text, binary; control frames (ping, pong, close) pass by
                self.parts.append(payload)
                if fin:
                    done.append(b"".join(self.parts))
                    self.parts = []
        return done


class Relay:
    """127.0.0.1:port -> the server on 127.0.0.1:target; events: (seconds, connection, "rerun" | "finished")."""

    def __init__(self, target: int):
        self.target, self.events, self.port, self._server, self._connections = target, [], None, None, 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    def mark(self) -> int:
        return len(self.events)

    def intervals(self, mark: int = 0) -> list[float]:
        """Each rerun since mark -> the first script_finished after it on the same connection, seconds."""
        out, open_at = [], {}
        for seconds, connection, kind in self.events[mark:]:
            if kind == "rerun":
                open_at.setdefault(connection, seconds)
            elif connection in open_at:
                out.append(seconds - open_at.pop(connection))
        return out

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            upstream_writer.close()
            return
        websocket = b"\r\nupgrade: websocket" in head.lower()
        self._connections += 1
        connection = self._connections
        upstream_writer.write(_EXTENSIONS.sub(b"", head) if websocket else head)
        await asyncio.gather(
            self._pump(reader, upstream_writer, connection, "rerun" if websocket else None),
            self._pump(upstream_reader, writer, connection, "finished" if websocket else None))

    async def _pump(self, source, sink, connection: int, kind: str | None) -> None:
        """Copy source to sink; on a websocket, note each message of `kind` (None: an HTTP request, copied)."""
        frames = Frames() if kind else None
        head = bytearray() if kind == "finished" else None  # the server's 101 response comes before its frames
        try:
            while data := await source.read(CHUNK):
                seconds = time.perf_counter()
                sink.write(data)
                if frames is not None:
                    if head is not None:
                        head += data
                        ends = head.find(b"\r\n\r\n")
                        if ends < 0:
                            continue
                        data, head = bytes(head[ends + 4:]), None
                    for message in frames.feed(data):
                        if (is_rerun if kind == "rerun" else ends_run)(message):
                            self.events.append((seconds, connection, kind))
                await sink.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            sink.close()


def _parsed(message_type, raw: bytes):
    """raw as a message_type (BackMsg or ForwardMsg), or None when it is not one."""
    message = message_type()
    try:
        message.ParseFromString(raw)
    except DecodeError:
        return None
    return message


def rerun_asked(raw: bytes):
    """The ClientState of a BackMsg asking for a run (a whole page's, or a fragment's: its fragment_id), else
    None."""
    message = _parsed(BackMsg, raw)
    return message.rerun_script if message is not None and message.WhichOneof("type") == "rerun_script" else None


def is_rerun(raw: bytes) -> bool:
    """The message is a BackMsg asking for a run (a whole page's or a fragment's)."""
    return rerun_asked(raw) is not None


def ends_run(raw: bytes) -> bool:
    """The message is a ForwardMsg ending a run (a whole page's or a fragment's) successfully."""
    message = _parsed(ForwardMsg, raw)
    return message is not None and message.WhichOneof("type") == "script_finished" \
        and message.script_finished in FINISHED
