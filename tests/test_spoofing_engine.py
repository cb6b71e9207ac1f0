"""The spoofing job on the engine: a store read in partitions of whole
aircraft gives the spoofing result of the whole (intervals, places with the
spoofer's area, true paths, the spoofed aircraft's states, the files), while
a partition keeps only its spoofed aircraft's reports and a thinned sample of
where the others flew."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from job_results import same_spoofing_result

import skywitness
from skywitness.cli import main
from skywitness.engine.local import LocalEngine, Window, read_partition
from skywitness.gnss.spoofing import spoof_states
from skywitness.gnss.spoofing.places import OUTSIDE_STEP_S, outside_sample
from skywitness.io import expand, open_file
from skywitness.jobs.spoofing import spoofing_analysis, spoofing_partial
from skywitness.model.units import NS_PER_S
from skywitness.store import Store


@pytest.fixture(scope="module")
def circle(simulation: Any, tmp_path_factory: pytest.TempPathFactory) -> Store:
    st = Store(tmp_path_factory.mktemp("spoof-engine") / "s")
    files = expand([simulation("spoofing-circle", 0) / "traces"])
    assert not st.ingest((lambda p=p: open_file(p)) for p in files).errors
    return st


def test_partitioned_spoofing_is_the_whole(circle: Store, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SKYWITNESS_CACHE", str(tmp_path / "cache"))
    whole = spoofing_analysis(circle)
    assert whole.clusters and whole.clusters[0].area is not None, "the spoofer must be found"
    assert whole.paths
    engine = LocalEngine(partition_rows=circle.count() // 6, workers=1)
    assert engine.partitions_of(circle, Window()) >= 6
    parts = spoofing_analysis(circle, engine=engine)
    same_spoofing_result(whole, parts)
    assert not any((tmp_path / "cache").rglob("*.pickle"))


def test_a_partial_keeps_only_the_spoofed_aircraft(circle: Store) -> None:
    n = 6
    reports = read_partition(circle, Window(), 2, n)
    partial = spoofing_partial(reports)
    states = spoof_states(reports)
    spoofed = set(states["icao24"].filter(pc.fill_null(states["spoofed"], False)).to_pylist())
    assert spoofed, "pick a partition with a spoofed aircraft"
    assert set(partial.states["icao24"].to_pylist()) == spoofed
    kept = states.filter(pc.is_in(states["icao24"], pa.array(sorted(spoofed))))
    assert partial.states.equals(kept)  # every row of those aircraft, in order
    assert set(partial.reports["icao24"].to_pylist()) == {iv.icao24 for iv in partial.intervals}
    assert partial.reports.num_rows < reports.num_rows
    assert partial.rows == reports.num_rows
    # Of the rest, one trusted own position per aircraft and step.
    assert 0 < partial.outside.num_rows < states.num_rows / 5


def test_the_outside_sample_of_parts_is_that_of_the_whole(circle: Store) -> None:
    states = spoof_states(circle.query())
    whole = outside_sample(states)
    names = np.asarray(states["icao24"].to_numpy(zero_copy_only=False)).astype(str)
    parts = [outside_sample(states.filter(pa.array(np.char.endswith(names, d))))
             for d in "0123456789abcdef"]  # fmt: skip
    joined = pa.concat_tables(parts)
    joined = joined.take(pc.sort_indices(joined, [("icao24", "ascending")]))
    assert joined.equals(whole)
    # One point per aircraft and step, never a spoofed one.
    t = np.asarray(whole["time"].to_numpy()) // int(OUTSIDE_STEP_S * NS_PER_S)
    pairs = set(zip(whole["icao24"].to_pylist(), t.tolist(), strict=True))
    assert len(pairs) == whole.num_rows
    spoofed_at = set(
        zip(states["icao24"].to_pylist(), states["time"].cast(pa.int64()).to_pylist(),
            pc.fill_null(states["spoofed"], False).to_pylist(), strict=True)
    )  # fmt: skip
    assert not any(
        (a, tt, True) in spoofed_at
        for a, tt in zip(whole["icao24"].to_pylist(), whole["time"].to_pylist(), strict=True)
    )


def test_cli_and_api_in_partitions(
    circle: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setenv("SKYWITNESS_CACHE", str(tmp_path / "cache"))
    printed = {}
    for name, extra in (("whole", []), ("parts", ["--partition-rows", "5000", "--jobs", "1"])):
        files = [tmp_path / f"{name}.csv", tmp_path / f"{name}.parquet"]
        code = main(["spoofing", "--store", str(circle.root), "--json",
                     *[a for f in files for a in ("--out", str(f))], *extra])  # fmt: skip
        assert code == 0
        printed[name] = (json.loads(capsys.readouterr().out), files[0].read_text(),
                         pq.read_table(files[1]).replace_schema_metadata(None))  # fmt: skip
    assert printed["whole"][0] == printed["parts"][0]
    assert printed["whole"][0]["clusters"]
    assert printed["whole"][1] == printed["parts"][1]
    assert printed["whole"][2].equals(printed["parts"][2])
    same_spoofing_result(skywitness.spoofing(circle), skywitness.spoofing(circle, engine="local"))


def test_the_spark_engine_options_are_the_jamming_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["spoofing", "--store", str(tmp_path / "none"), "--jobs", "0"])
    assert code == 2
    assert "--jobs" in capsys.readouterr().err
    code = main(["spoofing", "--store", str(tmp_path / "none"), "--spark-master", "local[1]"])
    assert code == 2
    assert "--engine spark" in capsys.readouterr().err
