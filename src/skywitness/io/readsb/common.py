"""Field mapping shared by readsb's aircraft dict (aircraft.json, trace points)."""

from __future__ import annotations

from typing import Any

from skywitness.io.base import num, small_int, text

#: readsb's "type" (address type / source of the data) -> canonical source.
#: ADS-R (rebroadcast UAT ADS-B) is ADS-B content, so it counts as adsb.
READSB_SOURCES: dict[str, str] = {
    "adsb_icao": "adsb",
    "adsb_icao_nt": "adsb",
    "adsb_other": "adsb",
    "adsr_icao": "adsb",
    "adsr_other": "adsb",
    "mlat": "mlat",
    "tisb_icao": "tisb",
    "tisb_trackfile": "tisb",
    "tisb_other": "tisb",
}

#: readsb keys read as plain numbers, and their canonical columns.
PLAIN_FIELDS = (
    ("alt_geom", "alt_geom_ft"),
    ("gs", "gs_kt"),
    ("track", "track_deg"),
    ("ias", "ias_kt"),
    ("tas", "tas_kt"),
    ("mach", "mach"),
    ("roll", "roll_deg"),
    ("rc", "rc_m"),
    ("nav_heading", "nav_heading_deg"),
)

NAV_MODES = ("autopilot", "vnav", "althold", "approach", "lnav", "tcas")

EMERGENCIES = frozenset(
    {"none", "general", "lifeguard", "minfuel", "nordo", "unlawful", "downed", "reserved"}
)


def source_of(value: Any) -> str:
    """Canonical source for a readsb type string (unknown -> other)."""
    return READSB_SOURCES.get(value, "other") if isinstance(value, str) else "other"


def altitude(value: Any, name: str = "alt_baro") -> tuple[float | None, bool | None]:
    """(barometric altitude ft, on_ground) from readsb's alt_baro (number or "ground")."""
    if value == "ground":
        return None, True
    alt = num(value, name)
    return alt, (False if alt is not None else None)


def squawk(value: Any) -> str | None:
    s = text(value)
    if s is None or len(s) != 4 or any(c not in "01234567" for c in s):
        return None
    return s


def aircraft_fields(ac: dict[str, Any]) -> dict[str, Any]:
    """Canonical fields from a readsb aircraft dict (position excluded).

    Raises :class:`~skywitness.io.base.BadValue` for a number beyond float64."""
    out: dict[str, Any] = {}
    if "flight" in ac:
        out["callsign"] = text(ac["flight"])
    if "alt_baro" in ac:
        out["alt_baro_ft"], out["on_ground"] = altitude(ac["alt_baro"])
    for key, col in PLAIN_FIELDS:
        if key in ac:
            out[col] = num(ac[key], key)
    rate = num(ac.get("baro_rate"), "baro_rate")
    out["vrate_fpm"] = rate if rate is not None else num(ac.get("geom_rate"), "geom_rate")
    heading = num(ac.get("true_heading"), "true_heading")
    if heading is None:
        heading = num(ac.get("mag_heading"), "mag_heading")
    out["heading_deg"] = heading
    sel = num(ac.get("nav_altitude_mcp"), "nav_altitude_mcp")
    if sel is None:
        sel = num(ac.get("nav_altitude_fms"), "nav_altitude_fms")
    out["nav_altitude_ft"] = sel
    for key in ("nic", "nac_p", "nac_v", "sil"):
        if key in ac:
            out[key] = small_int(ac[key])
    if "squawk" in ac:
        out["squawk"] = squawk(ac["squawk"])
    emergency = text(ac.get("emergency"))
    if emergency in EMERGENCIES:
        out["emergency"] = emergency
    modes = ac.get("nav_modes")
    if isinstance(modes, list):
        for mode in NAV_MODES:
            out[f"nav_{mode}"] = mode in modes
    return out
