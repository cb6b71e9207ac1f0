"""Interference maps (H3 cells) as files: GPSJam CSV, GeoJSON, Parquet, PNG, HTML.

Every file is written atomically (:mod:`skywitness.report.atomic`). Given a
:class:`~skywitness.report.provenance.Provenance`, each records it: the
GeoJSON as its ``skywitness`` member, Parquet in its schema metadata, PNG and
HTML visibly and in their metadata, and a CSV in a sidecar
``<file>.provenance.json`` (GPSJam's CSV layout stays exact). A Parquet file
also says, under :data:`PARQUET_SUMMARY_KEY`, the map's H3 resolution, window
and quality mode: a note for its readers (the first two are in its columns
too, :func:`~skywitness.gnss.jamming.maps.map_grid`); nothing here reads it back.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from skywitness.errors import UsageError
from skywitness.gnss.jamming.maps import (
    GPSJAM_CSV_COLUMNS,
    MAP_FORMATS,
    cell_geometry,
    map_grid,
    window_tag,
    windows,
)
from skywitness.report.atomic import atomic_path, write_files, write_json
from skywitness.report.provenance import Provenance, geojson_with, sidecar, tag_table

#: Key of the map summary in a Parquet file's key-value metadata.
PARQUET_SUMMARY_KEY = b"skywitness.gnss_map"


def write_map(
    table: pa.Table,
    path: str | Path,
    *,
    provenance: Provenance | None = None,
    **render: Any,
) -> list[dict[str, Any]]:
    """Write a map in the format the extension names; one dict per file written.

    ``.csv``: GPSJam's layout, one file per window. With one window the file
    is ``path`` itself; with several, ``<stem>-YYYY-MM-DD.csv`` (daily) or
    ``<stem>-YYYY-MM-DDTHH.csv`` (hourly) beside it. A directory (existing,
    or a path without extension) gets GPSJam's own names, ``YYYY-MM-DD-h3_4.csv``
    (hourly: ``YYYY-MM-DDTHH-h3_4.csv``).
    ``.png`` likewise writes one image per window (with the events and
    spoofing findings of that window); ``.geojson``, ``.parquet`` and
    ``.html`` hold every window in one file. ``provenance`` is recorded in
    every file (nothing when None); ``render`` is passed to the PNG/HTML
    renderers (:func:`skywitness.report.jamming_map.render_png`,
    :func:`~skywitness.report.jamming_map.render_html`: ``events``,
    ``spoofing``, ``aircraft``, ``time_range``, ``callsigns``, ``mode``,
    ``levels``, ``title``) and ignored by the other formats, but for ``mode``,
    which a Parquet file notes in its summary (:func:`with_summary`).
    """
    out = Path(path)
    if out.is_dir() or not out.suffix or str(path).endswith(("/", "\\")):
        return write_gpsjam_dir(table, out, provenance=provenance)
    fmt = MAP_FORMATS.get(out.suffix.lower())
    if fmt is None:
        known = ", ".join(MAP_FORMATS)
        raise UsageError(f"{out}: cannot tell the map format from the extension (use {known})")
    if fmt == "csv":
        return [_write_gpsjam_csv(part, file, provenance) for part, file in _per_window(table, out)]
    if fmt == "png":
        from skywitness.report.jamming_map import render_png

        written = []
        parts = _per_window(table, out)
        for part, file in parts:
            kwargs = _window_render(part, render) if len(parts) > 1 else render
            render_png(part, file, provenance=provenance, **kwargs)
            written.append({"file": str(file), "format": "png", "cells": part.num_rows})
        return written
    if fmt == "html":
        from skywitness.report.jamming_map import render_html

        render_html(table, out, provenance=provenance, **render)
        return [{"file": str(out), "format": "html", "cells": table.num_rows}]
    if fmt == "parquet":
        with atomic_path(out) as tmp:
            tagged = tag_table(with_summary(table, render.get("mode")), provenance)
            pq.write_table(tagged, tmp, compression="zstd")
    else:
        write_json(out, geojson_with(to_geojson(table), provenance))
    return [{"file": str(out), "format": fmt, "cells": table.num_rows}]


def write_gpsjam_dir(
    table: pa.Table, directory: Path, *, provenance: Provenance | None = None
) -> list[dict[str, Any]]:
    """One CSV per window named as GPSJam does: ``YYYY-MM-DD-h3_<res>.csv``
    (each with its provenance sidecar when ``provenance`` is given)."""
    directory.mkdir(parents=True, exist_ok=True)
    res = map_grid(table).resolution  # None only for an empty map: no window, no file
    return [
        _write_gpsjam_csv(part, directory / f"{window_tag(part)}-h3_{res}.csv", provenance)
        for part in windows(table)
    ]


def with_summary(table: pa.Table, mode: str | None = None) -> pa.Table:
    """``table`` with its summary (H3 resolution, window, the quality ``mode``
    when known) under :data:`PARQUET_SUMMARY_KEY`, for the Parquet file."""
    grid = map_grid(table)
    summary = {"resolution": grid.resolution, "window": grid.window, "mode": mode}
    meta = dict(table.schema.metadata or {})
    meta[PARQUET_SUMMARY_KEY] = json.dumps(summary).encode()
    return table.replace_schema_metadata(meta)


def gpsjam_csv(table: pa.Table) -> bytes:
    """One window as GPSJam's CSV: header, then cells with known aircraft sorted by hex."""
    rows = sorted(
        (h, g, b)
        for h, g, b in zip(
            table["h3"].to_pylist(),
            table["count_good_aircraft"].to_pylist(),
            table["count_bad_aircraft"].to_pylist(),
            strict=True,
        )
        if g + b > 0
    )
    lines = [",".join(GPSJAM_CSV_COLUMNS)] + [f"{h},{g},{b}" for h, g, b in rows]
    return ("\n".join(lines) + "\n").encode("ascii")


def to_geojson(table: pa.Table) -> dict[str, Any]:
    """A FeatureCollection, one cell polygon per row, [lon, lat], closed CCW rings.

    A cell crossing the antimeridian is split into a MultiPolygon on either
    side of it (RFC 7946 section 3.1.9); a cell holding a pole is closed along
    the pole.
    """
    features = []
    props = [c for c in table.column_names if c not in ("window_start", "window_end")]
    starts = _iso(table["window_start"])
    ends = _iso(table["window_end"])
    for i, row in enumerate(table.select(props).to_pylist()):
        properties = {k: _clean(v) for k, v in row.items()}
        properties["window_start"], properties["window_end"] = starts[i], ends[i]
        features.append(
            {"type": "Feature", "geometry": cell_geometry(row["h3"]), "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features}


def _per_window(table: pa.Table, out: Path) -> list[tuple[pa.Table, Path]]:
    parts = windows(table)
    if len(parts) <= 1:
        return [(table, out)]
    return [(p, out.with_name(f"{out.stem}-{window_tag(p)}{out.suffix}")) for p in parts]


def _write_gpsjam_csv(
    table: pa.Table, file: Path, provenance: Provenance | None = None
) -> dict[str, Any]:
    data = gpsjam_csv(table)
    write_files({file: data, **sidecar(file, provenance)})
    return {"file": str(file), "format": "csv", "cells": data.count(b"\n") - 1}


def _window_render(part: pa.Table, render: dict[str, Any]) -> dict[str, Any]:
    """The render arguments of one window's PNG: its events and spoofing findings."""
    from skywitness.report.summary import events_in, spoofing_in

    lo = int(pc.min(part["window_start"].cast(pa.int64())).as_py())
    hi = int(pc.max(part["window_end"].cast(pa.int64())).as_py())
    out = dict(render)
    if render.get("events"):
        out["events"] = events_in(render["events"], lo, hi)
    if render.get("spoofing") is not None:
        out["spoofing"] = spoofing_in(render["spoofing"], lo, hi)
    if render.get("time_range") is not None:
        t0, t1 = render["time_range"]
        out["time_range"] = (max(t0, lo), min(t1, hi))
    return out


def _iso(column: pa.ChunkedArray) -> list[str]:
    seconds = column.cast(pa.timestamp("s", tz="UTC"))
    return [str(v) for v in pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%SZ").to_pylist()]


def _clean(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v
