"""Spoofing detectors that check positions against the rest of the flight state.

``kinematic``
    Three tests, any of which flags a report:

    * *dead reckoning*: each new position (a track event, see
      :func:`~skywitness.gnss.spoofing.kernels.track_events`) is compared with
      the one at least :data:`KINEMATIC_WINDOW_S` earlier: the distance
      between them against the distance flown on the ground speed and track
      reported in between (:func:`~skywitness.gnss.spoofing.kernels.dead_reckoning`).
      Positions running at 1,500 kt while the velocity says 450 kt fail; a
      position gap that ends where dead reckoning says passes. Only spans
      with a live velocity all along (at most 15 min) are judged: while GNSS
      is jammed the GNSS velocity goes too, and nothing is compared. A
      position held still is the ``frozen`` detector's to judge. A failed
      comparison is laid on the later position only when the earlier one is
      otherwise plausible (:meth:`Kinematic.implausible`): the flags end at
      the first true position after a spoofed stretch, not a window later.
    * *flight envelope*: a ground speed no aircraft can fly at its level,
      such as 50 kt at FL380 (:func:`min_ground_speed_kt`).
    * *air data*: ground speed and true airspeed (from the air data computer,
      not GNSS) differ by more than the strongest wind on record.
``altitude``
    GNSS (geometric) altitude differs from pressure altitude by more than
    weather can explain (:func:`max_altitude_offset_ft`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skywitness.gnss.spoofing.kernels import (
    FLAGGED,
    TIME_SLACK_S,
    VELOCITY_MAX_AGE_S,
    Bool,
    Float,
    SpoofBatch,
    Verdict,
    dead_reckoning_error,
    debounce,
    group_ids,
    track_events,
    verdicts,
    worst,
)
from skywitness.model.units import M_PER_FT, NS_PER_S
from skywitness.track.reckon import last_index

#: Each new position is checked against one at least this much earlier: long
#: enough that the fixed allowances (position error, 15 s of timing) are small
#: against the distance flown (7.5 NM at 450 kt), short enough that a spoofed
#: stretch is caught within a minute.
KINEMATIC_WINDOW_S = 60.0
#: The flight-envelope test applies from this pressure altitude: FL290 is the
#: floor of RVSM airspace (ICAO Doc 9574), where only RVSM-approved aircraft
#: fly, in practice jets and fast turboprops. Lower down, turboprops loiter
#: slowly into strong winds (the TV-relay aircraft of the sample
#: ``tour_de_france`` holds 22 kt over the ground at FL260 into the mistral).
#: Gliders in mountain wave above FL290 would be flagged.
ENVELOPE_MIN_FT = 29000.0
#: ... up to this one: FL510 is the certified ceiling of the highest civil jets;
#: above it fly balloons and special aircraft with their own speeds.
ENVELOPE_MAX_FT = 51000.0
#: Lowest equivalent airspeed flown at these levels: 1.3 times the ~115 KEAS
#: clean stall speed of the slowest turbine types certified there (King Air
#: 350, light jets), the usual minimum operating margin (CS-25 / FAR 25
#: reference speeds are 1.23-1.3 V_S). At FL380 it is 288 kt true.
MIN_EAS_KT = 150.0
#: Headwind allowed by the flight-envelope test: jet-stream cores rarely exceed
#: 200 kt (WMO: jet streams are 60-200+ kt); combined with the lowest airspeed
#: above, it bounds how slow an aircraft can go over the ground.
ENVELOPE_HEADWIND_KT = 200.0
#: Strongest wind on record in the upper air (~250 kt, jet stream over Japan):
#: ground speed and true airspeed cannot differ by more.
WIND_RECORD_KT = 250.0
#: Allowance for comparing ground speed and true airspeed from different
#: messages up to VELOCITY_MAX_AGE_S apart: 2 kt/s, a firm acceleration, for 15 s.
AIRSPEED_SLACK_KT = 30.0
#: GNSS minus pressure altitude at sea level: +-37 hPa of sea-level pressure
#: (976-1,050 hPa, nearly all weather outside tropical cyclones) at ~27 ft/hPa
#: is +-1,000 ft; ADS-B's geometric altitude is height above the WGS84
#: ellipsoid, which differs from mean sea level by the geoid (-106 to +85 m,
#: EGM96): +-300 ft more.
ALT_OFFSET_BASE_FT = 1300.0
#: Above the ground the difference grows with height: each layer's thickness
#: scales with its absolute temperature (hypsometric equation), so a column
#: +-15 K off ISA on average (~250 K) stretches or shrinks heights by +-6 %.
#: Observed: +1,825 ft at FL320 over Central America, -1,250 ft near FL240
#: over Montana (readsb sample trace), both inside the bound.
ALT_OFFSET_FRACTION = 0.06
#: The bound never exceeds this: DO-260B sends the difference between GNSS
#: and pressure altitude in 25 ft steps up to 3,137.5 ft (BDS 0,9), and marks
#: anything larger as "more than 3,137.5 ft", the range its designers gave
#: normal weather. A bound above it could never fire on altitudes derived from
#: that field; FR24's record of the spoofed THY9BP flight shows exactly
#: +-3,150 ft (saturated) while spoofed. Extreme cold (Siberian winter,
#: column < -15 K) can exceed the cap without spoofing.
ALT_OFFSET_CAP_FT = 3100.0


def density_ratio(alt_ft: Float) -> Float:
    """ISA air density relative to sea level at pressure altitude ``alt_ft`` (ICAO Doc 7488)."""
    h = np.asarray(alt_ft, dtype=np.float64) * M_PER_FT
    troposphere = np.clip(1.0 - 2.25577e-5 * h, 1e-6, None) ** 4.25588
    stratosphere = 0.29707 * np.exp(-(h - 11000.0) / 6341.62)
    return np.asarray(np.where(h <= 11000.0, troposphere, stratosphere))


def min_ground_speed_kt(alt_ft: Float) -> Float:
    """Lowest ground speed at ``alt_ft``: MIN_EAS_KT as true airspeed into ENVELOPE_HEADWIND_KT.

    41 kt at FL290, 88 kt at FL380, 110 kt at FL410; NaN outside
    [ENVELOPE_MIN_FT, ENVELOPE_MAX_FT].
    """
    alt = np.asarray(alt_ft, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        tas = MIN_EAS_KT / np.sqrt(density_ratio(alt))
        inside = (alt >= ENVELOPE_MIN_FT) & (alt <= ENVELOPE_MAX_FT)
    return np.asarray(np.where(inside, tas - ENVELOPE_HEADWIND_KT, np.nan))


def max_altitude_offset_ft(alt_baro_ft: Float) -> Float:
    """Largest |GNSS - pressure altitude| weather explains at ``alt_baro_ft``.

    ALT_OFFSET_BASE_FT + ALT_OFFSET_FRACTION x altitude, capped at
    ALT_OFFSET_CAP_FT: 1,300 ft at sea level, 2,500 ft at FL200, 3,100 ft
    from FL300 up.
    """
    alt = np.abs(np.asarray(alt_baro_ft, dtype=np.float64))
    return np.asarray(np.minimum(ALT_OFFSET_BASE_FT + ALT_OFFSET_FRACTION * alt, ALT_OFFSET_CAP_FT))


@dataclass(frozen=True)
class Kinematic:
    """Positions against reported velocity, the flight envelope and air data."""

    window_s: float = KINEMATIC_WINDOW_S
    wind_record_kt: float = WIND_RECORD_KT
    airspeed_slack_kt: float = AIRSPEED_SLACK_KT

    @property
    def name(self) -> str:
        return "kinematic"

    def flags(self, batch: SpoofBatch) -> Bool:
        if len(batch) == 0:
            return np.zeros(0, dtype=bool)
        verdict = worst(self.dead_reckoning(batch), self.envelope(batch), self.air_data(batch))
        return debounce(verdict, batch)

    def dead_reckoning(self, batch: SpoofBatch) -> Verdict:
        """Each track event against the one >= window_s earlier, by dead reckoning."""
        n = len(batch)
        new = np.flatnonzero(track_events(batch))
        evaluated = np.zeros(n, dtype=bool)
        failed = np.zeros(n, dtype=bool)
        if new.size >= 2:
            segment = group_ids(batch.segment_start)[new]
            sec = batch.seconds[new]
            width = float(sec.max()) + 2 * self.window_s + 1.0
            key = segment * width + sec  # increasing: rows are sorted by segment, time
            j = np.searchsorted(key, key - self.window_s, side="right") - 1
            valid = (j >= 0) & (segment[np.maximum(j, 0)] == segment)
            i_rows, j_rows = new[valid], new[j[valid]]
            err, tol, covered = dead_reckoning_error(batch, j_rows, i_rows)
            # A failed comparison says one of the two positions is off. It is laid
            # on the later one only when the earlier one is otherwise plausible: a
            # reference inside a spoofed stretch (its ground speed or GNSS altitude
            # already implausible) says nothing against the true positions that
            # follow it, which would otherwise stay flagged for a window after the
            # spoofing ends.
            judged = covered & ~self.implausible(batch)[j_rows]
            evaluated[i_rows] = judged
            failed[i_rows] = judged & (err > tol)
        return verdicts(evaluated, failed)

    def implausible(self, batch: SpoofBatch) -> Bool:
        """Rows whose ground speed is out of the flight envelope or against the air data,
        or whose GNSS altitude is off pressure altitude beyond weather (raw verdicts)."""
        suspect = worst(self.envelope(batch), self.air_data(batch))
        return np.asarray((suspect == FLAGGED) | (AltitudeDivergence().verdicts(batch) == FLAGGED))

    def envelope(self, batch: SpoofBatch) -> Verdict:
        """Ground speeds too low for the level (NaN where the envelope does not apply)."""
        gs = batch.gs_kt
        alt = batch.altitude_ft
        floor = min_ground_speed_kt(alt)
        evaluated = np.isfinite(gs) & np.isfinite(alt)
        with np.errstate(invalid="ignore"):
            failed = evaluated & np.isfinite(floor) & (gs < floor)
        return verdicts(evaluated, failed)

    def air_data(self, batch: SpoofBatch) -> Verdict:
        """Ground speed against the latest true airspeed (<= VELOCITY_MAX_AGE_S old)."""
        tas_known = np.isfinite(batch.tas_kt)
        last = last_index(tas_known, batch.segment_start)
        src = np.maximum(last, 0)
        age_s = (batch.time_ns - batch.time_ns[src]) / NS_PER_S
        tas = np.where((last >= 0) & (age_s <= VELOCITY_MAX_AGE_S), batch.tas_kt[src], np.nan)
        evaluated = np.isfinite(batch.gs_kt) & np.isfinite(tas)
        with np.errstate(invalid="ignore"):
            failed = evaluated & (
                np.abs(batch.gs_kt - tas) > self.wind_record_kt + self.airspeed_slack_kt
            )
        return verdicts(evaluated, failed)


@dataclass(frozen=True)
class AltitudeDivergence:
    """GNSS altitude off pressure altitude beyond :func:`max_altitude_offset_ft`.

    Each GNSS altitude value is compared with the pressure altitude of when it
    was reported (its first appearance; the pressure altitude then, at most
    TIME_SLACK_S older): a pipeline that repeats the last GNSS altitude
    through a descent (the sample ``savan`` collection) does not make it
    diverge, while a spoofed value stays flagged for as long as it is held.
    """

    base_ft: float = ALT_OFFSET_BASE_FT
    fraction: float = ALT_OFFSET_FRACTION
    cap_ft: float = ALT_OFFSET_CAP_FT

    @property
    def name(self) -> str:
        return "altitude"

    def flags(self, batch: SpoofBatch) -> Bool:
        return debounce(self.verdicts(batch), batch)

    def verdicts(self, batch: SpoofBatch) -> Verdict:
        """Raw verdicts, before debouncing."""
        geom = batch.alt_geom_ft
        seg = batch.segment_start
        rows = np.flatnonzero(np.isfinite(geom))
        appears = np.zeros(len(batch), dtype=bool)
        if rows.size:
            v = geom[rows]
            new = np.ones(rows.size, dtype=bool)
            new[1:] = v[1:] != v[:-1]
            appears[rows[new]] = True
        since = last_index(appears | seg, seg)  # where the value in force appeared
        baro_at = last_index(np.isfinite(batch.altitude_ft), seg)[np.maximum(since, 0)]
        ref = np.maximum(baro_at, 0)
        t = batch.time_ns
        fresh = (baro_at >= 0) & (t[np.maximum(since, 0)] - t[ref] <= TIME_SLACK_S * NS_PER_S)
        baro = batch.altitude_ft[ref]
        evaluated = np.isfinite(geom) & (since >= 0) & fresh
        bound = np.minimum(self.base_ft + self.fraction * np.abs(baro), self.cap_ft)
        with np.errstate(invalid="ignore"):
            failed = evaluated & (np.abs(geom - baro) > bound)
        return verdicts(evaluated, failed)
