"""Spoofed intervals: each aircraft's flagged stretches from :func:`spoof_states`.

Stretches of one aircraft closer than :data:`INTERVAL_MERGE_S` are one
interval; each names the detectors that fired in it and whether the
aircraft's NIC/NACp kept saying its position was good.

The states carry nothing in their schema metadata: which columns are
detector flags, and every count (:func:`spoof_summary`), is read from the
columns, so a concatenation of results or one read back from Parquet is
understood alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.errors import UsageError
from skywitness.gnss.jamming.state import column_np
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import NS_PER_S

#: Flagged stretches of one aircraft closer than this are one interval (the
#: jamming intervals of ``skywitness.gnss.jamming.events`` merge gaps up to 120 s too).
INTERVAL_MERGE_S = 120.0
#: The boolean columns of :func:`spoof_states` that are not a detector's flags;
#: every other boolean column is one (named after its detector).
FLAG_COLUMNS = ("spoofed", "trusted_quality", "own_position")


def detector_columns(states: pa.Table) -> list[str]:
    """The detectors' flag columns of a :func:`spoof_states` result, in order."""
    return [
        field.name
        for field in states.schema
        if pa.types.is_boolean(field.type) and field.name not in FLAG_COLUMNS
    ]


@dataclass(frozen=True)
class SpoofSummary:
    """Counts over a :func:`spoof_states` result, computed from its columns.

    ``rows``: airborne reports; ``aircraft``: distinct icao24;
    ``aircraft_spoofed``: those with at least one spoofed report;
    ``detectors``: the detectors' flag columns (:func:`detector_columns`).
    """

    rows: int
    rows_spoofed: int
    aircraft: int
    aircraft_spoofed: int
    detectors: tuple[str, ...]


def spoof_summary(states: pa.Table) -> SpoofSummary:
    """The :class:`SpoofSummary` of ``states`` (a :func:`spoof_states` result, or
    several concatenated: an aircraft is counted once)."""
    for name in ("icao24", "spoofed"):
        if name not in states.column_names:
            raise UsageError(f"spoofing states have no {name!r} column (use spoof_states)")
    spoofed = pc.fill_null(states["spoofed"], False)
    return SpoofSummary(
        rows=states.num_rows,
        rows_spoofed=int(pc.sum(spoofed).as_py() or 0),
        aircraft=_distinct(states["icao24"]),
        aircraft_spoofed=_distinct(states["icao24"].filter(spoofed)),
        detectors=tuple(detector_columns(states)),
    )


def _distinct(column: pa.ChunkedArray) -> int:
    return int(pc.count_distinct(column).as_py())


@dataclass(frozen=True)
class SpoofInterval:
    """One aircraft's spoofed stretch.

    ``trusted_quality`` is true when NIC/NACp said the position was good on
    every spoofed report that carried them, false when any said degraded,
    None when the aircraft sent neither.
    """

    icao24: str
    callsign: str | None
    start_ns: int
    end_ns: int
    kinds: tuple[str, ...]
    trusted_quality: bool | None

    def as_json(self) -> dict[str, Any]:
        return {
            "icao24": self.icao24,
            "callsign": self.callsign,
            "start": iso_utc(self.start_ns),
            "end": iso_utc(self.end_ns),
            "kinds": list(self.kinds),
        }


def spoof_intervals(
    states: pa.Table, *, merge_gap_s: float = INTERVAL_MERGE_S
) -> list[SpoofInterval]:
    """Each aircraft's spoofed stretches from :func:`spoof_states`, merged across gaps
    up to ``merge_gap_s``, with the detectors that fired in each."""
    n = states.num_rows
    if n == 0 or "spoofed" not in states.column_names:
        return []
    spoofed = column_np(states["spoofed"], np.bool_, False)
    if not spoofed.any():
        return []
    kinds = detector_columns(states)
    code = column_np(pc.dictionary_encode(states["icao24"]).combine_chunks().indices, np.int64, 0)
    t = column_np(states["time"].cast(pa.int64()), np.int64, 0)
    aircraft_start = np.ones(n, dtype=bool)
    aircraft_start[1:] = code[1:] != code[:-1]
    starts = spoofed.copy()
    starts[1:] &= ~spoofed[:-1] | aircraft_start[1:]
    first = np.flatnonzero(starts)
    ends = spoofed.copy()
    ends[:-1] &= ~spoofed[1:] | aircraft_start[1:]
    last = np.flatnonzero(ends)
    joined = (code[first[1:]] == code[last[:-1]]) & (
        t[first[1:]] - t[last[:-1]] <= int(merge_gap_s * NS_PER_S)
    )
    keep_first = np.r_[True, ~joined]
    keep_last = np.r_[~joined, True]
    first, last = first[keep_first], last[keep_last]
    fired = {k: np.cumsum(column_np(states[k], np.bool_, False)) for k in kinds}
    trusted = states["trusted_quality"] if "trusted_quality" in states.column_names else None
    good = np.cumsum(column_np(trusted, np.bool_, False)) if trusted is not None else None
    bad = np.cumsum(~column_np(trusted, np.bool_, True)) if trusted is not None else None
    icao = states["icao24"]
    callsign = states["callsign"] if "callsign" in states.column_names else None
    out: list[SpoofInterval] = []
    for i, j in zip(first.tolist(), last.tolist(), strict=True):
        names = tuple(k for k, c in fired.items() if c[j] - (c[i - 1] if i else 0) > 0)
        quality: bool | None = None
        if good is not None and bad is not None:
            n_good = good[j] - (good[i - 1] if i else 0)
            n_bad = bad[j] - (bad[i - 1] if i else 0)
            quality = None if n_good + n_bad == 0 else bool(n_bad == 0)
        out.append(
            SpoofInterval(
                icao24=str(icao[i].as_py()),
                callsign=_callsign(callsign, code, i, j),
                start_ns=int(t[i]),
                end_ns=int(t[j]),
                kinds=names,
                trusted_quality=quality,
            )
        )
    return out


def _callsign(
    column: pa.ChunkedArray | None, code: np.ndarray[Any, Any], i: int, j: int
) -> str | None:
    """The first callsign within rows i..j, else the aircraft's first known one."""
    if column is None:
        return None
    inside = pc.drop_null(column.slice(i, j - i + 1))
    if len(inside):
        return str(inside[0].as_py())
    rows = np.flatnonzero(code == code[i])
    around = pc.drop_null(column.take(pa.array(rows)))
    return str(around[0].as_py()) if len(around) else None
