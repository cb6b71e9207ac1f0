"""The local engine: a store read in partitions of whole aircraft gives the
jamming result of the whole, the window copied into its buckets in one read
holds what a query per bucket returns, and a rerun after an interruption
computes only the partitions left."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from job_results import same_jamming_result

from skywitness.engine.local import LocalEngine, Window, read_partition
from skywitness.io import expand, open_file
from skywitness.jobs.jamming import jamming_analysis
from skywitness.store import Store, StoreCorruptError
from skywitness.store.embedded import read_bucket


def _store(folder: Path, root: Path) -> Store:
    st = Store(root)
    files = expand([folder / "readsb-hist"])
    result = st.ingest((lambda p=p: open_file(p)) for p in files)
    assert not result.errors
    return st


@pytest.fixture(scope="module")
def small(simulation: Any, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return _store(simulation("jamming", 0, size=0.3), tmp_path_factory.mktemp("eng") / "s")


def _run(store: Store, engine: LocalEngine | None, out: Path) -> Any:
    return jamming_analysis(
        store, resolution=4, window="1h", mode="nacp", outputs=[out], engine=engine
    )


def test_partitions_hold_whole_aircraft_and_every_report(small: Store) -> None:
    n = 4
    parts = [read_partition(small, Window(), k, n) for k in range(n)]
    assert sum(p.num_rows for p in parts) == small.count()
    seen = [set(p["icao24"].to_pylist()) for p in parts]
    assert all(seen) and sum(len(s) for s in seen) == len(set().union(*seen))


def test_partitioned_jamming_is_the_whole(small: Store, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SKYWITNESS_CACHE", str(tmp_path / "cache"))
    whole = _run(small, None, tmp_path / "a.parquet")
    assert whole.events, "the scenario's jammer must be found"
    rows = small.count()
    parts = _run(small, LocalEngine(partition_rows=rows // 5, workers=1), tmp_path / "b.parquet")
    same_jamming_result(whole, parts)
    assert not any((tmp_path / "cache").rglob("*.pickle"))  # the cache is removed


@pytest.mark.slow  # worker processes start (a few seconds)
def test_partitions_in_worker_processes(small: Store, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SKYWITNESS_CACHE", str(tmp_path / "cache"))
    whole = _run(small, None, tmp_path / "a.parquet")
    rows = small.count()
    parts = _run(small, LocalEngine(partition_rows=rows // 3, workers=2), tmp_path / "b.parquet")
    same_jamming_result(whole, parts)


def test_buckets_written_in_one_read_are_the_queries_of_each(small: Store, tmp_path: Path) -> None:
    times = small.query(columns=["time"])["time"]
    lo, hi = pc.min(times).value, pc.max(times).value
    start, end = lo + (hi - lo) // 3, hi - (hi - lo) // 5
    n = 5
    folders = small.write_buckets(tmp_path / "b", n, start=start, end=end)
    assert [f.name for f in folders] == [f"bucket={k}" for k in range(n)]
    for k, folder in enumerate(folders):
        bucket = read_bucket(folder)
        assert bucket.num_rows > 0
        assert bucket.equals(small.query(start=start, end=end, bucket=(k, n)))
    # With a box: the aircraft seen inside it, every report of theirs in the window.
    middle = float(pc.approximate_median(small.query(columns=["lon"])["lon"]).as_py())
    box = (middle, -90.0, -179.0, 90.0)  # across the antimeridian
    window = Window(start, end, box)
    chosen = [read_bucket(f, box) for f in folders]
    assert 0 < sum(t.num_rows for t in chosen) < sum(read_bucket(f).num_rows for f in folders)
    for k, table in enumerate(chosen):
        assert table.equals(read_partition(small, window, k, n))
    with pytest.raises(FileExistsError):  # never into a folder that exists
        small.write_buckets(tmp_path / "b", n)


def test_buckets_copied_in_shares_of_parts_are_the_same(
    simulation: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy goes a share of the store's parts at a time, each a progress
    step: the buckets hold the same reports as one copy."""
    from skywitness.store import embedded

    files = expand([simulation("jamming", 0, size=0.3) / "readsb-hist"])
    small = Store(tmp_path / "s")
    for k in range(3):  # a part per ingest
        small.ingest((lambda p=p: open_file(p)) for p in files[k::3])
    parts = len(small.parts())
    assert parts >= 3
    n = 3
    whole = small.write_buckets(tmp_path / "one", n)
    monkeypatch.setattr(embedded, "BUCKET_COPY_SHARES", parts)
    heard: list[tuple[str, int, int | None]] = []
    shares = small.write_buckets(tmp_path / "shares", n, progress=lambda *a: heard.append(a))
    assert heard[0] == ("copy", 0, parts) and heard[-1] == ("copy", parts, parts)
    assert len(heard) == parts + 1
    assert len(list((tmp_path / "shares").rglob("*.parquet"))) > n
    for a, b in zip(whole, shares, strict=True):
        assert read_bucket(a).equals(read_bucket(b))


def test_a_damaged_part_is_refused_before_the_buckets_are_written(
    small: Store, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(small.root, copy)
    damaged = Store(copy, create=False)
    part = damaged.parts()[0]
    pq.write_table(pq.read_table(part).slice(1), part)  # readable, not the one recorded
    with pytest.raises(StoreCorruptError, match=part.name):
        damaged.write_buckets(tmp_path / "b", 3)


class _Stop(Exception):
    pass


def test_a_rerun_computes_only_the_partitions_left(
    small: Store, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SKYWITNESS_CACHE", str(tmp_path / "cache"))
    engine = LocalEngine(partition_rows=small.count() // 5, workers=1)
    n = engine.partitions_of(small, Window())
    assert n >= 5
    calls: list[int] = []

    def interrupted(table: pa.Table) -> int:
        if len(calls) == 2:
            raise _Stop
        calls.append(table.num_rows)
        return table.num_rows

    key = {"job": "test"}
    with pytest.raises(_Stop):
        engine.run(small, Window(), interrupted, key=key)
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == 2
    assert len(list((tmp_path / "cache").rglob("buckets/complete"))) == 1  # the copy is kept
    again: list[int] = []
    # The rerun reads the kept copy: the store is not read for it again.
    monkeypatch.setattr(Store, "write_buckets", lambda *a, **k: pytest.fail("copied again"))

    def counting(table: pa.Table) -> int:
        again.append(table.num_rows)
        return table.num_rows

    rows = engine.run(small, Window(), counting, key=key)
    assert len(again) == n - 2  # the two finished partitions are not computed again
    assert sum(rows) == small.count()
    monkeypatch.undo()
    monkeypatch.setenv("SKYWITNESS_CACHE", str(tmp_path / "cache"))
    assert not any((tmp_path / "cache").rglob("buckets"))  # removed when the run ended
    # Another key (another job or parameters) shares nothing.
    other: list[int] = []
    engine.run(small, Window(), lambda t: other.append(1) or 0, key={"job": "other"})
    assert len(other) == n


def test_partials_kept_by_other_code_are_not_taken(
    small: Store, tmp_path: Path, monkeypatch: Any
) -> None:
    """An interrupted run's partials are named by the code's bytes too: a
    rerun by code that differs (same version) computes every partition."""
    import skywitness.engine.local as local

    monkeypatch.setenv("SKYWITNESS_CACHE", str(tmp_path / "cache"))
    engine = LocalEngine(partition_rows=small.count() // 5, workers=1)
    n = engine.partitions_of(small, Window())
    done: list[int] = []

    def interrupted(table: pa.Table) -> int:
        if done:
            raise _Stop
        done.append(table.num_rows)
        return table.num_rows

    with pytest.raises(_Stop):
        engine.run(small, Window(), interrupted, key={"job": "test"})
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == 1
    monkeypatch.setattr(local, "code_digest", lambda: "0" * 64)
    again: list[int] = []
    engine.run(small, Window(), lambda t: again.append(1) or 0, key={"job": "test"})
    assert len(again) == n


def test_the_code_digest_names_every_byte_but_bytecode(tmp_path: Path) -> None:
    from skywitness.engine.local import code_digest, tree_digest

    assert len(code_digest()) == 64
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "kernel.py").write_text("X = 1\n")
    (tmp_path / "pkg" / "runways.csv").write_text("a,b\n")
    first = tree_digest(tmp_path / "pkg")
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "kernel.cpython-311.pyc").write_bytes(b"\0")
    assert tree_digest(tmp_path / "pkg") == first
    (tmp_path / "pkg" / "sub" / "kernel.py").write_text("X = 2\n")
    assert tree_digest(tmp_path / "pkg") != first
    (tmp_path / "pkg" / "sub" / "kernel.py").write_text("X = 1\n")
    (tmp_path / "pkg" / "runways.csv").write_text("a,c\n")
    assert tree_digest(tmp_path / "pkg") != first


@pytest.mark.slow  # a scenario with a jammer and a spoofer; worker processes start
def test_events_located_in_worker_processes_are_the_serial_ones(
    simulation: Any, monkeypatch: Any
) -> None:
    from skywitness.engine import local
    from skywitness.jobs.jamming import compute_jamming
    from skywitness.jobs.reports import select_reports

    reports = select_reports(simulation.reports("jamming-spoofing", 0), None, None, None)
    serial = compute_jamming(reports, window="1h")
    assert len(serial.events) >= 2
    monkeypatch.setattr(local, "MIN_PARALLEL_TASKS", 2)
    calls: list[int] = []
    engine = LocalEngine(workers=2)

    def mapper(fn: Any, items: Any, shared: Any) -> Any:
        calls.append(len(items))
        return engine.map_shared(fn, items, shared)

    parallel = compute_jamming(reports, window="1h", mapper=mapper)
    assert calls and calls[0] >= 2  # the groups went to the workers
    same_jamming_result(serial, parallel)


def _blas_threads(item: int, shared: Any) -> list[int]:
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_a_worker_uses_one_blas_thread() -> None:
    from threadpoolctl import threadpool_limits

    from skywitness.engine.local import one_blas_thread

    with threadpool_limits(limits=None):  # the test process's own limits come back after
        one_blas_thread()
        assert _blas_threads(0, None) and set(_blas_threads(0, None)) == {1}


@pytest.mark.slow  # worker processes start (a few seconds)
def test_the_fits_workers_use_one_blas_thread_each() -> None:
    got = list(LocalEngine(workers=2).map_shared(_blas_threads, list(range(4)), None))
    assert got and all(threads == [1] for threads in got)


@pytest.mark.slow  # worker processes start, a scenario simulated (~20 s)
def test_refits_of_attached_stretches_in_workers_are_the_ones_in_process(
    simulation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refits after stretches join a located event (and after two events
    merge) run in the engine's workers: the same result as in this process."""
    import skywitness
    from skywitness.engine import local
    from skywitness.gnss.jamming import events
    from skywitness.jobs.jamming import compute_jamming
    from skywitness.jobs.reports import select_reports

    reports = select_reports(
        skywitness.read(simulation("sparse", 0) / "readsb-hist"), None, None, None
    )
    refitted: list[int] = []
    plain = events._refits

    def counted(pools: Any, outside: Any, mapper: Any) -> Any:
        refitted.append(len(pools))
        return plain(pools, outside, mapper)

    monkeypatch.setattr(events, "_refits", counted)
    here = compute_jamming(reports)
    assert sum(refitted) >= 1, "the scenario must have a stretch attached to a located event"
    monkeypatch.setattr(local, "MIN_PARALLEL_TASKS", 1)
    there = compute_jamming(reports, mapper=LocalEngine(workers=2).map_shared)
    same_jamming_result(here, there)


def _square_plus(item: int, shared: Any) -> int:
    return item * item + shared


@pytest.mark.slow  # worker processes start (a few seconds)
def test_map_shared_hands_on_each_result_in_order_as_it_comes() -> None:
    results = LocalEngine(workers=2).map_shared(_square_plus, list(range(8)), 1)
    assert not isinstance(results, list)  # an iterator: nothing held for the caller
    assert list(results) == [k * k + 1 for k in range(8)]
    assert list(LocalEngine(workers=1).map_shared(_square_plus, [2, 3], 1)) == [5, 10]
