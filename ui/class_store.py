"""The classes teachers run on this server, kept in this process: a short code per class, the view the
teacher shows, and how often the teacher has moved on. Plain Python (no Streamlit), one lock; the pages
use it through ui.classroom.

A code is 8 characters from a 30-letter alphabet (no 0/O, 1/I/L or U to misread off a projector), shown as
ABCD-EFGH: 30**8 = 6.6e11 codes, 39 bits. A wrong code costs its sender one of GUESSES_PER_MINUTE tries per
minute (per IP address, as Streamlit reports it). Over a 3-hour class that is 20 × 180 = 3,600 guesses per
address; with 100 classes live at once one address hits any of them with probability
100 × 3,600 / 6.6e11 ≈ 5e-7. Even an attacker spread over 1,000 addresses finds one with p ≈ 5e-4, and
unthrottled (1,000 guesses a second over a websocket for 3 hours, 1.1e7 guesses) p ≈ 1.6e-3 with 100
classes. A code dies after IDLE_S without the teacher (3 hours), so it is worth nothing the next day.

Moving a class needs its teacher key (16 random bytes, 128 bits), which only the teacher's windows hold.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Callable, Mapping

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 letters and digits, none that reads like another
CODE_LENGTH = 8
IDLE_S = 3 * 3600.0  # a class nobody has taught for this long ends
MAX_CLASSES = 200  # one server, one school: more live classes than this is a runaway, not a timetable
GUESSES_PER_MINUTE = 20  # wrong codes one address may send per minute
MAX_CLIENTS = 10_000  # addresses whose wrong guesses are remembered (the oldest are forgotten first)


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


@dataclass
class _Class:
    key: str
    snapshot: Snapshot
    seen: float  # the last time a teacher's window touched it


def normalize(text: str) -> str:
    """A code as typed or read aloud ("abcd efgh", "ABCD-EFGH") -> "ABCDEFGH"; anything else -> ""."""
    code = "".join(text.split()).replace("-", "").upper()
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else ""


def pretty(code: str) -> str:
    """ABCDEFGH -> ABCD-EFGH, easier to read off a projector."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


class ClassStore:
    """Live classes by code, guarded by one lock; every operation is O(1) apart from the sweep of expired
    classes, which runs when a class starts."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._classes: dict[str, _Class] = {}
        self._misses: dict[str, deque[float]] = {}  # address -> times of its wrong guesses in the last minute

    def start(self, view: View) -> tuple[str, str]:
        """A new class showing view: (code, teacher key)."""
        now = self.clock()
        with self._lock:
            self._sweep(now)
            if len(self._classes) >= MAX_CLASSES:
                raise ClassesFull()
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            while code in self._classes:  # 1 in 3e9 with 200 classes; still, never hand out a live code
                code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            key = secrets.token_urlsafe(16)
            self._classes[code] = _Class(key, Snapshot(code, view, 0, now, now), now)
            return code, key

    def peek(self, code: str) -> Snapshot | None:
        """The class by a code this session already joined (a follower's poll): None once it ended."""
        now = self.clock()
        with self._lock:
            live = self._live(code, now)
            return live.snapshot if live else None

    def join(self, code: str, client: str | None) -> Snapshot | None:
        """The class a typed or linked code names, None when none does; each miss counts against the
        sender's address (None: a local connection, counted together)."""
        now = self.clock()
        with self._lock:
            misses = self._misses.get(client or "local")
            while misses and now - misses[0] > 60.0:
                misses.popleft()
            if misses is not None and len(misses) >= GUESSES_PER_MINUTE:
                raise TooManyGuesses()
            live = self._live(normalize(code), now)
            if live is not None:
                return live.snapshot
            if len(self._misses) >= MAX_CLIENTS and (client or "local") not in self._misses:
                self._misses.pop(next(iter(self._misses)))
            self._misses.setdefault(client or "local", deque()).append(now)
            return None

    def publish(self, code: str, key: str, view: View) -> Snapshot | None:
        """The teacher shows view (a move when its page or step differs): the class now, None when the
        class ended or the key is not its teacher's."""
        now = self.clock()
        with self._lock:
            live = self._teacher(code, key, now)
            if live is None:
                return None
            old = live.snapshot
            if view != old.view:
                moved = view.moved_from(old.view)
                live.snapshot = replace(old, view=view, moves=old.moves + moved,
                                        moved_at=now if moved else old.moved_at)
            return live.snapshot

    def touch(self, code: str, key: str) -> Snapshot | None:
        """A teacher's window is still open (its poll): the class, kept alive; None when it ended."""
        now = self.clock()
        with self._lock:
            live = self._teacher(code, key, now)
            return live.snapshot if live else None

    def end(self, code: str, key: str) -> bool:
        with self._lock:
            live = self._teacher(code, key, self.clock())
            if live is not None:
                del self._classes[code]
            return live is not None

    def __len__(self) -> int:
        return len(self._classes)

    # --- under the lock ---------------------------------------------------------------------------------

    def _live(self, code: str, now: float) -> _Class | None:
        live = self._classes.get(code)
        if live is not None and now - live.seen > IDLE_S:
            del self._classes[code]
            return None
        return live

    def _teacher(self, code: str, key: str, now: float) -> _Class | None:
        live = self._live(code, now)
        if live is None or not hmac.compare_digest(live.key.encode(), str(key).encode()):
            return None
        live.seen = now
        return live

    def _sweep(self, now: float) -> None:
        for code in [c for c, live in self._classes.items() if now - live.seen > IDLE_S]:
            del self._classes[code]


STORE = ClassStore()  # the one store of this server process (Streamlit runs every session in it)
