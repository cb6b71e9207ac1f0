"""Scoring a flight reconstruction against the incident scenario's ground truth.

Input: the flight result as JSON (what ``skywitness flight --json`` prints and
:meth:`skywitness.jobs.flight.FlightResult.as_json` returns) and the truth's
``incident`` object (``truth.json``). Every measure is defined here once, so
that the bench and the tests score alike:

* ``failure_dt_s``: found failure time minus the truth's (None: none found);
* ``end_kind``; ``crash_km``: distance from the found end point to the truth's
  crash point, ``crash_within``: whether the truth lies inside the stated
  ``error_km``;
* ``period_err`` / ``amplitude_err``: relative errors of the oscillation's
  period and amplitude against the truth's (``amplitude_ft`` in both: half of
  the peak-to-trough swing of the altitude);
* ``approaches`` / ``go_arounds``: how many found at the truth's destination,
  against the truth's; ``approaches_right``: both counts equal and every
  truth approach matched by a found one whose lowest point lies within
  :data:`APPROACH_MATCH_S` of the truth's go-around;
* path: over the track rows whose position was reconstructed (source
  ``reconstructed``), the distance to the true position at the same time
  (the truth's ``true_path``, every 5 s, interpolated linearly), its median and
  95th percentile, and ``within``: the share of rows whose truth lies inside
  the stated ``error_km``; ``stated_median_km`` the median stated error;
* ``diversion_to`` (the airport of the found ``diversion`` event) and
  ``diversion_dt_s``: its time minus the truth's decision to divert;
* ``corrupted_used``: track rows inside a truth corrupted interval whose
  altitude is more than :data:`CORRUPTED_ALT_TOL_FT` from the truth's (a
  corrupted altitude that reached the track).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from skywitness.model.geo import distance_m

#: A found approach matches a truth one when its lowest point is within this
#: long of the truth's go-around time, s (the lowest point precedes the
#: climb by the few seconds of the pull-up; modelling choice).
APPROACH_MATCH_S = 120.0
#: A track altitude this far from the truth's inside a corrupted interval is a
#: corrupted value used, ft: the truth's pressure altitude and the reported one
#: differ by the 25-ft quantisation only; the corruption is thousands of feet.
CORRUPTED_ALT_TOL_FT = 500.0


def _ns(iso: str) -> int:
    stamp = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return round(stamp.timestamp() * 1e6) * 1000


def flight_scores(doc: Mapping[str, Any], incident: Mapping[str, Any]) -> dict[str, Any]:
    """The measures of the module docstring for one run."""
    out: dict[str, Any] = {}
    fail = doc.get("failure")
    truth_fail = incident["failure"]["time_ns"]
    out["failure_dt_s"] = None if fail is None else (_ns(fail["time"]) - truth_fail) / 1e9
    end = doc.get("end") or {}
    crash = incident["crash"]
    out["end_kind"] = end.get("kind")
    if end.get("lat") is not None and end.get("lon") is not None:
        km = float(distance_m(end["lat"], end["lon"], crash["lat"], crash["lon"])) / 1000.0
        out["crash_km"] = km
        err = end.get("error_km")
        out["crash_within"] = err is not None and km <= err
        out["crash_error_km"] = err
    else:
        out["crash_km"] = out["crash_within"] = out["crash_error_km"] = None
    osc, t_osc = doc.get("oscillation"), incident["oscillation"]
    if osc is None:
        out["period_err"] = out["amplitude_err"] = None
    else:
        out["period_err"] = osc["period_s"] / t_osc["period_s"] - 1.0
        out["amplitude_err"] = osc["amplitude_ft"] / t_osc["amplitude_ft"] - 1.0
    div = next((e for e in doc.get("events", []) if e["kind"] == "diversion"), None)
    out["diversion_to"] = None if div is None else div["detail"].get("to")
    out["diversion_dt_s"] = (
        None if div is None else (_ns(div["time"]) - incident["decision"]["time_ns"]) / 1e9
    )
    out |= _approaches(doc, incident)
    out |= _path(doc, incident)
    return out


def _approaches(doc: Mapping[str, Any], incident: Mapping[str, Any]) -> dict[str, Any]:
    dest = incident["destination"]
    found = [a for a in doc.get("approaches", []) if a.get("airport") == dest]
    truth = incident["approaches"]
    matched = 0
    for t in truth:
        ga = t["go_around_ns"]
        if any(
            a.get("go_around") and abs(_ns(a["time"]) - ga) / 1e9 <= APPROACH_MATCH_S for a in found
        ):
            matched += 1
    n_ga = sum(bool(a.get("go_around")) for a in found)
    return {
        "approaches": len(found),
        "go_arounds": n_ga,
        "truth_approaches": len(truth),
        "approaches_right": len(found) == len(truth)
        and n_ga == len(truth)
        and matched == len(truth),
        "approaches_elsewhere": len(doc.get("approaches", [])) - len(found),
    }


def _path(doc: Mapping[str, Any], incident: Mapping[str, Any]) -> dict[str, Any]:
    tp = incident["true_path"]
    tt = np.asarray(tp["time_ns"], np.int64)
    tlat, tlon = np.asarray(tp["lat"], float), np.asarray(tp["lon"], float)
    talt = np.asarray(tp["alt_baro_ft"], float)
    rows = doc.get("track", [])
    rec = [r for r in rows if r["source"] == "reconstructed" and r["lat"] is not None]
    out: dict[str, Any] = {"reconstructed": len(rec)}
    if rec:
        t = np.array([_ns(r["time"]) for r in rec], np.int64)
        inside = (t >= tt[0]) & (t <= tt[-1])
        lat = np.interp(t, tt, tlat)
        lon = np.interp(t, tt, tlon)
        d = (
            distance_m(
                np.array([r["lat"] for r in rec]), np.array([r["lon"] for r in rec]), lat, lon
            )
            / 1000.0
        )
        err = np.array([math.inf if r["error_km"] is None else r["error_km"] for r in rec])
        d, err = d[inside], err[inside]
        out |= {
            "median_km": float(np.median(d)),
            "p95_km": float(np.percentile(d, 95)),
            "within": float(np.mean(d <= err)),
            "stated_median_km": float(np.median(err[np.isfinite(err)]))
            if np.isfinite(err).any()
            else None,
        }
    else:
        out |= {"median_km": None, "p95_km": None, "within": None, "stated_median_km": None}
    used = 0
    for iv in incident.get("corrupted", []):
        for r in rows:
            if r["alt_baro_ft"] is None:
                continue
            at = _ns(r["time"])
            off = abs(r["alt_baro_ft"] - float(np.interp(at, tt, talt)))
            if iv["start_ns"] <= at <= iv["end_ns"] and off > CORRUPTED_ALT_TOL_FT:
                used += 1
    out["corrupted_used"] = used
    return out


__all__ = ["APPROACH_MATCH_S", "CORRUPTED_ALT_TOL_FT", "flight_scores"]
