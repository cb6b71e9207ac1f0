"""Flights: the four legs of the readsb trace with their airports, every split rule on
synthetic reports, and invariants of the split (hypothesis)."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.io import read_table
from skywitness.model.geo import distance_m
from skywitness.model.units import NS_PER_S
from skywitness.track.envelope import Series, flag_bad_values
from skywitness.track.flights import (
    AIRPORT_MAX_HEIGHT_FT,
    GAP_S,
    MAX_GAP_S,
    AirportIndex,
    airports,
    split_flights,
)

TRACE = "readsb/trace_full_ac671b.json"


@cache
def _trace(samples: Path) -> pa.Table:
    return read_table(samples / TRACE)


def test_the_readsb_trace_has_four_legs_with_their_airports(samples: Path) -> None:
    """Delta N899DN on 4-5 February 2025: first seen at FL320 over Belize, bound for
    Minneapolis; Minneapolis to Spokane, last seen descending through 8,450 ft;
    first seen again 8.4 h later climbing through 11,275 ft, to Minneapolis;
    Minneapolis to Denver."""
    table = _trace(samples)
    flights = split_flights(table, bad=flag_bad_values(table))
    assert len(flights) == 4
    got = [
        (f.origin.icao if f.origin else None, f.destination.icao if f.destination else None)
        for f in flights
    ]
    assert got == [(None, "KMSP"), ("KMSP", None), (None, "KMSP"), ("KMSP", "KDEN")]
    # the sender's new-leg marks, and the physical reason where there is one
    assert [f.split for f in flights] == [
        "start",
        "new_leg,ground",
        "new_leg,gap",
        "new_leg,ground",
    ]
    # rows partition the trace; airborne times inside each flight
    assert flights[0].start_row == 0 and flights[-1].end_row == table.num_rows
    for a, b in itertools.pairwise(flights):
        assert a.end_row == b.start_row
    for f in flights:
        assert f.first_airborne_ns is not None and f.last_airborne_ns is not None
        assert f.start_ns <= f.first_airborne_ns <= f.last_airborne_ns <= f.end_ns
    # the first leg is seen airborne from its first report; the others start parked
    assert flights[0].first_airborne_ns == flights[0].start_ns
    assert flights[1].first_position is not None and flights[1].first_position.on_ground
    assert flights[3].last_position is not None and flights[3].last_position.on_ground
    assert flights[3].destination is not None
    assert flights[3].destination.distance_m < 5000.0
    per_row = flights.flight
    assert np.array_equal(np.bincount(per_row), [f.rows for f in flights])
    out = flights.to_arrow()
    assert out.column("origin").to_pylist() == [g[0] for g in got]
    assert out.num_rows == 4


def test_the_spokane_ends_are_too_high_to_name_an_airport(samples: Path) -> None:
    """The ends of legs 2 and 3 lie 6,000-9,000 ft above Spokane, 20-40 km from
    Spokane International, and the nearest airport there is a landing strip (Sky
    Meadows Airpark, Felts Field): naming one would be a guess."""
    flights = split_flights(_trace(samples))
    index = airports()
    for p in (flights[1].last_position, flights[2].first_position):
        assert p is not None and p.alt_ft is not None and not p.on_ground
        near = index.nearest(p.lat, p.lon)
        assert near is not None and near.icao in {"WN92", "KSFF"}
        assert p.alt_ft - near.elevation_ft > AIRPORT_MAX_HEIGHT_FT
        geg = distance_m(p.lat, p.lon, 47.619, -117.535)
        assert 15_000.0 < float(geg) < 40_000.0


def test_the_legs_split_the_same_without_the_senders_marks(samples: Path) -> None:
    table = _trace(samples)
    marked = split_flights(table, airport_index=False)
    unmarked = table.set_column(
        table.column_names.index("new_leg"), "new_leg", pa.nulls(table.num_rows, pa.bool_())
    )
    plain = split_flights(unmarked, airport_index=False)
    assert [f.start_row for f in plain] == [f.start_row for f in marked]
    assert [f.split for f in plain] == ["start", "ground", "gap", "ground"]


# -- synthetic -----------------------------------------------------------------------------

T0 = 1_738_700_000 * NS_PER_S
MSP = (44.8820, -93.2218, 841.0)
DEN = (39.8617, -104.6731, 5434.0)


def _leg(
    t0: float, dep: tuple[float, float, float], arr: tuple[float, float, float]
) -> dict[str, np.ndarray]:
    """A leg every 10 s: 10 min parked and taxiing, a climb, cruise, a descent and 5
    min on the ground; positions along the straight line."""
    t = t0 + np.arange(0.0, 3 * 3600.0, 10.0)
    rel = t - t0
    air = (rel >= 600) & (rel < 3 * 3600 - 300)
    frac = np.clip((rel - 600) / (3 * 3600 - 900), 0, 1)
    lat = dep[0] + (arr[0] - dep[0]) * frac
    lon = dep[1] + (arr[1] - dep[1]) * frac
    top = 35_000.0
    alt = np.minimum.reduce(
        [np.full(t.size, top), dep[2] + (rel - 600) * 40, arr[2] + (3 * 3600 - 300 - rel) * 40]
    )
    vr = np.where(alt >= top, 0.0, np.where(rel < 5400, 2400.0, -2400.0))
    gs = np.where(air, 450.0, np.where(rel < 600, 10.0, 5.0))
    gs[(rel >= 540) & (rel < 600)] = 120.0  # takeoff roll
    return {
        "t": t,
        "lat": lat,
        "lon": lon,
        "alt": np.where(air, alt, np.nan),
        "vr": np.where(air, vr, np.nan),
        "gs": gs,
        "ground": (~air).astype(float),
    }


def _join(*legs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([leg[k] for leg in legs]) for k in legs[0]}


def _series(f: dict[str, np.ndarray]) -> Series:
    return Series.of(
        (T0 + f["t"] * NS_PER_S).astype(np.int64),
        alt_ft=f["alt"],
        gs_kt=f["gs"],
        vrate_fpm=f["vr"],
        on_ground=f["ground"],
        lat=f["lat"],
        lon=f["lon"],
    )


def test_a_landing_then_a_takeoff_splits() -> None:
    two = _join(_leg(0.0, MSP, DEN), _leg(3 * 3600.0, DEN, MSP))
    flights = split_flights(_series(two))
    assert [f.split for f in flights] == ["start", "ground"]
    assert [
        (f.origin and f.origin.icao, f.destination and f.destination.icao) for f in flights
    ] == [
        ("KMSP", "KDEN"),
        ("KDEN", "KMSP"),
    ]
    # the cut falls in the ground time between the legs
    cut = flights[1].start_row
    assert two["ground"][cut - 1] == 1.0 or two["ground"][cut] == 1.0
    elev = flights.ground_alt_ft()
    assert elev[0] == pytest.approx(airports().nearest(*MSP[:2]).elevation_ft)  # type: ignore[union-attr]
    assert elev[-1] == elev[0]


def test_a_touch_and_go_does_not_split() -> None:
    leg = _leg(0.0, MSP, DEN)
    mid = (leg["t"] > 5000) & (leg["t"] <= 5020)  # 20 s on the runway at 110 kt
    leg["ground"][mid] = 1.0
    leg["gs"][mid] = 110.0
    leg["alt"][mid] = np.nan
    assert len(split_flights(_series(leg))) == 1


def test_silences() -> None:
    # a silence at cruise level: one flight
    leg = _leg(0.0, MSP, DEN)
    cruise = np.flatnonzero((leg["alt"] >= 35_000.0) & (leg["vr"] == 0))
    keep = np.ones(leg["t"].size, bool)
    keep[cruise[10] : cruise[10] + int(2 * GAP_S / 10)] = False
    quiet = {k: v[keep] for k, v in leg.items()}
    assert len(split_flights(_series(quiet), airport_index=False)) == 1
    # descending into a silence and climbing out of it: a landing unseen
    a, b = _leg(0.0, MSP, DEN), _leg(3 * 3600.0 + GAP_S, DEN, MSP)
    a_keep = a["t"] < 3 * 3600 - 900  # lost during the descent
    b_keep = b["t"] - b["t"][0] > 900  # found during the climb
    joined = _join({k: v[a_keep] for k, v in a.items()}, {k: v[b_keep] for k, v in b.items()})
    flights = split_flights(_series(joined), airport_index=False)
    assert [f.split for f in flights] == ["start", "gap"]
    assert flights[0].destination is None and flights[1].origin is None
    # longer than any flight: always a new one
    c = _leg(0.0, MSP, DEN)
    c_air = {k: v[(c["ground"] == 0) & (c["vr"] == 0)] for k, v in c.items()}  # level
    d = {k: v.copy() for k, v in c_air.items()}
    d["t"] = d["t"] + MAX_GAP_S + 3 * 3600
    flights = split_flights(_series(_join(c_air, d)), airport_index=False)
    assert [f.split for f in flights] == ["start", "max_gap"]


def test_airports_only_when_low() -> None:
    index = AirportIndex.from_records(
        [
            {
                "icao": "TEST",
                "iata": "TST",
                "name": "Test",
                "lat": 10.0,
                "lon": 20.0,
                "elevation": 500,
            }
        ]
    )
    t = (T0 + np.arange(3) * 10 * NS_PER_S).astype(np.int64)
    for alt, ground, expect in [
        (np.nan, 1.0, "TEST"),
        (500.0 + AIRPORT_MAX_HEIGHT_FT - 10, 0.0, "TEST"),
        (500.0 + AIRPORT_MAX_HEIGHT_FT + 10, 0.0, None),
    ]:
        s = Series.of(
            t,
            alt_ft=np.full(3, alt),
            gs_kt=np.full(3, 5.0 if ground else 150.0),
            on_ground=np.full(3, ground),
            lat=np.full(3, 10.01),
            lon=np.full(3, 20.0),
        )
        (f,) = split_flights(s, airport_index=index)
        assert (f.origin.icao if f.origin else None) == expect
        assert f.first_airborne_ns == (None if ground else f.start_ns)
    far = Series.of(
        t, on_ground=np.ones(3), gs_kt=np.zeros(3), lat=np.full(3, 11.0), lon=np.full(3, 20.0)
    )
    assert split_flights(far, airport_index=index)[0].origin is None


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.floats(0.0, 40_000.0), min_size=1, max_size=60),
    ground=st.lists(st.booleans(), min_size=60, max_size=60),
    legs=st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_flights_partition_the_reports(
    steps: list[float], ground: list[bool], legs: list[bool]
) -> None:
    n = len(steps)
    t = (T0 + np.cumsum(np.array(steps) * NS_PER_S)).astype(np.int64)
    g = np.array(ground[:n], float)
    s = Series.of(
        t,
        alt_ft=np.where(g == 1, np.nan, 5000.0),
        gs_kt=np.where(g == 1, 5.0, 250.0),
        vrate_fpm=np.zeros(n),
        on_ground=g,
        new_leg=np.array(legs[:n]),
    )
    flights = split_flights(s, airport_index=False)
    assert flights[0].start_row == 0 and flights[-1].end_row == n
    assert all(a.end_row == b.start_row for a, b in itertools.pairwise(flights))
    assert np.array_equal(
        flights.flight, np.repeat(np.arange(len(flights)), [f.rows for f in flights])
    )
    assert flights.starts.sum() == len(flights)
    # every sender's mark starts a flight
    assert all(flights.starts[np.flatnonzero(np.array(legs[:n]))])
    for f in flights:
        assert f.start_ns <= f.end_ns
        if f.first_airborne_ns is not None:
            assert f.last_airborne_ns is not None
            assert f.start_ns <= f.first_airborne_ns <= f.last_airborne_ns <= f.end_ns


def test_a_long_touch_and_go_before_a_full_stop_does_not_split() -> None:
    """90 s on the runway at 80-110 kt, then the final landing and a stop: only the
    stop makes a landing-then-takeoff (the slow reports after the final landing do
    not count for the touch-and-go)."""
    leg = _leg(0.0, MSP, DEN)
    mid = (leg["t"] > 5000) & (leg["t"] <= 5090)
    leg["ground"][mid] = 1.0
    leg["gs"][mid] = 95.0
    leg["alt"][mid] = np.nan
    assert len(split_flights(_series(leg), airport_index=False)) == 1
