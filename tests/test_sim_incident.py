"""The incident scenario: its records read back, checked against its truth.

One flight through jamming: positions absent while altitude and speed keep
coming, two go-arounds, the autopilot off at the failure, squawk 7700, a
phugoid, corrupted values in the stated intervals only, positions back near
the end and a crash short of the diversion runway. The scenario is simulated
once for the session (the shared ``simulation`` fixture) and read back once
for this module, through the readers (``skywitness.io``), both formats.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pytest

from skywitness.cli import main
from skywitness.errors import UsageError
from skywitness.io import expand, open_file
from skywitness.model.geo import bearing_deg, distance_m
from skywitness.model.runways import Runway, runways_of
from skywitness.model.schema import REPORT_SCHEMA
from skywitness.sim import scenario_names, simulate
from skywitness.sim.scenario import load

if TYPE_CHECKING:
    from conftest import Simulations

SEED = 3
#: Other seeds, simulated without snapshots (traces and truth only) through the CLI.
OTHER_SEEDS = (0, 4)
NS = 1_000_000_000
#: A record's value is "corrupted" when this far from the true value at its
#: time. The true path is sampled every 5 s: linear interpolation of the
#: phugoid (periods >= 60 s, amplitudes <= 1,200 ft) errs by under 50 ft and
#: 3 kt; corruptions are at least 3,000 ft or far below (above) any true speed.
CORRUPT_ALT_FT = 1000.0
CORRUPT_GS_KT = 60.0
#: A record's position and the true path interpolated at its time agree this
#: closely, m (rounding to 1e-6 degree, chords of 5 s turns).
POSITION_TOLERANCE_M = 100.0
#: The lowest height of an approach may dip below the go-around height drawn
#: while the descent stops (0.05 g from a 3 degree descent: a few tens of ft).
GO_AROUND_DIP_FT = 60.0
#: Records and truth on the minimum height of an approach: 25 ft quantisation
#: plus the change of altitude between the records next to the lowest second.
MIN_HEIGHT_TOLERANCE_FT = 100.0
#: The phugoid measured from the records, against the truth: period within 10 %,
#: amplitude within 25 % (altitudes are quantised and sampled every few seconds).
PERIOD_TOLERANCE = 0.10
AMPLITUDE_TOLERANCE = 0.25
#: "Descending fast" at the last record, ft/min.
FAST_DESCENT_FPM = -1500.0
#: At the go-around and at the impact the true path is over the runway's extended
#: centreline: within half the width of the widest runways, m (ICAO Annex 14 code F: 60 m).
CENTRELINE_M = 30.0
#: Seeds whose runways are checked besides SEED (shared, traces only: test_track_gaps.py
#: simulates the same).
RUNWAY_SEEDS = (0, 1, 2)


def _cols(t: pa.Table) -> dict[str, np.ndarray]:
    """The report columns these tests use, as NumPy arrays (None kept for strings and bools)."""
    out: dict[str, np.ndarray] = {
        "time": np.asarray(t["time"].cast(pa.int64()).to_numpy()),
        "format": np.asarray(t["format"].to_numpy(zero_copy_only=False)).astype(str),
    }
    for name in ("lat", "lon", "alt_baro_ft", "gs_kt", "track_deg", "ias_kt", "vrate_fpm"):
        out[name] = np.asarray(t[name].to_numpy(zero_copy_only=False), dtype=float)
    for name in ("squawk", "emergency", "nav_autopilot", "nic"):
        out[name] = np.asarray(t[name].to_pylist(), dtype=object)
    order = np.argsort(out["time"], kind="stable")
    out = {k: v[order] for k, v in out.items()}
    out["second"] = out["time"] // NS * NS  # the whole second a record belongs to
    return out


class Run:
    """The simulated scenario: its truth, and the incident aircraft's records."""

    def __init__(self, simulation: Simulations) -> None:
        self.out = simulation("incident", SEED)
        self.truth: dict[str, Any] = json.loads((self.out / "truth.json").read_text())
        self.inc: dict[str, Any] = self.truth["incident"]
        tables, self.skipped, self.formats = [], 0, set()
        for path in expand([self.out]):
            if path.name in ("truth.json", "claims.json"):  # the truth, and claims: no records
                continue
            fr = open_file(path)
            table = pa.Table.from_batches(list(fr), schema=REPORT_SCHEMA)
            self.skipped += fr.ctx.skipped
            self.formats |= set(table["format"].to_pylist())
            tables.append(table)
        table = pa.concat_tables(tables)
        icao = np.asarray(table["icao24"].to_numpy(zero_copy_only=False)).astype(str)
        self.others = {str(i) for i in np.unique(icao)} - {self.inc["icao24"]}
        self.all = _cols(table.filter(pa.array(icao == self.inc["icao24"])))
        self.trace = {k: v[self.all["format"] == "readsb-trace"] for k, v in self.all.items()}
        self.snaps = {k: v[self.all["format"] == "readsb-aircraft"] for k, v in self.all.items()}

    def true(self, name: str, t_ns: np.ndarray) -> np.ndarray:
        """The true path's ``name`` interpolated at ``t_ns``."""
        path = self.inc["true_path"]
        return np.asarray(np.interp(t_ns, path["time_ns"], path[name]))


@pytest.fixture(scope="module")
def run(simulation: Simulations) -> Run:
    return Run(simulation)


def _both(run: Run) -> list[dict[str, np.ndarray]]:
    return [run.trace, run.snaps]


# -- the scenario and its records ----------------------------------------------------------


def test_shipped_and_read_back(run: Run) -> None:
    assert "incident" in scenario_names()
    assert run.formats == {"readsb-trace", "readsb-aircraft"}
    assert run.skipped == 0  # the corrupted values are odd, not unreadable
    assert len(run.others) >= 3  # background traffic
    for cols in _both(run):
        assert len(cols["time"]) > 500
    icao = run.inc["icao24"]
    ac = next(a for a in run.truth["aircraft"] if a["icao24"] == icao)
    assert [f["callsign"] for f in run.truth["flights"] if f["icao24"] == icao] == [
        run.inc["callsign"]
    ]
    assert any(e["id"] == run.inc["jammer"] for e in run.truth["emitters"])
    # The standard truth of the aircraft agrees: one lost interval, the absent positions.
    lost = [iv for iv in ac["affected"] if iv["kind"] == "lost"]
    absent = run.inc["jammed"]["positions_absent"]
    assert [(iv["start_ns"], iv["end_ns"]) for iv in lost] == [
        (absent["start_ns"], absent["end_ns"])
    ]
    assert run.inc["jammed"]["in_zone"]


def test_positions_absent_while_altitude_and_speed_continue(run: Run) -> None:
    absent = run.inc["jammed"]["positions_absent"]
    last = run.inc["last_record"]["time_ns"]
    for cols in _both(run):
        s = cols["second"]
        gap = (s >= absent["start_ns"]) & (s < absent["end_ns"])
        assert gap.sum() > 300
        assert np.isnan(cols["lat"][gap]).all() and np.isnan(cols["lon"][gap]).all()
        for name in ("alt_baro_ft", "gs_kt", "track_deg", "ias_kt"):
            assert not np.isnan(cols[name][gap]).any(), name
        nic = cols["nic"][gap]
        assert all(v == 0 for v in nic if v is not None) and any(v is not None for v in nic)
        # Positions before the gap and again from positions_back to the last record.
        around = (s < absent["start_ns"]) | ((s >= absent["end_ns"]) & (s <= last))
        assert around.sum() > 50
        assert not np.isnan(cols["lat"][around]).any()
    # The gap covers most of the crossing to the diversion airport.
    crossing = run.inc["crash"]["time_ns"] - run.inc["decision"]["time_ns"]
    back = run.inc["positions_back"]["time_ns"]
    assert back == absent["end_ns"]
    assert back - run.inc["decision"]["time_ns"] > crossing / 2


def test_emergency_squawk(run: Run) -> None:
    start = run.inc["emergency"]["time_ns"]
    assert run.inc["emergency"]["squawk"] == "7700"
    assert start > run.inc["failure"]["time_ns"]
    for cols in _both(run):
        after = cols["second"] >= start
        squawks = cols["squawk"]
        known = squawks != None  # noqa: E711 (element-wise on an object array)
        assert (squawks[after & known] == "7700").all() and (after & known).sum() > 20
        assert "7700" not in set(squawks[~after & known])
        emergency = cols["emergency"]
        assert set(emergency[after & known]) == {"general"}
        assert set(emergency[~after & known]) == {"none"}


def test_autopilot_off_at_the_failure(run: Run) -> None:
    failure = run.inc["failure"]["time_ns"]
    for cols in _both(run):
        ap = cols["nav_autopilot"]
        known = ap != None  # noqa: E711
        before, after = known & (cols["second"] < failure), known & (cols["second"] >= failure)
        assert before.sum() > 20 and after.sum() > 20
        assert all(ap[before]) and not any(ap[after])


def test_corrupted_values_only_in_the_stated_intervals(run: Run) -> None:
    intervals = run.inc["corrupted"]
    assert intervals
    for iv in intervals:
        assert set(iv["fields"]) == {"alt_baro_ft", "gs_kt"}
        assert 30 * NS <= iv["end_ns"] - iv["start_ns"] <= 240 * NS
    for cols in _both(run):
        t, s = cols["time"], cols["second"]
        bad = (np.abs(cols["alt_baro_ft"] - run.true("alt_baro_ft", t)) > CORRUPT_ALT_FT) | (
            np.abs(cols["gs_kt"] - run.true("gs_kt", t)) > CORRUPT_GS_KT
        )
        inside = np.zeros(len(t), dtype=bool)
        for iv in intervals:
            here = (s >= iv["start_ns"]) & (s < iv["end_ns"])
            inside |= here
            assert bad[here].any(), iv
            alt, gs = cols["alt_baro_ft"][here & bad], cols["gs_kt"][here & bad]
            if iv["kind"] == "frozen":  # no aircraft flies 30-80 kt at 10,000 ft or more
                assert (gs < 100).all() and (alt >= 5000).all()
            else:  # jumps of thousands of feet within seconds, speeds no airliner flies
                assert (np.abs(np.diff(cols["alt_baro_ft"][here])) > 4000).any()
                assert ((gs < 50) | (gs > 600)).any()
        assert not bad[~inside].any()


def test_two_go_arounds(run: Run) -> None:
    apps = run.inc["approaches"]
    assert len(apps) == 2
    lo, hi = load("incident").incident.go_around_height_ft  # type: ignore[union-attr]
    times = [t for a in apps for t in (a["start_ns"], a["go_around_ns"])]
    assert times == sorted(times) and times[-1] < run.inc["failure"]["time_ns"]
    for app in apps:
        assert app["airport"] == run.inc["destination"]
        assert lo - GO_AROUND_DIP_FT <= app["min_height_ft"] <= hi
        # The records: the lowest altitude near the go-around is the truth's.
        for cols in _both(run):
            near = np.abs(cols["time"] - app["go_around_ns"]) < 60 * NS
            lowest = np.nanmin(cols["alt_baro_ft"][near]) - app["elevation_ft"]
            assert abs(lowest - app["min_height_ft"]) < MIN_HEIGHT_TOLERANCE_FT
            # and it climbs away afterwards
            later = (cols["time"] > app["go_around_ns"] + 60 * NS) & (
                cols["time"] < app["go_around_ns"] + 120 * NS
            )
            assert np.nanmin(cols["alt_baro_ft"][later]) > lowest + app["elevation_ft"] + 200


def test_oscillation_matches_the_records(run: Run) -> None:
    osc, hold = run.inc["oscillation"], run.inc["hold"]
    lo, hi = load("incident").incident.phugoid_period_s  # type: ignore[union-attr]
    assert lo <= osc["period_s"] <= hi and osc["time_ns"] == run.inc["failure"]["time_ns"]
    cols = run.trace
    # The second half of the hold: level on average, the phugoid fully grown.
    m = (cols["time"] >= (hold["start_ns"] + hold["end_ns"]) // 2) & (cols["time"] < hold["end_ns"])
    t = (cols["time"][m] - cols["time"][m][0]) / NS
    grid = np.arange(0.0, t[-1], 1.0)
    alt = np.interp(grid, t, cols["alt_baro_ft"][m])
    alt -= np.polyval(np.polyfit(grid, alt, 1), grid)
    spectrum = np.abs(np.fft.rfft(alt * np.hanning(len(alt))))
    freqs = np.fft.rfftfreq(len(alt), 1.0)
    period = 1.0 / freqs[1 + int(np.argmax(spectrum[1:]))]
    assert abs(period - osc["period_s"]) < PERIOD_TOLERANCE * osc["period_s"]
    amplitude = (np.percentile(alt, 98) - np.percentile(alt, 2)) / 2
    assert abs(amplitude - osc["amplitude_ft"]) < AMPLITUDE_TOLERANCE * osc["amplitude_ft"]
    # Speed in anti-phase: airspeed high in the troughs, low on the crests.
    ias = np.interp(grid, t, cols["ias_kt"][m])
    assert np.corrcoef(alt, ias - ias.mean())[0, 1] < -0.8


def test_positions_match_the_true_path(run: Run) -> None:
    for cols in _both(run):
        has = ~np.isnan(cols["lat"])
        t = cols["time"][has]
        d = distance_m(cols["lat"][has], cols["lon"][has], run.true("lat", t), run.true("lon", t))
        assert d.max() < POSITION_TOLERANCE_M


def test_crash_short_of_the_runway(run: Run) -> None:
    crash, last = run.inc["crash"], run.inc["last_record"]
    path = run.inc["true_path"]
    assert path["time_ns"][-1] == crash["time_ns"]
    assert (path["lat"][-1], path["lon"][-1]) == (crash["lat"], crash["lon"])
    lo, hi = load("incident").incident.crash_short_km  # type: ignore[union-attr]
    assert lo - 1.0 <= crash["distance_to_threshold_km"] <= hi + 1.0
    assert crash["short_of"] == run.inc["diversion"]
    assert 0 < crash["time_ns"] - last["time_ns"] <= 10 * NS
    for cols in _both(run):
        # The records end at the last record, airborne, descending fast, a few km out.
        assert cols["second"].max() == last["time_ns"]
        i = int(np.flatnonzero(~np.isnan(cols["lat"]))[-1])
        assert cols["time"][i] > last["time_ns"] - 5 * NS
        assert cols["alt_baro_ft"][i] > crash["elevation_ft"] + 50
        assert cols["vrate_fpm"][i] < FAST_DESCENT_FPM
        gap = float(distance_m(cols["lat"][i], cols["lon"][i], crash["lat"], crash["lon"]))
        assert gap < 2000.0


def _end(airport: str, ident: str) -> Runway:
    ends = [r for r in runways_of(airport) if r.ident == ident]
    assert len(ends) == 1, (airport, ident)
    return ends[0]


def _axis(end: Runway, lat: float, lon: float) -> tuple[float, float]:
    """Distance past ``end``'s threshold along its landing direction, and off its centreline, m."""
    d = float(distance_m(end.lat, end.lon, lat, lon))
    a = np.radians(float(bearing_deg(end.lat, end.lon, lat, lon)) - end.heading_deg)
    return d * float(np.cos(a)), d * float(np.sin(a))


def _check_runways(inc: dict[str, Any]) -> None:
    path = inc["true_path"]
    t = np.asarray(path["time_ns"])
    for app in inc["approaches"]:
        # A real runway end of the destination, with its threshold, heading and elevation.
        end = _end(inc["destination"], app["runway"])
        assert (app["threshold"]["lat"], app["threshold"]["lon"]) == (end.lat, end.lon)
        assert (app["runway_deg"], app["elevation_ft"]) == (end.heading_deg, end.elevation_ft)
        # The go-around over its extended centreline, before the threshold.
        i = int(np.argmin(np.abs(t - app["go_around_ns"])))
        along, cross = _axis(end, path["lat"][i], path["lon"][i])
        assert along < 0 and abs(cross) <= CENTRELINE_M, (app["runway"], along, cross)
    crash = inc["crash"]
    end = _end(inc["diversion"], crash["runway"])
    assert (crash["threshold"]["lat"], crash["threshold"]["lon"]) == (end.lat, end.lon)
    assert (crash["runway_deg"], crash["elevation_ft"]) == (end.heading_deg, end.elevation_ft)
    along, cross = _axis(end, crash["lat"], crash["lon"])
    assert abs(cross) <= CENTRELINE_M, (crash["runway"], cross)
    assert along == pytest.approx(-1000.0 * crash["distance_to_threshold_km"], abs=CENTRELINE_M)


def test_approaches_and_crash_on_real_runways(run: Run, simulation: Simulations) -> None:
    _check_runways(run.inc)
    for seed in RUNWAY_SEEDS:
        out = simulation("incident", seed, snapshots=False)
        _check_runways(json.loads((out / "truth.json").read_text())["incident"])


# -- determinism, variation, the command line, scenario errors -------------------------------


def test_deterministic(run: Run, tmp_path: Path) -> None:
    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in expand([folder])}

    simulate("incident", tmp_path / "again", seed=SEED)
    assert files(tmp_path / "again") == files(run.out)


def test_varies_with_the_seed(run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    incidents = [run.inc]
    for seed in OTHER_SEEDS:
        out = tmp_path / f"seed-{seed}"
        argv = ["simulate", "incident", "--out", str(out), "--seed", str(seed), "--no-snapshots"]
        assert main([*argv, "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert (
            summary["incident"]["icao24"]
            == json.loads((out / "truth.json").read_text())["incident"]["icao24"]
        )
        incidents.append(json.loads((out / "truth.json").read_text())["incident"])
    for key in ("period_s", "amplitude_ft"):
        assert len({i["oscillation"][key] for i in incidents}) == len(incidents)
    assert len({i["failure"]["time_ns"] for i in incidents}) == len(incidents)
    assert len({i["crash"]["distance_to_threshold_km"] for i in incidents}) == len(incidents)
    assert len({(i["origin"], i["destination"], i["diversion"]) for i in incidents}) > 1


def _edited(tmp_path: Path, pattern: str, replacement: str) -> Path:
    text = Path(load("incident").source).read_text(encoding="utf-8")
    edited, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert count == 1
    path = tmp_path / "edited.toml"
    path.write_text(edited, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("pattern", "replacement", "message"),
    [
        (r'^diversion = "UATE"', 'diversion = "XXXX"', "unknown airport 'XXXX'"),
        (r"^power_w = 1.5", "power_w = 12", "must cover|may come within"),
        (r'^diversion = "LCLK"', 'diversion = "OSDI"', "may come within"),
        (r"^phugoid_period_s = \[60, 120\]", "phugoid_period_s = [120, 60]", "low 120"),
        (r"^go_around_height_ft = .*$", "go_around_height_ft = [100, 4000]", "above 2500"),
        (r"^phugoid_amplitude_ft = .*$", "phugoid_amplitude_ft = [300, 3000]", "ft/min"),
    ],
)
def test_scenario_errors(tmp_path: Path, pattern: str, replacement: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load(_edited(tmp_path, pattern, replacement))


def test_window_too_short(tmp_path: Path) -> None:
    path = _edited(tmp_path, r"^duration_min = 300", "duration_min = 60")
    with pytest.raises(UsageError, match="duration_min"):
        simulate(path, tmp_path / "out", seed=SEED, snapshots=False)
