"""Writing commits: parts staged per UTC date, checksummed, published atomically.

The protocol (a kill at any moment leaves each input file absent or complete):

1. rows are grouped by UTC date in one pass per batch and written to staged
   parts, ``staging/<commit>/date=YYYY-MM-DD_part-<commit>-<n>.parquet.tmp``;
2. the parts are made durable and their size, row count and SHA-256 noted;
3. the date directories they go to are made;
4. the commit record is written as ``commits/<commit>.pending``, atomically
   and durably: **the commit point**;
5. the parts are renamed into place, then the record to ``<commit>.json``.

:func:`recover` (under the write lock) finishes commits past their commit
point and removes the staging of the others. A failure before the commit point
removes everything the commit wrote; after it, the commit is finished by the
next opening of the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from skywitness.store.errors import StoreCorruptError
from skywitness.store.integrity import file_checksum
from skywitness.store.layout import (
    COMMITS,
    DATE_DIR,
    STAGING,
    STORE_SCHEMA,
    TMP_SUFFIX,
    date_of_day,
    fsync_dir,
    fsync_file,
    write_json,
)
from skywitness.store.records import CHECKSUM, CommitRecord, PartRecord, read_record

#: Stored times are microseconds since 1970 (see layout.STORE_SCHEMA).
US_PER_DAY = 86_400 * 10**6
#: Rows per Parquet row group: small enough for time-range pruning, large
#: enough for compression (the Parquet default of 1M rows is too coarse here).
ROW_GROUP_ROWS = 262_144
COMPRESSION = "zstd"
#: Parts of fewer rows are written with snappy, without dictionaries, column
#: statistics or the Arrow schema (readers derive the same schema from the
#: Parquet one): zstd's per-column set-up costs more than it saves on a few
#: kilobytes, and the rest is footer. Measured on a 1-row part: 2.1 ms and
#: 9.7 kB with the options of large parts, 3.7 kB (under one 4 kB disk block)
#: with these; row groups this small gain nothing from statistics.
SMALL_PART_ROWS = 4096
SMALL_PART_OPTIONS: dict[str, Any] = {
    "compression": "snappy",
    "use_dictionary": False,
    "write_statistics": False,
    "store_schema": False,
}
#: Rows held in part buffers across all dates before they go to disk (two row
#: groups: about 80 MB of Arrow data at ~150 bytes a report).
BUFFERED_ROWS_MAX = 2 * ROW_GROUP_ROWS
#: Part buffers held at once without an open writer: each costs ~30 kB beyond
#: its rows (the Arrow objects of 37 columns; measured: 4,000 one-row pieces
#: held at once raised the peak RSS by 120 MB).
BUFFERED_PARTS_MAX = 1024
#: Rows of one date in a batch of several dates below which they wait with the
#: other scattered rows (one table, no per-date objects) rather than start a part.
SCATTERED_GROUP_ROWS = SMALL_PART_ROWS
#: Scattered rows held before they are written out, one part per date
#: (about 80 MB; until then a date scattered over many batches costs one file).
SCATTERED_ROWS_MAX = BUFFERED_ROWS_MAX
#: When part buffers are full, a date holding at least this many rows gets an
#: open Parquet writer (its part grows by row groups); a date holding fewer is
#: written out as a finished part (modelling choice: a quarter row group).
DENSE_DAY_ROWS = ROW_GROUP_ROWS // 4
#: Parquet writers open at once (file descriptors, compression contexts); the
#: least recently used is finished first (modelling choice, far below the usual
#: limit of 1024 open files).
OPEN_WRITERS_MAX = 32
#: Up to this many files, each is fsynced; beyond, one sync() is cheaper
#: (measured on ext4: 3.8 ms per fsync, 0.7 ms per file for one sync()).
FSYNC_EACH_MAX = 32


def to_store(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Canonical reports as stored (times floored to the microsecond); a
    batch already so is returned as it is (read-ahead converts each task's
    batch once: :func:`skywitness.io.readahead.read_ahead`)."""
    if batch.schema.equals(STORE_SCHEMA):
        return batch
    i = batch.schema.get_field_index("time")
    micro = pc.floor_temporal(batch.column(i), unit="microsecond")
    columns = list(batch.columns)
    columns[i] = micro.cast(STORE_SCHEMA.field("time").type)
    return pa.RecordBatch.from_arrays(columns, schema=STORE_SCHEMA)


def day_numbers(batch: pa.RecordBatch | pa.Table) -> np.ndarray:
    """UTC day of each stored row (days since 1970-01-01)."""
    us = batch.column("time").cast(pa.int64()).to_numpy()
    return np.asarray(np.floor_divide(us, US_PER_DAY))


def day_groups(days: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Rows grouped by day in one sort: ``order`` and ``(day, start, end)`` such
    that ``order[start:end]`` are the rows of ``day``, in their original order."""
    order = np.argsort(days, kind="stable")
    ordered = days[order]
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    starts = [0, *cuts.tolist()]
    ends = [*cuts.tolist(), len(order)]
    return order, [(int(ordered[a]), a, b) for a, b in zip(starts, ends, strict=True)]


def staged(staging: Path, rel: str) -> Path:
    """Where a part is staged: flat, one file per part (no directory per date)."""
    return staging / (rel.replace("/", "_") + TMP_SUFFIX)


class _Part:
    """One staged Parquet part of one date: buffered, then written by row groups.

    A small part is written whole from memory, and hashed there; a part
    written by row groups is hashed from disk when the commit is published.
    ``keep`` is how many of its rows came before the file being read (what a
    failure of that file cuts it back to).
    """

    def __init__(self, staging: Path, rel: str, day: int, keep: int = 0) -> None:
        self.rel = rel
        self.day = day
        self.tmp = staged(staging, rel)
        self.keep = keep
        self._writer: pq.ParquetWriter | None = None
        self._buffer: list[pa.RecordBatch] = []
        self.buffered = 0
        self.rows = 0
        self.closed = False
        self.size: int | None = None
        self.sha256: str | None = None

    @property
    def writing(self) -> bool:
        return self._writer is not None

    def write(self, batch: pa.RecordBatch) -> None:
        self._buffer.append(batch)
        self.buffered += batch.num_rows
        self.rows += batch.num_rows

    def flush(self) -> None:
        """Write the buffered rows (opening the Parquet writer if needed)."""
        if not self._buffer:
            return
        table = pa.Table.from_batches(self._buffer, schema=STORE_SCHEMA)
        if self._writer is None:  # a dense date: many rows to come
            self._writer = pq.ParquetWriter(self.tmp, STORE_SCHEMA, compression=COMPRESSION)
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self._buffer, self.buffered = [], 0

    def close(self) -> None:
        """Finish the file (nothing is written for a part of no rows)."""
        if self.closed:
            return
        if self._writer is None and self._buffer:
            self.write_whole(pa.Table.from_batches(self._buffer, schema=STORE_SCHEMA))
            self._buffer, self.buffered = [], 0
        else:
            self.flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.closed = True

    def write_whole(self, table: pa.Table) -> None:
        """Write the part in one go (it must hold nothing yet) and close it."""
        self.rows, self.closed = table.num_rows, True
        if table.num_rows >= SMALL_PART_ROWS:
            pq.write_table(table, self.tmp, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS)
            return
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, **SMALL_PART_OPTIONS)
        data = sink.getvalue()
        self.size, self.sha256 = data.size, hashlib.new(CHECKSUM, data).hexdigest()
        with self.tmp.open("wb") as fh:
            fh.write(data)

    def cut_back(self) -> None:
        """Keep only the first ``keep`` rows, and finish the part."""
        if self._writer is None and not self.closed:
            kept = pa.Table.from_batches(self._buffer, schema=STORE_SCHEMA).slice(0, self.keep)
            self._buffer = []
        else:
            self.close()
            kept = pq.read_table(self.tmp, schema=STORE_SCHEMA).slice(0, self.keep)
        self.abandon()
        self.rows, self.size, self.sha256, self.buffered = 0, None, None, 0
        if kept.num_rows:
            self.write_whole(kept)

    def record(self) -> PartRecord:
        """What the commit records of this (closed) part."""
        if self.sha256 is None or self.size is None:
            self.size, self.sha256 = self.tmp.stat().st_size, file_checksum(self.tmp)
        return PartRecord(self.rel, self.size, self.rows, self.sha256)

    def abandon(self) -> None:
        """Drop what is buffered and the staged file."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None
        self._buffer, self.buffered, self.closed = [], 0, True
        self.tmp.unlink(missing_ok=True)


class CommitWriter:
    """The parts and input files of one commit, until it is published.

    Rows of a batch of one date (the usual case) go to that date's part: its
    buffer, then row groups on disk. Rows of a batch of several dates are
    grouped by date in one sort; a date with many of them, or with a part
    already, gets them; the other, scattered rows wait together in one table
    and are written out one part per date when there are many of them or when
    the commit is published. So a batch costs time in proportion to its rows
    and memory stays bounded, however many dates the rows are spread over.

    A file that fails half-way is cut back out of the staged parts (rare;
    costs a rewrite of the parts it touched).
    """

    def __init__(self, root: Path, meta: Path) -> None:
        self.root = root
        self.meta = meta
        self.id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.staging = meta / STAGING / self.id
        self.started = time.monotonic()
        self.past_commit_point = False
        self._parts: list[_Part] = []
        self._named = 0  # parts named so far
        self._current: dict[int, _Part] = {}  # the part rows of a date go to now
        self._writing: OrderedDict[str, _Part] = OrderedDict()  # open writers, LRU first
        self._buffered = 0
        self._scattered: list[tuple[pa.RecordBatch, np.ndarray]] = []  # rows, their days
        self._scattered_rows = 0
        self._scattered_at_mark = 0  # scattered batches from before the current file
        self._touched: set[_Part] = set()  # parts written since the current file began
        self._files: list[dict[str, Any]] = []
        self._made_dirs: list[Path] = []
        self.rows = 0
        self._rows_at_mark = 0

    @property
    def committed(self) -> bool:
        """Past the commit point (its record exists): to be finished, never removed."""
        return self.past_commit_point or (self.meta / COMMITS / f"{self.id}.pending").exists()

    def age_s(self) -> float:
        return time.monotonic() - self.started

    # -- rows -------------------------------------------------------------

    def write(self, batch: pa.RecordBatch) -> None:
        """Add canonical reports (REPORT_SCHEMA) to the commit."""
        if batch.num_rows == 0:
            return
        self.rows += batch.num_rows
        stored = to_store(batch)
        days = day_numbers(stored)
        first = int(days[0])
        if (days == first).all():
            self._to_part(first, stored)
        else:
            order, groups = day_groups(days)
            scattered = []
            for day, a, b in groups:
                if day in self._current or b - a >= SCATTERED_GROUP_ROWS:
                    self._to_part(day, stored.take(pa.array(order[a:b])))
                else:
                    scattered.append(order[a:b])
            if scattered:
                rows = np.sort(np.concatenate(scattered))
                self._scattered.append((stored.take(pa.array(rows)), days[rows]))
                self._scattered_rows += len(rows)
                if self._scattered_rows > SCATTERED_ROWS_MAX:
                    self._write_scattered()
        sparse = len(self._current) - len(self._writing)
        if self._buffered > BUFFERED_ROWS_MAX or sparse > BUFFERED_PARTS_MAX:
            self._spill()

    def _new_part(self, day: int, keep: int = 0) -> _Part:
        if not self._parts:
            self.staging.mkdir(parents=True, exist_ok=True)
        rel = f"date={date_of_day(day)}/part-{self.id}-{self._named}.parquet"
        self._named += 1  # never reused, even after a rollback
        part = _Part(self.staging, rel, day, keep)
        self._parts.append(part)
        self._touched.add(part)
        return part

    def _to_part(self, day: int, piece: pa.RecordBatch) -> None:
        part = self._current.get(day)
        if part is None:
            part = self._current[day] = self._new_part(day)
        part.write(piece)
        self._touched.add(part)
        self._buffered += piece.num_rows
        if part.buffered >= ROW_GROUP_ROWS:
            self._flush(part)

    def _flush(self, part: _Part) -> None:
        self._buffered -= part.buffered
        part.flush()
        self._writing[part.rel] = part
        self._writing.move_to_end(part.rel)
        while len(self._writing) > OPEN_WRITERS_MAX:
            _, oldest = self._writing.popitem(last=False)
            self._finish(oldest)

    def _finish(self, part: _Part) -> None:
        """Close a part; the next rows of its date start a new one."""
        self._buffered -= part.buffered
        part.close()
        self._writing.pop(part.rel, None)
        if self._current.get(part.day) is part:
            del self._current[part.day]

    def _spill(self) -> None:
        """Part buffers are full (rows or parts): dates with a writer or many
        rows go to their writers, the others are finished."""
        for part in sorted(self._current.values(), key=lambda p: -p.buffered):
            if part.closed:  # finished meanwhile, as the least recently used writer
                continue
            if part.writing or part.buffered >= DENSE_DAY_ROWS:
                self._flush(part)
            else:
                self._finish(part)

    def _write_scattered(self) -> None:
        """Write the scattered rows out, one new finished part per date."""
        if not self._scattered:
            return
        before = sum(b.num_rows for b, _ in self._scattered[: self._scattered_at_mark])
        table = pa.Table.from_batches([b for b, _ in self._scattered], schema=STORE_SCHEMA)
        order, groups = day_groups(np.concatenate([d for _, d in self._scattered]))
        ordered = table.take(pa.array(order))  # one copy, then a slice per date
        for day, a, b in groups:
            # Rows from before the current file come first (the sort is stable).
            part = self._new_part(day, keep=int(np.count_nonzero(order[a:b] < before)))
            part.write_whole(ordered.slice(a, b - a))
        self._scattered, self._scattered_rows, self._scattered_at_mark = [], 0, 0

    # -- files and failures -------------------------------------------------

    def add_file(self, entry: dict[str, Any]) -> None:
        self._files.append(entry)

    def mark(self) -> None:
        """A file begins: a failure of it cuts the commit back to here."""
        for part in self._touched:
            part.keep = part.rows
        self._touched = set(self._current.values())
        self._scattered_at_mark = len(self._scattered)
        self._rows_at_mark = self.rows

    def rollback(self) -> None:
        """Cut out the rows of the file begun at the last :meth:`mark`."""
        for part in self._touched:
            if part.rows != part.keep:
                part.cut_back()
        self._parts = [p for p in self._parts if p.rows > 0 or not p.closed]
        del self._scattered[self._scattered_at_mark :]
        self._scattered_rows = sum(b.num_rows for b, _ in self._scattered)
        self._current = {p.day: p for p in self._parts if not p.closed}
        self._writing = OrderedDict((p.rel, p) for p in self._parts if p.writing)
        self._buffered = sum(p.buffered for p in self._current.values())
        self._touched = set(self._current.values())
        self.rows = self._rows_at_mark

    def discard(self) -> None:
        """Remove everything this commit wrote (only before its commit point)."""
        for part in self._parts:
            part.abandon()
        shutil.rmtree(self.staging, ignore_errors=True)
        for d in reversed(self._made_dirs):
            with contextlib.suppress(OSError):
                d.rmdir()  # only if still empty

    # -- publishing -----------------------------------------------------------

    def publish(self) -> CommitRecord | None:
        """Make the commit durable and visible; its record (None if it holds no file)."""
        if not self._files:
            self.discard()
            return None
        self._write_scattered()
        for part in self._parts:
            part.close()
        self._current.clear()
        self._writing.clear()
        parts = [p for p in self._parts if p.rows > 0]
        _sync([p.tmp for p in parts], self.staging)
        entries = [p.record() for p in parts]
        record = {
            "id": self.id,
            "created": datetime.now(UTC).isoformat(),
            "files": self._files,
            "parts": [e.as_json() for e in sorted(entries, key=lambda e: e.path)],
            "reports": sum(e.rows or 0 for e in entries),
        }
        for day in sorted({e.path.split("/", 1)[0] for e in entries}):
            d = self.root / day
            if not d.is_dir():
                d.mkdir()
                self._made_dirs.append(d)
        commits = self.meta / COMMITS
        pending = commits / f"{self.id}.pending"
        write_json(pending, record)  # the commit point
        self.past_commit_point = True
        rec = read_record(pending)
        move_parts(self.root, self.meta, rec, pending)
        os.replace(pending, commits / f"{self.id}.json")
        fsync_dir(commits)
        return rec


def _sync(files: list[Path], staging: Path) -> None:
    if len(files) > FSYNC_EACH_MAX:
        os.sync()
        return
    for f in files:
        fsync_file(f)
    if files:
        fsync_dir(staging)


def move_parts(root: Path, meta: Path, rec: CommitRecord, record_file: Path) -> None:
    """Rename a committed record's staged parts into place (idempotent)."""
    staging = meta / STAGING / rec.id
    moved: set[Path] = set()
    for part in rec.parts:
        dst = root / part.path
        for src in (staged(staging, part.path), staging / (part.path + TMP_SUFFIX)):
            if src.exists():  # the second: where format 1 staged parts
                try:
                    os.replace(src, dst)
                except FileNotFoundError:  # its date directory is not made yet
                    dst.parent.mkdir(exist_ok=True)
                    os.replace(src, dst)
                moved.add(dst.parent)
                break
        else:
            if not dst.exists():
                raise StoreCorruptError(
                    record_file, f"commit {rec.id} lost its part {part.path} before it was in place"
                )
    if len(moved) > FSYNC_EACH_MAX:
        os.sync()
    else:
        for d in moved:
            fsync_dir(d)
    shutil.rmtree(staging, ignore_errors=True)


def recover(root: Path, meta: Path) -> bool:
    """Finish commits past their commit point, remove unfinished staging and
    temporaries (the write lock must be held). True if anything was done."""
    commits = meta / COMMITS
    done = False
    for pending in sorted(commits.glob("*.pending")):
        rec = read_record(pending)
        move_parts(root, meta, rec, pending)
        os.replace(pending, commits / f"{rec.id}.json")
        fsync_dir(commits)
        done = True
    for tmp in commits.glob(f"*{TMP_SUFFIX}"):  # atomic writes cut short
        tmp.unlink(missing_ok=True)
        done = True
    staging = meta / STAGING
    discarded = False
    for leftover in sorted(staging.iterdir()) if staging.is_dir() else ():
        finished = commits / f"{leftover.name}.json"
        if finished.exists():  # renamed before all its parts were: finish moving them
            move_parts(root, meta, read_record(finished), finished)
        else:
            shutil.rmtree(leftover, ignore_errors=True)
            discarded = True
        done = True
    if discarded:  # date directories made for a commit that never reached its commit point
        for entry in os.scandir(root):
            if DATE_DIR.fullmatch(entry.name) and entry.is_dir():
                with contextlib.suppress(OSError):
                    os.rmdir(entry.path)
    return done
