"""Spoofing findings as GeoJSON, the one shape every spoofing output draws.

:func:`spoofing_geojson` is a FeatureCollection (QGIS, kepler.gl): the false
positions of each interval (``kind`` ``spoofed_positions``, a MultiPoint
sampled every :data:`POSITION_STEP_S`), each spoofed place (``attractor``: a
Point, plus an ``attractor_circle`` LineString for circle spoofing), the
spoofer's area (``spoofer_area``: a Polygon of its effective range,
``spoofer`` its centre) and the estimated true path of each interval
(``estimated_path``, ``estimated: true``). The file writers
(:mod:`skywitness.report.spoofing`), the PNG (:mod:`skywitness.report.spoofing_map`)
and the HTML map (:mod:`skywitness.report.html`) all draw these features.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from skywitness.gnss.spoofing.intervals import SpoofInterval
from skywitness.gnss.spoofing.paths import EstimatedPath, path_feature
from skywitness.gnss.spoofing.places import SpoofCluster
from skywitness.model.units import NS_PER_S
from skywitness.report.basemap import circle_ring


class SpoofingFindings(Protocol):
    """What the spoofing writers need (the job's result satisfies it)."""

    @property
    def intervals(self) -> Sequence[SpoofInterval]: ...
    @property
    def clusters(self) -> Sequence[SpoofCluster]: ...
    @property
    def paths(self) -> Sequence[EstimatedPath]: ...
    @property
    def states(self) -> pa.Table: ...


def spoof_flags(states: pa.Table) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """The per-report spoofed flag, missing read as False."""
    return np.asarray(states["spoofed"].fill_null(False).to_numpy(), bool)


#: False positions in the GeoJSON and the maps: one per aircraft per this many
#: seconds (enough to see the pattern, small enough to load in a browser).
POSITION_STEP_S = 10.0


def spoofing_geojson(result: SpoofingFindings) -> dict[str, Any]:
    """False positions, spoofed places, spoofer areas and estimated true paths."""
    features: list[dict[str, Any]] = []
    features.extend(_false_positions(result.states, result.intervals))
    for i, c in enumerate(result.clusters):
        props = {k: v for k, v in c.as_json().items() if k not in ("aircraft", "spoofer_area")}
        props |= {"cluster": i, "aircraft": ",".join(c.aircraft)}
        features.append(_feature(_point(c.lat, c.lon), {**props, "kind": "attractor"}))
        if c.pattern == "circle":
            ring = circle_ring(c.lat, c.lon, c.radius_km)
            features.append(_feature({"type": "LineString", "coordinates": ring},
                                     {"cluster": i, "kind": "attractor_circle",
                                      "radius_km": round(c.radius_km, 2)}))  # fmt: skip
        if c.area is not None:
            a = c.area.as_json()
            ring = circle_ring(c.area.lat, c.area.lon, c.area.range_km)
            features.append(_feature({"type": "Polygon", "coordinates": [ring]},
                                     {"cluster": i, "kind": "spoofer_area", **a}))  # fmt: skip
            features.append(_feature(_point(c.area.lat, c.area.lon),
                                     {"cluster": i, "kind": "spoofer", **a}))  # fmt: skip
    features.extend(path_feature(p) for p in result.paths)
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}


def _false_positions(states: pa.Table, intervals: Sequence[SpoofInterval]) -> list[dict[str, Any]]:
    if not intervals:
        return []
    icao = np.asarray(states["icao24"].to_numpy(zero_copy_only=False)).astype(str)
    t = np.asarray(states["time"].cast(pa.int64()).fill_null(0).to_numpy())
    lat = np.asarray(states["lat"].fill_null(np.nan).to_numpy(), np.float64)
    lon = np.asarray(states["lon"].fill_null(np.nan).to_numpy(), np.float64)
    shown = spoof_flags(states) & np.isfinite(lat) & np.isfinite(lon)
    if "own_position" in states.column_names:  # MLAT / TIS-B positions are not false
        shown &= np.asarray(states["own_position"].fill_null(False).to_numpy(), bool)
    # Rows of each aircraft in time order, found once (not one scan per interval).
    names, code = np.unique(icao, return_inverse=True)
    order = np.lexsort((t, code))
    bounds = np.searchsorted(code[order], np.arange(names.size + 1))
    where = {str(a): order[bounds[k] : bounds[k + 1]] for k, a in enumerate(names)}
    out = []
    for iv in intervals:
        mine = where.get(iv.icao24, np.zeros(0, np.int64))
        lo = int(np.searchsorted(t[mine], iv.start_ns, side="left"))
        hi = int(np.searchsorted(t[mine], iv.end_ns, side="right"))
        rows = mine[lo:hi]
        rows = rows[shown[rows]]
        if rows.size == 0:
            continue
        slot = t[rows] // int(POSITION_STEP_S * NS_PER_S)
        rows = rows[np.r_[True, slot[1:] != slot[:-1]]]
        coords = [[round(float(lon[r]), 5), round(float(lat[r]), 5)] for r in rows]
        props = {**iv.as_json(), "kinds": ",".join(iv.kinds),
                 "trusted_quality": iv.trusted_quality, "kind": "spoofed_positions"}  # fmt: skip
        out.append(_feature({"type": "MultiPoint", "coordinates": coords}, props))
    return out
