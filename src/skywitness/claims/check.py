"""Judging claims (:mod:`skywitness.claims.model`) against a flight's reconstruction.

:func:`check_claim` weighs one claim against a :class:`FlightRecord` (what
``skywitness.flight`` returns: events, track with each row's source and 95 %
error, approaches, end, the aircraft's records) and returns a :class:`Verdict`:

- ``consistent``: every quantity the claim gives lies within its tolerance of
  the record, and the record is precise enough to tell (its own uncertainty
  smaller than the tolerance);
- ``inconsistent``: some quantity lies beyond its tolerance *plus* the record's
  uncertainty at every clock offset allowed;
- ``undetermined``: the record cannot tell: no data in the window, an event
  the timeline does not have, or a record whose uncertainty is at least the
  tolerance (a reconstructed stretch 2 km wide cannot confirm an azimuth to 5
  degrees at 7 km), so a claim is never ``consistent`` only because the record
  is vague.

Clocks: a timed claim (observation, position_at, end) is tried at every offset
within its clock tolerance (``clock_tolerance_s``, else ``clock_s``); the best
fitting offset is reported (record time = claim time + offset).

Tolerances: :data:`DEFAULT_TOLERANCES` (names below, each a module constant with
its reason), overridden per claim by its ``tolerance`` object. A tolerance is the
claim's own error (what the source could have measured or rounded); the
record's uncertainty at that time is added to it, never substituted for it.

Observation heights: ``msl`` compares with the pressure altitude (the record's
barometric altitude, uncertain by :data:`BARO_MSL_UNCERTAINTY_M` as a height
above sea level); ``agl`` with the height above the terrain, which the package
does not ship: the elevation of the nearest airport within
:data:`TERRAIN_AIRPORT_MAX_M` stands in, else sea level, and the evidence says
which; ``observer`` with the height above the observer's ``alt_m`` (else the
same terrain stand-in at the observer); ``unknown`` tries each and names those
that fit. Without an observer, the verdict rests on what does not depend on
where the observer stood (height above sea level or ground, speed, heading);
azimuth and range give the region of observer positions (GeoJSON) and its
plausibility (on land, line of sight).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from skywitness.claims import observe
from skywitness.claims.model import Claim
from skywitness.gnss.jamming.state import NACP_BAD_MAX, NIC_BAD_BELOW
from skywitness.model.geo import distance_m
from skywitness.model.time import parse_time
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import M_PER_FT, MPS_PER_KT, NS_PER_S
from skywitness.track.events import SETTLE_REPORTS, Event

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]

VERDICTS = ("consistent", "inconsistent", "undetermined")

# -- default tolerances (the claim's own error; the record's is added) ---------------------

#: Clock offset between the claim's source and the record, s: clocks of different
#: sources differ by tens of seconds (flight 8243: the leaked note, the voice
#: recorder and Flightradar24 disagree by that much; modelling choice).
CLOCK_S = 60.0
#: Azimuth, degrees: a surveillance radar measures azimuth to about 1 degree
#: (beamwidth-limited), a note rounds it, and the observer's own position and north
#: reference add more; 5 degrees covers these (modelling choice).
AZIMUTH_DEG = 5.0
#: Range, m: the larger of this and :data:`RANGE_FRACTION` of the claimed range (a
#: radar's range is good to ~100 m, a visual estimate to tens of percent; stated
#: ranges are rounded to 500 m or 1 km; modelling choice).
RANGE_M = 500.0
RANGE_FRACTION = 0.1
#: Height, m: a 2D radar has no height finder and a height finder's error is a few
#: hundred feet; notes round to tens of metres (modelling choice).
HEIGHT_M = 150.0
#: Speed, m/s: a radar's speed from successive plots, or a stated ground speed
#: against a true airspeed in 10 m/s of wind (modelling choice).
SPEED_MPS = 10.0
#: Heading, degrees: track against heading differ by the wind correction angle,
#: ~5 degrees at 118 m/s in 10 m/s of cross wind; plus rounding (modelling choice).
HEADING_DEG = 10.0
#: Distance of a stated position from the record, km, when a claim gives no
#: ``within_km`` (a place named by a town or a landmark; modelling choice).
WITHIN_KM = 5.0
#: Duration, min, when an ``about_min`` claim gives no ``tolerance_min`` (statements
#: round to whole minutes and take the start from another clock; modelling choice).
DURATION_MIN = 2.0
#: A crash "at" an airport: the end point within this distance of it, km (flight
#: 8243 crashed 3-5 km from Aktau and is reported as a crash at Aktau; modelling
#: choice).
END_AIRPORT_KM = 10.0
#: GNSS state: the claimed state must hold for at least this share of the reports in
#: the window (a window drawn by eye overlaps the state's edges; modelling choice).
GNSS_SHARE = 0.5

#: Tolerance name -> default.
DEFAULT_TOLERANCES: Mapping[str, float] = MappingProxyType(
    {
        "clock_s": CLOCK_S,
        "azimuth_deg": AZIMUTH_DEG,
        "range_m": RANGE_M,
        "range_fraction": RANGE_FRACTION,
        "height_m": HEIGHT_M,
        "speed_mps": SPEED_MPS,
        "heading_deg": HEADING_DEG,
        "within_km": WITHIN_KM,
        "tolerance_min": DURATION_MIN,
        "end_airport_km": END_AIRPORT_KM,
        "gnss_share": GNSS_SHARE,
    }
)

# -- the record's own uncertainty -------------------------------------------------------------

#: The pressure altitude as a height above sea level, 95 %, m: QNH departs from
#: 1013.25 hPa by up to ~12 hPa on most days (8.3 m/hPa near the ground), and the
#: temperature departs from ISA (modelling choice from these figures).
BARO_MSL_UNCERTAINTY_M = 100.0
#: Ground speed and true airspeed, m/s: reported in 1 kt steps (0.5 m/s), GNSS
#: velocity good to ~0.3 m/s (modelling choice from these figures).
SPEED_UNCERTAINTY_MPS = 1.0
#: Track and heading, degrees: reported to 0.1-1.4 degrees (ADS-B heading steps
#: of 360/256 degrees, DO-260B 2.2.3.2.6.3.7).
HEADING_UNCERTAINTY_DEG = 1.4
#: Values are interpolated between two reports at most this far apart, s, and a
#: lone report counts up to :data:`NEAREST_S` away (ADS-B airborne velocity at 2 Hz;
#: archives thin it to one report per 5-60 s; modelling choice).
MAX_INTERP_GAP_S = 120.0
NEAREST_S = 10.0
#: Clock offsets are tried at this step, s, and at most :data:`MAX_OFFSETS` of them.
OFFSET_STEP_S = 1.0
MAX_OFFSETS = 241
#: Terrain stand-in: the nearest airport's elevation when within this distance, m,
#: else sea level (the package ships no terrain model; modelling choice).
TERRAIN_AIRPORT_MAX_M = 30_000.0
#: Approaches could hide in a silence of the record at least this long inside the
#: window, s (an approach from 1,000 ft to the lowest point takes ~3 min; modelling
#: choice).
APPROACH_HIDDEN_S = 180.0
#: Record ids shown in the evidence, at most.
MAX_RECORD_IDS = 5

_POSITION_SOURCES = ("reported", "reconstructed")


class FlightRecord(Protocol):
    """What the checker reads from a flight reconstruction (``skywitness.flight``'s
    result satisfies it): read-only attributes."""

    @property
    def icao24(self) -> str: ...
    @property
    def callsign(self) -> str | None: ...
    @property
    def events(self) -> Sequence[Event]: ...
    @property
    def track(self) -> pa.Table: ...
    @property
    def approaches(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def failure(self) -> Mapping[str, Any] | None: ...
    @property
    def end(self) -> Mapping[str, Any] | None: ...
    @property
    def records(self) -> pa.Table | None: ...


@dataclass(frozen=True)
class Verdict:
    """The judgement of one claim (module docstring); read-only."""

    id: str
    kind: str
    verdict: str
    residuals: Mapping[str, Any]
    tolerance: Mapping[str, Any]
    clock_offset_s: float | None
    explanation: str
    evidence: Mapping[str, Any]
    region: Mapping[str, Any] | None = None
    region_plausible: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {self.verdict!r}")
        for name in ("residuals", "tolerance", "evidence"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def as_json(self) -> dict[str, Any]:
        """``{"id", "kind", "verdict", "residuals", "tolerance", "clock_offset_s",
        "explanation", "evidence"}`` plus ``region`` / ``region_plausible`` when present."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "verdict": self.verdict,
            "residuals": _plain(self.residuals),
            "tolerance": _plain(self.tolerance),
            "clock_offset_s": self.clock_offset_s,
            "explanation": self.explanation,
            "evidence": _plain(self.evidence),
        }
        if self.region is not None:
            out["region"] = _plain(self.region)
        if self.region_plausible is not None:
            out["region_plausible"] = _plain(self.region_plausible)
        return out


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# -- entry points ------------------------------------------------------------------------


def check_claims(
    claims: Sequence[Claim], records: Mapping[str, FlightRecord | None]
) -> tuple[Verdict, ...]:
    """Every claim judged against the record of its flight (``records`` keyed by
    ``claim.flight.ident``; a missing key is an aircraft not in the store)."""
    cache: dict[int, _Data] = {}
    out = []
    for c in claims:
        rec = records.get(c.flight.ident)
        data = None
        if rec is not None:
            data = cache.get(id(rec))
            if data is None:
                data = cache[id(rec)] = _Data.of(rec)
        out.append(_check(c, rec, data))
    return tuple(out)


def check_claim(claim: Claim, record: FlightRecord | None) -> Verdict:
    """One claim judged against one flight's record (None: the aircraft is not in the
    store, and the verdict is ``undetermined`` for that reason)."""
    return _check(claim, record, None if record is None else _Data.of(record))


def _check(claim: Claim, record: FlightRecord | None, data: _Data | None) -> Verdict:
    if record is None or data is None:
        who = claim.flight.ident
        return _verdict(claim, "undetermined", {}, {}, None,
                        f"No record of aircraft {who} in the data: nothing to weigh the claim "
                        "against.", {"reason": "aircraft not in the store", "flight": who})  # fmt: skip
    if data.t.size == 0:
        return _verdict(claim, "undetermined", {}, {}, None,
                        "The aircraft's record has no reports.", {"reason": "empty record"})  # fmt: skip
    checker = _CHECKERS[claim.kind]
    return checker(claim, record, data)


def _verdict(
    claim: Claim,
    verdict: str,
    residuals: Mapping[str, Any],
    tolerance: Mapping[str, Any],
    offset_s: float | None,
    explanation: str,
    evidence: Mapping[str, Any],
    region: Mapping[str, Any] | None = None,
    plausible: Mapping[str, Any] | None = None,
) -> Verdict:
    return Verdict(claim.id, claim.kind, verdict, residuals, tolerance,
                   None if offset_s is None else round(float(offset_s), 1), explanation,
                   evidence, region, plausible)  # fmt: skip


def _tol(claim: Claim, name: str) -> float:
    return float(claim.tolerance.get(name, DEFAULT_TOLERANCES[name]))


# -- the record as arrays ----------------------------------------------------------------


def _col(table: pa.Table | None, name: str, n: int) -> Float:
    if table is None or name not in table.column_names:
        return np.full(n, np.nan)
    col = table[name]
    if pa.types.is_timestamp(col.type):
        col = col.cast(pa.int64())
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


@dataclass(frozen=True)
class _Data:
    """One record's reports as arrays, in time order (track rows; the records' values
    aligned to them by time)."""

    t: Int
    lat: Float  # usable positions (reported or reconstructed), else NaN
    lon: Float
    err_m: Float
    source: NDArray[np.object_]
    alt_ft: Float  # cleaned barometric altitude
    alt_geom_ft: Float
    gs_kt: Float
    tas_kt: Float
    track_deg: Float
    heading_deg: Float
    nic: Float
    nac_p: Float
    squawk: NDArray[np.object_]
    record_id: NDArray[np.object_]
    reported: Bool  # the report itself carried a position
    ground: Bool  # the report says on the ground

    @classmethod
    def of(cls, rec: FlightRecord) -> _Data:
        tr = rec.track
        n = tr.num_rows
        t_raw = np.asarray(tr["time"].cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64)
        order = np.argsort(t_raw, kind="stable")
        t = t_raw[order]
        source = np.asarray(tr["source"].to_pylist() if "source" in tr.column_names
                            else ["reported"] * n, dtype=object)[order]  # fmt: skip
        lat, lon = _col(tr, "lat", n)[order], _col(tr, "lon", n)[order]
        usable = np.isin(source, _POSITION_SOURCES) & np.isfinite(lat) & np.isfinite(lon)
        lat, lon = np.where(usable, lat, np.nan), np.where(usable, lon, np.nan)
        err = _col(tr, "error_km", n)[order] * 1000.0
        err = np.where(np.isfinite(err), err, 0.0)
        alt = _col(tr, "alt_baro_ft", n)[order]
        rules = np.asarray(tr["rule"].to_pylist() if "rule" in tr.column_names
                           else [None] * n, dtype=object)[order]  # fmt: skip
        recs = rec.records
        idx: Int | None = None
        if recs is not None and recs.num_rows and "time" in recs.column_names:
            rt = np.asarray(recs["time"].cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64)
            ro = np.argsort(rt, kind="stable")
            pos = np.clip(np.searchsorted(rt[ro], t), 0, rt.size - 1)
            idx = np.where(rt[ro][pos] == t, ro[pos], -1).astype(np.int64)
            if recs.num_rows == n and np.array_equal(rt, t_raw):  # row for row (FlightResult)
                idx = order.astype(np.int64)

        def rcol(name: str) -> Float:
            if idx is None:
                return np.full(n, np.nan)
            v = _col(recs, name, recs.num_rows if recs is not None else 0)
            return np.where(idx >= 0, v[np.maximum(idx, 0)], np.nan)

        def robj(name: str) -> NDArray[np.object_]:
            if idx is None or recs is None or name not in recs.column_names:
                return np.full(n, None, dtype=object)
            v = np.asarray(recs[name].to_pylist(), dtype=object)
            out = v[np.maximum(idx, 0)]
            out[idx < 0] = None
            return out

        rule_s = np.array([str(r or "") for r in rules], dtype=object)
        speed_bad = np.array(["speed" in r for r in rule_s], dtype=bool)
        track_bad = np.array(["track" in r for r in rule_s], dtype=bool)
        gs = np.where(speed_bad, np.nan, rcol("gs_kt"))
        trk = np.where(track_bad, np.nan, rcol("track_deg"))
        if not np.isfinite(alt).any():
            alt = rcol("alt_baro_ft")
        reported = np.isfinite(rcol("lat")) if idx is not None else source == "reported"
        return cls(t=t, lat=lat, lon=lon, err_m=err, source=source, alt_ft=alt,
                   alt_geom_ft=rcol("alt_geom_ft"), gs_kt=gs, tas_kt=rcol("tas_kt"),
                   track_deg=trk, heading_deg=rcol("heading_deg"), nic=rcol("nic"),
                   nac_p=rcol("nac_p"), squawk=robj("squawk"), record_id=robj("record_id"),
                   reported=np.asarray(reported, dtype=bool),
                   ground=rcol("on_ground") == 1.0)  # fmt: skip

    def sample(self, values: Float, at: Int, *, angle: bool = False, worst: bool = False) -> Float:
        """``values`` at times ``at``: linear between two valid reports at most
        :data:`MAX_INTERP_GAP_S` apart (on the circle for angles; the larger of the two
        with ``worst``), else the nearest within :data:`NEAREST_S`, else NaN."""
        ok = np.isfinite(values)
        tv, v = self.t[ok], values[ok]
        out = np.full(at.size, np.nan)
        if tv.size == 0:
            return out
        j = np.searchsorted(tv, at, side="right")
        i0, i1 = np.clip(j - 1, 0, tv.size - 1), np.clip(j, 0, tv.size - 1)
        t0, t1 = tv[i0], tv[i1]
        both = (j > 0) & (j < tv.size) & ((t1 - t0) <= MAX_INTERP_GAP_S * NS_PER_S)
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(t1 > t0, (at - t0) / np.maximum(t1 - t0, 1), 0.0)
        a, b = v[i0], v[i1]
        if angle:
            b = a + ((b - a + 540.0) % 360.0 - 180.0)
        interp = np.maximum(a, b) if worst else a + w * (b - a)
        if angle:
            interp = interp % 360.0
        out[both] = interp[both]
        d0, d1 = np.abs(at - t0), np.abs(t1 - at)
        near = np.where(d0 <= d1, a, v[i1])
        lone = ~both & (np.minimum(d0, d1) <= NEAREST_S * NS_PER_S)
        out[lone] = near[lone]
        return out

    def nearest(self, at: int) -> int:
        j = int(np.searchsorted(self.t, at))
        cands = [k for k in (j - 1, j) if 0 <= k < self.t.size]
        return min(cands, key=lambda k: abs(int(self.t[k]) - at))

    def ids_near(self, at: int, window_s: float = NEAREST_S) -> list[Any]:
        near = np.flatnonzero(np.abs(self.t - at) <= window_s * NS_PER_S)
        ids = [self.record_id[k] for k in near if self.record_id[k] is not None]
        if len(ids) > MAX_RECORD_IDS:
            mid = len(ids) // 2
            ids = ids[max(mid - MAX_RECORD_IDS // 2, 0) :][:MAX_RECORD_IDS]
        return [int(i) if isinstance(i, int | np.integer) else i for i in ids]

    def in_window(self, start: int | None, stop: int | None) -> Bool:
        lo = self.t[0] if start is None else start
        hi = self.t[-1] if stop is None else stop
        return np.asarray((self.t >= lo) & (self.t <= hi))


# -- fitting quantities over clock offsets -------------------------------------------------


@dataclass(frozen=True)
class _Alt:
    """One way of reading a quantity off the record (``label``): the record's value,
    the difference from the claim, and the record's uncertainty, per clock offset."""

    label: str
    record: Float
    diff: Float
    unc: Float


@dataclass(frozen=True)
class _Quantity:
    name: str
    unit: str
    claimed: float
    tol: float
    alts: tuple[_Alt, ...]
    note: str | None = None


@dataclass(frozen=True)
class _Fit:
    verdict: str
    best: int | None
    status: Mapping[str, str]
    chosen: Mapping[str, int]
    passing: Bool
    fitting_alts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _fit(quantities: Sequence[_Quantity], n: int) -> _Fit:
    """The verdict over ``n`` clock offsets (module docstring): per offset, each
    quantity's best reading (fitting and precise first); consistent where all pass
    precisely, inconsistent where none passes at any offset."""
    keys, fails, decis, datas, norms, chosen_by_q = [], [], [], [], [], []
    for q in quantities:
        d = np.abs(np.stack([a.diff for a in q.alts]))
        u = np.stack([a.unc for a in q.alts])
        has = np.isfinite(d) & ~np.isnan(u)
        fail = has & (d > q.tol + u)
        # decided consistent: the record's own value within the tolerance (not only its
        # uncertainty band: a claim is never consistent only because the error is
        # large) and that uncertainty smaller than the tolerance
        dec = has & (u < q.tol) & (d <= q.tol)
        with np.errstate(invalid="ignore", divide="ignore"):
            norm = np.where(has, d / (q.tol + u), np.inf)
        norm = np.where(np.isnan(norm), 0.0, norm)
        rank = np.where(~has, 3.0, np.where(fail, 2.0, np.where(dec, 0.0, 1.0)))
        key = rank * 1e6 + np.minimum(norm, 1e5)
        pick = np.argmin(key, axis=0)
        cols = np.arange(n)
        keys.append(key)
        chosen_by_q.append(pick)
        fails.append(fail[pick, cols])
        decis.append(dec[pick, cols])
        datas.append(has[pick, cols])
        norms.append(np.where(has[pick, cols], norm[pick, cols], 0.0))
    if not quantities:
        return _Fit("undetermined", None, {}, {}, np.zeros(n, bool))
    F, D, H = np.stack(fails), np.stack(decis), np.stack(datas)
    score = np.sum(np.minimum(np.stack(norms), 1e5) ** 2, axis=0)
    any_data: Bool = np.asarray(H.any(axis=0))
    passing: Bool = np.asarray(any_data & ~F.any(axis=0))
    precise: Bool = np.asarray(passing & D.all(axis=0))
    if precise.any():
        verdict, pool = "consistent", precise
    elif passing.any():
        verdict, pool = "undetermined", passing
    elif any_data.any():
        verdict, pool = "inconsistent", any_data
    else:
        return _Fit("undetermined", None, {q.name: "no data" for q in quantities}, {}, passing)
    best = int(np.flatnonzero(pool)[np.argmin(score[pool])])
    status, chosen, fitting = {}, {}, {}
    for k, q in enumerate(quantities):
        chosen[q.name] = int(chosen_by_q[k][best])
        if not H[k, best]:
            status[q.name] = "no data"
        elif F[k, best]:
            status[q.name] = "inconsistent"
        elif D[k, best]:
            status[q.name] = "consistent"
        else:
            status[q.name] = "undetermined"
        ok = [a.label for a in q.alts
              if np.isfinite(a.diff[best]) and abs(a.diff[best]) <= q.tol + a.unc[best]]  # fmt: skip
        fitting[q.name] = tuple(ok)
    return _Fit(verdict, best, status, chosen, passing, fitting)


def _offsets(claim: Claim) -> tuple[Float, float]:
    c = claim.get("clock_tolerance_s")
    clock = float(c) if c is not None else _tol(claim, "clock_s")
    step = max(OFFSET_STEP_S, 2 * clock / (MAX_OFFSETS - 1)) if clock > 0 else 1.0
    k = int(clock // step)
    return np.arange(-k, k + 1, dtype=np.float64) * step, clock


def _residuals(quantities: Sequence[_Quantity], fit: _Fit) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if fit.best is None:
        for q in quantities:
            out[q.name] = {"claimed": q.claimed, "record": None, "difference": None,
                           "unit": q.unit, "status": "no data"}  # fmt: skip
        return out
    for q in quantities:
        a = q.alts[fit.chosen[q.name]]
        rec, dif, unc = (float(x[fit.best]) for x in (a.record, a.diff, a.unc))
        out[q.name] = {
            "claimed": q.claimed,
            "record": _r(rec),
            "difference": _r(dif),
            "unit": q.unit,
            "record_uncertainty": _r(unc),
            "tolerance": _r(q.tol),
            "from": a.label,
            "status": fit.status[q.name],
        }
        if q.note:
            out[q.name]["note"] = q.note
    return out


def _r(x: float | None, nd: int = 2) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), nd)


def _wrap(d: Float) -> Float:
    return np.asarray((d + 540.0) % 360.0 - 180.0)


def _terrain(lat: float, lon: float) -> tuple[float, str]:
    """Ground elevation stand-in, m, and what it is (module docstring)."""
    from skywitness.track.flights import airports

    if not (math.isfinite(lat) and math.isfinite(lon)):
        return 0.0, "sea level (position unknown)"
    ap = airports().nearest(lat, lon)
    if ap is not None and ap.distance_m <= TERRAIN_AIRPORT_MAX_M:
        return ap.elevation_ft * M_PER_FT, (
            f"elevation of airport {ap.icao} ({ap.elevation_ft * M_PER_FT:.0f} m, "
            f"{ap.distance_m / 1000:.0f} km away; terrain unknown)"
        )
    return 0.0, "sea level (terrain unknown, no airport within 30 km)"


# -- observation ---------------------------------------------------------------------------


def _observation(claim: Claim, record: FlightRecord, data: _Data) -> Verdict:
    t_claim = claim.get("time")
    if not isinstance(t_claim, int):
        return _verdict(claim, "undetermined", {}, {}, None,
                        "The observation gives no time: the record cannot be read at it.",
                        {"reason": "no time"})  # fmt: skip
    offsets, clock = _offsets(claim)
    at = (t_claim + offsets * NS_PER_S).astype(np.int64)
    lat = data.sample(data.lat, at)
    lon = data.sample(data.lon, at)
    err = data.sample(np.where(np.isfinite(data.lat), data.err_m, np.nan), at, worst=True)
    alt_m = data.sample(data.alt_ft, at) * M_PER_FT
    geom_m = data.sample(data.alt_geom_ft, at) * M_PER_FT
    h_msl = np.where(np.isfinite(alt_m), alt_m, geom_m)
    n = at.size
    obs = claim.observer
    tol: dict[str, Any] = {"clock_s": clock}
    qs: list[_Quantity] = []
    evidence: dict[str, Any] = {}
    ref_lat = float(np.nanmedian(lat)) if np.isfinite(lat).any() else math.nan
    ref_lon = float(np.nanmedian(lon)) if np.isfinite(lon).any() else math.nan
    obs_alt = math.nan
    if obs is not None:
        if obs.alt_m is not None:
            obs_alt = float(obs.alt_m)
        else:
            obs_alt, what = _terrain(obs.lat, obs.lon)
            evidence["observer_alt"] = f"not stated: {what}"
        az_rec, ground, slant, elev = observe.look(obs.lat, obs.lon, obs_alt, lat, lon, h_msl)
        with np.errstate(invalid="ignore", divide="ignore"):
            az_unc = np.degrees(np.arctan2(err, np.maximum(ground, 1.0)))
        az_unc = np.where(err >= ground, 180.0, az_unc)
        if claim.get("azimuth_deg") is not None:
            c = float(claim.get("azimuth_deg"))
            qs.append(_Quantity("azimuth_deg", "deg", c, _tol(claim, "azimuth_deg"),
                                (_Alt("position", az_rec, _wrap(az_rec - c), az_unc),)))  # fmt: skip
        for name, rec_v in (("ground_range_m", ground), ("slant_range_m", slant)):
            if claim.get(name) is not None:
                c = float(claim.get(name))
                rt = float(
                    claim.tolerance.get(
                        name, max(_tol(claim, "range_m"), _tol(claim, "range_fraction") * c)
                    )
                )
                unc = (
                    err
                    if name == "ground_range_m"
                    else err
                    + BARO_MSL_UNCERTAINTY_M * np.abs(np.sin(np.radians(np.nan_to_num(elev))))
                )
                qs.append(_Quantity(name, "m", c, rt, (_Alt("position", rec_v, rec_v - c, unc),)))
        evidence["observer"] = {"lat": obs.lat, "lon": obs.lon, "alt_m": obs.alt_m}
    height = claim.get("height_m")
    if height is not None:
        c = float(height)
        ref = claim.get("height_ref") or "msl"
        refs = ("msl", "agl", "observer") if ref == "unknown" else (ref,)
        alts = []
        notes = []
        base = np.full(n, BARO_MSL_UNCERTAINTY_M)
        for r in refs:
            if r == "msl":
                alts.append(_Alt("msl", h_msl, h_msl - c, base))
            elif r == "agl":
                ground_m, what = _terrain(ref_lat, ref_lon)
                notes.append(f"agl: ground at {what}")
                alts.append(_Alt("agl", h_msl - ground_m, h_msl - ground_m - c, base))
            elif r == "observer":
                if obs is None:
                    implied = h_msl - c
                    ok_i = implied[np.isfinite(implied)]
                    if ok_i.size:
                        evidence["observer_alt_implied_m"] = round(float(np.median(ok_i)), 1)
                    notes.append("observer: position and height unknown, any observer height fits")
                    known = np.isfinite(h_msl)
                    alts.append(
                        _Alt(
                            "observer",
                            np.where(known, c, np.nan),
                            np.where(known, 0.0, np.nan),
                            np.full(n, np.inf),
                        )
                    )
                else:
                    rel = h_msl - obs_alt
                    alts.append(_Alt("observer", rel, rel - c, base))
        qs.append(_Quantity("height_m", "m", c, _tol(claim, "height_m"), tuple(alts),
                            "; ".join(notes) or None))  # fmt: skip
    if claim.get("speed_mps") is not None:
        c = float(claim.get("speed_mps"))
        gs = data.sample(data.gs_kt, at) * MPS_PER_KT
        tas = data.sample(data.tas_kt, at) * MPS_PER_KT
        su = np.full(n, SPEED_UNCERTAINTY_MPS)
        qs.append(_Quantity("speed_mps", "m/s", c, _tol(claim, "speed_mps"),
                            (_Alt("ground speed", gs, gs - c, su),
                             _Alt("true airspeed", tas, tas - c, su))))  # fmt: skip
    if claim.get("heading_deg") is not None:
        c = float(claim.get("heading_deg"))
        trk = data.sample(data.track_deg, at, angle=True)
        hdg = data.sample(data.heading_deg, at, angle=True)
        hu = np.full(n, HEADING_UNCERTAINTY_DEG)
        qs.append(_Quantity("heading_deg", "deg", c, _tol(claim, "heading_deg"),
                            (_Alt("track", trk, _wrap(trk - c), hu),
                             _Alt("heading", hdg, _wrap(hdg - c), hu))))  # fmt: skip
    for q in qs:
        tol[q.name] = q.tol
    region = plaus = None
    unplaced = obs is None and (claim.get("azimuth_deg") is not None
                                or claim.get("ground_range_m") is not None
                                or claim.get("slant_range_m") is not None)  # fmt: skip
    fit = _fit(qs, n)
    verdict = fit.verdict
    if unplaced:
        region, plaus, rnote = _region(claim, fit, lat, lon, err, h_msl, evidence, tol)
        if not qs:
            verdict = "undetermined"
        evidence["region_note"] = rnote
    best = fit.best
    res = _residuals(qs, fit)
    if best is not None:
        t_rec = int(at[best])
        k = data.nearest(t_rec)
        evidence.update(
            record_time=iso_utc(t_rec),
            source=str(data.source[k]),
            position={"lat": _r(lat[best], 5), "lon": _r(lon[best], 5),
                      "error_km": _r(err[best] / 1000, 3)} if np.isfinite(lat[best]) else None,
            record_ids=data.ids_near(t_rec),
        )  # fmt: skip
        if "height_m" in res:
            evidence["height_ref_fitted"] = list(fit.fitting_alts.get("height_m", ()))
    offset = None if best is None else float(offsets[best])
    expl = _explain_fit(claim, verdict, res, offset, unplaced)
    if unplaced and plaus is not None:
        expl += " " + _explain_region(plaus)
    return _verdict(claim, verdict, res, tol, offset, expl, evidence, region, plaus)


def _region(
    claim: Claim,
    fit: _Fit,
    lat: Float,
    lon: Float,
    err: Float,
    h_msl: Float,
    evidence: dict[str, Any],
    tol: dict[str, Any],
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str]:
    """Observers consistent with the azimuth and range, over the offsets that fit the
    rest of the claim (all offsets with a position when nothing else fits)."""
    have = np.isfinite(lat) & np.isfinite(lon)
    use = have & fit.passing if (have & fit.passing).any() else have
    if not use.any():
        return None, None, "no position of the aircraft in the clock window: no region"
    height = claim.get("height_m")
    ref = claim.get("height_ref") or "msl"
    h_obs_m: float | None = None
    rel: float | None = None
    h_ac = float(np.nanmedian(h_msl[use])) if np.isfinite(h_msl[use]).any() else None
    if height is not None and ref in ("observer", "unknown") and h_ac is not None:
        rel = float(height)
        h_obs_m = h_ac - rel
    elif h_ac is not None:
        rel = h_ac  # observer near sea level
    az = claim.get("azimuth_deg")
    az_tol = np.full(int(use.sum()), 180.0)
    rng_given = claim.get("ground_range_m") if claim.get("ground_range_m") is not None else None
    slant = claim.get("slant_range_m")
    if slant is not None and rng_given is None:
        obs_alt = 0.0 if h_obs_m is None else h_obs_m
        g = observe.ground_from_slant_m(float(slant), obs_alt, np.where(np.isfinite(h_msl[use]),
                                                                        h_msl[use], obs_alt))  # fmt: skip
        rng_given = float(np.nanmedian(g)) if np.isfinite(g).any() else float(slant)
    e = err[use]
    if az is not None:
        at = _tol(claim, "azimuth_deg")
        rng_for_angle = float(rng_given) if rng_given is not None else 10_000.0
        az_tol = at + np.degrees(np.arctan2(e, max(rng_for_angle, 1.0)))
        tol["azimuth_deg"] = at
    if rng_given is None:
        return None, None, "no range given: observers anywhere along the azimuth line; no region"
    c = float(rng_given)
    rt = max(_tol(claim, "range_m"), _tol(claim, "range_fraction") * c)
    tol["range_m"] = rt
    geom = observe.region(lat[use], lon[use], float(az) if az is not None else 0.0, az_tol, c,
                          rt + e)  # fmt: skip
    plaus = observe.plausibility(geom, c, rel, None if h_obs_m is None else 2.0)
    if h_obs_m is not None:
        plaus["observer_alt_m"] = round(h_obs_m, 1)
    note = (f"observer unknown: {int(use.sum())} aircraft positions over the clock window, "
            f"azimuth and range tolerances widened by the record's position error")  # fmt: skip
    return geom, plaus, note


# -- position_at ---------------------------------------------------------------------------


def _position_at(claim: Claim, record: FlightRecord, data: _Data) -> Verdict:
    t_claim = claim.get("time")
    if not isinstance(t_claim, int) or claim.get("lat") is None or claim.get("lon") is None:
        return _verdict(claim, "undetermined", {}, {}, None,
                        "The claim needs a time and a position to be checked.",
                        {"reason": "time or position missing"})  # fmt: skip
    offsets, clock = _offsets(claim)
    at = (t_claim + offsets * NS_PER_S).astype(np.int64)
    lat, lon = data.sample(data.lat, at), data.sample(data.lon, at)
    err = data.sample(np.where(np.isfinite(data.lat), data.err_m, np.nan), at, worst=True)
    d_km = distance_m(lat, lon, float(claim.get("lat")), float(claim.get("lon"))) / 1000.0
    within = claim.get("within_km")
    w = float(within) if within is not None else _tol(claim, "within_km")
    q = _Quantity("distance_km", "km", 0.0, w, (_Alt("position", d_km, d_km, err / 1000.0),))
    fit = _fit([q], at.size)
    res = _residuals([q], fit)
    ev: dict[str, Any] = {}
    off = None
    if fit.best is not None:
        t_rec = int(at[fit.best])
        k = data.nearest(t_rec)
        off = float(offsets[fit.best])
        ev = {"record_time": iso_utc(t_rec), "source": str(data.source[k]),
              "position": {"lat": _r(lat[fit.best], 5), "lon": _r(lon[fit.best], 5),
                           "error_km": _r(err[fit.best] / 1000, 3)},
              "record_ids": data.ids_near(t_rec)}  # fmt: skip
    expl = _explain_fit(claim, fit.verdict, res, off, False)
    return _verdict(claim, fit.verdict, res, {"clock_s": clock, "within_km": w}, off, expl, ev)


# -- events and windows --------------------------------------------------------------------


def _first(events: Sequence[Event], kind: str, last: bool = False, **detail: Any) -> Event | None:
    hits = [e for e in events if e.kind == kind
            and all(str(e.detail.get(k)) == str(v) for k, v in detail.items())]  # fmt: skip
    if not hits:
        return None
    return max(hits) if last else min(hits)


def resolve(value: Any, record: FlightRecord, data: _Data | None = None) -> tuple[int | None, str]:
    """An ``EVENT_OR_TIME`` value as UTC ns (None when the timeline lacks the event)
    and what it is, in words."""
    if value is None:
        return None, "not given"
    if isinstance(value, int):
        return value, iso_utc(value)
    name = str(value)
    ev = list(record.events)
    e: Event | None = None
    if name.startswith("squawk_"):
        code = name.split("_", 1)[1]
        e = _first(ev, "squawk", code=code)
        if e is None and data is not None:
            hit = np.flatnonzero(data.squawk == code)
            if hit.size:
                return int(data.t[hit[0]]), f"first report of squawk {code}"
    elif name == "first_go_around":
        e = _first(ev, "go_around")
    elif name == "last_go_around":
        e = _first(ev, "go_around", last=True)
    elif name == "end":
        e = _first(ev, "end", last=True)
        if e is None and record.end is not None and record.end.get("time"):
            t = parse_time(record.end["time"])
            return t, "end of the flight"
    elif name == "failure":
        e = _first(ev, "failure")
        if e is None and record.failure is not None and record.failure.get("time"):
            return parse_time(record.failure["time"]), "failure"
    else:
        e = _first(ev, name)
    if e is None:
        return None, f"no {name} on the record's timeline"
    return e.time_ns, f"{name} at {iso_utc(e.time_ns)}"


def _window(
    claim: Claim, record: FlightRecord, data: _Data, a: str, b: str
) -> tuple[int | None, int | None, dict[str, Any], str | None]:
    """The claim's window [a, b] resolved; the last item is why it cannot be."""
    lo, lo_s = resolve(claim.get(a), record, data)
    hi, hi_s = resolve(claim.get(b), record, data)
    ev = {a: lo_s, b: hi_s}
    for name, v, s in ((a, lo, lo_s), (b, hi, hi_s)):
        if claim.get(name) is not None and v is None:
            return None, None, ev, s
    if lo is not None and hi is not None and hi < lo:
        return lo, hi, ev, f"'{b}' ({hi_s}) comes before '{a}' ({lo_s})"
    return lo, hi, ev, None


def _window_has_data(data: _Data, lo: int | None, hi: int | None) -> bool:
    return bool(data.in_window(lo, hi).any())


def _longest_silence_s(data: _Data, lo: int | None, hi: int | None) -> float:
    """The longest stretch of the window without reports, s, not counting silences
    between two reports on the ground (an aircraft parked cannot fly an approach) and
    counting the window's edges beyond the record."""
    lo_ = int(data.t[0]) if lo is None else lo
    hi_ = int(data.t[-1]) if hi is None else hi
    sel = (data.t >= lo_) & (data.t <= hi_)
    t, g = data.t[sel], data.ground[sel]
    if t.size == 0:
        return float(hi_ - lo_) / NS_PER_S
    gaps = np.diff(t).astype(np.float64)
    gaps[g[:-1] & g[1:]] = 0.0
    edges = [float(t[0] - lo_), float(hi_ - t[-1])]
    return max([*edges, float(np.max(gaps, initial=0.0))]) / NS_PER_S


# -- approaches ----------------------------------------------------------------------------


def _approaches(claim: Claim, record: FlightRecord, data: _Data) -> Verdict:
    lo, hi, wev, why = _window(claim, record, data, "after", "before")
    if why is not None:
        return _verdict(claim, "undetermined", {}, {}, None,
                        f"The window cannot be placed: {why}.", {"window": wev, "reason": why})  # fmt: skip
    if not _window_has_data(data, lo, hi):
        return _verdict(claim, "undetermined", {}, {}, None,
                        "The record has no reports in the claim's window.",
                        {"window": wev, "reason": "no data in the window"})  # fmt: skip
    airport = claim.get("airport")
    details = {(e.detail.get("airport"), e.detail.get("low_time")): e.detail
               for e in record.events if e.kind == "approach"}  # fmt: skip
    mine = []
    for a in record.approaches:
        t = parse_time(a.get("time") or a.get("start"))
        # strictly between the bounds: an approach whose lowest point *is* the bound
        # ("after the first go-around") is the bound's own, not one after it
        if t is None or (lo is not None and t <= lo) or (hi is not None and t >= hi):
            continue
        if airport is not None and a.get("airport") != airport:
            continue
        mine.append((t, a))
    n_app = len(mine)
    n_ga = sum(1 for _, a in mine if a.get("go_around"))
    res: dict[str, Any] = {}
    statuses = []
    silence = _longest_silence_s(data, lo, hi)
    hidden = silence >= APPROACH_HIDDEN_S
    for name, rec_v in (("count", n_app), ("go_arounds", n_ga)):
        c = claim.get(name)
        if c is None:
            continue
        diff = rec_v - int(c)
        if diff == 0:
            st = "consistent"
        elif diff < 0 and hidden:
            st = "undetermined"
        else:
            st = "inconsistent"
        statuses.append(st)
        res[name] = {"claimed": int(c), "record": rec_v, "difference": diff, "unit": "approaches",
                     "status": st}  # fmt: skip
    verdict = _combine(statuses)
    listed = []
    for t, a in mine:
        d = details.get((a.get("airport"), a.get("time")), {})
        listed.append({"airport": a.get("airport"), "runway": a.get("runway"),
                       "time": iso_utc(t), "go_around": bool(a.get("go_around")),
                       "min_height_ft": a.get("min_height_ft"),
                       "evidence": d.get("evidence", "positions"),
                       "error_km": d.get("error_km")})  # fmt: skip
    ev = {"window": wev, "approaches": listed, "longest_silence_s": round(silence, 1)}
    where = f" at {airport}" if airport else ""
    parts = [f"The record shows {n_app} approach{'es' if n_app != 1 else ''}{where}"
             f" ({n_ga} go-around{'s' if n_ga != 1 else ''}) in the window"]  # fmt: skip
    claimed = ", ".join(f"{k.replace('_', '-')} {v['claimed']}" for k, v in res.items())
    if claimed:
        parts.append(f"; the claim says {claimed}")
    expl = "".join(parts) + "."
    if verdict == "undetermined":
        expl += (f" The record is silent for {silence / 60:.0f} min inside the window, long enough "
                 "to hide an approach.")  # fmt: skip
    elif not statuses:
        verdict = "undetermined"
        expl += " The claim gives no count to check."
    return _verdict(claim, verdict, res, {"count": 0, "go_arounds": 0}, None, expl, ev)


def _combine(statuses: Sequence[str]) -> str:
    if not statuses:
        return "undetermined"
    if "inconsistent" in statuses:
        return "inconsistent"
    if all(s == "consistent" for s in statuses):
        return "consistent"
    return "undetermined"


# -- duration ------------------------------------------------------------------------------


def _duration(claim: Claim, record: FlightRecord, data: _Data) -> Verdict:
    start, s_desc = resolve(claim.get("airborne_after"), record, data)
    if claim.get("airborne_after") is None:
        take = _first(record.events, "takeoff")
        start, s_desc = (take.time_ns, f"takeoff at {take.time}") if take else (int(data.t[0]),
                                                                               "first report")  # fmt: skip
    if start is None:
        return _verdict(claim, "undetermined", {}, {}, None,
                        f"The start cannot be placed: {s_desc}.", {"start": s_desc})  # fmt: skip
    ends = sorted(e for e in record.events if e.kind == "end" and e.time_ns >= start)
    if ends:
        end_t, kind = ends[0].time_ns, str(ends[0].detail.get("kind"))
        extra = float(ends[0].detail.get("extrapolated_s") or 0.0)
    elif record.end is not None and record.end.get("time"):
        end_t = parse_time(record.end["time"]) or int(data.t[-1])
        kind, extra = str(record.end.get("kind")), 0.0
    else:
        end_t, kind, extra = int(data.t[-1]), "lost", 0.0
    if end_t < start:
        return _verdict(claim, "undetermined", {}, {}, None,
                        "The flight ended before the claimed start.", {"start": s_desc})  # fmt: skip
    dur = (end_t - start) / NS_PER_S / 60.0
    # uncertainty: the extrapolated end and the reports' spacing at both ends
    gap_s = _spacing_s(data, start) + _spacing_s(data, end_t)
    unc = (extra + gap_s) / 60.0
    tolm = float(claim.get("tolerance_min")) if claim.get("tolerance_min") is not None else _tol(
        claim, "tolerance_min")  # fmt: skip
    open_end = kind == "lost"
    res: dict[str, Any] = {}
    statuses = []
    for name in ("more_than_min", "less_than_min", "about_min"):
        c = claim.get(name)
        if c is None:
            continue
        x = float(c)
        if name == "more_than_min":
            ok, bad = dur >= x - tolm, dur + unc < x - tolm
            if open_end and not ok:
                bad = False
        elif name == "less_than_min":
            ok, bad = dur <= x + tolm, dur - unc > x + tolm
            if open_end:
                ok = False
        else:
            ok, bad = abs(dur - x) <= tolm, abs(dur - x) > tolm + unc
            if open_end:
                ok = False
                bad = dur - unc > x + tolm
        st = "consistent" if ok and unc < tolm else "inconsistent" if bad else "undetermined"
        statuses.append(st)
        res[name] = {"claimed": x, "record": _r(dur), "difference": _r(dur - x), "unit": "min",
                     "record_uncertainty": _r(unc), "status": st}  # fmt: skip
    verdict = _combine(statuses)
    ev = {"start": s_desc, "end": f"{kind} at {iso_utc(end_t)}", "end_kind": kind,
          "airborne_min": _r(dur), "record_ids": data.ids_near(end_t)}  # fmt: skip
    expl = (f"The record has the aircraft airborne {dur:.1f} min from {s_desc} to its end "
            f"({kind} at {iso_utc(end_t, 'seconds')}).")  # fmt: skip
    if open_end:
        expl += " The record ends with the aircraft still airborne: it may have flown longer."
    if verdict == "undetermined" and unc >= tolm:
        expl += f" The record's times are uncertain by {unc:.1f} min, the tolerance {tolm:g} min."
    return _verdict(claim, verdict, res, {"tolerance_min": tolm}, None, expl, ev)


def _spacing_s(data: _Data, at: int) -> float:
    """Half the spacing of the reports around a time, s (how well it is placed)."""
    j = int(np.searchsorted(data.t, at))
    lo = data.t[max(j - 1, 0)]
    hi = data.t[min(j, data.t.size - 1)]
    return float(hi - lo) / NS_PER_S / 2.0


# -- gnss ----------------------------------------------------------------------------------


#: A report stands for the GNSS state until the next one, at most this long, s (a
#: silence says nothing of the state; modelling choice: readsb traces write a point
#: at least every minute while an aircraft is seen).
GNSS_HOLD_S = 60.0
#: Fewest reports in a window to tell its GNSS state (one report may be a stale or
#: garbled one; modelling choice).
GNSS_MIN_REPORTS = 3


def _gnss(claim: Claim, record: FlightRecord, data: _Data) -> Verdict:
    lo, hi, wev, why = _window(claim, record, data, "from", "to")
    if why is not None:
        return _verdict(claim, "undetermined", {}, {}, None,
                        f"The window cannot be placed: {why}.", {"window": wev, "reason": why})  # fmt: skip
    sel = data.in_window(lo, hi)
    bbox = claim.get("bbox")
    if bbox is not None:
        w, s, e, n = bbox
        la, lo_ = data.lat, data.lon
        inbox = (la >= s) & (la <= n) & ((lo_ >= w) & (lo_ <= e) if w <= e else
                                        ((lo_ >= w) | (lo_ <= e)))  # fmt: skip
        sel = sel & inbox
    if not sel.any():
        where = " inside the box" if bbox is not None else ""
        return _verdict(claim, "undetermined", {}, {}, None,
                        f"The record has no reports in the window{where}.",
                        {"window": wev, "reason": "no data in the window"})  # fmt: skip
    state = _gnss_states(record, data)
    counts = {s: int(np.count_nonzero(state[sel] == s)) for s in
              ("normal", "degraded", "jammed", "spoofed")}  # fmt: skip
    total = int(sel.sum())
    claimed = claim.get("state")
    share_need = _tol(claim, "gnss_share")
    if claimed is None:
        return _verdict(claim, "undetermined", {}, {}, None, "The claim names no GNSS state.",
                        {"states": counts})  # fmt: skip
    # the share of the window's *time* in each state: each report holds until the
    # next (at most GNSS_HOLD_S): a jammed aircraft sends fewer reports than a normal
    # one, so a share of reports would understate the jamming
    t_sel = data.t[sel]
    st_sel = state[sel]
    end_ns = hi if hi is not None else int(t_sel[-1])
    hold = np.diff(np.r_[t_sel, max(end_ns, int(t_sel[-1]))]) / NS_PER_S
    hold = np.minimum(np.maximum(hold, 0.0), GNSS_HOLD_S)
    if total < GNSS_MIN_REPORTS or float(hold.sum()) <= 0.0:
        return _verdict(claim, "undetermined", {}, {"gnss_share": share_need}, None,
                        f"The record has only {total} report(s) in the window: too few to "
                        "tell its GNSS state.",
                        {"window": wev, "reports": total, "states": counts})  # fmt: skip
    want = (st_sel == claimed) | ((st_sel == "jammed") if claimed == "degraded" else False)
    share = float(hold[want].sum() / hold.sum())
    verdict = "consistent" if share >= share_need else "inconsistent"
    by_time = {k: float(hold[st_sel == k].sum()) for k in counts}
    record_state = max(by_time, key=lambda k: by_time[k])
    res = {"state": {"claimed": claimed, "record": record_state, "difference": None,
                     "share": round(share, 3), "unit": "share of the window's time",
                     "status": verdict}}  # fmt: skip
    ev = {"window": wev, "reports": total, "states": counts,
          "first": iso_utc(int(t_sel[0])), "last": iso_utc(int(t_sel[-1]))}  # fmt: skip
    expl = (f"For {share:.0%} of the window's time ({total} reports) the record shows GNSS "
            f"{claimed}{' or jammed' if claimed == 'degraded' else ''}; mostly {record_state}.")  # fmt: skip
    return _verdict(claim, verdict, res, {"gnss_share": share_need}, None, expl, ev)


def _gnss_states(record: FlightRecord, data: _Data) -> NDArray[np.object_]:
    """Per report: spoofed, jammed (GNSS lost and no position reported), degraded
    (NIC/NACp low, or GNSS lost, with positions) or normal."""
    n = data.t.size
    spoofed = data.source == "spoofed"
    lost = np.zeros(n, bool)
    for e in record.events:
        end = parse_time(e.detail.get("end")) if e.detail.get("end") else None
        if e.kind == "spoofed":
            spoofed |= (data.t >= e.time_ns) & (data.t <= (end or e.time_ns))
        elif e.kind == "gnss_lost":
            back = _first([x for x in record.events if x.time_ns >= e.time_ns], "gnss_regained")
            stop = end or (back.time_ns if back else int(data.t[-1]))
            lost |= (data.t >= e.time_ns) & (data.t <= stop)
    with np.errstate(invalid="ignore"):
        low = (data.nic < NIC_BAD_BELOW) | (data.nac_p <= NACP_BAD_MAX)
    state = np.full(n, "normal", dtype=object)
    state[low & data.reported] = "degraded"
    state[lost & data.reported] = "degraded"
    state[lost & ~data.reported] = "jammed"
    state[spoofed] = "spoofed"
    return state


# -- squawk --------------------------------------------------------------------------------


def _squawk(claim: Claim, record: FlightRecord, data: _Data) -> Verdict:
    lo, hi, wev, why = _window(claim, record, data, "from", "to")
    if why is not None:
        return _verdict(claim, "undetermined", {}, {}, None,
                        f"The window cannot be placed: {why}.", {"window": wev, "reason": why})  # fmt: skip
    code = claim.get("code")
    said = claim.get("transmitted", True)
    # the claim's window is on its own clock: widened by the clock tolerance when the
    # claim says the code was sent (a claim "7700 from the failure to 05:47" whose
    # clock runs 40 s fast still holds), narrowed when it says it was not
    clock = _tol(claim, "clock_s")
    pad = int(clock * NS_PER_S) * (1 if said else -1)
    sel = data.in_window(None if lo is None else lo - pad, None if hi is None else hi + pad)
    carried = sel & np.array([s is not None for s in data.squawk], dtype=bool)
    if code is None or not carried.any():
        why = "no code given" if code is None else "no report in the window carries a squawk"
        return _verdict(claim, "undetermined", {}, {}, None, f"Cannot check: {why}.",
                        {"window": wev, "reason": why})  # fmt: skip
    hit = carried & (data.squawk == code)
    k = int(hit.sum())
    others = sorted({str(s) for s in data.squawk[carried]} - {code})
    if k >= SETTLE_REPORTS:
        verdict = "consistent" if said else "inconsistent"
    elif k == 0:
        verdict = "inconsistent" if said else "consistent"
    else:
        verdict = "undetermined"
    times = data.t[hit]
    ev: dict[str, Any] = {"window": wev, "reports_with_squawk": int(carried.sum()),
                          "reports_with_code": k, "other_codes": others}  # fmt: skip
    if k:
        ev.update(first=iso_utc(int(times[0])), last=iso_utc(int(times[-1])),
                  record_ids=[x for x in data.record_id[hit][:MAX_RECORD_IDS].tolist()
                              if x is not None])  # fmt: skip
    res = {"transmitted": {"claimed": bool(said), "record": k > 0, "difference": None,
                           "reports": k, "unit": "reports", "status": verdict}}  # fmt: skip
    if k == 0:
        expl = (
            f"None of the {int(carried.sum())} reports in the window that carry a squawk "
            f"shows {code}" + (f" (codes seen: {', '.join(others[:5])})." if others else ".")
        )
    elif k < SETTLE_REPORTS:
        expl = (f"Squawk {code} appears in a single report ({iso_utc(int(times[0]), 'seconds')}), "
                "which may be a garbled reply: the record cannot tell.")  # fmt: skip
    else:
        expl = (
            f"Squawk {code} was transmitted in {k} reports from "
            f"{iso_utc(int(times[0]), 'seconds')} to {iso_utc(int(times[-1]), 'seconds')}."
        )
    return _verdict(claim, verdict, res, {"min_reports": SETTLE_REPORTS, "clock_s": clock}, None,
                    expl, ev)  # fmt: skip


# -- end -----------------------------------------------------------------------------------


def _end(claim: Claim, record: FlightRecord, data: _Data) -> Verdict:
    ends = sorted(e for e in record.events if e.kind == "end")
    t_claim = claim.get("time")
    if isinstance(t_claim, str):
        t_claim, _ = resolve(t_claim, record, data)
    if ends:
        e = (
            min(ends, key=lambda x: abs(x.time_ns - t_claim))
            if isinstance(t_claim, int)
            else ends[-1]
        )
        end = {**dict(e.detail), "time_ns": e.time_ns}
    elif record.end is not None:
        end = {**dict(record.end), "time_ns": parse_time(record.end.get("time"))}
    else:
        return _verdict(claim, "undetermined", {}, {}, None,
                        "The record has no end of flight.", {"reason": "no end"})  # fmt: skip
    kind = str(end.get("kind"))
    err_km = float(end.get("error_km") or 0.0)
    res: dict[str, Any] = {}
    statuses: list[str] = []
    tol: dict[str, Any] = {}
    if claim.get("end") is not None:
        c = claim.get("end")
        if kind == "lost":
            st = "consistent" if c == "lost" else "undetermined"
        elif c == "lost":
            st = "consistent" if kind == "crashed" else "inconsistent"
        else:
            st = "consistent" if c == kind else "inconsistent"
        statuses.append(st)
        res["end"] = {"claimed": c, "record": kind, "difference": None, "unit": None, "status": st}
    e_lat, e_lon = end.get("lat"), end.get("lon")
    if claim.get("airport") is not None:
        c = claim.get("airport")
        rec_ap = end.get("airport")
        tol["end_airport_km"] = _tol(claim, "end_airport_km")
        d_ap = _airport_distance_km(c, e_lat, e_lon)
        if rec_ap == c:
            st = "consistent"
        elif d_ap is not None and kind != "landed":
            st = (
                "consistent"
                if d_ap <= tol["end_airport_km"] and err_km < tol["end_airport_km"]
                else "inconsistent"
                if d_ap > tol["end_airport_km"] + err_km
                else "undetermined"
            )
        elif kind == "lost" and rec_ap is None:
            st = "undetermined"
        else:
            st = "inconsistent"
        statuses.append(st)
        res["airport"] = {"claimed": c, "record": rec_ap, "difference": _r(d_ap), "unit": "km",
                          "status": st}  # fmt: skip
    if claim.get("lat") is not None and claim.get("lon") is not None and e_lat is not None:
        w = float(claim.get("within_km")) if claim.get("within_km") is not None else _tol(
            claim, "within_km")  # fmt: skip
        d = float(distance_m(float(e_lat), float(e_lon or 0.0), float(claim.get("lat")),
                             float(claim.get("lon")))) / 1000.0  # fmt: skip
        st = (
            "consistent"
            if d <= w and err_km < w
            else ("inconsistent" if d > w + err_km else "undetermined")
        )
        statuses.append(st)
        tol["within_km"] = w
        res["position"] = {"claimed": [claim.get("lat"), claim.get("lon")],
                           "record": [e_lat, e_lon], "difference": _r(d), "unit": "km",
                           "record_uncertainty": _r(err_km), "status": st}  # fmt: skip
    offset = None
    if isinstance(t_claim, int) and end.get("time_ns") is not None:
        c_s = claim.get("clock_tolerance_s")
        clock = float(c_s) if c_s is not None else _tol(claim, "clock_s")
        extra = float(end.get("extrapolated_s") or 0.0)
        dt = (int(end["time_ns"]) - t_claim) / NS_PER_S
        st = (
            "consistent"
            if abs(dt) <= clock and extra < clock
            else ("inconsistent" if abs(dt) > clock + extra else "undetermined")
        )
        statuses.append(st)
        tol["clock_s"] = clock
        offset = dt if abs(dt) <= clock + extra else None
        res["time"] = {"claimed": iso_utc(t_claim), "record": iso_utc(int(end["time_ns"])),
                       "difference": _r(dt), "unit": "s", "record_uncertainty": _r(extra),
                       "status": st}  # fmt: skip
    verdict = _combine(statuses)
    ev = {"end": _plain({k: v for k, v in end.items() if k != "time_ns"}),
          "time": iso_utc(int(end["time_ns"])) if end.get("time_ns") is not None else None,
          "record_ids": data.ids_near(int(end["time_ns"])) if end.get("time_ns") else []}  # fmt: skip
    where = f" at {end.get('airport')}" if end.get("airport") else ""
    expl = (f"The record ends {kind}{where} at {iso_utc(int(end['time_ns']), 'seconds')}"
            f" ({_r(e_lat, 4)}, {_r(e_lon, 4)}, within {err_km:.1f} km).")  # fmt: skip
    bad = [k for k, v in res.items() if v["status"] == "inconsistent"]
    if bad:
        expl += f" It contradicts the claim's {', '.join(bad)}."
    elif verdict == "undetermined":
        unk = [k for k, v in res.items() if v["status"] == "undetermined"]
        expl += f" The record cannot confirm the claim's {', '.join(unk) or 'content'}."
    return _verdict(claim, verdict, res, tol, offset, expl, ev)


def _airport_distance_km(code: str, lat: Any, lon: Any) -> float | None:
    from skywitness.model.airports import icao_airports

    ap = icao_airports().get(code)
    if ap is None or lat is None or lon is None:
        return None
    return float(distance_m(float(lat), float(lon), float(ap["lat"]), float(ap["lon"]))) / 1000.0


# -- words ---------------------------------------------------------------------------------


_NAMES = {"azimuth_deg": "azimuth", "ground_range_m": "ground range",
          "slant_range_m": "slant range", "height_m": "height", "speed_mps": "speed",
          "heading_deg": "heading", "distance_km": "distance"}  # fmt: skip


def _explain_fit(
    claim: Claim, verdict: str, res: Mapping[str, Any], offset: float | None, unplaced: bool
) -> str:
    if offset is None:
        return ("The record has no data within the claim's clock window: it cannot tell." if not
                unplaced else "The record has no data within the claim's clock window.")  # fmt: skip
    clock = f" with the claim's clock {offset:+.0f} s off" if abs(offset) >= 1 else ""
    fits = [k for k, v in res.items() if v["status"] == "consistent"]
    bad = [k for k, v in res.items() if v["status"] == "inconsistent"]
    vague = [k for k, v in res.items() if v["status"] in ("undetermined", "no data")]

    def words(keys: Sequence[str]) -> str:
        parts = []
        for k in keys:
            v = res[k]
            src = f" ({v['from']})" if v.get("from") and v["from"] != "position" else ""
            parts.append(f"{_NAMES.get(k, k)}{src}: claimed {v['claimed']:g}, record "
                         f"{v['record'] if v['record'] is not None else 'none'} {v['unit']}"
                         if v.get("record") is not None else f"{_NAMES.get(k, k)}: no record")  # fmt: skip
        return "; ".join(parts)

    if claim.kind == "position_at":
        v = res["distance_km"]
        dist = v.get("record")
        base = (f"The record puts the aircraft {dist:g} km from the claimed position{clock}"
                if dist is not None else "The record has no position at that time")  # fmt: skip
        if verdict == "consistent":
            return base + f", within the claimed {v['tolerance']:g} km."
        if verdict == "inconsistent":
            return base + (f", beyond the claimed {v['tolerance']:g} km plus the record's "
                           f"{v['record_uncertainty']:g} km uncertainty at every clock offset "
                           "allowed.")  # fmt: skip
        return base + (f"; its position there is uncertain by {v.get('record_uncertainty')} km, "
                       f"not less than the claimed {v['tolerance']:g} km: it cannot tell.")  # fmt: skip
    out = []
    if verdict == "consistent":
        out.append(f"Fits the record{clock}: {words(fits)}.")
    elif verdict == "inconsistent":
        out.append(f"Beyond tolerance plus the record's uncertainty at every clock offset allowed; "
                   f"closest{clock}: {words(bad)}.")  # fmt: skip
        if fits:
            out.append(f"Fitting: {', '.join(_NAMES.get(k, k) for k in fits)}.")
    else:
        if fits:
            out.append(f"Fits{clock}: {words(fits)}.")
        if vague:
            out.append(f"The record cannot tell {', '.join(_NAMES.get(k, k) for k in vague)} "
                       "(no data, or its uncertainty at that time is not less than the "
                       "tolerance).")  # fmt: skip
    h = res.get("height_m")
    if h is not None and claim.get("height_ref") == "unknown" and h.get("from"):
        out.append(f"The height fits best taken relative to {h['from']}.")
    if unplaced:
        out.append("The observer's position is not stated: azimuth and range give the region "
                   "from which it could have been seen.")  # fmt: skip
    return " ".join(out)


def _explain_region(plaus: Mapping[str, Any]) -> str:
    land = plaus.get("on_land")
    los = plaus.get("line_of_sight")
    words = {True: "on land", False: "at sea", None: "partly on land"}[land]
    s = f"That region lies {words}"
    if los is not None:
        s += (
            "; the aircraft was above its horizon"
            if los
            else ("; the aircraft was below its horizon: it could not have been seen from there")
        )
    return s + "."


_CHECKERS = {
    "observation": _observation,
    "position_at": _position_at,
    "approaches": _approaches,
    "duration": _duration,
    "gnss": _gnss,
    "squawk": _squawk,
    "end": _end,
}

__all__ = [
    "BARO_MSL_UNCERTAINTY_M",
    "DEFAULT_TOLERANCES",
    "VERDICTS",
    "FlightRecord",
    "Verdict",
    "check_claim",
    "check_claims",
    "resolve",
]
