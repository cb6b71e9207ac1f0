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
- ``claims.json`` (the incident scenario only): published claims about the
  incident flight, true and false (:mod:`skywitness.sim.claims`; their truth in
  ``truth.json``).
- ``truth.json``: what was simulated (below), with an ``incident`` object in
  scenarios with an ``[incident]`` table (:mod:`skywitness.sim.incident`: one
  flight through jamming, two go-arounds, a failure, a diversion and a crash,
  added to the background traffic and written in both formats like it).

Same scenario, seed and size: the same bytes. The simulator writes data
records only; it decides which records are degraded and never models a
transmitted signal.

Each concern has its module: :mod:`skywitness.sim.fleet` (aircraft and their
legs), :mod:`skywitness.sim.state` (per-second broadcast state: emitter zones,
reception, quality, spoofing), :mod:`skywitness.sim.messages` (a leg's
messages as readsb decodes them), :mod:`skywitness.sim.traces`,
:mod:`skywitness.sim.snapshots` and :mod:`skywitness.sim.truth` (the three
outputs, with the definitions of affected and spoofed intervals). This one
runs them in order and draws every random number from streams spawned off
one seed.

World models (:mod:`skywitness.sim.world`): ``world`` names one (or is one),
else the scenario's ``[world]`` table does, else it is ``base``, the
simulator as it was before world models. The model's per-seed and
per-aircraft draws come from a stream of their own (:data:`WORLD_STREAM`),
so the base world draws, and writes, exactly what it did before.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from skywitness.errors import UsageError
from skywitness.progress import Progress, no_progress
from skywitness.sim import incident, spoofer
from skywitness.sim import world as worlds
from skywitness.sim.fleet import draw_fleet, fly_legs
from skywitness.sim.flight import GeomOffset, Wind
from skywitness.sim.scenario import load
from skywitness.sim.snapshots import SnapshotRows, write_snapshots
from skywitness.sim.state import broadcast_state, spoof
from skywitness.sim.traces import trace_points, write_trace
from skywitness.sim.truth import aircraft_truth, flight_truth, truth_document

#: The world model's stream: the seed's child with this spawn key. The other
#: streams are the seed's first children, spawned in order (at most four), so
#: this one never coincides with them and adding it moved no other draw.
WORLD_STREAM = 1 << 16


def simulate(
    scenario: str | Path,
    out: Path,
    *,
    seed: int = 0,
    size: float = 1.0,
    snapshots: bool = True,
    progress: Progress | None = None,
    world: str | worlds.WorldModel | None = None,
) -> dict[str, Any]:
    """Simulate ``scenario`` (a shipped name or a TOML path) into ``out``; a summary.

    ``world``: a world model's name (:data:`skywitness.sim.world.WORLDS`) or a
    :class:`~skywitness.sim.world.WorldModel`; None takes the scenario's
    ``[world]`` name, else ``base``. ``progress``, when given, is called as ``progress(stage, done, total)``
    with the stages ``"aircraft"`` (aircraft simulated, their trace files
    written) and, with ``snapshots``, ``"snapshots"`` (snapshot files
    written). It does not change what is written.
    """
    began = time.perf_counter()
    report = progress or no_progress
    sc = load(scenario)
    if (
        isinstance(size, bool)
        or not isinstance(size, int | float)
        or not (math.isfinite(size) and size > 0)
    ):
        raise UsageError(f"size must be a positive number, got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be a non-negative integer, got {seed!r}")
    if world is not None and not isinstance(world, str | worlds.WorldModel):
        raise UsageError(f"world must be a name or a WorldModel, got {world!r}")
    root = np.random.SeedSequence(seed)
    world_seq = np.random.SeedSequence(root.entropy, spawn_key=(WORLD_STREAM,))
    world_rng = np.random.default_rng(world_seq)
    model = worlds.resolve_world(world if world is not None else sc.world or "base", world_rng)
    out = Path(out)
    for name in ("traces", "readsb-hist", "truth.json", "claims.json"):
        if (out / name).exists():
            raise UsageError(f"{out / name} already exists: simulate into a new directory")
    weather_seq, fleet_seq = root.spawn(2)
    weather_rng = np.random.default_rng(weather_seq)
    offset = GeomOffset.draw(weather_rng, sc.weather.geom_offset_max_ft, float(sc.start_s))
    wind = worlds.draw_wind(model, world_rng, Wind(sc.weather.wind_from_deg, sc.weather.wind_kt))
    plan = None
    if sc.incident is not None:
        # The incident flight draws from its own streams (spawned only in incident
        # scenarios), and fits the scenario to itself before the fleet is drawn.
        plan_seq, leg_seq = root.spawn(1)[0].spawn(2)
        plan = incident.plan(sc, np.random.default_rng(plan_seq), wind, offset)
        sc = plan.scenario
    drawn = worlds.draw_world(model, sc, world_rng, wind)
    # The base world (every aspect base's) takes the original code paths.
    w = None if model.identity else drawn
    sc = drawn.scenario(sc)
    fleet = draw_fleet(sc, size, np.random.default_rng(fleet_seq))
    if w is not None:
        fleet = [
            w.receiver(ac, np.random.default_rng(s))
            for ac, s in zip(fleet, world_seq.spawn(len(fleet)), strict=True)
        ]
    per_aircraft = fleet_seq.spawn(len(fleet))
    # Spoofing draws come from their own stream: scenarios without spoofers
    # draw exactly what they drew before spoofers existed.
    spoof_seqs = root.spawn(1)[0].spawn(len(fleet)) if sc.spoofers else [None] * len(fleet)

    (out / "traces").mkdir(parents=True, exist_ok=True)
    snaps = SnapshotRows(drawn.stale_positions) if snapshots else None
    truth_aircraft: list[dict[str, Any]] = []
    flights: list[dict[str, Any]] = []
    trace_count = 0
    total = len(fleet) + (plan is not None)
    report("aircraft", 0, total)
    for done, (ac, seq, spoof_seq) in enumerate(
        zip(fleet, per_aircraft, spoof_seqs, strict=True), start=1
    ):
        rng = np.random.default_rng(seq)
        legs = fly_legs(sc, ac, rng, wind, offset, len(flights))
        if legs:
            spoof_rng = np.random.default_rng(spoof_seq) if spoof_seq is not None else None
            receiver = spoofer.Receiver.draw(spoof_rng) if spoof_rng is not None else None
            for leg in legs:
                broadcast_state(sc, leg, rng, w)
                if spoof_rng is not None and receiver is not None:
                    spoof(sc, leg, receiver, spoof_rng, w)
                flights.append(flight_truth(leg))
                if snaps is not None:
                    snaps.add(sc, leg)
            points = [p for leg in legs for p in trace_points(leg, w)]
            if points:
                trace_count += len(points)
                write_trace(out / "traces", ac, points)
            truth_aircraft.append(aircraft_truth(sc, ac, legs, bool(points), w is not None))
        report("aircraft", done, total)
    incident_truth = None
    if plan is not None:
        taken = {a.icao24 for a in fleet}
        ac, leg, gnss = incident.fly_leg(
            plan, len(fleet), taken, len(flights), np.random.default_rng(leg_seq)
        )
        flights.append(incident.flight_record(plan, leg))
        if snaps is not None:
            snaps.add(sc, leg)
        points = trace_points(leg, w)
        trace_count += len(points)
        write_trace(out / "traces", ac, points)
        truth_aircraft.append(aircraft_truth(sc, ac, [leg], True, w is not None))
        incident_truth = incident.truth(plan, leg, gnss)
        report("aircraft", total, total)
    n_snapshots = write_snapshots(out, sc, snaps, report) if snaps is not None else 0
    record = None if model == worlds.BASE else drawn.record(sc)
    truth = truth_document(sc, seed, size, wind, flights, truth_aircraft, record)
    if incident_truth is not None:
        truth["definitions"]["incident"] = incident.DEFINITION
        truth["incident"] = incident_truth
    (out / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    if incident_truth is not None:  # the published claims about the flight, true and false
        incident.write_claims(out, incident_truth)
    summary: dict[str, Any] = {
        "scenario": sc.name,
        "seed": seed,
        "size": size,
        "world": model.name,
        "out": str(out),
        "aircraft": len(truth_aircraft),
        "flights": len(flights),
        "trace_files": sum(1 for a in truth_aircraft if a["trace"]),
        "trace_points": trace_count,
        "snapshot_files": n_snapshots,
        "snapshot_rows": snaps.rows if snaps is not None else 0,
        "affected_aircraft": sum(1 for a in truth_aircraft if a["affected"]),
        "spoofed_aircraft": sum(1 for a in truth_aircraft if a.get("spoofed")),
    }
    if incident_truth is not None:
        summary["incident"] = {
            k: incident_truth[k]
            for k in ("icao24", "callsign", "origin", "destination", "diversion")
        }
    summary["elapsed_s"] = round(time.perf_counter() - began, 3)
    return summary


__all__ = ["simulate"]
