"""`skywitness spoofing` end to end: simulate, ingest, analyse, outputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq
import pytest

from skywitness.cli import main
from skywitness.model.geo import distance_m

if TYPE_CHECKING:
    from conftest import Simulations


@pytest.fixture(scope="module")
def spoofed_store(
    simulation: Simulations, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, object]]:
    sample = simulation("spoofing", 3)
    store = tmp_path_factory.mktemp("spoofing") / "store"
    assert main(["ingest", "--store", str(store), str(sample / "readsb-hist")]) == 0
    return store, simulation.truth("spoofing", 3)


def test_json_shape_and_truth(
    spoofed_store: tuple[Path, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, truth = spoofed_store
    capsys.readouterr()
    assert main(["spoofing", "--store", str(store), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"intervals", "clusters"}
    assert out["intervals"]
    for iv in out["intervals"]:
        assert {"icao24", "callsign", "start", "end", "kinds"} <= set(iv)
        assert iv["start"] <= iv["end"] and iv["start"].endswith("Z")
        assert set(iv["kinds"]) <= {"frozen", "jump", "kinematic", "altitude"} and iv["kinds"]
    spoofed = {a["icao24"] for a in truth["aircraft"] if a.get("spoofed")}  # type: ignore[attr-defined]
    assert {iv["icao24"] for iv in out["intervals"]} <= spoofed
    (cluster,) = out["clusters"]
    assert {"start", "end", "lat", "lon", "n_aircraft", "aircraft"} <= set(cluster)
    assert cluster["n_aircraft"] == len(cluster["aircraft"]) >= 2
    attractor = truth["spoofers"][0]["attractor"]  # type: ignore[index]
    assert distance_m(cluster["lat"], cluster["lon"], attractor["lat"], attractor["lon"]) < 5000


def test_outputs_by_extension(
    spoofed_store: tuple[Path, dict[str, object]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, _ = spoofed_store
    outs = [tmp_path / f"s.{ext}" for ext in ("geojson", "csv", "parquet")]
    argv = ["spoofing", "--store", str(store)]
    for o in outs:
        argv += ["--out", str(o)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "spoofed intervals" in text and "spoofed places" in text
    fc = json.loads(outs[0].read_text())
    kinds = {f["properties"]["kind"] for f in fc["features"]}
    assert {"spoofed_positions", "attractor", "spoofer_area", "spoofer", "estimated_path"} <= kinds
    for f in fc["features"]:
        if f["properties"]["kind"] == "estimated_path":
            assert f["properties"]["estimated"] is True
            assert f["geometry"]["type"] == "LineString"
    rows = list(csv.DictReader(outs[1].open()))
    assert rows and set(rows[0]) >= {"icao24", "callsign", "start", "end", "kinds"}
    flags = pq.read_table(outs[2])
    assert {"icao24", "time", "spoofed", "trusted_quality"} <= set(flags.column_names)
    assert not list(tmp_path.glob("*.part"))


def test_bbox_and_window_select(
    spoofed_store: tuple[Path, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = spoofed_store
    capsys.readouterr()
    # Far from the scenario: no aircraft, nothing flagged.
    assert main(["spoofing", "--store", str(store), "--bbox", "-10,40,0,50", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"intervals": [], "clusters": []}
    # Before the spoofer switched on (10:15): nothing flagged either.
    argv = ["spoofing", "--store", str(store), "--to", "2024-05-20T10:10:00Z", "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["intervals"] == []


def test_unknown_output_type_is_a_usage_error(
    spoofed_store: tuple[Path, dict[str, object]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, _ = spoofed_store
    assert main(["spoofing", "--store", str(store), "--out", str(tmp_path / "x.docx")]) == 2
    err = capsys.readouterr().err
    assert "x.docx" in err and "cannot tell the format from the extension" in err


def test_real_spoofed_flight_end_to_end(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """THY9BP (noisy_spoofing, see tests/test_spoofing.py): ingest, `spoofing
    --json`, GeoJSON. One aircraft: an interval, no spoofed place (a place
    needs several aircraft), and a true path estimated across the interval
    from its last position before (09:04:50, 47.44N 22.92E) to the first
    after (09:58:11, 53.58N 18.68E). The sample has no airspeed or heading,
    so the path is the interpolated great circle, which the data supports:
    the aircraft reappears on the straight line from where it was at 09:05."""
    store = tmp_path / "store"
    assert main(["ingest", "--store", str(store),
                 str(samples / "noisy" / "noisy_spoofing.json.gz")]) == 0  # fmt: skip
    capsys.readouterr()
    out = tmp_path / "thy.geojson"
    assert main(["spoofing", "--store", str(store), "--json", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    (iv,) = result["intervals"]
    assert (iv["icao24"], iv["callsign"]) == ("4baac6", "THY9BP")
    assert iv["start"].startswith("2024-09-17T09:24:21") and iv["end"].startswith(
        "2024-09-17T09:58:09"
    )
    assert result["clusters"] == []
    (path,) = [f for f in json.loads(out.read_text())["features"]
               if f["properties"]["kind"] == "estimated_path"]  # fmt: skip
    props, coords = path["properties"], path["geometry"]["coordinates"]
    assert props["estimated"] is True and props["method"] == "interpolated"
    assert distance_m(coords[0][1], coords[0][0], 47.4358, 22.9162) < 100
    assert distance_m(coords[-1][1], coords[-1][0], 53.5786, 18.6838) < 100
