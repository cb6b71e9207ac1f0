"""World models of the simulator (skywitness.sim.world): base unchanged, each model
runs and records itself, zones follow the pattern and the terrain, stale traces,
receiver brands, heavy-tailed delays, mixed draws, and bad names."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from skywitness.cli import main
from skywitness.errors import UsageError
from skywitness.model.geo import bearing_deg, destination
from skywitness.sim import jammer, simulate, spoofer
from skywitness.sim.fleet import draw_fleet
from skywitness.sim.flight import Wind
from skywitness.sim.model import Emitter, Geometry, Spoofer
from skywitness.sim.scenario import load
from skywitness.sim.traces import TRACE_FLAG_STALE
from skywitness.sim.world import (
    DEVELOPMENT,
    HELD_OUT,
    WORLDS,
    draw_world,
    resolve_world,
)

#: One emitter in the middle of regional traffic: many aircraft cross its zone
#: in a short run (the shipped scenarios affect few aircraft at small sizes).
RING = """
[scenario]
name = "ring"
description = "one emitter in the middle of regional traffic"
start = 2024-03-02T06:00:00Z
duration_min = 60

[traffic]
aircraft = 40
airports = ["EPWA", "EPMO", "EPLL", "EPPO", "EPKT", "EPKK", "EPGD", "EPBY", "EPWR", "EPSC",
            "EPRZ", "EPLB", "EYVI", "EYKA", "EDDB", "LKPR"]
types = { A320 = 0.5, B738 = 0.5 }
airlines = ["LOT"]
min_route_km = 150
max_route_km = 900
first_departure_min = [-90, 30]
turnaround_min = [40, 60]

[[emitters]]
id = "centre"
lat = 52.3
lon = 19.3
height_m = 40
range_km = 180
fringe_db = 2
active = [{ from = 2024-03-02T06:00:00Z, to = 2024-03-02T07:00:00Z }]
"""
CENTRE = (52.3, 19.3)
RANGE_KM = 180.0
#: Aircraft move about 0.25 km in the 1 s between samples.
SAMPLE_KM = 1.0


@pytest.fixture(scope="module")
def ring(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ring") / "ring.toml"
    path.write_text(RING, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, ring: Path) -> Any:
    """``run(world, seed=0, snapshots=False)``: the ring scenario at size 0.5, made once."""
    cache: dict[tuple[str, int, bool], Path] = {}

    def run(world: str, seed: int = 0, snapshots: bool = False) -> Path:
        key = (world, seed, snapshots)
        if key not in cache:
            out = tmp_path_factory.mktemp(f"{world}-{seed}") / "out"
            simulate(ring, out, seed=seed, size=0.5, snapshots=snapshots, world=world)
            cache[key] = out
        return cache[key]

    return run


def truth(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    return doc


def files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def geometry(record: dict[str, Any]) -> Geometry:
    """A geometry from its ``truth.json`` record."""
    return Geometry(
        record["height_m"], record["boresight_deg"], record["front_to_back_db"],
        record["exponent"], record["fringe_db"], record["fringe_share"],
        tuple((m["from_deg"], m["width_deg"]) for m in record["masked_sectors"]),
        record["mask_elevation_deg"],
    )  # fmt: skip


@pytest.mark.slow
def test_base_world_writes_what_the_default_writes(tmp_path: Path, ring: Path) -> None:
    a, b = tmp_path / "default", tmp_path / "base"
    simulate(ring, a, seed=1, size=0.2)
    summary = simulate(ring, b, seed=1, size=0.2, world="base")
    assert summary["world"] == "base"
    assert files(a) == files(b)
    assert "world" not in truth(b)  # base: the truth as before world models


def test_models_are_split_into_development_and_held_out() -> None:
    assert set(DEVELOPMENT) | set(HELD_OUT) == set(WORLDS)
    assert not set(DEVELOPMENT) & set(HELD_OUT)


@pytest.mark.slow
@pytest.mark.parametrize("name", [w for w in WORLDS if w != "base"])
def test_each_model_runs_and_its_truth_records_it(runs: Any, name: str) -> None:
    t = truth(runs(name))
    assert t["world"]["name"] == name
    assert "world" in t["definitions"]
    assert all("brand" in a["receiver"] for a in t["aircraft"])
    assert t["emitters"][0]["lat"] == CENTRE[0]  # the emitter keeps its true position


def test_directional_zone_follows_the_pattern() -> None:
    em = Emitter("e", 52.0, 20.0, 40.0, 200.0, jammer.fringe_width_km(200.0), None, ((0, 10),))
    g = Geometry(40.0, 30.0, 12.0, 2.0, 2.0, None)
    az = np.repeat(np.arange(0.0, 360.0, 15.0), 400)
    dist_km = np.tile(np.arange(1.0, 401.0), 24)
    lat, lon = destination(em.lat, em.lon, az, dist_km * 1000.0)
    t = np.zeros(len(az), dtype=np.int64)
    level, _ = jammer.zone(em, t, lat, lon, np.full(len(az), 10_000.0), g)
    reach = [dist_km[(az == a) & (level == jammer.LOST)].max() for a in np.unique(az)]
    assert reach[2] == pytest.approx(200.0, abs=1.0)  # boresight (30 deg)
    assert reach[14] == pytest.approx(200.0 * 10 ** (-12.0 / 20.0), abs=1.0)  # the back
    # A spoofer with the same geometry reaches as far.
    sp = Spoofer("s", em.lat, em.lon, 40.0, 200.0, None, ((0, 10),), "attractor", 52.0, 20.0,
                 0.0, 0.0, 1.0, 0.5, 0.3, (1, 2), (1, 2), (1, 2))  # fmt: skip
    inside, _, _ = spoofer.zone(sp, t, lat, lon, np.full(len(az), 10_000.0), g)
    assert np.array_equal(inside, level == jammer.LOST)


def test_terrain_mask_blocks_low_aircraft_in_its_sector() -> None:
    em = Emitter("e", 52.0, 20.0, 10.0, 200.0, 10.0, None, ((0, 10),))
    g = Geometry(10.0, 0.0, 0.0, 2.0, 2.0, None, ((80.0, 20.0),), 1.0)
    lat, lon = destination(em.lat, em.lon, np.array([90.0, 180.0, 90.0]), np.full(3, 100e3))
    h = np.array([1000.0, 1000.0, 3000.0])  # 0.23 deg, 0.23 deg (unmasked), 1.4 deg
    level, _ = jammer.zone(em, np.zeros(3, dtype=np.int64), lat, lon, h, g)
    assert level.tolist() == [jammer.NONE, jammer.LOST, jammer.LOST]


@pytest.mark.slow
def test_simulated_directional_zone_is_not_a_circle(runs: Any) -> None:
    t = truth(runs("directional"))
    g = geometry(t["world"]["geometry"][0])
    assert g.front_to_back_db > 0
    crossings = []
    for a in t["aircraft"]:
        for z in a["in_zone"]:
            for p in (z["entry"], z["exit"]):
                az = float(bearing_deg(*CENTRE, p["lat"], p["lon"]))
                expected = float(jammer.directional_range_km(RANGE_KM, np.array([az]), g)[0])
                if z["kind"] == "lost":
                    assert p["distance_km"] <= expected + SAMPLE_KM
                    if abs(p["distance_km"] - expected) < SAMPLE_KM:
                        crossings.append(expected)
    # Aircraft crossed the loss edge where the pattern puts it, at ranges that differ
    # by direction: some well inside the scenario's circle.
    assert len(crossings) >= 4
    assert min(crossings) < 0.8 * RANGE_KM


@pytest.mark.slow
def test_simulated_terrain_mask_holds(runs: Any) -> None:
    t = truth(runs("terrain"))
    g = geometry(t["world"]["geometry"][0])
    assert g.masked and 2.0 <= g.height_m <= 30.0
    for a in t["aircraft"]:
        for z in a["in_zone"]:
            for p in (z["entry"], z["exit"]):
                az = float(bearing_deg(*CENTRE, p["lat"], p["lon"]))
                if any((az - s) % 360.0 < w for s, w in g.masked):
                    h = p["alt_geom_ft"] * 0.3048
                    elev = jammer.elevation_deg(np.array([p["distance_km"]]), np.array([h]),
                                                g.height_m)  # fmt: skip
                    assert float(elev[0]) >= g.mask_elevation_deg - 0.05


@pytest.mark.slow
def test_stale_traces_repeat_the_last_position_while_lost(runs: Any) -> None:
    out = runs("stale-traces", snapshots=True)
    t = truth(out)
    repeated = 0
    for a in t["aircraft"]:
        lost = [(iv["start_ns"] / 1e9, iv["end_ns"] / 1e9) for iv in a["affected"]
                if iv["kind"] == "lost"]  # fmt: skip
        if not lost or not a["trace"]:
            continue
        doc = json.loads((out / "traces" / f"trace_full_{a['icao24']}.json").read_text())
        for s, e in lost:
            inside = [p for p in doc["trace"] if s <= doc["timestamp"] + p[0] < e]
            for p in inside:
                assert p[1] is not None and p[6] & TRACE_FLAG_STALE
            if inside:
                assert len({(p[1], p[2]) for p in inside}) == 1  # the same position repeated
                repeated += len(inside)
    assert repeated > 0
    # Snapshots: the last position kept as lat/lon while lost, seen_pos growing.
    held = 0
    for path in (out / "readsb-hist").rglob("*.json.gz"):
        for ac in json.loads(gzip.decompress(path.read_bytes()))["aircraft"]:
            if "lat" in ac and ac.get("nac_p") == 0 and "alt_geom" not in ac:
                assert ac["seen_pos"] >= ac["seen"]
                held += 1
    assert held > 0


@pytest.mark.slow
def test_brands_report_a_lost_fix_three_ways(runs: Any) -> None:
    out = runs("brands")
    t = truth(out)
    seen: dict[str, set[tuple[int, int]]] = {}
    for a in t["aircraft"]:
        lost = [(iv["start_ns"] / 1e9, iv["end_ns"] / 1e9) for iv in a["affected"]
                if iv["kind"] == "lost"]  # fmt: skip
        if not lost or not a["quality_fields"] or not a["trace"]:
            continue
        q = a["receiver"]["lost_quality"]
        doc = json.loads((out / "traces" / f"trace_full_{a['icao24']}.json").read_text())
        for p in doc["trace"]:
            tp = doc["timestamp"] + p[0]
            if p[8] is not None and any(s <= tp < e for s, e in lost):
                assert (p[8]["nic"], p[8]["nac_p"], p[8]["nac_v"]) == (q["nic"], q["nac_p"], 0)
                seen.setdefault(a["receiver"]["brand"], set()).add((p[8]["nic"], p[8]["nac_p"]))
    assert set(seen) == {"all-zero", "nacp-low", "nic-kept"}
    assert seen["all-zero"] == {(0, 0)}
    assert all(nic == 0 and 1 <= nac_p <= 3 for nic, nac_p in seen["nacp-low"])
    assert all(nic > 0 and nac_p == 0 for nic, nac_p in seen["nic-kept"])


@pytest.mark.slow
def test_heavy_tailed_recovery_is_longer_than_base(runs: Any, ring: Path) -> None:
    sc = load(ring)
    rng = np.random.default_rng(0)
    ac = draw_fleet(sc, 0.1, rng)[0]
    slow = draw_world(WORLDS["slow-receivers"], sc, rng, Wind(0.0, 0.0))
    recovery = np.array([slow.receiver(ac, rng).delays[1] for _ in range(2000)])
    assert np.median(recovery) == pytest.approx(60.0, rel=0.1)
    assert np.quantile(recovery, 0.99) == pytest.approx(600.0, rel=0.3)
    assert np.mean(recovery > jammer.LOST_RECOVERY_S[1]) > 0.15  # base never waits that long

    def lags(world: str) -> tuple[float, list[tuple[float, float]]]:
        """Longest drawn recovery; (seconds from leaving the loss zone to the first
        report with a fix again, the aircraft's drawn recovery) per exit."""
        out, t = [], truth(runs(world))
        for a in t["aircraft"]:
            exits = [datetime.fromisoformat(z["exit"]["time"]).timestamp() + 1
                     for z in a["in_zone"] if z["kind"] == "lost"]  # fmt: skip
            for iv in a["affected"]:
                end = iv["end_ns"] / 1e9
                before = [x for x in exits if x <= end]
                if iv["kind"] == "lost" and not iv["truncated"] and before:
                    out.append((end - max(before), a["receiver"]["lost_recovery_s"]))
        return max(a["receiver"]["lost_recovery_s"] for a in t["aircraft"]), out

    (base_max, base), (slow_max, slow_lags) = lags("base"), lags("slow-receivers")
    assert base_max <= jammer.LOST_RECOVERY_S[1] < slow_max
    # The truth follows each receiver's own delay (within the per-episode jitter).
    for lag, rec in base + slow_lags:
        assert lag <= rec * (1 + jammer.EPISODE_JITTER) + 1


@pytest.mark.slow
def test_mixed_draws_differ_across_seeds_and_repeat_for_one(runs: Any, ring: Path) -> None:
    sc = load(ring)
    wind = Wind(0.0, 0.0)

    def draw(seed: int) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        return draw_world(resolve_world("mixed", rng), sc, rng, wind).record(sc)

    assert draw(3) == draw(3)
    assert len({json.dumps(draw(s), sort_keys=True) for s in range(6)}) > 1
    assert truth(runs("mixed"))["world"] == truth(runs("mixed"))["world"]


@pytest.mark.slow
def test_mixed_run_is_reproducible(tmp_path: Path, ring: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        simulate(ring, out, seed=4, size=0.2, snapshots=False, world="mixed")
    assert files(a) == files(b)


@pytest.mark.slow
def test_scenario_names_a_world_and_the_argument_wins(tmp_path: Path) -> None:
    path = tmp_path / "ring-steep.toml"
    path.write_text(RING + '\n[world]\nname = "steep"\n', encoding="utf-8")
    assert load(path).world == "steep"
    s = simulate(path, tmp_path / "a", size=0.1, snapshots=False)
    assert s["world"] == "steep" and truth(tmp_path / "a")["world"]["name"] == "steep"
    s = simulate(path, tmp_path / "b", size=0.1, snapshots=False, world="brands")
    assert s["world"] == "brands"


def test_bad_world_names_say_the_choices(tmp_path: Path, ring: Path) -> None:
    with pytest.raises(UsageError, match="choices: base, steep"):
        simulate(ring, tmp_path / "x", size=0.1, world="flat-earth")
    assert not (tmp_path / "x").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text(RING + '\n[world]\nname = "flat-earth"\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"world\.name.*choices: base"):
        load(bad)
    code = main(["simulate", str(ring), "--out", str(tmp_path / "y"), "--world", "flat-earth"])
    assert code == 2


@pytest.mark.slow
def test_cli_runs_a_world(tmp_path: Path, ring: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    code = main(["simulate", str(ring), "--out", str(out), "--size", "0.1", "--no-snapshots",
                 "--world", "terrain", "--json"])  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["world"] == "terrain"
    assert truth(out)["world"]["name"] == "terrain"
