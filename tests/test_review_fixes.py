"""Defects a review of the restructured tool found, each as the command a user ran."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skywitness.cli import main


def test_a_file_read_with_the_wrong_format_is_not_hidden(
    simulation: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Forcing the wrong format stores nothing of a file; it must not then count
    as "already in the store" when read with the right one."""
    sim = simulation("jamming", 0, size=0.3)
    store = tmp_path / "store"
    assert main(["ingest", str(sim / "readsb-hist"), "--format", "avr", "--store", str(store),
                 "--json"]) == 0  # fmt: skip
    first = json.loads(capsys.readouterr().out)
    assert first["reports"] == 0 and first["skipped"] > 0
    assert main(["ingest", str(sim / "readsb-hist"), "--store", str(store), "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["reports"] > 0


def test_outputs_record_the_data_time_range_when_no_window_is_given(
    simulation: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = simulation("jamming", 0, size=0.3)
    store = tmp_path / "store"
    assert main(["ingest", str(sim / "readsb-hist"), "--store", str(store)]) == 0
    truth = json.loads((sim / "truth.json").read_text())
    out = tmp_path / "out"
    argv = ["--store", str(store), "--out", str(out / "j.csv"), "--out", str(out / "j.geojson")]
    assert main(["jamming", *argv]) == 0
    capsys.readouterr()
    side = json.loads((out / "j.csv.provenance.json").read_text())
    member = json.loads((out / "j.geojson").read_text())["skywitness"]
    for record in (side, member):
        assert record["start"] is not None and record["end"] is not None
        # the data's first and last report, inside the simulated window
        assert (
            truth["start"][:13] <= record["start"][:13] and record["end"][:13] <= truth["end"][:13]
        )
        assert record["start"] < record["end"]


def test_export_checks_and_splits_aircraft_addresses(
    simulation: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow.parquet as pq

    from skywitness.store import Store

    sim = simulation("jamming", 0, size=0.3)
    store = tmp_path / "store"
    assert main(["ingest", str(sim / "readsb-hist"), "--store", str(store)]) == 0
    both = sorted(set(Store(store, create=False).query(columns=["icao24"])["icao24"].to_pylist()))
    a, b = both[0], both[1]
    capsys.readouterr()
    out = tmp_path / "x.parquet"
    # several addresses as one comma list, upper case: both aircraft, nothing else
    assert main(["export", "--store", str(store), "--out", str(out),
                 "--icao24", f"{a.upper()}, {b}"]) == 0  # fmt: skip
    assert set(pq.read_table(out)["icao24"].to_pylist()) == {a, b}
    for bad in ("xyz", "4baac", f"{a}x"):
        assert main(["export", "--store", str(store), "--out", str(out), "--icao24", bad]) == 2
        err = capsys.readouterr().err
        assert "not an aircraft address" in err and err.count("\n") == 1
