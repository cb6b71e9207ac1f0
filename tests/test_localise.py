"""Emitter localisation on synthetic geometry with known answers (the simulator
scenarios measure it end to end in bench/accuracy.py)."""

from __future__ import annotations

import numpy as np
import pytest

from skywitness.gnss.locate import Observations, horizon_km, locate_emitter
from skywitness.model.geo import destination, distance_m


def test_horizon() -> None:
    # 4/3-Earth radio horizon: 4.12 km per sqrt(m), aircraft plus 10 m antenna.
    assert horizon_km(np.array([10_000 / 0.3048]))[0] == pytest.approx(
        4.12 * (100 + 10**0.5), rel=1e-9
    )
    assert horizon_km(np.array([-50.0]))[0] == pytest.approx(4.12 * 10**0.5)


def _crossings(
    rng: np.random.Generator, e: tuple[float, float], r_km: float, n: int
) -> Observations:
    """Straight flights through a disc: entries on the boundary, late exits, misses outside."""
    entry, exit_, outside, ea, xa = [], [], [], [], []
    for k in range(n):
        b, off = rng.uniform(0, 360), rng.uniform(-1.4 * r_km, 1.4 * r_km)
        alt = float(rng.choice([35000, 30000, 20000, 8000]))
        rr = min(r_km, horizon_km(np.array([alt]))[0])
        c_lat, c_lon = destination(e[0], e[1], b + 90, off * 1000)
        lat, lon = destination(c_lat, c_lon, b, np.arange(-500, 500, 1.2) * 1000)  # 5 s at 470 kt
        inside = distance_m(lat, lon, e[0], e[1]) / 1000 < rr
        if not inside.any():
            outside += [[a, o, alt] for a, o in zip(lat[::20], lon[::20], strict=True)]
            continue
        i0 = int(np.argmax(inside))
        i1 = len(inside) - 1 - int(np.argmax(inside[::-1]))
        j = i0 + int(rng.integers(0, 3)) - 1  # last trusted report, within a report of the edge
        entry.append([lat[j], lon[j], alt])
        j = min(i1 + int(rng.uniform(30, 120) / 5), len(lat) - 1)  # re-acquisition delay
        exit_.append([lat[j], lon[j], alt, 470.0])
        ea.append(k)
        xa.append(k)
        outside += [[a, o, alt] for a, o in zip(lat[:i0:20], lon[:i0:20], strict=True)]
    return Observations(np.array(entry), np.array(exit_), np.zeros((0, 3)),
                        np.array(outside).reshape(-1, 3), np.array(ea), np.array(xa))  # fmt: skip


def test_locates_on_ideal_crossings() -> None:
    rng = np.random.default_rng(7)
    errors, covered = [], 0
    for _ in range(6):
        e = (55.0 + rng.normal(0, 1), 20.0 + rng.normal(0, 1))
        r = float(rng.uniform(60, 200))
        est = locate_emitter(_crossings(rng, e, r, 15), bootstrap=30)
        assert est is not None
        err = float(distance_m(est.lat, est.lon, *e)) / 1000
        errors.append(err)
        covered += err <= est.error_km_95
        assert abs(est.range_km - r) < 0.05 * r
    assert float(np.median(errors)) < 2.0
    assert covered >= 5


def test_too_few_entries() -> None:
    rng = np.random.default_rng(1)
    obs = _crossings(rng, (40.0, 50.0), 100.0, 15)
    two = Observations(obs.entry[:2], obs.exit[:2], obs.inside, obs.outside)
    assert locate_emitter(two) is None


def test_positions_of_another_emitters_zone_are_left_out() -> None:
    """An aircraft that stays affected past the disc (an overlapping second
    zone) leaves "inside" positions and an exit far beyond it, all on one
    side: they are dropped after a first fit instead of dragging the disc."""
    rng = np.random.default_rng(11)
    e, r = (34.0, 34.0), 200.0
    obs = _crossings(rng, e, r, 12)
    far_lat, far_lon = destination(np.full(30, e[0]), np.full(30, e[1]),
                                   np.linspace(40, 60, 30), np.linspace(260, 330, 30) * 1000)  # fmt: skip
    inside = np.column_stack([far_lat, far_lon, np.full(30, 35000.0)])
    x_lat, x_lon = destination(e[0], e[1], 50.0, 380_000.0)
    exits = np.vstack([obs.exit, [[float(x_lat), float(x_lon), 35000.0, 470.0]] * 3])
    polluted = Observations(obs.entry, exits, inside, obs.outside, obs.entry_aircraft,
                            np.r_[obs.exit_aircraft, [100, 101, 102]])  # fmt: skip
    est = locate_emitter(polluted, bootstrap=0)
    assert est is not None
    assert float(distance_m(est.lat, est.lon, *e)) / 1000 < 3.0


def test_one_estimate_record_for_jammers_and_spoofers() -> None:
    """The spoofer's area is the jammer's record; the JSON each prints is unchanged."""
    from skywitness.gnss.jamming.events import Event
    from skywitness.gnss.locate import EmitterEstimate
    from skywitness.gnss.spoofing.places import SpoofCluster, spoofer_area

    assert spoofer_area.__annotations__["return"] in (
        "EmitterEstimate | None",
        EmitterEstimate | None,
    )
    est = EmitterEstimate(58.123456, 20.987654, 160.04, 15.05, 4, 3, antenna_m=25.0, zone_km=100.0)
    # A spoofed place's area (as the spoofing JSON prints it): range and error to 0.1 km;
    # the any-antenna bound adds directional_share (0.828 at 12 dB) of the zone's radius.
    assert est.as_json() == {
        "lat": 58.12346, "lon": 20.98765, "range_km": 160.0, "error_km_95": 15.1,
        "error_km_95_any_antenna": 97.9, "n_entries": 4, "n_exits": 3,
    }  # fmt: skip
    cluster = SpoofCluster(0, 60 * 10**9, 1.0, 2.0, "point", 0.5, 0.1, ("a", "b"), 600.0, est)
    assert cluster.as_json()["spoofer_area"] == est.as_json()
    # A jamming event's emitter: range and error to 0.01 km, no counts.
    assert est.as_json(km_digits=2, counts=False) == {
        "lat": 58.12346, "lon": 20.98765, "range_km": 160.04, "error_km_95": 15.05,
        "error_km_95_any_antenna": 97.89,
    }  # fmt: skip
    event = Event("e1", 0, 60 * 10**9, ["a"], [], est, {})
    assert event.as_json()["emitter"] == est.as_json(km_digits=2, counts=False)


def test_the_fits_jacobian_is_the_residuals_derivative() -> None:
    """The analytic Jacobian the fit uses equals central differences of the
    residuals on drawn data of every kind (entries, exits high and low,
    inside and outside points), away from the hinges' kinks."""
    from skywitness.gnss.locate import _jacobian, _residuals

    rng = np.random.default_rng(0)
    for _ in range(200):
        n, m, k, o = (
            rng.integers(3, 30),
            rng.integers(0, 20),
            rng.integers(0, 20),
            rng.integers(0, 20),
        )
        d = {
            "ex": rng.normal(0, 100, n), "ey": rng.normal(0, 100, n), "eh": rng.uniform(50, 400, n),
            "xx": rng.normal(0, 120, m), "xy": rng.normal(0, 120, m), "xh": rng.uniform(50, 400, m),
            "xlag": rng.uniform(0, 15, m), "xhigh": (rng.random(m) < 0.5) * 1.0,
            "ix": rng.normal(0, 80, k), "iy": rng.normal(0, 80, k), "ih": rng.uniform(50, 400, k),
            "ox": rng.normal(0, 200, o), "oy": rng.normal(0, 200, o), "oh": rng.uniform(50, 400, o),
        }  # fmt: skip
        d["xh_top"] = d["xh"] + rng.uniform(0, 50, m)
        p = np.array(
            [rng.normal(0, 30), rng.normal(0, 30), rng.uniform(20, 300), rng.uniform(1, 10)]
        )
        jac = _jacobian(p, d)
        step = 1e-6
        numeric = np.column_stack([
            (_residuals(p + e, d) - _residuals(p - e, d)) / (2 * step) for e in np.eye(4) * step
        ])  # fmt: skip
        assert jac.shape == numeric.shape
        np.testing.assert_allclose(jac, numeric, atol=1e-4)


def test_bootstrap_rows_of_picked_aircraft_are_the_scans() -> None:
    """The resampled aircraft's rows, from one sort, are what a scan of every
    row per picked aircraft gives (in the same order; none for an aircraft
    without rows of that kind)."""
    from skywitness.gnss.locate import _rows_by_aircraft, _rows_of

    rng = np.random.default_rng(2)
    for _ in range(50):
        codes = rng.integers(0, 30, int(rng.integers(0, 80)))
        pick = rng.integers(0, 35, int(rng.integers(1, 40)))
        scan = [np.flatnonzero(codes == a) for a in pick]
        got = _rows_of(_rows_by_aircraft(codes), pick)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, np.concatenate(scan))
