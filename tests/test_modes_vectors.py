"""Public test vectors for the raw Mode S decoder, and the defects they pinned down.

Sources, cited per test: pyModeS 3 tests (``tests/test_cpr.py``,
``tests/fixtures/golden_v2.json``), "The 1090 Megahertz Riddle" (Junzi Sun,
2nd ed., chapters on airborne and surface positions), readsb (``cpr.c``,
``track.c``, ``icao_filter.c``). pyModeS, installed for the tests, is the
independent cross-check where a vector gives no number.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyModeS as pms
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyModeS.position import airborne_position_with_ref, surface_position_with_ref
from test_modes_decode import CDG, FLIGHT, T0, S, decode, short_reply

from skywitness.io.base import ReadContext
from skywitness.io.modes.cpr import (
    AIRBORNE_SPAN_DEG,
    CPR_SCALE,
    SURFACE_SPAN_DEG,
    airborne_pair,
    distance_nm,
    local,
    nl,
    surface_pair,
)
from skywitness.io.modes.decode import ADDRESS_CONFIRM_S
from skywitness.io.modes.fields import bds60_vertical_rates
from skywitness.io.modes.jsonl import READER

ABS = 0.001  # degrees: the tolerance the pyModeS tests use


def cpr_fields(frame: str) -> tuple[bool, int, int]:
    """(odd, lat_cpr, lon_cpr) of a position squitter, read from its bits."""
    me = int(frame[8:22], 16)
    return bool((me >> 34) & 1), (me >> 17) & 0x1FFFF, me & 0x1FFFF


def cpr_pair(even: str, odd: str) -> tuple[tuple[int, int], tuple[int, int]]:
    _, elat, elon = cpr_fields(even)
    _, olat, olon = cpr_fields(odd)
    return (elat, elon), (olat, olon)


# --------------------------------------------------------------------------
# CPR: local decoding, zone edges (defect 1)


@pytest.mark.parametrize(
    ("frame", "ref", "expected"),
    [
        # pyModeS tests/test_cpr.py TestAirbornePositionWithRef
        ("8D40058B58C901375147EFD09357", (49.0, 6.0), (49.82410, 6.06785)),
        ("8D40058B58C904A87F402D3B8C59", (49.0, 6.0), (49.81755, 6.08442)),
        # ... test_numerical_challenge: the reference lies on a zone edge,
        # latitude (360/59) * 5 and longitude 7.2 * 5.
        ("8D06A15358BF17FF7D4A84B47B95", (30.508474576271183, 7.2 * 5.0 + 3e-15), (30.50540, 33.44787)),
        ("8D06A15358BF17FF7D4A84B47B95", (30.508474576271183, 36.0), (30.50540, 33.44787)),
    ],
)  # fmt: skip
def test_airborne_local_vectors(
    frame: str, ref: tuple[float, float], expected: tuple[float, float]
) -> None:
    odd, lat_cpr, lon_cpr = cpr_fields(frame)
    pos = local(False, odd, lat_cpr, lon_cpr, *ref)
    assert pos == (pytest.approx(expected[0], abs=ABS), pytest.approx(expected[1], abs=ABS))


def test_surface_local_vectors() -> None:
    # The 1090 MHz Riddle, surface position, "locally unambiguous decoding".
    odd, lat_cpr, lon_cpr = cpr_fields("8C4841753A9A153237AEF0F275BE")
    pos = local(True, odd, lat_cpr, lon_cpr, 52.320607, 4.734735)
    assert pos == (pytest.approx(52.32056051997815, abs=1e-9), pytest.approx(4.735735212053571))
    # pyModeS tests/test_cpr.py TestSurfacePositionWithRef (LFBO taxiway).
    odd, lat_cpr, lon_cpr = cpr_fields("903a23ff426a4e65f7487a775d17")
    pos = local(True, odd, lat_cpr, lon_cpr, 43.63, 1.37)
    assert pos == (pytest.approx(43.62646, abs=ABS), pytest.approx(1.37476, abs=ABS))


def encode_cpr(lat: float, lon: float, surface: bool, odd: bool) -> tuple[int, int]:
    """CPR encoding of a position (DO-260B A.1.7.5), written independently of the decoder."""
    span = SURFACE_SPAN_DEG if surface else AIRBORNE_SPAN_DEG
    dlat = span / (60 - odd)
    yz = int(CPR_SCALE * (lat % dlat) / dlat + 0.5)
    rlat = dlat * (yz / CPR_SCALE + lat // dlat)
    dlon = span / max(nl(rlat) - odd, 1)
    xz = int(CPR_SCALE * (lon % dlon) / dlon + 0.5)
    return yz % (1 << 17), xz % (1 << 17)


def test_surface_reference_on_a_zone_edge() -> None:
    """Reviewer's case: reference 64.79 N 18.0 E, on the edge of the even surface
    longitude zones (NL 25 there, 90/25 = 3.6 degrees, 18 = 5 x 3.6). A taxiing
    aircraft 2 NM west was put one zone (3.6 degrees, 170 km) east."""
    assert nl(64.79) == 25
    truth = (64.79, 17.925)
    lat_cpr, lon_cpr = encode_cpr(*truth, surface=True, odd=False)
    pos = local(True, False, lat_cpr, lon_cpr, 64.79, 18.0)
    assert pos is not None and distance_nm(*pos, *truth) < 0.01
    theirs = surface_position_with_ref(0, lat_cpr, lon_cpr, 64.79, 18.0)
    assert distance_nm(*pos, *theirs) < 0.001


def _edges(span: float) -> st.SearchStrategy[tuple[float, float]]:
    """References exactly on latitude and longitude zone edges (and 3e-15 off)."""
    lat_k = st.integers(-14, 14)
    lon_k = st.integers(-20, 20)
    nudge = st.sampled_from([0.0, 3e-15, -3e-15])

    def build(k: int, m: int, zones: int, odd: int, dn: float) -> tuple[float, float]:
        ref_lat = span / (60 - odd) * k + dn
        ref_lon = (span / max(zones - odd, 1) * m + dn + 180.0) % 360.0 - 180.0
        return ref_lat, ref_lon

    return st.builds(build, lat_k, lon_k, st.integers(2, 59), st.integers(0, 1), nudge)


@settings(max_examples=300, deadline=None)
@given(
    surface=st.booleans(),
    odd=st.booleans(),
    lat_cpr=st.integers(0, (1 << 17) - 1),
    lon_cpr=st.integers(0, (1 << 17) - 1),
    data=st.data(),
)
def test_local_decode_on_zone_edges_matches_pymodes(
    surface: bool, odd: bool, lat_cpr: int, lon_cpr: int, data: st.DataObject
) -> None:
    """Wherever the reference sits on a zone edge, the result is the candidate
    nearest the reference (within half a zone), as pyModeS decodes it."""
    span = SURFACE_SPAN_DEG if surface else AIRBORNE_SPAN_DEG
    ref = data.draw(_edges(span))
    ours = local(surface, odd, lat_cpr, lon_cpr, *ref)
    decoder = surface_position_with_ref if surface else airborne_position_with_ref
    theirs = decoder(int(odd), lat_cpr, lon_cpr, *ref)
    if ours is None or theirs is None:
        assert ours is theirs
        return
    assert ours[0] == pytest.approx(theirs[0], abs=1e-9)
    assert (ours[1] - theirs[1] + 180) % 360 - 180 == pytest.approx(0, abs=1e-9)
    dlat = span / (60 - odd)
    assert abs(ours[0] - ref[0]) <= dlat / 2 + 1e-9


# --------------------------------------------------------------------------
# CPR: global pairs


def test_airborne_pair_vectors() -> None:
    # pyModeS tests/test_cpr.py TestAirbornePositionPair
    even, odd = cpr_pair("8D40058B58C901375147EFD09357", "8D40058B58C904A87F402D3B8C59")
    assert airborne_pair(even, odd, latest_odd=True) == (
        pytest.approx(49.81755, abs=ABS),
        pytest.approx(6.08442, abs=ABS),
    )
    assert airborne_pair(even, odd, latest_odd=False) == (
        pytest.approx(49.82410, abs=ABS),
        pytest.approx(6.06785, abs=ABS),
    )
    # The 1090 MHz Riddle, airborne position example (odd most recent).
    even, odd = cpr_pair("8D40621D58C382D690C8AC2863A7", "8D40621D58C386435CC412692AD6")
    assert airborne_pair(even, odd, latest_odd=False) == (
        pytest.approx(52.25720, abs=ABS),
        pytest.approx(3.91937, abs=ABS),
    )
    # Frames in different NL bands, and a pair resolving beyond 90 degrees
    # (OpenSky 485A33, 2025-04-13): no position.
    assert airborne_pair((8192, 0), (114688, 0), latest_odd=False) is None
    assert airborne_pair((113939, 119217), (72761, 59498), latest_odd=True) is None


@pytest.mark.parametrize(
    ("ref", "latest_odd", "expected"),
    [
        # pyModeS tests/test_cpr.py TestSurfacePositionPair (LFBO pair)
        ((43.63, 1.37), True, (43.62646, 1.37476)),
        ((43.63, 1.37), False, (43.62648, 1.37462)),
        ((-43.5, 1.37), True, (-46.37354, 1.44350)),
        ((43.63, -178.63), True, (43.62646, -178.62524)),
        ((43.63, 91.37), True, (43.62646, 91.37476)),
        # A reference far away still resolves the quadrant: 20 degrees off.
        ((30.0, 15.0), True, (43.62646, 1.37476)),
    ],
)
def test_surface_pair_vectors(
    ref: tuple[float, float], latest_odd: bool, expected: tuple[float, float]
) -> None:
    even, odd = cpr_pair("903a23ff426a38565950432ebf95", "903a23ff426a4e65f7487a775d17")
    pos = surface_pair(even, odd, latest_odd, *ref)
    assert pos == (pytest.approx(expected[0], abs=ABS), pytest.approx(expected[1], abs=ABS))


def test_surface_pair_book_and_sao_paulo() -> None:
    # The 1090 MHz Riddle, "globally unambiguous decoding": odd most recent,
    # reference 51.990 N 4.375 E.
    even, odd = cpr_pair("8C4841753AAB238733C8CD4020B1", "8C4841753A8A35323FAEBDAC702D")
    pos = surface_pair(even, odd, True, 51.990, 4.375)
    assert pos == (pytest.approx(52.320607072215964, abs=1e-9), pytest.approx(4.734734671456474))
    # pyModeS: the Sao Paulo pair of v2's test_bds_inference (odd newer).
    even, odd = cpr_pair("8FE48C033A9FA184B934E744C6FD", "8FE48C033A9FA68F7C3D39B1C2F0")
    pos = surface_pair(even, odd, True, -23.4265448, -46.4816258)
    assert pos is not None
    assert abs(pos[0] + 23.4265448) < 0.05 and abs(pos[1] + 46.4816258) < 0.05
    # Zone mismatch (pyModeS test_zone_mismatch_returns_none).
    assert surface_pair((28672, 0), (122880, 0), False, 50.0, 0.0) is None


# --------------------------------------------------------------------------
# Surface pairs through the decoder (defect 2)

BOOK_EVEN, BOOK_ODD = "8C4841753AAB238733C8CD4020B1", "8C4841753A8A35323FAEBDAC702D"
BOOK_POS = (52.320607072215964, 4.734734671456474)


@pytest.mark.parametrize("distance", ["near", "far"])
def test_surface_pair_with_the_receiver_as_reference(distance: str) -> None:
    """The book's pair, 2 s apart, with a receiver 21 NM away (the book's) or
    150 NM away: the pair decodes the same. A single frame decoded against a
    receiver 150 NM away would land whole zones off, so it is never tried."""
    receiver = (51.990, 4.375) if distance == "near" else (50.0, 4.375)
    items = [(T0, BOOK_EVEN), (T0 + 2 * S, BOOK_ODD)]
    table, ctx = decode(items, reference=receiver)
    rows = table.sort_by("_record").to_pylist()
    assert rows[1]["lat"] == pytest.approx(BOOK_POS[0], abs=1e-9)
    assert rows[1]["lon"] == pytest.approx(BOOK_POS[1], abs=1e-9)
    # The even frame is positioned backwards from the pair (local decode), as
    # pyModeS decodes it against the book's reference.
    theirs = pms.decode(BOOK_EVEN, surface_ref=(51.990, 4.375))
    assert (
        distance_nm(rows[0]["lat"], rows[0]["lon"], theirs["latitude"], theirs["longitude"]) < 1e-3
    )
    # One frame alone: no position (readsb does not decode a lone surface frame
    # against the receiver either), rather than a wrong one.
    alone, ctx = decode(items[1:], reference=receiver)
    assert alone["lat"].to_pylist() == [None]
    assert any("no usable reference" in i.reason for i in ctx.notes)


def test_surface_pair_too_far_from_the_receiver() -> None:
    """readsb's check: a surface position more than 450 km from the receiver
    used as its reference is not believed."""
    items = [(T0, BOOK_EVEN), (T0 + 2 * S, BOOK_ODD)]
    table, _ = decode(items, reference=(45.0, 4.375))  # 440 NM away
    assert table["lat"].null_count == 2


@pytest.fixture(scope="module")
def flight_lines(samples: Path) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in (samples / FLIGHT).read_text().splitlines()]


def _tc(frame: str) -> int:
    b = bytes.fromhex(frame)
    return b[4] >> 3 if b[0] >> 3 == 17 else 0


@pytest.mark.parametrize("receiver_nm", [60, 120, 200])
def test_taxi_with_a_distant_receiver(flight_lines: list, receiver_nm: int) -> None:
    """The first 74 surface position frames of the AFR34ZG flight, taxiing at
    CDG, without the take-off that positions them in the whole file: with a
    receiver 60 to 200 NM north (beyond the 45 NM of single-frame decoding),
    even/odd pairs give every position, all on the aerodrome, each agreeing
    with pyModeS's local decode against the aerodrome within 1 m."""
    taxi = [d for d in flight_lines if 5 <= _tc(d["frame"]) <= 8][:74]
    items = [(round(d["timestamp"] * 1e6) * 1000, d["frame"]) for d in taxi]
    receiver = (CDG[0] + receiver_nm / 60.0, CDG[1])
    table, _ = decode(items, reference=receiver)
    rows = table.sort_by("_record").to_pylist()
    assert len(rows) == 74 and all(r["lat"] is not None for r in rows)
    for row, d in zip(rows, taxi, strict=True):
        theirs = pms.decode(d["frame"], surface_ref=CDG)
        assert distance_nm(row["lat"], row["lon"], theirs["latitude"], theirs["longitude"]) < 1e-3
        assert distance_nm(row["lat"], row["lon"], *CDG) < 3.0


def test_surface_pair_after_landing_uses_the_own_position(flight_lines: list) -> None:
    """At Toulouse, the surface frames after landing with the airborne positions
    before it moved 400 s earlier (no receiver location): too old for a single
    frame (300 s), but a surface pair only needs a reference within 45 degrees."""
    lines = [(round(d["timestamp"] * 1e6) * 1000, d["frame"]) for d in flight_lines]
    first_air = next(k for k, (_, f) in enumerate(lines) if 9 <= _tc(f) <= 18)
    last_air = max(k for k, (_, f) in enumerate(lines) if 9 <= _tc(f) <= 18)
    approach = [x for x in lines[first_air : last_air + 1][-200:] if 9 <= _tc(x[1]) <= 18]
    landed = [x for x in lines[last_air:] if 5 <= _tc(x[1]) <= 8][:40]
    shift = approach[-1][0] + 400 * S - landed[0][0]
    items = approach + [(t + shift, f) for t, f in landed]
    table, _ = decode(items)
    rows = table.sort_by("_record").to_pylist()[len(approach) :]
    assert all(r["lat"] is not None for r in rows)
    lfbo = (43.6293, 1.3638)  # Toulouse-Blagnac aerodrome reference point
    assert max(distance_nm(r["lat"], r["lon"], *lfbo) for r in rows) < 3.0
    theirs = pms.decode(landed[-1][1], surface_ref=lfbo)
    assert (
        distance_nm(rows[-1]["lat"], rows[-1]["lon"], theirs["latitude"], theirs["longitude"])
        < 1e-3
    )


# --------------------------------------------------------------------------
# Replies with address/parity (defect 3)


def test_one_flipped_bit_makes_no_aircraft(samples: Path, tmp_path: Path) -> None:
    """One bit flipped (past the downlink format) in 5 % of the real flight's
    frames: a reply with address/parity then reads as another address. Only
    addresses seen in a parity-checked DF11/17/18 frame in the last 60 s are
    trusted (readsb's ICAO filter), so no aircraft is made up, every corrupted
    reply is a skipped record with its reason, and the clean frames all stay."""
    lines = (samples / FLIGHT).read_text().splitlines()
    rng = random.Random(1090)
    flipped: set[int] = set()
    out = []
    for number, line in enumerate(lines, start=1):
        d = json.loads(line)
        frame = d["frame"]
        if rng.random() < 0.05:
            nbits = 56 if (int(frame[:2], 16) >> 3) in (0, 4, 5, 11) else 112
            bit = rng.randrange(5, nbits)
            value = int(frame[: nbits // 4], 16) ^ (1 << (nbits - 1 - bit))
            d["frame"] = f"{value:0{nbits // 4}x}"
            flipped.add(number)
        out.append(json.dumps({"timestamp": d["timestamp"], "frame": d["frame"]}))
    path = tmp_path / "noisy.jsonl"
    path.write_text("\n".join(out) + "\n")
    ctx = ReadContext(path)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    assert len(flipped) > 2500
    assert set(table["icao24"].to_pylist()) == {"393322"}
    kept = set(table["_record"].to_pylist())
    assert table.num_rows + ctx.skipped == len(lines)
    reserved_fs = 2  # two clean replies carry a reserved flight status (see test_modes_decode)
    assert len(set(range(1, len(lines) + 1)) - flipped - kept) == reserved_fs
    parity_dfs = {0, 4, 5, 16, 20, 21}
    replies = {
        n for n in flipped if int(json.loads(out[n - 1])["frame"][:2], 16) >> 3 in parity_dfs
    }
    assert replies and not replies & kept


def test_reply_needs_a_recent_parity_checked_frame() -> None:
    icao = 0x406674
    all_call = short_reply((11 << 27) | (5 << 24) | icao, 0)
    df4 = short_reply((4 << 27) | 0x1234, icao)  # altitude reply from 406674
    window = int(ADDRESS_CONFIRM_S * S)
    items = [
        (T0, df4),  # before any all-call: not trusted
        (T0 + S, all_call),
        (T0 + 2 * S, df4),
        (T0 + S + window, df4),  # exactly the window after the all-call
        (T0 + 2 * S + window, df4),  # beyond it
    ]
    table, ctx = decode(items)
    assert sorted(table["_record"].to_pylist()) == [1, 2, 3]
    assert {i.record for i in ctx.issues} == {0, 4}
    assert all("address 406674" in i.reason for i in ctx.issues)


# --------------------------------------------------------------------------
# BDS 6,0 vertical rates (defect 4)

#: pyModeS tests/fixtures/golden_v2.json: (frame, baro, inertial) in ft/min.
BDS60_VECTORS = [
    ("a0001530a55a032dbffc0043d793", -32, 0),
    ("a00017b0cb1a0531fffc00a48fcd", -32, 0),
    ("a00015b7e94a4534200fff4dd112", 32, -32),
    ("a00015b7e94a45343fffff841ef2", -32, -32),
    ("a0281717e959ef2efffffe76136b", -32, -64),
    ("a80000bba4ca0331bffc017cba1e", -32, 32),
    ("a8001a039e7a0d30a007ffb2bb13", 0, -32),
    ("a000151ae00a5334211c1e37db5f", 1120, 960),
]


@pytest.mark.parametrize(("frame", "baro", "inertial"), BDS60_VECTORS)
def test_bds60_vertical_rate_vectors(frame: str, baro: int, inertial: int) -> None:
    assert bds60_vertical_rates(frame) == (baro, inertial)
    theirs = pms.decode(frame)
    assert (theirs["baro_vertical_rate"], theirs["inertial_vertical_rate"]) == (baro, inertial)


def test_bds60_minus_32_is_stored() -> None:
    """Through the decoder: the reply of 406674 descending at 32 ft/min
    (rs1090 0.7 says 0), after an all-call from that address."""
    frame = BDS60_VECTORS[0][0]
    all_call = short_reply((11 << 27) | (5 << 24) | 0x406674, 0)
    rows = decode([(T0, all_call), (T0 + S, frame)])[0].sort_by("_record").to_pylist()
    assert rows[1]["vrate_fpm"] == -32.0
    assert rows[1]["ias_kt"] == 257 and rows[1]["mach"] == pytest.approx(0.728)
