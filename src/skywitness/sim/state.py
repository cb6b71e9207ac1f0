"""Per-second broadcast state of a leg: emitter zones, reception, quality, spoofing.

Run on each :class:`~skywitness.sim.fleet.Leg` in turn (:func:`broadcast_state`,
then :func:`spoof` in scenarios with spoofers), they fill the leg's per-second
arrays that the writers and the truth read.

What a report shows, per second of the aircraft's *broadcast state*:

- normal: position, NIC, NACp, geometric altitude as the aircraft's avionics give them;
- ``degraded`` (inside an emitter's fringe): position still reported, NIC 5-7
  and NACp 4-7 (lower than normal), see :mod:`skywitness.sim.jammer`;
- ``lost`` (inside range and line of sight): NIC, NACp and NACv 0 (other
  receiver brands in some world models, :mod:`skywitness.sim.world`), no
  position (``lat``/``lon`` absent from snapshots, null in traces), no
  geometric altitude; barometric altitude, ground speed and track keep coming.

**Spoofed** (scenarios with spoofers, :mod:`skywitness.sim.spoofer`): the
report carries a *false* position, geometric altitude, ground speed, track and
geometric rate; barometric altitude and rate, heading and airspeeds stay
true. Phases: ``frozen`` (the last true solution held), ``attracted`` (within
the spoofer's reach: false positions near its attractor or on its circle),
``recovering`` (out of reach, still captured: the same false motion). Trusted
aircraft keep their normal NIC/NACp; the others report NIC 0-4, NACp 0-3,
NACv 0-1. A jamming loss takes precedence (no position at all).
"""

from __future__ import annotations

import numpy as np

from skywitness.model.geo import distance_m
from skywitness.sim import jammer, spoofer
from skywitness.sim.fleet import Leg
from skywitness.sim.flight import height_m
from skywitness.sim.model import Scenario
from skywitness.sim.truth import zone_runs
from skywitness.sim.world import World


def broadcast_state(
    sc: Scenario, leg: Leg, rng: np.random.Generator, world: World | None = None
) -> None:
    """Emitter zones, broadcast state, reception and quality, per second of the leg.

    ``world``: the run's world model with its draws (:mod:`skywitness.sim.world`):
    the zones' shapes and the altitude that sets line of sight; None is the
    base world.
    """
    tr, ac = leg.traj, leg.aircraft
    n, t = tr.n, tr.t_s
    h = height_m(tr) if world is None else world.los_height_m(tr)
    geo = np.zeros(n, np.int8)
    resp = np.full(n, -1, np.int64)
    depth = np.ones(n)
    for i, em in enumerate(sc.emitters):
        shape = world.emitter_geometry(em) if world is not None else None
        lvl, dist = jammer.zone(em, t, tr.lat, tr.lon, h, shape)
        better = lvl > geo
        geo = np.where(better, lvl, geo).astype(np.int8)
        resp = np.where(better, i, resp)
        d = jammer.fringe_depth(em, tr.lat, tr.lon, dist, shape)
        depth = np.where(lvl > 0, np.minimum(depth, d), depth)
        leg.zones.extend(zone_runs(leg, em, lvl, dist))
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
    nic[m], nac_p[m], nac_v[m] = ac.lost_quality  # (0, 0, 0) but for some brands
    leg.nic, leg.nac_p, leg.nac_v = nic, nac_p, nac_v
    # When in its second each message arrives, 0.0-0.9 s (readsb's seen has 0.1 s steps).
    leg.frac = rng.integers(0, 10, size=n) / 10.0


def spoof(
    sc: Scenario,
    leg: Leg,
    receiver: spoofer.Receiver,
    rng: np.random.Generator,
    world: World | None = None,
) -> None:
    """Spoofing episodes, reported fields and quality of one leg (after :func:`broadcast_state`);
    ``world`` shapes the spoofers' reach as it shapes the emitters' zones."""
    tr = leg.traj
    h = height_m(tr) if world is None else world.los_height_m(tr)
    shapes = tuple(world.emitter_geometry(sp) for sp in sc.spoofers) if world is not None else None
    if leg.aircraft.source == "mlat":  # multilateration positions do not depend on GNSS
        leg.spoof = spoofer.Capture.none(tr, spoofer.reach(sc.spoofers, tr, h, shapes)[1])
        return
    blocked = np.asarray(leg.level == jammer.LOST)
    leg.spoof = spoofer.capture(sc.spoofers, tr, h, receiver, rng, blocked, shapes)
    leg.nic, leg.nac_p, leg.nac_v = leg.spoof.quality(leg.nic, leg.nac_p, leg.nac_v)


__all__ = ["broadcast_state", "spoof"]
