"""Interference maps per H3 cell: counts, GPSJam's score and ours, and every writer."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import h3
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from skywitness.errors import UsageError
from skywitness.gnss.jamming import gnss_state, interference_map
from skywitness.gnss.jamming.maps import (
    MapGrid,
    _closed_ccw,
    cell_geometry,
    gpsjam_levels,
    gpsjam_score,
    map_grid,
    our_levels,
    split_antimeridian,
    wilson_bounds,
)
from skywitness.gnss.jamming.state import StateSummary, state_summary
from skywitness.io import read_table
from skywitness.report.cells import PARQUET_SUMMARY_KEY, gpsjam_csv, write_map

DAY = datetime(2024, 3, 1, tzinfo=UTC).timestamp()
HOUR = 3600.0
#: Three distinct cells at resolution 4, far apart.
RIGA = (56.95, 24.10)
OSLO = (59.91, 10.75)
ROME = (41.90, 12.50)


Row = tuple[str, float, tuple[float, float] | None, int]


def state_rows(rows: Sequence[Row]) -> pa.Table:
    """A gnss_state-like table from (icao24, seconds after DAY, (lat, lon), state)."""
    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    return pa.table(
        {
            "icao24": pa.array([r[0] for r in rows]),
            "time": pa.array([int((DAY + r[1]) * 1e9) for r in rows], pa.int64()).cast(
                pa.timestamp("ns", tz="UTC")
            ),
            "lat": pa.array([r[2][0] if r[2] else None for r in rows], pa.float64()),
            "lon": pa.array([r[2][1] if r[2] else None for r in rows], pa.float64()),
            "state": pa.array([r[3] for r in rows], pa.int8()),
        }
    )


def cell(p: tuple[float, float], res: int = 4) -> str:
    return str(h3.latlng_to_cell(p[0], p[1], res))


def by_cell(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {r["h3"]: r for r in table.to_pylist()}


def mixed() -> pa.Table:
    return state_rows(
        [
            ("a00001", 10, RIGA, 0),  # good then bad in Riga: bad there
            ("a00001", 20, RIGA, 1),
            ("a00001", 30, OSLO, 0),  # only good in Oslo: good there
            ("a00002", 10, RIGA, 0),  # good in Riga, unknown rows do not change that
            ("a00002", 20, RIGA, -1),
            ("a00003", 10, RIGA, -1),  # never known: unknown, out of the denominator
            ("a00004", 10, RIGA, 1),
            ("a00004", 20, None, 1),  # no position: not on the map
            ("a00005", 10, OSLO, 0),
        ]
    )


# -- counting -------------------------------------------------------------------


def test_counts_distinct_aircraft_per_cell() -> None:
    cells = by_cell(interference_map(mixed()))
    riga, oslo = cells[cell(RIGA)], cells[cell(OSLO)]
    assert (riga["count_good_aircraft"], riga["count_bad_aircraft"]) == (1, 2)
    assert riga["count_unknown_aircraft"] == 1
    assert (oslo["count_good_aircraft"], oslo["count_bad_aircraft"]) == (2, 0)
    assert len(cells) == 2
    # The unknown aircraft is in no denominator: 2 bad of 3 known.
    assert riga["score_gpsjam"] == pytest.approx((2 - 1) / 3)


def test_windows_are_utc_aligned_hours_or_days() -> None:
    table = state_rows(
        [
            ("a00001", 0.5 * HOUR, RIGA, 1),
            ("a00001", 1.5 * HOUR, RIGA, 0),
            ("a00002", 25 * HOUR, RIGA, 0),
        ]
    )
    hourly = interference_map(table, window="1h")
    starts = [t.timestamp() - DAY for t in hourly["window_start"].to_pylist()]
    assert starts == [0.0, HOUR, 25 * HOUR]
    assert hourly["count_bad_aircraft"].to_pylist() == [1, 0, 0]
    assert hourly["count_good_aircraft"].to_pylist() == [0, 1, 1]
    daily = interference_map(table, window="1d")
    assert [(t.timestamp() - DAY) for t in daily["window_start"].to_pylist()] == [0.0, 86400.0]
    assert [(t.timestamp() - DAY) for t in daily["window_end"].to_pylist()] == [86400.0, 172800.0]
    # Bad at any time in the day makes the aircraft bad there for the day.
    assert daily["count_bad_aircraft"].to_pylist() == [1, 0]
    assert daily["count_good_aircraft"].to_pylist() == [0, 1]


def test_resolution_parameter() -> None:
    table = interference_map(mixed(), resolution=6)
    assert {h3.get_resolution(c) for c in table["h3"].to_pylist()} == {6}
    assert map_grid(table) == MapGrid(resolution=6, window="1d")
    assert table.schema.metadata is None  # nothing passed beside the columns
    with pytest.raises(UsageError):
        interference_map(mixed(), resolution=16)
    with pytest.raises(UsageError):
        interference_map(mixed(), window="1w")


# -- scores and levels -----------------------------------------------------------


def arr(*v: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.array(v, dtype=np.int64)


def test_gpsjam_score_and_levels() -> None:
    bad, good = arr(0, 1, 2, 6, 3, 2, 1, 0), arr(50, 49, 48, 44, 0, 0, 1, 0)
    score = gpsjam_score(bad, good)
    assert score[:6].tolist() == pytest.approx([0.0, 0.0, 0.02, 0.1, 2 / 3, 0.5])
    assert math.isnan(score[7])
    assert gpsjam_levels(bad, good) == [
        "green", "green", "yellow", "red", "red", "low traffic", "low traffic", "no data"
    ]  # fmt: skip


def test_wilson_bounds() -> None:
    z = 1.6448536269514722
    lower, upper = wilson_bounds(arr(1, 2, 0, 5, 0), arr(1, 2, 50, 50, 0))
    # All bad: lower = 1 / (1 + z^2 / n); none bad: upper = (z^2 / n) / (1 + z^2 / n).
    assert lower[0] == pytest.approx(1 / (1 + z * z))
    assert lower[1] == pytest.approx(1 / (1 + z * z / 2))
    assert upper[2] == pytest.approx((z * z / 50) / (1 + z * z / 50))
    assert lower[2] == 0.0 and upper[0] == pytest.approx(1.0)
    assert lower[3] < 0.1 < upper[3]
    assert math.isnan(lower[4]) and math.isnan(upper[4])


def test_our_levels_for_sparse_and_busy_cells() -> None:
    bad = arr(1, 2, 0, 0, 5, 10, 1, 3, 0)
    good = arr(0, 0, 60, 5, 45, 40, 99, 0, 0)
    assert our_levels(bad, good) == [
        "uncertain",  # one bad aircraft alone: could be its own equipment
        "red",  # two of two: lower bound 42 %
        "green",  # none of 60: upper bound below 10 %
        "uncertain",  # none of 5: too few to rule anything out
        "yellow",  # 5 of 50: at least 4.9 %
        "red",  # 10 of 50: at least 12 %
        "green",  # 1 of 100
        "red",
        "no data",
    ]
    # GPSJam needs 3 aircraft and forgives one: 2 of 2 is "low traffic" there.
    assert gpsjam_levels(arr(2), arr(0)) == ["low traffic"]


def test_map_columns_and_levels_on_a_table() -> None:
    rows: list[Row] = [(f"b{i:05d}", 10.0, ROME, 1) for i in range(3)]
    rows += [(f"c{i:05d}", 10.0, ROME, 0) for i in range(27)]
    out = interference_map(state_rows(rows))
    (row,) = out.to_pylist()
    assert (row["count_bad_aircraft"], row["count_good_aircraft"]) == (3, 27)
    assert row["score_gpsjam"] == pytest.approx(2 / 30)
    assert row["level_gpsjam"] == "yellow"
    lower, upper = wilson_bounds(arr(3), arr(30))
    assert (row["score"], row["score_upper"]) == pytest.approx((lower[0], upper[0]))
    assert row["level"] == "yellow"
    assert (row["lat"], row["lon"]) == pytest.approx(h3.cell_to_latlng(row["h3"]))


# -- writers ------------------------------------------------------------------------


def test_gpsjam_csv_bytes(tmp_path: Path) -> None:
    table = interference_map(mixed())
    out = tmp_path / "map.csv"
    written = write_map(table, out)
    assert written == [{"file": str(out), "format": "csv", "cells": 2}]
    lines = sorted([f"{cell(RIGA)},1,2", f"{cell(OSLO)},2,0"])
    expected = "hex,count_good_aircraft,count_bad_aircraft\n" + "\n".join(lines) + "\n"
    assert out.read_bytes() == expected.encode()


def test_csv_with_several_windows_and_gpsjam_names(tmp_path: Path) -> None:
    table = interference_map(
        state_rows([("a00001", 10.0, RIGA, 1), ("a00001", 86400.0 + 10, RIGA, 0)])
    )
    written = write_map(table, tmp_path / "out.csv")
    assert [Path(w["file"]).name for w in written] == ["out-2024-03-01.csv", "out-2024-03-02.csv"]
    assert (tmp_path / "out-2024-03-02.csv").read_text().splitlines()[1] == f"{cell(RIGA)},1,0"
    gpsjam_dir = tmp_path / "daily"
    gpsjam_dir.mkdir()
    names = [Path(w["file"]).name for w in write_map(table, gpsjam_dir)]
    assert names == ["2024-03-01-h3_4.csv", "2024-03-02-h3_4.csv"]
    hourly = interference_map(state_rows([("a00001", 7200.0 + 5, RIGA, 1)]), window="1h")
    assert [Path(w["file"]).name for w in write_map(hourly, tmp_path / "hourly")] == [
        "2024-03-01T02-h3_4.csv"
    ]


def test_cells_with_only_unknown_aircraft_are_not_in_the_csv() -> None:
    table = interference_map(state_rows([("a00001", 10.0, RIGA, -1)]))
    assert table["level"].to_pylist() == ["no data"]
    assert gpsjam_csv(table) == b"hex,count_good_aircraft,count_bad_aircraft\n"


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for poly in geometry["coordinates"] for ring in poly]


def _signed_area(ring: list[list[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring)) / 2


def test_geojson_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "map.geojson"
    write_map(interference_map(mixed()), out)
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 2
    for feature in doc["features"]:
        props = feature["properties"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", props["window_start"])
        assert {"count_good_aircraft", "count_bad_aircraft", "level", "level_gpsjam"} <= set(props)
        (ring,) = _rings(feature["geometry"])
        assert ring[0] == ring[-1] and len(ring) == 7  # hexagon, closed
        assert _signed_area(ring) > 0  # counter-clockwise (RFC 7946)
        # [lon, lat] order: the ring surrounds the cell centre given as lat/lon.
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        assert min(lons) < props["lon"] < max(lons) and min(lats) < props["lat"] < max(lats)


def test_geojson_across_the_antimeridian_and_at_a_pole() -> None:
    crossing = str(h3.latlng_to_cell(10.0, 179.95, 4))
    geom = cell_geometry(crossing)
    assert geom["type"] == "MultiPolygon"
    for ring in _rings(geom):
        assert ring[0] == ring[-1] and _signed_area(ring) > 0
        assert all(-180.0 <= p[0] <= 180.0 for p in ring)
        assert all(abs(a[0] - b[0]) <= 180.0 for a, b in pairwise(ring))
    sides = sorted(max(p[0] for p in ring) for ring in _rings(geom))
    assert sides[0] < 0 < sides[1]
    polar = cell_geometry(str(h3.latlng_to_cell(89.99, 0.0, 2)))
    (ring,) = _rings(polar)
    assert [90.0, 180.0] in [[p[1], p[0]] for p in ring] and _signed_area(ring) > 0
    # A clockwise ring is turned round, and closed.
    ring = _closed_ccw([(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)])
    assert ring[0] == ring[-1] and _signed_area(ring) > 0
    # An ordinary ring is left alone.
    assert split_antimeridian([(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]) == [
        [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]
    ]


def flights(aircraft: Sequence[tuple[str, int | None, tuple[float, float]]]) -> pa.Table:
    """Reports of aircraft sending a position and one NACp (None: none) every 10 s
    for two hours, flying east from a start point."""
    rows = [
        (icao24, t, (p[0], p[1] + t * 2e-4), nac_p)
        for icao24, nac_p, p in aircraft
        for t in range(0, 2 * 3600, 10)
    ]
    return pa.table(
        {
            "icao24": [r[0] for r in rows],
            "time": pa.array([int((DAY + r[1]) * 1e9) for r in rows], pa.int64()).cast(
                pa.timestamp("ns", tz="UTC")
            ),
            "lat": [r[2][0] for r in rows],
            "lon": [r[2][1] for r in rows],
            "alt_baro_ft": pa.array([35000.0] * len(rows), pa.float32()),
            "nac_p": pa.array([r[3] for r in rows], pa.int8()),
            "source": ["adsb"] * len(rows),
        }
    )


def test_concatenated_states_give_the_same_map_and_summary() -> None:
    # What an engine running the state kernel per partition does: concatenate the
    # results. Nothing may ride in schema metadata, which a concat keeps from the
    # first table only (and a Parquet round trip through other tools drops).
    reports = flights(
        [("a00001", 9, RIGA), ("a00002", 0, RIGA), ("a00003", None, OSLO), ("a00004", 9, OSLO)]
    )
    whole = gnss_state(reports)
    hour = pa.scalar(int((DAY + HOUR) * 1e9), pa.int64()).cast(pa.timestamp("ns", tz="UTC"))
    first = pc.or_(
        pc.equal(reports["icao24"], "a00002"),
        pc.and_(pc.equal(reports["icao24"], "a00001"), pc.less(reports["time"], hour)),
    )
    # a00001 (good all along) is in both parts: its first hour in one, its second
    # in the other; the rest of the aircraft are split between the parts.
    parts = [gnss_state(reports.filter(first)), gnss_state(reports.filter(pc.invert(first)))]
    joined = pa.concat_tables(parts[::-1])
    assert whole.schema.metadata is None and joined.num_rows == whole.num_rows

    expected = StateSummary(
        rows=reports.num_rows,
        aircraft=4,
        aircraft_bad=1,
        aircraft_unknown=1,
        aircraft_unknown_by_mode={"nacp": 1, "nic": 4, "loss": 0},
    )
    assert state_summary(whole) == expected
    assert state_summary(joined) == expected  # a00001 counted once
    assert [state_summary(p).aircraft for p in parts] == [2, 3]

    hourly = interference_map(whole, window="1h")
    assert hourly.num_rows > 4 and set(hourly["count_bad_aircraft"].to_pylist()) >= {1}
    assert interference_map(joined, window="1h").equals(hourly)
    assert map_grid(interference_map(joined, resolution=5)) == MapGrid(5, "1d")


def test_parquet_round_trip(tmp_path: Path) -> None:
    table = interference_map(mixed(), window="1h")
    out = tmp_path / "map.parquet"
    write_map(table, out)
    back = pq.read_table(out)
    assert back.equals(table)
    assert map_grid(back) == MapGrid(resolution=4, window="1h")
    # Read by a tool that keeps no metadata: the grid is in the columns.
    assert map_grid(back.replace_schema_metadata(None)) == MapGrid(resolution=4, window="1h")


def test_map_grid_of_an_empty_or_mixed_map() -> None:
    empty = interference_map(state_rows([("a00001", 10, None, 1)]))
    assert empty.num_rows == 0 and map_grid(empty) == MapGrid(resolution=None, window=None)
    mixed_res = pa.concat_tables(
        [interference_map(mixed()), interference_map(mixed(), resolution=5)]
    )
    with pytest.raises(UsageError, match="mixes H3 resolutions"):
        map_grid(mixed_res)
    mixed_win = pa.concat_tables(
        [interference_map(mixed()), interference_map(mixed(), window="1h")]
    )
    with pytest.raises(UsageError, match="map windows last"):
        map_grid(mixed_win)
    with pytest.raises(UsageError, match="no 'h3' column"):
        map_grid(mixed())


def jammed_area() -> pa.Table:
    """Aircraft on straight tracks over the Baltic; those near a point are bad."""
    rng = np.random.default_rng(5)
    rows: list[Row] = []
    for k in range(150):
        lat0, lon0 = rng.uniform(53.0, 60.0), rng.uniform(13.0, 28.0)
        dlat, dlon = rng.normal(0, 0.02, 2)
        for i in range(60):
            p = (lat0 + i * dlat, lon0 + i * dlon)
            near = (p[0] - 55.5) ** 2 + ((p[1] - 20.5) * 0.57) ** 2 < 1.3**2
            rows.append((f"d{k:05d}", 60.0 * i, p, 1 if near else 0))
    return state_rows(rows)


def test_html_is_self_contained(tmp_path: Path) -> None:
    table = interference_map(jammed_area())
    out = tmp_path / "map.html"
    assert write_map(table, out)[0]["format"] == "html"
    page = out.read_text()
    assert "http://" not in page and "https://" not in page
    assert "<script src" not in page and "<link" not in page
    coast = re.search(r'<path id="coast" d="([^"]*)"', page)
    assert coast is not None and coast.group(1).count("M") > 5  # Baltic shores
    assert page.count('class="cell ') == table.num_rows
    assert "o-red" in page and 'id="scheme"' in page


def test_mode_and_resolution_are_said_from_arguments_and_columns(tmp_path: Path) -> None:
    # The quality mode comes from the caller (the job), the resolution from the
    # cells themselves: the map table carries no metadata for either.
    table = interference_map(jammed_area(), resolution=5)
    write_map(table, tmp_path / "nic.html", mode="nic")
    assert "mode nic, H3 res 5" in (tmp_path / "nic.html").read_text()
    write_map(table, tmp_path / "bare.html")
    assert "UTC · H3 res 5</div>" in (tmp_path / "bare.html").read_text()  # no mode said
    write_map(table, tmp_path / "map.parquet", mode="nic")
    meta = pq.read_schema(tmp_path / "map.parquet").metadata
    summary = {"resolution": 5, "window": "1d", "mode": "nic"}
    assert json.loads(meta[PARQUET_SUMMARY_KEY]) == summary


def test_png_is_written(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "map.png"
    written = write_map(interference_map(jammed_area()), out)
    assert written[0]["format"] == "png"
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_unknown_extension() -> None:
    with pytest.raises(UsageError):
        write_map(interference_map(mixed()), "map.xlsx")


# -- real recordings ---------------------------------------------------------------


def test_clean_trace_maps_to_no_bad_cell(samples: Path) -> None:
    states = gnss_state(read_table(samples / "readsb/trace_full_ac671b.json"))
    table = interference_map(states)
    assert table.num_rows > 20
    assert set(table["count_bad_aircraft"].to_pylist()) == {0}
    # Good wherever its state was known; unknown only before its first NACp.
    known = table["count_good_aircraft"].to_pylist()
    assert sum(known) >= 20 and set(known) == {0, 1}
    unknown = table["count_unknown_aircraft"].to_pylist()
    assert all(g + u >= 1 for g, u in zip(known, unknown, strict=True))
    assert "red" not in table["level"].to_pylist() + table["level_gpsjam"].to_pylist()


def test_raw_flight_is_unknown_on_the_map(samples: Path) -> None:
    states = gnss_state(read_table(samples / "rs1090/full_flight_short.jsonl"))
    table = interference_map(states)
    assert set(table["count_unknown_aircraft"].to_pylist()) == {1}
    assert set(table["level"].to_pylist()) == {"no data"}
    assert state_summary(states).aircraft_unknown == 1
