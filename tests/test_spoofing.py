"""Per-aircraft GNSS spoofing detectors: frozen, jump, kinematic, altitude."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.errors import UsageError
from skywitness.gnss.spoofing.chain import heaviest_chain
from skywitness.gnss.spoofing.detectors import (
    DETECTORS,
    SpoofSummary,
    Vote,
    detector_columns,
    prepare,
    spoof_detector,
    spoof_intervals,
    spoof_states,
    spoof_summary,
)
from skywitness.gnss.spoofing.kernels import EPU_BY_NACP_M, SpoofBatch
from skywitness.gnss.spoofing.motion import (
    ENVELOPE_MIN_FT,
    Kinematic,
    max_altitude_offset_ft,
    min_ground_speed_kt,
)
from skywitness.gnss.spoofing.position import PositionJump
from skywitness.io import read_table
from skywitness.model.geo import destination, distance_m
from skywitness.model.units import MPS_PER_KT

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
NAMES = ("frozen", "jump", "kinematic", "altitude")

TYPES: dict[str, pa.DataType] = {
    "time": pa.timestamp("ns", tz="UTC"),
    "icao24": pa.string(),
    "callsign": pa.string(),
    "lat": pa.float64(),
    "lon": pa.float64(),
    "alt_baro_ft": pa.float32(),
    "alt_geom_ft": pa.float32(),
    "gs_kt": pa.float32(),
    "track_deg": pa.float32(),
    "tas_kt": pa.float32(),
    "nic": pa.int8(),
    "nac_p": pa.int8(),
    "on_ground": pa.bool_(),
    "source": pa.string(),
    "format": pa.string(),
    "record_id": pa.int64(),
}


def flight(
    seconds: float,
    *,
    dt: float = 1.0,
    gs: float = 450.0,
    bearing: float = 30.0,
    start: tuple[float, float] = (48.0, 10.0),
    alt: float = 35000.0,
    t0: float = 0.0,
    origin_t: float | None = None,
    seed: int = 0,
) -> dict[str, np.ndarray[Any, Any]]:
    """A straight great-circle track at constant speed from ``start``, where the
    aircraft was at ``origin_t`` (default ``t0``), reported from ``t0`` for
    ``seconds``, with ADS-B-like noise: ground speed in 1-kt steps, track
    +-0.1 degree, positions within a few metres (CPR)."""
    rng = np.random.default_rng(seed)
    t = t0 + np.arange(0.0, seconds, dt)
    along = gs * MPS_PER_KT * (t - (t0 if origin_t is None else origin_t))
    lat, lon = destination(start[0], start[1], bearing, along)
    n = t.shape[0]
    return {
        "t": t,
        "lat": lat + rng.normal(0, 3e-5, n),
        "lon": lon + rng.normal(0, 3e-5, n),
        "alt": np.full(n, alt),
        "gs": gs + rng.integers(-1, 2, n).astype(float),
        "track": bearing + rng.normal(0, 0.1, n),
    }


def join(*parts: dict[str, np.ndarray[Any, Any]]) -> dict[str, np.ndarray[Any, Any]]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def table(data: dict[str, Any], **constant: Any) -> pa.Table:
    """Reports from columns (``t`` in seconds after T0; short names for the others);
    ``constant`` adds columns with one value (None for an all-null column)."""
    names = {"alt": "alt_baro_ft", "geom": "alt_geom_ft", "gs": "gs_kt", "track": "track_deg"}
    n = len(data["t"])
    cols: dict[str, Any] = {"time": (np.asarray(data["t"]) + T0) * 1e9}
    cols.update({names.get(k, k): v for k, v in data.items() if k != "t"})
    cols.update({k: [v] * n for k, v in constant.items()})
    cols.setdefault("icao24", ["abc123"] * n)
    cols.setdefault("record_id", np.arange(n))
    arrays = {}
    for name, values in cols.items():
        if name == "time":
            arrays[name] = pa.array(np.asarray(values).astype(np.int64)).cast(TYPES[name])
            continue
        v = np.asarray(values, dtype=object if TYPES[name] in (pa.string(),) else None)
        if v.dtype.kind == "f":
            arrays[name] = pa.array(v, mask=np.isnan(v)).cast(TYPES[name])
        else:
            arrays[name] = pa.array(list(v), type=TYPES[name])
    return pa.table(arrays)


def flags(t: pa.Table, name: str = "spoofed") -> np.ndarray[Any, Any]:
    return flags_of(spoof_states(t), name)


def flags_of(states: pa.Table, name: str) -> np.ndarray[Any, Any]:
    return np.asarray(states[name].to_numpy(zero_copy_only=False), dtype=bool)


def flag_rows(states: pa.Table, names: tuple[str, ...]) -> dict[int, tuple[bool, ...]]:
    """Each report's flags, by record_id."""
    values = zip(*(states[n].to_pylist() for n in names), strict=True)
    return dict(zip(states["record_id"].to_pylist(), values, strict=True))


def seconds(states: pa.Table, mask: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(states["time"].cast(pa.int64()).to_numpy()[mask] / 1e9 - T0)


# -- registry and output -----------------------------------------------------


def test_detectors_by_name() -> None:
    assert tuple(DETECTORS) == NAMES
    tuned = spoof_detector("jump", max_speed_kt=600.0)
    assert isinstance(tuned, PositionJump) and tuned.max_speed_kt == 600.0
    with pytest.raises(UsageError, match="unknown spoofing detector"):
        spoof_detector("nope")
    with pytest.raises(UsageError, match="spoofing detector 'jump'"):
        spoof_detector("jump", nope=1)
    t = table(flight(120))
    with pytest.raises(UsageError, match="unknown spoofing combiner"):
        spoof_states(t, combine="nope")
    with pytest.raises(UsageError, match="named twice"):
        spoof_states(t, detectors=["jump", "jump"])
    with pytest.raises(UsageError, match="no 'icao24' column"):
        spoof_states(t.drop_columns(["icao24"]))


def test_clean_flight_output_columns() -> None:
    t = table(flight(600), callsign="TEST1")
    out = spoof_states(t)
    assert out.column_names == [
        "icao24", "callsign", "time", "lat", "lon", "alt_baro_ft",
        *NAMES, "spoofed", "trusted_quality", "own_position", "record_id",
    ]  # fmt: skip
    assert out.num_rows == t.num_rows
    assert not any(flags(t, name).any() for name in (*NAMES, "spoofed"))
    assert out["trusted_quality"].null_count == out.num_rows  # no quality fields at all
    assert out.schema.metadata is None  # the counts are read from the columns
    summary = spoof_summary(out)
    assert summary.detectors == NAMES and summary.rows_spoofed == 0
    assert (summary.rows, summary.aircraft, summary.aircraft_spoofed) == (t.num_rows, 1, 0)
    assert spoof_intervals(out) == []


def test_on_ground_rows_left_out_and_sorted() -> None:
    f = flight(300)
    ground = np.zeros(len(f["t"]), dtype=bool)
    ground[:10] = True
    t = table(f, source="adsb").append_column("on_ground", pa.array(ground))
    out = spoof_states(t.take(pa.array(np.arange(t.num_rows)[::-1])))
    assert out.num_rows == t.num_rows - 10
    assert out["record_id"].to_pylist() == list(range(10, t.num_rows))


# -- frozen ------------------------------------------------------------------------


def frozen_flight(jitter: bool, resume: str) -> dict[str, np.ndarray[Any, Any]]:
    """5 min flying at 420 kt, then 3 min with the position held (the altitude
    climbing 3,000 ft, the ground speed still 420 kt), then 5 min flying on,
    resuming where the aircraft really is (``true``) or from the held point
    (``lagging``)."""
    a = flight(300, gs=420.0)
    held = flight(180, gs=420.0, t0=300.0, seed=1)
    n = len(held["t"])
    held["lat"] = np.full(n, a["lat"][-1])
    held["lon"] = np.full(n, a["lon"][-1])
    if jitter:  # a receiver solution held still: decoded positions alternate by a CPR cell
        held["lat"] = held["lat"] + np.where(np.arange(n) % 2 == 1, 4.6e-5, 0.0)
    held["alt"] = np.linspace(35000.0, 38000.0, n).round(-2)
    if resume == "true":
        b = flight(300, gs=420.0, t0=480.0, origin_t=0.0, seed=2)
    else:
        b = flight(300, gs=420.0, t0=480.0, start=(a["lat"][-1], a["lon"][-1]), seed=2)
    b["alt"] = np.full(len(b["t"]), 38000.0)
    return join(a, held, b)


def test_frozen_position_while_climbing_is_flagged() -> None:
    t = table(frozen_flight(jitter=True, resume="true"))
    out = spoof_states(t)
    frozen = seconds(out, flags(t, "frozen"))
    # The value first reported at 299 s (where the aircraft was) is held to 479 s.
    assert frozen.min() == 300.0 and frozen.max() == 479.0
    assert not flags(t, "jump").any()  # the track resumes within reach: no jump
    (iv,) = spoof_intervals(out)
    assert "frozen" in iv.kinds
    assert iv.start_ns == (T0 + 300) * 1_000_000_000


def test_frozen_without_altitude_or_speed_is_not_flagged() -> None:
    """A hovering aircraft: the position holds, the ground speed says it holds too."""
    f = frozen_flight(jitter=True, resume="lagging")
    f["gs"] = np.where((f["t"] >= 300) & (f["t"] < 480), 0.0, f["gs"])
    f["alt"] = np.full(len(f["t"]), 35000.0)
    assert not flags(table(f), "frozen").any()


def test_repeated_value_that_catches_up_is_stale_not_frozen() -> None:
    """One exact value repeated, then the track resumes where the aircraft is: a
    pipeline repeated the last position through an outage (as in the real
    ``noisy_time_issue`` sample), which is no spoofing."""
    assert not flags(table(frozen_flight(jitter=False, resume="true"))).any()


def test_repeated_value_then_lagging_track_is_frozen() -> None:
    """The same exact value, but the track resumes from the held point, 21 NM behind
    where the aircraft's velocity put it: the value was re-reported, not old."""
    t = table(frozen_flight(jitter=False, resume="lagging"))
    frozen = seconds(spoof_states(t), flags(t, "frozen"))
    # Held from 300 s; the track resumes at 480 s from the held point itself.
    assert frozen.min() == 300.0 and frozen.max() == 480.0


def frozen_solution_flight(resume: str) -> dict[str, np.ndarray[Any, Any]]:
    """:func:`frozen_flight` in level cruise, with the receiver's whole solution held
    for the 3 min: position, ground speed and track repeat exactly, so that no field
    of the held rows changes (ADS-B Exchange snapshots of a frozen receiver)."""
    f = frozen_flight(jitter=False, resume=resume)
    f["alt"] = np.full(len(f["t"]), 35000.0)
    hold = (f["t"] >= 300) & (f["t"] < 480)
    last = np.flatnonzero(f["t"] < 300)[-1]
    f["gs"] = np.where(hold, f["gs"][last], f["gs"])
    f["track"] = np.where(hold, f["track"][last], f["track"])
    return f


def test_frozen_solution_in_level_flight_is_flagged_from_its_onset() -> None:
    """Nothing but the time changes while the solution is held; the track then resumes
    from the held point, 21 NM short of where the velocity held at the onset (420 kt)
    would have taken the aircraft: frozen, flagged from the first repeat."""
    t = table(frozen_solution_flight("lagging"))
    frozen = seconds(spoof_states(t), flags(t, "frozen"))
    assert frozen.min() == 300.0 and frozen.max() == 480.0


def test_held_solution_that_catches_up_is_stale_not_frozen() -> None:
    """The same held rows (a pipeline repeating the whole row), but the track resumes
    where flying on at the held velocity puts the aircraft: a stale value."""
    assert not flags(table(frozen_solution_flight("true"))).any()


# -- jump --------------------------------------------------------------------------


def displaced_flight(offset_km: float, stay_s: float) -> dict[str, np.ndarray[Any, Any]]:
    """10 min straight; from 300 s the positions sit ``offset_km`` east of the true track
    for ``stay_s`` seconds (reported every 10 s, like state vectors), then return."""
    f = flight(600, dt=10.0)
    off = (f["t"] >= 300) & (f["t"] < 300 + stay_s)
    lat, lon = destination(f["lat"][off], f["lon"][off], 90.0, offset_km * 1000.0)
    f["lat"][off], f["lon"][off] = lat, lon
    return f


def test_jump_of_300_km_in_10_s() -> None:
    t = table(displaced_flight(300.0, 180.0))
    jump = seconds(spoof_states(t), flags(t, "jump"))
    assert jump.tolist() == list(np.arange(300.0, 480.0, 10.0))
    (iv,) = spoof_intervals(spoof_states(t))
    assert "jump" in iv.kinds


def test_single_outlier_is_not_an_interval() -> None:
    """One bad position 300 km away (a CPR decoding error) is noise, not spoofing."""
    assert not flags(table(displaced_flight(300.0, 10.0))).any()


def test_coverage_gap_with_plausible_reappearance_is_not_a_jump() -> None:
    """Nothing at all for 20 min, then the aircraft where 450 kt took it."""
    f = flight(3000, dt=5.0)
    keep = (f["t"] < 1000) | (f["t"] >= 2200)
    assert not flags(table({k: v[keep] for k, v in f.items()})).any()


def test_coverage_gap_with_impossible_reappearance_is_a_jump() -> None:
    """The same gap, but the aircraft reappears 2,000 km away: 3,240 kt. The longer
    side of the gap is the track; the shorter, reappearing side is displaced."""
    f = flight(3000, dt=5.0)
    late = f["t"] >= 2200
    f["lat"][late], f["lon"][late] = destination(f["lat"][late], f["lon"][late], 90.0, 2.0e6)
    keep = (f["t"] < 1000) | (f["t"] >= 2200)
    t = table({k: v[keep] for k, v in f.items()})
    jump = seconds(spoof_states(t), flags(t, "jump"))
    assert jump.min() == 2200.0 and jump.max() == 2995.0


def attracted_flight() -> dict[str, np.ndarray[Any, Any]]:
    """20 min at FL350 (a report every 10 s), then 15 min reported 10 km off the last
    true position, drifting north at 5 kt (GNSS altitude at sea level: an attractor
    within reach of the true track), then 8 min back on the true track, out of the
    attractor's reach."""
    f = flight(2580, dt=10.0)
    n = len(f["t"])
    f["geom"] = f["alt"] - 200.0
    spoofed = (f["t"] >= 1200) & (f["t"] < 2100)
    k = int(np.flatnonzero(spoofed)[0]) - 1
    spot = destination(f["lat"][k], f["lon"][k], 120.0, 10_000.0)
    drift = (np.arange(n) - k) * 2.5e-4  # 28 m north every 10 s: 5.4 kt
    noise = np.random.default_rng(5).normal(0, 3e-5, (2, n))  # CPR, as in flight()
    f["lat"] = np.where(spoofed, spot[0] + drift + noise[0], f["lat"])
    f["lon"] = np.where(spoofed, spot[1] + noise[1], f["lon"])
    f["gs"] = np.where(spoofed, 5.0, f["gs"])
    f["geom"] = np.where(spoofed, 0.0, f["geom"])
    return f


def test_spoofed_stretch_within_reach_does_not_carry_the_true_track() -> None:
    """The attractor is within reach of the last true position, but the rest of the
    solution turns implausible there: the track is cut, the true track before and
    after is kept (linked across the stretch), and the stretch alone is displaced."""
    t = table(attracted_flight())
    out = spoof_states(t)
    jump = seconds(out, flags_of(out, "jump"))
    assert jump.min() == 1200.0 and jump.max() == 2090.0
    spoofed = seconds(out, flags_of(out, "spoofed"))
    assert spoofed.min() == 1200.0 and spoofed.max() == 2090.0


def test_heaviest_chain_ties_keep_the_most_time() -> None:
    """Pieces of weight 5, 0, 5, all linked: both chains weigh 10; the one through the
    middle piece covers more time and is kept (nothing is set aside needlessly)."""
    first = np.array([0, 3, 6])
    last = np.array([2, 5, 8])

    def linked(p: np.ndarray[Any, Any], q: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.ones(p.shape[0], dtype=bool)

    weight = np.array([5.0, 0.0, 5.0])
    assert heaviest_chain(first, last, weight, linked, 10).tolist() == [True, False, True]
    cover = np.array([5.0, 3.0, 5.0])
    kept = heaviest_chain(first, last, weight, linked, 10, tiebreak=cover)
    assert kept.tolist() == [True, True, True]


# -- kinematic ---------------------------------------------------------------------


def test_positions_at_1500_kt_while_ground_speed_says_450() -> None:
    f = flight(600, gs=1500.0)
    f["gs"] = 450.0 + (f["gs"] - 1500.0)
    t = table(f)
    kin = seconds(spoof_states(t), flags(t, "kinematic"))
    assert not flags(t, "jump").any()  # 0.4 NM a second is within reach: not a jump
    # Judged from the first position a full window (60 s) after the first one.
    assert kin.min() == 60.0 and kin.max() == 599.0
    same = flight(600, gs=450.0)
    assert not flags(table(same)).any()


def test_dead_reckoning_flags_end_with_the_spoofed_stretch() -> None:
    """Positions 300 km off for 3 min, with the spoofed ground speed of a receiver
    dragged to an attractor (5 kt at FL350: implausible): the comparisons of the true
    positions after it with references inside it are not held against the true
    positions, so the kinematic flags end at the last spoofed report, not a
    60-s window later."""
    f = displaced_flight(300.0, 180.0)
    off = (f["t"] >= 300) & (f["t"] < 480)
    f["gs"] = np.where(off, 5.0, f["gs"])
    t = table(f)
    kin = seconds(spoof_states(t), flags(t, "kinematic"))
    assert kin.min() == 300.0 and kin.max() == 470.0


def test_50_kt_at_fl380_is_impossible() -> None:
    """Positions and ground speed agree on 50 kt (as in the real ``noisy_spoofing``
    flight): no aircraft flies that slowly at FL380 (the floor there is 88 kt)."""
    t = table(flight(600, gs=50.0, alt=38000.0))
    assert flags(t, "kinematic").all()
    assert not flags(table(flight(600, gs=50.0, alt=20000.0))).any()  # below the envelope
    assert not flags(table(flight(600, gs=450.0, alt=38000.0))).any()
    assert min_ground_speed_kt(np.array([38000.0]))[0] == pytest.approx(88.1, abs=0.1)
    assert np.isnan(min_ground_speed_kt(np.array([ENVELOPE_MIN_FT - 1.0])))[0]


def test_ground_speed_against_true_airspeed() -> None:
    f = flight(300, gs=450.0)
    n = len(f["t"])
    assert flags(table(f | {"tas_kt": np.full(n, 150.0)}), "kinematic").all()  # 300 kt of "wind"
    assert not flags(table(f | {"tas_kt": np.full(n, 400.0)})).any()  # 50 kt of tailwind


def test_kinematic_parts_on_a_batch() -> None:
    _, batch = prepare(table(flight(120, gs=50.0, alt=38000.0)))
    assert isinstance(batch, SpoofBatch)
    k = Kinematic()
    assert (k.envelope(batch) == 1).all()
    assert (k.air_data(batch) == -1).all()  # no true airspeed: not judged


# -- altitude ----------------------------------------------------------------------


def test_geometric_altitude_diverging_from_pressure_altitude() -> None:
    f = flight(600, alt=35000.0)
    assert flags(table(f | {"geom": f["alt"] + 5000.0}), "altitude").all()
    assert not flags(table(f | {"geom": f["alt"] + 600.0})).any()
    assert not flags(table(f | {"geom": f["alt"] - 600.0})).any()
    bound = max_altitude_offset_ft(np.array([0.0, 20000.0, 38000.0]))
    assert bound.tolist() == pytest.approx([1300.0, 2500.0, 3100.0])


def test_held_geometric_altitude_is_not_compared() -> None:
    """A pipeline repeating the last GNSS altitude through a descent (the real
    ``savan`` collection does) is not a divergence."""
    f = flight(600, alt=20000.0)
    f["alt"] = np.linspace(20000.0, 5000.0, len(f["t"])).round(-1)
    f["geom"] = np.full(len(f["t"]), 20400.0)
    assert not flags(table(f)).any()


# -- jamming is not spoofing -------------------------------------------------------


@pytest.mark.parametrize("velocity", [True, False])
def test_jamming_gap_resuming_where_dead_reckoning_says(velocity: bool) -> None:
    """Positions missing for 10 min while altitude (and velocity, or not) keep coming,
    with a 90-degree turn inside the gap; then positions resume where the aircraft is."""
    before = flight(900, bearing=30.0)
    turn = destination(48.0, 10.0, 30.0, 450.0 * MPS_PER_KT * 900.0)
    after = flight(900, bearing=120.0, t0=900.0, start=(float(turn[0]), float(turn[1])), seed=4)
    f = join(before, after)
    gap = (f["t"] >= 600) & (f["t"] < 1200)
    for name in ("lat", "lon", *(() if velocity else ("gs", "track"))):
        f[name] = np.where(gap, np.nan, f[name])
    t = table(f)
    assert not flags(t).any()
    # With velocity, the first position after the gap was checked against the
    # last one before it by dead reckoning through the turn (and passed).
    _, batch = prepare(t)
    judged = Kinematic().dead_reckoning(batch)
    assert judged[np.flatnonzero(f["t"] >= 1200)[0]] == (0 if velocity else -1)


# -- quality fields ----------------------------------------------------------------


def test_works_without_quality_fields_and_with_them_all_null() -> None:
    f = displaced_flight(300.0, 180.0)
    expected = flags(table(f))
    assert expected.any()
    assert (flags(table(f, nic=None, nac_p=None)) == expected).all()
    assert (flags(table(f, nic=8, nac_p=9)) == expected).all()


def test_trusted_quality_while_spoofed() -> None:
    f = displaced_flight(300.0, 180.0)
    good = spoof_states(table(f, nic=8, nac_p=9, source="adsb"))
    spoofed = good["spoofed"].to_numpy(zero_copy_only=False)
    trusted = good["trusted_quality"]
    assert trusted.null_count == good.num_rows - spoofed.sum()  # null where not spoofed
    assert pc.all(trusted).as_py() is True
    (iv,) = spoof_intervals(good)
    assert iv.trusted_quality is True
    degraded = spoof_intervals(spoof_states(table(f, nic=8, nac_p=2)))
    assert [i.trusted_quality for i in degraded] == [False]
    assert [i.trusted_quality for i in spoof_intervals(spoof_states(table(f)))] == [None]


def test_low_nacp_widens_the_jump_allowance() -> None:
    """A 40 km offset for 3 min is a jump for a receiver claiming 93 m (NACp 8), not
    for one that says its position is only good to 10 NM (NACp 1): 10 s at
    1,000 kt plus 15 s of timing slack reach 12.9 km, and 2 x 18.5 km more."""
    f = displaced_flight(40.0, 180.0)
    assert flags(table(f, nac_p=8), "jump").any()
    assert not flags(table(f, nac_p=1), "jump").any()
    assert EPU_BY_NACP_M[1] == 18520.0


def test_mlat_positions_are_not_gnss() -> None:
    """The same displaced stretch reported by multilateration is not a GNSS fault."""
    f = displaced_flight(300.0, 180.0)
    source = np.where((f["t"] >= 300) & (f["t"] < 480), "mlat", "adsb")
    assert not flags(table(f | {"source": source})).any()


# -- combination and intervals -----------------------------------------------------


def test_vote_needs_two_detectors() -> None:
    f = displaced_flight(300.0, 180.0)
    t = table(f)
    assert flags(t).any()
    any_two = spoof_states(t, combine=Vote(min_detectors=2))["spoofed"]
    jump, kin = flags(t, "jump"), flags(t, "kinematic")
    assert (any_two.to_numpy(zero_copy_only=False) == (jump & kin)).all()
    only = spoof_states(t, detectors=["altitude"])
    assert only.column_names[6] == "altitude" and "jump" not in only.column_names


def test_interval_json() -> None:
    t = table(displaced_flight(300.0, 180.0), callsign="ABC12")
    (iv,) = spoof_intervals(spoof_states(t))
    doc = iv.as_json()
    assert list(doc) == ["icao24", "callsign", "start", "end", "kinds"]
    assert doc["icao24"] == "abc123" and doc["callsign"] == "ABC12"
    assert doc["start"] == datetime.fromtimestamp(T0 + 300, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert doc["kinds"][0] == "jump"


def test_intervals_are_per_aircraft() -> None:
    a = table(displaced_flight(300.0, 180.0), icao24="aaaaaa")
    b = table(flight(600), icao24="bbbbbb")
    c = table(displaced_flight(300.0, 180.0), icao24="cccccc")
    ivs = spoof_intervals(spoof_states(pa.concat_tables([c, b, a])))
    assert [i.icao24 for i in ivs] == ["aaaaaa", "cccccc"]


def test_concatenated_states_give_the_same_intervals_and_summary() -> None:
    # An engine runs the kernel per partition and concatenates the results; a
    # Parquet round trip through other tools drops schema metadata. Neither may
    # change what the states say: which columns are detectors, and the counts.
    a = table(displaced_flight(300.0, 180.0), icao24="aaaaaa")
    b = table(flight(600), icao24="bbbbbb")
    c = table(displaced_flight(300.0, 180.0), icao24="cccccc")
    whole = spoof_states(pa.concat_tables([a, b, c]))
    parts = [spoof_states(pa.concat_tables([b, c])), spoof_states(a)]
    joined = pa.concat_tables(parts)
    bare = joined.replace_schema_metadata(None)
    assert detector_columns(bare) == list(NAMES)  # not "own_position", another bool
    summary = spoof_summary(whole)
    assert summary.aircraft == 3 and summary.aircraft_spoofed == 2 and summary.rows_spoofed > 0
    assert (
        spoof_summary(bare)
        == summary
        == SpoofSummary(
            rows=whole.num_rows,
            rows_spoofed=summary.rows_spoofed,
            aircraft=3,
            aircraft_spoofed=2,
            detectors=NAMES,
        )
    )
    in_order = sorted(spoof_intervals(bare), key=lambda iv: (iv.icao24, iv.start_ns))
    assert in_order == spoof_intervals(whole)
    assert all(set(iv.kinds) <= set(NAMES) for iv in spoof_intervals(bare))


# -- property: a clean flight is never flagged --------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    bearing=st.floats(0.0, 360.0),
    gs=st.floats(120.0, 550.0),
    alt=st.floats(1000.0, 45000.0),
    dt=st.sampled_from([0.5, 1.0, 5.0, 10.0]),
    nac_p=st.sampled_from([None, 7, 8, 9, 10]),
    geom_offset=st.floats(-1.0, 1.0),
    gap=st.floats(0.0, 900.0),
    seed=st.integers(0, 2**16),
)
def test_clean_straight_flight_is_never_flagged(
    bearing: float,
    gs: float,
    alt: float,
    dt: float,
    nac_p: int | None,
    geom_offset: float,
    gap: float,
    seed: int,
) -> None:
    """A straight, constant-speed flight with noise inside the documented bounds:
    positions within half their NACp error bound (95 %), ground speed +-1 kt,
    track +-0.3 degree, altitude in 25-ft steps, GNSS altitude anywhere inside
    the weather bound, and one position gap (jamming) of up to 15 min."""
    gs = max(gs, float(np.nan_to_num(min_ground_speed_kt(np.array([alt]))[0])) + 5.0)
    rng = np.random.default_rng(seed)
    f = flight(1800, dt=dt, gs=gs, bearing=bearing, alt=round(alt / 25) * 25, seed=seed)
    n = len(f["t"])
    epu = EPU_BY_NACP_M[nac_p] if nac_p is not None else 926.0
    sigma_deg = epu / 4 / 111_195.0  # 2 sigma = half the bound
    f["lat"] = f["lat"] + rng.normal(0, sigma_deg, n)
    f["lon"] = f["lon"] + rng.normal(0, sigma_deg, n) / np.cos(np.radians(f["lat"]))
    f["track"] = bearing + rng.uniform(-0.3, 0.3, n)
    f["geom"] = f["alt"] + 0.95 * geom_offset * max_altitude_offset_ft(f["alt"])
    hole = (f["t"] >= 600) & (f["t"] < 600 + gap)
    f["lat"] = np.where(hole, np.nan, f["lat"])
    f["lon"] = np.where(hole, np.nan, f["lon"])
    extra = {} if nac_p is None else {"nac_p": nac_p, "nic": 8}
    assert not flags(table(f, **extra)).any()


# -- real recordings ---------------------------------------------------------------

CLEAN = [
    "noisy/noisy_ground.json.gz",
    "noisy/noisy_landing.json.gz",
    "noisy/noisy_takeoff.json.gz",
    "noisy/noisy_time_issue.json.gz",
    "readsb/trace_full_ac671b.json",
    "rs1090/full_flight_short.jsonl",
    "dump1090/sample_dump1090.bin",
    *[
        f"featured/{name}.json.gz"
        for name in (
            "airbus_tree",
            "anzac_day",
            "belevingsvlucht",
            "dreamliner_airfrance",
            "dreamliner_boeing",
            "easter_rabbit",
            "elal747",
            "kiwi",
            "qantas747",
            "switzerland_map",
            "texas_longhorn",
            "thankyou",
            "turkish_flag",
            "zero_gravity",
        )
    ],
    "collections/quickstart.json.gz",
    "collections/savan.json.gz",
    "collections/switzerland.json.gz",
]


@pytest.mark.parametrize("rel", CLEAN)
def test_real_recordings_without_spoofing_flag_nothing(samples: Path, rel: str) -> None:
    """Real noise, not spoofing: repeated and interpolated positions (noisy_time_issue,
    the featured flights), held velocities after landing (belevingsvlucht), garbage
    altitudes on the ground (quickstart 4cac5e, switzerland 3444ca), a GNSS
    altitude held through a descent (savan), single bad decodes (noisy_landing)."""
    out = spoof_states(read_table(samples / rel))
    assert out.num_rows > 0
    assert spoof_intervals(out) == []


def test_real_spoofing_flight(samples: Path) -> None:
    """THY9BP (4baac6), Istanbul towards Scandinavia at FL380, 2024-09-17.

    What the data shows: positions stop at 47.44N 22.92E at 09:05 (08:04:26 + 3,633 s)
    and come back at 09:24:21 near Lviv (49.67N 23.98E), 240 km east of where 481 kt
    on track 325 would have taken the aircraft; from then on positions and
    ground speed agree on ~50 kt, at FL380, with tracks reversing (261, 270, 90,
    33, 208, 278); at 09:39:43 the position leaps 30 km in 16 s; at 09:58:15 the
    aircraft is back at 53.58N 18.68E on track 337 at 438 kt, 563 km from its last
    spoofed position 10 min earlier, and on the straight line (450 kt) from where
    it was at 09:05.

    Found: one interval 09:24:21-09:58:09, from the first spoofed position to the
    last report before the true ones return: ``kinematic`` (50 kt at FL380
    throughout) and ``jump`` (09:39:43-09:47:59: the stretch after the 30-km leap,
    out of reach of both the track before it and the track after it; the stretch
    before the leap is reachable at 432 kt from the last true position, so the
    positions alone do not reject it).
    """
    reports = read_table(samples / "noisy/noisy_spoofing.json.gz")
    out = spoof_states(reports)
    (iv,) = spoof_intervals(out)
    assert (iv.icao24, iv.callsign, iv.kinds) == ("4baac6", "THY9BP", ("jump", "kinematic"))
    # The interval's ends, from the data: the first report slower than 100 kt
    # (all at FL380), and the report before the ground speed is back above 400 kt.
    rows = reports.sort_by("time")
    assert rows["record_id"].to_pylist() == out["record_id"].to_pylist()
    speed = np.array(rows["gs_kt"].to_pylist(), dtype=float)
    t = out["time"].cast(pa.int64()).to_numpy()
    slow = np.flatnonzero(speed < 100)
    back = slow[-1] + 1
    assert speed[back] > 400 and set(rows["alt_baro_ft"].to_numpy()[slow]) == {38000.0}
    assert iv.start_ns == t[slow[0]] and iv.end_ns == t[back - 1]
    jump = t[flags(reports, "jump")]
    assert _hms(jump.min()) == "09:39:43" and _hms(jump.max()) == "09:47:59"
    lat = np.array(out["lat"].to_pylist(), dtype=float)
    lon = np.array(out["lon"].to_pylist(), dtype=float)
    before = np.flatnonzero(np.isfinite(lat) & (t < jump.min()))[-1]
    after = np.flatnonzero(np.isfinite(lat) & (t >= jump.min()))[0]
    leap = distance_m(lat[before], lon[before], lat[after], lon[after])
    assert 25_000 < leap < 35_000 and (t[after] - t[before]) / 1e9 <= 16


def test_same_spoofing_seen_by_flightradar24(samples: Path) -> None:
    """FR24's record of the same flight (sparser, its own positions and speeds):
    the ground speed is impossible for FL380 from 09:24:44, 23 s after the
    traffic sample's onset, until before the true positions return at 09:58:15."""
    out = spoof_states(read_table(samples / "fr24/372355e5.json"))
    t = out["time"].cast(pa.int64()).to_numpy()[flags_of(out, "kinematic")]
    assert _hms(t.min()) == "09:24:44" and _hms(t.max()) < "09:58:15"
    assert not flags_of(out, "jump").any() and not flags_of(out, "frozen").any()


@pytest.mark.parametrize("rel", ["fr24/2ce4f83f.json", "fr24/34a8254b.json", "fr24/372355e5.json"])
def test_fr24_gnss_altitude(samples: Path, rel: str) -> None:
    """FR24's Enhanced Mode S snapshots give ``altGPS`` = 0 on 17-46 % of the reports
    aloft of all three sample flights (SPAR19, EDW24, THY9BP), interleaved with
    values within weather of the pressure altitude: a placeholder for "no GNSS
    altitude" that the fr24 reader reads as missing (were it read as 0 ft, it
    would be a divergence at FL350 and flagged). Every other GNSS altitude is within
    the weather bound, except in THY9BP's spoofed stretch, where it is
    3,150 ft above or below the pressure altitude: the most the DO-260B
    difference field can say (saturated), real evidence of the spoofing."""
    reports = read_table(samples / rel)
    out = spoof_states(reports)
    by_id = dict(
        zip(reports["record_id"].to_pylist(), reports["alt_geom_ft"].to_pylist(), strict=True)
    )
    geom = np.array([by_id[r] for r in out["record_id"].to_pylist()], dtype=float)
    baro = np.array(out["alt_baro_ft"].to_pylist(), dtype=float)
    t = out["time"].cast(pa.int64()).to_numpy()
    aloft = np.isfinite(geom) & (baro > 10000) & (geom != 0)
    off = aloft & (np.abs(geom - baro) > max_altitude_offset_ft(baro))
    if rel == "fr24/372355e5.json":
        assert set(np.abs(geom - baro)[off]) == {3150.0}
        assert _hms(t[off].min()) >= "09:24:21" and _hms(t[off].max()) <= "09:58:15"
    else:
        assert not off.any()
    flagged = flags_of(out, "altitude")
    zeros = np.isfinite(geom) & (baro > 10000) & (geom == 0)
    assert set(geom[flagged & np.isfinite(geom) & ~off]) <= {0.0}
    assert zeros.sum() == 0  # the reader drops FR24's placeholder
    assert flagged.any() == bool(off.sum() >= 3)


# -- several archives of one flight --------------------------------------------------


def test_two_archives_of_thy9bp_judged_apart(samples: Path) -> None:
    """THY9BP from FR24 and from the OpenSky-style sample in one table: each
    report is flagged exactly as in its own archive's record alone, so the
    intervals are the OpenSky one (09:24:21-09:58:09, FR24's 09:24:44-09:47:44
    lies inside it) and no ``frozen`` one.

    Judged as one stream, a frozen interval appeared at 09:04:52-09:06:33:
    OpenSky forward-fills its fix 47.4368591309N 22.9150772095E (float32, 10
    decimals) from 09:04:51, FR24 holds the same fix at 09:04:52 rounded to
    47.436859N 22.915077E, so the one held value read as three distinct values
    in place (a re-measured frozen solution, not a stale one), and FR24's
    velocity (480 kt, 324) alternating with OpenSky's (481 kt, 324.66) read as
    a live velocity flying on while the position stood."""
    fr24 = read_table(samples / "fr24/372355e5.json")
    opensky = read_table(samples / "noisy/noisy_spoofing.json.gz")
    both = pa.concat_tables([fr24, opensky])
    out = spoof_states(both)
    alone: dict[int, tuple[bool, ...]] = {}
    for part in (fr24, opensky):
        s = spoof_states(part)
        alone.update(flag_rows(s, (*NAMES, "spoofed")))
    got = flag_rows(out, (*NAMES, "spoofed"))
    assert got == alone
    t = out["time"].cast(pa.int64()).to_numpy()
    assert (np.diff(t) >= 0).all() and set(out["icao24"].to_pylist()) == {"4baac6"}
    (iv,) = spoof_intervals(out)
    assert (_hms(iv.start_ns), _hms(iv.end_ns)) == ("09:24:21", "09:58:09")
    assert not flags_of(out, "frozen").any()
    # The interleaving itself, judged as one stream, makes the frozen interval.
    frozen = spoof_intervals(spoof_states(both, archive=None))[0]
    assert (_hms(frozen.start_ns), _hms(frozen.end_ns), frozen.kinds) == (
        "09:04:52",
        "09:06:33",
        ("frozen",),
    )


def test_archive_clock_offset_is_no_spoofing() -> None:
    """One flight in two archives, one of whose clocks runs 60 s slow: interleaved,
    the positions leap 14 km back and forth each second. Judged apart, each
    archive's track is clean; judged as one stream, the leaps are flagged."""
    a = table(flight(600, dt=2.0, seed=1), format="archive-a")
    b = table(flight(600, dt=2.0, t0=1.0, seed=2), format="archive-b")
    b = b.set_column(0, "time", pc.add(b["time"], pa.scalar(60_000_000_000, pa.duration("ns"))))
    b = b.set_column(b.column_names.index("record_id"), "record_id", pc.add(b["record_id"], 10_000))
    both = pa.concat_tables([a, b])
    assert not flags(a).any() and not flags(b).any()
    assert not flags(both).any()
    assert flags_of(spoof_states(both, archive=None), "spoofed").any()


def _hms(ns: int) -> str:
    return datetime.fromtimestamp(int(ns) / 1e9, UTC).strftime("%H:%M:%S")
