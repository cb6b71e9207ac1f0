"""The point index returns every row a scan finds within a distance and a
time range (anywhere on Earth: across the antimeridian, near the poles), in
the array's order, and the tests that use it find what a scan finds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.gnss.jamming.spatial import PointIndex, index_of
from skywitness.gnss.jamming.stretches import near_in_space_time
from skywitness.model.geo import distance_m


def _points(rng: np.random.Generator, n: int, lat0: float, lon0: float) -> np.ndarray:
    lat = np.clip(lat0 + rng.normal(0, 8, n), -90, 90)
    lon = (lon0 + rng.normal(0, 12, n) + 180) % 360 - 180
    t = np.sort(rng.uniform(0, 7200, n))
    return np.column_stack([t, lat, lon, rng.uniform(0, 40_000, n), rng.integers(0, 50, n)])


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-89.9, 89.9),
    st.floats(-180, 180),
    st.floats(1, 800),
    st.integers(0, 2**32 - 1),
)
def test_every_point_within_reach_is_returned(
    lat0: float, lon0: float, km: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    pts = _points(rng, 3000, lat0, lon0)
    centres = _points(rng, 5, lat0, lon0)
    t_lo, t_hi = 1000.0, 5000.0
    rows = PointIndex(pts).near(centres[:, 1], centres[:, 2], km, t_lo, t_hi)
    assert (np.diff(rows) > 0).all()  # increasing, no row twice
    d = np.min([distance_m(pts[:, 1], pts[:, 2], a, b) / 1000 for a, b in centres[:, 1:3]], axis=0)
    within = np.flatnonzero((d <= km) & (pts[:, 0] >= t_lo) & (pts[:, 0] <= t_hi))
    assert set(within.tolist()) <= set(rows.tolist())
    # The box keeps the candidates few: not every point of the time range.
    in_time = int(((pts[:, 0] >= t_lo) & (pts[:, 0] <= t_hi)).sum())
    if km < 100 and abs(lat0) < 60:
        assert len(rows) < in_time


def test_the_poles_and_the_antimeridian() -> None:
    pts = np.array([[0.0, 89.5, 10.0, 0, 0], [0.0, 89.5, -170.0, 0, 0],
                    [0.0, 10.0, 179.9, 0, 0], [0.0, 10.0, -179.9, 0, 0],
                    [0.0, 10.0, 0.0, 0, 0], [0.0, np.nan, 0.0, 0, 0]])  # fmt: skip
    index = PointIndex(pts)
    assert index.near(np.array([89.9]), np.array([100.0]), 100.0).tolist() == [0, 1]
    assert index.near(np.array([10.0]), np.array([180.0]), 30.0).tolist() == [2, 3]
    assert index.near(np.array([10.0]), np.array([-179.95]), 30.0).tolist() == [2, 3]
    assert index_of(pts) is index_of(pts)


def test_near_in_space_time_finds_what_the_scan_finds() -> None:
    rng = np.random.default_rng(3)
    for lat0, lon0 in ((55.0, 20.0), (0.0, 179.0), (80.0, -40.0)):
        pts = _points(rng, 5000, lat0, lon0)
        index = PointIndex(pts)
        for _ in range(20):
            smp = _points(rng, 12, lat0, lon0)
            plain = near_in_space_time(pts, smp, 20.0, 60.0)
            fast = near_in_space_time(pts, smp, 20.0, 60.0, index)
            assert np.array_equal(plain, fast)


def _near_by_loop(smp: np.ndarray, pts: np.ndarray, alt_ok: object) -> np.ndarray:
    """The contradiction test sample by sample, as it was written first."""
    from skywitness.gnss.jamming import stretches as s

    out = np.zeros(len(smp), dtype=bool)
    lo = np.searchsorted(pts[:, 0], smp[:, 0] - s.CONTRADICTION_S)
    hi = np.searchsorted(pts[:, 0], smp[:, 0] + s.CONTRADICTION_S)
    for j in range(len(smp)):
        cand = pts[lo[j] : hi[j]]
        if len(cand):
            d = distance_m(cand[:, 1], cand[:, 2], smp[j, 1], smp[j, 2]) / 1000
            out[j] = bool(((d <= s.CONTRADICTION_KM) & alt_ok(cand[:, 3], smp[j, 3])).any())  # type: ignore[operator]
    return out


def test_the_samples_near_points_at_once_as_one_by_one() -> None:
    from skywitness.gnss.jamming import stretches as s

    rng = np.random.default_rng(5)
    higher = lambda a, b: (a >= b - s.CONTRADICTION_ALT_FT) | (a >= s.CONTRADICTION_HIGH_FT)  # noqa: E731
    for _ in range(400):
        n, m = int(rng.integers(1, 60)), int(rng.integers(1, 30))
        pts = np.column_stack([np.sort(rng.uniform(0, 600, n)), 50 + rng.normal(0, 0.2, n),
                               8 + rng.normal(0, 0.3, n), rng.uniform(0, 40_000, n)])  # fmt: skip
        smp = np.column_stack([np.sort(rng.uniform(0, 600, m)), 50 + rng.normal(0, 0.2, m),
                               8 + rng.normal(0, 0.3, m), rng.uniform(0, 40_000, m)])  # fmt: skip
        assert np.array_equal(s._near(smp, pts, higher), _near_by_loop(smp, pts, higher))
