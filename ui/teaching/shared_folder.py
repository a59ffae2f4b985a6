"""A folder of small JSON records that every process of one server shares (ui.teaching.class_store keeps a
class in each): a record is replaced whole (vae.atomic), so a reader never sees half of one; writers take one
lock file (fcntl.flock), so two read-modify-writes never interleave; a read is a stat, and parses the file only
when the stat changed.

The folder is untrusted input: a name forms a path only when it is a plain name (NAME); a file is read only if
it is a regular file (never through a link, never a FIFO) of at most max_bytes, and only through the caller's
parser, whose None (damaged, foreign) is no record.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Generic, Iterator, TypeVar

from vae.atomic import atomic_write_text

try:
    import fcntl
except ImportError:  # Windows: no flock; the thread lock below holds within one process, so serve one there
    fcntl = None

NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # no dot, no slash: a name never leaves the folder
SUFFIX = ".json"
LOCK_NAME = ".lock"
SETTLE_S = 1.0  # a file changed this recently is read again (its mtime may not tell two quick writes apart)
STALE_TEMP_S = 3600.0  # a writer's temporary file this old was left by a crash
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)  # no link; a FIFO does not block

T = TypeVar("T")
log = logging.getLogger(__name__)


class SharedFolder(Generic[T]):
    """Records by name in `folder`, parsed by parse(name, bytes) -> T | None. folder=None: a private folder,
    removed with this object. A shared folder is made 0700 at the first write, and must then be a real folder
    of this user that nobody else may write to; else the records go to a private folder (this process's only),
    with a warning, rather than into a folder another user controls."""

    def __init__(self, folder: str | os.PathLike | None, parse: Callable[[str, bytes], T | None], max_bytes: int):
        self.parse, self.max_bytes = parse, max_bytes
        self._lock = threading.Lock()  # this object's writers (the lock file orders them with everyone else's)
        self._cache: dict[str, tuple[tuple[int, int, int], T | None]] = {}  # name -> (the file's stat, record)
        self._checked = folder is None
        self.folder = Path(folder) if folder is not None else self._private()

    def path(self, name: str) -> Path | None:
        """The record's file; None for anything but a plain name."""
        return self.folder / f"{name}{SUFFIX}" if isinstance(name, str) and NAME.fullmatch(name) else None

    def read(self, name: str) -> T | None:
        """The record as the file holds it now (from the cache while the file's stat is unchanged)."""
        path = self.path(name)
        if path is None:
            return None
        try:
            info = os.lstat(path)
        except OSError:
            self._cache.pop(name, None)
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_size > self.max_bytes:
            return None
        cached = self._cache.get(name)
        if cached and cached[0] == _signature(info) and time.time() - info.st_mtime > SETTLE_S:
            return cached[1]
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
        except OSError:  # gone, or replaced by a link, since the stat
            return None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return None
            data = handle.read(self.max_bytes + 1)
        record = self.parse(name, data) if len(data) <= self.max_bytes else None
        if len(self._cache) > 1000:  # junk files by the thousand: forget, read again
            self._cache.clear()
        self._cache[name] = (_signature(info), record)
        return record

    def names(self) -> list[str]:
        """Every record's name (a scan of the folder)."""
        try:
            files = [entry.name for entry in os.scandir(self.folder)]
        except OSError:
            return []
        return [f[: -len(SUFFIX)] for f in files if f.endswith(SUFFIX) and NAME.fullmatch(f[: -len(SUFFIX)])]

    # --- writing: inside `with locked()` ------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """This object's lock, then the folder's lock file: every process, every other object over the folder."""
        with self._lock:
            self._ready()
            fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the flock

    def write(self, name: str, text: str) -> None:
        path = self.path(name)
        if path is None or len(text.encode()) > self.max_bytes:  # a file no reader would accept
            raise ValueError(f"not a record this folder can hold: {name!r}, {len(text)} characters")
        atomic_write_text(path, text)

    def remove(self, name: str) -> None:
        path = self.path(name)
        if path is not None:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        self._cache.pop(name, None)

    def remove_stale_temps(self) -> None:
        """Temporary files of writers that crashed (vae.atomic's .NAME.json.XXXX.tmp)."""
        try:
            for entry in os.scandir(self.folder):
                if entry.name.endswith(".tmp") and time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_S:
                    os.unlink(entry.path)
        except OSError:
            pass

    def _ready(self) -> None:
        if self._checked:
            return
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = os.lstat(self.folder)
        except OSError:
            info = None  # not ours to make (read-only, a file in the way): as unsafe
        ours = info is not None and (not hasattr(os, "geteuid") or info.st_uid == os.geteuid())
        if not (ours and stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o022):
            private = self._private()
            log.warning("%s is not a private folder of this user: using %s (not shared with other processes)",
                        self.folder, private)
            self.folder = private
        self._checked = True

    def _private(self) -> Path:
        folder = tempfile.mkdtemp(prefix="vae-shared-")
        weakref.finalize(self, shutil.rmtree, folder, True)
        return Path(folder)


def _signature(info: os.stat_result) -> tuple[int, int, int]:
    """What changes when a writer replaces the file (a new inode each time: vae.atomic renames a new file)."""
    return info.st_ino, info.st_size, info.st_mtime_ns
