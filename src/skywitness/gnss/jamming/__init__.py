"""GNSS jamming: per-aircraft quality state, interference maps per H3 cell,
bad stretches, interference events with their emitter.

:func:`gnss_state` turns reports into one state per airborne report (0 good,
1 bad, -1 unknown) with detectors chosen by name (``nacp``, ``nic``,
``loss``); :func:`interference_map` counts good and bad aircraft per H3 cell
and time window and scores each cell; :func:`interference_events` groups bad
stretches into events and locates their emitter.
"""

from skywitness.gnss.jamming.events import Event, interference_events
from skywitness.gnss.jamming.maps import MapGrid, interference_map, map_grid
from skywitness.gnss.jamming.state import (
    DETECTORS,
    NacpCounter,
    NicCounter,
    PositionLoss,
    QualityDetector,
    StateSummary,
    detector,
    gnss_state,
    state_summary,
)

__all__ = [
    "DETECTORS",
    "Event",
    "MapGrid",
    "NacpCounter",
    "NicCounter",
    "PositionLoss",
    "QualityDetector",
    "StateSummary",
    "detector",
    "gnss_state",
    "interference_events",
    "interference_map",
    "map_grid",
    "state_summary",
]
