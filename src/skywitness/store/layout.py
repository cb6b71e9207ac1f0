"""Where things are in a store directory, how its metadata is created, and the
small file-system helpers (atomic JSON, fsync) the store's protocols rely on.

::

    ROOT/date=YYYY-MM-DD/part-<commit>-<n>.parquet
    ROOT/_skywitness/store.json              format version (written last at creation)
    ROOT/_skywitness/commits/<commit>.json   one per finished commit
    ROOT/_skywitness/commits/<commit>.pending   a commit past its commit point
    ROOT/_skywitness/staging/<commit>/...    parts being written (*.tmp)
    ROOT/_skywitness/lock                    one writer at a time (holder in it)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from skywitness.model.schema import REPORT_SCHEMA
from skywitness.store.errors import (
    StoreCorruptError,
    StoreError,
    StoreMissingError,
    StoreWriteError,
)

META = "_skywitness"
STORE_JSON = "store.json"
COMMITS = "commits"
STAGING = "staging"
LOCK = "lock"
#: Format 2 records a checksum, size and row count per part; format 1 (before
#: checksums) is still read, and upgraded to 2 by the first writer.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
#: Suffix of atomic-write temporaries (unique per writer, see :func:`write_json`).
TMP_SUFFIX = ".tmp"
NS_PER_DAY = 86_400 * 10**9
#: A part's path relative to the root; nothing else is accepted in a commit record.
PART_PATH = re.compile(r"date=(\d{4}-\d{2}-\d{2})/part-[0-9A-Za-z_-]+\.parquet")
DATE_DIR = re.compile(r"date=(\d{4}-\d{2}-\d{2})")

#: On disk, times are microseconds: Spark cannot read Parquet TIMESTAMP(NANOS)
#: ("Illegal Parquet type"), and no source here is finer than a microsecond
#: in absolute time. Queries return the canonical nanosecond type.
STORE_SCHEMA = pa.schema(
    [REPORT_SCHEMA.field(n).with_type(pa.timestamp("us", tz="UTC")) if n == "time"
     else REPORT_SCHEMA.field(n) for n in REPORT_SCHEMA.names]
)  # fmt: skip


def date_of(ns: int) -> str:
    """``YYYY-MM-DD`` of a UTC time in nanoseconds."""
    return datetime.fromtimestamp(ns // 10**9, UTC).strftime("%Y-%m-%d")


def date_of_day(day: int) -> str:
    """``YYYY-MM-DD`` of a day number (days since 1970-01-01)."""
    return date_of(day * NS_PER_DAY)


def store_meta() -> dict[str, Any]:
    return {"format": "skywitness-store", "version": FORMAT_VERSION}


# -- creation and opening ------------------------------------------------------


def ensure_store(root: Path, *, create: bool) -> int:
    """Check ``root`` holds a store (creating it when asked); its format version.

    Creation is atomic and safe under concurrency: creators take a lock on the
    root directory itself (readable by anyone, so nothing is written before
    the store exists), the metadata directories are made, and ``store.json``
    is renamed into place last. A creation killed half-way (metadata
    directories without ``store.json``, no commit and no part) is finished by
    the next creator; readers say so without writing anything.
    """
    meta = root / META
    version = _read_version(meta)
    if version is not None:
        return version
    if not create:
        if meta.is_dir() and not _holds_data(root):
            raise StoreMissingError(
                f"{root}: no skywitness store here yet (its creation was interrupted; "
                "the next `skywitness ingest` finishes it)"
            )
        _refuse_damaged(root)
        raise StoreMissingError(f"{root}: no skywitness store here (run `skywitness ingest`)")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with _root_lock(root):
            version = _read_version(meta)  # another creator may have finished meanwhile
            if version is not None:
                return version
            _refuse_damaged(root)
            if any(e.name != META for e in os.scandir(root)):
                raise StoreError(f"{root}: directory exists, is not empty and is not a store")
            for sub in (COMMITS, STAGING):
                (meta / sub).mkdir(parents=True, exist_ok=True)
            (meta / LOCK).touch()
            for leftover in meta.glob(f"*{TMP_SUFFIX}"):  # a creation killed half-way
                leftover.unlink()
            write_json(meta / STORE_JSON, store_meta())
    except OSError as exc:
        raise StoreWriteError.from_os(exc, root, " (creating the store)") from None
    return FORMAT_VERSION


def _read_version(meta: Path) -> int | None:
    path = meta / STORE_JSON
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreCorruptError(path, f"unreadable store metadata: {exc.strerror}") from None
    try:
        version = json.loads(text).get("version")
    except (json.JSONDecodeError, AttributeError):
        raise StoreCorruptError(path, "store metadata is not a JSON object") from None
    if version not in READABLE_VERSIONS:
        raise StoreError(
            f"{path}: store format {version} is not one this skywitness reads "
            f"({', '.join(map(str, READABLE_VERSIONS))})"
        )
    return int(version)


def _holds_data(root: Path) -> bool:
    """Commit records or part files exist (so a missing store.json is damage)."""
    commits = root / META / COMMITS
    if commits.is_dir() and any(
        e.name.endswith((".json", ".pending")) for e in os.scandir(commits)
    ):
        return True
    return any(
        DATE_DIR.fullmatch(e.name) and e.is_dir() and any(Path(e.path).glob("*.parquet"))
        for e in os.scandir(root)
    )


def _refuse_damaged(root: Path) -> None:
    if (root / META).is_dir() and _holds_data(root):
        raise StoreCorruptError(
            root / META / STORE_JSON,
            "missing, but the store holds commit records or parts: the store's "
            "metadata is damaged (restore store.json from a copy of the store)",
        )


@contextlib.contextmanager
def _root_lock(root: Path) -> Any:
    """An exclusive lock on the root directory (creators only)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with contextlib.suppress(OSError):  # file systems without flock: best effort
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# -- small file-system helpers ---------------------------------------------------


def tmp_name(path: Path) -> Path:
    """A temporary sibling unique to this writer (two writers never share one)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically and durably; on any failure no temporary is left."""
    tmp = tmp_name(path)
    try:
        with tmp.open("w") as fh:
            json.dump(obj, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
