"""Estimated true paths of spoofed aircraft against simulator ground truth, over many seeds.

    .venv/bin/python bench/paths.py [--seeds 20] [--scenarios spoofing,spoofing-circle,jamming-spoofing]
                                    [--input snapshots|traces] [--size 1.0]

For each scenario and seed: simulate, read the records back through the
project's own readers, run :func:`~skywitness.gnss.spoofing.spoof_states`
and :func:`~skywitness.jobs.spoofing.true_paths` (anchors never at a
spoofed place found by :func:`~skywitness.gnss.spoofing.places.spoof_clusters`), and score each
truth spoofed interval with :func:`skywitness.sim.score_paths.path_errors`
(definitions there): per interval, the median and maximum distance from the
estimate to the truth's ``true_path`` over the points the path covers, and
the same for the baseline (great circle between the path's anchors).

Printed as Markdown, per scenario and per method: how many intervals, the
median and 95th percentile over intervals of their median error and of
their maximum error, the baseline's on the same intervals, the share of
covered truth points within the stated ``error_km``, and the share covered.
The simulator's wind is constant and its heading true, so the air-data
figures are what integration and the anchors allow, not what real weather
leaves; the share within the stated error is optimistic for the same reason.
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

from skywitness.gnss.spoofing.detectors import spoof_intervals, spoof_states
from skywitness.gnss.spoofing.paths import METHODS
from skywitness.gnss.spoofing.places import spoof_clusters
from skywitness.io import expand, read_table
from skywitness.jobs.spoofing import true_paths
from skywitness.sim.run import simulate
from skywitness.sim.score_paths import path_errors


def run(scenario: str, seed: int, source: str, size: float) -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="skywitness-paths-"))
    try:
        simulate(scenario, tmp, seed=seed, size=size, snapshots=source == "snapshots")
        sub = tmp / ("readsb-hist" if source == "snapshots" else "traces")
        table = pa.concat_tables([read_table(p) for p in expand([sub])])
        states = spoof_states(table)
        paths = true_paths(table, states, spoof_intervals(states), spoof_clusters(states))
        truth = json.loads((tmp / "truth.json").read_text(encoding="utf-8"))
        return path_errors(paths, truth)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _q(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{np.median(values):.2f} / {np.percentile(values, 95):.2f}"


def _row(label: str, rows: list[dict[str, Any]]) -> str:
    scored = [r for r in rows if r["median_km"] is not None]
    base = [r for r in scored if r["baseline_median_km"] is not None]
    covered = np.array([r["points"] * r["covered"] for r in scored])
    within = np.array([r["within_error"] for r in scored])
    share = float((covered * within).sum() / covered.sum()) if covered.sum() else float("nan")
    points = sum(r["points"] for r in rows)
    return (
        f"| {label} | {len(rows)} | {_q([r['median_km'] for r in scored])} "
        f"| {_q([r['max_km'] for r in scored])} "
        f"| {_q([r['baseline_median_km'] for r in base])} "
        f"| {_q([r['baseline_max_km'] for r in base])} "
        f"| {share:.3f} | {covered.sum() / points if points else float('nan'):.3f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--scenarios", default="spoofing,spoofing-circle,jamming-spoofing")
    ap.add_argument("--input", choices=("snapshots", "traces"), default="snapshots")
    ap.add_argument("--size", type=float, default=1.0)
    args = ap.parse_args()
    began = time.perf_counter()
    print(
        "| scenario / method | intervals | median error km (median / p95 over intervals) "
        "| max error km | great circle median km | great circle max km "
        "| within stated error | covered |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for scenario in args.scenarios.split(","):
        rows: list[dict[str, Any]] = []
        for seed in range(args.seeds):
            rows.extend(run(scenario, seed, args.input, args.size))
        unmatched = sum(not r["matched"] for r in rows)
        print(_row(f"{scenario}: all ({unmatched} without a path)", rows))
        for method in METHODS:
            print(_row(f"{scenario}: {method}", [r for r in rows if r["method"] == method]))
    print(
        f"\n{args.seeds} seeds, {args.input}, size {args.size}; "
        f"{time.perf_counter() - began:.0f} s. Great circle: between the same anchors "
        "(none for extrapolated paths, which have one)."
    )


if __name__ == "__main__":
    main()
