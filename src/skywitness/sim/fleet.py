"""The fleet and its legs: which aircraft fly, what avionics they carry, where they go.

:func:`draw_fleet` draws the aircraft of a scenario (addresses, types, airlines,
ADS-B or MLAT, transponder version, normal quality, Comm-B, receiver
delays); :func:`fly_legs` chains one aircraft's flights through turnarounds while
its departures fall in the scenario window and flies each one
(:func:`skywitness.sim.flight.fly`). A :class:`Leg` then collects the
per-second broadcast state (:mod:`skywitness.sim.state`) that the writers
(:mod:`skywitness.sim.traces`, :mod:`skywitness.sim.snapshots`) and the
ground truth (:mod:`skywitness.sim.truth`) read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywitness.model.geo import distance_m
from skywitness.sim import jammer, spoofer
from skywitness.sim.flight import GeomOffset, Trajectory, Wind, fly
from skywitness.sim.model import Airport, Scenario
from skywitness.sim.performance import TYPES, Performance
from skywitness.sim.status import Status

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
    #: How the transponder reports a lost fix (a receiver brand, :mod:`skywitness.sim.world`)
    #: and the (NIC, NACp, NACv) it reports then; the base world's: all three 0.
    brand: str = "all-zero"
    lost_quality: tuple[int, int, int] = (0, 0, 0)

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
    #: Emergency, autopilot modes and corrupted values (None: none of them, the usual case).
    status: Status | None = None

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


# -- fleet and legs ---------------------------------------------------------------------


def draw_fleet(sc: Scenario, size: float, rng: np.random.Generator) -> list[Aircraft]:
    """The scenario's aircraft at ``size`` (a share of ``traffic.aircraft``), drawn from ``rng``."""
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


def fly_legs(
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
    out: list[Leg] = []
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
        squawk_code = squawk(rng)
        if len(inside):
            out.append(
                Leg(
                    aircraft=ac,
                    number=first + len(out),
                    callsign=f"{ac.airline}{flight_no}",
                    squawk=squawk_code,
                    origin=airports[here],
                    dest=airports[dest],
                    traj=traj,
                    window=slice(int(inside[0]), int(inside[-1]) + 1),
                )
            )
        here = dest
        depart = int(t[-1]) + round(rng.uniform(*sc.traffic.turnaround_min) * 60)
    return out


def squawk(rng: np.random.Generator) -> str:
    """A random Mode A code outside :data:`RESERVED_SQUAWKS`."""
    while True:
        code = "".join(str(d) for d in rng.integers(0, 8, size=4))
        if code not in RESERVED_SQUAWKS:
            return code


__all__ = ["Aircraft", "Leg", "draw_fleet", "fly_legs", "squawk"]
