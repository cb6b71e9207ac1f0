"""What a leg's messages say beyond its motion: emergency, autopilot modes, corrupted values.

Most legs have no such status (:attr:`skywitness.sim.fleet.Leg.status` is
None): their messages carry the leg's own squawk, emergency ``"none"`` and no
``nav_modes``. A leg with a :class:`Status` (the incident flight,
:mod:`skywitness.sim.incident`) says, per second:

- ``emergency``: squawk 7700 and readsb's emergency ``"general"`` instead of
  the leg's squawk and ``"none"``;
- ``nav_modes``: the autopilot modes readsb decodes from ADS-B version 2
  target state and status messages (a bit mask over :data:`NAV_MODES`, or
  :data:`NOT_SENT`);
- ``bad_alt_ft`` / ``bad_gs_kt``: a value the transponder sends instead of the
  true barometric altitude or ground speed (NaN: the true value is sent).

The writers (:mod:`skywitness.sim.messages`) quantise the corrupted values as
they quantise the true ones; the truth keeps the true ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: readsb's ``nav_modes`` names (readsb README-json.md), bit i of a mask.
NAV_MODES = ("autopilot", "vnav", "althold", "approach", "lnav", "tcas")
#: Mask value of a second whose messages carry no ``nav_modes``.
NOT_SENT = -1
#: Mode A code of a general emergency (ICAO Annex 10 Vol IV, 2.1.4.2.2) and
#: readsb's emergency status for it (ADS-B emergency/priority status 1).
EMERGENCY_SQUAWK = "7700"
EMERGENCY_STATUS = "general"


def mode_mask(*names: str) -> int:
    """The bit mask of the named modes (names from :data:`NAV_MODES`)."""
    return sum(1 << NAV_MODES.index(n) for n in names)


def mode_names(mask: int) -> list[str]:
    """The modes set in ``mask``, in readsb's order."""
    return [n for i, n in enumerate(NAV_MODES) if mask >> i & 1]


@dataclass(frozen=True)
class Status:
    """Per second of a leg (arrays as long as its trajectory); see the module docstring."""

    emergency: NDArray[np.bool_]
    nav_modes: NDArray[np.int8]
    bad_alt_ft: NDArray[np.float64]
    bad_gs_kt: NDArray[np.float64]

    def changes(self) -> NDArray[np.int64]:
        """Seconds where what the status says changes: readsb adds a trace point there."""
        corrupt = np.c_[self.bad_alt_ft, self.bad_gs_kt]
        code = np.where(np.isnan(corrupt), -1e9, corrupt)
        changed = (
            (np.diff(self.emergency.astype(np.int8)) != 0)
            | (np.diff(self.nav_modes) != 0)
            | (np.diff(code, axis=0) != 0).any(axis=1)
        )
        return np.asarray(np.flatnonzero(changed) + 1, dtype=np.int64)


__all__ = [
    "EMERGENCY_SQUAWK",
    "EMERGENCY_STATUS",
    "NAV_MODES",
    "NOT_SENT",
    "Status",
    "mode_mask",
    "mode_names",
]
