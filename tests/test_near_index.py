"""The space-time narrowing of a stretch's neighbours keeps every point that
the contradiction test could find (it only drops points that cannot be near)."""

from __future__ import annotations

import numpy as np
import pytest

from skywitness.gnss.jamming.stretches import (
    CONTRADICTION_KM,
    CONTRADICTION_S,
    _near,
    near_in_space_time,
)
from skywitness.model.geo import distance_m


@pytest.mark.parametrize("lat0, lon0", [(55.0, 20.0), (0.0, 179.9), (-70.0, -179.95), (88.7, 10.0)])
def test_narrowing_drops_only_points_that_cannot_be_near(lat0: float, lon0: float) -> None:
    rng = np.random.default_rng(int(abs(lat0 * 100 + lon0)))
    for _ in range(40):
        m = int(rng.integers(1, 30))
        t = np.sort(rng.uniform(0, 600, m))
        smp = np.column_stack(
            [t, lat0 + np.cumsum(rng.normal(0, 0.02, m)), lon0 + np.cumsum(rng.normal(0, 0.03, m)),
             rng.uniform(0, 40000, m)]
        )  # fmt: skip
        smp[:, 2] = (smp[:, 2] + 180.0) % 360.0 - 180.0
        smp[:, 1] = np.clip(smp[:, 1], -89.9, 89.9)
        n = 4000
        pts = np.column_stack(
            [rng.uniform(-200, 800, n), np.clip(lat0 + rng.normal(0, 0.5, n), -90, 90),
             (lon0 + rng.normal(0, 1.5, n) + 180.0) % 360.0 - 180.0, rng.uniform(0, 40000, n)]
        )  # fmt: skip
        pts = pts[np.argsort(pts[:, 0])]
        narrowed = near_in_space_time(pts, smp, CONTRADICTION_KM, CONTRADICTION_S)
        # every point truly within reach of a sample is kept
        for row in smp:
            close = (np.abs(pts[:, 0] - row[0]) <= CONTRADICTION_S) & (
                distance_m(pts[:, 1], pts[:, 2], row[1], row[2]) / 1000 <= CONTRADICTION_KM
            )
            kept = {tuple(p) for p in narrowed}
            assert all(tuple(p) in kept for p in pts[close])
        assert len(narrowed) < n  # and it narrows
        always = lambda a, b: np.ones_like(a, dtype=bool)  # noqa: E731
        assert np.array_equal(_near(smp, pts, always), _near(smp, narrowed, always))
