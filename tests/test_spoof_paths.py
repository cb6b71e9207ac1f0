"""Estimated true paths of spoofed aircraft: air data, interpolation, extrapolation."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.errors import UsageError
from skywitness.gnss.spoofing.detectors import spoof_intervals, spoof_states
from skywitness.gnss.spoofing.intervals import SpoofInterval
from skywitness.gnss.spoofing.paths import (
    AIR_DATA,
    EXTRAPOLATED,
    INTERPOLATED,
    EstimatedPath,
    estimate_true_paths,
    interpolate_great_circle,
    path_feature,
    true_airspeed_kt,
)
from skywitness.model.atmosphere import cas_to_tas_kt, mach_to_tas_kt
from skywitness.model.geo import destination, distance_m
from skywitness.model.units import MPS_PER_KT, NS_PER_S
from skywitness.sim.score_paths import path_errors

if TYPE_CHECKING:
    from conftest import Simulations

T0 = 1_716_200_000  # 2024-05-20T10:13:20Z
#: Report spacing of the synthetic flights, s (readsb-hist snapshots).
EVERY_S = 5
#: The synthetic spoofed stretch, s after the start, and where spoofed positions sit.
SPOOF_FROM_S, SPOOF_TO_S = 600, 1800
FALSE_LAT, FALSE_LON = 33.82, 35.49

TYPES: dict[str, pa.DataType] = {
    "time": pa.timestamp("ns", tz="UTC"),
    "icao24": pa.string(),
    "callsign": pa.string(),
    "lat": pa.float64(),
    "lon": pa.float64(),
    "alt_baro_ft": pa.float32(),
    "gs_kt": pa.float32(),
    "track_deg": pa.float32(),
    "tas_kt": pa.float32(),
    "heading_deg": pa.float32(),
    "on_ground": pa.bool_(),
    "source": pa.string(),
    "record_id": pa.int64(),
}


def fly(
    seconds: int,
    heading_deg: np.ndarray[Any, Any],
    *,
    tas_kt: float = 450.0,
    wind_from_deg: float = 270.0,
    wind_kt: float = 40.0,
    lat0: float = 34.5,
    lon0: float = 32.0,
) -> dict[str, np.ndarray[Any, Any]]:
    """A flight integrated every second: air vector along heading plus the wind."""
    h = np.radians(heading_deg)
    to = math.radians(wind_from_deg + 180.0)
    ge = tas_kt * np.sin(h) + wind_kt * math.sin(to)
    gn = tas_kt * np.cos(h) + wind_kt * math.cos(to)
    gs, track = np.hypot(ge, gn), np.degrees(np.arctan2(ge, gn)) % 360.0
    lat, lon = np.empty(seconds + 1), np.empty(seconds + 1)
    lat[0], lon[0] = lat0, lon0
    for i in range(seconds):
        # the mean of the ground velocity over the second
        e, n = (ge[i] + ge[i + 1]) / 2, (gn[i] + gn[i + 1]) / 2
        la, lo = destination(
            lat[i], lon[i], math.degrees(math.atan2(e, n)), math.hypot(e, n) * MPS_PER_KT
        )
        lat[i + 1], lon[i + 1] = float(la), float(lo)
    return {
        "t": np.arange(seconds + 1),
        "lat": lat,
        "lon": lon,
        "gs": gs,
        "track": track,
        "heading": np.asarray(heading_deg, np.float64) % 360.0,
        "tas": np.full(seconds + 1, tas_kt),
    }


def turning(seconds: int = 2400) -> dict[str, np.ndarray[Any, Any]]:
    """East, then a 120 degree turn to the left at 1 deg/s inside the spoofed stretch, then a
    right turn back by 60 degrees."""
    t = np.arange(seconds + 1, dtype=np.float64)
    heading = 90.0 - np.clip(t - 900, 0, 120) + np.clip(t - 1300, 0, 60)
    return fly(seconds, heading)


def reports(
    fl: dict[str, np.ndarray[Any, Any]],
    *,
    icao24: str = "4ca123",
    air_data: bool = True,
    spoofed: tuple[int, int] | None = (SPOOF_FROM_S, SPOOF_TO_S),
    until_s: int | None = None,
    mlat_every_s: int | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Reports every EVERY_S seconds and their states: inside ``spoofed`` the position,
    ground speed and track are false and the states flag them. MLAT reports (true
    positions) every ``mlat_every_s`` inside it."""
    idx = np.arange(0, fl["t"].shape[0] if until_s is None else until_s + 1, EVERY_S)
    lat, lon = fl["lat"][idx].copy(), fl["lon"][idx].copy()
    gs, track = fl["gs"][idx].copy(), fl["track"][idx].copy()
    bad = np.zeros(idx.shape[0], dtype=bool)
    if spoofed is not None:
        bad = (idx >= spoofed[0]) & (idx < spoofed[1])
    lat[bad], lon[bad], gs[bad], track[bad] = FALSE_LAT, FALSE_LON, 8.0, 45.0
    n = idx.shape[0]
    cols: dict[str, Any] = {
        "time": (T0 + idx) * NS_PER_S,
        "icao24": [icao24] * n,
        "callsign": ["TST123"] * n,
        "lat": lat,
        "lon": lon,
        "alt_baro_ft": np.full(n, 36000.0),
        "gs_kt": gs,
        "track_deg": track,
        "tas_kt": fl["tas"][idx] if air_data else [None] * n,
        "heading_deg": fl["heading"][idx] if air_data else [None] * n,
        "on_ground": [False] * n,
        "source": ["adsb"] * n,
        "record_id": np.arange(n),
    }
    flags = bad
    if mlat_every_s is not None and spoofed is not None:
        m = np.arange(spoofed[0] + 2, spoofed[1], mlat_every_s)
        k = m.shape[0]
        extra = {
            "time": (T0 + m) * NS_PER_S,
            "icao24": [icao24] * k,
            "callsign": ["TST123"] * k,
            "lat": fl["lat"][m],
            "lon": fl["lon"][m],
            "alt_baro_ft": np.full(k, 36000.0),
            "gs_kt": fl["gs"][m],
            "track_deg": fl["track"][m],
            "tas_kt": [None] * k,
            "heading_deg": [None] * k,
            "on_ground": [False] * k,
            "source": ["mlat"] * k,
            "record_id": np.arange(n, n + k),
        }
        cols = {
            c: np.concatenate([np.asarray(cols[c], object), np.asarray(extra[c], object)])
            for c in cols
        }
        flags = np.r_[bad, np.ones(k, dtype=bool)]  # inside a flagged stretch, as the states say
    times = np.asarray(cols["time"], np.int64)
    order = np.argsort(times, kind="stable")
    cols["time"] = pa.array(times).cast(TYPES["time"])
    table = pa.table(
        {c: v if c == "time" else pa.array(list(v), TYPES[c]) for c, v in cols.items()}
    )
    table = table.sort_by([("time", "ascending")])
    states = pa.table(
        {
            "icao24": table["icao24"],
            "callsign": table["callsign"],
            "time": table["time"],
            "spoofed": pa.array(flags[order]),
            "record_id": table["record_id"],
        }
    )
    return table, states


def truth_at(fl: dict[str, np.ndarray[Any, Any]], path: EstimatedPath) -> np.ndarray[Any, Any]:
    """Distance from the path's points to the truth at the same times, km."""
    s = (path.time_ns // NS_PER_S - T0).astype(np.int64)
    return distance_m(path.lat, path.lon, fl["lat"][s], fl["lon"][s]) / 1000.0


def great_circle_error_km(
    fl: dict[str, np.ndarray[Any, Any]], path: EstimatedPath
) -> np.ndarray[Any, Any]:
    """The same distances for the great circle between the path's anchors."""
    a = path.anchor
    lat, lon = interpolate_great_circle(path.time_ns[a], path.lat[a], path.lon[a], path.time_ns)
    s = (path.time_ns // NS_PER_S - T0).astype(np.int64)
    return distance_m(lat, lon, fl["lat"][s], fl["lon"][s]) / 1000.0


def one(table: pa.Table, states: pa.Table) -> EstimatedPath:
    paths = estimate_true_paths(table, states)
    assert len(paths) == 1
    return paths[0]


# -- synthetic flights -------------------------------------------------------------------


def test_air_data_follows_a_turning_aircraft_in_wind() -> None:
    fl = turning()
    path = one(*reports(fl))
    assert path.method == AIR_DATA
    # From the last true position before the interval to the first after it.
    assert path.time_ns[0] == (T0 + SPOOF_FROM_S - EVERY_S) * NS_PER_S
    assert path.time_ns[-1] == (T0 + SPOOF_TO_S) * NS_PER_S
    assert path.anchor[0] and path.anchor[-1] and path.anchor.sum() == 2
    assert np.all(np.diff(path.time_ns) <= 10 * NS_PER_S)
    err = truth_at(fl, path)
    baseline = great_circle_error_km(fl, path)
    # Constant wind, true heading: the integration is exact up to the 5 s air data
    # sampling through the turns (measured: max 0.05 km); the straight line is off by
    # tens of km at the turn (measured: max 40 km).
    assert err.max() < 0.3
    assert baseline.max() > 20.0
    assert np.all(err <= path.error_km)
    assert path.error_km[0] == pytest.approx(0.1) and path.error_km.max() > 5.0
    assert np.all(path.alt_baro_ft == 36000.0)


def test_without_air_data_the_path_is_the_great_circle() -> None:
    fl = turning()
    path = one(*reports(fl, air_data=False))
    assert path.method == INTERPOLATED
    assert great_circle_error_km(fl, path) == pytest.approx(truth_at(fl, path), abs=1e-6)
    assert np.all(truth_at(fl, path) <= path.error_km)


def test_one_anchor_extrapolates_with_the_wind_measured_before() -> None:
    fl = fly(2400, np.full(2401, 60.0))  # straight, crosswind
    table, states = reports(fl, until_s=1500)  # spoofed until it leaves coverage
    path = one(table, states)
    assert path.method == EXTRAPOLATED
    assert path.anchor.sum() == 1
    assert path.time_ns[-1] == path.end_ns
    err = truth_at(fl, path)
    assert err.max() < 0.5
    assert np.all(err <= path.error_km)
    # Without air data the last trusted ground velocity carries it on, with a wider bound.
    held = one(*reports(fl, until_s=1500, air_data=False))
    assert held.method == EXTRAPOLATED
    assert truth_at(fl, held).max() < 0.5
    assert held.error_km[-1] > path.error_km[-1]


def test_extrapolates_backwards_when_spoofed_from_the_first_report() -> None:
    fl = fly(2400, np.full(2401, 200.0))
    path = one(*reports(fl, spoofed=(0, 900)))
    assert path.method == EXTRAPOLATED
    assert path.time_ns[0] == path.start_ns == T0 * NS_PER_S
    assert truth_at(fl, path).max() < 0.5


def test_mlat_positions_inside_the_interval_are_anchors() -> None:
    fl = turning()
    path = one(*reports(fl, air_data=False, mlat_every_s=60))
    mlat = (T0 + np.arange(SPOOF_FROM_S + 2, SPOOF_TO_S, 60)) * NS_PER_S
    assert set(mlat.tolist()) <= set(path.time_ns[path.anchor].tolist())
    # Great circles between anchors a minute apart: off by the sagitta of a 60 degree
    # arc of the 1 deg/s turn (radius 14 km: 1.9 km), against 40 km between the ends.
    assert truth_at(fl, path).max() < 2.0
    assert np.all(truth_at(fl, path) <= path.error_km)
    # With air data between them, the turns are followed.
    with_air = one(*reports(fl, mlat_every_s=60))
    assert with_air.method == AIR_DATA
    assert truth_at(fl, with_air).max() < 0.1


def test_unflagged_rows_inside_and_held_positions_are_not_anchors() -> None:
    fl = turning()
    table, states = reports(fl)
    flags = np.asarray(states["spoofed"].to_numpy(zero_copy_only=False)).copy()
    t_s = np.asarray(states["time"].cast(pa.int64()).to_numpy()) // NS_PER_S - T0
    flags[t_s == 1200] = False  # a missed detection inside: its position is false
    lat = np.asarray(table["lat"].to_numpy()).copy()
    lon = np.asarray(table["lon"].to_numpy()).copy()
    frozen = (t_s >= SPOOF_FROM_S - 20) & (t_s < SPOOF_FROM_S)
    flags[frozen] = False  # a frozen receiver, not flagged yet: the last fresh one is the anchor
    first = np.flatnonzero(frozen)[0]
    lat[frozen], lon[frozen] = lat[first], lon[first]
    table = table.set_column(table.column_names.index("lat"), "lat", pa.array(lat))
    table = table.set_column(table.column_names.index("lon"), "lon", pa.array(lon))
    states = states.set_column(states.column_names.index("spoofed"), "spoofed", pa.array(flags))
    intervals = spoof_intervals(states)
    assert len(intervals) == 1
    path = estimate_true_paths(table, states, intervals)[0]
    assert path.anchor.sum() == 2
    assert path.time_ns[0] == (T0 + SPOOF_FROM_S - 25) * NS_PER_S
    assert truth_at(fl, path).max() < 0.3


def test_empty_and_invalid_inputs() -> None:
    fl = turning()
    table, states = reports(fl)
    assert estimate_true_paths(table.slice(0, 0), states) == []
    assert estimate_true_paths(table, states, []) == []
    assert estimate_true_paths(table, states.slice(0, 0)) == []
    with pytest.raises(UsageError):
        estimate_true_paths(table, states, step_s=0)
    with pytest.raises(UsageError, match="spoofed"):
        estimate_true_paths(table, states.drop_columns(["spoofed"]), spoof_intervals(states))
    # An interval of an aircraft with no trusted position at all: no path.
    lone = SpoofInterval("abcdef", None, T0 * NS_PER_S, (T0 + 60) * NS_PER_S, ("jump",), None)
    assert estimate_true_paths(table, states, [lone]) == []


def test_true_airspeed_from_mach_and_ias() -> None:
    alt = np.array([35000.0, 10000.0, 5000.0, 38000.0])
    nan = np.nan
    tas = true_airspeed_kt(
        np.array([nan, nan, 280.0, nan]),
        np.array([0.78, nan, nan, nan]),
        np.array([nan, 250.0, 250.0, nan]),
        alt,
    )
    assert tas[0] == pytest.approx(float(mach_to_tas_kt(0.78, 35000.0)), rel=1e-9)
    assert tas[1] == pytest.approx(float(cas_to_tas_kt(250.0, 10000.0)), rel=1e-9)
    assert tas[2] == 280.0
    assert math.isnan(tas[3])


def test_geojson_feature_and_antimeridian() -> None:
    path = one(*reports(turning()))
    feature = path_feature(path)
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "LineString"
    props = feature["properties"]
    assert props["kind"] == "estimated_path"
    assert props["estimated"] is True and props["method"] == AIR_DATA
    assert props["icao24"] == "4ca123" and props["callsign"] == "TST123"
    assert props["start"].endswith("Z") and props["error_km_max"] > 0
    json.dumps(feature)
    fl = fly(1800, np.full(1801, 90.0), lat0=50.0, lon0=175.0)  # eastwards over 180
    crossing = one(*reports(fl, spoofed=(300, 1500)))
    geometry = path_feature(crossing)["geometry"]
    assert geometry["type"] == "MultiLineString"
    a, b = geometry["coordinates"]
    assert a[-1][0] == 180.0 and b[0][0] == -180.0 and a[-1][1] == b[0][1]
    assert truth_at(fl, crossing).max() < 0.3


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-80, 80),
    st.floats(-180, 180),
    st.floats(-80, 80),
    st.floats(-180, 180),
    st.floats(0, 1),
)
def test_great_circle_interpolation_is_proportional_to_time(
    lat1: float, lon1: float, lat2: float, lon2: float, f: float
) -> None:
    t = np.array([0, 1000 * NS_PER_S])
    at = np.array([round(f * 1000) * NS_PER_S])
    lat, lon = interpolate_great_circle(t, np.array([lat1, lat2]), np.array([lon1, lon2]), at)
    whole = float(distance_m(lat1, lon1, lat2, lon2))
    part = float(distance_m(lat1, lon1, lat[0], lon[0]))
    rest = float(distance_m(lat[0], lon[0], lat2, lon2))
    share = round(f * 1000) / 1000
    if whole < 19_000_000:  # not nearly antipodal, where the arc is undetermined
        assert part == pytest.approx(share * whole, abs=1.0)
        assert part + rest == pytest.approx(whole, abs=1.0)
    before, _ = interpolate_great_circle(t, np.array([lat1, lat2]), np.array([lon1, lon2]), t - 1)
    assert np.isnan(before[0]) and not np.isnan(before[1])


def test_path_errors_scores_matched_and_unmatched_intervals() -> None:
    fl = turning()
    path = one(*reports(fl))
    s = np.arange(SPOOF_FROM_S, SPOOF_TO_S, 10)
    interval = {
        "start_ns": int((T0 + SPOOF_FROM_S) * NS_PER_S),
        "end_ns": int((T0 + SPOOF_TO_S) * NS_PER_S),
        "true_path": {
            "time_ns": ((T0 + s) * NS_PER_S).tolist(),
            "lat": fl["lat"][s].tolist(),
            "lon": fl["lon"][s].tolist(),
        },
    }
    truth = {
        "aircraft": [
            {"icao24": "4ca123", "spoofed": [interval]},
            {"icao24": "abcdef", "spoofed": [interval]},
            {"icao24": "fedcba"},
        ]
    }
    hit, miss = path_errors([path], truth)
    assert hit["matched"] and hit["method"] == AIR_DATA and hit["covered"] == 1.0
    assert hit["points"] == s.shape[0]
    assert hit["median_km"] < 0.1 and hit["within_error"] == 1.0
    assert hit["baseline_median_km"] > 5.0
    assert not miss["matched"] and miss["median_km"] is None


# -- a simulated scenario ----------------------------------------------------------------


def test_simulated_spoofing_paths(simulation: Simulations) -> None:
    table = simulation.reports("spoofing", 3, size=0.4)
    states = spoof_states(table)
    paths = estimate_true_paths(table, states)
    rows = path_errors(paths, simulation.truth("spoofing", 3, size=0.4))
    matched = [r for r in rows if r["matched"]]
    assert len(matched) == len(rows) > 0
    air = [r for r in matched if r["method"] == AIR_DATA]
    assert air
    median = float(np.median([r["median_km"] for r in air]))
    baseline = float(np.median([r["baseline_median_km"] for r in air]))
    # Measured (seed 3, size 0.4: 7 intervals, 4 with air data): median 0.018 km with
    # air data, 17.4 km on the great circle between the same anchors; 0.99 of the
    # truth points covered. The bound leaves ten times the measured error for changes
    # in where the detectors put the intervals' edges.
    assert median < 0.2
    assert baseline > 20 * median
    assert np.mean([r["covered"] for r in matched]) > 0.95
    assert all(r["within_error"] >= 0.95 for r in matched)
