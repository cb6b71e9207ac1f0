"""The ground truth: what was simulated, as ``truth.json`` records.

Flights, per aircraft the intervals below, where it was geometrically in an
emitter's or spoofer's reach (``in_zone``, ``in_spoofing_zone``) and where
no data was heard (``no_data``: dropouts and coverage holes), the emitters
and spoofers, and the definitions written into the file itself. Times are
whole UTC seconds, as ISO-8601 and as nanoseconds (``*_ns``).

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

**World** (``truth.json``, ``world``): in runs of a world model other than
``base`` (:mod:`skywitness.sim.world`), the model's name, its settings and
what was drawn for this seed (each emitter's and spoofer's antenna height,
pattern, range law, fringe and blocked sectors; wind; trace interval; extra
coverage holes). The intervals above come from the world's own zones, and
each aircraft's ``receiver`` names its ``brand`` and the ``lost_quality`` it
reports. Emitters keep their true positions. Without a ``world`` object the
run is the base world's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywitness.model.timefmt import iso_utc
from skywitness.model.units import NS_PER_S
from skywitness.sim import jammer, spoofer
from skywitness.sim.fleet import Aircraft, Leg
from skywitness.sim.flight import Wind
from skywitness.sim.model import Emitter, Scenario, Spoofer

#: Sampling of the true path in a spoofed interval, s (and its last second).
TRUE_PATH_STEP_S = 10


def iso(t_s: int) -> str:
    """Whole UTC seconds as ``2024-05-20T10:15:00Z``."""
    return iso_utc(int(t_s) * NS_PER_S, timespec="seconds")


def clip(run: tuple[int, int], window: slice, n: int) -> tuple[int, int, bool] | None:
    """A run of seconds clipped to the window, and whether the data cuts it short.

    Cut short: it runs across an edge of the scenario window, or it is still
    on when the leg's data ends (the aircraft landed inside the zone).
    """
    a, b = run
    ca, cb = max(a, window.start), min(b, window.stop)
    if ca >= cb:
        return None
    return ca, cb, a < window.start or b > window.stop or b >= n


def span(t0: int, a: int, b: int, truncated: bool) -> dict[str, Any]:
    """Seconds ``[t0 + a, t0 + b)`` as a truth interval."""
    s, e = t0 + a, t0 + b
    return {
        "start": iso(s), "end": iso(e), "start_ns": s * NS_PER_S, "end_ns": e * NS_PER_S,
        "truncated": truncated,
    }  # fmt: skip


def zone_runs(
    leg: Leg,
    em: Emitter | Spoofer,
    lvl: NDArray[np.int8],
    dist: NDArray[np.float64],
    kinds: tuple[tuple[str, int], ...] = (("fringe", jammer.FRINGE), ("lost", jammer.LOST)),
) -> list[dict[str, Any]]:
    """Geometric presence in the emitter's zones, clipped to the window."""
    tr = leg.traj
    out = []
    for kind, value in kinds:
        for run in jammer.runs(lvl == value):
            clipped = clip(run, leg.window, tr.n)
            if clipped is None:
                continue
            a, b, truncated = clipped

            def point(i: int) -> dict[str, Any]:
                return {
                    "time": iso(tr.start_s + i),
                    "lat": round(float(tr.lat[i]), 5),
                    "lon": round(float(tr.lon[i]), 5),
                    "alt_geom_ft": round(float(tr.alt_geom_ft[i])),
                    "distance_km": round(float(dist[i]), 2),
                }

            out.append({
                "emitter": em.id, "kind": kind, **span(tr.start_s, a, b, truncated),
                "entry": point(a), "exit": point(b - 1),
            })  # fmt: skip
    return out


def flight_truth(leg: Leg) -> dict[str, Any]:
    """One ``flights[]`` record: who flew where, and when it took off and landed."""
    tr = leg.traj
    return {
        "icao24": leg.aircraft.icao24,
        "callsign": leg.callsign,
        "type": leg.aircraft.perf.icao_type,
        "origin": leg.origin.icao,
        "destination": leg.dest.icao,
        "roll_start": iso(tr.start_s),
        "takeoff": iso(tr.start_s + tr.liftoff),
        "landing": iso(tr.start_s + tr.touchdown),
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
            clipped = clip(run, leg.window, n)
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
                    **span(leg.traj.start_s, a, b, truncated),
                }
            )
    return sorted(out, key=lambda x: int(x["start_ns"]))


def _no_data(leg: Leg) -> list[dict[str, Any]]:
    """Runs of seconds without any report, inside the window: coverage holes or dropouts."""
    w = leg.window
    gaps = []
    for a, b in jammer.runs(~leg.heard[w.start : w.stop]):
        a, b = a + w.start, b + w.start
        reason = "coverage" if leg.hole[a:b].any() else "dropout"
        s, e = leg.traj.start_s + a, leg.traj.start_s + b
        gaps.append(
            {
                "reason": reason,
                "start": iso(s),
                "end": iso(e),
                "start_ns": s * NS_PER_S,
                "end_ns": e * NS_PER_S,
            }
        )
    return gaps


def _spoofed(sc: Scenario, leg: Leg) -> list[dict[str, Any]]:
    """Spoofed intervals of one leg, clipped to the window (see the module docstring)."""
    cap = leg.spoof
    if cap is None or not cap.episodes:
        return []
    tr = leg.traj
    out = []
    for run in jammer.runs(cap.phase != spoofer.NONE):
        clipped = clip(run, leg.window, tr.n)
        if clipped is None:
            continue
        a, b, truncated = clipped
        ep = cap.episodes[int(cap.episode[run[0]])]
        sp = sc.spoofers[ep.spoofer]
        phases = []
        for value, name in spoofer.PHASES.items():
            for pa_, pb in jammer.runs(cap.phase[a:b] == value):
                piece = span(tr.start_s, a + pa_, a + pb, False)
                del piece["truncated"]
                phases.append({"phase": name, **piece})
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
            **span(tr.start_s, a, b, truncated),
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
        out.extend(zone_runs(leg, sp, lvl, dist, kinds=(("spoofing", 1),)))
    return sorted(out, key=lambda x: int(x["start_ns"]))


def aircraft_truth(
    sc: Scenario, ac: Aircraft, legs: list[Leg], traced: bool, brand: bool = False
) -> dict[str, Any]:
    """One ``aircraft[]`` record, from its legs (after their broadcast state);
    ``brand``: name the receiver's brand (runs of a world model other than base)."""
    receiver: dict[str, Any] = {
        "onset_s": round(ac.delays[0], 1),
        "lost_recovery_s": round(ac.delays[1], 1),
        "degraded_recovery_s": round(ac.delays[2], 1),
    }
    if brand:
        nic, nac_p, nac_v = ac.lost_quality
        receiver.update(brand=ac.brand, lost_quality={"nic": nic, "nac_p": nac_p, "nac_v": nac_v})
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
        "receiver": receiver,
        "trace": traced,
        "flights": [leg.number for leg in legs],
        "affected": [x for leg in legs for x in _affected(sc, leg)],
        "in_zone": [z for leg in legs for z in leg.zones],
        "no_data": [g for leg in legs for g in _no_data(leg)],
        **spoofing,
    }


def _windows_truth(active: tuple[tuple[int, int], ...]) -> list[dict[str, Any]]:
    """An emitter's or spoofer's active windows."""
    return [
        {"start": iso(a), "end": iso(b), "start_ns": a * NS_PER_S, "end_ns": b * NS_PER_S}
        for a, b in active
    ]


def truth_document(
    sc: Scenario, seed: int, size: float, wind: Wind, flights: list[dict[str, Any]],
    aircraft: list[dict[str, Any]], world: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """All of ``truth.json``: scenario, definitions, emitters, spoofers, flights, aircraft;
    ``world``: the world model's record (absent in the base world)."""
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
    if world is not None:
        definitions.update(
            affected=definitions["affected"] + " In this world model a lost fix reports the "
            "receiver's lost_quality (its brand) instead of NIC, NACp, NACv 0.",
            in_zone=definitions["in_zone"] + " In this world model the range, fringe and line "
            "of sight are those of world.geometry (antenna height, pattern, range law, "
            "blocked sectors) and of world.los_altitude.",
            world="the world model of this run and what was drawn for this seed; the "
            "intervals come from its zones and receivers.",
        )
        if "in_spoofing_zone" in definitions:
            definitions["in_spoofing_zone"] += " Its reach is shaped by world.geometry too."
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
        "start": iso(sc.start_s),
        "end": iso(sc.end_s),
        "start_ns": sc.start_s * NS_PER_S,
        "end_ns": sc.end_s * NS_PER_S,
        "definitions": definitions,
        "wind": {"from_deg": wind.from_deg, "speed_kt": wind.speed_kt},
        **({"world": world} if world is not None else {}),
        "emitters": [
            {
                "id": e.id,
                "lat": e.lat,
                "lon": e.lon,
                "height_m": e.height_m,
                "power_w": e.power_w,
                "range_km": round(e.range_km, 3),
                "fringe_km": round(e.fringe_km, 3),
                "active": _windows_truth(e.active),
            }
            for e in sc.emitters
        ],
        **spoofers,
        "flights": flights,
        "aircraft": aircraft,
    }


__all__ = [
    "TRUE_PATH_STEP_S",
    "aircraft_truth",
    "clip",
    "flight_truth",
    "iso",
    "span",
    "truth_document",
    "zone_runs",
]
