"""Where a spoofed aircraft really was: a path estimated between trusted positions.

Spoofing falsifies what the aircraft's GNSS receiver computes (position,
geometric altitude, ground speed, track) but not what its air data computer
and heading reference measure: barometric altitude, airspeeds and heading
stay true. For each spoofed interval (:func:`~skywitness.gnss.spoofing.spoof_intervals`)
:func:`estimate_true_paths` gives the best estimate of the true path, marked
as estimated, with a stated error at every point.

**Anchors** are trusted positions:

- an own (ADS-B) position on an airborne row that
  :func:`~skywitness.gnss.spoofing.spoof_states` judged
  and did not flag, *outside* the interval. Unflagged own rows inside an
  interval are not used: intervals merge flagged stretches across gaps up to
  two minutes, and what lies between may be a missed detection;
- an MLAT or TIS-B position anywhere, the interval included: they do not come
  from the aircraft's receiver.

The anchor before is the last trusted position before the interval, the
anchor after the first one after it; each must lie within
:data:`ANCHOR_MAX_GAP_S` of the interval with no on-ground report in between
(that would be another flight). An own position repeated unchanged over
consecutive reports is a held value, never an anchor: a receiver that freezes
at the onset of spoofing repeats its last solution, unflagged until a detector
notices that the aircraft flies on, and even the run's first report may be
seconds stale (in snapshots, by up to the 5 s between them).

**Between two anchors** (a *bridge*; MLAT positions inside an interval cut it
into several):

``air-data``      the air vector (true airspeed along heading) is integrated
                  from the first anchor (dead reckoning,
                  :func:`skywitness.track.reckon.reckon`, blended onto the
                  second anchor). What it misses is the wind; assumed
                  constant over the bridge, it is the residual between the
                  integrated position and the second anchor divided by the
                  time, so the path ends exactly on the second anchor. True
                  airspeed is the reported one, else from Mach, else from
                  IAS, in the ISA atmosphere at the pressure altitude (the
                  pressure is exact; the temperature off ISA by +-15 K makes
                  the TAS off by +-3 %, a bias the wind residual absorbs on a
                  straight leg; so does a magnetic heading's declination,
                  when the source gives no true heading). Air data is used
                  when it covers the bridge with no gap over
                  :data:`AIR_DATA_MAX_GAP_S`; otherwise:
``interpolated``  the great circle between the anchors at constant speed.

When the wind the residual implies is impossible (over :data:`MAX_WIND_KT`)
the anchors and the air data disagree, and the second anchor is the one
dropped: the bridge is extrapolated from the first (below). An interval's
end is where a detector stopped flagging, which can come before the false
positions stop (an aircraft still captured as it lands at the spoofer's
attractor no longer moves impossibly), while the anchor before precedes
every false position but a frozen one, which is never an anchor (above).
Without air data no such check exists.

**One anchor only** (the aircraft came spoofed or left spoofed):
``extrapolated`` from that anchor, forward to the interval's end or backward
to its start: the air vector plus the wind measured just outside the interval
(trusted ground velocity minus air vector, averaged over :data:`WIND_WINDOW_S`),
or, without air data, the last trusted ground velocity held.

A path's ``method`` is ``extrapolated`` if any part of it is, else the method
of the bridges that cover most of its time. Intervals with no anchor at all
have no path (there is nothing to start from).

**Error** (``error_km``) is a bound under stated assumptions, not a standard
deviation:

- anchors: :data:`OWN_ANCHOR_ERROR_KM`, :data:`INDEPENDENT_ANCHOR_ERROR_KM`,
  blended linearly along a bridge;
- air data: the air vector may depart from the bridge's mean by up to
  :data:`VELOCITY_ERROR_KT` (wind changing along the route, heading error).
  With the mean removed, the position error at fraction f of a bridge of T
  seconds is at most ``2 v T f (1 - f)``: zero at the anchors, largest midway;
- interpolated: the aircraft, at most :data:`SPEED_MARGIN` times faster than
  its anchors' ground speeds, lies in the lens where the discs it can reach
  from both anchors meet; the bound is the farthest point of the lens;
- extrapolated: ``v t`` after the anchor, with v :data:`VELOCITY_ERROR_KT` on
  air data; without air data v is the ground speed itself (an aircraft that
  turned by up to 60 degrees lies within the distance flown).

Barometric altitude comes from the reports (true while spoofed), linearly
interpolated to the path's times. Everything past the per-interval choice of
anchors is vectorised over all bridges at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.gnss.spoofing.detectors import INDEPENDENT_SOURCES
from skywitness.gnss.spoofing.intervals import SpoofInterval, spoof_intervals
from skywitness.model.atmosphere import cas_to_tas_kt, mach_to_tas_kt
from skywitness.model.geo import distance_m
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import MPS_PER_KT, NS_PER_S
from skywitness.track.reckon import ErrorModel, air_velocity, ground_velocity, reckon

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]

AIR_DATA = "air-data"
INTERPOLATED = "interpolated"
EXTRAPOLATED = "extrapolated"
METHODS = (AIR_DATA, INTERPOLATED, EXTRAPOLATED)

#: Default spacing of a path's points, s (the truth's true_path spacing too).
DEFAULT_STEP_S = 10.0
#: Integration step, at most, s: the output step is cut into equal sub-steps
#: no longer than this. Air data comes every 5 s in snapshots; a standard
#: rate turn (3 deg/s) turns 6 degrees in 2 s, a chord error of 0.05 %.
INTEGRATION_STEP_S = 2.0
#: An anchor farther than this from the interval is too old to start from,
#: s: half an hour is 400 km at cruise speed, beyond what the bounds describe usefully.
ANCHOR_MAX_GAP_S = 1800.0
#: Position error of an own trusted position, km: NACp >= 8 is EPU < 0.05 NM
#: (93 m), the performance mandates require (see spoofing.TRUSTED_NACP_MIN).
OWN_ANCHOR_ERROR_KM = 0.1
#: Position error of an MLAT or TIS-B position, km. Modelling choice: MLAT
#: errors run from tens of metres inside a receiver network to several hundred
#: at its edge; radar tracks (TIS-B) are of the same order.
INDEPENDENT_ANCHOR_ERROR_KM = 0.5
#: Air data (TAS and heading) is interpolated across gaps up to this, s;
#: longer gaps leave the bridge to interpolation. A standard-rate turn lasts
#: 30 s for 90 degrees: linear interpolation of the air vector over a longer
#: gap could miss a turn.
AIR_DATA_MAX_GAP_S = 30.0
#: Strongest wind a bridge may imply, kt: jet stream cores reach 200-250 kt.
#: A larger residual means a false anchor or bad air data: the bridge is
#: extrapolated from its first anchor instead.
MAX_WIND_KT = 250.0
#: How far the air vector may depart from its mean over a bridge, kt: wind
#: changes of 10-20 kt over a few hundred km are common at cruise levels, and
#: a heading 1 degree off at 450 kt TAS is 8 kt across. Sets ``error_km``.
VELOCITY_ERROR_KT = 20.0
#: Wind before (after) an interval, for extrapolation: the mean over this, s,
#: of trusted ground velocity minus air vector.
WIND_WINDOW_S = 300.0
#: Ground speed may exceed the anchors' by this factor between them
#: (acceleration, wind change); sets the interpolation bound.
SPEED_MARGIN = 1.2
#: Ground speed assumed when no anchor has one, kt: above any airliner's
#: cruise TAS plus a strong tail wind.
FALLBACK_GROUND_SPEED_KT = 650.0

_TWO, _EXTRA = 0, 1  # bridge kinds: between two anchors, from one anchor
#: Report columns read (any may be missing except icao24 and time).
_COLUMNS = (
    "icao24", "time", "lat", "lon", "alt_baro_ft", "gs_kt", "track_deg", "tas_kt", "mach",
    "ias_kt", "heading_deg", "on_ground", "source", "record_id",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class EstimatedPath:
    """The estimated true path of one spoofed interval (``start_ns``..``end_ns``).

    Points run from the anchor before to the anchor after (or the interval's
    edge when extrapolated), every ``step_s`` within each bridge and at every
    anchor. ``error_km``: the bound of the module docstring; ``anchor``: the
    point is a trusted position. ``alt_baro_ft`` is NaN where unknown.
    """

    icao24: str
    callsign: str | None
    start_ns: int
    end_ns: int
    method: str
    time_ns: Int
    lat: Float
    lon: Float
    alt_baro_ft: Float
    error_km: Float
    anchor: Bool = field(repr=False)

    def __post_init__(self) -> None:
        # A frozen record: its arrays are read-only views too.
        for name in ("time_ns", "lat", "lon", "alt_baro_ft", "error_km", "anchor"):
            view = np.asarray(getattr(self, name)).view()
            view.flags.writeable = False
            object.__setattr__(self, name, view)

    @property
    def error_km_max(self) -> float:
        return float(self.error_km.max()) if len(self.error_km) else 0.0


# -- air data ----------------------------------------------------------------------------


def true_airspeed_kt(tas_kt: Float, mach: Float, ias_kt: Float, alt_baro_ft: Float) -> Float:
    """TAS as reported, else from Mach, else from IAS (taken as CAS), in the ISA
    atmosphere at the pressure altitude; NaN when none is known."""
    out = np.array(tas_kt, np.float64)
    todo = ~np.isfinite(out)
    if not todo.any():
        return out
    h = np.asarray(alt_baro_ft, np.float64)[todo]
    mach, ias_kt = np.asarray(mach, np.float64)[todo], np.asarray(ias_kt, np.float64)[todo]
    with np.errstate(invalid="ignore", over="ignore"):
        from_mach = mach_to_tas_kt(mach, h)
        out[todo] = np.where(np.isfinite(from_mach), from_mach, cas_to_tas_kt(ias_kt, h))
    return out


# -- rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """The reports of the intervals' aircraft, sorted by (aircraft, time)."""

    code: Int
    t: Int
    lat: Float
    lon: Float
    alt: Float
    ground: Bool
    independent: Bool
    anchor: Bool  # a trusted position
    vel_e: Float  # trusted ground velocity, m/s (NaN when not trusted or absent)
    vel_n: Float
    air_e: Float  # air vector, m/s (NaN when unknown)
    air_n: Float
    lo: Int  # per aircraft code: first row, one past the last
    hi: Int


def _floats(table: pa.Table, name: str) -> Float:
    if name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    column = table[name].combine_chunks().cast(pa.float64())
    return np.asarray(column.to_numpy(zero_copy_only=False), np.float64)


def _bools(values: Any, fill: bool) -> Bool:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return np.asarray(pc.fill_null(values, fill).to_numpy(zero_copy_only=False), np.bool_)


def _spoof_flags(reports: pa.Table, states: pa.Table) -> tuple[Bool, Bool]:
    """Per report row: judged (a row of the states) and flagged spoofed.

    Rows are matched on record_id when both tables have it, else on (icao24, time).
    """
    both = "record_id" in reports.column_names and "record_id" in states.column_names
    keys = ["record_id"] if both else ["icao24", "time"]
    for name in (*keys, "spoofed"):
        if name not in states.column_names:
            raise UsageError(f"spoofing states lack the column {name!r} (use spoof_states)")
    n = reports.num_rows
    if both:
        rid = np.asarray(states["record_id"].to_numpy(zero_copy_only=False), np.int64)
        flag = _bools(states["spoofed"], False)
        order = np.argsort(rid, kind="stable")
        rid, flag = rid[order], flag[order]
        wanted = np.asarray(reports["record_id"].to_numpy(zero_copy_only=False), np.int64)
        if not rid.shape[0]:
            return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        by_id = np.argsort(wanted, kind="stable")  # sorted queries search fast
        at = np.empty(n, dtype=np.int64)
        at[by_id] = np.searchsorted(rid, wanted[by_id])
        at = np.minimum(at, rid.shape[0] - 1)
        found = rid[at] == wanted
        return found, found & flag[at]
    right = states.select([*keys, "spoofed"]).group_by(keys).aggregate([("spoofed", "any")])
    left = reports.select(keys).append_column("_row", pa.array(np.arange(n, dtype=np.int64)))
    joined = left.join(right, keys, join_type="left outer")
    rows = np.asarray(joined["_row"].to_numpy(), np.int64)
    flag = joined["spoofed_any"]
    judged = np.zeros(n, dtype=bool)
    spoofed = np.zeros(n, dtype=bool)
    judged[rows] = _bools(pc.is_valid(flag), False)
    spoofed[rows] = _bools(flag, False)
    return judged, spoofed


def _rows(reports: pa.Table, states: pa.Table, names: list[str]) -> _Rows:
    value_set = pa.array(names, pa.string())
    # Only the columns used, in one chunk: filtering a table of many chunks (one per
    # snapshot file) costs per chunk and column.
    reports = reports.select([c for c in _COLUMNS if c in reports.column_names])
    reports = reports.combine_chunks()
    reports = reports.filter(pc.is_in(reports["icao24"].cast(pa.string()), value_set=value_set))
    keep = [c for c in ("icao24", "time", "record_id", "spoofed") if c in states.column_names]
    states = states.select(keep).combine_chunks()
    states = states.filter(pc.is_in(states["icao24"].cast(pa.string()), value_set=value_set))
    judged, spoofed = _spoof_flags(reports, states)
    code = np.asarray(
        pc.index_in(reports["icao24"].cast(pa.string()), value_set=value_set).to_numpy(),
        np.int64,
    )
    t = np.asarray(reports["time"].cast(pa.int64()).to_numpy(), np.int64)
    order = np.lexsort((t, code))
    code, t, judged, spoofed = code[order], t[order], judged[order], spoofed[order]

    def col(name: str) -> Float:
        return _floats(reports, name)[order]

    lat, lon, alt = col("lat"), col("lon"), col("alt_baro_ft")
    n = t.shape[0]
    ground = np.zeros(n, dtype=bool)
    if "on_ground" in reports.column_names:
        ground = _bools(reports["on_ground"], False)[order]
    independent = np.zeros(n, dtype=bool)
    if "source" in reports.column_names:
        source = reports["source"].cast(pa.string())
        independent = _bools(pc.is_in(source, pa.array(INDEPENDENT_SOURCES)), False)[order]
    has_pos = np.isfinite(lat) & np.isfinite(lon)
    trusted = ~ground & (independent | (judged & ~spoofed))
    # Held positions: an own position repeated over consecutive reports of the aircraft.
    own = np.flatnonzero(has_pos & ~independent)
    same = (
        (code[own[1:]] == code[own[:-1]])
        & (lat[own[1:]] == lat[own[:-1]])
        & (lon[own[1:]] == lon[own[:-1]])
    )
    held = np.zeros(n, dtype=bool)
    held[own[1:][same]] = True
    held[own[:-1][same]] = True
    anchor = has_pos & trusted & ~held
    gs, track = col("gs_kt"), col("track_deg")
    vel_n, vel_e = ground_velocity(gs, track)
    vel_ok = trusted & np.isfinite(gs) & np.isfinite(track)
    tas = true_airspeed_kt(col("tas_kt"), col("mach"), col("ias_kt"), alt)
    heading = col("heading_deg")
    air_n, air_e = air_velocity(tas, heading)
    air_ok = ~ground & np.isfinite(tas) & np.isfinite(heading)
    codes = np.arange(len(names))
    return _Rows(
        code=code,
        t=t,
        lat=lat,
        lon=lon,
        alt=alt,
        ground=ground,
        independent=independent,
        anchor=anchor,
        vel_e=np.where(vel_ok, vel_e, np.nan),
        vel_n=np.where(vel_ok, vel_n, np.nan),
        air_e=np.where(air_ok, air_e, np.nan),
        air_n=np.where(air_ok, air_n, np.nan),
        lo=np.searchsorted(code, codes, "left").astype(np.int64),
        hi=np.searchsorted(code, codes, "right").astype(np.int64),
    )


# -- great circles -----------------------------------------------------------------------


def _slerp(lat1: Float, lon1: Float, lat2: Float, lon2: Float, f: Float) -> tuple[Float, Float]:
    """The point at fraction ``f`` of the great circle arc from point 1 to point 2."""
    p1, l1, p2, l2 = (np.radians(np.asarray(v, np.float64)) for v in (lat1, lon1, lat2, lon2))
    x1, y1, z1 = np.cos(p1) * np.cos(l1), np.cos(p1) * np.sin(l1), np.sin(p1)
    x2, y2, z2 = np.cos(p2) * np.cos(l2), np.cos(p2) * np.sin(l2), np.sin(p2)
    omega = np.arccos(np.clip(x1 * x2 + y1 * y2 + z1 * z2, -1.0, 1.0))
    s = np.sin(omega)
    small = s < 1e-12
    safe = np.where(small, 1.0, s)
    a = np.where(small, 1.0 - f, np.sin((1.0 - f) * omega) / safe)
    b = np.where(small, f, np.sin(f * omega) / safe)
    x, y, z = a * x1 + b * x2, a * y1 + b * y2, a * z1 + b * z2
    return np.degrees(np.arctan2(z, np.hypot(x, y))), np.degrees(np.arctan2(y, x))


def interpolate_great_circle(
    time_ns: Int, lat: Float, lon: Float, at_ns: Int
) -> tuple[Float, Float]:
    """Positions at ``at_ns`` on the great circle arcs through the points (sorted by
    time) at constant speed on each arc; NaN outside the points' time span."""
    time_ns, at_ns = np.asarray(time_ns, np.int64), np.asarray(at_ns, np.int64)
    out = np.full(at_ns.shape[0], np.nan), np.full(at_ns.shape[0], np.nan)
    if time_ns.shape[0] == 0:
        return out
    inside = (at_ns >= time_ns[0]) & (at_ns <= time_ns[-1])
    q = at_ns[inside]
    right = np.clip(np.searchsorted(time_ns, q, "left"), 1, max(time_ns.shape[0] - 1, 1))
    left = right - 1
    if time_ns.shape[0] == 1:
        right = left = np.zeros_like(q)
    dt = (time_ns[right] - time_ns[left]).astype(np.float64)
    f = np.where(dt > 0, (q - time_ns[left]) / np.where(dt > 0, dt, 1.0), 0.0)
    la, lo = _slerp(lat[left], lon[left], lat[right], lon[right], f)
    out[0][inside], out[1][inside] = la, lo
    return out


def _wrap(lon: Float) -> Float:
    return np.asarray((np.asarray(lon) + 180.0) % 360.0 - 180.0)


# -- anchors and bridges -----------------------------------------------------------------


def _anchors(
    rows: _Rows, iv: SpoofInterval, c: int, trusted: Int, ground_before: Int
) -> tuple[list[int], bool, bool]:
    """Rows of the interval's anchors in time order; whether one is before, one after."""
    lo, hi = int(rows.lo[c]), int(rows.hi[c])
    t = rows.t[lo:hi]
    i0 = lo + int(np.searchsorted(t, iv.start_ns, "left"))
    i1 = lo + int(np.searchsorted(t, iv.end_ns, "right"))
    a, b = int(np.searchsorted(trusted, i0)), int(np.searchsorted(trusted, i1))
    max_gap = int(ANCHOR_MAX_GAP_S * NS_PER_S)
    out: list[int] = []
    before = after = False
    if a > 0:
        r = int(trusted[a - 1])
        before = (
            r >= lo
            and ground_before[i0] == ground_before[r]
            and iv.start_ns - int(rows.t[r]) <= max_gap
        )
        if before:
            out.append(r)
    inside = trusted[a:b]
    out.extend(inside[rows.independent[inside]].tolist())
    if b < trusted.shape[0]:
        r = int(trusted[b])
        after = (
            r < hi
            and ground_before[r] == ground_before[i1]
            and int(rows.t[r]) - iv.end_ns <= max_gap
        )
        if after:
            out.append(r)
    return out, before, after


def _outside(rows: _Rows, c: int, r: int, forward: bool) -> tuple[float, float, float, float]:
    """(wind east, north, ground velocity east, north), m/s, from the trusted rows within
    WIND_WINDOW_S of anchor ``r`` on the side away from the extrapolation; NaN if none."""
    lo, hi = int(rows.lo[c]), int(rows.hi[c])
    ta, w = int(rows.t[r]), int(WIND_WINDOW_S * NS_PER_S)
    t = rows.t[lo:hi]
    if forward:
        j0, j1 = np.searchsorted(t, ta - w, "left"), np.searchsorted(t, ta, "right")
    else:
        j0, j1 = np.searchsorted(t, ta, "left"), np.searchsorted(t, ta + w, "right")
    s = slice(lo + int(j0), lo + int(j1))
    ve, vn, ae, an = rows.vel_e[s], rows.vel_n[s], rows.air_e[s], rows.air_n[s]
    both = np.isfinite(ve) & np.isfinite(ae)
    we = float(np.mean(ve[both] - ae[both])) if both.any() else math.nan
    wn = float(np.mean(vn[both] - an[both])) if both.any() else math.nan
    known = np.flatnonzero(np.isfinite(ve))
    if not known.shape[0]:
        return we, wn, math.nan, math.nan
    k = known[np.argmin(np.abs(rows.t[s][known] - ta))]
    return we, wn, float(ve[k]), float(vn[k])


_BRIDGE_FIELDS = (
    "path", "kind", "code", "t_from", "t_to", "lat_from", "lon_from", "err_from",
    "lat_to", "lon_to", "err_to", "speed", "wind_e", "wind_n", "vel_e", "vel_n",
)  # fmt: skip


def _bridges(
    rows: _Rows, intervals: Sequence[SpoofInterval], code_of: dict[str, int]
) -> dict[str, NDArray[Any]]:
    """Every bridge of every interval, as parallel arrays (see _BRIDGE_FIELDS)."""
    out: dict[str, list[Any]] = {k: [] for k in _BRIDGE_FIELDS}
    trusted = np.flatnonzero(rows.anchor)
    ground_before = np.r_[0, np.cumsum(rows.ground)]
    err = np.where(rows.independent, INDEPENDENT_ANCHOR_ERROR_KM, OWN_ANCHOR_ERROR_KM)
    speed = np.hypot(rows.vel_e, rows.vel_n)

    def add(k: int, kind: int, c: int, ra: int, rb: int | None, t_to: int, wind: Any) -> None:
        ta = int(rows.t[ra])
        if t_to == ta:
            return
        rb_ = ra if rb is None else rb
        pair = speed[[ra, rb_]]
        spd = float(pair[np.isfinite(pair)].max()) if np.isfinite(pair).any() else math.nan
        values = (
            k, kind, c, ta, t_to, rows.lat[ra], rows.lon[ra], err[ra],
            rows.lat[rb_], rows.lon[rb_], err[rb_], spd, *wind,
        )  # fmt: skip
        for name, v in zip(_BRIDGE_FIELDS, values, strict=True):
            out[name].append(v)

    for k, iv in enumerate(intervals):
        c = code_of[iv.icao24]
        anchors, before, after = _anchors(rows, iv, c, trusted, ground_before)
        if not anchors:
            continue
        first, last = anchors[0], anchors[-1]
        if not before and int(rows.t[first]) > iv.start_ns:
            add(k, _EXTRA, c, first, None, iv.start_ns, _outside(rows, c, first, forward=False))
        for ra, rb in pairwise(anchors):
            if rows.t[rb] > rows.t[ra]:
                add(k, _TWO, c, ra, rb, int(rows.t[rb]), _outside(rows, c, ra, forward=True))
        if not after and int(rows.t[last]) < iv.end_ns:
            add(k, _EXTRA, c, last, None, iv.end_ns, _outside(rows, c, last, forward=True))
    ints = {"path", "kind", "code", "t_from", "t_to"}
    return {
        name: np.asarray(v, np.int64 if name in ints else np.float64) for name, v in out.items()
    }


# -- the vectorised kernel ---------------------------------------------------------------


def _grouped_interp(
    code_s: Int, t_s: Int, values: Sequence[Float], code_q: Int, t_q: Int
) -> tuple[list[Float], Float]:
    """Each query's values interpolated linearly between the samples of its own group
    (``code``; samples sorted by code then time), held beyond the group's ends; and
    the gap the query falls in, s (twice the distance to the end sample beyond the
    ends, inf in a group without samples)."""
    n = t_s.shape[0]
    if n == 0:
        return [np.full(t_q.shape[0], np.nan) for _ in values], np.full(t_q.shape[0], np.inf)
    base = min(int(t_s.min()), int(t_q.min()))
    ts, tq = (t_s - base) / NS_PER_S, (t_q - base) / NS_PER_S
    span = max(float(ts.max()), float(tq.max())) + 1.0
    groups = np.arange(max(int(code_s.max()), int(code_q.max())) + 1)
    g_lo, g_hi = np.searchsorted(code_s, groups, "left"), np.searchsorted(code_s, groups, "right")
    right = np.searchsorted(code_s * span + ts, code_q * span + tq, "right")
    left = right - 1
    has_l, has_r = left >= g_lo[code_q], right < g_hi[code_q]
    left, right = np.clip(left, 0, n - 1), np.clip(right, 0, n - 1)
    tl, tr = ts[left], ts[right]
    both = has_l & has_r
    w = np.where(both, (tq - tl) / np.where(both, tr - tl, 1.0), 0.0)
    left = np.where(has_l, left, right)
    gap = np.where(both, tr - tl, np.where(has_l, 2 * (tq - tl), 2 * (tr - tq)))
    none = ~has_l & ~has_r
    gap[none] = np.inf
    out = []
    for v in values:
        x = v[left] + w * (v[right] - v[left])
        x[none] = np.nan
        out.append(np.asarray(x))
    return out, np.asarray(gap)


def _lens_bound_m(chord_m: Float, r1: Float, r2: Float, f: Float) -> Float:
    """Farthest point from the point at fraction ``f`` of the chord, within both the
    disc of radius r1 around its start and r2 around its end, m."""
    d = np.maximum(chord_m, 1.0)
    x = (r1**2 - r2**2 + d**2) / (2 * d)
    y = np.sqrt(np.maximum(r1**2 - x**2, 0.0))
    far = np.maximum.reduce([np.hypot(x - f * d, y), r1 - f * d, r2 - (1 - f) * d])
    return np.asarray(np.minimum(far, np.minimum(r1 + f * d, r2 + (1 - f) * d)))


@dataclass(frozen=True)
class _Grid:
    """The integration points of every bridge, concatenated."""

    bi: Int  # bridge of each point
    starts: Int  # each bridge's first point
    ends: Int  # each bridge's last point
    t: Int  # time, ns
    f: Float  # fraction of the bridge's time elapsed from its first anchor


def _reckon(
    br: dict[str, NDArray[Any]],
    g: _Grid,
    ve: Float,
    vn: Float,
    fit: Bool,
    speed_error_mps: Float,
    track_error_deg: Float,
) -> tuple[Float, Float, Float, Float]:
    """Every bridge dead-reckoned from its first anchor at velocity (ve, vn) m/s
    (:func:`skywitness.track.reckon.reckon`, trapezoid rule on the grid); ``fit``
    bridges bent onto their second anchor by a constant wind. Latitude and longitude,
    the error bound (km) of each point under the given per-point error model, and the
    wind each bridge implies (m/s, 0 when not fitted)."""
    n = g.t.shape[0]
    j = np.arange(n) - g.starts[g.bi]
    # The kernel wants each bridge in time order: bridges reckoned backwards are reversed.
    backward = (br["t_to"] < br["t_from"])[g.bi]
    pos = np.where(backward, g.ends[g.bi] - j, np.arange(n))
    ordered = np.empty(n, np.int64)
    ordered[pos] = np.arange(n)

    lat, lon, err = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
    first = pos[g.starts]
    lat[first], lon[first], err[first] = br["lat_from"], br["lon_from"], br["err_from"] * 1000.0
    end = g.ends[fit]
    lat[end], lon[end], err[end] = br["lat_to"][fit], br["lon_to"][fit], br["err_to"][fit] * 1000.0
    starts = np.zeros(n, dtype=bool)
    starts[g.starts] = True
    out = reckon(
        g.t[ordered], vn[ordered], ve[ordered], lat, lon, starts=starts,
        anchor_error_m=err, direction="blend", hold="mean", max_s=math.inf,
        errors=ErrorModel(speed_error_mps[ordered], track_error_deg[ordered]),
    )  # fmt: skip
    wind = np.where(
        fit, np.hypot(out.correction_north_mps[g.ends], out.correction_east_mps[g.ends]), 0.0
    )
    return out.lat[pos], out.lon[pos], out.error_m[pos] / 1000.0, wind


def _trace(rows: _Rows, br: dict[str, NDArray[Any]], step_s: float) -> dict[str, NDArray[Any]]:
    """Integrate every bridge; the output points (``path``, ``code``, ``t``, ``lat``,
    ``lon``, ``err``, ``anchor``), each bridge's method (``method``: index in METHODS,
    -1 when it could not be drawn) and duration (``span_s``)."""
    kind, t_from, t_to = br["kind"], br["t_from"], br["t_to"]
    two = kind == _TWO
    span_ns = np.abs(t_to - t_from)
    span_s = span_ns / NS_PER_S
    sign = np.where(t_to >= t_from, 1, -1)
    step_ns = step_s * NS_PER_S
    m = max(1, math.ceil(step_s / INTEGRATION_STEP_S))
    last_j = np.ceil(span_ns / step_ns).astype(np.int64) * m
    counts = last_j + 1
    starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
    bi = np.repeat(np.arange(kind.shape[0]), counts)
    j = np.arange(int(counts.sum()), dtype=np.int64) - starts[bi]
    offset = np.minimum(np.round(j * (step_ns / m)).astype(np.int64), span_ns[bi])
    tq = t_from[bi] + sign[bi] * offset
    g = _Grid(bi=bi, starts=starts, ends=starts + last_j, t=tq, f=offset / span_ns[bi])

    air = np.isfinite(rows.air_e)
    (ae, an), gap = _grouped_interp(
        rows.code[air], rows.t[air], (rows.air_e[air], rows.air_n[air]), br["code"][bi], tq
    )
    covered = np.maximum.reduceat(gap, starts) <= AIR_DATA_MAX_GAP_S
    by_air = two & covered
    air_wind = ~two & covered & np.isfinite(br["wind_e"])
    held = ~two & ~air_wind & np.isfinite(br["vel_e"])
    v_err = VELOCITY_ERROR_KT * MPS_PER_KT

    def reckoned() -> tuple[Float, Float, Float, Float]:
        aw, hp = air_wind[bi], held[bi]
        moving = (by_air | air_wind | held)[bi]
        ve = np.where(hp, br["vel_e"][bi], ae + np.where(aw, br["wind_e"][bi], 0.0))
        vn = np.where(hp, br["vel_n"][bi], an + np.where(aw, br["wind_n"][bi], 0.0))
        # Error (module docstring): air data departs from its mean by up to v_err; a
        # held ground velocity may have turned, so its whole speed is the error rate.
        speed_error = np.where(hp, 0.0, v_err)
        track_error = np.where(hp, 90.0, 0.0)
        return _reckon(
            br, g, np.where(moving, ve, 0.0), np.where(moving, vn, 0.0), by_air,
            speed_error, track_error,
        )  # fmt: skip

    lat, lon, err, wind = reckoned()
    slack = (br["err_from"] + br["err_to"]) * 1000.0 / span_s
    impossible = by_air & (wind > MAX_WIND_KT * MPS_PER_KT + slack)
    if impossible.any():
        # The anchors disagree with the air data beyond any wind: draw from the
        # first anchor on, as if the second did not exist (see the module docstring).
        by_air &= ~impossible
        air_wind |= impossible & np.isfinite(br["wind_e"])
        held |= impossible & ~air_wind & np.isfinite(br["vel_e"])
        lat, lon, err, _ = reckoned()
    extrapolated = air_wind | held
    interpolated = two & ~by_air & ~extrapolated
    gc, bj = interpolated[bi], bi[interpolated[bi]]
    lat[gc], lon[gc] = _slerp(
        br["lat_from"][bj], br["lon_from"][bj], br["lat_to"][bj], br["lon_to"][bj], g.f[gc]
    )
    lon = _wrap(lon)

    f = g.f
    elapsed = f * span_s[bi]
    chord = distance_m(br["lat_from"], br["lon_from"], br["lat_to"], br["lon_to"])
    speed = np.where(np.isfinite(br["speed"]), br["speed"], FALLBACK_GROUND_SPEED_KT * MPS_PER_KT)
    speed = SPEED_MARGIN * np.maximum(speed, chord / span_s)
    err[gc] = (
        _lens_bound_m(
            chord[bj],
            speed[bj] * elapsed[gc] + br["err_from"][bj] * 1000.0,
            speed[bj] * (span_s[bj] - elapsed[gc]) + br["err_to"][bj] * 1000.0,
            f[gc],
        )
        / 1000.0
    )

    method = np.full(kind.shape[0], -1, np.int64)
    method[by_air] = METHODS.index(AIR_DATA)
    method[interpolated] = METHODS.index(INTERPOLATED)
    method[extrapolated] = METHODS.index(EXTRAPOLATED)
    keep = (((j % m == 0) & (offset < span_ns[bi])) | (j == last_j[bi])) & (method[bi] >= 0)
    anchor = (offset == 0) | ((by_air | interpolated)[bi] & (offset == span_ns[bi]))
    return {
        "path": br["path"][bi][keep],
        "code": br["code"][bi][keep],
        "t": tq[keep],
        "lat": lat[keep],
        "lon": lon[keep],
        "err": err[keep],
        "anchor": anchor[keep],
        "method": method,
        "span_s": span_s,
    }


# -- the estimate ------------------------------------------------------------------------


def estimate_true_paths(
    reports: pa.Table,
    states: pa.Table,
    intervals: Sequence[SpoofInterval] | None = None,
    *,
    step_s: float = DEFAULT_STEP_S,
) -> list[EstimatedPath]:
    """The estimated true path of each spoofed interval; see the module docstring.

    ``states`` is :func:`~skywitness.gnss.spoofing.spoof_states` of ``reports``
    (it says which positions are trusted); ``intervals`` default to
    :func:`~skywitness.gnss.spoofing.spoof_intervals` of the states. One path per
    interval that has an anchor, in the intervals' order.
    """
    if not (isinstance(step_s, int | float) and math.isfinite(step_s) and step_s > 0):
        raise UsageError(f"step_s must be a positive number of seconds, got {step_s!r}")
    if intervals is None:
        intervals = spoof_intervals(states)
    if not intervals or reports.num_rows == 0:
        return []
    for name in ("icao24", "time"):
        if name not in reports.column_names:
            raise UsageError(f"reports lack the column {name!r}")
    names = sorted({iv.icao24 for iv in intervals})
    code_of = {name: i for i, name in enumerate(names)}
    rows = _rows(reports, states, names)
    br = _bridges(rows, intervals, code_of)
    if not br["path"].shape[0]:
        return []
    pts = _trace(rows, br, float(step_s))
    order = np.lexsort((pts["t"], pts["path"]))
    pts = {k: (v[order] if k not in ("method", "span_s") else v) for k, v in pts.items()}
    dup = np.zeros(order.shape[0], dtype=bool)
    dup[1:] = (pts["path"][1:] == pts["path"][:-1]) & (pts["t"][1:] == pts["t"][:-1])
    pts = {k: (v[~dup] if k not in ("method", "span_s") else v) for k, v in pts.items()}
    alt_ok = np.isfinite(rows.alt) & ~rows.ground
    (alt,), _ = _grouped_interp(
        rows.code[alt_ok], rows.t[alt_ok], (rows.alt[alt_ok],), pts["code"], pts["t"]
    )
    method = _path_methods(br, pts["method"], pts["span_s"], len(intervals))
    found, first = np.unique(pts["path"], return_index=True)
    bounds = np.r_[first, pts["path"].shape[0]]
    out = []
    for k, a, b in zip(found.tolist(), bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        iv = intervals[k]
        out.append(
            EstimatedPath(
                icao24=iv.icao24,
                callsign=iv.callsign,
                start_ns=iv.start_ns,
                end_ns=iv.end_ns,
                method=method[k],
                time_ns=pts["t"][a:b],
                lat=pts["lat"][a:b],
                lon=pts["lon"][a:b],
                alt_baro_ft=alt[a:b],
                error_km=pts["err"][a:b],
                anchor=pts["anchor"][a:b],
            )
        )
    return out


def _path_methods(
    br: dict[str, NDArray[Any]], method: Int, span_s: Float, n_paths: int
) -> list[str]:
    """Per path: extrapolated if any bridge is, else the method covering most time."""
    time_by = np.zeros((n_paths, len(METHODS)))
    drawn = method >= 0
    np.add.at(time_by, (br["path"][drawn], method[drawn]), span_s[drawn])
    extra = METHODS.index(EXTRAPOLATED)
    best = np.where(time_by[:, extra] > 0, extra, np.argmax(time_by[:, :extra], axis=1))
    return [METHODS[i] for i in best.tolist()]


# -- GeoJSON -----------------------------------------------------------------------------


def path_feature(path: EstimatedPath, *, ndigits: int = 5) -> dict[str, Any]:
    """The path as a GeoJSON Feature (RFC 7946), marked ``estimated``.

    A LineString of [lon, lat], or a MultiLineString cut at the antimeridian
    when the path crosses it (RFC 7946 section 3.1.9). Properties: kind
    (``estimated_path``), icao24, callsign, start and end of the spoofed
    interval, path_start and path_end, method, estimated (true), error_km_max.
    """
    lat, lon = np.asarray(path.lat, np.float64), np.asarray(path.lon, np.float64)
    parts: list[list[list[float]]] = [[]]
    for i in range(lat.shape[0]):
        if i and abs(lon[i] - lon[i - 1]) > 180.0:
            east = lon[i - 1] > 0  # crossing eastwards, from +180 to -180
            step = (lon[i] + (360.0 if east else -360.0)) - lon[i - 1]
            edge = 180.0 if east else -180.0
            frac = (edge - lon[i - 1]) / step if step else 0.0
            cross = round(float(lat[i - 1] + frac * (lat[i] - lat[i - 1])), ndigits)
            parts[-1].append([edge, cross])
            parts.append([[-edge, cross]])
        parts[-1].append([round(float(lon[i]), ndigits), round(float(lat[i]), ndigits)])
    geometry: dict[str, Any] = (
        {"type": "LineString", "coordinates": parts[0]}
        if len(parts) == 1
        else {"type": "MultiLineString", "coordinates": parts}
    )
    properties = {
        "kind": "estimated_path",
        "icao24": path.icao24,
        "callsign": path.callsign,
        "start": iso_utc(path.start_ns),
        "end": iso_utc(path.end_ns),
        "path_start": iso_utc(int(path.time_ns[0])) if len(path.time_ns) else None,
        "path_end": iso_utc(int(path.time_ns[-1])) if len(path.time_ns) else None,
        "method": path.method,
        "estimated": True,
        "error_km_max": round(path.error_km_max, 3),
    }
    return {"type": "Feature", "geometry": geometry, "properties": properties}


__all__ = [
    "AIR_DATA",
    "EXTRAPOLATED",
    "INTERPOLATED",
    "METHODS",
    "EstimatedPath",
    "estimate_true_paths",
    "interpolate_great_circle",
    "path_feature",
    "true_airspeed_kt",
]
