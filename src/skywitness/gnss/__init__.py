"""GNSS interference: per-aircraft quality state, interference maps per H3 cell.

:func:`gnss_state` turns reports into one state per airborne report (0 good,
1 bad, -1 unknown) with detectors chosen by name (``nacp``, ``nic``,
``loss``); :func:`interference_map` counts good and bad aircraft per H3 cell
and time window and scores each cell; :func:`write_map` writes a map to CSV
(GPSJam layout), GeoJSON, Parquet, PNG or HTML by file extension.
"""

from skywitness.gnss.maps import interference_map, map_metadata, write_map
from skywitness.gnss.state import (
    DETECTORS,
    NacpCounter,
    NicCounter,
    PositionLoss,
    QualityDetector,
    detector,
    gnss_state,
    state_metadata,
)

__all__ = [
    "DETECTORS",
    "NacpCounter",
    "NicCounter",
    "PositionLoss",
    "QualityDetector",
    "detector",
    "gnss_state",
    "interference_map",
    "map_metadata",
    "state_metadata",
    "write_map",
]
