"""Scoring estimated true paths of spoofed aircraft against simulator ground truth.

Each truth spoofed interval (``truth.json``, ``aircraft[].spoofed[]``, with its
``true_path`` sampled every 10 s) is matched to the estimated path
(:func:`skywitness.gnss.spoofing.paths.estimate_true_paths`) of the same aircraft
whose interval overlaps it most. The estimate is interpolated (great circle
between its points) at the truth's times within the path's span; truth
points outside it are *not covered* (the path starts at the anchor before,
so a late detection whose last unflagged position was already false leaves
the first truth points uncovered). Distances are great-circle, km.

The baseline is what the anchors alone give: the great circle between the
path's anchor points at constant speed, at the same truth times (paths with
fewer than two anchors have none). It says what air data buys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from skywitness.gnss.spoofing.paths import EstimatedPath, interpolate_great_circle
from skywitness.model.geo import distance_m


def path_errors(paths: Sequence[EstimatedPath], truth: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per truth spoofed interval.

    Keys: icao24, start_ns, end_ns (truth), matched (a path overlaps it), method,
    points (truth points), covered (share of them within the path's span),
    median_km and max_km (estimate to truth over the covered points),
    within_error (share of covered points no farther than the path's stated
    ``error_km`` there), error_km_max (stated, over the path), baseline_median_km
    and baseline_max_km (great circle between the anchors, over the covered
    points it spans). Values are None when undefined.
    """
    by_aircraft: dict[str, list[EstimatedPath]] = defaultdict(list)
    for p in paths:
        by_aircraft[p.icao24].append(p)
    rows = []
    for ac in truth.get("aircraft", []):
        for iv in ac.get("spoofed", []):
            rows.append(_score(ac["icao24"], iv, by_aircraft.get(ac["icao24"], [])))
    return rows


def _overlap(p: EstimatedPath, start_ns: int, end_ns: int) -> int:
    return min(p.end_ns, end_ns) - max(p.start_ns, start_ns)


def _score(icao24: str, iv: Mapping[str, Any], candidates: list[EstimatedPath]) -> dict[str, Any]:
    start, end = int(iv["start_ns"]), int(iv["end_ns"])
    tp = iv["true_path"]
    t = np.asarray(tp["time_ns"], np.int64)
    lat, lon = np.asarray(tp["lat"], np.float64), np.asarray(tp["lon"], np.float64)
    row: dict[str, Any] = {
        "icao24": icao24,
        "start_ns": start,
        "end_ns": end,
        "matched": False,
        "method": None,
        "points": int(t.shape[0]),
        "covered": 0.0,
        "median_km": None,
        "max_km": None,
        "within_error": None,
        "error_km_max": None,
        "baseline_median_km": None,
        "baseline_max_km": None,
    }
    overlapping = [p for p in candidates if _overlap(p, start, end) >= 0]
    if not overlapping or not t.shape[0]:
        return row
    best = max(overlapping, key=lambda p: _overlap(p, start, end))
    row.update(matched=True, method=best.method, error_km_max=best.error_km_max)
    e_lat, e_lon = interpolate_great_circle(best.time_ns, best.lat, best.lon, t)
    covered = np.isfinite(e_lat)
    row["covered"] = float(covered.mean())
    if not covered.any():
        return row
    d_km = distance_m(e_lat[covered], e_lon[covered], lat[covered], lon[covered]) / 1000.0
    stated = np.interp(t[covered], best.time_ns, best.error_km)
    row.update(
        median_km=float(np.median(d_km)),
        max_km=float(d_km.max()),
        within_error=float(np.mean(d_km <= stated)),
    )
    anchors = np.asarray(best.anchor, bool)
    if anchors.sum() >= 2:
        b_lat, b_lon = interpolate_great_circle(
            best.time_ns[anchors], best.lat[anchors], best.lon[anchors], t[covered]
        )
        spanned = np.isfinite(b_lat)
        if spanned.any():
            b_km = distance_m(
                b_lat[spanned], b_lon[spanned], lat[covered][spanned], lon[covered][spanned]
            )
            row.update(
                baseline_median_km=float(np.median(b_km) / 1000.0),
                baseline_max_km=float(b_km.max() / 1000.0),
            )
    return row
