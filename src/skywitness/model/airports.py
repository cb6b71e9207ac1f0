"""The airport table every part reads: airportsdata's ICAO table (MIT, shipped
with the package, offline), loaded once on first use.

airportsdata misplaces a few airports: Brussels (EBBR) at 50.5405 N 4.2904 E,
its 50 deg 54'05" N 4 deg 29'04" E read as decimals, 42 km off, and so most
Belgian and Luxembourg airports. Where the shipped runway table
(:mod:`skywitness.model.runways`) puts an airport's runways between
:data:`MISPLACED_MIN_M` and :data:`MISPLACED_MAX_M` from its reference point,
the centre of its runway thresholds is used instead (``lat``, ``lon``; the
original is kept as ``airportsdata_lat`` / ``airportsdata_lon``). Farther
apart, the runway record is the suspect one (one lists an airport 13,000 km
away) and airportsdata is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

#: A reference point this far from the runways' centre is misplaced, m: an
#: airport's reference point lies on the airfield, within a few km of its
#: runways even at the largest airports (modelling choice).
MISPLACED_MIN_M = 5_000.0
#: ... unless farther than this, m: the degrees-minutes-seconds misreading moves a
#: point by at most 0.4 degrees (about 45 km); beyond 100 km the runway record is
#: the suspect one (modelling choice).
MISPLACED_MAX_M = 100_000.0


@cache
def icao_airports() -> Mapping[str, Mapping[str, Any]]:
    """ICAO code -> airportsdata record (``lat``, ``lon``, ``elevation`` in ft, ...), with
    misplaced reference points moved to their runways (module docstring); read-only."""
    import airportsdata

    from skywitness.model.geo import distance_m
    from skywitness.model.runways import runway_centres

    table: dict[str, Any] = dict(airportsdata.load("ICAO"))
    for code, (lat, lon) in runway_centres().items():
        rec = table.get(code)
        if rec is None:
            continue
        off = float(distance_m(float(rec["lat"]), float(rec["lon"]), lat, lon))
        if MISPLACED_MIN_M < off <= MISPLACED_MAX_M:
            table[code] = {**rec, "lat": lat, "lon": lon, "airportsdata_lat": rec["lat"],
                           "airportsdata_lon": rec["lon"]}  # fmt: skip
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in table.items()})
