"""The incident scenario: one flight through jamming to a crash short of a runway.

In the spirit of Azerbaijan Airlines flight 8243 (25 December 2024), not a
copy of it. A scenario with an ``[incident]`` table (``incident.toml``) adds,
to its background traffic, one flight that, per seed:

- flies one of the scenario's candidate routes (real airports: an origin, a
  destination and a diversion airport across a sea), drawn per seed;
- enters the area of a jammer placed near its destination (on the side of the
  origin, drawn per seed) and loses GNSS: its records have no position and
  NIC, NACp and NACv 0, while barometric altitude, ground speed, track,
  heading and airspeeds keep coming;
- flies two approaches at the destination and goes around twice;
- suffers a failure while climbing after the second go-around: the autopilot
  disengages (``nav_modes`` without ``autopilot``), squawk 7700 and emergency
  ``general`` follow a little later, and the altitude oscillates (a phugoid,
  speed in anti-phase);
- circles while the crew decides, then diverts across the sea, positions
  still missing for most of the way; for a few minutes the records carry
  values no aircraft could have (a frozen pair such as 52 kt at 14,000 ft, or
  altitude and speed bursts);
- has positions again near the end (its receivers re-acquire long after
  leaving the jammer's reach: a modelling choice after flight 8243, whose
  positions came back only over the sea), circles once near the diversion
  airport and descends steeply into the ground a few km short of the runway;
  its records end seconds before the impact, airborne and descending fast.

The flight's path is :mod:`skywitness.sim.incident_flight`; this module draws
the choices, places the jammer and sets the window, degrades the records and
writes the truth (``truth.json``, ``incident``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.atmosphere import ISA_G0
from skywitness.model.geo import bearing_deg, destination, distance_m
from skywitness.model.units import KT_PER_MPS, M_PER_FT, MPS_PER_KT, NS_PER_S
from skywitness.sim import jammer
from skywitness.sim.claims import generate_claims
from skywitness.sim.fleet import ICAO_RANGE, NORMAL_NIC, Aircraft, Leg, squawk
from skywitness.sim.flight import GeomOffset, RunwayInUse, Trajectory, Wind, fly, height_m
from skywitness.sim.incident_flight import PHASE_RATE_FPM, Events, Script, draw_script, fly_incident
from skywitness.sim.model import Emitter, IncidentRoute, Scenario
from skywitness.sim.performance import TYPES, Performance
from skywitness.sim.scenario import START_GRID_S
from skywitness.sim.state import broadcast_state
from skywitness.sim.status import (
    EMERGENCY_SQUAWK,
    EMERGENCY_STATUS,
    NOT_SENT,
    Status,
    mode_mask,
)
from skywitness.sim.truth import flight_truth, iso, span

Float = NDArray[np.float64]

#: The jammer's id in the truth.
JAMMER_ID = "incident-jammer"
#: The incident aircraft's accuracy while GNSS works: NACp 9 (EPU < 30 m) and
#: NACv 1, common values of an airliner (sim/fleet.py's NORMAL_NAC_P).
NAC_P = 9
NAC_V = 1
#: The true path in the truth: a sample every this many seconds (and the last one).
TRUE_PATH_STEP_S = 5
#: Corrupted values keep this far from the ends of the stretch they are placed in, s.
CORRUPTION_MARGIN_S = 60
#: "Frozen" corruption: one altitude and one ground speed repeated, with a
#: 25 ft / 1 kt flicker. Flight 8243's record showed 14,025 ft at 52 kt:
#: speeds below any airliner's stall speed at altitudes an approach never sees.
FROZEN_ALT_FT = (10_000.0, 16_000.0)
FROZEN_GS_KT = (30.0, 80.0)
#: The frozen altitude keeps at least this far from the true one, ft.
FROZEN_CLEAR_FT = 3000.0
#: "Bursts": runs of this many seconds with altitude jumps and impossible
#: speeds, separated by gaps of true values (modelling choice).
BURST_S = (3, 12)
BURST_GAP_S = (4, 25)
BURST_ALT_FT = (5000.0, 20_000.0)
#: Ground speeds in a burst: far too slow or far too fast for an airliner, kt.
BURST_GS_KT = ((0.0, 40.0), (650.0, 1000.0))
#: Highest corrupted altitude written, ft (within what the readers accept).
BURST_ALT_MAX_FT = 60_000.0
#: Fields a corruption replaces, named as in the canonical report schema.
CORRUPTED_FIELDS = ("alt_baro_ft", "gs_kt")

#: The claims file written beside ``truth.json`` (:mod:`skywitness.sim.claims`).
CLAIMS_FILE = "claims.json"
#: Claims seeds are drawn below this bound (any 63-bit integer).
CLAIMS_SEED_BOUND = 2**63 - 1

#: What ``truth.json``'s ``incident`` object says (written into its definitions).
DEFINITION = (
    "one flight (icao24) that loses GNSS in the jammer's area near its destination: "
    "jammed.positions_absent is the half-open [start, end) of its records without position "
    "(NIC, NACp, NACv 0; altitude, speeds, track and heading still sent), jammed.in_zone its "
    "geometric presence in the jammer's zones. approaches: glide-path intercept (start), the "
    "second of the lowest height (go_around) and that height above the threshold elevation "
    "(min_height_ft, barometric) of the runway end approached: runway (its ident; null where "
    "the airport has no runway data and the simulator made one up), runway_deg (true heading), "
    "threshold and elevation_ft (the threshold's). "
    "failure: the autopilot disengages (nav_modes without autopilot from then on); "
    "emergency: squawk 7700 and emergency general from its time. oscillation: a phugoid "
    "from the failure, altitude amplitude_ft (half the peak-to-peak) and period_s, its "
    "envelope growing over the first period and fading on the last final; air and ground "
    "speed in anti-phase (speed_amplitude_kt at the hold's mean speed). hold: circles while "
    "the crew decides; decision: from its time, direct to the arrival fix of the diversion "
    "airport. corrupted: half-open intervals whose records carry false values of the listed "
    "fields (frozen: one implausible altitude and speed pair; bursts: runs of altitude jumps "
    "and impossible speeds between true values). positions_back: the first record with a "
    "position again; last_record: the last record (airborne); crash: where the altitude "
    "reaches the threshold elevation (elevation_ft) of the diversion airport's runway end "
    "(runway, runway_deg, threshold), short of that threshold on its extended centreline. "
    "true_path: where the aircraft truly was (no corrupted values), every step_s seconds "
    "and at the impact. claims: the claims file written beside truth.json (file), drawn from "
    "this object with seed, and per claim id its truth (true; for a false claim off: the "
    "quantity, the amount, its unit and tolerance; observation errors, clock offset, the "
    "height reference used, and record: positions or no_positions at the time), see "
    "skywitness.sim.claims."
)


@dataclass(frozen=True)
class Corruption:
    """An interval of corrupted values, half-open [start, end) in trajectory indices."""

    kind: str  # "frozen" or "bursts"
    start: int
    end: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """Everything drawn for the incident flight, and the scenario it flies in."""

    #: The scenario with the background airports near the route, the jammer and the window.
    scenario: Scenario
    route: IncidentRoute
    emitter: Emitter
    perf: Performance
    icao24: str
    callsign: str
    squawk: str
    delays: tuple[float, float, float]
    script: Script
    traj: Trajectory
    events: Events
    squawk_at: int
    #: Positions come back here at the earliest (later if the jammer still reaches the flight).
    back_at: int
    #: The first second without records (the records end before the impact).
    records_end: int
    corruptions: tuple[Corruption, ...]
    bad_alt_ft: Float
    bad_gs_kt: Float
    #: The seed of the incident's claims file (drawn last: no other draw changes).
    claims_seed: int = 0


@dataclass(frozen=True)
class Gnss:
    """Where the flight's positions are absent: [start, end) in trajectory indices."""

    start: int
    end: int


def plan(sc: Scenario, rng: np.random.Generator, wind: Wind, offset: GeomOffset) -> Plan:
    """Draw the incident flight of ``sc`` (which has an ``[incident]`` table), fly it, and
    fit the scenario to it: background airports near the route, the jammer, the window."""
    inc = sc.incident
    if inc is None:
        raise UsageError(f"{sc.source}: no [incident] table")
    perf = TYPES[inc.type]
    route = inc.routes[int(rng.integers(len(inc.routes)))]
    origin, dest = route.origin, route.destination
    course = float(bearing_deg(dest.lat, dest.lon, origin.lat, origin.lon))
    spread = inc.jammer.bearing_spread_deg
    bearing = course + float(rng.uniform(-spread, spread))
    jlat, jlon = destination(
        dest.lat, dest.lon, bearing, float(rng.uniform(*inc.jammer.distance_km)) * 1000.0
    )
    emitter = Emitter(
        id=JAMMER_ID, lat=round(float(jlat), 4), lon=round(float(jlon), 4),
        height_m=inc.jammer.height_m, range_km=inc.jammer.range_km,
        fringe_km=inc.jammer.fringe_km, power_w=inc.jammer.power_w, active=((sc.start_s, sc.end_s),),
    )  # fmt: skip
    script = draw_script(
        rng, go_around_ft=inc.go_around_height_ft, failure_ft=inc.failure_height_ft,
        hold_min=inc.hold_min, phugoid_period_s=inc.phugoid_period_s,
        phugoid_amplitude_ft=inc.phugoid_amplitude_ft, cruise_ft=inc.diversion_alt_ft,
        crash_short_km=inc.crash_short_km, perf=perf,
    )  # fmt: skip
    entry_after_s = round(float(rng.uniform(*inc.entry_after_min)) * 60.0)
    callsign = f"{rng.choice(inc.airlines)}{int(rng.integers(1, 10_000))}"
    code = squawk(rng)
    icao24 = f"{int(rng.integers(*ICAO_RANGE)):06x}"
    delays = jammer.receiver_delays(rng)

    # Departure: the flight enters the jammer's loss zone entry_after_s into the window.
    probe = fly(origin, dest, perf, sc.start_s, wind, offset)
    always = replace(emitter, active=((probe.start_s, probe.start_s + probe.n),))
    level, _ = jammer.zone(always, probe.t_s, probe.lat, probe.lon, height_m(probe))
    reached = np.flatnonzero(level == jammer.LOST)
    if not len(reached):
        raise UsageError(
            f"{sc.source}: incident: the jammer never reaches the flight {origin.icao}-{dest.icao}"
        )
    entry = int(reached[0])
    depart = sc.start_s + entry_after_s - entry
    traj, events = fly_incident(route, perf, depart, wind, offset, script)

    crash_s = traj.start_s + events.crash
    end_s = crash_s + round(inc.after_crash_min * 60.0)
    end_s = sc.start_s + math.ceil((end_s - sc.start_s) / START_GRID_S) * START_GRID_S
    if end_s > sc.end_s:
        raise UsageError(
            f"{sc.source}: incident: the crash at {iso(crash_s)} and {inc.after_crash_min:g} min "
            f"after it do not fit before the scenario's end {iso(sc.end_s)}: raise "
            "scenario.duration_min"
        )
    last = events.crash - round(float(rng.uniform(*inc.records_end_s)))
    back_at = events.crash - round(float(rng.uniform(*inc.positions_back_min)) * 60.0)
    squawk_at = events.failure + round(float(rng.uniform(*inc.squawk_after_s)))
    corruptions, bad_alt, bad_gs = _corrupt(rng, traj, events, entry, back_at, inc.corrupted_s)
    claims_seed = int(rng.integers(CLAIMS_SEED_BOUND))

    near = tuple(
        a for a in sc.traffic.airports
        if float(distance_m(dest.lat, dest.lon, a.lat, a.lon)) <= inc.background_radius_km * 1000.0
    )  # fmt: skip
    fitted = replace(
        sc,
        duration_s=end_s - sc.start_s,
        traffic=replace(sc.traffic, airports=near),
        emitters=(*sc.emitters, replace(emitter, active=((sc.start_s, end_s),))),
    )
    return Plan(
        scenario=fitted, route=route, emitter=fitted.emitters[-1], perf=perf, icao24=icao24,
        callsign=callsign, squawk=code, delays=delays, script=script, traj=traj, events=events,
        squawk_at=squawk_at, back_at=back_at, records_end=last + 1,
        corruptions=corruptions, bad_alt_ft=bad_alt, bad_gs_kt=bad_gs, claims_seed=claims_seed,
    )  # fmt: skip


def _corrupt(
    rng: np.random.Generator, traj: Trajectory, ev: Events, entry: int, back: int,
    length_s: tuple[float, float],
) -> tuple[tuple[Corruption, ...], Float, Float]:  # fmt: skip
    """One or two intervals of corrupted altitude and speed, and the values sent in them.

    Two stretches where positions are absent can take them: the jammed descent
    before the first approach and the crossing to the diversion airport. A
    frozen pair prefers the first, bursts the second; when both go into one
    stretch, the frozen pair takes its first half and the bursts the second.
    """
    n = traj.n
    bad_alt, bad_gs = np.full(n, np.nan), np.full(n, np.nan)
    kinds = (
        ["frozen", "bursts"]
        if int(rng.integers(1, 3)) == 2
        else [str(rng.choice(["frozen", "bursts"]))]
    )
    lengths = [round(float(rng.uniform(*length_s))) for _ in kinds]
    m = CORRUPTION_MARGIN_S
    stretches = [(entry + m, ev.approaches[0].start - m), (ev.hold[1] + m, back - m)]
    hosts: dict[int, list[int]] = {}  # stretch -> the kinds it takes
    for k, kind in enumerate(kinds):
        order = [0, 1] if kind == "frozen" else [1, 0]
        fits = [s for s in order if stretches[s][1] - stretches[s][0] >= lengths[k]]
        hosts.setdefault((fits or order)[0], []).append(k)
    rooms: dict[int, tuple[int, int]] = {}
    for s, ks in hosts.items():
        a0, b0 = stretches[s]
        if len(ks) == 1:
            rooms[ks[0]] = (a0, b0)
        else:
            rooms[ks[0]], rooms[ks[1]] = (a0, (a0 + b0) // 2), ((a0 + b0) // 2, b0)
    out = []
    for k, kind in enumerate(kinds):
        room = rooms[k]
        length = min(lengths[k], room[1] - room[0])
        if length <= 0:
            continue
        a = int(rng.integers(room[0], room[1] - length + 1))
        b = a + length
        if kind == "frozen":
            alt = float(rng.uniform(*FROZEN_ALT_FT))
            true = traj.alt_baro_ft[a:b]
            if np.min(np.abs(true - alt)) < FROZEN_CLEAR_FT:
                alt = float(np.max(true)) + FROZEN_CLEAR_FT + float(rng.uniform(0.0, 2000.0))
            gs = float(rng.uniform(*FROZEN_GS_KT))
            bad_alt[a:b] = alt + 25.0 * rng.integers(-1, 2, size=length)
            bad_gs[a:b] = gs + rng.integers(-1, 2, size=length)
        else:
            i, last = a, a
            while i < b:
                run = int(rng.integers(BURST_S[0], BURST_S[1] + 1))
                j = min(i + run, b)
                jump = float(rng.uniform(*BURST_ALT_FT)) * float(rng.choice([-1.0, 1.0]))
                jumped = traj.alt_baro_ft[i:j] + jump
                if jump < 0 and np.min(jumped) < 0:  # never below the sea: jump up instead
                    jumped = traj.alt_baro_ft[i:j] - jump
                bad_alt[i:j] = np.minimum(jumped, BURST_ALT_MAX_FT)
                lo, hi = BURST_GS_KT[int(rng.integers(0, 2))]
                bad_gs[i:j] = rng.uniform(lo, hi, size=j - i)
                last = j
                i = j + int(rng.integers(BURST_GAP_S[0], BURST_GAP_S[1] + 1))
            b = last
        out.append(Corruption(kind, a, b, CORRUPTED_FIELDS))
    out.sort(key=lambda c: c.start)
    return tuple(out), bad_alt, bad_gs


def fly_leg(
    p: Plan, index: int, taken: set[str], number: int, rng: np.random.Generator
) -> tuple[Aircraft, Leg, Gnss]:
    """The incident aircraft and its leg with its broadcast state, records and status."""
    icao24 = p.icao24
    while icao24 in taken:  # never the address of a background aircraft
        icao24 = f"{int(icao24, 16) + 1:06x}"
    ac = Aircraft(
        index=index, icao24=icao24, perf=p.perf, airline=p.callsign[:3], source="adsb", version=2,
        nic=NORMAL_NIC, nac_p=NAC_P, nac_v=NAC_V, faulty=False, ehs=True, delays=p.delays,
    )  # fmt: skip
    sc, tr = p.scenario, p.traj
    inside = np.flatnonzero((tr.t_s >= sc.start_s) & (tr.t_s < sc.end_s))
    leg = Leg(
        aircraft=ac, number=number, callsign=p.callsign, squawk=p.squawk, origin=p.route.origin,
        dest=p.route.destination, traj=tr, window=slice(int(inside[0]), int(inside[-1]) + 1),
    )  # fmt: skip
    broadcast_state(sc, leg, rng)
    return ac, leg, _degrade(p, leg)


def _degrade(p: Plan, leg: Leg) -> Gnss:
    """GNSS lost from the jammer's first loss until positions come back; records to their
    end; emergency, autopilot modes and corrupted values."""
    n = leg.traj.n
    lost = np.flatnonzero(leg.level == jammer.LOST)
    if not len(lost):
        raise UsageError(f"{p.scenario.source}: incident: the flight never lost GNSS")
    start = int(lost[0])
    end = max(p.back_at, int(lost[-1]) + 1)
    if end >= p.records_end:
        raise UsageError(
            f"{p.scenario.source}: incident: the jammer still reaches the flight when its "
            "records end; place it farther from the diversion airport"
        )
    added = np.zeros(n, dtype=bool)
    added[start:end] = leg.level[start:end] != jammer.LOST
    leg.level[start:end] = jammer.LOST
    leg.nic[added], leg.nac_p[added], leg.nac_v[added] = 0, 0, 0
    heard = np.ones(n, dtype=bool)
    heard[p.records_end :] = False
    # Below the receivers' line of sight in the last seconds before the impact.
    leg.heard, leg.hole = heard, ~heard

    ev, vr = p.events, leg.traj.vrate_fpm
    modes = np.where(np.abs(vr) <= PHASE_RATE_FPM, mode_mask("althold"), mode_mask("vnav"))
    modes |= mode_mask("autopilot", "tcas")
    modes[:start] |= mode_mask("lnav")  # the FMS navigates on GNSS until it is lost
    for app in ev.approaches:
        modes[app.start : app.lowest + 1] = mode_mask("autopilot", "approach", "tcas")
    modes[ev.failure :] = mode_mask("tcas")  # autopilot off
    modes[: leg.traj.liftoff] = NOT_SENT
    leg.status = Status(
        emergency=np.arange(n) >= p.squawk_at,
        nav_modes=modes.astype(np.int8),
        bad_alt_ft=p.bad_alt_ft,
        bad_gs_kt=p.bad_gs_kt,
    )
    return Gnss(start, end)


def flight_record(p: Plan, leg: Leg) -> dict[str, Any]:
    """The incident's ``flights[]`` record: no landing; diverted, crashed."""
    rec = flight_truth(leg)
    crash_s = p.traj.start_s + p.events.crash
    rec.update(
        landing=None, landing_ns=None, diverted_to=p.route.diversion.icao,
        crash=iso(crash_s), crash_ns=crash_s * NS_PER_S,
    )  # fmt: skip
    return rec


def _interval(t0: int, a: int, b: int) -> dict[str, Any]:
    """Seconds ``[t0 + a, t0 + b)``: start, end and their nanoseconds."""
    out = span(t0, a, b, False)
    del out["truncated"]
    return out


def _at(tr: Trajectory, i: int) -> dict[str, Any]:
    t = tr.start_s + int(i)
    return {"time": iso(t), "time_ns": t * NS_PER_S}


def _where(tr: Trajectory, i: int) -> dict[str, Any]:
    return {
        **_at(tr, i),
        "lat": round(float(tr.lat[i]), 6),
        "lon": round(float(tr.lon[i]), 6),
        "alt_baro_ft": round(float(tr.alt_baro_ft[i])),
    }


def _threshold(end: RunwayInUse) -> dict[str, float]:
    return {"lat": round(end.lat, 6), "lon": round(end.lon, 6)}


def truth(p: Plan, leg: Leg, gnss: Gnss) -> dict[str, Any]:
    """The ``incident`` object of ``truth.json``."""
    tr, ev, route, s = p.traj, p.events, p.route, p.script
    dest, div = route.destination, route.diversion
    t0 = tr.start_s
    rwy1, rwy2 = ev.runways
    approaches = []
    for app in ev.approaches:
        approaches.append({
            "airport": dest.icao, "runway": rwy1.ident, "runway_deg": rwy1.heading_deg,
            "threshold": _threshold(rwy1), "elevation_ft": rwy1.elevation_ft,
            "start": iso(t0 + app.start), "start_ns": (t0 + app.start) * NS_PER_S,
            "go_around": iso(t0 + app.lowest), "go_around_ns": (t0 + app.lowest) * NS_PER_S,
            "min_height_ft": round(app.min_height_ft, 1),
        })  # fmt: skip
    failure = _where(tr, ev.failure)
    failure["height_ft"] = round(float(tr.alt_baro_ft[ev.failure]) - rwy1.elevation_ft)
    # The speed swing of the energy exchange (v dv = -g dh) at the mean speed of the hold.
    tas_mps = float(np.mean(tr.tas_kt[ev.hold[0] : ev.hold[1]])) * MPS_PER_KT
    speed_swing_kt = ISA_G0 * s.phugoid_amplitude_ft * M_PER_FT / tas_mps * KT_PER_MPS
    crash = _where(tr, ev.crash)
    crash.update(
        elevation_ft=rwy2.elevation_ft, short_of=div.icao, runway=rwy2.ident,
        runway_deg=rwy2.heading_deg, threshold=_threshold(rwy2),
        distance_to_threshold_km=round(
            float(distance_m(tr.lat[ev.crash], tr.lon[ev.crash], rwy2.lat, rwy2.lon)) / 1000.0, 3
        ),
    )  # fmt: skip
    w = leg.window
    path = np.unique(np.r_[np.arange(w.start, w.stop, TRUE_PATH_STEP_S), w.stop - 1])
    zones = [z for z in leg.zones if z["emitter"] == p.emitter.id]
    out = {
        "icao24": leg.aircraft.icao24,
        "callsign": p.callsign,
        "type": p.perf.icao_type,
        "origin": route.origin.icao,
        "destination": dest.icao,
        "diversion": div.icao,
        "jammer": p.emitter.id,
        "jammed": {
            "in_zone": zones,
            "positions_absent": _interval(t0, gnss.start, gnss.end),
        },
        "approaches": approaches,
        "failure": {**failure, "autopilot_off": True},
        "emergency": {
            "squawk": EMERGENCY_SQUAWK,
            "status": EMERGENCY_STATUS,
            **_at(tr, p.squawk_at),
        },
        "oscillation": {
            "kind": "phugoid",
            **_at(tr, ev.failure),
            "period_s": round(s.phugoid_period_s, 1),
            "amplitude_ft": round(s.phugoid_amplitude_ft, 1),
            "speed_amplitude_kt": round(speed_swing_kt, 1),
        },
        "hold": {
            **_interval(t0, ev.hold[0], ev.hold[1]),
            "center": {"lat": round(ev.hold_center[0], 6), "lon": round(ev.hold_center[1], 6)},
            "radius_km": round(ev.hold_radius_m / 1000.0, 2),
        },
        "decision": {
            "divert_to": div.icao,
            **_at(tr, ev.hold[1]),
            "arrival_fix": _where(tr, ev.arrival),
        },
        "corrupted": [
            {"kind": c.kind, "fields": list(c.fields), **_interval(t0, c.start, c.end)}
            for c in p.corruptions
        ],
        "positions_back": _where(tr, gnss.end),
        "last_record": _where(tr, p.records_end - 1),
        "crash": crash,
        "true_path": {
            "step_s": TRUE_PATH_STEP_S,
            "time_ns": [(t0 + int(i)) * NS_PER_S for i in path],
            "lat": np.round(tr.lat[path], 6).tolist(),
            "lon": np.round(tr.lon[path], 6).tolist(),
            "alt_baro_ft": np.round(tr.alt_baro_ft[path]).astype(int).tolist(),
            "alt_geom_ft": np.round(tr.alt_geom_ft[path]).astype(int).tolist(),
            "gs_kt": np.round(tr.gs_kt[path], 1).tolist(),
            "track_deg": np.round(tr.track_deg[path], 1).tolist(),
            "tas_kt": np.round(tr.tas_kt[path], 1).tolist(),
            "heading_deg": np.round(tr.heading_deg[path], 1).tolist(),
        },
    }
    _, claims_truth = generate_claims(out, p.claims_seed)
    out["claims"] = {"file": CLAIMS_FILE, "seed": p.claims_seed, "truth": claims_truth}
    return out


def claims_document(incident: dict[str, Any]) -> dict[str, Any]:
    """The claims file of an incident truth object (``truth.json``'s ``incident``, with
    its ``claims``): drawn again from its seed, the same claims its truth lists."""
    doc, _ = generate_claims(incident, int(incident["claims"]["seed"]))
    return doc


def write_claims(out: Path, incident: dict[str, Any]) -> Path:
    """Write the incident's claims file beside ``truth.json`` in ``out``; its path."""
    path = Path(out) / CLAIMS_FILE
    path.write_text(json.dumps(claims_document(incident), indent=1) + "\n", encoding="utf-8")
    return path


__all__ = [
    "CLAIMS_FILE",
    "JAMMER_ID",
    "Corruption",
    "Gnss",
    "Plan",
    "claims_document",
    "flight_record",
    "fly_leg",
    "plan",
    "truth",
    "write_claims",
]
