"""The flight job end to end: `skywitness flight` on a store, the API on a table,
the JSON shape the issue fixes, the files (pandas, DuckDB, GeoJSON), errors.

The simulator's ``incident`` scenario (seed 3, traces: not a seed the kernels
were developed on) is ingested once per module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import skywitness
from skywitness.cli import main
from tests.conftest import Simulations

SEED = 3

TOP_KEYS = {"icao24", "callsign", "flights", "events", "track", "approaches", "oscillation",
            "failure", "end"}  # fmt: skip
TRACK_KEYS = {"time", "lat", "lon", "alt_baro_ft", "source", "error_km"}


@pytest.fixture(scope="module")
def incident(
    simulation: Simulations, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    out = simulation("incident", SEED, snapshots=False)
    store = tmp_path_factory.mktemp("flight") / "store"
    assert main(["ingest", "--store", str(store), str(out / "traces")]) == 0
    return store, json.loads((out / "truth.json").read_text())["incident"]


@pytest.fixture(scope="module")
def doc(incident: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    store, inc = incident
    result = skywitness.flight(store, inc["callsign"])
    return result.as_json()


def test_json_has_the_documented_shape(
    incident: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, inc = incident
    assert main(["flight", inc["icao24"].upper(), "--store", str(store), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == TOP_KEYS
    assert out["icao24"] == inc["icao24"] and out["callsign"] == inc["callsign"]
    assert all(set(r) == TRACK_KEYS for r in out["track"])
    assert {r["source"] for r in out["track"]} <= {
        "reported",
        "reconstructed",
        "rejected",
        "spoofed",
    }
    assert all(
        set(e) == {"time", "kind", "detail"} and e["time"].endswith("Z") for e in out["events"]
    )
    times = [e["time"] for e in out["events"]]
    assert times == sorted(times)
    (leg,) = out["flights"]
    assert set(leg) == {"start", "end", "origin", "destination"}
    # the record starts airborne, climbing out: the origin is the truth's or unknown
    assert leg["origin"] in (inc["origin"], None)
    for a in out["approaches"]:
        assert set(a) == {"airport", "runway", "start", "min_height_ft", "go_around", "time"}
    if out["end"] is not None:
        assert set(out["end"]) == {"kind", "time", "lat", "lon", "airport", "runway", "error_km"}


def test_cli_and_api_agree(
    incident: tuple[Path, dict[str, Any]], doc: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    store, inc = incident
    assert main(["flight", inc["callsign"].lower(), "--store", str(store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == doc


def test_gap_is_reconstructed_through_the_jammed_hour(
    incident: tuple[Path, dict[str, Any]], doc: dict[str, Any]
) -> None:
    _, inc = incident
    absent = inc["jammed"]["positions_absent"]
    lo, hi = absent["start_ns"] / 1e9, absent["end_ns"] / 1e9
    rows = [r for r in doc["track"] if lo < _s(r["time"]) < hi]
    assert rows and all(r["source"] != "reported" for r in rows)
    rebuilt = [r for r in rows if r["source"] == "reconstructed" and r["lat"] is not None]
    assert len(rebuilt) >= 0.9 * len(rows)
    assert all(r["error_km"] is not None and r["error_km"] > 0 for r in rebuilt)
    kinds = [e["kind"] for e in doc["events"]]
    assert "gnss_lost" in kinds and "gnss_regained" in kinds
    lost = next(e for e in doc["events"] if e["kind"] == "gnss_lost")
    assert abs(_s(lost["time"]) - _s(inc["jammed"]["in_zone"][0]["start"])) < 300


def _s(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_files_load_in_pandas_duckdb_and_as_geojson(
    incident: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb
    import pandas as pd

    store, inc = incident
    outs = [tmp_path / f"flight.{e}" for e in ("csv", "parquet", "geojson")]
    argv = ["flight", inc["icao24"], "--store", str(store), "--no-areas"]
    assert main([*argv, *[a for o in outs for a in ("--out", str(o))]]) == 0
    said = capsys.readouterr().out
    assert inc["callsign"] in said and all(f"wrote {o}" in said for o in outs)
    csv = pd.read_csv(outs[0], parse_dates=["time"])
    assert str(csv["time"].dt.tz) == "UTC" and len(csv) > 1000
    assert set(csv["source"]) >= {"reported", "reconstructed"}
    con = duckdb.connect()
    n = con.sql(f"SELECT count(*) FROM read_parquet('{outs[1]}') WHERE source = 'reconstructed'")
    assert n.fetchall()[0][0] > 500
    meta = pq.read_schema(outs[1]).metadata
    assert b"skywitness" in meta and b"flight" in meta[b"skywitness"]
    gj = json.loads(outs[2].read_text())
    assert gj["type"] == "FeatureCollection" and "flight" in gj["skywitness"]["command"]
    sources = {
        f["properties"]["source"] for f in gj["features"] if f["properties"]["kind"] == "track"
    }
    assert sources >= {"reported", "reconstructed"}
    points = [f for f in gj["features"] if f["properties"]["kind"] == "point"]
    assert points and all(p["properties"]["error_km"] is not None for p in points)
    sidecar = json.loads((tmp_path / "flight.csv.provenance.json").read_text())
    assert sidecar["start"] is not None and sidecar["end"] is not None


def test_unknown_or_ambiguous_aircraft_exit_2(
    incident: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = incident
    assert main(["flight", "NOSUCH1", "--store", str(store)]) == 2
    assert "no reports of callsign 'NOSUCH1'" in capsys.readouterr().err
    assert main(["flight", "abcdef", "--store", str(store), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["exit"] == 2 and "abcdef" in out["error"]
    assert main(["flight", "x", "--store", str(store), "--out", "f.pdf"]) == 2
    assert "unknown output type" in capsys.readouterr().err


def test_table_with_several_aircraft_needs_a_name(incident: tuple[Path, dict[str, Any]]) -> None:
    store, inc = incident
    table = skywitness.query(store)
    with pytest.raises(skywitness.SkywitnessError, match="name one"):
        from skywitness.jobs.flight import compute_flight

        compute_flight(table)
    result = skywitness.flight(table, inc["icao24"], areas=False)
    assert result.icao24 == inc["icao24"] and result.areas == ()
    assert "Flight " in repr(result) and "<table>" in result._repr_html_()
    assert result.to_arrow("events").num_rows == len(result.events)


def test_readme_documents_every_event_kind() -> None:
    from skywitness.track.events import KINDS

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    rows = {line.split("`")[1] for line in readme.splitlines() if line.strip().startswith("| `")}
    assert set(KINDS) <= rows


def test_the_incident_against_its_truth(
    incident: tuple[Path, dict[str, Any]], doc: dict[str, Any]
) -> None:
    """Seed 3 (not developed on), scored as bench/accuracy.py --task flight scores it."""
    from skywitness.sim.score_flight import flight_scores

    _, inc = incident
    got = flight_scores(doc, inc)
    assert got["failure_dt_s"] is not None and abs(got["failure_dt_s"]) <= 30
    assert got["end_kind"] == "crashed" and got["crash_km"] <= 2 and got["crash_within"]
    assert got["approaches_right"]
    assert abs(got["period_err"]) <= 0.10 and abs(got["amplitude_err"]) <= 0.20
    # the turn towards the diversion airport comes after the decision, not at an approach
    assert got["diversion_to"] == inc["diversion"]
    assert 0 <= got["diversion_dt_s"] <= 300
