"""Spoofing findings as files, chosen by extension.

``.geojson`` / ``.json``  a FeatureCollection (QGIS, kepler.gl): the false
                          positions of each interval (``kind`` ``spoofed_positions``,
                          a MultiPoint sampled every :data:`POSITION_STEP_S`),
                          each spoofed place (``attractor``: a Point, plus a
                          ``attractor_circle`` LineString for circle spoofing),
                          the spoofer's area (``spoofer_area``: a Polygon of its
                          effective range, ``spoofer`` its centre) and the
                          estimated true path of each interval
                          (``estimated_path``, ``estimated: true``);
``.csv``                  one row per interval (pandas, spreadsheets);
``.parquet``              the per-report flags of :func:`~skywitness.gnss.spoofing.spoof_states`;
``.png``                  a map (needs the ``plot`` extra);
``.html``                 the interactive offline map (:mod:`skywitness.report.html`).

Every file is written atomically; given a
:class:`~skywitness.report.provenance.Provenance`, each records it (GeoJSON
member, Parquet metadata, PNG text and caption, HTML footer, CSV sidecar).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from skywitness.errors import UsageError
from skywitness.gnss.spoofing.intervals import SpoofInterval
from skywitness.gnss.spoofing.paths import EstimatedPath, path_feature
from skywitness.gnss.spoofing.places import SpoofCluster
from skywitness.model.units import NS_PER_S
from skywitness.report.atomic import atomic_path, write_files, write_json
from skywitness.report.basemap import circle_ring
from skywitness.report.provenance import Provenance, geojson_with, sidecar, tag_table


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


#: Output extensions this job writes.
EXTENSIONS = (".geojson", ".json", ".csv", ".parquet", ".png", ".html")


def write_spoofing(
    result: SpoofingFindings,
    path: Path,
    *,
    provenance: Provenance | None = None,
    aircraft: int | None = None,
    time_range: tuple[int, int] | None = None,
    callsigns: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Write one output file, in the format its extension names, atomically.

    ``provenance`` is recorded in the file (nothing when None); ``aircraft``
    (how many were analysed), ``time_range`` (UTC ns of the data) and
    ``callsigns`` are for the maps (``.png``, ``.html``), which say "No
    interference found among N aircraft" when there is nothing to show.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext in (".geojson", ".json"):
        write_json(path, geojson_with(spoofing_geojson(result), provenance))
        fmt = "geojson"
    elif ext == ".csv":
        text = intervals_csv(list(result.intervals), list(result.clusters))
        write_files({path: text.encode("utf-8"), **sidecar(path, provenance)})
        fmt = "csv"
    elif ext == ".parquet":
        with atomic_path(path) as tmp:
            pq.write_table(tag_table(result.states, provenance), tmp)
        fmt = "parquet"
    elif ext == ".png":
        from skywitness.report.spoofing_map import render_spoofing_png

        render_spoofing_png(
            result, path, provenance=provenance, aircraft=aircraft, time_range=time_range
        )
        fmt = "png"
    elif ext == ".html":
        from skywitness.report.html import render_map_html

        render_map_html(
            None, path, spoofing=result, aircraft=aircraft, provenance=provenance,
            time_range=time_range, callsigns=callsigns,
        )  # fmt: skip
        fmt = "html"
    else:
        raise UsageError(f"{path}: unknown output type (use {', '.join(EXTENSIONS)})")
    return {"file": str(path), "format": fmt}


def intervals_csv(intervals: list[SpoofInterval], clusters: list[SpoofCluster]) -> str:
    """One row per interval, with the spoofed place it was held at (if any)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["icao24", "callsign", "start", "end", "duration_s", "kinds",
                "trusted_quality", "cluster_lat", "cluster_lon"])  # fmt: skip
    for iv in intervals:
        j = iv.as_json()
        c = _cluster_of(iv, clusters)
        w.writerow([
            iv.icao24, iv.callsign or "", j["start"], j["end"],
            round((iv.end_ns - iv.start_ns) / NS_PER_S, 1), ";".join(iv.kinds),
            "" if iv.trusted_quality is None else str(iv.trusted_quality).lower(),
            "" if c is None else round(c.lat, 5), "" if c is None else round(c.lon, 5),
        ])  # fmt: skip
    return buf.getvalue()


def _cluster_of(iv: SpoofInterval, clusters: list[SpoofCluster]) -> SpoofCluster | None:
    for c in clusters:
        if iv.icao24 in c.aircraft and iv.start_ns <= c.end_ns and iv.end_ns >= c.start_ns:
            return c
    return None


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
