"""Interference events as GeoJSON: each event's area and its emitter estimate.

Features, told apart by their ``kind`` property: ``area`` (a Polygon: where
the event's affected aircraft were), ``emitter`` (a Point: the estimated
emitter), ``emitter_error_95`` (a Polygon: the 95 % circle of the emitter's
position) and ``emitter_range`` (a Polygon: its effective range, inside
which aircraft lose GNSS). ``event_kind`` says ``jamming`` or ``spoofing``.
Coordinates are [lon, lat] (RFC 7946); given a provenance, the collection
carries it as its ``skywitness`` member.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from skywitness.gnss.jamming.events import Event
from skywitness.report.atomic import write_json
from skywitness.report.basemap import circle_ring
from skywitness.report.provenance import Provenance, geojson_with
from skywitness.report.summary import event_kind


def events_geojson(events: Sequence[Event]) -> dict[str, Any]:
    """Event areas as polygons, emitter estimates as points with their circles (QGIS, kepler.gl)."""
    features: list[dict[str, Any]] = []
    for e in events:
        j = e.as_json()
        props = {k: v for k, v in j.items() if k not in ("polygon", "emitter")}
        props["aircraft"] = ",".join(e.aircraft)
        props["active"] = e.windows_text()  # a string: QGIS and kepler.gl read no nested lists
        props["event_kind"] = event_kind(e)
        features.append(
            {"type": "Feature", "geometry": e.polygon, "properties": {**props, "kind": "area"}}
        )
        if e.emitter is not None:
            em = e.emitter
            common = {"id": e.id, "event_kind": event_kind(e), "start": j["start"],
                      "end": j["end"], "n_aircraft": len(e.aircraft),
                      "lat": round(em.lat, 5), "lon": round(em.lon, 5),
                      "range_km": round(em.range_km, 2), "error_km_95": round(em.error_km_95, 2),
                      "error_km_95_any_antenna": round(em.error_km_95_any_antenna, 2)}  # fmt: skip
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(em.lon, 5), round(em.lat, 5)]},
                "properties": {**common, "kind": "emitter"},
            })  # fmt: skip
            for kind, radius in (
                ("emitter_error_95", em.error_km_95),
                ("emitter_range", em.range_km),
                ("emitter_error_95_any_antenna", em.error_km_95_any_antenna),
            ):
                features.append({
                    "type": "Feature",
                    "geometry": {"type": "Polygon",
                                 "coordinates": [circle_ring(em.lat, em.lon, radius)]},
                    "properties": {**common, "kind": kind},
                })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def write_events(
    events: Sequence[Event], path: Path, *, provenance: Provenance | None = None
) -> dict[str, Any]:
    """Write the events' GeoJSON at ``path`` (atomically), with ``provenance`` if given."""
    write_json(path, geojson_with(events_geojson(events), provenance))
    return {"file": str(path), "format": "geojson", "events": len(events)}
