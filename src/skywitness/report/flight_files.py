"""The flight job's files: GeoJSON, CSV, Parquet and the HTML report, and its
summary in words.

``.geojson``: the track as one LineString per run of one source (reported,
reconstructed, rejected, spoofed; QGIS and kepler.gl colour by the
``source`` property), each reconstructed point as a Point with its
``error_km`` (a circle's radius in QGIS: the uncertainty band), the events
that have a position, and the end of the flight with its error.
``.csv`` / ``.parquet``: the track table, one row per report (time, lat, lon,
alt_baro_ft, source, error_km, method, gap_id, flight, phase, rule, format).
``.html``: the offline report (:mod:`skywitness.report.flight`).
Every file records its provenance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from skywitness.errors import UsageError
from skywitness.model.timefmt import iso_utc
from skywitness.report import export
from skywitness.report.atomic import write_json
from skywitness.report.provenance import Provenance, geojson_with

#: Output files by extension.
EXTENSIONS = (".html", ".geojson", ".csv", ".parquet")


class FlightFindings(Protocol):
    """What the writers read from a flight result (:class:`skywitness.jobs.flight.FlightResult`)."""

    @property
    def icao24(self) -> str: ...

    @property
    def callsign(self) -> str | None: ...

    @property
    def track(self) -> pa.Table: ...

    @property
    def series(self) -> pa.Table: ...

    @property
    def reports(self) -> int: ...

    @property
    def flights(self) -> tuple[Mapping[str, Any], ...]: ...

    @property
    def approaches(self) -> tuple[Mapping[str, Any], ...]: ...

    @property
    def oscillation(self) -> Mapping[str, Any] | None: ...

    @property
    def failure(self) -> Mapping[str, Any] | None: ...

    @property
    def end(self) -> Mapping[str, Any] | None: ...

    @property
    def areas(self) -> tuple[Mapping[str, Any], ...]: ...

    @property
    def start_ns(self) -> int | None: ...

    @property
    def end_ns(self) -> int | None: ...

    @property
    def events(self) -> Sequence[Any]: ...

    def as_json(self) -> dict[str, Any]: ...


def check_outputs(outputs: Sequence[Path]) -> None:
    """Fail before any work on an output the writers would reject."""
    for out in outputs:
        if Path(out).suffix.lower() not in EXTENSIONS:
            raise UsageError(f"{out}: unknown output type (use {', '.join(EXTENSIONS)})")


def write_flight(
    result: FlightFindings, path: str | Path, *, provenance: Provenance | None = None
) -> dict[str, Any]:
    """Write one file, in the format its extension names, atomically."""
    out = Path(path)
    ext = out.suffix.lower()
    if ext == ".geojson":
        write_json(out, geojson_with(flight_geojson(result), provenance))
        return {"file": str(out), "format": "geojson"}
    if ext in (".csv", ".parquet"):
        done = export.write(result.track, out, provenance=provenance)
        return {"file": str(out), "format": done["format"], "rows": done["rows"]}
    if ext == ".html":
        from skywitness.report.flight import write_flight_html

        made = provenance or Provenance("(not recorded)", (), result.start_ns, result.end_ns)
        write_flight_html(
            out, result.as_json(), result.series, areas=result.areas,
            airports=airports_of(result), runways=runways_of(result), provenance=made,
        )  # fmt: skip
        return {"file": str(out), "format": "html"}
    raise UsageError(f"{out}: unknown output type (use {', '.join(EXTENSIONS)})")


# -- GeoJSON ---------------------------------------------------------------------------


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, float | int) and math.isfinite(x)


def flight_geojson(result: FlightFindings) -> dict[str, Any]:
    """The track, reconstructed points, events with a position and the end."""
    track = result.track
    t = track["time"].cast(pa.int64()).to_numpy(zero_copy_only=False)
    lat = np.asarray(track["lat"].to_numpy(zero_copy_only=False), float)
    lon = np.asarray(track["lon"].to_numpy(zero_copy_only=False), float)
    err = np.asarray(track["error_km"].to_numpy(zero_copy_only=False), float)
    alt = np.asarray(track["alt_baro_ft"].to_numpy(zero_copy_only=False), float)
    source = track["source"].to_pylist()
    method = track["method"].to_pylist()
    base = {"icao24": result.icao24, "callsign": result.callsign}
    features: list[dict[str, Any]] = []
    ok = np.isfinite(lat) & np.isfinite(lon)
    rows = np.flatnonzero(ok)
    # one LineString per run of one source among the rows with a position
    start = 0
    for k in range(1, len(rows) + 1):
        if k < len(rows) and source[rows[k]] == source[rows[start]]:
            continue
        run = rows[start:k]
        # join each run to the next one's first point so the line has no holes
        if k < len(rows):
            run = np.r_[run, rows[k]]
        if len(run) >= 2:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [
                            [round(float(lon[i]), 6), round(float(lat[i]), 6)] for i in run
                        ],
                    },
                    "properties": {
                        **base,
                        "kind": "track",
                        "source": source[rows[start]],
                        "start": iso_utc(int(t[run[0]])),
                        "end": iso_utc(int(t[run[-1]])),
                    },
                }
            )
        start = k
    for i in rows:
        if source[i] == "reported":
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)],
                },
                "properties": {
                    **base,
                    "kind": "point",
                    "time": iso_utc(int(t[i])),
                    "source": source[i],
                    "method": method[i],
                    "alt_baro_ft": None if not math.isfinite(alt[i]) else round(float(alt[i]), 1),
                    "error_km": None if not math.isfinite(err[i]) else round(float(err[i]), 3),
                },
            }
        )
    for e in result.events:
        d = e.detail
        if _finite(d.get("lat")) and _finite(d.get("lon")):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [d["lon"], d["lat"]]},
                    "properties": {
                        **base,
                        **e.as_json()["detail"],
                        "kind": "event",
                        "event": e.kind,
                        "time": e.time,
                    },
                }
            )
    end = result.end
    if end is not None and _finite(end.get("lat")) and _finite(end.get("lon")):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [end["lon"], end["lat"]]},
                "properties": {**base, **dict(end), "kind": "end", "end": end["kind"]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


# -- the map's context ------------------------------------------------------------------


def airports_of(result: FlightFindings) -> list[dict[str, Any]]:
    """The airports the flight names (origins, destinations, approaches, end, diversion)."""
    from skywitness.model.airports import icao_airports

    names: list[str] = []
    for f in result.flights:
        names += [f.get("origin"), f.get("destination")]  # type: ignore[list-item]
    names += [a.get("airport") for a in result.approaches]  # type: ignore[misc]
    if result.end is not None:
        names.append(result.end.get("airport"))  # type: ignore[arg-type]
    for e in result.events:
        if e.kind == "diversion":
            names += [e.detail.get("from"), e.detail.get("to")]
    table = icao_airports()
    out = []
    for code in dict.fromkeys(n for n in names if n):
        rec = table.get(code)
        if rec is None:
            continue
        out.append({"ident": code, "name": rec.get("name", ""), "lat": float(rec["lat"]),
                    "lon": float(rec["lon"]), "elevation_ft": float(rec.get("elevation") or 0.0)})  # fmt: skip
    return out


def runways_of(result: FlightFindings) -> list[dict[str, Any]]:
    """The runways of those airports (both thresholds of each), when the shipped
    runway table knows them."""
    try:
        from skywitness.model.runways import runways_of as table_runways
    except ImportError:  # pragma: no cover - the table ships with the package
        return []
    out = []
    for ap in airports_of(result):
        ends = table_runways(ap["ident"])
        seen: set[tuple[str, str]] = set()
        for r in ends:
            other = _opposite(r, ends)
            if other is None:
                continue
            key = tuple(sorted((r.ident, other.ident)))
            if key in seen:
                continue
            seen.add(key)
            out.append({"airport": ap["ident"], "ident": f"{r.ident}/{other.ident}",
                        "lat1": r.lat, "lon1": r.lon, "lat2": other.lat, "lon2": other.lon})  # fmt: skip
    return out


def _opposite(r: Any, ends: Sequence[Any]) -> Any:
    best, diff = None, 30.0
    for o in ends:
        if o is r:
            continue
        d = abs(((o.heading_deg - r.heading_deg) % 360.0) - 180.0)
        if d < diff:
            best, diff = o, d
    return best


# -- in words ----------------------------------------------------------------------------


def summary_lines(result: FlightFindings) -> list[str]:
    """What happened, in a few lines."""
    name = result.callsign or "no callsign"
    legs = [f"{f.get('origin') or '?'} -> {f.get('destination') or '?'}" for f in result.flights]
    lines = [f"Flight {name} ({result.icao24}): {len(result.flights)} flight(s) {', '.join(legs)}"]
    src = result.track["source"].to_pylist()
    if src:
        share = sum(s == "reconstructed" for s in src) / len(src)
        spoofed = sum(s == "spoofed" for s in src)
        bad = (
            result.series["rejected"].to_pylist()
            if "rejected" in result.series.column_names
            else []
        )
        lines.append(
            f"  track: {len(src):,} reports; {share:.0%} without a trusted position (path "
            f"reconstructed), {spoofed} spoofed; {sum(map(bool, bad))} with values rejected "
            "as impossible"
        )
    n_app = len(result.approaches)
    n_ga = sum(bool(a.get("go_around")) for a in result.approaches)
    if n_app:
        where = ", ".join(dict.fromkeys(str(a.get("airport")) for a in result.approaches))
        lines.append(f"  approaches: {n_app} ({where}), {n_ga} go-around(s)")
    if result.failure is not None:
        ev = result.failure.get("evidence") or []
        lines.append(
            f"  failure: {str(result.failure['time'])[:19]}Z ({'; '.join(map(str, ev[:3]))})"
        )
    if result.oscillation is not None:
        o = result.oscillation
        lines.append(
            f"  oscillation: {str(o['start'])[11:19]}-{str(o['end'])[11:19]}Z, period "
            f"{o['period_s']:.0f} s, amplitude {o['amplitude_ft']:.0f} ft"
        )
    for e in result.events:
        if e.kind == "diversion":
            lines.append(
                f"  diversion: {e.time[:19]}Z from {e.detail.get('from')} to {e.detail.get('to')}"
            )
    if result.end is not None:
        lines.append("  end: " + end_text(result.end))
    return lines


def end_text(end: Mapping[str, Any]) -> str:
    """``crashed 2025-02-11 06:38:50Z at 43.81N 51.09E +/- 1.2 km, 3.9 km short of UATE``."""
    kind = str(end.get("kind"))
    when = str(end.get("time", ""))[:19].replace("T", " ") + "Z"
    where = ""
    if _finite(end.get("lat")) and _finite(end.get("lon")):
        where = f" at {end['lat']:.4f}, {end['lon']:.4f}"
        if _finite(end.get("error_km")):
            where += f" +/- {end['error_km']:.1f} km"
    ap = end.get("airport")
    rwy = end.get("runway")
    place = ""
    if ap:
        place = f" ({'runway ' + str(rwy) + ', ' if rwy else ''}{ap})"
    return f"{kind} {when}{where}{place}"


def five_lines(result: FlightFindings, report: str | Path) -> list[str]:
    """Where the report is and what it found, in exactly five lines (the demo's end)."""
    events = list(result.events)

    def first(kind: str) -> Any:
        return next((e for e in events if e.kind == kind), None)

    def hm(iso: str) -> str:
        return str(iso)[11:19] + "Z"

    legs = result.flights
    route = (
        f"{legs[0].get('origin') or '?'} -> {legs[-1].get('destination') or '?'}" if legs else "?"
    )
    lost = first("gnss_lost")
    src = result.track["source"].to_pylist()
    err = [e for e, s in zip(result.track["error_km"].to_pylist(), src, strict=True)
           if s == "reconstructed" and e is not None]  # fmt: skip
    share = sum(s == "reconstructed" for s in src) / len(src) if src else 0.0
    gnss = (
        f"GNSS lost {hm(lost.time)} for {float(lost.detail.get('duration_s', 0)) / 60:.0f} min"
        if lost is not None
        else "GNSS never lost"
    )
    line2 = (
        f"{result.callsign or result.icao24} {route}: {gnss}; {share:.0%} of its positions "
        f"reconstructed (median stated error {float(np.median(err)) if err else 0.0:.1f} km)"
    )
    apps = result.approaches
    where = ", ".join(dict.fromkeys(str(a.get("airport")) for a in apps)) or "none"
    lows = ", ".join(f"{a.get('min_height_ft'):.0f} ft" for a in apps if a.get("go_around"))
    line3 = (
        f"{len(apps)} approach(es) ({where}), "
        f"{sum(bool(a.get('go_around')) for a in apps)} go-around(s)"
        + (f" (lowest {lows})" if lows else "")
    )
    parts = []
    if result.failure is not None:
        ev = result.failure.get("evidence") or []
        parts.append(f"failure {hm(result.failure['time'])} ({ev[0] if ev else 'evidence'})")
    squawk = next(
        (e for e in events if e.kind == "squawk" and e.detail.get("meaning") != "none"), None
    )
    if squawk is not None:
        parts.append(f"squawk {squawk.detail.get('code')} {hm(squawk.time)}")
    if result.oscillation is not None:
        o = result.oscillation
        parts.append(f"oscillation every {o['period_s']:.0f} s, +/-{o['amplitude_ft']:.0f} ft")
    line4 = "; ".join(parts) if parts else "no failure, emergency or oscillation"
    div = first("diversion")
    end = result.end
    line5 = (f"diverted to {div.detail.get('to')} {hm(div.time)}; " if div is not None else "") + (
        "end: " + end_text(end) if end is not None else "end: unknown"
    )
    return [f"Incident report: {report}", "  " + line2, "  " + line3, "  " + line4, "  " + line5]
