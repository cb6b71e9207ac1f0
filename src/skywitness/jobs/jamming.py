"""The jamming job: reports -> GNSS states -> map cells, interference events
with their emitter and their kind -> files.

Three steps, each usable alone, so that the CLI and the notebook API run the
same code: :func:`compute_jamming` computes a :class:`JammingResult` from a
table of reports (no file read or written); :func:`write_jamming_files`
writes files from a result and returns what it wrote;
:func:`jamming_analysis` (the CLI's) reads the store, computes and writes.

Each event's kind comes from both detector families: a spoofer degrades
integrity too (NIC/NACp drop while receivers are captured or jump), so the
quality pipeline finds its area as an interference event. The job runs the
spoofing detectors on the same reports and labels an event ``spoofing`` when
more than :data:`SPOOFED_SHARE` of its aircraft were spoofed during their own
stretch in it (:func:`event_kinds`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.engine.local import Engine, LocalEngine, Window
from skywitness.errors import UsageError
from skywitness.gnss.jamming.events import Event, Mapper, events_of
from skywitness.gnss.jamming.maps import (
    MAP_FORMATS,
    WINDOWS,
    combined_counts,
    map_counts,
    scored_map,
)
from skywitness.gnss.jamming.state import BAD, DETECTORS, gnss_state, state_summary
from skywitness.gnss.jamming.stretches import Interval, intervals, outside_points_of
from skywitness.gnss.spoofing.detectors import spoof_states
from skywitness.gnss.spoofing.intervals import SpoofInterval, spoof_intervals
from skywitness.jobs import tables
from skywitness.jobs.reports import BBox, callsigns_of, data_window, partials_of, reports_for
from skywitness.progress import Progress, no_progress
from skywitness.report.provenance import Provenance
from skywitness.store import Store

#: An interference event is a spoofer's when more than this share of its
#: aircraft have a spoofed interval overlapping their own bad stretch in the
#: event. A spoofer captures every receiver within its reach, a jammer
#: captures none: measured on the simulated scenarios (seeds 0 and 1, jamming,
#: two-jammers, spoofing, spoofing-circle, jamming-spoofing; 15 events) the
#: share is 100 % for every spoofer's event and 0 % for every jammer's, also
#: for aircraft spoofed elsewhere that later crossed the jammer's disc. "Most
#: of its aircraft" (a majority) sits between, far from both.
SPOOFED_SHARE = 0.5
#: Extensions of the events file (``--events-out``, ``write(events=...)``): the
#: events are written as GeoJSON only (report/events.py); the CLI checks the same.
EVENTS_FORMATS = (".geojson", ".json")

__all__ = [
    "EVENTS_FORMATS",
    "SPOOFED_SHARE",
    "JammingResult",
    "JammingRun",
    "check_jamming_parameters",
    "compute_jamming",
    "event_kinds",
    "jamming_analysis",
    "reports_for",
    "write_jamming_files",
]


@dataclass(frozen=True, repr=False)
class JammingResult:
    """What the jamming job found: events (with their emitter and kind) and the map.

    ``map`` has one row per H3 cell and time window (``cells`` counts them);
    ``start_ns`` / ``end_ns`` is the window analysed (as asked, else the first
    and last report); ``callsigns`` labels the events' aircraft on the maps;
    ``provenance`` is recorded in the files written (see :meth:`write`).
    ``to_pandas`` / ``to_arrow`` give the ``events`` or ``cells`` table,
    ``to_geojson`` the ``events`` or ``cells`` layer, ``write`` the files (a
    separate step: the result is never changed). The events themselves are the
    kernel's :class:`~skywitness.gnss.jamming.events.Event` (a mutable
    dataclass): read them, do not change them.
    """

    events: tuple[Event, ...]
    map: pa.Table
    reports: int
    aircraft: int
    unknown_aircraft: int
    mode: str
    resolution: int
    window: str
    start_ns: int | None
    end_ns: int | None
    provenance: Provenance | None = None
    callsigns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    TABLES: ClassVar[tuple[str, ...]] = ("events", "cells")

    @property
    def cells(self) -> int:
        """Cell-windows in the map."""
        return int(self.map.num_rows)

    def as_json(self) -> dict[str, Any]:
        """What ``skywitness jamming --json`` prints."""
        return {"events": [e.as_json() for e in self.events], "cells": self.cells}

    def to_arrow(self, table: str | None = None) -> pa.Table:
        """``events`` (default: one row per event, emitter columns null when not
        located) or ``cells`` (the map: one row per H3 cell and window)."""
        if tables.pick(table, self.TABLES) == "cells":
            return self.map
        return events_table(self.events)

    def to_pandas(self, table: str | None = None) -> Any:
        """:meth:`to_arrow` as a pandas DataFrame (needs the ``pandas`` extra)."""
        return tables.to_pandas(self.to_arrow(table))

    def to_geojson(self, layer: str | None = None) -> dict[str, Any]:
        """``events`` (default: each event's area and its emitter) or ``cells``
        (one polygon per cell and window) as a GeoJSON FeatureCollection."""
        if tables.pick(layer, self.TABLES) == "cells":
            from skywitness.report.cells import to_geojson

            return to_geojson(self.map)
        from skywitness.report.events import events_geojson

        return events_geojson(self.events)

    def write(
        self,
        *outputs: str | Path,
        events: str | Path | None = None,
        provenance: Provenance | None = None,
        progress: Progress | None = None,
    ) -> tuple[dict[str, Any], ...]:
        """Write the map to each of ``outputs`` (format by extension: .csv,
        .geojson, .parquet, .png, .html; a directory gets GPSJam's daily CSVs)
        and the events GeoJSON to ``events``; one dict per file written.
        ``provenance`` (default: the result's) is recorded in every file."""
        return write_jamming_files(
            self,
            [Path(o) for o in outputs],
            events_out=None if events is None else Path(events),
            provenance=provenance,
            progress=progress,
        )

    def __repr__(self) -> str:
        return "\n".join(
            self._summary() + tables.shown([event_line(e) for e in self.events], len(self.events))
        )

    def _summary(self) -> list[str]:
        kinds = sorted({e.kind for e in self.events})
        split = ", ".join(f"{sum(e.kind == k for e in self.events)} {k}" for k in kinds)
        return [
            f"JammingResult: {tables.plural(len(self.events), 'interference event')}"
            f"{f' ({split})' if split else ''}, {tables.plural(self.cells, 'cell-window')} "
            f"(H3 resolution {self.resolution}, {self.window} windows)",
            f"  window {tables.window_text(self.start_ns, self.end_ns)}",
            f"  input  {tables.plural(self.reports, 'report')}, "
            f"{tables.plural(self.aircraft, 'airborne aircraft', 'airborne aircraft')} "
            f"({self.unknown_aircraft} without quality fields for mode {self.mode})",
        ]

    def _repr_html_(self) -> str:
        header = ["event", "kind", "aircraft", "start", "end", "emitter lat", "emitter lon",
                  "error km (95 %)", "error km, any antenna (95 %)", "range km"]  # fmt: skip
        rows = []
        for e in self.events:
            j, em = e.as_json(), e.emitter
            rows.append([e.id, e.kind, len(e.aircraft), j["start"], j["end"],
                         None if em is None else em.lat, None if em is None else em.lon,
                         None if em is None else em.error_km_95,
                         None if em is None else em.error_km_95_any_antenna,
                         None if em is None else em.range_km])  # fmt: skip
        return tables.html_table(tables.caption(self._summary()), header, rows)


@dataclass(frozen=True, repr=False)
class JammingRun(JammingResult):
    """A result and the files written from it (what :func:`jamming_analysis` returns)."""

    written: tuple[dict[str, Any], ...] = ()


def event_line(e: Event) -> str:
    """One line for an event: id, kind, aircraft, time span, emitter."""
    j, em = e.as_json(), e.emitter
    where = ("emitter not located (too few aircraft entering the area)" if em is None else
             f"emitter {em.lat:.3f}, {em.lon:.3f} +/- {em.error_km_95:.1f} km (95 %; "
             f"{em.error_km_95_any_antenna:.0f} km if its antenna is directional), "
             f"range {em.range_km:.0f} km")  # fmt: skip
    return f"  {e.id} {e.kind}: {len(e.aircraft)} aircraft, {j['start']} .. {j['end']}, {where}"


def events_table(events: Sequence[Event]) -> pa.Table:
    """One row per event; emitter columns are null where it was not located."""
    ems = [e.emitter for e in events]

    def emitter(attr: str) -> pa.Array:
        return pa.array([None if m is None else getattr(m, attr) for m in ems], pa.float64())

    return pa.table(
        {
            "id": pa.array([e.id for e in events], pa.string()),
            "kind": pa.array([e.kind for e in events], pa.string()),
            "start": tables.times([e.start_ns for e in events]),
            "end": tables.times([e.end_ns for e in events]),
            "active": pa.array([e.windows_text() for e in events], pa.string()),
            "n_aircraft": pa.array([len(e.aircraft) for e in events], pa.int32()),
            "aircraft": pa.array([list(e.aircraft) for e in events], pa.list_(pa.string())),
            "emitter_lat": emitter("lat"),
            "emitter_lon": emitter("lon"),
            "emitter_range_km": emitter("range_km"),
            "emitter_error_km_95": emitter("error_km_95"),
            "emitter_error_km_95_any_antenna": emitter("error_km_95_any_antenna"),
        }
    )


# -- steps -------------------------------------------------------------------------


def check_jamming_parameters(
    *,
    resolution: int,
    window: str,
    mode: str,
    outputs: Sequence[Path] = (),
    events_out: Path | None = None,
) -> None:
    """Fail before any work on a parameter or output the job would reject later."""
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 0 <= resolution <= 15:
        raise UsageError(f"bad H3 resolution {resolution!r}: want an integer 0-15")
    if window not in WINDOWS:
        raise UsageError(f"unknown map window {window!r} (use {', '.join(WINDOWS)})")
    if mode not in DETECTORS:
        raise UsageError(f"unknown GNSS quality mode {mode!r} (use {', '.join(DETECTORS)})")
    for out in outputs:
        suffix = Path(out).suffix.lower()
        if suffix and not Path(out).is_dir() and suffix not in MAP_FORMATS:
            raise UsageError(
                f"{out}: cannot tell the map format from the extension "
                f"(use {', '.join(MAP_FORMATS)}, or a directory)"
            )
    if events_out is not None:
        suffix = Path(events_out).suffix.lower()
        if suffix not in EVENTS_FORMATS:
            raise UsageError(
                f"{events_out}: unknown events output type {suffix or '(no extension)'}: "
                f"the events are written as GeoJSON (use {', '.join(EVENTS_FORMATS)})"
            )


@dataclass(frozen=True)
class JammingPartial:
    """What the jamming job gathers from one partition of whole aircraft; the
    partials of disjoint partitions combine (:func:`combine_partials`) into
    the result of the whole, exactly."""

    counts: pa.Table  # map_counts
    stretches: list[Interval]  # every aircraft's bad stretches, aircraft then time
    outside: NDArray[np.float64]  # the good aircraft's points (outside_points)
    outside_aircraft: NDArray[Any]  # the icao24 of each point
    spoofed: list[SpoofInterval]
    callsigns: dict[str, str]  # of the aircraft with a bad stretch
    reports: int
    aircraft: int
    unknown_aircraft: int
    first_ns: int | None
    last_ns: int | None


def jamming_partial(
    reports: pa.Table,
    *,
    resolution: int = 4,
    window: str = "1d",
    mode: str = "nacp",
    progress: Progress | None = None,
) -> JammingPartial:
    """The :class:`JammingPartial` of ``reports`` (every report of each
    aircraft in them, in the window analysed)."""
    report = progress or no_progress
    report("states", 0, 1)
    states = gnss_state(reports, mode=mode)
    summary = state_summary(states)
    report("states", 1, 1)
    report("map", 0, 1)
    counts = map_counts(states, resolution=resolution, window=window)
    report("map", 1, 1)
    # The spoofing detectors first: a stretch of a spoofed aircraft is not a
    # jammer's (it groups apart), and they label the events' kinds. Only the
    # aircraft with a bad stretch are asked (each is judged on its own reports).
    report("kinds", 0, 1)
    spoofed = spoof_intervals(spoof_states(_of_bad_aircraft(reports, states)))
    report("kinds", 1, 1)
    stretches = intervals(states, reports)
    outside, outside_aircraft = outside_points_of(states)
    first, last = data_window(reports)
    return JammingPartial(
        counts=counts,
        stretches=stretches,
        outside=outside,
        outside_aircraft=outside_aircraft,
        spoofed=spoofed,
        callsigns=dict(callsigns_of(reports, (s.icao24 for s in stretches))),
        reports=reports.num_rows,
        aircraft=summary.aircraft,
        unknown_aircraft=summary.aircraft_unknown_by_mode.get(mode, 0),
        first_ns=first,
        last_ns=last,
    )


def combine_partials(
    partials: Sequence[JammingPartial],
    *,
    resolution: int = 4,
    window: str = "1d",
    mode: str = "nacp",
    start_ns: int | None = None,
    end_ns: int | None = None,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
    mapper: Mapper | None = None,
) -> JammingResult:
    """The :class:`JammingResult` of the union of the partials' aircraft
    (disjoint); ``mapper`` runs the events' fits (see
    :func:`~skywitness.gnss.jamming.events.events_of`)."""
    report = progress or no_progress
    report("events", 0, 1)
    if len(partials) == 1:
        only = partials[0]
        stretches, outside, spoofed = only.stretches, only.outside, only.spoofed
    else:
        stretches = sorted(
            (s for p in partials for s in p.stretches), key=lambda s: (s.icao24, s.start_ns)
        )
        aircraft = np.concatenate([p.outside_aircraft for p in partials])
        outside = np.concatenate([p.outside for p in partials])[
            np.argsort(aircraft.astype(str), kind="stable")
        ]
        spoofed = [iv for p in partials for iv in p.spoofed]
    found = events_of(
        stretches,
        outside,
        spoofed=[(iv.icao24, iv.start_ns, iv.end_ns) for iv in spoofed],
        mapper=mapper,
        progress=progress,
    )
    events = event_kinds(found, spoofed)
    report("events", 1, 1)
    cells = scored_map(combined_counts([p.counts for p in partials]), window=window)
    firsts = [p.first_ns for p in partials if p.first_ns is not None]
    lasts = [p.last_ns for p in partials if p.last_ns is not None]
    first = min(firsts) if firsts else None
    last = max(lasts) if lasts else None
    names: dict[str, str] = {}
    for p in partials:
        names.update(p.callsigns)
    wanted = {a for e in events for a in e.aircraft}
    return JammingResult(
        events=events,
        map=cells,
        reports=sum(p.reports for p in partials),
        aircraft=sum(p.aircraft for p in partials),
        unknown_aircraft=sum(p.unknown_aircraft for p in partials),
        mode=mode,
        resolution=resolution,
        window=window,
        start_ns=first if start_ns is None else start_ns,
        end_ns=last if end_ns is None else end_ns,
        provenance=_windowed(
            provenance,
            first if start_ns is None else start_ns,
            last if end_ns is None else end_ns,
        ),
        callsigns=MappingProxyType({a: c for a, c in sorted(names.items()) if a in wanted}),
    )


def compute_jamming(
    reports: pa.Table,
    *,
    resolution: int = 4,
    window: str = "1d",
    mode: str = "nacp",
    start_ns: int | None = None,
    end_ns: int | None = None,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
    mapper: Mapper | None = None,
) -> JammingResult:
    """The jamming result of ``reports`` (canonical schema, already selected);
    ``start_ns`` / ``end_ns`` is the window they were selected for (recorded
    in the result; an open side is the data's first or last report)."""
    check_jamming_parameters(resolution=resolution, window=window, mode=mode)
    partial = jamming_partial(
        reports, resolution=resolution, window=window, mode=mode, progress=progress
    )
    return combine_partials(
        [partial], resolution=resolution, window=window, mode=mode, start_ns=start_ns,
        end_ns=end_ns, provenance=provenance, progress=progress, mapper=mapper,
    )  # fmt: skip


def _of_bad_aircraft(reports: pa.Table, states: pa.Table) -> pa.Table:
    """The reports of the aircraft with a report in the bad state (the only
    ones with stretches to label), in their order."""
    if not states.num_rows:
        return reports.slice(0, 0)
    bad = pc.unique(states.filter(pc.equal(states["state"], BAD))["icao24"])
    return reports.filter(pc.is_in(reports["icao24"], value_set=bad))


def event_kinds(events: Sequence[Event], spoofed: Sequence[SpoofInterval]) -> tuple[Event, ...]:
    """``events`` with their kind: ``spoofing`` when more than
    :data:`SPOOFED_SHARE` of an event's aircraft have a spoofed interval
    overlapping one of their own stretches in the event, else ``jamming``.
    New events; the given ones are not changed."""
    by_aircraft: dict[str, list[SpoofInterval]] = {}
    for iv in spoofed:
        by_aircraft.setdefault(iv.icao24, []).append(iv)
    out = []
    for ev in events:
        hit = {
            s.icao24
            for s in ev.intervals
            if any(
                iv.start_ns <= s.end_ns and iv.end_ns >= s.start_ns
                for iv in by_aircraft.get(s.icao24, ())
            )
        }
        share = len(hit) / len(set(ev.aircraft)) if ev.aircraft else 0.0
        out.append(replace(ev, kind="spoofing" if share > SPOOFED_SHARE else "jamming"))
    return tuple(out)


def write_jamming_files(
    result: JammingResult,
    outputs: Sequence[Path] = (),
    *,
    events_out: Path | None = None,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], ...]:
    """Write the map to each of ``outputs`` and the events to ``events_out``;
    one dict per file written. ``provenance`` (default: the result's) is
    recorded in every file; the PNG and HTML maps show the events (area,
    emitter, kind) over the cells."""
    from skywitness.report.cells import write_map
    from skywitness.report.events import write_events

    check_jamming_parameters(
        resolution=result.resolution, window=result.window, mode=result.mode, outputs=outputs,
        events_out=events_out,
    )  # fmt: skip
    report = progress or no_progress
    made = (
        _windowed(provenance, result.start_ns, result.end_ns)
        if provenance is not None
        else result.provenance
    )
    span = None
    if result.start_ns is not None and result.end_ns is not None:
        span = (result.start_ns, result.end_ns)
    layers: dict[str, Any] = {
        "mode": result.mode,
        "events": result.events,
        "aircraft": result.aircraft,
        "callsigns": result.callsigns,
        "time_range": span,
    }
    total = len(outputs) + (events_out is not None)
    written: list[dict[str, Any]] = []
    report("write", 0, total)
    for k, out in enumerate(outputs):
        written.extend(write_map(result.map, out, provenance=made, **layers))
        report("write", k + 1, total)
    if events_out is not None:
        written.append(write_events(result.events, events_out, provenance=made))
        report("write", total, total)
    return tuple(written)


def jamming_analysis(
    store: Store,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    bbox: BBox | None = None,
    resolution: int = 4,
    window: str = "1d",
    mode: str = "nacp",
    outputs: list[Path] | None = None,
    events_out: Path | None = None,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> JammingRun:
    """Read the store's reports (:func:`~skywitness.jobs.reports.reports_for`),
    compute (:func:`compute_jamming`) and write (:func:`write_jamming_files`).
    A window of more reports than a partition holds is read and computed in
    partitions of whole aircraft by ``engine`` (default: the local engine),
    whose partials combine into the same result (:func:`combine_partials`).
    Another engine (the Spark engine) reads and computes every window itself,
    also one of a single partition."""
    outs = [Path(o) for o in outputs or []]
    check_jamming_parameters(
        resolution=resolution, window=window, mode=mode, outputs=outs, events_out=events_out
    )
    kernel = functools.partial(jamming_partial, resolution=resolution, window=window, mode=mode)
    chosen = engine or LocalEngine()
    partials = partials_of(
        store, Window(start_ns, end_ns, bbox), kernel, engine=chosen, progress=progress,
        key={"job": "jamming", "resolution": resolution, "window": window, "mode": mode},
    )  # fmt: skip
    result = combine_partials(
        partials, resolution=resolution, window=window, mode=mode, start_ns=start_ns,
        end_ns=end_ns, provenance=provenance, progress=progress, mapper=chosen.map_shared,
    )  # fmt: skip
    written = write_jamming_files(result, outs, events_out=events_out, progress=progress)
    values = {f.name: getattr(result, f.name) for f in fields(result)}
    return JammingRun(**values, written=written)


def _windowed(p: Provenance | None, start_ns: int | None, end_ns: int | None) -> Provenance | None:
    """The provenance with the time range analysed: the one asked for, or the
    data's own first and last report where none was asked for."""
    if p is None:
        return None
    return p.with_window(
        p.start_ns if p.start_ns is not None else start_ns,
        p.end_ns if p.end_ns is not None else end_ns,
    )
