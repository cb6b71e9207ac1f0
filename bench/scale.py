"""Scale: ingest and jamming at 10^6, 10^7 (and 10^8) reports, each beside a
bare reference in the same run, with the peak memory of the process tree.

    .venv/bin/python bench/scale.py --sizes 1e6,1e7 [--work DIR] [--base-size X]
                                    [--engines local,spark]

Data: the simulated ``jamming`` scenario (seed 0: two hours of regional
traffic around one emitter, 1,440 readsb-hist snapshots) replicated until a
size is reached: up to 12 copies in time (two hours apart: a day) and as
many copies in space as needed, each with its own addresses. A copy in
space is moved by 22.5 degrees of longitude (16 around the world, about
1,450 km apart at the scenario's latitude) and, beyond 16, mirrored into the
southern hemisphere (latitude negated, tracks and headings mirrored): both
keep every distance and angle, so every copy of the emitter is as findable
as the original. (A shift in latitude does not: it stretches the scenario
east-west, and the first runs found each copy as two events.) A
snapshot file holds every spatial copy of one base snapshot at one time
copy (so files grow with the size, as ADS-B Exchange's global snapshots
hold the world's aircraft).

Cases, each timed once (the machine is shared: read the ratios):
  ingest   ``skywitness ingest DIR`` (default workers) of the snapshot files;
           reference: DuckDB ``read_json`` of the same files, every field
           unnested (schema inferred, as the issue's reference), 2 threads,
           streamed as Arrow record batches and counted (every row made,
           none kept: a table of 10^8 would not fit in memory).
  jamming  ``skywitness jamming --json --out map.parquet --events-out
           events.geojson`` on the store made by the ingest, once per engine
           of ``--engines`` (default: local; with ``local,spark`` the Spark
           engine on ``local[2]`` too, its output compared with the local
           one's: printed JSON, events without provenance, map); reference: DuckDB read of (icao24, time, lat, lon,
           nac_p), vectorised H3 (h3ronpy, bench extra), the GPSJam-style
           count of good and bad aircraft per cell and hour (DuckDB group-by).
  spoofing ``skywitness spoofing --json`` on the same store (the local engine:
           partitions keep only their spoofed aircraft); reference: a DuckDB window
           query flagging each aircraft's position jumps faster than Mach 3.
Peak memory: the largest sum of resident memory over the process and its
children, sampled every 0.2 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
SKYWITNESS = str(Path(sys.executable).parent / "skywitness")
BASE_SCENARIO, BASE_SEED = "jamming", 0
TIME_COPIES = 12
COPY_HOURS = 2
LON_STEP, LON_COPIES = 22.5, 16
MIRRORED = ("track", "true_heading", "mag_heading", "nav_heading")


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants (MB)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            status = (d / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(d.name)] = int(line.split()[1])
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total / 1024


def _run(cmd: list[str], **kw: Any) -> tuple[float, float, str]:
    """(seconds, peak MB of the process tree, stdout) of a command. A
    skywitness command logs its stages (SKYWITNESS_PROGRESS=log): printed
    as comment lines, each stage with the tree's peak memory while it ran."""
    t0 = time.perf_counter()
    env = {**os.environ, "SKYWITNESS_PROGRESS": "log"}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw
    )
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.perf_counter() - t0, _tree_rss_mb(proc.pid)))
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    done.set()
    th.join()
    secs = time.perf_counter() - t0
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    for line in _stages(err, samples, secs):
        print(f"# {line}", flush=True)
    return secs, max((mb for _, mb in samples), default=0.0), out


def _stages(err: str, samples: list[tuple[float, float]], secs: float) -> list[str]:
    """Each stage of a progress log (``<job> <stage> <done>/<total> <s> s
    (stage <s> s)`` lines): when it began, how long until the next one, and
    the peak memory of the tree meanwhile."""
    began: dict[str, float] = {}
    for line in err.splitlines():
        m = re.match(r"(\S+) (\S+) \S+ ([0-9.]+) s \(stage ([0-9.]+) s\)$", line)
        if m:
            began.setdefault(m.group(2), float(m.group(3)) - float(m.group(4)))
    order = sorted(began.items(), key=lambda kv: kv[1])
    out = []
    for k, (stage, t) in enumerate(order):
        end = order[k + 1][1] if k + 1 < len(order) else secs
        peak = max((mb for s, mb in samples if t <= s < end), default=0.0)
        out.append(f"stage {stage}: from {t:.1f} s, {end - t:.1f} s, peak {peak / 1024:.2f} GB")
    return out


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


# -- data ---------------------------------------------------------------------


def _base(work: Path, size: float) -> list[dict[str, Any]]:
    folder = work / f"base-{size:g}"
    if not (folder / "truth.json").exists():
        subprocess.run(
            [SKYWITNESS, "simulate", BASE_SCENARIO, "--seed", str(BASE_SEED), "--out", str(folder),
             "--size", str(size)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    files = sorted((folder / "readsb-hist").rglob("*.json*"))
    return [json.loads(gzip.decompress(p.read_bytes())) for p in files]


def _copies(n_rows: float, base_rows: int) -> tuple[int, int]:
    copies = max(1, math.ceil(n_rows / base_rows))
    t = min(TIME_COPIES, copies)
    return t, math.ceil(copies / t)


def _snapshots(work: Path, base: list[dict[str, Any]], n_rows: float) -> Path:
    """Snapshot files of about ``n_rows`` aircraft entries (cached)."""
    base_rows = sum(len(d["aircraft"]) for d in base)
    t_copies, s_copies = _copies(n_rows, base_rows)
    if s_copies > 2 * LON_COPIES:
        raise SystemExit(
            f"{n_rows:.0e} reports need {s_copies} copies in space, more than the "
            f"{2 * LON_COPIES} that stay apart: use a larger --base-size"
        )
    out = work / f"snapshots-{n_rows:.0e}"
    if (out / "done").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # One process per core, a time copy each (the files of 10^8 reports take
    # most of an hour in one).
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        jobs = [pool.submit(_time_copy, out, base, t, s_copies) for t in range(t_copies)]
        for job in jobs:
            job.result()
    (out / "done").write_text(json.dumps({"time_copies": t_copies, "space_copies": s_copies}))
    return out


def _time_copy(out: Path, base: list[dict[str, Any]], t: int, s_copies: int) -> None:
    """The snapshot files of time copy ``t``: every base snapshot with its
    ``s_copies`` copies in space."""
    hexes = sorted({ac["hex"] for d in base for ac in d["aircraft"]})
    index = {h: i for i, h in enumerate(hexes)}
    assert len(hexes) < 4096
    for k, doc in enumerate(base):
        aircraft = []
        for s in range(s_copies):
            copy = t * s_copies + s
            south = (s // LON_COPIES) % 2 == 1
            dlon = (s % LON_COPIES) * LON_STEP
            for ac in doc["aircraft"]:
                a = dict(ac)
                a["hex"] = f"{(copy * 4096 + index[ac['hex']]) % (1 << 24):06x}"
                if "lat" in a:
                    a["lat"] = -a["lat"] if south else a["lat"]
                    a["lon"] = round((a["lon"] + dlon + 180.0) % 360.0 - 180.0, 6)
                if south:
                    for key in MIRRORED:
                        if isinstance(a.get(key), int | float):
                            a[key] = round((180.0 - a[key]) % 360.0, 2)
                aircraft.append(a)
        now = doc["now"] + t * COPY_HOURS * 3600
        body = orjson.dumps({"now": now, "messages": 0, "aircraft": aircraft})
        (out / f"{t:02d}-{k:05d}Z.json.gz").write_bytes(gzip.compress(body, 1))


# -- cases --------------------------------------------------------------------

DUCK_INGEST = """
import duckdb, sys
con = duckdb.connect(); con.execute("SET threads=2"); con.execute("SET enable_progress_bar=false")
reader = con.sql("SELECT now, unnest(aircraft, recursive := true) FROM read_json(?, maximum_object_size=268435456)",
                 params=[sys.argv[1] + "/*.json.gz"]).fetch_record_batch(1 << 20)
print(sum(batch.num_rows for batch in reader))  # streamed: every row made, none kept
"""

DUCK_JUMPS = """
import duckdb, sys
con = duckdb.connect(); con.execute("SET threads=2"); con.execute("SET enable_progress_bar=false")
n = con.sql("SELECT count(*) FROM (SELECT icao24, time, lat, lon, "
            "lag(lat) OVER w AS plat, lag(lon) OVER w AS plon, lag(time) OVER w AS pt "
            "FROM read_parquet(?) WHERE lat IS NOT NULL WINDOW w AS (PARTITION BY icao24 ORDER BY time)) "
            "WHERE plat IS NOT NULL AND 111.2 * sqrt(pow(lat - plat, 2) + pow((lon - plon) * cos(radians(lat)), 2)) "
            "> 1.0 * greatest(epoch(time) - epoch(pt), 1)",  # km against 1 km/s (Mach 3)
            params=[sys.argv[1] + "/date=*/*.parquet"]).fetchall()
print(n[0][0])
"""

DUCK_MAP = """
import duckdb, sys, numpy as np, pyarrow as pa
from h3ronpy import vector
con = duckdb.connect(); con.execute("SET threads=2"); con.execute("SET enable_progress_bar=false")
t = con.sql("SELECT icao24, epoch(time)::BIGINT // 3600 AS hour, lat, lon, nac_p FROM read_parquet(?) "
            "WHERE lat IS NOT NULL AND NOT coalesce(on_ground, false)",
            params=[sys.argv[1] + "/date=*/*.parquet"]).to_arrow_table()
cells = vector.coordinates_to_cells(t["lat"].to_numpy(), t["lon"].to_numpy(), 4)
t = t.append_column("cell", pa.array(np.asarray(cells), pa.uint64()))
con.register("t", t)
n = con.sql("SELECT count(*) FROM (SELECT cell, hour, count(*) FILTER (WHERE bad = 0) AS good, "
            "count(*) FILTER (WHERE bad = 1) AS bad FROM (SELECT cell, hour, icao24, "
            "max(CASE WHEN nac_p < 8 THEN 1 ELSE 0 END) AS bad FROM t GROUP BY ALL) GROUP BY ALL)").fetchall()
print(t.num_rows, n[0][0])
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1e6,1e7", help="report counts, comma-separated")
    ap.add_argument("--work", default="/tmp/skywitness-scale", help="data folder (kept)")
    ap.add_argument(
        "--base-size", type=float, default=1.0, help="traffic size of the base scenario"
    )
    ap.add_argument(
        "--engines",
        default="local",
        help="engines of the jamming case, comma-separated (local, spark: the spark extra); "
        "each runs on the same store, and their outputs are compared",
    )
    ap.add_argument(
        "--cases",
        default="ingest,jamming,spoofing",
        help="cases to run, comma-separated; without ingest, the store of an earlier run "
        "of the same --work and size is used",
    )
    args = ap.parse_args()
    cases = {c.strip() for c in args.cases.split(",") if c.strip()}
    if not cases or cases - {"ingest", "jamming", "spoofing"}:
        raise SystemExit(f"bad --cases {args.cases!r}: use ingest, jamming and/or spoofing")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or set(engines) - {"local", "spark"}:
        raise SystemExit(f"bad --engines {args.engines!r}: use local and/or spark")
    failed: list[str] = []
    work = Path(args.work) / f"base-{args.base_size:g}"
    work.mkdir(parents=True, exist_ok=True)
    base = _base(work, args.base_size)
    rows: list[tuple[str, str, int, float, float, str]] = []
    for size in [float(s) for s in args.sizes.split(",")]:
        t0 = time.perf_counter()
        snaps = _snapshots(work, base, size)
        files = sorted(snaps.glob("*.json.gz"))
        shape = json.loads((snaps / "done").read_text())
        print(f"# {size:.0e}: {len(files)} files ({shape}), built in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
        store = work / f"store-{size:.0e}"
        if "ingest" in cases:
            shutil.rmtree(store, ignore_errors=True)
            secs, peak, out = _run([*_python(DUCK_INGEST), str(snaps)])
            n = int(out.split()[0])
            rows.append((f"{size:.0e}", "ingest: DuckDB read_json (reference)", n, secs, peak, ""))
            secs, peak, out = _run(
                [SKYWITNESS, "ingest", str(snaps), "--store", str(store), "--json"]
            )
            got = json.loads(out)["reports"]
            rows.append((f"{size:.0e}", "ingest: skywitness", got, secs, peak, "ingest"))
        else:
            info = json.loads(_run([SKYWITNESS, "info", "--store", str(store), "--json"])[2])
            got = int(info["reports"])
        if "jamming" in cases:
            _jamming_case(rows, failed, size, store, got, work, engines)
        if "spoofing" in cases:
            _spoofing_case(rows, size, store, got)
        print(rows, flush=True)
    print(
        "| size | run | reports | seconds | reports/s | peak MB (tree) | ratio to reference | note |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    ref = 0.0
    for size, run, n, secs, peak, note in rows:
        ref = ref if "skywitness" in run else secs  # the reference run last before it
        ratio = f"{ref / secs:.2f}x" if "skywitness" in run else "1"
        print(f"| {size} | {run} | {n:,} | {secs:.1f} | {n / secs:,.0f} | {peak:,.0f} | {ratio} | "
              f"{note if note not in ('ingest',) else ''} |")  # fmt: skip
    if failed:
        raise SystemExit("; ".join(failed))


def _jamming_case(
    rows: list[tuple[str, str, int, float, float, str]],
    failed: list[str],
    size: float,
    store: Path,
    got: int,
    work: Path,
    engines: list[str],
) -> None:
    """The jamming reference, then skywitness jamming on each engine (outputs compared)."""
    secs, peak, out = _run([*_python(DUCK_MAP), str(store)])
    rows.append((f"{size:.0e}", "jamming: DuckDB + h3ronpy map (reference)", got, secs, peak, ""))
    jamming = [SKYWITNESS, "jamming", "--store", str(store), "--json", "--window", "1h"]
    outputs = {}
    for engine in engines:
        files = work / f"map-{engine}.parquet", work / f"events-{engine}.geojson"
        secs, peak, out = _run([*jamming, "--engine", engine, "--out", str(files[0]),
                                "--events-out", str(files[1])])  # fmt: skip
        outputs[engine] = _jamming_outputs(out, *files)
        events = json.loads(out)["events"]
        located = sum(e.get("emitter") is not None for e in events)
        note = f"{len(events)} events, {located} located"
        if engine != engines[0]:
            same = outputs[engine] == outputs[engines[0]]
            note += f"; output {'equal to' if same else 'DIFFERENT from'} {engines[0]}'s"
            if not same:
                failed.append(f"{size:.0e}: {engine} engine's output differs")
        name = "jamming: skywitness" + (f" --engine {engine}" if len(engines) > 1 else "")
        rows.append((f"{size:.0e}", name, got, secs, peak, note))


def _spoofing_case(
    rows: list[tuple[str, str, int, float, float, str]], size: float, store: Path, got: int
) -> None:
    """The spoofing reference, then skywitness spoofing (on the local engine)."""
    secs, peak, out = _run([*_python(DUCK_JUMPS), str(store)])
    rows.append(
        (f"{size:.0e}", "spoofing: DuckDB position-jump query (reference)", got, secs, peak, "")
    )
    secs, peak, out = _run([SKYWITNESS, "spoofing", "--store", str(store), "--json"])
    spoofed = json.loads(out)
    note = ", ".join(f"{k} {len(v)}" for k, v in spoofed.items() if isinstance(v, list))
    rows.append((f"{size:.0e}", "spoofing: skywitness", got, secs, peak, note))


def _jamming_outputs(out: str, cells: Path, events: Path) -> tuple[Any, ...]:
    """What a jamming run printed and wrote, without what tells runs apart
    (the command line and the time in the files' provenance)."""
    import pyarrow.parquet as pq

    doc = json.loads(events.read_text())
    doc.pop("skywitness", None)  # provenance
    table = pq.read_table(cells).replace_schema_metadata(None)
    return json.loads(out), doc, table.to_pydict()


if __name__ == "__main__":
    main()
