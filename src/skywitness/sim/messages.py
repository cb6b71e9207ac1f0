"""One leg's messages as readsb decodes them, shared by traces and snapshots.

:func:`columns` samples a leg's per-second state at the messages' times,
quantised as a transponder sends it; :func:`aircraft_dict` turns one row into
readsb's aircraft fields (``aircraft.json``, the detail of a trace point).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywitness.sim import jammer, spoofer
from skywitness.sim.fleet import NORMAL_SIL, Leg
from skywitness.sim.flight import DESCENT
from skywitness.sim.status import EMERGENCY_SQUAWK, EMERGENCY_STATUS, NOT_SENT, mode_names

#: Altitude cleared for the approach: 3,000 ft above the field, rounded up to 1,000 ft
#: (the usual final approach fix height).
APPROACH_AGL_FT = 3000.0
#: Messages received per second from one aircraft (ADS-B squitters: about
#: 6 per second transmitted, DO-260B; a receiver hears a share of them).
MESSAGES_PER_S = 4
#: Quantisation of what transponders send: altitude 25 ft (DO-260B 25-ft
#: encoding), vertical rate 64 ft/min (DO-260B airborne velocity).
ALT_STEP_FT = 25
RATE_STEP_FPM = 64
#: Containment radius (m) for each NIC (DO-260B table 2-14, with the usual
#: supplement bits; readsb rounds up): NIC 0 means unknown, readsb shows 0.
RC_BY_NIC = {0: 0, 1: 37_040, 2: 14_816, 3: 7_408, 4: 3_704, 5: 1_852,
             6: 926, 7: 371, 8: 186, 9: 75, 10: 25, 11: 8}  # fmt: skip


@dataclass(frozen=True)
class LegInfo:
    """What every report of a leg shares."""

    icao24: str
    flight: str  # callsign padded to 8 characters, as readsb writes it
    squawk: str
    category: str
    source: str
    version: int
    quality_fields: bool
    ehs: bool
    cruise_ft: int
    approach_ft: int


def leg_info(leg: Leg) -> LegInfo:
    """What every report of ``leg`` shares."""
    ac = leg.aircraft
    return LegInfo(
        icao24=ac.icao24, flight=f"{leg.callsign:<8}", squawk=leg.squawk, category=ac.perf.category,
        source=ac.source, version=ac.version, quality_fields=ac.quality_fields, ehs=ac.ehs,
        cruise_ft=int(leg.traj.cruise_ft),
        approach_ft=math.ceil((leg.dest.elevation_ft + APPROACH_AGL_FT) / 1000.0) * 1000,
    )  # fmt: skip


#: Columns kept as integers scaled by these factors (exact decimals once divided):
#: the precision readsb writes them with.
SCALED: dict[str, int] = {"gs": 10, "track": 100, "heading": 100, "roll": 100, "mach": 1000,
                          "seen": 10, "last_age": 10, "seen_pos": 10}  # fmt: skip


def columns(leg: Leg, idx: NDArray[np.int64]) -> dict[str, NDArray[Any]]:
    """The leg's state for the messages of seconds ``idx``, quantised as a transponder sends it.

    Continuous values are interpolated to each message's time in its second
    (``second + frac``); the broadcast state (quality, position validity) is
    that of the second. GNSS-derived values come from :attr:`Leg.reported`
    in spoofed seconds, held (not interpolated) when the next second jumps
    elsewhere; in the others they are the truth's. Columns named in
    :data:`SCALED` are scaled integers.
    """
    tr, rep = leg.traj, leg.reported
    f = leg.frac[idx]
    g = np.where(rep.jump[idx], 0.0, f)
    true_now = leg.spoof_phase[idx] == spoofer.NONE
    nxt = np.minimum(idx + 1, tr.n - 1)

    def lin(v: NDArray[np.float64], w: NDArray[np.float64] = f) -> NDArray[np.float64]:
        return np.asarray(v[idx] + w * (v[nxt] - v[idx]))

    def angle(v: NDArray[np.float64], w: NDArray[np.float64] = f) -> NDArray[np.float64]:
        step = (v[nxt] - v[idx] + 180.0) % 360.0 - 180.0
        return np.asarray((v[idx] + w * step) % 360.0)

    def step(v: NDArray[np.float64], q: float) -> NDArray[np.int64]:
        return np.asarray(np.round(v / q) * q).astype(np.int64)

    def gnss(true: NDArray[np.float64], reported: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.where(true_now, lin(true), lin(reported, g)))

    track = np.where(true_now, angle(tr.track_deg), angle(rep.track_deg, g))
    out = {
        "t": tr.start_s + idx + f,
        "lat": np.round(gnss(tr.lat, rep.lat), 6), "lon": np.round(gnss(tr.lon, rep.lon), 6),
        "alt_baro": step(lin(tr.alt_baro_ft), ALT_STEP_FT), "alt_geom": step(gnss(tr.alt_geom_ft, rep.alt_geom_ft), ALT_STEP_FT),
        "gs": step(gnss(tr.gs_kt, rep.gs_kt) * 10, 1), "track": step(track * 100, 1) % 36_000,
        "heading": step(angle(tr.heading_deg) * 100, 1) % 36_000,
        "baro_rate": step(lin(tr.vrate_fpm), RATE_STEP_FPM), "geom_rate": step(gnss(tr.geom_rate_fpm, rep.geom_rate_fpm), RATE_STEP_FPM),
        "ias": step(lin(tr.ias_kt), 1), "tas": step(lin(tr.tas_kt), 1),
        "mach": step(lin(tr.mach) * 1000, 1), "roll": step(lin(tr.roll_deg) * 100, 1),
        "ground": tr.on_ground[idx], "descending": tr.phase[idx] == DESCENT,
        "level": leg.level[idx], "pos": leg.pos_valid[idx],
        "nic": leg.nic[idx], "nac_p": leg.nac_p[idx], "nac_v": leg.nac_v[idx],
        "messages": MESSAGES_PER_S * (idx - leg.window.start + 1),
    }  # fmt: skip
    st = leg.status
    out["emergency"] = st.emergency[idx] if st is not None else np.zeros(len(idx), dtype=bool)
    out["nav_modes"] = st.nav_modes[idx] if st is not None else np.full(len(idx), NOT_SENT, np.int8)
    if st is not None:  # corrupted values replace the true ones, quantised alike, not interpolated
        bad = st.bad_alt_ft[idx]
        out["alt_baro"] = np.where(
            np.isnan(bad), out["alt_baro"], step(np.nan_to_num(bad), ALT_STEP_FT)
        )
        bad = st.bad_gs_kt[idx]
        out["gs"] = np.where(np.isnan(bad), out["gs"], step(np.nan_to_num(bad) * 10, 1))
    return out


def decoded(cols: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    """Scaled-integer columns back to decimals (exact: one correctly rounded division)."""
    return {c: (v / SCALED[c] if c in SCALED else v) for c, v in cols.items()}


def rows(cols: dict[str, NDArray[Any]]) -> Iterator[dict[str, Any]]:
    """Column arrays as one dict of Python values per row."""
    keys = list(cols)
    for values in zip(*(cols[k].tolist() for k in keys), strict=True):
        yield dict(zip(keys, values, strict=True))


def aircraft_dict(info: LegInfo, r: dict[str, Any], trace: bool) -> dict[str, Any]:
    """readsb's aircraft fields for one message (decoded :func:`_columns` values). In a
    trace point, without position, barometric altitude and ground speed: the point has them."""
    lost = r["level"] == jammer.LOST
    air = not r["ground"]
    mlat = info.source == "mlat"
    d: dict[str, Any] = {"type": "mlat" if mlat else "adsb_icao", "flight": info.flight}
    if not trace:
        d["alt_baro"] = r["alt_baro"] if air else "ground"
    if not mlat and not lost:
        d["alt_geom"] = r["alt_geom"]
    if not trace:
        d["gs"] = r["gs"]
    if info.ehs and air:
        d["ias"] = r["ias"]
        d["tas"] = r["tas"]
        d["mach"] = r["mach"]
    d["track"] = r["track"]
    if info.ehs and air:
        d["roll"] = r["roll"]
        d["true_heading"] = r["heading"]
    if air:
        d["baro_rate"] = r["baro_rate"]
        if not mlat and not lost:
            d["geom_rate"] = r["geom_rate"]
    d["squawk"] = EMERGENCY_SQUAWK if r["emergency"] else info.squawk
    d["emergency"] = EMERGENCY_STATUS if r["emergency"] else "none"
    d["category"] = info.category
    if air:
        d["nav_altitude_mcp"] = info.approach_ft if r["descending"] else info.cruise_ft
        if r["nav_modes"] != NOT_SENT:
            d["nav_modes"] = mode_names(r["nav_modes"])
    if not trace and r["pos"]:
        d["lat"] = r["lat"]
        d["lon"] = r["lon"]
    if info.quality_fields:
        d["nic"] = r["nic"]
        d["rc"] = RC_BY_NIC[r["nic"]]
    if not trace and r["pos"]:
        d["seen_pos"] = r.get("seen_pos", r["seen"])
    if info.quality_fields:
        d.update(version=info.version, nic_baro=1, nac_p=r["nac_p"], nac_v=r["nac_v"], sil=NORMAL_SIL,
                 sil_type="perhour", gva=2, sda=2)  # fmt: skip
    elif not mlat:
        d["version"] = info.version
    d["alert"] = 0
    d["spi"] = 0
    return d


__all__ = [
    "MESSAGES_PER_S",
    "SCALED",
    "LegInfo",
    "aircraft_dict",
    "columns",
    "decoded",
    "leg_info",
    "rows",
]
