"""The command line, run in-process through main(argv)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from skywitness.cli import main

TRACE = "readsb/trace_full_ac671b.json"


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    obj: dict[str, Any] = json.loads(out[0])
    return obj


def test_ingest_json_and_idempotence(
    samples: Path, store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(samples / TRACE), "--store", str(store_dir), "--json"]) == 0
    assert _json(capsys) == {
        "files": 1,
        "reports": 2500,
        "skipped": 0,
        "errors": [],
        "unsupported": [],
    }
    assert main(["ingest", str(samples / TRACE), "--store", str(store_dir), "--json"]) == 0
    assert _json(capsys) == {
        "files": 1,
        "reports": 0,
        "skipped": 0,
        "errors": [],
        "unsupported": [],
    }


def test_unreadable_file_exit_2_others_ingested(
    samples: Path, store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 this is no surveillance format \xff" * 10)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    missing = tmp_path / "missing.json"
    code = main(["ingest", str(junk), str(samples / TRACE), str(empty), str(missing),
                 "--store", str(store_dir), "--json"])  # fmt: skip
    assert code == 2
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["files"] == 1 and result["reports"] == 2500
    by_file = {e["file"]: e for e in result["errors"]}
    assert set(by_file) == {str(junk), str(empty), str(missing)}
    assert "not a supported format" in by_file[str(junk)]["reason"]
    assert by_file[str(empty)]["reason"] == "empty file"
    assert by_file[str(missing)]["reason"] == "no such file"
    errs = captured.err.strip().splitlines()
    assert len(errs) == 3 and all(line.startswith("skywitness: ") for line in errs)
    assert all("Traceback" not in line for line in errs)


def test_skipped_records_are_counted_not_fatal(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {"icao": "abc123", "timestamp": 1.7e9, "trace": [
        [0, 45.0, 5.0, 30000, 450, 90, 0, 0, None, "adsb_icao"],
        [1, 95.0, 5.0, 30000, 450, 90, 0, 0, None, "adsb_icao"],
        "garbage",
    ]}  # fmt: skip
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    assert main(["ingest", str(path), "--store", str(store_dir), "--json"]) == 0
    assert _json(capsys) == {
        "files": 1,
        "reports": 1,
        "skipped": 2,
        "errors": [],
        "unsupported": [],
    }
    assert main(["ingest", str(tmp_path / "t.json"), "--store", str(store_dir / "other")]) == 0
    out = capsys.readouterr().out
    assert "2 records skipped" in out and f"{path} (record 1): coordinate out of range" in out


def test_info_and_export(
    samples: Path, store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest", str(samples / TRACE), "--store", str(store_dir)])
    capsys.readouterr()
    assert main(["info", "--store", str(store_dir), "--json"]) == 0
    info = _json(capsys)
    assert info["reports"] == 2500 and info["aircraft"] == 1
    assert info["by_format"] == {"readsb-trace": 2500} and info["by_source"] == {"adsb": 2500}
    assert info["start"].startswith("2025-02-04T21:13:42") and info["end"].startswith("2025-02-05")

    base = [
        "export",
        "--store",
        str(store_dir),
        "--from",
        "2025-02-05T00:00Z",
        "--to",
        "2025-02-05T06:00:00",
    ]
    assert main([*base, "--out", str(tmp_path / "a.parquet")]) == 0
    t = pq.read_table(tmp_path / "a.parquet")
    assert 0 < t.num_rows < 2500
    assert main([*base, "--out", str(tmp_path / "a.csv")]) == 0
    csv = pacsv.read_csv(tmp_path / "a.csv")
    assert csv.num_rows == t.num_rows and str(csv["time"][0]).startswith("2025-02-05")
    assert main([*base, "--bbox", "-100,30,-80,50", "--out", str(tmp_path / "a.geojson")]) == 0
    gj = json.loads((tmp_path / "a.geojson").read_text())
    assert gj["type"] == "FeatureCollection" and gj["features"]
    for f in gj["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert -100 <= lon <= -80 and 30 <= lat <= 50
        assert f["properties"]["icao24"] == "ac671b"
    assert (
        main(
            [
                "export",
                "--store",
                str(store_dir),
                "--icao24",
                "ac671b",
                "--out",
                str(tmp_path / "b.parquet"),
            ]
        )
        == 0
    )
    assert pq.read_table(tmp_path / "b.parquet").num_rows == 2500


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--out", "x.txt"],
        ["export", "--bbox", "1,2,3", "--out", "x.csv"],
        ["export", "--from", "yesterday", "--out", "x.csv"],
        ["ingest", "x", "--reference", "95,0"],
        ["ingest", "x", "--format", "nope"],
    ],
)
def test_usage_errors_exit_2_one_line(argv: list[str], store_dir: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    (tmp_path / "x").write_text("{}")
    main(["ingest", str(tmp_path / "x"), "--store", str(store_dir)])
    capsys.readouterr()
    argv = [a if a != "x" else str(tmp_path / "x") for a in argv]
    assert main([*argv, "--store", str(store_dir)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) >= 1 and err[-1].startswith("skywitness: ")


def test_info_on_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--store", str(tmp_path / "none")]) == 2
    assert "no skywitness store" in capsys.readouterr().err


def test_help_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert main([]) == 2
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    assert "readsb-trace" in out and "beast" in out
