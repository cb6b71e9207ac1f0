"""Claims about the incident flight, true and false, with their truth.

After an incident, statements appear (flight 8243: a leaked air-defence note
giving azimuth, range, height and speed at a time, officials' "74 minutes
after the strike, two approaches"). :func:`generate_claims` writes, from the
incident's truth (``truth.json``'s ``incident`` object) and a seed, a claims
file of every kind of :mod:`skywitness.claims.model`, and per claim id its
truth:

- **true** claims carry realistic observation errors (drawn within
  :data:`TRUE_ERROR_MAX` of the tolerance the checker applies by default) and
  a clock offset within their stated ``clock_tolerance_s``;
- **false** claims are off in one quantity by :data:`FALSE_MARGINS` times its
  tolerance (from just beyond it to far off), measured from the *nearest*
  true value within the claim's clock window (so no clock offset the checker
  may fit can make them true).

Truth per claim id: ``true`` (bool), ``kind``, ``what`` (one line), and for a
false claim ``off`` = {quantity, amount, unit, tolerance, in_tolerances}; for
observations the realised ``errors``, ``clock_offset_s`` (record time = claim
time + offset), ``height_ref`` used and ``record`` (``positions`` where the
aircraft sent positions at the time, ``no_positions`` in the jammed gap, where
the checker may rightly answer ``undetermined``).

The simulator sits below the checker (``claims`` imports ``sim``, not the
reverse), so the default tolerances are mirrored here in :data:`TOLERANCES`
and ``tests/test_sim_claims.py`` checks them against
``skywitness.claims.check.DEFAULT_TOLERANCES``; callers above may pass the
checker's own mapping as ``tolerances``.

:func:`flip_claims` builds, per kind, an exact true claim (no observation
error, no clock tolerance, where positions were sent) moved in one quantity by
a given number of tolerances: the benchmark's flip table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywitness.model.geo import bearing_deg, destination, distance_m
from skywitness.model.timefmt import iso_utc
from skywitness.model.units import M_PER_FT, MPS_PER_KT, NS_PER_S

Float = NDArray[np.float64]

#: The checker's default tolerances (``skywitness.claims.check.DEFAULT_TOLERANCES``),
#: mirrored (see the module docstring; a test keeps them equal).
TOLERANCES: Mapping[str, float] = {
    "clock_s": 60.0,
    "azimuth_deg": 5.0,
    "range_m": 500.0,
    "range_fraction": 0.1,
    "height_m": 150.0,
    "speed_mps": 10.0,
    "heading_deg": 10.0,
    "within_km": 5.0,
    "tolerance_min": 2.0,
    "end_airport_km": 10.0,
    "gnss_share": 0.5,
}
#: True claims: each observation error drawn normal with sigma this share of its
#: tolerance, truncated at TRUE_ERROR_MAX (modelling choice: honest witnesses
#: whose stated tolerance covers about 3 sigma, kept clearly inside it so the
#: truth is not ambiguous).
TRUE_ERROR_SIGMA = 0.25
TRUE_ERROR_MAX = 0.6
#: True claims: the clock offset is drawn uniform within this share of the stated
#: clock tolerance (modelling choice: inside it with room for the checker's fit).
TRUE_CLOCK_SHARE = 0.7
#: False claims: off by these multiples of the tolerance, one per false claim of a
#: kind in turn, from just beyond it to far off (modelling choice).
FALSE_MARGINS = (1.3, 1.6, 2.0, 3.0, 5.0, 10.0)
#: Stated clock tolerances of the claims, s: 8243's sources differed by tens of
#: seconds (reference/azal8243.md).
CLOCK_TOLERANCES_S = (20.0, 30.0, 60.0)
#: A ground observer's ground range to the aircraft, m (issue 11: 3-15 km; 8243's
#: note: 7,000 m).
OBSERVER_RANGE_M = (3000.0, 15_000.0)
#: An observer on flat ground near the coast, and one on a hill, height above sea
#: level, m (modelling choice: the Caspian coast lies near sea level; hills of
#: Dagestan and Mangyshlak reach a few hundred metres).
FLAT_ALT_M = (0.0, 40.0)
HILL_ALT_M = (150.0, 600.0)
#: Observed values are stated rounded like a note's (1 deg, 50 m, 10 m, 1 m/s).
ROUND_AZIMUTH_DEG = 1.0
ROUND_RANGE_M = 50.0
ROUND_HEIGHT_M = 10.0
ROUND_SPEED_MPS = 1.0
#: Claims about positions keep this far inside a stretch with (or without)
#: positions, s (modelling choice: clear of the edges, beyond any clock window).
EDGE_S = 120
#: Resolution of the true values over a clock window, s.
STEP_S = 1.0
#: Units of the quantities.
UNITS: Mapping[str, str] = {
    "azimuth_deg": "deg", "ground_range_m": "m", "slant_range_m": "m", "height_m": "m",
    "speed_mps": "m/s", "heading_deg": "deg", "position": "km", "count": "approaches",
    "go_arounds": "go-arounds", "duration": "min", "time": "s", "end": "kind",
    "airport": "airport", "state": "share of the window", "transmitted": "bool",
}  # fmt: skip


@dataclass(frozen=True)
class Path:
    """The true path on a 1-s grid (interpolated from the truth's 5-s samples)."""

    t_s: Float
    lat: Float
    lon: Float
    alt_geom_m: Float
    alt_baro_m: Float
    gs_mps: Float
    tas_mps: Float
    track_deg: Float
    heading_deg: Float

    @classmethod
    def of(cls, incident: Mapping[str, Any]) -> Path:
        p = incident["true_path"]
        t = np.asarray(p["time_ns"], dtype=np.int64) // NS_PER_S
        grid = np.arange(t[0], t[-1] + 1, dtype=np.float64)
        tf = t.astype(np.float64)

        def angle(name: str) -> Float:
            un = np.unwrap(np.radians(np.asarray(p.get(name, p["track_deg"]), dtype=float)))
            out: Float = np.degrees(np.interp(grid, tf, un)) % 360.0
            return out

        def f(name: str, default: str | None = None) -> Float:
            v = p.get(name, p[default] if default else None)
            out: Float = np.interp(grid, tf, np.asarray(v, dtype=float))
            return out

        return cls(
            grid, f("lat"), f("lon"), f("alt_geom_ft") * M_PER_FT, f("alt_baro_ft") * M_PER_FT,
            f("gs_kt") * MPS_PER_KT, f("tas_kt", "gs_kt") * MPS_PER_KT, angle("track_deg"),
            angle("heading_deg"),
        )  # fmt: skip

    def index(self, t_s: float) -> int:
        return int(np.clip(round(t_s - self.t_s[0]), 0, len(self.t_s) - 1))

    def window(self, t_s: float, half_s: float) -> slice:
        return slice(self.index(t_s - half_s), self.index(t_s + half_s) + 1)


def _s(ns: int) -> int:
    return int(ns) // NS_PER_S


def _iso(t_s: float) -> str:
    return iso_utc(round(t_s * NS_PER_S), "seconds")


def _angle(a: Float | float) -> Float:
    """Signed difference of angles in (-180, 180]."""
    out: Float = np.asarray((np.asarray(a, dtype=np.float64) + 180.0) % 360.0 - 180.0)
    return out


@dataclass
class _Stretches:
    before: tuple[int, int]  # positions sent (GNSS normal), s
    gap: tuple[int, int]  # positions absent
    after: tuple[int, int]  # positions again, until the last record
    normal_end: int  # GNSS normal until here (the first jammer zone, fringe included)


def _stretches(inc: Mapping[str, Any], path: Path) -> _Stretches:
    absent = inc["jammed"]["positions_absent"]
    a, b = _s(absent["start_ns"]), _s(absent["end_ns"])
    zones = [_s(z["start_ns"]) for z in inc["jammed"]["in_zone"]]
    first = int(path.t_s[0])
    last = _s(inc["last_record"]["time_ns"])
    return _Stretches((first + EDGE_S, a - EDGE_S), (a + EDGE_S, b - EDGE_S),
                      (b + EDGE_S, last - EDGE_S), min([a, *zones]))  # fmt: skip


class _Gen:
    """Draws claims one by one, keeping the document and the truth in step."""

    def __init__(
        self, inc: Mapping[str, Any], rng: np.random.Generator, tol: Mapping[str, float]
    ) -> None:
        self.inc, self.rng, self.tol = inc, rng, tol
        self.path = Path.of(inc)
        self.st = _stretches(inc, self.path)
        self.claims: list[dict[str, Any]] = []
        self.truth: dict[str, dict[str, Any]] = {}
        self.flight = {"icao24": inc["icao24"]}
        self._margins: dict[str, int] = {}

    # -- bookkeeping ----------------------------------------------------------------

    def add(self, kind: str, fields: dict[str, Any], truth: dict[str, Any]) -> None:
        cid = f"{kind[:3].upper()}{sum(c['kind'] == kind for c in self.claims) + 1}"
        self.claims.append({"id": cid, "flight": dict(self.flight), "kind": kind, **fields})
        self.truth[cid] = {"kind": kind, **truth}

    def margin(self, kind: str) -> float:
        """The next false margin of ``kind`` (in tolerances), cycling through them."""
        k = self._margins.get(kind, int(self.rng.integers(len(FALSE_MARGINS))))
        self._margins[kind] = k + 1
        return FALSE_MARGINS[k % len(FALSE_MARGINS)]

    def err(self, tol: float) -> float:
        e = float(self.rng.normal(0.0, TRUE_ERROR_SIGMA * tol))
        return float(np.clip(e, -TRUE_ERROR_MAX * tol, TRUE_ERROR_MAX * tol))

    def time_in(self, span: tuple[int, int], half_s: float) -> int:
        lo, hi = span[0] + half_s, span[1] - half_s
        if hi <= lo:
            return int((span[0] + span[1]) // 2)
        return int(self.rng.integers(int(lo), int(hi) + 1))

    def clock(self) -> tuple[float, float]:
        """A stated clock tolerance and the true offset within it."""
        ct = float(self.rng.choice(CLOCK_TOLERANCES_S))
        return ct, round(float(self.rng.uniform(-TRUE_CLOCK_SHARE, TRUE_CLOCK_SHARE)) * ct)

    def off(self, quantity: str, amount: float, tol: float) -> dict[str, Any]:
        return {"quantity": quantity, "amount": round(amount, 3), "unit": UNITS[quantity],
                "tolerance": tol, "in_tolerances": round(amount / tol, 3) if tol else None}  # fmt: skip


# -- observations -----------------------------------------------------------------------


def _elevation_m(inc: Mapping[str, Any], lat: float, lon: float) -> float:
    """Ground under the aircraft: the elevation of the nearer of the destination's
    and the diversion's runway (the simulator has no terrain; observations taking
    heights above ground are placed near those airports)."""
    a = inc["approaches"][0]
    c = inc["crash"]
    da = float(distance_m(lat, lon, a["threshold"]["lat"], a["threshold"]["lon"]))
    dc = float(distance_m(lat, lon, c["threshold"]["lat"], c["threshold"]["lon"]))
    return float((a["elevation_ft"] if da < dc else c["elevation_ft"]) * M_PER_FT)


@dataclass(frozen=True)
class _Seen:
    """What an observer at (lat, lon, alt_m) truly saw over a window of the path."""

    azimuth_deg: Float
    ground_range_m: Float
    slant_range_m: Float
    heights: Mapping[str, Float]  # msl, agl, observer
    speed_mps: Float
    heading_deg: Float
    #: What a checker may take for the same quantity: heights from the pressure
    #: altitude, true airspeed, true heading (a false claim is off from these too).
    alike: Mapping[str, Float]


def _seen(g: _Gen, sl: slice, obs: tuple[float, float, float] | None) -> _Seen:
    p = g.path
    lat, lon, h = p.lat[sl], p.lon[sl], p.alt_geom_m[sl]
    elev = _elevation_m(g.inc, float(lat[len(lat) // 2]), float(lon[len(lon) // 2]))
    if obs is None:
        nan = np.full(len(lat), np.nan)
        az, gr, sr, above_obs = nan, nan, nan, nan
    else:
        az = bearing_deg(obs[0], obs[1], lat, lon)
        gr = distance_m(obs[0], obs[1], lat, lon)
        sr = np.hypot(gr, h - obs[2])
        above_obs = h - obs[2]
    baro = p.alt_baro_m[sl]
    alike = {"msl": baro, "agl": baro - elev, "observer": baro - h + above_obs,
             "speed_mps": p.tas_mps[sl], "heading_deg": p.heading_deg[sl]}  # fmt: skip
    return _Seen(az, gr, sr, {"msl": h, "agl": h - elev, "observer": above_obs},
                 p.gs_mps[sl], p.track_deg[sl], alike)  # fmt: skip


def _range_tol(tol: Mapping[str, float], range_m: float) -> float:
    """The checker's range tolerance at a stated range: the larger of the two."""
    return max(float(tol["range_m"]), float(tol["range_fraction"]) * abs(range_m))


def _range_beyond(tol: Mapping[str, float], lo: float, hi: float, m: float) -> float:
    """A range ``m`` tolerances (taken at itself) short of ``lo``, else beyond ``hi``."""
    r, f = float(tol["range_m"]), float(tol["range_fraction"])
    down = lo / (1.0 + f * m)
    if f * down < r:
        down = lo - m * r
    if down > 0.5 * r:
        return down
    up = hi + m * r
    if f * up > r:
        up = hi / (1.0 - f * m) if f * m < 1.0 else 3.0 * hi
    return up


def _round(x: float, step: float) -> float:
    return round(round(x / step) * step, 6)


def observation(
    g: _Gen, span: tuple[int, int], record: str, *, observer: bool = True, hill: bool = False,
    height_ref: str = "msl", slant: bool = False, false: str | None = None,
    fields: Sequence[str] = ("azimuth", "range", "height", "speed", "heading"),
) -> None:  # fmt: skip
    """One observation claim; ``false``: the quantity made false (or None)."""
    rng, tol = g.rng, g.tol
    ct, offset = g.clock()
    t = g.time_in(span, ct + abs(offset))
    i = g.path.index(t)
    obs = None
    if observer:
        rng_m = float(rng.uniform(*OBSERVER_RANGE_M))
        olat, olon = destination(g.path.lat[i], g.path.lon[i], float(rng.uniform(0, 360)), rng_m)
        alt = float(rng.uniform(*(HILL_ALT_M if hill else FLAT_ALT_M)))
        obs = (round(float(olat), 5), round(float(olon), 5), round(alt))
    claim_t = t - offset
    now = _seen(g, slice(i, i + 1), obs)
    win = _seen(g, g.path.window(claim_t, ct), obs)
    ref = str(rng.choice(["msl", "agl", "observer"] if observer else ["msl", "agl"]))
    used = ref if height_ref == "unknown" else height_ref
    out: dict[str, Any] = {"time": _iso(claim_t), "clock_tolerance_s": ct}
    if obs is not None:
        out["observer"] = {"lat": obs[0], "lon": obs[1], "alt_m": obs[2]}
    else:
        out["observer"] = None
    errors: dict[str, float] = {}
    off: dict[str, Any] | None = None
    range_key = "slant_range_m" if slant else "ground_range_m"
    quantities = {
        "azimuth": ("azimuth_deg", "azimuth_deg", ROUND_AZIMUTH_DEG, True),
        "range": (range_key, "range_m", ROUND_RANGE_M, False),
        "height": ("height_m", "height_m", ROUND_HEIGHT_M, False),
        "speed": ("speed_mps", "speed_mps", ROUND_SPEED_MPS, False),
        "heading": ("heading_deg", "heading_deg", ROUND_AZIMUTH_DEG, True),
    }
    for q in fields:
        key, tkey, step, circular = quantities[q]
        if obs is None and q in ("azimuth", "range"):
            continue
        tq = float(tol[tkey])
        if q == "range":  # the larger of a distance and a share of the stated range
            tq = _range_tol(tol, float(getattr(now, key)[0]))
        if key == "height_m":
            true_now = float(now.heights[used][0])
            refs = list(win.heights) if height_ref == "unknown" else [used]
            parts = [x for r in refs for x in (win.heights[r], win.alike[r])]
            window = np.concatenate([v for v in parts if np.isfinite(v).all()])
        else:
            true_now = float(getattr(now, key)[0])
            window = getattr(win, key)
            if key in win.alike:
                window = np.concatenate([window, win.alike[key]])
        if q == false:
            m = g.margin("observation")
            if circular:
                sign = float(rng.choice([-1.0, 1.0]))
                # the extreme of the window on the chosen side, then beyond it
                rel = _angle(window - true_now)
                edge = true_now + (rel.max() if sign > 0 else rel.min())
                value = (edge + sign * m * tq) % 360.0
            elif q == "range":
                value = _range_beyond(tol, float(window.min()), float(window.max()), m)
            else:
                up = key in ("height_m",) or bool(rng.integers(2)) or window.min() - m * tq < 0
                value = float(window.max() + m * tq if up else window.min() - m * tq)
            value = _round(value, step)
            amount = float(np.min(np.abs(_angle(window - value) if circular else window - value)))
            off = g.off(key, amount, _range_tol(tol, value) if q == "range" else tq)
        else:
            value = _round(true_now + g.err(tq), step)
            if circular:
                value %= 360.0
            errors[key] = round(
                float(_angle(value - true_now) if circular else value - true_now), 3
            )
        out[key] = value
    if "height" in fields:
        out["height_ref"] = height_ref
    true = off is None
    g.add("observation", out, {
        "true": true, "what": f"observation{' with observer' if obs else ''}"
        f"{' on a hill' if hill else ''}, height {height_ref}" + (f", {false} false" if false else ""),
        "off": off, "errors": errors, "clock_offset_s": float(offset),
        "height_ref": used if "height" in fields else None, "record": record,
    })  # fmt: skip


# -- positions, approaches, durations, GNSS, squawk, end ---------------------------------


def _point_off(g: _Gen, t: float, ct: float, want_km: float) -> tuple[float, float, float]:
    """A point at least ``want_km`` from every true position within ``ct`` of ``t``:
    (lat, lon, that least distance in km)."""
    p, i = g.path, g.path.index(t)
    sl = p.window(t, ct)
    side = float(g.rng.choice([-90.0, 90.0]))
    d = want_km
    while True:  # moving away across the track: the least distance grows with d
        la, lo = destination(p.lat[i], p.lon[i], p.track_deg[i] + side, d * 1000.0)
        lat, lon = round(float(la), 5), round(float(lo), 5)
        least = float(np.min(distance_m(lat, lon, p.lat[sl], p.lon[sl]))) / 1000.0
        if least >= want_km:
            return lat, lon, least
        d *= 1.1


def position_at(g: _Gen, span: tuple[int, int], false: bool, record: str) -> None:
    within = float(g.rng.choice([2.0, 5.0, float(g.tol["within_km"])]))
    ct, offset = g.clock()
    t = g.time_in(span, ct + abs(offset))
    i = g.path.index(t)
    claim_t = t - offset
    if false:
        m = g.margin("position_at")
        lat, lon, least = _point_off(g, claim_t, ct, m * within)
        off: dict[str, Any] | None = g.off("position", least, within)
        err_km = None
    else:
        err_km = abs(g.err(within))
        la, lo = destination(g.path.lat[i], g.path.lon[i], float(g.rng.uniform(0, 360)),
                             err_km * 1000.0)  # fmt: skip
        lat, lon, off = round(float(la), 5), round(float(lo), 5), None
    g.add("position_at", {"time": _iso(claim_t), "clock_tolerance_s": ct, "lat": lat,
                          "lon": lon, "within_km": within},
          {"true": not false, "what": "position at a time", "off": off,
           "errors": {"position_km": round(err_km, 3)} if err_km is not None else {},
           "clock_offset_s": float(offset), "record": record})  # fmt: skip


def approaches(g: _Gen) -> None:
    """Approach counts at the destination (every one there ended in a go-around)."""
    dest, n = g.inc["destination"], len(g.inc["approaches"])
    cases: tuple[tuple[dict[str, Any], str, str | None, float], ...] = (
        ({"count": n, "go_arounds": n}, "approaches and go-arounds at the destination", None, 0),
        ({"count": n, "before": "failure"}, "approaches before the failure", None, 0),
        ({"count": n - 1, "go_arounds": n - 1, "after": "first_go_around"},
         "approaches after the first go-around", None, 0),
        ({"count": n + 1}, "one approach too many", "count", 1),
        ({"count": n - 1, "go_arounds": n - 1}, "one approach too few", "count", 1),
        ({"go_arounds": 0}, "no go-around", "go_arounds", n),
        ({"count": n, "after": "failure"}, "the approaches placed after the failure", "count", n),
    )  # fmt: skip
    for fields, what, quantity, amount in cases:
        off = None if quantity is None else g.off(quantity, float(amount), 0.0)
        g.add("approaches", {"airport": dest, **fields},
              {"true": quantity is None, "what": what, "off": off})  # fmt: skip


def duration(g: _Gen) -> None:
    inc, rng = g.inc, g.rng
    tol = float(g.tol["tolerance_min"])
    end_s = _s(inc["crash"]["time_ns"])
    anchors = {
        "failure": _s(inc["failure"]["time_ns"]),
        "squawk_7700": _s(inc["emergency"]["time_ns"]),
        "emergency": _s(inc["emergency"]["time_ns"]),
        "first_go_around": _s(inc["approaches"][0]["go_around_ns"]),
    }
    names = list(anchors)
    for j, form in enumerate(["about", "about", "more", "less", "about", "more", "less"]):
        true = j < 4
        name = names[j % len(names)] if j else "failure"
        airborne = (end_s - anchors[name]) / 60.0
        given_tol = bool(rng.integers(2))
        t = float(rng.choice([1.0, 2.0, 5.0])) if given_tol else tol
        out: dict[str, Any] = {"airborne_after": name}
        off = None
        v: float
        if true:
            if form == "about":
                v = round(airborne)  # officials round to the minute (8243: "74 minutes")
            elif form == "more":
                v = math.floor(airborne) - int(rng.integers(1, 15))
            else:
                v = math.ceil(airborne) + int(rng.integers(1, 15))
        else:
            m = g.margin("duration")
            if form == "about":
                v = round(airborne + float(rng.choice([-1, 1])) * m * t, 1)
            elif form == "more":
                v = round(airborne + m * t, 1)
            else:
                v = round(airborne - m * t, 1)
            off = g.off("duration", abs(v - airborne), t)
        out[f"{form}_than_min" if form != "about" else "about_min"] = float(v)
        if given_tol:
            out["tolerance_min"] = t
        g.add("duration", out, {"true": true, "off": off, "airborne_min": round(airborne, 2),
                                "what": f"airborne {form} after {name}"})  # fmt: skip


def gnss(g: _Gen) -> None:
    """GNSS states over windows. The checker wants the claimed state in at least
    ``gnss_share`` of the window: a false claim's state holds for only part of its
    window, the wrong part ``m`` times the share allowed to be wrong (at most all)."""
    st, rng = g.st, g.rng
    need = float(g.tol["gnss_share"])
    a, b = st.gap[0] - EDGE_S, st.gap[1] + EDGE_S  # positions absent [a, b)
    start = int(g.path.t_s[0])
    cases: list[tuple[str, float, float, bool, str, dict[str, Any] | None]] = []
    lo = g.time_in((a, b), 0.0)
    cases.append(("jammed", lo, min(b, lo + int(rng.integers(300, 1800))), True,
                  "jammed within the gap", None))  # fmt: skip
    cases.append(("jammed", a + EDGE_S, b - EDGE_S, True, "jammed over the gap", None))
    cases.append(("normal", start, st.normal_end - EDGE_S, True, "normal before the jammer", None))
    length = min(1200.0, float(st.normal_end - start))
    for state, edge, what in (("normal", float(st.normal_end), "normal into the jamming"),
                              ("jammed", float(a), "jammed before the positions went")):  # fmt: skip
        m = g.margin("gnss")
        wrong = min(1.0, m * (1.0 - need))
        # "normal" reaches past the edge by (1 - wrong) of its window; "jammed" starts early
        if state == "normal":
            f, t = edge - (1.0 - wrong) * length, edge + wrong * length
        else:
            f, t = edge - wrong * length, edge + (1.0 - wrong) * length
        cases.append((state, f, t, False, what,
                      g.off("state", wrong, 1.0 - need)))  # fmt: skip
    mid = (a + b) // 2
    cases.append(("normal", mid - 300, mid + 300, False, "normal in the middle of the gap",
                  g.off("state", 1.0, 1.0 - need)))  # fmt: skip
    for state, f, t, true, what, off in cases:
        g.add("gnss", {"state": state, "from": _iso(f), "to": _iso(t)},
              {"true": true, "what": what, "off": off})  # fmt: skip


def squawk(g: _Gen) -> None:
    inc, rng = g.inc, g.rng
    tol = float(g.tol["clock_s"])  # the checker takes squawk windows as stated
    e = _s(inc["emergency"]["time_ns"])
    start, last = int(g.path.t_s[0]), _s(inc["last_record"]["time_ns"])
    fail = _s(inc["failure"]["time_ns"])
    m1, m2 = g.margin("squawk"), g.margin("squawk")
    for transmitted, f, t, true, what, off in (
        (True, e - int(rng.integers(60, 600)), min(last, e + int(rng.integers(300, 1200))), True,
         "7700 sent around the emergency", None),
        (True, e + 60, last - 60, True, "7700 sent until the end", None),
        (False, start, fail - int(rng.integers(60, 600)), True, "no 7700 before the failure",
         None),
        (True, start, int(e - m1 * tol), False, "7700 before it was sent",
         g.off("time", m1 * tol, tol)),
        (False, int(e - 60 + 0 * m2), min(last, e + 600), False, "no 7700 after the emergency",
         g.off("transmitted", 1.0, 0.0)),
    ):  # fmt: skip
        g.add("squawk", {"code": "7700", "transmitted": transmitted, "from": _iso(f),
                         "to": _iso(t)}, {"true": true, "what": what, "off": off})  # fmt: skip


def end(g: _Gen) -> None:
    inc, rng = g.inc, g.rng
    c = inc["crash"]
    div, dest = inc["diversion"], inc["destination"]
    t = _s(c["time_ns"])
    within = float(rng.choice([3.0, 5.0]))
    err_km = abs(g.err(within))
    lat, lon = destination(c["lat"], c["lon"], float(rng.uniform(0, 360)), err_km * 1000.0)
    near = {"lat": round(float(lat), 5), "lon": round(float(lon), 5), "within_km": within}
    ct, offset = g.clock()
    m = g.margin("end")
    flat, flon = destination(c["lat"], c["lon"], float(rng.uniform(0, 360)), m * within * 1000.0)
    for fields, true, what, off in (
        ({"end": "crashed", "airport": div, **near}, True, "crashed near the diversion airport",
         None),
        ({"end": "crashed", "airport": div, "time": _iso(t - offset), "clock_tolerance_s": ct},
         True, "crashed at a time", None),
        ({"end": "crashed"}, True, "crashed", None),
        ({"end": "landed", "airport": div}, False, "landed at the diversion airport",
         g.off("end", 1.0, 0.0)),
        ({"end": "crashed", "airport": dest}, False, "crashed at the destination",
         g.off("airport", 1.0, 0.0)),
        ({"end": "crashed", "lat": round(float(flat), 5), "lon": round(float(flon), 5),
          "within_km": within}, False, "crashed elsewhere", g.off("position", m * within, within)),
    ):  # fmt: skip
        g.add("end", fields, {"true": true, "what": what, "off": off,
                              "errors": {"position_km": round(err_km, 3)} if "lat" in fields
                              and true else {}})  # fmt: skip


# -- the file ---------------------------------------------------------------------------


def generate_claims(
    incident: Mapping[str, Any], seed: int, tolerances: Mapping[str, float] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The claims file (``{"claims": [...]}``) and the truth per claim id, drawn from
    ``incident`` (``truth.json``'s ``incident``) deterministically per ``seed``."""
    tol = {**TOLERANCES, **(tolerances or {})}
    g = _Gen(incident, np.random.default_rng(np.random.SeedSequence([seed, 11])), tol)
    st = g.st
    # Observations with an observer: where positions were sent, and the 8243-like one
    # at the failure in the gap (an observer on a hill, height above the observer).
    observation(g, st.after, "positions", height_ref="msl")
    observation(g, st.before, "positions", height_ref="msl", slant=True)
    observation(g, st.after, "positions", height_ref="agl")
    observation(g, st.after, "positions", hill=True, height_ref="observer")
    observation(g, st.after, "positions", hill=True, height_ref="unknown")
    fail = _s(g.inc["failure"]["time_ns"])
    observation(g, (fail - 30, fail + 90), "no_positions", hill=True, height_ref="observer")
    for q, span, ref in (("azimuth", st.after, "msl"), ("range", st.before, "msl"),
                         ("height", st.after, "observer"), ("speed", st.before, "msl"),
                         ("heading", st.after, "msl"), ("height", st.after, "unknown"),
                         ("azimuth", st.before, "msl"), ("range", st.after, "msl")):  # fmt: skip
        observation(g, span, "positions", hill=ref != "msl", height_ref=ref, false=q)
    # Observations without an observer: height, speed and heading can be judged.
    observation(g, st.after, "positions", observer=False, height_ref="msl")
    observation(g, st.gap, "no_positions", observer=False, height_ref="msl",
                fields=("height", "speed", "heading"))  # fmt: skip
    for q in ("speed", "heading", "height"):
        gap = q == "speed"  # ground speed keeps coming without positions
        observation(g, st.gap if gap else st.after, "no_positions" if gap else "positions",
                    observer=False, height_ref="msl", false=q)  # fmt: skip
    for span, record in ((st.before, "positions"), (st.after, "positions")):
        position_at(g, span, False, record)
        position_at(g, span, True, record)
    position_at(g, st.after, True, "positions")
    approaches(g)
    duration(g)
    gnss(g)
    squawk(g)
    end(g)
    return {"claims": g.claims}, g.truth


#: The flip claims' observer: this far from the aircraft, m (8243's note: 7,000 m).
FLIP_RANGE_M = 7000.0
#: The flip claims' GNSS window, s (modelling choice).
FLIP_GNSS_S = 1200.0
#: Quantities moved per kind in the flip claims (observation: one row per quantity).
FLIP_QUANTITIES: Mapping[str, tuple[str, ...]] = {
    "observation": ("azimuth_deg", "ground_range_m", "height_m", "speed_mps", "heading_deg"),
    "position_at": ("position",), "approaches": ("count",), "duration": ("duration",),
    "gnss": ("share",), "squawk": ("time",), "end": ("position",),
}  # fmt: skip


@dataclass(frozen=True)
class Flip:
    """An exact true claim moved by ``margin`` tolerances (``tolerance`` in ``unit``)."""

    kind: str
    quantity: str
    margin: float
    tolerance: float
    unit: str
    claim: Mapping[str, Any]


def flip_claims(
    incident: Mapping[str, Any],
    margins: Sequence[float],
    tolerances: Mapping[str, float] | None = None,
) -> tuple[Flip, ...]:
    """Per kind and quantity, an exact true claim (no observation error, no clock
    tolerance, in the middle of the last stretch with positions) moved away from the
    truth by each of ``margins`` times its tolerance. Approach counts move by whole
    approaches (their tolerance is none): ``margin`` rounded, one approach a unit."""
    tol = {**TOLERANCES, **(tolerances or {})}
    g = _Gen(incident, np.random.default_rng(0), tol)
    inc, p, st = g.inc, g.path, g.st
    t = (st.after[0] + st.after[1]) // 2
    i = p.index(t)
    olat, olon = destination(p.lat[i], p.lon[i], (p.track_deg[i] + 90.0) % 360.0, FLIP_RANGE_M)
    obs = (float(olat), float(olon), 0.0)
    seen = _seen(g, slice(i, i + 1), obs)
    exact = {
        "azimuth_deg": float(seen.azimuth_deg[0]), "ground_range_m": float(seen.ground_range_m[0]),
        "height_m": float(seen.heights["msl"][0]), "speed_mps": float(seen.speed_mps[0]),
        "heading_deg": float(seen.heading_deg[0]),
    }  # fmt: skip
    base = {"flight": {"icao24": inc["icao24"]}}
    fail, e = _s(inc["failure"]["time_ns"]), _s(inc["emergency"]["time_ns"])
    crash = inc["crash"]
    airborne = (_s(crash["time_ns"]) - fail) / 60.0
    out: list[Flip] = []
    for m in margins:
        for q in FLIP_QUANTITIES["observation"]:
            vals = dict(exact)
            tq = float(tol[q]) if q != "ground_range_m" else _range_tol(tol, exact[q])
            vals[q] += m * tq
            if q in ("azimuth_deg", "heading_deg"):
                vals[q] %= 360.0
            claim = {**base, "kind": "observation", "time": _iso(t), "clock_tolerance_s": 0.0,
                     "observer": {"lat": obs[0], "lon": obs[1], "alt_m": obs[2]},
                     "height_ref": "msl", **vals}  # fmt: skip
            out.append(Flip("observation", q, m, tq, UNITS[q], claim))
        within = float(tol["within_km"])
        la, lo = destination(p.lat[i], p.lon[i], (p.track_deg[i] + 90.0) % 360.0, m * within * 1e3)
        out.append(Flip("position_at", "position", m, within, "km", {
            **base, "kind": "position_at", "time": _iso(t), "clock_tolerance_s": 0.0,
            "lat": float(la), "lon": float(lo), "within_km": within}))  # fmt: skip
        n = len(inc["approaches"]) + round(m)
        out.append(Flip("approaches", "count", float(round(m)), 1.0, "approaches", {
            **base, "kind": "approaches", "airport": inc["destination"], "count": n}))  # fmt: skip
        tm = float(tol["tolerance_min"])
        out.append(Flip("duration", "duration", m, tm, "min", {
            **base, "kind": "duration", "airborne_after": "failure",
            "about_min": airborne + m * tm}))  # fmt: skip
        # GNSS "normal" over 20 min reaching into the jamming: the share of the window
        # that is not normal, in the share allowed (1 - gnss_share); at most all of it
        allowed = 1.0 - float(tol["gnss_share"])
        wrong = min(1.0, m * allowed)
        out.append(Flip("gnss", "share", m, allowed, "share of the window", {
            **base, "kind": "gnss", "state": "normal",
            "from": _iso(st.normal_end - (1.0 - wrong) * FLIP_GNSS_S),
            "to": _iso(st.normal_end + wrong * FLIP_GNSS_S)}))  # fmt: skip
        ts = float(tol["clock_s"])
        out.append(Flip("squawk", "time", m, ts, "s", {
            **base, "kind": "squawk", "code": "7700", "transmitted": True,
            "from": _iso(e - 1800), "to": _iso(e - m * ts)}))  # fmt: skip
        la, lo = destination(crash["lat"], crash["lon"], 0.0, m * within * 1e3)
        out.append(Flip("end", "position", m, within, "km", {
            **base, "kind": "end", "end": "crashed", "lat": float(la), "lon": float(lo),
            "within_km": within}))  # fmt: skip
    for k, f in enumerate(out):
        object.__setattr__(f, "claim", {"id": f"F{k + 1}", **f.claim})
    return tuple(out)


__all__ = ["TOLERANCES", "Flip", "flip_claims", "generate_claims"]
