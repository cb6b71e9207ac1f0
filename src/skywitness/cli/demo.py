"""``skywitness demo``: simulate a jamming and a spoofing scenario, ingest them
and run both analyses, through the same commands a person would type; then
simulate the incident (one flight through jamming to a crash), write its
flight report and say where it is and what it found in five lines."""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
from pathlib import Path

from skywitness.cli import output
from skywitness.cli.commands import EXIT_OK
from skywitness.store import Store

#: What the demo simulates and analyses (seed 0 each).
DEMO_SCENARIOS = ("jamming", "spoofing")
#: ... and last, the one flight it reconstructs.
INCIDENT = "incident"


def demo(args: argparse.Namespace) -> int:
    from skywitness.progress import terminal_progress
    from skywitness.sim import simulate
    from skywitness.store import resolve_store

    store_dir = resolve_store(args.store)
    sample_dir = store_dir.parent / (store_dir.name + "-sample")
    out_dir = store_dir.parent / (store_dir.name + "-out")
    windows = {}
    for scenario in DEMO_SCENARIOS:
        where = sample_dir / scenario
        if not (where / "truth.json").exists():
            output.say(f"Simulating the {scenario!r} scenario (seed 0) into {where}: readsb "
                       "traces, readsb-hist snapshots and ground truth")  # fmt: skip
            with terminal_progress(f"simulate {scenario}") as progress:
                simulate(scenario, where, seed=0, progress=progress)
        truth = json.loads((where / "truth.json").read_text())
        windows[scenario] = (truth["start"], truth["end"])
    store = ["--store", str(store_dir)]
    output.say("Ingesting the snapshots (ADS-B Exchange readsb-hist layout) ...")
    code = _run(["ingest", *store, *(str(sample_dir / s / "readsb-hist") for s in DEMO_SCENARIOS)])
    if code != EXIT_OK:
        return code
    output.say()
    _run(["info", *store])
    output.say()
    start, end = windows["jamming"]
    output.say(f"GNSS interference, {start} .. {end} (mode nacp, H3 resolution 4, hourly windows):")
    outs = [out_dir / f"jamming-map.{ext}" for ext in ("html", "geojson", "csv", "parquet")]
    if _has_matplotlib():
        outs.append(out_dir / "jamming-map.png")
    code = _run(["jamming", *store, "--from", start, "--to", end, "--resolution", "4",
                 "--window", "1h", "--mode", "nacp", *_outs(outs),
                 "--events-out", str(out_dir / "jamming-events.geojson")])  # fmt: skip
    if code != EXIT_OK:
        return code
    output.say()
    start, end = windows["spoofing"]
    output.say(f"GNSS spoofing, {start} .. {end}:")
    outs = [out_dir / f"spoofing.{ext}" for ext in ("html", "geojson", "csv", "parquet")]
    if _has_matplotlib():
        outs.append(out_dir / "spoofing-map.png")
    code = _run(["spoofing", *store, "--from", start, "--to", end, *_outs(outs)])
    if code != EXIT_OK:
        return code
    output.say()
    return _incident(store_dir, sample_dir / INCIDENT, out_dir)


def _incident(store_dir: Path, where: Path, out_dir: Path) -> int:
    """Simulate the incident, ingest its traces, write its flight report, five lines."""
    from skywitness.jobs.flight import flight_analysis
    from skywitness.model.time import parse_time
    from skywitness.progress import terminal_progress
    from skywitness.report.flight_files import five_lines
    from skywitness.report.provenance import Provenance
    from skywitness.sim import simulate

    if not (where / "truth.json").exists():
        output.say(f"Simulating the {INCIDENT!r} scenario (seed 0) into {where}: one flight "
                   "through jamming to a crash, readsb traces and ground truth")  # fmt: skip
        with terminal_progress(f"simulate {INCIDENT}") as progress:
            simulate(INCIDENT, where, seed=0, snapshots=False, progress=progress)
    truth = json.loads((where / "truth.json").read_text())
    callsign = truth["incident"]["callsign"]
    code = _run(["ingest", "--store", str(store_dir), str(where / "traces")])
    if code != EXIT_OK:
        return code
    report, geo = out_dir / "incident.html", out_dir / "incident.geojson"
    argv = ["flight", callsign, "--store", str(store_dir), "--from", truth["start"],
            "--to", truth["end"], "--out", str(report), "--out", str(geo)]  # fmt: skip
    output.say(f"$ {shlex.join(['skywitness', *argv])}")
    start, end = parse_time(truth["start"]), parse_time(truth["end"])
    store = Store(store_dir, create=False)
    with terminal_progress("flight") as progress:
        result = flight_analysis(
            store, callsign, start_ns=start, end_ns=end, outputs=[report, geo],
            provenance=Provenance.from_argv(argv, inputs=[str(store.root.resolve())],
                                            start_ns=start, end_ns=end),
            progress=progress,
        )  # fmt: skip
    for line in five_lines(result, report):
        output.say(line)
    return _claims(store, where, out_dir)


def _claims(store: Store, where: Path, out_dir: Path) -> int:
    """Check the claims published about the incident (true and false ones)."""
    from skywitness.jobs.check import check_analysis
    from skywitness.progress import terminal_progress
    from skywitness.report.provenance import Provenance

    output.say()
    page = out_dir / "claims.html"
    argv = ["check", str(where / "claims.json"), "--store", str(store.root), "--out", str(page)]
    output.say(f"$ {shlex.join(['skywitness', *argv])}")
    with terminal_progress("check") as progress:
        result = check_analysis(
            store, where / "claims.json", outputs=[page],
            provenance=Provenance.from_argv(argv, inputs=[str(store.root.resolve())]),
            progress=progress,
        )  # fmt: skip
    output.say(f"Claims report: {page}")
    output.say("  " + result.summary_lines()[0] + " (the scenario's claims are true and false)")
    return EXIT_OK


def _run(argv: list[str]) -> int:
    """One command, shown as it could be typed (and recorded so in its outputs)."""
    from skywitness.cli import main

    output.say(f"$ {shlex.join(['skywitness', *argv])}")
    return main(argv)


def _outs(paths: list[Path]) -> list[str]:
    return [a for p in paths for a in ("--out", str(p))]


def _has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None
