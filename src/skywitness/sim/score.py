"""Scoring detector output against simulator ground truth (``truth.json``).

Shared by the accuracy benchmark (bench/accuracy.py) and the tests that
assert the targets on fixed seeds. Definitions are in bench/accuracy.py's
docstring and repeated on each function.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pyarrow as pa

from skywitness.gnss.jamming.state import BAD
from skywitness.model.geo import distance_m

NS = 1_000_000_000
MINUTE_NS = 60 * NS


def in_events(states: pa.Table, events: list[Any]) -> np.ndarray:
    """Rows whose aircraft is, at that time, in one of the events' bad stretches."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for ev in events:
        for iv in ev.intervals:
            spans[iv.icao24].append((iv.start_ns, iv.end_ns))
    icao = states["icao24"].to_numpy(zero_copy_only=False)
    t = states["time"].cast(pa.int64()).to_numpy()
    out = np.zeros(len(t), dtype=bool)
    for a, ivs in spans.items():
        rows = np.flatnonzero(icao == a)
        for s0, e0 in ivs:
            out[rows[(t[rows] >= s0) & (t[rows] <= e0)]] = True
    return out


def minute_scores(states: pa.Table, truth: dict[str, Any], events: list[Any]) -> dict[str, int]:
    """Confusion counts over aircraft-minutes.

    A minute of one aircraft is truly affected when at least half of it lies
    in a truth interval of kind ``lost``, clean when none of it lies in any
    truth interval, and excluded otherwise (fringe or partly lost). It is
    detected when at least half of the aircraft's reports in it are bad
    within an interference event.
    """
    lost: dict[str, list[tuple[int, int]]] = defaultdict(list)
    other: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for ac in truth["aircraft"]:
        for iv in ac["affected"]:
            (lost if iv["kind"] == "lost" else other)[ac["icao24"]].append(
                (iv["start_ns"], iv["end_ns"])
            )
    icao = states["icao24"].to_numpy(zero_copy_only=False)
    t = states["time"].cast(pa.int64()).to_numpy()
    bad = (states["state"].to_numpy(zero_copy_only=False) == BAD) & in_events(states, events)
    minute = t // MINUTE_NS
    key = np.char.add(icao.astype(str), minute.astype(str))
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    frac_bad = np.bincount(inverse, weights=bad) / np.bincount(inverse)
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "excluded": 0}
    for k, row in enumerate(first):
        a, m0 = str(icao[row]), int(minute[row]) * MINUTE_NS
        m1 = m0 + MINUTE_NS
        in_lost = sum(max(0, min(e, m1) - max(s, m0)) for s, e in lost.get(a, ()))
        in_other = sum(max(0, min(e, m1) - max(s, m0)) for s, e in other.get(a, ()))
        if in_other > 0 or 0 < in_lost < MINUTE_NS / 2:
            counts["excluded"] += 1
            continue
        truly = in_lost >= MINUTE_NS / 2
        detected = frac_bad[k] >= 0.5
        counts[("t" if truly == detected else "f") + ("p" if detected else "n")] += 1
    return counts


def emitter_scores(events: list[Any], truth: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Per truth emitter: error of the matched estimate; and the number of false events."""
    affected: dict[str, set[str]] = defaultdict(set)
    for ac in truth["aircraft"]:
        for iv in ac["affected"]:
            if iv["kind"] == "lost":
                affected[iv["emitter"]].add(ac["icao24"])
    out = []
    for em in truth["emitters"]:
        mine = affected.get(em["id"], set())
        if not mine:
            continue
        best = max(events, key=lambda e: len(mine & set(e.aircraft)), default=None)
        row: dict[str, Any] = {"emitter": em["id"], "affected": len(mine), "error_km": None,
                               "within_95": None, "within_95_any_antenna": None,
                               "found": False}  # fmt: skip
        if best is not None and mine & set(best.aircraft):
            row["found"] = True
            if best.emitter is not None:
                err = (
                    float(distance_m(best.emitter.lat, best.emitter.lon, em["lat"], em["lon"]))
                    / 1000
                )
                row["error_km"] = err
                row["within_95"] = err <= best.emitter.error_km_95
                row["within_95_any_antenna"] = err <= best.emitter.error_km_95_any_antenna
        out.append(row)
    all_affected = set().union(*affected.values()) if affected else set()
    false_events = sum(1 for e in events if not (set(e.aircraft) & all_affected))
    return out, false_events


def spoof_minute_scores(states: pa.Table, truth: dict[str, Any]) -> dict[str, int]:
    """Confusion counts of the spoofed state over aircraft-minutes.

    A minute of one aircraft is truly spoofed when at least half of it lies in
    a truth spoofed interval, clean when none of it does, and excluded when
    only partly (under half) spoofed. It is detected when at least half of
    the aircraft's airborne reports in it are flagged ``spoofed``
    (:func:`skywitness.gnss.spoofing.spoof_states`). Only minutes with
    airborne reports count.
    """
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for ac in truth["aircraft"]:
        for iv in ac.get("spoofed", ()):
            spans[ac["icao24"]].append((iv["start_ns"], iv["end_ns"]))
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "excluded": 0}
    if states.num_rows == 0:
        return counts
    icao = states["icao24"].to_numpy(zero_copy_only=False)
    t = states["time"].cast(pa.int64()).to_numpy()
    flagged = states["spoofed"].to_numpy(zero_copy_only=False).astype(bool)
    minute = t // MINUTE_NS
    key = np.char.add(icao.astype(str), minute.astype(str))
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    frac = np.bincount(inverse, weights=flagged) / np.bincount(inverse)
    for k, row in enumerate(first):
        a, m0 = str(icao[row]), int(minute[row]) * MINUTE_NS
        m1 = m0 + MINUTE_NS
        inside = sum(max(0, min(e, m1) - max(s, m0)) for s, e in spans.get(a, ()))
        if 0 < inside < MINUTE_NS / 2:
            counts["excluded"] += 1
            continue
        truly = inside >= MINUTE_NS / 2
        detected = frac[k] >= 0.5
        counts[("t" if truly == detected else "f") + ("p" if detected else "n")] += 1
    return counts


def cluster_scores(clusters: list[Any], truth: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Per truth spoofer: the spoofed place and spoofer area of the matched cluster.

    The matched cluster is the one holding most of the spoofer's truly spoofed
    aircraft. ``attractor_error_km`` is the distance from its place to the
    truth attractor (the centre for circle spoofing); ``area_error_km`` from
    its spoofer area's centre to the spoofer, ``range_error_km`` the area's
    range minus the spoofer's. Clusters holding no truly spoofed aircraft are
    false clusters (second value).
    """
    spoofed: dict[str, set[str]] = defaultdict(set)
    for ac in truth["aircraft"]:
        for iv in ac.get("spoofed", ()):
            spoofed[iv["spoofer"]].add(ac["icao24"])
    out = []
    for sp in truth.get("spoofers", []):
        mine = spoofed.get(sp["id"], set())
        if not mine:
            continue
        place = sp.get("attractor") or sp.get("circle") or {}
        row: dict[str, Any] = {
            "spoofer": sp["id"], "pattern": sp.get("pattern"), "spoofed": len(mine),
            "found": False, "n_aircraft": 0, "attractor_error_km": None, "within_95": None,
            "area_error_km": None, "area_within_95": None, "area_within_95_any_antenna": None,
            "range_error_km": None,
        }  # fmt: skip
        best = max(clusters, key=lambda c: len(mine & set(c.aircraft)), default=None)
        if best is not None and mine & set(best.aircraft):
            err = float(distance_m(best.lat, best.lon, place["lat"], place["lon"])) / 1000
            row.update(found=True, n_aircraft=best.n_aircraft, attractor_error_km=err,
                       within_95=err <= max(best.error_km_95, 0.0))  # fmt: skip
            if best.area is not None:
                a = best.area
                aerr = float(distance_m(a.lat, a.lon, sp["lat"], sp["lon"])) / 1000
                row.update(area_error_km=aerr, area_within_95=aerr <= a.error_km_95,
                           area_within_95_any_antenna=aerr <= a.error_km_95_any_antenna,
                           range_error_km=a.range_km - float(sp["range_km"]))  # fmt: skip
        out.append(row)
    everyone = set().union(*spoofed.values()) if spoofed else set()
    false_clusters = sum(1 for c in clusters if not (set(c.aircraft) & everyone))
    return out, false_clusters
