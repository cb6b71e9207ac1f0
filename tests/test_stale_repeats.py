"""A readsb trace that repeats the last position with the stale flag while
positions are lost (jamming) holds no position there, and is never spoofing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import skywitness
from skywitness.io import read_table

T0 = 1_700_000_000
LOST = (600, 5400)  # seconds of the trace without a position


def _trace(tmp_path: Path, *, stale: bool = True, ground_repeat: bool = False) -> Path:
    """An aircraft at FL350 flying east, then north after a turn inside the loss;
    while positions are lost every point repeats the last fix (flag 1), its
    ground speed and altitude sometimes corrupted."""
    pts: list[list[object]] = []
    lat, lon = 50.0, 10.0
    held = None
    for t in range(0, 6600, 10):
        east = t < 3000
        v_deg = 450 * 1852 / 3600 * 10 / 111_195  # 10 s at 450 kt, degrees of arc
        if east:
            lon += v_deg / math.cos(math.radians(lat))
        else:
            lat += v_deg
        lost = LOST[0] <= t < LOST[1]
        track = 90.0 if east else 0.0
        gs, alt = 450.0, 35000
        if lost and t % 300 == 0:
            gs, alt = 67.0, 12000  # corrupted values while positions are missing
        detail = {"nic": 0, "nac_p": 0} if lost else {"nic": 8, "nac_p": 9}
        if lost:
            held = held or (round(lat, 6), round(lon, 6))
            p_lat, p_lon = held
        else:
            held = None
            p_lat, p_lon = round(lat, 6), round(lon, 6)
        flags = 1 if lost and stale else 0
        pts.append([t, p_lat, p_lon, alt, gs, track, flags, 0, detail, "adsb_icao"])
    if ground_repeat:
        for t in range(6600, 6700, 10):
            pts.append([t, 51.0, 11.0, "ground", 0.0, 0.0, 1, 0, None, "adsb_icao"])
    doc = {"icao": "4b1814", "timestamp": T0, "trace": pts}
    path = tmp_path / "trace_full_4b1814.json"
    path.write_text(json.dumps(doc))
    return path


def test_stale_repeats_carry_no_position(tmp_path: Path) -> None:
    t = read_table(_trace(tmp_path, ground_repeat=True))
    secs = [(x.timestamp() - T0) for x in t["time"].to_pylist()]
    lat = t["lat"].to_pylist()
    lost = [LOST[0] <= s < LOST[1] for s in secs]
    # The first point of the loss is the last fix itself; every repeat after it has none.
    first = lost.index(True)
    assert lat[first] is not None
    assert all(
        v is None for v, is_lost in zip(lat[first + 1 :], lost[first + 1 :], strict=True) if is_lost
    )
    assert all(v is not None for v, is_lost in zip(lat, lost, strict=True) if not is_lost)
    # Ground points that repeat a place (a parked aircraft) keep their positions.
    assert lat[-10:] == [51.0] * 10
    # The altitudes and speeds of those points are kept.
    assert t["gs_kt"].null_count == 0


def test_unflagged_repeats_are_left_as_read(tmp_path: Path) -> None:
    t = read_table(_trace(tmp_path, stale=False))
    assert t["lat"].null_count == 0


def test_a_jammed_aircraft_with_stale_repeats_is_not_spoofed(tmp_path: Path) -> None:
    table = read_table(_trace(tmp_path))
    result = skywitness.spoofing(table)
    assert result.intervals == () and result.clusters == (), result.as_json()["intervals"]


def test_ingest_shows_ten_notes_and_counts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skywitness.cli import main

    for k in range(12):
        d = tmp_path / "traces" / f"{k:02d}"
        d.mkdir(parents=True)
        doc = json.loads(_trace(tmp_path).read_text())
        doc["icao"] = f"4b18{k:02x}"
        (d / f"trace_full_4b18{k:02x}.json").write_text(json.dumps(doc))
    assert main(["ingest", str(tmp_path / "traces"), "--store", str(tmp_path / "store")]) == 0
    err = capsys.readouterr().err
    assert err.count("repeating the last position") == 10
    assert "... and 2 more notes like these" in err
