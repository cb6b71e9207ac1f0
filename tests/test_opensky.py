"""OpenSky state vectors as CSV and Parquet: units, stale positions, bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fuzzing import mutate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skywitness.errors import InputError
from skywitness.io import open_file, opensky, read_table
from skywitness.io.base import read_head
from skywitness.io.opensky import (
    CSV_NAME,
    CSV_READER,
    PARQUET_NAME,
    PARQUET_READER,
    POSITION_MAX_AGE_S,
)
from skywitness.io.registry import detect
from skywitness.model.units import FPM_PER_MPS, FT_PER_M, KT_PER_MPS

HEADER = (
    "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
    "baroaltitude,geoaltitude,lastposupdate,lastcontact,serials,hour"
)
# Values chosen so that the conversions are exact or easy to state:
# 3048 m = 10,000 ft; 5.08 m/s = 1,000 ft/min; 1852/3600 m/s = 1 kt.
ROWS = [
    "1700000000,3c6444,48.1673677,8.5151270,128.6111111,93.5,5.08,DLH4TR  ,False,False,False,"
    "1000,3048.0,3200.4,1699999999.5,1699999999.9,[],1699999200",
    "1700000010,3C6444,48.17,8.53,100,-90,-2.54,DLH4TR  ,false,false,false,"
    "0416,3048.0,,1699999990.0,1700000009.8,,1699999200",  # position 20 s old: stale
    "1700000020,3c6444,48.18,8.54,0,359.9,0,DLH4TR  ,True,False,False,,0,0,"
    f"{1700000020 - POSITION_MAX_AGE_S},1700000019.8,,1699999200",  # exactly at the bound
    "1700000030,4b1901,,,250,10,0,,,False,False,7700,11277.6,11300,,1700000029.5,,1699999200",
]
CSV = HEADER + "\n" + "\n".join(ROWS) + "\n"


def f32(x: float) -> float:
    return float(np.float32(x))


def check_converted(table: pa.Table) -> None:
    rows = table.to_pylist()
    assert len(rows) == 4
    a, b, c, d = rows
    assert int(table["time"][0].value) == 1_700_000_000 * 10**9
    assert a["icao24"] == "3c6444" and b["icao24"] == "3c6444"
    assert a["callsign"] == "DLH4TR" and d["callsign"] is None
    assert (a["lat"], a["lon"]) == (48.1673677, 8.5151270)
    assert a["alt_baro_ft"] == 10_000.0
    assert a["alt_geom_ft"] == f32(3200.4 * FT_PER_M)
    assert a["gs_kt"] == f32(128.6111111 * KT_PER_MPS)
    assert b["gs_kt"] == f32(100 * KT_PER_MPS)
    assert a["vrate_fpm"] == 1000.0 and b["vrate_fpm"] == -500.0
    assert a["track_deg"] == 93.5 and b["track_deg"] == 270.0  # -90 folded
    assert d["alt_baro_ft"] == f32(11277.6 * FT_PER_M)
    assert a["squawk"] == "1000" and b["squawk"] == "0416" and c["squawk"] is None
    assert d["squawk"] == "7700"
    assert [r["on_ground"] for r in rows] == [False, False, True, None]
    assert b["lat"] is None and b["lon"] is None  # stale repeat of an old position
    assert c["lat"] == 48.18  # age exactly POSITION_MAX_AGE_S: kept
    assert d["lat"] is None
    assert set(table["source"].to_pylist()) == {"adsb"}
    assert f32(5.08 * FPM_PER_MPS) == 1000.0


def test_csv_units_and_stale_positions(tmp_path: Path) -> None:
    path = tmp_path / "states.csv"
    path.write_text(CSV)
    assert detect(path).name == CSV_NAME
    table = read_table(path)
    check_converted(table)
    assert set(table["format"].to_pylist()) == {CSV_NAME}


def test_gzip_csv(tmp_path: Path) -> None:
    path = tmp_path / "states_2020-05-25-00.csv.gz"
    path.write_bytes(gzip.compress(CSV.encode()))
    assert detect(path).name == CSV_NAME
    check_converted(read_table(path))


def _parquet(tmp_path: Path, *, timestamp: bool = False) -> Path:
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        pa.BufferReader(CSV.encode()),
        convert_options=pacsv.ConvertOptions(
            column_types={"icao24": pa.string(), "squawk": pa.string(), "serials": pa.string()}
        ),
    )
    if timestamp:
        seconds = table["time"].cast(pa.int64())
        as_ts = pa.compute.multiply(seconds, 1_000_000).cast(pa.timestamp("us"))
        table = table.set_column(0, "time", as_ts)
    path = tmp_path / "states.parquet"
    pq.write_table(table, path)
    return path


@pytest.mark.parametrize("timestamp", [False, True])
def test_parquet(tmp_path: Path, timestamp: bool) -> None:
    path = _parquet(tmp_path, timestamp=timestamp)
    assert detect(path).name == PARQUET_NAME
    table = read_table(path)
    check_converted(table)
    assert set(table["format"].to_pylist()) == {PARQUET_NAME}


def test_rest_api_spellings(tmp_path: Path) -> None:
    path = tmp_path / "rest.csv"
    path.write_text(
        "icao24,callsign,origin_country,time_position,last_contact,longitude,latitude,"
        "baro_altitude,on_ground,velocity,true_track,vertical_rate,sensors,geo_altitude,"
        "squawk,spi,position_source\n"
        "3c6444,DLH4TR,Germany,1700000000,1700000001,8.5,48.1,3048,false,100,90,5.08,,3100,"
        "1000,false,0\n"
        "3c6445,DLH5TR,Germany,1700000000,1700000001,8.6,48.2,3048,false,100,90,0,,,,false,2\n"
        "3c6446,,Germany,,1700000002,,,3048,false,100,90,0,,,,false,\n"
    )
    assert detect(path).name == CSV_NAME
    rows = read_table(path).to_pylist()
    assert [int(r["time"].timestamp()) for r in rows] == [1700000001, 1700000001, 1700000002]
    assert [r["source"] for r in rows] == ["adsb", "mlat", "adsb"]
    assert rows[0]["alt_baro_ft"] == 10_000.0 and rows[0]["vrate_fpm"] == 1000.0
    assert rows[1]["lat"] == 48.2 and rows[2]["lat"] is None


def test_batches_are_bounded_and_rows_numbered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opensky, "CSV_BLOCK_BYTES", 8192)  # many blocks, rows span them
    lines = [HEADER]
    for i in range(5000):
        t = 1700000000 + i
        lines.append(
            f"{t},abc{i % 7:03d},48.0,8.0,100,90,0,X,False,False,False,1000,3000,3000,{t},{t},,0"
        )
    lines[1234] = lines[1234].replace(",100,", ",fast,")  # data row 1234 (line 0 is the header)
    lines[4321] = "1,2,3"  # malformed
    lines[4500] = lines[4500].replace(",48.0,", ",91.0,")  # out of range, after the malformed
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n")
    fr = open_file(path, batch_size=1000)
    sizes = [b.num_rows for b in fr]
    assert max(sizes) <= 1000 and sum(sizes) == 4997
    assert sorted(int(i.record) for i in fr.ctx.issues if i.record is not None) == [
        1234,
        4321,
        4500,
    ]


def test_other_formats_are_not_taken(samples: Path, tmp_path: Path) -> None:
    fr24_csv = tmp_path / "x_icao24-abcdef.csv"
    fr24_csv.write_text("Timestamp,UTC,Callsign,Position,Altitude,Speed,Direction\n")
    traffic_csv = tmp_path / "traffic.csv"
    traffic_csv.write_text("timestamp,icao24,latitude,longitude,groundspeed,altitude\n")
    for path in [
        fr24_csv,
        traffic_csv,
        samples / "readsb" / "trace_full_ac671b.json",
        samples / "fr24" / "2ce4f83f.json",
        samples / "noisy" / "noisy_spoofing.json.gz",
        samples / "rs1090" / "full_flight_short.jsonl",
        samples / "dump1090" / "sample_dump1090.bin",
    ]:
        head = read_head(path)
        assert not CSV_READER.sniff(head, path) and not PARQUET_READER.sniff(head, path), path


# --------------------------------------------------------------------------- bad input


def test_bad_values_are_skipped_with_reasons(tmp_path: Path) -> None:
    bad = [
        "1700000040,abcdef,abc,8.0,100,90,0,X,False,False,False,,3000,3000,,,,",
        "1700000041,abcdef,NaN,8.0,100,90,0,X,False,False,False,,3000,3000,,,,",
        "1700000042,abcdef,48,8.0,100,90,0,X,maybe,False,False,,3000,3000,,,,",
        "soon,abcdef,48,8.0,100,90,0,X,False,False,False,,3000,3000,,,,",
        "1e300,abcdef,48,8.0,100,90,0,X,False,False,False,,3000,3000,,,,",
        "1700000045,,48,8.0,100,90,0,X,False,False,False,,3000,3000,,,,",
        "1700000046,abcdef,48,8.0,1e400,90,0,X,False,False,False,,3000,3000,,,,",
        "1700000047,abcdef,48,8.0,100,90,0,X,False,False,False,,-9000,3000,,,,",
        "9300000000,abcdef,48,8.0,100,90,0,X,False,False,False,,3000,3000,,,,",  # > int64 ns
    ]
    path = tmp_path / "bad.csv"
    path.write_text(CSV + "\n".join(bad) + "\n")
    fr = open_file(path)
    assert sum(b.num_rows for b in fr) == 4
    assert fr.ctx.skipped == len(bad)
    reasons = {i.record: i.reason for i in fr.ctx.issues}
    assert reasons[5] == "non-numeric lat"
    assert "latitude without longitude" in reasons[6]
    assert reasons[7] == "non-boolean onground"
    assert reasons[8] == "non-numeric time" and reasons[9] == "no valid time"
    assert reasons[10] == "no icao24"
    assert "ground speed" in reasons[11] and "alt_baro_ft" in reasons[12]
    assert reasons[13] == "no valid time"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"time,icao24,velocity\n",  # header only: no rows
        b"icao24,velocity,lat\nabcdef,1,2\n",  # no time column
        gzip.compress(CSV.encode())[:-30],  # truncated gzip
    ],
)
def test_unreadable_csv(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    try:
        table = read_table(path, format=CSV_NAME)
    except InputError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
    else:
        assert table.num_rows == 0


@pytest.mark.parametrize("cut", [10, 200, -10])
def test_truncated_parquet(tmp_path: Path, cut: int) -> None:
    path = _parquet(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(InputError):
        read_table(path, format=PARQUET_NAME)


# --------------------------------------------------------------------------- fuzz

_JUNK = [b'"x"', b"", b"nan", b"inf", b"1e999", b"-1", b"True", b'"', b",", b"\n", b"\xff"]


# pyarrow decodes a malformed row's text before calling the invalid-row handler;
# with invalid UTF-8 that decoding fails inside pyarrow, is printed as
# "Exception ignored", and the read ends in InputError as it should.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzz_csv(tmp_path: Path, data: st.DataObject) -> None:
    content = data.draw(st.composite(lambda draw: mutate(draw, CSV.encode(), _JUNK))())
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content)
    assert isinstance(CSV_READER.sniff(content[:65536], path), bool)
    try:
        read_table(path, format=CSV_NAME)
    except InputError as exc:
        assert "\n" not in str(exc)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzz_parquet(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    base = tmp_path_factory.mktemp("pq")
    valid = _parquet(base).read_bytes()
    content = data.draw(st.composite(lambda draw: mutate(draw, valid, _JUNK))())
    path = base / "fuzz.parquet"
    path.write_bytes(content)
    assert isinstance(PARQUET_READER.sniff(content[:65536], path), bool)
    try:
        read_table(path, format=PARQUET_NAME)
    except InputError as exc:
        assert "\n" not in str(exc)
