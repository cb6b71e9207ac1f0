"""Time windows and boxes on the command line (export, jamming, spoofing), on a
real recording: readsb trace of ac671b, 2025-02-04T21:13:42Z .. 2025-02-05T19:54:38Z,
over the United States (about 100-80 W, 30-50 N)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from skywitness.cli import main

TRACE = "readsb/trace_full_ac671b.json"
SPOOFED = "noisy/noisy_spoofing.json.gz"  # THY9BP over Hungary and Poland (47-54 N, 18-23 E)


def _store(samples: Path, root: Path, rel: str) -> Path:
    store = root / "store"
    assert main(["ingest", str(samples / rel), "--store", str(store)]) == 0
    return store


@pytest.fixture(scope="module")
def store(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _store(samples, tmp_path_factory.mktemp("trace"), TRACE)


@pytest.fixture(scope="module")
def every_row(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("all") / "all.parquet"
    assert main(["export", "--store", str(store), "--out", str(out)]) == 0
    return out


def _export(store: Path, out: Path, *args: str) -> int:
    code = main(["export", "--store", str(store), *args, "--out", str(out)])
    return code if code else pq.read_table(out).num_rows


def test_a_date_without_dashes_is_a_date(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a.parquet"
    dashed = _export(store, out, "--from", "2025-02-05")
    assert 0 < dashed < 2500
    assert _export(store, out, "--from", "20250205") == dashed  # once read as seconds: 1970
    assert _export(store, out, "--to", "20250205") == 2500 - dashed


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--from", "inf", "--out", "x.csv"],
        ["export", "--to", "1e300", "--out", "x.csv"],
        ["export", "--from", "", "--out", "x.csv"],
        ["export", "--from", "-1e12", "--out", "x.csv"],
        ["export", "--from=-1e12", "--out", "x.csv"],
        ["export", "--to", "nan", "--out", "x.csv"],
        ["jamming", "--from", "inf"],
        ["jamming", "--to", ""],
        ["spoofing", "--from", "1e300"],
        ["spoofing", "--to", "-1e12"],
        ["ingest", "x.json", "--start-time", "inf"],
        ["ingest", "x.json", "--start-time", ""],
    ],
)
def test_bad_times_exit_2_with_one_line(
    argv: list[str], store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.json").write_text("{}")
    argv = [str(tmp_path / a) if a in ("x.csv", "x.json") else a for a in argv]
    assert main([*argv, "--store", str(store)]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith("skywitness: bad ") or line.startswith("skywitness: empty ")
    assert ("--from" in line or "--to" in line or "--start-time" in line) and "internal" not in line
    assert captured.out == ""


@pytest.mark.parametrize("command", ["export", "jamming", "spoofing"])
def test_a_reversed_window_exits_2(
    command: str, store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, "--store", str(store), "--from", "2025-02-05T06:00Z", "--to", "2025-02-05"]
    if command == "export":
        argv += ["--out", str(tmp_path / "x.csv")]
    assert main(argv) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "swap" in line and "2025-02-05T06:00:00.000Z" in line
    assert not (tmp_path / "x.csv").exists()


def test_a_box_with_west_east_of_east_crosses_the_antimeridian(
    store: Path, every_row: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 10 E eastward through 180 to 90 W: the American part of the trace west of 90 W.
    capsys.readouterr()
    rows = _export(store, tmp_path / "a.parquet", "--bbox", "10,30,-90,50")
    (line,) = capsys.readouterr().err.splitlines()
    assert "antimeridian" in line and "--bbox -90,30,10,50" in line
    t = pq.read_table(every_row)
    lat, lon = t["lat"], t["lon"]
    inside = pc.and_(
        pc.and_(pc.greater_equal(lat, 30), pc.less_equal(lat, 50)),
        pc.or_(pc.greater_equal(lon, 10), pc.less_equal(lon, -90)),
    )
    expected = pc.sum(pc.cast(inside, "int64")).as_py()
    assert 0 < expected < 2500 and rows == expected


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--bbox", "40,-10,50,10"], "no reports in the box 40,-10,50,10"),
        (["--from", "2024-01-01", "--to", "2024-01-02"], "no reports in the window 2024-01-01"),
        (["--icao24", "abcdef"], "no reports of aircraft abcdef"),
    ],
)
def test_an_empty_selection_says_so(
    args: list[str], says: str, store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert _export(store, tmp_path / "a.parquet", *args) == 0
    (line,) = capsys.readouterr().err.splitlines()
    assert says in line and "the store holds 2500 from 2025-02-04T21:13:42" in line


@pytest.mark.parametrize("command", ["jamming", "spoofing"])
def test_an_empty_analysis_says_so(
    command: str, store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main([command, "--store", str(store), "--bbox", "40,-10,50,10", "--json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # stdout stays one JSON object
    (line,) = captured.err.splitlines()
    assert "no reports in the box 40,-10,50,10" in line


def test_a_box_typed_latitude_first(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store(samples, tmp_path, SPOOFED)
    capsys.readouterr()
    assert _export(store, tmp_path / "a.parquet", "--bbox", "47,18,54,24") == 0  # S,W,N,E
    (line,) = capsys.readouterr().err.splitlines()
    assert "no reports in the box" in line and "did you mean --bbox 18,47,24,54" in line
    assert _export(store, tmp_path / "a.parquet", "--bbox", "18,47,24,54") > 0
    # Out of range as W,S,E,N: an error naming the likely order.
    assert _export(store, tmp_path / "a.csv", "--bbox", "30,-100,50,-80") == 2
    assert "did you mean --bbox -100,30,-80,50" in capsys.readouterr().err
