"""The incident flight's path: two approaches, a failure, a hold, a diversion, a crash.

Up to its first go-around the flight is an ordinary one
(:func:`skywitness.sim.flight.fly`: APD climb, cruise and descent, a 3 degree
final at the destination). From the first go-around on, a per-second pilot
model flies it (:class:`_Pilot`): it steers a track towards a wanted one at
a limited turn rate, captures a wanted altitude at a limited vertical rate
and acceleration, and flies an IAS schedule; positions advance along the
track at the ground speed of the wind triangle. In order:

1. go-around at the drawn height, straight ahead to past the runway end,
   climbing to the glide-path intercept altitude;
2. radar-vector circuit: downwind on the drawn side, base, and the final
   course intercepted at up to 30 degrees, well before the glide path;
3. second approach on the 3 degree glide path, second go-around at its drawn
   height, straight ahead, then a turn towards the holding area;
4. the failure while climbing through the drawn height (autopilot off): from
   then on turns are shallow (thrust-only steering) and a phugoid is
   superimposed on the altitude, the speed in anti-phase (energy exchange:
   v dv = -g dh), its envelope growing over one period;
5. circles around a holding point while the crew decides;
6. the diversion: direct to an arrival fix on the extended centreline of the
   diversion airport's runway, with a slow heading wander, at the drawn
   altitude, descending on a 3 degree profile towards the fix;
7. one full circle at the fix, then the final course: the descent steepens to
   the drawn dive angle, aimed at a point the drawn distance short of the
   threshold; the phugoid fades over the last kilometres; the flight ends
   where the altitude reaches the threshold elevation of the diversion runway
   (flat ground at that elevation: a modelling choice).

The runways are those :func:`skywitness.sim.flight.runway_in_use` gives: the
real runway end most into the wind at both airports (a synthetic runway
where the runway table has none), with the real threshold, true heading and
threshold elevation; heights of approaches and of the failure are above the
destination runway's threshold.

Deterministic: every random choice is in the :class:`Script`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from skywitness.errors import UsageError
from skywitness.model.atmosphere import ISA_G0, cas_to_tas_kt, tas_to_cas_kt, tas_to_mach
from skywitness.model.geo import EARTH_RADIUS_M, bearing_deg, destination, distance_m
from skywitness.model.units import KT_PER_MPS, M_PER_FT, MPS_PER_KT
from skywitness.sim.flight import (
    AIM_POINT_M,
    CAPTURE_GAIN_PER_MIN,
    CLIMB,
    CRUISE,
    DESCENT,
    FINAL_AGL_FT,
    FPM_PER_KT,
    GLIDE_PATH_DEG,
    LEVEL_ACCEL_KT_S,
    MAX_BANK_DEG,
    STANDARD_RATE_DEG_S,
    GeomOffset,
    RunwayInUse,
    Trajectory,
    Wind,
    fly,
    ground_speed,
    runway_in_use,
)
from skywitness.sim.model import Airport, IncidentRoute
from skywitness.sim.performance import Performance

# -- constants (each with where it comes from) ----------------------------------------

#: Go-around climb rate, ft/min (modelling choice: below the APD initial climb
#: of airliners, 2,500-3,000 ft/min, as go-around thrust is often reduced).
GO_AROUND_CLIMB_FPM = 2000.0
#: Go-around speed above V2, kt (typical SOP: V2 + 10 to + 20 until clean-up).
GO_AROUND_PLUS_KT = 20.0
#: Height above the field where the go-around accelerates to the clean speed, ft
#: (the usual acceleration altitude of 1,000-1,500 ft).
CLEAN_UP_AGL_FT = 1500.0
#: Vertical acceleration limit, ft/min per s: about 0.05 g (modelling choice:
#: the comfort limit of airline flying; 0.05 g = 966 ft/min/s).
VERTICAL_ACCEL_FPM_S = 500.0
#: The go-around climbs straight ahead to this far past the runway end, m
#: (modelling choice: about 2 NM, where radar vectors usually begin).
UPWIND_M = 3700.0
#: Largest intercept angle onto a course, deg (ICAO Doc 4444 8.9.4: final
#: approach course intercepted at not more than 30 degrees), and the
#: cross-track distance at which the full angle is flown, m (modelling choice).
INTERCEPT_MAX_DEG = 30.0
INTERCEPT_FULL_M = 1000.0
#: The downwind leg extends this far beyond the glide-path intercept point, m,
#: so that the aircraft is established before it (Doc 4444 8.9.4: established
#: on the final course before intercepting the glide path; modelling choice).
BASE_BEYOND_M = 6000.0
#: On the final, the approach speed is flown from this far before the glide-path intercept, m.
SLOW_DOWN_M = 4000.0
#: Final approach speed above Vat, kt (Vapp = Vat + 5, flight.py).
VAPP_PLUS_KT = 5.0
#: After the second go-around the turn towards the hold starts at this height, ft
#: (PANS-OPS: no turn below 400 ft; missed approach turns usually at 1,000 ft or more).
GA_TURN_AGL_FT = 1000.0
#: The second go-around climbs towards this much above the failure height, ft.
GA_ABOVE_FAILURE_FT = 2000.0
#: Bank after the failure, deg (modelling choice: steering with engine thrust
#: alone, as the crew of flight 8243 reportedly did, gives slow, shallow turns).
FAILED_BANK_DEG = 15.0
#: Vertical rates after the failure, ft/min (modelling choice: gentle pitch with thrust).
FAILED_CLIMB_FPM = 1500.0
FAILED_DESCENT_FPM = 2000.0
#: Holding circle radius as a multiple of the tightest circle the turn limit
#: allows at the highest ground speed (margin for the phugoid's speed swings).
HOLD_RADIUS_FACTOR = 1.3
#: Largest correction towards the holding circle, deg (modelling choice).
ORBIT_CORRECTION_MAX_DEG = 45.0
#: Arrival fix on the diversion runway's extended centreline, m before the
#: threshold, its height above the field, ft, and when it counts as reached, m
#: (modelling choice: a usual initial approach fix, 10-11 NM and 3,000 ft).
ARRIVAL_FIX_M = 20_000.0
ARRIVAL_AGL_FT = 3000.0
FIX_REACHED_M = 3000.0
#: Descent profile towards the arrival fix, deg (the usual 3 degree profile).
DESCENT_PROFILE_DEG = 3.0
#: From this far from the arrival fix the speed comes back to the clean speed, m.
ARRIVAL_SLOW_M = 40_000.0
#: Heading wander on the diversion: terms, amplitude range (deg), period range
#: (s), and the distance from the fix (m) over which it fades (modelling choice:
#: steering with thrust holds a heading only loosely).
WANDER_TERMS = 3
WANDER_DEG = (2.0, 6.0)
WANDER_PERIOD_S = (240.0, 900.0)
WANDER_FADE_M = (15_000.0, 45_000.0)
#: Final speed above Vat at the diversion, kt (modelling choice: flap
#: extended late, speed high).
FINAL_PLUS_KT = 40.0
#: Steepest descent in the final dive, ft/min (modelling choice; the dive
#: angles drawn below need up to about 4,500 ft/min).
DIVE_MAX_FPM = 6000.0
#: Dive angle range, deg (modelling choice: far steeper than a 3 degree glide
#: path, the descent that sets off a terrain warning).
DIVE_DEG = (8.0, 14.0)
#: The phugoid fades over this distance before the impact point, m, ending this far from it.
TAPER_M = 10_000.0
TAPER_END_M = 1000.0
#: Holding point: bearing anywhere, this far from the destination, m (modelling choice).
HOLD_DISTANCE_M = (8_000.0, 20_000.0)
#: Height of the phugoid's troughs in the hold above the destination, ft
#: (modelling choice: well clear of the ground and of any obstacle).
HOLD_CLEARANCE_FT = (4000.0, 6000.0)
#: Downwind leg offset from the runway axis, m (modelling choice: radar vectors, 2-4 NM).
DOWNWIND_M = (4_000.0, 7_500.0)
#: IAS in the hold and on the diversion, kt above the type's minimum clean speed
#: (modelling choice).
HOLD_PLUS_KT = (0.0, 30.0)
DIVERSION_PLUS_KT = (20.0, 50.0)
#: Vertical rate beyond which a second counts as climbing or descending, ft/min
#: (the trace writer's threshold, sim/traces.py).
PHASE_RATE_FPM = 300.0
#: Lowest true airspeed the phugoid may reach, m/s (guards the square root; well below any flight speed).
MIN_TAS_MPS = 30.0
#: The pilot model gives up after this long (a scenario whose ranges cannot be flown), s.
MAX_PILOT_S = 8 * 3600


@dataclass(frozen=True)
class Script:
    """The drawn choices of one incident flight (see :func:`draw_script`)."""

    go_around_ft: tuple[float, float]
    circuit_side: int  # +1: downwind right of the landing direction, -1 left
    downwind_m: float
    failure_ft: float
    hold_bearing_deg: float
    hold_distance_m: float
    hold_side: int  # +1 clockwise
    hold_s: float
    hold_agl_ft: float
    hold_ias_kt: float
    phugoid_period_s: float
    phugoid_amplitude_ft: float
    cruise_ft: float
    cruise_ias_kt: float
    #: Heading wander terms: amplitude (deg), period (s), phase (rad).
    wander: tuple[tuple[float, float, float], ...]
    arrival_side: int
    dive_deg: float
    crash_short_m: float


@dataclass(frozen=True)
class Approach:
    """One approach at the destination; indices into the trajectory."""

    start: int  # glide-path intercept
    lowest: int  # the second of the minimum height (the go-around)
    min_height_ft: float  # above the threshold elevation of the destination runway


@dataclass(frozen=True)
class Events:
    """When the flight did what, as indices into its trajectory."""

    approaches: tuple[Approach, Approach]
    failure: int
    hold: tuple[int, int]  # [reaching the holding circle, leaving it for the diversion)
    hold_center: tuple[float, float]
    hold_radius_m: float
    arrival: int  # reaching the arrival fix at the diversion airport
    final: int  # leaving the circle at the fix for the final
    crash: int  # the impact: the last sample
    #: The runway ends approached: at the destination, and the diversion's (crashed short of).
    runways: tuple[RunwayInUse, RunwayInUse]


class _Runway:
    """One landing direction at an airport: the runway axis in a local plane (m)."""

    def __init__(self, airport: Airport, end: RunwayInUse) -> None:
        self.airport = airport
        self.end = end
        self.heading = end.heading_deg
        self.length_m = end.length_m
        rad = math.radians(self.heading)
        self.ux, self.uy = math.sin(rad), math.cos(rad)
        self.coslat = math.cos(math.radians(airport.lat))
        # The threshold, where flight.fly lands: the runway end's threshold.
        self.tx, self.ty = self.xy(end.lat, end.lon)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Local east/north metres (equirectangular: exact enough within tens of km)."""
        k = math.radians(1.0) * EARTH_RADIUS_M
        return (lon - self.airport.lon) * k * self.coslat, (lat - self.airport.lat) * k

    def along(self, lat: float, lon: float) -> float:
        """Distance past the threshold along the landing direction, m (negative before it)."""
        x, y = self.xy(lat, lon)
        return (x - self.tx) * self.ux + (y - self.ty) * self.uy

    def cross(self, lat: float, lon: float) -> float:
        """Distance right of the runway axis, m."""
        x, y = self.xy(lat, lon)
        return (x - self.tx) * self.uy - (y - self.ty) * self.ux

    def point(self, along_m: float, right_m: float) -> tuple[float, float]:
        """(lat, lon) of a point in runway coordinates."""
        x = self.tx + along_m * self.ux + right_m * self.uy
        y = self.ty + along_m * self.uy - right_m * self.ux
        k = math.radians(1.0) * EARTH_RADIUS_M
        return self.airport.lat + y / k, self.airport.lon + x / (k * self.coslat)

    def course(self, lat: float, lon: float, offset_m: float = 0.0, reverse: bool = False) -> float:
        """Track to fly to join and follow a line parallel to the axis, ``offset_m`` to its right."""
        xte = self.cross(lat, lon) - offset_m
        heading = self.heading
        if reverse:
            heading, xte = heading + 180.0, -xte
        correction = INTERCEPT_MAX_DEG * max(-1.0, min(1.0, xte / INTERCEPT_FULL_M))
        return (heading - correction) % 360.0


class _Pilot:
    """The per-second pilot model (see the module docstring); it records what it flies."""

    def __init__(
        self, wind: Wind, start: int, lat: float, lon: float, alt_ft: float, rate_fpm: float,
        tas_kt: float, track_deg: float,
    ) -> None:  # fmt: skip
        self.wind = wind
        self.k = start  # trajectory index of the next sample
        self.lat, self.lon, self.track = lat, lon, track_deg
        self.alt, self.rate, self.tas = alt_ft, rate_fpm, tas_kt  # the mean motion
        self.bank_deg = MAX_BANK_DEG
        self.phugoid: tuple[int, float, float] | None = None  # start, period s, amplitude ft
        self.taper = 1.0
        self.rows: dict[str, list[float]] = {
            name: [] for name in ("lat", "lon", "alt", "tas", "track", "gs")
        }
        self.start = start

    def oscillation_ft(self) -> float:
        if self.phugoid is None:
            return 0.0
        t0, period, amplitude = self.phugoid
        tau = self.k - t0
        ramp = min(1.0, tau / period)
        envelope = ramp * ramp * (3.0 - 2.0 * ramp)  # smoothstep over the first period
        return amplitude * envelope * self.taper * math.sin(2.0 * math.pi * tau / period)

    @property
    def true_alt(self) -> float:
        return self.alt + self.oscillation_ft()

    def fail(self, period_s: float, amplitude_ft: float) -> None:
        self.bank_deg = FAILED_BANK_DEG
        self.phugoid = (self.k, period_s, amplitude_ft)

    def turn_limit_deg_s(self, tas_kt: float) -> float:
        v = max(tas_kt * MPS_PER_KT, 1.0)
        return min(
            STANDARD_RATE_DEG_S, math.degrees(ISA_G0 * math.tan(math.radians(self.bank_deg)) / v)
        )

    def gs_kt(self) -> float:
        gs, _ = ground_speed(np.array([self.tas]), np.array([self.track]), self.wind)
        return float(gs[0])

    def bearing_to(self, lat: float, lon: float) -> float:
        return float(bearing_deg(self.lat, self.lon, lat, lon))

    def distance_to(self, lat: float, lon: float) -> float:
        return float(distance_m(self.lat, self.lon, lat, lon))

    def orbit(self, center: tuple[float, float], radius_m: float, side: int) -> float:
        """Track to fly along a circle round ``center`` (side +1 clockwise)."""
        radial = float(bearing_deg(*center, self.lat, self.lon))
        off = (float(distance_m(*center, self.lat, self.lon)) - radius_m) / INTERCEPT_FULL_M
        correction = ORBIT_CORRECTION_MAX_DEG * max(-1.0, min(1.0, off))
        return (radial + side * (90.0 + correction)) % 360.0

    def step(
        self, track_to: float, alt_to: float, ias_kt: float, climb_fpm: float, descent_fpm: float,
        feed_fpm: float = 0.0,
    ) -> None:  # fmt: skip
        """Record this second, then steer, climb or descend, and move on by one second."""
        if self.k - self.start > MAX_PILOT_S:
            raise UsageError(
                f"incident: the flight did not end within {MAX_PILOT_S // 3600} h of its first "
                "go-around; check the [incident] ranges of the scenario"
            )
        osc = self.oscillation_ft()
        v2 = (self.tas * MPS_PER_KT) ** 2 - 2.0 * ISA_G0 * osc * M_PER_FT
        tas = math.sqrt(max(v2, MIN_TAS_MPS**2)) * KT_PER_MPS
        gs, _ = ground_speed(np.array([tas]), np.array([self.track]), self.wind)
        row = self.rows
        row["lat"].append(self.lat)
        row["lon"].append(self.lon)
        row["alt"].append(self.alt + osc)
        row["tas"].append(tas)
        row["track"].append(self.track)
        row["gs"].append(float(gs[0]))
        lat, lon = destination(self.lat, self.lon, self.track, float(gs[0]) * MPS_PER_KT)
        self.lat, self.lon = float(lat), float(lon)
        limit = self.turn_limit_deg_s(tas)
        turn = (track_to - self.track + 180.0) % 360.0 - 180.0
        self.track = (self.track + max(-limit, min(limit, turn))) % 360.0
        want = feed_fpm + CAPTURE_GAIN_PER_MIN * (alt_to - self.alt)
        want = max(-descent_fpm, min(climb_fpm, want))
        self.rate += max(-VERTICAL_ACCEL_FPM_S, min(VERTICAL_ACCEL_FPM_S, want - self.rate))
        self.alt += self.rate / 60.0
        target = float(cas_to_tas_kt(ias_kt, self.alt))
        self.tas += max(-LEVEL_ACCEL_KT_S, min(LEVEL_ACCEL_KT_S, target - self.tas))
        self.k += 1


def draw_script(
    rng: np.random.Generator,
    *,
    go_around_ft: tuple[float, float],
    failure_ft: tuple[float, float],
    hold_min: tuple[float, float],
    phugoid_period_s: tuple[float, float],
    phugoid_amplitude_ft: tuple[float, float],
    cruise_ft: tuple[float, float],
    crash_short_km: tuple[float, float],
    perf: Performance,
) -> Script:
    """One flight's choices, drawn in a fixed order from ``rng`` (ranges from the scenario)."""
    ga = (float(rng.uniform(*go_around_ft)), float(rng.uniform(*go_around_ft)))
    amplitude = float(rng.uniform(*phugoid_amplitude_ft))
    wander = tuple(
        (
            float(rng.uniform(*WANDER_DEG)),
            float(rng.uniform(*WANDER_PERIOD_S)),
            float(rng.uniform(0.0, 2.0 * math.pi)),
        )
        for _ in range(WANDER_TERMS)
    )
    return Script(
        go_around_ft=ga,
        circuit_side=int(rng.choice([-1, 1])),
        downwind_m=float(rng.uniform(*DOWNWIND_M)),
        failure_ft=float(rng.uniform(*failure_ft)),
        hold_bearing_deg=float(rng.uniform(0.0, 360.0)),
        hold_distance_m=float(rng.uniform(*HOLD_DISTANCE_M)),
        hold_side=int(rng.choice([-1, 1])),
        hold_s=float(rng.uniform(*hold_min)) * 60.0,
        hold_agl_ft=float(rng.uniform(*HOLD_CLEARANCE_FT)) + amplitude,
        hold_ias_kt=perf.min_clean_kt + float(rng.uniform(*HOLD_PLUS_KT)),
        phugoid_period_s=float(rng.uniform(*phugoid_period_s)),
        phugoid_amplitude_ft=amplitude,
        cruise_ft=float(rng.uniform(*cruise_ft)),
        cruise_ias_kt=perf.min_clean_kt + float(rng.uniform(*DIVERSION_PLUS_KT)),
        wander=wander,
        arrival_side=int(rng.choice([-1, 1])),
        dive_deg=float(rng.uniform(*DIVE_DEG)),
        crash_short_m=float(rng.uniform(*crash_short_km)) * 1000.0,
    )


def _first(mask: np.ndarray, what: str) -> int:
    hits = np.flatnonzero(mask)
    if not len(hits):
        raise UsageError(f"incident: the flight never {what}; check the [incident] ranges")
    return int(hits[0])


def fly_incident(
    route: IncidentRoute,
    perf: Performance,
    depart_s: int,
    wind: Wind,
    offset: GeomOffset,
    script: Script,
) -> tuple[Trajectory, Events]:
    """The incident flight whose take-off roll starts at ``depart_s``, and its events."""
    dest, div = route.destination, route.diversion
    base = fly(route.origin, dest, perf, depart_s, wind, offset)
    # The runway ends: the destination's is the one fly() landed on.
    rwy1 = _Runway(dest, runway_in_use(dest, wind, perf))
    rwy2 = _Runway(div, runway_in_use(div, wind, perf))
    e1, e2 = rwy1.end.elevation_ft, rwy2.end.elevation_ft
    height = base.alt_baro_ft - e1
    final = (base.phase == DESCENT) & (np.arange(base.n) > base.liftoff)
    start1 = _first(final & (height <= FINAL_AGL_FT), "reached its final approach")
    g1 = _first(final & (height <= script.go_around_ft[0]), "descended to its go-around height")
    p = _Pilot(
        wind, g1, float(base.lat[g1]), float(base.lon[g1]), float(base.alt_baro_ft[g1]),
        float(base.vrate_fpm[g1]), float(base.tas_kt[g1]), float(base.track_deg[g1]),
    )  # fmt: skip
    tan_gp = math.tan(math.radians(GLIDE_PATH_DEG))
    platform = e1 + FINAL_AGL_FT
    vapp = perf.vat_kt + VAPP_PLUS_KT
    ga_ias = perf.v2_kt + GO_AROUND_PLUS_KT

    def ias_after_go_around() -> float:
        return ga_ias if p.alt - e1 < CLEAN_UP_AGL_FT else perf.min_clean_kt

    # 1. First go-around: straight ahead, climbing to the intercept altitude.
    while rwy1.along(p.lat, p.lon) < rwy1.length_m + UPWIND_M:
        p.step(rwy1.course(p.lat, p.lon), platform, ias_after_go_around(), GO_AROUND_CLIMB_FPM,
               perf.approach_rod_fpm)  # fmt: skip
    downwind = p.k
    # 2. Downwind, opposite to the landing direction, to beyond the glide-path intercept.
    intercept_m = FINAL_AGL_FT * M_PER_FT / tan_gp - AIM_POINT_M
    side = script.circuit_side * script.downwind_m
    while rwy1.along(p.lat, p.lon) > -(intercept_m + BASE_BEYOND_M):
        p.step(rwy1.course(p.lat, p.lon, side, reverse=True), platform, perf.min_clean_kt,
               GO_AROUND_CLIMB_FPM, perf.approach_rod_fpm)  # fmt: skip
    # 3. Base, final and the second approach on the glide path.
    start2 = -1
    while True:
        before = -rwy1.along(p.lat, p.lon)
        glide = e1 + (before + AIM_POINT_M) * tan_gp / M_PER_FT
        feed = 0.0
        if glide < platform:
            start2 = p.k if start2 < 0 else start2
            feed = -p.gs_kt() * FPM_PER_KT * tan_gp
            if p.true_alt - e1 <= script.go_around_ft[1]:
                break
        ias = vapp if before < intercept_m + SLOW_DOWN_M else perf.min_clean_kt
        p.step(rwy1.course(p.lat, p.lon), min(platform, glide), ias, GO_AROUND_CLIMB_FPM,
               perf.approach_rod_fpm, feed)  # fmt: skip
    # 4. Second go-around, the turn towards the hold, and the failure in the climb.
    clat, clon = destination(dest.lat, dest.lon, script.hold_bearing_deg, script.hold_distance_m)
    center = (float(clat), float(clon))
    climb_to = e1 + script.failure_ft + GA_ABOVE_FAILURE_FT
    while p.true_alt - e1 < script.failure_ft:
        ahead = p.alt - e1 < GA_TURN_AGL_FT
        track = rwy1.course(p.lat, p.lon) if ahead else p.bearing_to(*center)
        p.step(track, climb_to, ias_after_go_around(), GO_AROUND_CLIMB_FPM, perf.approach_rod_fpm)
    failure = p.k
    p.fail(script.phugoid_period_s, script.phugoid_amplitude_ft)
    # 5. To the holding circle, and round it while the crew decides.
    hold_alt = e1 + script.hold_agl_ft
    tas_hold = float(cas_to_tas_kt(script.hold_ias_kt, hold_alt)) * MPS_PER_KT
    swing = ISA_G0 * script.phugoid_amplitude_ft * M_PER_FT / tas_hold
    fastest = tas_hold + swing + wind.speed_kt * MPS_PER_KT
    slowest_rate = ISA_G0 * math.tan(math.radians(FAILED_BANK_DEG)) / (tas_hold + swing)
    radius = HOLD_RADIUS_FACTOR * fastest / slowest_rate
    while abs(p.distance_to(*center) - radius) > INTERCEPT_FULL_M:
        p.step(p.orbit(center, radius, script.hold_side), hold_alt, script.hold_ias_kt,
               FAILED_CLIMB_FPM, FAILED_DESCENT_FPM)  # fmt: skip
    hold_start = p.k
    while p.k < hold_start + script.hold_s:
        p.step(p.orbit(center, radius, script.hold_side), hold_alt, script.hold_ias_kt,
               FAILED_CLIMB_FPM, FAILED_DESCENT_FPM)  # fmt: skip
    decision = p.k
    # 6. The diversion, direct to the arrival fix.
    fix = rwy2.point(-ARRIVAL_FIX_M, 0.0)
    arrival_alt = e2 + ARRIVAL_AGL_FT
    tan_profile = math.tan(math.radians(DESCENT_PROFILE_DEG))
    while (d := p.distance_to(*fix)) > FIX_REACHED_M:
        tau = p.k - decision
        fade = max(0.0, min(1.0, (d - WANDER_FADE_M[0]) / (WANDER_FADE_M[1] - WANDER_FADE_M[0])))
        wander = fade * sum(
            a * math.sin(2 * math.pi * tau / per + ph) for a, per, ph in script.wander
        )
        target = min(script.cruise_ft, arrival_alt + d * tan_profile / M_PER_FT)
        ias = script.cruise_ias_kt if d > ARRIVAL_SLOW_M else perf.min_clean_kt
        p.step(p.bearing_to(*fix) + wander, target, ias, FAILED_CLIMB_FPM, FAILED_DESCENT_FPM)
    arrival = p.k
    # 7. One circle at the fix, then the final and the dive short of the runway.
    turned = 0.0
    while turned < 360.0:
        before_track = p.track
        p.step(p.track + script.arrival_side * 90.0, arrival_alt, perf.min_clean_kt,
               FAILED_CLIMB_FPM, FAILED_DESCENT_FPM)  # fmt: skip
        turned += abs((p.track - before_track + 180.0) % 360.0 - 180.0)
    final_start = p.k
    tan_dive = math.tan(math.radians(script.dive_deg))
    while True:
        to_go = -script.crash_short_m - rwy2.along(p.lat, p.lon)
        dive = e2 + max(to_go, 0.0) * tan_dive / M_PER_FT
        feed = -p.gs_kt() * FPM_PER_KT * tan_dive if dive < arrival_alt else 0.0
        p.taper = max(0.0, min(1.0, (to_go - TAPER_END_M) / TAPER_M))
        if p.true_alt <= e2:
            break
        p.step(rwy2.course(p.lat, p.lon), min(arrival_alt, dive), perf.vat_kt + FINAL_PLUS_KT,
               FAILED_CLIMB_FPM, DIVE_MAX_FPM, feed)  # fmt: skip
    # The impact: one more sample, on the ground level.
    p.step(rwy2.course(p.lat, p.lon), e2, perf.vat_kt + FINAL_PLUS_KT, 0.0, DIVE_MAX_FPM)
    p.rows["alt"][-1] = e2

    traj = _join(base, g1, p, wind, offset)
    crash = traj.n - 1
    alt = traj.alt_baro_ft
    lowest1 = start1 + int(np.argmin(alt[start1:downwind]))
    lowest2 = start2 + int(np.argmin(alt[start2:failure]))
    approaches = (
        Approach(start1, lowest1, float(alt[lowest1] - e1)),
        Approach(start2, lowest2, float(alt[lowest2] - e1)),
    )
    return traj, Events(
        approaches=approaches,
        failure=failure,
        hold=(hold_start, decision),
        hold_center=center,
        hold_radius_m=radius,
        arrival=arrival,
        final=final_start,
        crash=crash,
        runways=(rwy1.end, rwy2.end),
    )


def _join(base: Trajectory, cut: int, p: _Pilot, wind: Wind, offset: GeomOffset) -> Trajectory:
    """The ordinary flight up to ``cut`` followed by what the pilot model flew."""
    r = {k: np.asarray(v, dtype=np.float64) for k, v in p.rows.items()}
    lat = np.r_[base.lat[:cut], r["lat"]]
    lon = np.r_[base.lon[:cut], r["lon"]]
    alt = np.r_[base.alt_baro_ft[:cut], r["alt"]]
    tas = np.r_[base.tas_kt[:cut], r["tas"]]
    track = np.r_[base.track_deg[:cut], r["track"]]
    gs = np.r_[base.gs_kt[:cut], r["gs"]]
    n = len(lat)
    # Rates of the flown part from its altitudes (continuous with the part before).
    flown_rate = np.gradient(alt[cut - 1 :])[1:] * 60.0
    vrate = np.r_[base.vrate_fpm[:cut], flown_rate]
    phase = np.where(
        flown_rate > PHASE_RATE_FPM, CLIMB, np.where(flown_rate < -PHASE_RATE_FPM, DESCENT, CRUISE)
    )
    phases = np.r_[base.phase[:cut], phase].astype(np.int8)
    _, heading = ground_speed(tas, track, wind)
    heading = np.r_[base.heading_deg[:cut], heading[cut:]]
    turn = np.gradient(np.unwrap(np.radians(track)))
    roll = np.degrees(np.arctan(turn * tas * MPS_PER_KT / ISA_G0))
    roll = np.r_[base.roll_deg[:cut], roll[cut:]]
    t_s = base.start_s + np.arange(n, dtype=np.float64)
    geom = alt + offset(lat, lon, t_s, alt)
    return Trajectory(
        start_s=base.start_s,
        lat=lat,
        lon=lon,
        alt_baro_ft=alt,
        alt_geom_ft=geom,
        gs_kt=gs,
        track_deg=track % 360.0,
        heading_deg=heading,
        vrate_fpm=vrate,
        geom_rate_fpm=np.gradient(geom) * 60.0,
        ias_kt=np.r_[base.ias_kt[:cut], tas_to_cas_kt(tas[cut:], alt[cut:])],
        tas_kt=tas,
        mach=tas_to_mach(tas, alt),
        roll_deg=roll,
        phase=phases,
        liftoff=base.liftoff,
        touchdown=n,  # none: the flight ends in the crash
        cruise_ft=base.cruise_ft,
    )


__all__ = ["Approach", "Events", "Script", "draw_script", "fly_incident"]
