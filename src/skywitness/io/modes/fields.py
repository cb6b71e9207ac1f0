"""Canonical fields from one rs1090-decoded Mode S message, and per-aircraft state.

Identity and quality (callsign, squawk, emergency, NIC, Rc, NACp, NACv, SIL)
describe the aircraft rather than one frame, so they are kept per aircraft
and repeated on its later rows. Kinematic fields (position, altitude, speeds)
are only ever on the row of the frame that carried them.

rs1090's vertical-rate source label is inverted (reference/formats.md); the
label is not used here, only the rate.
"""

from __future__ import annotations

from typing import Any

from skywitness.io.base import num, text
from skywitness.io.modes.nic import (
    EMERGENCY_SQUAWKS,
    EMERGENCY_STATES,
    nic_rc,
    opstatus,
    target_state_v2,
)
from skywitness.io.modes.track import NS, Pending, Track

#: geo_minus_baro from a velocity message (BDS 0,9) is combined with a later
#: barometric altitude for this long. Velocity messages come at 2 Hz (DO-260B
#: 2.2.3.3.1.4.2), so 10 s tolerates lost frames; the difference between GNSS
#: and pressure altitude changes by a few feet at most in that time.
GEO_DELTA_MAX_AGE_S = 10.0
#: Comm-B registers whose content sets canonical fields. rs1090 infers the
#: register of DF20/21 replies from their content; when more than one of these
#: fits, the reply is ambiguous and none is used.
COMMB_KINEMATIC = ("bds40", "bds50", "bds60")
#: BDS 6,0 vertical rates: 32 ft/min steps (ICAO Doc 9871 Table A-2-96).
BDS60_VRATE_STEP_FPM = 32
#: Largest BDS 6,0 vertical rate taken as real: the bound rs1090 and pyModeS
#: use to infer the register (a larger value means the reply is another one).
BDS60_MAX_VRATE_FPM = 6000
#: DF4/5/20/21 flight status -> on ground (ICAO Annex 10 Vol IV 3.1.2.6.5.1).
FLIGHT_STATUS_GROUND: dict[int, bool] = {0: False, 1: True, 2: False, 3: True}
#: DF11/17 capability 4 = on the ground, 5 = airborne (Annex 10 3.1.2.5.2.2.1).
CAPABILITY_GROUND: dict[int, bool] = {4: True, 5: False}
#: DF18 control field -> source (DO-260B 2.2.3.2.1.5; CF 1 is ADS-B from a
#: non-transponder device, CF 6 ADS-R rebroadcast of ADS-B).
DF18_SOURCES: dict[int, str] = {0: "adsb", 1: "adsb", 2: "tisb", 3: "tisb", 5: "tisb", 6: "adsb"}
#: DF18 control fields whose ME field has the extended squitter layout.
DF18_STANDARD_ME = frozenset({0, 1, 2, 5, 6})
#: Control fields whose address is never an ICAO address (CF 1, CF 5).
DF18_NON_ICAO = frozenset({1, 5})
#: Control fields whose address type is given by an IMF bit: TIS-B fine
#: (CF 2) and ADS-R (CF 6).
IMF_CFS = frozenset({2, 6})
#: ME bit holding the IMF flag (1: the address is not an ICAO address) in
#: TIS-B fine / ADS-R messages, by register (DO-260B 2.2.17.4, as in readsb):
#: airborne position bit 8, surface position bit 21, velocity bit 9.
IMF_BIT: dict[str, int] = {"05": 8, "06": 21, "09": 9}


class Aircraft:
    """What is known about one address so far."""

    __slots__ = (
        "confirmed_ns",
        "gmb",
        "gmb_ns",
        "held",
        "last_nic_b",
        "last_tc",
        "nic_a",
        "nic_c",
        "seen_chunk",
        "seen_ns",
        "squawk_emergency",
        "sticky",
        "track",
        "version",
    )

    def __init__(self) -> None:
        self.sticky: dict[str, Any] = {}
        self.version: int | None = None
        self.nic_a = False
        self.nic_c = False
        self.last_tc: int | None = None
        self.last_nic_b = False
        self.squawk_emergency = False
        self.gmb: float | None = None
        self.gmb_ns = 0
        self.track = Track()
        self.held: list[tuple[int, dict[str, Any]]] = []
        self.seen_ns = 0
        self.seen_chunk = 0
        #: Time of the last DF11/17/18 frame with this ICAO address (parity checked).
        self.confirmed_ns: int | None = None

    def position_quality(self, tc: Any, nic_b: bool) -> None:
        if not isinstance(tc, int):
            return
        self.last_tc, self.last_nic_b = tc, nic_b
        self.update_nic()

    def update_nic(self) -> None:
        if self.last_tc is None:
            return
        nic = nic_rc(self.last_tc, self.version, self.nic_a, self.last_nic_b, self.nic_c)
        if nic is not None:
            self.sticky["nic"], self.sticky["rc_m"] = nic

    def squawk(self, value: Any) -> None:
        if not (isinstance(value, str) and len(value) == 4 and value.isdigit()):
            return
        if "8" in value or "9" in value:
            return
        self.sticky["squawk"] = value
        emergency = EMERGENCY_SQUAWKS.get(value)
        if emergency is not None:
            self.sticky["emergency"] = emergency
            self.squawk_emergency = True
        elif self.squawk_emergency or "emergency" not in self.sticky:
            # A normal code after an emergency code ends that emergency; one
            # declared through BDS 6,1 (lifeguard, minfuel...) has no code.
            self.sticky["emergency"] = "none"
            self.squawk_emergency = False


def non_icao_imf(frame: str, bds: Any) -> bool:
    """True when a TIS-B fine / ADS-R frame's IMF bit says its address is not ICAO."""
    bit = IMF_BIT.get(bds) if isinstance(bds, str) else None
    return bit is not None and bool((int(frame[8:22], 16) >> (56 - bit)) & 1)


def extended_squitter(
    row: dict[str, Any], msg: dict[str, Any], frame: str, ac: Aircraft, t_ns: int, nic_b_ok: bool
) -> Pending | None:
    """Fields of a DF17/18 message; the CPR frame to position, if any."""
    bds = msg.get("bds")
    if bds == "05":
        tc = msg.get("tc")
        alt = num(msg.get("altitude"))
        if isinstance(tc, int) and tc >= 20:
            row["alt_geom_ft"] = alt
        else:
            row["alt_baro_ft"] = alt
        row["on_ground"] = False
        ac.position_quality(tc, nic_b_ok and bool(msg.get("NICb")))
        return _cpr(msg, False, t_ns, row)
    if bds == "09":
        row["gs_kt"] = num(msg.get("groundspeed"))
        row["track_deg"] = num(msg.get("track"))
        row["ias_kt"] = num(msg.get("IAS"))
        row["tas_kt"] = num(msg.get("TAS"))
        row["heading_deg"] = num(msg.get("heading"))
        row["vrate_fpm"] = num(msg.get("vertical_rate"))
        gmb = num(msg.get("geo_minus_baro"))
        if gmb is not None:
            ac.gmb, ac.gmb_ns = gmb, t_ns
        if isinstance(nacv := msg.get("NACv"), int):
            ac.sticky["nac_v"] = nacv
        return None
    if bds == "06":
        row["on_ground"] = True
        row["gs_kt"] = num(msg.get("groundspeed"))
        row["track_deg"] = num(msg.get("track"))
        ac.position_quality(msg.get("tc"), False)
        return _cpr(msg, True, t_ns, row)
    if bds == "08":
        if (callsign := text(msg.get("callsign"))) is not None:
            ac.sticky["callsign"] = callsign
    elif bds == "61":
        state = EMERGENCY_STATES.get(msg.get("emergency_state", ""))
        if msg.get("subtype") == "emergency_priority" and state is not None:
            if (code := msg.get("squawk")) != "0000":  # 0000: no Mode A code available
                ac.squawk(code)
            # BDS 6,1 states the emergency explicitly, whatever the code says.
            ac.sticky["emergency"] = state
            ac.squawk_emergency = False
    elif bds == "62" and target_state_v2(frame):
        _target_state(row, msg, ac)
    elif bds == "65" and (status := opstatus(frame)) is not None:
        ac.version = status.version
        ac.nic_a = status.nic_a
        if status.nic_c is not None:
            ac.nic_c = status.nic_c
        for key, value in (("nac_p", status.nac_p), ("nac_v", status.nac_v), ("sil", status.sil)):
            if value is not None:
                ac.sticky[key] = value
        ac.update_nic()
    return None


def _cpr(msg: dict[str, Any], surface: bool, t_ns: int, row: dict[str, Any]) -> Pending | None:
    lat_cpr, lon_cpr = msg.get("lat_cpr"), msg.get("lon_cpr")
    if not isinstance(lat_cpr, int) or not isinstance(lon_cpr, int):
        return None
    odd = msg.get("parity") == "odd"
    return Pending(t_ns, surface, odd, lat_cpr, lon_cpr, row, gs_kt=row.get("gs_kt"))


def _target_state(row: dict[str, Any], msg: dict[str, Any], ac: Aircraft) -> None:
    row["nav_altitude_ft"] = num(msg.get("selected_altitude"))
    row["nav_heading_deg"] = num(msg.get("selected_heading"))
    for key, col in (
        ("autopilot", "nav_autopilot"),
        ("vnav_mode", "nav_vnav"),
        ("alt_hold", "nav_althold"),
        ("approach_mode", "nav_approach"),
        ("lnav_mode", "nav_lnav"),
        ("tcas_operational", "nav_tcas"),
    ):
        if isinstance(value := msg.get(key), bool):
            row[col] = value
    if isinstance(nacp := msg.get("NACp"), int):
        ac.sticky["nac_p"] = nacp


def comm_b(row: dict[str, Any], msg: dict[str, Any], frame: str, ac: Aircraft) -> None:
    """Fields of the Comm-B register rs1090 inferred for a DF20/21 reply."""
    if isinstance(b20 := msg.get("bds20"), dict) and (cs := text(b20.get("callsign"))):
        ac.sticky["callsign"] = cs
    found = [key for key in COMMB_KINEMATIC if isinstance(msg.get(key), dict)]
    if len(found) != 1:
        return
    reg: dict[str, Any] = msg[found[0]]
    if found[0] == "bds40":
        mcp = num(reg.get("selected_mcp"))
        row["nav_altitude_ft"] = mcp if mcp is not None else num(reg.get("selected_fms"))
    elif found[0] == "bds50":
        row["roll_deg"] = num(reg.get("roll"))
        row["track_deg"] = num(reg.get("track"))
        row["gs_kt"] = num(reg.get("groundspeed"))
        row["tas_kt"] = num(reg.get("TAS"))
    else:
        row["heading_deg"] = num(reg.get("heading"))
        row["ias_kt"] = num(reg.get("IAS"))
        row["mach"] = num(reg.get("Mach"))
        baro, inertial = bds60_vertical_rates(frame)
        row["vrate_fpm"] = baro if baro is not None else inertial


def bds60_vertical_rates(frame: str) -> tuple[float | None, float | None]:
    """(barometric, inertial) vertical rates of a BDS 6,0 reply, ft/min.

    Read from the bits because rs1090 0.7 returns 0 for a magnitude of all
    ones, which with the sign bit set is -32 ft/min (ICAO Doc 9871 Table
    A-2-96: sign + 9 bits, two's complement, 32 ft/min steps; pyModeS reads
    it so). Status bit 0, or a rate beyond :data:`BDS60_MAX_VRATE_FPM`, gives None.
    """
    mb = int(frame[8:22], 16)
    return _signed_rate(mb, 35), _signed_rate(mb, 46)


def _signed_rate(mb: int, status_bit: int) -> float | None:
    """Status bit, sign bit, 9-bit magnitude starting at MB bit ``status_bit`` (1-based)."""
    field = (mb >> (56 - status_bit - 10)) & 0x7FF
    if not field >> 10:
        return None
    sign, value = (field >> 9) & 1, field & 0x1FF
    rate = (value - 512 if sign else value) * BDS60_VRATE_STEP_FPM
    return float(rate) if abs(rate) <= BDS60_MAX_VRATE_FPM else None


def geometric_altitude(row: dict[str, Any], ac: Aircraft, t_ns: int) -> None:
    """GNSS altitude = barometric + the aircraft's recent geo_minus_baro."""
    baro = row.get("alt_baro_ft")
    if baro is None or ac.gmb is None or row.get("alt_geom_ft") is not None:
        return
    if abs(t_ns - ac.gmb_ns) <= GEO_DELTA_MAX_AGE_S * NS and not row.get("on_ground"):
        row["alt_geom_ft"] = baro + ac.gmb
