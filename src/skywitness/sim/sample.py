"""The demo sample: a few flights written in real archive formats.

Deterministic (same bytes every run, so re-ingesting is a no-op). Four flights
around the Caspian on 2024-12-25, one of which crosses a circle where GNSS
is lost: inside it, NIC and NACp fall to 0 and positions stop while
altitude, speed and track keep coming. Written as readsb trace files and a
directory of readsb-hist style snapshots (every 5 s), read back through the
project's own readers. The scenario simulator supersedes this for analysis.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from skywitness.model.geo import bearing_deg, destination, distance_m

START_S = 1_735_099_200  # 2024-12-25T04:00:00Z
TRACE_STEP_S = 8.0  # readsb writes a trace point every few seconds in cruise
SNAPSHOT_STEP_S = 5.0  # ADS-B Exchange readsb-hist cadence
SNAPSHOT_MINUTES = 10
CLIMB_FPM, DESCENT_FPM, CRUISE_FT, CRUISE_KT = 2200.0, 1800.0, 30000.0, 420.0
#: Where GNSS is lost in the sample (centre lat, lon; radius m): near Makhachkala.
LOSS_ZONE = (42.6, 48.2, 90_000.0)

AIRPORTS = {  # ICAO: (lat, lon, elevation ft)
    "UBBB": (40.4675, 50.0467, 10.0),  # Baku
    "URMG": (43.3883, 45.6986, 548.0),  # Grozny
    "URML": (42.8168, 47.6523, 12.0),  # Makhachkala
    "UATE": (43.8601, 51.0920, 72.0),  # Aktau
}


@dataclass(frozen=True)
class SampleFlight:
    icao24: str
    callsign: str
    origin: str
    destination: str
    departure_s: float


FLIGHTS = (
    SampleFlight("600a1b", "AHY8243", "UBBB", "URMG", START_S + 0),
    SampleFlight("600a2c", "AHY6401", "UBBB", "UATE", START_S + 300),
    SampleFlight("4b1814", "SWR1932", "URML", "UBBB", START_S + 600),
    SampleFlight("70c0d1", "OMA7731", "UATE", "UBBB", START_S + 120),
)


def _states(f: SampleFlight, step_s: float) -> dict[str, Any]:
    lat0, lon0, elev0 = AIRPORTS[f.origin]
    lat1, lon1, elev1 = AIRPORTS[f.destination]
    total_m = float(distance_m(lat0, lon0, lat1, lon1))
    speed_mps = CRUISE_KT * 1852 / 3600
    n = int(total_m / speed_mps / step_s) + 1
    t = f.departure_s + np.arange(n) * step_s
    along = np.minimum(np.arange(n) * step_s * speed_mps, total_m)
    course = float(bearing_deg(lat0, lon0, lat1, lon1))
    lat, lon = destination(lat0, lon0, course, along)
    elapsed_min = (t - f.departure_s) / 60
    remaining_min = (total_m - along) / speed_mps / 60
    alt = np.minimum.reduce(
        [
            elev0 + CLIMB_FPM * elapsed_min,
            elev1 + DESCENT_FPM * remaining_min,
            np.full(n, CRUISE_FT),
        ]
    )
    vrate = np.gradient(alt, step_s / 60) if n > 1 else np.zeros(n)
    track = bearing_deg(lat, lon, lat1, lon1)
    zlat, zlon, zr = LOSS_ZONE
    lost = distance_m(lat, lon, zlat, zlon) < zr
    return {
        "t": t,
        "lat": lat,
        "lon": lon,
        "alt": alt,
        "vrate": vrate,
        "track": track,
        "lost": lost,
    }


def _aircraft(f: SampleFlight, s: dict[str, Any], i: int) -> dict[str, Any]:
    ac: dict[str, Any] = {
        "hex": f.icao24,
        "type": "adsb_icao",
        "flight": f"{f.callsign:<8}",
        "alt_baro": round(float(s["alt"][i]) / 25) * 25,
        "alt_geom": round(float(s["alt"][i]) / 25) * 25 + 450,
        "gs": CRUISE_KT,
        "track": round(float(s["track"][i]), 2),
        "baro_rate": round(float(s["vrate"][i]) / 64) * 64,
        "squawk": "2341",
        "emergency": "none",
        "nic": 0 if s["lost"][i] else 8,
        "rc": 0 if s["lost"][i] else 186,
        "nac_p": 0 if s["lost"][i] else 9,
        "nac_v": 1,
        "sil": 3,
    }
    if not s["lost"][i]:
        ac["lat"], ac["lon"] = round(float(s["lat"][i]), 6), round(float(s["lon"][i]), 6)
    return ac


def _trace(f: SampleFlight) -> dict[str, Any]:
    s = _states(f, TRACE_STEP_S)
    points = []
    for i in range(len(s["t"])):
        ac = _aircraft(f, s, i)
        lat, lon = (None, None) if s["lost"][i] else (ac["lat"], ac["lon"])
        flags = 2 if i == 0 else 0
        detail = ac if i % 4 == 0 else None  # readsb attaches the full dict now and then
        points.append(
            [round(i * TRACE_STEP_S, 2), lat, lon, ac["alt_baro"], ac["gs"], ac["track"], flags,
             ac["baro_rate"], detail, "adsb_icao", ac["alt_geom"], None, None, None]
        )  # fmt: skip
    return {"icao": f.icao24, "timestamp": f.departure_s, "trace": points}


def write_sample(out: Path) -> list[Path]:
    """Write the sample under ``out``; the paths written (traces, snapshot directory)."""
    traces = out / "traces"
    snaps = out / "readsb-hist" / "2024" / "12" / "25"
    traces.mkdir(parents=True, exist_ok=True)
    snaps.mkdir(parents=True, exist_ok=True)
    for f in FLIGHTS:
        path = traces / f"trace_full_{f.icao24}.json"
        path.write_text(json.dumps(_trace(f), separators=(",", ":")))
    states = {f.icao24: (f, _states(f, SNAPSHOT_STEP_S)) for f in FLIGHTS}
    for k in range(int(SNAPSHOT_MINUTES * 60 / SNAPSHOT_STEP_S)):
        now = START_S + 900 + k * SNAPSHOT_STEP_S
        aircraft = []
        for f, s in states.values():
            i = round((now - f.departure_s) / SNAPSHOT_STEP_S)
            if 0 <= i < len(s["t"]):
                ac = _aircraft(f, s, i)
                ac["seen"] = 0.4
                if "lat" in ac:
                    ac["seen_pos"] = 0.4
                aircraft.append(ac)
        stamp = datetime.fromtimestamp(now, UTC).strftime("%H%M%SZ")
        payload = json.dumps({"now": now, "aircraft": aircraft}).encode()
        # mtime=0: identical bytes on every run, so the demo's re-ingest adds nothing.
        (snaps / f"{stamp}.json.gz").write_bytes(gzip.compress(payload, mtime=0))
    return [traces, out / "readsb-hist"]
