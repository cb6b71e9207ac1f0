"""Every output file records how it was made, and appears whole or not at all.

Provenance (version, command, inputs, time range) in each format: GeoJSON
member, Parquet metadata, PNG text chunks and caption, HTML footer / meta /
JSON block, CSV sidecar; nothing when no provenance is given. The files load
in DuckDB and pyarrow (and pandas when installed). A writer that fails leaves
neither its target nor a ``.part`` file.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from skywitness.gnss.jamming import interference_map
from skywitness.gnss.jamming.events import Event
from skywitness.gnss.locate import EmitterEstimate
from skywitness.gnss.spoofing.intervals import SpoofInterval
from skywitness.gnss.spoofing.places import SpoofCluster
from skywitness.report import atomic
from skywitness.report.cells import gpsjam_csv, write_map
from skywitness.report.events import write_events
from skywitness.report.export import write as export
from skywitness.report.provenance import (
    Provenance,
    provenance_json,
    provenance_line,
    sidecar_path,
    table_provenance,
)
from skywitness.report.spoofing import write_spoofing

T0 = int(datetime(2024, 4, 12, 14, 0, tzinfo=UTC).timestamp()) * 10**9
MIN = 60 * 10**9
PROV = Provenance(
    command="skywitness jamming --store /data/store --out map.html",
    inputs=("/data/store",),
    start_ns=T0,
    end_ns=T0 + 120 * MIN,
    version="9.9.9",
    created="2025-01-02T03:04:05Z",
)
RECORD = {
    "software": "skywitness",
    "version": "9.9.9",
    "command": "skywitness jamming --store /data/store --out map.html",
    "inputs": ["/data/store"],
    "start": "2024-04-12T14:00:00.000Z",
    "end": "2024-04-12T16:00:00.000Z",
    "created": "2025-01-02T03:04:05Z",
}


def cells() -> pa.Table:
    rows = [(f"a{k:05d}", 54.7, 20.5, 1) for k in range(3)]
    rows += [(f"b{k:05d}", 56.0 + 0.5 * k, 18.0, 0) for k in range(3)]
    return interference_map(pa.table({
        "icao24": [r[0] for r in rows],
        "time": pa.array([T0 + MIN] * len(rows), pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "lat": [r[1] for r in rows], "lon": [r[2] for r in rows],
        "state": pa.array([r[3] for r in rows], pa.int8()),
    }))  # fmt: skip


def event() -> Event:
    ring = [[19.0, 54.0], [22.0, 54.0], [22.0, 55.5], [19.0, 55.5], [19.0, 54.0]]
    return Event("E001-20240412T1400", T0, T0 + 60 * MIN, ["a00000", "a00001"], [],
                 EmitterEstimate(54.7, 20.5, 150.0, 8.0, 4, 4),
                 {"type": "Polygon", "coordinates": [ring]})  # fmt: skip


@dataclass(frozen=True)
class Findings:
    intervals: list[SpoofInterval]
    clusters: list[SpoofCluster]
    paths: list[Any]
    states: pa.Table


def findings() -> Findings:
    iv = SpoofInterval("d00001", "SPF1", T0 + 10 * MIN, T0 + 20 * MIN, ("frozen",), None)
    place = SpoofCluster(T0 + 10 * MIN, T0 + 20 * MIN, 57.75, 22.0, "point", 0.5, 0.05,
                         ("d00001", "d00002"), 1200.0, EmitterEstimate(58.4, 20.4, 160, 15, 3, 3))  # fmt: skip
    n = 12
    states = pa.table({
        "icao24": ["d00001"] * n,
        "callsign": ["SPF1"] * n,
        "time": pa.array([T0 + k * 2 * MIN for k in range(n)], pa.int64()).cast(
            pa.timestamp("ns", tz="UTC")),
        "lat": [57.75] * n, "lon": [22.0] * n,
        "spoofed": [5 <= k <= 10 for k in range(n)], "own_position": [True] * n,
    })  # fmt: skip
    return Findings([iv], [place], [], states)


def test_record_shape() -> None:
    assert provenance_json(PROV) == RECORD
    line = provenance_line(PROV)
    for part in ("skywitness 9.9.9", "2024-04-12T14:00:00.000Z", "/data/store", PROV.command):
        assert part in line
    assert Provenance.from_argv(["spoofing", "--out", "a b.html"]).command == (
        "skywitness spoofing --out 'a b.html'"
    )
    unbounded = Provenance("skywitness info")
    assert provenance_json(unbounded)["start"] is None and "…" in provenance_line(unbounded)


# -- every format ----------------------------------------------------------------------


def test_geojson_records_it_as_a_foreign_member(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    outs = {
        "cells": (tmp_path / "map.geojson", lambda p: write_map(cells(), p, provenance=PROV)),
        "events": (tmp_path / "ev.geojson", lambda p: write_events([event()], p, provenance=PROV)),
        "spoofing": (tmp_path / "sp.geojson",
                     lambda p: write_spoofing(findings(), p, provenance=PROV)),
        "reports": (tmp_path / "rep.geojson",
                    lambda p: export(findings().states, p, provenance=PROV)),
    }  # fmt: skip
    for name, (path, write) in outs.items():
        write(path)
        doc = json.loads(path.read_text())
        assert doc["type"] == "FeatureCollection" and doc["skywitness"] == RECORD, name
        assert doc["features"], name
        for f in doc["features"]:
            for lon, lat in _points(f["geometry"]):  # [lon, lat]: the Baltic
                assert 10.0 < lon < 30.0 and 50.0 < lat < 62.0, name
        # DuckDB: features as rows, the record from the document.
        n = duckdb.sql(f"SELECT count(*) FROM read_json('{path}')").fetchall()[0]
        assert n == (len(doc["features"]),), name
        version = duckdb.sql(
            f"SELECT skywitness.version FROM read_json('{path}', format='unstructured')"
        ).fetchall()[0]
        assert version == ("9.9.9",), name
    # Without a provenance: no member.
    write_map(cells(), tmp_path / "bare.geojson")
    assert "skywitness" not in json.loads((tmp_path / "bare.geojson").read_text())


def _points(g: dict[str, Any]) -> list[list[float]]:
    c = g["coordinates"]
    depth = {"Point": 0, "MultiPoint": 1, "LineString": 1, "Polygon": 2, "MultiLineString": 2,
             "MultiPolygon": 3}[g["type"]]  # fmt: skip
    pts = [c]
    for _ in range(depth):
        pts = [p for part in pts for p in part]
    return pts


def test_parquet_records_it_in_the_schema_metadata(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    written = {
        "cells": (tmp_path / "map.parquet", lambda p: write_map(cells(), p, provenance=PROV)),
        "spoofing": (tmp_path / "sp.parquet",
                     lambda p: write_spoofing(findings(), p, provenance=PROV)),
        "reports": (tmp_path / "rep.parquet",
                    lambda p: export(findings().states, p, provenance=PROV)),
    }  # fmt: skip
    for name, (path, write) in written.items():
        write(path)
        meta = pq.read_schema(path).metadata
        assert table_provenance(meta) == RECORD, name
        rows = duckdb.sql(
            f"SELECT decode(value) FROM parquet_kv_metadata('{path}') "
            "WHERE decode(key) = 'skywitness'"
        ).fetchall()
        assert [json.loads(r[0]) for r in rows] == [RECORD], name
        assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0] == (
            pq.read_table(path).num_rows,
        )
    # The map's own metadata is kept beside it.
    assert b"skywitness.gnss_map" in pq.read_schema(tmp_path / "map.parquet").metadata
    write_map(cells(), tmp_path / "bare.parquet")
    assert table_provenance(pq.read_schema(tmp_path / "bare.parquet").metadata) is None


def test_csv_gets_a_sidecar_and_keeps_its_layout(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "map.csv"
    table = cells()
    write_map(table, out, provenance=PROV)
    assert out.read_bytes() == gpsjam_csv(table)  # GPSJam's layout, byte for byte
    assert out.read_text().startswith("hex,count_good_aircraft,count_bad_aircraft\n")
    assert json.loads(sidecar_path(out).read_text()) == RECORD
    assert sidecar_path(out).name == "map.csv.provenance.json"
    rows = duckdb.sql(f"SELECT * FROM read_csv('{out}')").fetchall()
    assert len(rows) == table.num_rows
    # GPSJam directory layout: one sidecar per daily file.
    names = [Path(w["file"]).name for w in write_map(table, tmp_path / "daily", provenance=PROV)]
    assert names == ["2024-04-12-h3_4.csv"]
    assert json.loads((tmp_path / "daily" / "2024-04-12-h3_4.csv.provenance.json").read_text())
    # Spoofing intervals and exported reports.
    for path, write in (
        (tmp_path / "sp.csv", lambda p: write_spoofing(findings(), p, provenance=PROV)),
        (tmp_path / "rep.csv", lambda p: export(findings().states, p, provenance=PROV)),
    ):
        write(path)
        assert json.loads(sidecar_path(path).read_text()) == RECORD
        header = next(csv.reader(path.open()))
        assert "icao24" in header and not header[0].startswith("#")
        assert duckdb.sql(f"SELECT count(*) FROM read_csv('{path}')").fetchall()[0][0] >= 1
    try:
        import pandas as pd
    except ImportError:
        pass
    else:
        assert len(pd.read_csv(out)) == table.num_rows
    # No provenance: no sidecar.
    write_map(table, tmp_path / "bare.csv")
    assert not sidecar_path(tmp_path / "bare.csv").exists()


def test_png_records_it_in_text_chunks_and_a_caption(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    image = pytest.importorskip("PIL.Image")
    for path, write in (
        (tmp_path / "map.png", lambda p: write_map(cells(), p, provenance=PROV, events=[event()])),
        (tmp_path / "sp.png", lambda p: write_spoofing(findings(), p, provenance=PROV)),
    ):
        write(path)
        text = image.open(path).text
        assert json.loads(text["skywitness"]) == RECORD
        assert text["Software"] == "skywitness 9.9.9" and text["Source"] == "/data/store"
        assert text["Comment"] == provenance_line(PROV)
    from skywitness.report.jamming_map import jamming_figure

    fig, _ = jamming_figure(cells(), provenance=PROV)
    assert provenance_line(PROV).split(" · ")[0] in fig.get_supxlabel()
    write_map(cells(), tmp_path / "bare.png")
    assert "skywitness" not in image.open(tmp_path / "bare.png").text


def test_html_records_it_visibly_and_as_json(tmp_path: Path) -> None:
    for path, write in (
        (tmp_path / "map.html", lambda p: write_map(cells(), p, provenance=PROV)),
        (tmp_path / "sp.html", lambda p: write_spoofing(findings(), p, provenance=PROV)),
    ):
        write(path)
        page = path.read_text()
        assert '<meta name="generator" content="skywitness 9.9.9">' in page
        block = re.search(
            r'<script type="application/json" id="skywitness-provenance">(.*?)</script>', page
        )
        assert block is not None and json.loads(block.group(1)) == RECORD
        footer = re.search(r'<div class="prov">(.*?)</div>', page)
        assert footer is not None and "skywitness 9.9.9" in footer.group(1)
        assert "/data/store" in footer.group(1)
    write_map(cells(), tmp_path / "bare.html")
    page = (tmp_path / "bare.html").read_text()
    assert "skywitness-provenance" not in page and 'class="prov"' not in page


# -- atomic writes ---------------------------------------------------------------------


def _partial_then_fail(target_arg: int = 1) -> Callable[..., None]:
    """A stand-in for a library writer: writes half a file, then fails."""

    def write(*args: Any, **kwargs: Any) -> None:
        where = args[target_arg] if len(args) > target_arg else kwargs.get("where")
        Path(where).write_bytes(b"half a file")
        raise OSError("disk full")

    return write


def _leftovers(d: Path) -> list[str]:
    return sorted(p.name for p in d.rglob("*"))


def test_a_failing_writer_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The context manager itself.
    with pytest.raises(RuntimeError), atomic.atomic_path(tmp_path / "a.bin") as tmp:
        tmp.write_bytes(b"partial")
        raise RuntimeError("writer bug")
    assert _leftovers(tmp_path) == []
    # Two files written together (a CSV and its sidecar): the second one fails.
    with pytest.raises(TypeError):
        atomic.write_files({tmp_path / "m.csv": b"hex\n", tmp_path / "m.json": None})  # type: ignore[dict-item]
    assert _leftovers(tmp_path) == []
    # Library writers failing half-way: Parquet (cells, spoofing, export), PNG, CSV export.
    import pyarrow.csv as pacsv

    import skywitness.report.cells as cells_mod
    import skywitness.report.export as export_mod
    import skywitness.report.spoofing as spoofing_mod

    monkeypatch.setattr(cells_mod.pq, "write_table", _partial_then_fail())
    with pytest.raises(OSError):
        write_map(cells(), tmp_path / "m.parquet", provenance=PROV)
    monkeypatch.setattr(spoofing_mod.pq, "write_table", _partial_then_fail())
    with pytest.raises(OSError):
        write_spoofing(findings(), tmp_path / "s.parquet", provenance=PROV)
    monkeypatch.setattr(export_mod.pq, "write_table", _partial_then_fail())
    with pytest.raises(OSError):
        export(findings().states, tmp_path / "r.parquet")
    monkeypatch.setattr(pacsv, "write_csv", _partial_then_fail())
    with pytest.raises(OSError):
        export(findings().states, tmp_path / "r.csv", provenance=PROV)
    assert _leftovers(tmp_path) == []
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    monkeypatch.setattr(Figure, "savefig", _partial_then_fail())
    with pytest.raises(OSError):
        write_map(cells(), tmp_path / "m.png", provenance=PROV, events=[event()])
    with pytest.raises(OSError):
        write_spoofing(findings(), tmp_path / "s.png")
    assert _leftovers(tmp_path) == []


def test_a_failing_writer_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "m.parquet"
    write_map(cells(), out)
    before = out.read_bytes()
    import skywitness.report.cells as cells_mod

    monkeypatch.setattr(cells_mod.pq, "write_table", _partial_then_fail())
    with pytest.raises(OSError):
        write_map(cells(), out, provenance=PROV)
    assert out.read_bytes() == before and _leftovers(tmp_path) == ["m.parquet"]
