"""Commit records: what each commit added (input files, parts with their
checksums), read and checked strictly so that a damaged record is an error
naming its file, never a KeyError or an empty store."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skywitness.store.errors import StoreCorruptError
from skywitness.store.layout import PART_PATH

#: Checksum of a part's bytes, as recorded (hashlib name).
CHECKSUM = "sha256"


@dataclass(frozen=True)
class PartRecord:
    """One part file as its commit recorded it.

    ``size``, ``rows`` and ``sha256`` are None for parts written before
    checksums (store format 1): those are checked structurally only.
    """

    path: str  # relative to the store root: date=YYYY-MM-DD/part-....parquet
    size: int | None = None
    rows: int | None = None
    sha256: str | None = None

    @property
    def day(self) -> str:
        return self.path.split("/", 1)[0].removeprefix("date=")

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "bytes": self.size, "rows": self.rows, CHECKSUM: self.sha256}


@dataclass(frozen=True)
class CommitRecord:
    """One commit: its id, the input files it added and its parts."""

    id: str
    file: Path  # the record's own file
    files: tuple[dict[str, Any], ...]
    parts: tuple[PartRecord, ...]
    reports: int
    raw: dict[str, Any]


def parse_record(path: Path, text: str) -> CommitRecord:
    """A commit record read from ``path``; StoreCorruptError naming it when malformed."""

    def bad(reason: str) -> StoreCorruptError:
        return StoreCorruptError(path, f"damaged commit record: {reason}")

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(raw, dict):
        raise bad("not a JSON object")
    for key, kind in (("id", str), ("files", list), ("parts", list), ("reports", int)):
        if key not in raw:
            raise bad(f"no {key!r}")
        if not isinstance(raw[key], kind) or isinstance(raw[key], bool):
            raise bad(f"{key!r} is not a {kind.__name__}")
    stem = path.name.rsplit(".", 1)[0]
    if raw["id"] != stem:
        raise bad(f"its id {raw['id']!r} is not its file name")
    files = raw["files"]
    if not all(isinstance(f, dict) and isinstance(f.get("digest"), str) for f in files):
        raise bad("an input file without a digest")
    parts = tuple(_part(p, bad) for p in raw["parts"])
    if len({p.path for p in parts}) != len(parts):
        raise bad("a part listed twice")
    return CommitRecord(raw["id"], path, tuple(files), parts, raw["reports"], raw)


def _part(item: Any, bad: Any) -> PartRecord:
    if isinstance(item, str):  # format 1: a path, no checksum
        if not PART_PATH.fullmatch(item):
            raise bad(f"bad part path {item!r}")
        return PartRecord(item)
    if not isinstance(item, dict):
        raise bad(f"bad part entry {item!r}")
    path, size, rows, digest = (item.get(k) for k in ("path", "bytes", "rows", CHECKSUM))
    if not isinstance(path, str) or not PART_PATH.fullmatch(path):
        raise bad(f"bad part path {path!r}")
    if not isinstance(size, int) or not isinstance(rows, int) or size < 0 or rows < 0:
        raise bad(f"part {path}: no size or row count")
    if not isinstance(digest, str) or len(digest) != 64:
        raise bad(f"part {path}: no {CHECKSUM} checksum")
    return PartRecord(path, size, rows, digest)


def read_record(path: Path) -> CommitRecord:
    try:
        text = path.read_text()
    except OSError as exc:
        raise StoreCorruptError(path, f"unreadable commit record: {exc.strerror}") from None
    return parse_record(path, text)


class RecordCache:
    """Finished commit records of one store, each parsed once.

    A ``.json`` record is never changed after it appears (commits are only
    added), so a record is keyed by its name and parsed on first sight.
    """

    def __init__(self, commits: Path) -> None:
        self.commits = commits
        self._parsed: dict[str, CommitRecord] = {}

    def finished(self) -> list[CommitRecord]:
        """Every finished commit, oldest first (ids start with their UTC time)."""
        try:
            names = sorted(e.name for e in os.scandir(self.commits) if e.name.endswith(".json"))
        except FileNotFoundError:
            raise StoreCorruptError(
                self.commits,
                "the commit records directory is missing: the store's parts cannot be "
                "told apart from unfinished work (the store is damaged)",
            ) from None
        except OSError as exc:
            raise StoreCorruptError(self.commits, f"unreadable: {exc.strerror}") from None
        out = []
        for name in names:
            rec = self._parsed.get(name)
            if rec is None:
                rec = self._parsed[name] = read_record(self.commits / name)
            out.append(rec)
        return out

    def pending(self) -> list[CommitRecord]:
        """Commits past their commit point whose parts may not all be in place."""
        out = []
        for path in sorted(self.commits.glob("*.pending")):
            try:
                out.append(read_record(path))
            except StoreCorruptError:
                if path.exists():
                    raise
                # renamed to .json meanwhile: the caller reads finished() after this
        return out
