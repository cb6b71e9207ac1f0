"""Spoofing scenarios: read-back, truth against the reports, determinism, no change elsewhere.

The reference for "where the aircraft really was" is the same scenario with
its spoofers removed: spoofing draws come from their own random stream, so
that run has exactly the same flights, and its reports are the truth the
spoofed run must match outside spoofed intervals and depart from inside them.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pytest

from skywitness.errors import UsageError
from skywitness.io import expand, open_file
from skywitness.model.geo import distance_m
from skywitness.model.schema import REPORT_SCHEMA
from skywitness.sim import scenario_names, simulate, spoofer
from skywitness.sim.scenario import load

if TYPE_CHECKING:
    from conftest import Simulations

SEED = 7
#: Small sizes: each scenario simulates in one to two seconds and reads back in two or three.
SIZES = {"spoofing": 0.4, "spoofing-circle": 0.3, "jamming-spoofing": 0.5}
#: Rounding in the written files (positions 1e-6 deg, altitudes 25 ft) and the
#: motion within one second (a report is interpolated inside its second).
POSITION_ROUNDING_M = 1.0
ALT_ROUNDING_FT = 25.0
#: Farther than this from the truth, a position is "false"; an aircraft truly
#: this far from the attractor or circle cannot be reported there by accident.
FALSE_KM = 20.0
#: False speeds: the wander (< 20 kt) plus the circle drift (< 15 kt) stay below this.
FALSE_GS_MAX_KT = 45.0
#: A spoofed aircraft's geometric altitude is the spoofer's alt_ft, within the wander.
ALT_WANDER_MAX_FT = spoofer.ALT_WANDER_FT + ALT_ROUNDING_FT
#: sparse (seed 7, size 1, snapshots): content hash (paths and uncompressed
#: bytes) computed before spoofers existed. A change means existing scenarios
#: no longer simulate as they did (or NumPy changed its floating point results).
#: "Nearby" emitters in the mixed scenario: flights between the same airports cross both.
NEARBY_KM = 600.0


def _without_spoofers(name: str, folder: Path) -> Path:
    """The shipped scenario's TOML with its [[spoofers]] tables removed."""
    text = (Path(load(name).source)).read_text(encoding="utf-8")
    stripped = re.sub(r"^\[\[spoofers\]\]\n.*?(?=^\[)", "", text, flags=re.S | re.M)
    assert "spoofers" not in stripped
    path = folder / f"{name}-no-spoofers.toml"
    path.write_text(stripped, encoding="utf-8")
    return path


def _read(folder: Path) -> tuple[pa.Table, int]:
    """All reports under ``folder`` and the number of records skipped.

    Each file goes through :func:`skywitness.io.open_file`, which is what
    ``read_table`` wraps; reading it directly also gives the skipped tally.
    """
    tables, skipped = [], 0
    for path in expand([folder]):
        if path.name == "truth.json" or path.suffix == ".toml":
            continue
        fr = open_file(path)
        tables.append(pa.Table.from_batches(list(fr), schema=REPORT_SCHEMA))
        skipped += fr.ctx.skipped
    return pa.concat_tables(tables), skipped


class Run:
    """One simulated scenario, its reports, and the same reports without its spoofers."""

    def __init__(self, name: str, root: Path, simulation: Simulations) -> None:
        self.name = name
        self.out = simulation(name, SEED, size=SIZES[name])
        self.summary = simulation.summary(name, SEED, size=SIZES[name])
        self.truth: dict[str, Any] = json.loads((self.out / "truth.json").read_text())
        self.table, self.skipped = _read(self.out)
        base = simulation(_without_spoofers(name, root), SEED, size=SIZES[name])
        self.base_truth: dict[str, Any] = json.loads((base / "truth.json").read_text())
        base_table, _ = _read(base)
        self.cols = _columns(self.table)
        self.base = _columns(base_table)

    def matched(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
        """Reports of this run and of the spoofer-less run at the same (aircraft, time,
        format), in the same order; and which of this run's reports have no match."""
        # A snapshot repeats an aircraft's last message until a new one comes: one of each.
        keys, first = np.unique(_keys(self.cols), return_index=True)
        base_keys, base_first = np.unique(_keys(self.base), return_index=True)
        common, i, j = np.intersect1d(keys, base_keys, assume_unique=True, return_indices=True)
        a, b = first[i], base_first[j]
        unmatched = np.ones(len(self.cols["time"]), dtype=bool)
        unmatched[np.isin(_keys(self.cols), common)] = False
        assert len(common) == len(base_keys), "every spoofer-less report has its twin"
        pick = {n: v[a] for n, v in self.cols.items()}
        base = {n: v[b] for n, v in self.base.items()}
        return pick, base, unmatched


def _columns(t: pa.Table) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {
        "time": np.asarray(t["time"].cast(pa.int64()).to_numpy()),
        "icao24": np.asarray(t["icao24"].to_numpy(zero_copy_only=False)).astype(str),
        "format": np.asarray(t["format"].to_numpy(zero_copy_only=False)).astype(str),
    }
    for name in ("lat", "lon", "alt_baro_ft", "alt_geom_ft", "gs_kt", "track_deg"):
        out[name] = np.asarray(t[name].to_numpy(zero_copy_only=False), dtype=float)
    for name in ("nic", "nac_p"):
        out[name] = np.asarray(t[name].fill_null(-1).to_numpy())
    return out


def _keys(c: dict[str, np.ndarray]) -> np.ndarray:
    return np.char.add(np.char.add(c["icao24"], c["format"]), c["time"].astype(str))


def _spoofed_state(run: Run, c: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per report: the spoofing phase from truth (0 none) and the index of its interval."""
    phase = np.zeros(len(c["time"]), dtype=int)
    interval = np.full(len(c["time"]), -1)
    names = {v: k for k, v in spoofer.PHASES.items()}
    for k, (icao, iv) in enumerate(_intervals(run.truth)):
        m = (c["icao24"] == icao) & (c["time"] >= iv["start_ns"]) & (c["time"] < iv["end_ns"])
        assert not (interval[m] >= 0).any(), "spoofed intervals overlap"
        interval[m] = k
        for p in iv["phases"]:
            inside = m & (c["time"] >= p["start_ns"]) & (c["time"] < p["end_ns"])
            phase[inside] = names[p["phase"]]
    return phase, interval


def _intervals(truth: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(a["icao24"], iv) for a in truth["aircraft"] for iv in a["spoofed"]]


def _in_affected(truth: dict[str, Any], c: dict[str, np.ndarray], kind: str | None) -> np.ndarray:
    out = np.zeros(len(c["time"]), dtype=bool)
    for a in truth["aircraft"]:
        for iv in a["affected"]:
            if kind is None or iv["kind"] == kind:
                out |= (
                    (c["icao24"] == a["icao24"])
                    & (c["time"] >= iv["start_ns"])
                    & (c["time"] < iv["end_ns"])
                )
    return out


@pytest.fixture(scope="module")
def runs(simulation: Simulations, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return {name: Run(name, tmp_path_factory.mktemp(name), simulation) for name in SIZES}


# -- scenarios -------------------------------------------------------------------------


def test_shipped_spoofing_scenarios() -> None:
    assert set(SIZES) <= set(scenario_names())
    attractor, circle, mixed = (load(n) for n in SIZES)
    assert [s.pattern for s in attractor.spoofers] == ["attractor"] and not attractor.emitters
    assert [s.pattern for s in circle.spoofers] == ["circle"] and circle.spoofers[0].radius_km > 0
    assert len(mixed.emitters) == len(mixed.spoofers) == 1
    # Nearby but separate: the jammer's zone and fringe do not reach the spoofer's.
    jam, spoof = mixed.emitters[0], mixed.spoofers[0]
    gap_km = float(distance_m(jam.lat, jam.lon, spoof.lat, spoof.lon)) / 1000
    assert jam.range_km + jam.fringe_km + spoof.range_km < gap_km < NEARBY_KM


def test_spoofer_range_scales_with_power() -> None:
    assert spoofer.effective_range_km(4.0) == pytest.approx(2 * spoofer.effective_range_km(1.0))
    assert 200 < spoofer.RANGE_KM_AT_1W < 350


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SIZES))
def test_reads_back(runs: dict[str, Run], name: str) -> None:
    run = runs[name]
    assert run.skipped == 0
    assert set(np.unique(run.cols["format"])) == {"readsb-trace", "readsb-aircraft"}
    assert len(run.cols["time"]) > 5000
    assert run.summary["spoofed_aircraft"] >= 4
    t = run.truth
    assert t["start_ns"] <= run.cols["time"].min() and run.cols["time"].max() < t["end_ns"]
    assert {"spoofed", "in_spoofing_zone"} <= set(t["definitions"])
    assert [s["id"] for s in t["spoofers"]] == [s.id for s in load(name).spoofers]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SIZES))
def test_truth_intervals(runs: dict[str, Run], name: str) -> None:
    """Phases tile each interval in order; the true path covers it; zones come before."""
    truth = runs[name].truth
    spoofers = {s["id"]: s for s in truth["spoofers"]}
    n = 0
    for a in truth["aircraft"]:
        if a["source"] == "mlat":
            assert not a["spoofed"]
        for iv in a["spoofed"]:
            assert iv["spoofer"] in spoofers and iv["pattern"] == spoofers[iv["spoofer"]]["pattern"]
            phases = iv["phases"]
            assert phases[0]["start_ns"] == iv["start_ns"]
            assert phases[-1]["end_ns"] == iv["end_ns"]
            for p, q in itertools.pairwise(phases):
                assert p["end_ns"] == q["start_ns"] and p["phase"] != q["phase"]
            assert [p["phase"] for p in phases].count("frozen") <= 1
            assert (phases[0]["phase"] == "frozen") == (iv["frozen_at"] is not None)
            path = iv["true_path"]
            assert len({len(v) for v in path.values()}) == 1
            times = np.array(path["time_ns"])
            assert times[0] == iv["start_ns"] and times[-1] == iv["end_ns"] - 10**9
            assert (np.diff(times) <= 10 * 10**9).all()
            # The onset follows the zone entry: within reach before the first false report.
            zones = [z for z in a["in_spoofing_zone"] if z["emitter"] == iv["spoofer"]]
            assert any(z["start_ns"] <= iv["start_ns"] for z in zones) or iv["truncated"]
            if iv["trusted"] or not a["quality_fields"]:
                assert iv["quality"] is None
            n += 1
    assert n >= 4


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SIZES))
def test_reports_match_truth(runs: dict[str, Run], name: str) -> None:
    """Outside spoofed intervals: the true reports; inside: false, frozen or near the pattern."""
    run = runs[name]
    c, base, unmatched = run.matched()
    # The only extra reports are trace points readsb adds where the position jumps.
    assert (run.cols["format"][unmatched] == "readsb-trace").all()
    phase, interval = _spoofed_state(run, c)
    both = ~np.isnan(c["lat"]) & ~np.isnan(base["lat"])
    off = distance_m(c["lat"], c["lon"], base["lat"], base["lon"])
    # Barometric altitude is never spoofed.
    same_alt = (c["alt_baro_ft"] == base["alt_baro_ft"]) | np.isnan(base["alt_baro_ft"])
    assert same_alt.all()
    # Outside: every report is exactly the spoofer-less one.
    outside = phase == 0
    assert (np.isnan(c["lat"][outside]) == np.isnan(base["lat"][outside])).all()
    assert (off[outside & both] == 0).all()
    for field in ("alt_geom_ft", "gs_kt", "track_deg"):
        a, b = c[field][outside], base[field][outside]
        assert ((a == b) | (np.isnan(a) & np.isnan(b))).all(), field
    # Quality (trace points carry it every few points, which extra points shift).
    for field in ("nic", "nac_p"):
        a, b = c[field][outside], base[field][outside]
        assert (a[(a >= 0) & (b >= 0)] == b[(a >= 0) & (b >= 0)]).all(), field
    # Inside: a position is always there (jamming loss ends an interval).
    assert not np.isnan(c["lat"][phase > 0]).any()
    spoofers = {s["id"]: s for s in run.truth["spoofers"]}
    intervals = _intervals(run.truth)
    far = 0
    for k, (_, iv) in enumerate(intervals):
        sp = spoofers[iv["spoofer"]]
        place = sp[sp["pattern"]]
        m = (interval == k) & (phase != spoofer.FROZEN)
        if m.any():
            d_km = distance_m(c["lat"][m], c["lon"][m], place["lat"], place["lon"]) / 1000
            truth_km = distance_m(base["lat"][m], base["lon"][m], place["lat"], place["lon"]) / 1000
            ring = place.get("radius_km", 0.0)
            assert (np.abs(d_km - ring) <= place["spread_km"] + POSITION_ROUNDING_M / 1000).all()
            assert (np.abs(c["alt_geom_ft"][m] - place["alt_ft"]) <= ALT_WANDER_MAX_FT).all()
            assert (c["gs_kt"][m] <= FALSE_GS_MAX_KT).all()
            truly_away = np.abs(truth_km - ring) > FALSE_KM + place["spread_km"]
            assert (off[m & both][truly_away[both[m]]] > FALSE_KM * 1000).all()
            far += int(truly_away.sum())
        frozen = (interval == k) & (phase == spoofer.FROZEN)
        if frozen.any():
            at = iv["frozen_at"]
            assert (c["lat"][frozen] == at["lat"]).all() and (c["lon"][frozen] == at["lon"]).all()
            geom = c["alt_geom_ft"][frozen]
            assert (geom[~np.isnan(geom)] == geom[~np.isnan(geom)][0]).all()
            # Frozen where the aircraft was just before the onset.
            first = iv["true_path"]
            start = float(distance_m(at["lat"], at["lon"], first["lat"][0], first["lon"][0]))
            assert start < 1000.0
    assert far > 100


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SIZES))
def test_quality_while_spoofed(runs: dict[str, Run], name: str) -> None:
    """Trusted aircraft keep their normal NIC/NACp; the others report the interval's quality."""
    run = runs[name]
    c, _, _ = run.matched()
    _, interval = _spoofed_state(run, c)
    jammed = _in_affected(run.truth, c, None)
    owner = {k: a for k, a in enumerate(a for a in run.truth["aircraft"] for _ in a["spoofed"])}
    trusted_reports = untrusted_reports = 0
    for k, (_, iv) in enumerate(_intervals(run.truth)):
        a = owner[k]
        m = (interval == k) & ~jammed & (c["nic"] >= 0)
        if not a["quality_fields"] or not m.any():
            continue
        normal = a["normal"]
        if iv["trusted"]:
            assert (c["nic"][m] == normal["nic"]).all() and (c["nac_p"][m] == normal["nac_p"]).all()
            trusted_reports += int(m.sum())
        else:
            q = iv["quality"]
            assert (c["nic"][m] == min(q["nic"], normal["nic"])).all()
            assert (c["nac_p"][m] == min(q["nac_p"], normal["nac_p"])).all()
            untrusted_reports += int(m.sum())
    assert trusted_reports > 0 and untrusted_reports > 0


@pytest.mark.slow
def test_wandering_track(runs: dict[str, Run]) -> None:
    """While attracted, the false track wanders: it spans a wide range over a long interval."""
    run = runs["spoofing"]
    c, _, _ = run.matched()
    phase, interval = _spoofed_state(run, c)
    spans = []
    for k in np.unique(interval[phase == spoofer.ATTRACTED]):
        track = np.radians(c["track_deg"][(interval == k) & (phase == spoofer.ATTRACTED)])
        if len(track) >= 50:
            spans.append(1 - np.hypot(np.cos(track).mean(), np.sin(track).mean()))
    assert spans and max(spans) > 0.1  # circular variance


@pytest.mark.slow
def test_jamming_part_unchanged(runs: dict[str, Run]) -> None:
    """In the mixed scenario the jammer's truth is that of the same run without the spoofer,
    lost reports have no position, and no report is both lost and spoofed."""
    run = runs["jamming-spoofing"]
    for a, b in zip(run.truth["aircraft"], run.base_truth["aircraft"], strict=True):
        assert a["icao24"] == b["icao24"]
        assert a["affected"] == b["affected"] and a["in_zone"] == b["in_zone"]
    c = run.cols
    lost = _in_affected(run.truth, c, "lost")
    assert lost.sum() > 100
    assert np.isnan(c["lat"][lost]).all()
    phase, _ = _spoofed_state(run, c)
    assert not (lost & (phase > 0)).any()
    assert (phase > 0).sum() > 100
    assert run.truth["emitters"][0]["id"] == "baltic-j"


# -- determinism and the other scenarios --------------------------------------------------------


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.suffix == ".gz":
                data = gzip.decompress(data)
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + data)
    return h.hexdigest()


def test_deterministic(tmp_path: Path) -> None:
    def run(folder: str, seed: int) -> str:
        simulate("spoofing-circle", tmp_path / folder, seed=seed, size=0.2, snapshots=False)
        return _digest(tmp_path / folder)

    a = run("a", 3)
    assert a == run("b", 3)
    assert a != run("c", 4)


# -- bad spoofer tables ---------------------------------------------------------------------------

GOOD = """
[scenario]
name = "tiny"
start = 2024-01-01T00:00:00Z
duration_min = 10

[traffic]
aircraft = 2
airports = ["EETN", "EVRA"]
types = { A320 = 1.0 }

[[spoofers]]
id = "s"
lat = 58.0
lon = 24.0
height_m = 30
range_km = 100
active = [{ from = 2024-01-01T00:00:00Z, to = 2024-01-01T00:10:00Z }]
attractor = { lat = 57.0, lon = 24.0 }
"""


def test_custom_spoofing_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text(GOOD)
    sc = load(path)
    (sp,) = sc.spoofers
    assert sp.pattern == "attractor" and sp.trusted_share == spoofer.TRUSTED_SHARE
    assert sp.freeze_s == spoofer.FREEZE_S and sp.alt_ft == 0.0
    summary = simulate(path, tmp_path / "out", size=1.0)
    assert summary["scenario"] == "tiny"


@pytest.mark.parametrize(
    ("edit", "key", "reason"),
    [
        (("range_km = 100", "range_km = 100\npower_w = 2"), "spoofers[0]", "exactly one of"),
        (('id = "s"', 'id = "s"\npattern = "square"'), "spoofers[0].pattern", "expected one of"),
        (("attractor =", 'pattern = "circle"\nattractor ='), "spoofers[0].attractor", "not used"),
        (("attractor =", "circle ="), "spoofers[0].circle", "not used with pattern = 'attractor'"),
        (("attractor = { lat = 57.0, lon = 24.0 }", ""), "spoofers[0].attractor", "missing"),
        (
            ("lon = 24.0 }", "lon = 24.0, radius_km = 3 }"),
            "spoofers[0].attractor.radius_km",
            "unknown",
        ),
        (('id = "s"', 'id = "s"\ntrusted_share = 1.5'), "spoofers[0].trusted_share", "outside"),
        (('id = "s"', 'id = "s"\nfreeze_s = [300, 60]'), "spoofers[0].freeze_s", "above high"),
        (('id = "s"', 'id = "s"\nfrezee_share = 0.1'), "spoofers[0].frezee_share", "unknown key"),
    ],
)
def test_bad_spoofer_tables(tmp_path: Path, edit: tuple[str, str], key: str, reason: str) -> None:
    old, new = edit
    assert old in GOOD
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(UsageError) as err:
        load(path)
    message = str(err.value)
    assert str(path) in message and key in message and reason in message


def test_circle_needs_radius(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace("attractor =", 'pattern = "circle"\ncircle =', 1))
    with pytest.raises(UsageError, match=r"spoofers\[0\]\.circle\.radius_km: missing"):
        load(path)


def test_ids_unique_across_jammers_and_spoofers(tmp_path: Path) -> None:
    jammer = '\n[[emitters]]\nid = "s"\nlat = 58.0\nlon = 24.0\nheight_m = 30\nrange_km = 50\n'
    jammer += "active = [{ from = 2024-01-01T00:00:00Z, to = 2024-01-01T00:10:00Z }]\n"
    path = tmp_path / "bad.toml"
    path.write_text(GOOD + jammer)
    with pytest.raises(UsageError, match=r"spoofers\[0\]\.id: duplicate emitter id 's'"):
        load(path)
