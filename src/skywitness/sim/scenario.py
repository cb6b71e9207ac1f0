"""Scenarios as data: a TOML file read into frozen, validated dataclasses.

A scenario says where and when (start, duration, real airports), what flies
(fleet size, type mix, airlines, route lengths, turnarounds), the weather
(one constant wind, the bound of the geometric-barometric altitude offset),
the emitters (position, antenna height, power or effective range, fringe,
active windows), the spoofers (the same geometry, plus where the false
positions go: an attractor or a circle, and how receivers react) and the
nuisances of real data (MLAT and ADS-B version 0
aircraft without quality fields, faulty transponders, message dropouts,
receiver coverage holes), optionally one incident flight (candidate
routes, the jammer near its destination, the ranges its events are drawn
from; see :mod:`skywitness.sim.incident`), and optionally the world model it
runs in (``[world] name = "steep"``, :mod:`skywitness.sim.world`; the
``world`` argument of ``simulate`` wins). Nothing here is a code path: a new
scenario is a new file. The shipped ones live in ``skywitness/sim/scenarios/*.toml``.

Every problem raises :class:`~skywitness.errors.UsageError` naming the file
and the key, e.g. ``jamming.toml: traffic.airports[3]: unknown airport 'XXXX'``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from skywitness.errors import UsageError
from skywitness.model.airports import icao_airports
from skywitness.model.geo import bearing_deg, destination, distance_m
from skywitness.sim import spoofer as spoofing
from skywitness.sim.jammer import DEFAULT_FRINGE_DB, effective_range_km, fringe_width_km
from skywitness.sim.model import (
    Airport,
    CoverageHole,
    Emitter,
    Incident,
    IncidentJammer,
    IncidentRoute,
    Nuisance,
    Scenario,
    Spoofer,
    Traffic,
    Weather,
)
from skywitness.sim.performance import TYPES
from skywitness.sim.world import WORLDS

#: Snapshots are written every 5 s on the UTC clock (ADS-B Exchange
#: readsb-hist cadence): scenario start times must fall on that grid.
START_GRID_S = 5
#: Longest scenario accepted (s): one day plus margin. Longer runs are several scenarios.
MAX_DURATION_S = 2 * 86_400
#: Largest fleet accepted at size 1 (keeps a typo from asking for a week of CPU).
MAX_AIRCRAFT = 100_000
#: Incident routes: the origin at least this far from the destination, km, so
#: that the flight has a stretch with GNSS before the jammed area (modelling choice).
INCIDENT_MIN_ROUTE_KM = 150.0
#: The diversion across a sea: this far from the destination, km (modelling
#: choice: a crossing of tens of minutes, within an airliner's fuel reserve).
INCIDENT_DIVERSION_KM = (100.0, 1000.0)
#: The jammer must leave the origin this far outside its reach (range and
#: fringe), km: GNSS is normal at departure (modelling choice).
INCIDENT_ORIGIN_MARGIN_KM = 20.0
#: The jammer must leave the diversion airport this far outside its reach,
#: km: positions can come back before the arrival (the arrival fix lies 20 km
#: out, its circle a few km wide; modelling choice).
INCIDENT_DIVERSION_MARGIN_KM = 40.0
#: The destination's approaches, go-arounds and hold lie within this distance
#: of it, km: they must be inside the jammer's range (modelling choice, see
#: :mod:`skywitness.sim.incident_flight`).
INCIDENT_AREA_KM = 40.0
#: Steepest vertical rate the incident's phugoid may reach, ft/min (2 pi x
#: amplitude / period; modelling choice, half the ADS-B vertical-rate limit
#: of 32,608 ft/min).
PHUGOID_MAX_RATE_FPM = 16_000.0
#: Points of the jammer's placement sector checked against the margins above
#: (bearings x distances): the sector's edges and middle.
SECTOR_GRID = (9, 3)

T = TypeVar("T")


# -- finding scenario files ---------------------------------------------------------


def _shipped_dir() -> Path:
    return Path(str(resources.files("skywitness.sim") / "scenarios"))


def scenario_names() -> list[str]:
    """Names of the shipped scenarios (``skywitness simulate NAME``)."""
    return sorted(p.stem for p in _shipped_dir().glob("*.toml"))


def resolve(scenario: str | Path) -> Path:
    """The TOML file for a shipped scenario name, or the path given."""
    p = Path(scenario)
    if isinstance(scenario, str) and p.suffix != ".toml" and p.name == scenario:
        shipped = _shipped_dir() / f"{scenario}.toml"
        if shipped.is_file():
            return shipped
    if p.is_file():
        return p
    if p.suffix == ".toml" or p.name != str(scenario):
        raise UsageError(f"scenario file {p} does not exist")
    raise UsageError(
        f"unknown scenario {str(scenario)!r}; shipped: {', '.join(scenario_names())} "
        "(or give a path to a .toml file)"
    )


def load(scenario: str | Path) -> Scenario:
    """Read and validate a scenario (a shipped name or a path to a TOML file)."""
    path = resolve(scenario)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return _parse(doc, path)


# -- validation ---------------------------------------------------------------------


#: Marks a key without a default: its absence is an error.
_REQUIRED: Any = object()


class _Keys:
    """One TOML table, read with errors that name the file and the key."""

    def __init__(self, data: Any, file: Path, where: str) -> None:
        self.file = file
        self.where = where
        if not isinstance(data, dict):
            raise self.error(where, "expected a table")
        self.data: dict[str, Any] = data

    def error(self, key: str, reason: str) -> UsageError:
        return UsageError(f"{self.file}: {key}: {reason}")

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def _get(self, name: str, default: Any, check: Callable[[str, Any], T]) -> T:
        if name not in self.data:
            if default is _REQUIRED:
                raise self.error(self.key(name), "missing")
            return check(self.key(name), default)
        return check(self.key(name), self.data[name])

    def number(
        self, name: str, default: Any = _REQUIRED, lo: float = -math.inf, hi: float = math.inf
    ) -> float:
        def check(key: str, v: Any) -> float:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise self.error(key, f"expected a number, got {_shown(v)}")
            if not lo <= v <= hi:
                raise self.error(key, f"{v} is outside [{lo:g}, {hi:g}]")
            return float(v)

        return self._get(name, default, check)

    def integer(self, name: str, default: Any = _REQUIRED, lo: int = 0, hi: int = 2**31) -> int:
        def check(key: str, v: Any) -> int:
            if isinstance(v, bool) or not isinstance(v, int):
                raise self.error(key, f"expected an integer, got {_shown(v)}")
            if not lo <= v <= hi:
                raise self.error(key, f"{v} is outside [{lo}, {hi}]")
            return v

        return self._get(name, default, check)

    def string(self, name: str, default: Any = _REQUIRED) -> str:
        def check(key: str, v: Any) -> str:
            if not isinstance(v, str):
                raise self.error(key, f"expected a string, got {_shown(v)}")
            return v

        return self._get(name, default, check)

    def time_s(self, name: str, default: Any = _REQUIRED) -> int:
        return self._get(name, default, lambda key, v: _time_s(self, key, v))

    def pair(
        self, name: str, default: Any = _REQUIRED, lo: float = -math.inf
    ) -> tuple[float, float]:
        def check(key: str, v: Any) -> tuple[float, float]:
            if not (isinstance(v, list) and len(v) == 2):
                raise self.error(key, f"expected [low, high], got {_shown(v)}")
            a, b = (_Scalar(self, f"{key}[{i}]").number(x, lo=lo) for i, x in enumerate(v))
            if a > b:
                raise self.error(key, f"low {a:g} is above high {b:g}")
            return a, b

        return self._get(name, default, check)

    def list(self, name: str, default: Any = _REQUIRED) -> list[Any]:
        def check(key: str, v: Any) -> list[Any]:
            if not isinstance(v, list):
                raise self.error(key, f"expected a list, got {_shown(v)}")
            return v

        return self._get(name, default, check)

    def table(self, name: str, required: bool = True) -> _Keys:
        if name not in self.data and not required:
            return _Keys({}, self.file, self.key(name))
        return _Keys(self._get(name, _REQUIRED, lambda k, v: v), self.file, self.key(name))

    def unknown(self, known: set[str]) -> None:
        """Reject keys this table does not define (typos would otherwise go unnoticed)."""
        for name in self.data:
            if name not in known:
                raise self.error(self.key(name), f"unknown key (known: {', '.join(sorted(known))})")


class _Scalar:
    """Checks a value that is not under a named key (list items)."""

    def __init__(self, keys: _Keys, key: str) -> None:
        self.keys, self.key = keys, key

    def number(self, v: Any, lo: float = -math.inf, hi: float = math.inf) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.keys.error(self.key, f"expected a number, got {_shown(v)}")
        if not lo <= v <= hi:
            raise self.keys.error(self.key, f"{v} is outside [{lo:g}, {hi:g}]")
        return float(v)


def _shown(v: Any) -> str:
    text = repr(v)
    return f"{type(v).__name__} {text if len(text) < 40 else text[:37] + '...'}"


def _time_s(keys: _Keys, key: str, v: Any) -> int:
    """A TOML datetime or an ISO-8601 string, as unix seconds (UTC when no offset)."""
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            raise keys.error(key, f"not an ISO-8601 time: {v!r}") from None
    if not isinstance(v, datetime):
        raise keys.error(key, f"expected a date-time, got {_shown(v)}")
    if v.tzinfo is None:
        v = v.replace(tzinfo=UTC)
    seconds = v.timestamp()
    if seconds != int(seconds):
        raise keys.error(key, "times must be whole seconds")
    return int(seconds)


def _parse(doc: dict[str, Any], path: Path) -> Scenario:
    root = _Keys(doc, path, "")
    root.unknown(
        {"scenario", "traffic", "weather", "emitters", "spoofers", "nuisance", "incident", "world"}
    )
    sc = root.table("scenario")
    sc.unknown({"name", "description", "start", "duration_min"})
    name = sc.string("name", _REQUIRED)
    start_s = sc.time_s("start", _REQUIRED)
    if start_s % START_GRID_S:
        raise sc.error(sc.key("start"), f"must fall on a {START_GRID_S}-second boundary")
    duration_s = round(sc.number("duration_min", _REQUIRED, lo=1, hi=MAX_DURATION_S / 60) * 60)
    traffic = _traffic(root.table("traffic"))
    weather = _weather(root.table("weather", required=False))
    emitters = tuple(
        _emitter(_Keys(e, path, f"emitters[{i}]")) for i, e in enumerate(root.list("emitters", []))
    )
    spoofers = tuple(
        _spoofer(_Keys(e, path, f"spoofers[{i}]")) for i, e in enumerate(root.list("spoofers", []))
    )
    ids = [e.id for e in emitters] + [s.id for s in spoofers]
    for i, e in enumerate(ids):
        if e in ids[:i]:
            where = f"emitters[{i}]" if i < len(emitters) else f"spoofers[{i - len(emitters)}]"
            raise root.error(f"{where}.id", f"duplicate emitter id {e!r}")
    incident = _incident(root.table("incident"), traffic) if "incident" in root.data else None
    world = _world(root.table("world")) if "world" in root.data else None
    return Scenario(
        name=name,
        description=sc.string("description", ""),
        source=str(path),
        start_s=start_s,
        duration_s=duration_s,
        traffic=traffic,
        weather=weather,
        emitters=emitters,
        nuisance=_nuisance(root.table("nuisance", required=False)),
        spoofers=spoofers,
        incident=incident,
        world=world,
    )


def _world(w: _Keys) -> str:
    """The optional ``[world]`` table: the name of a world model (:mod:`skywitness.sim.world`)."""
    w.unknown({"name"})
    name = w.string("name")
    if name not in WORLDS:
        raise w.error(w.key("name"), f"unknown world model {name!r} (choices: {', '.join(WORLDS)})")
    return name


def _traffic(t: _Keys) -> Traffic:
    t.unknown(
        {"aircraft", "airports", "types", "airlines", "min_route_km", "max_route_km",
         "first_departure_min", "turnaround_min"}
    )  # fmt: skip
    airports = tuple(_airport(t, i, a) for i, a in enumerate(t.list("airports", _REQUIRED)))
    if len(airports) < 2:
        raise t.error(t.key("airports"), "at least two airports are needed")
    codes = [a.icao for a in airports]
    for i, c in enumerate(codes):
        if c in codes[:i]:
            raise t.error(f"{t.key('airports')}[{i}]", f"duplicate airport {c!r}")
    mix = t.table("types")
    types: list[tuple[str, float]] = []
    for code in mix.data:
        if code not in TYPES:
            raise mix.error(
                mix.key(code), f"unknown aircraft type (known: {', '.join(sorted(TYPES))})"
            )
        types.append((code, mix.number(code, lo=0)))
    if not types or sum(s for _, s in types) <= 0:
        raise t.error(t.key("types"), "give at least one type with a positive share")
    airlines = t.list("airlines", ["SWX"])
    for i, a in enumerate(airlines):
        if not (isinstance(a, str) and len(a) == 3 and a.isalpha() and a.isupper()):
            raise t.error(
                f"{t.key('airlines')}[{i}]",
                f"expected a 3-letter ICAO airline designator, got {_shown(a)}",
            )
    min_km = t.number("min_route_km", 150.0, lo=50)
    max_km = t.number("max_route_km", 20_000.0, lo=min_km)
    return Traffic(
        aircraft=t.integer("aircraft", _REQUIRED, lo=1, hi=MAX_AIRCRAFT),
        airports=airports,
        types=tuple(types),
        airlines=tuple(airlines),
        min_route_km=min_km,
        max_route_km=max_km,
        first_departure_min=t.pair("first_departure_min", [-120.0, 60.0]),
        turnaround_min=t.pair("turnaround_min", [40.0, 90.0], lo=10),
    )


def _airport(t: _Keys, i: int, a: Any) -> Airport:
    """A real airport by ICAO code (airportsdata), or a table with its own figures."""
    key = f"{t.key('airports')}[{i}]"
    if isinstance(a, str):
        db = _airport_db()
        if a not in db:
            raise t.error(key, f"unknown airport {a!r} (not an ICAO code in airportsdata)")
        rec = db[a]
        return Airport(a, float(rec["lat"]), float(rec["lon"]), float(rec["elevation"]))
    k = _Keys(a, t.file, key)
    k.unknown({"icao", "lat", "lon", "elevation_ft", "weight"})
    code = k.string("icao", _REQUIRED)
    if code in _airport_db() and "lat" not in k.data:
        rec = _airport_db()[code]
        lat, lon, elev = float(rec["lat"]), float(rec["lon"]), float(rec["elevation"])
    else:
        lat = k.number("lat", _REQUIRED, -90, 90)
        lon = k.number("lon", _REQUIRED, -180, 180)
        elev = k.number("elevation_ft", _REQUIRED, -1400, 15_000)
    return Airport(code, lat, lon, elev, k.number("weight", 1.0, lo=0))


def _airport_db() -> Mapping[str, Mapping[str, Any]]:
    """airportsdata's ICAO table (:mod:`skywitness.model.airports`)."""
    return icao_airports()


def _weather(w: _Keys) -> Weather:
    w.unknown({"wind_from_deg", "wind_kt", "geom_offset_max_ft"})
    return Weather(
        wind_from_deg=w.number("wind_from_deg", 0.0, 0, 360),
        wind_kt=w.number("wind_kt", 0.0, 0, 150),
        geom_offset_max_ft=w.number("geom_offset_max_ft", 600.0, 0, 2000),
    )


def _reach(e: _Keys, *, max_km: float, min_range_km: float) -> tuple[float | None, float, float]:
    """An emitter's power (or None), effective range and fringe width, km: exactly one of
    ``power_w`` and ``range_km``, at most one of ``fringe_km`` and ``fringe_db``."""
    has_power, has_range = "power_w" in e.data, "range_km" in e.data
    if has_power == has_range:
        raise e.error(e.where, "give exactly one of power_w and range_km")
    power = e.number("power_w", lo=1e-6, hi=1e7) if has_power else None
    range_km = (
        effective_range_km(power)
        if power is not None
        else e.number("range_km", lo=min_range_km, hi=max_km)
    )
    if "fringe_km" in e.data and "fringe_db" in e.data:
        raise e.error(e.where, "give at most one of fringe_km and fringe_db")
    if "fringe_km" in e.data:
        fringe = e.number("fringe_km", lo=0, hi=max_km)
    else:
        fringe = fringe_width_km(range_km, e.number("fringe_db", DEFAULT_FRINGE_DB, lo=0, hi=30))
    return power, range_km, fringe


def _emitter(e: _Keys) -> Emitter:
    e.unknown(
        {"id", "lat", "lon", "height_m", "power_w", "range_km", "fringe_km", "fringe_db", "active"}
    )
    power, range_km, fringe = _reach(e, max_km=5000, min_range_km=0.1)
    return Emitter(
        id=e.string("id", _REQUIRED),
        lat=e.number("lat", _REQUIRED, -90, 90),
        lon=e.number("lon", _REQUIRED, -180, 180),
        height_m=e.number("height_m", _REQUIRED, 0, 10_000),
        range_km=range_km,
        fringe_km=fringe,
        power_w=power,
        active=_windows(e),
    )


def _windows(e: _Keys) -> tuple[tuple[int, int], ...]:
    """An emitter's ``active`` list of {from, to} tables, sorted."""
    windows: list[tuple[int, int]] = []
    for i, w in enumerate(e.list("active", _REQUIRED)):
        k = _Keys(w, e.file, f"{e.key('active')}[{i}]")
        k.unknown({"from", "to"})
        a, b = k.time_s("from", _REQUIRED), k.time_s("to", _REQUIRED)
        if b <= a:
            raise k.error(k.key("to"), "must be after 'from'")
        windows.append((a, b))
    return tuple(sorted(windows))


#: Spoofer patterns, and the table each one reads its place from.
SPOOF_PATTERNS = ("attractor", "circle")


def _spoofer(e: _Keys) -> Spoofer:
    e.unknown(
        {"id", "lat", "lon", "height_m", "power_w", "range_km", "active", "pattern", "attractor",
         "circle", "trusted_share", "freeze_share", "freeze_s", "onset_s", "recovery_s"}
    )  # fmt: skip
    has_power, has_range = "power_w" in e.data, "range_km" in e.data
    if has_power == has_range:
        raise e.error(e.where, "give exactly one of power_w and range_km")
    power = e.number("power_w", lo=1e-6, hi=1e7) if has_power else None
    range_km = (
        spoofing.effective_range_km(power)
        if power is not None
        else e.number("range_km", lo=0.1, hi=5000)
    )
    pattern = e.string("pattern", "attractor")
    if pattern not in SPOOF_PATTERNS:
        raise e.error(
            e.key("pattern"), f"expected one of {', '.join(SPOOF_PATTERNS)}, got {pattern!r}"
        )
    other = next(p for p in SPOOF_PATTERNS if p != pattern)
    if other in e.data:
        raise e.error(e.key(other), f"not used with pattern = {pattern!r}")
    place = e.table(pattern)
    place.unknown(
        {"lat", "lon", "alt_ft", "spread_km"} | ({"radius_km"} if pattern == "circle" else set())
    )
    return Spoofer(
        id=e.string("id", _REQUIRED),
        lat=e.number("lat", _REQUIRED, -90, 90),
        lon=e.number("lon", _REQUIRED, -180, 180),
        height_m=e.number("height_m", _REQUIRED, 0, 10_000),
        range_km=range_km,
        power_w=power,
        active=_windows(e),
        pattern=pattern,
        target_lat=place.number("lat", _REQUIRED, -90, 90),
        target_lon=place.number("lon", _REQUIRED, -180, 180),
        radius_km=place.number("radius_km", _REQUIRED, 0.1, 2000) if pattern == "circle" else 0.0,
        alt_ft=place.number("alt_ft", 0.0, -1000, 60_000),
        spread_km=place.number("spread_km", spoofing.SPREAD_KM, 0, 50),
        trusted_share=e.number("trusted_share", spoofing.TRUSTED_SHARE, 0, 1),
        freeze_share=e.number("freeze_share", spoofing.FREEZE_SHARE, 0, 1),
        freeze_s=e.pair("freeze_s", list(spoofing.FREEZE_S), lo=0),
        onset_s=e.pair("onset_s", list(spoofing.ONSET_S), lo=0),
        recovery_s=e.pair("recovery_s", list(spoofing.RECOVERY_S), lo=0),
    )


def _span(k: _Keys, name: str, default: list[float], lo: float, hi: float) -> tuple[float, float]:
    """A [low, high] range whose ends lie in [lo, hi]."""
    a, b = k.pair(name, default, lo=lo)
    if b > hi:
        raise k.error(k.key(name), f"{b:g} is above {hi:g}")
    return a, b


def _incident(k: _Keys, traffic: Traffic) -> Incident:
    """The ``[incident]`` table: one flight through jamming to a crash (sim/incident.py)."""
    k.unknown(
        {"type", "airlines", "routes", "jammer", "background_radius_km", "entry_after_min",
         "go_around_height_ft", "failure_height_ft", "squawk_after_s", "phugoid_period_s",
         "phugoid_amplitude_ft", "hold_min", "diversion_alt_ft", "corrupted_s",
         "positions_back_min", "crash_short_km", "records_end_s", "after_crash_min"}
    )  # fmt: skip
    kind = k.string("type", "E190")
    if kind not in TYPES:
        raise k.error(k.key("type"), f"unknown aircraft type (known: {', '.join(sorted(TYPES))})")
    airlines = k.list("airlines", list(traffic.airlines))
    for i, a in enumerate(airlines):
        if not (isinstance(a, str) and len(a) == 3 and a.isalpha() and a.isupper()):
            raise k.error(
                f"{k.key('airlines')}[{i}]",
                f"expected a 3-letter ICAO airline designator, got {_shown(a)}",
            )
    if not airlines:
        raise k.error(k.key("airlines"), "give at least one airline")
    jammer = _incident_jammer(k.table("jammer"))
    radius = k.number("background_radius_km", 800.0, lo=50, hi=5000)
    routes = []
    for i, r in enumerate(k.list("routes")):
        routes.append(_route(_Keys(r, k.file, f"{k.key('routes')}[{i}]"), jammer, traffic, radius))
    if not routes:
        raise k.error(k.key("routes"), "give at least one route")
    period = _span(k, "phugoid_period_s", [60.0, 120.0], 20, 600)
    amplitude = _span(k, "phugoid_amplitude_ft", [300.0, 1200.0], 50, 3000)
    steepest = 2 * math.pi * amplitude[1] / period[0] * 60.0
    if steepest > PHUGOID_MAX_RATE_FPM:
        raise k.error(
            k.key("phugoid_amplitude_ft"),
            f"with phugoid_period_s from {period[0]:g} s the altitude would change at up to "
            f"{steepest:.0f} ft/min, above {PHUGOID_MAX_RATE_FPM:g}",
        )
    return Incident(
        type=kind,
        airlines=tuple(airlines),
        routes=tuple(routes),
        jammer=jammer,
        background_radius_km=radius,
        entry_after_min=_span(k, "entry_after_min", [8.0, 15.0], 1, 600),
        go_around_height_ft=_span(k, "go_around_height_ft", [150.0, 600.0], 50, 2500),
        failure_height_ft=_span(k, "failure_height_ft", [2000.0, 3500.0], 1500, 5000),
        squawk_after_s=_span(k, "squawk_after_s", [30.0, 240.0], 0, 3600),
        phugoid_period_s=period,
        phugoid_amplitude_ft=amplitude,
        hold_min=_span(k, "hold_min", [8.0, 20.0], 1, 120),
        diversion_alt_ft=_span(k, "diversion_alt_ft", [9000.0, 15000.0], 5000, 30000),
        corrupted_s=_span(k, "corrupted_s", [90.0, 240.0], 10, 900),
        positions_back_min=_span(k, "positions_back_min", [8.0, 20.0], 1, 60),
        crash_short_km=_span(k, "crash_short_km", [3.0, 6.0], 0.5, 15),
        records_end_s=_span(k, "records_end_s", [2.0, 10.0], 0, 120),
        after_crash_min=k.number("after_crash_min", 5.0, lo=0, hi=120),
    )


def _incident_jammer(e: _Keys) -> IncidentJammer:
    e.unknown(
        {"height_m", "power_w", "range_km", "fringe_km", "fringe_db", "distance_km",
         "bearing_spread_deg"}
    )  # fmt: skip
    power, range_km, fringe = _reach(e, max_km=1000, min_range_km=10)
    distance = _span(e, "distance_km", [20.0, 40.0], 0, 500)
    if distance[1] + INCIDENT_AREA_KM > range_km:
        raise e.error(
            e.key("distance_km"),
            f"the jammer ({range_km:.0f} km range) must cover {INCIDENT_AREA_KM:g} km around "
            f"the destination: place it at most {range_km - INCIDENT_AREA_KM:.0f} km away",
        )
    return IncidentJammer(
        height_m=e.number("height_m", 50.0, 0, 10_000),
        range_km=range_km,
        fringe_km=fringe,
        power_w=power,
        distance_km=distance,
        bearing_spread_deg=e.number("bearing_spread_deg", 30.0, 0, 180),
    )


def _route(r: _Keys, jammer: IncidentJammer, traffic: Traffic, radius_km: float) -> IncidentRoute:
    """One candidate route, checked against the jammer's placement and the background airports."""
    r.unknown({"origin", "destination", "diversion"})
    db = _airport_db()
    ports = []
    for name in ("origin", "destination", "diversion"):
        code = r.string(name)
        if code not in db:
            raise r.error(
                r.key(name), f"unknown airport {code!r} (not an ICAO code in airportsdata)"
            )
        rec = db[code]
        ports.append(Airport(code, float(rec["lat"]), float(rec["lon"]), float(rec["elevation"])))
    origin, dest, div = ports
    if len({p.icao for p in ports}) < 3:
        raise r.error(r.where, "origin, destination and diversion must be three airports")

    def km(a: Airport, lat: Any, lon: Any) -> Any:
        return distance_m(a.lat, a.lon, lat, lon) / 1000.0

    d = float(km(origin, dest.lat, dest.lon))
    if d < INCIDENT_MIN_ROUTE_KM:
        raise r.error(
            r.key("destination"), f"{d:.0f} km from the origin, below {INCIDENT_MIN_ROUTE_KM:g}"
        )
    d = float(km(dest, div.lat, div.lon))
    lo, hi = INCIDENT_DIVERSION_KM
    if not lo <= d <= hi:
        raise r.error(
            r.key("diversion"), f"{d:.0f} km from the destination, outside [{lo:g}, {hi:g}]"
        )
    # Where the jammer may be placed: around the direction of the origin.
    course = float(bearing_deg(dest.lat, dest.lon, origin.lat, origin.lon))
    spread = jammer.bearing_spread_deg
    bearings, dists = (
        np.linspace(course - spread, course + spread, SECTOR_GRID[0]),
        np.linspace(*jammer.distance_km, SECTOR_GRID[1]),
    )
    b, dd = np.meshgrid(bearings, dists * 1000.0)
    jlat, jlon = destination(dest.lat, dest.lon, b, dd)
    reach = jammer.range_km + jammer.fringe_km
    for port, margin, what in (
        (origin, INCIDENT_ORIGIN_MARGIN_KM, "origin"),
        (div, INCIDENT_DIVERSION_MARGIN_KM, "diversion"),
    ):
        nearest = float(np.min(km(port, jlat, jlon)))
        if nearest < reach + margin:
            raise r.error(
                r.key(what),
                f"the jammer may come within {nearest:.0f} km of {port.icao}; it must stay "
                f"{reach + margin:.0f} km away (reach {reach:.0f} km + {margin:g} km): "
                "lower its power, its distance_km or its bearing_spread_deg",
            )
    near = [a for a in traffic.airports if float(km(dest, a.lat, a.lon)) <= radius_km]
    if len(near) < 2:
        raise r.error(
            r.key("destination"),
            f"fewer than two of traffic.airports lie within background_radius_km "
            f"({radius_km:g} km) of {dest.icao}",
        )
    return IncidentRoute(origin, dest, div)


def _nuisance(n: _Keys) -> Nuisance:
    n.unknown(
        {"mlat_share", "adsb_v0_share", "faulty_nac_p_aircraft", "dropouts_per_hour",
         "dropout_s", "coverage_holes"}
    )  # fmt: skip
    holes = []
    for i, h in enumerate(n.list("coverage_holes", [])):
        k = _Keys(h, n.file, f"{n.key('coverage_holes')}[{i}]")
        k.unknown({"lat", "lon", "radius_km", "below_ft"})
        holes.append(
            CoverageHole(
                lat=k.number("lat", _REQUIRED, -90, 90),
                lon=k.number("lon", _REQUIRED, -180, 180),
                radius_km=k.number("radius_km", _REQUIRED, 0, 5000),
                below_ft=k.number("below_ft", _REQUIRED, 0, 60_000),
            )
        )
    mlat = n.number("mlat_share", 0.0, 0, 1)
    v0 = n.number("adsb_v0_share", 0.0, 0, 1)
    if mlat + v0 > 1:
        raise n.error(n.key("adsb_v0_share"), "mlat_share + adsb_v0_share exceeds 1")
    return Nuisance(
        mlat_share=mlat,
        adsb_v0_share=v0,
        faulty_nac_p_aircraft=n.integer("faulty_nac_p_aircraft", 0, 0, 10_000),
        dropouts_per_hour=n.number("dropouts_per_hour", 0.0, 0, 60),
        dropout_s=n.pair("dropout_s", [5.0, 60.0], lo=1),
        coverage_holes=tuple(holes),
    )


__all__ = [
    "Airport",
    "CoverageHole",
    "Emitter",
    "Incident",
    "Nuisance",
    "Scenario",
    "Spoofer",
    "Traffic",
    "Weather",
    "load",
    "resolve",
    "scenario_names",
]
