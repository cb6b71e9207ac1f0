"""The scenario's data model: frozen dataclasses for what a scenario file describes.

:mod:`skywitness.sim.scenario` reads and validates a TOML file into these;
the flight model (:mod:`skywitness.sim.flight`), the emitter and spoofer
models (:mod:`skywitness.sim.jammer`, :mod:`skywitness.sim.spoofer`) and the
run read them. This module imports nothing from the simulator, so that every
other module of it can import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Airport:
    icao: str
    lat: float
    lon: float
    elevation_ft: float
    #: Relative traffic weight when choosing destinations.
    weight: float = 1.0


@dataclass(frozen=True)
class Emitter:
    """A ground emitter that denies GNSS to aircraft within range and line of sight."""

    id: str
    lat: float
    lon: float
    #: Antenna height above the ground, m (the ground taken at sea level).
    height_m: float
    #: Ground distance within which aircraft lose GNSS (power-limited), km.
    range_km: float
    #: Width of the band beyond ``range_km`` where accuracy degrades, km.
    fringe_km: float
    #: Transmit power (W) when the file gave one; ``range_km`` is derived from it.
    power_w: float | None
    #: Active windows, unix seconds, half-open [start, end).
    active: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Spoofer:
    """A ground emitter whose signals capture receivers and make them report false
    positions (see :mod:`skywitness.sim.spoofer`)."""

    id: str
    lat: float
    lon: float
    #: Antenna height above the ground, m (the ground taken at sea level).
    height_m: float
    #: Ground distance within which receivers are captured (power-limited), km.
    range_km: float
    #: Transmit power (W) when the file gave one; ``range_km`` is derived from it.
    power_w: float | None
    #: Active windows, unix seconds, half-open [start, end).
    active: tuple[tuple[int, int], ...]
    #: "attractor": false positions near (target_lat, target_lon); "circle":
    #: on a circle of ``radius_km`` around it.
    pattern: str
    target_lat: float
    target_lon: float
    radius_km: float
    #: Geometric altitude of the false positions, ft.
    alt_ft: float
    #: Radius of the false positions' wander, km.
    spread_km: float
    #: Share of captured aircraft that keep healthy NIC/NACp, and of those that freeze first.
    trusted_share: float
    freeze_share: float
    #: Ranges (s) of the frozen phase, the onset delay and the recovery delay.
    freeze_s: tuple[float, float]
    onset_s: tuple[float, float]
    recovery_s: tuple[float, float]


@dataclass(frozen=True)
class Geometry:
    """How one emitter's or spoofer's zone is shaped in a world model
    (:mod:`skywitness.sim.world`, which documents the sources): antenna height,
    pattern, range law, fringe and terrain masking. Without one (the base
    world) a zone is the disc of the scenario's ``range_km`` and
    ``fringe_km`` within the smooth-Earth radio horizon."""

    #: Antenna height above the ground, m (replaces the scenario's ``height_m``).
    height_m: float
    #: Direction of the pattern's maximum, degrees from true north.
    boresight_deg: float
    #: Gain at the back relative to boresight, dB (0: omnidirectional).
    front_to_back_db: float
    #: Range law exponent n: received power falls as 1/d^n.
    exponent: float
    #: Depth of the fringe below the loss level, dB (used when ``fringe_share`` is None).
    fringe_db: float
    #: Fringe width as a share of the range in the same direction, or None.
    fringe_share: float | None
    #: Sectors blocked by terrain: (start, width), degrees clockwise from true north.
    masked: tuple[tuple[float, float], ...] = ()
    #: Elevation angle above which aircraft in a blocked sector are in line of sight, deg.
    mask_elevation_deg: float = 0.0


@dataclass(frozen=True)
class CoverageHole:
    """Where receivers do not hear aircraft below ``below_ft`` (terrain, no stations)."""

    lat: float
    lon: float
    radius_km: float
    below_ft: float


@dataclass(frozen=True)
class Traffic:
    aircraft: int  # fleet size at size 1
    airports: tuple[Airport, ...]
    types: tuple[tuple[str, float], ...]  # ICAO type, share
    airlines: tuple[str, ...]  # ICAO airline designators for callsigns
    min_route_km: float
    max_route_km: float
    #: First departure of each aircraft, minutes relative to the start.
    first_departure_min: tuple[float, float]
    turnaround_min: tuple[float, float]


@dataclass(frozen=True)
class Weather:
    wind_from_deg: float
    wind_kt: float
    #: Bound on |geometric - barometric altitude|, ft.
    geom_offset_max_ft: float


@dataclass(frozen=True)
class Nuisance:
    mlat_share: float  # aircraft seen by multilateration only (no quality fields)
    adsb_v0_share: float  # ADS-B version 0 (no NIC/NACp fields)
    faulty_nac_p_aircraft: int  # at size 1: transponders stuck at a low NACp
    dropouts_per_hour: float  # per aircraft: no message at all for a while
    dropout_s: tuple[float, float]
    coverage_holes: tuple[CoverageHole, ...]


@dataclass(frozen=True)
class IncidentRoute:
    """One candidate geography of the incident flight: where it goes, where it diverts."""

    origin: Airport
    destination: Airport
    #: Across a sea from the destination: where the crew diverts to.
    diversion: Airport


@dataclass(frozen=True)
class IncidentJammer:
    """The emitter placed near the incident flight's destination (per seed)."""

    height_m: float
    range_km: float
    fringe_km: float
    power_w: float | None
    #: Distance from the destination, km, and the spread (deg) of its bearing
    #: around the direction of the origin.
    distance_km: tuple[float, float]
    bearing_spread_deg: float


@dataclass(frozen=True)
class Incident:
    """One flight through jamming, two go-arounds, a failure, a diversion and a crash
    (see :mod:`skywitness.sim.incident`). Pairs are ranges drawn per seed."""

    type: str  # ICAO type designator (a key of the performance table)
    airlines: tuple[str, ...]
    routes: tuple[IncidentRoute, ...]
    jammer: IncidentJammer
    #: Background traffic uses the scenario's airports within this distance of the destination.
    background_radius_km: float
    #: When the flight loses GNSS, minutes after the scenario start.
    entry_after_min: tuple[float, float]
    #: Lowest height of each approach above the threshold elevation, ft.
    go_around_height_ft: tuple[float, float]
    #: Height above the threshold elevation in the climb after the second go-around
    #: where the failure happens, ft.
    failure_height_ft: tuple[float, float]
    squawk_after_s: tuple[float, float]
    phugoid_period_s: tuple[float, float]
    phugoid_amplitude_ft: tuple[float, float]
    hold_min: tuple[float, float]
    diversion_alt_ft: tuple[float, float]
    #: Length of each interval of corrupted speed and altitude values, s.
    corrupted_s: tuple[float, float]
    #: Positions come back this long before the crash, min.
    positions_back_min: tuple[float, float]
    #: Distance of the impact short of the diversion runway's threshold, km.
    crash_short_km: tuple[float, float]
    #: The records end this long before the impact, s.
    records_end_s: tuple[float, float]
    #: The scenario window ends this long after the crash, min (at most its duration).
    after_crash_min: float


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    source: str  # the file it was read from
    start_s: int  # unix seconds
    duration_s: int
    traffic: Traffic
    weather: Weather
    emitters: tuple[Emitter, ...]
    nuisance: Nuisance
    spoofers: tuple[Spoofer, ...] = ()
    incident: Incident | None = None
    #: The world model the file names (``[world] name``), if any (:mod:`skywitness.sim.world`).
    world: str | None = None

    @property
    def end_s(self) -> int:
        return self.start_s + self.duration_s


__all__ = [
    "Airport",
    "CoverageHole",
    "Emitter",
    "Geometry",
    "Incident",
    "IncidentJammer",
    "IncidentRoute",
    "Nuisance",
    "Scenario",
    "Spoofer",
    "Traffic",
    "Weather",
]
