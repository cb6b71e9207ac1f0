"""Reading files in worker processes, ahead of the store's writer.

A file's parsing, columns and validation are pure Python and NumPy work on
one core; the store's writer (Parquet encoding, commit records) runs on
another. :func:`read_ahead` reads the files given by :class:`Inputs` in a
pool of worker processes, several files per task (a task is about
:data:`TASK_BYTES` of input, so that thousands of small snapshot files do not
cost a round trip each), at most :data:`TASKS_AHEAD_PER_WORKER` tasks per
worker ahead of the writer (bounded memory), and hands them to the writer in
the order given, as the callables :meth:`~skywitness.store.Store.ingest`
takes. Each file is still read once, through one open file whose digest
names exactly the bytes read (:class:`~skywitness.io.reading.FileRead`, in
the worker); what a file's read returns to the writer is its validated
batches and its tally: the same rows, skips, notes and errors as a read in
the writer's own process (``tests/test_readahead.py``).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from skywitness.errors import InputError, ReaderBugError
from skywitness.io import registry
from skywitness.io.base import RECORD_COLUMN, Issue, ReadContext
from skywitness.io.ids import record_ids
from skywitness.io.reading import FileRead, Inputs, _failing, bug, open_found
from skywitness.io.validate import Validator
from skywitness.model.schema import REPORT_SCHEMA

#: Input bytes (as stored: compressed files count compressed) per worker task.
#: Small enough that a task's decoded JSON fits the memory its worker freed
#: from the last one: with 8 MiB tasks (16 ADS-B Exchange-sized snapshots, a
#: hundred thousand entries) a worker faulted in fresh pages for every task,
#: 1.8 M page faults for 500 such files (a tenth of the CPU time, in the
#: kernel); with 1 MiB, 0.9 M, ingest ~8 % faster and half the memory.
TASK_BYTES = 1 << 20
#: Files per worker task at most (small files: the round trip is amortised).
TASK_FILES = 256
#: Tasks in flight per worker: the memory held is about this many tasks'
#: reports per worker.
TASKS_AHEAD_PER_WORKER = 2
#: A task of at least this many files reads its readsb snapshots as one batch.
GROUP_MIN_FILES = 4
#: Below this many input bytes a pool is not worth its start (about half a
#: second to import the package in each worker): the files are read in-process.
MIN_POOL_BYTES = 32 << 20


def default_workers() -> int:
    """Worker processes for reading: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _Done:
    """What a worker returns for one file."""

    path: Path
    kind: str  # "read", "unsupported", "error", "bug"
    error: InputError | None = None
    digest: str = ""
    size: int | None = None
    reader: str = ""
    rows: int = 0
    batches: list[pa.RecordBatch] = field(default_factory=list)
    skipped: int = 0
    issues: list[Issue] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)
    #: Read with the task's other snapshots: (start, rows) in the task's batch.
    part: tuple[int, int] | None = None


class ReadAhead(FileRead):
    """A file already read by a worker: iterating yields its validated batches."""

    def __init__(self, done: _Done, shared: pa.RecordBatch | None = None) -> None:
        ctx = ReadContext(path=done.path)
        ctx.skipped, ctx.issues, ctx.notes = done.skipped, done.issues, done.notes
        super().__init__(done.path, registry.get(done.reader), done.digest, ctx)
        self._size = done.size
        self._batches_read = done.batches
        if done.part is not None and shared is not None:
            self._batches_read = [shared.slice(*done.part)]

    @property
    def size(self) -> int | None:
        return self._size

    def prefix_digest(self, n: int) -> str | None:
        """SHA-256 of the file's first ``n`` bytes, read again (rare: only for a
        path ingested before with fewer bytes)."""
        h = hashlib.sha256()
        with self.path.open("rb") as fh:
            left = n
            while left > 0:
                chunk = fh.read(min(left, 1 << 20))
                if not chunk:
                    return None
                h.update(chunk)
                left -= len(chunk)
        return h.hexdigest()

    def close(self) -> None:
        self._batches_read = []

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        batches, self._batches_read = self._batches_read, []
        for batch in batches:
            self.rows += batch.num_rows
            yield batch


def _read_one(path: Path, fmt: str | None, in_directory: bool, options: dict[str, Any]) -> _Done:
    try:
        fr = open_found(path, format=fmt, in_directory=in_directory, **options)
    except Exception as exc:
        return _failed(path, exc)
    if fr is None:
        return _Done(path, "unsupported")
    return _read_open(fr)


def _read_open(fr: FileRead) -> _Done:
    """What reading an open file gives (it is closed at the end of the read)."""
    path = fr.path
    try:
        batches = list(fr)
    except Exception as exc:
        return _failed(path, exc)
    ctx = fr.ctx
    return _Done(
        path, "read", digest=fr.digest, size=fr.size, reader=fr.reader.name, rows=fr.rows,
        batches=batches, skipped=ctx.skipped, issues=ctx.issues, notes=ctx.notes,
    )  # fmt: skip


def _failed(path: Path, exc: Exception) -> _Done:
    """What a worker returns for a file whose open or read raised ``exc``."""
    if isinstance(exc, ReaderBugError):
        return _Done(path, "bug", error=exc)
    if isinstance(exc, InputError):
        return _Done(path, "error", error=exc)
    if isinstance(exc, MemoryError):
        return _Done(
            path, "error", error=InputError(str(path), "not enough memory to read this file")
        )
    return _Done(path, "bug", error=bug(str(path), exc))


def _read_task(
    items: list[tuple[Path, str | None, bool]], options: dict[str, Any]
) -> tuple[list[_Done], pa.RecordBatch | None]:
    """The files of one task, and the one batch its snapshots were read into."""
    import gc

    # A task's decoded JSON is hundreds of thousands of small dicts and lists
    # that live until their columns are built: the cyclic collector would scan
    # them again and again (a third of the worker's time) and never find a
    # cycle. It runs once, after the task.
    was = gc.isenabled()
    gc.disable()
    try:
        return _read_task_files(items, options)
    finally:
        if was:
            gc.enable()


def _read_task_files(
    items: list[tuple[Path, str | None, bool]], options: dict[str, Any]
) -> tuple[list[_Done], pa.RecordBatch | None]:
    if len(items) >= GROUP_MIN_FILES:
        grouped = _read_snapshots(items, options)
        if grouped is not None:
            return grouped
    return [_read_one(path, fmt, in_dir, options) for path, fmt, in_dir in items], None


@dataclass
class _Snapshot:
    index: int
    fr: FileRead
    entries: list[Any]
    now_us: int


def _read_snapshots(
    items: list[tuple[Path, str | None, bool]], options: dict[str, Any]
) -> tuple[list[_Done], pa.RecordBatch | None] | None:
    """A task's readsb snapshots read as one batch (one conversion and one
    validation instead of one per file: small snapshot files cost little
    more than their JSON); the other files as usual. None when a snapshot
    needs the per-file path (an entry to skip, a damaged file): then every
    file of the task is read on its own, as without grouping."""
    from skywitness.io.readsb.aircraft import NAME, POSITION_MAX_LAG_S, snapshot_entries
    from skywitness.io.readsb.columns import snapshot_batch

    done: dict[int, _Done] = {}
    snaps: list[_Snapshot] = []
    try:
        for k, (path, fmt, in_dir) in enumerate(items):
            fr = open_found(path, format=fmt, in_directory=in_dir, **options)
            if fr is None:
                done[k] = _Done(path, "unsupported")
                continue
            if fr.reader.name != NAME or fr.source is None:
                done[k] = _read_open(fr)
                continue
            try:
                with fr.source.active():
                    entries, now_us = snapshot_entries(path, fr.ctx)
                if fr.source.problem() is not None:
                    return None
            finally:
                fr.close()
            snaps.append(_Snapshot(k, fr, entries, now_us))
    except Exception:  # InputError or worse: each file on its own says what
        return None
    if not snaps:
        return [done[k] for k in range(len(items))], None
    sizes = [len(s.entries) for s in snaps]
    raw = snapshot_batch(
        [e for s in snaps for e in s.entries],
        np.repeat(np.array([s.now_us for s in snaps], dtype=np.int64), sizes),
        NAME,
        POSITION_MAX_LAG_S,
        np.concatenate([np.arange(n, dtype=np.int64) for n in sizes]),
    )
    if raw is None:
        return None
    ids = np.concatenate([record_ids(s.fr.digest, 0, n) for s, n in zip(snaps, sizes, strict=True)])
    ctx = ReadContext(path=items[0][0])
    good = Validator(ctx).check(raw.append_column("record_id", pa.array(ids, pa.int64())))
    if ctx.skipped:
        return None  # each file on its own names its skipped records
    batch = good.drop_columns([RECORD_COLUMN]).select(REPORT_SCHEMA.names).cast(REPORT_SCHEMA)
    start = 0
    for s, n in zip(snaps, sizes, strict=True):
        fr = s.fr
        done[s.index] = _Done(
            fr.path, "read", digest=fr.digest, size=fr.size, reader=NAME, rows=n,
            part=(start, n),
        )  # fmt: skip
        start += n
    return [done[k] for k in range(len(items))], batch


def _tasks(inputs: Inputs, workers: int) -> Iterator[list[tuple[Path, str | None, bool]]]:
    """Groups of files to read in one task: at least eight tasks per worker
    when the input is small, at most :data:`TASK_BYTES` or
    :data:`TASK_FILES` each."""
    sizes = [_size(path) for path, _ in inputs.files]
    most = min(TASK_BYTES, max(1, sum(sizes) // (8 * workers)))
    task: list[tuple[Path, str | None, bool]] = []
    size = 0
    for (path, in_directory), n in zip(inputs.files, sizes, strict=True):
        task.append((path, inputs.format, in_directory))
        size += n
        if size >= most or len(task) >= TASK_FILES:
            yield task
            task, size = [], 0
    if task:
        yield task


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # opening it will say why
        return 0


def input_bytes(inputs: Inputs) -> int:
    """Bytes of the files to read (as stored)."""
    return sum(_size(path) for path, _ in inputs.files)


def read_ahead(
    inputs: Inputs,
    workers: int,
    on_skip: Callable[[Path], None] | None = None,
    shared_as: Callable[[pa.RecordBatch], pa.RecordBatch] | None = None,
) -> Iterator[Callable[[], FileRead]]:
    """As :meth:`Inputs.openers`, the files read by ``workers`` processes.

    ``shared_as``: applied once to the batch a task's snapshots were read
    into, before it is sliced into each file's rows (the store's own form of
    the rows, row by row: one conversion per task instead of one per file)."""
    for s in inputs.skipped:
        if s.error:
            yield _failing(InputError(str(s.path), s.reason))
    options = {"reference": inputs.reference, "start_time_ns": inputs.start_time_ns}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[tuple[list[_Done], pa.RecordBatch | None]]] = deque()
        tasks = _tasks(inputs, workers)
        try:
            while True:
                while len(pending) < workers * TASKS_AHEAD_PER_WORKER:
                    task = next(tasks, None)
                    if task is None:
                        break
                    pending.append(pool.submit(_read_task, task, options))
                if not pending:
                    return
                dones, shared = pending.popleft().result()
                if shared is not None and shared_as is not None:
                    shared = shared_as(shared)
                for done in dones:
                    opener = _opener(done, inputs, on_skip, shared)
                    if opener is not None:
                        yield opener
        finally:
            for fut in pending:
                fut.cancel()


def _opener(
    done: _Done,
    inputs: Inputs,
    on_skip: Callable[[Path], None] | None,
    shared: pa.RecordBatch | None,
) -> Callable[[], FileRead] | None:
    if done.kind == "unsupported":
        inputs.unsupported.append(done.path)
        if on_skip is not None:
            on_skip(done.path)
        return None
    if done.kind in ("error", "bug"):
        assert done.error is not None
        if done.kind == "bug":
            inputs.bugs.append(Issue(done.error.file, None, done.error.reason))
        return _failing(done.error)
    return lambda: ReadAhead(done, shared)
