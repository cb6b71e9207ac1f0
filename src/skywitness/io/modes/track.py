"""Positions of one aircraft from its CPR frames, across batches.

A frame is positioned, in order of preference, by: a global even/odd pair; a
local decode against the aircraft's own last accepted position (if recent
enough for the CPR zone size). An airborne pair needs nothing else. A surface
pair fixes the position only to one of eight candidates a quarter of the
globe apart, and needs a reference to choose: the aircraft's own last
accepted position (of up to :data:`SURFACE_PAIR_REF_MAX_AGE_S`), else the
receiver location if the user gave one (within
:data:`SURFACE_RECEIVER_MAX_NM` of the result, readsb's check); that reference
may be far away, unlike the 45 NM a single surface frame needs.

A frame with no position waits as *pending* until the aircraft's next
accepted position, which then resolves pending frames backwards in time (each
resolved frame becomes the reference for the one before it): taxiing before
take-off is positioned from the take-off (or, given the receiver location,
from the first surface pair), the first frame of a track from the pair that
follows it. A single surface
frame is never decoded against the receiver location: that is right only when
the aircraft is within 45 NM of the receiver, which a file cannot tell, and
wrong by whole zones otherwise (readsb does not do it either).

Every candidate position is checked against the previous accepted one: a
move faster than :data:`POSITION_MAX_SPEED_KT` is rejected. Two consecutive
rejected positions that agree with each other replace the track (the first
accepted position was wrong, or the aircraft's reported position really
jumped, as under GNSS spoofing: that jump must stay visible).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from skywitness.io.modes.cpr import airborne_pair, distance_nm, local, surface_pair

NS = 1_000_000_000
#: Faster than any aircraft that transmits ADS-B in normal service (civil
#: ground speeds stay under ~750 kt even in a jet stream); CPR decoding errors
#: are zone-sized (tens to hundreds of NM), so a loose limit still catches them.
POSITION_MAX_SPEED_KT = 1000.0
#: Distance always allowed between two positions, whatever the time between
#: them: receiver timestamps of merged feeds jitter by up to ~1 s, and 0.5 NM
#: covers that at 1000 kt with margin for CPR resolution (5 m airborne).
JUMP_SLACK_NM = 0.5
#: An even/odd pair is combined only if received this close together
#: (DO-260B A.1.7.3: both frames must describe nearly the same position; 10 s
#: is the window readsb, rs1090 and pyModeS use).
CPR_PAIR_MAX_S = 10.0
#: Surface pairs: 50 s when the frame's ground speed is at most 25 kt, else
#: 25 s (readsb track.c updatePosition; at 25 kt an aircraft moves 0.35 NM in
#: 50 s, well inside the 5 NM a surface zone tolerates).
SURFACE_PAIR_MAX_S = 25.0
SURFACE_PAIR_SLOW_MAX_S = 50.0
SURFACE_SLOW_KT = 25.0
#: A surface pair's four longitudes lie 90 degrees apart: a reference within
#: 45 degrees chooses right. In 30 min at POSITION_MAX_SPEED_KT an aircraft
#: covers 500 NM, under 45 degrees of longitude up to latitude 79 degrees (the
#: northernmost airports with surface traffic, Svalbard, are at 78).
SURFACE_PAIR_REF_MAX_AGE_S = 1800.0
#: A surface position decoded with the receiver as reference must lie within
#: 450 km (243 NM) of it (readsb track.c doGlobalCPR): far beyond any
#: receiver's radio horizon for a transmitter on the ground.
SURFACE_RECEIVER_MAX_NM = 450.0 / 1.852
#: Airborne local decoding needs a reference within 180 NM (half an airborne
#: latitude zone). 600 s at POSITION_MAX_SPEED_KT is 167 NM, inside that.
AIRBORNE_REF_MAX_AGE_S = 600.0
#: Surface local decoding needs a reference within 45 NM. From the aircraft's
#: own last position, 300 s covers at most 42 NM even at 500 kt (taxiing is
#: below 50 kt; below 10,000 ft aircraft fly at most 250 kt, ICAO Doc 4444 /
#: FAA 91.117), so the reference is always close enough.
SURFACE_REF_MAX_AGE_S = 300.0
#: Frames without a time (plain AVR lines) cannot be checked against a speed:
#: pairs and references are then used whatever their age, and a position is
#: only refused if it is this far from the previous one. A wrong reference
#: shifts a position by whole CPR zones, about 90 NM on the surface and 360 NM
#: airborne (DO-260B A.1.7: zones are 1.5 / 6 degrees of latitude, and as wide
#: in longitude); real moves between two receptions of one aircraft in a live
#: capture are a few NM.
UNTIMED_MAX_JUMP_NM = 40.0


class Fix(NamedTuple):
    t_ns: int
    lat: float
    lon: float


class Pending(NamedTuple):
    t_ns: int
    surface: bool
    odd: bool
    lat_cpr: int
    lon_cpr: int
    row: dict[str, Any]  # the report row, given lat/lon when resolved
    timed: bool = True  # False: the frame's time is unknown (plain AVR)
    gs_kt: float | None = None  # ground speed carried by a surface frame


@dataclass
class PositionStats:
    frames: int = 0  # position frames seen
    decoded: int = 0  # positions emitted
    rejected: int = 0  # candidates refused as impossible jumps
    switched: int = 0  # times two agreeing positions replaced the track
    unresolved: int = 0  # frames left without position (no reference ever)


def _max_age_ns(surface: bool) -> int:
    return int((SURFACE_REF_MAX_AGE_S if surface else AIRBORNE_REF_MAX_AGE_S) * NS)


def _pair_max_ns(frame: Pending) -> int:
    if not frame.surface:
        return int(CPR_PAIR_MAX_S * NS)
    slow = frame.gs_kt is not None and frame.gs_kt <= SURFACE_SLOW_KT
    return int((SURFACE_PAIR_SLOW_MAX_S if slow else SURFACE_PAIR_MAX_S) * NS)


def plausible(ref: Fix, t_ns: int, lat: float, lon: float, timed: bool = True) -> bool:
    """Could the aircraft have moved from ``ref`` to (lat, lon) by ``t_ns``?"""
    if timed:
        hours = abs(t_ns - ref.t_ns) / NS / 3600.0
        limit = POSITION_MAX_SPEED_KT * hours + JUMP_SLACK_NM
    else:
        limit = UNTIMED_MAX_JUMP_NM
    return distance_nm(ref.lat, ref.lon, lat, lon) <= limit


def _young(age_ns: int, surface: bool, timed: bool) -> bool:
    """Is a reference (or pair partner) ``age_ns`` old still usable?"""
    return not timed or abs(age_ns) <= _max_age_ns(surface)


class Track:
    """CPR state of one aircraft: last fix, last even/odd frames, pending frames."""

    __slots__ = ("challenger", "frames", "last", "pending")

    def __init__(self) -> None:
        self.last: Fix | None = None
        self.challenger: Fix | None = None
        #: Latest frame by (surface, odd): (t_ns, lat_cpr, lon_cpr).
        self.frames: dict[tuple[bool, bool], tuple[int, int, int]] = {}
        self.pending: list[Pending] = []

    def locate(
        self,
        frame: Pending,
        stats: PositionStats,
        receiver: tuple[float, float] | None = None,
    ) -> None:
        """Position one CPR frame (sets lat/lon on its row) or keep it pending.

        ``receiver``: the receiver location, used only to choose among the
        candidates of a surface pair when the aircraft has no recent position.
        """
        stats.frames += 1
        pos = self._pair(frame, receiver)
        last = self.last
        if (
            pos is None
            and last is not None
            and _young(last.t_ns - frame.t_ns, frame.surface, frame.timed)
        ):
            pos = local(frame.surface, frame.odd, frame.lat_cpr, frame.lon_cpr, last.lat, last.lon)
        if pos is None:
            self.pending.append(frame)
            return
        if self._accept(frame.t_ns, pos[0], pos[1], stats, frame.timed):
            frame.row["lat"], frame.row["lon"] = pos
            stats.decoded += 1
            if self.pending:
                self._resolve_pending(stats)

    def _pair(
        self, frame: Pending, receiver: tuple[float, float] | None
    ) -> tuple[float, float] | None:
        """Global decode with the latest frame of the other parity, if close in time."""
        t_ns, surface, odd = frame.t_ns, frame.surface, frame.odd
        mine = (t_ns, frame.lat_cpr, frame.lon_cpr)
        self.frames[(surface, odd)] = mine
        other = self.frames.get((surface, not odd))
        if other is None or (frame.timed and abs(t_ns - other[0]) > _pair_max_ns(frame)):
            return None
        even, odd_f = (other[1:], mine[1:]) if odd else (mine[1:], other[1:])
        if not surface:
            return airborne_pair(even, odd_f, latest_odd=odd)
        last = self.last
        if last is not None and (
            not frame.timed or abs(t_ns - last.t_ns) <= SURFACE_PAIR_REF_MAX_AGE_S * NS
        ):
            return surface_pair(even, odd_f, odd, last.lat, last.lon)
        if receiver is None:
            return None
        pos = surface_pair(even, odd_f, odd, receiver[0], receiver[1])
        if pos is None or distance_nm(*receiver, *pos) > SURFACE_RECEIVER_MAX_NM:
            return None
        return pos

    def _accept(self, t_ns: int, lat: float, lon: float, stats: PositionStats, timed: bool) -> bool:
        fix = Fix(t_ns, lat, lon)
        if self.last is None or plausible(self.last, t_ns, lat, lon, timed):
            self.last, self.challenger = fix, None
            return True
        if self.challenger is not None and plausible(self.challenger, t_ns, lat, lon, timed):
            stats.switched += 1
            self.last, self.challenger = fix, None
            return True
        stats.rejected += 1
        self.challenger = fix
        return False

    def _resolve_pending(self, stats: PositionStats) -> None:
        """Position pending frames backwards from the fix just accepted."""
        assert self.last is not None
        ref = self.last
        for k in range(len(self.pending) - 1, -1, -1):
            p = self.pending[k]
            if not _young(ref.t_ns - p.t_ns, p.surface, p.timed):
                stats.unresolved += k + 1  # older frames are further still
                break
            pos = local(p.surface, p.odd, p.lat_cpr, p.lon_cpr, ref.lat, ref.lon)
            if pos is None or not plausible(ref, p.t_ns, pos[0], pos[1], p.timed):
                stats.rejected += 1
                continue
            p.row["lat"], p.row["lon"] = pos
            stats.decoded += 1
            ref = Fix(p.t_ns, pos[0], pos[1])
        self.pending = []

    def expired(self, now_ns: int) -> bool:
        """True when no future fix can resolve the pending frames any more."""
        if not self.pending:
            return False
        newest = self.pending[-1]
        return newest.timed and now_ns - newest.t_ns > _max_age_ns(newest.surface)

    def give_up(self, stats: PositionStats) -> None:
        """No reference will come: the pending frames stay without position."""
        stats.unresolved += len(self.pending)
        self.pending = []
