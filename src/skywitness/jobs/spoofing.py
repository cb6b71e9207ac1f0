"""The spoofing job: reports -> per-report flags -> intervals, spoofed places
(clusters with the spoofer's area), estimated true paths -> files (written by
:mod:`skywitness.report.spoofing`).

As for jamming: :func:`compute_spoofing` computes a :class:`SpoofingResult`
from a table of reports, :func:`write_spoofing_files` writes files from it,
:func:`spoofing_analysis` (the CLI's) reads the store, computes and writes;
a large window in partitions of whole aircraft on an engine, each giving a
:class:`SpoofingPartial` (:func:`spoofing_partial`) that keeps only the
spoofed aircraft's reports, and :func:`combine_spoofing` the result of the
whole from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.engine.local import Engine, Window
from skywitness.errors import UsageError
from skywitness.gnss.spoofing.detectors import spoof_states, spoof_summary
from skywitness.gnss.spoofing.intervals import SpoofInterval, spoof_intervals
from skywitness.gnss.spoofing.paths import EstimatedPath, estimate_true_paths
from skywitness.gnss.spoofing.places import (
    SpoofCluster,
    at_places,
    outside_sample,
    spoof_clusters,
)
from skywitness.jobs import tables
from skywitness.jobs.reports import BBox, data_window, partials_of
from skywitness.model.schema import TIME_TYPE
from skywitness.progress import Progress, no_progress
from skywitness.report.findings import spoof_flags
from skywitness.report.provenance import Provenance
from skywitness.report.spoofing import EXTENSIONS
from skywitness.store import Store

__all__ = [
    "SpoofingPartial",
    "SpoofingResult",
    "SpoofingRun",
    "check_spoofing_outputs",
    "combine_spoofing",
    "compute_spoofing",
    "spoofing_analysis",
    "spoofing_partial",
    "true_paths",
    "write_spoofing_files",
]


@dataclass(frozen=True, repr=False)
class SpoofingResult:
    """What the spoofing job found: spoofed intervals, spoofed places (``clusters``,
    with the spoofer's area when it could be located), estimated true paths,
    and the per-report flags (``states``) of every aircraft with a spoofed
    report (the others' are all false and are not kept: a window of the
    world holds millions).

    ``to_pandas`` / ``to_arrow`` give the ``intervals``, ``places``, ``paths``
    (one row per path point) or ``states`` table, ``to_geojson`` everything
    as one FeatureCollection, ``write`` the files (a separate step).
    """

    intervals: tuple[SpoofInterval, ...]
    clusters: tuple[SpoofCluster, ...]
    paths: tuple[EstimatedPath, ...]
    states: pa.Table
    reports: int
    aircraft: int
    start_ns: int | None
    end_ns: int | None
    provenance: Provenance | None = None

    TABLES: ClassVar[tuple[str, ...]] = ("intervals", "places", "paths", "states")

    def as_json(self) -> dict[str, Any]:
        """What ``skywitness spoofing --json`` prints."""
        return {
            "intervals": [
                {**iv.as_json(), "trusted_quality": iv.trusted_quality} for iv in self.intervals
            ],
            "clusters": [c.as_json() for c in self.clusters],
        }

    def to_arrow(self, table: str | None = None) -> pa.Table:
        """``intervals`` (default), ``places``, ``paths`` or ``states``."""
        name = tables.pick(table, self.TABLES)
        if name == "places":
            return places_table(self.clusters)
        if name == "paths":
            return paths_table(self.paths)
        if name == "states":
            return self.states
        return intervals_table(self.intervals)

    def to_pandas(self, table: str | None = None) -> Any:
        """:meth:`to_arrow` as a pandas DataFrame (needs the ``pandas`` extra)."""
        return tables.to_pandas(self.to_arrow(table))

    def to_geojson(self) -> dict[str, Any]:
        """False positions, spoofed places, spoofer areas and estimated true
        paths as one FeatureCollection (the ``.geojson`` output)."""
        from skywitness.report.findings import spoofing_geojson

        return spoofing_geojson(self)

    def write(
        self,
        *outputs: str | Path,
        provenance: Provenance | None = None,
        progress: Progress | None = None,
    ) -> tuple[dict[str, Any], ...]:
        """Write each of ``outputs`` (by extension: .geojson, .csv, .parquet,
        .png); one dict per file written. ``provenance`` (default: the
        result's) is recorded in every file."""
        return write_spoofing_files(
            self, [Path(o) for o in outputs], provenance=provenance, progress=progress
        )

    def __repr__(self) -> str:
        lines = [place_line(k, c) for k, c in enumerate(self.clusters, 1)]
        return "\n".join(self._summary() + tables.shown(lines, len(lines)))

    def _summary(self) -> list[str]:
        spoofed = len({iv.icao24 for iv in self.intervals})
        trusted = sum(1 for iv in self.intervals if iv.trusted_quality)
        return [
            f"SpoofingResult: {tables.plural(len(self.intervals), 'spoofed interval')} on "
            f"{tables.plural(spoofed, 'aircraft', 'aircraft')} ({trusted} with quality fields "
            f"still saying good), {tables.plural(len(self.clusters), 'spoofed place')}, "
            f"{tables.plural(len(self.paths), 'estimated path')}",
            f"  window {tables.window_text(self.start_ns, self.end_ns)}",
            f"  input  {tables.plural(self.reports, 'report')}, "
            f"{tables.plural(self.aircraft, 'airborne aircraft', 'airborne aircraft')}",
        ]

    def _repr_html_(self) -> str:
        header = ["place", "start", "end", "aircraft", "lat", "lon", "pattern",
                  "error km (95 %)", "spoofer lat", "spoofer lon", "reach km"]  # fmt: skip
        rows = []
        for k, c in enumerate(self.clusters, 1):
            j, a = c.as_json(), c.area
            rows.append([k, j["start"], j["end"], c.n_aircraft, c.lat, c.lon, c.pattern,
                         c.error_km_95, None if a is None else a.lat,
                         None if a is None else a.lon,
                         None if a is None else a.range_km])  # fmt: skip
        return tables.html_table(tables.caption(self._summary()), header, rows)


@dataclass(frozen=True, repr=False)
class SpoofingRun(SpoofingResult):
    """A result and the files written from it (what :func:`spoofing_analysis` returns)."""

    written: tuple[dict[str, Any], ...] = ()


def place_line(k: int, c: SpoofCluster) -> str:
    """One line for a spoofed place: when, how many aircraft, where, the spoofer's area."""
    shape = f"circle of {c.radius_km:.1f} km" if c.pattern == "circle" else "point"
    area = ("spoofer's area not located (too few captures seen)" if c.area is None else
            f"spoofer's area centred {c.area.lat:.3f}, {c.area.lon:.3f} "
            f"+/- {c.area.error_km_95:.0f} km (95 %; {c.area.error_km_95_any_antenna:.0f} km if "
            f"its antenna is directional), reach {c.area.range_km:.0f} km")  # fmt: skip
    return (
        f"  place {k}: {tables.window_text(c.start_ns, c.end_ns)}: {c.n_aircraft} aircraft "
        f"reported at {c.lat:.4f}, {c.lon:.4f} +/- {c.error_km_95:.2f} km ({shape}); {area}"
    )


def intervals_table(intervals: Sequence[SpoofInterval]) -> pa.Table:
    """One row per spoofed interval."""
    return pa.table(
        {
            "icao24": pa.array([iv.icao24 for iv in intervals], pa.string()),
            "callsign": pa.array([iv.callsign for iv in intervals], pa.string()),
            "start": tables.times([iv.start_ns for iv in intervals]),
            "end": tables.times([iv.end_ns for iv in intervals]),
            "kinds": pa.array([list(iv.kinds) for iv in intervals], pa.list_(pa.string())),
            "trusted_quality": pa.array([iv.trusted_quality for iv in intervals], pa.bool_()),
        }
    )


def places_table(clusters: Sequence[SpoofCluster]) -> pa.Table:
    """One row per spoofed place; ``place`` numbers them from 1 as the repr and
    ``spoofer_*`` columns are null where the spoofer's area was not located."""
    areas = [c.area for c in clusters]

    def area(attr: str) -> pa.Array:
        return pa.array([None if a is None else getattr(a, attr) for a in areas], pa.float64())

    return pa.table(
        {
            "place": pa.array(range(1, len(clusters) + 1), pa.int32()),
            "start": tables.times([c.start_ns for c in clusters]),
            "end": tables.times([c.end_ns for c in clusters]),
            "lat": pa.array([c.lat for c in clusters], pa.float64()),
            "lon": pa.array([c.lon for c in clusters], pa.float64()),
            "pattern": pa.array([c.pattern for c in clusters], pa.string()),
            "radius_km": pa.array([c.radius_km for c in clusters], pa.float64()),
            "error_km_95": pa.array([c.error_km_95 for c in clusters], pa.float64()),
            "n_aircraft": pa.array([c.n_aircraft for c in clusters], pa.int32()),
            "aircraft": pa.array([list(c.aircraft) for c in clusters], pa.list_(pa.string())),
            "held_s": pa.array([c.held_s for c in clusters], pa.float64()),
            "spoofer_lat": area("lat"),
            "spoofer_lon": area("lon"),
            "spoofer_range_km": area("range_km"),
            "spoofer_error_km_95": area("error_km_95"),
            "spoofer_error_km_95_any_antenna": area("error_km_95_any_antenna"),
        }
    )


def paths_table(paths: Sequence[EstimatedPath]) -> pa.Table:
    """One row per point of every estimated true path; ``start`` / ``end`` are
    the spoofed interval the path belongs to, ``anchor`` marks trusted positions."""
    sizes = [len(p.time_ns) for p in paths]

    def each(values: list[Any], type_: pa.DataType) -> pa.Array:
        return pa.array([v for v, n in zip(values, sizes, strict=True) for _ in range(n)], type_)

    def joined(attr: str, dtype: Any) -> Any:
        parts = [np.asarray(getattr(p, attr), dtype) for p in paths]
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    alt = joined("alt_baro_ft", np.float64)
    return pa.table(
        {
            "icao24": each([p.icao24 for p in paths], pa.string()),
            "callsign": each([p.callsign for p in paths], pa.string()),
            "start": each([p.start_ns for p in paths], pa.int64()).cast(TIME_TYPE),
            "end": each([p.end_ns for p in paths], pa.int64()).cast(TIME_TYPE),
            "method": each([p.method for p in paths], pa.string()),
            "time": pa.array(joined("time_ns", np.int64)).cast(TIME_TYPE),
            "lat": pa.array(joined("lat", np.float64)),
            "lon": pa.array(joined("lon", np.float64)),
            "alt_baro_ft": pa.array(alt, mask=np.isnan(alt)),
            "error_km": pa.array(joined("error_km", np.float64)),
            "anchor": pa.array(joined("anchor", np.bool_)),
        }
    )


# -- steps -------------------------------------------------------------------------


def check_spoofing_outputs(outputs: Sequence[Path]) -> None:
    """Fail before any work on an output the writers would reject."""
    for out in outputs:
        if Path(out).suffix.lower() not in EXTENSIONS:
            raise UsageError(f"{out}: unknown output type (use {', '.join(EXTENSIONS)})")


@dataclass(frozen=True)
class SpoofingPartial:
    """What the spoofing job keeps of one partition of whole aircraft: the
    partials of disjoint partitions combine (:func:`combine_spoofing`) into
    the result of the whole, exactly. Only the aircraft with a spoofed report
    keep their states and reports; of the others, where they flew
    (:func:`~skywitness.gnss.spoofing.places.outside_sample`)."""

    intervals: list[SpoofInterval]
    states: pa.Table  # spoof_states of the aircraft with a spoofed report
    reports: pa.Table  # the reports of the aircraft with a spoofed interval
    outside: pa.Table  # outside_sample of every aircraft
    rows: int
    aircraft: int
    first_ns: int | None
    last_ns: int | None


def spoofing_partial(reports: pa.Table, *, progress: Progress | None = None) -> SpoofingPartial:
    """The :class:`SpoofingPartial` of ``reports`` (every report of each
    aircraft in them, in the window analysed)."""
    report = progress or no_progress
    report("flags", 0, 1)
    states = spoof_states(reports)
    report("flags", 1, 1)
    report("intervals", 0, 1)
    intervals = spoof_intervals(states)
    report("intervals", 1, 1)
    flagged = pc.unique(states["icao24"].filter(pc.fill_null(states["spoofed"], False)))
    interval_aircraft = pa.array(sorted({iv.icao24 for iv in intervals}), pa.string())
    first, last = data_window(reports)
    return SpoofingPartial(
        intervals=intervals,
        states=states.filter(pc.is_in(states["icao24"], value_set=flagged)),
        reports=reports.filter(
            pc.is_in(reports["icao24"].cast(pa.string()), value_set=interval_aircraft)
        ),
        outside=outside_sample(states),
        rows=reports.num_rows,
        aircraft=spoof_summary(states).aircraft,
        first_ns=first,
        last_ns=last,
    )


def combine_spoofing(
    partials: Sequence[SpoofingPartial],
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
) -> SpoofingResult:
    """The :class:`SpoofingResult` of the union of the partials' aircraft (disjoint)."""
    report = progress or no_progress
    if len(partials) == 1:
        only = partials[0]
        intervals, states, reports, outside = (
            only.intervals,
            only.states,
            only.reports,
            only.outside,
        )
    else:
        # Each aircraft is in one partial, its rows in time order: a stable
        # sort by aircraft gives the rows of the whole.
        intervals = sorted((iv for p in partials for iv in p.intervals), key=lambda iv: iv.icao24)
        states = _by_aircraft(pa.concat_tables([p.states for p in partials]))
        reports = pa.concat_tables([p.reports for p in partials])
        outside = _by_aircraft(pa.concat_tables([p.outside for p in partials]))
    report("places", 0, 1)
    clusters = spoof_clusters(states, outside=outside)
    report("places", 1, 1)
    report("paths", 0, 1)
    paths = true_paths(reports, states, intervals, clusters)
    report("paths", 1, 1)
    firsts = [p.first_ns for p in partials if p.first_ns is not None]
    lasts = [p.last_ns for p in partials if p.last_ns is not None]
    first = min(firsts) if firsts else None
    last = max(lasts) if lasts else None
    return SpoofingResult(
        intervals=tuple(intervals),
        clusters=tuple(clusters),
        paths=tuple(paths),
        states=states,
        reports=sum(p.rows for p in partials),
        aircraft=sum(p.aircraft for p in partials),
        start_ns=first if start_ns is None else start_ns,
        end_ns=last if end_ns is None else end_ns,
        provenance=_windowed(
            provenance,
            first if start_ns is None else start_ns,
            last if end_ns is None else end_ns,
        ),
    )


def _by_aircraft(table: pa.Table) -> pa.Table:
    """``table``'s rows ordered by icao24, each aircraft's in their order (a stable sort)."""
    return table.take(pc.sort_indices(table, sort_keys=[("icao24", "ascending")]))


def compute_spoofing(
    reports: pa.Table,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
) -> SpoofingResult:
    """The spoofing result of ``reports`` (canonical schema, already selected);
    ``start_ns`` / ``end_ns`` as for :func:`~skywitness.jobs.jamming.compute_jamming`."""
    partial = spoofing_partial(reports, progress=progress)
    return combine_spoofing(
        [partial], start_ns=start_ns, end_ns=end_ns, provenance=provenance, progress=progress
    )


def true_paths(
    reports: pa.Table,
    states: pa.Table,
    intervals: Sequence[SpoofInterval],
    clusters: Sequence[SpoofCluster],
) -> list[EstimatedPath]:
    """Estimated true paths (:func:`~skywitness.gnss.spoofing.paths.estimate_true_paths`)
    whose anchors are never at a spoofed place
    (:func:`~skywitness.gnss.spoofing.places.at_places`), flagged or not."""
    anchors = states.set_column(
        states.schema.get_field_index("spoofed"),
        "spoofed",
        pa.array(at_places(states, clusters) | spoof_flags(states)),
    )
    return estimate_true_paths(reports, anchors, intervals)


def write_spoofing_files(
    result: SpoofingResult,
    outputs: Sequence[Path] = (),
    *,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], ...]:
    """Write each of ``outputs`` (by extension); one dict per file written.
    ``provenance`` (default: the result's) is recorded in every file."""
    from skywitness.report.spoofing import write_spoofing

    check_spoofing_outputs(outputs)
    report = progress or no_progress
    made = (
        _windowed(provenance, result.start_ns, result.end_ns)
        if provenance is not None
        else result.provenance
    )
    span = None
    if result.start_ns is not None and result.end_ns is not None:
        span = (result.start_ns, result.end_ns)
    callsigns = {iv.icao24: iv.callsign for iv in result.intervals if iv.callsign}
    written = []
    report("write", 0, len(outputs))
    for k, out in enumerate(outputs):
        done = write_spoofing(result, out, provenance=made, aircraft=result.aircraft,
                              time_range=span, callsigns=callsigns)  # fmt: skip
        written.append(done)
        report("write", k + 1, len(outputs))
    return tuple(written)


def spoofing_analysis(
    store: Store,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    bbox: BBox | None = None,
    outputs: list[Path] | None = None,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> SpoofingRun:
    """Spoofing in the store's window, for aircraft seen (at a true or false
    position) inside ``bbox``: read (:func:`~skywitness.jobs.reports.reports_for`),
    compute (:func:`compute_spoofing`) and write ``outputs`` by extension
    (:func:`write_spoofing_files`). A window of more reports than a partition
    holds is read and computed in partitions of whole aircraft by ``engine``
    (default: the local engine), as for the jamming job; the partials combine
    into the same result (:func:`combine_spoofing`)."""
    outs = [Path(o) for o in outputs or []]
    check_spoofing_outputs(outs)
    partials = partials_of(
        store, Window(start_ns, end_ns, bbox), spoofing_partial, key={"job": "spoofing"},
        engine=engine, progress=progress,
    )  # fmt: skip
    result = combine_spoofing(
        partials, start_ns=start_ns, end_ns=end_ns, provenance=provenance, progress=progress
    )
    written = write_spoofing_files(result, outs, progress=progress)
    values = {f.name: getattr(result, f.name) for f in fields(result)}
    return SpoofingRun(**values, written=written)


def _windowed(p: Provenance | None, start_ns: int | None, end_ns: int | None) -> Provenance | None:
    """The provenance with the time range analysed: the one asked for, or the
    data's own first and last report where none was asked for."""
    if p is None:
        return None
    return p.with_window(
        p.start_ns if p.start_ns is not None else start_ns,
        p.end_ns if p.end_ns is not None else end_ns,
    )
