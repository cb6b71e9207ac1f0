"""GNSS spoofing: per-aircraft detectors, spoofed intervals, spoofed places
and the spoofer's area, estimated true paths.
"""

from skywitness.gnss.spoofing.detectors import (
    COMBINERS,
    DETECTORS,
    INTERVAL_MERGE_S,
    AnyOf,
    SpoofCombiner,
    SpoofDetector,
    SpoofInterval,
    SpoofSummary,
    Vote,
    detector_columns,
    prepare,
    spoof_combiner,
    spoof_detector,
    spoof_intervals,
    spoof_states,
    spoof_summary,
)

__all__ = [
    "COMBINERS",
    "DETECTORS",
    "INTERVAL_MERGE_S",
    "AnyOf",
    "SpoofCombiner",
    "SpoofDetector",
    "SpoofInterval",
    "SpoofSummary",
    "Vote",
    "detector_columns",
    "prepare",
    "spoof_combiner",
    "spoof_detector",
    "spoof_intervals",
    "spoof_states",
    "spoof_summary",
]
