"""World models: how the simulated world behaves, apart from what a scenario says.

A scenario says where emitters are, when they are active and how far they
reach; a *world model* says how the world turns that into records: the
emitter antenna's height and pattern, the range law, terrain masking, which
altitude sets the line of sight, how wide the fringe is, how receivers react
(onset and re-acquisition delays), how transponders report a lost fix, how
readsb records the seconds without position, how often it records a point,
where receivers hear nothing, and the wind. Detectors developed on some
models are scored on others (:data:`DEVELOPMENT`, :data:`HELD_OUT`).

:data:`WORLDS` holds the named models. ``base`` is the simulator as it was
before world models: ``simulate(..., world="base")`` writes the same bytes.
A model gives ranges; the values are drawn per seed (antenna height, pattern
boresight, blocked sectors, wind, trace interval, extra coverage holes) and
per aircraft (receiver delays, brand) from a random stream of their own, so
that no other draw moves. ``mixed`` draws each aspect per seed from the
settings the named models give it (:func:`resolve_world`).

The aspects, each with its source (modelling choices are said as such):

- *Antenna height* (``antenna_height_m``): drawn per emitter, replacing the
  scenario's ``height_m`` for line of sight. From a vehicle mast (2 m) to a
  tall tower (300 m); modelling choice.
- *Pattern* (``front_to_back_db``): omnidirectional, or a cardioid around a
  boresight drawn per emitter (:func:`skywitness.sim.jammer.pattern_gain_db`),
  with a front-to-back ratio of 3-12 dB: below a panel or Yagi antenna's
  15-25 dB, for an antenna partly shielded or mounted on a vehicle
  (modelling choice). The scenario's ``range_km`` is the boresight range;
  towards azimuth a it is ``range_km * 10^(G(a) / (10 n))``.
- *Range law exponent* n (``exponent``): received power falls as 1/d^n. Free
  space is n = 2 (ITU-R P.525); a ground reflection gives n = 4 beyond the
  two-ray breakpoint and clutter near low antennas steepens the law
  (Rappaport, *Wireless Communications*, ch. 4); 2.5-3.5 is a modelling
  choice between. It sets how the range scales with the pattern's gain and
  how wide the fringe is for its depth in dB (a steeper law: a narrower fringe).
- *Terrain masking* (``masking``): a few sectors around the emitter where
  terrain blocks low paths: there an aircraft is in line of sight only above
  a mask elevation angle of 0.3-1.5 degrees, seen from the antenna over a
  4/3 Earth (ITU-R P.526, diffraction over obstacles; P.834, refraction), in
  addition to the smooth-Earth radio horizon. A coarse stand-in for an
  elevation model; the sectors are drawn per emitter (modelling choice).
- *Line-of-sight altitude* (``los_altitude``): geometric (GNSS height, base)
  or barometric (pressure altitude, ISA, ICAO Doc 7488), which differ by
  hundreds of feet with the temperature; a detector that assumes one meets
  a world that uses the other.
- *Fringe* (``fringe_share``): as a share of the range in each direction
  instead of the scenario's fringe depth in dB (modelling choice).
- *Delays* (``delays``): uniform as in :mod:`skywitness.sim.jammer` (base), or
  lognormal with a heavy tail: onset median 5 s, 99th percentile 60 s;
  re-acquisition median 60 s, 99th percentile 10 min, capped at twice the
  99th percentile. RTCA DO-229 asks for re-acquisition within 20 s after a
  short outage; EASA SIB 2022-02 notes that some equipment stays degraded
  long after the interference ends. The lognormal shape is a modelling choice.
- *Receiver brands* (``brands``): how a transponder reports a lost fix,
  drawn per aircraft from the shares: ``all-zero`` (NIC 0, NACp 0, NACv 0,
  base), ``nacp-low`` (NIC 0, NACp 1-3, NACv 0) and ``nic-kept`` (NACp 0,
  NACv 0, NIC at its normal value). DO-260B leaves how a position source's
  failure maps onto NIC and NACp to the equipment, and jamming maps built on
  one field see different aircraft than maps built on the other; the shares
  are a modelling choice.
- *Trace convention* (``trace_convention``): while positions are lost readsb
  traces carry no position (``absent``, null, base), or the last position
  repeated with the stale flag (``stale``: flag bit 1 on every point while
  lost, as readsb marks a position with none received for 20 s, readsb
  README-json.md). Snapshots likewise: base omits lat/lon; ``stale`` keeps
  the last position as lat/lon with a growing ``seen_pos`` for 60 s, then as
  ``lastPosition``, as readsb documents ("when the regular lat and lon are
  older than 60 seconds ... lastPosition").
- *Reporting* (``reporting``): trace points 1.5-2 times sparser (aggregators
  and readsb settings differ) and a few extra coverage holes where no
  receiver hears aircraft below some altitude (sea, mountains, areas without
  feeders); modelling choices.
- *Wind* (``wind_kt``): a speed drawn per seed (jet streams are 60 kt and
  more, WMO) from a uniform direction, replacing the scenario's wind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from skywitness.errors import UsageError
from skywitness.model.units import M_PER_FT
from skywitness.sim.model import CoverageHole, Emitter, Geometry, Scenario, Spoofer

if TYPE_CHECKING:  # the command-line parser reads WORLDS: keep this module's imports light
    from skywitness.sim.fleet import Aircraft
    from skywitness.sim.flight import Trajectory, Wind

#: Brands: how a lost fix is reported (see the module docstring).
BRANDS = ("all-zero", "nacp-low", "nic-kept")
#: NACp reported by ``nacp-low`` transponders while the fix is lost (EPU 10 NM
#: down to 1 NM, DO-260B table 2-70; modelling choice, drawn per aircraft).
NACP_LOW = (1, 3)
#: Altitudes that may set the line of sight.
LOS_ALTITUDES = ("geometric", "barometric")
#: How readsb traces record seconds without a position.
TRACE_CONVENTIONS = ("absent", "stale")
#: Standard normal quantile of the 99th percentile: the lognormal delays' tail
#: is their 99th percentile.
Z99 = 2.3263478740408408
#: Heavy-tailed delays are capped at this multiple of their 99th percentile
#: (modelling choice: finite, a receiver that never recovers is another model).
DELAY_CAP_FACTOR = 2.0
#: Extra coverage holes are centred within the box of the scenario's airports
#: and emitters, widened by this margin, degrees (modelling choice).
HOLE_MARGIN_DEG = 1.0
#: Fringe depth used for spoofers, which have none, dB.
NO_FRINGE_DB = 0.0


@dataclass(frozen=True)
class Masking:
    """Terrain masking: how many sectors, how wide, above which elevation (ranges)."""

    sectors: tuple[int, int]
    width_deg: tuple[float, float]
    elevation_deg: tuple[float, float]


@dataclass(frozen=True)
class Delays:
    """Lognormal receiver delays: medians and 99th percentiles, s."""

    onset_median_s: float
    onset_tail_s: float
    recovery_median_s: float
    recovery_tail_s: float


@dataclass(frozen=True)
class Reporting:
    """Trace interval scale (range) and extra coverage holes (count, radius, ceiling ranges)."""

    interval_scale: tuple[float, float]
    holes: tuple[int, int]
    hole_radius_km: tuple[float, float]
    hole_below_ft: tuple[float, float]


@dataclass(frozen=True)
class WorldModel:
    """One model of the world (see the module docstring for each aspect and its source).

    Ranges are drawn per seed or per emitter; None keeps the base world's
    behaviour for that aspect. ``mix``: each aspect is drawn per seed from
    the named models (:func:`resolve_world`).
    """

    name: str
    description: str
    antenna_height_m: tuple[float, float] | None = None
    front_to_back_db: tuple[float, float] | None = None
    exponent: tuple[float, float] = (2.0, 2.0)
    masking: Masking | None = None
    los_altitude: str = "geometric"
    fringe_share: tuple[float, float] | None = None
    delays: Delays | None = None
    brands: tuple[tuple[str, float], ...] = (("all-zero", 1.0),)
    trace_convention: str = "absent"
    reporting: Reporting | None = None
    wind_kt: tuple[float, float] | None = None
    mix: bool = False

    def __post_init__(self) -> None:
        if self.los_altitude not in LOS_ALTITUDES:
            raise UsageError(f"world {self.name}: los_altitude must be one of {LOS_ALTITUDES}")
        if self.trace_convention not in TRACE_CONVENTIONS:
            raise UsageError(
                f"world {self.name}: trace_convention must be one of {TRACE_CONVENTIONS}"
            )
        if not self.brands or any(b not in BRANDS or s < 0 for b, s in self.brands):
            raise UsageError(f"world {self.name}: brands must be ({BRANDS} name, share >= 0)")
        if sum(s for _, s in self.brands) <= 0:
            raise UsageError(f"world {self.name}: brand shares must add up above 0")
        if self.exponent[0] < 2.0 or self.exponent[0] > self.exponent[1]:
            raise UsageError(f"world {self.name}: exponent must be a range from 2 up")

    def aspects(self) -> dict[str, Any]:
        """The aspects (every field but name, description and mix)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in ASPECTS}

    @property
    def geometric(self) -> bool:
        """True when the model changes how zones are shaped (not only the LOS altitude)."""
        base = BASE.aspects()
        return any(self.aspects()[a] != base[a] for a in GEOMETRY_ASPECTS)

    @property
    def identity(self) -> bool:
        """True when every aspect is the base world's: the run writes base's bytes."""
        return not self.mix and self.aspects() == BASE.aspects()


#: Aspects a mixed model draws one by one; those that shape zones.
ASPECTS = (
    "antenna_height_m", "front_to_back_db", "exponent", "masking", "los_altitude",
    "fringe_share", "delays", "brands", "trace_convention", "reporting", "wind_kt",
)  # fmt: skip
GEOMETRY_ASPECTS = ("antenna_height_m", "front_to_back_db", "exponent", "masking", "fringe_share")

BASE = WorldModel(
    "base",
    "the simulator as before world models: omni antennas at the scenario's height, free "
    "space, smooth Earth, geometric LOS, uniform delays, NIC/NACp/NACv 0, positions absent",
)
#: The named models. Detectors are developed on :data:`DEVELOPMENT` only.
WORLDS: dict[str, WorldModel] = {
    m.name: m
    for m in (
        BASE,
        WorldModel(
            "steep",
            "range law 1/d^3, fringe 20 percent of the range, antennas 100-300 m high",
            antenna_height_m=(100.0, 300.0),
            exponent=(3.0, 3.0),
            fringe_share=(0.2, 0.2),
        ),
        WorldModel(
            "brands",
            "transponders report a lost fix three ways (NIC/NACp 0; NIC 0, NACp 1-3; "
            "NACp 0, NIC kept); barometric altitude sets line of sight",
            los_altitude="barometric",
            brands=(("all-zero", 0.4), ("nacp-low", 0.35), ("nic-kept", 0.25)),
        ),
        WorldModel(
            "directional",
            "cardioid antennas (front-to-back 3-12 dB) around a drawn boresight, "
            "range law 1/d^2 to 1/d^3",
            front_to_back_db=(3.0, 12.0),
            exponent=(2.0, 3.0),
        ),
        WorldModel(
            "terrain",
            "1-4 sectors blocked by terrain below 0.3-1.5 deg of elevation, antennas 2-30 m high",
            antenna_height_m=(2.0, 30.0),
            masking=Masking(sectors=(1, 4), width_deg=(20.0, 90.0), elevation_deg=(0.3, 1.5)),
        ),
        WorldModel(
            "slow-receivers",
            "heavy-tailed delays: onset median 5 s (tail 60 s), re-acquisition median 60 s "
            "(tail 10 min)",
            delays=Delays(
                onset_median_s=5.0,
                onset_tail_s=60.0,
                recovery_median_s=60.0,
                recovery_tail_s=600.0,
            ),
        ),
        WorldModel(
            "stale-traces",
            "last position repeated with the stale flag while lost, traces 1.5-2x sparser, "
            "1-3 extra coverage holes, wind 40-120 kt",
            trace_convention="stale",
            reporting=Reporting(
                interval_scale=(1.5, 2.0),
                holes=(1, 3),
                hole_radius_km=(50.0, 150.0),
                hole_below_ft=(8000.0, 20000.0),
            ),
            wind_kt=(40.0, 120.0),
        ),
        WorldModel(
            "mixed",
            "each aspect drawn per seed from the settings the named models give it",
            mix=True,
        ),
    )
}
#: Models detectors may be developed and tuned on: ``terrain`` among them so
#: that one model with a zone that is not a circle (blocked sectors) informs
#: the emitter's error bound; ``directional`` (a pattern) stays held out as a
#: different cause of the same kind.
DEVELOPMENT = ("base", "steep", "brands", "terrain")
#: Models kept for scoring only: a detector is never developed or tuned on
#: these, so that its score on them says how it does on a world it was not
#: fitted to. They stay held out.
HELD_OUT = ("directional", "slow-receivers", "stale-traces", "mixed")


def resolve_world(name_or_model: str | WorldModel, rng: np.random.Generator) -> WorldModel:
    """The model to run: a named one, the one given, or for a mixing model one drawn
    per seed: each aspect from the distinct settings the named models give it
    (in :data:`WORLDS` order, each setting as likely), so ``mixed`` meets the base
    setting of an aspect as often as each alternative."""
    if isinstance(name_or_model, WorldModel):
        model = name_or_model
    elif isinstance(name_or_model, str) and name_or_model in WORLDS:
        model = WORLDS[name_or_model]
    else:
        raise UsageError(f"unknown world model {name_or_model!r}; choices: {', '.join(WORLDS)}")
    if not model.mix:
        return model
    donors = [m for m in WORLDS.values() if not m.mix]
    chosen: dict[str, Any] = {}
    for aspect in ASPECTS:
        settings: list[Any] = []
        for m in donors:
            value = getattr(m, aspect)
            if value not in settings:
                settings.append(value)
        chosen[aspect] = settings[int(rng.integers(len(settings)))]
    return replace(model, mix=False, **chosen)


def draw_wind(model: WorldModel, rng: np.random.Generator, wind: Wind) -> Wind:
    """The run's wind: the scenario's, or one drawn from the model's speeds."""
    from skywitness.sim.flight import Wind

    if model.wind_kt is None:
        return wind
    speed = float(rng.uniform(*model.wind_kt))
    return Wind(round(float(rng.uniform(0.0, 360.0)), 1), round(speed, 1))


@dataclass(frozen=True)
class World:
    """A model with its per-seed draws: what the run's modules read."""

    model: WorldModel
    #: Per emitter and spoofer id: its zone's shape (empty when no aspect shapes zones).
    geometry: dict[str, Geometry]
    trace_interval_scale: float
    extra_holes: tuple[CoverageHole, ...]
    wind: Wind

    @property
    def stale_positions(self) -> bool:
        """Traces and snapshots repeat the last position while it is lost."""
        return self.model.trace_convention == "stale"

    def los_height_m(self, tr: Trajectory) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Height above sea level that sets the line of sight, m."""
        from skywitness.sim.flight import height_m

        if self.model.los_altitude == "barometric":
            return np.asarray(np.maximum(tr.alt_baro_ft, 0.0) * M_PER_FT)
        return height_m(tr)

    def emitter_geometry(self, em: Emitter | Spoofer) -> Geometry | None:
        return self.geometry.get(em.id)

    def scenario(self, sc: Scenario) -> Scenario:
        """``sc`` with the extra coverage holes added to its nuisances."""
        if not self.extra_holes:
            return sc
        holes = sc.nuisance.coverage_holes + self.extra_holes
        return replace(sc, nuisance=replace(sc.nuisance, coverage_holes=holes))

    def receiver(self, ac: Aircraft, rng: np.random.Generator) -> Aircraft:
        """``ac`` with the model's delays and brand drawn from its own stream."""
        from skywitness.sim.jammer import DEGRADED_RECOVERY_S

        m = self.model
        changes: dict[str, Any] = {}
        if m.delays is not None:
            d = m.delays
            changes["delays"] = (
                _lognormal(rng, d.onset_median_s, d.onset_tail_s),
                _lognormal(rng, d.recovery_median_s, d.recovery_tail_s),
                float(rng.uniform(*DEGRADED_RECOVERY_S)),
            )
        names = [b for b, _ in m.brands]
        shares = np.array([s for _, s in m.brands], dtype=np.float64)
        brand = names[int(rng.choice(len(names), p=shares / shares.sum()))]
        if brand != "all-zero":
            nac_p = int(rng.integers(NACP_LOW[0], NACP_LOW[1] + 1)) if brand == "nacp-low" else 0
            nic = ac.nic if brand == "nic-kept" else 0
            changes.update(brand=brand, lost_quality=(nic, nac_p, 0))
        return replace(ac, **changes) if changes else ac

    def record(self, sc: Scenario) -> dict[str, Any]:
        """The ``world`` object of ``truth.json``: the model and what was drawn."""
        m = self.model

        def pair(v: tuple[float, float] | None) -> list[float] | None:
            return list(v) if v is not None else None

        shapes = []
        for em in _sources(sc):
            g = self.geometry.get(em.id)
            if g is None:
                continue
            shapes.append({
                "id": em.id, "height_m": round(g.height_m, 1),
                "pattern": "cardioid" if g.front_to_back_db > 0 else "omni",
                "boresight_deg": round(g.boresight_deg, 1),
                "front_to_back_db": round(g.front_to_back_db, 2),
                "exponent": round(g.exponent, 3),
                "fringe_db": round(g.fringe_db, 3),
                "fringe_share": round(g.fringe_share, 3) if g.fringe_share is not None else None,
                "masked_sectors": [{"from_deg": round(a, 1), "width_deg": round(w, 1)}
                                   for a, w in g.masked],
                "mask_elevation_deg": round(g.mask_elevation_deg, 3),
            })  # fmt: skip
        return {
            "name": m.name,
            "description": m.description,
            "los_altitude": m.los_altitude,
            "delays": (
                {"kind": "lognormal", "onset_median_s": m.delays.onset_median_s,
                 "onset_p99_s": m.delays.onset_tail_s,
                 "recovery_median_s": m.delays.recovery_median_s,
                 "recovery_p99_s": m.delays.recovery_tail_s}
                if m.delays is not None else {"kind": "uniform"}
            ),
            "brands": [{"brand": b, "share": s} for b, s in m.brands],
            "trace_convention": m.trace_convention,
            "trace_interval_scale": round(self.trace_interval_scale, 3),
            "extra_coverage_holes": [
                {"lat": h.lat, "lon": h.lon, "radius_km": h.radius_km, "below_ft": h.below_ft}
                for h in self.extra_holes
            ],
            "wind": {"from_deg": self.wind.from_deg, "speed_kt": self.wind.speed_kt,
                     "drawn": m.wind_kt is not None},
            "ranges": {
                "antenna_height_m": pair(m.antenna_height_m),
                "front_to_back_db": pair(m.front_to_back_db),
                "exponent": list(m.exponent),
                "fringe_share": pair(m.fringe_share),
                "masking": (
                    {"sectors": list(m.masking.sectors), "width_deg": list(m.masking.width_deg),
                     "elevation_deg": list(m.masking.elevation_deg)}
                    if m.masking is not None else None
                ),
            },
            "geometry": shapes,
        }  # fmt: skip


def draw_world(model: WorldModel, sc: Scenario, rng: np.random.Generator, wind: Wind) -> World:
    """Per-seed draws of ``model`` for the emitters and spoofers of ``sc``."""
    geometry: dict[str, Geometry] = {}
    if model.geometric:
        for em in _sources(sc):
            geometry[em.id] = _geometry(model, em, rng)
    scale = 1.0
    holes: tuple[CoverageHole, ...] = ()
    if model.reporting is not None:
        rep = model.reporting
        scale = float(rng.uniform(*rep.interval_scale))
        holes = _holes(rep, sc, rng)
    return World(model, geometry, scale, holes, wind)


def _geometry(model: WorldModel, em: Emitter | Spoofer, rng: np.random.Generator) -> Geometry:
    height = float(rng.uniform(*model.antenna_height_m)) if model.antenna_height_m else em.height_m
    ftb = float(rng.uniform(*model.front_to_back_db)) if model.front_to_back_db else 0.0
    boresight = float(rng.uniform(0.0, 360.0))
    exponent = float(rng.uniform(*model.exponent))
    share = float(rng.uniform(*model.fringe_share)) if model.fringe_share else None
    # The scenario's fringe as a depth in dB (it was given in km or as dB of free space).
    fringe_db = (
        20.0 * math.log10(1.0 + em.fringe_km / em.range_km)
        if isinstance(em, Emitter)
        else NO_FRINGE_DB
    )
    masked: tuple[tuple[float, float], ...] = ()
    elevation = 0.0
    if model.masking is not None:
        mk = model.masking
        count = int(rng.integers(mk.sectors[0], mk.sectors[1] + 1))
        masked = tuple(
            (float(rng.uniform(0.0, 360.0)), float(rng.uniform(*mk.width_deg)))
            for _ in range(count)
        )
        elevation = float(rng.uniform(*mk.elevation_deg))
    return Geometry(height, boresight, ftb, exponent, fringe_db, share, masked, elevation)


def _holes(rep: Reporting, sc: Scenario, rng: np.random.Generator) -> tuple[CoverageHole, ...]:
    lats = [a.lat for a in sc.traffic.airports] + [e.lat for e in _sources(sc)]
    lons = [a.lon for a in sc.traffic.airports] + [e.lon for e in _sources(sc)]
    count = int(rng.integers(rep.holes[0], rep.holes[1] + 1))
    out = []
    for _ in range(count):
        lat = float(rng.uniform(min(lats) - HOLE_MARGIN_DEG, max(lats) + HOLE_MARGIN_DEG))
        lon = float(rng.uniform(min(lons) - HOLE_MARGIN_DEG, max(lons) + HOLE_MARGIN_DEG))
        out.append(
            CoverageHole(
                lat=round(max(-89.0, min(89.0, lat)), 4),
                lon=round(lon, 4),
                radius_km=round(float(rng.uniform(*rep.hole_radius_km)), 1),
                below_ft=round(float(rng.uniform(*rep.hole_below_ft)), -2),
            )
        )
    return tuple(out)


def _sources(sc: Scenario) -> tuple[Emitter | Spoofer, ...]:
    """The scenario's emitters, then its spoofers."""
    return (*sc.emitters, *sc.spoofers)


def _lognormal(rng: np.random.Generator, median_s: float, p99_s: float) -> float:
    """A lognormal draw with this median and 99th percentile, capped (DELAY_CAP_FACTOR)."""
    sigma = math.log(p99_s / median_s) / Z99
    return float(min(median_s * math.exp(sigma * rng.standard_normal()), DELAY_CAP_FACTOR * p99_s))


__all__ = [
    "BASE",
    "BRANDS",
    "DEVELOPMENT",
    "HELD_OUT",
    "WORLDS",
    "Delays",
    "Masking",
    "Reporting",
    "World",
    "WorldModel",
    "draw_wind",
    "draw_world",
    "resolve_world",
]
