"""Spoofed places across aircraft and the spoofer's area (skywitness.gnss.spoofing.places)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest

from skywitness.gnss.spoofing.detectors import spoof_states
from skywitness.gnss.spoofing.places import (
    MIN_DWELL_S,
    area_observations,
    at_places,
    spoof_clusters,
)
from skywitness.io import read_table
from skywitness.model.geo import destination, distance_m
from skywitness.sim.score import cluster_scores

if TYPE_CHECKING:
    from conftest import Simulations

T0 = 1_700_000_000 * 10**9
S = 10**9


def _states(tracks: list[dict[str, object]]) -> pa.Table:
    """States rows from tracks: icao24, t (s), lat, lon, spoofed arrays."""
    cols: dict[str, list[object]] = {k: [] for k in ("icao24", "time", "lat", "lon", "spoofed")}
    for tr in tracks:
        t = np.asarray(tr["t"], float)
        cols["icao24"] += [tr["icao24"]] * len(t)
        cols["time"] += [T0 + int(x * S) for x in t]
        cols["lat"] += list(np.broadcast_to(np.asarray(tr["lat"], float), t.shape))
        cols["lon"] += list(np.broadcast_to(np.asarray(tr["lon"], float), t.shape))
        cols["spoofed"] += list(np.broadcast_to(np.asarray(tr["spoofed"], bool), t.shape))
    return pa.table({
        "icao24": pa.array(cols["icao24"], pa.string()),
        "time": pa.array(cols["time"], pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "lat": pa.array(cols["lat"], pa.float64()),
        "lon": pa.array(cols["lon"], pa.float64()),
        "alt_baro_ft": pa.array([35000.0] * len(cols["time"]), pa.float32()),
        "spoofed": pa.array(cols["spoofed"], pa.bool_()),
    })  # fmt: skip


def _held(icao24: str, lat: float, lon: float, start_s: float, minutes: float, rng: np.random.Generator) -> dict[str, object]:  # fmt: skip
    t = np.arange(start_s, start_s + minutes * 60, 5.0)
    la, lo = destination(lat, lon, rng.uniform(0, 360, t.size), rng.uniform(0, 800, t.size))
    return {"icao24": icao24, "t": t, "lat": la, "lon": lo, "spoofed": True}


def _flying(icao24: str, lat: float, lon: float, start_s: float, minutes: float, spoofed: bool, bearing: float = 90.0) -> dict[str, object]:  # fmt: skip
    t = np.arange(start_s, start_s + minutes * 60, 5.0)
    la, lo = destination(lat, lon, bearing, (t - start_s) * 230.0)  # 450 kt
    return {"icao24": icao24, "t": t, "lat": la, "lon": lo, "spoofed": spoofed}


def test_aircraft_held_at_one_place_make_one_point_cluster() -> None:
    rng = np.random.default_rng(1)
    tracks = [_held(f"a{i}", 33.82, 35.49, 60.0 * i, 20, rng) for i in range(5)]
    (c,) = spoof_clusters(_states(tracks), area=False)
    assert c.pattern == "point"
    assert c.aircraft == ("a0", "a1", "a2", "a3", "a4")
    assert distance_m(c.lat, c.lon, 33.82, 35.49) < 300
    assert c.radius_km < 1.0
    assert 0 <= c.error_km_95 < 0.5
    assert c.start_ns == T0 and c.end_ns == T0 + int((4 * 60 + 20 * 60 - 5) * S)
    j = c.as_json()
    assert {"start", "end", "lat", "lon", "n_aircraft", "aircraft"} <= set(j)
    assert j["n_aircraft"] == 5 and j["start"].endswith("Z")


def test_positions_on_a_circle_give_its_centre_and_radius() -> None:
    rng = np.random.default_rng(2)
    tracks = []
    for i, angle in enumerate(np.linspace(0, 360, 8, endpoint=False) + 10):
        la, lo = destination(43.6, 34.4, angle, 25_000.0)
        tracks.append(_held(f"c{i}", float(la), float(lo), 0.0, 15, rng))
    (c,) = spoof_clusters(_states(tracks), area=False)
    assert c.pattern == "circle"
    assert distance_m(c.lat, c.lon, 43.6, 34.4) < 1000
    assert c.radius_km == pytest.approx(25.0, abs=1.0)


def test_one_aircraft_alone_is_no_place() -> None:
    rng = np.random.default_rng(3)
    assert spoof_clusters(_states([_held("solo", 50.0, 10.0, 0.0, 30, rng)])) == []


def test_flagged_aircraft_flying_on_are_no_place() -> None:
    # Two aircraft whose true positions were flagged (late ends) cross each
    # other: they never stay MIN_DWELL_S anywhere, so they make no place.
    tracks = [
        _flying("f1", 50.0, 9.5, 0.0, 3, True, bearing=90.0),
        _flying("f2", 49.7, 10.0, 0.0, 3, True, bearing=0.0),
    ]
    assert MIN_DWELL_S >= 120
    assert spoof_clusters(_states(tracks)) == []


def test_two_places_far_apart_and_apart_in_time() -> None:
    rng = np.random.default_rng(4)
    east = [_held(f"e{i}", 33.8, 35.5, 0.0, 20, rng) for i in range(3)]
    north = [_held(f"n{i}", 57.75, 22.0, 0.0, 20, rng) for i in range(3)]
    later = [_held(f"l{i}", 33.8, 35.5, 4 * 3600.0, 20, rng) for i in range(3)]
    clusters = spoof_clusters(_states(east + north + later), area=False)
    assert len(clusters) == 3
    assert [c.aircraft[0][0] for c in clusters] == ["e", "n", "l"] or [
        c.aircraft[0][0] for c in clusters
    ] == ["n", "e", "l"]


def test_empty_and_unflagged() -> None:
    assert spoof_clusters(_states([])) == []
    flown = [_flying(f"u{i}", 50.0, 10.0 + i, 0.0, 10, False) for i in range(3)]
    assert spoof_clusters(_states(flown)) == []


@pytest.fixture(scope="module")
def simulated(simulation: Simulations) -> dict[str, tuple[pa.Table, dict[str, object]]]:
    out = {}
    for name, seed in (("spoofing", 5), ("spoofing-circle", 5)):
        reports = simulation.reports(name, seed)
        out[name] = (spoof_states(reports), simulation.truth(name, seed))
    return out


# Two full scenarios simulated and read; tests/test_spoofing_cli.py checks the
# attractor on a simulated scenario in the everyday run.
@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["spoofing", "spoofing-circle"])
def test_simulated_attractor_and_area(
    simulated: dict[str, tuple[pa.Table, dict[str, object]]], scenario: str
) -> None:
    """Issue 4's target: attractor error <= 5 km. Measured over 20 seeds in
    bench/RESULTS.md; on this seed the spoofer area's centre lies within its
    own 95 % bound."""
    states, truth = simulated[scenario]
    clusters = spoof_clusters(states)
    (row,), false_clusters = cluster_scores(clusters, truth)
    assert false_clusters == 0
    assert row["found"]
    assert row["attractor_error_km"] <= 5.0
    assert row["n_aircraft"] >= 0.9 * row["spoofed"]
    assert row["area_error_km"] is not None and row["area_within_95"]
    if scenario == "spoofing-circle":
        (c,) = [c for c in clusters if c.pattern == "circle"]
        assert c.radius_km == pytest.approx(25.0, abs=2.0)


def test_no_places_on_clean_real_recordings(samples: Path) -> None:
    for rel in ("noisy/noisy_spoofing.json.gz",):
        path = samples / rel
        if not path.exists():
            pytest.skip(f"{rel} not in this traffic version")
        states = spoof_states(read_table(path))
        # One spoofed aircraft is an interval, not a place seen by several.
        assert spoof_clusters(states) == []


def test_receivers_frozen_kilometres_apart_are_no_place() -> None:
    # Aircraft captured where one airway enters the reach freeze there, each
    # at its own point some km apart: within LINK_KM, but not one place.
    rng = np.random.default_rng(5)
    tracks = []
    for i, d_km in enumerate((0.0, 12.0, 24.0)):
        la, lo = destination(43.78, 29.66, 80.0, d_km * 1000)
        tracks.append({**_held(f"z{i}", float(la), float(lo), 900.0 * i, 4, rng)})
    assert spoof_clusters(_states(tracks), area=False) == []


def test_few_aircraft_on_a_circle_are_one_circle() -> None:
    # Five aircraft evenly on a 40 km circle: neighbours are 47 km apart,
    # beyond LINK_KM, so each is a place of its own; together they are one circle.
    rng = np.random.default_rng(6)
    tracks = []
    for i, angle in enumerate((0.0, 72.0, 144.0, 216.0, 288.0)):
        la, lo = destination(43.6, 34.4, angle, 40_000.0)
        tracks.append(_held(f"r{i}", float(la), float(lo), 0.0, 15, rng))
    (c,) = spoof_clusters(_states(tracks), area=False)
    assert c.pattern == "circle" and c.n_aircraft == 5
    assert distance_m(c.lat, c.lon, 43.6, 34.4) < 1500
    assert c.radius_km == pytest.approx(40.0, abs=1.5)


def test_positions_at_a_place_are_no_anchors_flagged_or_not() -> None:
    rng = np.random.default_rng(7)
    tracks = [_held(f"a{i}", 33.82, 35.49, 0.0, 20, rng) for i in range(3)]
    # a0 is still reported at the place after its flags stop (it descends
    # to land, captured): unflagged, yet at the place.
    late = _held("a0", 33.82, 35.49, 20 * 60.0, 3, rng)
    late["spoofed"] = False
    away = _flying("a1", 34.5, 33.0, 30 * 60.0, 5, False)
    states = _states([*tracks, late, away])
    clusters = spoof_clusters(states, area=False)
    at = at_places(states, clusters)
    flags = states["spoofed"].to_numpy(zero_copy_only=False)
    t = states["time"].cast(pa.int64()).to_numpy()
    icao = states["icao24"].to_numpy(zero_copy_only=False)
    assert at[flags].all()  # every held report lies at the place
    late_rows = (icao == "a0") & ~flags
    assert at[late_rows].sum() >= 0.9 * late_rows.sum()
    assert not at[(icao == "a1") & (t >= T0 + 30 * 60 * S)].any()


def test_attractor_with_frozen_receivers_round_it_stays_a_point() -> None:
    # Six aircraft held at the attractor and three receivers frozen ~40 km
    # round it (where they were captured): a circle fits them all, but most
    # aircraft are at one point, which is the place.
    rng = np.random.default_rng(8)
    tracks = [_held(f"p{i}", 57.75, 22.0, 60.0 * i, 20, rng) for i in range(6)]
    for i, angle in enumerate((100.0, 200.0, 300.0)):
        la, lo = destination(57.75, 22.0, angle, 38_000.0)
        tracks.append(_held(f"f{i}", float(la), float(lo), 0.0, 4, rng))
    (c,) = spoof_clusters(_states(tracks), area=False)
    assert c.pattern == "point"
    assert distance_m(c.lat, c.lon, 57.75, 22.0) < 500
    assert set(c.aircraft) == {f"p{i}" for i in range(6)}


def test_circle_of_four_aircraft_has_a_tight_error() -> None:
    # Resamples with fewer than four distinct aircraft define no circle.
    rng = np.random.default_rng(9)
    tracks = []
    for i, angle in enumerate((10.0, 100.0, 190.0, 280.0)):
        la, lo = destination(43.6, 34.4, angle, 25_000.0)
        tracks.append(_held(f"q{i}", float(la), float(lo), 0.0, 15, rng))
    (c,) = spoof_clusters(_states(tracks), area=False)
    assert c.pattern == "circle"
    assert c.error_km_95 < 2.0


def test_a_release_seen_hours_later_is_no_exit() -> None:
    # Captured aircraft that land (or leave coverage) captured and are next
    # seen on another flight hours later: that position says nothing about
    # the spoofer's reach.
    rng = np.random.default_rng(10)
    tracks = []
    for i in range(4):
        tracks.append(_flying(f"x{i}", 44.5 + 0.1 * i, 33.0, -300.0, 5, False))
        tracks.append(_held(f"x{i}", 43.6, 34.4, 0.0, 20, rng))
        tracks.append(_flying(f"x{i}", 50.0, 10.0, 3 * 3600.0, 10, False))
    states = _states(tracks)
    (c,) = spoof_clusters(states, area=False)
    obs = area_observations(states, c)
    assert len(obs.entry) == 4
    assert len(obs.exit) == 0
