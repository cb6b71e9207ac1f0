"""One writer at a time, and who it is.

A writer holds an exclusive ``flock`` on ``_skywitness/lock`` and writes who
it is into that file (pid, host, start time). Another writer either waits,
told who it waits for, or fails at once with :class:`StoreBusyError`.
Readers never take this lock and never open anything for writing: they read
the last finished commit (commits are only added, never changed in place).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skywitness.store.errors import StoreBusyError, StoreWriteError

#: How often a waiting writer tries the lock again (modelling choice: prompt
#: enough to start within a fraction of a second, rare enough to cost nothing).
LOCK_POLL_S = 0.2
#: What a writer may do when the store is busy: True waits as long as it takes,
#: False fails at once, a number waits that many seconds at most.
Wait = bool | float
#: How long a writer keeps trying before it calls the store busy: a reader
#: asking who writes holds a shared lock for microseconds (modelling choice).
LOCK_GRACE_S = 0.05


@dataclass(frozen=True)
class WriterInfo:
    """Who holds the write lock, as it wrote itself down (fields None if unknown)."""

    pid: int | None = None
    host: str | None = None
    started: str | None = None  # ISO-8601 UTC
    what: str = "ingest"

    def describe(self) -> str:
        """``the ingest started at 2025-02-04T21:13:42Z by pid 123 on host``."""
        words = [f"the {self.what}"]
        if self.started:
            words.append(f"started at {self.started}")
        if self.pid is not None:
            words.append(f"by pid {self.pid}")
        if self.host and self.host != socket.gethostname():
            words.append(f"on {self.host}")
        if len(words) == 1:
            words.append("of another process")
        return " ".join(words)

    def as_json(self) -> dict[str, Any]:
        return {"pid": self.pid, "host": self.host, "started": self.started, "what": self.what}


def _parse(text: str) -> WriterInfo:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        return WriterInfo()  # being written, or written by something else
    if not isinstance(raw, dict):
        return WriterInfo()
    pid = raw.get("pid")
    return WriterInfo(
        pid if isinstance(pid, int) else None,
        raw.get("host") if isinstance(raw.get("host"), str) else None,
        raw.get("started") if isinstance(raw.get("started"), str) else None,
        raw["what"] if isinstance(raw.get("what"), str) else "ingest",
    )


def current_writer(lock: Path) -> WriterInfo | None:
    """Who writes to the store now, or None; opens the lock file read-only."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder(fd)
        except OSError:
            return None  # no flock on this file system: nobody can be told
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _open_for_writing(lock: Path, root: Path) -> int:
    try:
        return os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise StoreWriteError(
                root, "the store is read-only (it can be queried, not written)"
            ) from None
        raise StoreWriteError.from_os(exc, lock) from None


@contextlib.contextmanager
def writer_lock(
    lock: Path,
    root: Path,
    *,
    wait: Wait = True,
    on_wait: Callable[[WriterInfo], None] | None = None,
    what: str = "ingest",
) -> Iterator[None]:
    """Hold the store's write lock for the block.

    If another process holds it: ``wait=False`` raises :class:`StoreBusyError`
    naming it; otherwise ``on_wait(holder)`` is called once and the lock is
    tried every :data:`LOCK_POLL_S` seconds, for ``wait`` seconds at most when
    it is a number (then StoreBusyError).
    """
    fd = _open_for_writing(lock, root)
    try:
        if not _try(fd, LOCK_GRACE_S):
            holder = _holder(fd)
            if wait is False:
                raise StoreBusyError(root, holder.describe())
            if on_wait is not None:
                on_wait(holder)
            deadline = None if wait is True else time.monotonic() + float(wait)
            while not _try(fd):
                if deadline is not None and time.monotonic() >= deadline:
                    raise StoreBusyError(
                        root, f"{_holder(fd).describe()} (waited {float(wait):g} s)"
                    )
                time.sleep(LOCK_POLL_S)
        with _holding(fd, what):
            yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def try_writer_lock(lock: Path, what: str) -> Iterator[bool]:
    """The write lock if it is free and the store writable (True), else False at once.

    For readers finishing a commit a killed writer left past its commit
    point: they do it only when they can, and read the last finished commit
    otherwise.
    """
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        yield False
        return
    try:
        if not _try(fd):
            yield False
            return
        with _holding(fd, what):
            yield True
    finally:
        os.close(fd)


@contextlib.contextmanager
def _holding(fd: int, what: str) -> Iterator[None]:
    """Write who holds the lock into it for the block (a courtesy, not the lock)."""
    me = WriterInfo(
        os.getpid(),
        socket.gethostname(),
        datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        what,
    )
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me.as_json()).encode(), 0)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)


def _holder(fd: int) -> WriterInfo:
    return _parse(os.pread(fd, 4096, 0).decode("utf-8", "replace"))


def _try(fd: int, grace_s: float = 0.0) -> bool:
    """Take the lock without blocking; for ``grace_s`` keep trying (a reader
    asking who writes holds a shared lock for microseconds)."""
    deadline = time.monotonic() + grace_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(grace_s / 10)
        else:
            return True
