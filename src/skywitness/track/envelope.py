"""Values no aircraft could have: flagged, never deleted, with the rule that rejected them.

One aircraft's reports (:class:`Series`, read from the canonical report table)
are checked field by field against a physical *envelope* (:class:`Envelope`):
what an aircraft of a class can do, from aircraft performance, certification
limits and the resolution of the data. A value outside it is flagged
(``alt_bad``, ``speed_bad``, ``vrate_bad``, ``track_bad``) with the name of
the rule that fired; :meth:`BadValues.clean` and :func:`clean` give the
series without them.

**Rules** (each in :data:`RULES`; the first that fires names the value):

``alt_range``    pressure altitude above the envelope's ceiling.
``alt_burst``    an altitude the other altitudes around it deny (below).
``alt_stuck``    an altitude frozen for a minute while the vertical rate says
                 it moved by more than :data:`STUCK_MIN_CHANGE_FT`.
``speed_range``  ground speed above the envelope's maximum.
``speed_ground`` on the ground faster than any aircraft rolls
                 (:data:`GROUND_MAX_GS_KT`).
``speed_min``    airborne at or above :data:`MIN_SPEED_ALT_FT`, slower over
                 the ground than the envelope's slowest true airspeed there
                 minus the strongest head wind (:func:`max_wind_kt`).
``speed_jump``   a ground speed the speeds around it deny.
``speed_median`` airborne, farther than :data:`SPEED_MEDIAN_TOL_KT` from the
                 median of the airborne speeds kept within
                 :data:`SPEED_WINDOW_S` around it (below).
``vrate_range``  vertical rate beyond the envelope's maximum.
``vrate_jump``   a vertical rate the rates around it deny.
``vrate_stuck``  a vertical rate frozen for a minute that the altitude does
                 not follow (it moved less than :data:`STUCK_FOLLOW` of it).
``track_jump``   a track the tracks around it deny, at the turn rate the
                 envelope's load factor allows at that ground speed.

**Denied by its neighbours.** Two values of a field are inconsistent when
they differ by more than the field's measurement tolerance plus the
envelope's largest rate of change times the time between them. A value is
bad when (a) it is inconsistent with more than half of at least
:data:`MIN_VOTES` of its neighbours (up to :data:`NEIGHBOURS` valid values
on each side, not more than :data:`NEIGHBOUR_MAX_S` away), or (b) it lies in
a burst that returns: a run of at most ``NEIGHBOURS`` values that the
previous and the next value cannot reach, while those two can reach each
other. A burst (or a single wrong value) is therefore flagged, while the
good values around it are not; a value nothing comes near in time is never
judged, and a step that does not return is left alone (which side is wrong
is unknown).

**Far from the median of its minutes** (``speed_median``). The neighbour
rules outvote runs of up to :data:`NEIGHBOURS` values; the frozen speed of a
failing air-data source lasts minutes (flight 8243's record: impossible values
for about three minutes). An airborne ground speed is therefore also compared
with the median of the airborne speeds the other rules kept, over time
(the speed in force sampled every :data:`SPEED_GRID_S`, so that a source
repeating a value with a flicker does not vote once per flicker) within
:data:`SPEED_WINDOW_S` centred on it: a frozen or corrupted run shorter than
half the window is outvoted. Its limit: a corruption longer than half the
window outvotes the right values (a real FR24 recording, fr24/372355e5, holds
15 minutes of 50 kt at FL380 with the true 450 kt now and then; the rule sets
those 450-kt reports aside). Altitude and
vertical rate are checked in the air only (on the ground most sources send
no altitude, or a placeholder), the track in the air above
:data:`TRACK_MIN_GS_KT`.

**Envelopes.** :data:`ANY_AIRCRAFT` holds for everything that flies
(fighters, aerobatic aircraft, helicopters, gliders); :data:`TRANSPORT` for jet
transports, with tighter rates and a minimum speed. :func:`infer_envelope`
picks ``TRANSPORT`` for an aircraft seen in sustained jet cruise
(:data:`JET_EVIDENCE_ALT_FT`, :data:`JET_EVIDENCE_GS_KT`,
:data:`JET_EVIDENCE_S`), else ``ANY_AIRCRAFT``.

The kernel is vectorised (one NumPy pass per neighbour offset); nothing is
written and the input is not changed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike, NDArray

from skywitness.errors import UsageError
from skywitness.model.atmosphere import ISA_G0, cas_to_tas_kt
from skywitness.model.schema import ALT_MAX_FT, ALT_MIN_FT
from skywitness.model.units import FPM_PER_MPS, KT_PER_MPS, NS_PER_S

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]
Code = NDArray[np.int8]

# -- measurement tolerances -------------------------------------------------------------

#: Altitude difference always allowed between two reports, ft: Gillham-coded
#: altitude comes in 100-ft steps (25 ft with the Q bit), and a report's
#: altitude may be a few seconds older than its time stamp (readsb merges
#: the last value of each field); modelling choice of three 100-ft steps.
ALT_TOL_FT = 300.0
#: Ground-speed difference always allowed, kt: sources round to 1 kt (FR24,
#: traffic) or derive speed from positions; ADS-B velocity subtype 1 has 1-kt
#: components, subtype 2 (supersonic) 4 kt; modelling choice, with margin for
#: a velocity older than its time stamp.
GS_TOL_KT = 20.0
#: Vertical-rate difference always allowed, ft/min: the rate is sent in 64-ft/min
#: steps (DO-260B) and barometric rates jump by hundreds of ft/min in
#: turbulence; modelling choice.
VRATE_TOL_FPM = 1000.0
#: Track difference always allowed, degrees: some sources round the track to
#: whole degrees, ADS-B's 1-kt velocity components give 1.1 degree at 50 kt,
#: and a track may be older than its time stamp; modelling choice.
TRACK_TOL_DEG = 10.0
#: Below this ground speed (kt) the track is not checked: it comes from 1-kt
#: velocity components (6 degrees of resolution at 10 kt) and a hovering
#: helicopter or a taxiing aircraft may point anywhere.
TRACK_MIN_GS_KT = 50.0

# -- neighbours ---------------------------------------------------------------------------

#: Neighbours on each side a value is compared with: a burst of up to this
#: many reports that returns is outvoted (modelling choice; bursts of wrongly
#: decoded altitude last one to a few reports).
NEIGHBOURS = 5
#: Neighbours farther than this in time (s) do not vote: after two minutes the
#: envelope allows almost anything, so their vote says little.
NEIGHBOUR_MAX_S = 120.0
#: Fewest votes for a value to be judged: one neighbour cannot tell which of
#: the two is wrong.
MIN_VOTES = 2

# -- far from the median of its minutes -------------------------------------------------

#: Window of the median an airborne ground speed is checked against, s: a frozen
#: or corrupted run shorter than half of it is outvoted (modelling choice: the
#: neighbour rules outvote up to five values; a failing air-data source's frozen
#: speed lasts minutes, as in flight 8243's record).
SPEED_WINDOW_S = 600.0
#: ... and the distance from it beyond which the speed is set aside, kt: an
#: airliner's speed changes within a few minutes (250 to 140 kt on an approach)
#: move the median by less than the change itself (modelling choice).
SPEED_MEDIAN_TOL_KT = 100.0
#: ... the speed in force sampled every this many seconds for that median: ADS-B
#: velocity comes twice a second, readsb traces keep one every few seconds.
SPEED_GRID_S = 5.0

# -- frozen values ------------------------------------------------------------------------

#: A value repeated exactly for at least this long (s) and this many reports
#: may be frozen (a source repeating its last value).
STUCK_MIN_S = 60.0
STUCK_MIN_REPORTS = 3
#: ... if the other field says it should have changed by at least this much, ft:
#: far beyond the altitude tolerance (modelling choice).
STUCK_MIN_CHANGE_FT = 1000.0
#: ... at a vertical rate of at least this much, ft/min: well above the
#: +-64..256 ft/min a level aircraft reports (modelling choice).
STUCK_MIN_VRATE_FPM = 500.0
#: A frozen vertical rate is bad when the altitude moved less than this
#: fraction of what the rate says (or the other way): modelling choice.
STUCK_FOLLOW = 0.25

#: In the longest consistent chain a value counts for the time it holds until
#: the next value, at most this long, s: readsb writes a trace point when the
#: altitude changes much, so wild values come denser than good ones and must not
#: outvote them by their number (as :data:`SPEED_GRID_S` for the speed median;
#: modelling choice, the same 5 s).
CHAIN_HOLD_S = 5.0

# -- frozen with the speed ------------------------------------------------------------

#: An altitude run holding within this band (ft) holds still: a frozen source
#: repeating its last value with a flicker of one or two 25-ft steps (the Q-bit
#: resolution of Mode S altitude) stays within it (modelling choice: four steps).
FROZEN_SPREAD_FT = 100.0
#: Fewest reports of such a run: one or two reports are the neighbour rules'
#: (modelling choice, as :data:`STUCK_MIN_REPORTS`).
FROZEN_MIN_REPORTS = 3
#: Inside such a run, at most this many consecutive reports whose speed no rule
#: rejected still belong to it when their speed is the frozen one (within
#: :data:`FROZEN_SPEED_BAND_KT` of the run's median): the speed rules judge
#: each value against its neighbours and let a few frozen values through
#: (modelling choice).
FROZEN_GAP_REPORTS = 3
FROZEN_SPEED_BAND_KT = 5.0
#: ... and the run's speeds hold within twice that band: a frozen source repeats its
#: speed too (the median rule also rejects real speed swings of 150 kt, as in
#: parabolic flights: traffic's zero_gravity sample; modelling choice).

# -- inference of air and ground ---------------------------------------------------------

#: With no air/ground state from the sender, a report is taken as on the ground
#: when slower than this (kt): below the lift-off speed of transport and most
#: light aircraft (Cessna 172: 55 KIAS rotation), above normal taxi speeds
#: (about 20 kt, Boeing 737 FCTM). Gliders and helicopters flying slower are
#: told apart by height (below).
INFERRED_GROUND_MAX_GS_KT = 40.0
#: ... and within this height (ft) of the lowest altitude the aircraft reported
#: in its stretch of reports (OpenAP's ground membership of altitude falls to 0
#: at 200 ft, Sun et al. 2017).
INFERRED_GROUND_BAND_FT = 200.0
#: Fastest ground speed on the ground, kt: above the lift-off and touchdown
#: speeds of any aircraft (Concorde rotated at about 200 kt, the Space Shuttle
#: landed at about 200 kt). Faster on the ground is ``speed_ground``, or a wrong
#: ground state when the reports around it are airborne.
GROUND_MAX_GS_KT = 250.0
#: Reports more than this far apart in time (s) belong to different stretches
#: for that lowest altitude (30 min: longer than an airliner's quickest turnaround).
STRETCH_GAP_S = 1800.0

# -- envelopes ----------------------------------------------------------------------------

#: Pressure altitude from which a transport flies clean (flaps up), ft: the
#: 250-kt limit below 10,000 ft (ICAO Doc 4444 airspace classes C-G, 14 CFR
#: 91.117) is where flaps come out on arrival; the minimum-speed rule applies
#: from here up.
MIN_SPEED_ALT_FT = 10_000.0
#: Strongest wind assumed below / from :data:`WIND_BAND_TOP_FT`, kt. Jet-stream
#: cores (100-250 kt) lie at FL250-FL450; below FL200 winds over 80 kt are rare
#: outside tropical cyclones (modelling choice: an aircraft flying into a
#: stronger head wind there can be flagged ``speed_min``). Above, 250 kt: the
#: strongest jet-stream winds measured.
MAX_WIND_LOW_KT = 80.0
MAX_WIND_HIGH_KT = 250.0
WIND_BAND_TOP_FT = 20_000.0

#: Evidence of a jet transport: at least :data:`JET_EVIDENCE_S` of airborne
#: reports at or above FL290 and at least 350 kt over the ground. Turboprops
#: cruise below FL270 (ATR 72 ceiling FL250, Dash 8-400 FL270) at 270-360 kt
#: true; business jets qualify too (their envelope is close to a transport's).
JET_EVIDENCE_ALT_FT = 29_000.0
JET_EVIDENCE_GS_KT = 350.0
JET_EVIDENCE_S = 300.0
#: Altitude and speed at most this far apart (s) count as one state for that
#: evidence (ADS-B sends both every 0.5 s or so; modelling choice).
HOLD_S = 10.0


@dataclass(frozen=True)
class Envelope:
    """What an aircraft of one class can do.

    ``ceiling_ft`` pressure altitude; ``max_gs_kt`` ground speed;
    ``max_vrate_fpm`` vertical speed; ``max_accel_mps2`` change of ground
    speed; ``max_vaccel_mps2`` change of vertical speed; ``load_factor`` the
    limit load factor, which bounds the turn rate at ground speed ``V`` to
    ``g sqrt(n^2 - 1) / V`` (the ground track turns at most as fast as the air
    velocity's change divided by the ground speed); ``min_cas_kt`` the
    slowest calibrated airspeed in flight at or above :data:`MIN_SPEED_ALT_FT`
    (``None``: no minimum).
    """

    name: str
    ceiling_ft: float
    max_gs_kt: float
    max_vrate_fpm: float
    max_accel_mps2: float
    max_vaccel_mps2: float
    load_factor: float
    min_cas_kt: float | None


#: Everything that flies. Ceiling: the Mode S altitude field's range
#: (:data:`skywitness.model.schema.ALT_MAX_FT`; balloons and research aircraft
#: fly above 60,000 ft). Ground speed 2,200 kt: the SR-71's Mach 3.3 (1,910 kt
#: true) plus a jet-stream tail wind. Vertical speed 100,000 ft/min: a vertical
#: dive at about 1,000 kt. Acceleration 5 g: above catapult launches and
#: arrested landings (3-4 g). Vertical acceleration 10 g and load factor 10:
#: the limits of aerobatic aircraft (Extra 300: +-10 g) and above fighters' 9 g.
ANY_AIRCRAFT = Envelope(
    name="any",
    ceiling_ft=ALT_MAX_FT,
    max_gs_kt=2200.0,
    max_vrate_fpm=100_000.0,
    max_accel_mps2=5.0 * ISA_G0,
    max_vaccel_mps2=10.0 * ISA_G0,
    load_factor=10.0,
    min_cas_kt=None,
)
#: Jet transports (and business jets). Ceiling 51,000 ft: the highest certified
#: civil jets in service (Gulfstream G650, Citation X; Concorde's 60,000 ft
#: retired in 2003). Ground speed 800 kt: above the fastest airliner ground
#: speeds reported in jet-stream tail winds (about 700 kt). Vertical speed
#: 35,000 ft/min: above the steepest transport upsets recorded (TWA 841, 1979:
#: 34,000 ft in 63 s) and the parabolas of zero-g flights (+-22,000 ft/min in
#: the traffic sample). Ground-speed change 1 g: above rejected-takeoff braking
#: (about 0.5 g) plus the change of ground speed of a rate-one turn in a
#: 150-kt wind (0.4 g). Vertical acceleration 2 g: the +2.5 g / -1 g limit
#: loads of 14 CFR 25.337 about 1 g. Load factor 2.5: the same limit.
#: Minimum 120 KCAS above FL100: below the clean 1-g stall speed of jet
#: transports at light weights (about 125-140 KCAS for the A320, 737 and E190).
TRANSPORT = Envelope(
    name="transport",
    ceiling_ft=51_000.0,
    max_gs_kt=800.0,
    max_vrate_fpm=35_000.0,
    max_accel_mps2=1.0 * ISA_G0,
    max_vaccel_mps2=2.0 * ISA_G0,
    load_factor=2.5,
    min_cas_kt=120.0,
)
ENVELOPES: Mapping[str, Envelope] = {e.name: e for e in (ANY_AIRCRAFT, TRANSPORT)}

#: Rule names by code (0: the value passed). Order is priority within a field.
RULES: tuple[str, ...] = (
    "",
    "alt_range",
    "alt_burst",
    "alt_stuck",
    "speed_range",
    "speed_ground",
    "speed_min",
    "speed_jump",
    "vrate_range",
    "vrate_jump",
    "vrate_stuck",
    "track_jump",
    "speed_median",
    "alt_chain",
    "alt_frozen",
)
_CODE = {name: np.int8(i) for i, name in enumerate(RULES)}
FIELDS: tuple[str, ...] = ("alt", "speed", "vrate", "track")


def max_wind_kt(alt_ft: ArrayLike) -> Float:
    """The strongest wind assumed at pressure altitude ``alt_ft`` (see the constants)."""
    alt = np.asarray(alt_ft, np.float64)
    return np.asarray(np.where(alt < WIND_BAND_TOP_FT, MAX_WIND_LOW_KT, MAX_WIND_HIGH_KT))


def min_ground_speed_kt(envelope: Envelope, alt_ft: ArrayLike) -> Float:
    """Slowest ground speed the envelope allows in flight at ``alt_ft`` (0 where no
    minimum applies): the slowest true airspeed there minus :func:`max_wind_kt`."""
    alt = np.asarray(alt_ft, np.float64)
    if envelope.min_cas_kt is None:
        return np.zeros_like(alt)
    tas = cas_to_tas_kt(envelope.min_cas_kt, np.where(np.isfinite(alt), alt, 0.0))
    bound = np.maximum(tas - max_wind_kt(alt), 0.0)
    return np.asarray(np.where(alt >= MIN_SPEED_ALT_FT, bound, 0.0))


# -- one aircraft's series ---------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One aircraft's reports as NumPy columns, sorted by time (shared by the track
    kernels). Missing values are NaN; ``on_ground`` is 1, 0 or NaN (unknown).

    ``alt_ft`` is the pressure altitude, or the geometric altitude for an
    aircraft that reports no pressure altitude at all (``alt_is_geom``): the two
    differ by up to thousands of feet and are never mixed in one series.
    """

    time_ns: Int
    alt_ft: Float
    gs_kt: Float
    vrate_fpm: Float
    track_deg: Float
    heading_deg: Float
    on_ground: Float
    new_leg: Bool
    lat: Float
    lon: Float
    alt_is_geom: bool = False

    def __len__(self) -> int:
        return int(self.time_ns.shape[0])

    @property
    def t_s(self) -> Float:
        """Seconds since the first report."""
        if len(self) == 0:
            return np.zeros(0)
        return np.asarray((self.time_ns - self.time_ns[0]) / NS_PER_S, np.float64)

    @classmethod
    def from_table(cls, reports: pa.Table | pa.RecordBatch) -> Series:
        """The columns of one aircraft's reports (canonical schema; only ``time`` is
        required, absent columns read as missing). Raises :class:`UsageError` when
        the reports are of several aircraft or not sorted by time."""
        table = pa.Table.from_batches([reports]) if isinstance(reports, pa.RecordBatch) else reports
        names = set(table.column_names)
        if "time" not in names:
            raise UsageError("reports have no 'time' column (canonical report schema expected)")
        n = table.num_rows
        if "icao24" in names and n:
            ids = pc.unique(table.column("icao24")).to_pylist()
            if len(ids) > 1:
                raise UsageError(
                    f"reports of {len(ids)} aircraft ({', '.join(map(str, ids[:3]))}...) given "
                    "to a one-aircraft kernel: split them by icao24 first"
                )
        time_col = table.column("time")
        if time_col.null_count:
            raise UsageError(f"{time_col.null_count} report(s) have no time")
        if pa.types.is_timestamp(time_col.type):
            time_col = pc.cast(time_col, pa.int64())
        time_ns = np.asarray(time_col.to_numpy(), np.int64)
        back = np.flatnonzero(np.diff(time_ns) < 0)
        if back.size:
            raise UsageError(
                f"reports are not sorted by time (row {int(back[0]) + 1} is earlier than "
                f"row {int(back[0])}): sort one aircraft's reports by time first"
            )

        def num(name: str) -> Float:
            if name not in names:
                return np.full(n, np.nan)
            col = pc.cast(table.column(name), pa.float64())
            return np.asarray(col.to_numpy(zero_copy_only=False), np.float64)

        alt, geom = num("alt_baro_ft"), num("alt_geom_ft")
        use_geom = bool(n) and not np.isfinite(alt).any() and bool(np.isfinite(geom).any())
        new_leg = num("new_leg")
        return cls(
            time_ns=time_ns,
            alt_ft=geom if use_geom else alt,
            gs_kt=num("gs_kt"),
            vrate_fpm=num("vrate_fpm"),
            track_deg=num("track_deg"),
            heading_deg=num("heading_deg"),
            on_ground=num("on_ground"),
            new_leg=np.asarray(new_leg == 1.0),
            lat=num("lat"),
            lon=num("lon"),
            alt_is_geom=use_geom,
        )

    @classmethod
    def of(
        cls,
        time_ns: ArrayLike,
        *,
        alt_ft: ArrayLike | None = None,
        gs_kt: ArrayLike | None = None,
        vrate_fpm: ArrayLike | None = None,
        track_deg: ArrayLike | None = None,
        on_ground: ArrayLike | None = None,
        new_leg: ArrayLike | None = None,
        lat: ArrayLike | None = None,
        lon: ArrayLike | None = None,
    ) -> Series:
        """A series from arrays (absent ones missing); times must be sorted."""
        t = np.asarray(time_ns, np.int64)
        n = t.shape[0]

        def arr(x: ArrayLike | None) -> Float:
            if x is None:
                return np.full(n, np.nan)
            a = np.asarray(x, np.float64)
            if a.shape != (n,):
                raise UsageError(f"a column has shape {a.shape}, expected ({n},)")
            return a

        if np.any(np.diff(t) < 0):
            raise UsageError("reports are not sorted by time: sort them first")
        return cls(
            time_ns=t,
            alt_ft=arr(alt_ft),
            gs_kt=arr(gs_kt),
            vrate_fpm=arr(vrate_fpm),
            track_deg=arr(track_deg),
            heading_deg=np.full(n, np.nan),
            on_ground=arr(on_ground),
            new_leg=np.zeros(n, bool) if new_leg is None else np.asarray(new_leg, bool),
            lat=arr(lat),
            lon=arr(lon),
        )


def _stretch_starts(t_s: Float) -> Bool:
    starts = np.ones(t_s.shape[0], bool)
    starts[1:] = np.diff(t_s) > STRETCH_GAP_S
    return starts


def _nearest(t: Float, x: Float, max_s: float) -> Float:
    """Per report: its own value, else the finite value nearest in time within
    ``max_s`` (NaN where none)."""
    n = x.shape[0]
    fin = np.isfinite(x)
    if fin.all() or n == 0:
        return x
    i = np.arange(n)
    before = np.maximum.accumulate(np.where(fin, i, -1))
    after = np.minimum.accumulate(np.where(fin, i, n)[::-1])[::-1]
    bi, ai = np.maximum(before, 0), np.minimum(after, n - 1)
    db = np.where(before >= 0, t - t[bi], np.inf)
    da = np.where(after < n, t[ai] - t, np.inf)
    pick = np.where(db <= da, bi, ai)
    ok = np.minimum(db, da) <= max_s
    return np.asarray(np.where(ok, x[pick], np.nan))


def on_ground(series: Series) -> Bool:
    """Per report: on the ground. The sender's state where it gave one (but a lone
    "on the ground" between airborne reports, faster than :data:`GROUND_MAX_GS_KT`,
    is airborne), else the state it gave within :data:`HOLD_S` (raw Mode S
    frames without one come between frames with one); elsewhere inferred: slower
    than :data:`INFERRED_GROUND_MAX_GS_KT` and with no altitude or within
    :data:`INFERRED_GROUND_BAND_FT` of the lowest altitude of the stretch (speed
    and altitude also taken within ``HOLD_S``)."""
    n = len(series)
    t = series.t_s
    state = np.asarray(series.on_ground, np.float64).copy()
    known = np.isfinite(state)
    gs = _nearest(t, series.gs_kt, HOLD_S)
    # a lone "on the ground" among airborne reports, too fast to roll: airborne
    ki = np.flatnonzero(known)
    if ki.size >= 3:
        ks = state[ki]
        lone = np.zeros(ki.size, bool)
        lone[1:-1] = (ks[1:-1] == 1.0) & (ks[:-2] == 0.0) & (ks[2:] == 0.0)
        state[ki[lone & (gs[ki] > GROUND_MAX_GS_KT)]] = 0.0
    if known.all() or n == 0:
        return np.asarray(state == 1.0)
    state = _nearest(t, state, HOLD_S)
    known = np.isfinite(state)
    starts = _stretch_starts(t)
    seg = np.cumsum(starts) - 1
    alt = _nearest(t, series.alt_ft, HOLD_S)
    lowest = np.minimum.reduceat(np.where(np.isfinite(alt), alt, np.inf), np.flatnonzero(starts))
    low = ~np.isfinite(alt) | (alt <= lowest[seg] + INFERRED_GROUND_BAND_FT)
    slow = gs < INFERRED_GROUND_MAX_GS_KT
    return np.asarray(np.where(known, state == 1.0, slow & low))


# -- the checks -------------------------------------------------------------------------


def _denied(t: Float, x: Float, tol: float, rate: Float, circular: bool = False) -> Bool:
    """Per value: inconsistent with more than half of its (at least MIN_VOTES) voting
    neighbours; ``rate`` per value (a pair uses the larger of its two)."""
    n = x.shape[0]
    bad = np.zeros(n, np.int32)
    total = np.zeros(n, np.int32)
    for k in range(1, min(NEIGHBOURS, n - 1) + 1):
        dt = t[k:] - t[:-k]
        near = dt <= NEIGHBOUR_MAX_S
        d = x[k:] - x[:-k]
        if circular:
            d = (d + 180.0) % 360.0 - 180.0
        allowed = tol + np.maximum(rate[k:], rate[:-k]) * dt
        inc = near & (np.abs(d) > allowed)
        bad[k:] += inc
        bad[:-k] += inc
        total[k:] += near
        total[:-k] += near
    return np.asarray((total >= MIN_VOTES) & (2 * bad > total))


def _returning(t: Float, x: Float, tol: float, rate: Float, circular: bool = False) -> Bool:
    """Per value: inside a burst that returns. The series breaks between consecutive
    values the envelope cannot join; a run of at most NEIGHBOURS values between two
    such breaks is a burst when the values on either side of it can be joined and it
    is shorter than the runs on both sides (two sources interleaved on one address,
    alternating, are left alone: which one is right is unknown)."""
    n = x.shape[0]
    out = np.zeros(n, bool)
    if n < 3:
        return out

    def apart(i: Int, j: Int) -> Bool:
        d = x[j] - x[i]
        if circular:
            d = (d + 180.0) % 360.0 - 180.0
        return np.asarray(np.abs(d) > tol + np.maximum(rate[i], rate[j]) * (t[j] - t[i]))

    k = np.arange(n - 1)
    near = np.diff(t) <= NEIGHBOUR_MAX_S
    brk = apart(k, k + 1) & near  # value k+1 cannot follow value k
    cut = brk | ~near
    first = np.r_[0, np.flatnonzero(cut) + 1]  # runs between any breaks
    last = np.r_[first[1:] - 1, n - 1]
    size = last - first + 1
    inner = np.arange(1, first.size - 1)  # runs with a run on each side
    if inner.size == 0:
        return out
    f, la = first[inner], last[inner]
    ok = brk[f - 1] & brk[la] & (size[inner] <= NEIGHBOURS)
    ok &= size[inner] < np.minimum(size[inner - 1], size[inner + 1])
    ok &= (t[la + 1] - t[f - 1] <= NEIGHBOUR_MAX_S) & ~apart(f - 1, la + 1)
    mark = np.zeros(n + 1, np.int64)
    np.add.at(mark, f[ok], 1)
    np.add.at(mark, la[ok] + 1, -1)
    return np.asarray(np.cumsum(mark[:-1]) > 0)


def _field_denied(
    t: Float, x: Float, use: Bool, tol: float, rate: float | Float, circular: bool = False
) -> Bool:
    """Per value: denied by its neighbours' votes or inside a returning burst."""
    idx = np.flatnonzero(use & np.isfinite(x))
    out = np.zeros(x.shape[0], bool)
    if idx.size <= MIN_VOTES:
        return out
    r = np.broadcast_to(np.asarray(rate, np.float64), x.shape)[idx]
    ti, xi = t[idx], x[idx]
    out[idx] = _denied(ti, xi, tol, r, circular) | _returning(ti, xi, tol, r, circular)
    return out


@dataclass(frozen=True)
class _Reach:
    """How far the altitude can move between two reports: ``tol`` ft plus ``vmax``
    ft/s times the time between them."""

    tol: float
    vmax: float

    def joinable(self, x: Float, t: Float, i: Int | slice, j: Int | int) -> Bool:
        """Whether values ``i`` and ``j`` (``t[i] <= t[j]``) can both be right."""
        return np.asarray(np.abs(x[j] - x[i]) <= self.tol + self.vmax * (t[j] - t[i]))


def _chain_pieces(t: Float, x: Float, reach: _Reach, reach_s: float) -> list[tuple[int, int]]:
    """The stretches ``[a, b)`` of the values that need the chain: each holds at least
    one break (two consecutive values the envelope cannot join) and is bounded by a
    gap longer than ``reach_s`` or by the middle of a run without breaks spanning
    more than ``2 * reach_s`` (module docstring, *the longest consistent chain*)."""
    n = t.shape[0]
    k = np.arange(n - 1)
    brk = ~reach.joinable(x, t, k, k + 1)
    if not brk.any():
        return []
    gap = np.diff(t) > reach_s
    # runs without breaks or gaps: [first, last]
    edge = brk | gap
    first = np.r_[0, np.flatnonzero(edge) + 1]
    last = np.r_[first[1:] - 1, n - 1]
    cuts = [0]
    for f, la in zip(first.tolist(), last.tolist(), strict=True):
        if f > 0 and gap[f - 1]:
            cuts.append(f)  # a gap the envelope spans whatever the values
        if t[la] - t[f] > 2.0 * reach_s:
            mid = int(np.searchsorted(t, 0.5 * (t[f] + t[la])))
            cuts.append(mid)
    cuts.append(n)
    pieces = []
    for a, b in itertools.pairwise(sorted(set(cuts))):
        if b - a >= 2 and brk[a : b - 1].any():
            pieces.append((a, b))
    return pieces


def _longest_chain(t: Float, x: Float, reach: _Reach, reach_s: float) -> Bool:
    """Per value: kept by the longest chain of values in which every two consecutive
    ones are joinable (dynamic programming over the values within ``reach_s`` before
    each; farther ones are joinable whatever their values). A chain's length is the
    time its values hold, each value up to :data:`CHAIN_HOLD_S` (module docstring)."""
    n = t.shape[0]
    keep = np.ones(n, bool)
    hold = np.minimum(np.diff(t, append=np.inf), CHAIN_HOLD_S)
    for a, b in _chain_pieces(t, x, reach, reach_s):
        ts, xs, ws = t[a:b], x[a:b], hold[a:b]
        m = b - a
        lo = np.searchsorted(ts, ts - reach_s, side="left")
        best = np.zeros(m)  # longest chain ending at each value
        prev = np.full(m, -1, np.int64)
        top = np.zeros(m, np.int64)  # running argmax of best (latest on ties)
        for j in range(m):
            k0 = int(lo[j])
            score, p = 0.0, -1
            if k0 > 0:  # beyond reach: joinable whatever the values
                p = int(top[k0 - 1])
                score = float(best[p])
            if k0 < j:
                ok = reach.joinable(xs, ts, slice(k0, j), j)
                if ok.any():
                    cand = np.where(ok, best[k0:j], -1.0)
                    i = j - 1 - int(np.argmax(cand[::-1]))
                    if best[i] >= score:
                        score, p = float(best[i]), i
            best[j] = score + ws[j]
            prev[j] = p
            top[j] = j if j == 0 or best[j] >= best[top[j - 1]] else top[j - 1]
        chain = np.zeros(m, bool)
        j = int(top[m - 1])
        while j >= 0:
            chain[j] = True
            j = int(prev[j])
        keep[a:b] = chain
    return keep


def _fill_frozen_gaps(bad: Bool, gs: Float) -> Bool:
    """``bad`` with short unrejected stretches between two rejected runs set, where
    their speed is the runs' frozen one (:data:`FROZEN_GAP_REPORTS`)."""
    out = bad.copy()
    edge = np.diff(np.r_[0, bad.astype(np.int8), 0])
    starts, stops = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)  # [start, stop)
    for k in range(starts.size - 1):
        a, b = int(stops[k]), int(starts[k + 1])  # the unrejected stretch [a, b)
        if b - a > FROZEN_GAP_REPORTS:
            continue
        around = np.r_[gs[starts[k] : a], gs[b : stops[k + 1]]]
        around = around[np.isfinite(around)]
        gap = gs[a:b]
        if around.size and np.all(np.abs(gap - np.median(around)) <= FROZEN_SPEED_BAND_KT):
            out[a:b] = True
    return out


def _frozen_pair(
    t: Float, alt: Float, use: Bool, gs: Float, speed_bad: Bool, reach: _Reach
) -> Bool:
    """Per report: an altitude frozen with its speed (the ``alt_frozen`` rule, module
    docstring). Runs of consecutive altitude reports (rows ``use``) whose ground speed
    was rejected as impossible there (``speed_bad``: speed_min, speed_range; a report without one takes the speed state of the nearest report
    within :data:`HOLD_S`; a few unrejected ones with the frozen speed inside, see
    :data:`FROZEN_GAP_REPORTS`), whose altitude holds within
    :data:`FROZEN_SPREAD_FT`, and which the altitude before or the one after
    cannot join."""
    out = np.zeros(alt.shape[0], bool)
    idx = np.flatnonzero(use & np.isfinite(alt))
    if idx.size < FROZEN_MIN_REPORTS + 2:
        return out
    state = _nearest(t, np.where(np.isfinite(gs), speed_bad.astype(np.float64), np.nan), HOLD_S)
    bad = state[idx] == 1.0
    if not bad.any():
        return out
    bad = _fill_frozen_gaps(bad, _nearest(t, gs, HOLD_S)[idx])
    edge = np.diff(bad.astype(np.int8))
    first = np.flatnonzero(edge == 1) + 1  # runs with a report before and after them
    last = np.flatnonzero(edge == -1)
    if bad[0]:
        last = last[1:]
    first = first[: last.size]
    if first.size == 0:
        return out
    xi = alt[idx]
    # each run of rejected speeds is cut into its level pieces (the speed rules can
    # reject a few true values next to a frozen stretch)
    pieces: list[tuple[int, int]] = []
    for f, la in zip(first.tolist(), last.tolist(), strict=True):
        start, lo, hi = f, xi[f], xi[f]
        for j in range(f + 1, la + 2):
            if j <= la:
                lo2, hi2 = min(lo, xi[j]), max(hi, xi[j])
                if hi2 - lo2 <= FROZEN_SPREAD_FT:
                    lo, hi = lo2, hi2
                    continue
            if j - start >= FROZEN_MIN_REPORTS:
                pieces.append((start, j - 1))
            if j <= la:
                start, lo, hi = j, xi[j], xi[j]
    if not pieces:
        return out
    held = _nearest(t, gs, HOLD_S)[idx]
    pieces = [
        (p, q) for p, q in pieces
        if np.isfinite(held[p : q + 1]).any()
        and np.nanmax(held[p : q + 1]) - np.nanmin(held[p : q + 1]) <= 2 * FROZEN_SPEED_BAND_KT
    ]  # fmt: skip
    if not pieces:
        return out
    a = np.array([p[0] for p in pieces], np.int64)
    b = np.array([p[1] for p in pieces], np.int64)
    enter = ~reach.joinable(alt, t, idx[a - 1], idx[a])
    leave = ~reach.joinable(alt, t, idx[b], idx[b + 1])
    mark = np.zeros(idx.size + 1, np.int64)
    ok = enter | leave
    np.add.at(mark, a[ok], 1)
    np.add.at(mark, b[ok] + 1, -1)
    out[idx] = np.cumsum(mark[:-1]) > 0
    return out


def _reach_s(env: Envelope) -> float:
    """Time (s) beyond which the envelope joins any two altitudes of its range."""
    return (env.ceiling_ft - ALT_MIN_FT + ALT_TOL_FT) / (env.max_vrate_fpm / 60.0)


def _alt_denied(
    t: Float, alt: Float, use: Bool, reach: _Reach, reach_s: float
) -> tuple[Bool, Bool]:
    """Per altitude (rows ``use``): ``alt_burst`` and ``alt_chain`` (module docstring).
    The neighbours vote among the values the longest consistent chain keeps; a value
    outside the chain is a burst when the neighbours deny it among all values too."""
    idx = np.flatnonzero(use & np.isfinite(alt))
    off = np.zeros(alt.shape[0], bool)
    if idx.size >= 2:
        off[idx] = ~_longest_chain(t[idx], alt[idx], reach, reach_s)
    rate = reach.vmax
    everyone = _field_denied(t, alt, use, ALT_TOL_FT, rate)
    kept = _field_denied(t, alt, use & ~off, ALT_TOL_FT, rate)
    # a value the chain keeps is a burst by the vote among kept values only when the
    # nearest values left on both sides cannot join it either (a lone value
    # between two that agree with each other)
    kept &= _apart_from_both_sides(t, alt, use & ~off & ~kept, kept, reach)
    burst = kept | (everyone & off)
    return burst, off & ~burst


def _apart_from_both_sides(t: Float, x: Float, good: Bool, cand: Bool, reach: _Reach) -> Bool:
    """Per row: ``cand`` and not joinable with the nearest ``good`` row before it nor
    with the one after it."""
    n = x.shape[0]
    rows = np.arange(n)
    prev = np.maximum.accumulate(np.where(good, rows, -1))
    nxt = np.minimum.accumulate(np.where(good, rows, n)[::-1])[::-1]
    i = np.flatnonzero(cand & (prev >= 0) & (nxt < n))
    out = np.zeros(n, bool)
    before = ~reach.joinable(x, t, prev[i], i)
    after = ~reach.joinable(x, t, i, nxt[i])
    out[i] = before & after
    return out


def _runs_equal(t: Float, x: Float, idx: Int) -> tuple[Int, Int]:
    """Runs of exactly repeated values among the rows ``idx`` (consecutive valid rows,
    at most NEIGHBOUR_MAX_S apart): first and last position in ``idx`` of each."""
    xs, ts = x[idx], t[idx]
    brk = np.ones(idx.size, bool)
    brk[1:] = (xs[1:] != xs[:-1]) | (np.diff(ts) > NEIGHBOUR_MAX_S)
    first = np.flatnonzero(brk)
    last = np.r_[first[1:], idx.size] - 1
    return first, last


def _stuck_alt(t: Float, alt: Float, vr: Float, air: Bool) -> Bool:
    out = np.zeros(alt.shape[0], bool)
    idx = np.flatnonzero(air & np.isfinite(alt))
    if idx.size < STUCK_MIN_REPORTS:
        return out
    first, last = _runs_equal(t, alt, idx)
    dur = t[idx[last]] - t[idx[first]]
    count = last - first + 1
    # mean reported vertical rate over the run's rows (those that carry one)
    v = vr[idx]
    ok = np.isfinite(v)
    s = np.add.reduceat(np.where(ok, v, 0.0), first)
    c = np.add.reduceat(ok.astype(np.int64), first)
    mean_vr = np.where(c > 0, s / np.maximum(c, 1), 0.0)
    frozen = (
        (count >= STUCK_MIN_REPORTS)
        & (dur >= STUCK_MIN_S)
        & (np.abs(mean_vr) >= STUCK_MIN_VRATE_FPM)
        & (np.abs(mean_vr) * dur / 60.0 >= STUCK_MIN_CHANGE_FT)
    )
    # every report of a frozen run but its first (the last value that was right)
    mark = np.zeros(idx.size + 1, np.int64)
    np.add.at(mark, first[frozen] + 1, 1)
    np.add.at(mark, last[frozen] + 1, -1)
    out[idx] = np.cumsum(mark[:-1]) > 0
    return out


def _stuck_vrate(t: Float, alt: Float, vr: Float, air: Bool) -> Bool:
    out = np.zeros(vr.shape[0], bool)
    idx = np.flatnonzero(air & np.isfinite(vr))
    ia = np.flatnonzero(air & np.isfinite(alt))
    if idx.size < STUCK_MIN_REPORTS or ia.size < 2:
        return out
    first, last = _runs_equal(t, vr, idx)
    t0, t1 = t[idx[first]], t[idx[last]]
    dur = t1 - t0
    rate = vr[idx[first]]
    expected = rate * dur / 60.0
    # altitude over the run, where altitude reports lie inside it
    inside = np.searchsorted(t[ia], t1, "right") - np.searchsorted(t[ia], t0, "left")
    moved = np.interp(t1, t[ia], alt[ia]) - np.interp(t0, t[ia], alt[ia])
    frozen = (
        (last - first + 1 >= STUCK_MIN_REPORTS)
        & (dur >= STUCK_MIN_S)
        & (np.abs(rate) >= STUCK_MIN_VRATE_FPM)
        & (np.abs(expected) >= STUCK_MIN_CHANGE_FT)
        & (inside >= 2)
        & (moved * np.sign(expected) < STUCK_FOLLOW * np.abs(expected))
    )
    mark = np.zeros(idx.size + 1, np.int64)
    np.add.at(mark, first[frozen] + 1, 1)
    np.add.at(mark, last[frozen] + 1, -1)
    out[idx] = np.cumsum(mark[:-1]) > 0
    return out


def _window_median(x: Float, k: int) -> Float:
    """Median of the finite values of ``x`` within ``k`` samples on either side, on a
    regular grid; near the ends the window shrinks to stay centred (a value at an
    end is its own median: nothing on one side, nothing to judge it by)."""
    n = x.shape[0]
    out = np.array(x, np.float64)
    if n < 3:
        return out
    kk = min(k, (n - 1) // 2)
    block = max(1, 200_000 // (2 * kk + 1))  # bounded memory on long recordings
    for b in range(kk, n - kk, block):
        e = min(b + block, n - kk)
        win = np.lib.stride_tricks.sliding_window_view(x[b - kk : e + kk], 2 * kk + 1)
        ok = np.isfinite(win).any(axis=1)
        seg = out[b:e]
        seg[ok] = np.nanmedian(win[ok], axis=1)
    for i in (*range(min(kk, n)), *range(max(n - kk, kk), n)):
        h = min(i, n - 1 - i)
        w = x[i - h : i + h + 1]
        if np.isfinite(w).any():
            out[i] = float(np.nanmedian(w))
    return out


def far_from_median(t_s: ArrayLike, gs_kt: ArrayLike, use: ArrayLike | None = None) -> Bool:
    """Per report: a ground speed (on the rows ``use``) farther than
    :data:`SPEED_MEDIAN_TOL_KT` from the median of the speeds of those rows within
    :data:`SPEED_WINDOW_S` centred on it, the speed in force sampled every
    :data:`SPEED_GRID_S` (the ``speed_median`` rule, module docstring). Runs of
    speeds more than half a window apart are judged apart, each window kept
    centred inside its run (a speed at the start of a climb is not judged by the
    cruise after it alone)."""
    t = np.asarray(t_s, np.float64)
    gs = np.asarray(gs_kt, np.float64)
    ok_rows = np.isfinite(gs) if use is None else np.isfinite(gs) & np.asarray(use, bool)
    ok = np.flatnonzero(ok_rows)
    out = np.zeros(gs.shape[0], bool)
    if ok.size < 3:
        return out
    half = 0.5 * SPEED_WINDOW_S
    cuts = np.r_[0, np.flatnonzero(np.diff(t[ok]) > half) + 1, ok.size]
    k = round(half / SPEED_GRID_S)
    for a, b in itertools.pairwise(cuts):
        rows = ok[a:b]
        if rows.size < 3:
            continue
        tr, xr = t[rows], gs[rows]
        grid = np.arange(tr[0], tr[-1] + SPEED_GRID_S, SPEED_GRID_S)
        held = xr[np.searchsorted(tr, grid, side="right") - 1]
        med = np.interp(tr, grid, _window_median(held, k))
        far = np.abs(xr - med) > SPEED_MEDIAN_TOL_KT
        out[rows] = far & _held_runs(far, xr)
    return out


#: The ``speed_median`` rule rejects a far speed when it stands alone (a spike: its
#: neighbours are not far) or holds still with at least two consecutive far speeds
#: around it, within this band, kt: a frozen or corrupted source repeats a value
#: (the incident's frozen 52 kt with a 1-kt flicker) or wanders slowly (FR24's
#: spoofed THY9BP: 50-68 kt over 15 min at FL380), while real swings of more than
#: the median's tolerance move through it continuously (parabolic flights: 360 to
#: 200 kt within 20 s, 7 kt/s, traffic's zero_gravity sample; modelling choice).
SPEED_MEDIAN_HOLD_KT = 10.0


def _held_runs(far: Bool, x: Float) -> Bool:
    """Per value: ``far`` and alone, or in a piece of at least three consecutive far
    values within :data:`SPEED_MEDIAN_HOLD_KT` (module constants)."""
    out = np.zeros(far.shape[0], bool)
    edge = np.diff(np.r_[0, far.astype(np.int8), 0])
    for a, b in zip(
        np.flatnonzero(edge == 1).tolist(), np.flatnonzero(edge == -1).tolist(), strict=True
    ):
        if b - a == 1:
            out[a] = True
            continue
        start, lo, hi = a, float(x[a]), float(x[a])
        for j in range(a + 1, b + 1):
            if j < b:
                lo2, hi2 = min(lo, float(x[j])), max(hi, float(x[j]))
                if hi2 - lo2 <= SPEED_MEDIAN_HOLD_KT:
                    lo, hi = lo2, hi2
                    continue
            if j - start >= 3:
                out[start:j] = True
            if j < b:
                start, lo, hi = j, float(x[j]), float(x[j])
    return out


def _assign(code: Code, mask: Bool, rule: str) -> None:
    """Name ``rule`` where ``mask`` and no earlier rule fired."""
    code[mask & (code == 0)] = _CODE[rule]


@dataclass(frozen=True)
class BadValues:
    """Per report and field: the code of the rule that rejected the value (index into
    :data:`RULES`, 0 when it passed), and the envelope used."""

    alt_rule: Code
    speed_rule: Code
    vrate_rule: Code
    track_rule: Code
    envelope: Envelope

    def __len__(self) -> int:
        return int(self.alt_rule.shape[0])

    @property
    def alt_bad(self) -> Bool:
        return np.asarray(self.alt_rule > 0)

    @property
    def speed_bad(self) -> Bool:
        return np.asarray(self.speed_rule > 0)

    @property
    def vrate_bad(self) -> Bool:
        return np.asarray(self.vrate_rule > 0)

    @property
    def track_bad(self) -> Bool:
        return np.asarray(self.track_rule > 0)

    @property
    def any_bad(self) -> Bool:
        return np.asarray(self.alt_bad | self.speed_bad | self.vrate_bad | self.track_bad)

    def rules(self) -> list[str | None]:
        """Per report: the names of the rules that fired, comma-separated (None: none)."""
        table = np.asarray(RULES, dtype=object)
        cols = [
            table[c] for c in (self.alt_rule, self.speed_rule, self.vrate_rule, self.track_rule)
        ]
        out: list[str | None] = [None] * len(self)
        for i in np.flatnonzero(self.any_bad):
            out[i] = ",".join(str(c[i]) for c in cols if c[i])
        return out

    def counts(self) -> dict[str, int]:
        """How many values each rule rejected (rules that fired only)."""
        codes = np.concatenate([self.alt_rule, self.speed_rule, self.vrate_rule, self.track_rule])
        n = np.bincount(codes.astype(np.int64), minlength=len(RULES))
        return {RULES[i]: int(n[i]) for i in range(1, len(RULES)) if n[i]}

    def to_arrow(self) -> pa.Table:
        """``alt_bad``, ``speed_bad``, ``vrate_bad``, ``track_bad`` and ``rule`` per report."""
        return pa.table(
            {
                "alt_bad": pa.array(self.alt_bad),
                "speed_bad": pa.array(self.speed_bad),
                "vrate_bad": pa.array(self.vrate_bad),
                "track_bad": pa.array(self.track_bad),
                "rule": pa.array(self.rules(), pa.string()),
            }
        )

    def clean(self, series: Series) -> Series:
        """The series with every flagged value set to NaN."""
        if len(series) != len(self):
            raise UsageError(f"{len(self)} flags for {len(series)} reports")

        def drop(x: Float, bad: Bool) -> Float:
            return np.asarray(np.where(bad, np.nan, x))

        return replace(
            series,
            alt_ft=drop(series.alt_ft, self.alt_bad),
            gs_kt=drop(series.gs_kt, self.speed_bad),
            vrate_fpm=drop(series.vrate_fpm, self.vrate_bad),
            track_deg=drop(series.track_deg, self.track_bad),
        )


def _check(s: Series, env: Envelope) -> BadValues:
    n = len(s)
    t = s.t_s
    ground = on_ground(s)
    air = ~ground
    alt, gs, vr, trk = s.alt_ft, s.gs_kt, s.vrate_fpm, s.track_deg
    codes = {f: np.zeros(n, np.int8) for f in FIELDS}

    # absolute bounds
    _assign(codes["alt"], alt > env.ceiling_ft + ALT_TOL_FT, "alt_range")
    _assign(codes["speed"], gs > env.max_gs_kt + GS_TOL_KT, "speed_range")
    _assign(codes["speed"], ground & (gs > GROUND_MAX_GS_KT + GS_TOL_KT), "speed_ground")
    _assign(codes["vrate"], np.abs(vr) > env.max_vrate_fpm + VRATE_TOL_FPM, "vrate_range")

    # neighbours (values already out of range take no part)
    vacc_fpms = env.max_vaccel_mps2 * FPM_PER_MPS
    vr_ok = air & (codes["vrate"] == 0)
    _assign(codes["vrate"], _field_denied(t, vr, vr_ok, VRATE_TOL_FPM, vacc_fpms), "vrate_jump")
    # ... and the longest consistent chain
    vmax_fps = env.max_vrate_fpm / 60.0
    reach = _Reach(tol=ALT_TOL_FT, vmax=vmax_fps)
    alt_in = air & (codes["alt"] == 0)
    burst, chain = _alt_denied(t, alt, alt_in, reach, _reach_s(env))
    _assign(codes["alt"], burst, "alt_burst")
    _assign(codes["alt"], chain, "alt_chain")
    accel_kts = env.max_accel_mps2 * KT_PER_MPS
    gs_ok = codes["speed"] == 0
    _assign(codes["speed"], _field_denied(t, gs, gs_ok, GS_TOL_KT, accel_kts), "speed_jump")
    fast = air & (gs >= TRACK_MIN_GS_KT) & (codes["speed"] == 0)
    v_mps = np.maximum(np.where(np.isfinite(gs), gs, TRACK_MIN_GS_KT), TRACK_MIN_GS_KT) / KT_PER_MPS
    turn_dps = np.degrees(ISA_G0 * math.sqrt(env.load_factor**2 - 1.0) / v_mps)
    _assign(
        codes["track"],
        _field_denied(t, trk, fast, TRACK_TOL_DEG, turn_dps, circular=True),
        "track_jump",
    )

    # the slowest flight: with a trusted altitude only
    if env.min_cas_kt is not None:
        good_alt = np.where(codes["alt"] == 0, alt, np.nan)
        slow = air & (gs < min_ground_speed_kt(env, good_alt))
        _assign(codes["speed"], slow, "speed_min")

    # speeds far from the median of their minutes (after every other speed rule)
    _assign(codes["speed"], far_from_median(t, gs, air & (codes["speed"] == 0)), "speed_median")

    # an altitude frozen with its rejected speed; the chain is then drawn without it
    frozen = _frozen_pair(t, alt, alt_in, gs, codes["speed"] > 0, reach)
    if frozen.any():
        codes["alt"][alt_in] = 0
        _assign(codes["alt"], frozen, "alt_frozen")
        burst, chain = _alt_denied(t, alt, alt_in & ~frozen, reach, _reach_s(env))
        _assign(codes["alt"], burst, "alt_burst")
        _assign(codes["alt"], chain, "alt_chain")

    # frozen values, judged against the other field's good values
    good_vr = np.where(codes["vrate"] == 0, vr, np.nan)
    good_alt = np.where(codes["alt"] == 0, alt, np.nan)
    _assign(codes["alt"], _stuck_alt(t, alt, good_vr, air & (codes["alt"] == 0)), "alt_stuck")
    _assign(
        codes["vrate"],
        _stuck_vrate(t, good_alt, vr, air & (codes["vrate"] == 0)),
        "vrate_stuck",
    )
    return BadValues(codes["alt"], codes["speed"], codes["vrate"], codes["track"], env)


def _held(t: Float, x: Float) -> Float:
    """Per report: the last finite value at or before it, at most HOLD_S old."""
    fin = np.isfinite(x)
    last = np.maximum.accumulate(np.where(fin, np.arange(x.shape[0]), -1))
    ok = last >= 0
    k = np.maximum(last, 0)
    ok &= t - t[k] <= HOLD_S
    return np.asarray(np.where(ok, x[k], np.nan))


def infer_envelope(series: Series) -> Envelope:
    """:data:`TRANSPORT` for an aircraft seen in sustained jet cruise (values that
    pass :data:`ANY_AIRCRAFT` only), else :data:`ANY_AIRCRAFT`."""
    if len(series) == 0:
        return ANY_AIRCRAFT
    loose = _check(series, ANY_AIRCRAFT)
    t = series.t_s
    # raw Mode S carries altitude and velocity in different messages: pair each
    # report with the last good value of the other field within HOLD_S
    alt = _held(t, np.where(loose.alt_bad, np.nan, series.alt_ft))
    gs = _held(t, np.where(loose.speed_bad, np.nan, series.gs_kt))
    jet = ~on_ground(series) & (alt >= JET_EVIDENCE_ALT_FT) & (gs >= JET_EVIDENCE_GS_KT)
    dt = np.minimum(np.diff(t, append=t[-1]), NEIGHBOUR_MAX_S)
    return TRANSPORT if float(dt[jet].sum()) >= JET_EVIDENCE_S else ANY_AIRCRAFT


def flag_bad_values(
    reports: pa.Table | pa.RecordBatch | Series,
    envelope: Envelope | Literal["infer", "any", "transport"] = "infer",
) -> BadValues:
    """Flag the values no aircraft of the envelope could have (module docstring).

    ``reports``: one aircraft's reports sorted by time (a canonical report
    table or a :class:`Series`). ``envelope``: an :class:`Envelope`, a preset's
    name, or ``"infer"`` (:func:`infer_envelope`).
    """
    s = reports if isinstance(reports, Series) else Series.from_table(reports)
    if isinstance(envelope, str):
        if envelope == "infer":
            env = infer_envelope(s)
        elif envelope in ENVELOPES:
            env = ENVELOPES[envelope]
        else:
            raise UsageError(
                f"unknown envelope {envelope!r} (use infer, {', '.join(sorted(ENVELOPES))})"
            )
    else:
        env = envelope
    return _check(s, env)


def clean(reports: pa.Table, bad: BadValues) -> pa.Table:
    """The report table with every flagged value set to null (the rows stay)."""
    if reports.num_rows != len(bad):
        raise UsageError(f"{len(bad)} flags for {reports.num_rows} reports")
    out = reports
    fields = {
        "alt_baro_ft": bad.alt_bad,
        "alt_geom_ft": bad.alt_bad if _uses_geom(reports) else None,
        "gs_kt": bad.speed_bad,
        "vrate_fpm": bad.vrate_bad,
        "track_deg": bad.track_bad,
    }
    for name, mask in fields.items():
        if mask is None or name not in out.column_names or not mask.any():
            continue
        col = out.column(name)
        i = out.column_names.index(name)
        nulls = pa.nulls(out.num_rows, col.type)
        out = out.set_column(i, out.field(i), pc.if_else(pa.array(mask), nulls, col))
    return out


def _uses_geom(reports: pa.Table) -> bool:
    """Whether the altitude checked is the geometric one (no pressure altitude at all)."""
    names = reports.column_names
    if "alt_baro_ft" in names and reports.column("alt_baro_ft").null_count < reports.num_rows:
        return False
    return "alt_geom_ft" in names


__all__ = [
    "ANY_AIRCRAFT",
    "ENVELOPES",
    "RULES",
    "TRANSPORT",
    "BadValues",
    "Envelope",
    "Series",
    "clean",
    "far_from_median",
    "flag_bad_values",
    "infer_envelope",
    "max_wind_kt",
    "min_ground_speed_kt",
    "on_ground",
]
