"""One flight's events on one timeline: what happened, when, with its evidence.

An :class:`Event` is a time (UTC ns), a kind (one of :data:`KINDS`, each
documented there and in the README) and a detail: a mapping of JSON values
(strings, numbers, booleans, None, lists and mappings of them; times inside
it are ISO-8601 strings with a Z). A state that holds for a while is either
two events (``gnss_lost`` / ``gnss_regained``) when the two ends matter on
their own, or one event with ``end`` (and ``duration_s``) in its detail.

Events are made by the kernels that see them (signals in the reports below,
approaches, oscillation, the end of the flight, the GNSS detectors in the
flight job) and merged in time order with :func:`timeline`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from skywitness.errors import UsageError
from skywitness.model.timefmt import iso_utc

#: Every event kind, with what it means (the README's table is checked against this).
KINDS: Mapping[str, str] = MappingProxyType(
    {
        "takeoff": "lift-off: the first airborne report after a ground roll",
        "landing": "touchdown: the first report on the ground after flight",
        "gnss_lost": "GNSS quality lost (NIC/NACp fell below what jamming leaves, or positions stopped with the GNSS detectors' state 'lost')",
        "gnss_regained": "GNSS quality back after a loss",
        "spoofed": "an interval of spoofed positions (detail: end, detectors)",
        "position_lost": "the last position before a stretch without trusted positions (detail: end, duration_s, cause)",
        "position_regained": "the first trusted position after such a stretch",
        "squawk": "a squawk change (detail: code, previous, meaning: hijack, radio failure, emergency or none)",
        "emergency": "an emergency status broadcast (detail: status: general, lifeguard, minfuel, nordo, unlawful, downed)",
        "autopilot_off": "the nav modes stop saying autopilot",
        "autopilot_on": "the nav modes say autopilot again",
        "approach_mode_on": "the approach mode (ILS/RNAV approach) engaged",
        "approach_mode_off": "the approach mode disengaged",
        "approach": "an approach towards an airport (detail: airport, runway, min_height_ft, aligned, go_around)",
        "go_around": "a climb away after an approach's lowest point",
        "holding": "holding or orbiting: a sustained turn (detail: end, turns)",
        "oscillation": "an altitude oscillation (detail: end, period_s, amplitude_ft, speed anti-phase)",
        "abnormal_vertical_rate": "a vertical rate beyond what normal flight uses (detail: end, max/min fpm)",
        "bad_values": "values no aircraft could have, rejected (detail: end, fields, rule)",
        "sources_disagree": "two archives disagree about the same interval (detail: end, sources, what)",
        "diversion": "the flight turned away from its evident destination towards another airport",
        "failure": "the earliest evidence of a sudden failure (detail: evidence)",
        "end": "the end of the flight: landed, crashed or lost (detail: kind, airport, runway, lat, lon, error_km)",
    }
)


@dataclass(frozen=True, order=True)
class Event:
    """One event: ``time_ns`` (UTC ns), ``kind`` (one of :data:`KINDS`) and ``detail``
    (JSON values; read-only)."""

    time_ns: int
    kind: str = field(compare=False)
    detail: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"unknown event kind {self.kind!r}")
        object.__setattr__(self, "time_ns", int(self.time_ns))
        object.__setattr__(self, "detail", MappingProxyType(dict(self.detail)))

    @property
    def time(self) -> str:
        """The time as ISO-8601 UTC."""
        return iso_utc(self.time_ns)

    def as_json(self) -> dict[str, Any]:
        """``{"time": ISO, "kind": str, "detail": {...}}``."""
        return {"time": self.time, "kind": self.kind, "detail": _plain(self.detail)}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def timeline(*groups: Iterable[Event]) -> tuple[Event, ...]:
    """All events of the groups in time order (stable: equal times keep their order)."""
    return tuple(sorted((e for g in groups for e in g), key=lambda e: e.time_ns))


__all__ = ["KINDS", "Event", "timeline"]
