"""Interference events as GeoJSON: each event's area and its emitter estimate."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from skywitness.gnss.jamming.events import Event
from skywitness.report.atomic import write_json


def events_geojson(events: Sequence[Event]) -> dict[str, Any]:
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


def write_events(events: Sequence[Event], path: Path) -> dict[str, Any]:
    write_json(path, events_geojson(events))
    return {"file": str(path), "format": "geojson", "events": len(events)}
