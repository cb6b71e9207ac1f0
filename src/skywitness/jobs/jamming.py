"""The jamming job: reports from the store -> states -> maps, events, emitters, files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from skywitness.gnss.jamming.events import Event, interference_events
from skywitness.gnss.jamming.maps import interference_map
from skywitness.gnss.jamming.state import gnss_state, state_metadata
from skywitness.model.schema import REPORT_SCHEMA
from skywitness.report.cells import write_map
from skywitness.report.events import write_events
from skywitness.store import Store


@dataclass
class JammingResult:
    events: list[Event]
    cells: int
    reports: int
    aircraft: int
    unknown_aircraft: int
    map: pa.Table
    written: list[dict[str, Any]] = field(default_factory=list)


def reports_for(
    store: Store,
    start_ns: int | None,
    end_ns: int | None,
    bbox: tuple[float, float, float, float] | None,
) -> pa.Table:
    """Reports in the window of every aircraft seen inside ``bbox``.

    The box selects aircraft, not reports: reports without a position (the
    jamming signal itself) must stay with their aircraft.
    """
    if bbox is None:
        return store.query(start=start_ns, end=end_ns)
    inside = store.query(start=start_ns, end=end_ns, bbox=bbox, columns=["icao24"])
    aircraft = pc.unique(inside["icao24"]).to_pylist()
    if not aircraft:
        return REPORT_SCHEMA.empty_table()
    return store.query(start=start_ns, end=end_ns, icao24=aircraft)


def jamming_analysis(
    store: Store,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    resolution: int = 4,
    window: str = "1d",
    mode: str = "nacp",
    outputs: list[Path] | None = None,
    events_out: Path | None = None,
) -> JammingResult:
    reports = reports_for(store, start_ns, end_ns, bbox)
    states = gnss_state(reports, mode=mode)
    meta = state_metadata(states)
    cells = interference_map(states, resolution=resolution, window=window)
    events = interference_events(states, reports)
    result = JammingResult(
        events=events,
        cells=cells.num_rows,
        reports=reports.num_rows,
        aircraft=int(meta.get("aircraft", 0)),
        unknown_aircraft=int(meta.get("aircraft_unknown_by_mode", {}).get(mode, 0)),
        map=cells,
    )
    for out in outputs or []:
        result.written.extend(write_map(cells, out))
    if events_out is not None:
        result.written.append(write_events(events, events_out))
    return result
