"""The consistency test of the jamming stretches in time slices (for a mapper's
workers) gives what the test in one piece gives."""

from __future__ import annotations

import numpy as np
import pytest

from skywitness.gnss.jamming import stretches as s
from skywitness.gnss.jamming.events import serial_map
from skywitness.gnss.jamming.stretches import Interval, consistent

NS = 1_000_000_000


def _drawn(seed: int) -> tuple[list[Interval], np.ndarray]:
    """Stretches and good points over six hours round 50 N 8 E, dense enough
    that some stretches are contradicted (and some supported), not all."""
    rng = np.random.default_rng(seed)
    ivs = []
    for k in range(300):
        t0 = rng.uniform(0, 6 * 3600)
        n = int(rng.integers(20, 240))
        t = t0 + 10.0 * np.arange(n)
        lat = rng.uniform(48, 52) + np.cumsum(rng.normal(0, 0.01, n))
        lon = rng.uniform(5, 11) + np.cumsum(rng.normal(0, 0.015, n))
        alt = np.full(n, rng.uniform(5_000, 40_000))
        path = np.column_stack([t, lat, lon, alt])
        ivs.append(Interval(f"{k:06x}", int(t[0] * NS), int(t[-1] * NS),
                            (lat[0], lon[0], alt[0]), (lat[-1], lon[-1], alt[-1], 450.0), path))  # fmt: skip
    m = 20_000
    outside = np.column_stack([
        rng.uniform(0, 6 * 3600 + 3000, m), rng.uniform(48, 52, m), rng.uniform(5, 11, m),
        rng.uniform(0, 41_000, m), rng.integers(0, 2_000, m).astype(float),
    ])  # fmt: skip
    return ivs, outside


def _same(a: list[Interval], b: list[Interval]) -> bool:
    return len(a) == len(b) and all(
        (x.icao24, x.start_ns, x.end_ns, x.entry, x.exit)
        == (y.icao24, y.start_ns, y.end_ns, y.entry, y.exit)
        and np.array_equal(x.path, y.path)
        for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_slices_give_the_test_in_one_piece(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    ivs, outside = _drawn(seed)
    whole = consistent(ivs, outside)
    assert not _same(whole, ivs)  # some stretches were cut: the test has work to do
    assert {id(iv) for iv in whole} & {id(iv) for iv in ivs}  # and some kept whole
    monkeypatch.setattr(s, "CONSISTENCY_PARALLEL_MIN", 1)
    for slices in (1, 7, 40):
        monkeypatch.setattr(s, "CONSISTENCY_SLICES", slices)
        assert _same(consistent(ivs, outside, serial_map), whole)


@pytest.mark.slow
def test_slices_in_the_engines_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from skywitness.engine.local import LocalEngine

    ivs, outside = _drawn(0)
    whole = consistent(ivs, outside)
    monkeypatch.setattr(s, "CONSISTENCY_PARALLEL_MIN", 1)
    assert _same(consistent(ivs, outside, LocalEngine(workers=2).map_shared), whole)
