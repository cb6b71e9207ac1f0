"""Inputs the long fuzz campaign (bench/fuzz.py) found escaping as exceptions, now handled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skywitness.errors import InputError
from skywitness.io import open_file, read_table


def _read(path: Path) -> tuple[int, list[str]]:
    fr = open_file(path)
    rows = sum(b.num_rows for b in fr)
    return rows, [i.reason for i in fr.ctx.issues]


def test_trace_huge_timestamp_or_offset(tmp_path: Path) -> None:
    point = [0, 45.0, 5.0, 30000, 450, 90, 0, 0, None, "adsb_icao"]
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"icao": "abc123", "timestamp": 1e308, "trace": [point]}))
    with pytest.raises(InputError, match="timestamp"):
        read_table(path)
    path.write_text(
        json.dumps({"icao": "abc123", "timestamp": 1.7e9, "trace": [[1e300, *point[1:]], point]})
    )
    rows, reasons = _read(path)
    assert rows == 1 and reasons == ["trace point has no plausible time offset"]


def test_snapshot_huge_seen(tmp_path: Path) -> None:
    path = tmp_path / "aircraft.json"
    ac = {"hex": "abc123", "alt_baro": 30000, "seen": 1e308}
    path.write_text(json.dumps({"now": 1.7e9, "aircraft": [ac, {**ac, "seen": 1.0}]}))
    rows, reasons = _read(path)
    assert rows == 1 and reasons == ["aircraft entry has an implausible 'seen' age"]


def test_traffic_json_huge_timestamp(tmp_path: Path) -> None:
    path = tmp_path / "flight.json"
    rows = [{"timestamp": t, "icao24": "abc123", "latitude": 45.0, "longitude": 5.0, "altitude": 30000}
            for t in (1.7e12, 1e308)]  # fmt: skip
    path.write_text(json.dumps(rows))
    n, reasons = _read(path)
    assert n == 1 and len(reasons) == 1 and "time" in reasons[0]


def test_traffic_json_huge_index_key(tmp_path: Path) -> None:
    path = tmp_path / "columns.json"
    doc = {"timestamp": {"0": 1.7e12, "99999999999999999999": 1.7e12 + 1000},
           "icao24": {"0": "abc123", "99999999999999999999": "abc123"}}  # fmt: skip
    path.write_text(json.dumps(doc))
    n, reasons = _read(path)
    assert n == 2 and reasons == []
