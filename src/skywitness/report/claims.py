"""Claims checked against the surveillance record, as one offline HTML page.

The page (:func:`write_claims_html`, written atomically; :func:`claims_html`
gives its text) has the look of the flight report
(:mod:`skywitness.report.flight`) and is as self-contained: inline SVG,
styles and a small script, no URL, no tiles, no fonts fetched. From top to
bottom:

* a title and a summary in words: how many claims, how many consistent,
  inconsistent and undetermined, which ones failed and what the verdicts mean;
* per flight the claims name, its reconstruction's title (as the flight
  report's) and an overview map: the track by where its positions come from,
  the 95 % corridor of estimated positions, airports, the end; over it each
  claim that has a place: an observation's observer (triangle) with the
  sector it says the aircraft was in (the claimed azimuth and range widened
  by the tolerances that decided) and the line to the claimed position; the
  aircraft's position in the record at that time (diamond); the region of
  observer positions consistent with an observation whose observer is not
  known (shaded); a claimed position (``position_at``, ``end``) with its
  ``within_km`` circle; a GNSS claim's box. Everything in the colour of its
  verdict. Then a close-up map of each such claim (an observation spans a
  few km, a flight hundreds);
* the table of the flight's claims: id, kind, what the claim says in words,
  the verdict as a coloured badge with its word, the residuals (claimed,
  record, difference, with units), the tolerances that decided, the best
  clock offset, the explanation and (folded) the evidence;
* claims about aircraft not in the record, as a table;
* the provenance footer (also ``<meta name="generator">`` and a JSON block
  ``<script type="application/json" id="skywitness-provenance">``).

Helpers copied from :mod:`skywitness.report.flight` because they are private
there (a shared map module would hold them once): the track drawing (thinned,
by source, uncertainty corridor), land clipping, label placement of
constant-size markers, the page style and the zoom / pan / hover script
(here for several maps on one page).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.geo import destination, distance_m
from skywitness.model.time import parse_time
from skywitness.model.units import NS_PER_S
from skywitness.report.atomic import write_text
from skywitness.report.basemap import (
    COAST,
    KM_PER_DEG,
    LAND,
    MIN_MARGIN_DEG,
    SEA,
    geometry_points,
)
from skywitness.report.flight import (  # the flight report's map pieces, shared
    AIRPORT_COLOUR,
    BAND_COLOUR,
    BAND_STEP_SHARE,
    DASH,
    END_COLOUR,
    EVENT_POSITION_MAX_S,
    MAP_WIDTH_PX,
    MAX_BAND_CIRCLES,
    SOURCE_COLOURS,
    SOURCE_WORDS,
    TRACK_GAP_S,
    TRACK_TOLERANCE_SHARE,
    _clock,
    _join,
    _legend_row,
    _num,
    _plural,
    end_words,
    flight_title,
)
from skywitness.report.html import _script_safe
from skywitness.report.provenance import KEY, Provenance, provenance_json, provenance_line
from skywitness.report.svgmap import CLIP_MARGIN_SHARE, SvgMap, unwrap

Float = NDArray[np.float64]
DEG = "\u00b0"

#: Verdicts in the order the page counts them, their colours (colour-blind
#: safe pair green / red, a neutral grey for "cannot tell"; modelling choice)
#: and what each means, in words.
VERDICTS = ("consistent", "inconsistent", "undetermined")
VERDICT_COLOURS = {"consistent": "#1a9641", "inconsistent": "#d7191c", "undetermined": "#6f6f6f"}
VERDICT_MEANINGS = {
    "consistent": "the record agrees with the claim within the stated tolerances",
    "inconsistent": "the record contradicts the claim by more than the tolerances allow",
    "undetermined": "the record cannot tell (no data at that time, or the reconstructed "
    "path is too uncertain to decide)",
}
#: A verdict the page does not know is drawn as undetermined.
UNKNOWN_VERDICT = "undetermined"
#: Claim kinds (skywitness.claims.model.KINDS), in words.
CLAIM_KIND_LABELS = {
    "observation": "Observation",
    "position_at": "Position at a time",
    "approaches": "Approaches",
    "duration": "Time in the air",
    "gnss": "GNSS state",
    "squawk": "Squawk code",
    "end": "End of the flight",
}
#: Event names an EVENT_OR_TIME field may hold (skywitness.claims.model.EVENT_NAMES), in words.
EVENT_NAME_WORDS = {
    "takeoff": "the take-off",
    "landing": "the landing",
    "failure": "the failure",
    "squawk_7700": "squawk 7700",
    "squawk_7600": "squawk 7600",
    "squawk_7500": "squawk 7500",
    "emergency": "the emergency",
    "position_lost": "the loss of positions",
    "position_regained": "the return of positions",
    "gnss_lost": "the loss of GNSS",
    "gnss_regained": "the return of GNSS",
    "first_go_around": "the first go-around",
    "last_go_around": "the last go-around",
    "diversion": "the diversion",
    "end": "the end of the flight",
}
HEIGHT_REF_WORDS = {
    "msl": "above sea level",
    "agl": "above the ground",
    "observer": "above the observer",
    "unknown": "reference not stated",
}
#: Units of residuals and tolerances (the unit field, or a name's suffix), as written.
UNIT_WORDS = {
    "deg": DEG,
    "m": " m",
    "km": " km",
    "m/s": " m/s",
    "mps": " m/s",
    "min": " min",
    "s": " s",
    "ft": " ft",
    "kt": " kt",
    "count": "",
}
#: Quantities of residuals and tolerances, in words (else the name, suffix dropped).
QUANTITY_WORDS = {
    "azimuth_deg": "azimuth",
    "ground_range_m": "ground range",
    "slant_range_m": "slant range",
    "range_m": "range",
    "height_m": "height",
    "speed_mps": "speed",
    "heading_deg": "heading",
    "distance_km": "distance",
    "within_km": "distance",
    "clock_tolerance_s": "clock",
    "clock_s": "clock",
    "range_fraction": "range (share of it)",
    "gnss_share": "share of reports in that state",
    "end_airport_km": "distance to the airport",
    "position": "position",
    "end": "end",
    "time_s": "time",
    "count": "approaches",
    "go_arounds": "go-arounds",
    "duration_min": "time in the air",
    "tolerance_min": "time in the air",
}

MAP_HEIGHT_PX = 560
CLOSE_WIDTH_PX = 640
CLOSE_HEIGHT_PX = 400
#: A close-up shows at least this many km round the claim's geometry (an
#: observation 7 km from its observer still shows the path through it;
#: modelling choice) and this share of its size as margin.
CLOSE_MIN_HALF_KM = 5.0
CLOSE_MARGIN_SHARE = 0.25
#: At most this many close-ups per flight (the page stays readable and
#: small; the rest are on the overview; modelling choice).
MAX_CLOSEUPS = 24
#: The azimuth ray of an observation without a range is drawn this much
#: beyond the record's position (or this long when the record has none),
#: km (modelling choice: it must reach past the aircraft).
RAY_BEYOND_KM = 3.0
RAY_DEFAULT_KM = 15.0
#: Vertices along each arc of an observation's sector (smooth at close-up
#: scale; modelling choice).
ARC_VERTICES = 32
#: Kinds whose close-ups are worth a map (the others have no place).
MAPPED_KINDS = ("observation", "position_at", "end", "gnss")


# -- values ------------------------------------------------------------------------------


def _ns(value: Any, what: str) -> int | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return parse_time(value, what=what)
    except ValueError:
        return None


def _km(km: float) -> str:
    if km < 1:
        return f"{km * 1000:,.0f} m"
    return f"{km:.1f} km" if km < 100 else f"{km:,.0f} km"


def _number(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:,.1f}".rstrip("0").rstrip(".")
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _latlon(lat: float, lon: float) -> str:
    return f"{abs(lat):.4f}{DEG} {'N' if lat >= 0 else 'S'} {abs(lon):.4f}{DEG} {'E' if lon >= 0 else 'W'}"


def _verdict(v: Mapping[str, Any] | None) -> str:
    word = str((v or {}).get("verdict") or UNKNOWN_VERDICT)
    return word if word in VERDICT_COLOURS else UNKNOWN_VERDICT


def claim_ident(claim: Mapping[str, Any]) -> str:
    """The flight a claim names, as the check job keys ``flights`` (the ICAO
    address when given, else the callsign; :attr:`skywitness.claims.model.Flight.ident`)."""
    f = claim.get("flight") or {}
    if not isinstance(f, Mapping):
        return str(f)
    return str(f.get("icao24") or f.get("callsign") or "")


# -- what a claim says, in words ----------------------------------------------------------


def _when(value: Any) -> str:
    """An EVENT_OR_TIME value in words: a clock time, or the event."""
    if isinstance(value, str) and value in EVENT_NAME_WORDS:
        return EVENT_NAME_WORDS[value]
    t = _ns(value, "claim time")
    return f"{_clock(t)} UTC" if t is not None else str(value)


def _with_unit(value: Any, unit: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        v = float(value)
        if not math.isfinite(v):
            return DASH
        if unit == "deg" and v < 0 and v >= -1e-9:
            v = 0.0
        return _number(v) + UNIT_WORDS.get(unit, f" {unit}" if unit else "")
    if value is None:
        return "\u2013"
    if isinstance(value, str) and "T" in value and value.endswith("Z"):
        t = _ns(value, "time")
        if t is not None:
            return _clock(t)
    if isinstance(value, list | tuple):  # a position (lat, lon) or a list: no unit
        if len(value) == 2 and all(isinstance(v, int | float) for v in value):
            return _latlon(float(value[0]), float(value[1]))
        return ", ".join(_with_unit(v, "") for v in value)
    return str(value)


def claim_words(claim: Mapping[str, Any]) -> str:
    """What a claim says, in one sentence (the claim as written: its ``as_json``)."""
    kind = str(claim.get("kind") or "")
    c = claim
    if kind == "observation":
        when = f"At {_when(c['time'])}" if c.get("time") is not None else "At a time not stated"
        tol = _num(c.get("clock_tolerance_s"))
        if math.isfinite(tol):
            when += f" (clock \u00b1 {_number(tol)} s)"
        obs = c.get("observer")
        if isinstance(obs, Mapping) and math.isfinite(_num(obs.get("lat"))):
            alt = _num(obs.get("alt_m"))
            who = f"an observer at {_latlon(_num(obs['lat']), _num(obs['lon']))}"
            if math.isfinite(alt):
                who += f" ({_number(alt)} m above sea level)"
        else:
            who = "an observer at an unknown place"
        seen = []
        if c.get("azimuth_deg") is not None:
            seen.append(f"azimuth {_number(_num(c['azimuth_deg']))}{DEG}")
        if c.get("ground_range_m") is not None:
            seen.append(f"ground range {_number(_num(c['ground_range_m']))} m")
        if c.get("slant_range_m") is not None:
            seen.append(f"slant range {_number(_num(c['slant_range_m']))} m")
        if c.get("height_m") is not None:
            ref = HEIGHT_REF_WORDS.get(str(c.get("height_ref") or "unknown"), "")
            seen.append(f"height {_number(_num(c['height_m']))} m ({ref})")
        if c.get("speed_mps") is not None:
            seen.append(f"speed {_number(_num(c['speed_mps']))} m/s")
        if c.get("heading_deg") is not None:
            seen.append(f"heading {_number(_num(c['heading_deg']))}{DEG}")
        what = _join(seen) or "the aircraft"
        return f"{when}, {who} saw the aircraft: {what}."
    if kind == "position_at":
        when = f"At {_when(c['time'])}" if c.get("time") is not None else "At some time"
        r = _num(c.get("within_km"))
        near = f"within {_km(r)} of" if math.isfinite(r) else "at"
        return f"{when} the aircraft was {near} {_latlon(_num(c.get('lat')), _num(c.get('lon')))}."
    if kind == "approaches":
        parts = []
        n = c.get("count")
        ga = c.get("go_arounds")
        where = f" to {c['airport']}" if c.get("airport") else ""
        if n is not None:
            parts.append(f"{_plural(int(_num(n)), 'approach', 'approaches')}{where}")
        elif where:
            parts.append(f"approaches{where}")
        if ga is not None:
            parts.append(_plural(int(_num(ga)), "go-around"))
        text = "The aircraft made " + (_join(parts) or "approaches")
        if c.get("after") is not None:
            text += f" after {_when(c['after'])}"
        if c.get("before") is not None:
            text += f" before {_when(c['before'])}"
        return text + "."
    if kind == "duration":
        after = _when(c["airborne_after"]) if c.get("airborne_after") is not None else "take-off"
        tol = _num(c.get("tolerance_min"))
        pm = f" (\u00b1 {_number(tol)} min)" if math.isfinite(tol) else ""
        if c.get("about_min") is not None:
            how = f"about {_number(_num(c['about_min']))} min{pm}"
        elif c.get("more_than_min") is not None:
            how = f"more than {_number(_num(c['more_than_min']))} min"
        elif c.get("less_than_min") is not None:
            how = f"less than {_number(_num(c['less_than_min']))} min"
        else:
            how = "some time"
        return f"The aircraft stayed in the air {how} after {after}."
    if kind == "gnss":
        state = str(c.get("state") or "in some state")
        text = f"GNSS was {state}"
        if c.get("from") is not None:
            text += f" from {_when(c['from'])}"
        if c.get("to") is not None:
            text += f" to {_when(c['to'])}"
        bbox = c.get("bbox")
        if isinstance(bbox, list | tuple) and len(bbox) == 4:
            w, s, e, n = (_num(x) for x in bbox)
            text += f" in the box {_number(w)}{DEG} to {_number(e)}{DEG} E, {_number(s)}{DEG} to {_number(n)}{DEG} N"
        return text + "."
    if kind == "squawk":
        code = c.get("code") or "?"
        sent = c.get("transmitted")
        text = f"Squawk {code} was {'not ' if sent is False else ''}transmitted"
        if c.get("from") is not None:
            text += f" from {_when(c['from'])}"
        if c.get("to") is not None:
            text += f" to {_when(c['to'])}"
        return text + "."
    if kind == "end":
        how = str(c.get("end") or "ended")
        text = f"The flight {how}"
        if c.get("airport"):
            text += f" {'at' if how == 'landed' else 'near'} {c['airport']}"
        if math.isfinite(_num(c.get("lat"))):
            r = _num(c.get("within_km"))
            near = f"within {_km(r)} of" if math.isfinite(r) else "at"
            text += f", {near} {_latlon(_num(c['lat']), _num(c.get('lon')))}"
        if c.get("time") is not None:
            text += f", at {_when(c['time'])}"
        return text + "."
    return json.dumps({k: v for k, v in c.items() if k not in ("id", "flight", "kind")})


def _quantity(name: str) -> tuple[str, str]:
    """(words, unit) of a residual or tolerance name (``azimuth_deg`` -> azimuth, deg)."""
    head, _, unit = name.rpartition("_")
    if name in QUANTITY_WORDS:
        return QUANTITY_WORDS[name], unit if head and unit in UNIT_WORDS else ""
    if head and unit in UNIT_WORDS:
        return head.replace("_", " "), unit
    if head and unit == "mps":
        return head.replace("_", " "), "m/s"
    return name.replace("_", " "), ""


def residual_rows(residuals: Mapping[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Per quantity: (what, claimed, record, difference, status) in words with
    units; the record with its own uncertainty (``record_uncertainty``) and the
    quantity with what it was compared with (``from``) when the checker gives them."""
    out = []
    for name, r in residuals.items():
        words, unit = _quantity(str(name))
        if not isinstance(r, Mapping):
            out.append((words, "", _with_unit(r, unit), "", ""))
            continue
        unit = str(r.get("unit") or unit)
        diff = r.get("difference")
        d = _with_unit(diff, unit)
        if isinstance(diff, int | float) and not isinstance(diff, bool) and diff > 0:
            d = "+" + d
        rec = _with_unit(r.get("record"), unit)
        unc = _num(r.get("record_uncertainty"))
        if math.isfinite(unc) and unc > 0 and rec != DASH:
            rec += f" ± {_with_unit(unc, unit).strip()}"
        if r.get("from"):
            words += f" ({r['from']})"
        status = str(r.get("status") or "")
        out.append((words, _with_unit(r.get("claimed"), unit), rec, d, status))
    return out


def tolerance_words(tolerance: Mapping[str, Any]) -> list[str]:
    """``azimuth \u00b1 5\u00b0`` per tolerance that decided."""
    out = []
    for name, value in tolerance.items():
        words, unit = _quantity(str(name))
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append(f"{words} \u00b1 {_with_unit(value, unit)}")
        else:
            out.append(f"{words}: {_with_unit(value, unit)}")
    return out


def _plausible_words(plausible: Mapping[str, Any]) -> list[str]:
    """``on land: yes``, ``horizon: 97,255 m`` per item of ``region_plausible``."""
    out = []
    for k, v in plausible.items():
        words, unit = _quantity(str(k))
        out.append(f"{words}: {_with_unit(v, unit)}")
    return out


def _offset_words(value: Any) -> str:
    v = _num(value)
    if not math.isfinite(v):
        return "\u2013"
    return f"{'+' if v > 0 else ''}{_number(v)} s"


# -- the record's track ------------------------------------------------------------------


@dataclass(frozen=True)
class _Track:
    time_ns: NDArray[np.int64]
    lat: Float
    lon: Float
    source: NDArray[np.str_]
    error_km: Float

    def __len__(self) -> int:
        return int(self.time_ns.shape[0])

    @property
    def has_pos(self) -> NDArray[np.bool_]:
        return np.asarray(np.isfinite(self.lat) & np.isfinite(self.lon))


def _track(rows: Sequence[Mapping[str, Any]]) -> _Track:
    times = [_ns(r.get("time"), "track time") for r in rows]
    keep = sorted((i for i, t in enumerate(times) if t is not None), key=lambda i: times[i] or 0)
    rows = [rows[i] for i in keep]
    return _Track(
        time_ns=np.array([times[i] for i in keep], dtype=np.int64),
        lat=np.array([_num(r.get("lat")) for r in rows], dtype=np.float64),
        lon=np.array([_num(r.get("lon")) for r in rows], dtype=np.float64),
        source=np.array([str(r.get("source") or "reported") for r in rows], dtype=np.str_),
        error_km=np.array([_num(r.get("error_km")) for r in rows], dtype=np.float64),
    )


@dataclass(frozen=True)
class _Fix:
    """The aircraft's position in the record at a time (interpolated between
    the two positions round it)."""

    time_ns: int
    lat: float
    lon: float
    source: str
    error_km: float


def record_position(track: _Track, t_ns: int) -> _Fix | None:
    """Where the record puts the aircraft at ``t_ns``: between the positions
    round it when both are within :data:`EVENT_POSITION_MAX_S`, else the
    nearest within it, else None."""
    ok = np.flatnonzero(track.has_pos)
    if ok.size == 0:
        return None
    t = track.time_ns[ok]
    j = int(np.searchsorted(t, t_ns))
    limit = EVENT_POSITION_MAX_S * NS_PER_S
    if 0 < j < ok.size and t[j] - t[j - 1] <= 2 * limit:
        a, b = int(ok[j - 1]), int(ok[j])
        ta, tb = int(track.time_ns[a]), int(track.time_ns[b])
        w = 0.0 if tb == ta else (t_ns - ta) / (tb - ta)
        dlon = (track.lon[b] - track.lon[a] + 180.0) % 360.0 - 180.0
        src = track.source[a] if w < 0.5 else track.source[b]
        err = np.nanmax([track.error_km[a], track.error_km[b]])
        return _Fix(
            t_ns,
            float(track.lat[a] + w * (track.lat[b] - track.lat[a])),
            float(track.lon[a] + w * dlon),
            str(src),
            float(err) if np.isfinite(err) else math.nan,
        )
    cands = [int(ok[c]) for c in (j - 1, j) if 0 <= c < ok.size]
    i = min(cands, key=lambda c: abs(int(track.time_ns[c]) - t_ns))
    if abs(int(track.time_ns[i]) - t_ns) > limit:
        return None
    return _Fix(
        int(track.time_ns[i]),
        float(track.lat[i]),
        float(track.lon[i]),
        str(track.source[i]),
        float(track.error_km[i]),
    )


def _evidence_fix(verdict: Mapping[str, Any]) -> _Fix | None:
    """The record's position the checker compared with (evidence ``position``
    {lat, lon, error_km} at ``record_time``, ``source``), when it gives one."""
    ev = verdict.get("evidence") or {}
    pos = ev.get("position") if isinstance(ev, Mapping) else None
    t = _ns(ev.get("record_time"), "record time") if isinstance(ev, Mapping) else None
    if not isinstance(pos, Mapping) or t is None:
        return None
    lat, lon = _num(pos.get("lat")), _num(pos.get("lon"))
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return _Fix(t, lat, lon, str(ev.get("source") or "reported"), _num(pos.get("error_km")))


def _record_time(claim: Mapping[str, Any], verdict: Mapping[str, Any]) -> int | None:
    """The record time the claim was compared at: the claim's time plus the best
    clock offset (record time = claim time + offset)."""
    t = _ns(claim.get("time"), "claim time")
    if t is None:
        return None
    off = _num(verdict.get("clock_offset_s"))
    return t + (round(off * NS_PER_S) if math.isfinite(off) else 0)


# -- claim geometry ----------------------------------------------------------------------


def _tol(verdict: Mapping[str, Any], *names: str) -> float:
    """The tolerance that decided a quantity: the residual's own (``tolerance``:
    the checker's effective one) else the verdict's ``tolerance`` by name."""
    res = verdict.get("residuals") or {}
    tol = verdict.get("tolerance") or {}
    for n in names:
        r = res.get(n) if isinstance(res, Mapping) else None
        v = _num(r.get("tolerance")) if isinstance(r, Mapping) else math.nan
        if not math.isfinite(v) and isinstance(tol, Mapping):
            v = _num(tol.get(n))
        if math.isfinite(v):
            return v
    return math.nan


def _range_tol_m(verdict: Mapping[str, Any], range_m: float) -> float:
    """A range's tolerance, m: the residual's, else the larger of ``range_m`` and
    ``range_fraction`` of the range (claims/check.py), else the one given."""
    v = _tol(verdict, "ground_range_m", "slant_range_m")
    if math.isfinite(v):
        return v
    flat, share = _tol(verdict, "range_m"), _tol(verdict, "range_fraction")
    if math.isfinite(share) and math.isfinite(range_m):
        return max(flat if math.isfinite(flat) else 0.0, share * range_m)
    return flat


def _observed_range_km(claim: Mapping[str, Any]) -> float:
    """The claimed ground range, km (a slant range reduced by the claimed height
    when it is relative to the observer or sea level, else taken as it is)."""
    g = _num(claim.get("ground_range_m"))
    if math.isfinite(g):
        return g / 1000.0
    s = _num(claim.get("slant_range_m"))
    if not math.isfinite(s):
        return math.nan
    h = _num(claim.get("height_m"))
    if math.isfinite(h) and abs(h) < s:
        return math.sqrt(s * s - h * h) / 1000.0
    return s / 1000.0


def _ring_to(lat: float, lon: float, bearings: Float, dist_km: Float) -> list[tuple[float, float]]:
    la, lo = destination(np.full(bearings.shape, lat), np.full(bearings.shape, lon), bearings,
                         dist_km * 1000.0)  # fmt: skip
    lo = lon + (np.asarray(lo) - lon + 180.0) % 360.0 - 180.0
    return [(float(x), float(y)) for x, y in zip(lo, np.asarray(la), strict=True)]


@dataclass(frozen=True)
class _Shape:
    """One thing drawn for a claim: ``kind`` ring (closed area), line, point;
    ``points`` (lon, lat); ``role`` says what it is (CSS class, legend)."""

    kind: str
    role: str
    points: tuple[tuple[float, float], ...]
    label: str = ""
    lines: tuple[str, ...] = ()
    sizes: tuple[int, ...] = ()  # kind "rings": the number of points of each ring


@dataclass(frozen=True)
class _ClaimDrawing:
    cid: str
    kind: str
    verdict: str
    shapes: tuple[_Shape, ...]


def claim_shapes(
    claim: Mapping[str, Any], verdict: Mapping[str, Any], track: _Track, end: Mapping[str, Any]
) -> _ClaimDrawing:
    """What the map draws for one claim (empty when the claim has no place)."""
    cid = str(claim.get("id") or verdict.get("id") or "?")
    kind = str(claim.get("kind") or verdict.get("kind") or "")
    word = _verdict(verdict)
    shapes: list[_Shape] = []
    t_rec = _record_time(claim, verdict)
    fix = _evidence_fix(verdict) or (record_position(track, t_rec) if t_rec is not None else None)

    def record_point(what: str) -> None:
        if fix is None:
            return
        err = f", \u00b1 {_km(fix.error_km)} (95 %)" if math.isfinite(fix.error_km) else ""
        src = "reported" if fix.source == "reported" else f"estimated ({fix.source})"
        shapes.append(
            _Shape(
                "point",
                "record",
                ((fix.lon, fix.lat),),
                f"{cid} record {_clock(fix.time_ns)}",
                (
                    f"The aircraft in the record at {_clock(fix.time_ns)} UTC ({what})",
                    f"{_latlon(fix.lat, fix.lon)}: {src}{err}",
                ),
            )
        )

    if kind == "observation":
        obs = claim.get("observer")
        if isinstance(obs, Mapping) and math.isfinite(_num(obs.get("lat"))):
            olat, olon = _num(obs.get("lat")), _num(obs.get("lon"))
            az = _num(claim.get("azimuth_deg"))
            rng = _observed_range_km(claim)
            to_fix = (
                float(distance_m(olat, olon, fix.lat, fix.lon)) / 1000.0
                if fix is not None
                else math.nan
            )
            if math.isfinite(az):
                tol_az = _tol(verdict, "azimuth_deg")
                tol_r = _range_tol_m(verdict, rng * 1000.0) / 1000.0
                if math.isfinite(rng):
                    r0 = max(rng - (tol_r if math.isfinite(tol_r) else 0.0), 0.0)
                    r1 = rng + (tol_r if math.isfinite(tol_r) else 0.0)
                else:
                    r0 = 0.0
                    r1 = (to_fix + RAY_BEYOND_KM) if math.isfinite(to_fix) else RAY_DEFAULT_KM
                    r1 = max(r1, RAY_DEFAULT_KM / 3)
                if math.isfinite(tol_az) and tol_az > 0:
                    b = np.linspace(az - tol_az, az + tol_az, ARC_VERTICES)
                    outer = _ring_to(olat, olon, b, np.full(b.shape, r1))
                    inner = (
                        _ring_to(olat, olon, b[::-1], np.full(b.shape, r0)) if r0 > 0
                        else [(olon, olat)]
                    )  # fmt: skip
                    what = f"azimuth {_number(az)}{DEG} \u00b1 {_number(tol_az)}{DEG}"
                    if math.isfinite(rng):
                        what += f", range {_km(r0)} to {_km(r1)}"
                    shapes.append(
                        _Shape(
                            "ring",
                            "sector",
                            tuple(outer + inner),
                            "",
                            (f"Where {cid} says the aircraft was", what),
                        )
                    )
                end_km = rng if math.isfinite(rng) else r1
                tip = _ring_to(olat, olon, np.array([az]), np.array([end_km]))[0]
                shapes.append(
                    _Shape(
                        "line",
                        "ray",
                        ((olon, olat), tip),
                        "",
                        (f"{cid}: azimuth {_number(az)}{DEG} from the observer",),
                    )
                )
                if math.isfinite(rng):
                    shapes.append(
                        _Shape(
                            "point",
                            "claimed",
                            (tip,),
                            f"{cid} claimed",
                            (
                                f"Where {cid} puts the aircraft",
                                f"azimuth {_number(az)}{DEG}, {_km(rng)} from the observer",
                            ),
                        )
                    )
            elif math.isfinite(rng):
                b = np.linspace(0.0, 360.0, 4 * ARC_VERTICES)
                shapes.append(
                    _Shape(
                        "ring",
                        "sector",
                        tuple(_ring_to(olat, olon, b, np.full(b.shape, rng))),
                        "",
                        (f"{cid}: range {_km(rng)} from the observer",),
                    )
                )
            if fix is not None:
                shapes.append(
                    _Shape(
                        "line",
                        "to-record",
                        ((olon, olat), (fix.lon, fix.lat)),
                        "",
                        (
                            f"{cid}: from the observer to the aircraft in the record",
                            f"{_km(to_fix)}",
                        ),
                    )
                )
            alt = _num(obs.get("alt_m"))
            shapes.append(
                _Shape(
                    "point",
                    "observer",
                    ((olon, olat),),
                    f"{cid} observer",
                    (
                        f"Observer of {cid}",
                        _latlon(olat, olon)
                        + (f", {_number(alt)} m above sea level" if math.isfinite(alt) else ""),
                    ),
                )
            )
        region = verdict.get("region")
        if isinstance(region, Mapping):
            plaus = verdict.get("region_plausible") or {}
            lines = [f"Where the observer of {cid} could have been"]
            if isinstance(plaus, Mapping):
                lines += _plausible_words(plaus)
            rings = _region_rings(region)
            if rings:  # one shape: the rings' union is shaded once (nonzero fill)
                shapes.append(
                    _Shape("rings", "region", tuple(p for r in rings for p in r), "",
                           tuple(lines), sizes=tuple(len(r) for r in rings))
                )  # fmt: skip
            pts = geometry_points(dict(region))
            if pts:
                top = max(pts, key=lambda p: p[1])
                shapes.append(_Shape("point", "label", (top,), f"{cid} observer region", ()))
        record_point("compared with the claim")
    elif kind in ("position_at", "end"):
        lat, lon = _num(claim.get("lat")), _num(claim.get("lon"))
        if math.isfinite(lat) and math.isfinite(lon):
            r = _num(claim.get("within_km"))
            if math.isfinite(r) and r > 0:
                b = np.linspace(0.0, 360.0, 4 * ARC_VERTICES)
                shapes.append(
                    _Shape(
                        "ring",
                        "within",
                        tuple(_ring_to(lat, lon, b, np.full(b.shape, r))),
                        "",
                        (f"{cid}: within {_km(r)} of the claimed position",),
                    )
                )
            if kind == "end" and math.isfinite(_num(end.get("lat"))):
                shapes.append(
                    _Shape(
                        "line",
                        "to-record",
                        ((lon, lat), (_num(end["lon"]), _num(end["lat"]))),
                        "",
                        (f"{cid}: from the claimed end to the end in the record",),
                    )
                )
            elif fix is not None:
                shapes.append(
                    _Shape(
                        "line",
                        "to-record",
                        ((lon, lat), (fix.lon, fix.lat)),
                        "",
                        (f"{cid}: from the claimed position to the record's",),
                    )
                )
            shapes.append(
                _Shape(
                    "point",
                    "claimed",
                    ((lon, lat),),
                    f"{cid} claimed",
                    (f"Where {cid} puts the aircraft", _latlon(lat, lon)),
                )
            )
        if kind == "position_at":
            record_point("at the claimed time")
    elif kind == "gnss":
        bbox = claim.get("bbox")
        if isinstance(bbox, list | tuple) and len(bbox) == 4:
            w, s, e, n = (_num(x) for x in bbox)
            if all(math.isfinite(v) for v in (w, s, e, n)):
                shapes.append(
                    _Shape(
                        "ring",
                        "bbox",
                        ((w, s), (e, s), (e, n), (w, n)),
                        f"{cid} box",
                        (f"The box of {cid}",),
                    )
                )
    return _ClaimDrawing(cid, kind, word, tuple(shapes))


def _region_rings(geometry: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    """Every ring (outer and holes) of a Polygon / MultiPolygon as (lon, lat)."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    polys = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    if kind == "GeometryCollection":
        out: list[list[tuple[float, float]]] = []
        for g in geometry.get("geometries") or []:
            if isinstance(g, Mapping):
                out += _region_rings(g)
        return out
    rings = []
    for poly in polys:
        for ring in poly:
            pts = [(_num(p[0]), _num(p[1])) for p in ring if len(p) >= 2]
            if len(pts) >= 3:
                rings.append(pts)
    return rings


# -- maps --------------------------------------------------------------------------------


#: Marker symbols by role (drawn at a constant size in pixels; ``{c}`` the verdict colour).
SYMBOLS = {
    "observer": '<path class="obs" d="M0,-9L8,6L-8,6Z" fill="{c}"/>',
    "claimed": '<circle class="clm" r="6" stroke="{c}"/><circle r="2" fill="{c}"/>',
    "record": '<path class="rec" d="M0,-7L7,0L0,7L-7,0Z" stroke="{c}"/>',
    "label": "",
}
SYMBOL_HALF_PX = {"observer": 9.0, "claimed": 7.0, "record": 7.0, "label": 0.0}


class _Map(SvgMap):
    """One map: land, the track, airports, the end and the claims' shapes."""

    def __init__(
        self,
        mid: str,
        track: _Track,
        points: Sequence[tuple[float, float]],
        ref: float,
        *,
        width_px: int,
        height_px: int,
        min_half_deg: float,
    ) -> None:
        super().__init__(ref)
        self.mid = mid
        self.track = track
        self.lon = unwrap(track.lon, ref)
        self.width_px, self.height_px = width_px, height_px
        self.frame(points, width_px, height_px, min_half_deg)
        lon0, lon1 = self.extent[:2]
        self.tol = (lon1 - lon0) * self.kx * TRACK_TOLERANCE_SHARE
        self.legend: dict[str, str] = {}

    def key(self, name: str) -> str:
        return f"{self.mid}-{name}"

    def viewbox(self) -> str:
        return " ".join(f"{v:.5f}" for v in self.box())

    def draw_track(self) -> None:
        """The track by source with the corridor of estimated positions (as the flight report)."""
        t = self.track
        ok = t.has_pos
        if not ok.any():
            return
        # only the rows on the map (its box widened by the land's margin), with
        # their neighbours so that lines leave the map's edge
        lon0, lon1, lat0, lat1 = self.extent
        mx, my = (lon1 - lon0) * CLIP_MARGIN_SHARE, (lat1 - lat0) * CLIP_MARGIN_SHARE
        on = ok & (self.lon >= lon0 - mx) & (self.lon <= lon1 + mx)
        on &= (t.lat >= lat0 - my) & (t.lat <= lat1 + my)
        on = ok & (on | np.r_[on[1:], False] | np.r_[False, on[:-1]])
        if not on.any():
            return
        idx = np.flatnonzero(on)
        x = self.lon[idx] * self.kx
        y = -t.lat[idx]
        src = t.source[idx]
        tt = t.time_ns[idx]
        qx, qy = np.floor(x / self.tol), np.floor(y / self.tol)
        left = np.cumsum(ok & ~on)[idx]  # positions left out (off the map) so far
        brk = np.r_[True, (np.diff(tt) > TRACK_GAP_S * NS_PER_S) | (np.diff(left) > 0)]
        change = np.r_[True, src[1:] != src[:-1]]
        moved = np.r_[True, (qx[1:] != qx[:-1]) | (qy[1:] != qy[:-1])]
        keep = brk | change | np.r_[change[1:], True] | moved | np.r_[brk[1:], True]
        keep[-1] = True
        k = np.flatnonzero(keep)
        err = t.error_km[idx]
        circles: list[str] = []
        last: tuple[float, float, float] | None = None
        for i in np.flatnonzero(src != "reported"):
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
            self.legend["band"] = _legend_row(
                f'<circle r="7" fill="{BAND_COLOUR}" fill-opacity=".35"/>',
                "Where the estimated positions could be (95 %)",
            )
        runs: list[tuple[str, list[int]]] = []
        for j, i in enumerate(k):
            if j == 0 or brk[i] or src[i] != src[k[j - 1]]:
                start = [] if (j == 0 or brk[i]) else [int(k[j - 1])]
                runs.append((str(src[i]), [*start, int(i)]))
            else:
                runs[-1][1].append(int(i))
        for n, (s, pts) in enumerate(runs):
            key = self.key(f"t{n}")
            d = "M" + "L".join(f"{x[i]:.4f},{y[i]:.4f}" for i in pts)
            cls = "trk rep" if s == "reported" else "trk est"
            colour = SOURCE_COLOURS.get(s, SOURCE_COLOURS["reconstructed"])
            self.layers.append(f'<path class="{cls}" data-k="{key}" stroke="{colour}" d="{d}"/>')
            a, b = int(tt[pts[0]]), int(tt[pts[-1]])
            e = err[pts]
            e = e[np.isfinite(e)]
            lines = [f"{_clock(a)} {DASH} {_clock(b)} UTC"]
            if s != "reported" and e.size:
                lines.append(f"uncertainty up to {_km(float(e.max()))} (95 %)")
            self.info[key] = {"t": SOURCE_WORDS.get(s, s), "l": lines}
            dash = "" if s == "reported" else ' stroke-dasharray="5 3"'
            self.legend.setdefault(
                f"src-{s}",
                _legend_row(
                    f'<path d="M-12,4L12,-4" stroke="{colour}" stroke-width="2.6"{dash}/>',
                    SOURCE_WORDS.get(s, s),
                ),
            )

    def draw_airports(
        self, airports: Sequence[Mapping[str, Any]], runways: Sequence[Mapping[str, Any]]
    ) -> None:
        lon0, lon1, lat0, lat1 = self.extent
        for r in runways:
            la1, lo1 = _num(r.get("lat1")), _num(r.get("lon1"))
            la2, lo2 = _num(r.get("lat2")), _num(r.get("lon2"))
            if all(math.isfinite(v) for v in (la1, lo1, la2, lo2)):
                self.layers.append(
                    f'<path class="rwy" d="M{self.xy(lo1, la1)}L{self.xy(lo2, la2)}"/>'
                )
        for a in airports:
            lat, lon = _num(a.get("lat")), self._lon(_num(a.get("lon")))
            if not (math.isfinite(lat) and lon0 <= lon <= lon1 and lat0 <= lat <= lat1):
                continue
            ident = str(a.get("ident") or "")
            key = self.key(f"p{ident}")
            self.info[key] = {"t": f"Airport {ident}", "l": [str(a.get("name") or "")]}
            self.marker(key, lon, lat, '<rect class="apt" x="-4" y="-4" width="8" height="8"/>',
                        ident, 5.0)  # fmt: skip
            self.legend["airport"] = _legend_row(
                '<rect x="-4" y="-4" width="8" height="8" fill="#fff" stroke="#333" '
                'stroke-width="2"/>',
                "Airport (ICAO code) and its runways",
            )

    def draw_end(self, end: Mapping[str, Any], airports: Sequence[Mapping[str, Any]]) -> None:
        lat, lon = _num(end.get("lat")), _num(end.get("lon"))
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return
        err = _num(end.get("error_km"))
        if math.isfinite(err) and err > 0:
            self.layers.append(f'<path class="endc" d="{self.circle_d(lon, lat, err)}"/>')
        t = _ns(end.get("time"), "end time") or 0
        ports = {str(a.get("ident")): a for a in airports}
        key = self.key("end")
        self.info[key] = {
            "t": f"End of the flight in the record: {end.get('kind') or 'lost'}",
            "l": [f"{_clock(t)} UTC", end_words(end, airports=ports)]
            + ([f"position \u00b1 {_km(err)} (95 %)"] if math.isfinite(err) else []),
        }
        shape = (
            '<path class="halo" d="M-8,-8L8,8M-8,8L8,-8"/>'
            '<path class="endx" d="M-8,-8L8,8M-8,8L8,-8"/>'
        )
        self.marker(key, lon, lat, shape, f"{end.get('kind') or 'end'} {_clock(t)}", 9.0)
        self.legend["end"] = _legend_row(
            f'<path d="M-6,-6L6,6M-6,6L6,-6" stroke="{END_COLOUR}" stroke-width="3"/>',
            "End of the flight in the record, with its 95 % circle",
        )

    def draw_claim(self, drawing: _ClaimDrawing, *, labels: bool = True) -> None:
        colour = VERDICT_COLOURS[drawing.verdict]
        named = False
        for n, s in enumerate(drawing.shapes):
            key = self.key(f"c{drawing.cid}-{n}")
            lines = [*s.lines[1:], f"verdict: {drawing.verdict}"]
            info: dict[str, Any] = {"t": s.lines[0] if s.lines else drawing.cid, "l": lines}
            if s.kind == "rings":
                d, at = "", 0
                for size in s.sizes:
                    ring = s.points[at : at + size]
                    at += size
                    d += "M" + "L".join(self.xy(x, y) for x, y in ring) + "Z"
                self.layers.append(
                    f'<path class="cl {s.role}" data-k="{key}" style="fill:{colour}" d="{d}"/>'
                )
                self.info[key] = info
            elif s.kind == "ring":
                d = "M" + "L".join(self.xy(x, y) for x, y in s.points) + "Z"
                self.layers.append(
                    f'<path class="cl {s.role}" data-k="{key}" style="stroke:{colour};fill:{colour}" d="{d}"/>'
                )
                self.info[key] = info
            elif s.kind == "line":
                d = "M" + "L".join(self.xy(x, y) for x, y in s.points)
                stroke = "#333" if s.role == "to-record" else colour
                self.layers.append(
                    f'<path class="cl {s.role}" data-k="{key}" stroke="{stroke}" d="{d}"/>'
                )
                self.info[key] = info
            else:
                lon, lat = s.points[0]
                shape = SYMBOLS.get(s.role, "").replace("{c}", colour)
                # the overview names each claim once (its observer or claimed point)
                label = s.label if labels else ""
                if not labels and s.role in ("observer", "claimed", "label"):
                    label = "" if named else drawing.cid
                    named = True
                self.marker(key, lon, lat, shape, label, SYMBOL_HALF_PX.get(s.role, 6.0))
                if s.lines:
                    self.info[key] = info

    def svg(self, cls: str) -> str:
        return (
            f'<svg class="map {cls}" id="{self.mid}" viewBox="{self.viewbox()}" '
            f'preserveAspectRatio="xMidYMid meet" data-km-per-unit="{KM_PER_DEG:.4f}">'
            + self.land()
            + "".join(self.layers)
            + f'<g class="markers">{self.marker_svg()}</g></svg>'
        )


def _claim_legend(drawings: Sequence[_ClaimDrawing]) -> list[str]:
    roles = {s.role for d in drawings for s in d.shapes}
    out = []
    grey = VERDICT_COLOURS["undetermined"]
    if "observer" in roles:
        out.append(_legend_row(SYMBOLS["observer"].replace("{c}", grey).replace(
            'd="M0,-9L8,6L-8,6Z"', 'd="M0,-7L6,5L-6,5Z"'), "Observer of a claim (as stated)"))  # fmt: skip
    if "sector" in roles:
        out.append(
            _legend_row(
                f'<path d="M-12,6L12,-6L12,6Z" fill="{grey}" fill-opacity=".25" stroke="{grey}"/>',
                "Where the observer says the aircraft was: azimuth and range "
                "widened by the tolerances",
            )
        )
    if "claimed" in roles:
        out.append(
            _legend_row(
                f'<circle r="6" fill="#fff" stroke="{grey}" stroke-width="2.5"/>'
                f'<circle r="2" fill="{grey}"/>',
                "Where a claim puts the aircraft (circle: the distance it allows)",
            )
        )
    if "record" in roles:
        out.append(
            _legend_row(
                '<path d="M0,-7L7,0L0,7L-7,0Z" fill="#fff" stroke="#333" stroke-width="2.5"/>',
                "The aircraft in the record at the claim's time (best clock offset); "
                "dotted: the line to it",
            )
        )
    if "region" in roles:
        out.append(
            _legend_row(
                f'<rect x="-10" y="-7" width="20" height="14" fill="{grey}" fill-opacity=".3" '
                f'stroke="{grey}" stroke-dasharray="3 2"/>',
                "Where an unknown observer could have stood to see what it says",
            )
        )
    if "bbox" in roles:
        out.append(
            _legend_row(
                f'<rect x="-10" y="-7" width="20" height="14" fill="none" stroke="{grey}" '
                'stroke-width="2" stroke-dasharray="6 3"/>',
                "The area of a GNSS claim",
            )
        )
    out.append(
        '<div class="badges">'
        + "".join(
            f'<span class="badge" style="background:{VERDICT_COLOURS[v]}">{v}</span>'
            for v in VERDICTS
        )
        + '</div><div class="help">Claims are drawn in the colour of their verdict.</div>'
    )
    return out


def _shape_points(drawing: _ClaimDrawing) -> list[tuple[float, float]]:
    return [p for s in drawing.shapes for p in s.points]


# -- airports ----------------------------------------------------------------------------


def _airports(
    doc: Mapping[str, Any], claims: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The airports the flight and its claims name, with their runways (as the flight report)."""
    names: list[Any] = []
    for f in doc.get("flights") or []:
        names += [f.get("origin"), f.get("destination")]
    names += [a.get("airport") for a in doc.get("approaches") or []]
    names.append((doc.get("end") or {}).get("airport"))
    for e in doc.get("events") or []:
        if e.get("kind") == "diversion":
            d = e.get("detail") or {}
            names += [d.get("from"), d.get("to")]
    names += [c.get("airport") for c in claims]
    codes = [str(n) for n in dict.fromkeys(names) if n]
    if not codes:
        return [], []
    from skywitness.model.airports import icao_airports
    from skywitness.model.runways import runways_of

    table = icao_airports()
    airports, runways = [], []
    for code in codes:
        rec = table.get(code)
        if rec is None:
            continue
        airports.append(
            {
                "ident": code,
                "name": rec.get("name", ""),
                "lat": float(rec["lat"]),
                "lon": float(rec["lon"]),
            }
        )
        ends = runways_of(code)
        seen: set[tuple[str, ...]] = set()
        for r in ends:
            other = min(
                (o for o in ends if o is not r),
                key=lambda o: abs(((o.heading_deg - r.heading_deg) % 360.0) - 180.0),
                default=None,
            )
            if other is None or abs(((other.heading_deg - r.heading_deg) % 360.0) - 180.0) > 30:
                continue
            pair = tuple(sorted((r.ident, other.ident)))
            if pair in seen:
                continue
            seen.add(pair)
            runways.append({"airport": code, "lat1": r.lat, "lon1": r.lon, "lat2": other.lat,
                            "lon2": other.lon})  # fmt: skip
    return airports, runways


# -- the page ----------------------------------------------------------------------------


def _badge(word: str) -> str:
    return f'<span class="badge" style="background:{VERDICT_COLOURS[word]}">{word}</span>'


def _claim_rows(
    items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]], mapped: set[str]
) -> str:
    rows = []
    for claim, verdict in items:
        cid = str(claim.get("id") or verdict.get("id") or "?")
        word = _verdict(verdict)
        kind = str(claim.get("kind") or verdict.get("kind") or "")
        res = residual_rows(verdict.get("residuals") or {})
        res_html = (
            '<table class="res"><tr><th></th><th>claimed</th><th>record</th><th>diff.</th></tr>'
            + "".join(
                "<tr>"
                + "".join(f"<td>{html.escape(x)}</td>" for x in r[:3])
                + f'<td class="st-{html.escape(r[4])}" title="{html.escape(r[4])}">'
                + f"{html.escape(r[3])}</td></tr>"
                for r in res
            )
            + "</table>"
            if res
            else '<span class="none">\u2013</span>'
        )
        tol = tolerance_words(verdict.get("tolerance") or {})
        tol_html = "<br>".join(html.escape(t) for t in tol) or '<span class="none">\u2013</span>'
        expl = html.escape(str(verdict.get("explanation") or ""))
        extra = []
        plaus = verdict.get("region_plausible")
        if isinstance(plaus, Mapping) and plaus:
            extra.append("Observer region: " + "; ".join(_plausible_words(plaus)))
        ev = verdict.get("evidence") or {}
        ev_html = ""
        if isinstance(ev, Mapping) and ev:
            ev_html = (
                "<details><summary>evidence</summary><ul>"
                + "".join(
                    f"<li><b>{html.escape(str(k).replace('_', ' '))}</b>: "
                    f"{html.escape(_with_unit(v, _quantity(str(k))[1]) if not isinstance(v, Mapping) else json.dumps(v, ensure_ascii=False))}</li>"
                    for k, v in ev.items()
                )
                + "</ul></details>"
            )
        see = f' <a href="#close-{html.escape(cid)}">map</a>' if cid in mapped else ""
        rows.append(
            f'<tr id="claim-{html.escape(cid)}" class="v-{word}"><td class="cid">{html.escape(cid)}{see}'
            f'<div class="kd">{html.escape(CLAIM_KIND_LABELS.get(kind, kind))}</div></td>'
            f"<td>{html.escape(claim_words(claim))}</td>"
            f'<td class="vd">{_badge(word)}</td><td>{res_html}</td><td class="tol">{tol_html}</td>'
            f'<td class="off">{html.escape(_offset_words(verdict.get("clock_offset_s")))}</td>'
            f"<td>{expl}"
            + "".join(f'<div class="extra">{html.escape(x)}</div>' for x in extra)
            + f"{ev_html}</td></tr>"
        )
    return (
        '<table class="claims"><colgroup><col class="c-id"><col class="c-says"><col class="c-vd">'
        '<col class="c-res"><col class="c-tol"><col class="c-off"><col class="c-why"></colgroup>'
        "<thead><tr><th>Claim</th><th>What it says</th>"
        "<th>Verdict</th><th>Residuals</th><th>Tolerance</th><th>Clock offset</th>"
        f"<th>Why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _counts(verdicts: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    out = dict.fromkeys(VERDICTS, 0)
    for v in verdicts:
        out[_verdict(v)] += 1
    return out


def claims_summary(
    verdicts: Sequence[Mapping[str, Any]],
    claims: Sequence[Mapping[str, Any]],
    flights: Mapping[str, Mapping[str, Any]],
) -> list[str]:
    """The page's summary as plain sentences (text, not HTML)."""
    counts = _counts(verdicts)
    idents = list(dict.fromkeys(claim_ident(c) for c in claims))
    n = len(verdicts)
    out = [
        f"{_plural(n, 'claim')} about {_plural(len(idents), 'flight')}: "
        f"{counts['consistent']} consistent, {counts['inconsistent']} inconsistent, "
        f"{counts['undetermined']} undetermined."
    ]
    for word in ("inconsistent", "undetermined"):
        ids = [str(v.get("id")) for v in verdicts if _verdict(v) == word]
        if ids:
            out.append(f"{word.capitalize()}: {', '.join(ids)}.")
    missing = [i for i in idents if not flights.get(i)]
    if missing:
        out.append(
            f"Not in the record: {', '.join(missing or ['?'])}; "
            "the claims about these aircraft cannot be checked (undetermined)."
        )
    out.append(
        "A claim is consistent when " + VERDICT_MEANINGS["consistent"] + ", inconsistent when "
        + VERDICT_MEANINGS["inconsistent"] + ", undetermined when "
        + VERDICT_MEANINGS["undetermined"] + "."
    )  # fmt: skip
    return out


def _flight_section(
    n: int,
    ident: str,
    doc: Mapping[str, Any],
    items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    info: dict[str, dict[str, Any]],
) -> str:
    claims = [c for c, _ in items]
    airports, runways = _airports(doc, claims)
    track = _track(doc.get("track") or [])
    end = dict(doc.get("end") or {})
    drawings = [claim_shapes(c, v, track, end) for c, v in items]
    drawn = [d for d in drawings if d.shapes]
    title = flight_title(doc, airports=airports, runways=runways)
    counts = _counts([v for _, v in items])
    facts = (
        f"{_plural(len(items), 'claim')}: {counts['consistent']} consistent, "
        f"{counts['inconsistent']} inconsistent, {counts['undetermined']} undetermined"
    )
    # the overview: the track, the end, the named airports and every claim's shapes
    pts: list[tuple[float, float]] = []
    ok = track.has_pos
    pts += list(zip(track.lon[ok].tolist(), track.lat[ok].tolist(), strict=True))
    if math.isfinite(_num(end.get("lat"))):
        pts.append((_num(end["lon"]), _num(end["lat"])))
    for d in drawn:
        pts += _shape_points(d)
    ref = next((p[0] for p in pts if math.isfinite(p[0])), 0.0)
    overview = _Map(f"m{n}", track, pts, ref, width_px=MAP_WIDTH_PX, height_px=MAP_HEIGHT_PX,
                    min_half_deg=MIN_MARGIN_DEG)  # fmt: skip
    overview.draw_track()
    overview.draw_airports(airports, runways)
    overview.draw_end(end, airports)
    for d in drawn:
        overview.draw_claim(d, labels=False)
    legend = list(overview.legend.values()) + _claim_legend(drawn)
    info.update(overview.info)
    # close-ups
    closes = []
    for k, d in enumerate(drawn[:MAX_CLOSEUPS]):
        cpts = _shape_points(d)
        clat = float(np.mean([p[1] for p in cpts]))
        half = CLOSE_MIN_HALF_KM / KM_PER_DEG
        m = _Map(f"m{n}c{k}", track, cpts, ref, width_px=CLOSE_WIDTH_PX, height_px=CLOSE_HEIGHT_PX,
                 min_half_deg=max(half, CLOSE_MARGIN_SHARE * _span_deg(cpts, clat)))  # fmt: skip
        m.draw_track()
        m.draw_airports(airports, runways)
        m.draw_end(end, airports)
        m.draw_claim(d)
        info.update(m.info)
        claim, verdict = items[drawings.index(d)]
        closes.append(
            f'<figure class="close" id="close-{html.escape(d.cid)}"><figcaption>'
            f'<a href="#claim-{html.escape(d.cid)}">{html.escape(d.cid)}</a> '
            f"{_badge(d.verdict)} {html.escape(claim_words(claim))}</figcaption>"
            f'<div class="cwrap">{m.svg("small")}<div class="scale"><div class="scalebar"></div>'
            f'<span class="scalelabel"></span></div></div>'
            f'<div class="cexpl">{html.escape(str(verdict.get("explanation") or ""))}</div></figure>'
        )
    more = ""
    if len(drawn) > MAX_CLOSEUPS:
        more = f'<p class="none">{len(drawn) - MAX_CLOSEUPS} more claims are on the map above only.</p>'
    map_html = ""
    if ok.any() or drawn:
        map_html = (
            f'<div class="mapbox"><div class="mapwrap">{overview.svg("big")}'
            '<div class="north">N \u2191</div><div class="scale"><div class="scalebar"></div>'
            '<span class="scalelabel"></span></div></div><aside><h3>Legend</h3>'
            + "\n".join(legend)
            + '<div class="help">North is up. Wheel: zoom, drag: pan, hover a shape for its '
            'details. <button class="reset" type="button">reset view</button></div></aside></div>'
        )
        if closes:
            map_html += (
                "<h3>Close-ups: each claim with a place</h3>"
                f'<div class="closes">{"".join(closes)}</div>{more}'
            )
    else:
        map_html = '<p class="none">The record holds no position of this flight.</p>'
    return (
        f'<section class="flight"><h2>{html.escape(title)}</h2>'
        f'<div class="facts">Claims naming {html.escape(ident)} \u00b7 {html.escape(facts)}</div>'
        f"{map_html}<h3>The claims</h3>{_claim_rows(items, {d.cid for d in drawn[:MAX_CLOSEUPS]})}"
        "</section>"
    )


def _span_deg(pts: Sequence[tuple[float, float]], lat: float) -> float:
    kx = max(math.cos(math.radians(lat)), 0.05)
    return max(
        (max(p[0] for p in pts) - min(p[0] for p in pts)) * kx,
        max(p[1] for p in pts) - min(p[1] for p in pts),
    )


def claims_html(
    verdicts: Sequence[Mapping[str, Any]],
    claims: Sequence[Mapping[str, Any]],
    flights: Mapping[str, Mapping[str, Any]],
    *,
    provenance: Provenance | None = None,
) -> str:
    """The page of :func:`write_claims_html` as text."""
    if isinstance(verdicts, Mapping) or isinstance(claims, Mapping):
        raise UsageError("a claims report needs sequences of verdicts and claims")
    by_id = {str(v.get("id")): v for v in verdicts}
    claim_ids = {str(c.get("id")) for c in claims}
    # every verdict is shown: a verdict without its claim gets the claim it names
    pairs: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = [
        (c, by_id.get(str(c.get("id")), {"id": c.get("id"), "verdict": UNKNOWN_VERDICT,
                                          "explanation": "No verdict was given for this claim."}))
        for c in claims
    ]  # fmt: skip
    pairs += [({"id": v.get("id"), "kind": v.get("kind")}, v) for v in verdicts
              if str(v.get("id")) not in claim_ids]  # fmt: skip
    groups: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
    for c, v in pairs:
        groups.setdefault(claim_ident(c), []).append((c, v))
    info: dict[str, dict[str, Any]] = {}
    sections, missing = [], []
    for n, (ident, items) in enumerate(groups.items()):
        doc = flights.get(ident) or {}
        if doc:
            sections.append(_flight_section(n, ident, doc, items, info))
        else:
            missing += items
    if missing:
        who = _join(list(dict.fromkeys(claim_ident(c) or "no aircraft named" for c, _ in missing)))
        sections.append(
            '<section class="flight"><h2>Aircraft not in the record</h2>'
            f'<div class="facts">{html.escape(who)}: the store holds no report of '
            f"{'this aircraft' if len(who.split(', ')) == 1 else 'these aircraft'}, so "
            f"nothing can be checked.</div>{_claim_rows(missing, set())}</section>"
        )
    all_verdicts = [v for _, v in pairs]
    summary = claims_summary(all_verdicts, [c for c, _ in pairs], flights)
    idents = [i for i in groups if flights.get(i)]
    who = (
        ", ".join(
            f"{(flights[i].get('callsign') or '').strip() or i} ({flights[i].get('icao24') or i})"
            for i in idents
        )
        if idents
        else ", ".join(groups) or "no flight"
    )
    title = f"Claims checked against the record: {who}"
    prov_block = meta = prov_footer = ""
    if provenance is not None:
        text = json.dumps(provenance_json(provenance), ensure_ascii=False)
        prov_block = (
            f'<script type="application/json" id="{KEY}-provenance">{_script_safe(text)}</script>'
        )
        meta = f'<meta name="generator" content="skywitness {html.escape(provenance.version)}">'
        prov_footer = f'<div class="prov">{html.escape(provenance_line(provenance))}</div>'
    counts = _counts(all_verdicts)
    tally = " ".join(f'<span class="tally">{_badge(v)} {counts[v]}</span>' for v in VERDICTS)
    return _PAGE.substitute(
        title=html.escape(title),
        meta=meta,
        tally=tally,
        summary="".join(f"<li>{html.escape(s)}</li>" for s in summary),
        sections="\n".join(sections) or '<p class="none">No claims.</p>',
        prov_footer=prov_footer,
        prov_block=prov_block,
        info=_script_safe(json.dumps(info, ensure_ascii=False, separators=(",", ":"))),
        styles=_STYLE.substitute(
            sea=SEA,
            land=LAND,
            coast=COAST,
            band=BAND_COLOUR,
            rwy=AIRPORT_COLOUR,
            end=END_COLOUR,
            map_h=MAP_HEIGHT_PX,
            close_h=CLOSE_HEIGHT_PX,
        ),
        script=_SCRIPT,
    )


def write_claims_html(
    path: Path,
    verdicts: Sequence[Mapping[str, Any]],
    claims: Sequence[Mapping[str, Any]],
    flights: Mapping[str, Mapping[str, Any]],
    *,
    provenance: Provenance,
) -> Path:
    """Write the claims page at ``path`` (atomically; see the module docstring).

    ``verdicts``: each verdict's ``as_json()`` (id, kind, verdict, residuals,
    tolerance, clock_offset_s, explanation, evidence, optionally region and
    region_plausible); ``claims``: each claim's ``as_json()``; ``flights``:
    per flight ident the claims use (ICAO address, else callsign) the flight's
    JSON (``skywitness flight --json``), ``{}`` when not in the store.
    """
    return write_text(path, claims_html(verdicts, claims, flights, provenance=provenance))


_STYLE = Template("""
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 1400px; padding: 0 16px; background: #fafafa; color: #222; }
header { padding: 14px 0 4px; }
h1 { font-size: 22px; margin: 0 0 4px; line-height: 1.25; }
h2 { font-size: 18px; margin: 22px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.facts { font-size: 13px; color: #555; margin-bottom: 8px; }
.summary { font-size: 15px; margin: 8px 0 4px; padding-left: 20px; max-width: 1100px; }
.summary li { margin: 3px 0; }
.tally { margin-right: 14px; font-size: 15px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff;
  font-weight: 700; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.mapbox { display: flex; border: 1px solid #ccc; background: #fff; height: ${map_h}px; }
.mapwrap { position: relative; flex: 1 1 auto; min-width: 0; }
svg.map { width: 100%; height: 100%; background: $sea; display: block; cursor: grab; }
aside { flex: 0 0 350px; overflow-y: auto; padding: 6px 12px; font-size: 13px;
  border-left: 1px solid #ddd; }
aside h3 { font-size: 13px; margin: 6px 0 4px; }
.lg { display: flex; align-items: flex-start; gap: 7px; margin: 6px 0; }
.badges { display: flex; flex-wrap: wrap; gap: 4px; margin: 8px 0 2px; }
.lg .sw { flex: 0 0 28px; margin-top: 1px; }
.help { color: #666; font-size: 12px; margin-top: 8px; }
.reset { font-size: 12px; }
.scale { position: absolute; left: 10px; bottom: 10px; background: rgba(255,255,255,.85);
  padding: 3px 6px 2px; font-size: 11px; pointer-events: none; }
.scalebar { height: 7px; border: 2px solid #222; border-top: none; }
.north { position: absolute; right: 12px; top: 10px; font: bold 12px sans-serif;
  background: rgba(255,255,255,.8); padding: 2px 5px; pointer-events: none; }
#tip { position: fixed; display: none; background: #fff; border: 1px solid #999;
  padding: 6px 8px; font-size: 12px; pointer-events: none; max-width: 460px; z-index: 10;
  box-shadow: 0 1px 5px rgba(0,0,0,.2); }
.closes { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 12px; }
figure.close { margin: 0; background: #fff; border: 1px solid #ccc; padding: 6px 8px 8px; }
figure.close figcaption { font-size: 13px; margin-bottom: 5px; }
figure.close figcaption a { font-weight: 700; margin-right: 4px; }
.cwrap { position: relative; height: ${close_h}px; border: 1px solid #ddd; }
.cexpl { font-size: 12.5px; color: #333; margin-top: 5px; }
.land { fill: $land; stroke: none; fill-rule: evenodd; }
.coastline { fill: none; stroke: $coast; stroke-width: .8px; vector-effect: non-scaling-stroke;
  pointer-events: none; }
.band { fill: $band; fill-opacity: .33; stroke: none; pointer-events: none; }
.endc { fill: #000; fill-opacity: .06; stroke: #000; stroke-width: 1.2px;
  vector-effect: non-scaling-stroke; }
.rwy { stroke: $rwy; stroke-width: 4px; stroke-linecap: butt; vector-effect: non-scaling-stroke; }
.trk { fill: none; vector-effect: non-scaling-stroke; stroke-linejoin: round;
  stroke-linecap: round; }
.trk.rep { stroke-width: 2.4px; }
.trk.est { stroke-width: 2.4px; stroke-dasharray: 7 4; }
.trk:hover { stroke-width: 5px; }
.cl { vector-effect: non-scaling-stroke; }
.cl.sector { fill-opacity: .22; stroke-width: 1.4px; }
.cl.region { fill-opacity: .35; stroke: none; }
.cl.within { fill-opacity: .08; stroke-width: 1.8px; stroke-dasharray: 6 3; }
.cl.bbox { fill-opacity: .04; stroke-width: 2px; stroke-dasharray: 8 4; }
.cl.ray { fill: none; stroke-width: 2.2px; }
.cl.to-record { fill: none; stroke-width: 1.6px; stroke-dasharray: 2 3; }
.mk { cursor: pointer; }
.mk text { font-size: 12px; font-weight: 700; fill: #222; paint-order: stroke; stroke: #fff;
  stroke-width: 3px; stroke-linejoin: round; }
.mk .apt { fill: #fff; stroke: $rwy; stroke-width: 2px; }
.mk .halo { fill: none; stroke: #fff; stroke-width: 7px; }
.mk .endx { fill: none; stroke: $end; stroke-width: 3.5px; }
.mk .obs { stroke: #fff; stroke-width: 1.5px; }
.mk .clm { fill: #fff; stroke-width: 2.5px; }
.mk .rec { fill: #fff; stroke: #222 !important; stroke-width: 2.5px; }
table.claims { border-collapse: collapse; width: 100%; font-size: 13px; background: #fff;
  table-layout: fixed; }
col.c-id { width: 104px; } col.c-vd { width: 122px; } col.c-tol { width: 150px; }
col.c-off { width: 64px; } col.c-says { width: 22%; } col.c-res { width: 31%; }
td .kd { color: #555; font-weight: 400; font-size: 12px; white-space: normal; }
table.claims > thead th { text-align: left; border-bottom: 2px solid #ccc; padding: 4px 6px; }
table.claims > tbody > tr > td { border-bottom: 1px solid #e4e4e4; padding: 5px 6px;
  vertical-align: top; }
table.claims tr.v-inconsistent > td:first-child { border-left: 4px solid #d7191c; }
table.claims tr.v-consistent > td:first-child { border-left: 4px solid #1a9641; }
table.claims tr.v-undetermined > td:first-child { border-left: 4px solid #6f6f6f; }
td.cid { font-weight: 700; white-space: nowrap; }
td.cid a { font-weight: 400; font-size: 11px; margin-left: 4px; }
td.vd { white-space: nowrap; }
td.off { white-space: nowrap; font-family: ui-monospace, Menlo, Consolas, monospace; }
td.tol { font-size: 12px; }
table.res { border-collapse: collapse; font-size: 12px; width: 100%; }
table.res th { font-weight: 600; color: #666; text-align: right; padding: 0 5px; }
table.res td { padding: 0 4px; text-align: right; }
table.res td + td { white-space: nowrap; }
table.res td:first-child { text-align: left; color: #444; white-space: normal; }
table.res td.st-inconsistent { color: #d7191c; font-weight: 700; }
table.res td.st-undetermined { color: #6f6f6f; font-style: italic; }
.extra { color: #444; font-size: 12px; margin-top: 3px; }
details { font-size: 12px; color: #444; margin-top: 3px; }
details ul { margin: 2px 0; padding-left: 18px; }
.none { color: #666; }
footer { font-size: 11px; color: #666; padding: 14px 0 18px; }
.prov { font-family: ui-monospace, Menlo, Consolas, monospace; color: #444;
  overflow-wrap: anywhere; margin-bottom: 3px; }
""")

_SCRIPT = """
(function () {
  'use strict';
  var info = JSON.parse(document.getElementById('info').textContent);
  var tip = document.getElementById('tip');
  function niceKm(km) {
    var p = Math.pow(10, Math.floor(Math.log(km) / Math.LN10));
    var steps = [5, 2, 1];
    for (var i = 0; i < steps.length; i++) { if (steps[i] * p <= km) { return steps[i] * p; } }
    return p;
  }
  function add(parent, tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    parent.appendChild(node);
  }
  function setup(svg) {
    var vb = svg.getAttribute('viewBox').split(' ').map(Number);
    var home = vb.slice();
    var KM = Number(svg.getAttribute('data-km-per-unit'));
    var marks = svg.querySelectorAll('.mk');
    var wrap = svg.parentNode;
    var bar = wrap.querySelector('.scalebar');
    var label = wrap.querySelector('.scalelabel');
    function unitsPerPixel() {
      var m = svg.getScreenCTM();
      return m && m.a ? 1 / m.a : vb[2] / Math.max(svg.clientWidth, 1);
    }
    function redraw() {
      svg.setAttribute('viewBox', vb.join(' '));
      var u = unitsPerPixel();
      for (var i = 0; i < marks.length; i++) {
        var d = marks[i].dataset;
        marks[i].setAttribute('transform', 'translate(' + d.x + ' ' + d.y + ') scale(' + u + ')');
      }
      if (bar) {
        var kmPerPx = u * KM;
        var km = niceKm(kmPerPx * 110);
        bar.style.width = Math.round(km / kmPerPx) + 'px';
        label.textContent = (km >= 1 ? String(km) : km.toPrecision(1)) + ' km';
      }
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
    svg.addEventListener('mousedown', function (e) {
      drag = [e.clientX, e.clientY, vb[0], vb[1], unitsPerPixel()];
    });
    window.addEventListener('mouseup', function () { drag = null; });
    window.addEventListener('mousemove', function (e) {
      if (!drag) { return; }
      vb[0] = drag[2] - (e.clientX - drag[0]) * drag[4];
      vb[1] = drag[3] - (e.clientY - drag[1]) * drag[4];
      redraw();
    });
    window.addEventListener('resize', redraw);
    var box = wrap.parentNode;
    var reset = box ? box.querySelector('.reset') : null;
    if (reset) { reset.addEventListener('click', function () { vb = home.slice(); redraw(); }); }
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
  }
  var maps = document.querySelectorAll('svg.map');
  for (var i = 0; i < maps.length; i++) { setup(maps[i]); }
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
<div class="facts">$tally</div>
</header>
<ul class="summary">$summary</ul>
$sections
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
    "CLAIM_KIND_LABELS",
    "VERDICT_COLOURS",
    "claim_ident",
    "claim_shapes",
    "claim_words",
    "claims_html",
    "claims_summary",
    "record_position",
    "residual_rows",
    "tolerance_words",
    "write_claims_html",
]
