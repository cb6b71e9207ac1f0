"""The airport table every part reads: airportsdata's ICAO table (MIT, shipped
with the package, offline), loaded once on first use."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any


@cache
def icao_airports() -> Mapping[str, Mapping[str, Any]]:
    """ICAO code -> airportsdata record (``lat``, ``lon``, ``elevation`` in ft, ...); read-only."""
    import airportsdata

    return MappingProxyType(airportsdata.load("ICAO"))
