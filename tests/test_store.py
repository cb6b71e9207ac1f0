"""The embedded store: idempotent, atomic per file (even under SIGKILL), queryable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from skywitness.errors import StoreError
from skywitness.io import open_file
from skywitness.store import Store, resolve_store

TRACE = "readsb/trace_full_ac671b.json"


def _copies(samples: Path, out: Path, n: int) -> list[Path]:
    """n copies of the real trace under different aircraft addresses (distinct digests)."""
    doc = json.loads((samples / TRACE).read_text())
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        doc["icao"] = f"f{i:05x}"
        path = out / f"trace_full_{doc['icao']}.json"
        path.write_text(json.dumps(doc))
        paths.append(path)
    return paths


def _ingest(store: Store, paths: list[Path], **kw: int) -> object:
    return store.ingest([lambda p=p: open_file(p) for p in paths], **kw)


def test_ingest_is_idempotent(samples: Path, store_dir: Path, tmp_path: Path) -> None:
    store = Store(store_dir)
    first = _ingest(store, [samples / TRACE])
    assert (first.files, first.reports) == (1, 2500)
    again = _ingest(store, [samples / TRACE, samples / TRACE])
    assert (again.files, again.already, again.reports) == (2, 2, 0)
    # Same bytes under another name are the same file.
    renamed = tmp_path / "renamed.json"
    renamed.write_bytes((samples / TRACE).read_bytes())
    assert _ingest(Store(store_dir), [renamed]).reports == 0
    assert store.query().num_rows == 2500
    assert len(set(store.query()["record_id"].to_pylist())) == 2500


def test_partitioned_by_date_and_readable_as_is(samples: Path, store_dir: Path) -> None:
    store = Store(store_dir)
    _ingest(store, [samples / TRACE])
    days = sorted(p.name for p in store_dir.iterdir() if p.name.startswith("date="))
    assert days == ["date=2025-02-04", "date=2025-02-05"]
    # DuckDB and pyarrow (pandas, Spark use the same layout) read the directory as-is.
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{store_dir}/**/*.parquet')").fetchall()
    assert n == [(2500,)]
    dataset = ds.dataset(store_dir, partitioning="hive", format="parquet")
    assert dataset.count_rows() == 2500
    per_day = duckdb.sql(
        f"SELECT date, min(time)::DATE = date::DATE FROM read_parquet('{store_dir}/**/*.parquet',"
        " hive_partitioning=true) GROUP BY date ORDER BY date"
    ).fetchall()
    assert [ok for _, ok in per_day] == [True, True]


def test_query_filters_match_a_plain_filter(samples: Path, store_dir: Path) -> None:
    store = Store(store_dir)
    _ingest(store, [samples / TRACE])
    everything = store.query()
    t0 = datetime(2025, 2, 5, 0, 0, tzinfo=UTC)
    t1 = datetime(2025, 2, 5, 6, 0, tzinfo=UTC)
    got = store.query(start=t0, end=t1)
    mask = pc.and_(pc.greater_equal(everything["time"], t0), pc.less(everything["time"], t1))
    assert got.num_rows == pc.sum(mask).as_py() > 0
    box = (-95.0, 40.0, -85.0, 46.0)
    got = store.query(bbox=box)
    lat, lon = everything["lat"], everything["lon"]
    inside = pc.and_(
        pc.and_(pc.greater_equal(lat, box[1]), pc.less_equal(lat, box[3])),
        pc.and_(pc.greater_equal(lon, box[0]), pc.less_equal(lon, box[2])),
    )
    assert got.num_rows == pc.sum(inside).as_py() > 0
    assert store.query(icao24="AC671B").num_rows == 2500
    assert store.query(icao24=["000000"]).num_rows == 0
    assert store.query(columns=["time", "lat"]).column_names == ["time", "lat"]
    assert store.query()["time"].type == everything["time"].type


def test_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file.txt").write_text("hello")
    with pytest.raises(StoreError, match="not a store"):
        Store(tmp_path / "x")
    with pytest.raises(StoreError, match="no skywitness store"):
        Store(tmp_path / "missing", create=False)


def test_resolve_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKYWITNESS_STORE", raising=False)
    assert resolve_store(None) == Path("skywitness-data")
    monkeypatch.setenv("SKYWITNESS_STORE", "/data/sky")
    assert resolve_store(None) == Path("/data/sky")
    assert resolve_store("here") == Path("here")


def test_a_file_failing_half_way_leaves_nothing(
    samples: Path, store_dir: Path, tmp_path: Path
) -> None:
    import gzip

    good = _copies(samples, tmp_path / "in", 2)
    data = gzip.compress((samples / TRACE).read_bytes())
    broken = tmp_path / "in" / "broken.json.gz"
    broken.write_bytes(data[: len(data) * 3 // 4])  # gzip cut short: fails while reading
    store = Store(store_dir)
    result = _ingest(store, [good[0], broken, good[1]])
    assert [e.file for e in result.errors] == [str(broken)]
    assert result.reports == 5000
    assert sorted(set(store.query()["icao24"].to_pylist())) == ["f00000", "f00001"]


_KILLABLE = """
import sys
from pathlib import Path
from skywitness.io import open_file
from skywitness.store import Store
paths = [Path(p) for p in sys.argv[2:]]
Store(sys.argv[1]).ingest([lambda p=p: open_file(p) for p in paths], commit_rows=6000)
"""


def _check_consistent(store_dir: Path, n_files: int) -> int:
    """Each file is absent or complete; no duplicates; the as-is view agrees."""
    store = Store(store_dir)  # opening recovers an interrupted commit
    committed = {f["path"] for c in store.commits() for f in c["files"]}
    t = store.query(columns=["icao24", "record_id"])
    counts = dict(duckdb.sql("SELECT icao24, count(*) FROM t GROUP BY 1").fetchall())
    assert len(set(t["record_id"].to_pylist())) == t.num_rows, "duplicated records"
    for icao, n in counts.items():
        assert n == 2500, f"file of {icao} is partly in the store ({n} rows)"
    assert len(counts) == len(committed) <= n_files
    if t.num_rows:
        glob = f"{store_dir}/**/*.parquet"
        as_is = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}')").fetchall()
        assert as_is == [(t.num_rows,)]
    return len(committed)


def test_sigkill_at_any_moment_loses_and_duplicates_nothing(
    samples: Path, store_dir: Path, tmp_path: Path
) -> None:
    paths = _copies(samples, tmp_path / "in", 30)
    Store(store_dir)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    seen = []
    for delay in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        proc = subprocess.Popen(
            [sys.executable, "-c", _KILLABLE, str(store_dir), *map(str, paths)], env=env
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen.append(_check_consistent(store_dir, len(paths)))
    print("files committed when killed:", seen)
    # Finishing the job afterwards completes the store exactly.
    result = _ingest(Store(store_dir), paths)
    assert result.reports == 2500 * (len(paths) - seen[-1])
    assert _check_consistent(store_dir, len(paths)) == len(paths)
    assert Store(store_dir).query().num_rows == 2500 * len(paths)
