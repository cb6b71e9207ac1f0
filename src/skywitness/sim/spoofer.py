"""The spoofer model: which aircraft report false positions, when, and what they report.

This decides which simulated *records* carry a false position; nothing here
models a transmitted signal beyond a link budget that turns power into a
range, as for the jammer (:mod:`skywitness.sim.jammer`).

Geometry. An aircraft is within a spoofer's reach when the spoofer is active,
the aircraft is within radio line of sight (the jammer's 4/3 Earth radio
horizon) and within ``range_km``, the distance at which the spoofer's signals
dominate the authentic ones (:func:`effective_range_km`). When several
spoofers reach it, the one with the smallest distance relative to its range
(the strongest at the receiver) owns the second. A world model
(:mod:`skywitness.sim.world`) shapes the reach as it shapes a jammer's zone
(antenna height, pattern, range law, terrain masking, line-of-sight altitude).

Dynamics, per aircraft (one receiver, one behaviour, drawn once per aircraft
as :class:`Receiver`; per-episode jitter on the delays):

1. *Onset*. The first false report comes an onset delay after the aircraft
   comes within reach. A reach shorter than the delay leaves no trace.
2. *Frozen* (a share of the aircraft, ``freeze_share``). The receiver holds
   its last solution: position, geometric altitude, ground speed, track and
   geometric rate stay at the values of the second before the onset, for
   ``freeze_s``.
3. *Attracted*. The receiver follows the spoofed solution: positions near
   the attractor (``pattern = "attractor"``: a slow wander of at most
   ``spread_km`` around it) or on a circle (``pattern = "circle"``: each
   aircraft at its own angle, drifting slowly along the circle, with the same
   wander). Ground speed and track are those of the false motion: low speed
   (the wander stays below about 20 kt, the drift below 15 kt) and a
   wandering track.
   Geometric altitude is the false positions' altitude (``alt_ft``, with a
   wander of tens of feet), so it departs from the barometric altitude, which
   comes from the air data computer and stays true, as do heading, airspeeds
   and the barometric rate.
4. *Recovering*. After the aircraft leaves the reach (or the spoofer stops)
   the receiver stays captured for a recovery delay before it re-acquires the
   authentic signals and its integrity monitoring accepts them; the false
   positions go on as in the attracted phase. Then the position jumps back
   to the truth.

A new reach starting before the previous recovery ends continues the same
episode. A share of the aircraft (``trusted_share``) keep their healthy
NIC/NACp throughout: the spoofed solution is self-consistent and nothing in
the receiver flags it; the others report the low integrity and accuracy of
:data:`SPOOFED_NIC` and :data:`SPOOFED_NAC_P`. A jamming loss
(:mod:`skywitness.sim.jammer`) takes precedence: no position at all is
reported while GNSS is lost, spoofer or not. MLAT positions never depend on
GNSS and are never spoofed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywitness.model.geo import destination, distance_m
from skywitness.model.units import KT_PER_MPS
from skywitness.sim import jammer
from skywitness.sim.flight import Trajectory
from skywitness.sim.model import Geometry, Spoofer

Float = NDArray[np.float64]

# -- link budget ------------------------------------------------------------------------

#: Minimum received power of the authentic GPS L1 C/A signal near the Earth's
#: surface, dBm (IS-GPS-200: -158.5 dBW).
AUTHENTIC_L1_DBM = -128.5
#: How far the spoofed signals must exceed the authentic ones before the
#: receiver's tracking loops follow them, dB (modelling choice: a few dB).
CAPTURE_MARGIN_DB = 3.5
#: Spoofer power at the receiver input at which it captures it, dBm.
CAPTURE_DBM = AUTHENTIC_L1_DBM + CAPTURE_MARGIN_DB
#: Range (km) of a 1 W spoofer with the jammer's budget (emitter and aircraft
#: antenna gains, free-space loss at L1) and :data:`CAPTURE_DBM`: about 270 km.
#: Range scales with the square root of power, as for the jammer.
RANGE_KM_AT_1W: float = 10.0 ** (
    (
        30.0
        + jammer.EMITTER_GAIN_DBI
        + jammer.AIRCRAFT_GAIN_DBI
        - CAPTURE_DBM
        - jammer.FSPL_1KM_L1_DB
    )
    / 20.0
)

# -- receiver dynamics (defaults; a scenario may override the ranges) --------------------

#: Onset delay (s) between coming within reach and the first false report. A
#: spoofer that does not align its signals with the authentic ones first breaks
#: tracking; the receiver then acquires the dominant signals and computes a
#: fix, which takes seconds to tens of seconds (modelling choice).
ONSET_S = (5.0, 30.0)
#: How long a freezing receiver holds its last solution, s. Public ADS-B
#: reports of spoofed flights show positions stuck for one to several minutes
#: before the jump (modelling choice within that range).
FREEZE_S = (60.0, 300.0)
#: Recovery delay (s) after the reach ends: the receiver must drop the spoofed
#: solution, re-acquire the authentic signals and pass fault detection; a
#: spoofed clock or almanac slows this down (modelling choice: half a minute
#: to five minutes).
RECOVERY_S = (30.0, 300.0)
#: Default share of spoofed aircraft whose NIC/NACp stay healthy, and of those
#: whose position freezes first (modelling choices; a scenario sets its own).
TRUSTED_SHARE = 0.5
FREEZE_SHARE = 0.3
#: Default radius of the false positions' wander around the attractor or the
#: circle, km (the clusters at the attracting place in public reports are
#: about a kilometre across).
SPREAD_KM = 1.0
#: Quality reported by untrusted spoofed receivers: NIC 0-4 (Rc unknown to
#: 2 NM) and NACp 0-3 (EPU unknown to 1 NM), DO-260B tables 2-14 and 2-70;
#: below the jammer fringe's NIC 5-7 / NACp 4-7 (modelling choice: fault
#: detection notices the inconsistency but does not exclude the solution).
SPOOFED_NIC = (0, 4)
SPOOFED_NAC_P = (0, 3)
SPOOFED_NAC_V_MAX = 1

# -- false motion ---------------------------------------------------------------------------

#: Wander: a sum of sinusoids per axis; periods of 10-30 min keep the false
#: speed below about 20 kt for a spread of :data:`SPREAD_KM` (modelling
#: choice: "low ground speed and a wandering track"). Periods grow in
#: proportion to larger spreads, so the speed bound holds for any spread.
WANDER_TERMS = 3
WANDER_PERIOD_S = (600.0, 1800.0)
#: Amplitude of the false geometric altitude's wander, ft (modelling choice).
ALT_WANDER_FT = 60.0
#: Speed of the drift along the circle, kt, either way (modelling choice).
CIRCLE_DRIFT_KT = (2.0, 15.0)
#: Reported phases, per second.
NONE, FROZEN, ATTRACTED, RECOVERING = 0, 1, 2, 3
PHASES = {FROZEN: "frozen", ATTRACTED: "attracted", RECOVERING: "recovering"}
#: Quality fields of a second nobody caps (above any NIC, NACp, NACv).
UNCAPPED = 127


def effective_range_km(power_w: float) -> float:
    """Distance within which a ``power_w`` spoofer captures receivers (free space), km."""
    return RANGE_KM_AT_1W * math.sqrt(power_w)


def zone(
    spoofer: Spoofer,
    t_s: NDArray[np.int64],
    lat: Float,
    lon: Float,
    height_m: Float,
    geometry: Geometry | None = None,
) -> tuple[NDArray[np.bool_], Float, Float | float]:
    """Within reach per sample (active, in range and line of sight), ground distance
    (km) and the range in the aircraft's direction (km).

    ``geometry`` (a world model's, :mod:`skywitness.sim.world`) shapes the reach
    as the jammer's (:func:`skywitness.sim.jammer.zone`): antenna height,
    pattern, range law and terrain masking; without one it is the disc of
    ``range_km`` within the smooth-Earth horizon.
    """
    dist_km = distance_m(lat, lon, spoofer.lat, spoofer.lon) / 1000.0
    active = jammer.active_mask(spoofer, t_s)
    range_km, _, azimuth = jammer.reach_km(spoofer, lat, lon, geometry)
    if geometry is None or azimuth is None:
        horizon = jammer.radio_horizon_km(height_m, spoofer.height_m)
        inside = active & (dist_km <= range_km) & (dist_km <= horizon)
    else:
        inside = active & (dist_km <= range_km)
        inside &= jammer.line_of_sight(dist_km, height_m, azimuth, geometry)
    return np.asarray(inside), np.asarray(dist_km), range_km


@dataclass(frozen=True)
class Receiver:
    """One aircraft's behaviour under spoofing: uniform draws in [0, 1), compared
    with each spoofer's shares and mapped onto its delay ranges."""

    trusted_u: float
    freeze_u: float
    freeze_s_u: float
    onset_u: float
    recovery_u: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Receiver:
        u = rng.random(5)
        return cls(*(float(x) for x in u))


def _lerp(bounds: tuple[float, float], u: float) -> float:
    return bounds[0] + u * (bounds[1] - bounds[0])


@dataclass(frozen=True)
class _Motion:
    """The false motion of one episode: wander terms per axis and the circle drift."""

    amp_m: Float  # (2, WANDER_TERMS): east, north
    omega: Float  # (2, WANDER_TERMS), rad/s
    phase: Float  # (2, WANDER_TERMS), rad
    alt_amp_ft: Float  # (WANDER_TERMS,)
    alt_omega: Float
    alt_phase: Float
    angle0_rad: float  # start angle on the circle, from north
    drift_mps: float  # signed speed along the circle

    @classmethod
    def draw(cls, rng: np.random.Generator, spread_km: float) -> _Motion:
        def weights(total: float, rows: int) -> Float:
            w = rng.uniform(0.5, 1.0, size=(rows, WANDER_TERMS))
            return np.asarray(total * w / w.sum(axis=1, keepdims=True))

        def omega(rows: int, scale: float = 1.0) -> Float:
            periods = scale * rng.uniform(*WANDER_PERIOD_S, size=(rows, WANDER_TERMS))
            return np.asarray(2 * math.pi / periods)

        # Each axis within spread / sqrt(2): the wander stays within the spread.
        amp = weights(spread_km * 1000.0 / math.sqrt(2.0), 2)
        om = omega(2, max(1.0, spread_km / SPREAD_KM))
        ph = rng.uniform(0.0, 2 * math.pi, size=(2, WANDER_TERMS))
        alt_amp = weights(ALT_WANDER_FT, 1)[0]
        alt_om = omega(1)[0]
        alt_ph = rng.uniform(0.0, 2 * math.pi, size=WANDER_TERMS)
        angle0 = float(rng.uniform(0.0, 2 * math.pi))
        drift = float(rng.uniform(*CIRCLE_DRIFT_KT) / KT_PER_MPS * rng.choice([-1.0, 1.0]))
        return cls(amp, om, ph, alt_amp, alt_om, alt_ph, angle0, drift)


@dataclass(frozen=True)
class Episode:
    """One capture of one aircraft's receiver by one spoofer (indices into the leg's seconds)."""

    spoofer: int  # index in the scenario's spoofers
    start: int  # first false report
    freeze_end: int  # end of the frozen phase (== start when the receiver does not freeze)
    end: int  # first second reported true again (before jamming loss is applied)
    trusted: bool
    nic: int  # reported while spoofed when not trusted
    nac_p: int


@dataclass(frozen=True)
class Reported:
    """The GNSS-derived fields as the aircraft reports them, per second."""

    lat: Float
    lon: Float
    alt_geom_ft: Float
    gs_kt: Float
    track_deg: Float
    geom_rate_fpm: Float
    #: True where second i is spoofed and second i+1 comes from another source
    #: (truth, frozen, false): the values of second i are held, not interpolated.
    jump: NDArray[np.bool_]

    @classmethod
    def true(cls, tr: Trajectory) -> Reported:
        """What an unspoofed aircraft reports: its trajectory's own arrays."""
        return cls(tr.lat, tr.lon, tr.alt_geom_ft, tr.gs_kt, tr.track_deg, tr.geom_rate_fpm,
                   np.zeros(tr.n, dtype=bool))  # fmt: skip


@dataclass(frozen=True)
class Capture:
    """Everything spoofing changes on one leg."""

    phase: NDArray[np.int8]  # NONE, FROZEN, ATTRACTED, RECOVERING per second
    episode: NDArray[np.int64]  # index into ``episodes``, -1 when not spoofed
    episodes: tuple[Episode, ...]
    reported: Reported
    #: Per spoofer: within reach (bool) and ground distance (km), per second.
    zones: tuple[tuple[NDArray[np.bool_], Float], ...]

    @classmethod
    def none(
        cls, tr: Trajectory, zones: tuple[tuple[NDArray[np.bool_], Float], ...] = ()
    ) -> Capture:
        """Nothing spoofed (``zones`` still says where the spoofers reached)."""
        return cls(
            np.zeros(tr.n, np.int8), np.full(tr.n, -1, np.int64), (), Reported.true(tr), zones
        )

    def quality(
        self, nic: NDArray[np.int8], nac_p: NDArray[np.int8], nac_v: NDArray[np.int8]
    ) -> tuple[NDArray[np.int8], NDArray[np.int8], NDArray[np.int8]]:
        """NIC, NACp, NACv with the untrusted episodes' caps applied (new arrays)."""
        if not self.episodes:
            return nic, nac_p, nac_v
        cap_nic = np.array([UNCAPPED if e.trusted else e.nic for e in self.episodes] + [UNCAPPED])
        cap_nac_p = np.array(
            [UNCAPPED if e.trusted else e.nac_p for e in self.episodes] + [UNCAPPED]
        )
        cap_nac_v = np.array(
            [UNCAPPED if e.trusted else SPOOFED_NAC_V_MAX for e in self.episodes] + [UNCAPPED]
        )
        k = np.where(self.phase > NONE, self.episode, len(self.episodes))
        return (
            np.minimum(nic, cap_nic[k]).astype(np.int8),
            np.minimum(nac_p, cap_nac_p[k]).astype(np.int8),
            np.minimum(nac_v, cap_nac_v[k]).astype(np.int8),
        )


def reach(
    spoofers: tuple[Spoofer, ...],
    tr: Trajectory,
    height_m: Float,
    geometry: tuple[Geometry | None, ...] | None = None,
) -> tuple[NDArray[np.int64], tuple[tuple[NDArray[np.bool_], Float], ...]]:
    """The spoofer owning each second (-1: none), and each spoofer's :func:`zone`
    (within reach, distance); ``geometry``: each spoofer's, in a world model."""
    owner = np.full(tr.n, -1, np.int64)
    best = np.full(tr.n, np.inf)
    zones = []
    shapes = geometry if geometry is not None else (None,) * len(spoofers)
    for k, (sp, shape) in enumerate(zip(spoofers, shapes, strict=True)):
        inside, dist, range_km = zone(sp, tr.t_s, tr.lat, tr.lon, height_m, shape)
        ratio = dist / range_km
        better = inside & (ratio < best)
        owner = np.where(better, k, owner)
        best = np.where(better, ratio, best)
        zones.append((inside, dist))
    return owner, tuple(zones)


def capture(
    spoofers: tuple[Spoofer, ...],
    tr: Trajectory,
    height_m: Float,
    receiver: Receiver,
    rng: np.random.Generator,
    blocked: NDArray[np.bool_],
    geometry: tuple[Geometry | None, ...] | None = None,
) -> Capture:
    """Phases, episodes and reported fields of one leg (see the module docstring).

    ``blocked``: seconds without any GNSS position (jamming loss); they report
    the truth's speed and track and no position, whatever the spoofer does.
    ``geometry``: each spoofer's reach in a world model (:func:`reach`).
    """
    n, t = tr.n, tr.t_s
    owner, zones = reach(spoofers, tr, height_m, geometry)
    within = owner >= 0

    # Episodes: [onset, end of reach + recovery), merged while the receiver is still captured.
    spans: list[tuple[int, int, int]] = []
    for a, b in jammer.runs(within):
        k = int(np.bincount(owner[a:b]).argmax())
        sp = spoofers[k]
        jitter = rng.uniform(1.0 - jammer.EPISODE_JITTER, 1.0 + jammer.EPISODE_JITTER, size=2)
        start = a + round(_lerp(sp.onset_s, receiver.onset_u) * jitter[0])
        if start >= b:
            continue
        end = min(b + round(_lerp(sp.recovery_s, receiver.recovery_u) * jitter[1]), n)
        if spans and start <= spans[-1][1]:
            s0, e0, k0 = spans[-1]
            spans[-1] = (s0, max(e0, end), k0)
        else:
            spans.append((start, end, k))
    if not spans:
        return Capture.none(tr, zones)

    phase = np.zeros(n, np.int8)
    episode = np.full(n, -1, np.int64)
    lat, lon = tr.lat.copy(), tr.lon.copy()
    alt, gs = tr.alt_geom_ft.copy(), tr.gs_kt.copy()
    track, rate = tr.track_deg.copy(), tr.geom_rate_fpm.copy()
    episodes = []
    for i, (s, e, k) in enumerate(spans):
        sp = spoofers[k]
        stretch = float(rng.uniform(1.0 - jammer.EPISODE_JITTER, 1.0 + jammer.EPISODE_JITTER))
        nic = int(rng.integers(SPOOFED_NIC[0], SPOOFED_NIC[1] + 1))
        nac_p = int(rng.integers(SPOOFED_NAC_P[0], SPOOFED_NAC_P[1] + 1))
        motion = _Motion.draw(rng, sp.spread_km)
        freezes = receiver.freeze_u < sp.freeze_share
        f = min(s + round(_lerp(sp.freeze_s, receiver.freeze_s_u) * stretch), e) if freezes else s
        episodes.append(Episode(k, s, f, e, receiver.trusted_u < sp.trusted_share, nic, nac_p))
        episode[s:e] = i
        # Frozen: the last solution before the onset, held.
        hold = max(s - 1, 0)
        phase[s:f] = FROZEN
        for v in (lat, lon, alt, gs, track, rate):
            v[s:f] = v[hold]
        # Attracted while within reach, recovering after: the false motion either way.
        phase[f:e] = np.where(within[f:e], ATTRACTED, RECOVERING)
        if f < e:
            fl = _false_motion(sp, motion, (t[f:e] - t[s]).astype(np.float64))
            lat[f:e], lon[f:e], alt[f:e], gs[f:e], track[f:e], rate[f:e] = fl

    # Jamming loss takes precedence: no position, the truth's speed and track.
    phase[blocked] = NONE
    episode[blocked] = -1
    off = phase == NONE
    for v, true in ((lat, tr.lat), (lon, tr.lon), (alt, tr.alt_geom_ft), (gs, tr.gs_kt),
                    (track, tr.track_deg), (rate, tr.geom_rate_fpm)):  # fmt: skip
        v[off] = true[off]
    jump = np.zeros(n, dtype=bool)
    jump[:-1] = (phase[:-1] != NONE) & ((phase[1:] != phase[:-1]) | (episode[1:] != episode[:-1]))
    return Capture(
        phase=phase,
        episode=episode,
        episodes=tuple(episodes),
        reported=Reported(lat, lon, alt, gs, track, rate, jump),
        zones=zones,
    )


def _false_motion(
    sp: Spoofer, m: _Motion, t_rel: Float
) -> tuple[Float, Float, Float, Float, Float, Float]:
    """(lat, lon, geometric altitude ft, ground speed kt, track deg, geometric rate ft/min)."""
    arg = t_rel[:, None, None] * m.omega[None] + m.phase[None]  # (time, axis, term)
    wander = (m.amp_m * np.sin(arg)).sum(axis=2)
    wander_v = (m.amp_m * m.omega * np.cos(arg)).sum(axis=2)
    east, north = wander[:, 0], wander[:, 1]
    ve, vn = wander_v[:, 0], wander_v[:, 1]
    if sp.pattern == "circle":
        r = sp.radius_km * 1000.0
        theta = m.angle0_rad + m.drift_mps * t_rel / r
        rate = m.drift_mps / r
        east = east + r * np.sin(theta)
        north = north + r * np.cos(theta)
        ve = ve + r * rate * np.cos(theta)
        vn = vn - r * rate * np.sin(theta)
    lat, lon = destination(
        sp.target_lat, sp.target_lon, np.degrees(np.arctan2(east, north)), np.hypot(east, north)
    )
    alt_arg = t_rel[:, None] * m.alt_omega[None] + m.alt_phase[None]
    alt = sp.alt_ft + (m.alt_amp_ft * np.sin(alt_arg)).sum(axis=1)
    alt_rate_fps = (m.alt_amp_ft * m.alt_omega * np.cos(alt_arg)).sum(axis=1)
    return (
        lat,
        lon,
        np.asarray(alt),
        np.asarray(np.hypot(ve, vn) * KT_PER_MPS),
        np.asarray(np.degrees(np.arctan2(ve, vn)) % 360.0),
        np.asarray(alt_rate_fps * 60.0),
    )


__all__ = [
    "Capture",
    "Episode",
    "Receiver",
    "Reported",
    "capture",
    "effective_range_km",
    "reach",
    "zone",
]
