"""The scenario simulator: shipped scenarios, read-back, determinism, physics, ground truth."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from skywitness.errors import UsageError
from skywitness.io import expand, open_file
from skywitness.io.registry import detect
from skywitness.model.atmosphere import (
    cas_to_tas_kt,
    isa_pressure_pa,
    isa_temperature_k,
    mach_to_tas_kt,
    tas_to_cas_kt,
)
from skywitness.model.geo import bearing_deg, distance_m
from skywitness.model.runways import Runway, nearest_runway, runways_of
from skywitness.model.units import M_PER_FT
from skywitness.sim import jammer, scenario_names, simulate
from skywitness.sim.flight import RUNWAY_LENGTH_M, Wind, runway_in_use
from skywitness.sim.model import Airport
from skywitness.sim.performance import TYPES
from skywitness.sim.scenario import load

if TYPE_CHECKING:
    from conftest import Simulations

SEED = 7
#: Small sizes: every scenario simulates in a second or two. global-day runs
#: without snapshots (17,280 files a day); jamming is big enough for the
#: line-of-sight check to have aircraft at every altitude.
SIZES: dict[str, tuple[float, bool]] = {
    "jamming": (0.5, True),
    "two-jammers": (0.3, True),
    "sparse": (1.0, True),
    "clean": (0.3, True),
    "global-day": (0.02, False),
}
#: Rounding in the written files: positions 1e-6 deg (0.1 m), track 0.1 deg,
#: altitudes 25 ft, rates 64 ft/min.
TRACK_ROUNDING_DEG = 0.1
#: Receiver delays the simulator promises: a few seconds to react, tens of
#: seconds to about two minutes to recover after leaving the loss zone.
ONSET_MAX_S = 10.0
RECOVERY_S = (10.0, 150.0)
#: Rate-one turn (ICAO PANS-OPS), the most airliners turn at.
RATE_ONE_DEG_S = 3.0
ALT_ROUNDING_FT = 25.0
RATE_ROUNDING_FPM = 64.0
#: A report on the ground lies on a runway when within this distance of its
#: centreline, m: half the width of the widest runways (ICAO Annex 14 code F:
#: 60 m); positions are written to 1e-6 degree (0.1 m).
RUNWAY_HALF_WIDTH_M = 30.0
#: Ground rolls are looked for this long before take-off and after touchdown, s: a
#: roll lasts about a minute, and the legs of one aircraft are at least 10 min
#: apart (the scenario's turnaround_min is at least 10).
ROLL_MAX_S = 300


@pytest.fixture(scope="module")
def runs(simulation: Simulations) -> dict[str, Path]:
    return {
        name: simulation(name, SEED, size=size, snapshots=snapshots)
        for name, (size, snapshots) in SIZES.items()
    }


_READS: dict[Path, tuple[pa.Table, set[str], int]] = {}


def _read(folder: Path) -> tuple[pa.Table, set[str], int]:
    """:func:`_read_files`, once per folder (reading thousands of snapshots takes seconds)."""
    if folder not in _READS:
        _READS[folder] = _read_files(folder)
    return _READS[folder]


def _read_files(folder: Path) -> tuple[pa.Table, set[str], int]:
    """All reports under ``folder``, the formats detected, and how many records were skipped."""
    tables, formats, skipped = [], set(), 0
    for path in expand([folder]):
        if path.name == "truth.json":
            continue
        formats.add(detect(path).name)
        fr = open_file(path)
        batches = list(fr)
        skipped += fr.ctx.skipped
        if batches:
            tables.append(pa.Table.from_batches(batches))
    return pa.concat_tables(tables), formats, skipped


def _truth(folder: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((folder / "truth.json").read_text())
    return doc


def _column(t: pa.Table, name: str) -> np.ndarray:
    if name == "time":
        return np.asarray(t["time"].cast(pa.int64()).to_numpy())
    col = t[name]
    if pa.types.is_floating(col.type):
        return np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)
    if pa.types.is_integer(col.type):
        return np.asarray(col.fill_null(-1).to_numpy())
    return np.asarray(col.to_numpy(zero_copy_only=False))


def _by_aircraft(t: pa.Table, names: list[str]) -> dict[str, dict[str, np.ndarray]]:
    """Per aircraft, the columns sorted by time, one report per distinct time."""
    cols = {n: _column(t, n) for n in ["icao24", "time", *names]}
    out = {}
    for icao in np.unique(cols["icao24"]):
        m = cols["icao24"] == icao
        g = {n: v[m] for n, v in cols.items()}
        order = np.argsort(g["time"], kind="stable")
        g = {n: v[order] for n, v in g.items()}
        first = np.r_[True, np.diff(g["time"]) > 0]
        out[str(icao)] = {n: v[first] for n, v in g.items()}
    return out


# -- scenarios ------------------------------------------------------------------------------


def test_shipped_scenarios() -> None:
    assert scenario_names() == [
        "clean", "global-day", "incident", "jamming", "jamming-spoofing", "sparse", "spoofing",
        "spoofing-circle", "two-jammers",
    ]  # fmt: skip
    for name in scenario_names():
        sc = load(name)
        assert sc.name == name and len(sc.traffic.airports) >= 2
    assert not load("clean").emitters
    assert len(load("two-jammers").emitters) == 2


@pytest.mark.parametrize("name", list(SIZES))
def test_scenario_reads_back(runs: dict[str, Path], name: str) -> None:
    table, formats, skipped = _read(runs[name])
    _, snapshots = SIZES[name]
    assert formats == ({"readsb-trace", "readsb-aircraft"} if snapshots else {"readsb-trace"})
    assert skipped == 0
    assert table.num_rows > 1000
    truth = _truth(runs[name])
    assert {str(i) for i in np.unique(_column(table, "icao24"))} <= {
        a["icao24"] for a in truth["aircraft"]
    }
    addresses = [a["icao24"] for a in truth["aircraft"]]
    assert len(addresses) == len(set(addresses))
    times = _column(table, "time")
    assert times.min() >= truth["start_ns"] and times.max() < truth["end_ns"]


def test_snapshot_files_every_five_seconds(runs: dict[str, Path]) -> None:
    files = sorted((runs["sparse"] / "readsb-hist").rglob("*.json.gz"))
    truth = _truth(runs["sparse"])
    assert len(files) == (truth["end_ns"] - truth["start_ns"]) // (5 * 10**9)
    assert (
        files[0].relative_to(runs["sparse"]).as_posix() == "readsb-hist/2024/12/25/030000Z.json.gz"
    )


def test_trace_flags(runs: dict[str, Path]) -> None:
    """New leg once per take-off in the window; stale only after 20 s without a position."""
    truth = _truth(runs["jamming"])
    takeoffs: dict[str, int] = {}
    for f in truth["flights"]:
        if truth["start_ns"] <= f["takeoff_ns"] < truth["end_ns"]:
            takeoffs[f["icao24"]] = takeoffs.get(f["icao24"], 0) + 1
    stale_seen = 0
    for path in sorted((runs["jamming"] / "traces").glob("trace_full_*.json")):
        doc = json.loads(path.read_text())
        points = doc["trace"]
        assert [p[0] for p in points] == sorted(p[0] for p in points)
        assert sum(1 for p in points if p[6] & 2) == takeoffs.get(doc["icao"], 0)
        last_pos = -math.inf
        for p in points:
            if p[6] & 1:
                assert p[1] is not None and p[0] - last_pos > 20.0
                stale_seen += 1
            if p[1] is not None:
                last_pos = p[0]
    assert stale_seen > 0


def test_deterministic(tmp_path: Path) -> None:
    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in expand([folder])}

    a = files(_sim(tmp_path / "a", seed=3))
    b = files(_sim(tmp_path / "b", seed=3))
    c = files(_sim(tmp_path / "c", seed=4))
    assert a == b
    assert a["truth.json"] != c["truth.json"]
    assert set(a) != set(c) or any(a[k] != c[k] for k in a)


def _sim(folder: Path, seed: int) -> Path:
    simulate("sparse", folder, seed=seed, size=0.5)
    return folder


def test_refuses_to_overwrite(runs: dict[str, Path]) -> None:
    with pytest.raises(UsageError, match="already exists"):
        simulate("sparse", runs["sparse"])


def test_progress_by_stage_changes_nothing(runs: dict[str, Path], tmp_path: Path) -> None:
    """Every aircraft, then the snapshot files, counted up to their totals; same bytes."""
    calls: list[tuple[str, int, int | None]] = []
    size, snapshots = SIZES["sparse"]
    summary = simulate(
        "sparse", tmp_path / "sim", seed=SEED, size=size, snapshots=snapshots,
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )  # fmt: skip
    stages = [c[0] for c in calls]
    first_snapshot = stages.index("snapshots")
    assert set(stages[:first_snapshot]) == {"aircraft"}
    assert set(stages[first_snapshot:]) == {"snapshots"}
    aircraft = [c for c in calls if c[0] == "aircraft"]
    n = aircraft[0][2]
    assert n is not None and n >= summary["aircraft"] > 0
    assert aircraft == [("aircraft", done, n) for done in range(n + 1)]
    written = [c for c in calls if c[0] == "snapshots"]
    total = summary["snapshot_files"]
    assert written[0] == ("snapshots", 0, total) and written[-1] == ("snapshots", total, total)
    assert [c[1] for c in written] == sorted({c[1] for c in written})

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in expand([folder])}

    assert files(tmp_path / "sim") == files(runs["sparse"])


def test_no_import_cycle_in_the_simulator() -> None:
    """The simulator's modules import each other in one direction only (type-checking
    imports included): the scenario's dataclasses live in skywitness.sim.model."""
    import skywitness.sim

    package = Path(skywitness.sim.__file__).parent
    imports: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        found = imports.setdefault(path.stem, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module == "skywitness.sim":
                found.update(a.name for a in node.names)  # from skywitness.sim import jammer
            elif module is not None and module.startswith("skywitness.sim."):
                found.add(module.split(".")[2])
    assert imports["model"] == set()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in imports.get(start, set()) - seen:
            seen.add(nxt)
            if nxt == goal or reaches(nxt, goal, seen):
                return True
        return False

    cycles = sorted(m for m in imports if m != "__init__" and reaches(m, m, set()))
    assert cycles == []


# -- physics on the read-back reports ------------------------------------------------------


@pytest.mark.parametrize("name", ["jamming", "global-day"])
def test_physics(runs: dict[str, Path], name: str) -> None:
    truth = _truth(runs[name])
    types = {a["icao24"]: TYPES[a["type"]] for a in truth["aircraft"]}
    wind = truth["wind"]["speed_kt"]
    table, _, _ = _read(runs[name])
    table = table.filter(pc.equal(table["format"], "readsb-trace"))
    names = ["lat", "lon", "alt_baro_ft", "alt_geom_ft", "track_deg", "vrate_fpm", "on_ground"]
    checked = 0
    for icao, g in _by_aircraft(table, names).items():
        perf = types[icao]
        t = g["time"] / 1e9
        # Speed between consecutive positions: never above what the type flies, plus the wind.
        has = ~np.isnan(g["lat"])
        tp, lat, lon = t[has], g["lat"][has], g["lon"][has]
        dt = np.diff(tp)
        speed_kt = distance_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) / dt * 3600 / 1852
        assert (speed_kt[dt >= 1.0] <= (perf.max_tas_kt() + wind) * 1.01).all(), icao
        air = g["on_ground"] == False  # noqa: E712 (element-wise)
        # Turn rate between reports at least 1 s apart: standard rate at most.
        ta, track = t[air], g["track_deg"][air]
        step = np.abs((np.diff(track) + 180.0) % 360.0 - 180.0)
        dta = np.diff(ta)
        ok = dta >= 1.0
        assert (step[ok] <= RATE_ONE_DEG_S * dta[ok] + TRACK_ROUNDING_DEG).all(), icao
        # Vertical rates within the type's APD envelope.
        rate = g["vrate_fpm"][air]
        rate = rate[~np.isnan(rate)]
        assert rate.max(initial=0) <= perf.max_roc_fpm + RATE_ROUNDING_FPM, icao
        assert rate.min(initial=0) >= -perf.max_rod_fpm - RATE_ROUNDING_FPM, icao
        # Geometric - barometric: bounded, and smooth (no more than 2 ft/s plus rounding).
        off = (g["alt_geom_ft"] - g["alt_baro_ft"])[air]
        valid = ~np.isnan(off)
        assert (np.abs(off[valid]) <= 600 + ALT_ROUNDING_FT).all(), icao
        dto, doff = np.diff(ta[valid]), np.abs(np.diff(off[valid]))
        assert (doff <= 2 * ALT_ROUNDING_FT + 2.0 * dto).all(), icao
        checked += 1
    assert checked >= 6


# -- ground truth against the reports ----------------------------------------------------------


@pytest.mark.parametrize("name", ["jamming", "two-jammers", "sparse", "clean"])
def test_truth_matches_reports(runs: dict[str, Path], name: str) -> None:
    """Inside an affected interval: its kind; outside all: normal; in no_data: no report."""
    table, _, _ = _read(runs[name])
    cols = {n: _column(table, n) for n in ["icao24", "time", "lat", "nic", "nac_p"]}
    lost_reports = degraded_reports = normal_reports = 0
    for a in _truth(runs[name])["aircraft"]:
        m = cols["icao24"] == a["icao24"]
        t, lat, nic, nac_p = cols["time"][m], cols["lat"][m], cols["nic"][m], cols["nac_p"][m]
        state = np.zeros(len(t), dtype=int)
        for iv in a["affected"]:
            inside = (t >= iv["start_ns"]) & (t < iv["end_ns"])
            assert not state[inside].any(), "affected intervals overlap"
            state[inside] = 1 if iv["kind"] == "degraded" else 2
        for gap in a["no_data"]:
            assert not ((t >= gap["start_ns"]) & (t < gap["end_ns"])).any()
        has_nic = nic >= 0
        if not a["quality_fields"]:
            assert not has_nic.any()
        if a["source"] == "mlat":
            assert not a["affected"] and not np.isnan(lat).any()
            continue
        lost, degraded, normal = state == 2, state == 1, state == 0
        assert np.isnan(lat[lost]).all()
        assert (nic[lost & has_nic] == 0).all() and (nac_p[lost & has_nic] == 0).all()
        assert not np.isnan(lat[degraded]).any()
        assert ((nic[degraded & has_nic] >= 5) & (nic[degraded & has_nic] <= 7)).all()
        assert (nac_p[degraded & has_nic] <= 7).all()
        assert not np.isnan(lat[normal]).any()
        if a["normal"] is not None:
            assert (nic[normal & has_nic] == a["normal"]["nic"]).all()
            assert (nac_p[normal & has_nic] == a["normal"]["nac_p"]).all()
        lost_reports += int(lost.sum())
        degraded_reports += int(degraded.sum())
        normal_reports += int(normal.sum())
    assert normal_reports > 0
    if name != "clean":
        assert lost_reports > 0 and degraded_reports > 0


def test_clean_has_no_affected_intervals(runs: dict[str, Path]) -> None:
    truth = _truth(runs["clean"])
    assert not truth["emitters"]
    assert all(not a["affected"] and not a["in_zone"] for a in truth["aircraft"])


def test_intervals_follow_the_zone(runs: dict[str, Path]) -> None:
    """Each lost interval starts seconds after its aircraft enters the zone, ends tens of seconds after it leaves."""
    truth = _truth(runs["jamming"])
    pairs = 0
    for a in truth["aircraft"]:
        zones = [z for z in a["in_zone"] if z["kind"] == "lost" and not z["truncated"]]
        for iv in a["affected"]:
            if iv["kind"] != "lost" or iv["truncated"]:
                continue
            zone = [z for z in zones if z["start_ns"] <= iv["start_ns"] < z["end_ns"]]
            if not zone:
                continue
            onset = (iv["start_ns"] - zone[0]["start_ns"]) / 1e9
            assert 0 < onset <= ONSET_MAX_S
            # The next interval (degraded) may take over at the end: the loss ends, not the effect.
            lag = (iv["end_ns"] - zone[0]["end_ns"]) / 1e9
            assert RECOVERY_S[0] <= lag <= RECOVERY_S[1]
            pairs += 1
    assert pairs > 0


def test_line_of_sight(runs: dict[str, Path]) -> None:
    """In jamming, the farthest loss grows with altitude, and none is beyond the radio horizon."""
    truth = _truth(runs["jamming"])
    emitter = truth["emitters"][0]
    points = np.array(
        [
            (p["alt_geom_ft"], p["distance_km"])
            for a in truth["aircraft"]
            for z in a["in_zone"]
            if z["kind"] == "lost"
            for p in (z["entry"], z["exit"])
        ]
    )
    alt, dist = points[:, 0], points[:, 1]
    horizon = jammer.radio_horizon_km(np.maximum(alt, 0) * M_PER_FT, emitter["height_m"])
    assert (dist <= np.minimum(horizon, emitter["range_km"]) + 1.0).all()
    low, high = alt < 10_000, alt > 25_000
    assert low.any() and high.any()
    assert dist[low].max() < dist[high].max()
    assert dist[high].max() > 0.9 * emitter["range_km"]


def test_nuisances_present(runs: dict[str, Path]) -> None:
    truth = _truth(runs["jamming"])
    sources = {a["source"] for a in truth["aircraft"]}
    assert sources == {"adsb", "mlat"}
    assert any(a["adsb_version"] == 0 for a in truth["aircraft"])
    faulty = [a for a in truth["aircraft"] if a["faulty_nac_p"]]
    assert faulty and all(a["normal"]["nac_p"] <= 2 for a in faulty)
    assert any(a["no_data"] for a in truth["aircraft"])
    table, _, _ = _read(runs["jamming"])
    icao, nac_p, lat = (_column(table, n) for n in ("icao24", "nac_p", "lat"))
    stuck = np.isin(icao, [a["icao24"] for a in faulty])
    assert ((nac_p[stuck] <= 2) & ~np.isnan(lat[stuck])).any()


# -- runways ----------------------------------------------------------------------------------


def _on_axis(end: Runway, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance past ``end``'s threshold along its landing direction, and off its centreline, m."""
    d = distance_m(end.lat, end.lon, lat, lon)
    a = np.radians(bearing_deg(end.lat, end.lon, lat, lon) - end.heading_deg)
    return d * np.cos(a), d * np.sin(a)


@pytest.mark.parametrize("name", ["jamming", "global-day"])
def test_take_offs_and_landings_on_real_runways(runs: dict[str, Path], name: str) -> None:
    """Every ground roll (take-off and landing) of the background flights, read back from
    the records, runs along a real runway of the airport, between its thresholds."""
    truth = _truth(runs[name])
    table, _, _ = _read(runs[name])
    table = table.filter(pc.equal(table["format"], "readsb-trace"))
    tracks = _by_aircraft(table, ["lat", "lon", "track_deg", "on_ground"])
    rolls, airports = 0, set()
    for f in truth["flights"]:
        g = tracks.get(f["icao24"])
        if g is None:
            continue
        ground = (g["on_ground"] == True) & ~np.isnan(g["lat"])  # noqa: E712 (element-wise)
        t = g["time"]
        roll = ROLL_MAX_S * 1_000_000_000
        for airport, when in (
            (f["origin"], (t <= f["takeoff_ns"]) & (t > f["takeoff_ns"] - roll)),
            (f["destination"], (t >= f["landing_ns"]) & (t < f["landing_ns"] + roll)),
        ):
            m = ground & when
            if m.sum() < 3 or not runways_of(airport):
                continue
            lat, lon, track = g["lat"][m], g["lon"][m], g["track_deg"][m]
            end = nearest_runway(airport, float(lat[0]), float(lon[0]), float(track[0]))
            assert end is not None, (f["icao24"], airport)
            along, cross = _on_axis(end, lat, lon)
            assert np.abs(cross).max() <= RUNWAY_HALF_WIDTH_M, (f["icao24"], airport, end.ident)
            length_m = (end.length_ft or 0.0) * M_PER_FT
            assert along.min() >= -1.0 and along.max() <= length_m, (f["icao24"], end.ident)
            hdg = np.abs((track - end.heading_deg + 180.0) % 360.0 - 180.0)
            assert hdg.max() <= 1.0 + TRACK_ROUNDING_DEG, (f["icao24"], end.ident)
            rolls += 1
            airports.add(airport)
    assert rolls >= 6 and len(airports) >= 3


def test_runway_in_use() -> None:
    heathrow = Airport("EGLL", 51.4706, -0.461941, 83.0)
    # Westerly wind: the 27s, the longer of the two (27R, 3,902 m); easterly: the 09s (09L).
    assert runway_in_use(heathrow, Wind(260.0, 15.0)).ident == "27R"
    assert runway_in_use(heathrow, Wind(100.0, 15.0)).ident == "09L"
    assert runway_in_use(heathrow, Wind(0.0, 0.0)).ident == "09L"  # calm: longest, lower ident
    used = runway_in_use(heathrow, Wind(260.0, 15.0))
    end = next(r for r in runways_of("EGLL") if r.ident == "27R")
    assert (used.lat, used.lon, used.heading_deg, used.elevation_ft) == (
        end.lat, end.lon, end.heading_deg, end.elevation_ft
    )  # fmt: skip
    # Malmo: runway 29 points into a wind from 300 but is 800 m long; an E190 takes the 35.
    malmo = Airport("ESMS", 55.5363, 13.3762, 236.0)
    assert runway_in_use(malmo, Wind(300.0, 25.0)).ident == "29"
    assert runway_in_use(malmo, Wind(300.0, 25.0), TYPES["E190"]).ident == "35"
    # No runway data (a made-up code, or a real code placed elsewhere): the synthetic
    # runway, facing the wind, its threshold half a runway before the reference point.
    for fake in (Airport("ZZZZ", 10.0, 10.0, 50.0), Airport("EGLL", 10.0, 10.0, 50.0)):
        rw = runway_in_use(fake, Wind(260.0, 15.0))
        assert rw.ident is None and rw.heading_deg % 10.0 == 0.0
        assert abs((rw.heading_deg - 260.0 + 180.0) % 360.0 - 180.0) <= 90.0
        assert float(distance_m(10.0, 10.0, rw.lat, rw.lon)) == pytest.approx(
            RUNWAY_LENGTH_M / 2, rel=1e-3
        )
        assert rw.elevation_ft == 50.0


# -- models ---------------------------------------------------------------------------------------


def test_isa_and_airspeeds() -> None:
    assert float(isa_temperature_k(0)) == pytest.approx(288.15)
    assert float(isa_temperature_k(36_089)) == pytest.approx(216.65, abs=0.01)
    assert float(isa_pressure_pa(0)) == pytest.approx(101_325)
    assert float(isa_pressure_pa(36_089)) == pytest.approx(22_632, rel=1e-3)
    assert float(cas_to_tas_kt(250, 0)) == pytest.approx(250, abs=0.01)
    # Known values: 250 KCAS at FL100 is about 288 KTAS; Mach 0.78 at FL350 about 450 KTAS.
    assert float(cas_to_tas_kt(250, 10_000)) == pytest.approx(288, abs=2)
    assert float(mach_to_tas_kt(0.78, 35_000)) == pytest.approx(450, abs=2)
    assert float(tas_to_cas_kt(cas_to_tas_kt(290, 30_000), 30_000)) == pytest.approx(290)


def test_emitter_range_and_horizon() -> None:
    assert jammer.effective_range_km(4.0) == pytest.approx(2 * jammer.effective_range_km(1.0))
    assert float(jammer.radio_horizon_km(10_000.0, 0.0)) == pytest.approx(412.0)
    assert float(jammer.radio_horizon_km(100.0, 100.0)) == pytest.approx(82.4)
    assert jammer.fringe_width_km(100.0, 20 * math.log10(2)) == pytest.approx(100.0)


def test_broadcast_levels_delays() -> None:
    geo = np.zeros(600, np.int8)
    geo[100:300] = jammer.LOST
    rng = np.random.default_rng(0)
    level = jammer.broadcast_levels(geo, (3.0, 60.0, 5.0), rng)
    lost = np.flatnonzero(level == jammer.LOST)
    assert 100 < lost[0] <= 100 + 3 * 1.2 + 1
    assert 300 + 60 * 0.8 - 1 <= lost[-1] + 1 <= 300 + 60 * 1.2 + 1
    assert not (level == jammer.FRINGE).any()  # one event, no blip through the fringe
    brief = np.zeros(50, np.int8)
    brief[10:11] = jammer.LOST
    assert not jammer.broadcast_levels(brief, (3.0, 60.0, 5.0), rng).any()


# -- bad scenario files ------------------------------------------------------------------------------

GOOD = """
[scenario]
name = "tiny"
start = 2024-01-01T00:00:00Z
duration_min = 10

[traffic]
aircraft = 2
airports = ["EETN", "EVRA"]
types = { A320 = 1.0 }

[[emitters]]
id = "e"
lat = 58.0
lon = 24.0
height_m = 30
range_km = 100
active = [{ from = 2024-01-01T00:00:00Z, to = 2024-01-01T00:10:00Z }]
"""


def test_custom_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(GOOD)
    summary = simulate(path, tmp_path / "out", size=1.0)
    assert summary["scenario"] == "tiny" and summary["snapshot_files"] == 120


@pytest.mark.parametrize(
    ("edit", "key", "reason"),
    [
        (("duration_min = 10\n", ""), "scenario.duration_min", "missing"),
        (('"EVRA"]', '"EVRA", "XXXX"]'), "traffic.airports[2]", "unknown airport 'XXXX'"),
        (("aircraft = 2", 'aircraft = "two"'), "traffic.aircraft", "expected an integer"),
        (("A320 = 1.0", "A999 = 1.0"), "traffic.types.A999", "unknown aircraft type"),
        (("height_m = 30", "height_m = 30\npower_w = 5"), "emitters[0]", "exactly one of"),
        (("lat = 58.0", "lat = 98.0"), "emitters[0].lat", "outside"),
        (("aircraft = 2", "aircraft = 2\naircarft = 3"), "traffic.aircarft", "unknown key"),
        (("2024-01-01T00:00:00Z\nduration", '"yesterday"\nduration'), "scenario.start", "ISO-8601"),
        (("[scenario]", "[scenario"), "", "not valid TOML"),
    ],
)
def test_bad_scenario_files(tmp_path: Path, edit: tuple[str, str], key: str, reason: str) -> None:
    old, new = edit
    assert old in GOOD
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(UsageError) as err:
        load(path)
    message = str(err.value)
    assert str(path) in message and key in message and reason in message


def test_unknown_scenario_name() -> None:
    with pytest.raises(UsageError, match="unknown scenario 'nope'"):
        load("nope")
