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

import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from skywitness.model.timefmt import iso_utc


def _version() -> str:
    from skywitness import __version__

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
        f"{'…' if p.start_ns is None else iso_utc(p.start_ns)} – "
        f"{'…' if p.end_ns is None else iso_utc(p.end_ns)}"
    )
    inputs = ", ".join(p.inputs) if p.inputs else "-"
    return f"skywitness {p.version} · {window} · inputs: {inputs} · `{p.command}` · {p.created}"
