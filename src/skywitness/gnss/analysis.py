"""The jamming job: reports from the store -> states -> maps, events, emitters, files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from skywitness.gnss.events import Event, interference_events
from skywitness.gnss.maps import interference_map, write_map
from skywitness.gnss.state import gnss_state, state_metadata
from skywitness.model.schema import REPORT_SCHEMA
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


def events_geojson(events: list[Event]) -> dict[str, Any]:
    """Event areas as polygons and emitter estimates as points (QGIS, kepler.gl)."""
    features: list[dict[str, Any]] = []
    for e in events:
        props = {k: v for k, v in e.as_json().items() if k not in ("polygon", "emitter")}
        props["aircraft"] = ",".join(e.aircraft)
        features.append(
            {"type": "Feature", "geometry": e.polygon, "properties": {**props, "kind": "area"}}
        )
        if e.emitter is not None:
            em = e.emitter
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(em.lon, 5), round(em.lat, 5)]},
                "properties": {"id": e.id, "kind": "emitter", "range_km": round(em.range_km, 2),
                               "error_km_95": round(em.error_km_95, 2)},
            })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def write_events(events: list[Event], path: Path) -> dict[str, Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(events_geojson(events)))
    tmp.replace(path)
    return {"file": str(path), "format": "geojson", "events": len(events)}
