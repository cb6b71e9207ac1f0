"""Oscillations and abnormal vertical rates: the zero-gravity flight's parabolas and
normal real flights, the simulated incident's phugoid (truth), and synthetic cases
(step climbs, turbulence, quantisation, thinning)."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from skywitness.io import read_table
from skywitness.model.units import NS_PER_S
from skywitness.track.events import Event
from skywitness.track.oscillation import (
    MAX_CLIMB_FPM,
    abnormal_vertical_rates,
    find_oscillations,
    oscillation_events,
    vertical_rate_events,
)


@cache
def _read(path: Path) -> pa.Table:
    return read_table(path).sort_by([("icao24", "ascending"), ("time", "ascending")])


def _aircraft(table: pa.Table) -> list[pa.Table]:
    ids = table.column("icao24").to_numpy(zero_copy_only=False)
    cut = np.r_[0, np.flatnonzero(ids[1:] != ids[:-1]) + 1, len(ids)]
    return [table.slice(a, b - a) for a, b in itertools.pairwise(cut)]


def _table(t_s: np.ndarray, alt: np.ndarray, gs: np.ndarray | None = None) -> pa.Table:
    t0 = 1_700_000_000 * NS_PER_S
    n = t_s.size
    return pa.table(
        {
            "time": pa.array((t0 + t_s * NS_PER_S).astype(np.int64), pa.timestamp("ns", "UTC")),
            "icao24": pa.array(["abcdef"] * n),
            "alt_baro_ft": pa.array(alt, pa.float64()),
            "gs_kt": pa.array(np.full(n, 300.0) if gs is None else gs, pa.float64()),
            "on_ground": pa.array([False] * n),
        }
    )


# -- real recordings -----------------------------------------------------------------------


def test_zero_gravity_parabolas(samples: Path) -> None:
    """Parabolic flights (Novespace A310, 25 June 2020): sets of parabolas from about
    20,000 ft to about 27,000 ft, one every 3 minutes; the speed falls from about
    450 to about 230 kt at each top (energy exchange)."""
    (one,) = _aircraft(_read(samples / "featured/zero_gravity.json.gz"))
    found = find_oscillations(one)
    assert len(found) >= 1
    for o in found:
        assert 150.0 <= o.period_s <= 200.0, o
        # half of the 20,000 -> 27,000 ft swing
        assert 2500.0 <= o.amplitude_ft <= 4500.0, o
        assert o.cycles >= 5
        assert 20_000.0 <= o.mean_alt_ft <= 24_000.0
        assert o.anti_phase is True and o.speed_correlation is not None
    # the trace itself: the altitude inside goes from below 20,500 to above 26,000 ft
    t = one.column("time").cast(pa.int64()).to_numpy()
    alt = one.column("alt_baro_ft").to_numpy(zero_copy_only=False)
    o = found[0]
    inside = (t >= o.start_ns) & (t <= o.end_ns) & np.isfinite(alt)
    assert np.nanmin(alt[inside]) < 20_500.0 and np.nanmax(alt[inside]) > 26_000.0
    # and the vertical rates of the parabolas are far beyond airline operation
    rates = abnormal_vertical_rates(one)
    assert len(rates) >= 10
    assert min(r.min_fpm for r in rates) < -12_000.0
    assert max(r.max_fpm for r in rates) > 12_000.0


NORMAL = [
    "readsb/trace_full_ac671b.json",
    "featured/belevingsvlucht.json.gz",
    "featured/elal747.json.gz",
    "featured/qantas747.json.gz",
    "calibration/munich.json.gz",
    "calibration/london_heathrow.json.gz",
    "noisy/noisy_landing.json.gz",
    "noisy/noisy_spoofing.json.gz",
    "fr24/2ce4f83f.json",
    "fr24/372355e5.json",
]


@pytest.mark.parametrize("rel", NORMAL)
def test_normal_flights_neither_oscillate_nor_climb_abnormally(samples: Path, rel: str) -> None:
    for one in _aircraft(_read(samples / rel)):
        assert find_oscillations(one) == (), rel
        assert abnormal_vertical_rates(one) == (), rel


@pytest.mark.slow  # ~18 s: three weeks of one aircraft
def test_swings_without_energy_exchange_are_not_oscillations(samples: Path) -> None:
    """A TV relay aircraft orbiting for hours at FL260-280 (tour_de_france): regular
    altitude swings of ~400 ft every 25-45 s, with the speed uncorrelated: no
    pitch oscillation (height is not traded for speed), so none is reported."""
    table = _read(samples / "tv_relay/tour_de_france.json.gz")
    for one in _aircraft(table):
        assert find_oscillations(one) == ()


# -- the simulated incident ------------------------------------------------------------------


@pytest.fixture(scope="module")
def incident(simulation) -> tuple[pa.Table, dict]:  # type: ignore[no-untyped-def]
    out = simulation("incident", 7, snapshots=False)
    inc = json.loads((out / "truth.json").read_text())["incident"]
    table = read_table(out / "traces" / f"trace_full_{inc['icao24']}.json").sort_by("time")
    return table, inc


def _main(found: tuple) -> object:  # the longest oscillation
    assert found
    return max(found, key=lambda o: o.duration_s)


def test_the_incident_phugoid_against_truth(incident: tuple[pa.Table, dict]) -> None:
    table, inc = incident
    truth = inc["oscillation"]
    o = _main(find_oscillations(table))
    assert abs(o.period_s / truth["period_s"] - 1.0) <= 0.10  # type: ignore[attr-defined]
    assert abs(o.amplitude_ft / truth["amplitude_ft"] - 1.0) <= 0.20  # type: ignore[attr-defined]
    # from about the failure to about the crash
    assert abs(o.start_ns - truth["time_ns"]) <= 3 * truth["period_s"] * NS_PER_S  # type: ignore[attr-defined]
    assert o.end_ns > inc["positions_back"]["time_ns"]  # type: ignore[attr-defined]
    assert o.anti_phase is True  # type: ignore[attr-defined]
    events = oscillation_events([o])  # type: ignore[list-item]
    assert [e.kind for e in events] == ["oscillation"]
    detail = events[0].detail
    assert {"end", "period_s", "amplitude_ft", "speed_amplitude_kt", "anti_phase", "cycles"} <= set(
        detail
    )
    json.dumps(events[0].as_json())


def test_the_incident_phugoid_thinned_and_noisy(incident: tuple[pa.Table, dict]) -> None:
    table, inc = incident
    truth = inc["oscillation"]
    thin = table.take(np.arange(0, table.num_rows, 3))
    alt = table.column("alt_baro_ft").to_numpy(zero_copy_only=False).astype(float)
    noisy = table.set_column(
        table.schema.get_field_index("alt_baro_ft"),
        "alt_baro_ft",
        pa.array(alt + np.random.default_rng(1).uniform(-50, 50, alt.size), pa.float32()),
    )
    for t in (thin, noisy):
        o = _main(find_oscillations(t))
        assert abs(o.period_s / truth["period_s"] - 1.0) <= 0.10  # type: ignore[attr-defined]
        assert abs(o.amplitude_ft / truth["amplitude_ft"] - 1.0) <= 0.20  # type: ignore[attr-defined]


def test_only_the_incident_aircraft_oscillates(simulation) -> None:  # type: ignore[no-untyped-def]
    out = simulation("incident", 7, snapshots=False)
    inc = json.loads((out / "truth.json").read_text())["incident"]
    for path in sorted((out / "traces").glob("trace_full_*.json")):
        if inc["icao24"] in path.name:
            continue
        table = read_table(path).sort_by("time")
        assert find_oscillations(table) == (), path.name
        assert abnormal_vertical_rates(table) == (), path.name


# -- synthetic ----------------------------------------------------------------------------


def _quantised(x: np.ndarray, step: float) -> np.ndarray:
    return np.round(x / step) * step


def test_a_sinusoid_on_a_descent_sampled_sparsely() -> None:
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(2.0, 8.0, 1200))
    period, amp = 80.0, 400.0
    alt = 15_000.0 - 1000.0 * t / 60.0 * (t > 2000) + amp * np.sin(2 * np.pi * t / period)
    gs = 280.0 - 0.02 * amp * np.sin(2 * np.pi * t / period)  # anti-phase
    table = _table(t, _quantised(alt, 25.0), gs)
    (o,) = find_oscillations(table)
    assert abs(o.period_s / period - 1.0) < 0.05
    assert abs(o.amplitude_ft / amp - 1.0) < 0.15
    assert o.anti_phase is True and o.speed_source == "gs_kt"
    assert o.cycles >= 0.9 * (t[-1] - t[0]) / period


def test_step_climbs_level_offs_turbulence_and_quantisation_are_not_oscillations() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(0.0, 6000.0, 5.0)
    # step climbs of 2,000 ft at 1,500 ft/min every 10 min, +-100 ft turbulence, 100-ft steps
    steps = np.clip((t % 600.0) / 80.0, 0.0, 1.0) + np.floor(t / 600.0)
    alt = 20_000.0 + 2000.0 * steps + rng.uniform(-100.0, 100.0, t.size)
    assert find_oscillations(_table(t, _quantised(alt, 100.0))) == ()
    # an approach and a go-around, twice
    v = 3000.0 - np.minimum(np.abs(t - 1500.0), np.abs(t - 3500.0)) * -10.0
    assert find_oscillations(_table(t, np.minimum(v, 6000.0))) == ()


def test_vertical_rates() -> None:
    t = np.arange(0.0, 300.0, 1.0)
    # a descent at 8,000 ft/min for a minute between level flight
    alt = np.where(t < 100, 20_000.0, np.where(t < 160, 20_000.0 - (t - 100) * 8000 / 60, 12_000))
    (v,) = abnormal_vertical_rates(_table(t, alt))
    assert -8200.0 < v.min_fpm <= v.max_fpm < -6000.0
    assert 40.0 <= v.duration_s <= 70.0
    (e,) = vertical_rate_events([v])
    assert isinstance(e, Event) and e.kind == "abnormal_vertical_rate"
    assert {"end", "min_fpm", "max_fpm"} <= set(e.detail)
    # a normal climb at 3,000 ft/min is not abnormal, nor one wrong value
    alt2 = 5000.0 + t * 50.0
    alt2[150] = 30_000.0
    assert abnormal_vertical_rates(_table(t, alt2)) == ()
    assert MAX_CLIMB_FPM > 3000.0
