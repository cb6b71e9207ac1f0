"""Checks every report must pass before it is stored.

Stateful per file (pyModeS's pipe decoder does the same for frames): it
remembers the latest time seen per aircraft, so reports going backwards in
time are caught across batch boundaries. Each rejected row is skipped with a
one-line reason naming its record; the rest of the batch goes on.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from skywitness.io.base import RECORD_COLUMN, ReadContext
from skywitness.model.schema import ALT_MAX_FT, ALT_MIN_FT, LAT_RANGE, LON_RANGE, SOURCES

#: A report may be this much older than the latest one of the same aircraft in
#: the same file before it counts as "time going backwards". Receivers
#: timestamp frames to the microsecond, but merged feeds and snapshot files
#: interleave aircraft with sub-second jitter; one second absorbs that.
TIME_BACKWARDS_TOLERANCE_S = 1.0
#: Ground speeds above this are no aircraft's (SR-71 record: 1,905 kt);
#: the margin keeps garbage out without judging plausibility, which the
#: spoofing detectors do with their own documented thresholds.
GS_MAX_KT = 4000.0
#: |vertical rate| above this cannot be encoded by ADS-B (max 32,608 ft/min).
VRATE_MAX_FPM = 40000.0
#: Reports outside [1980, 2100) are a wrong clock or a wrong unit.
TIME_MIN_NS = 315_532_800 * 10**9
TIME_MAX_NS = 4_102_444_800 * 10**9

_ICAO_PATTERN = r"^~?[0-9a-f]{6}$"


class Validator:
    """Validates the batches of one file, in order."""

    def __init__(self, ctx: ReadContext) -> None:
        self._ctx = ctx
        self._latest_us: dict[str, int] = {}

    def check(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The rows of ``batch`` that pass every check; the others are skipped."""
        n = batch.num_rows
        if n == 0:
            return batch
        reasons = np.full(n, None, dtype=object)

        def flag(mask: np.ndarray, reason: str) -> None:
            fresh = mask & (reasons == None)  # noqa: E711 (element-wise on object array)
            reasons[fresh] = reason

        col = batch.column
        time = col("time")
        flag(_null(time), "no time")
        t_ns = _int64(time)
        flag((t_ns < TIME_MIN_NS) | (t_ns >= TIME_MAX_NS), "time outside 1980-2100")
        icao = col("icao24")
        flag(~_true(pc.match_substring_regex(icao, _ICAO_PATTERN)), "icao24 is not 6 hex digits")
        flag(~_true(pc.is_in(col("source"), pa.array(SOURCES))), "unknown source type")

        lat, lon = _float(col("lat")), _float(col("lon"))
        flag(_null(col("lat")) != _null(col("lon")), "latitude without longitude or the reverse")
        flag(_nan_not_null(col("lat")) | _nan_not_null(col("lon")), "NaN or infinite coordinate")
        flag(_outside(lat, *LAT_RANGE) | _outside(lon, *LON_RANGE), "coordinate out of range")
        for name in ("alt_baro_ft", "alt_geom_ft"):
            flag(_nan_not_null(col(name)), f"NaN or infinite {name}")
            flag(_outside(_float(col(name)), ALT_MIN_FT, ALT_MAX_FT), f"{name} out of range")
        flag(_outside(_float(col("gs_kt")), 0.0, GS_MAX_KT), "ground speed out of range")
        flag(_outside(_float(col("track_deg")), 0.0, 360.0), "track out of range")
        flag(
            _outside(_float(col("vrate_fpm")), -VRATE_MAX_FPM, VRATE_MAX_FPM),
            "vertical rate out of range",
        )

        ok = reasons == None  # noqa: E711
        flag(ok & self._backwards(icao, t_ns, ok), "time goes backwards for this aircraft")
        ok = reasons == None  # noqa: E711

        if not ok.all():
            records = batch.column(RECORD_COLUMN).to_numpy(zero_copy_only=False)
            for i in np.flatnonzero(~ok):
                self._ctx.skip(int(records[i]), str(reasons[i]))
            batch = batch.filter(pa.array(ok))
        return batch

    def _backwards(self, icao: pa.Array, t_ns: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """Rows older than the latest earlier row of the same aircraft, beyond tolerance."""
        n = len(t_ns)
        t_us = t_ns // 1000
        encoded = pc.dictionary_encode(pc.fill_null(icao, ""))
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        keys = encoded.dictionary.to_pylist()
        # Latest time before this batch, per aircraft (very old when unseen).
        floor = np.iinfo(np.int64).min // 4
        prior = np.array([self._latest_us.get(k, floor) for k in keys], dtype=np.int64)
        valid_t = np.where(ok, t_us, floor)
        order = np.lexsort((np.arange(n), codes))
        sc, st = codes[order], valid_t[order]
        first = np.r_[True, sc[1:] != sc[:-1]]
        starts = np.flatnonzero(first)
        # Exclusive running maximum within each aircraft's rows, seeded with
        # prior, without a loop over aircraft: ranks of the times offset by
        # the aircraft's group make one running maximum segmented.
        group = np.cumsum(first) - 1
        by_time = np.argsort(st, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[by_time] = np.arange(n)
        inclusive = st[by_time][np.maximum.accumulate(group * n + rank) - group * n]
        running = np.full(n, floor, dtype=np.int64)
        running[1:] = np.where(first[1:], floor, inclusive[:-1])
        running = np.maximum(running, prior[sc])
        latest = np.maximum(prior[sc[starts]], np.maximum.reduceat(st, starts))
        self._latest_us.update(
            zip((keys[c] for c in sc[starts].tolist()), latest.tolist(), strict=True)
        )
        back = np.zeros(n, dtype=bool)
        tol_us = int(TIME_BACKWARDS_TOLERANCE_S * 1e6)
        back[order] = st < running - tol_us
        return np.asarray(back & ok, dtype=bool)


def _null(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)


def _true(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _int64(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr.cast(pa.int64()), 0).to_numpy(zero_copy_only=False))


def _float(arr: pa.Array) -> np.ndarray:
    """Values as float64 with nulls as NaN (NaN values themselves flagged elsewhere)."""
    return np.asarray(arr.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def _nan_not_null(arr: pa.Array) -> np.ndarray:
    values = arr.cast(pa.float64())
    return np.asarray(_true(pc.invert(pc.is_finite(values))) & ~_null(values), dtype=bool)


def _outside(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (values < lo) | (values > hi)
