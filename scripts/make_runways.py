"""Build the shipped runway table from OurAirports' ``runways.csv`` (public domain).

Run once, offline::

    python scripts/make_runways.py /work/shared/data/ourairports/runways.csv

It writes ``src/skywitness/data/runways.csv.gz`` (read by
:mod:`skywitness.model.runways`). Provenance and licence:
``src/skywitness/data/README.md``.

Kept: runways of airports that airportsdata knows by ICAO code
(airportsdata's ICAO table), not closed, with both
threshold coordinates, or one threshold with its true heading and the
runway's length (the other end is then placed ``length_ft`` along that
heading). Output: one row per runway *end* (the direction one lands in),
columns ``airport, ident, lat, lon, elevation_ft, heading_deg, length_ft``:

- ``lat``, ``lon``: the landing threshold. OurAirports gives the runway end;
  a displaced threshold (``*_displaced_threshold_ft``) moves it that far along
  the landing direction, as landing aircraft aim beyond it. Rounded to 1e-5
  degree (about 1 m).
- ``heading_deg``: true heading of the landing direction: the bearing from this
  end to the opposite one (the centreline). OurAirports' stated headings are
  rounded to whole degrees or worse (Lelystad 23: 225 stated, 227.5 between
  its ends, which puts the extended centreline 440 m off 10 km out) and
  sometimes magnetic; they are used only to place a missing opposite end.
- ``elevation_ft``: the end's elevation, else the airport's (airportsdata).
- ``length_ft``: the runway's length as listed (empty when unknown).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import math
from dataclasses import dataclass
from pathlib import Path

import airportsdata

from skywitness.model.geo import bearing_deg, destination, distance_m
from skywitness.model.units import M_PER_FT

#: Output columns.
COLUMNS = ("airport", "ident", "lat", "lon", "elevation_ft", "heading_deg", "length_ft")
OUT = Path(__file__).resolve().parents[1] / "src" / "skywitness" / "data" / "runways.csv.gz"


def _num(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class _End:
    ident: str
    lat: float | None
    lon: float | None
    elev: float | None
    hdg: float | None
    disp: float | None


def _end(row: dict[str, str], p: str) -> _End:
    return _End(
        ident=row[f"{p}_ident"].strip(),
        lat=_num(row[f"{p}_latitude_deg"]),
        lon=_num(row[f"{p}_longitude_deg"]),
        elev=_num(row[f"{p}_elevation_ft"]),
        hdg=_num(row[f"{p}_heading_degT"]),
        disp=_num(row[f"{p}_displaced_threshold_ft"]),
    )


def runway_ends(row: dict[str, str], airport_elev_ft: float) -> list[tuple[str, ...]]:
    """The output rows (0 or 2) of one OurAirports runway."""
    le, he = _end(row, "le"), _end(row, "he")
    length = _num(row["length_ft"])
    known = [e.lat is not None and e.lon is not None for e in (le, he)]
    if not any(known):
        return []
    if not all(known):
        # one threshold: place the other along its heading, the runway's length away
        a, b = (le, he) if known[0] else (he, le)
        hdg = a.hdg if a.hdg is not None else None if b.hdg is None else (b.hdg + 180.0) % 360.0
        if hdg is None or not length or a.lat is None or a.lon is None:
            return []
        lat, lon = destination(a.lat, a.lon, hdg, length * M_PER_FT)
        b.lat, b.lon = float(lat), float(lon)
        a.hdg, b.hdg = hdg, (hdg + 180.0) % 360.0
    out: list[tuple[str, ...]] = []
    for a, b in ((le, he), (he, le)):
        if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
            return []
        lat0, lon0 = a.lat, a.lon
        if float(distance_m(lat0, lon0, b.lat, b.lon)) < 1.0:
            return []  # both ends at one point: no direction
        geo = float(bearing_deg(lat0, lon0, b.lat, b.lon))
        hdg = geo  # the centreline through both ends (stated headings are rounded)
        if a.disp:
            la, lo = destination(lat0, lon0, geo, a.disp * M_PER_FT)
            lat0, lon0 = float(la), float(lo)
        elev = a.elev if a.elev is not None else airport_elev_ft
        ident = a.ident or f"{round(hdg / 10.0) % 36 or 36:02d}"
        out.append(
            (
                row["airport_ident"],
                ident,
                f"{lat0:.5f}",
                f"{lon0:.5f}",
                f"{elev:.0f}",
                f"{hdg % 360.0:.1f}",
                "" if length is None else f"{length:.0f}",
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runways_csv", type=Path, help="OurAirports runways.csv")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    airports = airportsdata.load("ICAO")  # the raw table: the corrected one reads ours
    rows: list[tuple[str, ...]] = []
    kept = 0
    with args.runways_csv.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row["airport_ident"]
            if code not in airports or row["closed"].strip() == "1":
                continue
            ends = runway_ends(row, float(airports[code].get("elevation") or 0.0))
            kept += bool(ends)
            rows += ends
    rows.sort(key=lambda r: (r[0], r[1]))
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(rows)
    args.out.write_bytes(gzip.compress(text.getvalue().encode(), compresslevel=9, mtime=0))
    airports_n = len({r[0] for r in rows})
    size = args.out.stat().st_size
    print(f"{args.out}: {kept} runways, {len(rows)} ends, {airports_n} airports, {size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
