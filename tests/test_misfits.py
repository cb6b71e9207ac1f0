"""The misfits of many stretches' own observations at once are each one's
misfit, to the last bit (the two-emitter split assigns stretches by them)."""

from __future__ import annotations

import numpy as np
import pytest

from skywitness.gnss.locate import EmitterEstimate, Observations, misfit, misfits


def _own(rng: np.random.Generator) -> Observations:
    """One stretch's own observations round 50 N 8 E, each part present or not."""

    def pts(n: int, cols: int) -> np.ndarray:
        out = np.column_stack(
            [rng.uniform(47, 53, n), rng.uniform(3, 13, n), rng.uniform(0, 41_000, n)]
        )
        return out if cols == 3 else np.column_stack([out, rng.uniform(100, 500, n)])

    return Observations(
        entry=pts(int(rng.integers(0, 2)), 3),
        exit=pts(int(rng.integers(0, 2)), 4),
        inside=pts(int(rng.choice([0, 1, 3, 9, 20, 21])), 3),
        outside=np.zeros((0, 3)),
    )


@pytest.mark.parametrize("seed", range(5))
def test_misfits_are_each_ones_misfit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    each = [_own(rng) for _ in range(400)]
    for _ in range(5):
        est = EmitterEstimate(
            lat=float(rng.uniform(48, 52)), lon=float(rng.uniform(5, 11)),
            range_km=float(rng.uniform(50, 400)), error_km_95=5.0, n_entries=10, n_exits=10,
            antenna_m=float(rng.uniform(2, 60)),
        )  # fmt: skip
        one_by_one = np.array([misfit(o, est) for o in each])
        assert np.array_equal(misfits(each, est), one_by_one)
    # Without any exit or inside point at all, and with none at all.
    bare = [Observations(o.entry, np.zeros((0, 4)), np.zeros((0, 3)), o.outside) for o in each]
    assert np.array_equal(misfits(bare, est), np.array([misfit(o, est) for o in bare]))
    assert len(misfits([], est)) == 0


def test_sets_it_cannot_join_are_still_each_ones_misfit() -> None:
    rng = np.random.default_rng(9)
    each = [_own(rng) for _ in range(30)]
    wide = Observations(np.zeros((0, 3)), np.array([[50.0, 8.0, 30_000.0, 400.0, 31_000.0]]),
                        np.zeros((0, 3)), np.array([[50.1, 8.1, 35_000.0]]))  # fmt: skip
    est = EmitterEstimate(lat=50.0, lon=8.0, range_km=200.0, error_km_95=5.0, n_entries=10,
                          n_exits=10, antenna_m=10.0)  # fmt: skip
    got = misfits([*each, wide], est)
    assert np.array_equal(got, np.array([misfit(o, est) for o in [*each, wide]]))
