"""The check job: a claims file -> each claimed flight reconstructed -> a verdict per
claim -> files.

As for the other jobs: :func:`compute_check` judges claims against reports
already read (a table) or a store, :func:`write_check_files` writes files,
:func:`check_analysis` (the CLI's) reads the claims file and the store,
computes and writes. Each flight a claim names (by ICAO address or callsign)
is reconstructed once with :func:`~skywitness.jobs.flight.compute_flight`
(without the jamming areas) and every claim about it is judged by
:func:`~skywitness.claims.check.check_claims`; a flight not in the data makes
its claims ``undetermined`` with that reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from skywitness.claims.model import Claim, read_claims
from skywitness.errors import SkywitnessError, UsageError
from skywitness.jobs import tables
from skywitness.jobs.flight import FlightResult, compute_flight, flight_reports
from skywitness.progress import Progress, no_progress
from skywitness.report.provenance import Provenance
from skywitness.store import Store

__all__ = [
    "EXTENSIONS",
    "CheckResult",
    "CheckRun",
    "check_analysis",
    "compute_check",
    "write_check_files",
]

#: Output files by extension.
EXTENSIONS = (".html", ".json", ".geojson", ".csv")
VERDICTS = ("consistent", "inconsistent", "undetermined")


@dataclass(frozen=True, repr=False)
class CheckResult:
    """The verdict on every claim of a claims file, and the flights they were judged
    against (``None`` for a flight not in the data).

    ``as_json`` is what ``skywitness check --json`` prints; ``to_arrow`` /
    ``to_pandas`` one row per claim; ``to_geojson`` the observers, observer
    regions and claimed positions; ``write`` the files.
    """

    claims: tuple[Claim, ...]
    verdicts: tuple[Any, ...]
    flights: Mapping[str, FlightResult | None]
    provenance: Provenance | None = None

    TABLES: ClassVar[tuple[str, ...]] = ("verdicts",)

    def as_json(self) -> dict[str, Any]:
        """``{"claims": [{"id", "verdict", "residuals", "tolerance", "clock_offset_s",
        "explanation", "evidence", ...}]}``."""
        return {"claims": [v.as_json() for v in self.verdicts]}

    def counts(self) -> dict[str, int]:
        """How many claims got each verdict."""
        out = dict.fromkeys(VERDICTS, 0)
        for v in self.verdicts:
            out[v.verdict] = out.get(v.verdict, 0) + 1
        return out

    def to_arrow(self, table: str | None = None) -> pa.Table:
        """One row per claim: id, kind, verdict, clock_offset_s, explanation, and the
        residuals, tolerance and evidence as JSON text."""
        tables.pick(table, self.TABLES)
        rows = [v.as_json() for v in self.verdicts]
        return pa.table(
            {
                "id": pa.array([r["id"] for r in rows], pa.string()),
                "kind": pa.array([r.get("kind") for r in rows], pa.string()),
                "verdict": pa.array([r["verdict"] for r in rows], pa.string()),
                "clock_offset_s": pa.array([r["clock_offset_s"] for r in rows], pa.float64()),
                "explanation": pa.array([r["explanation"] for r in rows], pa.string()),
                "residuals": pa.array([json.dumps(r["residuals"]) for r in rows], pa.string()),
                "tolerance": pa.array([json.dumps(r["tolerance"]) for r in rows], pa.string()),
                "evidence": pa.array([json.dumps(r["evidence"]) for r in rows], pa.string()),
            }
        )

    def to_pandas(self, table: str | None = None) -> Any:
        """:meth:`to_arrow` as a pandas DataFrame (needs the ``pandas`` extra)."""
        return tables.to_pandas(self.to_arrow(table))

    def to_geojson(self) -> dict[str, Any]:
        """Observers, observer regions and claimed positions as one FeatureCollection."""
        features: list[dict[str, Any]] = []
        by_id = {c.id: c for c in self.claims}
        for v in self.verdicts:
            j = v.as_json()
            props = {"id": j["id"], "kind": j.get("kind"), "verdict": j["verdict"],
                     "explanation": j["explanation"]}  # fmt: skip
            claim = by_id.get(j["id"])
            if j.get("region"):
                features.append({"type": "Feature", "geometry": j["region"],
                                 "properties": {**props, "feature": "observer_region"}})  # fmt: skip
            if claim is not None and claim.observer is not None:
                o = claim.observer
                features.append({"type": "Feature",
                                 "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
                                 "properties": {**props, "feature": "observer"}})  # fmt: skip
            if claim is not None and claim.get("lat") is not None and claim.get("lon") is not None:
                features.append({"type": "Feature",
                                 "geometry": {"type": "Point",
                                              "coordinates": [claim.get("lon"), claim.get("lat")]},
                                 "properties": {**props, "feature": "claimed_position",
                                                "within_km": claim.get("within_km")}})  # fmt: skip
        return {"type": "FeatureCollection", "features": features}

    def write(
        self, *outputs: str | Path, provenance: Provenance | None = None
    ) -> tuple[dict[str, Any], ...]:
        """Write each of ``outputs`` (by extension: .html, .json, .geojson, .csv)."""
        return write_check_files(self, [Path(o) for o in outputs], provenance=provenance)

    def summary_lines(self) -> list[str]:
        c = self.counts()
        return [
            f"{tables.plural(len(self.verdicts), 'claim')}: {c['consistent']} consistent, "
            f"{c['inconsistent']} inconsistent, {c['undetermined']} undetermined "
            f"({tables.plural(len(self.flights), 'flight')})"
        ]

    def __repr__(self) -> str:
        lines = [f"  {v.id:<8} {v.kind:<12} {v.verdict:<13} {v.explanation}" for v in self.verdicts]
        return "\n".join(
            ["CheckResult: " + self.summary_lines()[0], *tables.shown(lines, len(lines))]
        )

    def _repr_html_(self) -> str:
        rows = [[v.id, v.kind, v.verdict, v.explanation] for v in self.verdicts]
        return tables.html_table(
            tables.caption(self.summary_lines()), ["claim", "kind", "verdict", "why"], rows
        )


@dataclass(frozen=True, repr=False)
class CheckRun(CheckResult):
    """A result and the files written from it (what :func:`check_analysis` returns)."""

    written: tuple[dict[str, Any], ...] = ()


def check_outputs(outputs: Sequence[Path]) -> None:
    """Fail before any work on an output the writers would reject."""
    for out in outputs:
        if Path(out).suffix.lower() not in EXTENSIONS:
            raise UsageError(f"{out}: unknown output type (use {', '.join(EXTENSIONS)})")


def compute_check(
    claims: Sequence[Claim],
    source: pa.Table | Store,
    *,
    provenance: Provenance | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """The verdicts on ``claims`` against ``source`` (reports in the canonical schema,
    or a store): each flight named reconstructed once (module docstring)."""
    from skywitness.claims.check import check_claims

    report = progress or no_progress
    idents = list(dict.fromkeys(c.flight.ident for c in claims))
    flights: dict[str, FlightResult | None] = {}
    for k, ident in enumerate(idents):
        report("flights", k, len(idents))
        flights[ident] = _flight(source, ident)
    report("flights", len(idents), len(idents))
    report("claims", 0, 1)
    verdicts = check_claims(claims, flights)
    report("claims", 1, 1)
    return CheckResult(tuple(claims), tuple(verdicts), flights, provenance)


def _flight(source: pa.Table | Store, ident: str) -> FlightResult | None:
    """The flight ``ident`` names, reconstructed; None when the data hold no such aircraft."""
    try:
        if isinstance(source, Store):
            reports, callsign = flight_reports(source, ident, None, None)
            return compute_flight(reports, ident=callsign or ident)
        return compute_flight(source, ident=ident)
    except UsageError as exc:
        if "no reports of" in str(exc):
            return None
        raise


def write_check_files(
    result: CheckResult, outputs: Sequence[Path] = (), *, provenance: Provenance | None = None
) -> tuple[dict[str, Any], ...]:
    """Write each of ``outputs`` (by extension); one dict per file written."""
    from skywitness.report.atomic import write_json
    from skywitness.report.export import write as write_table
    from skywitness.report.provenance import geojson_with, provenance_json

    check_outputs(outputs)
    made = provenance if provenance is not None else result.provenance
    written = []
    for out in outputs:
        ext = out.suffix.lower()
        if ext == ".json":
            doc = result.as_json()
            if made is not None:
                doc = {**doc, "skywitness": provenance_json(made)}
            write_json(out, doc, compact=False)
        elif ext == ".geojson":
            write_json(out, geojson_with(result.to_geojson(), made))
        elif ext == ".csv":
            write_table(result.to_arrow(), out, provenance=made)
        else:
            from skywitness.report.claims import write_claims_html

            flights = {k: ({} if f is None else f.as_json()) for k, f in result.flights.items()}
            write_claims_html(
                out, [v.as_json() for v in result.verdicts], [c.as_json() for c in result.claims],
                flights, provenance=made or Provenance("(not recorded)", ()),
            )  # fmt: skip
        written.append({"file": str(out), "format": ext.lstrip(".")})
    return tuple(written)


def check_analysis(
    store: Store,
    claims_file: str | Path,
    *,
    outputs: Sequence[Path] = (),
    provenance: Provenance | None = None,
    progress: Progress | None = None,
) -> CheckRun:
    """Read the claims file (every problem in it at once: :class:`ClaimsFileError`),
    judge it against the store and write ``outputs``."""
    outs = [Path(o) for o in outputs]
    check_outputs(outs)
    claims = read_claims(claims_file)
    if not claims:
        raise SkywitnessError(f"{claims_file}: no claims in the file")
    result = compute_check(claims, store, provenance=provenance, progress=progress)
    written = write_check_files(result, outs)
    values = {f.name: getattr(result, f.name) for f in fields(result)}
    return CheckRun(**values, written=written)
