"""Geometry and record ids: properties that must hold for any input."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from skywitness.io.ids import record_ids
from skywitness.model.geo import (
    EARTH_RADIUS_M,
    bearing_deg,
    destination,
    distance_m,
    nearest_distance_m,
)

lats = st.floats(-89.0, 89.0)
lons = st.floats(-180.0, 180.0)


@given(lats, lons, st.floats(0.0, 360.0), st.floats(0.0, 2_000_000.0))
def test_destination_then_distance_and_bearing(
    lat: float, lon: float, brg: float, d: float
) -> None:
    lat2, lon2 = destination(lat, lon, brg, d)
    assert -90 <= lat2 <= 90 and -180 <= lon2 <= 180
    assert abs(distance_m(lat, lon, lat2, lon2) - d) < 1e-6 * EARTH_RADIUS_M
    if d > 1000 and abs(lat) < 85:
        diff = (bearing_deg(lat, lon, lat2, lon2) - brg + 180) % 360 - 180
        assert abs(diff) < 0.01


@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(
        [(-60.0, 60.0, -180.0, 180.0), (50.0, 60.0, 170.0, 190.0), (80.0, 90.0, -180.0, 180.0)]
    ),
    st.floats(1_000.0, 3_000_000.0),
)
def test_nearest_distance_is_the_least_of_all_pairs(
    seed: int, box: tuple[float, float, float, float], within: float
) -> None:
    """The k-d tree's nearest distance is the brute force's least, where that
    lies within the bound (across the antimeridian and near a pole too)."""
    rng = np.random.default_rng(seed)
    s, n, w, e = box

    def draw(k: int) -> tuple[np.ndarray, np.ndarray]:
        lon = (rng.uniform(w, e, k) + 180.0) % 360.0 - 180.0
        return rng.uniform(s, n, k), lon

    lat, lon = draw(300)
    ref_lat, ref_lon = draw(int(rng.integers(1, 40)))
    brute = distance_m(lat[:, None], lon[:, None], ref_lat[None], ref_lon[None]).min(axis=1)
    got = nearest_distance_m(lat, lon, ref_lat, ref_lon, within)
    inside = brute <= within
    assert np.allclose(got[inside], brute[inside], rtol=0, atol=1e-6)
    assert np.all(np.isinf(got[brute > within * (1 + 1e-6)]))
    assert np.all(np.isinf(nearest_distance_m(lat, lon, ref_lat[:0], ref_lon[:0], within)))


@given(lats, lons, lats, lons)
def test_distance_symmetric_and_bounded(a: float, b: float, c: float, d: float) -> None:
    d1, d2 = distance_m(a, b, c, d), distance_m(c, d, a, b)
    assert abs(d1 - d2) < 1e-6
    assert 0 <= d1 <= np.pi * EARTH_RADIUS_M + 1e-6


def test_agrees_with_an_independent_formula() -> None:
    # Aktau (UATE) to Baku (UBBB), against the equirectangular approximation
    # (good to 0.1 % at this range): about 387 km.
    lat1, lon1, lat2, lon2 = 43.8601, 51.0920, 40.4675, 50.0467
    x = np.radians(lon2 - lon1) * np.cos(np.radians((lat1 + lat2) / 2))
    y = np.radians(lat2 - lat1)
    approx = EARTH_RADIUS_M * np.hypot(x, y)
    assert abs(distance_m(lat1, lon1, lat2, lon2) / approx - 1) < 1e-3
    assert 386_000 < approx < 389_000


@given(
    st.text("0123456789abcdef", min_size=16, max_size=64),
    st.integers(0, 10**9),
    st.integers(1, 500),
)
def test_record_ids_stable_unique_nonnegative(digest: str, first: int, n: int) -> None:
    a = record_ids(digest, first, n)
    assert np.array_equal(a, record_ids(digest, first, n))
    assert len(np.unique(a)) == n and (a >= 0).all()
    # Batching does not change ids: rows first..first+n-1 in two calls.
    k = n // 2
    assert np.array_equal(
        a, np.r_[record_ids(digest, first, k), record_ids(digest, first + k, n - k)]
    )
