"""`skywitness export`: the times in CSV and GeoJSON are read back as times, to
the microsecond, by pyarrow, DuckDB and pandas (an export that only looks like
ISO-8601, `2025-02-04T21:13:42.619000000.%fZ`, was once written)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from skywitness.cli import main

TRACE = "readsb/trace_full_ac671b.json"
#: A window of the recording, for a small export (2025-02-05 00:00-06:00 UTC).
WINDOW = ["--from", "2025-02-05T00:00Z", "--to", "2025-02-05T06:00Z"]
US_UTC = pa.timestamp("us", tz="UTC")


@pytest.fixture(scope="module")
def exported(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("export")
    assert main(["ingest", str(samples / TRACE), "--store", str(d / "store")]) == 0
    for ext in ("parquet", "csv", "geojson"):
        argv = ["export", "--store", str(d / "store"), *WINDOW, "--out", str(d / f"a.{ext}")]
        assert main(argv) == 0
    return d


def _times(exported: Path, positioned: bool = False) -> list[int]:
    """Microseconds since the epoch, from the Parquet export (the canonical type)."""
    t = pq.read_table(exported / "a.parquet")
    if positioned:
        t = t.filter(t["lat"].is_valid())
    us: list[int] = t["time"].cast(US_UTC).cast(pa.int64()).to_pylist()
    assert 0 < len(us) < 2500
    return us


def test_csv_times_parse_with_pyarrow(exported: Path) -> None:
    t = pacsv.read_csv(exported / "a.csv")
    assert pa.types.is_timestamp(t.schema.field("time").type)
    assert t["time"].cast(US_UTC).cast(pa.int64()).to_pylist() == _times(exported)


def test_csv_times_parse_with_duckdb(exported: Path) -> None:
    rel = duckdb.sql(
        "SELECT time, epoch_us(time) FROM read_csv($p)", params={"p": str(exported / "a.csv")}
    )
    assert rel is not None
    assert str(rel.types[0]).startswith("TIMESTAMP")
    assert [us for _, us in rel.fetchall()] == _times(exported)


def test_geojson_times_parse(exported: Path) -> None:
    fc = json.loads((exported / "a.geojson").read_text())
    texts = [f["properties"]["time"] for f in fc["features"]]
    assert all(t.endswith("Z") for t in texts)
    assert pa.array(texts).cast(US_UTC).cast(pa.int64()).to_pylist() == _times(exported, True)
    rel = duckdb.sql(
        "SELECT epoch_us(CAST(t AS TIMESTAMPTZ)) FROM (SELECT unnest($t) AS t)",
        params={"t": texts},
    )
    assert rel is not None
    assert [us for (us,) in rel.fetchall()] == _times(exported, True)


def test_times_parse_with_pandas(exported: Path) -> None:
    pd = pytest.importorskip("pandas")
    epoch, us = pd.Timestamp("1970-01-01", tz="UTC"), pd.Timedelta(1, "us")
    frame = pd.read_csv(exported / "a.csv", parse_dates=["time"])
    assert str(frame["time"].dtype).startswith("datetime64") and "UTC" in str(frame["time"].dtype)
    assert ((frame["time"] - epoch) // us).tolist() == _times(exported)
    fc = json.loads((exported / "a.geojson").read_text())
    stamps = pd.to_datetime([f["properties"]["time"] for f in fc["features"]], utc=True)
    assert list((stamps - epoch) // us) == _times(exported, True)


def test_exports_record_the_command(exported: Path) -> None:
    """Each export records the command that made it: Parquet metadata, the
    GeoJSON's ``skywitness`` member, the CSV's sidecar."""
    records = [
        json.loads(pq.read_schema(exported / "a.parquet").metadata[b"skywitness"]),
        json.loads((exported / "a.geojson").read_text())["skywitness"],
        json.loads((exported / "a.csv.provenance.json").read_text()),
    ]
    for ext, p in zip(("parquet", "geojson", "csv"), records, strict=True):
        assert p["command"].startswith("skywitness export --store ")
        assert p["command"].endswith(f"--to 2025-02-05T06:00Z --out {exported / 'a'}.{ext}")
        assert p["inputs"] == [str((exported / "store").resolve())]
        assert (p["start"], p["end"]) == ("2025-02-05T00:00:00.000Z", "2025-02-05T06:00:00.000Z")
