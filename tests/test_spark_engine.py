"""The Spark engine: a store read and computed by PySpark gives the local
engine's jamming and spoofing results (events, map, places, paths, tallies,
the files written), in partitions of whole aircraft, after the store's own
check of the parts; and without pyspark, a clear error (exit 2 from the CLI), not a traceback.

The tests that start Spark (a JVM, ``local[2]``) are marked slow; the ones
about a missing pyspark are not (they never start it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from job_results import same_jamming_result, same_spoofing_result

import skywitness
from skywitness.cli import main
from skywitness.engine.local import LocalEngine, Window
from skywitness.errors import EngineError, UsageError
from skywitness.io import expand, open_file
from skywitness.jobs.jamming import jamming_analysis
from skywitness.jobs.spoofing import spoofing_analysis
from skywitness.store import Store, StoreCorruptError


def _store(folder: Path, root: Path) -> Store:
    st = Store(root)
    result = st.ingest((lambda p=p: open_file(p)) for p in expand([folder / "readsb-hist"]))
    assert not result.errors
    return st


@pytest.fixture(scope="module")
def small(simulation: Any, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return _store(simulation("jamming", 0, size=0.3), tmp_path_factory.mktemp("spark") / "s")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    try:  # not a skip: the test extra installs pyspark, so CI runs these
        from pyspark import cloudpickle
    except ImportError:
        pytest.fail("pyspark is missing: it is in the test extra (pip install -e '.[test]')")
    from skywitness.engine.spark import SparkEngine

    # This module's kernels go to Spark's Python workers by value (they
    # cannot import a test module); skywitness's own go by reference.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        with SparkEngine() as engine:  # local[2]
            yield engine
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def _without_provenance(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    doc.pop("skywitness", None)
    return doc


@pytest.mark.slow  # starts Spark (a JVM)
def test_spark_jamming_is_the_local_one(small: Store, spark: Any, tmp_path: Path) -> None:
    from skywitness.engine.spark import SparkEngine

    assert isinstance(spark, SparkEngine)
    local = jamming_analysis(
        small, window="1h", events_out=tmp_path / "local.geojson", engine=LocalEngine(workers=1)
    )
    assert local.events, "the scenario's jammer must be found"
    assert spark.partitions_of(small, Window()) >= 2  # one per core at least
    on_spark = jamming_analysis(
        small, window="1h", events_out=tmp_path / "spark.geojson", engine=spark
    )
    same_jamming_result(local, on_spark)
    assert _without_provenance(tmp_path / "local.geojson") == _without_provenance(
        tmp_path / "spark.geojson"
    )


@pytest.mark.slow
def test_spark_window_box_and_many_partitions(small: Store, spark: Any) -> None:
    """A time window and a box (also one written across the antimeridian),
    in five partitions or more: the local result."""
    from skywitness.engine.spark import SparkEngine

    times = small.query(columns=["time"])["time"]
    lo, hi = pc.min(times).value, pc.max(times).value
    start, end = lo + (hi - lo) // 4, hi - (hi - lo) // 4
    middle = float(pc.approximate_median(small.query(columns=["lon"])["lon"]).as_py())
    everyone = len(set(small.query(start=start, end=end, columns=["icao24"])["icao24"].to_pylist()))
    for bbox in ((middle, -90.0, 180.0, 90.0), (middle, -90.0, -179.0, 90.0)):
        inside = small.query(start=start, end=end, bbox=bbox, columns=["icao24"])
        assert 0 < len(set(inside["icao24"].to_pylist())) < everyone  # the box selects
        local = jamming_analysis(small, start_ns=start, end_ns=end, bbox=bbox, window="1h")
        many = SparkEngine(spark.session, partition_rows=small.count() // 12)
        assert many.partitions_of(small, Window(start, end, bbox)) >= 5
        on_spark = jamming_analysis(
            small, start_ns=start, end_ns=end, bbox=bbox, window="1h", engine=many
        )
        same_jamming_result(local, on_spark)
        assert 0 < on_spark.reports < small.count()


@pytest.mark.slow
def test_spark_spoofing_is_the_local_one(
    simulation: Any, spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The spoofing job on Spark in partitions: places, areas, paths, states and
    the files as the local engine computes them; the CLI and the API too."""
    from skywitness.engine.spark import SparkEngine

    store = Store(tmp_path / "s")
    files = expand([simulation("spoofing-circle", 0) / "traces"])
    assert not store.ingest((lambda p=p: open_file(p)) for p in files).errors
    local = spoofing_analysis(store, outputs=[tmp_path / "local.geojson"])
    assert local.clusters and local.paths, "the scenario's spoofer must be found"
    many = SparkEngine(spark.session, partition_rows=store.count() // 6)
    assert many.partitions_of(store, Window()) >= 5
    on_spark = spoofing_analysis(store, outputs=[tmp_path / "spark.geojson"], engine=many)
    same_spoofing_result(local, on_spark)
    assert _without_provenance(tmp_path / "local.geojson") == _without_provenance(
        tmp_path / "spark.geojson"
    )
    same_spoofing_result(local, skywitness.spoofing(store, engine=spark))
    printed = []
    for name in ("local", "spark"):
        assert main(["spoofing", "--store", str(store.root), "--json", "--engine", name]) == 0
        printed.append(json.loads(capsys.readouterr().out))
    assert printed[0] == printed[1] == local.as_json()


def _aircraft_of(table: pa.Table) -> tuple[int, list[str], bool]:
    times = table["time"].to_numpy()
    return (
        table.num_rows,
        sorted(set(table["icao24"].to_pylist())),
        bool((times[1:] >= times[:-1]).all()),
    )


@pytest.mark.slow
def test_a_spark_partition_holds_whole_aircraft(small: Store, spark: Any) -> None:
    parts = spark.run(small, Window(), _aircraft_of, key={"job": "test"}, partitions=4)
    assert len(parts) >= 2
    assert sum(rows for rows, _, _ in parts) == small.count()
    seen = [set(aircraft) for _, aircraft, _ in parts]
    everyone = set(small.query(columns=["icao24"])["icao24"].to_pylist())
    assert set().union(*seen) == everyone
    assert sum(len(s) for s in seen) == len(everyone)  # no aircraft in two partitions
    assert all(in_order for _, _, in_order in parts)


class _Fail(Exception):
    pass


def _logged(log: str, last: int, table: pa.Table) -> int:
    """A kernel: the partition's reports, logged; the last partition fails."""
    from pyspark import TaskContext

    part = TaskContext.get().partitionId()
    if part == last:
        raise _Fail(f"partition {part} stops the run")
    with open(log, "a") as fh:
        fh.write(f"{part}\n")
    return table.num_rows


@pytest.mark.slow
def test_a_spark_rerun_computes_only_the_partitions_left(
    small: Store, spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import functools

    from skywitness.engine.spark import SparkEngine

    monkeypatch.setenv("SKYWITNESS_CACHE", str(tmp_path / "cache"))
    n, log = 4, tmp_path / "log"
    engine = SparkEngine(spark.session)
    with pytest.raises(Exception, match="stops the run"):
        engine.run(small, Window(), functools.partial(_logged, str(log), n - 1),
                   key={"job": "test"}, partitions=n)  # fmt: skip
    first = set(log.read_text().split())
    kept = {p.stem for p in (tmp_path / "cache").rglob("*.pickle")}
    assert kept and kept == first  # what finished was kept
    log.write_text("")
    rows = engine.run(small, Window(), functools.partial(_logged, str(log), -1),
                      key={"job": "test"}, partitions=n)  # fmt: skip
    again = set(log.read_text().split())
    assert again and not again & first  # the kept partitions were not computed again
    assert sum(rows) == small.count()
    assert not any((tmp_path / "cache").rglob("*.pickle"))  # removed at the end
    # Without the cache nothing is kept.
    log.write_text("")
    plain = SparkEngine(spark.session, cache=False)
    with pytest.raises(Exception, match="stops the run"):
        plain.run(small, Window(), functools.partial(_logged, str(log), n - 1),
                  key={"job": "other"}, partitions=n)  # fmt: skip
    assert not any((tmp_path / "cache").rglob("*.pickle"))


def _plus(item: int, shared: int) -> tuple[int, int]:
    return item + shared, os.getpid()


@pytest.mark.slow
def test_map_shared_runs_on_spark_in_order(spark: Any) -> None:
    got = spark.map_shared(_plus, list(range(10)), 100)
    assert [v for v, _ in got] == list(range(100, 110))
    assert all(pid != os.getpid() for _, pid in got)  # in Spark's Python workers
    few = spark.map_shared(_plus, [1, 2], 100)  # too few items: in the driver
    assert few == [(101, os.getpid()), (102, os.getpid())]


@pytest.mark.slow
def test_events_located_on_spark_are_the_serial_ones(
    simulation: Any, spark: Any, monkeypatch: Any
) -> None:
    from skywitness.engine import spark as spark_module
    from skywitness.jobs.jamming import compute_jamming
    from skywitness.jobs.reports import select_reports

    reports = select_reports(simulation.reports("jamming-spoofing", 0), None, None, None)
    serial = compute_jamming(reports, window="1h")
    assert len(serial.events) >= 2
    monkeypatch.setattr(spark_module, "MIN_PARALLEL_TASKS", 2)
    calls: list[int] = []

    def mapper(fn: Any, items: Any, shared: Any) -> list[Any]:
        calls.append(len(items))
        return list(spark.map_shared(fn, items, shared))

    on_spark = compute_jamming(reports, window="1h", mapper=mapper)
    assert calls and calls[0] >= 2  # the groups went to Spark
    same_jamming_result(serial, on_spark)


@pytest.mark.slow
def test_a_damaged_part_is_refused_before_spark_reads_it(
    small: Store, spark: Any, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(small.root, copy)
    part = Store(copy, create=False).parts()[0]
    table = pq.read_table(part)
    pq.write_table(table.slice(1), part)  # a readable file, not the one recorded
    with pytest.raises(StoreCorruptError, match=part.name):
        spark.run(Store(copy, create=False), Window(), _aircraft_of, key={}, partitions=2)


@pytest.mark.slow
def test_cli_and_api_with_the_spark_engine(
    small: Store, spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = {}
    for name in ("local", "spark"):
        events, cells = tmp_path / f"{name}.geojson", tmp_path / f"{name}.parquet"
        code = main(["jamming", "--store", str(small.root), "--window", "1h", "--json",
                     "--engine", name, "--events-out", str(events), "--out", str(cells)])  # fmt: skip
        assert code == 0
        outputs[name] = (json.loads(capsys.readouterr().out), _without_provenance(events),
                         pq.read_table(cells).replace_schema_metadata(None))  # fmt: skip
    assert outputs["local"][0] == outputs["spark"][0]
    assert outputs["local"][1] == outputs["spark"][1]
    assert outputs["local"][2].equals(outputs["spark"][2])
    assert spark.session.sparkContext._jsc is not None  # a running session is left running

    whole = skywitness.jamming(small, window="1h")
    same_jamming_result(whole, skywitness.jamming(small, window="1h", engine=spark))
    same_jamming_result(whole, skywitness.jamming(str(small.root), window="1h", engine="spark"))
    same_jamming_result(whole, skywitness.jamming(small, window="1h", engine="local"))


# -- without pyspark (fast: Spark never starts) ------------------------------------------


@pytest.fixture
def no_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment where ``import pyspark`` fails."""
    for name in list(sys.modules):
        if name == "pyspark" or name.startswith("pyspark."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)


def test_without_pyspark_the_engine_says_how_to_install(no_pyspark: None, tmp_path: Path) -> None:
    from skywitness.engine.spark import SparkEngine

    with pytest.raises(EngineError, match=r"install skywitness\[spark\]"):
        SparkEngine()
    store = Store(tmp_path / "s")
    with pytest.raises(EngineError, match=r"install skywitness\[spark\]"):
        skywitness.jamming(store, engine="spark")


def test_without_pyspark_the_cli_exits_2_with_one_line(
    no_pyspark: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Store(tmp_path / "s")
    code = main(["jamming", "--store", str(tmp_path / "s"), "--engine", "spark"])
    err = capsys.readouterr().err
    assert code == 2
    assert "install skywitness[spark]" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code = main(["jamming", "--store", str(tmp_path / "s"), "--engine", "spark", "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "install skywitness[spark]" in json.loads(captured.out)["error"]


def test_engine_options_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Store(tmp_path / "s")
    store = ["jamming", "--store", str(tmp_path / "s")]
    assert main([*store, "--spark-master", "local[2]"]) == 2
    assert "--spark-master is for --engine spark" in capsys.readouterr().err
    assert main([*store, "--engine", "spark", "--jobs", "2"]) == 2
    assert "--jobs is for the local engine" in capsys.readouterr().err
    assert main([*store, "--engine", "flink"]) == 2
    table = skywitness.query(tmp_path / "s")
    with pytest.raises(UsageError, match="unknown engine"):
        skywitness.jamming(tmp_path / "s", engine="flink")
    with pytest.raises(UsageError, match="not an engine"):
        skywitness.jamming(tmp_path / "s", engine=object())  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="an engine reads a store"):
        skywitness.jamming(table, engine=_NotLocal())  # type: ignore[arg-type]


class _NotLocal:
    def partitions_of(self, *a: Any) -> int:
        raise AssertionError("not called")

    run = map_shared = partitions_of


def test_importing_skywitness_does_not_import_pyspark() -> None:
    code = (
        "import sys, skywitness, skywitness.api, skywitness.cli.commands, "
        "skywitness.engine, skywitness.engine.spark, skywitness.jobs.jamming; "
        "assert 'pyspark' not in sys.modules, 'pyspark imported'"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
