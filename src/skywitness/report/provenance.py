"""What every output file records about how it was made.

A :class:`Provenance` names the skywitness version, the command (a CLI line
or a notebook call), the inputs (store directory or files) and the time range
analysed, and when the file was written. Writers embed it in each format
(:func:`provenance_json` is the one shape): a ``skywitness`` member of a
GeoJSON FeatureCollection (a foreign member, RFC 7946 section 6.1), Parquet
key-value metadata under ``skywitness``, PNG text chunks, a visible footer and
a ``<meta>`` element in HTML, and for CSV a sidecar ``<file>.provenance.json``
(a comment line in a CSV breaks pandas, DuckDB and QGIS).
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from skywitness.model.timefmt import iso_utc

#: The name under which every format carries the record: GeoJSON member,
#: Parquet metadata key, PNG text keyword, HTML ``<script>`` id prefix.
KEY = "skywitness"
#: The sidecar of a CSV file: ``<file>.provenance.json``.
SIDECAR_SUFFIX = ".provenance.json"


def _version() -> str:
    from skywitness.version import __version__

    return __version__


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Provenance:
    """How an output was made; ``start_ns`` / ``end_ns`` are the analysed window
    (``None``: unbounded on that side)."""

    command: str
    inputs: tuple[str, ...] = ()
    start_ns: int | None = None
    end_ns: int | None = None
    version: str = field(default_factory=_version)
    created: str = field(default_factory=_now)

    @classmethod
    def from_argv(
        cls,
        argv: Sequence[str] | None = None,
        *,
        inputs: Sequence[str] = (),
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> Provenance:
        """The provenance of a CLI run (``argv`` defaults to ``sys.argv[1:]``)."""
        args = list(sys.argv[1:] if argv is None else argv)
        return cls(
            command=shlex.join(["skywitness", *args]),
            inputs=tuple(str(i) for i in inputs),
            start_ns=start_ns,
            end_ns=end_ns,
        )

    def with_window(self, start_ns: int | None, end_ns: int | None) -> Provenance:
        """The same provenance with the time range actually covered by the data."""
        return Provenance(self.command, self.inputs, start_ns, end_ns, self.version, self.created)

    def as_json(self) -> dict[str, Any]:
        return provenance_json(self)


def provenance_json(p: Provenance) -> dict[str, Any]:
    """The one JSON shape of a provenance record."""
    return {
        "software": "skywitness",
        "version": p.version,
        "command": p.command,
        "inputs": list(p.inputs),
        "start": None if p.start_ns is None else iso_utc(p.start_ns),
        "end": None if p.end_ns is None else iso_utc(p.end_ns),
        "created": p.created,
    }


def provenance_line(p: Provenance) -> str:
    """One human line (HTML footer, PNG caption)."""
    window = (
        f"{'…' if p.start_ns is None else iso_utc(p.start_ns)} \u2013 "
        f"{'…' if p.end_ns is None else iso_utc(p.end_ns)}"
    )
    inputs = ", ".join(p.inputs) if p.inputs else "-"
    return (
        f"skywitness {p.version} · window {window} · inputs: {inputs} · "
        f"command: {p.command} · written {p.created}"
    )


def provenance_text(p: Provenance) -> str:
    """The record as compact JSON text."""
    return json.dumps(provenance_json(p), separators=(",", ":"), ensure_ascii=False)


# -- per format --------------------------------------------------------------------


def geojson_with(doc: dict[str, Any], p: Provenance | None) -> dict[str, Any]:
    """A FeatureCollection with the record as its ``skywitness`` foreign member
    (RFC 7946 section 6.1: GDAL, QGIS and kepler.gl ignore it), put first so a
    reader sees it before the features."""
    if p is None:
        return doc
    return {
        "type": doc["type"],
        KEY: provenance_json(p),
        **{k: v for k, v in doc.items() if k != "type"},
    }


def tag_table(table: pa.Table, p: Provenance | None) -> pa.Table:
    """``table`` with the record in its schema metadata under ``b"skywitness"``
    (kept by Parquet: ``pq.read_schema(f).metadata``, DuckDB ``parquet_kv_metadata``);
    the table's other metadata is kept."""
    if p is None:
        return table
    meta = dict(table.schema.metadata or {})
    meta[KEY.encode()] = provenance_text(p).encode("utf-8")
    return table.replace_schema_metadata(meta)


def table_provenance(metadata: dict[bytes, bytes] | None) -> dict[str, Any] | None:
    """The record read back from Arrow / Parquet schema metadata (``None`` if absent)."""
    raw = (metadata or {}).get(KEY.encode())
    return None if raw is None else dict(json.loads(raw))


def png_metadata(p: Provenance | None) -> dict[str, str]:
    """PNG text chunks (``Software``, ``Source``, ``Comment``, and the JSON record
    under ``skywitness``); non-Latin-1 text goes in iTXt chunks."""
    if p is None:
        return {}
    return {
        "Software": f"skywitness {p.version}",
        "Source": ", ".join(p.inputs) or "-",
        "Comment": provenance_line(p),
        KEY: provenance_text(p),
    }


def sidecar_path(path: str | Path) -> Path:
    """Where the record of a CSV file goes: ``<file>.provenance.json`` beside it."""
    path = Path(path)
    return path.with_name(path.name + SIDECAR_SUFFIX)


def sidecar(path: str | Path, p: Provenance | None) -> dict[Path, bytes]:
    """The sidecar file to write with ``path`` (nothing when ``p`` is None)."""
    if p is None:
        return {}
    text = json.dumps(provenance_json(p), indent=2, ensure_ascii=False) + "\n"
    return {sidecar_path(path): text.encode("utf-8")}
