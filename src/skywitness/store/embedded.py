"""The embedded default store: a Parquet dataset partitioned by UTC date.

Layout (readable as-is by DuckDB, pandas, pyarrow and Spark; the metadata
directory starts with ``_`` so dataset readers ignore it, and holds no
``*.parquet`` file, so a ``**/*.parquet`` glob never sees work in progress)::

    ROOT/date=YYYY-MM-DD/part-<commit>-<n>.parquet
    ROOT/_skywitness/store.json              format version
    ROOT/_skywitness/commits/<commit>.json   one per finished ingest commit
    ROOT/_skywitness/commits/<commit>.pending   a commit being published
    ROOT/_skywitness/staging/<commit>/...    parts being written (*.tmp)
    ROOT/_skywitness/lock                    one writer at a time

Ingest is atomic per file and idempotent. Files are grouped into commits;
a commit's parts are written to staging and fsynced, then a ``.pending``
record listing them is written atomically (the commit point), then the parts
are renamed into place and the record is renamed to ``.json``. Opening the
store finishes any commit that reached its commit point and discards staging
that did not, so a kill at any moment leaves each file either absent or
complete. A file whose content digest is in a commit is never ingested again.
Queries read only parts listed in finished commits.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from skywitness.errors import InputError, StoreError
from skywitness.io.base import Issue
from skywitness.io.reading import FileRead
from skywitness.model.schema import REPORT_SCHEMA

DEFAULT_STORE = Path("skywitness-data")
STORE_ENV = "SKYWITNESS_STORE"
META = "_skywitness"
FORMAT_VERSION = 1
#: Rows per commit before it is published: bounds the work an interrupted
#: ingest loses and keeps part files at a size Parquet readers like.
COMMIT_ROWS = 4_000_000
#: Rows per Parquet row group: small enough for time-range pruning, large
#: enough for compression (the Parquet default of 1M rows is too coarse here).
ROW_GROUP_ROWS = 262_144
COMPRESSION = "zstd"
#: On disk, times are microseconds: Spark cannot read Parquet TIMESTAMP(NANOS)
#: ("Illegal Parquet type"), and no source here is finer than a microsecond
#: in absolute time. Queries return the canonical nanosecond type.
STORE_SCHEMA = pa.schema(
    [REPORT_SCHEMA.field(n).with_type(pa.timestamp("us", tz="UTC")) if n == "time"
     else REPORT_SCHEMA.field(n) for n in REPORT_SCHEMA.names]
)  # fmt: skip


def _to_store(table: pa.Table) -> pa.Table:
    i = table.schema.get_field_index("time")
    micro = pc.floor_temporal(table.column(i), unit="microsecond")
    return table.set_column(
        i, STORE_SCHEMA.field("time"), micro.cast(STORE_SCHEMA.field("time").type)
    )


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
    """An embedded store rooted at a directory."""

    def __init__(self, root: str | os.PathLike[str], *, create: bool = True) -> None:
        self.root = Path(root)
        self._meta = self.root / META
        if not (self._meta / "store.json").exists():
            if not create:
                raise StoreError(f"{self.root}: no skywitness store here (run `skywitness ingest`)")
            if self.root.exists() and any(self.root.iterdir()):
                raise StoreError(f"{self.root}: directory exists, is not empty and is not a store")
            self._init()
        self._check_version()
        with self._locked():
            self._recover()

    # -- layout -------------------------------------------------------------

    def _init(self) -> None:
        for sub in ("commits", "staging"):
            (self._meta / sub).mkdir(parents=True, exist_ok=True)
        _atomic_write(
            self._meta / "store.json", {"format": "skywitness-store", "version": FORMAT_VERSION}
        )

    def _check_version(self) -> None:
        try:
            meta = json.loads((self._meta / "store.json").read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"{self.root}: unreadable store metadata: {exc}") from None
        if meta.get("version") != FORMAT_VERSION:
            raise StoreError(
                f"{self.root}: store format {meta.get('version')} is not {FORMAT_VERSION}"
            )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with (self._meta / "lock").open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _recover(self) -> None:
        """Finish commits past their commit point; discard staging of the others."""
        commits = self._meta / "commits"
        for pending in sorted(commits.glob("*.pending")):
            record = json.loads(pending.read_text())
            self._publish(record)
            os.replace(pending, commits / f"{record['id']}.json")
        staging = self._meta / "staging"
        for leftover in staging.iterdir() if staging.exists() else ():
            shutil.rmtree(leftover, ignore_errors=True)

    def _publish(self, record: dict[str, Any]) -> None:
        staging = self._meta / "staging" / record["id"]
        for rel in record["parts"]:
            src, dst = staging / (rel + ".tmp"), self.root / rel
            if src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
            elif not dst.exists():
                raise StoreError(f"{self.root}: commit {record['id']} lost its part {rel}")
        _fsync_dir(self.root)
        shutil.rmtree(staging, ignore_errors=True)

    # -- reading metadata ---------------------------------------------------

    def commits(self) -> list[dict[str, Any]]:
        out = []
        for path in sorted((self._meta / "commits").glob("*.json")):
            try:
                out.append(json.loads(path.read_text()))
            except (OSError, json.JSONDecodeError) as exc:
                raise StoreError(f"{path}: unreadable commit record: {exc}") from None
        return out

    def digests(self) -> set[str]:
        """Content digests of every file already in the store."""
        return {f["digest"] for c in self.commits() for f in c["files"]}

    def parts(self, start_ns: int | None = None, end_ns: int | None = None) -> list[Path]:
        """Committed part files, pruned to the dates overlapping [start, end)."""
        lo = None if start_ns is None else _date_of(start_ns)
        hi = None if end_ns is None else _date_of(end_ns - 1)
        out = []
        for c in self.commits():
            for rel in c["parts"]:
                day = rel.split("/", 1)[0].removeprefix("date=")
                if (lo is None or day >= lo) and (hi is None or day <= hi):
                    out.append(self.root / rel)
        return out

    # -- ingest -------------------------------------------------------------

    def ingest(
        self,
        files: Iterable[Callable[[], FileRead]],
        *,
        on_file: Callable[[IngestResult], None] | None = None,
        on_rows: Callable[[int], None] | None = None,
        commit_rows: int = COMMIT_ROWS,
    ) -> IngestResult:
        """Ingest files (given as callables that open them), atomically per file.

        ``on_file`` is called after each file, ``on_rows`` after each batch
        written (for progress on long files).

        A callable that raises :class:`InputError` counts as a file that could
        not be read; the other files are still ingested.
        """
        result = IngestResult()
        with self._locked():
            self._recover()
            known = self.digests()
            commit = _Commit(self)
            for opener in files:
                try:
                    fr = opener()
                except InputError as exc:
                    result.errors.append(Issue(exc.file, exc.record, exc.reason))
                    if on_file:
                        on_file(result)
                    continue
                if fr.digest in known:
                    result.files += 1
                    result.already += 1
                else:
                    mark = commit.mark()
                    try:
                        for batch in fr:
                            commit.write(batch)
                            if on_rows:
                                on_rows(batch.num_rows)
                    except InputError as exc:
                        commit.rollback_to(mark)
                        result.errors.append(Issue(exc.file, exc.record, exc.reason))
                    else:
                        commit.add_file(fr)
                        known.add(fr.digest)
                        result.files += 1
                        result.reports += fr.rows
                        result.skipped += fr.ctx.skipped
                        result.skip_reasons.extend(fr.ctx.issues)
                        result.notes.extend(fr.ctx.notes)
                    if commit.rows >= commit_rows:
                        commit.publish()
                        commit = _Commit(self)
                if on_file:
                    on_file(result)
            commit.publish()
        return result

    # -- queries ------------------------------------------------------------

    def query(
        self,
        *,
        start: datetime | int | None = None,
        end: datetime | int | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        icao24: str | Iterable[str] | None = None,
        columns: list[str] | None = None,
    ) -> pa.Table:
        """Reports in [start, end), inside bbox (W, S, E, N), of the given aircraft.

        A bounding box keeps only reports with a position inside it.
        """
        start_ns, end_ns = _ns(start), _ns(end)
        parts = self.parts(start_ns, end_ns)
        cols = columns or list(REPORT_SCHEMA.names)
        unknown = set(cols) - set(REPORT_SCHEMA.names)
        if unknown:
            raise StoreError(f"unknown columns: {', '.join(sorted(unknown))}")
        schema = pa.schema([REPORT_SCHEMA.field(c) for c in cols])
        if not parts:
            return schema.empty_table()
        where, params = _where(start_ns, end_ns, bbox, icao24)
        select = ", ".join(f'"{c}"' for c in cols)
        sql = f"SELECT {select} FROM read_parquet(?) {where} ORDER BY time, icao24"
        con = _connect()
        try:
            table = con.sql(sql, params=[[str(p) for p in parts], *params]).to_arrow_table()
        finally:
            con.close()
        return table.cast(schema)

    def info(self) -> dict[str, Any]:
        """Time span, aircraft, reports by format and by source."""
        parts = self.parts()
        files = sum(len(c["files"]) for c in self.commits())
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
            }
        con = _connect()
        try:
            con.read_parquet([str(p) for p in parts]).create_view("r")
            n, aircraft, t0, t1, with_pos = con.execute(
                "SELECT count(*), count(DISTINCT icao24), epoch_us(min(time)) * 1000, epoch_us(max(time)) * 1000,"
                " count(lat) FROM r"
            ).fetchone() or (0, 0, None, None, 0)
            by_format = dict(
                con.execute("SELECT format, count(*) FROM r GROUP BY 1 ORDER BY 1").fetchall()
            )
            by_source = dict(
                con.execute("SELECT source, count(*) FROM r GROUP BY 1 ORDER BY 1").fetchall()
            )
        finally:
            con.close()
        return {
            "store": str(self.root),
            "files": files,
            "reports": n,
            "aircraft": aircraft,
            "start": _iso(t0),
            "end": _iso(t1),
            "with_position": with_pos,
            "by_format": by_format,
            "by_source": by_source,
        }


class _Commit:
    """Parts being written for one commit: per UTC date, streamed to staging.

    Rows are buffered per date up to one row group, then written, so memory
    stays bounded whatever the size of the input. A file that fails half-way
    is cut back out of the staged parts (rare; costs a rewrite of them).
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self.id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self._staging = store._meta / "staging" / self.id
        self._parts: list[str] = []  # closed parts, relative to the store root
        self._open: dict[str, _DayPart] = {}
        self._files: list[dict[str, Any]] = []
        self.rows = 0

    def mark(self) -> dict[str, int]:
        """Rows per open date part now: a file that fails is cut back to this."""
        return {day: part.rows for day, part in self._open.items()}

    def rollback_to(self, mark: dict[str, int]) -> None:
        for day, part in list(self._open.items()):
            self.rows -= part.rows - mark.get(day, 0)
            rel = part.truncate(mark.get(day, 0))
            if rel is not None:
                self._parts.append(rel)
            del self._open[day]

    def write(self, batch: pa.RecordBatch) -> None:
        day_ns = pc.floor_temporal(batch.column("time"), unit="day").cast(pa.int64())
        days = np.asarray(day_ns.to_numpy(zero_copy_only=False))
        unique = np.unique(days)
        for d in unique:
            piece = batch if len(unique) == 1 else batch.filter(pa.array(days == d))
            day = _date_of(int(d))
            if day not in self._open:
                rel = f"date={day}/part-{self.id}-{len(self._parts) + len(self._open)}.parquet"
                self._open[day] = _DayPart(self._staging, rel)
            self._open[day].write(piece)
            self.rows += piece.num_rows

    def add_file(self, fr: FileRead) -> None:
        self._files.append(
            {
                "path": str(fr.path.resolve()),
                "digest": fr.digest,
                "format": fr.reader.name,
                "reports": fr.rows,
                "skipped": fr.ctx.skipped,
            }
        )

    def publish(self) -> None:
        for part in self._open.values():
            rel = part.close()
            if rel is not None:
                self._parts.append(rel)
        self._open.clear()
        if not self._files:
            shutil.rmtree(self._staging, ignore_errors=True)
            return
        record = {
            "id": self.id,
            "created": datetime.now(UTC).isoformat(),
            "files": self._files,
            "parts": sorted(self._parts),
            "reports": self.rows,
        }
        commits = self._store._meta / "commits"
        pending = commits / f"{self.id}.pending"
        _atomic_write(pending, record)  # the commit point
        self._store._publish(record)
        os.replace(pending, commits / f"{self.id}.json")
        _fsync_dir(commits)


class _DayPart:
    """One staged Parquet part, written in row groups of ROW_GROUP_ROWS."""

    def __init__(self, staging: Path, rel: str) -> None:
        self.rel = rel
        self.tmp = staging / (rel + ".tmp")
        self.tmp.parent.mkdir(parents=True, exist_ok=True)
        self._writer: pq.ParquetWriter | None = None
        self._buffer: list[pa.RecordBatch] = []
        self._buffered = 0
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self._buffer.append(batch)
        self._buffered += batch.num_rows
        self.rows += batch.num_rows
        if self._buffered >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.tmp, STORE_SCHEMA, compression=COMPRESSION)
        table = _to_store(pa.Table.from_batches(self._buffer, schema=REPORT_SCHEMA))
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self._buffer, self._buffered = [], 0

    def close(self) -> str | None:
        """Finish the file; its path relative to the root, or None when empty."""
        self._flush()
        if self._writer is None:
            return None
        self._writer.close()
        _fsync(self.tmp)
        return self.rel

    def truncate(self, rows: int) -> str | None:
        """Keep only the first ``rows`` rows, close, and return as :meth:`close`."""
        if self._writer is None:
            buffered = pa.Table.from_batches(self._buffer, schema=REPORT_SCHEMA).slice(0, rows)
            self._buffer, self._buffered = buffered.to_batches(), buffered.num_rows
            return self.close()
        self._flush()
        self._writer.close()
        kept = pq.read_table(self.tmp, schema=STORE_SCHEMA).slice(0, rows)
        self.tmp.unlink()
        self._writer = None
        if kept.num_rows == 0:
            return None
        pq.write_table(kept, self.tmp, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS)
        _fsync(self.tmp)
        return self.rel


def _where(
    start_ns: int | None,
    end_ns: int | None,
    bbox: tuple[float, float, float, float] | None,
    icao24: str | Iterable[str] | None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
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


def _ns(t: datetime | int | None) -> int | None:
    if t is None or isinstance(t, int):
        return t
    if t.tzinfo is None:
        raise StoreError(f"time {t} has no time zone: give UTC times")
    return int(pa.scalar(t, pa.timestamp("ns", tz="UTC")).value)


def _date_of(ns: int) -> str:
    return datetime.fromtimestamp(ns // 10**9, UTC).strftime("%Y-%m-%d")


def _iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat().replace("+00:00", "Z")


def _atomic_write(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w") as fh:
        json.dump(obj, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
