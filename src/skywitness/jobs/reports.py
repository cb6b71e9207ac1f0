"""The reports a job analyses: from the store, or from a table already in memory.

Both give the same selection: reports in ``[start_ns, end_ns)`` of every
aircraft seen inside ``bbox`` (W, S, E, N degrees; west > east crosses the
antimeridian). The box selects aircraft, not reports: reports without a
position (the jamming signal itself) stay with their aircraft.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from skywitness.engine.local import Engine, LocalEngine, Window
from skywitness.errors import UsageError
from skywitness.model.schema import REPORT_SCHEMA
from skywitness.progress import Progress, no_progress
from skywitness.store import Store

BBox = tuple[float, float, float, float]


def reports_for(
    store: Store, start_ns: int | None, end_ns: int | None, bbox: BBox | None
) -> pa.Table:
    """Reports in the window of every aircraft seen inside ``bbox``, from ``store``."""
    if bbox is None:
        return store.query(start=start_ns, end=end_ns)
    inside = store.query(start=start_ns, end=end_ns, bbox=bbox, columns=["icao24"])
    aircraft = pc.unique(inside["icao24"]).to_pylist()
    if not aircraft:
        return REPORT_SCHEMA.empty_table()
    return store.query(start=start_ns, end=end_ns, icao24=aircraft)


def partials_of(
    store: Store,
    window: Window,
    kernel: Callable[..., Any],
    *,
    key: dict[str, Any],
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> list[Any]:
    """A job's partial results of the window (``kernel(reports, progress=)``
    of disjoint sets of whole aircraft), for its combining step: one of the
    whole window read at once when the local engine would read it in one
    partition, else ``engine``'s (default: the local engine) partitions.
    ``key`` names the job and its parameters (the engines' cache key)."""
    engine = engine or LocalEngine()
    n = engine.partitions_of(store, window)
    if n == 1 and isinstance(engine, LocalEngine):
        report = progress or no_progress
        report("read", 0, 1)
        reports = reports_for(store, window.start_ns, window.end_ns, window.bbox)
        report("read", 1, 1)
        return [kernel(reports, progress=progress)]
    return engine.run(store, window, kernel, key=key, progress=progress, partitions=n)


def select_reports(
    reports: pa.Table, start_ns: int | None, end_ns: int | None, bbox: BBox | None
) -> pa.Table:
    """The same selection as :func:`reports_for`, from a table of reports in
    the canonical schema, in time order (as the store returns them: by
    time, aircraft and record id)."""
    table = canonical(reports)
    t = table["time"].cast(pa.int64())
    keep = pc.is_valid(t)
    if start_ns is not None:
        keep = pc.and_(keep, pc.greater_equal(t, start_ns))
    if end_ns is not None:
        keep = pc.and_(keep, pc.less(t, end_ns))
    table = table.filter(keep)
    if bbox is not None:
        west, south, east, north = bbox
        lat, lon = table["lat"], table["lon"]
        inside = pc.and_(pc.greater_equal(lat, south), pc.less_equal(lat, north))
        if west <= east:
            across = pc.and_(pc.greater_equal(lon, west), pc.less_equal(lon, east))
        else:  # crosses the antimeridian
            across = pc.or_(pc.greater_equal(lon, west), pc.less_equal(lon, east))
        seen = pc.unique(table.filter(pc.fill_null(pc.and_(inside, across), False))["icao24"])
        table = table.filter(pc.is_in(table["icao24"], value_set=seen))
    return table.sort_by(
        [("time", "ascending"), ("icao24", "ascending"), ("record_id", "ascending")]
    )


def canonical(table: pa.Table) -> pa.Table:
    """``table`` as :data:`~skywitness.model.schema.REPORT_SCHEMA` (its columns in
    that order, cast to its types; other columns dropped, metadata dropped).

    Raises :class:`~skywitness.errors.UsageError` naming the missing columns
    or the column that cannot be cast.
    """
    missing = [n for n in REPORT_SCHEMA.names if n not in table.column_names]
    if missing:
        raise UsageError(
            f"the table is not reports in the canonical schema: no column "
            f"{', '.join(missing)} (give what skywitness.read or Store.query returns)"
        )
    columns = []
    for f in REPORT_SCHEMA:
        column = table[f.name]
        if column.type != f.type:
            try:
                column = column.cast(f.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise UsageError(
                    f"column {f.name!r} of the table is {column.type}, not {f.type}: {exc}"
                ) from None
        if not f.nullable and column.null_count:
            raise UsageError(f"column {f.name!r} of the table has {column.null_count} nulls")
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=REPORT_SCHEMA)


def data_window(reports: pa.Table) -> tuple[int | None, int | None]:
    """First and last report time (ns), ``None`` for an empty table."""
    if reports.num_rows == 0:
        return None, None
    span = pc.min_max(reports["time"].cast(pa.int64()))
    lo, hi = span["min"].as_py(), span["max"].as_py()
    return (None if lo is None else int(lo)), (None if hi is None else int(hi))


def callsigns_of(reports: pa.Table, aircraft: Iterable[str]) -> Mapping[str, str]:
    """The first callsign each of ``aircraft`` sent in ``reports`` (read-only;
    aircraft that sent none are absent), for the maps' labels."""
    wanted = pa.array(sorted(set(aircraft)), pa.string())
    if not len(wanted) or reports.num_rows == 0:
        return MappingProxyType({})
    keep = pc.and_(pc.is_in(reports["icao24"], value_set=wanted), pc.is_valid(reports["callsign"]))
    rows = reports.select(["icao24", "callsign"]).filter(keep)
    # In one thread, "first" is the first in row order.
    first = rows.group_by("icao24", use_threads=False).aggregate([("callsign", "first")])
    return MappingProxyType(
        dict(zip(first["icao24"].to_pylist(), first["callsign_first"].to_pylist(), strict=True))
    )
