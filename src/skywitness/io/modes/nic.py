"""Integrity and accuracy of ADS-B positions: NIC, Rc, NACp, SIL, emergencies.

NIC is not a field of any one message. It follows from the position type
code, NIC supplement A (operational status, BDS 6,5), supplement B (bit 8 of
the airborne position message, version 2 only; version 1 uses that bit for
the single-antenna flag) and supplement C (surface operational status,
version 2). Tables: DO-260B Table 2-14 / 2-15 (version 2), DO-260A Table N-11
(version 1). Version 0 transponders send NUCp instead, mapped below.
"""

from __future__ import annotations

from typing import NamedTuple

#: One nautical mile in metres: every Rc bound is a fraction of a NM.
NM_M = 1852.0

#: (NIC, Rc in metres) by airborne type code, versions 1 and 2, where no
#: supplement changes the result.
_FIXED: dict[int, tuple[int, float | None]] = {
    9: (11, 7.5),
    10: (10, 25.0),
    12: (7, 0.2 * NM_M),
    14: (5, 1.0 * NM_M),
    15: (4, 2.0 * NM_M),
    17: (1, 20.0 * NM_M),
    18: (0, None),
    20: (11, 7.5),
    21: (10, 25.0),
    22: (0, None),
    5: (11, 7.5),
    6: (10, 25.0),
}

#: NUCp by position type code (DO-260 2.2.3.2.3.1, version 0).
TC_NUCP: dict[int, int] = {
    5: 9, 6: 8, 7: 7, 8: 6, 9: 9, 10: 8, 11: 7, 12: 6, 13: 5,
    14: 4, 15: 3, 16: 2, 17: 1, 18: 0, 20: 9, 21: 8, 22: 0,
}  # fmt: skip

#: Version 0 (no operational status seen): NUCp -> (NIC, Rc m). NUCp gives a
#: horizontal protection limit (HPL, DO-260 Table 2-13); we report it as Rc and
#: pick the NIC whose containment bound is the nearest one not tighter than the
#: HPL (so NIC never overstates integrity): NUCp 2 (HPL 10 NM) is NIC 1
#: (Rc < 20 NM), not NIC 2 (Rc < 8 NM).
NUCP_NIC: dict[int, tuple[int, float | None]] = {
    9: (11, 7.5),
    8: (10, 25.0),
    7: (8, 0.1 * NM_M),
    6: (7, 0.2 * NM_M),
    5: (6, 0.5 * NM_M),
    4: (5, 1.0 * NM_M),
    3: (4, 2.0 * NM_M),
    2: (1, 10.0 * NM_M),
    1: (1, 20.0 * NM_M),
    0: (0, None),
}


def nic_rc(
    tc: int, version: int | None, nic_a: bool, nic_b: bool, nic_c: bool
) -> tuple[int, float | None] | None:
    """(NIC, Rc metres or None when unknown) for a position with type code ``tc``.

    ``version`` is the ADS-B version from operational status, None when no
    operational status was seen (treated as version 0). Returns None for type
    codes that are not positions.
    """
    if tc not in TC_NUCP:
        return None
    if not version:
        return NUCP_NIC[TC_NUCP[tc]]
    v2 = version >= 2
    if tc in _FIXED:
        return _FIXED[tc]
    if tc == 7:  # surface, supplement A only
        return (9, 75.0) if nic_a else (8, 0.1 * NM_M)
    if tc == 8:  # surface: version 2 adds supplement C
        if not v2:
            return (0, None)
        if nic_a and nic_c:
            return (7, 0.2 * NM_M)
        if nic_c:
            return (6, 0.6 * NM_M)
        return (6, 0.3 * NM_M) if nic_a else (0, None)
    b = nic_b if v2 else True  # version 1: supplement A alone decides
    if tc == 11:
        return (9, 75.0) if nic_a and b else (8, 0.1 * NM_M)
    if tc == 13:
        if not v2:  # DO-260A: the NIC supplement widens the bound to 0.6 NM
            return (6, 0.6 * NM_M) if nic_a else (6, 0.5 * NM_M)
        if not nic_b:
            return (6, 0.5 * NM_M)
        return (6, 0.6 * NM_M) if nic_a else (6, 0.3 * NM_M)
    # tc == 16
    return (3, 4.0 * NM_M) if nic_a and b else (2, 8.0 * NM_M)


class OpStatus(NamedTuple):
    """What operational status (BDS 6,5) says about position quality."""

    version: int
    nic_a: bool
    nic_c: bool | None  # surface messages of version 2 only
    nac_p: int | None
    nac_v: int | None  # surface messages of version 2 only
    sil: int | None


def _bits(me: int, first: int, count: int) -> int:
    """ME bits ``first``..``first+count-1`` (1-based, as numbered in DO-260B)."""
    return (me >> (56 - first - count + 1)) & ((1 << count) - 1)


def opstatus(frame: str) -> OpStatus | None:
    """Parse the quality fields of a BDS 6,5 extended squitter (28 hex digits).

    Bit positions (DO-260B 2.2.3.2.7.2): subtype ME 6-8, version 41-43,
    NIC supplement A 44, NACp 45-48, SIL 51-52; surface capability class holds
    NACv at ME 17-19 and NIC supplement C at ME 20 (version 2).
    """
    me = int(frame[8:22], 16)
    subtype = _bits(me, 6, 3)
    if subtype > 1:
        return None
    version = _bits(me, 41, 3)
    if version == 0:  # DO-260 operational status has no quality fields
        return OpStatus(0, False, None, None, None, None)
    surface_v2 = subtype == 1 and version >= 2
    return OpStatus(
        version=version,
        nic_a=bool(_bits(me, 44, 1)),
        nic_c=bool(_bits(me, 20, 1)) if surface_v2 else None,
        nac_p=_bits(me, 45, 4),
        nac_v=_bits(me, 17, 3) if surface_v2 else None,
        sil=_bits(me, 51, 2),
    )


def target_state_v2(frame: str) -> bool:
    """True when a BDS 6,2 squitter uses the version 2 layout (subtype 1) rs1090 decodes."""
    return _bits(int(frame[8:22], 16), 6, 2) == 1


#: rs1090's BDS 6,1 emergency_state -> canonical emergency vocabulary.
EMERGENCY_STATES: dict[str, str] = {
    "none": "none",
    "general": "general",
    "medical": "lifeguard",
    "minimum_fuel": "minfuel",
    "no_communication": "nordo",
    "unlawful_interference": "unlawful",
    "downed_aircraft": "downed",
    "reserved": "reserved",
}

#: Mode A codes reserved for emergencies (ICAO Doc 8168 Vol I, III-3-1).
EMERGENCY_SQUAWKS: dict[str, str] = {"7500": "unlawful", "7600": "nordo", "7700": "general"}
