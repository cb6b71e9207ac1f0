"""Speed of `skywitness flight` on a day-long store, beside a bare query of the same
aircraft's reports in the same run.

    .venv/bin/python bench/flight.py [--size 0.5] [--repeats 5]

A day of worldwide traffic (the ``global-day`` scenario, readsb traces, plus the
incident scenario's traces for a flight with an hour without positions) is
ingested into one store. For the aircraft with the most reports and for the
incident aircraft: the bare reference is ``Store.query(icao24=[...])`` (DuckDB
reading that aircraft's reports); the job is ``flight_analysis`` without the
jamming areas (``--no-areas``: the same read plus every kernel), with them
(also the traffic around the flight, the GNSS state and the jamming events
there), and with the HTML report written. Runs are interleaved and the median
of ``--repeats`` is taken; the ratio to the bare query in the same run is
what to compare across machines. Printed as Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.compute as pc

from skywitness.cli import main as cli_main
from skywitness.jobs.flight import flight_analysis
from skywitness.sim.run import simulate
from skywitness.store import Store


def _time(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=float, default=0.5)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skywitness-flight-bench-"))
    try:
        simulate("global-day", work / "day", seed=0, size=args.size, snapshots=False)
        simulate("incident", work / "incident", seed=0, snapshots=False)
        code = cli_main(["ingest", "--store", str(work / "store"),
                         str(work / "day" / "traces"), str(work / "incident" / "traces")])  # fmt: skip
        if code != 0:
            raise SystemExit(f"ingest failed ({code})")
        store = Store(work / "store", create=False)
        ids = store.query(columns=["icao24"])
        counts = pc.value_counts(ids["icao24"])
        busiest = max(counts.to_pylist(), key=lambda c: c["counts"])
        incident = json.loads((work / "incident" / "truth.json").read_text())["incident"]
        total = ids.num_rows
        aircraft = len(counts)
        out = work / "report.html"
        print(f"store: {total:,} reports of {aircraft:,} aircraft over 24 h (size {args.size})")
        print()
        print("| aircraft | its reports | bare query s | flight --no-areas s (ratio) | "
              "flight with areas s (ratio) | flight + HTML s (ratio) |")  # fmt: skip
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for label, addr in (("busiest", busiest["values"]), ("incident", incident["icao24"])):
            mine = store.query(icao24=[addr], columns=["icao24"]).num_rows
            runs: dict[str, list[float]] = {"bare": [], "noareas": [], "areas": [], "html": []}
            for _ in range(args.repeats):
                runs["bare"].append(_time(lambda a=addr: store.query(icao24=[a])))
                runs["noareas"].append(_time(lambda a=addr: flight_analysis(store, a, areas=False)))
                runs["areas"].append(_time(lambda a=addr: flight_analysis(store, a)))
                runs["html"].append(
                    _time(lambda a=addr: flight_analysis(store, a, areas=False, outputs=[out]))
                )
            med = {k: statistics.median(v) for k, v in runs.items()}
            bare = med["bare"]
            print(f"| {label} ({addr}) | {mine:,} | {bare:.3f} | "
                  f"{med['noareas']:.3f} ({med['noareas'] / bare:.0f}x) | "
                  f"{med['areas']:.3f} ({med['areas'] / bare:.0f}x) | "
                  f"{med['html']:.3f} ({med['html'] / bare:.0f}x) |", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
