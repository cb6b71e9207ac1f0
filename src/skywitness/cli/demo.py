"""``skywitness demo``: simulate a jamming and a spoofing scenario, ingest them
and run both analyses, through the same commands a person would type."""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
from pathlib import Path

from skywitness.cli import output
from skywitness.cli.commands import EXIT_OK

#: What the demo simulates and analyses (seed 0 each).
DEMO_SCENARIOS = ("jamming", "spoofing")


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
    return _run(["spoofing", *store, "--from", start, "--to", end, *_outs(outs)])


def _run(argv: list[str]) -> int:
    """One command, shown as it could be typed (and recorded so in its outputs)."""
    from skywitness.cli import main

    output.say(f"$ {shlex.join(['skywitness', *argv])}")
    return main(argv)


def _outs(paths: list[Path]) -> list[str]:
    return [a for p in paths for a in ("--out", str(p))]


def _has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None
