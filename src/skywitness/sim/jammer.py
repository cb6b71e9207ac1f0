"""The emitter model: which aircraft lose or degrade GNSS, when, and for how long.

This decides which simulated *records* are degraded; nothing here models a
transmitted signal beyond a link budget that turns power into a range.

Geometry. An aircraft is affected by an emitter when the emitter is active,
the aircraft is within radio line of sight, and it is within range:

- Range. In free space the jammer power received falls as 1/d^2, so the
  distance at which it reaches the receiver's loss-of-lock level grows as the
  square root of the transmitted power: ``range_km = K * sqrt(power_w)``, with
  K from the link budget below (:func:`effective_range_km`). A scenario gives
  either ``power_w`` or the resulting ``range_km`` directly.
- Fringe. Beyond ``range_km`` the jammer is too weak to break tracking but
  still degrades accuracy. The band ends where the received power is
  ``fringe_db`` lower: free space again gives ``range_km * 10^(fringe_db/20)``.
- Line of sight. L1 does not bend over the horizon: with the standard 4/3
  Earth radius for refraction (ITU-R P.834), the radio horizon between an
  aircraft at height h1 and an antenna at height h2 (m) is
  ``d_km = 4.12 * (sqrt(h1) + sqrt(h2))``. Higher aircraft are therefore
  affected from farther away, as Figuet et al. (2022) observed. Heights are
  taken above sea level (terrain ignored); distances are ground distances
  (slant range differs by under 0.3 % at 100 km and 10 km of height).

World models (:mod:`skywitness.sim.world`) reshape the zone through a
:class:`~skywitness.sim.model.Geometry`: antenna height, a directional
pattern (the range towards each azimuth, :func:`directional_range_km`), the
range law exponent (with the pattern, it sets the fringe's width), terrain
masking in blocked sectors (:func:`line_of_sight`). Without one the zone is
the disc above.

Dynamics, per aircraft. A receiver does not react the instant the geometry
changes. Entering a zone, NIC and NACp change after an onset delay of a few
seconds; leaving the loss zone (or when the emitter switches off), they
recover only after a re-acquisition delay of tens of seconds to about two
minutes. Both delays are drawn per aircraft (one receiver, one behaviour),
with a small jitter per episode. See the constants for the reasoning.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from skywitness.model.geo import EARTH_RADIUS_M, bearing_deg, distance_m
from skywitness.sim.model import Emitter, Geometry, Spoofer

Float = NDArray[np.float64]

# -- link budget (calibration of range against power) ------------------------------

#: GPS L1 carrier, MHz.
GPS_L1_MHZ = 1575.42
#: Free-space path loss at 1 km and L1 (ITU-R P.525: 20 log10 d_km + 20 log10 f_MHz + 32.45).
FSPL_1KM_L1_DB = 20.0 * math.log10(GPS_L1_MHZ) + 32.45
#: Emitter antenna gain, dBi: omnidirectional in azimuth.
EMITTER_GAIN_DBI = 0.0
#: Aircraft GNSS antenna gain towards a ground emitter, dBi. The antenna sits
#: on top of the fuselage and looks up: RTCA DO-301 asks for no less than
#: -5.5 dBic at 5 degrees of elevation, and below the horizon the airframe
#: shadows it further. -10 dBi is a modelling choice within that range.
AIRCRAFT_GAIN_DBI = -10.0
#: Jammer power at the receiver input at which tracking is lost, dBm. A
#: calibration, not a receiver specification: with the gains above, 1 W gives
#: about 85 km and 15 W about 330 km, the order of the areas reported around
#: the emitters active near the Baltic and the eastern Mediterranean.
LOSS_OF_LOCK_DBM = -115.0
#: Range (km) of a 1 W emitter with the budget above; range scales with sqrt(power).
RANGE_KM_AT_1W: float = 10.0 ** (
    (30.0 + EMITTER_GAIN_DBI + AIRCRAFT_GAIN_DBI - LOSS_OF_LOCK_DBM - FSPL_1KM_L1_DB) / 20.0
)
#: Default width of the fringe, in dB of received power below loss of lock
#: (modelling choice: accuracy degrades over the last 2 dB before tracking is lost).
DEFAULT_FRINGE_DB = 2.0
#: Radio horizon factor, km per sqrt(m), for the 4/3 Earth radius (ITU-R P.834).
RADIO_HORIZON_KM_PER_SQRT_M = 4.12
#: Effective Earth radius for refraction, m: 4/3 of the mean radius (ITU-R P.834),
#: for elevation angles over terrain masks.
EFFECTIVE_EARTH_RADIUS_M = 4.0 / 3.0 * EARTH_RADIUS_M

# -- receiver dynamics ---------------------------------------------------------------

#: Onset delay (s) between entering a zone and the first degraded report.
#: Tracking loops lose lock within about a second once the jammer dominates;
#: receivers then coast on their last solution for a few seconds before the
#: position source declares it invalid, and the transponder reports it at the
#: next broadcast (airborne positions go out twice a second, DO-260B).
ONSET_S = (1.0, 6.0)
#: Re-acquisition delay (s) after the loss ends. After a short outage
#: RTCA DO-229 asks for re-acquisition within 20 s; after a long one every
#: satellite must be found again and the fix validated by fault detection
#: (RAIM/FDE) before the position source reports full integrity again, and
#: some avionics wait longer still. Tens of seconds to about two minutes.
LOST_RECOVERY_S = (20.0, 120.0)
#: Recovery (s) from the fringe, where the receiver never lost tracking:
#: the accuracy figures settle within a few filter updates.
DEGRADED_RECOVERY_S = (2.0, 10.0)
#: Per-episode jitter on an aircraft's delays (fraction, modelling choice).
EPISODE_JITTER = 0.2

#: Quality reported in the fringe, worst at the inner edge: NACp 4-7 (EPU
#: below 0.5 NM down to 0.05 NM), NIC 5-7 (Rc below 1 NM down to 0.2 NM),
#: DO-260B tables 2-14 and 2-70.
FRINGE_NAC_P = (4, 7)
FRINGE_NIC = (5, 7)

#: Geometric and broadcast levels.
NONE, FRINGE, LOST = 0, 1, 2


def effective_range_km(power_w: float) -> float:
    """Distance within which a ``power_w`` emitter breaks tracking (free space), km."""
    return RANGE_KM_AT_1W * math.sqrt(power_w)


def fringe_width_km(range_km: float, fringe_db: float = DEFAULT_FRINGE_DB) -> float:
    """Width beyond ``range_km`` over which the received power falls by ``fringe_db``."""
    return range_km * (math.pow(10.0, fringe_db / 20.0) - 1.0)


def radio_horizon_km(h_aircraft_m: NDArray[np.float64] | float, h_antenna_m: float) -> Float:
    """Radio line-of-sight distance between two heights above a smooth 4/3 Earth, km."""
    h = np.maximum(np.asarray(h_aircraft_m, dtype=np.float64), 0.0)
    return np.asarray(RADIO_HORIZON_KM_PER_SQRT_M * (np.sqrt(h) + math.sqrt(max(h_antenna_m, 0.0))))


def pattern_gain_db(azimuth_deg: Float, geometry: Geometry) -> Float:
    """Antenna gain towards ``azimuth_deg`` relative to boresight, dB (0 to -front_to_back).

    A cardioid whose back lobe is filled to the front-to-back ratio: field
    amplitude ``a + (1 - a) (1 + cos theta) / 2`` with ``a = 10^(-FTB/20)``, theta
    the angle off boresight (the pattern of two end-fire elements, Balanis,
    *Antenna Theory*, ch. 6; the floor is a modelling choice for a real
    antenna's back lobe). Omnidirectional when the ratio is 0.
    """
    if geometry.front_to_back_db <= 0.0:
        return np.zeros(np.shape(azimuth_deg))
    a = math.pow(10.0, -geometry.front_to_back_db / 20.0)
    theta = np.radians(np.asarray(azimuth_deg) - geometry.boresight_deg)
    amplitude = a + (1.0 - a) * (1.0 + np.cos(theta)) / 2.0
    return np.asarray(20.0 * np.log10(amplitude))


def directional_range_km(range_km: float, azimuth_deg: Float, geometry: Geometry) -> Float:
    """Loss range towards ``azimuth_deg``: ``range_km`` at boresight, scaled by
    ``10^(gain_dB / (10 n))`` elsewhere (received power falls as 1/d^n)."""
    gain = pattern_gain_db(azimuth_deg, geometry)
    return np.asarray(range_km * np.power(10.0, gain / (10.0 * geometry.exponent)))


def fringe_outer_km(range_dir_km: Float, geometry: Geometry) -> Float:
    """Outer edge of the fringe in each direction: a share of the range, or where the
    received power is ``fringe_db`` below the loss level with the range law 1/d^n."""
    if geometry.fringe_share is not None:
        return np.asarray(range_dir_km * (1.0 + geometry.fringe_share))
    return np.asarray(
        range_dir_km * math.pow(10.0, geometry.fringe_db / (10.0 * geometry.exponent))
    )


def elevation_deg(dist_km: Float, h_aircraft_m: Float, h_antenna_m: float) -> Float:
    """Elevation angle of the aircraft seen from the antenna over a 4/3 Earth, degrees."""
    d_m = np.maximum(np.asarray(dist_km) * 1000.0, 1.0)
    rise = np.asarray(h_aircraft_m) - h_antenna_m - d_m**2 / (2.0 * EFFECTIVE_EARTH_RADIUS_M)
    return np.asarray(np.degrees(np.arctan2(rise, d_m)))


def line_of_sight(
    dist_km: Float, height_m: Float, azimuth_deg: Float, geometry: Geometry
) -> NDArray[np.bool_]:
    """Within the radio horizon of the geometry's antenna and, in a blocked sector,
    above the terrain mask's elevation angle (ITU-R P.526: an obstacle on the path
    blocks the line of sight; its elevation stands for the terrain's)."""
    visible = dist_km <= radio_horizon_km(height_m, geometry.height_m)
    if geometry.masked:
        blocked = np.zeros(np.shape(dist_km), dtype=bool)
        for start, width in geometry.masked:
            blocked |= (np.asarray(azimuth_deg) - start) % 360.0 < width
        above = elevation_deg(dist_km, height_m, geometry.height_m) >= geometry.mask_elevation_deg
        visible = visible & (~blocked | above)
    return np.asarray(visible)


def active_mask(emitter: Emitter | Spoofer, t_s: NDArray[np.int64]) -> NDArray[np.bool_]:
    """True where the emitter is active."""
    active = np.zeros(len(t_s), dtype=bool)
    for a, b in emitter.active:
        active |= (t_s >= a) & (t_s < b)
    return active


def reach_km(
    emitter: Emitter | Spoofer, lat: Float, lon: Float, geometry: Geometry | None
) -> tuple[Float | float, Float | float, Float | None]:
    """(loss range, fringe outer edge, azimuth from the emitter) per sample, km and deg.

    Without a geometry: the scenario's scalars and no azimuth (the base world).
    """
    fringe = emitter.fringe_km if isinstance(emitter, Emitter) else 0.0
    if geometry is None:
        return emitter.range_km, emitter.range_km + fringe, None
    azimuth = np.asarray(bearing_deg(emitter.lat, emitter.lon, lat, lon))
    rng_km = directional_range_km(emitter.range_km, azimuth, geometry)
    return rng_km, fringe_outer_km(rng_km, geometry), azimuth


def zone(
    emitter: Emitter,
    t_s: NDArray[np.int64],
    lat: Float,
    lon: Float,
    height_m: Float,
    geometry: Geometry | None = None,
) -> tuple[NDArray[np.int8], Float]:
    """Geometric level per sample (0 none, 1 fringe, 2 lost) and ground distance (km).

    ``geometry`` (a world model's, :mod:`skywitness.sim.world`) shapes the zone;
    without one it is the scenario's disc within the smooth-Earth horizon.
    """
    dist_km = distance_m(lat, lon, emitter.lat, emitter.lon) / 1000.0
    active = active_mask(emitter, t_s)
    range_km, outer_km, azimuth = reach_km(emitter, lat, lon, geometry)
    if geometry is None or azimuth is None:
        visible = active & (dist_km <= radio_horizon_km(height_m, emitter.height_m))
    else:
        visible = active & line_of_sight(dist_km, height_m, azimuth, geometry)
    level = np.where(
        visible & (dist_km <= range_km),
        LOST,
        np.where(visible & (dist_km <= outer_km), FRINGE, NONE),
    )
    return level.astype(np.int8), np.asarray(dist_km)


def fringe_depth(
    emitter: Emitter, lat: Float, lon: Float, dist_km: Float, geometry: Geometry | None
) -> Float:
    """Depth in the fringe per sample: 0 at the loss edge, 1 at the outer edge (clipped)."""
    if geometry is None:
        return np.asarray(
            np.clip((dist_km - emitter.range_km) / max(emitter.fringe_km, 1e-9), 0.0, 1.0)
        )
    range_km, outer_km, _ = reach_km(emitter, lat, lon, geometry)
    width = np.maximum(np.asarray(outer_km) - range_km, 1e-9)
    return np.asarray(np.clip((dist_km - range_km) / width, 0.0, 1.0))


def runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Half-open [start, end) index ranges where ``mask`` is true."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def receiver_delays(rng: np.random.Generator) -> tuple[float, float, float]:
    """One aircraft's (onset, lost recovery, degraded recovery) delays, s."""
    return (
        float(rng.uniform(*ONSET_S)),
        float(rng.uniform(*LOST_RECOVERY_S)),
        float(rng.uniform(*DEGRADED_RECOVERY_S)),
    )


def broadcast_levels(
    geometric: NDArray[np.int8],
    delays: tuple[float, float, float],
    rng: np.random.Generator,
) -> NDArray[np.int8]:
    """What the aircraft reports, per second, given where it is (see the module docstring).

    For each level L (fringe, lost) and each run of seconds at level >= L,
    the report is at least L from ``onset`` seconds after the run starts to
    ``recovery`` seconds after it ends. A run shorter than the onset delay
    leaves no trace. Samples are 1 s apart.
    """
    n = len(geometric)
    out = np.zeros(n, dtype=np.int8)
    onset, lost_rec, degraded_rec = delays
    # A loss run that starts with its fringe run (the emitter switching on, or
    # a climb into line of sight) shares its onset: one event, one delay.
    onsets: dict[int, int] = {}
    for level, recovery in ((FRINGE, degraded_rec), (LOST, lost_rec)):
        for a, b in runs(geometric >= level):
            jitter = rng.uniform(1.0 - EPISODE_JITTER, 1.0 + EPISODE_JITTER, size=2)
            delay = onsets.setdefault(a, round(onset * jitter[0]))
            start = a + delay
            if start >= b:
                continue
            end = min(b + round(recovery * jitter[1]), n)
            np.maximum(out[start:end], level, out=out[start:end])
    return out


def fringe_quality(depth: Float) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    """(NIC, NACp) in the fringe; ``depth`` 0 at the loss edge, 1 at the outer edge."""
    d = np.clip(depth, 0.0, 1.0)
    nac_p = FRINGE_NAC_P[0] + np.floor(d * (FRINGE_NAC_P[1] - FRINGE_NAC_P[0] + 1))
    nic = FRINGE_NIC[0] + np.floor(d * (FRINGE_NIC[1] - FRINGE_NIC[0] + 1))
    return (
        np.minimum(nic, FRINGE_NIC[1]).astype(np.int8),
        np.minimum(nac_p, FRINGE_NAC_P[1]).astype(np.int8),
    )
