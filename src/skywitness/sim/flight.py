"""The trajectory kernel: one flight between two real airports, sampled every second.

Vectorised NumPy, no per-second Python loop. The flight:

1. rolls along the runway in use (:func:`runway_in_use`: the airport's real
   runway end most into the wind, from :mod:`skywitness.model.runways`; a
   synthetic runway for airports without runway data) from its threshold,
   from rest to lift-off, at constant acceleration;
2. climbs straight ahead to :data:`DEPARTURE_TURN_AGL_FT`, then turns at
   standard rate (bank-limited) onto the great circle towards the arrival;
3. climbs on the APD schedule (:mod:`skywitness.sim.performance`: IAS by
   band, then Mach; rate of climb by band) to a cruise level chosen by the
   semicircular rule and the route length, cruises at the APD Mach, and
   descends on the APD schedule;
4. leaves the great circle with another standard-rate turn onto a straight
   final along the extended centreline of the arrival runway end, flies a
   3 degree glide path from :data:`FINAL_AGL_FT` to the aim point past its
   threshold, flares and rolls out to taxi speed.

The ground roll and the touchdown are at the threshold elevation of the
runway end in use.

Ground speed is TAS plus the scenario's constant wind (wind triangle: the
aircraft crabs into the cross-wind). Turn radii are chosen so that the
ground-track turn rate never exceeds the standard rate nor the bank limit.

The altitudes are pressure altitudes; geometric altitude is barometric plus a
smooth offset field (:class:`GeomOffset`: a QNH-like part and an ISA
temperature-deviation part that grows with height), bounded by the
scenario's ``geom_offset_max_ft``. Quantisation (25 ft altitudes, 64 ft/min
rates) is left to the writers, which emit what a transponder would.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywitness.model.atmosphere import (
    ISA_G0,
    cas_to_tas_kt,
    mach_to_tas_kt,
    tas_to_cas_kt,
    tas_to_mach,
)
from skywitness.model.geo import bearing_deg, destination, distance_m
from skywitness.model.runways import Runway, runways_of
from skywitness.model.units import KT_PER_MPS, M_PER_FT, MPS_PER_KT
from skywitness.sim.model import Airport
from skywitness.sim.performance import (
    BAND_FL100_FT,
    BAND_FL150_FT,
    BAND_FL240_FT,
    BAND_INITIAL_CLIMB_TOP_FT,
    SPEED_LIMIT_BELOW_FL100_KT,
    Performance,
)

Float = NDArray[np.float64]

# -- constants (each with where it comes from) ----------------------------------------

#: Rate-one turn, deg/s (ICAO Doc 8168 PANS-OPS).
STANDARD_RATE_DEG_S = 3.0
#: Bank limit for turns, deg: PANS-OPS builds turns on "25 degrees or the bank
#: for a rate-one turn, whichever is less" (Doc 8168 Vol II).
MAX_BANK_DEG = 25.0
#: Height above the field where the first departure turn starts, ft (typical
#: SID: no turn below 400 ft AGL, most turns after the acceleration altitude
#: of 1,000-1,500 ft).
DEPARTURE_TURN_AGL_FT = 1500.0
#: Glide-path intercept height, ft above the field (3,000 ft at about 9.5 NM
#: on a 3 degree path: the usual final approach fix).
FINAL_AGL_FT = 3000.0
#: Glide path angle, deg (ICAO Annex 10: ILS glide path 3 degrees).
GLIDE_PATH_DEG = 3.0
#: Time established on the final course before the glide-path intercept, s (modelling choice).
ESTABLISHED_S = 30.0
#: Flare height and rate at touchdown (typical flare from 30-50 ft, touchdown 100-200 ft/min).
FLARE_FT = 30.0
TOUCHDOWN_ROD_FPM = 150.0
#: Rate of climb right after lift-off (the first 100 ft, during rotation), ft/min (modelling choice).
LIFTOFF_ROC_FPM = 600.0
#: Altitude capture: the rate is limited to GAIN x (distance to target, ft)
#: per minute, and never below MIN; a smooth level-off (modelling choice,
#: about how autopilots capture an altitude).
CAPTURE_GAIN_PER_MIN = 2.0
CAPTURE_MIN_FPM = 300.0
#: Ground roll as a share of the APD take-off distance (which runs to 35 ft
#: with certification margins), and of the APD landing distance (from 50 ft).
TAKEOFF_ROLL_FRACTION = 0.7
LANDING_ROLL_FRACTION = 0.6
#: Lift-off speed below V2 (V2 is reached at 35 ft), kt; touchdown below Vat, kt.
LIFTOFF_BELOW_V2_KT = 5.0
TOUCHDOWN_BELOW_VAT_KT = 5.0
#: Speed added to V2 in the initial climb until the acceleration altitude (typical SOP: V2 + 10).
V2_PLUS_KT = 10.0
ACCELERATION_AGL_FT = 1500.0
#: Final approach speed above Vat (Vapp = Vat + 5 kt, the usual wind additive minimum).
VAPP_PLUS_KT = 5.0
#: Stabilised-approach gate, ft above the field (Flight Safety Foundation ALAR: 1,000 ft).
STABILISED_AGL_FT = 1000.0
#: Speed at which the roll-out ends (runway vacated), kt.
TAXI_KT = 20.0
#: Runway length of the synthetic runway of an airport without runway data, m
#: (a typical international runway), and the touchdown aim point past the
#: threshold, m (ICAO Annex 14: aiming point 400 m for runways of 2,400 m or more).
RUNWAY_LENGTH_M = 3000.0
AIM_POINT_M = 400.0
#: A runway end of the table is used only when its threshold lies within this
#: distance of the airport's reference point, m (modelling choice: the largest
#: airports span about 5 km; a scenario airport placed elsewhere under a real
#: code keeps the synthetic runway).
RUNWAY_NEAR_M = 10_000.0
#: Runway ends whose heading is within this many degrees as close to the wind
#: as the best one count as equally into the wind; among them the longest
#: runway is used (modelling choice: towers do not tell apart directions a
#: few degrees apart, and the headings of parallel runways in the table
#: differ by fractions of a degree).
INTO_WIND_TIE_DEG = 5.0
#: Level-flight acceleration between climb, cruise and descent speeds, kt/s
#: (modelling choice: airliners gain or lose about 1 kt/s in level flight).
LEVEL_ACCEL_KT_S = 1.0
#: Cruise must be at least this share of the route, else a lower level is
#: chosen (modelling choice: short routes cruise low).
MIN_CRUISE_FRACTION = 0.15
#: Lowest cruise level, ft, and the least height of a cruise level above either airport, ft.
MIN_CRUISE_FT = 6000.0
MIN_CRUISE_AGL_FT = 4000.0
#: Window after a turn starts over which the highest speed sizes its radius, s
#: (a 180 degree bank-limited turn at 300 kt takes about 110 s).
TURN_WINDOW_S = 180.0
#: Altitude grid step for integrating climb and descent, ft.
PROFILE_STEP_FT = 5.0
#: Fixed-point iterations: wind/track coupling, and turn/great-circle joins.
WIND_ITERATIONS = 3
JOIN_ITERATIONS = 4
TURN_SOLVE_ITERATIONS = 12
#: ft/min of descent per kt of ground speed on the glide path (1 kt = 101.27 ft/min).
FPM_PER_KT = 6076.12 / 60.0
#: Reference height for the temperature part of the geometric offset, ft (a
#: typical maximum cruise level: the offset reaches its full share there).
OFFSET_REF_FT = 45_000.0
#: Shares of the geometric offset bound: pressure (QNH-like, at all heights)
#: and temperature deviation (proportional to height), modelling choice.
OFFSET_QNH_SHARE = 0.35
OFFSET_TEMP_SHARE = 0.65
#: Wavelength range of the offset field, degrees, and its period range, hours
#: (synoptic scale weather: a few thousand km, a day or two).
OFFSET_WAVELENGTH_DEG = (10.0, 40.0)
OFFSET_PERIOD_H = (12.0, 48.0)
OFFSET_TERMS = 3

#: Flight phases.
GROUND, CLIMB, CRUISE, DESCENT = 0, 1, 2, 3


@dataclass(frozen=True)
class Wind:
    from_deg: float
    speed_kt: float

    def components_kt(self) -> tuple[float, float]:
        """(east, north) components of the air mass velocity, kt."""
        to = math.radians(self.from_deg + 180.0)
        return self.speed_kt * math.sin(to), self.speed_kt * math.cos(to)


def ground_speed(tas_kt: Float, track_deg: Float, wind: Wind) -> tuple[Float, Float]:
    """(ground speed kt, heading deg) to make good ``track_deg`` at ``tas_kt`` (wind triangle)."""
    we, wn = wind.components_kt()
    tr = np.radians(track_deg)
    along = we * np.sin(tr) + wn * np.cos(tr)
    cross = we * np.cos(tr) - wn * np.sin(tr)  # positive: pushes to the right of track
    tas = np.maximum(np.asarray(tas_kt, dtype=np.float64), abs(wind.speed_kt) + 1.0)
    crab = np.arcsin(np.clip(cross / tas, -1.0, 1.0))
    gs = tas * np.cos(crab) + along
    return np.asarray(gs), np.asarray((np.asarray(track_deg) - np.degrees(crab)) % 360.0)


def along_wind_kt(track_deg: float, wind: Wind) -> float:
    """Tail-wind component along ``track_deg``, kt (negative: head wind)."""
    we, wn = wind.components_kt()
    tr = math.radians(track_deg)
    return we * math.sin(tr) + wn * math.cos(tr)


@dataclass(frozen=True)
class RunwayInUse:
    """The runway end an airport uses for take-off and landing.

    ``ident`` is the end's designator ("29", "06L"), None for the synthetic
    runway of an airport without runway data; (``lat``, ``lon``) its landing
    threshold, ``heading_deg`` the true heading of the direction flown,
    ``elevation_ft`` the threshold elevation and ``length_m`` the runway's length.
    """

    airport: str
    ident: str | None
    lat: float
    lon: float
    heading_deg: float
    elevation_ft: float
    length_m: float


def _angle_deg(a: float, b: float) -> float:
    """Absolute difference of two directions, degrees in [0, 180]."""
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _length_m(end: Runway) -> float:
    return (end.length_ft or 0.0) * M_PER_FT


def runway_in_use(airport: Airport, wind: Wind, perf: Performance | None = None) -> RunwayInUse:
    """The runway end ``airport`` takes off and lands on in ``wind``, as towers choose it.

    Where :func:`skywitness.model.runways.runways_of` knows the airport's
    runways (thresholds within :data:`RUNWAY_NEAR_M` of its reference point):
    among the runways long enough for ``perf`` (at least its APD take-off and
    landing distances; all runways when none is, or without ``perf``: then the
    longest), the end most into the wind (within :data:`INTO_WIND_TIE_DEG` of
    the best, the longest runway, then the lower ident); in calm air the
    longest runway's lower ident. Its real threshold, true heading and
    threshold elevation.

    Airports without runway data get a synthetic runway: one orientation in 10
    degree steps fixed by the code, the end facing the wind (a fixed end in
    calm air), :data:`RUNWAY_LENGTH_M` long, its threshold half a runway
    before the reference point, at the airport's elevation; ``ident`` None.
    Deterministic: no random draw.
    """
    ends = [
        r
        for r in runways_of(airport.icao)
        if float(distance_m(airport.lat, airport.lon, r.lat, r.lon)) <= RUNWAY_NEAR_M
    ]
    if ends:
        need = 0.0 if perf is None else max(perf.takeoff_distance_m, perf.landing_distance_m)
        usable = [r for r in ends if _length_m(r) >= need]
        if not usable:
            longest = max(_length_m(r) for r in ends)
            usable = [r for r in ends if _length_m(r) >= longest]
        if wind.speed_kt > 0:
            best = min(_angle_deg(r.heading_deg, wind.from_deg) for r in usable)
            usable = [
                r
                for r in usable
                if _angle_deg(r.heading_deg, wind.from_deg) <= best + INTO_WIND_TIE_DEG
            ]
        end = min(usable, key=lambda r: (-_length_m(r), r.ident))
        return RunwayInUse(
            airport=airport.icao,
            ident=end.ident,
            lat=end.lat,
            lon=end.lon,
            heading_deg=end.heading_deg % 360.0,
            elevation_ft=end.elevation_ft,
            length_m=_length_m(end) or RUNWAY_LENGTH_M,
        )
    code = zlib.crc32(airport.icao.encode())
    heading = float((code % 18) * 10)
    other = (heading + 180.0) % 360.0
    if wind.speed_kt > 0:
        heading = heading if _angle_deg(heading, wind.from_deg) <= 90.0 else other
    else:
        heading = heading if (code >> 8) % 2 == 0 else other
    lat, lon = _to_latlon(airport, *_scaled(_unit(heading), -RUNWAY_LENGTH_M / 2))
    return RunwayInUse(
        airport=airport.icao,
        ident=None,
        lat=float(lat),
        lon=float(lon),
        heading_deg=heading,
        elevation_ft=airport.elevation_ft,
        length_m=RUNWAY_LENGTH_M,
    )


@dataclass(frozen=True)
class GeomOffset:
    """Geometric minus barometric altitude, ft: smooth in space and time, bounded by ``max_ft``."""

    max_ft: float
    t_ref_s: float
    #: Per term: weight, rad/deg of latitude, rad/deg of longitude, rad/s, phase (rad).
    qnh: tuple[tuple[float, float, float, float, float], ...]
    temp: tuple[tuple[float, float, float, float, float], ...]

    @classmethod
    def draw(cls, rng: np.random.Generator, max_ft: float, t_ref_s: float) -> GeomOffset:
        def terms() -> tuple[tuple[float, float, float, float, float], ...]:
            w = rng.uniform(0.5, 1.0, OFFSET_TERMS)
            w /= w.sum()
            out = []
            for wi in w:
                k_lat = 2 * math.pi / rng.uniform(*OFFSET_WAVELENGTH_DEG)
                # Whole waves around the globe: continuous across the antimeridian.
                k_lon = 2 * math.pi * int(rng.integers(9, 37)) / 360.0
                omega = 2 * math.pi / (rng.uniform(*OFFSET_PERIOD_H) * 3600.0)
                out.append((float(wi), k_lat, k_lon, omega, float(rng.uniform(0, 2 * math.pi))))
            return tuple(out)

        return cls(max_ft, t_ref_s, terms(), terms())

    def __call__(self, lat: Float, lon: Float, t_s: Float, alt_ft: Float) -> Float:
        def field(terms: tuple[tuple[float, float, float, float, float], ...]) -> Float:
            out = np.zeros(np.shape(lat))
            for w, k_lat, k_lon, omega, phase in terms:
                out += w * np.sin(k_lat * lat + k_lon * lon + omega * (t_s - self.t_ref_s) + phase)
            return out

        height = np.clip(np.asarray(alt_ft) / OFFSET_REF_FT, 0.0, 1.0)
        return np.asarray(
            self.max_ft
            * (OFFSET_QNH_SHARE * field(self.qnh) + OFFSET_TEMP_SHARE * height * field(self.temp))
        )


@dataclass(frozen=True)
class Trajectory:
    """One flight, one sample per second from ``start_s`` (unix seconds)."""

    start_s: int
    lat: Float
    lon: Float
    alt_baro_ft: Float  # pressure altitude, unquantised
    alt_geom_ft: Float
    gs_kt: Float
    track_deg: Float
    heading_deg: Float  # true heading
    vrate_fpm: Float  # barometric
    geom_rate_fpm: Float
    ias_kt: Float
    tas_kt: Float
    mach: Float
    roll_deg: Float  # positive: right wing down
    phase: NDArray[np.int8]
    liftoff: int  # index of the first airborne second
    touchdown: int  # index of the first second on the ground again
    cruise_ft: float

    @property
    def n(self) -> int:
        return len(self.lat)

    @property
    def t_s(self) -> NDArray[np.int64]:
        return self.start_s + np.arange(self.n, dtype=np.int64)

    @property
    def on_ground(self) -> NDArray[np.bool_]:
        return np.asarray(self.phase == GROUND)


# -- vertical profiles ------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    """Altitude, signed rate and TAS, one sample per second from the profile's start."""

    alt_ft: Float
    rate_fpm: Float
    tas_kt: Float

    @property
    def n(self) -> int:
        return len(self.alt_ft)


def _interp_knots(h: Float, knots: list[tuple[float, float]]) -> Float:
    """Piecewise-linear in altitude through ``knots``; a knot not above the previous one is dropped."""
    xs: list[float] = []
    ys: list[float] = []
    for x, y in knots:
        if not xs or x > xs[-1]:
            xs.append(x)
            ys.append(y)
    return np.asarray(np.interp(h, xs, ys))


def _integrate(h: Float, rate_fpm: Float, tas_kt: Float) -> _Profile:
    """Sample a profile given on an altitude grid at 1 s: t(h) = integral of dh / rate."""
    inv = 60.0 / rate_fpm
    t_h = np.concatenate([[0.0], np.cumsum(0.5 * (inv[1:] + inv[:-1]) * np.diff(h))])
    t = np.arange(math.ceil(t_h[-1]) + 1, dtype=np.float64)
    return _Profile(np.interp(t, t_h, h), np.interp(t, t_h, rate_fpm), np.interp(t, t_h, tas_kt))


def _grid(lo: float, hi: float) -> Float:
    return np.linspace(lo, hi, max(2, int((hi - lo) / PROFILE_STEP_FT) + 2))


def _capture(rate: Float, h: Float, target_ft: float) -> Float:
    return np.asarray(
        np.minimum(rate, np.maximum(CAPTURE_MIN_FPM, CAPTURE_GAIN_PER_MIN * np.abs(target_ft - h)))
    )


def _climb(p: Performance, elev_ft: float, cruise_ft: float) -> _Profile:
    """From lift-off to the cruise level (APD climb figures by band)."""
    e = elev_ft
    h = _grid(e, cruise_ft)
    band1 = max(BAND_INITIAL_CLIMB_TOP_FT, e + 3000.0)
    above_fl240 = p.mach_climb_roc_fpm if p.mach_climb is not None else p.climb_fl240_roc_fpm
    roc = _interp_knots(
        h,
        [
            (e, LIFTOFF_ROC_FPM), (e + 100, p.initial_climb_roc_fpm),
            (band1 - 500, p.initial_climb_roc_fpm), (band1 + 500, p.climb_fl150_roc_fpm),
            (BAND_FL150_FT - 500, p.climb_fl150_roc_fpm), (BAND_FL150_FT + 500, p.climb_fl240_roc_fpm),
            (BAND_FL240_FT - 500, p.climb_fl240_roc_fpm), (BAND_FL240_FT + 500, above_fl240),
        ],
    )  # fmt: skip
    roc = _capture(roc, h, cruise_ft)
    limited = min(SPEED_LIMIT_BELOW_FL100_KT, p.climb_fl150_ias_kt)
    v2 = p.v2_kt
    cas = _interp_knots(
        h,
        [
            (e, v2 - LIFTOFF_BELOW_V2_KT), (e + 400, v2 + V2_PLUS_KT),
            (e + ACCELERATION_AGL_FT, v2 + V2_PLUS_KT), (e + ACCELERATION_AGL_FT + 1000, p.initial_climb_ias_kt),
            (band1, p.initial_climb_ias_kt), (band1 + 2000, limited),
            (BAND_FL100_FT, limited), (BAND_FL100_FT + 2000, p.climb_fl150_ias_kt),
            (BAND_FL150_FT, p.climb_fl150_ias_kt), (BAND_FL150_FT + 2000, p.climb_fl240_ias_kt),
        ],
    )  # fmt: skip
    tas = cas_to_tas_kt(cas, h)
    if p.mach_climb is not None:
        tas = np.minimum(tas, mach_to_tas_kt(p.mach_climb, h))
    return _integrate(h, roc, tas)


def _descent(p: Performance, elev_ft: float, cruise_ft: float, tailwind_kt: float) -> _Profile:
    """From the cruise level to touchdown, in forward time (APD descent figures by band)."""
    e = elev_ft
    h = _grid(e, cruise_ft)
    cas = _interp_knots(
        h,
        [
            (e, p.vat_kt - TOUCHDOWN_BELOW_VAT_KT), (e + 50, p.vat_kt),
            (e + STABILISED_AGL_FT, p.vat_kt + VAPP_PLUS_KT), (e + FINAL_AGL_FT, p.min_clean_kt),
            (e + FINAL_AGL_FT + 2000, p.min_clean_kt), (e + FINAL_AGL_FT + 3500, p.approach_ias_kt),
            (BAND_FL100_FT, min(p.approach_ias_kt, SPEED_LIMIT_BELOW_FL100_KT)),
            (BAND_FL100_FT + 2000, p.descent_ias_kt),
        ],
    )  # fmt: skip
    tas = cas_to_tas_kt(cas, h)
    if p.initial_descent_mach is not None:
        tas = np.minimum(tas, mach_to_tas_kt(p.initial_descent_mach, h))
    glide = np.maximum(tas + tailwind_kt, 1.0) * FPM_PER_KT * math.tan(math.radians(GLIDE_PATH_DEG))
    final_top = e + FINAL_AGL_FT
    glide_top = float(np.interp(final_top, h, glide))
    band = _interp_knots(
        h,
        [
            (final_top, glide_top), (final_top + 500, p.approach_rod_fpm),
            (BAND_FL100_FT - 500, p.approach_rod_fpm), (BAND_FL100_FT + 500, p.descent_rod_fpm),
            (BAND_FL240_FT - 500, p.descent_rod_fpm), (BAND_FL240_FT + 500, p.initial_descent_rod_fpm),
        ],
    )  # fmt: skip
    rod = np.where(h <= final_top, glide, band)
    flare = TOUCHDOWN_ROD_FPM + (glide - TOUCHDOWN_ROD_FPM) * (h - e) / FLARE_FT
    rod = np.where(h < e + FLARE_FT, flare, rod)
    rod = _capture(rod, h, cruise_ft)
    back = _integrate(h, rod, tas)  # time before touchdown
    return _Profile(back.alt_ft[::-1].copy(), -back.rate_fpm[::-1], back.tas_kt[::-1].copy())


def _cruise_levels(p: Performance, course_deg: float, floor_ft: float) -> list[float]:
    """Candidate cruise levels, highest first: semicircular rule (ICAO Annex 2 Appendix 3).

    Tracks 000-179 fly odd thousands of feet, 180-359 even ones (true course
    stands in for magnetic track). Above FL410 the rule changes; no type
    here cruises there.
    """
    odd = course_deg % 360.0 < 180.0
    top = int(min(p.typical_fl, p.ceiling_fl)) * 100
    thousands = top // 1000
    if (thousands % 2 == 1) != odd:
        thousands -= 1
    levels = [float(k * 1000) for k in range(thousands, 0, -2) if k * 1000 >= floor_ft]
    return levels or [float(math.ceil(floor_ft / 1000.0) * 1000)]


# -- the horizontal path ------------------------------------------------------------------


def _unit(heading_deg: float) -> tuple[float, float]:
    r = math.radians(heading_deg)
    return math.sin(r), math.cos(r)


def _turn_rate_limit(v_mps: float) -> float:
    """Largest turn rate at ground speed ``v_mps``, rad/s: standard rate, bank-limited."""
    bank = ISA_G0 * math.tan(math.radians(MAX_BANK_DEG)) / max(v_mps, 1.0)
    return min(math.radians(STANDARD_RATE_DEG_S), bank)


def _radius_m(v_mps: float) -> float:
    return v_mps / _turn_rate_limit(v_mps)


@dataclass(frozen=True)
class _Turn:
    sigma: int  # +1 right (clockwise), -1 left
    sweep_deg: float
    start_xy: tuple[float, float]
    start_deg: float
    radius_m: float
    exit_xy: tuple[float, float]
    exit_deg: float


def _scaled(u: tuple[float, float], k: float) -> tuple[float, float]:
    return u[0] * k, u[1] * k


def _to_xy(ref: Airport, lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in the local azimuthal-equidistant plane around ``ref`` (inverse of _to_latlon)."""
    d = float(distance_m(ref.lat, ref.lon, lat, lon))
    b = math.radians(float(bearing_deg(ref.lat, ref.lon, lat, lon)))
    return d * math.sin(b), d * math.cos(b)


def _to_latlon(ref: Airport, x: Float | float, y: Float | float) -> tuple[Float, Float]:
    """Local azimuthal-equidistant (x east, y north, m) around ``ref`` to lat/lon."""
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return destination(ref.lat, ref.lon, np.degrees(np.arctan2(xa, ya)), np.hypot(xa, ya))


def _solve_turn(
    ref: Airport,
    xy: tuple[float, float],
    heading: float,
    radius: float,
    target: tuple[float, float],
) -> _Turn:
    """The shorter turn from (xy, heading) after which the track points at ``target`` (lat, lon)."""
    best: _Turn | None = None
    for sigma in (1, -1):
        ux, uy = _unit(heading + 90.0 * sigma)
        cx, cy = xy[0] + radius * ux, xy[1] + radius * uy
        lat, lon = _to_latlon(ref, xy[0], xy[1])
        psi = float(bearing_deg(lat, lon, *target))
        ex, ey = xy
        for _ in range(TURN_SOLVE_ITERATIONS):
            vx, vy = _unit(psi - 90.0 * sigma)
            ex, ey = cx + radius * vx, cy + radius * vy
            lat, lon = _to_latlon(ref, ex, ey)
            new = float(bearing_deg(lat, lon, *target))
            done = abs((new - psi + 180.0) % 360.0 - 180.0) < 1e-7
            psi = new
            if done:
                break
        vx, vy = _unit(psi - 90.0 * sigma)
        ex, ey = cx + radius * vx, cy + radius * vy
        sweep = (sigma * (psi - heading)) % 360.0
        turn = _Turn(sigma, sweep, xy, heading, radius, (ex, ey), psi)
        if best is None or turn.sweep_deg < best.sweep_deg:
            best = turn
    assert best is not None
    return best


def _arc_points(turn: _Turn, q: Float) -> tuple[Float, Float, Float]:
    """(x, y, heading) at arc length ``q`` from the turn's start."""
    ux, uy = _unit(turn.start_deg + 90.0 * turn.sigma)
    cx, cy = turn.start_xy[0] + turn.radius_m * ux, turn.start_xy[1] + turn.radius_m * uy
    heading = turn.start_deg + turn.sigma * np.degrees(q / turn.radius_m)
    a = np.radians(heading - 90.0 * turn.sigma)
    return cx + turn.radius_m * np.sin(a), cy + turn.radius_m * np.cos(a), heading % 360.0


@dataclass(frozen=True)
class _Path:
    """The ground path: straight, turn, great circle, turn, straight final and roll-out."""

    origin: Airport
    dest: Airport
    dep_heading: float
    arr_heading: float
    start_xy: tuple[float, float]  # roll start, origin frame
    dep_straight_m: float
    dep_turn: _Turn
    arr_turn: _Turn  # solved backwards from the final: start = end of the forward arc
    final_xy: tuple[float, float]  # start of the straight final, destination frame
    final_m: float  # to touchdown
    rollout_m: float

    @property
    def join(self) -> tuple[float, float]:
        lat, lon = _to_latlon(self.origin, *self.dep_turn.exit_xy)
        return float(lat), float(lon)

    @property
    def leave(self) -> tuple[float, float]:
        lat, lon = _to_latlon(self.dest, *self.arr_turn.exit_xy)
        return float(lat), float(lon)

    @property
    def bounds(self) -> Float:
        """Cumulative distance at the end of each segment, m."""
        d = self.dep_turn.radius_m * math.radians(self.dep_turn.sweep_deg)
        gc = float(distance_m(*self.join, *self.leave))
        a = self.arr_turn.radius_m * math.radians(self.arr_turn.sweep_deg)
        return np.cumsum([self.dep_straight_m, d, gc, a, self.final_m + self.rollout_m])

    @property
    def length_m(self) -> float:
        return float(self.bounds[-1])

    @property
    def touchdown_m(self) -> float:
        return self.length_m - self.rollout_m

    def locate(self, s: Float) -> tuple[Float, Float, Float]:
        """(lat, lon, track) at distances ``s`` (m) along the path."""
        b = self.bounds
        s = np.clip(s, 0.0, b[-1])
        seg = np.searchsorted(b, s, side="right").clip(0, 4)
        lat, lon, trk = np.empty_like(s), np.empty_like(s), np.empty_like(s)
        starts = np.r_[0.0, b[:-1]]
        q = s - starts[seg]

        m = seg == 0
        ux, uy = _unit(self.dep_heading)
        lat[m], lon[m] = _to_latlon(
            self.origin, self.start_xy[0] + q[m] * ux, self.start_xy[1] + q[m] * uy
        )
        trk[m] = self.dep_heading

        m = seg == 1
        x, y, h = _arc_points(self.dep_turn, q[m])
        lat[m], lon[m] = _to_latlon(self.origin, x, y)
        trk[m] = h

        m = seg == 2
        (jlat, jlon), (elat, elon) = self.join, self.leave
        course = float(bearing_deg(jlat, jlon, elat, elon))
        glat, glon = destination(jlat, jlon, course, q[m])
        lat[m], lon[m] = glat, glon
        gc_len = b[2] - b[1]
        far = (gc_len - q[m]) > 1.0
        final_course = (float(bearing_deg(elat, elon, jlat, jlon)) + 180.0) % 360.0
        trk[m] = np.where(far, bearing_deg(glat, glon, elat, elon), final_course)

        m = seg == 3
        arc = self.arr_turn.radius_m * math.radians(self.arr_turn.sweep_deg)
        x, y, h = _arc_points(self.arr_turn, arc - q[m])
        lat[m], lon[m] = _to_latlon(self.dest, x, y)
        trk[m] = (h + 180.0) % 360.0

        m = seg == 4
        ux, uy = _unit(self.arr_heading)
        lat[m], lon[m] = _to_latlon(
            self.dest, self.final_xy[0] + q[m] * ux, self.final_xy[1] + q[m] * uy
        )
        trk[m] = self.arr_heading
        return lat, lon, trk


def _build_path(
    origin: Airport, dest: Airport, dep: RunwayInUse, arr: RunwayInUse,
    dep_straight_m: float, final_m: float, rollout_m: float, r_dep: float, r_arr: float,
) -> _Path:  # fmt: skip
    """The path from the roll start at ``dep``'s threshold to touchdown at ``arr``'s aim point."""
    dep_heading, arr_heading = dep.heading_deg, arr.heading_deg
    ux, uy = _unit(dep_heading)
    start = _to_xy(origin, dep.lat, dep.lon)
    turn_start = (start[0] + dep_straight_m * ux, start[1] + dep_straight_m * uy)
    vx, vy = _unit(arr_heading)
    thr = _to_xy(dest, arr.lat, arr.lon)
    touchdown = (thr[0] + AIM_POINT_M * vx, thr[1] + AIM_POINT_M * vy)
    final = (touchdown[0] - final_m * vx, touchdown[1] - final_m * vy)
    target_dep: tuple[float, float] = (dest.lat, dest.lon)
    dep_turn = arr_turn = None
    for _ in range(JOIN_ITERATIONS):
        dep_turn = _solve_turn(origin, turn_start, dep_heading, r_dep, target_dep)
        jlat, jlon = _to_latlon(origin, *dep_turn.exit_xy)
        arr_turn = _solve_turn(
            dest, final, (arr_heading + 180.0) % 360.0, r_arr, (float(jlat), float(jlon))
        )
        elat, elon = _to_latlon(dest, *arr_turn.exit_xy)
        target_dep = (float(elat), float(elon))
    assert dep_turn is not None and arr_turn is not None
    return _Path(
        origin,
        dest,
        dep_heading,
        arr_heading,
        start,
        dep_straight_m,
        dep_turn,
        arr_turn,
        final,
        final_m,
        rollout_m,
    )


# -- the flight -----------------------------------------------------------------------------


def _blend(first: float, cruise: float, last: float, k: Float) -> Float:
    """Cruise TAS per second: from ``first`` to ``cruise`` and on to ``last`` at LEVEL_ACCEL_KT_S."""
    a, n = LEVEL_ACCEL_KT_S, k[-1]
    upper = np.minimum(first + a * k, last + a * (n - k))
    lower = np.maximum(first - a * k, last - a * (n - k))
    return np.asarray(np.where(lower <= upper, np.clip(cruise, lower, upper), (lower + upper) / 2))


def _cumulative_m(gs_kt: Float) -> Float:
    """Distance (m) at each 1 s sample, trapezoid rule, 0 at the first."""
    v = gs_kt * MPS_PER_KT
    return np.concatenate([[0.0], np.cumsum(0.5 * (v[1:] + v[:-1]))])


def fly(
    origin: Airport,
    dest: Airport,
    perf: Performance,
    start_s: int,
    wind: Wind,
    offset: GeomOffset,
) -> Trajectory:
    """The flight from ``origin`` to ``dest`` whose take-off roll starts at ``start_s``."""
    dep_rwy, arr_rwy = runway_in_use(origin, wind, perf), runway_in_use(dest, wind, perf)
    dep_hdg, arr_hdg = dep_rwy.heading_deg, arr_rwy.heading_deg
    course = float(bearing_deg(origin.lat, origin.lon, dest.lat, dest.lon))
    floor = max(MIN_CRUISE_FT, max(origin.elevation_ft, dest.elevation_ft) + MIN_CRUISE_AGL_FT)
    levels = _cruise_levels(perf, course, floor)

    # Ground roll: constant acceleration to lift-off over the roll distance.
    e0, e1 = dep_rwy.elevation_ft, arr_rwy.elevation_ft
    tail_dep, tail_arr = along_wind_kt(dep_hdg, wind), along_wind_kt(arr_hdg, wind)
    gs_lof = max(float(cas_to_tas_kt(perf.v2_kt - LIFTOFF_BELOW_V2_KT, e0)) + tail_dep, 30.0)
    roll_m = TAKEOFF_ROLL_FRACTION * perf.takeoff_distance_m
    n_roll = max(1, round(2 * roll_m / (gs_lof * MPS_PER_KT)))
    t_roll = np.arange(n_roll, dtype=np.float64)
    s_roll = 0.5 * (gs_lof * MPS_PER_KT / n_roll) * t_roll**2
    s_lof = 0.5 * gs_lof * MPS_PER_KT * n_roll

    # Roll-out: constant deceleration from touchdown to taxi speed.
    gs_td = max(
        float(cas_to_tas_kt(perf.vat_kt - TOUCHDOWN_BELOW_VAT_KT, e1)) + tail_arr, TAXI_KT + 10
    )
    ro_m = LANDING_ROLL_FRACTION * perf.landing_distance_m
    n_ro = max(1, round(2 * ro_m / ((gs_td + TAXI_KT) * MPS_PER_KT)))
    t_ro = np.arange(1, n_ro + 1, dtype=np.float64)
    dec = (gs_td - TAXI_KT) / n_ro
    ro_m = float(((gs_td + TAXI_KT) / 2) * MPS_PER_KT * n_ro)

    # Geometry from the top candidate's profiles (identical below the turn altitudes).
    climb = _climb(perf, e0, levels[0])
    descent = _descent(perf, e1, levels[0], tail_arr)
    gs_c, _ = ground_speed(climb.tas_kt, np.full(climb.n, dep_hdg), wind)
    turn_i = int(np.searchsorted(climb.alt_ft, e0 + DEPARTURE_TURN_AGL_FT))
    dep_straight = s_lof + float(_cumulative_m(gs_c)[min(turn_i, climb.n - 1)])
    gs_d, _ = ground_speed(descent.tas_kt, np.full(descent.n, arr_hdg), wind)
    back_gs = gs_d[::-1]
    faf_i = int(np.searchsorted(descent.alt_ft[::-1], e1 + FINAL_AGL_FT))
    final_i = min(faf_i + int(ESTABLISHED_S), descent.n - 1)
    final_m = float(_cumulative_m(back_gs)[final_i])
    window = int(TURN_WINDOW_S)
    v_dep = float(climb.tas_kt[turn_i : turn_i + window].max(initial=0.0)) + wind.speed_kt
    v_arr = float(descent.tas_kt[::-1][final_i : final_i + window].max(initial=0.0)) + wind.speed_kt
    r_dep, r_arr = _radius_m(v_dep * MPS_PER_KT), _radius_m(v_arr * MPS_PER_KT)
    path = _build_path(origin, dest, dep_rwy, arr_rwy, dep_straight, final_m, ro_m, r_dep, r_arr)

    # The highest level whose climb and descent leave enough cruise.
    available = path.touchdown_m - s_lof
    chosen = levels[-1]
    for level in levels:
        c = _climb(perf, e0, level)
        d = _descent(perf, e1, level, tail_arr)
        used = float(_cumulative_m(c.tas_kt)[-1] + _cumulative_m(d.tas_kt)[-1])
        if used <= (1.0 - MIN_CRUISE_FRACTION) * available:
            chosen = level
            break
    climb, descent = _climb(perf, e0, chosen), _descent(perf, e1, chosen, tail_arr)
    if perf.cruise_mach is not None:
        tas_cr = float(mach_to_tas_kt(perf.cruise_mach, chosen))
    else:
        tas_cr = perf.cruise_tas_kt
    # Never faster (IAS) than the type's schedule, nor 250 kt below FL100.
    cap = max(perf.climb_fl240_ias_kt, perf.descent_ias_kt)
    if chosen <= BAND_FL100_FT:
        cap = min(cap, SPEED_LIMIT_BELOW_FL100_KT)
    tas_cr = min(tas_cr, float(cas_to_tas_kt(cap, chosen)))

    # Along-path distance, iterating on the wind/track coupling. Each part has
    # its own clock; the cruise lasts a fractional time, so the parts are
    # joined on a continuous timeline and sampled at whole seconds at the end.
    s_c = s_lof + _cumulative_m(climb.tas_kt)
    s_d = path.touchdown_m - _cumulative_m(descent.tas_kt[::-1])[::-1]
    t_cr = np.zeros(2)
    s_cr = np.zeros(2)
    tas_cruise = np.zeros(2)
    for _ in range(WIND_ITERATIONS):
        gs_c, _ = ground_speed(climb.tas_kt, path.locate(s_c)[2], wind)
        s_c = s_lof + _cumulative_m(gs_c)
        gs_d, _ = ground_speed(descent.tas_kt, path.locate(s_d)[2], wind)
        s_d = path.touchdown_m - _cumulative_m(gs_d[::-1])[::-1]
        gap = float(s_d[0] - s_c[-1])
        if gap < 0:
            # Too short even for the lowest level: squeeze the descent onto the climb.
            s_d = s_d + (s_c[-1] - s_d[0]) * np.linspace(1.0, 0.0, len(s_d))
            gap = 0.0
        mid = np.linspace(s_c[-1], s_d[0], 5)
        gs_mid, _ = ground_speed(np.full(5, tas_cr), path.locate(mid)[2], wind)
        duration = max(gap / (float(gs_mid.mean()) * MPS_PER_KT), 1.0)
        for _ in range(WIND_ITERATIONS):  # the blend slows a short cruise: refine its duration
            t_cr = np.linspace(0.0, duration, max(1, math.ceil(duration)) + 1)
            tas_cruise = _blend(float(climb.tas_kt[-1]), tas_cr, float(descent.tas_kt[0]), t_cr)
            guess = s_c[-1] + gap * t_cr / duration
            gs_cr, _ = ground_speed(tas_cruise, path.locate(guess)[2], wind)
            steps = 0.5 * (gs_cr[1:] + gs_cr[:-1]) * np.diff(t_cr) * MPS_PER_KT
            cum = np.concatenate([[0.0], np.cumsum(steps)])
            duration = max(duration * gap / max(float(cum[-1]), 1e-9), 1.0)
        s_cr = s_c[-1] + gap * cum / max(float(cum[-1]), 1e-9)

    # The knots: roll, climb, cruise (interior), descent, roll-out.
    t_toc = n_roll + climb.n - 1.0
    t_tod = t_toc + float(t_cr[-1])
    t_td = t_tod + descent.n - 1.0
    s_ro = path.touchdown_m + MPS_PER_KT * (gs_td * t_ro - 0.5 * dec * t_ro**2)
    inner = slice(1, -1)
    kt = np.concatenate([
        t_roll, n_roll + np.arange(climb.n), t_toc + t_cr[inner], t_tod + np.arange(descent.n), t_td + t_ro,
    ])  # fmt: skip
    ks = np.concatenate([s_roll, s_c, s_cr[inner], s_d, s_ro])
    k_alt = np.concatenate(
        [
            np.full(n_roll, e0),
            climb.alt_ft,
            np.full(len(t_cr) - 2, chosen),
            descent.alt_ft,
            np.full(n_ro, e1),
        ]
    )
    k_rate = np.concatenate(
        [
            np.zeros(n_roll),
            climb.rate_fpm,
            np.zeros(len(t_cr) - 2),
            descent.rate_fpm,
            np.zeros(n_ro),
        ]
    )
    k_tas = np.concatenate(
        [np.zeros(n_roll), climb.tas_kt, tas_cruise[inner], descent.tas_kt, np.zeros(n_ro)]
    )
    k_phase = np.concatenate([
        np.full(n_roll, GROUND), np.full(climb.n, CLIMB), np.full(len(t_cr) - 2, CRUISE),
        np.full(descent.n - 1, DESCENT), np.full(n_ro + 1, GROUND),
    ]).astype(np.int8)  # fmt: skip
    k_rate[-n_ro - 1] = 0.0  # on the runway at touchdown

    t = np.arange(math.floor(kt[-1]) + 1, dtype=np.float64)
    n = len(t)
    s = np.interp(t, kt, ks)
    alt = np.interp(t, kt, k_alt)
    vrate = np.interp(t, kt, k_rate)
    tas_air = np.interp(t, kt, k_tas)
    phase = k_phase[np.searchsorted(kt, t, side="right") - 1]
    liftoff = n_roll
    touchdown = math.ceil(t_td)
    lat, lon, track = path.locate(s)
    gs = np.gradient(s) * KT_PER_MPS
    gs[0] = 0.0
    _, heading = ground_speed(tas_air, track, wind)
    ground = phase == GROUND
    heading = np.where(ground, track, heading)
    tail = np.where(np.arange(n) < liftoff, tail_dep, tail_arr)
    tas = np.where(ground, np.maximum(gs - tail, 0.0), tas_air)

    rate = np.gradient(np.unwrap(np.radians(track)))  # rad/s
    roll = np.where(ground, 0.0, np.degrees(np.arctan(rate * tas * MPS_PER_KT / ISA_G0)))
    t_s = start_s + t
    geom = alt + offset(lat, lon, t_s, alt)
    geom_rate = np.gradient(geom) * 60.0
    return Trajectory(
        start_s=start_s,
        lat=lat,
        lon=lon,
        alt_baro_ft=alt,
        alt_geom_ft=geom,
        gs_kt=gs,
        track_deg=track % 360.0,
        heading_deg=heading,
        vrate_fpm=vrate,
        geom_rate_fpm=geom_rate,
        ias_kt=np.where(tas > 0, tas_to_cas_kt(tas, alt), 0.0),
        tas_kt=tas,
        mach=tas_to_mach(tas, alt),
        roll_deg=roll,
        phase=phase,
        liftoff=liftoff,
        touchdown=touchdown,
        cruise_ft=chosen,
    )


def height_m(traj: Trajectory) -> Float:
    """Geometric height above sea level, m (for radio line of sight)."""
    return np.asarray(np.maximum(traj.alt_geom_ft, 0.0) * M_PER_FT)


__all__ = [
    "GeomOffset",
    "RunwayInUse",
    "Trajectory",
    "Wind",
    "fly",
    "ground_speed",
    "height_m",
    "runway_in_use",
]
