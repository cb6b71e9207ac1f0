"""The notebook face: read files into a table, analyse a table or a store,
get immutable results.

    import skywitness

    reports = skywitness.read("recordings/")                 # a pyarrow Table
    jam = skywitness.jamming(reports, start="2024-04-12T14:00Z", end="2024-04-12T16:00Z")
    jam                                                      # counts, window, one line per event
    jam.to_pandas("events"), jam.to_geojson("cells")
    jam.write("map.html", events="events.geojson")
    spoof = skywitness.spoofing("skywitness-data")           # a store directory

Times are ISO-8601 text, ``datetime`` or ``numpy.datetime64`` (one parser
with the CLI, :func:`skywitness.model.time.parse_window`). The analyses run
the same jobs as the CLI (:mod:`skywitness.jobs`). See ``docs/api.md``.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from skywitness.engine.local import Engine
from skywitness.errors import InputError, UsageError
from skywitness.io.base import Issue
from skywitness.jobs.check import CheckResult, compute_check
from skywitness.jobs.flight import FlightResult, compute_flight, flight_reports, region_reports
from skywitness.jobs.jamming import JammingResult, check_jamming_parameters, compute_jamming
from skywitness.jobs.reports import BBox, reports_for, select_reports
from skywitness.jobs.spoofing import SpoofingResult, compute_spoofing
from skywitness.model.schema import REPORT_SCHEMA
from skywitness.model.time import parse_time, parse_window
from skywitness.progress import Progress
from skywitness.report.provenance import Provenance
from skywitness.store import Store, StoreMissingError

__all__ = [
    "CheckResult",
    "FlightResult",
    "JammingResult",
    "ReadWarning",
    "SpoofingResult",
    "check",
    "flight",
    "jamming",
    "query",
    "read",
    "spoofing",
]

#: Reasons a :class:`ReadWarning` quotes word for word (the count covers all).
QUOTED_REASONS = 5
#: Why :func:`read` passed over a file found under a directory (as ``skywitness
#: ingest`` does: ``truth.json`` next to simulated data, scripts, notes).
UNSUPPORTED = "content of no supported format"

PathLike = str | os.PathLike[str]
#: What the analyses take: reports in the canonical schema as a pyarrow Table
#: or a pandas DataFrame, a :class:`~skywitness.store.Store`, or a store directory.
Source = Any


class ReadWarning(UserWarning):
    """What :func:`read` left out or assumed, in one warning per call.

    ``files``: files left out (``errors="skip"``), as
    :class:`~skywitness.io.base.Issue` (file, record, reason);
    ``records``: how many records the readers and the validator rejected;
    ``reasons``: the first of those rejections; ``notes``: facts about the read
    that are not rejections (an assumed clock, positions left out of kept rows);
    ``left_out``: every path under a directory that was not read, with why:
    files whose content is of no supported format (reason
    :data:`UNSUPPORTED`), symbolic links not followed (``follow_links``), a
    skywitness store, FIFOs and devices.
    Catch it with ``warnings.catch_warnings(record=True)`` to read the counts.
    """

    def __init__(
        self,
        message: str,
        *,
        files: tuple[Issue, ...] = (),
        records: int = 0,
        reasons: tuple[Issue, ...] = (),
        notes: tuple[Issue, ...] = (),
        left_out: tuple[Issue, ...] = (),
    ) -> None:
        super().__init__(message)
        self.files = files
        self.records = records
        self.reasons = reasons
        self.notes = notes
        self.left_out = left_out


def read(
    paths: PathLike | Iterable[PathLike],
    *,
    format: str | None = None,
    reference: tuple[float, float] | None = None,
    start_time: Any = None,
    errors: Literal["skip", "raise"] = "skip",
    follow_links: bool = False,
) -> pa.Table:
    """Reports of files and directories (read recursively) as one table in the
    canonical schema (:data:`~skywitness.model.schema.REPORT_SCHEMA`), in file order.

    ``format`` forces a reader (see ``skywitness formats``; detected per file
    otherwise); ``reference`` is the receiver's (lat, lon) for raw Mode S
    surface positions; ``start_time`` the absolute start of files with a
    relative clock (Beast), as ISO-8601 text or a datetime.

    Directories are walked as ``skywitness ingest`` walks them
    (:class:`skywitness.io.reading.Inputs`): files in name order, hidden names
    passed over, symbolic links followed only with ``follow_links`` (each
    directory once), skywitness stores, FIFOs and devices left out, and files
    whose content is of no supported format skipped unless ``format`` forces
    one. What was left out is said, with why, in the :class:`ReadWarning`
    (``left_out``), whatever ``errors`` is. A file named in ``paths`` is
    always read.

    ``errors``: what to do with a file that cannot be read and with records
    the readers or the validator reject (corrupt frames, impossible values).
    ``"skip"`` (the default, as ``skywitness ingest`` does) leaves them out and
    says how many in one :class:`ReadWarning`; when no file at all could be
    read, the first file's error is raised. ``"raise"`` raises
    :class:`~skywitness.errors.InputError` (file, record, reason) at the first
    one. A path that does not exist is always an error.
    """
    if errors not in ("skip", "raise"):
        raise UsageError(f"bad errors={errors!r}: use 'skip' or 'raise'")
    from skywitness.io import registry
    from skywitness.io.reading import Inputs

    given = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not given:
        raise UsageError("read() needs at least one file or directory")
    if format is not None:
        registry.get(format)  # an unknown name fails once, before any file
    ref = _reference(reference)
    start_ns = parse_time(start_time, what="start_time")
    for p in given:
        if not Path(p).exists():
            raise InputError(str(p), "no such file or directory")
    inputs = Inputs(
        given, format=format, reference=ref, start_time_ns=start_ns, follow_links=follow_links
    )
    batches: list[pa.RecordBatch] = []
    failed: list[InputError] = []
    records = 0
    reasons: list[Issue] = []
    notes: list[Issue] = []
    opened = 0
    for open_it in inputs.openers():
        opened += 1
        try:
            fr = open_it()
            got = list(fr)
        except InputError as exc:
            if errors == "raise":
                raise
            failed.append(exc)
            continue
        notes.extend(fr.ctx.notes)
        if fr.ctx.skipped and errors == "raise":
            first = (
                fr.ctx.issues[0] if fr.ctx.issues else Issue(str(fr.path), None, "record rejected")
            )
            raise InputError(
                first.file,
                f"{first.reason} ({fr.ctx.skipped} records rejected in this file; "
                "read(..., errors='skip') leaves them out)",
                first.record,
            )
        records += fr.ctx.skipped
        reasons.extend(fr.ctx.issues[: max(0, QUOTED_REASONS - len(reasons))])
        batches.extend(got)
    if failed and len(failed) == opened:
        first_error = failed[0]
        if len(failed) > 1:
            raise InputError(
                first_error.file,
                f"{first_error.reason} (and {len(failed) - 1} other files: none could be read)",
                first_error.record,
            )
        raise first_error
    left_out = tuple(Issue(str(p), None, UNSUPPORTED) for p in inputs.unsupported) + tuple(
        Issue(str(s.path), None, s.reason) for s in inputs.skipped if not s.error
    )
    if failed or records or notes or left_out:
        _warn_read(tuple(Issue(e.file, e.record, e.reason) for e in failed), records,
                   tuple(reasons), tuple(notes), opened, left_out)  # fmt: skip
    return pa.Table.from_batches(batches, schema=REPORT_SCHEMA)


def _warn_read(
    files: tuple[Issue, ...],
    records: int,
    reasons: tuple[Issue, ...],
    notes: tuple[Issue, ...],
    total: int,
    left_out: tuple[Issue, ...] = (),
) -> None:
    said = []
    if files:
        said.append(f"{len(files)} of {total} files could not be read, left out "
                    f"(first: {files[0].one_line()})")  # fmt: skip
    if records:
        said.append(f"{records} records rejected (first: {reasons[0].one_line()})")
    by_reason: dict[str, list[str]] = {}
    for issue in left_out:
        by_reason.setdefault(issue.reason, []).append(issue.file)
    for reason, names in by_reason.items():
        more = f" and {len(names) - QUOTED_REASONS} more" if len(names) > QUOTED_REASONS else ""
        said.append(f"{len(names)} paths not read: {reason}: "
                    f"{', '.join(names[:QUOTED_REASONS])}{more}")  # fmt: skip
    said.extend(f"note: {n.one_line()}" for n in notes[:QUOTED_REASONS])
    warning = ReadWarning(
        "skywitness.read: " + "; ".join(said),
        files=files, records=records, reasons=reasons, notes=notes, left_out=left_out,
    )  # fmt: skip
    warnings.warn(warning, stacklevel=3)


def query(
    store: Store | PathLike,
    *,
    start: Any = None,
    end: Any = None,
    bbox: BBox | None = None,
    icao24: str | Iterable[str] | None = None,
    columns: list[str] | None = None,
) -> pa.Table:
    """Reports of a store (a :class:`~skywitness.store.Store` or its directory) in
    ``[start, end)`` (ISO-8601 text, datetime or numpy.datetime64), with a
    position inside ``bbox`` (W, S, E, N degrees), of the given aircraft."""
    start_ns, end_ns = parse_window(start, end)
    return _store(store).query(
        start=start_ns, end=end_ns, bbox=_bbox(bbox), icao24=icao24, columns=columns
    )


def jamming(
    source: Source,
    *,
    start: Any = None,
    end: Any = None,
    bbox: BBox | None = None,
    resolution: int = 4,
    window: str = "1d",
    mode: str = "nacp",
    progress: Progress | None = None,
    engine: str | Engine | None = None,
) -> JammingResult:
    """GNSS interference: per-cell map, events with their emitter and kind.

    ``source``: reports as a pyarrow Table or pandas DataFrame in the canonical
    schema (what :func:`read` and :func:`query` return), a Store or a store
    directory. ``start`` / ``end``: the window (ISO-8601 text, datetime,
    numpy.datetime64); ``bbox``: (W, S, E, N) degrees, selecting the aircraft
    seen inside it (with all their reports in the window); ``resolution``: H3
    resolution of the map; ``window``: ``"1h"`` or ``"1d"`` map windows;
    ``mode``: ``"nacp"`` or ``"nic"`` quality field. ``progress(stage, done,
    total)`` is called at each stage.

    ``engine`` reads and computes a store in partitions of whole aircraft:
    ``"local"`` (worker processes), ``"spark"`` (PySpark on ``local[2]``,
    stopped at the end; needs the ``spark`` extra and Java 17+), or an engine
    object such as ``SparkEngine(spark_session)`` (left as it is). Default:
    the whole selection at once in this process. The result is the same.
    """
    start_ns, end_ns = parse_window(start, end)
    box = _bbox(bbox)
    check_jamming_parameters(resolution=resolution, window=window, mode=mode)
    if engine is not None:
        return _jamming_by_engine(
            source, engine, start=start, end=end, start_ns=start_ns, end_ns=end_ns, bbox=bbox,
            box=box, resolution=resolution, window=window, mode=mode, progress=progress,
        )  # fmt: skip
    reports, described, inputs = _reports(source, start_ns, end_ns, box, progress)
    call = _call("jamming", described, start=start, end=end, bbox=bbox,
                 resolution=resolution, window=window, mode=mode)  # fmt: skip
    return compute_jamming(
        reports, resolution=resolution, window=window, mode=mode, start_ns=start_ns,
        end_ns=end_ns, provenance=Provenance(call, inputs, start_ns, end_ns), progress=progress,
    )  # fmt: skip


ENGINES = ("local", "spark")


def _engine_of(source: Source, engine: str | Engine) -> tuple[Store, Engine, Any] | None:
    """The store and the engine that reads it for ``engine=``, and the engine
    this call started (to close at the end); None when ``source`` is reports
    in memory and the engine is the local one (computed here, the same result)."""
    from skywitness.engine.local import LocalEngine

    if isinstance(engine, str):
        if engine not in ENGINES:
            raise UsageError(f"unknown engine {engine!r} (use {', '.join(ENGINES)})")
    elif not all(hasattr(engine, a) for a in ("partitions_of", "run", "map_shared")):
        raise UsageError(
            f"not an engine: {engine!r} (give 'local', 'spark', or an engine object such as "
            "skywitness.engine.spark.SparkEngine(session))"
        )
    if not isinstance(source, Store | str | os.PathLike):
        if engine == "local" or isinstance(engine, LocalEngine):
            return None
        raise UsageError(
            "an engine reads a store: give a Store or a store directory (reports in memory "
            "are analysed without engine=)"
        )
    if engine == "local":
        return _store(source), LocalEngine(), None
    if isinstance(engine, str):
        from skywitness.engine.spark import SparkEngine

        own = SparkEngine()
        return _store(source), own, own
    return _store(source), engine, None


def _jamming_by_engine(
    source: Source,
    engine: str | Engine,
    *,
    start: Any,
    end: Any,
    start_ns: int | None,
    end_ns: int | None,
    bbox: Any,
    box: BBox | None,
    resolution: int,
    window: str,
    mode: str,
    progress: Progress | None,
) -> JammingResult:
    """:func:`jamming` of a store read and computed by an engine."""
    from dataclasses import fields

    from skywitness.jobs.jamming import jamming_analysis

    chosen = _engine_of(source, engine)
    if chosen is None:
        return jamming(source, start=start, end=end, bbox=bbox, resolution=resolution,
                       window=window, mode=mode, progress=progress)  # fmt: skip
    store, run_by, own = chosen
    root = str(store.root.resolve())
    call = _call("jamming", repr(root), start=start, end=end, bbox=bbox, resolution=resolution,
                 window=window, mode=mode, engine=engine)  # fmt: skip
    try:
        run = jamming_analysis(
            store, start_ns=start_ns, end_ns=end_ns, bbox=box, resolution=resolution,
            window=window, mode=mode, provenance=Provenance(call, (root,), start_ns, end_ns),
            progress=progress, engine=run_by,
        )  # fmt: skip
    finally:
        if own is not None:
            own.close()
    return JammingResult(**{f.name: getattr(run, f.name) for f in fields(JammingResult)})


def spoofing(
    source: Source,
    *,
    start: Any = None,
    end: Any = None,
    bbox: BBox | None = None,
    progress: Progress | None = None,
    engine: str | Engine | None = None,
) -> SpoofingResult:
    """GNSS spoofing: spoofed intervals, spoofed places with the spoofer's
    area, estimated true paths. ``source``, ``start``, ``end``, ``bbox``,
    ``progress`` and ``engine`` as for :func:`jamming` (the box selects
    aircraft seen inside it at a true or a false position)."""
    start_ns, end_ns = parse_window(start, end)
    box = _bbox(bbox)
    chosen = None if engine is None else _engine_of(source, engine)
    if chosen is not None:
        from dataclasses import fields

        from skywitness.jobs.spoofing import spoofing_analysis

        store, run_by, own = chosen
        root = str(store.root.resolve())
        call = _call("spoofing", repr(root), start=start, end=end, bbox=bbox, engine=engine)
        try:
            run = spoofing_analysis(
                store, start_ns=start_ns, end_ns=end_ns, bbox=box, progress=progress,
                provenance=Provenance(call, (root,), start_ns, end_ns), engine=run_by,
            )  # fmt: skip
        finally:
            if own is not None:
                own.close()
        return SpoofingResult(**{f.name: getattr(run, f.name) for f in fields(SpoofingResult)})
    reports, described, inputs = _reports(source, start_ns, end_ns, box, progress)
    call = _call("spoofing", described, start=start, end=end, bbox=bbox)
    return compute_spoofing(
        reports, start_ns=start_ns, end_ns=end_ns,
        provenance=Provenance(call, inputs, start_ns, end_ns), progress=progress,
    )  # fmt: skip


def flight(
    source: Source,
    aircraft: str,
    *,
    start: Any = None,
    end: Any = None,
    areas: bool = True,
    progress: Progress | None = None,
) -> FlightResult:
    """One aircraft's flights: timeline, path through the gaps without trusted
    positions (with its error), approaches and go-arounds, oscillation,
    failure and the end of the flight (what ``skywitness flight`` computes).

    ``source`` as for :func:`jamming`; ``aircraft`` an ICAO 24-bit address or a
    callsign (named by callsign, only the flights that sent it); ``start`` /
    ``end`` the window; ``areas``: also find the jamming areas around the
    flight from the other aircraft in ``source``.
    """
    start_ns, end_ns = parse_window(start, end)
    if isinstance(source, Store | str | os.PathLike) and not isinstance(source, pa.Table):
        store = _store(source)
        if progress is not None:
            progress("read", 0, 1)
        reports, callsign = flight_reports(store, aircraft, start_ns, end_ns)
        region = region_reports(store, reports) if areas else None
        if progress is not None:
            progress("read", 1, 1)
        root = str(store.root.resolve())
        described, inputs = repr(root), tuple([root])
        ident = callsign or aircraft
    else:
        region, described, inputs = _reports(source, start_ns, end_ns, None, progress)
        reports, ident = region, aircraft
        if not areas:
            region = None
    call = _call("flight", described, aircraft=aircraft, start=start, end=end)
    return compute_flight(
        reports, ident=ident, region=region, start_ns=start_ns, end_ns=end_ns,
        provenance=Provenance(call, inputs, start_ns, end_ns), progress=progress,
    )  # fmt: skip


def check(
    claims: Any,
    source: Source,
    *,
    progress: Progress | None = None,
) -> CheckResult:
    """Weigh claims about flights against the record: a verdict per claim
    (consistent, inconsistent or undetermined) with its residuals, tolerance,
    best clock offset, explanation and evidence (what ``skywitness check``
    computes). ``claims``: a claims file (JSON, or YAML with the yaml extra) or
    the loaded document ``{"claims": [...]}``; ``source`` as for :func:`jamming`."""
    from skywitness.claims.model import read_claims

    found = read_claims(claims if isinstance(claims, dict) else Path(claims))
    if isinstance(source, Store | str | os.PathLike) and not isinstance(source, pa.Table):
        data: Any = _store(source)
        root = str(data.root.resolve())
        described, inputs = repr(root), tuple([root])
    else:
        data, described, inputs = _reports(source, None, None, None, progress)
    name = repr(str(claims)) if not isinstance(claims, dict) else "<claims>"
    call = f"skywitness.check({name}, {described})"
    return compute_check(found, data, provenance=Provenance(call, inputs, None, None),
                         progress=progress)  # fmt: skip


# -- helpers -------------------------------------------------------------------------


def _reports(
    source: Source,
    start_ns: int | None,
    end_ns: int | None,
    bbox: BBox | None,
    progress: Progress | None,
) -> tuple[pa.Table, str, tuple[str, ...]]:
    """The selected reports of ``source``, how to name it in a call, its inputs."""
    if progress is not None:
        progress("read", 0, 1)
    inputs: tuple[str, ...] = ()
    if isinstance(source, pa.Table):
        reports = select_reports(source, start_ns, end_ns, bbox)
        described = f"<table of {source.num_rows:,} reports>"
    elif _is_dataframe(source):
        try:
            table = pa.Table.from_pandas(source, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise UsageError(f"the DataFrame cannot be read as reports: {exc}") from None
        reports = select_reports(table, start_ns, end_ns, bbox)
        described = f"<DataFrame of {len(source):,} reports>"
    elif isinstance(source, Store | str | os.PathLike):
        store = _store(source)
        reports = reports_for(store, start_ns, end_ns, bbox)
        root = str(store.root.resolve())
        described, inputs = repr(root), (root,)
    else:
        raise UsageError(
            f"cannot analyse a {type(source).__name__}: give reports (a pyarrow Table or "
            "pandas DataFrame from skywitness.read or skywitness.query), a Store or a store "
            "directory"
        )
    if progress is not None:
        progress("read", 1, 1)
    return reports, described, inputs


def _is_dataframe(value: Any) -> bool:
    pandas = sys.modules.get("pandas")  # a DataFrame exists only once pandas is imported
    return pandas is not None and isinstance(value, pandas.DataFrame)


def _store(store: Store | PathLike) -> Store:
    if isinstance(store, Store):
        return store
    if not isinstance(store, str | os.PathLike):
        raise UsageError(f"not a store: {store!r} (give a Store or a store directory)")
    try:
        return Store(store, create=False)
    except StoreMissingError as exc:  # other store errors (damage, busy) go up unchanged
        hint = ""
        if Path(store).exists():
            hint = (
                "; to analyse files without a store, read them first: "
                "skywitness.jamming(skywitness.read(path))"
            )
        raise StoreMissingError(f"{exc}{hint}") from None


def _bbox(bbox: Any) -> BBox | None:
    if bbox is None:
        return None
    try:
        west, south, east, north = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise UsageError(f"bad bbox {bbox!r}: want (west, south, east, north) in degrees") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)) or not (
        -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90
    ):
        raise UsageError(
            f"bbox {bbox!r} out of range: want (west, south, east, north) in degrees, "
            "south <= north"
        )
    return west, south, east, north


def _reference(reference: Any) -> tuple[float, float] | None:
    if reference is None:
        return None
    try:
        lat, lon = (float(v) for v in reference)
    except (TypeError, ValueError):
        raise UsageError(f"bad reference {reference!r}: want (lat, lon) in degrees") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise UsageError(f"reference {reference!r} out of range: want (lat, lon) in degrees")
    return lat, lon


def _call(name: str, source: str, **given: Any) -> str:
    """The call as a person would type it (for the outputs' provenance)."""
    args = [source, *(f"{k}={v!r}" for k, v in given.items() if v is not None)]
    return f"skywitness.{name}({', '.join(args)})"
