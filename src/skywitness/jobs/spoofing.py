"""The spoofing job: reports from the store -> per-report flags -> intervals,
spoofed places (clusters with the spoofer's area), estimated true paths, files
(written by :mod:`skywitness.report.spoofing`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from skywitness.errors import UsageError
from skywitness.gnss.spoofing.detectors import spoof_metadata, spoof_states
from skywitness.gnss.spoofing.intervals import SpoofInterval, spoof_intervals
from skywitness.gnss.spoofing.paths import EstimatedPath, estimate_true_paths
from skywitness.gnss.spoofing.places import SpoofCluster, at_places, spoof_clusters
from skywitness.jobs.jamming import reports_for
from skywitness.report.spoofing import EXTENSIONS, spoof_flags, write_spoofing
from skywitness.store import Store


@dataclass
class SpoofingResult:
    intervals: list[SpoofInterval]
    clusters: list[SpoofCluster]
    paths: list[EstimatedPath]
    states: pa.Table
    reports: int
    aircraft: int
    written: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "intervals": [
                {**iv.as_json(), "trusted_quality": iv.trusted_quality} for iv in self.intervals
            ],
            "clusters": [c.as_json() for c in self.clusters],
        }


def spoofing_analysis(
    store: Store,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    outputs: list[Path] | None = None,
) -> SpoofingResult:
    """Spoofing in the store's window, for aircraft seen (at a true or false
    position) inside ``bbox``; writes ``outputs`` by extension."""
    for out in outputs or []:
        if out.suffix.lower() not in EXTENSIONS:
            raise UsageError(f"{out}: unknown output type (use {', '.join(EXTENSIONS)})")
    reports = reports_for(store, start_ns, end_ns, bbox)
    states = spoof_states(reports)
    intervals = spoof_intervals(states)
    clusters = spoof_clusters(states)
    paths = true_paths(reports, states, intervals, clusters)
    meta = spoof_metadata(states)
    result = SpoofingResult(
        intervals=intervals,
        clusters=clusters,
        paths=paths,
        states=states,
        reports=reports.num_rows,
        aircraft=int(meta.get("aircraft", 0)),
    )
    for out in outputs or []:
        result.written.append(write_spoofing(result, out))
    return result


def true_paths(
    reports: pa.Table,
    states: pa.Table,
    intervals: list[SpoofInterval],
    clusters: list[SpoofCluster],
) -> list[EstimatedPath]:
    """Estimated true paths (:func:`~skywitness.gnss.spoofing.paths.estimate_true_paths`)
    whose anchors are never at a spoofed place
    (:func:`~skywitness.gnss.spoofing.places.at_places`), flagged or not."""
    anchors = states.set_column(
        states.schema.get_field_index("spoofed"),
        "spoofed",
        pa.array(at_places(states, clusters) | spoof_flags(states)),
    )
    return estimate_true_paths(reports, anchors, intervals)
