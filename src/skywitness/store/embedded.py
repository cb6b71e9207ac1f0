"""The embedded default store: a Parquet dataset partitioned by UTC date,
that never loses a finished commit and never reads a damaged part as data.

Layout (readable as-is by DuckDB, pandas, pyarrow and Spark; the metadata
directory starts with ``_`` so dataset readers ignore it, and holds no
``*.parquet`` file, so a ``**/*.parquet`` glob never sees work in progress):
see :mod:`skywitness.store.layout`.

Ingest is atomic per file and idempotent: a file's rows are committed
together with its content digest, and a file whose digest is in a commit is
never ingested again. A file is read once, through one open file: the digest
names exactly the bytes stored, and a file cut or rewritten while it is read
is refused whole (:class:`skywitness.io.reading.FileRead`). A file whose first
bytes are those of a file ingested before from the same path (a capture that
grew since) is refused with a message saying which bytes are new: its first
bytes are never stored twice. Commits are published by the protocol of
:mod:`skywitness.store.writer`, every :data:`COMMIT_ROWS` rows or
:data:`COMMIT_SECONDS` seconds (at the end of a file), so a kill keeps all
but the last few seconds of an ingest. One writer at a time
(:mod:`skywitness.store.locking`); readers never wait for it and never write:
they read the last finished commit. Every part carries its size, row count
and SHA-256 in its commit record, and every query checks the parts it opens
(:mod:`skywitness.store.integrity`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from skywitness.errors import InputError
from skywitness.io.base import Issue
from skywitness.io.reading import FileRead
from skywitness.model.schema import REPORT_SCHEMA
from skywitness.model.time import parse_time
from skywitness.progress import Progress, no_progress
from skywitness.store.errors import StoreCorruptError, StoreError, StoreWriteError
from skywitness.store.integrity import (
    PartChecker,
    Problem,
    VerifyReport,
    footer_problem,
    part_files,
)
from skywitness.store.layout import (
    COMMITS,
    FORMAT_VERSION,
    LOCK,
    META,
    STORE_JSON,
    STORE_SCHEMA,
    date_of,
    ensure_store,
    store_meta,
    write_json,
)
from skywitness.store.locking import (
    Wait,
    WriterInfo,
    current_writer,
    try_writer_lock,
    writer_lock,
)
from skywitness.store.records import CommitRecord, PartRecord, RecordCache, read_record
from skywitness.store.writer import ROW_GROUP_ROWS, CommitWriter, recover

__all__ = [
    "COMMIT_ROWS",
    "COMMIT_SECONDS",
    "DEFAULT_STORE",
    "ROW_GROUP_ROWS",
    "STORE_SCHEMA",
    "IngestResult",
    "Store",
    "resolve_store",
]

DEFAULT_STORE = Path("skywitness-data")
STORE_ENV = "SKYWITNESS_STORE"
#: Rows after which a commit is published (at the end of the file being read):
#: bounds the work an interrupted ingest loses to seconds (measured: 1 M
#: readsb trace reports ingest in 15 s on a busy 2-core machine) and
#: keeps the parts of a dense day at a few row groups, a size Parquet readers like.
COMMIT_ROWS = 1_000_000
#: Seconds after which a commit is published (at the end of the file being
#: read), for slow inputs: a kill loses at most this much work plus the file
#: being read (modelling choice; a commit costs a few fsyncs, ~20 ms).
COMMIT_SECONDS = 30.0


#: :meth:`Store.write_buckets` copies the window in this many shares of its
#: parts (a progress step each; more would add files per bucket).
BUCKET_COPY_SHARES = 20
#: DuckDB's memory for :meth:`Store.write_buckets` (measured on 10^7 reports
#: in 6 buckets: 2.2 GB peak without a limit, 1.3 GB with this, 10 % slower).
BUCKET_COPY_MEMORY = "1GB"


def _connect() -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def resolve_store(path: str | os.PathLike[str] | None) -> Path:
    """The store directory: the argument, else $SKYWITNESS_STORE, else ./skywitness-data."""
    if path:
        return Path(path)
    env = os.environ.get(STORE_ENV)
    return Path(env) if env else DEFAULT_STORE


@dataclass
class IngestResult:
    """What an ingest did: files read, reports added, records skipped, errors."""

    files: int = 0
    already: int = 0
    reports: int = 0
    skipped: int = 0
    commits: int = 0
    errors: list[Issue] = field(default_factory=list)
    skip_reasons: list[Issue] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "reports": self.reports,
            "skipped": self.skipped,
            "errors": [
                {"file": e.file, "record": e.record, "reason": e.reason} for e in self.errors
            ],
        }


class Store:
    """An embedded store rooted at a directory.

    ``Store(root)`` creates the store if the directory is new or empty;
    ``create=False`` only opens an existing one. Opening never waits for a
    running ingest and never needs write access.
    """

    def __init__(self, root: str | os.PathLike[str], *, create: bool = True) -> None:
        self.root = Path(root)
        self._meta = self.root / META
        self._lock = self._meta / LOCK
        self._version = ensure_store(self.root, create=create)
        self._records = RecordCache(self._meta / COMMITS)
        self._checker = PartChecker(self.root)
        if not (self._meta / COMMITS).is_dir():
            self._records.finished()  # raises: the commit records are missing
        self._finish_interrupted()

    # -- recovery -------------------------------------------------------------

    def _finish_interrupted(self) -> None:
        """Finish a commit a killed writer left past its commit point, when the
        store is writable and no writer runs; else read the last finished one."""
        if not any((self._meta / COMMITS).glob("*.pending")):
            return
        with try_writer_lock(self._lock, "recovery of an interrupted ingest") as mine:
            if mine:
                # read-only after all: readers read the last finished commit
                with contextlib.suppress(OSError):
                    recover(self.root, self._meta)

    # -- reading metadata ---------------------------------------------------

    def commits(self) -> list[dict[str, Any]]:
        """Every finished commit record (as JSON objects), oldest first."""
        return [r.raw for r in self._records.finished()]

    def digests(self) -> set[str]:
        """Content digests of every file already in the store."""
        return {f["digest"] for c in self._records.finished() for f in c.files}

    def parts(self, start_ns: int | None = None, end_ns: int | None = None) -> list[Path]:
        """Committed part files, pruned to the dates overlapping [start, end)
        (listed, not checked: see :meth:`verify`)."""
        return [self.root / p.path for p in self._selected(start_ns, end_ns)[1]]

    def writer(self) -> WriterInfo | None:
        """Who is writing to the store now (an ingest), or None."""
        return current_writer(self._lock)

    def _selected(
        self, start_ns: int | None, end_ns: int | None
    ) -> tuple[list[CommitRecord], list[PartRecord]]:
        lo = None if start_ns is None else date_of(start_ns)
        hi = None if end_ns is None else date_of(end_ns - 1)
        records = self._records.finished()
        parts = [
            p
            for r in records
            for p in r.parts
            if (lo is None or p.day >= lo) and (hi is None or p.day <= hi)
        ]
        return records, parts

    def checked_parts(self, start_ns: int | None = None, end_ns: int | None = None) -> list[Path]:
        """The parts a read of [start, end) opens, each checked against its commit
        record first (size, SHA-256, footer), as every query checks them: for a
        reader of its own (the Spark engine reads these files as they are).
        :class:`~skywitness.store.errors.StoreCorruptError` names a damaged one."""
        return self._checked(start_ns, end_ns)

    def _checked(self, start_ns: int | None, end_ns: int | None) -> list[Path]:
        """The parts a read of [start, end) opens, each checked against its record."""
        records, parts = self._selected(start_ns, end_ns)
        lo = None if start_ns is None else date_of(start_ns)
        hi = None if end_ns is None else date_of(end_ns - 1)
        self._refuse_unlisted(records, lo, hi)
        problems = self._checker.check(parts)
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more damaged parts)" if len(problems) > 1 else ""
            raise StoreCorruptError(first.file, first.reason + more)
        return [self.root / p.path for p in parts]

    def _unlisted(self, records: list[CommitRecord], lo: str | None, hi: str | None) -> set[str]:
        """Part files on disk (dates in [lo, hi]) that no commit lists."""
        unknown = part_files(self.root, lo, hi) - {p.path for r in records for p in r.parts}
        if unknown:  # a writer may have published meanwhile: pending first, then finished
            later = [*self._records.pending(), *self._records.finished()]
            unknown -= {p.path for r in later for p in r.parts}
        return unknown

    def _refuse_unlisted(self, records: list[CommitRecord], lo: str | None, hi: str | None) -> None:
        unknown = self._unlisted(records, lo, hi)
        if not unknown:
            return
        first = self.root / min(unknown)
        if not records:
            reason = (
                f"a part file, but the store has no commit record ({len(unknown)} such files): "
                "its commit records are missing, the store is damaged (not empty)"
            )
        else:
            reason = (
                f"a part file no commit record lists ({len(unknown)} such files): "
                "a commit record is missing, the store is damaged"
            )
        raise StoreCorruptError(first, reason)

    # -- checking -------------------------------------------------------------

    def verify(self, parts: Iterable[str | os.PathLike[str]] | None = None) -> VerifyReport:
        """Check every part (or the given ones) against its commit record.

        Reads each part whole: size, SHA-256, Parquet footer (schema, row
        count); each commit's row total; part files no record lists; damaged
        records. Never raises for what it finds: see ``report.problems``.
        """
        problems: list[Problem] = []
        commits_dir = self._meta / COMMITS
        records: list[CommitRecord] = []
        pending: list[CommitRecord] = []
        if not commits_dir.is_dir():
            problems.append(Problem(str(commits_dir), "missing: the commit records are lost"))
        else:
            for path in sorted(commits_dir.iterdir()):
                if path.suffix not in (".json", ".pending"):
                    continue
                try:
                    rec = read_record(path)
                except StoreCorruptError as exc:
                    problems.append(Problem(exc.file, exc.reason))
                    continue
                (records if path.suffix == ".json" else pending).append(rec)
        every = {p.path: p for r in records for p in r.parts}
        if parts is None:
            selected = list(every.values())
        else:
            selected = []
            for given in parts:
                rel = _relative(self.root, Path(given))
                if rel in every:
                    selected.append(every[rel])
                else:
                    problems.append(Problem(str(given), "not a part of any finished commit"))
        problems += self._checker.check(selected, deep=True)
        chosen = {p.path for p in selected}
        for rec in records:
            if all(p.path in chosen for p in rec.parts) and all(
                p.rows is not None for p in rec.parts
            ):
                total = sum(p.rows or 0 for p in rec.parts)
                if total != rec.reports:
                    problems.append(
                        Problem(
                            str(rec.file), f"its parts hold {total} reports, it says {rec.reports}"
                        )
                    )
        if parts is None:
            listed = set(every) | {p.path for r in pending for p in r.parts}
            for rel in sorted(part_files(self.root) - listed):
                problems.append(Problem(str(self.root / rel), "a part file no commit record lists"))
        notes = []
        holder = self.writer()
        if holder is not None:
            notes.append(f"{holder.describe()} is writing: its unfinished commit was not checked")
        if pending and holder is None:
            notes.append(
                f"{len(pending)} commits past their commit point are finished by the next ingest"
            )
        return VerifyReport(
            store=str(self.root),
            commits=len(records),
            parts=len(selected),
            bytes=sum(_size(self.root / p.path) for p in selected),
            rows=sum(p.rows or 0 for p in selected),
            problems=tuple(problems),
            unchecksummed=sum(p.sha256 is None for p in selected),
            unfinished=len(pending),
            notes=tuple(notes),
        )

    # -- ingest -------------------------------------------------------------

    def ingest(
        self,
        files: Iterable[Callable[[], FileRead]],
        *,
        on_file: Callable[[IngestResult], None] | None = None,
        on_rows: Callable[[int], None] | None = None,
        commit_rows: int = COMMIT_ROWS,
        commit_seconds: float = COMMIT_SECONDS,
        wait: Wait = True,
        on_wait: Callable[[WriterInfo], None] | None = None,
    ) -> IngestResult:
        """Ingest files (given as callables that open them), atomically per file.

        ``on_file`` is called after each file, ``on_rows`` after each batch
        written (for progress on long files). A commit is published after the
        file that brings it to ``commit_rows`` rows or ``commit_seconds``
        seconds.

        One writer at a time: if another process is ingesting, ``wait=False``
        raises :class:`~skywitness.store.errors.StoreBusyError` naming it;
        otherwise ``on_wait(holder)`` is called once and the ingest starts
        when the other ends (after ``wait`` seconds at most, if a number).

        A callable that raises :class:`InputError` counts as a file that could
        not be read; the other files are still ingested. A store that cannot be
        written (disk full, read-only, permission) raises
        :class:`~skywitness.store.errors.StoreWriteError`, and nothing of the
        unfinished commit is left behind.
        """
        result = IngestResult()
        with writer_lock(self._lock, self.root, wait=wait, on_wait=on_wait):
            try:
                recover(self.root, self._meta)
                if self._version != FORMAT_VERSION:
                    write_json(self._meta / STORE_JSON, store_meta())
                    self._version = FORMAT_VERSION
            except OSError as exc:
                raise StoreWriteError.from_os(exc, self._meta) from None
            known = self.digests()
            earlier = self._sizes_by_path()
            commit: CommitWriter | None = None
            try:
                commit = CommitWriter(self.root, self._meta)
                for opener in files:
                    self._ingest_one(opener, commit, known, earlier, result, on_rows)
                    if on_file:
                        on_file(result)
                    if commit.rows >= commit_rows or commit.age_s() >= commit_seconds:
                        if commit.publish() is not None:
                            result.commits += 1
                        commit = CommitWriter(self.root, self._meta)
                if commit.publish() is not None:
                    result.commits += 1
            except BaseException as exc:
                if commit is not None and not commit.committed:
                    commit.discard()
                if isinstance(exc, OSError):
                    raise StoreWriteError.from_os(
                        exc, self.root, _outcome(commit, result)
                    ) from None
                raise
        return result

    def _sizes_by_path(self) -> dict[str, list[tuple[int, str]]]:
        """``(size, digest)`` of every ingested file whose size was recorded, by path."""
        by_path: dict[str, list[tuple[int, str]]] = {}
        for c in self._records.finished():
            for f in c.files:
                if isinstance(f.get("size"), int) and isinstance(f.get("path"), str):
                    by_path.setdefault(f["path"], []).append((f["size"], f["digest"]))
        return by_path

    @staticmethod
    def _grown(fr: FileRead, earlier: dict[str, list[tuple[int, str]]]) -> str | None:
        """Why a file is refused as one ingested before that grew since (its
        first bytes are those of a file of the same path in the store), or None."""
        size = fr.size
        if size is None or not earlier:
            return None
        for old_size, old_digest in sorted(earlier.get(str(fr.path.resolve()), ()), reverse=True):
            if old_size < size and fr.prefix_digest(old_size) == old_digest:
                return (
                    f"grew by {size - old_size} bytes since its first {old_size} bytes were "
                    "ingested (a capture still being written?): not ingested again, so that "
                    "no report is stored twice; to add the rest, put bytes "
                    f"{old_size} onwards in a file of their own"
                )
        return None

    def _ingest_one(
        self,
        opener: Callable[[], FileRead],
        commit: CommitWriter,
        known: set[str],
        earlier: dict[str, list[tuple[int, str]]],
        result: IngestResult,
        on_rows: Callable[[int], None] | None,
    ) -> None:
        try:
            fr = opener()
        except InputError as exc:
            result.errors.append(Issue(exc.file, exc.record, exc.reason))
            return
        except OSError as exc:  # the input, not the store: a file error like any other
            result.errors.append(
                Issue(str(exc.filename or "?"), None, f"read error: {exc.strerror or exc}")
            )
            return
        if fr.digest in known:
            fr.close()
            result.files += 1
            result.already += 1
            return
        try:
            grown = self._grown(fr, earlier)
        except OSError as exc:
            grown = f"read error: {exc.strerror or exc}"
        if grown is not None:
            fr.close()
            result.errors.append(Issue(str(fr.path), None, grown))
            return
        commit.mark()
        batches = iter(fr)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except InputError as exc:
                commit.rollback()
                result.errors.append(Issue(exc.file, exc.record, exc.reason))
                return
            commit.write(batch)
            if on_rows:
                on_rows(batch.num_rows)
        result.files += 1
        result.reports += fr.rows
        result.skipped += fr.ctx.skipped
        result.skip_reasons.extend(fr.ctx.issues)
        result.notes.extend(fr.ctx.notes)
        if fr.rows == 0:
            # Nothing of it is stored, so it is not recorded as ingested: a rerun
            # (with the right --format, say) reads it again instead of calling it
            # "already in the store".
            return
        entry: dict[str, Any] = {
            "path": str(fr.path.resolve()),
            "digest": fr.digest,
            "format": fr.reader.name,
            "reports": fr.rows,
            "skipped": fr.ctx.skipped,
        }
        if fr.size is not None:  # the bytes the digest names (a later, grown file is told)
            entry["size"] = fr.size
            earlier.setdefault(entry["path"], []).append((fr.size, fr.digest))
        commit.add_file(entry)
        known.add(fr.digest)

    # -- queries ------------------------------------------------------------

    def query(
        self,
        *,
        start: datetime | str | int | None = None,
        end: datetime | str | int | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        icao24: str | Iterable[str] | None = None,
        columns: list[str] | None = None,
        bucket: tuple[int, int] | None = None,
    ) -> pa.Table:
        """Reports in [start, end), inside bbox (W, S, E, N), of the given aircraft.

        ``bucket=(k, n)`` keeps the aircraft of the k-th of ``n`` buckets by a
        hash of icao24 (every report of each: the partitions of whole
        aircraft the engine reads one at a time).

        ``start`` and ``end``: ISO-8601 strings (``"2024-09-17T09:00Z"``),
        datetimes (naive ones are UTC), or integers of UTC nanoseconds.

        A bounding box keeps only reports with a position inside it. The parts
        read are checked first (:class:`~skywitness.store.errors.StoreCorruptError`
        names a damaged one); reads see the last finished commit.
        """
        start_ns, end_ns = _ns(start, "start"), _ns(end, "end")
        cols = columns or list(REPORT_SCHEMA.names)
        unknown = set(cols) - set(REPORT_SCHEMA.names)
        if unknown:
            raise StoreError(f"unknown columns: {', '.join(sorted(unknown))}")
        parts = self._checked(start_ns, end_ns)
        schema = pa.schema([REPORT_SCHEMA.field(c) for c in cols])
        if not parts:
            return schema.empty_table()
        where, params = _where(start_ns, end_ns, bbox, icao24, bucket)
        select = ", ".join(f'"{c}"' for c in cols)
        sql = f"SELECT {select} FROM read_parquet(?) {where} ORDER BY time, icao24, record_id"
        table = self._sql(
            parts,
            lambda con: con.sql(sql, params=[[str(p) for p in parts], *params]).to_arrow_table(),
        )
        return table.cast(schema)

    def write_buckets(
        self,
        dest: Path,
        n: int,
        *,
        start: datetime | str | int | None = None,
        end: datetime | str | int | None = None,
        progress: Progress | None = None,
    ) -> list[Path]:
        """Copy the reports in [start, end) into ``n`` buckets of whole aircraft
        under ``dest`` (a new directory), in one read of the window: bucket k
        holds the reports :meth:`query` with ``bucket=(k, n)`` returns, in
        ``dest/bucket=k/*.parquet`` (read them with :func:`read_bucket`).
        For an engine that reads every bucket of a large window: n queries
        would read the window n times. The parts are checked first, as for
        every query, then copied a share at a time (BUCKET_COPY_SHARES):
        ``progress`` hears of stage "copy", parts copied of all. Returns each
        bucket's directory, k = 0 .. n-1 (an empty bucket's holds no file)."""
        report = progress or no_progress
        start_ns, end_ns = _ns(start, "start"), _ns(end, "end")
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=False)
        out = [dest / f"bucket={k}" for k in range(n)]
        parts = self._checked(start_ns, end_ns)
        where, params = _where(start_ns, end_ns, None, None)
        select = ", ".join(f'"{c}"' for c in REPORT_SCHEMA.names)
        step = max(1, -(-len(parts) // BUCKET_COPY_SHARES))
        report("copy", 0, len(parts))
        for i in range(0, len(parts), step):
            some = parts[i : i + step]
            sql = (
                f"COPY (SELECT {select}, hash(icao24) % {int(n)} AS bucket FROM read_parquet(?) "
                f"{where}) TO '{_quoted(dest)}' (FORMAT parquet, PARTITION_BY (bucket), APPEND, "
                f"FILENAME_PATTERN 'share{i // step}_{{uuid}}')"
            )

            def copy(con: Any, sql: str = sql, some: list[Path] = some) -> Any:
                # DuckDB's partitioned write holds a buffer per bucket and, left
                # alone, most of the machine's memory: bound it (it spills).
                con.execute(f"SET memory_limit='{BUCKET_COPY_MEMORY}'")
                con.execute("SET preserve_insertion_order=false")
                return con.execute(sql, [[str(p) for p in some], *params])

            self._sql(some, copy)
            report("copy", min(i + step, len(parts)), len(parts))
        for d in out:
            d.mkdir(exist_ok=True)
        return out

    def count(
        self,
        *,
        start: datetime | str | int | None = None,
        end: datetime | str | int | None = None,
    ) -> int:
        """Reports in [start, end) (parts checked)."""
        start_ns, end_ns = _ns(start, "start"), _ns(end, "end")
        parts = self._checked(start_ns, end_ns)
        if not parts:
            return 0
        where, params = _where(start_ns, end_ns, None, None)
        sql = f"SELECT count(*) FROM read_parquet(?) {where}"
        rows = self._sql(
            parts, lambda con: con.sql(sql, params=[[str(p) for p in parts], *params]).fetchall()
        )
        return int(rows[0][0])

    def _sql(self, parts: list[Path], run: Callable[[Any], Any]) -> Any:
        """Run DuckDB over parts; a part it cannot read is a StoreCorruptError naming it."""
        import duckdb

        con = _connect()
        try:
            return run(con)
        except duckdb.Error as exc:
            raise self._unreadable(parts, exc) from exc
        finally:
            con.close()

    def _unreadable(self, parts: list[Path], exc: Exception) -> Exception:
        message = str(exc)
        for path in parts:
            problem = footer_problem(path, None)
            if problem is not None:
                return StoreCorruptError(problem.file, problem.reason)
        for path in parts:
            if str(path) in message:
                detail = re.sub(
                    r"\s+", " ", message.replace(f'"{path}"', "it").replace(str(path), "it")
                )
                return StoreCorruptError(path, f"damaged: cannot be read ({detail[:200]})")
        return exc

    def info(self) -> dict[str, Any]:
        """Time span, aircraft, reports by format and by source (parts checked)."""
        parts = self._checked(None, None)
        files = sum(len(c.files) for c in self._records.finished())
        holder = self.writer()
        writer = None if holder is None else holder.as_json()
        if not parts:
            return {
                "store": str(self.root),
                "files": files,
                "reports": 0,
                "aircraft": 0,
                "start": None,
                "end": None,
                "with_position": 0,
                "by_format": {},
                "by_source": {},
                "writer": writer,
            }

        # One scan (DuckDB opens each file once): totals, by format, by source.
        sql = (
            "SELECT grouping(format), grouping(source), format, source, count(*),"
            " count(DISTINCT icao24), epoch_us(min(time)) * 1000, epoch_us(max(time)) * 1000,"
            " count(lat) FROM read_parquet(?) GROUP BY GROUPING SETS ((), (format), (source))"
        )
        rows = self._sql(parts, lambda con: con.execute(sql, [[str(p) for p in parts]]).fetchall())
        by_format: dict[str, int] = {}
        by_source: dict[str, int] = {}
        n = aircraft = with_pos = 0
        t0 = t1 = None
        for g_format, g_source, fmt, source, count, distinct, lo, hi, positioned in rows:
            if g_format and g_source:
                n, aircraft, t0, t1, with_pos = count, distinct, lo, hi, positioned
            elif g_source:
                by_format[fmt] = count
            else:
                by_source[source] = count
        return {
            "store": str(self.root),
            "files": files,
            "reports": n,
            "aircraft": aircraft,
            "start": _iso(t0),
            "end": _iso(t1),
            "with_position": with_pos,
            "by_format": dict(sorted(by_format.items())),
            "by_source": dict(sorted(by_source.items())),
            "writer": writer,
        }


def _outcome(commit: CommitWriter | None, result: IngestResult) -> str:
    kept = f"; the {result.commits} commits before it are kept" if result.commits else ""
    if commit is not None and commit.committed:
        return f" (the last commit is recorded and is finished when the store is next opened{kept})"
    return f" (the unfinished commit was removed, nothing of it is left{kept})"


def _relative(root: Path, given: Path) -> str:
    try:
        return given.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return given.as_posix()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _where(
    start_ns: int | None,
    end_ns: int | None,
    bbox: tuple[float, float, float, float] | None,
    icao24: str | Iterable[str] | None,
    bucket: tuple[int, int] | None = None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if bucket is not None:
        k, n = bucket
        clauses.append("hash(icao24) % ? = ?")
        params += [n, k]
    if start_ns is not None:
        clauses.append("time >= make_timestamp(?)::TIMESTAMPTZ")
        params.append(-(-start_ns // 1000))  # first stored microsecond at or after start
    if end_ns is not None:
        clauses.append("time < make_timestamp(?)::TIMESTAMPTZ")
        params.append(-(-end_ns // 1000))
    if bbox is not None:
        west, south, east, north = bbox
        clauses.append("lat BETWEEN ? AND ?")
        params += [south, north]
        if west <= east:
            clauses.append("lon BETWEEN ? AND ?")
            params += [west, east]
        else:  # crosses the antimeridian
            clauses.append("(lon >= ? OR lon <= ?)")
            params += [west, east]
    if icao24 is not None:
        wanted = [icao24] if isinstance(icao24, str) else list(icao24)
        clauses.append("icao24 IN (SELECT unnest(?))")
        params.append([w.strip().lower() for w in wanted])
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def read_bucket(folder: Path, bbox: tuple[float, float, float, float] | None = None) -> pa.Table:
    """One bucket of :meth:`Store.write_buckets`, as :meth:`Store.query` with
    ``bucket=`` gives it (every column, in time order); with ``bbox``, only
    the aircraft with a report inside it (all their reports)."""
    files = sorted(Path(folder).glob("*.parquet"))
    if not files:
        return REPORT_SCHEMA.empty_table()
    select = ", ".join(f'"{c}"' for c in REPORT_SCHEMA.names)
    params: list[Any] = []
    where = ""
    if bbox is not None:
        inside, params = _where(None, None, bbox, None)
        where = f"WHERE icao24 IN (SELECT icao24 FROM read_parquet(?) {inside})"
    sql = f"SELECT {select} FROM read_parquet(?) {where} ORDER BY time, icao24, record_id"
    names = [str(f) for f in files]
    args = [names, names, *params] if bbox is not None else [names]
    con = _connect()
    try:
        table = con.sql(sql, params=args).to_arrow_table()
    finally:
        con.close()
    return table.cast(REPORT_SCHEMA)


def _quoted(path: Path) -> str:
    """A path inside a single-quoted SQL string."""
    return str(path).replace("'", "''")


def _ns(t: datetime | str | int | None, what: str) -> int | None:
    """A bound as UTC nanoseconds: an int is nanoseconds already; an ISO string
    or a datetime (naive: UTC) is parsed as everywhere else (model/time.py)."""
    if isinstance(t, int) and not isinstance(t, bool):
        return t
    return parse_time(t, what=what)


def _iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat().replace("+00:00", "Z")
