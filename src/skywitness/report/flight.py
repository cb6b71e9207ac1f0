"""One flight as one offline HTML page a journalist can read: what happened, where, when.

The page (:func:`write_flight_html`, written atomically; :func:`flight_html`
gives its text) is one self-contained file: inline SVG, styles and a small
script, no URL, no tiles, no fonts fetched. From top to bottom:

* a title naming the flight (callsign, ICAO address, date, origin ->
  destination and how it ended: "crashed 3.9 km short of UATE"), and a
  summary in plain sentences made from the flight's result
  (:func:`flight_summary`): the record, GNSS loss and how much of the path
  is reconstructed, approaches and go-arounds, the failure, the emergency, the
  oscillation, holding and diversion, rejected values, the end;
* a map over the Natural Earth coastlines shipped with the package: the
  track coloured by where its positions come from (reported; estimated
  because positions were missing, rejected or spoofed), the 95 % uncertainty
  of the estimated positions as a shaded corridor of circles, the jamming and
  spoofing areas, airports and runways, the events where they have a
  position (numbered as in the table), the end with its error circle; wheel
  to zoom, drag to pan, a scale bar in km, hover for details;
* the values against time (:mod:`~skywitness.report.flight_plots`):
  altitude, speeds, vertical rate, NIC and NACp, with the events as numbered
  lines, stretches shaded and rejected values marked apart;
* the event table (number, time, event, what it says, in words);
* the provenance footer (version, command, inputs, time range), also carried
  as ``<meta name="generator">`` and a JSON block
  ``<script type="application/json" id="skywitness-provenance">``.

The track is thinned for drawing (:data:`TRACK_TOLERANCE_SHARE`): the full
track stays in the flight's JSON, not in the page.

Longitudes are unwrapped round the flight's first position, so a flight over
the antimeridian is drawn in one piece (with the land on both sides).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import Template
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.geo import bearing_deg, distance_m
from skywitness.model.time import parse_time
from skywitness.model.units import NS_PER_S
from skywitness.report.atomic import write_text
from skywitness.report.basemap import (
    COAST,
    KM_PER_DEG,
    LAND,
    SEA,
)
from skywitness.report.flight_plots import Band, Mark, rejected_fields, time_plots
from skywitness.report.html import _script_safe
from skywitness.report.provenance import KEY, Provenance, provenance_json, provenance_line
from skywitness.report.style import FALSE_COLOUR, PATH_COLOUR, event_colour
from skywitness.report.svgmap import SvgMap, unwrap

Float = NDArray[np.float64]
#: Between the ends of a range (an en dash).
DASH = "\u2013"

#: The map's drawing box in CSS pixels (the page's map column); the extent is
#: widened to its shape so the land fills it (layout: modelling choice).
MAP_WIDTH_PX = 1000
MAP_HEIGHT_PX = 620
#: The track is thinned for drawing: a point is kept when it leaves the grid
#: square (this share of the map's width) of the point before, or where the
#: source changes (about 1 px at the map's width: invisible, and a 3,000-point
#: flight draws in a few hundred points; modelling choice).
TRACK_TOLERANCE_SHARE = 1.0 / 1500.0
#: The line is broken where two positions are this far apart in time (a
#: stretch without any report, not one the reconstruction filled; modelling
#: choice, as :data:`~skywitness.report.flight_plots.LINE_GAP_S` but longer:
#: a position-less stretch is already drawn as estimated).
TRACK_GAP_S = 600.0
#: Uncertainty circles along estimated positions: a new one where the path has
#: moved by this share of the current radius, or the radius changed by it
#: (the corridor looks continuous; modelling choice), at most
#: :data:`MAX_BAND_CIRCLES` (the rest thinned evenly).
BAND_STEP_SHARE = 0.5
MAX_BAND_CIRCLES = 600
#: An event without a position of its own is put at the track's position
#: when the nearest track point is at most this far from it in time (the
#: trace update interval is under 30 s; modelling choice).
EVENT_POSITION_MAX_S = 60.0
#: Event markers closer than this share of the map's width are drawn as one
#: (numbers joined; modelling choice, a marker is about 1/60 of the width).
MARKER_MERGE_SHARE = 1.0 / 45.0
#: An airport within this distance of the end is the one it is "near" when
#: the result names none (the incident's 3-5 km short of Aktau fits; a few
#: runway lengths; modelling choice).
NEAR_AIRPORT_KM = 15.0
#: The end is "short of" a runway threshold when it lies off the runway's end
#: within this angle of its extended centre line (an approach path; modelling
#: choice), otherwise "from" the airport.
SHORT_OF_MAX_DEG = 30.0
#: Drawn markers are sized for this width before the script runs.
NOMINAL_WIDTH_PX = MAP_WIDTH_PX

#: Where a drawn position comes from, its colour and the legend's words.
SOURCE_COLOURS = {
    "reported": PATH_COLOUR,
    "reconstructed": "#e6550d",
    "rejected": "#8c6d31",
    "spoofed": FALSE_COLOUR,
}
SOURCE_WORDS = {
    "reported": "Positions the aircraft reported (GNSS)",
    "reconstructed": "Estimated: no position was received (reckoned from speed and track)",
    "rejected": "Estimated: the reported position was rejected as impossible",
    "spoofed": "Estimated: the reported position was spoofed (false)",
}
BAND_COLOUR = "#f39c4a"
END_COLOUR = "#111111"
AIRPORT_COLOUR = "#333333"

#: Event colours by what they are about (legend: the colour of the number).
EVENT_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gnss": (
        "#6a3d9a",
        ("gnss_lost", "gnss_regained", "spoofed", "position_lost", "position_regained"),
    ),
    "approach": (
        "#1f78b4",
        ("takeoff", "landing", "approach", "go_around", "approach_mode_on", "approach_mode_off"),
    ),
    "trouble": (
        "#c0142b",
        (
            "failure",
            "emergency",
            "squawk",
            "autopilot_off",
            "oscillation",
            "abnormal_vertical_rate",
        ),
    ),
    "route": ("#b15928", ("holding", "diversion", "autopilot_on")),
    "data": ("#777777", ("bad_values", "sources_disagree")),
    "end": (END_COLOUR, ("end",)),
}
GROUP_WORDS = {
    "gnss": "GNSS and positions",
    "approach": "take-off, approaches, landing",
    "trouble": "failure, emergency, autopilot, oscillation",
    "route": "holding, diversion",
    "data": "data quality",
    "end": "end of the flight",
}
#: Short labels of the event kinds (skywitness.track.events.KINDS says what each means).
KIND_LABELS = {
    "takeoff": "Take-off",
    "landing": "Landing",
    "gnss_lost": "GNSS lost",
    "gnss_regained": "GNSS back",
    "spoofed": "Spoofed positions",
    "position_lost": "Positions lost",
    "position_regained": "Positions back",
    "squawk": "Squawk change",
    "emergency": "Emergency status",
    "autopilot_off": "Autopilot off",
    "autopilot_on": "Autopilot on",
    "approach_mode_on": "Approach mode on",
    "approach_mode_off": "Approach mode off",
    "approach": "Approach",
    "go_around": "Go-around",
    "holding": "Holding / circling",
    "oscillation": "Altitude oscillation",
    "abnormal_vertical_rate": "Abnormal vertical rate",
    "bad_values": "Impossible values",
    "sources_disagree": "Sources disagree",
    "diversion": "Diversion",
    "failure": "Failure",
    "end": "End of flight",
}
#: What a squawk code means (ICAO Annex 10 vol. IV, 2.1.4.2).
SQUAWK_MEANINGS = {"7500": "hijack", "7600": "radio failure", "7700": "emergency"}
#: Fields named in events' details, in words.
FIELD_WORDS = {
    "alt_baro_ft": "altitude",
    "alt_geom_ft": "GNSS altitude",
    "gs_kt": "ground speed",
    "tas_kt": "true airspeed",
    "ias_kt": "indicated airspeed",
    "vrate_fpm": "vertical rate",
    "track_deg": "track",
    "heading_deg": "heading",
    "lat": "latitude",
    "lon": "longitude",
}
BAND_COLOURS = {"positions": "#fdebd8", "oscillation": "#e7298a", "holding": "#7570b3"}


# -- reading the result ---------------------------------------------------------------------


def _ns(value: Any, what: str) -> int | None:
    return parse_time(value, what=what) if value not in (None, "") else None


def _num(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


@dataclass(frozen=True)
class _Event:
    number: int
    time_ns: int
    kind: str
    detail: Mapping[str, Any]

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def colour(self) -> str:
        for colour, kinds in EVENT_GROUPS.values():
            if self.kind in kinds:
                return colour
        return EVENT_GROUPS["data"][0]


@dataclass(frozen=True)
class _Track:
    time_ns: NDArray[np.int64]
    lat: Float
    lon: Float
    alt_ft: Float
    source: NDArray[np.str_]
    error_km: Float

    def __len__(self) -> int:
        return int(self.time_ns.shape[0])

    @property
    def has_pos(self) -> NDArray[np.bool_]:
        return np.asarray(np.isfinite(self.lat) & np.isfinite(self.lon))


def _track(rows: Sequence[Mapping[str, Any]]) -> _Track:
    times = [_ns(r.get("time"), "track time") for r in rows]
    keep = [i for i, t in enumerate(times) if t is not None]
    order = sorted(keep, key=lambda i: times[i] or 0)
    rows = [rows[i] for i in order]
    return _Track(
        time_ns=np.array([times[i] for i in order], dtype=np.int64),
        lat=np.array([_num(r.get("lat")) for r in rows], dtype=np.float64),
        lon=np.array([_num(r.get("lon")) for r in rows], dtype=np.float64),
        alt_ft=np.array([_num(r.get("alt_baro_ft")) for r in rows], dtype=np.float64),
        source=np.array([str(r.get("source") or "reported") for r in rows], dtype=np.str_),
        error_km=np.array([_num(r.get("error_km")) for r in rows], dtype=np.float64),
    )


def _events(doc: Mapping[str, Any]) -> list[_Event]:
    raw = []
    for e in doc.get("events") or []:
        t = _ns(e.get("time"), f"time of event {e.get('kind')!r}")
        if t is not None:
            raw.append((t, str(e.get("kind") or "event"), dict(e.get("detail") or {})))
    raw.sort(key=lambda x: x[0])
    return [_Event(i + 1, t, k, d) for i, (t, k, d) in enumerate(raw)]


# -- words ----------------------------------------------------------------------------------


def _clock(ns: int) -> str:
    return datetime.fromtimestamp(ns // NS_PER_S, UTC).strftime("%H:%M:%S")


def _day(ns: int) -> str:
    return datetime.fromtimestamp(ns // NS_PER_S, UTC).strftime("%d %B %Y").lstrip("0")


def _evidence_words(item: str) -> str:
    """``05:43:34Z autopilot off`` (the flight job's evidence) as ``autopilot off at
    05:43:34``; other strings as they are."""
    head, _, rest = item.partition(" ")
    if len(head) == 9 and head.endswith("Z") and head[2] == ":" and rest:
        return f"{rest} at {head[:-1]}"
    return item


def _duration(seconds: float) -> str:
    s = round(max(seconds, 0.0))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {sec:02d} s" if m < 10 and sec else f"{m} min"
    return f"{sec} s"


def _km(km: float) -> str:
    if km < 1:
        return f"{km * 1000:.0f} m"
    return f"{km:.1f} km" if km < 100 else f"{km:,.0f} km"


def _ft(ft: float) -> str:
    return f"{ft:,.0f} ft"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _join(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _airport_words(ident: str | None, airports: Mapping[str, Mapping[str, Any]]) -> str:
    if not ident:
        return "an unknown airport"
    name = airports.get(ident, {}).get("name")
    return f"{ident} ({name})" if name else ident


def _until(detail: Mapping[str, Any], start_ns: int) -> str:
    end = _ns(detail.get("end"), "event end") if detail.get("end") else None
    if end is None:
        dur = _num(detail.get("duration_s"))
        return f"for {_duration(dur)}" if math.isfinite(dur) else ""
    return f"until {_clock(end)} ({_duration((end - start_ns) / NS_PER_S)})"


def _value_words(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, list | tuple):
        return ", ".join(_value_words(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_value_words(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.endswith("Z") and "T" in value:
        try:
            return _clock(_ns(value, "time") or 0)
        except ValueError:
            return value
    return str(value)


#: Detail keys said by the kinds' own sentences (not repeated as "key: value").
_SAID = {
    "end", "duration_s", "airport", "runway", "min_height_ft", "go_around", "code",
    "previous", "meaning", "status", "period_s", "amplitude_ft", "evidence", "fields",
    "rule", "kind", "lat", "lon", "error_km", "cause", "to", "turns", "aligned",
    "detectors", "sources", "what", "time",
}  # fmt: skip
#: Units a detail key may end with, and how they are written.
_UNITS = {"km": "km", "ft": "ft", "s": "s", "kt": "kt", "fpm": "ft/min", "deg": "\u00b0", "m": "m"}


def event_words(
    kind: str,
    detail: Mapping[str, Any],
    time_ns: int,
    *,
    airports: Mapping[str, Mapping[str, Any]] | None = None,
    runways: Sequence[Mapping[str, Any]] = (),
) -> str:
    """What an event says, in words (its detail; times as UTC clock times)."""
    airports = airports or {}
    d = detail
    parts: list[str] = []
    if kind == "approach" or kind == "go_around":
        where = d.get("airport")
        rwy = f" runway {d['runway']}" if d.get("runway") else ""
        parts.append(f"{'to' if kind == 'approach' else 'from'} {where or 'an airport'}{rwy}")
        h = _num(d.get("min_height_ft"))
        if math.isfinite(h):
            parts.append(f"lowest {_ft(h)} above the runway")
        if d.get("aligned") is True:
            parts.append("aligned with the runway")
        if kind == "approach" and d.get("go_around") is True:
            parts.append("abandoned (go-around)")
        elif kind == "approach" and d.get("go_around") is False:
            parts.append("not abandoned")
    elif kind == "squawk":
        code = str(d.get("code") or "")
        meaning = d.get("meaning") or SQUAWK_MEANINGS.get(code)
        text = f"squawk {code}" + (f" ({meaning})" if meaning and meaning != "none" else "")
        if d.get("previous"):
            text += f", was {d['previous']}"
        parts.append(text)
    elif kind == "emergency":
        parts.append(f"status: {d.get('status') or 'emergency'}")
    elif kind == "oscillation":
        period, amp = _num(d.get("period_s")), _num(d.get("amplitude_ft"))
        if math.isfinite(amp):
            parts.append(f"altitude up and down by about \u00b1{_ft(amp)}")
        if math.isfinite(period):
            parts.append(f"every {period:.0f} s")
    elif kind == "failure":
        ev = d.get("evidence") or []
        if ev:
            parts.append("evidence: " + "; ".join(str(x) for x in ev))
    elif kind == "bad_values":
        fields = d.get("fields") or []
        if isinstance(fields, str):
            fields = [fields]
        if fields:
            parts.append(", ".join(FIELD_WORDS.get(str(f), str(f)) for f in fields) + " rejected")
        if d.get("rule"):
            parts.append(f"rule {d['rule']}")
    elif kind == "diversion":
        to = d.get("to") or d.get("airport")
        if to:
            parts.append(f"towards {_airport_words(str(to), airports)}")
    elif kind == "holding":
        turns = _num(d.get("turns"))
        if math.isfinite(turns):
            parts.append(f"{turns:.0f} turns" if turns != 1 else "1 turn")
    elif kind == "end":
        parts.append(end_words(d, airports=airports, runways=runways))
    elif kind in ("position_lost", "spoofed"):
        if d.get("cause"):
            parts.append(f"cause: {d['cause']}")
        if d.get("detectors"):
            parts.append(f"detected by: {_value_words(d['detectors'])}")
    elif kind == "sources_disagree":
        if d.get("sources"):
            parts.append(f"sources: {_value_words(d['sources'])}")
        if d.get("what"):
            parts.append(str(d["what"]))
    if kind in ("takeoff", "landing") and d.get("airport"):
        parts.append(f"at {_airport_words(str(d['airport']), airports)}")
    if kind != "end":
        until = _until(d, time_ns)
        if until:
            parts.insert(0, until) if kind in ("position_lost", "holding", "spoofed") else (
                parts.append(until)
            )
    for k, v in d.items():
        if k not in _SAID and v is not None:
            name, _, unit = k.rpartition("_")
            if name and unit in _UNITS and isinstance(v, int | float):
                parts.append(f"{name.replace('_', ' ')}: {_value_words(float(v))} {_UNITS[unit]}")
            else:
                parts.append(f"{k.replace('_', ' ')}: {_value_words(v)}")
    return "; ".join(p for p in parts if p)


def _nearest_threshold(
    lat: float, lon: float, airport: str | None, runways: Sequence[Mapping[str, Any]]
) -> tuple[float, str | None, bool] | None:
    """Distance (km) to the nearest runway threshold of ``airport`` (any airport
    when None), the runway, and whether the point lies short of it."""
    best: tuple[float, str | None, bool] | None = None
    for r in runways:
        if airport is not None and r.get("airport") != airport:
            continue
        ends = [
            (_num(r.get("lat1")), _num(r.get("lon1"))),
            (_num(r.get("lat2")), _num(r.get("lon2"))),
        ]
        if not all(math.isfinite(v) for e in ends for v in e):
            continue
        for (tlat, tlon), (olat, olon) in (ends, ends[::-1]):
            d_km = float(distance_m(lat, lon, tlat, tlon)) / 1000.0
            if best is not None and d_km >= best[0]:
                continue
            axis = float(bearing_deg(olat, olon, tlat, tlon))  # along the runway, past this end
            to_point = float(bearing_deg(tlat, tlon, lat, lon))
            off = abs((to_point - axis + 180.0) % 360.0 - 180.0)
            best = (d_km, r.get("ident"), off <= SHORT_OF_MAX_DEG)
    return best


def end_words(
    end: Mapping[str, Any],
    *,
    airports: Mapping[str, Mapping[str, Any]] | None = None,
    runways: Sequence[Mapping[str, Any]] = (),
) -> str:
    """How the flight ended, in words: "crashed 3.9 km short of UATE runway 11"."""
    airports = airports or {}
    kind = str(end.get("kind") or "lost")
    lat, lon = _num(end.get("lat")), _num(end.get("lon"))
    airport = end.get("airport")
    if airport is None and math.isfinite(lat):
        near = [
            (float(distance_m(lat, lon, _num(a.get("lat")), _num(a.get("lon")))) / 1000.0, i)
            for i, a in airports.items()
        ]
        near = [x for x in near if math.isfinite(x[0]) and x[0] <= NEAR_AIRPORT_KM]
        airport = min(near)[1] if near else None
    verb = {"landed": "landed", "crashed": "crashed", "lost": "lost"}.get(kind, kind)
    if kind == "lost":
        verb = "contact lost"
    if airport is None:
        return verb if math.isfinite(lat) else f"{verb} (position unknown)"
    if kind == "landed":
        rwy = f" runway {end['runway']}" if end.get("runway") else ""
        return f"landed at {airport}{rwy}"
    if not math.isfinite(lat):
        return f"{verb} near {airport} (position unknown)"
    thr = _nearest_threshold(lat, lon, str(airport), runways)
    if thr is not None:
        d_km, rwy_ident, short = thr
        rwy_name = end.get("runway") or rwy_ident
        rwy_text = f" runway {rwy_name}" if rwy_name and short else ""
        if short:
            return f"{verb} {_km(d_km)} short of {airport}{rwy_text}"
        return f"{verb} {_km(d_km)} from {airport}'s nearest runway end"
    a = airports.get(str(airport))
    if a is not None and math.isfinite(_num(a.get("lat"))):
        d_km = float(distance_m(lat, lon, _num(a["lat"]), _num(a["lon"]))) / 1000.0
        return f"{verb} {_km(d_km)} from {airport}"
    return f"{verb} near {airport}"


def _route(doc: Mapping[str, Any]) -> tuple[str | None, str | None]:
    flights = doc.get("flights") or []
    if not flights:
        return None, None
    return flights[0].get("origin"), flights[-1].get("destination")


def flight_title(
    doc: Mapping[str, Any],
    *,
    airports: Sequence[Mapping[str, Any]] = (),
    runways: Sequence[Mapping[str, Any]] = (),
) -> str:
    """``XAZ7049 (e66062), 11 February 2025, UGTB \u2192 URML: crashed 3.9 km short of UATE``."""
    ports = {str(a.get("ident")): a for a in airports}
    who = _who(doc)
    track = _track(doc.get("track") or [])
    when = _first_time(doc, track)
    parts = [who]
    if when is not None:
        parts.append(_day(when))
    origin, dest = _route(doc)
    if origin or dest:
        parts.append(f"{origin or '?'} \u2192 {dest or '?'}")
    title = ", ".join(parts)
    end = doc.get("end")
    if end:
        title += ": " + end_words(end, airports=ports, runways=runways)
    return title


def _who(doc: Mapping[str, Any]) -> str:
    icao = str(doc.get("icao24") or "unknown aircraft")
    callsign = (doc.get("callsign") or "").strip()
    return f"{callsign} ({icao})" if callsign else f"Aircraft {icao}"


def _first_time(doc: Mapping[str, Any], track: _Track) -> int | None:
    if len(track):
        return int(track.time_ns[0])
    for f in doc.get("flights") or []:
        t = _ns(f.get("start"), "flight start")
        if t is not None:
            return t
    for e in doc.get("events") or []:
        t = _ns(e.get("time"), "event time")
        if t is not None:
            return t
    return None


def _nearest_row(track: _Track, t_ns: int) -> int | None:
    """The row with a position nearest ``t_ns``, if within :data:`EVENT_POSITION_MAX_S`."""
    ok = np.flatnonzero(track.has_pos)
    if ok.size == 0:
        return None
    j = int(np.searchsorted(track.time_ns[ok], t_ns))
    cands = [int(ok[c]) for c in (j - 1, j) if 0 <= c < ok.size]
    i = min(cands, key=lambda c: abs(int(track.time_ns[c]) - t_ns))
    return i if abs(int(track.time_ns[i]) - t_ns) <= EVENT_POSITION_MAX_S * NS_PER_S else None


def _area_at(
    areas: Sequence[Mapping[str, Any]], track: _Track, t_ns: int
) -> Mapping[str, Any] | None:
    """The first area active at ``t_ns`` with the aircraft inside it (by the track's position)."""
    i = _nearest_row(track, t_ns)
    if i is None:
        return None
    for a in areas:
        if not _area_covers(a, t_ns):
            continue
        d_km = float(distance_m(track.lat[i], track.lon[i], _num(a.get("lat")), _num(a.get("lon"))))
        if d_km / 1000.0 <= _num(a.get("radius_km")):
            return a
    return None


def _stretches(track: _Track) -> list[tuple[int, int, str]]:
    """Runs of rows without a reported position: (first row, last row, commonest source)."""
    bad = track.source != "reported"
    out = []
    i, n = 0, len(track)
    while i < n:
        if bad[i]:
            j = i
            while j + 1 < n and bad[j + 1]:
                j += 1
            vals, counts = np.unique(track.source[i : j + 1], return_counts=True)
            out.append((i, j, str(vals[np.argmax(counts)])))
            i = j + 1
        else:
            i += 1
    return out


def flight_summary(
    doc: Mapping[str, Any],
    series: pa.Table | None = None,
    *,
    areas: Sequence[Mapping[str, Any]] = (),
    airports: Sequence[Mapping[str, Any]] = (),
    runways: Sequence[Mapping[str, Any]] = (),
) -> list[str]:
    """What happened, as plain sentences (text, not HTML), in the order of the flight."""
    ports = {str(a.get("ident")): a for a in airports}
    track = _track(doc.get("track") or [])
    events = _events(doc)
    kinds: dict[str, list[_Event]] = {}
    for e in events:
        kinds.setdefault(e.kind, []).append(e)
    out: list[str] = []
    who = _who(doc)
    origin, dest = _route(doc)
    route = ""
    if origin or dest:
        route = f", flying from {_airport_words(origin, ports)} to {_airport_words(dest, ports)}"
    if len(track):
        t0, t1 = int(track.time_ns[0]), int(track.time_ns[-1])
        when = (
            f"from {_clock(t0)} to {_clock(t1)} UTC on {_day(t0)}" if _day(t0) == _day(t1)
            else f"from {_clock(t0)} UTC on {_day(t0)} to {_clock(t1)} UTC on {_day(t1)}"
        )  # fmt: skip
        out.append(f"{who} was recorded {when} ({_duration((t1 - t0) / NS_PER_S)}){route}.")
    else:
        out.append(f"{who}: no track was recorded{route}.")
    # GNSS and positions
    gnss = []
    for e in kinds.get("gnss_lost", []):
        gnss.append(f"GNSS (satellite positioning) was lost at {_clock(e.time_ns)} UTC")
        area = _area_at(areas, track, e.time_ns)
        if area is not None:
            gnss[-1] += f", inside the {_area_label(area)}"
    for e in kinds.get("gnss_regained", []):
        gnss.append(f"came back at {_clock(e.time_ns)} UTC")
    if gnss:
        out.append(_join(gnss) + ".")
    if kinds.get("spoofed"):
        out.append(
            f"Spoofed (false) positions were broadcast {_plural(len(kinds['spoofed']), 'time')}, "
            f"first at {_clock(kinds['spoofed'][0].time_ns)} UTC."
        )
    n = len(track)
    if n:
        stretches = _stretches(track)
        estimated = int((track.source != "reported").sum())
        if stretches:
            i, j, src = max(stretches, key=lambda s: track.time_ns[s[1]] - track.time_ns[s[0]])
            dur = (track.time_ns[j] - track.time_ns[i]) / NS_PER_S
            why = {
                "reconstructed": "no position was received",
                "rejected": "the positions received were impossible",
                "spoofed": "the positions received were false (spoofed)",
            }.get(src, "no trusted position")
            err = track.error_km[track.source != "reported"]
            err = err[np.isfinite(err)]
            bound = (
                f", with an uncertainty growing to {_km(float(err.max()))} (95 %)"
                if err.size
                else ""
            )
            out.append(
                f"For {_duration(dur)} ({_clock(int(track.time_ns[i]))} \u2013 "
                f"{_clock(int(track.time_ns[j]))} UTC) {why}. "
                f"{_plural(estimated, 'position')} of {n:,} ({100 * estimated / n:.0f} %) "
                f"are therefore estimated from the speed and direction the aircraft kept "
                f"sending{bound}; the map draws them dashed."
            )
        elif track.has_pos.any():
            out.append("Every position drawn is one the aircraft reported.")
    # approaches
    approaches = list(doc.get("approaches") or [])
    if approaches:
        by_airport: dict[str, list[Mapping[str, Any]]] = {}
        for a in approaches:
            by_airport.setdefault(str(a.get("airport") or "?"), []).append(a)
        for ap, items in by_airport.items():
            gone = [a for a in items if a.get("go_around")]
            lows = [_num(a.get("min_height_ft")) for a in items]
            low_words = _join(
                [f"{_ft(h)} at {_clock(_ns(a.get('time'), 'approach time') or 0)}"
                 for h, a in zip(lows, items, strict=True) if math.isfinite(h)]
            )  # fmt: skip
            what = (
                "all abandoned (go-arounds)" if len(gone) == len(items) and len(items) > 1
                else "abandoned (go-around)" if len(gone) == len(items)
                else f"{len(gone)} abandoned" if gone else "none abandoned"
            )  # fmt: skip
            out.append(
                f"It made {_plural(len(items), 'approach', 'approaches')} to "
                f"{_airport_words(ap, ports)}, {what}"
                + (f"; lowest above the runway: {low_words} UTC" if low_words else "")
                + "."
            )
    # failure, emergency
    failure = doc.get("failure")
    if failure:
        t = _ns(failure.get("time"), "failure time")
        ev = [_evidence_words(str(x)) for x in failure.get("evidence") or []]
        out.append(
            f"First evidence of a failure at {_clock(t or 0)} UTC"
            + (f": {'; '.join(ev)}." if ev else ".")
        )
    emergencies = [
        e for e in kinds.get("squawk", [])
        if (e.detail.get("meaning") or SQUAWK_MEANINGS.get(str(e.detail.get("code")))) not in (None, "none")
    ]  # fmt: skip
    if emergencies:
        e = emergencies[0]
        code = str(e.detail.get("code"))
        meaning = e.detail.get("meaning") or SQUAWK_MEANINGS.get(code)
        out.append(f"The crew set squawk {code} ({meaning}) at {_clock(e.time_ns)} UTC.")
    elif kinds.get("emergency"):
        e = kinds["emergency"][0]
        out.append(
            f"The aircraft broadcast an emergency ({e.detail.get('status') or 'general'}) "
            f"at {_clock(e.time_ns)} UTC."
        )
    osc = doc.get("oscillation")
    if osc:
        t0 = _ns(osc.get("start"), "oscillation start") or 0
        t1 = _ns(osc.get("end"), "oscillation end") or t0
        out.append(
            f"From {_clock(t0)} to {_clock(t1)} UTC the altitude went up and down by about "
            f"\u00b1{_ft(_num(osc.get('amplitude_ft')))} every {_num(osc.get('period_s')):.0f} s "
            "(the pink bar in the plots)."
        )
    for e in kinds.get("holding", []):
        b = _ns(e.detail.get("end"), "holding end") if e.detail.get("end") else None
        span = (
            f"from {_clock(e.time_ns)} to {_clock(b)} UTC ({_duration((b - e.time_ns) / NS_PER_S)})"
            if b is not None else f"from {_clock(e.time_ns)} UTC"
        )  # fmt: skip
        out.append(f"It circled (holding) {span}.")
    for e in kinds.get("diversion", []):
        to = e.detail.get("to") or e.detail.get("airport")
        out.append(
            f"At {_clock(e.time_ns)} UTC it turned towards "
            f"{_airport_words(str(to), ports) if to else 'another airport'} (diversion)."
        )
    if series is not None and series.num_rows and "rejected" in series.column_names:
        rej = rejected_fields(series)
        counts = {f: int(v.sum()) for f, v in rej.items() if v.any()}
        if counts:
            total = int(np.asarray(series["rejected"].fill_null(False)).sum())
            fields = _join([FIELD_WORDS.get(f, f) for f in counts])
            out.append(
                f"{_plural(total, 'report')} carried values no aircraft could have ({fields}): "
                "they are shown as red crosses in the plots and not used."
            )
    end = doc.get("end")
    if end:
        t = _ns(end.get("time"), "end time")
        words = end_words(end, airports=ports, runways=runways)
        err = _num(end.get("error_km"))
        where = f" (position \u00b1 {_km(err)}, 95 %)" if math.isfinite(err) else ""
        out.append(f"The flight ended at {_clock(t or 0)} UTC: {words}{where}.")
    return out


def _area_covers(area: Mapping[str, Any], t_ns: int) -> bool:
    a, b = _ns(area.get("start"), "area start"), _ns(area.get("end"), "area end")
    return (a is None or a <= t_ns) and (b is None or t_ns <= b)


def _area_label(area: Mapping[str, Any]) -> str:
    label = area.get("label")
    kind = str(area.get("kind") or "jamming")
    return f"{kind} area {label}" if label else f"{kind} area"


# -- the map --------------------------------------------------------------------------------


class _Map(SvgMap):
    """The map's SVG layers, markers, hover details and legend."""

    def __init__(
        self,
        track: _Track,
        events: Sequence[_Event],
        doc: Mapping[str, Any],
        areas: Sequence[Mapping[str, Any]],
        airports: Sequence[Mapping[str, Any]],
        runways: Sequence[Mapping[str, Any]],
    ) -> None:
        ok = track.has_pos
        ref_candidates = [float(track.lon[ok][0])] if ok.any() else []
        end = doc.get("end") or {}
        ref_candidates += [_num(end.get("lon"))] + [_num(a.get("lon")) for a in airports]
        ref_candidates += [_num(a.get("lon")) for a in areas]
        super().__init__(next((v for v in ref_candidates if math.isfinite(v)), 0.0))
        self.track = track
        self.lon = unwrap(track.lon, self.ref)
        self.legend: list[str] = []
        named = {str(x) for x in _route(doc) if x}
        named |= {str(a.get("airport")) for a in doc.get("approaches") or []}
        if end.get("airport"):
            named.add(str(end["airport"]))
        # extent: the track, the end and its circle, the areas, the airports the flight names
        lons = list(self.lon[ok])
        lats = list(track.lat[ok])
        for a in airports:
            if str(a.get("ident")) in named:
                lons.append(self._lon(_num(a.get("lon"))))
                lats.append(_num(a.get("lat")))
        for a in areas:
            r_deg = _num(a.get("radius_km")) / KM_PER_DEG
            lat, lon = _num(a.get("lat")), self._lon(_num(a.get("lon")))
            if math.isfinite(lat) and math.isfinite(lon):
                k = max(math.cos(math.radians(lat)), 0.05)
                r = r_deg if math.isfinite(r_deg) else 0.0
                lons += [lon - r / k, lon + r / k]
                lats += [lat - r, lat + r]
        if math.isfinite(_num(end.get("lat"))):
            lons.append(self._lon(_num(end.get("lon"))))
            lats.append(_num(end.get("lat")))
        self.frame(list(zip(lons, lats, strict=True)), NOMINAL_WIDTH_PX, MAP_HEIGHT_PX)
        lon0, lon1 = self.extent[:2]
        self.tol = (lon1 - lon0) * self.kx * TRACK_TOLERANCE_SHARE
        self.airports = airports
        self.runways = runways
        self.areas = areas
        self.events = events
        self.doc = doc

    def viewbox(self) -> tuple[float, float, float, float]:
        return self.box()

    def draw_areas(self) -> None:
        kinds: dict[str, int] = {}
        for i, a in enumerate(self.areas):
            lat, lon, r = (
                _num(a.get("lat")),
                self._lon(_num(a.get("lon"))),
                _num(a.get("radius_km")),
            )
            if not (math.isfinite(lat) and math.isfinite(lon) and math.isfinite(r)):
                continue
            kind = str(a.get("kind") or "jamming")
            kinds[kind] = kinds.get(kind, 0) + 1
            colour = event_colour(kind)
            key = f"a{i}"
            self.layers.append(
                f'<path class="area" data-k="{key}" style="fill:{colour};stroke:{colour}" '
                f'd="{self.circle_d(lon, lat, r)}"/>'
            )
            t0, t1 = _ns(a.get("start"), "area start"), _ns(a.get("end"), "area end")
            lines = [f"radius {_km(r)}"]
            if t0 is not None and t1 is not None:
                lines.insert(0, f"{_clock(t0)} \u2013 {_clock(t1)} UTC")
            self.info[key] = {"t": _area_label(a).capitalize(), "l": lines}
            self.marker(key, lon, lat + r / KM_PER_DEG, "", str(a.get("label") or kind), 0.0)
        for kind, n in sorted(kinds.items()):
            colour = event_colour(kind)
            self.legend.append(
                _legend_row(
                    f'<circle r="6" fill="{colour}" fill-opacity=".15" stroke="{colour}" '
                    'stroke-width="1.6"/>',
                    f"{kind.capitalize()} area{'s' if n > 1 else ''}: where aircraft lost GNSS "
                    f"({'positions made false' if kind == 'spoofing' else 'no usable positions'})",
                )
            )

    def draw_airports(self) -> None:
        lon0, lon1, lat0, lat1 = self.extent
        drawn = 0
        for r in self.runways:
            la1, lo1 = _num(r.get("lat1")), self._lon(_num(r.get("lon1")))
            la2, lo2 = _num(r.get("lat2")), self._lon(_num(r.get("lon2")))
            if all(math.isfinite(v) for v in (la1, lo1, la2, lo2)):
                self.layers.append(
                    f'<path class="rwy" d="M{self.xy(lo1, la1)}L{self.xy(lo2, la2)}"/>'
                )
        for i, a in enumerate(self.airports):
            lat, lon = _num(a.get("lat")), self._lon(_num(a.get("lon")))
            if not (math.isfinite(lat) and lon0 <= lon <= lon1 and lat0 <= lat <= lat1):
                continue
            key = f"p{i}"
            ident = str(a.get("ident") or "")
            lines = [str(a.get("name") or "")]
            elev = _num(a.get("elevation_ft"))
            if math.isfinite(elev):
                lines.append(f"elevation {_ft(elev)}")
            self.info[key] = {"t": f"Airport {ident}", "l": [x for x in lines if x]}
            self.marker(
                key, lon, lat, '<rect class="apt" x="-4" y="-4" width="8" height="8"/>', ident, 5.0
            )
            drawn += 1
        if drawn:
            self.legend.append(
                _legend_row(
                    '<rect x="-4" y="-4" width="8" height="8" fill="#fff" stroke="#333" '
                    'stroke-width="2"/><path d="M-12,5L-5,1" stroke="#333" stroke-width="3"/>',
                    "Airport (ICAO code) and its runways",
                )
            )

    def draw_track(self) -> None:
        t = self.track
        ok = t.has_pos
        if not ok.any():
            return
        idx = np.flatnonzero(ok)
        x = self.lon[idx] * self.kx
        y = -t.lat[idx]
        src = t.source[idx]
        tt = t.time_ns[idx]
        # thin: keep a point when it leaves the previous point's grid square, at
        # a change of source, at a break, and the ends
        qx, qy = np.floor(x / self.tol), np.floor(y / self.tol)
        brk = np.r_[True, np.diff(tt) > TRACK_GAP_S * NS_PER_S]
        change = np.r_[True, src[1:] != src[:-1]]
        moved = np.r_[True, (qx[1:] != qx[:-1]) | (qy[1:] != qy[:-1])]
        keep = brk | change | np.r_[change[1:], True] | moved | np.r_[brk[1:], True]
        keep[-1] = True
        k = np.flatnonzero(keep)
        # the band: circles along the estimated positions
        est = np.flatnonzero(src != "reported")
        err = t.error_km[idx]
        circles: list[str] = []
        last: tuple[float, float, float] | None = None
        for i in est:
            r = float(err[i])
            if not math.isfinite(r) or r <= 0:
                continue
            if last is not None:
                moved_km = math.hypot(x[i] - last[0], y[i] - last[1]) * KM_PER_DEG
                if moved_km < BAND_STEP_SHARE * r and abs(r - last[2]) < BAND_STEP_SHARE * last[2]:
                    continue
            last = (float(x[i]), float(y[i]), r)
            circles.append(self.circle_d(float(self.lon[idx][i]), float(t.lat[idx][i]), r))
        if len(circles) > MAX_BAND_CIRCLES:
            pick = np.linspace(0, len(circles) - 1, MAX_BAND_CIRCLES).round().astype(int)
            circles = [circles[i] for i in pick]
        if circles:
            self.layers.append(f'<path class="band" d="{"".join(circles)}"/>')
            self.legend.append(
                _legend_row(
                    f'<circle r="7" fill="{BAND_COLOUR}" fill-opacity=".35"/>',
                    "Where the estimated positions could be (95 %): the aircraft was "
                    "somewhere in this corridor",
                )
            )
        # runs of one source, each joined to the point before it
        runs: list[tuple[str, list[int]]] = []
        for j, i in enumerate(k):
            if j == 0 or brk[i] or src[i] != src[k[j - 1]]:
                start = [] if (j == 0 or brk[i]) else [int(k[j - 1])]
                runs.append((str(src[i]), [*start, int(i)]))
            else:
                runs[-1][1].append(int(i))
        used: dict[str, int] = {}
        for n, (s, pts) in enumerate(runs):
            key = f"t{n}"
            d = "M" + "L".join(f"{x[i]:.3f},{y[i]:.3f}" for i in pts)
            cls = "trk rep" if s == "reported" else "trk est"
            colour = SOURCE_COLOURS.get(s, SOURCE_COLOURS["reconstructed"])
            self.layers.append(f'<path class="{cls}" data-k="{key}" stroke="{colour}" d="{d}"/>')
            a, b = int(tt[pts[0]]), int(tt[pts[-1]])
            e = err[pts]
            e = e[np.isfinite(e)]
            lines = [f"{_clock(a)} \u2013 {_clock(b)} UTC ({_duration((b - a) / NS_PER_S)})"]
            if s != "reported" and e.size:
                lines.append(f"uncertainty up to {_km(float(e.max()))} (95 %)")
            self.info[key] = {"t": SOURCE_WORDS.get(s, s), "l": lines}
            used[s] = used.get(s, 0) + 1
        for s in SOURCE_COLOURS:
            if s in used:
                dash = "" if s == "reported" else ' stroke-dasharray="5 3"'
                self.legend.insert(
                    0,
                    _legend_row(
                        f'<path d="M-12,4L12,-4" stroke="{SOURCE_COLOURS[s]}" stroke-width="2.6"{dash}/>',
                        SOURCE_WORDS[s],
                    ),
                )
        first = int(idx[0])
        self.info["start"] = {
            "t": "First position",
            "l": [f"{_clock(int(t.time_ns[first]))} UTC", _alt_words(t.alt_ft[first])],
        }
        self.marker(
            "start", float(self.lon[first]), float(t.lat[first]),
            '<circle r="5" class="start"/>', f"first position {_clock(int(t.time_ns[first]))}",
            half_px=6.0,
        )  # fmt: skip

    def position_at(self, t_ns: int, detail: Mapping[str, Any]) -> tuple[float, float, str] | None:
        """(lon, lat, how known) of an event: its own, else the track's nearest in time."""
        lat, lon = _num(detail.get("lat")), _num(detail.get("lon"))
        if math.isfinite(lat) and math.isfinite(lon):
            return self._lon(lon), lat, "position given by the event"
        t = self.track
        i = _nearest_row(t, t_ns)
        if i is None:
            return None
        how = "reported position"
        if t.source[i] != "reported":
            e = t.error_km[i]
            how = "estimated position" + (f" (\u00b1 {_km(float(e))})" if math.isfinite(e) else "")
        return float(self.lon[i]), float(t.lat[i]), how

    def draw_events(self, airports: Mapping[str, Mapping[str, Any]]) -> None:
        placed: list[tuple[float, float, list[_Event], list[str]]] = []
        lon0, lon1 = self.extent[0], self.extent[1]
        merge = (lon1 - lon0) * self.kx * MARKER_MERGE_SHARE
        for e in self.events:
            if e.kind == "end":
                continue
            pos = self.position_at(e.time_ns, e.detail)
            if pos is None:
                continue
            lon, lat, how = pos
            for p in placed:
                if math.hypot((p[0] - lon) * self.kx, p[1] - lat) < merge:
                    p[2].append(e)
                    p[3].append(how)
                    break
            else:
                placed.append((lon, lat, [e], [how]))
        for n, (lon, lat, evs, hows) in enumerate(placed):
            key = f"e{n}"
            label = _number_runs([e.number for e in evs])
            colour = evs[0].colour
            w = 8 + 3.5 * max(len(label) - 1, 0)
            shape = (
                f'<rect class="evm" x="{-w:.1f}" y="-8" width="{2 * w:.1f}" height="16" rx="8" '
                f'fill="{colour}"/><text class="evn" x="0" y="4">{html.escape(label)}</text>'
            )
            self.info[key] = {
                "t": f"Events {label}" if len(evs) > 1 else f"Event {label}",
                "l": [
                    f"{e.number}. {_clock(e.time_ns)} UTC {e.label}"
                    + (
                        f": {w_}"
                        if (
                            w_ := event_words(
                                e.kind, e.detail, e.time_ns, airports=airports, runways=self.runways
                            )
                        )
                        else ""
                    )
                    + f" ({how})"
                    for e, how in zip(evs, hows, strict=True)
                ],
            }
            self.marker(key, lon, lat, shape, half_px=w)
        if placed:
            self.legend.append(
                _legend_row(
                    '<rect x="-8" y="-8" width="16" height="16" rx="8" fill="#c0142b"/>'
                    '<text x="0" y="4" font-size="10" fill="#fff" text-anchor="middle">7</text>',
                    "Event (number as in the table; at the track's position at that time)",
                )
            )

    def draw_end(self, airports: Mapping[str, Mapping[str, Any]]) -> None:
        end = self.doc.get("end")
        if not end:
            return
        lat, lon = _num(end.get("lat")), self._lon(_num(end.get("lon")))
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return
        err = _num(end.get("error_km"))
        if math.isfinite(err) and err > 0:
            self.layers.append(f'<path class="endc" d="{self.circle_d(lon, lat, err)}"/>')
        t = _ns(end.get("time"), "end time") or 0
        words = end_words(end, airports=airports, runways=self.runways)
        self.info["end"] = {
            "t": f"End of the flight: {end.get('kind') or 'lost'}",
            "l": [f"{_clock(t)} UTC", words]
            + ([f"position \u00b1 {_km(err)} (95 %)"] if math.isfinite(err) else []),
        }
        shape = (
            '<path class="halo" d="M-8,-8L8,8M-8,8L8,-8"/>'
            '<path class="endx" d="M-8,-8L8,8M-8,8L8,-8"/>'
        )
        self.marker("end", lon, lat, shape, f"{end.get('kind') or 'end'} {_clock(t)}", 9.0)
        self.legend.append(
            _legend_row(
                '<path d="M-6,-6L6,6M-6,6L6,-6" stroke="#111" stroke-width="3"/>',
                "End of the flight, with the circle its position lies in (95 %)",
            )
        )

    def svg(self) -> str:
        return "\n".join([self.land(), *self.layers, f'<g class="markers">{self.marker_svg()}</g>'])


def _alt_words(alt: float) -> str:
    return f"altitude {_ft(alt)}" if math.isfinite(alt) else "altitude unknown"


def _number_runs(numbers: Sequence[int]) -> str:
    """``4\u20137,9``: numbers with their consecutive runs joined."""
    out: list[str] = []
    nums = sorted(set(numbers))
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        sep = "," if j == i + 1 else DASH
        out.append(str(nums[i]) if i == j else f"{nums[i]}{sep}{nums[j]}")
        i = j + 1
    return ",".join(out)


def _legend_row(swatch: str, words: str) -> str:
    return (
        f'<div class="lg"><svg class="sw" width="28" height="18" viewBox="-14 -9 28 18">'
        f"{swatch}</svg><span>{html.escape(words)}</span></div>"
    )


# -- the page -------------------------------------------------------------------------------


def _bands(doc: Mapping[str, Any], track: _Track, events: Sequence[_Event]) -> list[Band]:
    out = []
    for i, j, _src in _stretches(track):
        out.append(
            Band(int(track.time_ns[i]), int(track.time_ns[j]),
                 "no trusted position (path estimated)", BAND_COLOURS["positions"])
        )  # fmt: skip
    osc = doc.get("oscillation")
    if osc:
        a, b = _ns(osc.get("start"), "oscillation start"), _ns(osc.get("end"), "oscillation end")
        if a is not None and b is not None:
            out.append(Band(a, b, "altitude oscillation", BAND_COLOURS["oscillation"], False))
    for e in events:
        if e.kind == "holding" and e.detail.get("end"):
            b = _ns(e.detail.get("end"), "holding end")
            if b is not None:
                out.append(Band(e.time_ns, b, "holding / circling", BAND_COLOURS["holding"], False))
    return out


def _event_table(
    events: Sequence[_Event],
    airports: Mapping[str, Mapping[str, Any]],
    runways: Sequence[Mapping[str, Any]],
) -> str:
    if not events:
        return '<p class="none">No events were found in this flight.</p>'
    rows = []
    day0 = _day(events[0].time_ns)
    for e in events:
        day = _day(e.time_ns)
        when = _clock(e.time_ns) + ("" if day == day0 else f" ({day})")
        words = event_words(e.kind, e.detail, e.time_ns, airports=airports, runways=runways)
        rows.append(
            f'<tr><td class="num"><span class="evb" style="background:{e.colour}">{e.number}'
            f'</span></td><td class="tm">{when}</td><td class="kd" title="{html.escape(e.kind)}">'
            f"{html.escape(e.label)}</td><td>{html.escape(words)}</td></tr>"
        )
    return (
        '<table class="events"><thead><tr><th>#</th><th>Time (UTC)</th><th>Event</th>'
        f"<th>What the data say</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _series_range(series: pa.Table) -> tuple[int, int] | None:
    if "time" not in series.column_names or series.num_rows == 0:
        return None
    col = series["time"]
    if pa.types.is_timestamp(col.type):
        col = col.cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64())
    t = np.asarray(col.drop_null().to_numpy(zero_copy_only=False), dtype=np.int64)
    return (int(t.min()), int(t.max())) if t.size else None


def flight_html(
    doc: Mapping[str, Any],
    series: pa.Table,
    *,
    areas: Sequence[Mapping[str, Any]] = (),
    airports: Sequence[Mapping[str, Any]] = (),
    runways: Sequence[Mapping[str, Any]] = (),
    provenance: Provenance | None = None,
) -> str:
    """The page of :func:`write_flight_html` as text."""
    if not isinstance(doc, Mapping):
        raise UsageError("a flight report needs the flight result as a mapping")
    ports = {str(a.get("ident")): a for a in airports}
    track = _track(doc.get("track") or [])
    events = _events(doc)
    title = flight_title(doc, airports=airports, runways=runways)
    summary = flight_summary(doc, series, areas=areas, airports=airports, runways=runways)

    m = _Map(track, events, doc, areas, airports, runways)
    m.draw_areas()
    m.draw_airports()
    m.draw_track()
    m.draw_end(ports)
    m.draw_events(ports)
    if not m.legend:
        m.legend.append("<p>No position to draw.</p>")
    empty = "" if track.has_pos.any() else (
        '<div id="empty">No position of this flight was received or could be estimated.</div>'
    )  # fmt: skip

    # the time axis: the series, the track, the events
    times = [t for t in (_series_range(series) or ()) if t is not None]
    if len(track):
        times += [int(track.time_ns[0]), int(track.time_ns[-1])]
    times += [e.time_ns for e in events]
    t0, t1 = (min(times), max(times)) if times else (None, None)
    marks = [
        Mark(e.time_ns, str(e.number), e.colour,
             f"{e.number}. {_clock(e.time_ns)} UTC {e.label}")
        for e in events
    ]  # fmt: skip
    plots = (
        time_plots(series, start_ns=t0, end_ns=t1, marks=marks, bands=_bands(doc, track, events))
        if series.num_rows
        else '<p class="none">No values against time were received.</p>'
    )

    facts = [f"ICAO address {doc.get('icao24') or '?'}"]
    if doc.get("callsign"):
        facts.append(f"callsign {doc['callsign']}")
    if len(track):
        a, b = int(track.time_ns[0]), int(track.time_ns[-1])
        facts.append(
            f"{_day(a)}, {_clock(a)} {DASH} {_clock(b)} UTC" if _day(a) == _day(b)
            else f"{_day(a)} {_clock(a)} {DASH} {_day(b)} {_clock(b)} UTC"
        )  # fmt: skip
        facts.append(
            f"{len(track):,} track points, {int((track.source == 'reported').sum()):,} reported"
        )
    facts.append(_plural(len(events), "event"))

    prov_block = meta = prov_footer = ""
    if provenance is not None:
        text = json.dumps(provenance_json(provenance), ensure_ascii=False)
        prov_block = (
            f'<script type="application/json" id="{KEY}-provenance">{_script_safe(text)}</script>'
        )
        meta = f'<meta name="generator" content="skywitness {html.escape(provenance.version)}">'
        prov_footer = f'<div class="prov">{html.escape(provenance_line(provenance))}</div>'
    vb = m.viewbox()
    group_legend = "".join(
        f'<span><span class="evb" style="background:{colour}">&nbsp;</span> '
        f"{html.escape(GROUP_WORDS[g])}</span>"
        for g, (colour, kinds) in EVENT_GROUPS.items()
        if any(e.kind in kinds for e in events)
    )
    return _PAGE.substitute(
        title=html.escape(title),
        meta=meta,
        facts=html.escape(" \u00b7 ".join(facts)),
        summary="".join(f"<li>{html.escape(s)}</li>" for s in summary),
        viewbox=" ".join(f"{v:.4f}" for v in vb),
        km_per_unit=f"{KM_PER_DEG:.4f}",
        svg=m.svg(),
        empty=empty,
        legend="\n".join(m.legend),
        plots=plots,
        groups=group_legend,
        table=_event_table(events, ports, runways),
        prov_footer=prov_footer,
        prov_block=prov_block,
        info=_script_safe(json.dumps(m.info, ensure_ascii=False, separators=(",", ":"))),
        styles=_STYLE.substitute(
            sea=SEA,
            land=LAND,
            coast=COAST,
            band=BAND_COLOUR,
            rwy=AIRPORT_COLOUR,
            end=END_COLOUR,
            map_h=MAP_HEIGHT_PX,
        ),
        script=_SCRIPT,
    )


def write_flight_html(
    path: Path,
    doc: Mapping[str, Any],
    series: pa.Table,
    *,
    areas: Sequence[Mapping[str, Any]] = (),
    airports: Sequence[Mapping[str, Any]] = (),
    runways: Sequence[Mapping[str, Any]] = (),
    provenance: Provenance,
) -> Path:
    """Write the flight's page at ``path`` (atomically; see the module docstring).

    ``doc``: the flight result as JSON (icao24, callsign, flights, events,
    track, approaches, oscillation, failure, end); ``series``: per report
    ``time`` and the plotted fields (alt_baro_ft, gs_kt, tas_kt, ias_kt,
    vrate_fpm, nic, nac_p; any may be missing) with ``rejected`` and ``rule``;
    ``areas``: jamming / spoofing areas (kind, lat, lon, radius_km, start, end,
    label); ``airports``: ident, name, lat, lon, elevation_ft; ``runways``:
    airport, ident and the two thresholds (lat1, lon1, lat2, lon2).
    """
    page = flight_html(
        doc, series, areas=areas, airports=airports, runways=runways, provenance=provenance
    )
    return write_text(path, page)


_STYLE = Template("""
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 1400px; padding: 0 16px; background: #fafafa; color: #222; }
header { padding: 14px 0 4px; }
h1 { font-size: 22px; margin: 0 0 4px; line-height: 1.25; }
h2 { font-size: 17px; margin: 18px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.facts { font-size: 13px; color: #555; }
.summary { font-size: 15px; margin: 8px 0 4px; padding-left: 20px; max-width: 1100px; }
.summary li { margin: 3px 0; }
.mapbox { display: flex; border: 1px solid #ccc; background: #fff; height: ${map_h}px; }
#mapwrap { position: relative; flex: 1 1 auto; min-width: 0; }
#map { width: 100%; height: 100%; background: $sea; display: block; cursor: grab; }
aside { flex: 0 0 350px; overflow-y: auto; padding: 6px 12px; font-size: 13px;
  border-left: 1px solid #ddd; }
aside h3 { font-size: 13px; margin: 6px 0 4px; }
.lg { display: flex; align-items: flex-start; gap: 7px; margin: 6px 0; }
.lg .sw { flex: 0 0 28px; margin-top: 1px; }
.help { color: #666; font-size: 12px; margin-top: 8px; }
#reset { font-size: 12px; }
#scale { position: absolute; left: 12px; bottom: 12px; background: rgba(255,255,255,.85);
  padding: 3px 6px 2px; font-size: 11px; pointer-events: none; }
#scalebar { height: 7px; border: 2px solid #222; border-top: none; }
#north { position: absolute; right: 12px; top: 10px; font: bold 12px sans-serif;
  background: rgba(255,255,255,.8); padding: 2px 5px; pointer-events: none; }
#empty { position: absolute; left: 50%; top: 45%; transform: translate(-50%, -50%);
  background: rgba(255,255,255,.95); border: 1px solid #888; padding: 12px 18px;
  font-size: 16px; pointer-events: none; }
#tip { position: fixed; display: none; background: #fff; border: 1px solid #999;
  padding: 6px 8px; font-size: 12px; pointer-events: none; max-width: 460px; z-index: 10;
  box-shadow: 0 1px 5px rgba(0,0,0,.2); }
.land { fill: $land; stroke: none; }
.coastline { fill: none; stroke: $coast; stroke-width: .8px; vector-effect: non-scaling-stroke;
  pointer-events: none; }
.area { fill-opacity: .10; stroke-width: 1.8px; vector-effect: non-scaling-stroke;
  stroke-dasharray: 7 4; }
.band { fill: $band; fill-opacity: .33; stroke: none; pointer-events: none; }
.endc { fill: #000; fill-opacity: .08; stroke: #000; stroke-width: 1.4px;
  vector-effect: non-scaling-stroke; }
.rwy { stroke: $rwy; stroke-width: 4px; stroke-linecap: butt; vector-effect: non-scaling-stroke; }
.trk { fill: none; vector-effect: non-scaling-stroke; stroke-linejoin: round;
  stroke-linecap: round; }
.trk.rep { stroke-width: 2.6px; }
.trk.est { stroke-width: 2.6px; stroke-dasharray: 7 4; }
.trk:hover { stroke-width: 5px; }
.mk { cursor: pointer; }
.mk text { font-size: 12px; font-weight: 700; fill: #222; paint-order: stroke; stroke: #fff;
  stroke-width: 3px; stroke-linejoin: round; }
.mk .evn { fill: #fff; stroke: none; font-size: 11px; text-anchor: middle; }
.mk .evm { stroke: #fff; stroke-width: 1.5px; }
.mk .apt { fill: #fff; stroke: $rwy; stroke-width: 2px; }
.mk .start { fill: #fff; stroke: #1f4e9c; stroke-width: 2.5px; }
.mk .halo { fill: none; stroke: #fff; stroke-width: 7px; }
.mk .endx { fill: none; stroke: $end; stroke-width: 3.5px; }
.plotlegend { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; margin: 4px 0 6px; }
.plotlegend i { display: inline-block; width: 18px; height: 3px; vertical-align: 4px;
  margin-right: 5px; }
.plotlegend i.sb { height: 12px; vertical-align: -1px; border: 1px solid #ccc; }
svg.plot { width: 100%; height: auto; display: block; background: #fff; margin-bottom: 2px; }
.plot .frame { fill: none; stroke: #999; }
.plot .grid { stroke: #eee; }
.plot .yl { font-size: 11px; text-anchor: end; fill: #555; }
.plot .xl { font-size: 11px; text-anchor: middle; fill: #555; }
.plot .pt { font-size: 13px; font-weight: 600; fill: #333; }
.plot .fl { font-size: 12px; font-weight: 600; text-anchor: end; }
.plot .ln { fill: none; stroke-width: 1.4px; stroke-linejoin: round; }
.plot .rj { stroke: #d7191c; stroke-width: 1.8px; }
.plot .rjt { fill: #d7191c; }
.plot .pbar { fill-opacity: .75; }
.plot .ev { stroke-width: 1.2px; stroke-opacity: .6; }
.strip { background: transparent !important; margin: 0 !important; }
.strip line { stroke-width: 1.2px; stroke-opacity: .6; }
.strip text { font-size: 11px; fill: #fff; text-anchor: middle; font-weight: 700; }
.plotlegend i.sr { height: 7px; vertical-align: 1px; }
.groups { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; margin: 2px 0 6px; }
.evb { display: inline-block; min-width: 22px; padding: 0 5px; border-radius: 10px; color: #fff;
  text-align: center; font-weight: 700; font-size: 12px; }
table.events { border-collapse: collapse; width: 100%; font-size: 13px; background: #fff; }
table.events th { text-align: left; border-bottom: 2px solid #ccc; padding: 4px 8px; }
table.events td { border-bottom: 1px solid #eee; padding: 3px 8px; vertical-align: top; }
td.tm { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: nowrap; }
td.kd { white-space: nowrap; font-weight: 600; }
.none, .nodata { color: #666; }
footer { font-size: 11px; color: #666; padding: 14px 0 18px; }
.prov { font-family: ui-monospace, Menlo, Consolas, monospace; color: #444;
  overflow-wrap: anywhere; margin-bottom: 3px; }
""")

_SCRIPT = """
(function () {
  'use strict';
  var svg = document.getElementById('map');
  var vb = svg.getAttribute('viewBox').split(' ').map(Number);
  var home = vb.slice();
  var KM = Number(svg.getAttribute('data-km-per-unit'));
  var info = JSON.parse(document.getElementById('info').textContent);
  var tip = document.getElementById('tip');
  var marks = svg.querySelectorAll('.mk');
  function unitsPerPixel() {
    var m = svg.getScreenCTM();
    return m && m.a ? 1 / m.a : vb[2] / Math.max(svg.clientWidth, 1);
  }
  function niceKm(km) {
    var p = Math.pow(10, Math.floor(Math.log(km) / Math.LN10));
    var steps = [5, 2, 1];
    for (var i = 0; i < steps.length; i++) { if (steps[i] * p <= km) { return steps[i] * p; } }
    return p;
  }
  function redraw() {
    svg.setAttribute('viewBox', vb.join(' '));
    var u = unitsPerPixel();
    for (var i = 0; i < marks.length; i++) {
      var d = marks[i].dataset;
      marks[i].setAttribute('transform', 'translate(' + d.x + ' ' + d.y + ') scale(' + u + ')');
    }
    var kmPerPx = u * KM;
    var km = niceKm(kmPerPx * 120);
    document.getElementById('scalebar').style.width = Math.round(km / kmPerPx) + 'px';
    document.getElementById('scalelabel').textContent =
      (km >= 1 ? String(km) : km.toPrecision(1)) + ' km';
  }
  function svgPoint(e) {
    var p = svg.createSVGPoint();
    p.x = e.clientX; p.y = e.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var p = svgPoint(e);
    var k = e.deltaY < 0 ? 0.8 : 1.25;
    vb = [p.x - (p.x - vb[0]) * k, p.y - (p.y - vb[1]) * k, vb[2] * k, vb[3] * k];
    redraw();
  }, {passive: false});
  var drag = null;
  svg.addEventListener('mousedown', function (e) { drag = [e.clientX, e.clientY, vb[0], vb[1], unitsPerPixel()]; });
  window.addEventListener('mouseup', function () { drag = null; });
  window.addEventListener('mousemove', function (e) {
    if (!drag) { return; }
    vb[0] = drag[2] - (e.clientX - drag[0]) * drag[4];
    vb[1] = drag[3] - (e.clientY - drag[1]) * drag[4];
    redraw();
  });
  window.addEventListener('resize', redraw);
  document.getElementById('reset').addEventListener('click', function () { vb = home.slice(); redraw(); });
  function add(parent, tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    parent.appendChild(node);
  }
  svg.addEventListener('mousemove', function (e) {
    var el = drag ? null : (e.target.closest ? e.target.closest('[data-k]') : null);
    var item = el ? info[el.getAttribute('data-k')] : null;
    if (!item) { tip.style.display = 'none'; return; }
    while (tip.firstChild) { tip.removeChild(tip.firstChild); }
    add(tip, 'b', item.t);
    (item.l || []).forEach(function (line) { add(tip, 'div', line); });
    tip.style.display = 'block';
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth - 4) { x = e.clientX - tip.offsetWidth - 14; }
    if (y + tip.offsetHeight > window.innerHeight - 4) { y = e.clientY - tip.offsetHeight - 14; }
    tip.style.left = Math.max(x, 4) + 'px';
    tip.style.top = Math.max(y, 4) + 'px';
  });
  svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  redraw();
})();
"""

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
$meta
<title>$title</title>
<style>$styles</style>
</head>
<body>
<header>
<h1>$title</h1>
<div class="facts">$facts</div>
</header>
<h2>What happened</h2>
<ul class="summary">$summary</ul>
<h2>Where: the path</h2>
<div class="mapbox">
<div id="mapwrap">
<svg id="map" viewBox="$viewbox" preserveAspectRatio="xMidYMid meet" data-km-per-unit="$km_per_unit">
$svg
</svg>
$empty
<div id="north">N \u2191</div>
<div id="scale"><div id="scalebar"></div><span id="scalelabel"></span></div>
</div>
<aside>
<h3>Legend</h3>
$legend
<div class="help">North is up. Wheel: zoom, drag: pan, hover a line or a marker for its
details. <button id="reset" type="button">reset view</button></div>
</aside>
</div>
<h2>When: the values the aircraft sent</h2>
$plots
<h2>Events</h2>
<div class="groups">$groups</div>
$table
<div id="tip"></div>
<footer>
$prov_footer
<div>Land outlines: Natural Earth (public domain). Made by skywitness; this file works
offline and loads nothing from the network. Times are UTC.</div>
</footer>
$prov_block
<script type="application/json" id="info">$info</script>
<script>$script</script>
</body>
</html>
""")


__all__ = [
    "SOURCE_COLOURS",
    "end_words",
    "event_words",
    "flight_html",
    "flight_summary",
    "flight_title",
    "write_flight_html",
]
