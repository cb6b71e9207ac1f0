"""One aircraft: bad values (:mod:`~skywitness.track.envelope`), flights and their
airports (:mod:`~skywitness.track.flights`), phases (:mod:`~skywitness.track.phases`),
dead reckoning (:mod:`~skywitness.track.reckon`), the path through gaps in trusted
positions (:mod:`~skywitness.track.gaps`); next: events, end of flight.

Each is a kernel: a pure function of one aircraft's reports, sorted by time,
returning values. The usual order::

    bad = flag_bad_values(reports)              # values no aircraft could have
    flights = split_flights(reports, bad=bad)   # legs, origin and destination
    phases = label_phases(reports, bad=bad, starts=flights.starts,
                          ground_alt_ft=flights.ground_alt_ft())
    path = reconstruct_gaps(one_flight_reports, bad=bad_of_that_flight)
"""

from skywitness.track.envelope import (
    ANY_AIRCRAFT,
    RULES,
    TRANSPORT,
    BadValues,
    Envelope,
    Series,
    clean,
    flag_bad_values,
    infer_envelope,
)
from skywitness.track.flights import Airport, Flight, Flights, Position, split_flights
from skywitness.track.gaps import Gap, Reconstruction, reconstruct_gaps
from skywitness.track.phases import PHASES, Phases, Span, label_phases, rolling_median

__all__ = [
    "ANY_AIRCRAFT",
    "PHASES",
    "RULES",
    "TRANSPORT",
    "Airport",
    "BadValues",
    "Envelope",
    "Flight",
    "Flights",
    "Gap",
    "Phases",
    "Position",
    "Reconstruction",
    "Series",
    "Span",
    "clean",
    "flag_bad_values",
    "infer_envelope",
    "label_phases",
    "reconstruct_gaps",
    "rolling_median",
    "split_flights",
]
