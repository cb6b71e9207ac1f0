"""Unit conversions, as named constants (all exact by definition).

The international foot is exactly 0.3048 m and the international nautical
mile exactly 1,852 m (both 1959 definitions, ICAO Annex 5). Multiply a value
in the unit after ``_PER_`` by the constant to get the unit before it.
"""

from __future__ import annotations

#: Metres in one international foot (exact).
M_PER_FT = 0.3048
#: Metres in one international nautical mile (exact).
M_PER_NM = 1852.0

#: Feet per metre: altitude in m -> ft.
FT_PER_M = 1.0 / M_PER_FT
#: Knots per metre per second: speed in m/s -> kt (1 kt = 1852 m per 3600 s).
KT_PER_MPS = 3600.0 / M_PER_NM
#: Metres per second per knot: kt -> m/s.
MPS_PER_KT = M_PER_NM / 3600.0
#: Feet per minute per metre per second: vertical rate in m/s -> ft/min.
FPM_PER_MPS = 60.0 / M_PER_FT

#: Nanoseconds per second, millisecond and microsecond (canonical time is UTC ns).
NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000
NS_PER_US = 1_000
#: Microseconds per second: times read as float seconds are rounded to the
#: microsecond, below which float64 epoch seconds carry only noise.
US_PER_S = 1_000_000
