"""Across the antimeridian: a jammer whose zone straddles longitude 180 is
found and located as well as the same jammer anywhere else (it was placed
thousands of km away, with a 750-km bound, when the local plane's origin was
the plain mean of longitudes)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.jobs.jamming import compute_jamming
from skywitness.jobs.reports import select_reports
from skywitness.model.geo import distance_m, mean_lon, median_lon, near_lon


def test_longitude_means_and_medians_cross_the_antimeridian() -> None:
    assert abs(mean_lon([179.0, -179.0]) - (-180.0)) < 1e-9
    assert abs(mean_lon([179.5, 179.9, -179.6]) - 179.9333333333) < 1e-6
    assert median_lon([178.0, -179.0, 179.0]) == 179.0
    plain = np.array([20.1, 20.7, 21.3])
    assert mean_lon(plain) == float(np.mean(plain))  # unchanged where nothing crosses
    assert np.array_equal(near_lon(plain, 20.1), plain)


def _shifted(reports: pa.Table, dlon: float) -> pa.Table:
    lon = reports["lon"]
    moved = pc.subtract(pc.add(lon, 180.0 + dlon), 0.0)
    moved = pa.array((moved.to_numpy(zero_copy_only=False) % 360.0) - 180.0, pa.float64())
    return reports.set_column(reports.schema.get_field_index("lon"), "lon", moved)


def test_a_jammer_across_the_antimeridian_is_located_as_anywhere(simulation: Any) -> None:
    reports = select_reports(simulation.reports("jamming", 0, size=0.3), None, None, None)
    here = compute_jamming(reports, window="1h")
    dlon = 157.5  # the scenario's emitter (20.5 E) to 178 E: its zone crosses 180
    there = compute_jamming(_shifted(reports, dlon), window="1h")
    assert len(here.events) == len(there.events) == 1
    a, b = here.events[0].emitter, there.events[0].emitter
    assert a is not None and b is not None
    expected_lon = (a.lon + dlon + 180.0) % 360.0 - 180.0
    assert float(distance_m(b.lat, b.lon, a.lat, expected_lon)) / 1000 < 1.0
    assert abs(b.error_km_95 - a.error_km_95) < 0.1 * a.error_km_95
    assert here.events[0].aircraft == there.events[0].aircraft
