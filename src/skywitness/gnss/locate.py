"""Where a jammer is: its ground position and effective range, from the traffic.

A jammer on the ground denies GNSS to aircraft within its effective range
*and* within radio line of sight, so the affected zone at altitude ``h`` is a
disc of radius ``R(h) = min(R_eff, LOS(h))`` around the emitter, with the
4/3-Earth radio horizon ``LOS(h) = 4.12 (sqrt(h_m) + sqrt(h_antenna_m))`` km:
higher aircraft are affected from farther away, up to the power-limited range.

What the record tells about that disc, per aircraft (see :class:`Observations`):

* entry points: the last trusted position before the aircraft's quality
  dropped lies on the boundary, to within the distance flown between two
  reports (``ENTRY_SIGMA_KM``);
* exit points: the first trusted position after recovery lies *outside* the
  boundary by the distance flown during the receiver's re-acquisition (tens
  of seconds to two minutes), so it only bounds the disc from both sides
  (from inside only when the exit is above :data:`OUTSIDE_MIN_ALT_FT`);
* inside points: positions of affected aircraft (degraded reports that still
  carry one, or dead-reckoned through the gap) lie inside;
* outside points: aircraft that kept good quality while the jammer was on
  were outside (or below the horizon); only those above
  :data:`OUTSIDE_MIN_ALT_FT`, which no terrain masks.

The fit minimises robust residuals of all four (``scipy.optimize.least_squares``
with a soft-L1 loss) over (east, north, R_eff, antenna height) in a local tangent plane, from
several starts. The 95 % uncertainty is the 95th percentile of the distance
between the estimate and estimates refitted on aircraft resampled with
replacement (bootstrap; each refit starts from the estimate), never less than the formal error from the fit's
Jacobian, combined with a systematic term (:data:`SYSTEMATIC_KM`) and the
zone's measured departure from a circle (:data:`SHAPE_SECTORS`). With fewer than :data:`MIN_ENTRIES` entry points there is no
boundary to fit: the estimate is None and the event says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywitness.model.geo import EARTH_RADIUS_M, mean_lon

Float = NDArray[np.float64]

#: 4/3-Earth radio horizon coefficient, km per sqrt(m) (ITU-R P.453 effective
#: Earth radius k = 4/3: d = sqrt(2 k R h) = 4.12 sqrt(h) km with h in m).
HORIZON_KM_PER_SQRT_M = 4.12
#: Starting antenna height of a ground jammer (a mast or a rooftop); the fit
#: adjusts it between 1 m and 400 m (as sqrt(h)), constrained by where low
#: aircraft (horizon-limited) lost GNSS. It only matters for low aircraft.
ANTENNA_HEIGHT_M = 10.0
ANTENNA_ROOT_MIN, ANTENNA_ROOT_MAX = 1.0, 20.0
#: Spread of that prior, in sqrt(m): two sigma spans about 0-85 m.
ANTENNA_ROOT_SIGMA = 3.0
#: Spread of entry points about the boundary: an aircraft at 250 m/s covers
#: ~1.3 km between two readsb trace points (5 s) and up to ~2 km more before
#: its receiver declares the loss (onset delay of a few seconds).
ENTRY_SIGMA_KM = 2.0
#: Exit points lie outside the boundary by up to the distance flown during
#: re-acquisition: receivers take ~30-120 s to regain a fix after strong
#: interference (time-to-first-fix warm start plus integrity monitoring).
EXIT_MAX_LAG_S = 150.0
#: Tolerance for inside/outside constraints: an aircraft keeps good quality
#: for the onset delay after entering (a few seconds, ~2 km), and
#: dead-reckoned positions drift (~2-3 km over ten minutes without wind).
INOUT_MARGIN_KM = 4.0
#: Good aircraft below this altitude say nothing about the disc: terrain masks
#: an emitter's horizon by up to a degree or more of elevation in hilly
#: country (and the airframe shadows the antenna from low angles), so a low
#: aircraft inside the power-limited range may keep its fix. At FL200 (6.1 km)
#: an aircraft sees over a mask of 1.4 degrees 170 km away (6.1 km = d tan 1.4
#: deg + d^2 / (2 k R), k = 4/3); they are the "outside" evidence that holds.
OUTSIDE_MIN_ALT_FT = 20_000.0
#: Scale of a constraint violation (km) in the residuals.
HINGE_SCALE_KM = 1.0
#: The emitter is searched within this distance (km) of the entries' mean.
PLANE_BOUND_KM = 2000.0
#: Fewest entry points from which a boundary is fitted.
MIN_ENTRIES = 3
#: An entry this many ENTRY_SIGMA_KM inside a fit is not a boundary crossing.
INSIDE_OUTLIER_SIGMA = 3.0
#: An exit this far beyond the reach plus the longest re-acquisition, or an
#: "inside" position this far beyond the reach, is not this emitter's, km:
#: the aircraft stayed affected well outside the disc (another emitter's
#: zone, overlapping; or a faulty receiver), so it says nothing about this
#: boundary.
EXIT_OUTLIER_KM = 5 * ENTRY_SIGMA_KM
#: Rounds of fit-and-reclassify.
REFIT_ROUNDS = 3
#: Error no resampling can see, added in quadrature to the 95 % bound: every
#: entry point sits up to about one ENTRY_SIGMA_KM on the same side of the
#: boundary (reports come after the crossing, receivers lose the fix after an
#: onset delay), which shifts the fitted disc as a whole: twice that at 95 %.
SYSTEMATIC_KM = 2 * ENTRY_SIGMA_KM
#: The shape term (model uncertainty): a real emitter's zone is a circle only
#: in the simplest world. An antenna pattern, terrain masking the horizon in
#: some directions or a mast shadowing its own antenna make the boundary's
#: distance vary with azimuth, and a circle fitted to such a boundary has its
#: centre off the emitter by an amount no resampling of aircraft sees. What
#: the record does show is whether the parts of the boundary agree: the fit is
#: repeated without the entries of each quarter of azimuth around it in turn
#: (SHAPE_SECTORS), and SHAPE_FACTOR times the farthest of those centres from
#: the estimate is the shape term, added in quadrature to the 95 % bound. On
#: a circle the quarters agree to within the noise of fewer entries; on a zone
#: that is not one they pull the centre their own way.
SHAPE_SECTORS = 4
#: A quarter of the disc screened short (95 of 150 km) moves the circle's
#: centre ~22 km while leaving that quarter out moves it back by only ~9 km:
#: the robust fit already half-discounts the short quarter, so the spread
#: sees under half the shift (tests/test_localise_world.py). 2.5 makes the
#: term cover that geometry; on circular zones it adds ~1-5 km.
SHAPE_FACTOR = 2.5
#: Fewest entries left in a refit without a quarter (fewer: that quarter's
#: refit is skipped; it would measure noise, not shape).
SHAPE_MIN_ENTRIES = 6
#: Bootstrap resamples for the uncertainty.
BOOTSTRAP = 60
#: The largest front-to-back ratio of the emitter's antenna that the
#: any-antenna bound (:attr:`EmitterEstimate.error_km_95_any_antenna`) allows
#: for, dB: a panel or vehicle-mounted antenna partly shielded; a clean Yagi
#: reaches 15-25 dB (modelling choice, said with every bound).
FRONT_TO_BACK_MAX_DB = 12.0


def directional_share(front_to_back_db: float = FRONT_TO_BACK_MAX_DB) -> float:
    """How far a directional emitter may lie from the centre of the circle its
    zone fits, as a share of that circle's radius, whatever its pattern.

    With a gain between 0 and -``front_to_back_db`` dB in every direction and
    power falling as 1/d^n, the zone's boundary lies between ``q R`` and ``R``
    from the emitter, ``q = 10^(-FTB / (10 n))``; free space (n = 2) is the
    widest case. The circle that follows a boundary ``r(theta)`` is centred
    at its first Fourier coefficient, with its mean as radius. Their ratio is
    a linear-fractional function of ``r``, largest where ``r`` takes only the
    extremes: ``R`` on one arc of width ``w``, ``q R`` elsewhere, giving
    ``4 (1 - q) sin(w / 2) / (2 pi q + (1 - q) w)``, maximised over ``w``.
    12 dB gives 0.83 (a cardioid, whose range is one harmonic, 0.60).
    """
    q = 10.0 ** (-front_to_back_db / 20.0)
    w = np.linspace(1e-3, 2 * np.pi, 20_000)
    return float(np.max(4 * (1 - q) * np.sin(w / 2) / (2 * np.pi * q + (1 - q) * w)))


#: chi-square 95 % quantile, 2 degrees of freedom (position error ellipse).
CHI2_95_2DOF = 5.991


@dataclass(frozen=True)
class Observations:
    """What the record says about one interference event (degrees, feet, km/h)."""

    entry: Float  # (n, 3): lat, lon, alt_ft of the last trusted position before the loss
    # (n, 4): lat, lon, alt_ft, ground speed kt of the first trusted position after;
    # optionally a 5th column: the highest altitude in the exit_max_lag_s before
    # it (the receiver left the zone then, at that altitude's horizon or below).
    exit: Float
    inside: Float  # (n, 3): positions known or estimated inside
    outside: Float  # (n, 3): positions with good quality while the emitter was active
    entry_aircraft: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    exit_aircraft: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    #: How long after leaving the zone a receiver may take to report a trusted
    #: position again, s (bounds how far outside an exit point may lie).
    exit_max_lag_s: float = EXIT_MAX_LAG_S


@dataclass(frozen=True)
class EmitterEstimate:
    """Where an emitter is, for a jammer and a spoofer alike (:func:`locate_emitter`):
    ground position (degrees), effective range (km), 95 % error of the position (km),
    the entry and exit points the fit used, and the fitted antenna height (m)."""

    lat: float
    lon: float
    range_km: float
    error_km_95: float
    n_entries: int
    n_exits: int
    antenna_m: float = ANTENNA_HEIGHT_M
    #: The shape term inside ``error_km_95`` (SHAPE_FACTOR times how far the fit
    #: moves without a quarter of the boundary, :func:`shape_spread_km`), km.
    shape_km: float = 0.0
    #: Radius of the zone the entries outline: the fitted disc's median reach
    #: at their altitudes, km.
    zone_km: float = 0.0

    @property
    def error_km_95_any_antenna(self) -> float:
        """The 95 % error when the antenna may be directional (up to
        FRONT_TO_BACK_MAX_DB front to back), km. A directional emitter's zone
        is close to a circle whose centre lies towards its boresight, and the
        record's losses and recoveries cannot tell the two apart: the bound
        adds the farthest the emitter may lie from that centre
        (:func:`directional_share` of :attr:`zone_km`). ``error_km_95``
        assumes an antenna that radiates alike in every direction."""
        return self.error_km_95 + directional_share() * self.zone_km

    def as_json(self, *, km_digits: int = 1, counts: bool = True) -> dict[str, Any]:
        """lat/lon to 5 decimals (~1 m), range and error to ``km_digits``; with ``counts``,
        the numbers of entries and exits (the spoofer area's shape by default; a jamming
        event prints ``km_digits=2, counts=False``)."""
        out: dict[str, Any] = {
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "range_km": round(self.range_km, km_digits),
            "error_km_95": round(self.error_km_95, km_digits),
            "error_km_95_any_antenna": round(self.error_km_95_any_antenna, km_digits),
        }
        if counts:
            out |= {"n_entries": self.n_entries, "n_exits": self.n_exits}
        return out


def horizon_km(alt_ft: Float, antenna_m: float = ANTENNA_HEIGHT_M) -> Float:
    """Radio line-of-sight distance from an antenna to aircraft at ``alt_ft``."""
    h = np.maximum(np.asarray(alt_ft, dtype=np.float64) * 0.3048, 0.0)
    return np.asarray(HORIZON_KM_PER_SQRT_M * (np.sqrt(h) + np.sqrt(antenna_m)))


class LocalPlane:
    """Local tangent plane (km) around a reference point; exact enough for < 500 km."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self._k = EARTH_RADIUS_M / 1000 * np.pi / 180
        self._c = np.cos(np.radians(lat0))

    def xy(self, lat: Float, lon: Float) -> tuple[Float, Float]:
        dlon = (np.asarray(lon) - self.lon0 + 180.0) % 360.0 - 180.0
        return dlon * self._k * self._c, (np.asarray(lat) - self.lat0) * self._k

    def latlon(self, x: float, y: float) -> tuple[float, float]:
        lon = (self.lon0 + x / (self._k * self._c) + 180.0) % 360.0 - 180.0
        return self.lat0 + y / self._k, lon


def _residuals(p: Float, d: dict[str, Float]) -> Float:
    x, y, r, root_h = p
    lift = HORIZON_KM_PER_SQRT_M * root_h  # the antenna's share of the radio horizon
    parts = []
    dist = np.hypot(d["ex"] - x, d["ey"] - y)
    parts.append((dist - np.minimum(r, d["eh"] + lift)) / ENTRY_SIGMA_KM)
    if len(d["xx"]):
        dist = np.hypot(d["xx"] - x, d["xy"] - y)
        rr = np.minimum(r, d["xh"] + lift)
        top = np.minimum(r, d["xh_top"] + lift)
        # Only a high exit must lie outside: a low one may have come out of a
        # terrain-masked sector (see OUTSIDE_MIN_ALT_FT).
        parts.append(d["xhigh"] * np.maximum(rr - INOUT_MARGIN_KM - dist, 0.0) / HINGE_SCALE_KM)
        parts.append(np.maximum(dist - top - d["xlag"] - INOUT_MARGIN_KM, 0.0) / HINGE_SCALE_KM)
    if len(d["ix"]):
        dist = np.hypot(d["ix"] - x, d["iy"] - y)
        parts.append(
            np.maximum(dist - np.minimum(r, d["ih"] + lift) - INOUT_MARGIN_KM, 0.0) / HINGE_SCALE_KM
        )
    if len(d["ox"]):
        dist = np.hypot(d["ox"] - x, d["oy"] - y)
        parts.append(
            np.maximum(np.minimum(r, d["oh"] + lift) - INOUT_MARGIN_KM - dist, 0.0) / HINGE_SCALE_KM
        )
    # A weak prior on the antenna height: masts and rooftops, not towers, unless
    # low aircraft's horizon-limited losses say otherwise.
    parts.append(np.array([(root_h - np.sqrt(ANTENNA_HEIGHT_M)) / ANTENNA_ROOT_SIGMA]))
    return np.concatenate(parts)


def _jacobian(p: Float, d: dict[str, Float]) -> Float:
    """The derivatives of :func:`_residuals` by (x, y, R, sqrt(antenna height)),
    row for row (one-sided at the hinges and where the range and the horizon
    meet, as the fit's finite differences would take them)."""
    x, y, r, root_h = p
    lay = d.get("_rows")
    if lay is None:
        lay = d["_rows"] = _jacobian_rows(d)
    px, py, h, sign, scale, slack, hinge, weight = lay
    hinge = hinge > 0
    dist = np.hypot(px - x, py - y)
    safe = np.maximum(dist, 1e-9)
    lift = HORIZON_KM_PER_SQRT_M * root_h
    by_range = r <= h + lift
    reach = np.minimum(r, h + lift)
    # A hinge row counts where it is open: sign * (dist - reach) beyond the margin.
    on = np.where(hinge, sign * (dist - reach) - INOUT_MARGIN_KM - slack > 0, True) * weight
    k = on * sign / scale
    out = np.empty((len(px) + 1, 4))
    out[:-1, 0] = k * (x - px) / safe
    out[:-1, 1] = k * (y - py) / safe
    out[:-1, 2] = -k * by_range
    out[:-1, 3] = -k * (~by_range) * HORIZON_KM_PER_SQRT_M
    out[-1] = (0.0, 0.0, 0.0, 1.0 / ANTENNA_ROOT_SIGMA)
    return out


def _jacobian_rows(d: dict[str, Float]) -> Float:
    """The rows of :func:`_residuals` laid out once per data set, as the rows
    of one array: points (x, y), the height their reach is taken at, sign,
    scale, extra slack, whether a hinge (1) and a fixed weight (an exit counts
    from inside only when high)."""
    m, k, o = len(d["xx"]), len(d["ix"]), len(d["ox"])
    n = len(d["ex"])
    ones = np.ones

    def cat(*parts: Any) -> Float:
        return np.concatenate([np.asarray(q, dtype=np.float64) for q in parts])

    px = cat(d["ex"], d["xx"], d["xx"], d["ix"], d["ox"])
    py = cat(d["ey"], d["xy"], d["xy"], d["iy"], d["oy"])
    h = cat(d["eh"], d["xh"], d["xh_top"], d["ih"], d["oh"])
    sign = cat(ones(n), -ones(m), ones(m), ones(k), -ones(o))
    scale = cat(np.full(n, ENTRY_SIGMA_KM), np.full(2 * m + k + o, HINGE_SCALE_KM))
    slack = cat(np.zeros(n + m), d["xlag"], np.zeros(k + o))
    hinge = cat(np.zeros(n), ones(2 * m + k + o))
    weight = cat(ones(n), d["xhigh"], ones(m + k + o))
    return np.vstack([px, py, h, sign, scale, slack, hinge, weight])


def _circle_start(x: Float, y: Float) -> tuple[float, float, float]:
    """Algebraic (Kasa) circle fit: a start for the robust fit."""
    a = np.column_stack([x, y, np.ones_like(x)])
    b = x**2 + y**2
    (cx2, cy2, c), *_ = np.linalg.lstsq(a, b, rcond=None)
    cx, cy = cx2 / 2, cy2 / 2
    r2 = c + cx**2 + cy**2
    return (
        float(cx),
        float(cy),
        float(np.sqrt(r2)) if r2 > 0 else float(np.hypot(x - cx, y - cy).mean()),
    )


def _fit(d: dict[str, Float], near: Float | None = None) -> tuple[Float, float, Float]:
    """Best (x, y, R, sqrt(antenna height)) over several starts; its cost; the
    Jacobian at the optimum. ``near``: an estimate of nearly the same data
    (refits of resampled or fewer points) to start from instead."""
    if near is not None:
        res = _solve(d, np.asarray(near, dtype=np.float64))
        return np.asarray(res.x), float(res.cost), np.asarray(res.jac)
    ex, ey = d["ex"], d["ey"]
    starts = []
    cx, cy, r = _circle_start(ex, ey)
    if np.isfinite([cx, cy, r]).all():
        starts.append((cx, cy, r))
    if len(d["ix"]):
        mx, my = float(d["ix"].mean()), float(d["iy"].mean())
    else:
        mx, my = float(ex.mean()), float(ey.mean())
    starts.append((mx, my, float(np.median(np.hypot(ex - mx, ey - my)))))
    best = None
    for s in starts:
        r0 = float(np.clip(s[2], 1.0, 1000.0))
        # A circle through nearly collinear entries has a far-away centre: keep
        # every start inside the search bounds.
        xy = np.clip([s[0], s[1]], -PLANE_BOUND_KM + 1, PLANE_BOUND_KM - 1)
        start = np.array([xy[0], xy[1], r0, np.sqrt(ANTENNA_HEIGHT_M)])
        res = _solve(d, start)
        if best is None or res.cost < best.cost:
            best = res
    assert best is not None
    return np.asarray(best.x), float(best.cost), np.asarray(best.jac)


#: The fit from a start first leaves out the inside and outside points whose
#: constraint is this far (km) from binding at the start (see :func:`_solve`).
PRUNE_KM = 25.0
#: Runs on fewer points before one on all of them.
PRUNE_ATTEMPTS = 6


def _solve(d: dict[str, Float], start: Float) -> Any:
    """``scipy.optimize.least_squares`` of :func:`_residuals` from ``start``,
    without the rows that stay zero on the way.

    A large event has a hundred thousand inside and outside points, most of
    them far from its boundary: an outside point's constraint binds only
    within the disc, an inside point's only beyond it. The solver runs
    without the points whose constraint is more than PRUNE_KM from binding at
    its start; every parameter it tries is checked against bounds on the
    points left out (:class:`_LeftOut`). When none of them could bind at any
    of those parameters, their residuals and derivatives were zero all the
    way: the run is the one on all the points (the same steps, optimum, cost
    and Jacobian, zero rows added). When one could, the solver goes on from
    where it stopped, the points chosen again round it, until a run passes
    the check (on all points once nothing is left out, or after
    PRUNE_ATTEMPTS): its optimum is the optimum of all the points reached
    from that last start, one that the run from ``start`` on all points
    reaches too unless the two runs part ways (starts far from the optimum
    move the disc by up to a few hundred km; on the accuracy benchmarks and
    the 10^6 scale set every estimate came out as before).
    """
    from scipy.optimize import least_squares

    bounds = ([-PLANE_BOUND_KM, -PLANE_BOUND_KM, 1.0, ANTENNA_ROOT_MIN],
              [PLANE_BOUND_KM, PLANE_BOUND_KM, 1000.0, ANTENNA_ROOT_MAX])  # fmt: skip
    for attempt in range(PRUNE_ATTEMPTS + 1):
        left = _LeftOut(d, start, PRUNE_KM if attempt < PRUNE_ATTEMPTS else np.inf)
        if left.none:
            return least_squares(_residuals, start, jac=_jacobian, args=(d,), loss="soft_l1",
                                 bounds=bounds)  # fmt: skip
        tried: list[Float] = []

        def fun(p: Float, sub: dict[str, Float], tried: list[Float] = tried) -> Float:
            tried.append(p.copy())
            return _residuals(p, sub)

        res = least_squares(fun, start, jac=_jacobian, args=(left.kept,), loss="soft_l1",
                            bounds=bounds)  # fmt: skip
        if left.stay_zero(np.array(tried)):
            # The rows left out, as zeros: the Jacobian of all the points.
            res.jac = np.concatenate([res.jac, np.zeros((left.rows, res.jac.shape[1]))])
            return res
        start = np.asarray(res.x, dtype=np.float64)
    raise AssertionError("unreachable: the last attempt leaves nothing out")


class _LeftOut:
    """The inside and outside points of ``d`` more than ``margin`` km from
    binding at ``start`` (left out of a fit), and the data without them."""

    def __init__(self, d: dict[str, Float], start: Float, margin: float) -> None:
        x0, y0, r0, root0 = start
        lift0 = HORIZON_KM_PER_SQRT_M * root0
        self.x0, self.y0 = float(x0), float(y0)
        # An inside point binds beyond its reach (+ INOUT_MARGIN_KM), an
        # outside one within it: how far each is from that at the start.
        d_in = np.hypot(d["ix"] - x0, d["iy"] - y0)
        d_out = np.hypot(d["ox"] - x0, d["oy"] - y0)
        out_in = d_in - np.minimum(r0, d["ih"] + lift0) < -margin
        out_out = d_out - np.minimum(r0, d["oh"] + lift0) > margin
        self.none = not (out_in.any() or out_out.any())
        self.rows = int(out_in.sum() + out_out.sum())
        if self.none:
            return
        kept = dict(d)
        for k in ("ix", "iy", "ih"):
            kept[k] = d[k][~out_in]
        for k in ("ox", "oy", "oh"):
            kept[k] = d[k][~out_out]
        kept.pop("_rows", None)
        self.kept = kept
        inf = float("inf")
        # An inside point i left out stays within its reach (+ margin) while the
        # centre moves by m: d_i + m <= min(r, h_i + lift) + INOUT_MARGIN_KM for all
        # i, i.e. m <= min(r - max d_i, lift + min(h_i - d_i)) + INOUT_MARGIN_KM.
        self.in_far = float(d_in[out_in].max()) if out_in.any() else -inf
        self.in_low = float((d["ih"] - d_in)[out_in].min()) if out_in.any() else inf
        # An outside point o stays beyond its reach (- margin):
        # d_o - m >= min(r, h_o + lift) - INOUT_MARGIN_KM for all o, which holds
        # when m <= max(min d_o - r, min(d_o - h_o) - lift) + INOUT_MARGIN_KM;
        # taken apart for the points left out beyond the range and the rest
        # (beyond their horizon), so that each side's bound is the tight one.
        far = out_out & (d_out - r0 > margin)
        self.out_sides = [
            (float(d_out[side].min()), float((d_out - d["oh"])[side].min()))
            for side in (far, out_out & ~far)
            if side.any()
        ]

    def stay_zero(self, tried: Float) -> bool:
        """Whether no point left out could bind at any of the parameters ``tried``."""
        move = np.hypot(tried[:, 0] - self.x0, tried[:, 1] - self.y0)
        r, lift = tried[:, 2], HORIZON_KM_PER_SQRT_M * tried[:, 3]
        # (less a micrometre: the distances are rounded differently in the fit)
        slack = INOUT_MARGIN_KM - 1e-9
        inside_ok = move <= np.minimum(r - self.in_far, lift + self.in_low) + slack
        ok = inside_ok
        for near, high in self.out_sides:
            ok &= move <= np.maximum(near - r, high - lift) + slack
        return bool(np.all(ok))


def locate_emitter(
    obs: Observations, *, bootstrap: int = BOOTSTRAP, seed: int = 0
) -> EmitterEstimate | None:
    """The emitter's position, effective range and 95 % error, or None without enough entries."""
    if len(obs.entry) < MIN_ENTRIES:
        return None
    plane = LocalPlane(float(np.mean(obs.entry[:, 0])), mean_lon(obs.entry[:, 1]))
    obs, data, fitted = _reclassified(obs, plane)
    if len(obs.entry) < MIN_ENTRIES:
        return None
    if data is None or fitted is None:
        data = _plane_data(obs, plane)
        fitted = _fit(data)
    p, _, jac = fitted
    lat, lon = plane.latlon(float(p[0]), float(p[1]))

    formal = _formal_error_km(jac, _residuals(p, data))
    spread = _bootstrap_error_km(obs, plane, p, bootstrap, seed) if bootstrap else 0.0
    bound = max(formal, spread)
    if not np.isfinite(bound):
        # Too few crossings to resample or to invert the fit: all that is
        # certain is that the emitter reaches the affected aircraft.
        bound = float(p[2])
    # The shape term, like the resampling, only for a bound that is stated
    # (``bootstrap=0`` asks for the position and range alone, as the
    # two-emitter split does many times).
    shape = SHAPE_FACTOR * shape_spread_km(obs, plane, p) if bootstrap else 0.0
    zone = float(np.median(np.minimum(p[2], data["eh"] + HORIZON_KM_PER_SQRT_M * p[3])))
    return EmitterEstimate(
        lat=float(lat), lon=float(lon), range_km=float(p[2]),
        error_km_95=float(np.sqrt(bound**2 + SYSTEMATIC_KM**2 + shape**2)),
        n_entries=len(obs.entry), n_exits=len(obs.exit), antenna_m=float(p[3] ** 2),
        shape_km=shape, zone_km=zone,
    )  # fmt: skip


def shape_spread_km(obs: Observations, plane: LocalPlane, p: Float) -> float:
    """Farthest centre, from the estimate ``p``, of the fits without the entries
    (and exits) of each quarter of azimuth around it in turn (see SHAPE_SECTORS), km."""
    d = _plane_data(obs, plane)

    def quarter(x: Float, y: Float) -> NDArray[np.int64]:
        turn = (np.arctan2(y - p[1], x - p[0]) + np.pi) / (2 * np.pi)
        return np.asarray(np.floor(turn * SHAPE_SECTORS).astype(np.int64) % SHAPE_SECTORS)

    e_sector, x_sector = quarter(d["ex"], d["ey"]), quarter(d["xx"], d["xy"])
    spread = 0.0
    for k in range(SHAPE_SECTORS):
        keep = np.flatnonzero(e_sector != k)
        if len(keep) < SHAPE_MIN_ENTRIES or len(keep) == len(e_sector):
            continue
        q, _, _ = _fit(_plane_data(obs, plane, keep, np.flatnonzero(x_sector != k)), near=p)
        spread = max(spread, float(np.hypot(q[0] - p[0], q[1] - p[1])))
    return spread


def misfit(obs: Observations, est: EmitterEstimate) -> float:
    """Robust cost (soft-L1, as in the fit) of observations under a given emitter."""
    plane = LocalPlane(est.lat, est.lon)
    r = _residuals(
        np.array([0.0, 0.0, est.range_km, np.sqrt(est.antenna_m)]), _plane_data(obs, plane)
    )
    return float(np.sum(2 * (np.sqrt(1 + r**2) - 1)))


def misfits(each: list[Observations], est: EmitterEstimate) -> NDArray[np.float64]:
    """:func:`misfit` of each of many small sets of observations (each
    stretch's own, for the two-emitter split's assignments), the same
    numbers: every observation's cost computed at once, then each set's
    summed as :func:`misfit` sums it (the same terms, in the same order).
    Sets with outside points, or exits of different widths or lags, are
    left to :func:`misfit` one by one."""
    widths = {o.exit.shape[1] for o in each} | {4}
    if (
        len(widths) > 1 or any(len(o.outside) for o in each)
        or len({o.exit_max_lag_s for o in each}) > 1
    ):  # fmt: skip
        return np.array([misfit(o, est) for o in each], dtype=np.float64)
    if not each:
        return np.zeros(0)
    ne = np.array([len(o.entry) for o in each])
    nx = np.array([len(o.exit) for o in each])
    ni = np.array([len(o.inside) for o in each])
    whole = Observations(
        entry=np.concatenate([o.entry.reshape(-1, 3) for o in each]),
        exit=np.concatenate([o.exit.reshape(-1, 4) for o in each]),
        inside=np.concatenate([o.inside.reshape(-1, 3) for o in each]),
        outside=np.zeros((0, 3)),
        exit_max_lag_s=each[0].exit_max_lag_s,
    )
    plane = LocalPlane(est.lat, est.lon)
    r = _residuals(
        np.array([0.0, 0.0, est.range_km, np.sqrt(est.antenna_m)]), _plane_data(whole, plane)
    )
    cost = 2 * (np.sqrt(1 + r**2) - 1)
    # _residuals' layout: entries, the exits' two hinges (when any), the
    # inside points (when any), the antenna's prior.
    n_e, n_x, n_i = int(ne.sum()), int(nx.sum()), int(ni.sum())
    c_e = cost[:n_e]
    c_xa, c_xb = cost[n_e : n_e + n_x], cost[n_e + n_x : n_e + 2 * n_x]
    c_i = cost[n_e + 2 * n_x : n_e + 2 * n_x + n_i]
    prior = cost[-1:]
    e0, x0, i0 = np.cumsum(ne) - ne, np.cumsum(nx) - nx, np.cumsum(ni) - ni
    out = np.empty(len(each))
    for k in range(len(each)):
        e, x, i = int(e0[k]), int(x0[k]), int(i0[k])
        out[k] = np.sum(np.concatenate([
            c_e[e : e + ne[k]], c_xa[x : x + nx[k]], c_xb[x : x + nx[k]], c_i[i : i + ni[k]], prior,
        ]))  # fmt: skip
    return out


#: The last few :func:`_reclassify` results, by their observations' content:
#: the interference events locate the same observations twice in a row (the
#: two-emitter test's single fit, then the event's own, with its bounds).
_RECLASSIFIED: dict[bytes, tuple[Observations, Any, Any]] = {}
_RECLASSIFIED_KEPT = 4


def _reclassified(
    obs: Observations, plane: LocalPlane
) -> tuple[Observations, dict[str, Float] | None, tuple[Float, float, Float] | None]:
    """:func:`_reclassify`, of observations located just before: the same."""
    digest = hashlib.blake2b(digest_size=20)
    for a in (obs.entry, obs.exit, obs.inside, obs.outside, obs.entry_aircraft, obs.exit_aircraft):
        a = np.ascontiguousarray(a.astype(str) if a.dtype == object else a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    digest.update(repr((obs.exit_max_lag_s, plane.lat0, plane.lon0)).encode())
    key = digest.digest()
    found = _RECLASSIFIED.get(key)
    if found is None:
        found = _reclassify(obs, plane)
        if len(_RECLASSIFIED) >= _RECLASSIFIED_KEPT:
            _RECLASSIFIED.pop(next(iter(_RECLASSIFIED)))
        _RECLASSIFIED[key] = found
    return found


def _reclassify(
    obs: Observations, plane: LocalPlane
) -> tuple[Observations, dict[str, Float] | None, tuple[Float, float, Float] | None]:
    """Entries far inside a first fit are not boundary crossings: move them inside;
    exits and inside positions far beyond it are another cause's: drop them.

    An aircraft already inside when the emitter switched on, or one that took
    off inside the disc, loses GNSS where it is, not at the boundary. Each
    round fits, moves the entries more than ``INSIDE_OUTLIER_SIGMA`` sigma
    inside, and refits, until none moves (or too few entries would remain).
    Returns the observations, and their plane data and fit when the last fit
    was of them (None when the rounds ran out after a change).
    """
    for _ in range(REFIT_ROUNDS):
        data = _plane_data(obs, plane)
        fitted = _fit(data)
        p = fitted[0]
        lift = HORIZON_KM_PER_SQRT_M * p[3]
        reach = np.minimum(p[2], data["eh"] + lift)
        resid = np.hypot(data["ex"] - p[0], data["ey"] - p[1]) - reach
        deep = resid < -INSIDE_OUTLIER_SIGMA * ENTRY_SIGMA_KM
        top = np.minimum(p[2], data["xh_top"] + lift)
        beyond = np.hypot(data["xx"] - p[0], data["xy"] - p[1]) - top - data["xlag"]
        far = beyond > EXIT_OUTLIER_KM
        reach_in = np.minimum(p[2], data["ih"] + lift)
        stray = np.hypot(data["ix"] - p[0], data["iy"] - p[1]) - reach_in > EXIT_OUTLIER_KM
        if far.any() or stray.any():
            # Outliers first: a fit they dragged would take true entries for deep.
            deep[:] = False
        elif not deep.any() or (~deep).sum() < MIN_ENTRIES:
            return obs, data, fitted
        obs = replace(
            obs, entry=obs.entry[~deep], inside=np.concatenate([obs.inside[~stray], obs.entry[deep]]),
            entry_aircraft=obs.entry_aircraft[~deep] if len(obs.entry_aircraft) else obs.entry_aircraft,
            exit=obs.exit[~far],
            exit_aircraft=obs.exit_aircraft[~far] if len(obs.exit_aircraft) else obs.exit_aircraft,
        )  # fmt: skip
    return obs, None, None


def _plane_data(obs: Observations, plane: LocalPlane, entry_idx: NDArray[np.int64] | None = None,
                exit_idx: NDArray[np.int64] | None = None) -> dict[str, Float]:  # fmt: skip
    entry = obs.entry if entry_idx is None else obs.entry[entry_idx]
    exit_ = obs.exit if exit_idx is None else obs.exit[exit_idx]
    d: dict[str, Float] = {}
    d["ex"], d["ey"] = plane.xy(entry[:, 0], entry[:, 1])
    d["eh"] = horizon_km(entry[:, 2], 0.0)  # the aircraft's share; the antenna's is fitted
    d["xx"], d["xy"] = plane.xy(exit_[:, 0], exit_[:, 1])
    d["xh"] = horizon_km(exit_[:, 2], 0.0)
    d["xh_top"] = horizon_km(exit_[:, 4], 0.0) if exit_.shape[1] > 4 else d["xh"]
    d["xlag"] = exit_[:, 3] * 1.852 / 3600 * obs.exit_max_lag_s
    d["xhigh"] = (exit_[:, 2] >= OUTSIDE_MIN_ALT_FT).astype(np.float64)
    d["ix"], d["iy"] = plane.xy(obs.inside[:, 0], obs.inside[:, 1])
    d["ih"] = horizon_km(obs.inside[:, 2], 0.0)
    high = obs.outside[obs.outside[:, 2] >= OUTSIDE_MIN_ALT_FT]
    d["ox"], d["oy"] = plane.xy(high[:, 0], high[:, 1])
    d["oh"] = horizon_km(high[:, 2], 0.0)
    return d


def _formal_error_km(jac: Float, residuals: Float) -> float:
    """95 % radius from the fit's covariance (Gauss-Newton, residual variance scaled)."""
    n, k = jac.shape
    dof = max(n - k, 1)
    s2 = max(float(residuals @ residuals) / dof, 1e-6)
    try:
        cov = np.linalg.inv(jac.T @ jac) * s2
    except np.linalg.LinAlgError:
        return float("inf")
    largest = float(np.linalg.eigvalsh(cov[:2, :2]).max())
    return float(np.sqrt(CHI2_95_2DOF * max(largest, 0.0)))


def _bootstrap_error_km(obs: Observations, plane: LocalPlane, p: Float, n: int, seed: int) -> float:
    """95th percentile distance of aircraft-resampled refits from the estimate."""
    rng = np.random.default_rng(seed)
    ids = np.unique(obs.entry_aircraft) if len(obs.entry_aircraft) else np.arange(len(obs.entry))
    rows_of_entry, rows_of_exit = (
        _rows_by_aircraft(obs.entry_aircraft),
        _rows_by_aircraft(obs.exit_aircraft),
    )
    dist = []
    for _ in range(n):
        pick = rng.choice(ids, size=len(ids), replace=True)
        if len(obs.entry_aircraft):
            e_idx = _rows_of(rows_of_entry, pick)
            x_idx = _rows_of(rows_of_exit, pick)
        else:
            e_idx, x_idx = pick, np.zeros(0, np.int64)
        if len(np.unique(e_idx)) < MIN_ENTRIES:
            continue
        q, _, _ = _fit(
            _plane_data(obs, plane, e_idx.astype(np.int64), x_idx.astype(np.int64)), near=p
        )
        dist.append(float(np.hypot(q[0] - p[0], q[1] - p[1])))
    return float(np.percentile(dist, 95)) if dist else float("inf")


def _rows_by_aircraft(
    codes: NDArray[np.int64],
) -> tuple[NDArray[np.int64], dict[int, tuple[int, int]]]:
    """Each aircraft's rows (ascending) as a slice of one array: ``(rows,
    {code: (start, stop)})``."""
    order = np.argsort(codes, kind="stable")
    found, first, count = np.unique(codes[order], return_index=True, return_counts=True)
    return order, {
        int(c): (int(a), int(a + k)) for c, a, k in zip(found, first, count, strict=True)
    }


def _rows_of(
    by: tuple[NDArray[np.int64], dict[int, tuple[int, int]]], pick: NDArray[np.int64]
) -> NDArray[np.int64]:
    """The rows of each picked aircraft in turn (none for an aircraft without)."""
    rows, span = by
    parts = [rows[a:b] for a, b in (span.get(int(c), (0, 0)) for c in pick)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)
