"""The classes teachers run on this server, shared by all its processes: a short code per class, the view the
teacher shows, and how often the teacher has moved on, one small JSON file per class in one folder
(class_folder()). Plain Python (Streamlit only names the default folder); the pages use it through
ui.teaching.follow.

A code is 8 characters from a 30-letter alphabet (no 0/O, 1/I/L or U to misread off a projector), shown as
ABCD-EFGH: 30**8 = 6.6e11 codes, 39 bits. A wrong code costs its sender one of GUESSES_PER_MINUTE tries per
minute (per IP address, as Streamlit reports it). Over a 3-hour class that is 20 × 180 = 3,600 guesses per
address; with 100 classes live at once one address hits any of them with probability
100 × 3,600 / 6.6e11 ≈ 5e-7. Even an attacker spread over 1,000 addresses finds one with p ≈ 5e-4, and
unthrottled (1,000 guesses a second over a websocket for 3 hours, 1.1e7 guesses) p ≈ 1.6e-3 with 100
classes. A code dies after IDLE_S without the teacher (3 hours), so it is worth nothing the next day.
The guesses are counted per process: behind scripts/serve_class.sh N an address that picks its process
(its affinity cookie) gets N × 20 a minute, with N = 4 still p ≈ 2e-6, and the unthrottled bound above
holds whatever N is. Sharing the count would turn every wrong guess into a locked write, which a guesser
could then use to slow the teacher's moves.

Moving a class needs its teacher key (16 random bytes, 128 bits), which only the teacher's windows hold;
a class's file keeps only the key's SHA-256 (a 128-bit random key needs no salt or slow hash).

The folder is untrusted input (ui.teaching.shared_folder reads it): a class file is read only by a valid code,
and only as JSON checked field by field; anything else is no class.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import secrets
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping

from ui.teaching.shared_folder import SharedFolder

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 letters and digits, none that reads like another
CODE_LENGTH = 8
IDLE_S = 3 * 3600.0  # a class nobody has taught for this long ends
MAX_CLASSES = 200  # one server, one school: more live classes than this is a runaway, not a timetable
GUESSES_PER_MINUTE = 20  # wrong codes one address may send per minute
MAX_CLIENTS = 10_000  # addresses whose wrong guesses are remembered (the oldest are forgotten first)

FOLDER_ENV = "VAE_CLASS_DIR"  # the folder every process of one server shares (scripts/serve_class.sh sets it)
FORMAT = 1  # a class file's "format"; another value is no class
MAX_FILE_BYTES = 16_384  # a class file is ~300 bytes plus the teacher's query string
MAX_PARAMS = 64  # query parameters of one view
TOUCH_EVERY_S = 60.0  # a teacher's poll writes "seen" at most this often: expiry comes at most this early
_PAGE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}")  # "views/latent_map.py": relative, no odd characters
_SHA256 = re.compile(r"[0-9a-f]{64}")


class TooManyGuesses(RuntimeError):
    """This address sent GUESSES_PER_MINUTE wrong codes in the last minute."""


class ClassesFull(RuntimeError):
    """MAX_CLASSES classes are live; none can start until one ends or expires."""


@dataclass(frozen=True)
class View:
    """A page and its query parameters, as the teacher's projected window shows it."""

    page: str  # the page file, as app.py registers it ("views/latent_map.py")
    query: tuple[tuple[str, str], ...] = ()  # sorted (name, value) pairs

    @classmethod
    def of(cls, page: str, query: Mapping[str, str]) -> View:
        return cls(page, tuple(sorted((str(k), str(v)) for k, v in query.items())))

    @property
    def params(self) -> dict[str, str]:
        return dict(self.query)

    @property
    def step(self) -> int | None:
        """The lesson step this view belongs to (its `step=`), None outside the lesson."""
        raw = self.params.get("step", "")
        return int(raw) if raw.isdigit() else None

    def moved_from(self, other: View) -> bool:
        """Another page or another lesson step: what followers follow (a slider moved is not a move)."""
        return (self.page, self.step) != (other.page, other.step)


@dataclass(frozen=True)
class Snapshot:
    """What a follower or a teacher's window reads: one class at one moment."""

    code: str
    view: View
    moves: int  # how many times the teacher moved on (another page or step); followers follow its changes
    started: float  # the store's clock when the class started
    moved_at: float  # ... and when the teacher last moved on


@dataclass(frozen=True)
class _Class:
    """One class file's content (its code is the file's name)."""

    key_hash: str  # SHA-256 of the teacher key, hex
    snapshot: Snapshot
    seen: float  # the last time a teacher's window touched it (written at most every TOUCH_EVERY_S)

    def to_json(self) -> str:
        s = self.snapshot
        return json.dumps({"format": FORMAT, "key_sha256": self.key_hash, "page": s.view.page,
                           "query": [list(pair) for pair in s.view.query], "moves": s.moves,
                           "started": s.started, "moved_at": s.moved_at, "seen": self.seen})


def normalize(text: str) -> str:
    """A code as typed or read aloud ("abcd efgh", "ABCD-EFGH") -> "ABCDEFGH"; anything else -> ""."""
    code = "".join(text.split()).replace("-", "").upper()
    return code if _is_code(code) else ""


def pretty(code: str) -> str:
    """ABCDEFGH -> ABCD-EFGH, easier to read off a projector."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def class_folder() -> Path:
    """$VAE_CLASS_DIR, else a folder of this user and this server's port under the system's temporary folder:
    a plain `streamlit run` needs no setting, and two servers of one user keep their classes apart."""
    if os.environ.get(FOLDER_ENV):
        return Path(os.environ[FOLDER_ENV]).expanduser().resolve()
    return Path(tempfile.gettempdir()) / f"vae-classes-{_user()}-{_server_port()}"


def _user() -> str:
    if hasattr(os, "getuid"):
        return str(os.getuid())
    return re.sub(r"[^A-Za-z0-9_-]", "_", os.environ.get("USERNAME", "user"))[:32]


def _server_port() -> int:
    """Streamlit's server.port (what `streamlit run --server.port` set); 8501 outside a server."""
    try:
        from streamlit import config

        return int(config.get_option("server.port"))
    except Exception:  # no Streamlit, or a config it cannot read: the default port's folder
        return 8501


def _is_code(code: object) -> bool:
    return isinstance(code, str) and len(code) == CODE_LENGTH and all(c in ALPHABET for c in code)


def _digest(key: str) -> str:
    return hashlib.sha256(str(key).encode("utf-8", "replace")).hexdigest()


def _parse(code: str, data: bytes) -> _Class | None:
    """A class file's bytes -> the class, or None for anything this module did not write."""
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        return None
    key_hash, page, query, moves = raw.get("key_sha256"), raw.get("page"), raw.get("query"), raw.get("moves")
    times = [raw.get(name) for name in ("started", "moved_at", "seen")]
    valid = (isinstance(key_hash, str) and _SHA256.fullmatch(key_hash)
             and isinstance(page, str) and _PAGE.fullmatch(page) and ".." not in page.split("/")
             and isinstance(query, list) and len(query) <= MAX_PARAMS
             and all(isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in query)
             and type(moves) is int and moves >= 0
             and all(type(t) in (int, float) and math.isfinite(t) for t in times))
    if not valid:
        return None
    return _Class(key_hash, Snapshot(code, View.of(page, dict(query)), moves, times[0], times[1]), times[2])


class ClassStore:
    """Live classes by code, one file each in `folder`; any number of ClassStore objects, in any number of
    processes, over one folder see the same classes. A read is a stat, and a small JSON read only when the file
    changed; a write takes the folder's lock. folder=None: a private folder, removed with this object (a test's).
    """

    def __init__(self, clock: Callable[[], float] = time.time, folder: str | os.PathLike | None = None):
        self.clock = clock  # wall-clock seconds by default: the files outlive a process, even a reboot
        self.files = SharedFolder(folder, _parse, MAX_FILE_BYTES)
        self._guesses = threading.Lock()  # self._misses
        self._misses: dict[str, deque[float]] = {}  # address -> times of its wrong guesses in the last minute

    @property
    def folder(self) -> Path:
        return self.files.folder

    def start(self, view: View) -> tuple[str, str]:
        """A new class showing view: (code, teacher key)."""
        now = self.clock()
        with self.files.locked():
            if self._sweep(now) >= MAX_CLASSES:
                raise ClassesFull()
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            while self._live(code, now) is not None:  # 1 in 3e9 with 200 classes; still, never hand out a live code
                code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            key = secrets.token_urlsafe(16)
            self._write(_Class(_digest(key), Snapshot(code, _fit(view), 0, now, now), now))
            return code, key

    def peek(self, code: str) -> Snapshot | None:
        """The class by a code this session already joined (a follower's poll): None once it ended."""
        live = self._live(code, self.clock())
        return live.snapshot if live else None

    def join(self, code: str, client: str | None) -> Snapshot | None:
        """The class a typed or linked code names, None when none does; each miss counts against the
        sender's address (None: a local connection, counted together)."""
        now = self.clock()
        address = client or "local"
        with self._guesses:
            misses = self._misses.get(address)
            while misses and now - misses[0] > 60.0:
                misses.popleft()
            if misses is not None and len(misses) >= GUESSES_PER_MINUTE:
                raise TooManyGuesses()
            live = self._live(normalize(code), now)
            if live is not None:
                return live.snapshot
            if len(self._misses) >= MAX_CLIENTS and address not in self._misses:
                self._misses.pop(next(iter(self._misses)))
            self._misses.setdefault(address, deque()).append(now)
            return None

    def publish(self, code: str, key: str, view: View) -> Snapshot | None:
        """The teacher shows view (a move when its page or step differs): the class now, None when the
        class ended or the key is not its teacher's."""
        now = self.clock()
        live = self._teacher(code, key, now)
        if live is None or (view == live.snapshot.view and now - live.seen < TOUCH_EVERY_S):
            return live.snapshot if live else None
        view = _fit(view)
        with self.files.locked():
            live = self._teacher(code, key, now)  # again under the lock: another process may have moved it
            if live is None:
                return None
            old = snapshot = live.snapshot
            if view != old.view:
                moved = view.moved_from(old.view)
                snapshot = replace(old, view=view, moves=old.moves + moved, moved_at=now if moved else old.moved_at)
            self._write(replace(live, snapshot=snapshot, seen=now))
            return snapshot

    def touch(self, code: str, key: str) -> Snapshot | None:
        """A teacher's window is still open (its poll): the class, kept alive; None when it ended."""
        now = self.clock()
        live = self._teacher(code, key, now)
        if live is None or now - live.seen < TOUCH_EVERY_S:
            return live.snapshot if live else None
        with self.files.locked():
            live = self._teacher(code, key, now)
            if live is not None:
                self._write(replace(live, seen=now))
            return live.snapshot if live else None

    def end(self, code: str, key: str) -> bool:
        with self.files.locked():
            live = self._teacher(code, key, self.clock())
            if live is not None:
                self.files.remove(code)
            return live is not None

    def __len__(self) -> int:
        """The live classes (a scan of the folder: for tests and reports, not for a poll)."""
        now = self.clock()
        return sum(self._live(code, now) is not None for code in self.files.names())

    def _live(self, code: str, now: float) -> _Class | None:
        live = self.files.read(code) if _is_code(code) else None  # only a code forms a path
        # A far-future "seen" (a forged file, a clock set back hours) expires as well: no class lives for ever.
        return live if live is not None and abs(now - live.seen) <= IDLE_S else None

    def _teacher(self, code: str, key: str, now: float) -> _Class | None:
        live = self._live(code, now)
        if live is None or not hmac.compare_digest(live.key_hash.encode(), _digest(key).encode()):
            return None
        return live

    def _write(self, live: _Class) -> None:
        self.files.write(live.snapshot.code, live.to_json())

    def _sweep(self, now: float) -> int:
        """Under the lock: remove expired classes (not files that are no class: ignored, neither counted nor
        touched) and writers' leftovers; the number of live classes."""
        live = 0
        for code in filter(_is_code, self.files.names()):
            found = self.files.read(code)
            if found is None:
                continue
            if abs(now - found.seen) > IDLE_S:
                self.files.remove(code)
            else:
                live += 1
        self.files.remove_stale_temps()
        return live


def _fit(view: View) -> View:
    """The view, or only its page and step when its query would not fit a class file (a reader refuses a file
    over MAX_FILE_BYTES, so an oversized view must never be written)."""
    if len(view.query) <= MAX_PARAMS and len(json.dumps(view.query)) <= MAX_FILE_BYTES // 2:
        return view
    return View.of(view.page, {k: v for k, v in view.query if k == "step" and len(v) <= 8})


STORE = ClassStore(folder=class_folder())  # this server's classes, shared by its processes (see class_folder)
