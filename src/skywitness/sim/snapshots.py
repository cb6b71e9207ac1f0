"""readsb-hist snapshots: ``readsb-hist/YYYY/MM/DD/HHMMSSZ.json.gz``, one every 5 s.

As ADS-B Exchange archives them: ``now``, ``messages`` and ``aircraft``, each
aircraft with ``seen`` and ``seen_pos``, kept while readsb would keep it.
Every snapshot of the window is written, empty ones too.

While an aircraft's position is lost, the base world omits ``lat``/``lon``
and shows ``lastPosition`` once the last one is over a minute old; a world
model with the ``stale`` trace convention (:mod:`skywitness.sim.world`) keeps
the last position as ``lat``/``lon`` with a growing ``seen_pos`` for that
minute, as readsb does (README-json.md), then ``lastPosition`` alike.
"""

from __future__ import annotations

import gzip
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from skywitness.progress import Progress, no_progress
from skywitness.sim.fleet import Leg
from skywitness.sim.messages import (
    MESSAGES_PER_S,
    RC_BY_NIC,
    LegInfo,
    aircraft_dict,
    columns,
    decoded,
    leg_info,
    rows,
)
from skywitness.sim.model import Scenario

#: Snapshot cadence, s (ADS-B Exchange readsb-hist).
SNAPSHOT_STEP_S = 5
#: readsb keeps an aircraft in aircraft.json while any message came in the
#: last 30 s, or a position in the last 60 s (readsb README-json.md).
KEEP_ANY_S = 30.0
KEEP_POSITION_S = 60.0
#: readsb shows ``lastPosition`` once the regular position is older than 60 s.
LAST_POSITION_AFTER_S = 60.0
#: gzip level for snapshots: 1 (fast). The bytes depend only on the content and zlib.
GZIP_LEVEL = 1
#: Snapshots serialised per batch (bounds memory while writing).
SNAPSHOT_BATCH = 720
#: Snapshot files written between progress reports: five minutes of data
#: (modelling choice: 288 reports for a day, cheap for any callback).
PROGRESS_EVERY = 60


class SnapshotRows:
    """The aircraft rows of every snapshot, kept as compact columns until they are written.

    A row is the aircraft as of its last message before the snapshot: the
    second heard last, ``seen`` seconds before ``now``.
    """

    #: Compact dtypes per column (bounds memory for long, busy scenarios).
    DTYPES: ClassVar[dict[str, Any]] = {
        "lat": np.float64, "lon": np.float64, "alt_baro": np.int32, "alt_geom": np.int32,
        "gs": np.int32, "track": np.int32, "heading": np.int32, "baro_rate": np.int32,
        "geom_rate": np.int32, "ias": np.int16, "tas": np.int16, "mach": np.int16,
        "roll": np.int16, "ground": np.bool_, "descending": np.bool_, "level": np.int8,
        "pos": np.bool_, "nic": np.int8, "nac_p": np.int8, "nac_v": np.int8, "messages": np.int32,
        "snapshot": np.int32, "info": np.int32, "seen": np.int32,
        "last_lat": np.float64, "last_lon": np.float64, "last_nic": np.int8, "last_age": np.int32,
        "emergency": np.bool_, "nav_modes": np.int8, "seen_pos": np.int32,
    }  # fmt: skip

    def __init__(self, stale_positions: bool = False) -> None:
        self.parts: list[dict[str, NDArray[Any]]] = []
        self.infos: list[LegInfo] = []
        self.rows = 0
        #: Keep the last position as lat/lon for a minute after it is lost (readsb's way).
        self.stale_positions = stale_positions

    def add(self, sc: Scenario, leg: Leg) -> None:
        """Keep ``leg``'s row in every snapshot that shows it (readsb's keep rules)."""
        tr = leg.traj
        seconds = np.arange(tr.n)
        heard = leg.heard.copy()
        heard[: leg.window.start] = False  # nothing from before the window is shown
        last_heard = np.maximum.accumulate(np.where(heard, seconds, -1))
        first_k = max(
            0, math.ceil((tr.start_s + leg.window.start + 1 - sc.start_s) / SNAPSHOT_STEP_S)
        )
        last_t = min(tr.start_s + tr.n + KEEP_POSITION_S, sc.end_s - 1)
        last_k = math.floor((last_t - sc.start_s) / SNAPSHOT_STEP_S)
        if last_k < first_k:
            return
        k = np.arange(first_k, last_k + 1)
        now = sc.start_s + k * SNAPSHOT_STEP_S
        j = last_heard[np.minimum(now - tr.start_s - 1, tr.n - 1)]
        k, now, j = k[j >= 0], now[j >= 0], j[j >= 0]
        seen = np.round((now - (tr.start_s + j + leg.frac[j])) * 10) / 10
        pos = leg.pos_valid[j]
        keep = (seen <= KEEP_ANY_S) | (pos & (seen <= KEEP_POSITION_S))
        if not keep.any():
            return
        k, now, j, seen = k[keep], now[keep], j[keep], seen[keep]
        cols = columns(leg, j)
        del cols["t"]
        # readsb's lastPosition: the last position heard, once it is over a minute old.
        last_pos = np.maximum.accumulate(np.where(heard & leg.pos_valid, seconds, -1))[j]
        p = np.maximum(last_pos, 0)
        age = np.round((now - (tr.start_s + p + leg.frac[p])) * 10) / 10
        show = (last_pos >= 0) & ~cols["pos"] & (age > LAST_POSITION_AFTER_S)
        rep = leg.reported
        seen_pos = np.round(seen * 10)
        if self.stale_positions:
            held = (last_pos >= 0) & ~cols["pos"] & ~show
            if held.any():
                last = columns(leg, p[held])
                cols["lat"][held], cols["lon"][held] = last["lat"], last["lon"]
                cols["pos"] = cols["pos"] | held
                seen_pos = np.where(held, np.round(age * 10), seen_pos)
        cols.update(
            snapshot=k, info=np.full(len(k), len(self.infos)), seen=np.round(seen * 10),
            last_lat=np.where(show, np.round(rep.lat[p], 6), np.nan), last_lon=np.round(rep.lon[p], 6),
            last_nic=leg.nic[p], last_age=np.round(age * 10), seen_pos=seen_pos,
        )  # fmt: skip
        self.parts.append({c: np.asarray(v, dtype=self.DTYPES[c]) for c, v in cols.items()})
        self.infos.append(leg_info(leg))
        self.rows += len(k)


def write_snapshots(
    out: Path, sc: Scenario, snaps: SnapshotRows, progress: Progress = no_progress
) -> int:
    """Write every snapshot of the window (empty ones too, as the archive has them).

    Reports ``progress("snapshots", files written, files in all)`` every
    :data:`PROGRESS_EVERY` files and at the end.
    """
    n_snap = sc.duration_s // SNAPSHOT_STEP_S
    progress("snapshots", 0, n_snap)
    if snaps.parts:
        cols = {c: np.concatenate([p[c] for p in snaps.parts]) for c in snaps.parts[0]}
        snaps.parts.clear()
        icao = np.array([int(i.icao24, 16) for i in snaps.infos])[cols["info"]]
        order = np.lexsort((icao, cols["snapshot"]))
        cols = {c: v[order] for c, v in cols.items()}
    else:
        cols = {c: np.zeros(0, dtype=t) for c, t in SnapshotRows.DTYPES.items()}
    bounds = np.searchsorted(cols["snapshot"], np.arange(n_snap + 1))
    messages = 0
    for b0 in range(0, n_snap, SNAPSHOT_BATCH):
        b1 = min(n_snap, b0 + SNAPSHOT_BATCH)
        r0, r1 = int(bounds[b0]), int(bounds[b1])
        batch = list(rows(decoded({c: v[r0:r1] for c, v in cols.items()})))
        for s in range(b0, b1):
            now = sc.start_s + s * SNAPSHOT_STEP_S
            entries = [
                _snapshot_entry(snaps.infos[r["info"]], r)
                for r in batch[int(bounds[s]) - r0 : int(bounds[s + 1]) - r0]
            ]
            messages += MESSAGES_PER_S * SNAPSHOT_STEP_S * len(entries)
            _write_snapshot(out, now, messages, entries)
            if (s + 1) % PROGRESS_EVERY == 0 or s + 1 == n_snap:
                progress("snapshots", s + 1, n_snap)
    return n_snap


def _snapshot_entry(info: LegInfo, r: dict[str, Any]) -> dict[str, Any]:
    d: dict[str, Any] = {"hex": info.icao24}
    d.update(aircraft_dict(info, r, trace=False))
    if not math.isnan(r["last_lat"]):
        d["lastPosition"] = {
            "lat": r["last_lat"], "lon": r["last_lon"], "nic": r["last_nic"],
            "rc": RC_BY_NIC[r["last_nic"]], "seen_pos": r["last_age"],
        }  # fmt: skip
    if info.source == "mlat" and r["pos"]:
        d["mlat"] = ["lat", "lon", "track", "gs", "baro_rate"]
    else:
        d["mlat"] = []
    d["tisb"] = []
    d["messages"] = r["messages"]
    d["seen"] = r["seen"]
    return d


def _write_snapshot(out: Path, now: int, messages: int, entries: list[dict[str, Any]]) -> None:
    stamp = datetime.fromtimestamp(now, UTC)
    folder = out / "readsb-hist" / stamp.strftime("%Y/%m/%d")
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"now": now, "messages": messages, "aircraft": entries}
    payload = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    data = gzip.compress(payload, compresslevel=GZIP_LEVEL, mtime=0)
    (folder / f"{stamp.strftime('%H%M%S')}Z.json.gz").write_bytes(data)


__all__ = ["SNAPSHOT_STEP_S", "SnapshotRows", "write_snapshots"]
