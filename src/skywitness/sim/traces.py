"""readsb traces: ``traces/trace_full_<icao>.json``, one file per aircraft.

One trace holds every leg the aircraft flies in the window: a point every few
seconds as readsb records them (20 s in steady cruise, 6 s climbing or
descending, 3 s turning, 4 s on the ground, and at every change of state),
the full aircraft dict on every fourth point and at changes, flag 1 (stale)
on a position more than 20 s after the previous one, flag 2 (new leg) on the
first airborne point of a leg. Times are offsets from the file's
``timestamp`` (readsb README-json.md, trace format).

A world model (:mod:`skywitness.sim.world`) may space the points farther
apart (``trace_interval_scale``) and, with the ``stale`` trace convention,
repeat the last position with the stale flag on every point while the
position is lost (the base world writes null positions there).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywitness.sim import jammer
from skywitness.sim.fleet import Aircraft, Leg
from skywitness.sim.messages import aircraft_dict, columns, decoded, leg_info, rows
from skywitness.sim.world import World

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


def trace_indices(leg: Leg, interval_scale: float = 1.0) -> NDArray[np.int64]:
    """Seconds at which readsb would add a trace point (heard, inside the window);
    ``interval_scale`` stretches the regular intervals (a world model's reporting)."""
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
    if interval_scale != 1.0:
        interval = interval * interval_scale
    phi = np.floor(np.cumsum(1.0 / interval))
    regular = np.flatnonzero(np.diff(np.r_[-1.0, phi]) > 0)
    changes = np.flatnonzero(np.diff(leg.level) != 0) + 1
    regained = np.flatnonzero(np.diff(leg.heard.astype(np.int8)) > 0) + 1
    jumps = np.flatnonzero(np.diff(leg.spoof_phase) != 0) + 1
    forced = np.r_[0, n - 1, tr.liftoff, min(tr.touchdown, n - 1), changes, regained, jumps]
    if leg.status is not None:
        # A flight with a status (the incident) also keeps the last message before
        # its records end: where they end is what its reconstruction starts from.
        ends = np.flatnonzero(np.diff(leg.heard.astype(np.int8)) < 0)
        forced = np.r_[forced, leg.status.changes(), ends]
    idx = np.unique(np.r_[regular, forced])
    w = leg.window
    idx = idx[(idx >= w.start) & (idx < w.stop)]
    return np.asarray(idx[leg.heard[idx]], dtype=np.int64)


def trace_points(leg: Leg, world: World | None = None) -> list[tuple[float, list[Any]]]:
    """(absolute time, readsb trace point without its offset) for each point of the leg;
    ``world``: the run's world model (None: the base world)."""
    idx = trace_indices(leg, world.trace_interval_scale if world is not None else 1.0)
    if not len(idx):
        return []
    info, tr = leg_info(leg), leg.traj
    source = "mlat" if info.source == "mlat" else "adsb_icao"
    # Stale: the previous position message heard is more than 20 s older.
    got = leg.heard & leg.pos_valid
    seconds = np.arange(tr.n)
    before = np.r_[-1, np.maximum.accumulate(np.where(got, seconds, -1))[:-1]][idx]
    stale_now = got[idx] & (before >= 0) & (idx - before > STALE_AFTER_S)
    # The stale convention: a point without position repeats the last one heard, flagged.
    repeat = np.zeros(len(idx), dtype=bool)
    last_lat: list[Any] = [None] * len(idx)
    last_lon: list[Any] = [None] * len(idx)
    if world is not None and world.stale_positions:
        repeat = ~leg.pos_valid[idx] & (before >= 0)
        if repeat.any():
            last = decoded(columns(leg, before[repeat]))
            for k, la, lo in zip(np.flatnonzero(repeat).tolist(), last["lat"].tolist(),
                                 last["lon"].tolist(), strict=True):  # fmt: skip
                last_lat[k], last_lon[k] = la, lo
        stale_now |= repeat
    stale = stale_now.tolist()
    last_detail_state: tuple[int, int, bool, int] = (-1, -1, False, -1)
    phase = leg.spoof_phase[idx].tolist()
    new_leg_pending = tr.liftoff >= leg.window.start
    points = []
    for k, (i, r) in enumerate(zip(idx.tolist(), rows(decoded(columns(leg, idx))), strict=True)):
        flags = TRACE_FLAG_STALE if stale[k] else 0
        if new_leg_pending and i >= tr.liftoff:
            flags |= TRACE_FLAG_NEW_LEG
            new_leg_pending = False
        detail = None
        state = (r["level"], phase[k], r["emergency"], r["nav_modes"])
        if k % TRACE_DETAIL_EVERY == 0 or state != last_detail_state:
            detail = aircraft_dict(info, r, trace=True)
            last_detail_state = state
        geom = info.source != "mlat" and r["level"] != jammer.LOST
        air = not r["ground"]
        points.append((r["t"], [
            r["lat"] if r["pos"] else last_lat[k],
            r["lon"] if r["pos"] else last_lon[k],
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


def write_trace(folder: Path, ac: Aircraft, points: list[tuple[float, list[Any]]]) -> None:
    """``folder/trace_full_<icao>.json`` from the aircraft's :func:`trace_points`."""
    base = math.floor(points[0][0])
    trace = [[round(t - base, 2), *p] for t, p in points]
    doc = {"icao": ac.icao24, "t": ac.perf.icao_type, "timestamp": base, "trace": trace}
    path = folder / f"trace_full_{ac.icao24}.json"
    path.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")


__all__ = ["trace_indices", "trace_points", "write_trace"]
