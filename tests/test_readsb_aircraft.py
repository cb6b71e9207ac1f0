"""readsb aircraft.json / ADS-B Exchange readsb-hist snapshots."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from fuzzing import mutate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skywitness.errors import InputError
from skywitness.io import open_file, read_table
from skywitness.io.base import read_head
from skywitness.io.readsb.aircraft import NAME, POSITION_MAX_LAG_S, READER
from skywitness.io.registry import detect

NOW = 1_700_000_000.5
NOW_NS = 1_700_000_000_500_000_000

#: A realistic snapshot: fields as readsb writes them (README-json.md).
SNAPSHOT: dict[str, Any] = {
    "now": NOW,
    "messages": 123_456_789,
    "aircraft": [
        {  # clean ADS-B airliner
            "hex": "4CA7B4",
            "type": "adsb_icao",
            "flight": "RYR12AB ",
            "r": "EI-DCL",
            "t": "B738",
            "alt_baro": 37000,
            "alt_geom": 37525,
            "gs": 452.1,
            "track": 93.25,
            "baro_rate": -64,
            "squawk": "2241",
            "emergency": "none",
            "category": "A3",
            "nav_qnh": 1013.6,
            "nav_altitude_mcp": 37008,
            "nav_heading": 92.8,
            "nav_modes": ["autopilot", "vnav", "lnav", "tcas"],
            "lat": 50.123456,
            "lon": 8.654321,
            "nic": 8,
            "rc": 186,
            "seen_pos": 0.4,
            "version": 2,
            "nic_baro": 1,
            "nac_p": 9,
            "nac_v": 1,
            "sil": 3,
            "sil_type": "perhour",
            "gva": 2,
            "sda": 2,
            "alert": 0,
            "spi": 0,
            "mlat": [],
            "tisb": [],
            "messages": 4021,
            "seen": 0.2,
            "rssi": -19.8,
        },
        {  # TIS-B target with a non-ICAO address, on the ground
            "hex": "~2a0b1c",
            "type": "tisb_other",
            "alt_baro": "ground",
            "gs": 12,
            "lat": 50.03,
            "lon": 8.56,
            "seen_pos": 3.1,
            "seen": 3.1,
            "mlat": [],
            "tisb": ["lat", "lon", "alt_baro", "gs"],
        },
        {  # jammed: altitude and speed keep coming, no position for 70 s
            "hex": "3c6444",
            "type": "adsb_icao",
            "flight": "DLH4TR  ",
            "alt_baro": 14150,
            "alt_geom": 14600,
            "gs": 250,
            "track": 180.0,
            "nic": 0,
            "rc": 0,
            "seen": 0.1,
            "gpsOkBefore": 1_699_999_900.1,
            "gpsOkLat": 50.0,
            "gpsOkLon": 8.0,
            "lastPosition": {"lat": 50.0, "lon": 8.0, "seen_pos": 70.3},
        },
        {  # position much older than the last message: dropped
            "hex": "3c6445",
            "type": "adsb_icao",
            "alt_baro": 14150,
            "gs": 250,
            "lat": 50.2,
            "lon": 8.1,
            "seen_pos": 30.5,
            "seen": 0.3,
        },
        {  # multilaterated (type says adsb, field list says the position is MLAT)
            "hex": "a1b2c3",
            "type": "adsb_icao",
            "alt_baro": 2000,
            "lat": 49.9,
            "lon": 8.4,
            "seen_pos": 1.0,
            "seen": 1.0,
            "mlat": ["lat", "lon", "track", "gs"],
            "tisb": [],
        },
        {"hex": "400abc", "type": "mlat", "alt_baro": 3000, "lat": 49.8, "lon": 8.3, "seen": 2},
    ],
}


def write(path: Path, doc: Any, *, gz: bool = False) -> Path:
    data = json.dumps(doc).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_reads_every_entry_with_message_time(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "aircraft.json", SNAPSHOT))
    rows = {r["icao24"]: r for r in table.to_pylist()}
    assert list(rows) == ["4ca7b4", "~2a0b1c", "3c6444", "3c6445", "a1b2c3", "400abc"]
    a = rows["4ca7b4"]
    assert int(table["time"][0].value) == NOW_NS - 200_000_000  # now - seen
    assert (a["lat"], a["lon"]) == (50.123456, 8.654321)
    assert a["callsign"] == "RYR12AB"
    assert a["alt_baro_ft"] == 37000 and a["alt_geom_ft"] == 37525
    assert a["vrate_fpm"] == -64 and a["squawk"] == "2241" and a["source"] == "adsb"
    assert (a["nic"], a["rc_m"], a["nac_p"], a["nac_v"], a["sil"]) == (8, 186, 9, 1, 3)
    assert a["nav_altitude_ft"] == 37008
    assert a["nav_autopilot"] and a["nav_lnav"] and not a["nav_althold"]
    assert a["on_ground"] is False and a["format"] == NAME


def test_ground_non_icao_and_tisb(tmp_path: Path) -> None:
    rows = {r["icao24"]: r for r in read_table(write(tmp_path / "a.json", SNAPSHOT)).to_pylist()}
    t = rows["~2a0b1c"]
    assert t["on_ground"] is True and t["alt_baro_ft"] is None
    assert t["source"] == "tisb" and t["lat"] == 50.03


def test_missing_or_stale_position_is_null(tmp_path: Path) -> None:
    rows = {r["icao24"]: r for r in read_table(write(tmp_path / "a.json", SNAPSHOT)).to_pylist()}
    jammed = rows["3c6444"]
    assert jammed["lat"] is None and jammed["lon"] is None
    assert jammed["alt_baro_ft"] == 14150 and jammed["gs_kt"] == 250 and jammed["nic"] == 0
    stale = rows["3c6445"]
    assert stale["lat"] is None and stale["alt_baro_ft"] == 14150


def test_position_lag_bound_is_inclusive(tmp_path: Path) -> None:
    doc = copy.deepcopy(SNAPSHOT)
    entry = doc["aircraft"][3]
    entry["seen_pos"] = entry["seen"] + POSITION_MAX_LAG_S
    rows = {r["icao24"]: r for r in read_table(write(tmp_path / "a.json", doc)).to_pylist()}
    assert rows["3c6445"]["lat"] == 50.2


def test_mlat_sources(tmp_path: Path) -> None:
    rows = {r["icao24"]: r for r in read_table(write(tmp_path / "a.json", SNAPSHOT)).to_pylist()}
    assert rows["a1b2c3"]["source"] == "mlat"
    assert rows["400abc"]["source"] == "mlat"


def test_gzip_hist_snapshot_and_detection(tmp_path: Path) -> None:
    plain = write(tmp_path / "aircraft.json", SNAPSHOT)
    packed = write(tmp_path / "120005Z.json.gz", SNAPSHOT, gz=True)
    assert detect(plain).name == NAME and detect(packed).name == NAME
    assert (
        read_table(packed)
        .drop_columns(["record_id"])
        .equals(read_table(plain).drop_columns(["record_id"]))
    )


def test_adsbx_api_shape_with_milliseconds(tmp_path: Path) -> None:
    doc = {"ac": SNAPSHOT["aircraft"], "msg": "No error", "now": int(NOW * 1000), "total": 6}
    table = read_table(write(tmp_path / "api.json", doc), format=NAME)
    assert table.num_rows == 6
    assert int(table["time"][0].value) == NOW_NS - 200_000_000


def test_large_snapshot_is_batched(tmp_path: Path) -> None:
    base = SNAPSHOT["aircraft"][0]
    entries = [dict(base, hex=f"{i:06x}", lat=40 + i * 1e-3) for i in range(2500)]
    path = write(tmp_path / "big.json", {"now": NOW, "aircraft": entries})
    fr = open_file(path, batch_size=1000)
    sizes = [b.num_rows for b in fr]
    assert sizes == [1000, 1000, 500]
    assert fr.ctx.skipped == 0


def test_other_formats_are_not_taken(samples: Path) -> None:
    for path in [
        samples / "readsb" / "trace_full_ac671b.json",
        samples / "fr24" / "2ce4f83f.json",
        samples / "noisy" / "noisy_spoofing.json.gz",
        samples / "collections" / "quickstart.json.gz",
        samples / "rs1090" / "full_flight_short.jsonl",
        samples / "dump1090" / "sample_dump1090.bin",
    ]:
        assert not READER.sniff(read_head(path), path), path


# --------------------------------------------------------------------------- bad input


def test_bad_entries_are_skipped_with_reasons(tmp_path: Path) -> None:
    doc = copy.deepcopy(SNAPSHOT)
    doc["aircraft"] += [
        "not an object",
        {"type": "adsb_icao", "lat": 1.0, "lon": 2.0},  # no hex
        {"hex": "aaaaaa", "lat": "50.1", "lon": 8.0},  # string coordinate
        {"hex": "bbbbbb", "lat": 95.0, "lon": 8.0, "seen": 1},  # out of range
        {"hex": "cccccc", "lat": 50.0, "seen": 1},  # lat without lon
        {"hex": "zzzzzz", "seen": 1},  # not hex
        {"hex": "dddddd", "seen": "soon"},
        {"hex": "eeeeee", "seen": 1e300},
        [1, 2, 3],
    ]
    fr = open_file(write(tmp_path / "a.json", doc))
    assert sum(b.num_rows for b in fr) == 6
    assert fr.ctx.skipped == 9
    reasons = " | ".join(i.one_line() for i in fr.ctx.issues)
    assert "not an object" in reasons and "no 'hex'" in reasons and "non-numeric 'lat'" in reasons
    assert "out of range" in reasons and "6 hex digits" in reasons


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"now": 1700000000, "aircraft": [{"hex": "abcdef"',  # truncated
        b'{"now": "late", "aircraft": []}',
        b'{"now": 1700000000, "aircraft": {"hex": "abcdef"}}',
        b'{"now": 1e300, "aircraft": []}',
        b'{"now": -5, "aircraft": []}',
        b'[{"now": 1700000000, "aircraft": []}]',
        b"\x1f\x8b\x08\x00garbage",
    ],
)
def test_unreadable_files_raise_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_table(path, format=NAME)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_empty_aircraft_list(tmp_path: Path) -> None:
    assert read_table(write(tmp_path / "a.json", {"now": NOW, "aircraft": []})).num_rows == 0


# --------------------------------------------------------------------------- fuzz

_VALID = json.dumps(SNAPSHOT).encode()


@st.composite
def mutated(draw: st.DrawFn, valid: bytes = _VALID) -> bytes:
    return mutate(draw, valid)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=mutated())
def test_fuzz_never_raises_anything_but_input_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(data)
    assert isinstance(READER.sniff(data[:65536], path), bool)
    try:
        read_table(path, format=NAME)
    except InputError as exc:
        assert "\n" not in str(exc)
