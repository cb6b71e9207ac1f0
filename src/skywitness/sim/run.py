"""Run a scenario: write readsb traces, readsb-hist snapshots and the ground truth.

``simulate(scenario, out)`` writes, under ``out``:

- ``traces/trace_full_<icao>.json``: one readsb trace per aircraft (every leg
  it flies in the window), a point every few seconds as readsb records them
  (20 s in steady cruise, 6 s climbing or descending, 3 s turning, 4 s on the
  ground, and at every change of state), the full aircraft dict on every
  fourth point and at changes, flag 1 (stale) on a position more than 20 s
  after the previous one, flag 2 (new leg) on the first airborne point of a leg;
- ``readsb-hist/YYYY/MM/DD/HHMMSSZ.json.gz``: a snapshot every 5 s, as
  ADS-B Exchange archives them (``now``, ``aircraft`` with ``seen`` and
  ``seen_pos``), when ``snapshots`` is true;
- ``truth.json``: what was simulated (below).

Same scenario, seed and size: the same bytes. The simulator writes data
records only; it decides which records are degraded and never models a
transmitted signal.

What a report shows, per second of the aircraft's *broadcast state*:

- normal: position, NIC, NACp, geometric altitude as the aircraft's avionics give them;
- ``degraded`` (inside an emitter's fringe): position still reported, NIC 5-7
  and NACp 4-7 (lower than normal), see :mod:`skywitness.sim.jammer`;
- ``lost`` (inside range and line of sight): NIC, NACp and NACv 0, no
  position (``lat``/``lon`` absent from snapshots, null in traces), no
  geometric altitude; barometric altitude, ground speed and track keep coming.

**Affected interval** (``truth.json``, ``aircraft[].affected[]``): a maximal
run of seconds in which the broadcast state is ``degraded`` or ``lost``,
half-open ``[start, end)`` on whole UTC seconds. ``start`` is the time of the
first degraded report, ``end`` the time of the first recovered report (the
first second the state is back to normal, or to a milder kind, which starts
the next interval). Every report whose time t satisfies start <= t < end
carries the interval's kind; every report outside all intervals is normal.
Reports exist only when the aircraft was heard: message dropouts and
coverage holes (``no_data``) remove reports without changing the state.
Intervals are clipped to the scenario window (``truncated`` says so).
The onset and recovery delays (seconds to minutes) are why an affected
interval starts after and ends after the aircraft's geometric presence in
the zone, which ``in_zone`` gives separately.

**Spoofed** (scenarios with spoofers, :mod:`skywitness.sim.spoofer`): the
report carries a *false* position, geometric altitude, ground speed, track and
geometric rate; barometric altitude and rate, heading and airspeeds stay
true. Phases: ``frozen`` (the last true solution held), ``attracted`` (within
the spoofer's reach: false positions near its attractor or on its circle),
``recovering`` (out of reach, still captured: the same false motion). Trusted
aircraft keep their normal NIC/NACp; the others report NIC 0-4, NACp 0-3,
NACv 0-1. A jamming loss takes precedence (no position at all).

**Spoofed interval** (``truth.json``, ``aircraft[].spoofed[]``): a maximal
run of whole UTC seconds whose reports carry a false position, half-open
``[start, end)``: ``start`` is the time of the first false report, ``end``
the time of the first report that is no longer false (true again, or without
position when a jamming loss cuts in). It names its spoofer, whether the
aircraft stayed ``trusted``, the ``phases`` in order, where the position
froze (``frozen_at``) and the true path sampled every 10 s and at the last
second (``true_path``, columns of equal length), to score a reconstruction
against. ``in_spoofing_zone`` gives the geometric reach, without delays.
These keys, and the top-level ``spoofers``, exist only in scenarios with
spoofers; ``affected`` is about jamming only.

Aircraft without quality fields (``mlat``: positions from multilateration,
unaffected by GNSS loss; ``adsb_v0``: no NIC/NACp, positions lost like
anyone's) and transponders with a permanently low NACp (``faulty_nac_p``)
are listed as such; an MLAT aircraft has no affected intervals.
"""

from __future__ import annotations

import gzip
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from skywitness.errors import UsageError
from skywitness.model.geo import distance_m
from skywitness.model.units import NS_PER_S
from skywitness.sim import jammer, spoofer
from skywitness.sim.flight import DESCENT, GeomOffset, Trajectory, Wind, fly, height_m
from skywitness.sim.performance import TYPES, Performance
from skywitness.sim.scenario import Airport, Scenario, load

# -- constants -----------------------------------------------------------------------

#: Snapshot cadence, s (ADS-B Exchange readsb-hist).
SNAPSHOT_STEP_S = 5
#: readsb keeps an aircraft in aircraft.json while any message came in the
#: last 30 s, or a position in the last 60 s (readsb README-json.md).
KEEP_ANY_S = 30.0
KEEP_POSITION_S = 60.0
#: readsb shows ``lastPosition`` once the regular position is older than 60 s.
LAST_POSITION_AFTER_S = 60.0
#: Trace point intervals, s, by state (readsb adds points on change; the real
#: trace in the traffic samples has a median of 10 s, 20 s in steady cruise).
TRACE_CRUISE_S = 20.0
TRACE_CLIMB_S = 6.0
TRACE_TURN_S = 3.0
TRACE_GROUND_S = 4.0
#: Thresholds for those states: |vertical rate| ft/min, |track rate| deg/s.
TRACE_CLIMB_FPM = 300.0
TRACE_TURN_DEG_S = 0.3
#: The full aircraft dict goes with every Nth trace point (the traffic sample: 625 of 2,500).
TRACE_DETAIL_EVERY = 4
#: readsb's stale flag: no position message for more than 20 s before this one.
STALE_AFTER_S = 20.0
#: readsb trace flag bits (readsb README-json.md, trace format).
TRACE_FLAG_STALE = 1
TRACE_FLAG_NEW_LEG = 2
#: Altitude cleared for the approach: 3,000 ft above the field, rounded up to 1,000 ft
#: (the usual final approach fix height).
APPROACH_AGL_FT = 3000.0
#: Messages received per second from one aircraft (ADS-B squitters: about
#: 6 per second transmitted, DO-260B; a receiver hears a share of them).
MESSAGES_PER_S = 4
#: Quantisation of what transponders send: altitude 25 ft (DO-260B 25-ft
#: encoding), vertical rate 64 ft/min (DO-260B airborne velocity).
ALT_STEP_FT = 25
RATE_STEP_FPM = 64
#: Containment radius (m) for each NIC (DO-260B table 2-14, with the usual
#: supplement bits; readsb rounds up): NIC 0 means unknown, readsb shows 0.
RC_BY_NIC = {0: 0, 1: 37_040, 2: 14_816, 3: 7_408, 4: 3_704, 5: 1_852,
             6: 926, 7: 371, 8: 186, 9: 75, 10: 25, 11: 8}  # fmt: skip
#: Normal accuracy of an ADS-B v2 airliner: NIC 8 (Rc < 0.1 NM) and NACp 8-11
#: (EPU < 0.05 NM down to < 3 m), the values that dominate real traffic.
NORMAL_NIC = 8
NORMAL_NAC_P = ((8, 0.1), (9, 0.35), (10, 0.45), (11, 0.1))
NORMAL_NAC_V = ((1, 0.6), (2, 0.4))
NORMAL_SIL = 3
#: NACp of a faulty transponder: at or below GPSJam's "bad" threshold of 2.
FAULTY_NAC_P = (0, 1, 2)
#: Share of aircraft answering Comm-B (EHS: IAS, TAS, Mach, roll, heading),
#: modelling choice: Mode S enhanced surveillance is mandatory in much of Europe.
EHS_SHARE = 0.7
#: Squawks a simulated flight never gets (emergencies, conspicuity codes).
RESERVED_SQUAWKS = frozenset({"7500", "7600", "7700", "7000", "2000", "1200", "0000"})
#: ICAO 24-bit addresses are drawn from this range (avoids 000000 and the
#: all-ones and non-ICAO blocks at the ends).
ICAO_RANGE = (0x100000, 0xEFFFFF)
#: gzip level for snapshots: 1 (fast). The bytes depend only on the content and zlib.
GZIP_LEVEL = 1
#: Snapshots serialised per batch (bounds memory while writing).
SNAPSHOT_BATCH = 720


@dataclass(frozen=True)
class Aircraft:
    index: int
    icao24: str
    perf: Performance
    airline: str
    source: str  # "adsb" or "mlat"
    version: int  # ADS-B version (2, or 0: no quality fields)
    nic: int
    nac_p: int
    nac_v: int
    faulty: bool
    ehs: bool
    delays: tuple[float, float, float]

    @property
    def quality_fields(self) -> bool:
        return self.source == "adsb" and self.version >= 1


@dataclass
class Leg:
    """One flight, its per-second state, and what the truth says about it."""

    aircraft: Aircraft
    number: int  # index in the scenario's flight list
    callsign: str
    squawk: str
    origin: Airport
    dest: Airport
    traj: Trajectory
    window: slice  # samples inside the scenario window
    geo: NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    level: NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    responsible: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    heard: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    hole: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    nic: NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    nac_p: NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    nac_v: NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    frac: NDArray[np.float64] = field(
        default_factory=lambda: np.zeros(0)
    )  # message time in its second
    zones: list[dict[str, Any]] = field(default_factory=list)
    spoof: spoofer.Capture | None = None

    @property
    def reported(self) -> spoofer.Reported:
        """Position and the other GNSS-derived fields as reported (spoofed or true)."""
        if self.spoof is None:
            return spoofer.Reported.true(self.traj)
        return self.spoof.reported

    @property
    def spoof_phase(self) -> NDArray[np.int8]:
        """Spoofing phase per second (:data:`skywitness.sim.spoofer.NONE` when not spoofed)."""
        if self.spoof is None:
            return np.zeros(self.traj.n, np.int8)
        return self.spoof.phase

    @property
    def pos_valid(self) -> NDArray[np.bool_]:
        if self.aircraft.source == "mlat":
            return np.ones(len(self.level), dtype=bool)
        return np.asarray(self.level != jammer.LOST)


# -- the entry point --------------------------------------------------------------------


def simulate(
    scenario: str | Path,
    out: Path,
    *,
    seed: int = 0,
    size: float = 1.0,
    snapshots: bool = True,
) -> dict[str, Any]:
    """Simulate ``scenario`` (a shipped name or a TOML path) into ``out``; a summary."""
    began = time.perf_counter()
    sc = load(scenario)
    if (
        isinstance(size, bool)
        or not isinstance(size, int | float)
        or not (math.isfinite(size) and size > 0)
    ):
        raise UsageError(f"size must be a positive number, got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be a non-negative integer, got {seed!r}")
    out = Path(out)
    for name in ("traces", "readsb-hist", "truth.json"):
        if (out / name).exists():
            raise UsageError(f"{out / name} already exists: simulate into a new directory")
    root = np.random.SeedSequence(seed)
    world, fleet_seq = root.spawn(2)
    world_rng = np.random.default_rng(world)
    offset = GeomOffset.draw(world_rng, sc.weather.geom_offset_max_ft, float(sc.start_s))
    wind = Wind(sc.weather.wind_from_deg, sc.weather.wind_kt)
    fleet = _fleet(sc, size, np.random.default_rng(fleet_seq))
    per_aircraft = fleet_seq.spawn(len(fleet))
    # Spoofing draws come from their own stream: scenarios without spoofers
    # draw exactly what they drew before spoofers existed.
    spoof_seqs = root.spawn(1)[0].spawn(len(fleet)) if sc.spoofers else [None] * len(fleet)

    (out / "traces").mkdir(parents=True, exist_ok=True)
    snaps = _SnapshotRows() if snapshots else None
    truth_aircraft: list[dict[str, Any]] = []
    flights: list[dict[str, Any]] = []
    trace_points = 0
    for ac, seq, spoof_seq in zip(fleet, per_aircraft, spoof_seqs, strict=True):
        rng = np.random.default_rng(seq)
        legs = _legs(sc, ac, rng, wind, offset, len(flights))
        if not legs:
            continue
        spoof_rng = np.random.default_rng(spoof_seq) if spoof_seq is not None else None
        receiver = spoofer.Receiver.draw(spoof_rng) if spoof_rng is not None else None
        for leg in legs:
            _state(sc, leg, rng)
            if spoof_rng is not None and receiver is not None:
                _spoof(sc, leg, receiver, spoof_rng)
            flights.append(_flight_truth(leg))
            if snaps is not None:
                snaps.add(sc, leg)
        points = [p for leg in legs for p in _trace_points(leg)]
        if points:
            trace_points += len(points)
            _write_trace(out / "traces", ac, points)
        truth_aircraft.append(_aircraft_truth(sc, ac, legs, bool(points)))
    n_snapshots = _write_snapshots(out, sc, snaps) if snaps is not None else 0
    truth = _truth(sc, seed, size, wind, flights, truth_aircraft)
    (out / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return {
        "scenario": sc.name,
        "seed": seed,
        "size": size,
        "out": str(out),
        "aircraft": len(truth_aircraft),
        "flights": len(flights),
        "trace_files": sum(1 for a in truth_aircraft if a["trace"]),
        "trace_points": trace_points,
        "snapshot_files": n_snapshots,
        "snapshot_rows": snaps.rows if snaps is not None else 0,
        "affected_aircraft": sum(1 for a in truth_aircraft if a["affected"]),
        "spoofed_aircraft": sum(1 for a in truth_aircraft if a.get("spoofed")),
        "elapsed_s": round(time.perf_counter() - began, 3),
    }


# -- fleet and legs ---------------------------------------------------------------------


def _fleet(sc: Scenario, size: float, rng: np.random.Generator) -> list[Aircraft]:
    n = max(1, round(sc.traffic.aircraft * size))
    codes = rng.choice(ICAO_RANGE[1] - ICAO_RANGE[0], size=n, replace=False) + ICAO_RANGE[0]
    names = [c for c, _ in sc.traffic.types]
    shares = np.array([s for _, s in sc.traffic.types])
    types = rng.choice(len(names), size=n, p=shares / shares.sum())
    order = rng.permutation(n)
    n_mlat = round(sc.nuisance.mlat_share * n)
    n_v0 = round(sc.nuisance.adsb_v0_share * n)
    mlat = set(order[:n_mlat].tolist())
    v0 = set(order[n_mlat : n_mlat + n_v0].tolist())
    wanted = sc.nuisance.faulty_nac_p_aircraft
    n_faulty = min(math.ceil(wanted * size), n - n_mlat - n_v0) if wanted else 0
    faulty = set(order[n_mlat + n_v0 : n_mlat + n_v0 + n_faulty].tolist())
    out = []
    for i in range(n):
        nac_p = int(rng.choice([v for v, _ in NORMAL_NAC_P], p=[p for _, p in NORMAL_NAC_P]))
        if i in faulty:
            nac_p = int(rng.choice(FAULTY_NAC_P))
        out.append(
            Aircraft(
                index=i,
                icao24=f"{int(codes[i]):06x}",
                perf=TYPES[names[int(types[i])]],
                airline=str(rng.choice(sc.traffic.airlines)),
                source="mlat" if i in mlat else "adsb",
                version=0 if i in v0 else 2,
                nic=NORMAL_NIC,
                nac_p=nac_p,
                nac_v=int(rng.choice([v for v, _ in NORMAL_NAC_V], p=[p for _, p in NORMAL_NAC_V])),
                faulty=i in faulty,
                ehs=bool(rng.random() < EHS_SHARE),
                delays=jammer.receiver_delays(rng),
            )
        )
    return out


def _legs(
    sc: Scenario, ac: Aircraft, rng: np.random.Generator, wind: Wind, offset: GeomOffset, first: int
) -> list[Leg]:
    """The aircraft's rotation: legs chained through turnarounds while departures fall in the window."""
    airports = sc.traffic.airports
    weights = np.array([a.weight for a in airports])
    lats = np.array([a.lat for a in airports])
    lons = np.array([a.lon for a in airports])
    here = int(rng.choice(len(airports), p=weights / weights.sum()))
    depart = sc.start_s + round(rng.uniform(*sc.traffic.first_departure_min) * 60)
    lo = max(sc.traffic.min_route_km, ac.perf.min_route_km)
    hi = min(sc.traffic.max_route_km, ac.perf.max_route_km)
    legs: list[Leg] = []
    while depart < sc.end_s:
        d_km = distance_m(lats[here], lons[here], lats, lons) / 1000.0
        ok = (d_km >= lo) & (d_km <= hi) & (weights > 0)
        if not ok.any():
            break
        w = np.where(ok, weights, 0.0)
        dest = int(rng.choice(len(airports), p=w / w.sum()))
        traj = fly(airports[here], airports[dest], ac.perf, depart, wind, offset)
        t = traj.t_s
        inside = np.flatnonzero((t >= sc.start_s) & (t < sc.end_s))
        flight_no = int(rng.integers(1, 10_000))
        squawk = _squawk(rng)
        if len(inside):
            legs.append(
                Leg(
                    aircraft=ac,
                    number=first + len(legs),
                    callsign=f"{ac.airline}{flight_no}",
                    squawk=squawk,
                    origin=airports[here],
                    dest=airports[dest],
                    traj=traj,
                    window=slice(int(inside[0]), int(inside[-1]) + 1),
                )
            )
        here = dest
        depart = int(t[-1]) + round(rng.uniform(*sc.traffic.turnaround_min) * 60)
    return legs


def _squawk(rng: np.random.Generator) -> str:
    while True:
        code = "".join(str(d) for d in rng.integers(0, 8, size=4))
        if code not in RESERVED_SQUAWKS:
            return code


# -- per-second state ----------------------------------------------------------------------


def _state(sc: Scenario, leg: Leg, rng: np.random.Generator) -> None:
    """Emitter zones, broadcast state, reception and quality, per second of the leg."""
    tr, ac = leg.traj, leg.aircraft
    n, t = tr.n, tr.t_s
    h = height_m(tr)
    geo = np.zeros(n, np.int8)
    resp = np.full(n, -1, np.int64)
    depth = np.ones(n)
    for i, em in enumerate(sc.emitters):
        lvl, dist = jammer.zone(em, t, tr.lat, tr.lon, h)
        better = lvl > geo
        geo = np.where(better, lvl, geo).astype(np.int8)
        resp = np.where(better, i, resp)
        d = np.clip((dist - em.range_km) / max(em.fringe_km, 1e-9), 0.0, 1.0)
        depth = np.where(lvl > 0, np.minimum(depth, d), depth)
        leg.zones.extend(_zone_runs(sc, leg, em, lvl, dist))
    level = jammer.broadcast_levels(geo, ac.delays, rng)
    if ac.source == "mlat":
        level = np.zeros(n, np.int8)  # multilateration positions do not depend on GNSS
    leg.geo, leg.level, leg.responsible = geo, level, resp

    heard = np.ones(n, dtype=bool)
    expected = sc.nuisance.dropouts_per_hour * n / 3600.0
    for _ in range(int(rng.poisson(expected))):
        a = int(rng.integers(0, n))
        heard[a : a + round(rng.uniform(*sc.nuisance.dropout_s))] = False
    hole = np.zeros(n, dtype=bool)
    for ch in sc.nuisance.coverage_holes:
        near = distance_m(tr.lat, tr.lon, ch.lat, ch.lon) <= ch.radius_km * 1000.0
        hole |= near & (tr.alt_baro_ft < ch.below_ft)
    leg.heard, leg.hole = heard & ~hole, hole

    nic = np.full(n, ac.nic, np.int8)
    nac_p = np.full(n, ac.nac_p, np.int8)
    nac_v = np.full(n, ac.nac_v, np.int8)
    f_nic, f_nac_p = jammer.fringe_quality(depth)
    m = level == jammer.FRINGE
    nic[m] = f_nic[m]
    nac_p[m] = np.minimum(f_nac_p[m], nac_p[m])
    nac_v[m] = np.minimum(nac_v[m], 1)
    m = level == jammer.LOST
    nic[m], nac_p[m], nac_v[m] = 0, 0, 0
    leg.nic, leg.nac_p, leg.nac_v = nic, nac_p, nac_v
    # When in its second each message arrives, 0.0-0.9 s (readsb's seen has 0.1 s steps).
    leg.frac = rng.integers(0, 10, size=n) / 10.0


def _spoof(sc: Scenario, leg: Leg, receiver: spoofer.Receiver, rng: np.random.Generator) -> None:
    """Spoofing episodes, reported fields and quality of one leg (after :func:`_state`)."""
    tr = leg.traj
    if leg.aircraft.source == "mlat":  # multilateration positions do not depend on GNSS
        leg.spoof = spoofer.Capture.none(tr, spoofer.reach(sc.spoofers, tr, height_m(tr))[1])
        return
    blocked = np.asarray(leg.level == jammer.LOST)
    leg.spoof = spoofer.capture(sc.spoofers, tr, height_m(tr), receiver, rng, blocked)
    leg.nic, leg.nac_p, leg.nac_v = leg.spoof.quality(leg.nic, leg.nac_p, leg.nac_v)


def _zone_runs(
    sc: Scenario,
    leg: Leg,
    em: Any,
    lvl: NDArray[np.int8],
    dist: NDArray[np.float64],
    kinds: tuple[tuple[str, int], ...] = (("fringe", jammer.FRINGE), ("lost", jammer.LOST)),
) -> list[dict[str, Any]]:
    """Geometric presence in the emitter's zones, clipped to the window."""
    tr = leg.traj
    out = []
    for kind, value in kinds:
        for run in jammer.runs(lvl == value):
            clipped = _clip(run, leg.window, tr.n)
            if clipped is None:
                continue
            a, b, truncated = clipped

            def point(i: int) -> dict[str, Any]:
                return {
                    "time": _iso(tr.start_s + i),
                    "lat": round(float(tr.lat[i]), 5),
                    "lon": round(float(tr.lon[i]), 5),
                    "alt_geom_ft": round(float(tr.alt_geom_ft[i])),
                    "distance_km": round(float(dist[i]), 2),
                }

            out.append({
                "emitter": em.id, "kind": kind, **_span(tr.start_s, a, b, truncated),
                "entry": point(a), "exit": point(b - 1),
            })  # fmt: skip
    return out


def _clip(run: tuple[int, int], window: slice, n: int) -> tuple[int, int, bool] | None:
    """A run of seconds clipped to the window, and whether the data cuts it short.

    Cut short: it runs across an edge of the scenario window, or it is still
    on when the leg's data ends (the aircraft landed inside the zone).
    """
    a, b = run
    ca, cb = max(a, window.start), min(b, window.stop)
    if ca >= cb:
        return None
    return ca, cb, a < window.start or b > window.stop or b >= n


def _span(t0: int, a: int, b: int, truncated: bool) -> dict[str, Any]:
    s, e = t0 + a, t0 + b
    return {
        "start": _iso(s), "end": _iso(e), "start_ns": s * NS_PER_S, "end_ns": e * NS_PER_S,
        "truncated": truncated,
    }  # fmt: skip


# -- traces -------------------------------------------------------------------------------


def _trace_indices(leg: Leg) -> NDArray[np.int64]:
    """Seconds at which readsb would add a trace point (heard, inside the window)."""
    tr = leg.traj
    n = tr.n
    turning = np.abs(np.gradient(np.unwrap(np.radians(tr.track_deg)))) > math.radians(
        TRACE_TURN_DEG_S
    )
    climbing = np.abs(tr.vrate_fpm) > TRACE_CLIMB_FPM
    interval = np.where(
        tr.on_ground,
        TRACE_GROUND_S,
        np.where(turning, TRACE_TURN_S, np.where(climbing, TRACE_CLIMB_S, TRACE_CRUISE_S)),
    )
    phi = np.floor(np.cumsum(1.0 / interval))
    regular = np.flatnonzero(np.diff(np.r_[-1.0, phi]) > 0)
    changes = np.flatnonzero(np.diff(leg.level) != 0) + 1
    regained = np.flatnonzero(np.diff(leg.heard.astype(np.int8)) > 0) + 1
    jumps = np.flatnonzero(np.diff(leg.spoof_phase) != 0) + 1
    forced = np.r_[0, n - 1, tr.liftoff, min(tr.touchdown, n - 1), changes, regained, jumps]
    idx = np.unique(np.r_[regular, forced])
    w = leg.window
    idx = idx[(idx >= w.start) & (idx < w.stop)]
    return np.asarray(idx[leg.heard[idx]], dtype=np.int64)


@dataclass(frozen=True)
class _LegInfo:
    """What every report of a leg shares."""

    icao24: str
    flight: str  # callsign padded to 8 characters, as readsb writes it
    squawk: str
    category: str
    source: str
    version: int
    quality_fields: bool
    ehs: bool
    cruise_ft: int
    approach_ft: int


def _info(leg: Leg) -> _LegInfo:
    ac = leg.aircraft
    return _LegInfo(
        icao24=ac.icao24, flight=f"{leg.callsign:<8}", squawk=leg.squawk, category=ac.perf.category,
        source=ac.source, version=ac.version, quality_fields=ac.quality_fields, ehs=ac.ehs,
        cruise_ft=int(leg.traj.cruise_ft),
        approach_ft=math.ceil((leg.dest.elevation_ft + APPROACH_AGL_FT) / 1000.0) * 1000,
    )  # fmt: skip


#: Columns kept as integers scaled by these factors (exact decimals once divided):
#: the precision readsb writes them with.
SCALED: dict[str, int] = {"gs": 10, "track": 100, "heading": 100, "roll": 100, "mach": 1000,
                          "seen": 10, "last_age": 10}  # fmt: skip


def _columns(leg: Leg, idx: NDArray[np.int64]) -> dict[str, NDArray[Any]]:
    """The leg's state for the messages of seconds ``idx``, quantised as a transponder sends it.

    Continuous values are interpolated to each message's time in its second
    (``second + frac``); the broadcast state (quality, position validity) is
    that of the second. GNSS-derived values come from :attr:`Leg.reported`
    in spoofed seconds, held (not interpolated) when the next second jumps
    elsewhere; in the others they are the truth's. Columns named in
    :data:`SCALED` are scaled integers.
    """
    tr, rep = leg.traj, leg.reported
    f = leg.frac[idx]
    g = np.where(rep.jump[idx], 0.0, f)
    true_now = leg.spoof_phase[idx] == spoofer.NONE
    nxt = np.minimum(idx + 1, tr.n - 1)

    def lin(v: NDArray[np.float64], w: NDArray[np.float64] = f) -> NDArray[np.float64]:
        return np.asarray(v[idx] + w * (v[nxt] - v[idx]))

    def angle(v: NDArray[np.float64], w: NDArray[np.float64] = f) -> NDArray[np.float64]:
        step = (v[nxt] - v[idx] + 180.0) % 360.0 - 180.0
        return np.asarray((v[idx] + w * step) % 360.0)

    def step(v: NDArray[np.float64], q: float) -> NDArray[np.int64]:
        return np.asarray(np.round(v / q) * q).astype(np.int64)

    def gnss(true: NDArray[np.float64], reported: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.where(true_now, lin(true), lin(reported, g)))

    track = np.where(true_now, angle(tr.track_deg), angle(rep.track_deg, g))
    return {
        "t": tr.start_s + idx + f,
        "lat": np.round(gnss(tr.lat, rep.lat), 6), "lon": np.round(gnss(tr.lon, rep.lon), 6),
        "alt_baro": step(lin(tr.alt_baro_ft), ALT_STEP_FT), "alt_geom": step(gnss(tr.alt_geom_ft, rep.alt_geom_ft), ALT_STEP_FT),
        "gs": step(gnss(tr.gs_kt, rep.gs_kt) * 10, 1), "track": step(track * 100, 1) % 36_000,
        "heading": step(angle(tr.heading_deg) * 100, 1) % 36_000,
        "baro_rate": step(lin(tr.vrate_fpm), RATE_STEP_FPM), "geom_rate": step(gnss(tr.geom_rate_fpm, rep.geom_rate_fpm), RATE_STEP_FPM),
        "ias": step(lin(tr.ias_kt), 1), "tas": step(lin(tr.tas_kt), 1),
        "mach": step(lin(tr.mach) * 1000, 1), "roll": step(lin(tr.roll_deg) * 100, 1),
        "ground": tr.on_ground[idx], "descending": tr.phase[idx] == DESCENT,
        "level": leg.level[idx], "pos": leg.pos_valid[idx],
        "nic": leg.nic[idx], "nac_p": leg.nac_p[idx], "nac_v": leg.nac_v[idx],
        "messages": MESSAGES_PER_S * (idx - leg.window.start + 1),
    }  # fmt: skip


def _decoded(cols: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    """Scaled-integer columns back to decimals (exact: one correctly rounded division)."""
    return {c: (v / SCALED[c] if c in SCALED else v) for c, v in cols.items()}


def _rows(cols: dict[str, NDArray[Any]]) -> Iterator[dict[str, Any]]:
    """Column arrays as one dict of Python values per row."""
    keys = list(cols)
    for values in zip(*(cols[k].tolist() for k in keys), strict=True):
        yield dict(zip(keys, values, strict=True))


def _trace_points(leg: Leg) -> list[tuple[float, list[Any]]]:
    """(absolute time, readsb trace point without its offset) for each point of the leg."""
    idx = _trace_indices(leg)
    if not len(idx):
        return []
    info, tr = _info(leg), leg.traj
    source = "mlat" if info.source == "mlat" else "adsb_icao"
    # Stale: the previous position message heard is more than 20 s older.
    got = leg.heard & leg.pos_valid
    seconds = np.arange(tr.n)
    before = np.r_[-1, np.maximum.accumulate(np.where(got, seconds, -1))[:-1]][idx]
    stale = (got[idx] & (before >= 0) & (idx - before > STALE_AFTER_S)).tolist()
    last_detail_state = (-1, -1)
    phase = leg.spoof_phase[idx].tolist()
    new_leg_pending = tr.liftoff >= leg.window.start
    points = []
    for k, (i, r) in enumerate(zip(idx.tolist(), _rows(_decoded(_columns(leg, idx))), strict=True)):
        flags = TRACE_FLAG_STALE if stale[k] else 0
        if new_leg_pending and i >= tr.liftoff:
            flags |= TRACE_FLAG_NEW_LEG
            new_leg_pending = False
        detail = None
        state = (r["level"], phase[k])
        if k % TRACE_DETAIL_EVERY == 0 or state != last_detail_state:
            detail = _aircraft_dict(info, r, trace=True)
            last_detail_state = state
        geom = info.source != "mlat" and r["level"] != jammer.LOST
        air = not r["ground"]
        points.append((r["t"], [
            r["lat"] if r["pos"] else None,
            r["lon"] if r["pos"] else None,
            r["alt_baro"] if air else "ground",
            r["gs"],
            round(r["track"], 1),
            flags,
            r["baro_rate"] if air else 0,
            detail,
            source,
            r["alt_geom"] if geom else None,
            r["geom_rate"] if geom and air else None,
            r["ias"] if info.ehs and air else None,
            round(r["roll"], 1) if info.ehs and air else None,
        ]))  # fmt: skip
    return points


def _write_trace(folder: Path, ac: Aircraft, points: list[tuple[float, list[Any]]]) -> None:
    base = math.floor(points[0][0])
    trace = [[round(t - base, 2), *p] for t, p in points]
    doc = {"icao": ac.icao24, "t": ac.perf.icao_type, "timestamp": base, "trace": trace}
    path = folder / f"trace_full_{ac.icao24}.json"
    path.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")


def _aircraft_dict(info: _LegInfo, r: dict[str, Any], trace: bool) -> dict[str, Any]:
    """readsb's aircraft fields for one message (decoded :func:`_columns` values). In a
    trace point, without position, barometric altitude and ground speed: the point has them."""
    lost = r["level"] == jammer.LOST
    air = not r["ground"]
    mlat = info.source == "mlat"
    d: dict[str, Any] = {"type": "mlat" if mlat else "adsb_icao", "flight": info.flight}
    if not trace:
        d["alt_baro"] = r["alt_baro"] if air else "ground"
    if not mlat and not lost:
        d["alt_geom"] = r["alt_geom"]
    if not trace:
        d["gs"] = r["gs"]
    if info.ehs and air:
        d["ias"] = r["ias"]
        d["tas"] = r["tas"]
        d["mach"] = r["mach"]
    d["track"] = r["track"]
    if info.ehs and air:
        d["roll"] = r["roll"]
        d["true_heading"] = r["heading"]
    if air:
        d["baro_rate"] = r["baro_rate"]
        if not mlat and not lost:
            d["geom_rate"] = r["geom_rate"]
    d["squawk"] = info.squawk
    d["emergency"] = "none"
    d["category"] = info.category
    if air:
        d["nav_altitude_mcp"] = info.approach_ft if r["descending"] else info.cruise_ft
    if not trace and r["pos"]:
        d["lat"] = r["lat"]
        d["lon"] = r["lon"]
    if info.quality_fields:
        d["nic"] = r["nic"]
        d["rc"] = RC_BY_NIC[r["nic"]]
    if not trace and r["pos"]:
        d["seen_pos"] = r["seen"]
    if info.quality_fields:
        d.update(version=info.version, nic_baro=1, nac_p=r["nac_p"], nac_v=r["nac_v"], sil=NORMAL_SIL,
                 sil_type="perhour", gva=2, sda=2)  # fmt: skip
    elif not mlat:
        d["version"] = info.version
    d["alert"] = 0
    d["spi"] = 0
    return d


# -- snapshots ------------------------------------------------------------------------------


class _SnapshotRows:
    """The aircraft rows of every snapshot, kept as compact columns until they are written.

    A row is the aircraft as of its last message before the snapshot: the
    second heard last, ``seen`` seconds before ``now``.
    """

    #: Compact dtypes per column (bounds memory for long, busy scenarios).
    DTYPES: ClassVar[dict[str, Any]] = {
        "lat": np.float64, "lon": np.float64, "alt_baro": np.int32, "alt_geom": np.int32,
        "gs": np.int32, "track": np.int32, "heading": np.int32, "baro_rate": np.int32,
        "geom_rate": np.int32, "ias": np.int16, "tas": np.int16, "mach": np.int16,
        "roll": np.int16, "ground": np.bool_, "descending": np.bool_, "level": np.int8,
        "pos": np.bool_, "nic": np.int8, "nac_p": np.int8, "nac_v": np.int8, "messages": np.int32,
        "snapshot": np.int32, "info": np.int32, "seen": np.int32,
        "last_lat": np.float64, "last_lon": np.float64, "last_nic": np.int8, "last_age": np.int32,
    }  # fmt: skip

    def __init__(self) -> None:
        self.parts: list[dict[str, NDArray[Any]]] = []
        self.infos: list[_LegInfo] = []
        self.rows = 0

    def add(self, sc: Scenario, leg: Leg) -> None:
        tr = leg.traj
        seconds = np.arange(tr.n)
        heard = leg.heard.copy()
        heard[: leg.window.start] = False  # nothing from before the window is shown
        last_heard = np.maximum.accumulate(np.where(heard, seconds, -1))
        first_k = max(
            0, math.ceil((tr.start_s + leg.window.start + 1 - sc.start_s) / SNAPSHOT_STEP_S)
        )
        last_t = min(tr.start_s + tr.n + KEEP_POSITION_S, sc.end_s - 1)
        last_k = math.floor((last_t - sc.start_s) / SNAPSHOT_STEP_S)
        if last_k < first_k:
            return
        k = np.arange(first_k, last_k + 1)
        now = sc.start_s + k * SNAPSHOT_STEP_S
        j = last_heard[np.minimum(now - tr.start_s - 1, tr.n - 1)]
        k, now, j = k[j >= 0], now[j >= 0], j[j >= 0]
        seen = np.round((now - (tr.start_s + j + leg.frac[j])) * 10) / 10
        pos = leg.pos_valid[j]
        keep = (seen <= KEEP_ANY_S) | (pos & (seen <= KEEP_POSITION_S))
        if not keep.any():
            return
        k, now, j, seen = k[keep], now[keep], j[keep], seen[keep]
        cols = _columns(leg, j)
        del cols["t"]
        # readsb's lastPosition: the last position heard, once it is over a minute old.
        last_pos = np.maximum.accumulate(np.where(heard & leg.pos_valid, seconds, -1))[j]
        p = np.maximum(last_pos, 0)
        age = np.round((now - (tr.start_s + p + leg.frac[p])) * 10) / 10
        show = (last_pos >= 0) & ~cols["pos"] & (age > LAST_POSITION_AFTER_S)
        rep = leg.reported
        cols.update(
            snapshot=k, info=np.full(len(k), len(self.infos)), seen=np.round(seen * 10),
            last_lat=np.where(show, np.round(rep.lat[p], 6), np.nan), last_lon=np.round(rep.lon[p], 6),
            last_nic=leg.nic[p], last_age=np.round(age * 10),
        )  # fmt: skip
        self.parts.append({c: np.asarray(v, dtype=self.DTYPES[c]) for c, v in cols.items()})
        self.infos.append(_info(leg))
        self.rows += len(k)


def _write_snapshots(out: Path, sc: Scenario, rows: _SnapshotRows) -> int:
    """Write every snapshot of the window (empty ones too, as the archive has them)."""
    n_snap = sc.duration_s // SNAPSHOT_STEP_S
    if rows.parts:
        cols = {c: np.concatenate([p[c] for p in rows.parts]) for c in rows.parts[0]}
        rows.parts.clear()
        icao = np.array([int(i.icao24, 16) for i in rows.infos])[cols["info"]]
        order = np.lexsort((icao, cols["snapshot"]))
        cols = {c: v[order] for c, v in cols.items()}
    else:
        cols = {c: np.zeros(0, dtype=t) for c, t in _SnapshotRows.DTYPES.items()}
    bounds = np.searchsorted(cols["snapshot"], np.arange(n_snap + 1))
    messages = 0
    for b0 in range(0, n_snap, SNAPSHOT_BATCH):
        b1 = min(n_snap, b0 + SNAPSHOT_BATCH)
        r0, r1 = int(bounds[b0]), int(bounds[b1])
        batch = list(_rows(_decoded({c: v[r0:r1] for c, v in cols.items()})))
        for s in range(b0, b1):
            now = sc.start_s + s * SNAPSHOT_STEP_S
            entries = [
                _snapshot_entry(rows.infos[r["info"]], r)
                for r in batch[int(bounds[s]) - r0 : int(bounds[s + 1]) - r0]
            ]
            messages += MESSAGES_PER_S * SNAPSHOT_STEP_S * len(entries)
            _write_snapshot(out, now, messages, entries)
    return n_snap


def _snapshot_entry(info: _LegInfo, r: dict[str, Any]) -> dict[str, Any]:
    d: dict[str, Any] = {"hex": info.icao24}
    d.update(_aircraft_dict(info, r, trace=False))
    if not math.isnan(r["last_lat"]):
        d["lastPosition"] = {
            "lat": r["last_lat"], "lon": r["last_lon"], "nic": r["last_nic"],
            "rc": RC_BY_NIC[r["last_nic"]], "seen_pos": r["last_age"],
        }  # fmt: skip
    if info.source == "mlat" and r["pos"]:
        d["mlat"] = ["lat", "lon", "track", "gs", "baro_rate"]
    else:
        d["mlat"] = []
    d["tisb"] = []
    d["messages"] = r["messages"]
    d["seen"] = r["seen"]
    return d


def _write_snapshot(out: Path, now: int, messages: int, entries: list[dict[str, Any]]) -> None:
    stamp = datetime.fromtimestamp(now, UTC)
    folder = out / "readsb-hist" / stamp.strftime("%Y/%m/%d")
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"now": now, "messages": messages, "aircraft": entries}
    payload = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    data = gzip.compress(payload, compresslevel=GZIP_LEVEL, mtime=0)
    (folder / f"{stamp.strftime('%H%M%S')}Z.json.gz").write_bytes(data)


# -- truth ------------------------------------------------------------------------------------


def _iso(t_s: int | float) -> str:
    return datetime.fromtimestamp(t_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _flight_truth(leg: Leg) -> dict[str, Any]:
    tr = leg.traj
    return {
        "icao24": leg.aircraft.icao24,
        "callsign": leg.callsign,
        "type": leg.aircraft.perf.icao_type,
        "origin": leg.origin.icao,
        "destination": leg.dest.icao,
        "roll_start": _iso(tr.start_s),
        "takeoff": _iso(tr.start_s + tr.liftoff),
        "landing": _iso(tr.start_s + tr.touchdown),
        "takeoff_ns": (tr.start_s + tr.liftoff) * NS_PER_S,
        "landing_ns": (tr.start_s + tr.touchdown) * NS_PER_S,
        "cruise_ft": int(tr.cruise_ft),
        "squawk": leg.squawk,
    }


def _affected(sc: Scenario, leg: Leg) -> list[dict[str, Any]]:
    """Runs of constant non-normal broadcast state, clipped to the window (see module docstring)."""
    ac = leg.aircraft
    if ac.source == "mlat":
        return []
    lv = leg.level.copy()
    if not ac.quality_fields:
        lv[lv == jammer.FRINGE] = jammer.NONE  # nothing shows a fringe without quality fields
    n = len(lv)
    last_cause = np.maximum.accumulate(np.where(leg.responsible >= 0, np.arange(n), -1))
    out = []
    for value, kind in ((jammer.FRINGE, "degraded"), (jammer.LOST, "lost")):
        for run in jammer.runs(lv == value):
            clipped = _clip(run, leg.window, n)
            if clipped is None:
                continue
            a, b, truncated = clipped
            # The emitter: the one whose zone the aircraft was in for most of the
            # run, else the last one it was in before (the run is a recovery delay).
            causes = leg.responsible[run[0] : run[1]]
            causes = causes[causes >= 0]
            if len(causes):
                em = int(np.bincount(causes).argmax())
            else:
                em = int(leg.responsible[max(int(last_cause[run[0]]), 0)])
            out.append(
                {
                    "kind": kind,
                    "emitter": sc.emitters[em].id,
                    **_span(leg.traj.start_s, a, b, truncated),
                }
            )
    return sorted(out, key=lambda x: int(x["start_ns"]))


def _no_data(leg: Leg) -> list[dict[str, Any]]:
    w = leg.window
    gaps = []
    for a, b in jammer.runs(~leg.heard[w.start : w.stop]):
        a, b = a + w.start, b + w.start
        reason = "coverage" if leg.hole[a:b].any() else "dropout"
        s, e = leg.traj.start_s + a, leg.traj.start_s + b
        gaps.append(
            {
                "reason": reason,
                "start": _iso(s),
                "end": _iso(e),
                "start_ns": s * NS_PER_S,
                "end_ns": e * NS_PER_S,
            }
        )
    return gaps


#: Sampling of the true path in a spoofed interval, s (and its last second).
TRUE_PATH_STEP_S = 10


def _spoofed(sc: Scenario, leg: Leg) -> list[dict[str, Any]]:
    """Spoofed intervals of one leg, clipped to the window (see the module docstring)."""
    cap = leg.spoof
    if cap is None or not cap.episodes:
        return []
    tr = leg.traj
    out = []
    for run in jammer.runs(cap.phase != spoofer.NONE):
        clipped = _clip(run, leg.window, tr.n)
        if clipped is None:
            continue
        a, b, truncated = clipped
        ep = cap.episodes[int(cap.episode[run[0]])]
        sp = sc.spoofers[ep.spoofer]
        phases = []
        for value, name in spoofer.PHASES.items():
            for pa_, pb in jammer.runs(cap.phase[a:b] == value):
                span = _span(tr.start_s, a + pa_, a + pb, False)
                del span["truncated"]
                phases.append({"phase": name, **span})
        phases.sort(key=lambda x: int(x["start_ns"]))
        frozen_at = None
        if any(p["phase"] == spoofer.PHASES[spoofer.FROZEN] for p in phases):
            rep, i = cap.reported, ep.start
            frozen_at = {
                "lat": round(float(rep.lat[i]), 6),
                "lon": round(float(rep.lon[i]), 6),
                "alt_geom_ft": round(float(rep.alt_geom_ft[i])),
            }
        path = np.unique(np.r_[np.arange(a, b, TRUE_PATH_STEP_S), b - 1])
        quality = leg.aircraft.quality_fields and not ep.trusted
        out.append({
            "spoofer": sp.id, "pattern": sp.pattern, "trusted": ep.trusted,
            "quality": {"nic": ep.nic, "nac_p": ep.nac_p} if quality else None,
            **_span(tr.start_s, a, b, truncated),
            "phases": phases,
            "frozen_at": frozen_at,
            "true_path": {
                "time_ns": [(tr.start_s + int(i)) * NS_PER_S for i in path],
                "lat": np.round(tr.lat[path], 5).tolist(),
                "lon": np.round(tr.lon[path], 5).tolist(),
                "alt_baro_ft": np.round(tr.alt_baro_ft[path]).astype(int).tolist(),
                "alt_geom_ft": np.round(tr.alt_geom_ft[path]).astype(int).tolist(),
                "gs_kt": np.round(tr.gs_kt[path], 1).tolist(),
                "track_deg": np.round(tr.track_deg[path], 1).tolist(),
            },
        })  # fmt: skip
    return out


def _spoofing_zones(sc: Scenario, leg: Leg) -> list[dict[str, Any]]:
    """Geometric reach of each spoofer (no receiver delays), clipped to the window."""
    if leg.spoof is None:
        return []
    out = []
    for sp, (inside, dist) in zip(sc.spoofers, leg.spoof.zones, strict=True):
        lvl = inside.astype(np.int8)
        out.extend(_zone_runs(sc, leg, sp, lvl, dist, kinds=(("spoofing", 1),)))
    return sorted(out, key=lambda x: int(x["start_ns"]))


def _aircraft_truth(sc: Scenario, ac: Aircraft, legs: list[Leg], traced: bool) -> dict[str, Any]:
    spoofing = (
        {
            "spoofed": [x for leg in legs for x in _spoofed(sc, leg)],
            "in_spoofing_zone": [z for leg in legs for z in _spoofing_zones(sc, leg)],
        }
        if sc.spoofers
        else {}
    )
    return {
        "icao24": ac.icao24,
        "type": ac.perf.icao_type,
        "source": ac.source,
        "adsb_version": ac.version if ac.source == "adsb" else None,
        "quality_fields": ac.quality_fields,
        "normal": {"nic": ac.nic, "nac_p": ac.nac_p} if ac.quality_fields else None,
        "faulty_nac_p": ac.faulty,
        "receiver": {
            "onset_s": round(ac.delays[0], 1),
            "lost_recovery_s": round(ac.delays[1], 1),
            "degraded_recovery_s": round(ac.delays[2], 1),
        },
        "trace": traced,
        "flights": [leg.number for leg in legs],
        "affected": [x for leg in legs for x in _affected(sc, leg)],
        "in_zone": [z for leg in legs for z in leg.zones],
        "no_data": [g for leg in legs for g in _no_data(leg)],
        **spoofing,
    }


def _windows_truth(active: tuple[tuple[int, int], ...]) -> list[dict[str, Any]]:
    return [
        {"start": _iso(a), "end": _iso(b), "start_ns": a * NS_PER_S, "end_ns": b * NS_PER_S}
        for a, b in active
    ]


def _truth(
    sc: Scenario, seed: int, size: float, wind: Wind, flights: list[dict[str, Any]],
    aircraft: list[dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    definitions = {
        "affected": "half-open [start, end) of the aircraft's broadcast state: from its "
        "first degraded report to its first recovered report; reports exist only when "
        "heard (see no_data). kind lost: NIC, NACp, NACv 0, no position, no geometric "
        "altitude. kind degraded: NIC 5-7, NACp 4-7, position present.",
        "in_zone": "geometric presence in an emitter's loss zone (within range_km and "
        "radio line of sight) or fringe, while it is active; no receiver delays.",
    }
    if sc.spoofers:
        definitions.update(
            affected=definitions["affected"] + " Jamming only: spoofing is in spoofed.",
            spoofed="half-open [start, end) on whole UTC seconds: from the aircraft's first "
            "report with a false position to its first report that is no longer false (true "
            "again, or without position when a jamming loss cuts in). Inside, position, "
            "geometric altitude, ground speed, track and geometric rate are false; barometric "
            "altitude and rate, heading and airspeeds are true. phases: frozen (the last true "
            "solution held, see frozen_at), attracted (within the spoofer's reach: near its "
            "attractor or on its circle), recovering (out of reach, still captured). trusted: "
            "NIC/NACp stay normal; otherwise quality gives the NIC and NACp reported (NACv at "
            "most 1). true_path: where the aircraft really was, every 10 s and at the last "
            "second.",
            in_spoofing_zone="geometric presence within a spoofer's range_km and radio line "
            "of sight while it is active; no receiver delays.",
        )
    spoofers = (
        {
            "spoofers": [
                {
                    "id": s.id, "lat": s.lat, "lon": s.lon, "height_m": s.height_m,
                    "power_w": s.power_w, "range_km": round(s.range_km, 3),
                    "active": _windows_truth(s.active),
                    "pattern": s.pattern,
                    s.pattern: {
                        "lat": s.target_lat, "lon": s.target_lon,
                        **({"radius_km": s.radius_km} if s.pattern == "circle" else {}),
                        "alt_ft": s.alt_ft, "spread_km": s.spread_km,
                    },
                    "trusted_share": s.trusted_share, "freeze_share": s.freeze_share,
                    "freeze_s": list(s.freeze_s), "onset_s": list(s.onset_s),
                    "recovery_s": list(s.recovery_s),
                }
                for s in sc.spoofers
            ]
        }
        if sc.spoofers
        else {}
    )  # fmt: skip
    return {
        "scenario": sc.name,
        "description": sc.description,
        "seed": seed,
        "size": size,
        "start": _iso(sc.start_s),
        "end": _iso(sc.end_s),
        "start_ns": sc.start_s * NS_PER_S,
        "end_ns": sc.end_s * NS_PER_S,
        "definitions": definitions,
        "wind": {"from_deg": wind.from_deg, "speed_kt": wind.speed_kt},
        "emitters": [
            {
                "id": e.id,
                "lat": e.lat,
                "lon": e.lon,
                "height_m": e.height_m,
                "power_w": e.power_w,
                "range_km": round(e.range_km, 3),
                "fringe_km": round(e.fringe_km, 3),
                "active": [
                    {
                        "start": _iso(a),
                        "end": _iso(b),
                        "start_ns": a * NS_PER_S,
                        "end_ns": b * NS_PER_S,
                    }
                    for a, b in e.active
                ],
            }
            for e in sc.emitters
        ],
        **spoofers,
        "flights": flights,
        "aircraft": aircraft,
    }


__all__ = ["simulate"]
