"""Writing reports to files people open elsewhere: Parquet, CSV, GeoJSON.

The format comes from the file extension. Parquet keeps the canonical schema
(pandas, Spark, DuckDB, QGIS); CSV writes times as ISO-8601 UTC (pandas,
spreadsheets, kepler.gl); GeoJSON writes one Point per report that has a
position (QGIS, kepler.gl, geojson.io), streamed so size is not a problem.
Given a :class:`~skywitness.report.provenance.Provenance`, each file records
it: Parquet schema metadata, the GeoJSON's ``skywitness`` member, a CSV's
sidecar ``<file>.provenance.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from skywitness.errors import UsageError
from skywitness.report.atomic import atomic_path, atomic_paths
from skywitness.report.provenance import KEY, Provenance, provenance_json, sidecar, tag_table

EXPORT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".geojson": "geojson", ".json": "geojson"}
#: Properties written on each GeoJSON point (position is the geometry).
GEOJSON_PROPERTIES = (
    "time", "icao24", "callsign", "alt_baro_ft", "alt_geom_ft", "gs_kt", "track_deg",
    "vrate_fpm", "squawk", "nic", "nac_p", "on_ground", "source", "format", "record_id",
)  # fmt: skip


def export_format(path: Path) -> str:
    fmt = EXPORT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(EXPORT_FORMATS)
        raise UsageError(f"{path}: cannot tell the output format from the extension (use {known})")
    return fmt


def write(
    table: pa.Table, path: str | Path, *, provenance: Provenance | None = None
) -> dict[str, Any]:
    """Write ``table`` to ``path`` in the format its extension names (atomically);
    what was written. ``provenance`` is recorded in the file (nothing when None)."""
    out = Path(path)
    fmt = export_format(out)
    if fmt == "parquet":
        with atomic_path(out) as tmp:
            pq.write_table(tag_table(table, provenance), tmp, compression="zstd")
        written = table.num_rows
    elif fmt == "csv":
        extra = sidecar(out, provenance)
        with atomic_paths(out, *extra) as tmps:
            pacsv.write_csv(iso_times(table), tmps[0])
            for tmp, data in zip(tmps[1:], extra.values(), strict=True):
                tmp.write_bytes(data)
        written = table.num_rows
    else:
        with atomic_path(out) as tmp:
            written = _write_geojson(table, tmp, provenance)
    return {"file": str(out), "format": fmt, "rows": written}


def iso_times(table: pa.Table) -> pa.Table:
    """Every timestamp column as ISO-8601 UTC text with microseconds and ``Z``
    (``2025-02-04T21:13:42.619000Z``), which pandas, DuckDB, pyarrow, QGIS and
    spreadsheets parse. (Arrow's ``%S`` already carries the fraction of the
    column's unit, so the column is cast to microseconds first.)"""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type):
            us = pc.cast(table[f.name], pa.timestamp("us", tz="UTC"), safe=False)
            iso = pc.strftime(us, format="%Y-%m-%dT%H:%M:%SZ")
            table = table.set_column(i, f.name, iso)
    return table


def _write_geojson(table: pa.Table, path: Path, provenance: Provenance | None = None) -> int:
    with_pos = table.filter(pc.is_valid(table["lat"]))
    props = [c for c in GEOJSON_PROPERTIES if c in with_pos.column_names]
    n = 0
    with path.open("w") as fh:
        fh.write('{"type": "FeatureCollection", ')
        if provenance is not None:
            fh.write(f"{json.dumps(KEY)}: {json.dumps(provenance_json(provenance))}, ")
        fh.write('"features": [\n')
        for batch in iso_times(with_pos).to_batches(max_chunksize=50_000):
            rows = batch.to_pylist()
            lines: Iterable[str] = (_feature(r, props) for r in rows)
            for line in lines:
                fh.write(("" if n == 0 else ",\n") + line)
                n += 1
        fh.write("\n]}\n")
    return n


def _feature(row: dict[str, Any], props: list[str]) -> str:
    properties = {k: _clean(row[k]) for k in props}
    geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": properties})


def _clean(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v
