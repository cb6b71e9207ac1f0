"""Bad values: nothing flagged on clean real flights, every flag on real data backed by
evidence, synthetic corruptions (bursts, jumps, frozen values, the AZAL 8243 reading)
found with the right rule."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.errors import UsageError
from skywitness.io import read_table
from skywitness.model.units import NS_PER_S
from skywitness.track import envelope as env
from skywitness.track.envelope import (
    ANY_AIRCRAFT,
    TRANSPORT,
    Series,
    clean,
    flag_bad_values,
    infer_envelope,
)

#: Files with no known corruption: the readsb reference trace, the FR24 flights, the
#: calibration flights and other featured flights, surveys, ambulances.
CLEAN = [
    "readsb/trace_full_ac671b.json",
    "fr24/2ce4f83f.json",
    "fr24/3376ab31.json",
    "fr24/34a8254b.json",
    "calibration/munich.json.gz",
    "calibration/toulouse.json.gz",
    "calibration/london_heathrow.json.gz",
    "featured/elal747.json.gz",
    "featured/qantas747.json.gz",
    "surveys/indiana.json.gz",
    "ambulances/rega_sg.json.gz",
    "gliders/franconia.json.gz",
]
#: Samples read by the slow test only (together about 9 s to read).
LARGE = {
    "collections/quickstart.json.gz",
    "collections/savan.json.gz",
    "collections/switzerland.json.gz",
    "rs1090/full_flight_short.jsonl",
}


@cache
def _table(path: Path) -> pa.Table:
    return read_table(path).sort_by([("icao24", "ascending"), ("time", "ascending")])


def _aircraft(table: pa.Table) -> list[pa.Table]:
    ids = table.column("icao24").to_numpy(zero_copy_only=False)
    cut = np.r_[0, np.flatnonzero(ids[1:] != ids[:-1]) + 1, len(ids)]
    return [table.slice(a, b - a) for a, b in itertools.pairwise(cut)]


def _all_samples(samples: Path) -> list[str]:
    skip = {"performance/fuelflow_a320.json.gz"}  # no reader takes it (its own pandas layout)
    names = sorted(
        str(p.relative_to(samples)) for p in samples.glob("*/*") if p.name.endswith(".gz")
    )
    names += ["readsb/trace_full_ac671b.json", "rs1090/full_flight_short.jsonl"]
    names += sorted(str(p.relative_to(samples)) for p in (samples / "fr24").glob("*.json"))
    return [n for n in names if n not in skip]


# -- real recordings -----------------------------------------------------------------------


@pytest.mark.parametrize("rel", CLEAN)
def test_clean_real_flights_flag_nothing(samples: Path, rel: str) -> None:
    for one in _aircraft(_table(samples / rel)):
        bad = flag_bad_values(one)
        assert not bad.any_bad.any(), (rel, bad.counts())


def test_the_median_rule_on_a_long_real_corruption(samples: Path) -> None:
    """fr24/372355e5 cruises at FL380 at about 450 kt, but its ground speed reads 50-68 kt
    for up to 15 minutes at a time (the positions deny it). The median rule sets aside
    the speeds far from the median of their ten minutes: the slow ones at the edges
    of those runs, and, inside the 15-minute run, the sparse true 450-kt reports (the
    rule's documented limit: a corruption longer than half the window outvotes).
    """
    one = _table(samples / "fr24/372355e5.json")
    s = Series.from_table(one)
    bad = flag_bad_values(one)
    assert set(bad.counts()) == {"speed_median"}
    rows = np.flatnonzero(bad.speed_bad)
    assert (s.alt_ft[rows] >= 37_000.0).all()
    assert (s.gs_kt[rows] < 100.0).any() and (s.gs_kt[rows] > 400.0).any()


def test_a_lone_slow_speed_in_sparse_cruise_is_set_aside(samples: Path) -> None:
    """featured/dreamliner_boeing reports once a minute in cruise: one report of 36 kt at
    FL398 among 520-530 kt has too few neighbours within two minutes for a vote; the
    median rule sets it (and nothing else) aside."""
    one = _table(samples / "featured/dreamliner_boeing.json.gz")
    s = Series.from_table(one)
    bad = flag_bad_values(one)
    assert bad.counts() == {"speed_median": 1}
    i = int(np.flatnonzero(bad.speed_bad)[0])
    assert s.gs_kt[i] < 50.0 and s.alt_ft[i] > 39_000.0


def test_the_median_rule_outvotes_a_frozen_run_of_minutes() -> None:
    t = np.arange(0.0, 3600.0, 4.0)
    gs = np.full(t.shape, 450.0) + 5.0 * np.sin(t / 300.0)
    frozen = (t >= 1500) & (t < 1680)  # three minutes frozen at 80 kt
    gs[frozen] = 80.0
    series = Series.of((t * 1e9).astype(np.int64), alt_ft=np.full(t.shape, 35_000.0), gs_kt=gs)
    bad = flag_bad_values(series, "any")
    assert np.array_equal(bad.speed_bad, frozen)
    assert {env.RULES[c] for c in bad.speed_rule[frozen]} == {"speed_median"}


def test_the_readsb_airliner_is_a_transport(samples: Path) -> None:
    one = _table(samples / "readsb/trace_full_ac671b.json")
    assert infer_envelope(Series.from_table(one)) is TRANSPORT
    glider = _table(samples / "gliders/franconia.json.gz")
    assert infer_envelope(Series.from_table(glider)) is ANY_AIRCRAFT


def _evidence(one: pa.Table, bad: env.BadValues) -> None:
    """Every flag is backed by the data, checked row by row without the kernel's
    vectorised code: a denied value is apart from most of its neighbours or from the
    nearest values kept on both sides, a frozen value repeats the one before it."""
    s = Series.from_table(one)
    checks = {
        "alt": (s.alt_ft, bad.alt_rule, env.ALT_TOL_FT),
        "speed": (s.gs_kt, bad.speed_rule, env.GS_TOL_KT),
        "vrate": (s.vrate_fpm, bad.vrate_rule, env.VRATE_TOL_FPM),
        "track": (s.track_deg, bad.track_rule, env.TRACK_TOL_DEG),
    }
    for field, (x, rule, tol) in checks.items():
        valid_all = np.flatnonzero(np.isfinite(x))
        for i in np.flatnonzero(rule):
            name = env.RULES[rule[i]]
            assert name.startswith(field if field != "speed" else "speed"), name
            if name == "speed_ground":
                assert x[i] > env.GROUND_MAX_GS_KT, (field, i, x[i])
            elif name.endswith("_stuck"):
                # it repeats the value before it, or the last value no rule rejected
                prev = np.flatnonzero(np.isfinite(x[:i]))
                kept = np.flatnonzero(np.isfinite(x[:i]) & (rule[:i] == 0))
                assert (prev.size and x[prev[-1]] == x[i]) or (kept.size and x[kept[-1]] == x[i]), (
                    field,
                    i,
                )
            elif name.endswith(("_burst", "_jump")):
                k = int(np.searchsorted(valid_all, i))
                around = valid_all[max(0, k - env.NEIGHBOURS) : k + env.NEIGHBOURS + 1]
                near = [int(j) for j in around if j != i]
                d = x[near] - x[i]
                if field == "track":
                    d = (d + 180.0) % 360.0 - 180.0
                # apart from most of its neighbours, or from the nearest values kept
                # on both sides
                kept = [j for j in near if not rule[j]]
                sides = [j for j in kept if j < i][-1:] + [j for j in kept if j > i][:1]
                gaps = np.abs(d[[near.index(j) for j in sides]])
                far = 2 * int((np.abs(d) > tol).sum()) >= len(near)
                far |= len(sides) == 2 and bool((gaps > tol).all())
                assert far, (field, i, x[i])


def _check_file(samples: Path, rel: str) -> dict[str, int]:
    table = _table(samples / rel)
    counts: dict[str, int] = {}
    flagged = 0
    for one in _aircraft(table):
        bad = flag_bad_values(one)
        _evidence(one, bad)
        flagged += int(bad.any_bad.sum())
        for k, v in bad.counts().items():
            counts[k] = counts.get(k, 0) + v
    # the worst samples: onground/zurich_airport (a parked aircraft reporting 468 kt
    # for half an hour: 13.7 % of the file) and military/aircraft_carrier (whole
    # reports repeated for minutes: 9.7 %)
    assert flagged <= 0.15 * table.num_rows, (rel, counts)
    return counts


@pytest.mark.slow  # ~10 s; make test is at its 5-minute budget
def test_every_real_sample_flags_little_and_with_evidence(samples: Path) -> None:
    names = [n for n in _all_samples(samples) if n not in LARGE]
    assert len(names) >= 70
    for rel in names:
        _check_file(samples, rel)


@pytest.mark.slow
@pytest.mark.parametrize("rel", sorted(LARGE))
def test_large_real_samples_flag_little_and_with_evidence(samples: Path, rel: str) -> None:
    _check_file(samples, rel)


def test_real_corruptions_are_found(samples: Path) -> None:
    """Known wrong values in the traffic samples: a 400-ft altitude among 23,000 ft
    (inflight refuelling) and a -17,536 ft/min vertical rate among -1,000 (Air France
    787)."""
    tanker = _table(samples / "military/inflight_refuelling.json.gz")
    bad = flag_bad_values(tanker)
    alt = Series.from_table(tanker).alt_ft
    low = np.flatnonzero(alt == 400.0)
    assert low.size and bad.alt_bad[low].all()
    assert {env.RULES[c] for c in bad.alt_rule[low]} == {"alt_burst"}
    af = _table(samples / "featured/dreamliner_airfrance.json.gz")
    for one in _aircraft(af):
        vr = Series.from_table(one).vrate_fpm
        spike = np.flatnonzero(vr == -17536.0)
        if spike.size:
            bad = flag_bad_values(one)
            assert [env.RULES[c] for c in bad.vrate_rule[spike]] == ["vrate_jump"]
            break
    else:
        pytest.fail("the -17,536 ft/min report is missing from the sample")


# -- synthetic -----------------------------------------------------------------------------

T0 = 1_735_102_500 * NS_PER_S  # 2024-12-25 04:55 UTC


def _flight(n: int = 600, dt_s: float = 1.0, seed: int = 0) -> dict[str, np.ndarray]:
    """A smooth airborne profile: climb, level, descent, with turns."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) * dt_s
    vr = 2000.0 * np.sin(2 * np.pi * t / (n * dt_s)) + rng.normal(0, 30, n)
    alt = 12_000.0 + np.cumsum(vr) * dt_s / 60.0
    gs = 320.0 + 30 * np.sin(t / 200.0) + rng.normal(0, 1, n)
    track = (90.0 + 2.0 * t) % 360.0  # a rate-one turn
    return {"t": t, "alt": alt, "gs": gs, "vr": vr, "track": track}


def _series(f: dict[str, np.ndarray], **kw: np.ndarray) -> Series:
    f = {**f, **kw}
    return Series.of(
        (T0 + f["t"] * NS_PER_S).astype(np.int64),
        alt_ft=f["alt"],
        gs_kt=f["gs"],
        vrate_fpm=f["vr"],
        track_deg=f["track"],
        on_ground=np.zeros(len(f["t"])),
    )


@pytest.mark.parametrize("envelope", [ANY_AIRCRAFT, TRANSPORT])
def test_a_smooth_flight_flags_nothing(envelope: env.Envelope) -> None:
    bad = flag_bad_values(_series(_flight()), envelope)
    assert not bad.any_bad.any(), bad.counts()


@settings(max_examples=40, deadline=None)
@given(
    start=st.integers(20, 560),
    length=st.integers(1, env.NEIGHBOURS),
    jump=st.floats(5000, 20000),
    sign=st.sampled_from([-1.0, 1.0]),
    seed=st.integers(0, 1000),
)
def test_an_altitude_burst_that_returns_is_flagged_alone(
    start: int, length: int, jump: float, sign: float, seed: int
) -> None:
    f = _flight(seed=seed)
    alt = f["alt"].copy()
    alt[start : start + length] += sign * jump
    bad = flag_bad_values(_series(f, alt=alt), TRANSPORT)
    expect = np.zeros(len(alt), bool)
    expect[start : start + length] = True
    assert np.array_equal(bad.alt_bad, expect)
    assert {env.RULES[c] for c in bad.alt_rule[expect]} == {"alt_burst"}
    assert not (bad.speed_bad | bad.vrate_bad | bad.track_bad).any()


def test_bursts_any_aircraft_could_fly_are_kept() -> None:
    """+3,000 ft within 2 s and back: a transport cannot, a fighter at 100,000 ft/min
    could not either; 1,000 ft in 2 s is within a fighter's reach."""
    f = _flight()
    alt = f["alt"].copy()
    alt[300] += 3000.0
    assert flag_bad_values(_series(f, alt=alt), ANY_AIRCRAFT).alt_bad[300]
    alt = f["alt"].copy()
    alt[300] += 1000.0
    assert not flag_bad_values(_series(f, alt=alt), ANY_AIRCRAFT).alt_bad.any()
    assert flag_bad_values(_series(f, alt=alt), TRANSPORT).alt_bad[300]


def test_speed_vrate_and_track_spikes() -> None:
    f = _flight()
    gs, vr, track = f["gs"].copy(), f["vr"].copy(), f["track"].copy()
    gs[100:102] = 52.0
    vr[200] = -17_000.0
    track[400] = (track[400] + 120.0) % 360.0
    bad = flag_bad_values(_series(f, gs=gs, vr=vr, track=track), TRANSPORT)
    assert np.flatnonzero(bad.speed_bad).tolist() == [100, 101]
    assert np.flatnonzero(bad.vrate_bad).tolist() == [200]
    assert np.flatnonzero(bad.track_bad).tolist() == [400]
    assert bad.rules()[100] == "speed_jump"
    assert bad.rules()[200] == "vrate_jump"
    assert bad.rules()[400] == "track_jump"


def test_the_ground_state_against_the_speed() -> None:
    """On the ground faster than any aircraft rolls: the speed is wrong among ground
    reports, the ground state is wrong alone among airborne ones."""
    n = 40
    t = (T0 + np.arange(n) * NS_PER_S).astype(np.int64)
    parked = Series.of(t, gs_kt=np.r_[np.zeros(20), np.full(20, 468.0)], on_ground=np.ones(n))
    bad = flag_bad_values(parked)
    assert np.flatnonzero(bad.speed_bad).tolist() == list(range(20, 40))
    assert set(bad.rules()[20:]) == {"speed_ground"}
    f = _flight(n=n)
    alt = f["alt"].copy()
    alt[20] = 123_100.0  # a wrong altitude with a wrong ground state (quickstart sample)
    state = np.zeros(n)
    state[20] = 1.0
    s = Series.of(t, alt_ft=alt, gs_kt=f["gs"], vrate_fpm=f["vr"], on_ground=state)
    assert not env.on_ground(s).any()
    bad = flag_bad_values(s)
    assert np.flatnonzero(bad.any_bad).tolist() == [20] and bad.rules()[20] == "alt_burst"


def test_frozen_altitude_and_frozen_vertical_rate() -> None:
    f = _flight()
    alt = f["alt"].copy()
    climb = np.arange(100, 190)  # 90 s of a 1,700-2,000 ft/min climb
    assert (f["vr"][climb] > 1500).all()
    alt[climb] = alt[climb[0]]
    bad = flag_bad_values(_series(f, alt=alt), TRANSPORT)
    assert np.flatnonzero(bad.alt_bad).tolist() == climb[1:].tolist()
    # stuck, or left out of the longest consistent chain (the release step after the
    # stuck run is impossible, so one side of it is wrong): either names the run
    rules = {env.RULES[c] for c in bad.alt_rule[climb[1:]]}
    assert "alt_stuck" in rules and rules <= {"alt_stuck", "alt_chain"}
    assert not bad.vrate_bad.any()
    # level flight while the vertical rate says 2,000 ft/min for 2 min
    g = _flight()
    g["alt"] = np.full(len(g["t"]), 9000.0)
    g["vr"] = np.where((g["t"] >= 100) & (g["t"] < 220), 2000.0, 0.0)
    bad = flag_bad_values(_series(g), TRANSPORT)
    frozen = np.flatnonzero((g["t"] > 100) & (g["t"] < 220))
    assert np.flatnonzero(bad.vrate_bad).tolist() == frozen.tolist()
    assert not bad.alt_bad.any()


def test_azal_8243_reading_is_impossible_for_a_transport() -> None:
    """Cruise at FL300 and about 400 kt, 12 min without data, then 14,025 ft at 52 kt
    over three minutes (public reporting on flight 8243)."""
    t1 = np.arange(0.0, 900.0, 5.0)
    t2 = 900.0 + 720.0 + np.arange(0.0, 180.0, 5.0)
    t = np.r_[t1, t2]
    alt = np.r_[np.full(t1.size, 30_000.0), np.full(t2.size, 14_025.0)]
    gs = np.r_[np.full(t1.size, 402.0), np.full(t2.size, 52.0)]
    vr = np.zeros(t.size)
    s = Series.of((T0 + t * NS_PER_S).astype(np.int64), alt_ft=alt, gs_kt=gs, vrate_fpm=vr)
    assert infer_envelope(s) is TRANSPORT
    bad = flag_bad_values(s)
    assert bad.speed_bad[t1.size :].all() and not bad.speed_bad[: t1.size].any()
    assert set(bad.rules()[t1.size :]) == {"speed_min"}
    assert not bad.alt_bad.any()
    # the slowest a transport may fly there: 120 KCAS less an 80-kt head wind
    assert 60.0 < env.min_ground_speed_kt(TRANSPORT, 14_025.0) < 75.0
    # a light aircraft may fly 52 kt at 14,000 ft into a head wind
    assert not flag_bad_values(s, "any").any_bad.any()


# -- the table face ------------------------------------------------------------------------


def _table_of(s: Series) -> pa.Table:
    return pa.table(
        {
            "time": pa.array(s.time_ns, pa.timestamp("ns", tz="UTC")),
            "icao24": ["abcdef"] * len(s),
            "alt_baro_ft": pa.array(s.alt_ft, pa.float32()),
            "gs_kt": pa.array(s.gs_kt, pa.float32()),
            "vrate_fpm": pa.array(s.vrate_fpm, pa.float32()),
            "track_deg": pa.array(s.track_deg, pa.float32()),
            "on_ground": pa.array(np.zeros(len(s), bool)),
        }
    )


def test_clean_nulls_the_flagged_values_and_keeps_the_rows() -> None:
    f = _flight()
    alt = f["alt"].copy()
    alt[50] += 8000.0
    table = _table_of(_series(f, alt=alt))
    bad = flag_bad_values(table, "transport")
    out = bad.to_arrow()
    assert out.column_names == ["alt_bad", "speed_bad", "vrate_bad", "track_bad", "rule"]
    assert out.column("rule")[50].as_py() == "alt_burst"
    assert out.column("rule").null_count == table.num_rows - 1
    cleaned = clean(table, bad)
    assert cleaned.num_rows == table.num_rows
    assert cleaned.column("alt_baro_ft").null_count == 1
    assert not cleaned.column("alt_baro_ft")[50].is_valid
    assert pc.all(pc.equal(cleaned.column("gs_kt"), table.column("gs_kt"))).as_py()
    s = bad.clean(Series.from_table(table))
    assert np.isnan(s.alt_ft[50]) and np.isfinite(np.delete(s.alt_ft, 50)).all()


def test_usage_errors() -> None:
    s = _series(_flight(n=20))
    table = _table_of(s)
    with pytest.raises(UsageError, match="not sorted by time"):
        flag_bad_values(table.take(list(range(19, -1, -1))))
    two = table.set_column(1, "icao24", pa.array(["abcdef"] * 10 + ["123456"] * 10))
    with pytest.raises(UsageError, match="2 aircraft"):
        flag_bad_values(two)
    with pytest.raises(UsageError, match="unknown envelope"):
        flag_bad_values(table, "glider")  # type: ignore[arg-type]
    assert len(flag_bad_values(table.slice(0, 0))) == 0
