"""Build the shipped coastline files from Natural Earth land (world-atlas TopoJSON).

Run once, offline, after fetching the npm package by its ordinary client::

    cd /tmp && npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz
    python scripts/make_coastlines.py /tmp/package

It writes ``src/skywitness/data/coastlines-110m.json`` and
``coastlines-50m.json``. Provenance and licence: ``src/skywitness/data/README.md``.

TopoJSON stores shared arcs once. Each arc is a list of quantised positions,
the first absolute and the others as deltas from the previous one; a
``transform`` (scale, translate) maps quantised integers to degrees. A polygon
ring is a list of arc indices, where ``~i`` (that is ``-i - 1``) means arc ``i``
reversed; consecutive arcs share their joining point, which is kept once.

Output format (read by :mod:`skywitness.report.basemap`)::

    {"name": ..., "source": ..., "licence": ..., "scale": 100,
     "rings": [[x0, y0, dx1, dy1, dx2, dy2, ...], ...]}

Each ring is closed, in integer units of 1/scale degree (lon, lat), the first
point absolute and each next one a delta from the previous, so the file stays
small; rings are land outlines (exterior rings and holes, fill even-odd).
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

#: Output resolution: 1/100 degree (about 1.1 km), finer than the 1:50m source
#: needs (Natural Earth 1:50m is about 50 m per mm on paper, ~1-2 km detail).
SCALE = 100
#: A ring kept only with at least this many distinct points (drops slivers
#: that rounding reduced to a line).
MIN_RING_POINTS = 4
DATA = Path(__file__).resolve().parents[1] / "src" / "skywitness" / "data"
SOURCES = {"110m": "land-110m.json", "50m": "land-50m.json"}


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Absolute (lon, lat) degree positions of every arc of a quantised topology."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(
    ring: list[int], arcs: list[list[tuple[float, float]]]
) -> list[tuple[float, float]]:
    """One polygon ring from its arc indices (``~i`` reverses arc ``i``)."""
    out: list[tuple[float, float]] = []
    for index in ring:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        out.extend(points if not out else points[1:])
    return out


def polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    if geometry["type"] == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in polygons(g)]
    return []


def encode_ring(points: list[tuple[float, float]]) -> list[int] | None:
    """Delta-encoded integer ring at SCALE, closed, without repeated points."""
    ints: list[tuple[int, int]] = []
    for lon, lat in points:
        p = (round(lon * SCALE), round(lat * SCALE))
        if not ints or p != ints[-1]:
            ints.append(p)
    if len(ints) > 1 and ints[0] == ints[-1]:
        ints.pop()
    if len(ints) < MIN_RING_POINTS - 1:
        return None
    ints.append(ints[0])
    flat = [ints[0][0], ints[0][1]]
    for (x0, y0), (x1, y1) in itertools.pairwise(ints):
        flat += [x1 - x0, y1 - y0]
    return flat


def convert(source: Path, name: str) -> dict[str, Any]:
    topology = json.loads(source.read_text())
    arcs = decode_arcs(topology)
    rings = []
    for obj in topology["objects"].values():
        for polygon in polygons(obj):
            for ring in polygon:
                encoded = encode_ring(ring_points(ring, arcs))
                if encoded is not None:
                    rings.append(encoded)
    return {
        "name": f"Natural Earth land outlines 1:{name}",
        "source": f"Natural Earth {name} land via the world-atlas 2.0.2 npm package ({source.name})",
        "licence": "Natural Earth: public domain; world-atlas conversion: ISC",
        "scale": SCALE,
        "rings": rings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked world-atlas package directory")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    for name, file in SOURCES.items():
        data = convert(args.package / file, name)
        out = DATA / f"coastlines-{name}.json"
        out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
        points = sum(len(r) // 2 for r in data["rings"])
        print(f"{out}: {len(data['rings'])} rings, {points} points, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
