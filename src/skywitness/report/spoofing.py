"""Spoofing findings as files, chosen by extension.

``.geojson`` / ``.json``  a FeatureCollection (:func:`~skywitness.report.findings.spoofing_geojson`):
                          false positions, spoofed places, the spoofer's area and
                          the estimated true paths;
``.csv``                  one row per interval (pandas, spreadsheets);
``.parquet``              the per-report flags of :func:`~skywitness.gnss.spoofing.spoof_states`
                          of the aircraft with a spoofed report;
``.png``                  a map (needs the ``plot`` extra);
``.html``                 the interactive offline map (:mod:`skywitness.report.html`).

Every file is written atomically; given a
:class:`~skywitness.report.provenance.Provenance`, each records it (GeoJSON
member, Parquet metadata, PNG text and caption, HTML footer, CSV sidecar).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from skywitness.errors import UsageError
from skywitness.gnss.spoofing.intervals import SpoofInterval
from skywitness.gnss.spoofing.places import SpoofCluster
from skywitness.model.units import NS_PER_S
from skywitness.report.atomic import atomic_path, write_files, write_json
from skywitness.report.findings import SpoofingFindings, spoofing_geojson
from skywitness.report.provenance import Provenance, geojson_with, sidecar, tag_table

#: Output extensions this job writes.
EXTENSIONS = (".geojson", ".json", ".csv", ".parquet", ".png", ".html")


def write_spoofing(
    result: SpoofingFindings,
    path: Path,
    *,
    provenance: Provenance | None = None,
    aircraft: int | None = None,
    time_range: tuple[int, int] | None = None,
    callsigns: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Write one output file, in the format its extension names, atomically.

    ``provenance`` is recorded in the file (nothing when None); ``aircraft``
    (how many were analysed), ``time_range`` (UTC ns of the data) and
    ``callsigns`` are for the maps (``.png``, ``.html``), which say "No
    interference found among N aircraft" when there is nothing to show.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext in (".geojson", ".json"):
        write_json(path, geojson_with(spoofing_geojson(result), provenance))
        fmt = "geojson"
    elif ext == ".csv":
        text = intervals_csv(list(result.intervals), list(result.clusters))
        write_files({path: text.encode("utf-8"), **sidecar(path, provenance)})
        fmt = "csv"
    elif ext == ".parquet":
        with atomic_path(path) as tmp:
            pq.write_table(tag_table(result.states, provenance), tmp)
        fmt = "parquet"
    elif ext == ".png":
        from skywitness.report.spoofing_map import render_spoofing_png

        render_spoofing_png(
            result, path, provenance=provenance, aircraft=aircraft, time_range=time_range
        )
        fmt = "png"
    elif ext == ".html":
        from skywitness.report.html import render_map_html

        render_map_html(
            None, path, spoofing=result, aircraft=aircraft, provenance=provenance,
            time_range=time_range, callsigns=callsigns,
        )  # fmt: skip
        fmt = "html"
    else:
        raise UsageError(f"{path}: unknown output type (use {', '.join(EXTENSIONS)})")
    return {"file": str(path), "format": fmt}


def intervals_csv(intervals: list[SpoofInterval], clusters: list[SpoofCluster]) -> str:
    """One row per interval, with the spoofed place it was held at (if any)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["icao24", "callsign", "start", "end", "duration_s", "kinds",
                "trusted_quality", "cluster_lat", "cluster_lon"])  # fmt: skip
    for iv in intervals:
        j = iv.as_json()
        c = _cluster_of(iv, clusters)
        w.writerow([
            iv.icao24, iv.callsign or "", j["start"], j["end"],
            round((iv.end_ns - iv.start_ns) / NS_PER_S, 1), ";".join(iv.kinds),
            "" if iv.trusted_quality is None else str(iv.trusted_quality).lower(),
            "" if c is None else round(c.lat, 5), "" if c is None else round(c.lon, 5),
        ])  # fmt: skip
    return buf.getvalue()


def _cluster_of(iv: SpoofInterval, clusters: list[SpoofCluster]) -> SpoofCluster | None:
    for c in clusters:
        if iv.icao24 in c.aircraft and iv.start_ns <= c.end_ns and iv.end_ns >= c.start_ns:
            return c
    return None
