"""Detection quality against simulator ground truth, over many seeds.

    .venv/bin/python bench/accuracy.py [--seeds 20] [--scenarios jamming,two-jammers,sparse,clean]
                                      [--input snapshots|traces] [--mode nacp]

For each scenario and seed: simulate, read the records back through the
project's own readers (``--fields opensky`` keeps only what OpenSky state
vectors carry: no quality fields, airspeeds or heading), run the GNSS state and the event/emitter pipeline, and
score them against ``truth.json``:

* per aircraft-minute precision / recall / F1 of the affected state. A minute
  of one aircraft is *truly affected* when at least half of it lies in a truth
  interval of kind ``lost`` (NIC/NACp 0, positions gone), *clean* when none of
  it lies in any truth interval, and is left out when it is mostly or partly
  in a ``degraded`` (fringe) interval or only partly lost (it is neither
  clearly one nor the other; how many were left out is printed). It is
  *detected* when at least half of the aircraft's reports in that minute are
  in the bad state within an interference event (a lone faulty receiver is
  bad but affected by no interference). Only minutes with reports count.
* emitter error: for each truth emitter active in the data, the distance from
  the estimate of the event that holds most of its affected aircraft (missing
  if no event has an estimate); whether the truth lies within the estimate's
  ``error_km_95``; events holding no affected aircraft are false events.
* detection delay: the data are replayed in time order (windows growing by
  ``--step`` seconds from the first truth onset) until an event that holds one
  of the emitter's affected aircraft is declared; the delay is from the first
  affected report of that emitter (the earliest time any detector could see
  it) to that declaration.

With ``--task spoofing`` (default scenarios spoofing, spoofing-circle,
jamming-spoofing, clean, jamming) it scores the spoofing pipeline instead:

* per aircraft-minute precision / recall of the spoofed state
  (:func:`skywitness.sim.score.spoof_minute_scores`: a minute is truly
  spoofed when at least half of it lies in a truth spoofed interval, clean
  when none of it does, excluded otherwise; detected when at least half of
  the aircraft's airborne reports in it are flagged). On ``clean`` and
  ``jamming`` every flagged minute is a false positive;
* attractor error: for each truth spoofer, the distance from the place of the
  cluster holding most of its spoofed aircraft to the truth attractor (the
  circle's centre for circle spoofing), and whether it is within the
  cluster's ``error_km_95``; the spoofer area's centre error and range error;
  clusters holding no truly spoofed aircraft are false clusters.

With ``--task flight`` (default scenario incident) it scores the flight
reconstruction of the incident aircraft (``skywitness.flight``) with
:func:`skywitness.sim.score_flight.flight_scores` (definitions there), on
each of ``--variants``: ``base`` (the scenario as shipped, traces),
``snapshots`` (5-s readsb-hist snapshots instead of traces), ``wind`` (60 kt
from 120 degrees instead of 25 kt from 300), ``thin`` (every 4th report
kept), ``jitter`` (each record's time delayed by 0-3 s, uniform: receiver
and network latency), ``late`` (positions return only 2-5 min before the
crash instead of 8-20). The kernels were developed on ``base`` seeds 0-4;
every other variant and seed is held out.

With ``--task claims`` (scenario incident) it scores the claim checker
(:func:`skywitness.claims.check.check_claims`) on the incident's claims file
(:mod:`skywitness.sim.claims`: true claims with realistic observation errors,
false ones off by 1.3 to 10 tolerances), per seed: simulate (traces), run
``skywitness.flight`` on the incident aircraft's trace, check every claim, and
count per kind the claims judged right (true -> consistent, false ->
inconsistent), wrong, and undetermined (apart). The flip table takes, per kind
and quantity, an exact true claim (no error, no clock tolerance, where positions
were sent: :func:`skywitness.sim.claims.flip_claims`) moved by 0 to 3 tolerances
in steps of 0.25 and gives the margin at which its verdict first turns
inconsistent (median and range over the seeds).

With ``--holdout`` it tunes nothing and scores the jamming and spoofing jobs
as a user runs them (``skywitness.jamming`` on the readsb-hist snapshots,
``skywitness.spoofing`` on the readsb traces) on world models the detectors
were not developed on (:data:`skywitness.sim.world.HELD_OUT`; ``--worlds``
to choose, ``--worlds development`` for the models they were developed on),
each over ``--seeds`` seeds of ``--scenarios`` (default jamming-spoofing: one
jammer and one spoofer). Per world, the issue-12 table: the jammer's error
(median, p95, max) over emitters with >= 10 affected aircraft, how often the
truth lies inside the stated 95 % bound (coverage), the located events per
jammer (one emitter, one event) and events with no emitter, the affected
aircraft F1 per aircraft, the spoofed aircraft precision and recall per
aircraft, the spoofed place error, the spoofer area's centre error and its
coverage, and jammed aircraft reported as spoofed.

Results are printed as Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.gnss.jamming.events import interference_events
from skywitness.gnss.jamming.state import gnss_state
from skywitness.gnss.spoofing.detectors import spoof_states
from skywitness.gnss.spoofing.places import spoof_clusters
from skywitness.io import expand, read_table
from skywitness.sim.run import simulate
from skywitness.sim.score import (
    cluster_scores,
    emitter_scores,
    minute_scores,
    spoof_minute_scores,
)

NS = 1_000_000_000
#: Issue 3 states the localisation target over emitters affecting >= 10 aircraft.
TARGET_MIN_AFFECTED = 10


#: Canonical fields an OpenSky state vector carries (time, icao24, lat/lon,
#: velocity, true track, vertical rate, callsign, on-ground, squawk, baro and
#: geo altitude); ``--fields opensky`` nulls every other one (quality fields,
#: airspeeds, heading: what the detectors must do without).
OPENSKY_FIELDS = ("time", "icao24", "callsign", "lat", "lon", "gs_kt", "track_deg", "vrate_fpm",
                  "alt_baro_ft", "alt_geom_ft", "squawk", "on_ground", "source", "format",
                  "record_id")  # fmt: skip


def read_records(out: Path, source: str, fields: str = "all") -> pa.Table:
    sub = out / ("readsb-hist" if source == "snapshots" else "traces")
    tables = [read_table(p) for p in expand([sub])]
    table = pa.concat_tables(tables) if tables else pa.table({})
    if fields == "opensky":
        for k, f in enumerate(table.schema):
            if f.name not in OPENSKY_FIELDS:
                table = table.set_column(k, f, pa.nulls(table.num_rows, f.type))
    return table


def detection_delays(
    reports: pa.Table, truth: dict[str, Any], mode: str, step_s: float
) -> list[float]:
    """Replay: seconds from each emitter's first affected report to the first event holding it."""
    delays = []
    t = reports["time"]
    for em in truth["emitters"]:
        onsets = [(iv["start_ns"], ac["icao24"]) for ac in truth["aircraft"] for iv in ac["affected"]
                  if iv["emitter"] == em["id"] and iv["kind"] == "lost"]  # fmt: skip
        if not onsets:
            continue
        first = min(s for s, _ in onsets)
        mine = {a for _, a in onsets}
        lookback = first - 3600 * NS
        now = first
        while now <= first + 1800 * NS:
            now += int(step_s * NS)
            window = reports.filter(pc.and_(pc.greater_equal(t, pa.scalar(lookback, t.type)),
                                            pc.less(t, pa.scalar(now, t.type))))  # fmt: skip
            events = interference_events(gnss_state(window, mode=mode), window, locate=False)
            if any(mine & set(e.aircraft) for e in events):
                delays.append((now - first) / NS)
                break
        else:
            delays.append(float("inf"))
    return delays


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument(
        "--task", choices=("jamming", "spoofing", "flight", "claims"), default="jamming"
    )
    ap.add_argument("--variants", default="base", help="flight task: comma-separated variants")
    ap.add_argument("--scenarios", help="comma-separated (default: per task)")
    ap.add_argument("--input", choices=("snapshots", "traces"), default="snapshots")
    ap.add_argument("--fields", choices=("all", "opensky"), default="all",
                    help="opensky: keep only what OpenSky state vectors carry")  # fmt: skip
    ap.add_argument("--mode", default="nacp")
    ap.add_argument("--step", type=float, default=10.0, help="replay step, seconds")
    ap.add_argument("--no-delay", action="store_true", help="skip the (slow) replay")
    ap.add_argument("--json", metavar="FILE", help="also write every per-seed result here")
    ap.add_argument("--summarise", metavar="FILE", help="only print the summary of a --json file")
    ap.add_argument("--holdout", action="store_true",
                    help="score the jamming and spoofing jobs on held-out world models")  # fmt: skip
    ap.add_argument("--worlds", help="holdout: comma-separated world models (default: held out)")
    ap.add_argument("--jobs", type=int, default=2, help="holdout: runs at once")
    args = ap.parse_args()
    if args.holdout:
        if args.summarise:
            _holdout_summary(json.loads(Path(args.summarise).read_text()))
            return
        rows = holdout_runs(args)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1))
        _holdout_summary(rows)
        return
    if args.scenarios is None:
        args.scenarios = DEFAULT_SCENARIOS[args.task]
    summary = {"jamming": _summary, "spoofing": _spoof_summary, "flight": _flight_summary,
               "claims": _claims_summary}[args.task]  # fmt: skip
    if args.task in ("flight", "claims"):
        if args.summarise:
            summary(json.loads(Path(args.summarise).read_text()), args)
            return
        rows = flight_runs(args) if args.task == "flight" else claims_runs(args)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1))
        summary(rows, args)
        return
    if args.summarise:
        summary(json.loads(Path(args.summarise).read_text()), args)
        return
    work = Path(tempfile.mkdtemp(prefix="skywitness-acc-"))
    rows: list[dict[str, Any]] = []
    try:
        for scenario in args.scenarios.split(","):
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                t0 = time.perf_counter()
                out = work / f"{scenario}-{seed}"
                simulate(scenario, out, seed=seed, snapshots=args.input == "snapshots")
                truth = json.loads((out / "truth.json").read_text())
                reports = read_records(out, args.input, args.fields)
                if args.task == "spoofing":
                    rows.append(
                        {"scenario": scenario, "seed": seed, **score_spoofing(reports, truth)}
                    )
                    rows[-1]["seconds"] = time.perf_counter() - t0
                    shutil.rmtree(out)
                    _print_spoof_row(rows[-1])
                    continue
                states = gnss_state(reports, mode=args.mode)
                events = interference_events(states, reports)
                counts = minute_scores(states, truth, events)
                emitters, false_events = emitter_scores(events, truth)
                delays = (
                    [] if args.no_delay else detection_delays(reports, truth, args.mode, args.step)
                )
                rows.append({"scenario": scenario, "seed": seed, **counts, "emitters": emitters,
                             "false_events": false_events, "events": len(events), "delays": delays,
                             "seconds": time.perf_counter() - t0})  # fmt: skip
                shutil.rmtree(out)
                r = rows[-1]
                errs = [e["error_km"] for e in emitters]
                print(f"# {scenario} seed {seed}: tp {r['tp']} fp {r['fp']} fn {r['fn']} "
                      f"events {len(events)} false {false_events} emitter errors {errs} "
                      f"delays {delays} ({r['seconds']:.1f} s)", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    summary(rows, args)


# -- the flight task ---------------------------------------------------------------

#: Scenario text changes per variant (the shipped incident.toml, edited).
VARIANT_TOML = {
    "wind": ("wind_from_deg = 300\nwind_kt = 25", "wind_from_deg = 120\nwind_kt = 60"),
    "late": ("positions_back_min = [8, 20]", "positions_back_min = [2, 5]"),
}
#: ``thin`` keeps every this-many-th report of the aircraft.
THIN_EVERY = 4
#: ``jitter`` delays each record by up to this many seconds.
JITTER_S = 3.0


def _variant_scenario(variant: str, work: Path) -> str | Path:
    if variant not in VARIANT_TOML:
        return "incident"
    from skywitness.sim.scenario import resolve

    text = resolve("incident").read_text(encoding="utf-8")
    old, new = VARIANT_TOML[variant]
    if old not in text:
        raise SystemExit(f"variant {variant}: {old!r} not in incident.toml")
    path = work / f"incident-{variant}.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _variant_records(reports: pa.Table, variant: str, icao24: str, seed: int) -> pa.Table:
    if variant == "thin":
        mine = pc.equal(reports["icao24"], icao24).to_numpy(zero_copy_only=False)
        idx = np.flatnonzero(mine)
        drop = np.zeros(len(mine), bool)
        drop[idx] = (np.arange(len(idx)) % THIN_EVERY) != 0
        return reports.filter(pa.array(~drop))
    if variant == "jitter":
        rng = np.random.default_rng(1000 + seed)
        t = reports["time"].cast(pa.int64()).to_numpy(zero_copy_only=False)
        t = t + (rng.uniform(0, JITTER_S, len(t)) * NS).astype(np.int64)
        i = reports.schema.get_field_index("time")
        return reports.set_column(i, "time", pa.array(t).cast(reports.schema.field("time").type))
    return reports


def flight_runs(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Simulate, reconstruct and score the incident flight per variant and seed."""
    from skywitness.api import flight
    from skywitness.sim.score_flight import flight_scores

    work = Path(tempfile.mkdtemp(prefix="skywitness-flight-"))
    rows: list[dict[str, Any]] = []
    try:
        for variant in args.variants.split(","):
            scenario = _variant_scenario(variant, work)
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                t0 = time.perf_counter()
                out = work / f"{variant}-{seed}"
                source = "snapshots" if variant == "snapshots" else "traces"
                simulate(scenario, out, seed=seed, snapshots=source == "snapshots")
                inc = json.loads((out / "truth.json").read_text())["incident"]
                reports = _variant_records(read_records(out, source), variant, inc["icao24"], seed)
                t1 = time.perf_counter()
                doc = flight(reports, inc["icao24"]).as_json()
                row = {"variant": variant, "seed": seed, **flight_scores(doc, inc),
                       "seconds": time.perf_counter() - t1, "sim_seconds": t1 - t0}  # fmt: skip
                rows.append(row)
                shutil.rmtree(out)
                print(f"# {variant} seed {seed}: " + ", ".join(
                    f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                    for k, v in row.items() if k not in ("variant", "seed")), flush=True)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _flight_summary(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    print("| variant | seeds | failure within 30 s | failure dt median / max s | crashed | "
          "crash km median / max | crash inside stated error | period within 10 % | "
          "amplitude within 20 % | approaches and go-arounds right | path median km | "
          "path p95 km | truth inside stated error | stated error median km | corrupted values used |")  # fmt: skip
    print(
        "| --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )

    def med_max(v: list[float]) -> str:
        return "-" if not v else f"{np.median(v):.1f} / {max(v):.1f}"

    def share(v: list[bool]) -> str:
        return f"{sum(v)}/{len(v)}"

    for variant in dict.fromkeys(r["variant"] for r in rows):
        rs = [r for r in rows if r["variant"] == variant]
        dts = [abs(r["failure_dt_s"]) for r in rs if r["failure_dt_s"] is not None]
        km = [r["crash_km"] for r in rs if r["crash_km"] is not None]
        meds = [r["median_km"] for r in rs if r["median_km"] is not None]
        p95 = [r["p95_km"] for r in rs if r["p95_km"] is not None]
        within = [r["within"] for r in rs if r["within"] is not None]
        stated = [r["stated_median_km"] for r in rs if r["stated_median_km"] is not None]
        print(f"| {variant} | {len(rs)} | "
              f"{share([r['failure_dt_s'] is not None and abs(r['failure_dt_s']) <= 30 for r in rs])} | "
              f"{med_max(dts)} | {share([r['end_kind'] == 'crashed' for r in rs])} | {med_max(km)} | "
              f"{share([bool(r['crash_within']) for r in rs])} | "
              f"{share([r['period_err'] is not None and abs(r['period_err']) <= 0.10 for r in rs])} | "
              f"{share([r['amplitude_err'] is not None and abs(r['amplitude_err']) <= 0.20 for r in rs])} | "
              f"{share([r['approaches_right'] for r in rs])} | "
              f"{np.median(meds):.2f} | {np.median(p95):.2f} | "
              f"{np.mean(within):.3f} (min {min(within):.3f}) | {np.median(stated):.2f} | "
              f"{sum(r['corrupted_used'] for r in rs)} |")  # fmt: skip


DEFAULT_SCENARIOS = {
    "jamming": "jamming,two-jammers,sparse,clean",
    "spoofing": "spoofing,spoofing-circle,jamming-spoofing,clean,jamming",
    "flight": "incident",
    "claims": "incident",
}


# -- the claims task ---------------------------------------------------------------

#: Flip table margins: 0 to 3 tolerances in steps of 0.25 (issue 11).
FLIP_MARGINS = tuple(0.25 * k for k in range(13))


def claims_runs(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Simulate the incident, reconstruct its flight, check its claims and the flip claims."""
    from skywitness.api import flight
    from skywitness.claims.check import DEFAULT_TOLERANCES, check_claims
    from skywitness.claims.model import parse_claims
    from skywitness.sim.claims import flip_claims, generate_claims

    work = Path(tempfile.mkdtemp(prefix="skywitness-claims-"))
    rows: list[dict[str, Any]] = []
    try:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            t0 = time.perf_counter()
            out = work / f"incident-{seed}"
            simulate("incident", out, seed=seed, snapshots=False)
            inc = json.loads((out / "truth.json").read_text())["incident"]
            trace = out / "traces" / f"trace_full_{inc['icao24']}.json"
            reports = read_table(trace)
            t1 = time.perf_counter()
            result = flight(reports, inc["icao24"], areas=False)
            t2 = time.perf_counter()
            records = {inc["icao24"]: result, inc["callsign"]: result}
            # the checker's own defaults, so the false margins are in its tolerances
            doc, truth = generate_claims(inc, inc["claims"]["seed"], DEFAULT_TOLERANCES)
            verdicts = check_claims(parse_claims(doc), records)
            claims = []
            for v in verdicts:
                tr = truth[v.id]
                off = tr.get("off") or {}
                claims.append({"id": v.id, "kind": v.kind, "true": tr["true"],
                               "verdict": v.verdict, "record": tr.get("record"),
                               "what": tr["what"], "off_in_tolerances": off.get("in_tolerances"),
                               "explanation": v.explanation})  # fmt: skip
            flips = flip_claims(inc, FLIP_MARGINS, DEFAULT_TOLERANCES)
            fv = check_claims(parse_claims({"claims": [f.claim for f in flips]}), records)
            flip_rows = [{"kind": f.kind, "quantity": f.quantity, "margin": f.margin,
                          "tolerance": f.tolerance, "unit": f.unit, "verdict": v.verdict}
                         for f, v in zip(flips, fv, strict=True)]  # fmt: skip
            rows.append({"seed": seed, "claims": claims, "flips": flip_rows,
                         "sim_seconds": t1 - t0, "flight_seconds": t2 - t1,
                         "check_seconds": time.perf_counter() - t2})  # fmt: skip
            shutil.rmtree(out)
            right = sum(_judged_right(c) for c in claims)
            und = sum(c["verdict"] == "undetermined" for c in claims)
            print(f"# seed {seed}: {len(claims)} claims, {right} right, {und} undetermined, "
                  f"{len(claims) - right - und} wrong ({time.perf_counter() - t0:.1f} s)",
                  flush=True)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _judged_right(c: dict[str, Any]) -> bool:
    return bool(c["verdict"] == ("consistent" if c["true"] else "inconsistent"))


def _claims_summary(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    claims = [{**c, "seed": r["seed"]} for r in rows for c in r["claims"]]
    print()
    print(f"Claims judged right over {len(rows)} seeds (true -> consistent, false -> "
          "inconsistent; undetermined apart; share right of all and of those decided):")  # fmt: skip
    print()
    print("| kind | truth | claims | right | wrong | undetermined | right of all | "
          "right of decided |")  # fmt: skip
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    kinds = list(dict.fromkeys(c["kind"] for c in claims))
    for kind in [*kinds, "all"]:
        for truth in (True, False):
            cs = [c for c in claims if (kind == "all" or c["kind"] == kind) and c["true"] == truth]
            if not cs:
                continue
            right = sum(_judged_right(c) for c in cs)
            und = sum(c["verdict"] == "undetermined" for c in cs)
            wrong = len(cs) - right - und
            decided = len(cs) - und
            of_decided = f"{right / decided:.1%}" if decided else "-"
            print(f"| {kind} | {'true' if truth else 'false'} | {len(cs)} | {right} | {wrong} | "
                  f"{und} | {right / len(cs):.1%} | {of_decided} |")  # fmt: skip
    obs = [c for c in claims if c["kind"] == "observation"]
    if obs:
        print()
        print("Observations by what the record holds at the time:")
        print()
        print("| record | truth | claims | right | wrong | undetermined |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for rec in dict.fromkeys(c["record"] for c in obs):
            for truth in (True, False):
                cs = [c for c in obs if c["record"] == rec and c["true"] == truth]
                if cs:
                    right = sum(_judged_right(c) for c in cs)
                    und = sum(c["verdict"] == "undetermined" for c in cs)
                    print(f"| {rec} | {'true' if truth else 'false'} | {len(cs)} | {right} | "
                          f"{len(cs) - right - und} | {und} |")  # fmt: skip
    wrong = [c for c in claims if not _judged_right(c) and c["verdict"] != "undetermined"]
    if wrong:
        print()
        print(f"Judged wrong ({len(wrong)}; first 40):")
        print()
        for c in wrong[:40]:
            print(f"- seed {c['seed']} {c['id']} ({c['what']}; true {c['true']}, off "
                  f"{c['off_in_tolerances']} tol): {c['verdict']}: {c['explanation']}")  # fmt: skip
    print()
    print("Flip table: an exact true claim moved by 0-3 tolerances (steps of 0.25): the "
          "margin (in tolerances) at which the verdict first turns inconsistent, over the "
          "seeds (approach counts: in whole approaches):")  # fmt: skip
    print()
    print("| kind | quantity | tolerance | verdict at 0 | flips at: median | min | max | "
          "seeds never flipping by 3 |")  # fmt: skip
    print("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |")
    flips = [{**f, "seed": r["seed"]} for r in rows for f in r["flips"]]
    for kind, q in dict.fromkeys((f["kind"], f["quantity"]) for f in flips):
        mine = [f for f in flips if f["kind"] == kind and f["quantity"] == q]
        at: list[float] = []
        never = 0
        zero: dict[str, int] = {}
        for seed in dict.fromkeys(f["seed"] for f in mine):
            fs = sorted((f for f in mine if f["seed"] == seed), key=lambda f: f["margin"])
            v0 = fs[0]["verdict"]
            zero[v0] = zero.get(v0, 0) + 1
            first = next((f["margin"] for f in fs if f["verdict"] == "inconsistent"), None)
            if first is None:
                never += 1
            else:
                at.append(first)
        tol = f"{mine[0]['tolerance']:g} {mine[0]['unit']}"
        z = ", ".join(f"{k} {v}" for k, v in sorted(zero.items()))
        stats = (f"{np.median(at):.2f} | {min(at):.2f} | {max(at):.2f}" if at
                 else "- | - | -")  # fmt: skip
        print(f"| {kind} | {q} | {tol} | {z} | {stats} | {never} |")
    secs = [r["sim_seconds"] + r["flight_seconds"] + r["check_seconds"] for r in rows]
    print()
    print(
        f"Per seed: {np.median(secs):.1f} s median (simulate, flight, check); "
        f"checking alone {np.median([r['check_seconds'] for r in rows]):.2f} s."
    )


def score_spoofing(reports: pa.Table, truth: dict[str, Any]) -> dict[str, Any]:
    """Spoofed-state confusion counts, cluster scores and timings for one run."""
    t0 = time.perf_counter()
    states = spoof_states(reports)
    t1 = time.perf_counter()
    clusters = spoof_clusters(states)
    t2 = time.perf_counter()
    counts = spoof_minute_scores(states, truth)
    spoofers, false_clusters = cluster_scores(clusters, truth)
    return {**counts, "spoofers": spoofers, "false_clusters": false_clusters,
            "clusters": len(clusters), "rows": reports.num_rows,
            "states_s": t1 - t0, "clusters_s": t2 - t1}  # fmt: skip


def _print_spoof_row(r: dict[str, Any]) -> None:
    errs = [(s["attractor_error_km"], s["area_error_km"]) for s in r["spoofers"]]
    print(f"# {r['scenario']} seed {r['seed']}: tp {r['tp']} fp {r['fp']} fn {r['fn']} "
          f"excluded {r['excluded']} clusters {r['clusters']} false {r['false_clusters']} "
          f"(attractor, area) errors km {errs} ({r['seconds']:.1f} s)", flush=True)  # fmt: skip


def _confusion(rs: list[dict[str, Any]]) -> tuple[int, int, int, float, float, float]:
    """Summed tp, fp, fn over runs, and precision, recall, F1 (NaN when undefined)."""
    tp, fp, fn = (sum(r[k] for r in rs) for k in ("tp", "fp", "fn"))
    p = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * p * rec / (p + rec) if p + rec else float("nan")
    return tp, fp, fn, p, rec, f1


def _spoof_summary(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    print(f"input: {args.input}, fields: {args.fields}, "
          f"seeds: {args.first_seed}..{args.first_seed + args.seeds - 1}")  # fmt: skip
    print()
    print("| scenario | seeds | precision | recall | F1 | minutes excluded | flagged minutes "
          "(no spoofing) | places found | attractor error median / p95 / max km | "
          "within error_km_95 | area centre error median / p95 km | area within 95 % | "
          "range error median km | false clusters |")  # fmt: skip
    print(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |"
    )
    for scenario in dict.fromkeys(r["scenario"] for r in rows):
        rs = [r for r in rows if r["scenario"] == scenario]
        tp, fp, fn, p, rec, f1 = _confusion(rs)
        sps = [s for r in rs for s in r["spoofers"]]
        att = [s["attractor_error_km"] for s in sps if s["attractor_error_km"] is not None]
        within = [s["within_95"] for s in sps if s["within_95"] is not None]
        area = [s["area_error_km"] for s in sps if s["area_error_km"] is not None]
        a_in = [s["area_within_95"] for s in sps if s["area_within_95"] is not None]
        rng = [s["range_error_km"] for s in sps if s["range_error_km"] is not None]

        def fmt(x: float, d: int = 3) -> str:
            return "-" if x != x else f"{x:.{d}f}"

        def stats(v: list[float], *qs: float) -> str:
            return " / ".join(fmt(float(np.percentile(v, q)), 2) for q in qs) if v else "-"

        no_truth = not sps and tp + fn == 0
        print(f"| {scenario} | {len(rs)} | {fmt(p)} | {fmt(rec)} | {fmt(f1)} | "
              f"{sum(r['excluded'] for r in rs)} | {fp if no_truth else '-'} | "
              f"{sum(s['found'] for s in sps)}/{len(sps)} | {stats(att, 50, 95, 100)} | "
              f"{f'{sum(within)}/{len(within)}' if within else '-'} | {stats(area, 50, 95)} | "
              f"{f'{sum(a_in)}/{len(a_in)}' if a_in else '-'} | {stats(rng, 50)} | "
              f"{sum(r['false_clusters'] for r in rs)} |")  # fmt: skip


# -- held-out world models ---------------------------------------------------------


def holdout_runs(args: argparse.Namespace) -> list[dict[str, Any]]:
    """One row per world, scenario and seed (see the module docstring), ``--jobs`` at once."""
    from concurrent.futures import ProcessPoolExecutor

    from skywitness.sim import world as worlds

    names = args.worlds or ",".join(worlds.HELD_OUT)
    if names == "development":
        names = ",".join(worlds.DEVELOPMENT)
    scenarios = args.scenarios or "jamming-spoofing"
    tasks = [(name, scenario, seed) for name in names.split(",")
             for scenario in scenarios.split(",")
             for seed in range(args.first_seed, args.first_seed + args.seeds)]  # fmt: skip
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        rows = []
        for row in pool.map(_holdout_one, tasks):
            rows.append(row)
            print(f"# {row['world']} {row['scenario']} seed {row['seed']}: "
                  f"{json.dumps({k: v for k, v in row.items() if k not in ('clusters', 'drawn')})}",
                  flush=True)  # fmt: skip
    return rows


def _holdout_one(task: tuple[str, str, int]) -> dict[str, Any]:
    import skywitness

    name, scenario, seed = task
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="skywitness-holdout-"))
    try:
        out = work / "sim"
        simulate(scenario, out, seed=seed, world=name)
        truth = json.loads((out / "truth.json").read_text())
        jam = skywitness.jamming(read_records(out, "snapshots"))
        spo = skywitness.spoofing(read_records(out, "traces"))
        drawn = truth.get("world", {})
        row = {"world": name, "scenario": scenario, "seed": seed, "drawn": drawn,
               **holdout_scores(list(jam.events), spo, truth)}  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    row["seconds"] = time.perf_counter() - t0
    return row


def holdout_scores(events: list[Any], spo: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """The issue-12 measures of one simulated run (see the module docstring)."""
    lost: dict[str, set[str]] = {}
    spoofed: set[str] = set()
    for ac in truth["aircraft"]:
        for iv in ac["affected"]:
            if iv["kind"] == "lost":
                lost.setdefault(iv["emitter"], set()).add(ac["icao24"])
        if ac.get("spoofed"):
            spoofed.add(ac["icao24"])
    by_spoofer: dict[str, set[str]] = {}
    for ac in truth["aircraft"]:
        for iv in ac.get("spoofed", ()):
            by_spoofer.setdefault(iv["spoofer"], set()).add(ac["icao24"])
    causes = {**{("jammer", k): v for k, v in lost.items()},
              **{("spoofer", k): v for k, v in by_spoofer.items()}}  # fmt: skip

    def cause(ev: Any) -> tuple[str, str] | None:
        """The truth emitter holding most of an event's aircraft."""
        best = max(causes, key=lambda c: len(causes[c] & set(ev.aircraft)), default=None)
        return best if best is not None and causes[best] & set(ev.aircraft) else None

    emitters, _ = emitter_scores(events, truth)
    for e in emitters:
        located = [ev for ev in events if ev.emitter is not None and ev.kind == "jamming"
                   and cause(ev) == ("jammer", e["emitter"])]  # fmt: skip
        e["located_events"] = len(located)
        mine = lost.get(e["emitter"], set())
        e["error_95_km"] = None
        best = max(events, key=lambda ev: len(mine & set(ev.aircraft)), default=None)
        if best is not None and best.emitter is not None and mine & set(best.aircraft):
            e["error_95_km"] = best.emitter.error_km_95
            e["error_95_any_antenna_km"] = best.emitter.error_km_95_any_antenna
            e["shape_km"] = best.emitter.shape_km
            e["range_km"] = best.emitter.range_km
    jam_events = [ev for ev in events if ev.kind == "jamming"]
    jammed = set().union(*lost.values()) if lost else set()
    detected = {a for ev in jam_events for a in ev.aircraft}
    flagged = {iv.icao24 for iv in spo.intervals}
    clusters, false_clusters = cluster_scores(list(spo.clusters), truth)
    return {
        "emitters": emitters,
        "events": len(events),
        "events_without_emitter": sum(ev.emitter is None for ev in events),
        "spoofer_events_called_jamming": sum(
            ev.kind == "jamming" and (cause(ev) or ("",))[0] == "spoofer" for ev in events
        ),
        "jam_tp": len(detected & jammed), "jam_fp": len(detected - jammed - spoofed),
        "jam_fn": len(jammed - detected),
        "spoof_tp": len(flagged & spoofed), "spoof_fp": len(flagged - spoofed),
        "spoof_fn": len(spoofed - flagged),
        "jammed_as_spoofed": sorted(flagged & (jammed - spoofed)),
        "clusters": clusters, "false_clusters": false_clusters,
    }  # fmt: skip


def _holdout_summary(rows: list[dict[str, Any]]) -> None:
    def q(v: list[float], p: float) -> str:
        return f"{np.percentile(v, p):.1f}" if v else "-"

    def share(n: int, d: int) -> str:
        return f"{n}/{d} ({n / d:.2f})" if d else "-"

    print()
    print("| world | seeds | jammer error median / p95 / max km (>= 10 affected) | truth inside 95 % "
          "(all located) | bound median km | jammers in one event | events without emitter | "
          "affected F1 (per aircraft) | spoofed P / R (per aircraft) | spoofed place error max km | "
          "spoofer area error median / p95 / max km | area inside 95 % | jammed reported spoofed | "
          "truth inside 95 % any antenna | its bound median km | area inside any antenna |")  # fmt: skip
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: "
          "| ---: | ---: | ---: |")  # fmt: skip
    for name in dict.fromkeys(r["world"] for r in rows):
        rs = [r for r in rows if r["world"] == name]
        ems = [e for r in rs for e in r["emitters"]]
        big = [e["error_km"] for e in ems if e["affected"] >= TARGET_MIN_AFFECTED
               and e["error_km"] is not None]  # fmt: skip
        inside = [e["within_95"] for e in ems if e["within_95"] is not None]
        bounds = [e["error_95_km"] for e in ems if e.get("error_95_km") is not None]
        any_in = [e["within_95_any_antenna"] for e in ems
                  if e.get("within_95_any_antenna") is not None]  # fmt: skip
        any_bounds = [e["error_95_any_antenna_km"] for e in ems
                      if e.get("error_95_any_antenna_km") is not None]  # fmt: skip
        one = sum(e["located_events"] == 1 for e in ems)
        tp, fp, fn = (sum(r[k] for r in rs) for k in ("jam_tp", "jam_fp", "jam_fn"))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        stp, sfp, sfn = (sum(r[k] for r in rs) for k in ("spoof_tp", "spoof_fp", "spoof_fn"))
        cl = [c for r in rs for c in r["clusters"]]
        place = [c["attractor_error_km"] for c in cl if c["attractor_error_km"] is not None]
        area = [c["area_error_km"] for c in cl if c["area_error_km"] is not None]
        a_in = [c["area_within_95"] for c in cl if c["area_within_95"] is not None]
        a_any = [c["area_within_95_any_antenna"] for c in cl
                 if c.get("area_within_95_any_antenna") is not None]  # fmt: skip
        print(f"| {name} | {len(rs)} | {q(big, 50)} / {q(big, 95)} / {q(big, 100)} "
              f"(n={len(big)}) | {share(sum(inside), len(inside))} | {q(bounds, 50)} | "
              f"{one}/{len(ems)} | {sum(r['events_without_emitter'] for r in rs)} | {f1:.3f} | "
              f"{stp / max(stp + sfp, 1):.3f} / {stp / max(stp + sfn, 1):.3f} | "
              f"{max(place) if place else float('nan'):.2f} | {q(area, 50)} / {q(area, 95)} / "
              f"{q(area, 100)} | {share(sum(a_in), len(a_in))} | "
              f"{sum(len(r['jammed_as_spoofed']) for r in rs)} | "
              f"{share(sum(any_in), len(any_in))} | {q(any_bounds, 50)} | "
              f"{share(sum(a_any), len(a_any))} |")  # fmt: skip


def _summary(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    print(
        f"input: {args.input}, mode: {args.mode}, seeds: {args.first_seed}..{args.first_seed + args.seeds - 1}"
    )
    print()
    print("| scenario | seeds | precision | recall | F1 | minutes excluded | emitters located (>= 10 affected) | "
          "error median km (>= 10 affected) | error p95 km | truth within error_km_95 (all) | false events | "
          "delay median s | delay max s | emitters with < 10 affected: located, error |")  # fmt: skip
    print(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    )
    for scenario in dict.fromkeys(r["scenario"] for r in rows):
        rs = [r for r in rows if r["scenario"] == scenario]
        *_, p, rec, f1 = _confusion(rs)
        # Issue 3's localisation target is over emitters with >= 10 affected aircraft.
        ems = [e for r in rs for e in r["emitters"] if e["affected"] >= TARGET_MIN_AFFECTED]
        few = [e for r in rs for e in r["emitters"] if e["affected"] < TARGET_MIN_AFFECTED]
        errs = [e["error_km"] for e in ems if e["error_km"] is not None]
        few_errs = [e["error_km"] for e in few if e["error_km"] is not None]
        within = [e["within_95"] for e in ems + few if e["within_95"] is not None]
        delays = [d for r in rs for d in r["delays"]]

        def fmt(x: float) -> str:
            return "-" if x != x else f"{x:.3f}"

        print(f"| {scenario} | {len(rs)} | {fmt(p)} | {fmt(rec)} | {fmt(f1)} | "
              f"{sum(r['excluded'] for r in rs)} | {len(errs)}/{len(ems)} | "
              f"{fmt(float(np.median(errs))) if errs else '-'} | "
              f"{fmt(float(np.percentile(errs, 95))) if errs else '-'} | "
              f"{f'{sum(within)}/{len(within)}' if within else '-'} | "
              f"{sum(r['false_events'] for r in rs)} | "
              f"{fmt(float(np.median(delays))) if delays else '-'} | "
              f"{fmt(max(delays)) if delays else '-'} | "
              f"{len(few_errs)}/{len(few)}"
              f"{f', median {np.median(few_errs):.1f} km' if few_errs else ''} |")  # fmt: skip


if __name__ == "__main__":
    main()
