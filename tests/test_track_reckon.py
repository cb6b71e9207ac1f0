"""The dead-reckoning kernel (skywitness.track.reckon): properties, and agreement with
the four implementations it replaced (copied below as references, as they were)."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.gnss.jamming.state import POSITION_MAX_AGE_S, _best_position, last_index, prepare
from skywitness.gnss.jamming.stretches import _path
from skywitness.gnss.spoofing.kernels import VELOCITY_HOLD_S, VELOCITY_MAX_AGE_S, dead_reckoning
from skywitness.gnss.spoofing.paths import _Grid, _reckon
from skywitness.model.geo import EARTH_RADIUS_M, destination, distance_m
from skywitness.model.units import MPS_PER_KT, NS_PER_S
from skywitness.track.reckon import (
    REACH_S,
    ErrorModel,
    Fix,
    Velocity,
    air_velocity,
    displacement,
    ground_velocity,
    reckon,
    reckon_from,
)

NS = NS_PER_S
HOLDS = ("previous", "next", "mean")
lats = st.floats(-70.0, 70.0)
lons = st.floats(-180.0, 179.999)
seeds = st.integers(0, 2**32 - 1)


def _flight(rng: np.random.Generator, n: int, max_step_s: float = 30.0) -> dict[str, Any]:
    """Random times and ground velocities of one aircraft (turning, changing speed)."""
    t = np.cumsum(np.r_[0, rng.integers(1, int(max_step_s * 1e3), n - 1)]) * 1_000_000
    gs = rng.uniform(0.0, 550.0, n)
    track = (rng.uniform(0, 360) + np.cumsum(rng.normal(0, 5, n))) % 360
    north, east = ground_velocity(gs, track)
    return {"t": t.astype(np.int64), "gs": gs, "track": track, "north": north, "east": east}


def _anchor_at(n: int, i: int, lat: float, lon: float) -> tuple[Any, Any]:
    a_lat, a_lon = np.full(n, np.nan), np.full(n, np.nan)
    a_lat[i], a_lon[i] = lat, lon
    return a_lat, a_lon


# -- properties ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(seeds, lats, lons, st.sampled_from(HOLDS), st.integers(2, 80))
def test_forward_then_backward_returns_to_the_anchor(
    seed: int, lat: float, lon: float, hold: Any, n: int
) -> None:
    f = _flight(np.random.default_rng(seed), n)
    fwd = reckon(f["t"], f["north"], f["east"], *_anchor_at(n, 0, lat, lon), hold=hold, max_s=1e9)
    end_lat, end_lon = fwd.lat[-1], fwd.lon[-1]
    assert np.isfinite(end_lat) and np.isfinite(end_lon)
    bwd = reckon(
        f["t"], f["north"], f["east"], *_anchor_at(n, n - 1, end_lat, end_lon),
        direction="backward", hold=hold, max_s=1e9,
    )  # fmt: skip
    assert float(distance_m(bwd.lat[0], bwd.lon[0], lat, lon)) < 1e-3
    # Every row in between is the same point both ways.
    gap = distance_m(fwd.lat, fwd.lon, bwd.lat, bwd.lon)
    assert float(np.max(gap)) < 1e-3


@settings(max_examples=60, deadline=None)
@given(lats, lons, st.floats(0.0, 600.0), st.floats(0.0, 359.99), st.integers(1, 3600))
def test_constant_velocity_matches_destination(
    lat: float, lon: float, gs_kt: float, track: float, seconds: int
) -> None:
    """A constant true track is a rhumb line: along a meridian it is the great circle
    exactly; elsewhere it departs from the great circle of its first bearing by less
    than d^2 (|tan lat| + 1) / R (the rhumb line's curvature)."""
    t = np.array([0, seconds * NS], np.int64)
    north, east = ground_velocity([gs_kt] * 2, [track] * 2)
    out = reckon(t, north, east, [lat, np.nan], [lon, np.nan], max_s=1e9)
    d = gs_kt * MPS_PER_KT * seconds
    want = destination(lat, lon, track, d)
    phi = max(abs(lat), abs(float(out.lat[1])))
    bound = d**2 * (math.tan(math.radians(phi)) + 1.0) / EARTH_RADIUS_M + 1e-6 * d + 1e-6
    assert float(distance_m(out.lat[1], out.lon[1], *want)) <= bound
    meridian = reckon(t, *ground_velocity([gs_kt] * 2, [0.0] * 2), [lat, np.nan], [lon, np.nan],
                      max_s=1e9)  # fmt: skip
    want_lat, want_lon = destination(lat, lon, 0.0, d)
    assert meridian.lat[1] == pytest.approx(float(want_lat), abs=1e-9)
    assert meridian.lon[1] == pytest.approx(float(want_lon), abs=1e-9)
    # The distance flown is the speed times the time, whatever the track.
    assert out.path_m[1] == pytest.approx(d, rel=1e-12, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(lats, lons, st.floats(50.0, 600.0), st.floats(0.0, 359.99), st.integers(2, 50))
def test_splitting_a_step_changes_nothing(
    lat: float, lon: float, gs_kt: float, track: float, parts: int
) -> None:
    """Constant-velocity steps compose exactly (the rhumb-line integral is exact), and
    match great circles chained in short steps."""
    t_many = np.linspace(0, 1200 * NS, parts + 1).astype(np.int64)
    n = t_many.shape[0]
    v = ground_velocity([gs_kt] * n, [track] * n)
    one = reckon(t_many[[0, -1]], v[0][:2], v[1][:2], [lat, np.nan], [lon, np.nan], max_s=1e9)
    many = reckon(t_many, *v, *_anchor_at(n, 0, lat, lon), max_s=1e9)
    assert float(distance_m(one.lat[1], one.lon[1], many.lat[-1], many.lon[-1])) < 1e-3
    p_lat, p_lon = np.float64(lat), np.float64(lon)
    for _ in range(1200):  # one-second great-circle steps along the same track
        p_lat, p_lon = destination(p_lat, p_lon, track, gs_kt * MPS_PER_KT)
    d, s = gs_kt * MPS_PER_KT * 1200, gs_kt * MPS_PER_KT
    # Each great-circle step leaves the rhumb line by s^2 tan(lat) / 2R: d s tan / 2R in all.
    tan = math.tan(math.radians(max(abs(lat), abs(float(one.lat[1])))))
    bound = d * s * (tan + 1.0) / EARTH_RADIUS_M + 1e-6 * d + 0.01
    assert float(distance_m(p_lat, p_lon, one.lat[1], one.lon[1])) < bound


@settings(max_examples=60, deadline=None)
@given(seeds, lats, lons, st.sampled_from(HOLDS), st.floats(0.0, 500.0))
def test_error_grows_monotonically_away_from_the_anchor(
    seed: int, lat: float, lon: float, hold: Any, anchor_error_m: float
) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    f = _flight(rng, n, max_step_s=60.0)
    north, east = f["north"].copy(), f["east"].copy()
    north[rng.random(n) < 0.3] = np.nan  # rows without a velocity sample
    i = int(rng.integers(0, n))
    a_lat, a_lon = _anchor_at(n, i, lat, lon)
    for direction in ("forward", "backward"):
        out = reckon(f["t"], north, east, a_lat, a_lon, anchor_error_m=anchor_error_m,
                     direction=direction, hold=hold, max_age_s=20.0, max_s=1e9)  # fmt: skip
        side = slice(i, n) if direction == "forward" else slice(i, None, -1)
        err = out.error_m[side]
        assert err[0] == anchor_error_m
        assert np.all(np.diff(err) >= 0)
        # At least the speed error times the time away from the anchor.
        elapsed = np.abs(f["t"][side] - f["t"][i]) / NS
        assert np.all(err >= anchor_error_m + 10.0 * elapsed - 1e-6)


def test_reach_limits_how_far_to_reckon() -> None:
    t = np.arange(0, 2000, 10, dtype=np.int64) * NS
    n = t.shape[0]
    v = ground_velocity(np.full(n, 450.0), np.full(n, 90.0))
    out = reckon(t, *v, *_anchor_at(n, 0, 50.0, 10.0))
    assert np.array_equal(out.reached, t <= REACH_S * NS)
    assert np.isnan(out.lat[~out.reached]).all()
    late = reckon(t, *v, *_anchor_at(n, n - 1, 50.0, 10.0), direction="backward", max_s=100.0)
    assert np.array_equal(late.reached, t >= t[-1] - 100 * NS)


def test_tracks_are_separate_and_a_stale_velocity_stops_the_aircraft() -> None:
    t = np.array([0, 10, 20, 0, 10, 200], np.int64) * NS
    starts = np.array([1, 0, 0, 1, 0, 0], bool)
    v = ground_velocity([400.0, np.nan, np.nan, 400.0, np.nan, np.nan], [0.0] * 6)
    lat = np.array([50.0, np.nan, np.nan, np.nan, np.nan, np.nan])
    lon = np.array([10.0, np.nan, np.nan, np.nan, np.nan, np.nan])
    out = reckon(t, *v, lat, lon, starts=starts, max_age_s=15.0)
    assert out.reached.tolist() == [True, True, True, False, False, False]
    # 10 s covered by the sample, then 10 s uncovered: it stays, its error grows faster.
    assert out.lat[1] == out.lat[2] > 50.0
    assert out.uncovered_s[2] == 10.0 and out.path_m[2] == out.path_m[1]
    assert out.error_m[2] - out.error_m[1] > out.error_m[1]


def test_blend_ends_on_the_second_anchor_and_finds_the_wind() -> None:
    t = np.arange(0, 1201, 20, dtype=np.int64) * NS
    n = t.shape[0]
    heading = 70.0 + 20 * np.sin(np.arange(n) / 10)
    wind_n, wind_e = -12.0, 25.0
    air = air_velocity(np.full(n, 430.0), heading)
    truth = reckon(t, *air_velocity(np.full(n, 430.0), heading, wind_n, wind_e),
                   *_anchor_at(n, 0, 55.0, 20.0), hold="mean", max_s=1e9)  # fmt: skip
    lat, lon = _anchor_at(n, 0, 55.0, 20.0)
    lat[-1], lon[-1] = truth.lat[-1], truth.lon[-1]
    out = reckon(t, *air, lat, lon, anchor_error_m=100.0, direction="blend", hold="mean",
                 errors=ErrorModel(5.0, 0.0), max_s=1e9)  # fmt: skip
    assert float(np.max(distance_m(out.lat, out.lon, truth.lat, truth.lon))) < 0.5
    assert out.correction_north_mps[-1] == pytest.approx(wind_n, abs=1e-3)
    assert out.correction_east_mps[-1] == pytest.approx(wind_e, abs=1e-3)
    # The error is the anchors' at both ends, largest midway: 2 v T w (1 - w).
    assert out.error_m[0] == out.error_m[-1] == 100.0
    mid = n // 2
    assert out.error_m[mid] == pytest.approx(100.0 + 2 * 5.0 * 1200 * 0.25, rel=1e-9)
    assert out.anchor[mid] == 0 and out.anchor_to[mid] == n - 1


@settings(max_examples=40, deadline=None)
@given(seeds, lats, lons, st.sampled_from(HOLDS))
def test_blend_is_the_reckoning_with_a_constant_correction_per_run(
    seed: int, lat: float, lon: float, hold: Any
) -> None:
    """Between two anchors a blend is exactly the reckoning from the first with one
    constant velocity added (the correction it reports), ending on the second."""
    rng = np.random.default_rng(seed)
    n = 80
    f = _flight(rng, n)
    starts = np.zeros(n, dtype=bool)
    starts[[0, 40]] = True
    anchors = np.unique(np.r_[0, 40, rng.integers(0, n, 4)])
    free = reckon(f["t"], f["north"], f["east"], *_anchor_at(n, 0, lat, lon), hold=hold,
                  max_s=1e9, starts=np.zeros(n, dtype=bool))  # fmt: skip
    a_lat, a_lon = np.full(n, np.nan), np.full(n, np.nan)
    a_lat[anchors] = free.lat[anchors] + rng.normal(0, 0.02, anchors.size)
    a_lon[anchors] = free.lon[anchors] + rng.normal(0, 0.02, anchors.size)
    out = reckon(f["t"], f["north"], f["east"], a_lat, a_lon, starts=starts,
                 direction="blend", hold=hold, max_s=1e9)  # fmt: skip
    assert np.array_equal(out.lat[anchors], a_lat[anchors])
    for a, b in pairwise(anchors.tolist()):
        if starts[a + 1 : b + 1].any() or b == a + 1:
            continue  # another track starts in between, or nothing in between
        run = slice(a, b + 1)
        cn, ce = out.correction_north_mps[b], out.correction_east_mps[b]
        assert np.allclose(out.correction_north_mps[a + 1 : b + 1], cn)
        assert np.allclose(out.correction_east_mps[a + 1 : b + 1], ce)
        m = b - a + 1
        again = reckon(f["t"][run], f["north"][run] + cn, f["east"][run] + ce,
                       *_anchor_at(m, 0, a_lat[a], a_lon[a]), hold=hold, max_s=1e9)  # fmt: skip
        gap = distance_m(again.lat, again.lon, out.lat[run], out.lon[run])
        assert float(np.max(gap)) < 1e-3
        assert float(distance_m(again.lat[-1], again.lon[-1], a_lat[b], a_lon[b])) < 1e-3


def test_reckon_from_samples_at_their_own_times() -> None:
    samples = Velocity.ground(
        np.array([0, 60, 120]) * NS, [300.0, 300.0, 300.0], [0.0, 90.0, 180.0]
    )
    times = np.array([-30, 0, 30, 60, 90, 200]) * NS
    out = reckon_from(Fix(0, 45.0, 7.0, error_m=50.0), times, samples)
    step = 300 * MPS_PER_KT * 30
    # Before the first sample nothing is known: the aircraft stays, unknown speed.
    assert out.lat[0] == 45.0 and out.error_m[0] > 50.0 + 30 * 300 * MPS_PER_KT
    assert (out.lat[1], out.lon[1], out.error_m[1]) == (45.0, 7.0, 50.0)
    north, _ = destination(45.0, 7.0, 0.0, step)
    assert out.lat[2] == pytest.approx(float(north), abs=1e-9)
    assert out.lat[3] == pytest.approx(float(destination(45.0, 7.0, 0.0, 2 * step)[0]), abs=1e-9)
    assert out.lon[4] > out.lon[3] and out.lat[5] < out.lat[4]
    assert (out.anchor == -1).all()


def test_error_model_from_nac_v() -> None:
    m = ErrorModel.from_nac_v([0, 1, 2, 3, 4, -1])
    assert np.asarray(m.speed_error_mps).tolist() == [math.inf, 10.0, 3.0, 1.0, 0.3, 10.0]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="shape"):
        reckon([0, 1], [1.0], [1.0, 1.0], [0.0, np.nan], [0.0, np.nan])
    with pytest.raises(ValueError, match="direction"):
        reckon([0], [1.0], [1.0], [0.0], [0.0], direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hold"):
        displacement([0, 1], [1.0, 1.0], [1.0, 1.0], hold="linear")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="precede"):
        reckon_from(Fix(10, 0, 0), [5], Velocity.ground([0], [1.0], [0.0]), to=Fix(0, 0, 0))


# -- the implementations it replaced ---------------------------------------------------------


def old_spoofing_dead_reckoning(
    time_ns: Any, segment_start: Any, gs_kt: Any, track_deg: Any, observed: Any
) -> tuple[Any, Any, Any, Any]:
    """skywitness.gnss.spoofing.kernels.dead_reckoning before the kernel."""
    rad = np.pi / 180.0
    n = time_ns.shape[0]
    has_v = np.isfinite(gs_kt) & np.isfinite(track_deg) & observed
    last = last_index(has_v, segment_start)
    src = np.maximum(last, 0)
    rows = np.flatnonzero(has_v)
    changed = np.zeros(n, dtype=bool)
    if rows.size:
        g, k = gs_kt[rows], track_deg[rows]
        new_value = np.ones(rows.size, dtype=bool)
        new_value[1:] = (g[1:] != g[:-1]) | (k[1:] != k[:-1])
        changed[rows[new_value]] = True
    since = last_index(changed | segment_start, segment_start)
    speed = np.where(last >= 0, gs_kt[src] * MPS_PER_KT, 0.0)
    trk = np.where(last >= 0, track_deg[src] * rad, 0.0)
    vn, ve = speed * np.cos(trk), speed * np.sin(trk)
    t = time_ns
    dt = np.zeros(n)
    dt[1:] = (t[1:] - t[:-1]) / NS_PER_S
    dt[segment_start] = 0.0
    covered = np.zeros(n, dtype=bool)
    prev_last = np.empty_like(last)
    prev_last[0] = -1
    prev_last[1:] = last[:-1]
    age_end = (t - t[np.maximum(prev_last, 0)]) / NS_PER_S
    held_s = (t - t[np.maximum(since, 0)]) / NS_PER_S
    covered[1:] = (
        (prev_last[1:] >= 0) & (age_end[1:] <= VELOCITY_MAX_AGE_S) & (held_s[1:] <= VELOCITY_HOLD_S)
    )
    covered &= ~segment_start
    sn = np.zeros(n)
    se = np.zeros(n)
    sn[1:] = 0.5 * (vn[1:] + vn[:-1]) * dt[1:]
    se[1:] = 0.5 * (ve[1:] + ve[:-1]) * dt[1:]
    sn = np.where(covered, sn, 0.0)
    se = np.where(covered, se, 0.0)
    path = np.where(covered, np.hypot(sn, se), 0.0)
    gap = np.where(covered | segment_start, 0.0, dt)
    gap[0] = 0.0
    return np.cumsum(sn), np.cumsum(se), np.cumsum(path), np.cumsum(gap)


@settings(max_examples=60, deadline=None)
@given(seeds)
def test_spoofing_dead_reckoning_is_unchanged(seed: int) -> None:
    """Bit for bit: the detectors compare these sums with thresholds."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    t = np.cumsum(rng.integers(0, 20_000, n)) * 1_000_000
    starts = rng.random(n) < 0.05
    starts[0] = True
    gs = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(0, 500, n).round())
    track = np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 360, n).round())
    held = rng.random(n) < 0.5  # runs of a repeated velocity (a pipeline's forward fill)
    for k in np.flatnonzero(held)[1:]:
        gs[k], track[k] = gs[k - 1], track[k - 1]
    observed = rng.random(n) < 0.9
    old = old_spoofing_dead_reckoning(t, starts, gs, track, observed)
    new = dead_reckoning(t, starts, gs, track, observed)
    for a, b in zip(old, new, strict=True):
        assert np.array_equal(a, b)


def old_best_position(table: pa.Table, batch: Any, max_age_s: float) -> tuple[Any, Any, Any]:
    """skywitness.gnss.jamming.state._best_position before the kernel (flat Earth)."""
    from skywitness.gnss.jamming.state import column_np

    lat = column_np(table["lat"], np.float64, np.nan)
    lon = column_np(table["lon"], np.float64, np.nan)
    last = last_index(batch.has_position, batch.aircraft_start)
    source = np.maximum(last, 0)
    age = batch.time_ns - batch.time_ns[source]
    fresh = (last >= 0) & (age <= int(max_age_s * NS_PER_S))
    gs = column_np(table["gs_kt"].cast(pa.float64()), np.float64, np.nan)
    trk = np.radians(column_np(table["track_deg"].cast(pa.float64()), np.float64, np.nan))
    dt = np.diff(batch.time_ns, prepend=batch.time_ns[:1]) / NS_PER_S
    dt[batch.aircraft_start] = 0.0
    ok = np.isfinite(gs) & np.isfinite(trk) & ~batch.has_position
    step_km = np.where(ok, gs * 1.852 / 3600 * dt, 0.0)
    north = np.cumsum(step_km * np.where(ok, np.cos(trk), 0.0))
    east = np.cumsum(step_km * np.where(ok, np.sin(trk), 0.0))
    dn, de = north - north[source], east - east[source]
    km_per_deg = 111.195
    est_lat = lat[source] + dn / km_per_deg
    est_lon = lon[source] + de / (km_per_deg * np.maximum(np.cos(np.radians(lat[source])), 0.01))
    est_lon = (est_lon + 180.0) % 360.0 - 180.0
    reckoned = (last >= 0) & (age <= int(900.0 * NS_PER_S)) & (np.abs(dn) + np.abs(de) > 0)
    fresh = fresh | reckoned
    estimated = ~batch.has_position & fresh
    use = batch.has_position | estimated
    return (
        np.where(batch.has_position, lat, np.where(use, est_lat, np.nan)),
        np.where(batch.has_position, lon, np.where(use, est_lon, np.nan)),
        estimated,
    )


@settings(max_examples=40, deadline=None)
@given(seeds, st.floats(-60.0, 60.0), lons)
def test_jamming_state_positions_agree_with_the_flat_earth_reckoning(
    seed: int, lat0: float, lon0: float
) -> None:
    """Same rows estimated; positions equal to within the flat-Earth approximation the
    old code made (longitude scaled at the anchor's latitude): d |dlat| (|tan| + 1)."""
    rng = np.random.default_rng(seed)
    rows = []
    for a, icao in enumerate(("aaaaaa", "bbbbbb")):
        n = int(rng.integers(2, 120))
        f = _flight(rng, n, max_step_s=40.0)
        has_pos = rng.random(n) < 0.15
        has_pos[0] = rng.random() < 0.8
        for k in range(n):
            lat = lat0 + a + 0.01 * k if has_pos[k] else None
            rows.append({"icao24": icao, "time": int(f["t"][k]) + 10**18, "record_id": len(rows),
                         "lat": lat, "lon": lon0 if has_pos[k] else None,
                         "gs_kt": float(f["gs"][k]), "track_deg": float(f["track"][k])})  # fmt: skip
    table = pa.Table.from_pylist(rows).cast(pa.schema([
        ("icao24", pa.string()), ("time", pa.timestamp("ns", tz="UTC")), ("record_id", pa.int64()),
        ("lat", pa.float64()), ("lon", pa.float64()), ("gs_kt", pa.float32()),
        ("track_deg", pa.float32()),
    ]))  # fmt: skip
    prepared, batch = prepare(table)
    old = old_best_position(prepared, batch, POSITION_MAX_AGE_S)
    new = _best_position(prepared, batch, POSITION_MAX_AGE_S)
    assert np.array_equal(old[2], new[2])
    assert np.array_equal(np.isnan(old[0]), np.isnan(new[0]))
    est = np.flatnonzero(new[2])
    src = last_index(batch.has_position, batch.aircraft_start)[est]
    src_lat = np.asarray(old[0])[src]
    d = distance_m(src_lat, np.asarray(old[1])[src], new[0][est], new[1][est])
    dlat = np.radians(np.abs(new[0][est] - src_lat))
    tan = np.abs(np.tan(np.radians(np.maximum(np.abs(src_lat), np.abs(new[0][est])))))
    gap = distance_m(old[0][est], old[1][est], new[0][est], new[1][est])
    assert np.all(gap <= d * dlat * (tan + 1.0) + 1e-3 * d + 1.0)


def old_path(t: Any, lat: Any, lon: Any, alt: Any, real: Any, gs: Any, track: Any,
             entry: Any, after: Any = None) -> tuple[Any, float]:  # fmt: skip
    """skywitness.gnss.jamming.stretches._path before the kernel (great circles chained)."""
    n = len(t)
    plat, plon = lat.copy(), lon.copy()
    ok_v = np.isfinite(gs) & np.isfinite(track)
    last = (entry[0], entry[1]) if entry else None
    last_t = t[0]
    for k in range(n):
        if real[k]:
            last, last_t = (float(lat[k]), float(lon[k])), t[k]
            continue
        if last is None or not ok_v[k]:
            plat[k] = plon[k] = np.nan
            continue
        step_m = gs[k] * 1852 / 3600 * (t[k] - last_t) / NS
        nl, no = destination(last[0], last[1], track[k], step_m)
        plat[k], plon[k] = float(nl), float(no)
        last, last_t = (plat[k], plon[k]), t[k]
    known = np.flatnonzero(np.isfinite(plat))
    first = int(known[0]) if len(known) else n
    nxt = None
    nxt_t = 0
    if first < n:
        nxt, nxt_t = (float(plat[first]), float(plon[first])), int(t[first])
    elif after is not None:
        nxt, nxt_t = (after[0], after[1]), after[2]
    back = float("-inf")
    for k in range(first - 1, -1, -1):
        if nxt is None or not ok_v[k]:
            break
        back = nxt_t / NS if back == float("-inf") else back
        step_m = gs[k] * 1852 / 3600 * (nxt_t - t[k]) / NS
        nl, no = destination(nxt[0], nxt[1], (track[k] + 180.0) % 360.0, step_m)
        plat[k], plon[k] = float(nl), float(no)
        nxt, nxt_t = (plat[k], plon[k]), int(t[k])
    keep = np.isfinite(plat)
    if not keep.any():
        return np.zeros((0, 4)), back
    return np.column_stack([t[keep] / NS, plat[keep], plon[keep], alt[keep]]), back


@settings(max_examples=80, deadline=None)
@given(seeds, st.floats(-65.0, 65.0), lons, st.booleans(), st.booleans())
def test_stretch_paths_agree_with_chained_great_circles(
    seed: int, lat0: float, lon0: float, with_entry: bool, with_after: bool
) -> None:
    """Same rows, same backward limit; positions within the great-circle-per-step versus
    rhumb-line-per-step difference (s^2 (|tan| + 1) / R per step of length s)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    f = _flight(rng, n, max_step_s=20.0)
    real = rng.random(n) < 0.1
    lat = np.where(real, lat0 + rng.normal(0, 0.2, n), np.nan)
    lon = np.where(real, lon0, np.nan)
    gs = np.where(rng.random(n) < 0.15, np.nan, f["gs"])
    alt = rng.uniform(0, 40000, n)
    entry = (lat0, lon0, 30000.0) if with_entry else None
    after = (lat0 - 0.1, lon0 + 0.1, int(f["t"][-1]) + 5 * NS) if with_after else None
    args = (f["t"], lat, lon, alt, real, gs, f["track"], entry, after)
    old, old_back = old_path(*args)
    new, new_back = _path(*args)
    assert old_back == new_back
    assert old.shape == new.shape
    assert np.array_equal(old[:, [0, 3]], new[:, [0, 3]])
    # Each reckoned step spans back to the previous row with a position or a
    # velocity, or (reckoned backwards from the position after) on to the next.
    # The last rows are reckoned backwards from the position after the stretch
    # (when there is one), at its own time.
    usable = np.flatnonzero(real | np.isfinite(gs))
    prev = np.r_[0, usable][np.searchsorted(usable, np.arange(n))]
    end_t = int(f["t"][-1]) + (5 * NS if with_after else 0)
    next_t = np.r_[f["t"][usable], end_t][np.searchsorted(usable, np.arange(n), side="right")]
    speed = np.nan_to_num(gs) * MPS_PER_KT
    step = np.maximum(speed * (f["t"] - f["t"][prev]) / NS, speed * (next_t - f["t"]) / NS)
    tan = math.tan(math.radians(min(abs(lat0) + 3, 89)))
    bound = float(np.sum(step**2)) * (tan + 1.0) / EARTH_RADIUS_M + 0.01
    assert float(np.max(distance_m(old[:, 1], old[:, 2], new[:, 1], new[:, 2]), initial=0)) <= bound


def old_integrate(br: dict[str, Any], g: Any, dt: Any, ve: Any, vn: Any, fit: Any) -> tuple[Any, Any, Any]:  # fmt: skip
    """skywitness.gnss.spoofing.paths._integrate before the kernel (trapezoid on the grid)."""

    def integral(v: Any) -> Any:
        d = 0.5 * (v + np.roll(v, 1)) * dt
        total = np.cumsum(d)
        return np.asarray(total - total[g.starts][g.bi])

    def wrap(x: Any) -> Any:
        return (np.asarray(x) + 180.0) % 360.0 - 180.0

    fit_p = fit[g.bi]
    lat_air = br["lat_from"][g.bi] + np.degrees(integral(vn) / EARTH_RADIUS_M)
    dlat = br["lat_to"] - lat_air[g.ends]
    lat = lat_air + np.where(fit_p, dlat[g.bi] * g.f, 0.0)
    inv_cos = 1.0 / np.cos(np.radians(np.clip(lat, -89.9, 89.9)))
    lon_air = br["lon_from"][g.bi] + np.degrees(integral(ve * inv_cos) / EARTH_RADIUS_M)
    stretch = integral(inv_cos)
    dlon = wrap(br["lon_to"] - lon_air[g.ends])
    stretch_end = np.where(stretch[g.ends] > 0, stretch[g.ends], 1.0)
    lon = lon_air + np.where(fit_p, dlon[g.bi] * stretch / stretch_end[g.bi], 0.0)
    span_s = np.abs(br["t_to"] - br["t_from"]) / NS_PER_S
    wind = np.hypot(
        np.radians(dlat) * EARTH_RADIUS_M / span_s, np.radians(dlon) * EARTH_RADIUS_M / stretch_end
    )
    return lat, wrap(lon), wind


#: The old trapezoid of 1 / cos(latitude) over 2 s steps errs by up to ~0.13 m on
#: 300 km bridges at 65 deg (measured, see the test); far less than a metre.
TRAPEZOID_ERROR_M = 0.5


@settings(max_examples=40, deadline=None)
@given(seeds, st.floats(-65.0, 65.0), lons)
def test_true_path_bridges_agree_with_the_grid_integral(
    seed: int, lat0: float, lon0: float
) -> None:
    """Air data integrated over the bridges of estimated paths: forward, backward and
    fitted onto a second anchor; the kernel's exact step integral and the old trapezoid
    of 1 / cos(latitude) differ by far less than a metre (the old trapezoid's own error:
    over 300 random draws of this test, median 3 mm, p99 4 cm, max 13 cm, growing with
    latitude and span; hypothesis finds more at the edges, so the bound is half a metre)."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 6))
    span = rng.integers(30, 1800, k) * NS
    sign = np.where(rng.random(k) < 0.3, -1, 1)
    t_from = rng.integers(0, 10**6, k) * NS
    fit = (sign > 0) & (rng.random(k) < 0.6)
    br = {
        "t_from": t_from, "t_to": t_from + sign * span,
        "lat_from": lat0 + rng.normal(0, 1, k), "lon_from": (lon0 + rng.normal(0, 1, k) + 180) % 360 - 180,
        "err_from": rng.uniform(0.1, 0.5, k), "err_to": rng.uniform(0.1, 0.5, k),
    }  # fmt: skip
    d = rng.uniform(50e3, 300e3, k)
    br["lat_to"], br["lon_to"] = destination(
        br["lat_from"], br["lon_from"], rng.uniform(0, 360, k), d
    )
    step_ns = 2 * NS
    last_j = np.ceil(span / step_ns).astype(np.int64)
    counts = last_j + 1
    starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
    bi = np.repeat(np.arange(k), counts)
    j = np.arange(int(counts.sum())) - starts[bi]
    offset = np.minimum(j * step_ns, span[bi])
    tq = t_from[bi] + sign[bi] * offset
    dt = np.diff(tq, prepend=tq[:1]) / NS_PER_S
    dt[starts] = 0.0
    g = _Grid(bi=bi, starts=starts, ends=starts + last_j, t=tq, f=offset / span[bi])
    m = tq.shape[0]
    ve, vn = air_velocity(rng.uniform(150, 480, m), np.cumsum(rng.normal(0, 2, m)) % 360)
    old_lat, old_lon, old_wind = old_integrate(br, g, dt, ve, vn, fit)
    new_lat, new_lon, err, new_wind = _reckon(br, g, ve, vn, fit, np.full(m, 10.0), np.zeros(m))
    assert float(np.max(distance_m(old_lat, old_lon, new_lat, new_lon))) < TRAPEZOID_ERROR_M
    assert np.allclose(old_wind[fit], new_wind[fit], rtol=1e-6, atol=1e-6)
    # The error bound of the old code: the anchors blended, 2 v T f (1 - f) on fitted bridges.
    f_, span_s = g.f, span[bi] / NS
    want = np.where(
        fit[bi],
        br["err_from"][bi] * (1 - f_) + br["err_to"][bi] * f_ + 2 * 10.0 * span_s * f_ * (1 - f_) / 1000,
        br["err_from"][bi] + 10.0 * f_ * span_s / 1000,
    )  # fmt: skip
    assert np.allclose(err, want, rtol=1e-9, atol=1e-9)
