"""Ingest speed and peak memory, each beside a reference run in the same process.

    .venv/bin/python bench/ingest.py [--quick]

Cases (real recordings where they exist, generated snapshots otherwise):
  trace     copies of the real readsb trace (traffic sample) under distinct
            addresses; reference: bare json.loads of the same files
  snapshot  readsb-hist style snapshot files (gzip JSON, thousands of
            aircraft each); reference: bare gunzip + json.loads of the same files
  frames    the real raw Mode S flight (57,793 JSONL frames); reference: bare
            rs1090.decode of the same frames in one batch (no I/O, no store)

Times are the best of several repeats; memory is the peak resident set of
each run, reset between runs through /proc/self/clear_refs (Linux). Results
are printed as a Markdown table to paste in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skywitness.io import open_file
from skywitness.store import Store


def _samples() -> Path:
    spec = importlib.util.find_spec("traffic")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("install the sample recordings: pip install --no-deps traffic==2.13")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "samples"


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(fn: Callable[[], int], repeats: int) -> tuple[float, int, float]:
    """(best seconds, rows, peak MB) over ``repeats`` runs."""
    best, rows, peak = float("inf"), 0, 0.0
    for _ in range(repeats):
        _reset_peak()
        t0 = time.perf_counter()
        rows = fn()
        best = min(best, time.perf_counter() - t0)
        peak = max(peak, _peak_mb())
    return best, rows, peak


def _ingest(paths: list[Path], work: Path) -> Callable[[], int]:
    def run() -> int:
        store_dir = Path(tempfile.mkdtemp(dir=work))
        result = Store(store_dir).ingest([lambda p=p: open_file(p) for p in paths])
        shutil.rmtree(store_dir)
        return result.reports

    return run


def _trace_files(work: Path, n: int) -> list[Path]:
    doc = json.loads((_samples() / "readsb/trace_full_ac671b.json").read_text())
    out = []
    for i in range(n):
        doc["icao"] = f"f{i:05x}"
        path = work / f"trace_full_{doc['icao']}.json"
        path.write_text(json.dumps(doc))
        out.append(path)
    return out


def _snapshot_files(work: Path, n_files: int, n_aircraft: int) -> list[Path]:
    """Snapshots shaped like ADS-B Exchange readsb-hist (a share without position)."""
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    fleet = [(f"{rng.randrange(1 << 24):06x}", rng.uniform(-60, 70), rng.uniform(-180, 180))
             for _ in range(n_aircraft)]  # fmt: skip
    out = []
    for k in range(n_files):
        aircraft: list[dict[str, Any]] = []
        for hex_, lat, lon in fleet:
            ac: dict[str, Any] = {"hex": hex_, "type": "adsb_icao", "flight": "TEST123 ",
                  "alt_baro": 35000, "alt_geom": 35450, "gs": 451.2, "track": 87.3,
                  "baro_rate": 0, "squawk": "2341", "emergency": "none", "nic": 8, "rc": 186,
                  "nac_p": 9, "nac_v": 1, "sil": 3, "seen": 0.3}  # fmt: skip
            if rng.random() > 0.05:
                ac.update(lat=lat + k * 0.002, lon=lon, seen_pos=0.3)
            aircraft.append(ac)
        path = work / f"{k:06d}Z.json.gz"
        path.write_bytes(
            gzip.compress(json.dumps({"now": 1.7e9 + 5 * k, "aircraft": aircraft}).encode(), 1)
        )
        out.append(path)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller inputs, one repeat")
    args = ap.parse_args()
    repeats = 1 if args.quick else 3
    work = Path(tempfile.mkdtemp(prefix="skywitness-bench-"))
    rows: list[tuple[str, str, float, int, float]] = []
    try:
        traces = _trace_files(work, 10 if args.quick else 40)

        def bare_json() -> int:
            return sum(len(json.loads(p.read_bytes())["trace"]) for p in traces)

        rows.append(("trace", "bare json.loads", *_measure(bare_json, repeats)))
        rows.append(("trace", "skywitness ingest", *_measure(_ingest(traces, work), repeats)))

        snaps = _snapshot_files(work, 20 if args.quick else 60, 5000)

        def bare_snap() -> int:
            return sum(len(json.loads(gzip.decompress(p.read_bytes()))["aircraft"]) for p in snaps)

        rows.append(("snapshot", "bare gunzip + json.loads", *_measure(bare_snap, repeats)))
        rows.append(("snapshot", "skywitness ingest", *_measure(_ingest(snaps, work), repeats)))

        # Memory must not grow with the input: four times the snapshots, same peak.
        more = _snapshot_files(work / "more", 4 * len(snaps), 5000)
        rows.append(("snapshot x4", "skywitness ingest", *_measure(_ingest(more, work), 1)))

        jsonl = _samples() / "rs1090/full_flight_short.jsonl"
        lines = [json.loads(x) for x in jsonl.read_text().splitlines()]
        frames = [x["frame"] for x in lines]
        stamps = [x["timestamp"] for x in lines]

        def bare_rs1090() -> int:
            import rs1090

            return len(rs1090.decode(frames, stamps))

        rows.append(("frames", "bare rs1090.decode", *_measure(bare_rs1090, repeats)))
        rows.append(("frames", "skywitness ingest", *_measure(_ingest([jsonl], work), repeats)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("| case | run | rows | seconds | rows/s | peak RSS MB | time per row / reference's |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    ref: dict[str, float] = {}  # seconds per row of each case's reference
    for case, run, secs, n, peak in rows:
        ref.setdefault(case.split()[0], secs / n)
        case_ref = ref[case.split()[0]] * n
        print(
            f"| {case} | {run} | {n} | {secs:.3f} | {n / secs:,.0f} | {peak:.0f} | {secs / case_ref:.2f} |"
        )


if __name__ == "__main__":
    main()
