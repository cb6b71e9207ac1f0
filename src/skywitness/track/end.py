"""How one flight ended, whether it diverted, and when a sudden failure began.

**End** (:func:`flight_end`, an :class:`End`):

``landed``   the record ends on the ground after flight: the touchdown is the
             first report of the last stretch on the ground.
``crashed``  the record ends airborne, descending at :data:`CRASH_MIN_SINK_FPM`
             or faster with the ground at most :data:`CRASH_MAX_TIME_TO_GROUND_S`
             away at that rate, away from any airport, or near one with signs
             of distress in the flight (``distress``: an emergency squawk or
             status, an altitude oscillation, an autopilot lost outside a
             landing). Near an airport without them it is ``lost``, with the
             fast descent in its reason: firefighting and other tactical
             aircraft descend into their bases that fast and leave coverage
             (traffic's ``firefighting/calfire`` sample: 18 such ends). The
             impact point is the last state (position, or the reconstructed
             path's last point; ground speed, track, altitude and vertical rate
             over the last :data:`LAST_STATE_S`) flown on until the altitude
             reaches the ground.
``lost``     the record ends airborne otherwise (out of coverage): the last
             known state; ``airport`` is the one below it when it was low
             near one (a landing not seen).

**The ground.** Terrain is not known here: the ground is the elevation of the
airport within the flights' ``AIRPORT_MAX_DISTANCE_M`` of the last position,
else the flight's own reference (:attr:`Phases.ground_alt_ft`, where known),
else sea level; :attr:`End.ground` says which. Heights are pressure altitude
minus that elevation, so they carry the difference between the day's
pressure and the standard one (:data:`HEIGHT_ERROR_FT`).

**Error** of an impact point (``error_km``, a 95 % bound): the last position's
error, plus :data:`EXTRAPOLATION_REL_ERROR` of the distance flown on, plus
the distance flown in the time the height's error takes at that rate. It
grows with the extrapolated time and with the last position's error.

**Diversion** (:func:`diversion`): the evident destination is the airport of the
flight's last approaches (``approach`` events, else the phases' go-arounds,
located on the reconstructed path); the new one is where the flight ended.
They differ, lie farther apart than ``AIRPORT_MAX_DISTANCE_M``, and the new one
is not the origin (a return to base: calibration and training flights fly
approaches elsewhere and go home), and the flight shows trouble
(:data:`TROUBLE_KINDS`, or an emergency squawk, or a crash): without a
flight plan the evident destination is a guess, and training, firefighting
and survey flights fly approaches at one field and land at another as a
matter of routine (traffic's ``calfire`` and ``tour_de_france`` samples). Its time is when the track first turned
towards the new airport and stayed so for :data:`DIVERSION_MIN_S`.

**Failure** (:func:`failure`): from the events given, the earliest of a chain of
evidence (each within :data:`FAILURE_LINK_S` of the next) that leads to strong
evidence: an emergency squawk or status, an oscillation, a crash. An
autopilot disconnection followed by a landing within
:data:`AUTOPILOT_LANDING_S` or re-engaged within :data:`AUTOPILOT_REENGAGE_S`
is normal and no evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.geo import bearing_deg, destination, distance_m
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import MPS_PER_KT, NS_PER_S
from skywitness.track.envelope import BadValues, Series, flag_bad_values
from skywitness.track.events import Event
from skywitness.track.flights import (
    AIRPORT_MAX_DISTANCE_M,
    AIRPORT_MAX_HEIGHT_FT,
    Airport,
    AirportIndex,
    airports,
)
from skywitness.track.gaps import Reconstruction
from skywitness.track.phases import Phases

Float = NDArray[np.float64]
Bool = NDArray[np.bool_]

#: Ends of a flight.
END_KINDS = ("landed", "crashed", "lost")

#: The last state is read over this long before the last report, s: the altitude as
#: a straight-line fit (a rolling median lags a steep descent by half its window),
#: the ground speed as the median (modelling choice: 30 s holds several of
#: readsb's trace points and a few FR24 ones).
LAST_STATE_S = 30.0
#: A descent this fast or faster ends in a crash when the record stops near the
#: ground, ft/min: above the 1,000 ft/min of a stabilised approach (Flight Safety
#: Foundation ALAR toolkit, briefing note 7.1) and the ~1,300 ft/min of the
#: steepest approved approaches (5.5 degrees at London City at 140 kt).
CRASH_MIN_SINK_FPM = 1500.0
#: ... with the ground at most this long away at that rate, s: at 1,500 ft/min
#: that is 1,500 ft, the height of the stabilised-approach gate plus its margin
#: (the FSF gate is 1,000 ft; below it only an unstabilised or uncontrolled
#: aircraft sinks that fast); farther from the ground, a record cut by coverage
#: says too little (modelling choice).
CRASH_MAX_TIME_TO_GROUND_S = 60.0
#: 95 % error of a height above an airport's elevation from pressure altitude, ft:
#: sea-level pressure varies with a standard deviation of about 10 hPa, two of
#: which are about 540 ft at 27 ft/hPa (modelling choice, rounded up).
HEIGHT_ERROR_FT = 600.0
#: Share of the distance flown on from the last state added to the error: the track
#: may change over the extrapolated seconds (at 30 degrees of bank and 150 kt a
#: turn takes 4 degrees/s; modelling choice).
EXTRAPOLATION_REL_ERROR = 0.5
#: Error of a position when the reconstruction gives none, km (modelling choice:
#: NACp 8's 0.05 NM rounded up, as gaps.DEFAULT_POSITION_ERROR_M).
DEFAULT_ERROR_KM = 0.1
#: The track points at the new airport within this many degrees (modelling choice:
#: wind drift up to about 20 degrees plus routing via waypoints).
DIVERSION_TRACK_TOL_DEG = 30.0
#: ... for at least this long, s (modelling choice: longer than an orbit's leg
#: towards any direction: a 10-km orbit at 250 kt takes 8.7 min, a sixth of
#: which points within +-30 degrees of a direction).
DIVERSION_MIN_S = 300.0
#: Events that make a change of airport a diversion (module docstring).
TROUBLE_KINDS = frozenset(
    {"emergency", "gnss_lost", "spoofed", "autopilot_off", "oscillation", "failure"}
)
#: Evidence of a failure at most this far apart (s) belongs to one chain
#: (modelling choice: an emergency squawk follows a failure within minutes).
FAILURE_LINK_S = 600.0
#: An autopilot disconnection is normal when a landing follows within this long, s:
#: pilots disconnect to land by hand between about 2,500 ft and 200 ft, 3.6 min
#: from 2,500 ft at 700 ft/min (modelling choice, rounded up).
AUTOPILOT_LANDING_S = 300.0
#: ... or when the autopilot is engaged again within this long, s (modelling choice).
AUTOPILOT_REENGAGE_S = 60.0
#: Emergency statuses that are strong evidence of a failure, and weak ones (the
#: others, lifeguard, minfuel and unlawful, say nothing about one).
STRONG_STATUSES = frozenset({"general", "downed"})
WEAK_STATUSES = frozenset({"nordo"})

#: ``runway_of(airport_icao, lat, lon, track_deg)``: the runway's name, or None.
RunwayOf = Callable[[str, float, float, float | None], Any]


@dataclass(frozen=True)
class End:
    """How a flight ended: ``kind`` (one of :data:`END_KINDS`), when (UTC ns: the
    touchdown, the estimated impact, or the last report), where (``lat``, ``lon``,
    ``error_km``: 95 % bound; None when no position is known), ``airport`` (ICAO)
    and ``runway``; the last report's ``height_ft`` above ``ground`` and
    ``vrate_fpm``; ``extrapolated_s`` from the last report to the impact; and
    ``reason`` in words."""

    kind: str
    time_ns: int
    lat: float | None
    lon: float | None
    error_km: float | None
    airport: str | None
    runway: str | None
    height_ft: float | None
    vrate_fpm: float | None
    extrapolated_s: float
    ground: str
    reason: str

    def __post_init__(self) -> None:
        if self.kind not in END_KINDS:
            raise UsageError(f"unknown end kind {self.kind!r}")

    def as_event(self) -> Event:
        """The ``end`` event."""

        def r(x: float | None, nd: int) -> float | None:
            return None if x is None else round(x, nd)

        detail = {
            "kind": self.kind,
            "airport": self.airport,
            "runway": self.runway,
            "lat": r(self.lat, 5),
            "lon": r(self.lon, 5),
            "error_km": r(self.error_km, 3),
            "height_ft": r(self.height_ft, 0),
            "vrate_fpm": r(self.vrate_fpm, 0),
            "extrapolated_s": round(self.extrapolated_s, 1),
            "ground": self.ground,
            "reason": self.reason,
        }
        return Event(self.time_ns, "end", detail)


# -- the end --------------------------------------------------------------------------------


def _recon_columns(reconstruction: Reconstruction, n: int) -> tuple[Float, Float, Float]:
    if len(reconstruction) != n:
        raise UsageError(f"a reconstruction of {len(reconstruction)} rows for {n} reports")
    t = reconstruction.table

    def col(name: str) -> Float:
        return np.asarray(t.column(name).to_numpy(zero_copy_only=False), np.float64)

    return col("lat"), col("lon"), col("error_km")


def _index(airport_index: AirportIndex | bool | None) -> AirportIndex | None:
    return airports() if airport_index is True else (airport_index or None)


def _near(index: AirportIndex | None, lat: float | None, lon: float | None) -> Airport | None:
    if index is None or lat is None or lon is None:
        return None
    a = index.nearest(lat, lon)
    return a if a is not None and a.distance_m <= AIRPORT_MAX_DISTANCE_M else None


def _runway(runway_of: RunwayOf | None, airport: str | None, lat: float | None,
            lon: float | None, track: float | None) -> str | None:  # fmt: skip
    """The runway from ``runway_of``, else from skywitness.model.runways when it exists."""
    if airport is None or lat is None or lon is None:
        return None
    if runway_of is None:
        try:
            from skywitness.model.runways import nearest_runway  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            return None
        runway_of = nearest_runway
    try:
        found = runway_of(airport, lat, lon, track)
    except (LookupError, ValueError):
        return None
    if found is None or isinstance(found, str):
        return found
    for name in ("name", "ident", "designator", "runway"):
        value = getattr(found, name, None)
        if isinstance(value, str):
            return value
    return str(found)


def _last(x: Float, rows: NDArray[np.int64]) -> float | None:
    ok = rows[np.isfinite(x[rows])]
    return float(x[ok[-1]]) if ok.size else None


def _last_state(s: Series, air_rows: NDArray[np.int64]) -> tuple[float | None, float | None, float | None, float | None]:  # fmt: skip
    """Altitude (ft, a line fitted over LAST_STATE_S evaluated at the last row), vertical
    rate (ft/min: that line's slope, else the reported rates' median), ground speed
    (kt, median) and track (degrees, last) of the last airborne rows."""
    t = s.t_s
    end = t[air_rows[-1]]
    w = air_rows[t[air_rows] >= end - LAST_STATE_S]
    alt_rows = w[np.isfinite(s.alt_ft[w])]
    alt = vr = None
    if alt_rows.size >= 2 and t[alt_rows[-1]] > t[alt_rows[0]]:
        slope, icpt = np.polyfit(t[alt_rows] - end, s.alt_ft[alt_rows], 1)
        alt, vr = float(icpt), float(slope) * 60.0
    elif alt_rows.size:
        alt = float(s.alt_ft[alt_rows[-1]])
    rates = s.vrate_fpm[w][np.isfinite(s.vrate_fpm[w])]
    if vr is None and rates.size:
        vr = float(np.median(rates))
    gs = s.gs_kt[w][np.isfinite(s.gs_kt[w])]
    return alt, vr, float(np.median(gs)) if gs.size else None, _last(s.track_deg, w)


def flight_end(
    reports: pa.Table,
    reconstruction: Reconstruction,
    phases: Phases,
    *,
    bad: BadValues | None = None,
    airport_index: AirportIndex | bool | None = True,
    runway_of: RunwayOf | None = None,
    distress: bool = False,
) -> End | None:
    """How one flight (its reports sorted by time, their reconstruction and phases)
    ended (module docstring); None when it was never airborne. ``bad``: the
    envelope's flags (computed when None); ``airport_index``: the airports
    (``True``: every airport); ``runway_of``: a runway look-up (default
    ``skywitness.model.runways.nearest_runway`` when it exists, else no runway)."""
    s = Series.from_table(reports)
    n = len(s)
    if len(phases) != n:
        raise UsageError(f"phases of {len(phases)} reports for {n} reports")
    lat, lon, err = _recon_columns(reconstruction, n)
    clean = (bad if bad is not None else flag_bad_values(s)).clean(s)
    index = _index(airport_index)
    air = ~phases.on_ground
    air_rows = np.flatnonzero(air)
    if air_rows.size == 0:
        return None
    has_pos = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    last_air = int(air_rows[-1])

    if last_air < n - 1:  # ended on the ground
        td = last_air + 1
        ground_pos = has_pos[has_pos >= td]
        before = has_pos[has_pos <= last_air]
        p = int(ground_pos[0]) if ground_pos.size else (int(before[-1]) if before.size else None)
        plat = None if p is None else float(lat[p])
        plon = None if p is None else float(lon[p])
        a = _near(index, plat, plon)
        track = _last(clean.track_deg, np.arange(max(0, td - 5), min(n, td + 5)))
        name = a.icao if a else None
        return End(
            kind="landed",
            time_ns=int(s.time_ns[td]),
            lat=plat,
            lon=plon,
            error_km=None if p is None else float(err[p]),
            airport=name,
            runway=_runway(runway_of, name, plat, plon, track),
            height_ft=None,
            vrate_fpm=None,
            extrapolated_s=0.0,
            ground=f"airport {name}" if name else "on the ground",
            reason=f"on the ground from {iso_utc(int(s.time_ns[td]))}"
            + (f" at {name}" if name else ", no airport within reach"),
        )

    # ended airborne: the last state
    alt, vr, gs, track = _last_state(clean, air_rows)
    p = int(has_pos[-1]) if has_pos.size else None
    plat = None if p is None else float(lat[p])
    plon = None if p is None else float(lon[p])
    perr = DEFAULT_ERROR_KM if p is None or not np.isfinite(err[p]) else float(err[p])
    a = _near(index, plat, plon)
    if a is not None:
        elev, ground = a.elevation_ft, f"airport {a.icao}"
    elif bool(phases.height_known[last_air]):
        elev, ground = float(phases.ground_alt_ft[last_air]), "the flight's ground reference"
    else:
        elev, ground = 0.0, "sea level (terrain unknown)"
    height = None if alt is None else alt - elev
    sink = -vr if vr is not None else None
    t_last = int(s.time_ns[last_air])
    crashed = False
    why = ""
    if height is not None and sink is not None and sink >= CRASH_MIN_SINK_FPM:
        to_ground = max(height, 0.0) / sink * 60.0
        if to_ground <= CRASH_MAX_TIME_TO_GROUND_S and (a is None or distress):
            crashed, why = True, f"{height:.0f} ft above {ground}"
        elif to_ground <= CRASH_MAX_TIME_TO_GROUND_S:
            why = (f"; descending {sink:.0f} ft/min near {a.icao if a else '?'} with no sign "
                   "of distress: a landing out of coverage, or a crash")  # fmt: skip
    if crashed and height is not None and sink is not None:
        dt = max(height, 0.0) / sink * 60.0
        since_pos = 0.0 if p is None else (t_last - int(s.time_ns[p])) / NS_PER_S
        speed = (gs or 0.0) * MPS_PER_KT
        flown = speed * (since_pos + dt)
        ilat, ilon = plat, plon
        if plat is not None and plon is not None and track is not None:
            la, lo = destination(plat, plon, track, flown)
            ilat, ilon = float(la), float(lo)
        time_err_s = HEIGHT_ERROR_FT / sink * 60.0
        error = perr + (EXTRAPOLATION_REL_ERROR * flown + speed * time_err_s) / 1000.0
        name = a.icao if a else None
        return End(
            kind="crashed",
            time_ns=t_last + round(dt * NS_PER_S),
            lat=ilat,
            lon=ilon,
            error_km=None if ilat is None else error,
            airport=name,
            runway=_runway(runway_of, name, ilat, ilon, track),
            height_ft=height,
            vrate_fpm=vr,
            extrapolated_s=dt,
            ground=ground,
            reason=f"record ends descending {sink:.0f} ft/min, {why}; impact extrapolated "
            f"{dt:.0f} s to the elevation of {ground}",
        )
    low = height is not None and height <= AIRPORT_MAX_HEIGHT_FT
    name = a.icao if a is not None and low else None
    state = "unknown height" if height is None else f"{height:.0f} ft above {ground}"
    rate = "" if vr is None else f", vertical rate {vr:.0f} ft/min"
    return End(
        kind="lost",
        time_ns=t_last,
        lat=plat,
        lon=plon,
        error_km=None if p is None else perr,
        airport=name,
        runway=None,
        height_ft=height,
        vrate_fpm=vr,
        extrapolated_s=0.0,
        ground=ground,
        reason=f"record ends airborne, {state}{rate}"
        + (f", near {name}: touchdown not seen" if name else "")
        + why,
    )


# -- diversion ------------------------------------------------------------------------------


def _approached(
    events: Iterable[Event],
    phases: Phases,
    lat: Float,
    lon: Float,
    index: AirportIndex | None,
) -> list[tuple[int, str]]:
    """(time, airport) of each approach: from ``approach`` events (the time of the
    lowest point, ``low_time``: the turn towards a new airport is searched after
    it), else the phases' go-arounds located on the reconstructed path."""
    given = [
        (_parse_iso(e.detail.get("low_time")) or e.time_ns, str(e.detail["airport"]))
        for e in events
        if e.kind == "approach" and e.detail.get("airport")
    ]
    if given:
        return sorted(given)
    out = []
    for sp in phases.spans():
        if sp.phase != "go_around":
            continue
        r = sp.start_row
        if np.isfinite(lat[r]) and np.isfinite(lon[r]):
            a = _near(index, float(lat[r]), float(lon[r]))
            if a is not None:
                out.append((sp.start_ns, a.icao))
    return out


def _trouble(e: Event) -> bool:
    if e.kind == "squawk":
        return e.detail.get("meaning") not in (None, "none")
    return e.kind in TROUBLE_KINDS


def distress(events: Iterable[Event]) -> bool:
    """Signs of distress among a flight's events: an emergency squawk (7500, 7600,
    7700) or status, an altitude oscillation, an autopilot lost outside a landing
    (the evidence :func:`failure` reads, but for the vertical rates)."""
    return any(what != "abnormal vertical rate" for _, what, _ in _evidence(list(events)))


def diversion(
    reports: pa.Table,
    reconstruction: Reconstruction,
    phases: Phases,
    end: End | None,
    *,
    events: Iterable[Event] = (),
    origin: str | None = None,
    bad: BadValues | None = None,
    airport_index: AirportIndex | bool | None = True,
) -> Event | None:
    """The ``diversion`` event (module docstring), or None. ``events``: the flight's
    events (``approach`` events name the airports approached); ``origin``: the
    flight's origin (ICAO; a return there is no diversion). Detail: from, to,
    approaches (at the first), distance_km (between the two), turned (True when
    the turn towards the new airport was found; else the time is the last
    approach's)."""
    if end is None or end.airport is None:
        return None
    given = list(events)
    if not (end.kind == "crashed" or any(_trouble(e) for e in given)):
        return None
    events = given
    new = end.airport
    index = _index(airport_index)
    s = Series.from_table(reports)
    lat, lon, _ = _recon_columns(reconstruction, len(s))
    approaches = _approached(events, phases, lat, lon, index)
    others = [(t, a) for t, a in approaches if a != new]
    if not others or new == origin:
        return None
    t_last, old = others[-1]
    if index is None or old not in index.code:
        return None
    i_old, i_new = index.code.index(old), index.code.index(new)
    apart = float(
        distance_m(index.lat[i_old], index.lon[i_old], index.lat[i_new], index.lon[i_new])
    )
    if apart <= AIRPORT_MAX_DISTANCE_M:
        return None
    clean = (bad if bad is not None else flag_bad_values(s)).clean(s)
    track = np.where(np.isfinite(clean.track_deg), clean.track_deg, clean.heading_deg)
    rows = np.flatnonzero(
        (s.time_ns > t_last) & np.isfinite(track) & np.isfinite(lat) & np.isfinite(lon)
    )
    turned_ns = None
    if rows.size:
        to_new = bearing_deg(lat[rows], lon[rows], index.lat[i_new], index.lon[i_new])
        toward = np.abs((track[rows] - to_new + 180.0) % 360.0 - 180.0) <= DIVERSION_TRACK_TOL_DEG
        m = np.r_[False, toward, False].astype(np.int8)
        edges = np.flatnonzero(np.diff(m))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            if (s.time_ns[rows[b - 1]] - s.time_ns[rows[a]]) / NS_PER_S >= DIVERSION_MIN_S:
                turned_ns = int(s.time_ns[rows[a]])
                break
    detail = {
        "from": old,
        "to": new,
        "approaches": sum(1 for _, a in approaches if a == old),
        "distance_km": round(apart / 1000.0, 1),
        "turned": turned_ns is not None,
    }
    return Event(turned_ns if turned_ns is not None else t_last, "diversion", detail)


# -- failure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """The earliest evidence of a sudden failure (UTC ns) and every piece of evidence in
    its chain: (time, what), in time order; ``strong`` names the strong ones."""

    time_ns: int
    evidence: tuple[tuple[int, str], ...]
    strong: tuple[str, ...]

    def as_event(self) -> Event:
        """The ``failure`` event (detail: evidence as {time, what}, strong)."""
        ev = [{"time": iso_utc(t), "what": w} for t, w in self.evidence]
        return Event(self.time_ns, "failure", {"evidence": ev, "strong": list(self.strong)})


def _parse_iso(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return round(stamp.timestamp() * 1e6) * 1000


def _evidence(events: Sequence[Event]) -> list[tuple[int, str, bool]]:
    """(time, what, strong) for every event that is evidence of a failure."""
    normal = [e.time_ns for e in events if e.kind == "landing"] + [
        e.time_ns for e in events if e.kind == "end" and e.detail.get("kind") == "landed"
    ]
    out: list[tuple[int, str, bool]] = []
    for e in events:
        d = e.detail
        if e.kind == "autopilot_off":
            back = _parse_iso(d.get("end"))
            if back is not None and (back - e.time_ns) / NS_PER_S <= AUTOPILOT_REENGAGE_S:
                continue
            if any(0 <= (t - e.time_ns) / NS_PER_S <= AUTOPILOT_LANDING_S for t in normal):
                continue
            out.append((e.time_ns, "autopilot off", False))
        elif e.kind == "squawk" and d.get("meaning") == "emergency":
            out.append((e.time_ns, f"squawk {d.get('code')} (emergency)", True))
        elif e.kind == "squawk" and d.get("meaning") == "radio failure":
            out.append((e.time_ns, f"squawk {d.get('code')} (radio failure)", False))
        elif e.kind == "emergency" and d.get("status") in STRONG_STATUSES | WEAK_STATUSES:
            strong = d.get("status") in STRONG_STATUSES
            out.append((e.time_ns, f"emergency status {d.get('status')}", strong))
        elif e.kind == "oscillation":
            # weak alone: parabolic and test flights oscillate on purpose
            out.append((e.time_ns, "altitude oscillation", False))
        elif e.kind == "abnormal_vertical_rate":
            out.append((e.time_ns, "abnormal vertical rate", False))
        elif e.kind == "end" and d.get("kind") == "crashed":
            out.append((e.time_ns, "crash", True))
    return sorted(out)


def failure(events: Iterable[Event]) -> Failure | None:
    """The earliest evidence of a sudden failure among the events (module docstring), or
    None without strong evidence."""
    ev = _evidence(list(events))
    strong = [i for i, (_, _, s) in enumerate(ev) if s]
    if not strong:
        return None
    first = strong[0]
    start = first
    for i in range(first - 1, -1, -1):
        if (ev[start][0] - ev[i][0]) / NS_PER_S <= FAILURE_LINK_S:
            start = i
        else:
            break
    chain = ev[start:]
    return Failure(
        time_ns=chain[0][0],
        evidence=tuple((t, w) for t, w, _ in chain),
        strong=tuple(w for _, w, s in chain if s),
    )


def end_events(
    reports: pa.Table,
    reconstruction: Reconstruction,
    phases: Phases,
    *,
    events: Iterable[Event] = (),
    origin: str | None = None,
    bad: BadValues | None = None,
    airport_index: AirportIndex | bool | None = True,
    runway_of: RunwayOf | None = None,
) -> list[Event]:
    """The ``end``, ``diversion`` and ``failure`` events of one flight (those found), from
    its reports, reconstruction, phases and its other events."""
    given = list(events)
    if bad is None:
        bad = flag_bad_values(reports)
    end = flight_end(
        reports, reconstruction, phases, bad=bad, airport_index=airport_index,
        runway_of=runway_of, distress=distress(given),
    )  # fmt: skip
    out = [] if end is None else [end.as_event()]
    div = diversion(
        reports, reconstruction, phases, end, events=given, origin=origin, bad=bad,
        airport_index=airport_index,
    )  # fmt: skip
    if div is not None:
        out.append(div)
    fail = failure(given + out)
    if fail is not None:
        out.append(fail.as_event())
    return sorted(out, key=lambda e: e.time_ns)


__all__ = [
    "AUTOPILOT_LANDING_S",
    "AUTOPILOT_REENGAGE_S",
    "CRASH_MAX_TIME_TO_GROUND_S",
    "CRASH_MIN_SINK_FPM",
    "DIVERSION_MIN_S",
    "DIVERSION_TRACK_TOL_DEG",
    "END_KINDS",
    "EXTRAPOLATION_REL_ERROR",
    "FAILURE_LINK_S",
    "HEIGHT_ERROR_FT",
    "LAST_STATE_S",
    "End",
    "Failure",
    "distress",
    "diversion",
    "end_events",
    "failure",
    "flight_end",
]
