"""Real recordings stay quiet: no interference event, no spoofed place, no bad map cell.

Every recording shipped with traffic 2.13 (``reference/formats.md``) is read
as a user would (:func:`skywitness.read`) and analysed for jamming (NACp and
NIC modes) and spoofing. None of them holds an interference event, a
spoofed place (several aircraft held at one false position) or a map cell
above green; the audit behind this file (issue 12, item 6) found none, and
found every one of these files clean but one flight:

- ``noisy/noisy_spoofing`` and ``fr24/372355e5`` are two archives of one
  aircraft, 4baac6 THY9BP (TK1745 Istanbul-Oslo, 2024-09-17), whose GNSS was
  spoofed from 09:24 to 09:58 UTC over southern Poland: its ADS-B positions
  crawl near 49.66N 23.9E at 50 kt (ground speed 50-68 kt, tracks 260, 270,
  90, 208, 278 degrees) while FR24's merged track goes on north at 440 kt,
  and its GNSS altitude is pinned 3,150 ft off the pressure altitude (the
  saturated difference field). traffic ships the first file under that name.
  One aircraft is a spoofed interval, never a place: it stays allowed here,
  and :func:`test_one_spoofed_aircraft_is_no_place` keeps the finding.

Most files (traffic JSON, FR24) carry no NACp or NIC and no ADS-B source
label, so their jamming states are all unknown and the jamming half of the
test is vacuous for them; the spoofing half is not (it needs only positions,
altitudes and velocities). The files that do carry quality fields are
checked to have known aircraft in the map (:data:`QUALITY`).

Raw frames with bit errors (1 %, 5 % and 10 % of the frames with one bit
flipped anywhere, the downlink format included) make no new address, no
position the clean file does not have, and no finding. One aircraft whose
receiver reports NACp 0 and NIC 0 throughout is counted bad in its cells
and makes neither an event nor a yellow or red cell (GPSJam forgives one
faulty aircraft per cell; events need two aircraft).
"""

from __future__ import annotations

import functools
import json
import random
import warnings
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import skywitness

#: Map levels that say interference (both scores); the lowest is green, and
#: "uncertain", "low traffic" and "no data" say nothing was seen.
BAD_LEVELS = frozenset({"yellow", "red"})


def _folder(folder: str, names: str) -> list[str]:
    return [f"{folder}/{name}.json.gz" for name in names.split()]


#: Every surveillance recording of traffic 2.13 (``data/samples``), by folder.
TRAFFIC_JSON = [
    *_folder("ambulances", "rega_sg rega_zh samu31"),
    *_folder(
        "calibration",
        "ajaccio bornholm brussels_ils brussels_vor cardiff funchal guatemala kingston "
        "kiruna kota_kinabalu liege_sprimont lisbon london_gatwick london_heathrow monastir "
        "montreal munich nice noumea perth sydney toulouse vancouver vienna",
    ),
    *_folder("collections", "quickstart savan switzerland"),
    *_folder(
        "featured",
        "airbus_tree anzac_day belevingsvlucht dreamliner_airfrance dreamliner_boeing "
        "easter_rabbit elal747 kiwi qantas747 switzerland_map texas_longhorn thankyou "
        "turkish_flag zero_gravity",
    ),
    *_folder("firefighting", "calfire"),
    *_folder(
        "gliders",
        "alpi_italiane alto_adige cevennes danube_valley franconia luberon oxford_cambridge "
        "sisteron",
    ),
    *_folder("military", "aircraft_carrier inflight_refuelling"),
    *_folder("noisy", "noisy_ground noisy_landing noisy_spoofing noisy_takeoff noisy_time_issue"),
    *_folder("onground", "zurich_airport"),
    *_folder("surveillance", "border_control"),
    *_folder(
        "surveys",
        "georeal_fyn_island ign_fontainebleau ign_lot_et_garonne ign_mercantour indiana "
        "liguria mecsek_mountains pixair_toulouse texas",
    ),
    *_folder("tv_relay", "tour_de_france vasaloppet"),
]
FLIGHT = "rs1090/full_flight_short.jsonl"
BEAST = "dump1090/sample_dump1090.bin"
TRACE = "readsb/trace_full_ac671b.json"
FR24 = [f"fr24/{name}.json" for name in ("2ce4f83f", "3376ab31", "34a8254b", "372355e5")]
REAL = [*TRAFFIC_JSON, *FR24, TRACE, FLIGHT, BEAST]
#: Sample files that are not surveillance reports: the flight-data-recorder
#: A320 (no aircraft address, no position); no reader takes it.
NOT_REPORTS = frozenset({"performance/fuelflow_a320.json.gz"})
#: Over 2 s to read and analyse on two cores (measured 2.3-5.1 s each).
HEAVY = frozenset(
    {
        *_folder("collections", "quickstart savan switzerland"),
        FLIGHT,
        "tv_relay/tour_de_france.json.gz",
    }
)
#: Files carrying the quality field of a jamming mode, and the modes they feed.
QUALITY: dict[str, tuple[str, ...]] = {
    TRACE: ("nacp", "nic"),
    FLIGHT: ("nic",),  # version 0/1 NUCp and NIC, no NACp
    BEAST: ("nacp", "nic"),
}
#: The one aircraft found spoofed (see the module docstring): two archives of 4baac6.
SPOOFED: dict[str, frozenset[str]] = {
    "noisy/noisy_spoofing.json.gz": frozenset({"4baac6"}),
    "fr24/372355e5.json": frozenset({"4baac6"}),
}
#: The Beast capture has a relative 12 MHz clock; a fixed start keeps its
#: times the same on every machine (the default is the file's modification time).
BEAST_START = "2024-01-01T00:00:00Z"
#: Shares of frames given one flipped bit.
BIT_ERROR_RATES = (0.01, 0.05, 0.10)
#: Frames of the flight given bit errors: its last 40 minutes (descent from
#: cruise, approach and landing at Toulouse, surface positions included); the
#: whole flight takes 2.4 s a read.
FLIGHT_FRAMES = 20_000


def _read(path: Path) -> pa.Table:
    with warnings.catch_warnings():
        # Rejected records (two corrupt replies in the flight, six unconfirmed
        # addresses in the Beast capture) are warned about; they are not findings.
        warnings.simplefilter("ignore", skywitness.ReadWarning)
        start = BEAST_START if path.suffix == ".bin" else None
        return skywitness.read(path, start_time=start)


@functools.cache
def _sample(samples: Path, rel: str) -> pa.Table:
    """A real recording's reports, read once per session (tables are immutable)."""
    return _read(samples / rel)


@dataclass(frozen=True)
class Analysis:
    """What the jamming (in each mode asked) and spoofing analyses found.

    ``findings`` is what the audit counts: events, cells above green and
    spoofed places; ``spoofed`` the aircraft with a spoofed interval;
    ``good`` / ``bad`` the aircraft-cells in each mode's map.
    """

    findings: dict[str, list[object]]
    spoofed: frozenset[str]
    good: dict[str, int]
    bad: dict[str, int]


def _analyse(reports: pa.Table, modes: tuple[str, ...]) -> Analysis:
    findings: dict[str, list[object]] = {}
    good, bad = {}, {}
    for mode in modes:
        jam = skywitness.jamming(reports, mode=mode)
        findings[f"{mode} events"] = [(e.kind, e.aircraft) for e in jam.events]
        findings[f"{mode} cells above green"] = [
            (r["h3"], r["level"], r["level_gpsjam"], r["count_bad_aircraft"])
            for r in jam.map.to_pylist()
            if r["level"] in BAD_LEVELS or r["level_gpsjam"] in BAD_LEVELS
        ]
        good[mode] = sum(jam.map["count_good_aircraft"].to_pylist())
        bad[mode] = sum(jam.map["count_bad_aircraft"].to_pylist())
    spoof = skywitness.spoofing(reports)
    findings["places"] = [c.as_json() for c in spoof.clusters]
    spoofed = frozenset(iv.icao24 for iv in spoof.intervals)
    return Analysis(findings, spoofed, good, bad)


def _param(rel: str) -> object:
    return pytest.param(rel, marks=pytest.mark.slow, id=rel) if rel in HEAVY else rel


@pytest.mark.slow  # 80 files, ~10 s: with the slow tests (make test is at its budget)
@pytest.mark.parametrize("rel", [_param(r) for r in REAL])
def test_real_recording_is_quiet(samples: Path, rel: str) -> None:
    reports = _sample(samples, rel)
    assert reports.num_rows > 0
    modes = QUALITY.get(rel, ("nacp",))  # without quality fields both modes are all unknown
    found = _analyse(reports, modes)
    assert not any(found.findings.values()), found.findings
    assert found.spoofed <= SPOOFED.get(rel, frozenset()), sorted(found.spoofed)
    for mode in QUALITY.get(rel, ()):  # known aircraft in the map: the check is not vacuous
        assert found.good[mode] > 0, (mode, found.good)


def test_every_sample_recording_is_checked(samples: Path) -> None:
    """The list above is every surveillance file of the samples folder."""
    found = {
        p.relative_to(samples).as_posix()
        for pattern in ("*/*.json.gz", "*/*.json", "*/*.jsonl", "*/*.bin")
        for p in samples.glob(pattern)
    } - {"airspaces/LFBOTMA.json"}  # a GeoJSON airspace, no reports
    assert found - NOT_REPORTS == set(REAL)


@pytest.mark.parametrize("rel", sorted(SPOOFED))
def test_one_spoofed_aircraft_is_no_place(samples: Path, rel: str) -> None:
    """4baac6 THY9BP, spoofed over southern Poland: found in both archives, alone."""
    spoof = skywitness.spoofing(_sample(samples, rel))
    assert {iv.icao24 for iv in spoof.intervals} == {"4baac6"}
    for iv in spoof.intervals:  # where the ADS-B positions crawl at 50 kt
        times = iv.as_json()
        assert "2024-09-17T09:24" <= times["start"] < times["end"] < "2024-09-17T09:59"
    assert spoof.clusters == ()


# -- a faulty single aircraft --------------------------------------------------------


def _stuck_low(reports: pa.Table, icao24: str | None = None) -> pa.Table:
    """``reports`` with NACp and NIC 0 wherever sent (by ``icao24``, or by everyone)."""
    for name in ("nac_p", "nic"):
        col = reports[name]
        mask = pc.is_valid(col)
        if icao24 is not None:
            mask = pc.and_(mask, pc.equal(reports["icao24"], icao24))
        stuck = pc.if_else(mask, pa.scalar(0, col.type), col)
        reports = reports.set_column(reports.schema.get_field_index(name), name, stuck)
    return reports


@pytest.mark.parametrize(("rel", "icao24"), [(TRACE, None), (BEAST, "48520a")])
def test_one_faulty_aircraft_makes_no_event_and_no_bad_cell(
    samples: Path, rel: str, icao24: str | None
) -> None:
    """One aircraft whose receiver says NACp 0 and NIC 0 throughout (a Delta
    737 over the US; one of four aircraft near Toulouse) is bad in its cells,
    yet makes no event, no yellow or red cell and no spoofing."""
    found = _analyse(_stuck_low(_sample(samples, rel), icao24), ("nacp", "nic"))
    assert not any(found.findings.values()), found.findings
    assert not found.spoofed
    assert found.bad["nacp"] > 0 and found.bad["nic"] > 0, found.bad  # the fault is seen


# -- raw frames with bit errors --------------------------------------------------------


def _flip_one_bit(frame: bytes, rng: random.Random) -> bytes:
    """``frame`` with one bit flipped anywhere, the downlink format included."""
    value = int.from_bytes(frame, "big") ^ (1 << rng.randrange(len(frame) * 8))
    return value.to_bytes(len(frame), "big")


def _hex_bytes(frame: str) -> bytes:
    """A hex frame's bytes; short replies stored padded to 28 digits are cut to 14."""
    short = (int(frame[:2], 16) >> 3) in (0, 4, 5, 11)
    return bytes.fromhex(frame[:14] if short else frame)


def _flight_end(samples: Path, rate: float, out: Path) -> Path:
    """The flight's last :data:`FLIGHT_FRAMES` frames, one bit flipped in ``rate`` of them."""
    rng = random.Random(1090)
    lines = []
    for line in (samples / FLIGHT).read_text().splitlines()[-FLIGHT_FRAMES:]:
        d = json.loads(line)
        frame = _hex_bytes(d["frame"])
        if rng.random() < rate:
            frame = _flip_one_bit(frame, rng)
        lines.append(json.dumps({"timestamp": d["timestamp"], "frame": frame.hex()}))
    out.write_text("\n".join(lines) + "\n")
    return out


#: Beast payload bytes by type byte (after 6 timestamp bytes and 1 signal byte).
BEAST_PAYLOAD = {0x31: 2, 0x32: 7, 0x33: 14, 0x34: 14}


def _noisy_beast(samples: Path, rate: float, out: Path) -> Path:
    """The Beast capture with one bit flipped in ``rate`` of its Mode S payloads."""
    rng = random.Random(1090)
    buf, p, written = (samples / BEAST).read_bytes(), 0, bytearray()
    while p < len(buf):
        assert buf[p] == 0x1A, p
        kind, body, q = buf[p + 1], bytearray(), p + 2
        while len(body) < 7 + BEAST_PAYLOAD[kind]:
            body.append(buf[q])
            q += 2 if buf[q] == 0x1A else 1  # an escaped 0x1a is sent twice
        if kind in (0x32, 0x33) and rng.random() < rate:
            body[7:] = _flip_one_bit(bytes(body[7:]), rng)
        written += bytes([0x1A, kind]) + bytes(body).replace(b"\x1a", b"\x1a\x1a")
        p = q
    out.write_bytes(bytes(written))
    return out


def _positions(reports: pa.Table) -> set[tuple[str, int, float, float]]:
    kept = reports.filter(pc.is_valid(reports["lat"]))
    times = pc.cast(kept["time"], pa.int64()).to_pylist()
    cols = [kept[c].to_pylist() for c in ("icao24", "lat", "lon")]
    return set(zip(cols[0], times, cols[1], cols[2], strict=True))


def _check_noisy(clean: pa.Table, noisy: pa.Table, modes: tuple[str, ...]) -> None:
    assert 0 < noisy.num_rows < clean.num_rows
    new = set(noisy["icao24"].to_pylist()) - set(clean["icao24"].to_pylist())
    assert not new, f"phantom aircraft {sorted(new)}"
    positions = _positions(noisy)
    assert positions and positions <= _positions(clean), "a position the clean frames do not give"
    found = _analyse(noisy, modes)
    assert not any(found.findings.values()), found.findings
    assert not found.spoofed


@pytest.mark.parametrize("rate", BIT_ERROR_RATES)
def test_beast_bit_errors_make_nothing(samples: Path, tmp_path: Path, rate: float) -> None:
    noisy = _read(_noisy_beast(samples, rate, tmp_path / f"noisy-{rate:g}.bin"))
    _check_noisy(_sample(samples, BEAST), noisy, QUALITY[BEAST])


def test_beast_copy_is_exact(samples: Path, tmp_path: Path) -> None:
    """The Beast rewriter changes nothing but the flipped bits."""
    out = _noisy_beast(samples, 0.0, tmp_path / "copy.bin")
    assert out.read_bytes() == (samples / BEAST).read_bytes()


@pytest.fixture(scope="module")
def flight_end(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    """The clean frames of :func:`_flight_end`, decoded."""
    return _read(_flight_end(samples, 0.0, tmp_path_factory.mktemp("flight") / "clean.jsonl"))


@pytest.mark.parametrize("rate", BIT_ERROR_RATES)
def test_flight_bit_errors_make_nothing(
    samples: Path, tmp_path: Path, flight_end: pa.Table, rate: float
) -> None:
    noisy = _read(_flight_end(samples, rate, tmp_path / f"noisy-{rate:g}.jsonl"))
    _check_noisy(flight_end, noisy, QUALITY[FLIGHT])
