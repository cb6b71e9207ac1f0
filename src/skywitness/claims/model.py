"""Claims about a flight, as a claims file states them: reading and checking the file.

A claims file is JSON (or YAML, with the ``yaml`` extra: ``pip install
'skywitness[yaml]'``) of the shape the README documents::

    {"claims": [{"id": "C1", "flight": {"icao24": "4ca9f1"}, "kind": "observation", ...}]}

:func:`read_claims` reads one and returns :class:`Claim` values, or raises
:class:`ClaimsFileError` listing *every* problem found, one per line, each
naming the claim (its id, else its position), the field and what is wrong.
Fields not used by a claim's kind are problems too (a typo must not be
silently ignored). Times are ISO-8601 (:func:`skywitness.model.time.parse_time`);
``EVENT_OR_TIME`` fields take a time or one of :data:`EVENT_NAMES`.

The kinds and their fields (every field but ``id``, ``flight`` and ``kind``
may be left out; the checker judges what is given):

``observation``  time, clock_tolerance_s, observer {lat, lon, alt_m} | null,
                 azimuth_deg, ground_range_m | slant_range_m, height_m,
                 height_ref (msl, agl, observer, unknown), speed_mps,
                 heading_deg, and tolerances (below)
``position_at``  time, clock_tolerance_s, lat, lon, within_km
``approaches``   airport, count, go_arounds, before, after
``duration``     airborne_after, more_than_min | less_than_min | about_min,
                 tolerance_min
``gnss``         state (jammed, spoofed, degraded, normal), from, to, bbox
``squawk``       code, transmitted, from, to
``end``          end (crashed, landed, lost), airport, lat, lon, within_km, time,
                 clock_tolerance_s

Every kind also takes ``tolerance``: an object overriding the documented
default tolerances by name (``{"azimuth_deg": 10}``); see
:mod:`skywitness.claims.check` for the names and defaults.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from skywitness.errors import SkywitnessError
from skywitness.model.time import parse_time

#: Claim kinds.
KINDS = ("observation", "position_at", "approaches", "duration", "gnss", "squawk", "end")
#: Names an ``EVENT_OR_TIME`` field may take instead of a time: events of the
#: flight's timeline (resolved by the checker; the first of each kind, the last
#: for ``end``).
EVENT_NAMES = (
    "takeoff", "landing", "failure", "squawk_7700", "squawk_7600", "squawk_7500", "emergency",
    "position_lost", "position_regained", "gnss_lost", "gnss_regained", "first_go_around",
    "last_go_around", "diversion", "end",
)  # fmt: skip
HEIGHT_REFS = ("msl", "agl", "observer", "unknown")
GNSS_STATES = ("jammed", "spoofed", "degraded", "normal")
END_KINDS = ("crashed", "landed", "lost")

_COMMON = ("id", "flight", "kind", "tolerance", "note", "source")
#: Fields each kind takes (besides the common ones).
FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "observation": ("time", "clock_tolerance_s", "observer", "azimuth_deg", "ground_range_m",
                        "slant_range_m", "height_m", "height_ref", "speed_mps", "heading_deg"),
        "position_at": ("time", "clock_tolerance_s", "lat", "lon", "within_km"),
        "approaches": ("airport", "count", "go_arounds", "before", "after"),
        "duration": ("airborne_after", "more_than_min", "less_than_min", "about_min",
                     "tolerance_min"),
        "gnss": ("state", "from", "to", "bbox"),
        "squawk": ("code", "transmitted", "from", "to"),
        "end": ("end", "airport", "lat", "lon", "within_km", "time", "clock_tolerance_s"),
    }
)  # fmt: skip
#: Fields that hold an ``EVENT_OR_TIME``.
EVENT_OR_TIME_FIELDS = ("before", "after", "airborne_after", "from", "to", "time")
#: Numeric fields and their allowed ranges (inclusive).
RANGES: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "clock_tolerance_s": (0.0, 86_400.0), "azimuth_deg": (0.0, 360.0),
        "ground_range_m": (0.0, 1_000_000.0), "slant_range_m": (0.0, 1_000_000.0),
        "height_m": (-500.0, 30_000.0), "speed_mps": (0.0, 1_000.0), "heading_deg": (0.0, 360.0),
        "lat": (-90.0, 90.0), "lon": (-180.0, 180.0), "within_km": (0.0, 20_000.0),
        "count": (0.0, 1_000.0), "go_arounds": (0.0, 1_000.0), "more_than_min": (0.0, 100_000.0),
        "less_than_min": (0.0, 100_000.0), "about_min": (0.0, 100_000.0),
        "tolerance_min": (0.0, 100_000.0), "alt_m": (-500.0, 10_000.0),
    }
)  # fmt: skip


class ClaimsFileError(SkywitnessError):
    """A claims file that cannot be used: every problem, one per line
    (``FILE: claim C3, field 'time': not an ISO-8601 time``)."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{source}: {p}" for p in self.problems))


@dataclass(frozen=True)
class Flight:
    """Which flight a claim is about: an ICAO address and/or a callsign."""

    icao24: str | None = None
    callsign: str | None = None

    @property
    def ident(self) -> str:
        """What to look the aircraft up by (the address when given)."""
        return self.icao24 or self.callsign or ""


@dataclass(frozen=True)
class Observer:
    lat: float
    lon: float
    alt_m: float | None = None


@dataclass(frozen=True)
class Claim:
    """One claim: ``id``, ``flight``, ``kind`` and its fields as given (``fields``:
    read-only; times already parsed to UTC ns where the field is a time, event
    names kept as strings), the per-claim tolerance overrides, and its position
    in the file (``index``, from 0)."""

    id: str
    flight: Flight
    kind: str
    fields: Mapping[str, Any]
    tolerance: Mapping[str, float] = field(default_factory=dict)
    observer: Observer | None = None
    index: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "tolerance", MappingProxyType(dict(self.tolerance)))

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def as_json(self) -> dict[str, Any]:
        """The claim as it could be written back (times as ISO-8601)."""
        from skywitness.model.timefmt import iso_utc

        out: dict[str, Any] = {"id": self.id, "kind": self.kind,
                               "flight": {k: v for k, v in (("icao24", self.flight.icao24),
                                                             ("callsign", self.flight.callsign))
                                          if v is not None}}  # fmt: skip
        for k, v in self.fields.items():
            out[k] = iso_utc(v) if k in EVENT_OR_TIME_FIELDS and isinstance(v, int) else v
        if self.observer is not None:
            out["observer"] = {"lat": self.observer.lat, "lon": self.observer.lon,
                               "alt_m": self.observer.alt_m}  # fmt: skip
        if self.tolerance:
            out["tolerance"] = dict(self.tolerance)
        return out


# -- reading ----------------------------------------------------------------------------


def read_claims(source: str | Path | Mapping[str, Any]) -> tuple[Claim, ...]:
    """The claims of a file (JSON, or YAML with the ``yaml`` extra) or of a mapping
    already loaded; :class:`ClaimsFileError` with every problem otherwise."""
    if isinstance(source, Mapping):
        return parse_claims(source, "<claims>")
    path = Path(source)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClaimsFileError(name, ["no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaimsFileError(
            name, [f"cannot read: {getattr(exc, 'strerror', None) or exc}"]
        ) from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ClaimsFileError(
                name, ["a YAML claims file needs the yaml extra: pip install 'skywitness[yaml]'"]
            ) from None
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ClaimsFileError(name, [f"not valid YAML: {' '.join(str(exc).split())}"]) from None
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ClaimsFileError(
                name, [f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
            ) from None
    return parse_claims(doc, name)


def parse_claims(doc: Any, name: str = "<claims>") -> tuple[Claim, ...]:
    """Claims from a loaded document (module docstring); every problem collected."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("claims"), list):
        raise ClaimsFileError(name, ['the top level must be an object {"claims": [...]}'])
    problems: list[str] = []
    out: list[Claim] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(doc["claims"]):
        where = f"claim #{i + 1}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: not an object")
            continue
        cid = raw.get("id")
        if cid is not None:
            where = f"claim {cid}"
            if not isinstance(cid, str | int) or isinstance(cid, bool):
                problems.append(f"claim #{i + 1}, field 'id': must be a string")
                cid = None
        claim_id = str(cid) if cid is not None else f"#{i + 1}"
        if claim_id in seen:
            problems.append(f"{where}, field 'id': also the id of claim #{seen[claim_id] + 1}")
        seen.setdefault(claim_id, i)
        mine: list[str] = []
        claim = _claim(raw, claim_id, i, mine)
        problems += [f"{where}, {p}" for p in mine]
        if claim is not None and not mine:
            out.append(claim)
    if problems:
        raise ClaimsFileError(name, problems)
    return tuple(out)


def _claim(raw: Mapping[str, Any], cid: str, index: int, problems: list[str]) -> Claim | None:
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(f"field 'kind': {kind!r} is not one of {', '.join(KINDS)}")
        return None
    allowed = set(_COMMON) | set(FIELDS[kind])
    for k in raw:
        if k not in allowed:
            problems.append(f"field {k!r}: not a field of a {kind} claim "
                            f"(fields: {', '.join(FIELDS[kind])})")  # fmt: skip
    flight = _flight(raw.get("flight"), problems)
    fields: dict[str, Any] = {}
    observer = None
    for k in FIELDS[kind]:
        if k not in raw or raw[k] is None:
            continue
        v = raw[k]
        if k == "observer":
            observer = _observer(v, problems)
        elif k in EVENT_OR_TIME_FIELDS:
            fields[k] = _event_or_time(k, v, problems, events=k != "time" or kind == "end")
        elif k in RANGES:
            fields[k] = _number(k, v, problems)
        elif k == "height_ref":
            fields[k] = _choice(k, v, HEIGHT_REFS, problems)
        elif k == "state":
            fields[k] = _choice(k, v, GNSS_STATES, problems)
        elif k == "end":
            fields[k] = _choice(k, v, END_KINDS, problems)
        elif k == "transmitted":
            if not isinstance(v, bool):
                problems.append(f"field 'transmitted': must be true or false, not {v!r}")
            fields[k] = v
        elif k == "code":
            code = str(v)
            if len(code) != 4 or any(ch not in "01234567" for ch in code):
                problems.append(f"field 'code': {v!r} is not a squawk (four octal digits)")
            fields[k] = code
        elif k == "airport":
            if not isinstance(v, str) or not v.strip():
                problems.append(f"field 'airport': must be an ICAO code, not {v!r}")
            fields[k] = str(v).strip().upper()
        elif k == "bbox":
            fields[k] = _bbox(v, problems)
    if kind == "observation" and "ground_range_m" in fields and "slant_range_m" in fields:
        problems.append("fields 'ground_range_m' and 'slant_range_m': give one of them")
    if kind == "duration":
        given = [k for k in ("more_than_min", "less_than_min", "about_min") if k in fields]
        if not given:
            problems.append("a duration claim needs more_than_min, less_than_min or about_min")
    tolerance = _tolerance(raw.get("tolerance"), problems)
    if flight is None:
        return None
    return Claim(cid, flight, kind, fields, tolerance, observer, index)


def _flight(v: Any, problems: list[str]) -> Flight | None:
    if not isinstance(v, Mapping) or not (v.get("icao24") or v.get("callsign")):
        problems.append('field \'flight\': must be {"icao24": ...} or {"callsign": ...}')
        return None
    icao, cs = v.get("icao24"), v.get("callsign")
    if icao is not None:
        icao = str(icao).strip().lower()
        if len(icao.lstrip("~")) != 6 or any(c not in "0123456789abcdef" for c in icao.lstrip("~")):
            problems.append(f"field 'flight': icao24 {v.get('icao24')!r} is not six hex digits")
    if cs is not None:
        cs = str(cs).strip().upper()
    return Flight(icao, cs)


def _observer(v: Any, problems: list[str]) -> Observer | None:
    if not isinstance(v, Mapping):
        problems.append(
            'field \'observer\': must be {"lat": ..., "lon": ..., "alt_m": ...} or null'
        )
        return None
    lat = _number("observer.lat", v.get("lat"), problems, RANGES["lat"])
    lon = _number("observer.lon", v.get("lon"), problems, RANGES["lon"])
    alt = v.get("alt_m")
    alt_m = None if alt is None else _number("observer.alt_m", alt, problems, RANGES["alt_m"])
    if lat is None or lon is None:
        return None
    return Observer(lat, lon, alt_m)


def _number(
    k: str, v: Any, problems: list[str], bounds: tuple[float, float] | None = None
) -> float | None:
    lo, hi = bounds or RANGES.get(k, (-math.inf, math.inf))
    if isinstance(v, bool) or not isinstance(v, int | float):
        problems.append(f"field {k!r}: must be a number, not {v!r}")
        return None
    x = float(v)
    if not math.isfinite(x) or not lo <= x <= hi:
        problems.append(f"field {k!r}: {v!r} is out of range ({lo:g} to {hi:g})")
        return None
    return x


def _choice(k: str, v: Any, choices: Sequence[str], problems: list[str]) -> str | None:
    if v not in choices:
        problems.append(f"field {k!r}: {v!r} is not one of {', '.join(choices)}")
        return None
    return str(v)


def _event_or_time(k: str, v: Any, problems: list[str], *, events: bool = True) -> int | str | None:
    if isinstance(v, str) and v in EVENT_NAMES and events:
        return v
    try:
        ns = parse_time(v, what=k)
    except SkywitnessError as exc:
        hint = f" or one of the events {', '.join(EVENT_NAMES)}" if events else ""
        problems.append(f"field {k!r}: {v!r} is not an ISO-8601 time{hint} ({exc})")
        return None
    return ns


def _bbox(v: Any, problems: list[str]) -> tuple[float, float, float, float] | None:
    if not isinstance(v, list | tuple) or len(v) != 4:
        problems.append("field 'bbox': must be [west, south, east, north] in degrees")
        return None
    vals = [_number("bbox", x, problems, (-180.0, 180.0)) for x in v]
    if any(x is None for x in vals):
        return None
    w, s, e, n = (float(x) for x in vals if x is not None)
    if not (-90 <= s <= n <= 90):
        problems.append("field 'bbox': south must not exceed north (within -90 to 90)")
        return None
    return (w, s, e, n)


def _tolerance(v: Any, problems: list[str]) -> dict[str, float]:
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        problems.append("field 'tolerance': must be an object of named tolerances")
        return {}
    out = {}
    for k, x in v.items():
        num = _number(f"tolerance.{k}", x, problems, (0.0, math.inf))
        if num is not None:
            out[str(k)] = num
    return out


__all__ = [
    "END_KINDS",
    "EVENT_NAMES",
    "FIELDS",
    "GNSS_STATES",
    "HEIGHT_REFS",
    "KINDS",
    "Claim",
    "ClaimsFileError",
    "Flight",
    "Observer",
    "parse_claims",
    "read_claims",
]
