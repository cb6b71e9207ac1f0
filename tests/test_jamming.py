"""The jamming job end to end: simulator truth, real clean recordings, CLI, demo.

Quality over many seeds is measured by bench/accuracy.py (bench/RESULTS.md);
here the targets are asserted on a few fixed seeds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest

from skywitness.cli import main
from skywitness.gnss.jamming.events import interference_events
from skywitness.gnss.jamming.state import gnss_state
from skywitness.io import read_table
from skywitness.sim.score import emitter_scores, minute_scores

if TYPE_CHECKING:
    from conftest import Simulations

F1_TARGET = 0.98  # issue 3: per aircraft-minute F1 of the affected state
EMITTER_P95_TARGET_KM = 10.0  # issue 3: 95th percentile of the emitter error


@pytest.fixture(scope="module")
def jamming(simulation: Simulations) -> tuple[Path, pa.Table, dict]:
    return (
        simulation("jamming", 3),
        simulation.reports("jamming", 3),
        simulation.truth("jamming", 3),
    )


def _f1(c: dict[str, int]) -> float:
    return 2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"])


@pytest.mark.parametrize("mode", ["nacp", "nic"])
def test_affected_state_meets_the_f1_target(
    jamming: tuple[Path, pa.Table, dict], mode: str
) -> None:
    _, reports, truth = jamming
    states = gnss_state(reports, mode=mode)
    events = interference_events(states, reports, locate=False)
    counts = minute_scores(states, truth, events)
    assert counts["tp"] > 300  # the scenario does affect dozens of aircraft
    assert _f1(counts) >= F1_TARGET, counts


def test_one_event_per_emitter_located(jamming: tuple[Path, pa.Table, dict]) -> None:
    _, reports, truth = jamming
    events = interference_events(gnss_state(reports), reports)
    scores, false_events = emitter_scores(events, truth)
    assert false_events == 0
    assert len(events) == len(truth["emitters"]) == 1
    (row,) = scores
    assert row["found"] and row["error_km"] is not None
    # Issue 3's targets: median <= 5 km and 95th percentile <= 10 km over 20+
    # seeds (measured in bench/RESULTS.md); one seed must be within the latter.
    assert row["error_km"] <= EMITTER_P95_TARGET_KM, row


# A second seed of the full clean scenario in the slow run; one is enough every time.
@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow)])
def test_clean_scenario_has_no_event(simulation: Simulations, seed: int) -> None:
    reports = simulation.reports("clean", seed)
    assert interference_events(gnss_state(reports), reports) == []


@pytest.mark.parametrize(
    "rel",
    [
        "readsb/trace_full_ac671b.json",
        "rs1090/full_flight_short.jsonl",
        "fr24/2ce4f83f.json",
        "featured/qantas747.json.gz",
        "collections/switzerland.json.gz",
    ],
)
def test_clean_real_recordings_have_no_event(samples: Path, rel: str) -> None:
    reports = read_table(samples / rel)
    for mode in ("nacp", "nic"):
        assert interference_events(gnss_state(reports, mode=mode), reports) == []


def test_cli_simulate_ingest_jamming(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sim, store = tmp_path / "sim", tmp_path / "store"
    assert main(["simulate", "sparse", "--out", str(sim), "--seed", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["scenario"] == "sparse" and summary["affected_aircraft"] > 0
    assert main(["simulate", "sparse", "--out", str(sim)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err
    assert main(["ingest", str(sim / "readsb-hist"), "--store", str(store)]) == 0
    capsys.readouterr()
    maps = [str(tmp_path / f"map.{ext}") for ext in ("csv", "geojson", "parquet", "html")]
    argv = ["jamming", "--store", str(store), "--window", "1d", "--json"]
    assert main([*argv, *(a for m in maps for a in ("--out", m))]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"events", "cells"} and result["cells"] > 0
    assert result["events"], "the sparse scenario's jammer is found"
    for ev in result["events"]:
        assert set(ev) == {
            "id",
            "kind",
            "start",
            "end",
            "active",
            "n_aircraft",
            "aircraft",
            "emitter",
            "polygon",
        }
        assert ev["active"][0]["start"] == ev["start"] and ev["active"][-1]["end"] == ev["end"]
        assert ev["kind"] == "jamming"  # the sparse scenario has a jammer and no spoofer
        assert ev["start"].endswith("Z") and ev["end"] > ev["start"]
        assert ev["n_aircraft"] == len(ev["aircraft"]) >= 2
        ring = ev["polygon"]["coordinates"][0]
        assert ev["polygon"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) >= 4
        if ev["emitter"] is not None:
            assert set(ev["emitter"]) == {
                "lat",
                "lon",
                "range_km",
                "error_km_95",
                "error_km_95_any_antenna",
            }
    header = (tmp_path / "map.csv").read_text().splitlines()[0]
    assert header == "hex,count_good_aircraft,count_bad_aircraft"
    assert "https://" not in (tmp_path / "map.html").read_text()


@pytest.mark.slow  # ~10 s; make test is at its 5-minute budget
def test_jamming_bbox_keeps_positionless_reports(
    simulation: Simulations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, store = simulation("sparse", 1), tmp_path / "store"
    main(["ingest", str(sim / "readsb-hist"), "--store", str(store)])
    capsys.readouterr()
    truth = json.loads((sim / "truth.json").read_text())
    em = truth["emitters"][0]
    box = f"{em['lon'] - 6},{em['lat'] - 4},{em['lon'] + 6},{em['lat'] + 4}"
    assert main(["jamming", "--store", str(store), "--bbox", box, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["events"]
    far = "-120,30,-110,40"  # nobody flew there
    assert main(["jamming", "--store", str(store), "--bbox", far, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"events": [], "cells": 0}


@pytest.mark.slow  # two full scenarios simulated, ingested and analysed, twice
def test_demo_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "skywitness-data"
    assert main(["demo", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "1 interference events" in out and "emitter" in out
    outputs = tmp_path / "skywitness-data-out"
    assert (outputs / "jamming-map.html").exists() and (outputs / "jamming-events.geojson").exists()
    reports = json.loads((outputs / "jamming-map.geojson").read_text())
    assert reports["features"]
    assert main(["demo", "--store", str(store)]) == 0
    again = capsys.readouterr().out
    assert "0 reports added" in again and "1 interference events" in again
