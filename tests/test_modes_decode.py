"""Raw Mode S decoding core: the real AFR34ZG flight checked against pyModeS,
and synthetic frames for the rules the flight does not exercise."""

from __future__ import annotations

import bisect
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyModeS as pms
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.io.base import ReadContext
from skywitness.io.modes.cpr import distance_nm, local
from skywitness.io.modes.decode import ModeSDecoder
from skywitness.io.modes.frames import check_frames, crc_remainders, decode_guarded, is_panic
from skywitness.io.modes.jsonl import READER
from skywitness.io.modes.nic import nic_rc, opstatus
from skywitness.io.modes.track import JUMP_SLACK_NM, POSITION_MAX_SPEED_KT

FLIGHT = "rs1090/full_flight_short.jsonl"
CDG = (49.0097, 2.5479)  # Paris Charles de Gaulle aerodrome reference point
#: The flight's fastest ground speed is 454 kt; a track faster than this over
#: 10 s or more would be a decoding error.
TRACK_MAX_KT = 600.0


# --------------------------------------------------------------------------
# The real flight


@pytest.fixture(scope="module")
def flight_lines(samples: Path) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in (samples / FLIGHT).read_text().splitlines()]


@pytest.fixture(scope="module")
def flight(samples: Path) -> tuple[pa.Table, ReadContext]:
    """The flight as the reader yields it (with the internal ``_record`` line number)."""
    path = samples / FLIGHT
    ctx = ReadContext(path)
    table = pa.Table.from_batches(list(READER.read(path, ctx)))
    return table, ctx


def _tc(frame: str) -> int:
    """Type code of a DF17 frame, from its bits (0 for other formats)."""
    b = bytes.fromhex(frame)
    return b[4] >> 3 if b[0] >> 3 == 17 else 0


def _position_frames(lines: list[dict[str, Any]]) -> tuple[int, int]:
    """(airborne, surface) position frames counted from the bits: DF17, TC 9-18/20-22, 5-8."""
    air = surf = 0
    for d in lines:
        b = bytes.fromhex(d["frame"])
        if b[0] >> 3 == 17:
            tc = b[4] >> 3
            air += 9 <= tc <= 18 or 20 <= tc <= 22
            surf += 5 <= tc <= 8
    return air, surf


def test_every_frame_gives_a_row(flight: tuple[pa.Table, ReadContext], flight_lines: list) -> None:
    """One row per frame but two replies with a reserved flight status (FS 7, corrupt)."""
    table, ctx = flight
    first = [int(d["frame"][:2], 16) for d in flight_lines]
    corrupt = [n for n, b in enumerate(first, 1) if b >> 3 in (4, 5, 20, 21) and b & 7 == 7]
    assert len(corrupt) == 2
    assert ctx.skipped == 2 and all("flight status 7 is reserved" in i.reason for i in ctx.issues)
    assert {i.record for i in ctx.issues} == set(corrupt)
    assert table.num_rows == len(flight_lines) - 2 == 57_791
    assert set(table["icao24"].to_pylist()) == {"393322"}
    # DF counts from the first five bits of each frame, independently of rs1090.
    expected = Counter(b >> 3 for n, b in enumerate(first, 1) if n not in corrupt)
    assert Counter(table["df"].to_pylist()) == expected
    assert expected[17] == 15_573 and expected[0] == 15_691


def test_all_positions_decoded(flight: tuple[pa.Table, ReadContext], flight_lines: list) -> None:
    table, _ = flight
    air, surf = _position_frames(flight_lines)
    pos = table.filter(table["lat"].is_valid())
    on_ground = pos["on_ground"].to_pylist()
    assert (on_ground.count(False), on_ground.count(True)) == (air, surf) == (6457, 1867)


def test_positions_agree_with_pymodes(
    flight: tuple[pa.Table, ReadContext], flight_lines: list
) -> None:
    """Each position, re-decoded by pyModeS from its own frame with the previous
    position as local reference, agrees within 5 m."""
    table, _ = flight
    rows = table.filter(table["lat"].is_valid()).sort_by("time").to_pylist()
    agree = 0
    prev = rows[0]
    for row in rows:
        frame = flight_lines[row["_record"] - 1]["frame"]
        ref = (prev["lat"], prev["lon"])
        if row["on_ground"]:
            d = pms.decode(frame, surface_ref=ref)
        else:
            d = pms.decode(frame, reference=ref)
        if d.get("latitude") is not None:
            err_m = distance_nm(d["latitude"], d["longitude"], row["lat"], row["lon"]) * 1852
            agree += err_m <= 5.0
        prev = row
    fraction = agree / len(rows)
    print(f"pyModeS agreement: {agree}/{len(rows)} = {fraction:.4%}")
    assert fraction >= 0.999


def test_surface_positions_before_takeoff_at_cdg(
    flight: tuple[pa.Table, ReadContext], flight_lines: list
) -> None:
    table, _ = flight
    tcs = {n: _tc(d["frame"]) for n, d in enumerate(flight_lines, start=1)}
    rows = table.sort_by("time").to_pylist()
    first_air = next(r["time"] for r in rows if 9 <= tcs[r["_record"]] <= 18)
    taxi = [r for r in rows if 5 <= tcs[r["_record"]] <= 8 and r["time"] < first_air]
    assert len(taxi) == 1349
    assert all(r["lat"] is not None for r in taxi)
    worst = max(distance_nm(r["lat"], r["lon"], *CDG) for r in taxi)
    assert worst < 3.0  # nautical miles: every taxi position is on the aerodrome
    # rs1090's own batch decoding leaves these undecoded (no reference before take-off).
    import rs1090

    frames = [d["frame"] for d in flight_lines[:3000]]
    times = [d["timestamp"] for d in flight_lines[:3000]]
    alone = rs1090.decode(frames, times)
    assert not any(m.get("bds") == "06" and "latitude" in m for m in alone)


def test_no_implausible_jumps(flight: tuple[pa.Table, ReadContext]) -> None:
    table, _ = flight
    pos = table.filter(table["lat"].is_valid()).sort_by("time").to_pylist()
    t = [r["time"].timestamp() for r in pos]
    for a, b, ta, tb in zip(pos, pos[1:], t, t[1:], strict=False):
        d = distance_nm(a["lat"], a["lon"], b["lat"], b["lon"])
        assert d <= POSITION_MAX_SPEED_KT * (tb - ta) / 3600 + JUMP_SLACK_NM
    for i, a in enumerate(pos):  # over 10 s or more, no faster than the aircraft flies
        j = bisect.bisect_left(t, t[i] + 10.0)
        if j < len(pos):
            b = pos[j]
            speed = distance_nm(a["lat"], a["lon"], b["lat"], b["lon"]) / (t[j] - t[i]) * 3600
            assert speed < TRACK_MAX_KT


def test_altitude_and_velocity_agree_with_pymodes(
    flight: tuple[pa.Table, ReadContext], flight_lines: list
) -> None:
    table, _ = flight
    rows = table.to_pylist()
    checked = Counter()
    for row in rows[::37]:
        frame = flight_lines[row["_record"] - 1]["frame"]
        df = row["df"]
        if df in (0, 4, 5, 11):
            frame = frame[:14]  # short replies are stored padded to 28 digits
        d = pms.decode(frame)
        if df in (0, 4, 16, 20) or d.get("bds") == "0,5":
            assert row["alt_baro_ft"] == d.get("altitude"), row
            checked["altitude"] += 1
        if d.get("bds") == "0,9" and d.get("groundspeed") is not None:
            assert row["gs_kt"] == pytest.approx(d["groundspeed"], abs=1.0)
            assert row["track_deg"] == pytest.approx(d["track"], abs=0.1)
            assert row["vrate_fpm"] == d["vertical_rate"]
            checked["velocity"] += 1
        if df in (5, 21):
            assert row["squawk"] == d["squawk"]
            checked["squawk"] += 1
    assert checked["altitude"] > 500 and checked["velocity"] > 100 and checked["squawk"] > 200


def test_identity_and_quality_are_sticky(
    flight: tuple[pa.Table, ReadContext], flight_lines: list
) -> None:
    table, _ = flight
    rows = table.sort_by("time").to_pylist()
    first_cs = next(i for i, r in enumerate(rows) if r["callsign"] is not None)
    assert {r["callsign"] for r in rows[first_cs:]} == {"AFR34ZG"}
    first_sq = next(i for i, r in enumerate(rows) if r["squawk"] is not None)
    assert {r["squawk"] for r in rows[first_sq:]} == {"1000"}
    assert {r["emergency"] for r in rows[first_sq:]} == {"none"}
    # Version 0 (no operational status): NUCp 7 (TC 7, 11) -> NIC 8, Rc 0.1 NM;
    # NUCp 6 (TC 8, 12) -> NIC 7, Rc 0.2 NM (DO-260 HPL table).
    expected = {7: (8, 185.2), 11: (8, 185.2), 8: (7, 370.4), 12: (7, 370.4)}
    tcs = {n: _tc(d["frame"]) for n, d in enumerate(flight_lines, start=1)}
    seen = Counter()
    for r in rows:
        tc = tcs[r["_record"]]
        if tc in expected:
            assert (r["nic"], round(r["rc_m"], 1)) == expected[tc]
            seen[tc] += 1
    assert set(seen) == set(expected)
    # ... and carried: every row after the first position has a NIC.
    first_pos = next(i for i, r in enumerate(rows) if r["nic"] is not None)
    assert all(r["nic"] is not None for r in rows[first_pos:])
    # Kinematic fields are not carried: a DF5 reply has no altitude, speed or position.
    df5 = [r for r in rows if r["df"] == 5]
    assert all(r["alt_baro_ft"] is None and r["gs_kt"] is None and r["lat"] is None for r in df5)


def test_geometric_altitude_from_velocity_messages(flight: tuple[pa.Table, ReadContext]) -> None:
    table, _ = flight
    air = [r for r in table.to_pylist() if r["df"] == 17 and r["on_ground"] is False]
    pos = [r for r in air if r["lat"] is not None]
    with_geom = [r for r in pos if r["alt_geom_ft"] is not None]
    assert len(with_geom) > 0.9 * len(pos)
    deltas = {r["alt_geom_ft"] - r["alt_baro_ft"] for r in with_geom}
    assert all(abs(d) < 2000 and d % 25 == 0 for d in deltas)  # 25 ft steps (DO-260B)


def test_chunking_does_not_change_positions(
    flight: tuple[pa.Table, ReadContext], flight_lines: list
) -> None:
    """Per-aircraft CPR state survives chunk edges: small chunks give the same rows."""
    table, _ = flight
    items = [(round(d["timestamp"] * 1e6) * 1000, d["frame"]) for d in flight_lines]
    small, _ = decode(items, chunk=997)
    key = ["lat", "lon", "nic", "callsign", "squawk", "alt_geom_ft"]
    a = table.sort_by("_record").select(key).to_pylist()
    b = small.sort_by("_record").select(key).to_pylist()
    assert a == b


# --------------------------------------------------------------------------
# Synthetic frames

T0 = 1_720_000_000 * 10**9
S = 10**9


def decode(
    items: list[tuple[int, str]],
    chunk: int = 16_384,
    reference: tuple[float, float] | None = None,
) -> tuple[pa.Table, ReadContext]:
    """Decode (time ns, hex) frames; records are list positions."""
    ctx = ReadContext(Path("synthetic"), reference=reference)
    dec = ModeSDecoder(ctx, "test", chunk=chunk)
    batches = []
    for i, (t, frame) in enumerate(items):
        dec.add(t, frame, i)
        if dec.full:
            batches.extend(dec.decode())
    batches.extend(dec.finish())
    from skywitness.io.base import READER_SCHEMA

    return pa.Table.from_batches(batches, schema=READER_SCHEMA), ctx


def with_parity(body: str) -> str:
    """A 112-bit frame from its first 88 bits (22 hex digits), parity computed."""
    return body + f"{int(crc_remainders([body + '000000'], 28)[0]):06x}"


def short_reply(first32: int, icao: int) -> str:
    """A 56-bit reply whose address/parity field encodes ``icao``."""
    body = f"{first32:08x}"
    crc = int(crc_remainders([body + "000000"], 14)[0])
    return body + f"{crc ^ icao:06x}"


def es(first_byte: int, icao: str, me: int) -> str:
    return with_parity(f"{first_byte:02x}{icao}{me:014x}")


def me_bits(*fields: tuple[int, int]) -> int:
    value = width = 0
    for v, w in fields:
        value, width = (value << w) | v, width + w
    assert width == 56
    return value


def set_me_bit(frame: str, bit: int, value: int) -> str:
    """Frame with ME bit ``bit`` (1-based) set to ``value``, parity recomputed."""
    me = int(frame[8:22], 16)
    mask = 1 << (56 - bit)
    me = (me | mask) if value else (me & ~mask)
    return with_parity(frame[:8] + f"{me:014x}")


# A real airborne position frame of 393322 near Toulouse (TC 11, 700 ft).
EVEN_TLS = "8d393322580940aa0a8e4d4f6250"


def _flight_pair(flight_lines: list, after_s: float = 0.0) -> list[tuple[float, str]]:
    """The first airborne even/odd pair of the flight (timestamp, frame)."""
    seen: dict[int, tuple[float, str]] = {}
    t0 = flight_lines[0]["timestamp"] + after_s
    for d in flight_lines:
        b = bytes.fromhex(d["frame"])
        if d["timestamp"] < t0 or b[0] >> 3 != 17 or not 9 <= b[4] >> 3 <= 18:
            continue
        seen[(b[6] >> 2) & 1] = (d["timestamp"], d["frame"])
        if len(seen) == 2:
            return sorted(seen.values())
    raise AssertionError("no pair")


def test_jump_is_rejected_then_two_agreeing_positions_win(flight_lines: list) -> None:
    near_cdg = _flight_pair(flight_lines)
    cruise = _flight_pair(flight_lines, after_s=3000)
    items = [(T0 + k * S, f) for k, (_, f) in enumerate(near_cdg)]
    # The cruise frames 10 s later: hundreds of NM away, an impossible jump ...
    items += [(T0 + (10 + k) * S, f) for k, (_, f) in enumerate(cruise)]
    # ... until a second cruise pair agrees with the first one.
    items += [(T0 + (12 + k) * S, f) for k, (_, f) in enumerate(cruise)]
    table, ctx = decode(items)
    lat = table["lat"].to_pylist()
    assert lat[0] is not None and lat[1] is not None
    assert distance_nm(lat[1], table["lon"][1].as_py(), *CDG) < 10
    assert lat[2] is None and lat[3] is None  # first cruise pair: rejected
    assert lat[5] is not None  # the second agrees with the rejected one: track replaced
    assert any("impossible jumps" in i.reason for i in ctx.notes)


def test_reference_age_is_bounded(flight_lines: list) -> None:
    """A single frame is not decoded against a position older than 10 min."""
    pair = _flight_pair(flight_lines)
    lone = pair[0][1]
    items = [(T0, pair[0][1]), (T0 + S, pair[1][1]), (T0 + 700 * S, lone)]
    table, ctx = decode(items)
    assert table["lat"].to_pylist()[2] is None
    assert any("no usable reference" in i.reason for i in ctx.notes)
    items[2] = (T0 + 500 * S, lone)
    assert decode(items)[0]["lat"].to_pylist()[2] is not None


def test_surface_frames_use_receiver_only_without_own_reference(flight_lines: list) -> None:
    surface = [
        d for d in flight_lines[:200] if d["frame"].startswith("8f") or d["frame"][:2] == "8d"
    ]
    surface = [d for d in surface if 5 <= bytes.fromhex(d["frame"])[4] >> 3 <= 8][:4]
    items = [(T0 + k * S, d["frame"]) for k, d in enumerate(surface)]
    alone, _ = decode(items)
    assert alone["lat"].null_count == 4  # no reference at all
    with_rx, _ = decode(items, reference=(48.9, 2.4))  # a receiver 10 NM away
    assert with_rx["lat"].null_count == 0
    assert max(distance_nm(r["lat"], r["lon"], *CDG) for r in with_rx.to_pylist()) < 3


def test_nic_from_opstatus_and_supplements(flight_lines: list) -> None:
    pair = _flight_pair(flight_lines)
    # Operational status v2, airborne: NIC supplement A = 1, NACp 10, SIL 3.
    status = es(
        0x8D,
        "393322",
        me_bits(
            (31, 5),
            (0, 3),
            (0, 16),
            (0, 16),
            (2, 3),
            (1, 1),
            (10, 4),
            (2, 2),
            (3, 2),
            (1, 1),
            (0, 1),
            (0, 1),
            (0, 1),
        ),
    )
    assert opstatus(status) is not None
    nicb = [set_me_bit(f, 8, 1) for _, f in pair]  # TC 11 with NIC supplement B = 1
    items = [(T0, status), (T0 + S, nicb[0]), (T0 + 2 * S, nicb[1]), (T0 + 3 * S, pair[0][1])]
    table, _ = decode(items)
    rows = table.to_pylist()
    assert (rows[0]["nac_p"], rows[0]["sil"], rows[0]["nic"]) == (10, 3, None)
    assert (rows[1]["nic"], rows[1]["rc_m"]) == (9, 75.0)  # TC 11, A=1, B=1
    assert rows[2]["lat"] is not None and rows[2]["nac_p"] == 10
    assert (rows[3]["nic"], rows[3]["rc_m"]) == (8, pytest.approx(185.2))  # B=0


def test_nic_tables() -> None:
    assert nic_rc(11, None, False, False, False) == (8, pytest.approx(185.2))  # NUCp 7
    assert nic_rc(16, 0, False, False, False) == (1, pytest.approx(18520.0))  # NUCp 2: HPL 10 NM
    assert nic_rc(13, 2, False, True, False) == (6, pytest.approx(555.6))
    assert nic_rc(13, 2, True, True, False) == (6, pytest.approx(1111.2))
    assert nic_rc(13, 2, False, False, False) == (6, pytest.approx(926.0))
    assert nic_rc(8, 2, True, False, True) == (7, pytest.approx(370.4))
    assert nic_rc(8, 2, False, False, True) == (6, pytest.approx(1111.2))
    assert nic_rc(8, 2, True, False, False) == (6, pytest.approx(555.6))
    assert nic_rc(8, 1, True, False, True) == (0, None)
    assert nic_rc(16, 1, True, False, False) == (3, pytest.approx(7408.0))
    assert nic_rc(19, 2, True, True, True) is None  # velocity: not a position


def test_surface_opstatus_supplement_c() -> None:
    # Surface v2: capability class with NACv 2 and NIC supplement C = 1, NACp 9.
    me = me_bits(
        (31, 5), (1, 3), (0, 2), (0, 1), (1, 1), (0, 2), (0, 1), (0, 1), (2, 3), (1, 1),
        (0, 4), (0, 16), (2, 3), (1, 1), (9, 4), (0, 2), (3, 2), (0, 1), (0, 1), (0, 1), (0, 1),
    )  # fmt: skip
    status = opstatus(es(0x8D, "393322", me))
    assert status is not None
    assert (status.version, status.nic_a, status.nic_c, status.nac_p, status.nac_v) == (
        2, True, True, 9, 2
    )  # fmt: skip


def test_emergency_from_bds61_and_squawk() -> None:
    icao = 0x393322
    # DF5, flight status 0, identity 7700: C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4.
    sq7700 = short_reply((5 << 27) | 0b0101010101010, icao)
    sq1000 = short_reply((5 << 27) | 0b0100000000000, icao)
    assert pms.decode(sq7700)["squawk"] == "7700" and pms.decode(sq1000)["squawk"] == "1000"
    medical = es(0x8D, "393322", me_bits((28, 5), (1, 3), (2, 3), (0, 13), (0, 32)))
    # An all-call reply first: DF5 addresses come from the parity and are only
    # trusted after a parity-checked frame from the same address.
    all_call = short_reply((11 << 27) | (5 << 24) | icao, 0)
    items = [
        (T0 - S, all_call),
        (T0, sq1000),
        (T0 + S, sq7700),
        (T0 + 2 * S, sq1000),
        (T0 + 3 * S, medical),
        (T0 + 4 * S, sq1000),
    ]
    rows = decode(items)[0].to_pylist()[1:]
    assert [r["emergency"] for r in rows] == ["none", "general", "none", "lifeguard", "lifeguard"]
    assert [r["squawk"] for r in rows] == ["1000", "7700", "1000", "1000", "1000"]


def test_df18_source_by_control_field() -> None:
    me = int(EVEN_TLS[8:22], 16)
    expected = {
        0: "adsb",
        1: "adsb",
        2: "tisb",
        3: "tisb",
        4: "other",
        5: "tisb",
        6: "adsb",
        7: "other",
    }
    items = [(T0 + cf * S, es(0x90 | cf, "393322", me)) for cf in range(8)]
    rows = decode(items)[0].sort_by("_record").to_pylist()
    assert [r["source"] for r in rows] == [expected[cf] for cf in range(8)]
    assert [r["icao24"] for r in rows] == [
        "~393322" if cf in (1, 5) else "393322" for cf in range(8)
    ]
    # CF 3 (coarse TIS-B) and CF 4/7 do not use the extended squitter layout.
    assert [r["alt_baro_ft"] for r in rows] == [
        None if cf in (3, 4, 7) else 700.0 for cf in range(8)
    ]


def test_all_call_and_ground_flags() -> None:
    icao = 0x393322
    df11_ground = short_reply((11 << 27) | (4 << 24) | icao, 0)  # CA 4: on the ground
    df11_air = short_reply((11 << 27) | (5 << 24) | icao, 0)
    rows = decode([(T0, df11_ground), (T0 + S, df11_air)])[0].to_pylist()
    assert [(r["df"], r["icao24"], r["on_ground"]) for r in rows] == [
        (11, "393322", True),
        (11, "393322", False),
    ]
    assert all(r["lat"] is None and r["alt_baro_ft"] is None for r in rows)


# --------------------------------------------------------------------------
# Malformed input


GOOD = "8d3933229914a182408c8a8bf9bb"


def test_prevalidation_reasons() -> None:
    bad = {
        "8d39": "hex digits",
        GOOD[:27]: "hex digits",
        "zz" * 14: "not hexadecimal",
        GOOD[:14]: "truncated",
        GOOD[:10] + "0" + GOOD[11:]: "parity",
        "c8" + GOOD[2:]: "Comm-D",
        "98" + GOOD[2:]: "DF19",
        "08" + GOOD[2:14]: "DF1",
        "é" * 14: "not hexadecimal",
    }
    checked = check_frames([GOOD, *bad])
    assert checked.frames == [GOOD]
    reasons = dict(checked.rejected)
    for k, (_, why) in enumerate(bad.items(), start=1):
        assert why in reasons[k]


def test_malformed_frames_are_skipped_not_raised() -> None:
    items = [
        (T0 + k * S, f) for k, f in enumerate(["", "8d3", "xyz", GOOD, GOOD.upper(), "0" * 28])
    ]
    table, ctx = decode(items)
    assert table["_record"].to_pylist() == [3, 4]
    # All zeros is a DF0 reply whose parity gives address 000000, never seen in
    # a DF11/17/18 frame: skipped too, with its reason.
    assert ctx.skipped == 4
    assert "address 000000" in next(i.reason for i in ctx.issues if i.record == 5)


def test_panic_fallback_isolates_the_bad_frame() -> None:
    """rs1090 panics on odd-length and non-hex input; only that frame is lost."""
    results, panics = decode_guarded([GOOD, "8d3", "zz" * 14, GOOD])
    assert set(panics) == {1, 2}
    assert results[0]["df"] == "17" and results[3]["df"] == "17"
    assert results[1] is None and results[2] is None


def test_interrupts_are_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    import rs1090

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(rs1090, "decode", interrupted)
    with pytest.raises(KeyboardInterrupt):
        decode_guarded([GOOD])
    assert not is_panic(KeyboardInterrupt())


def test_cpr_local_matches_pymodes_far_from_reference_edges() -> None:
    """Our local CPR decode equals pyModeS's on a grid of references."""
    from pyModeS.position import airborne_position_with_ref, surface_position_with_ref

    for lat_cpr, lon_cpr, odd in ((21765, 36429, False), (20028, 18832, True), (1, 131071, True)):
        for ref in ((43.6, 1.3), (-33.9, 151.2), (64.1, -21.9), (0.1, -179.9)):
            ours = local(False, odd, lat_cpr, lon_cpr, *ref)
            theirs = airborne_position_with_ref(int(odd), lat_cpr, lon_cpr, *ref)
            assert ours is not None
            assert ours[0] == pytest.approx(theirs[0], abs=1e-9)
            assert (ours[1] - theirs[1] + 180) % 360 - 180 == pytest.approx(0, abs=1e-9)
            ours_s = local(True, odd, lat_cpr, lon_cpr, *ref)
            theirs_s = surface_position_with_ref(int(odd), lat_cpr, lon_cpr, *ref)
            assert ours_s is not None and ours_s[0] == pytest.approx(theirs_s[0], abs=1e-9)
            assert math.isclose((ours_s[1] - theirs_s[1] + 180) % 360 - 180, 0, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [0x8D, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x95, 0x96, 0xA0, 0xA8, 0x58, 0x20]
            ),
            st.sampled_from(["393322", "48520a", "abcdef"]),
            st.integers(0, (1 << 56) - 1),
            st.integers(0, 31),
            st.integers(0, 5_000),
        ),
        max_size=60,
    )
)
def test_fuzz_frames_with_valid_parity(frames: list[tuple[int, str, int, int, int]]) -> None:
    """Random content behind valid headers and parity reaches rs1090's deeper code
    paths (positions, Comm-B inference): rows or skips, never an exception."""
    items = []
    for first, icao, me, tc, dt_ms in frames:
        me = (me & ((1 << 51) - 1)) | (tc << 51)
        body = f"{first:02x}{icao}{me:014x}"
        frame = with_parity(body) if first >= 0x80 else body[:8] + "123456"
        items.append((T0 + dt_ms * 10**6, frame))
    items.sort()
    table, ctx = decode(items, chunk=7)
    assert table.num_rows + ctx.skipped == len(items)
    lat = [x for x in table["lat"].to_pylist() if x is not None]
    assert all(-90 <= x <= 90 for x in lat)


def _surface_frames(flight_lines: list, n: int) -> list[str]:
    frames = [d["frame"] for d in flight_lines[:400]]
    return [f for f in frames if 5 <= _tc(f) <= 8][:n]


def test_held_rows_are_bounded(monkeypatch: pytest.MonkeyPatch, flight_lines: list) -> None:
    """Rows waiting for a reference are released (without position) past the cap."""
    import skywitness.io.modes.decode as core

    monkeypatch.setattr(core, "MAX_HELD_ROWS", 3)
    ctx = ReadContext(Path("synthetic"), batch_size=1)
    dec = ModeSDecoder(ctx, "test", chunk=1)
    emitted = []
    for k, frame in enumerate(_surface_frames(flight_lines, 6)):
        dec.add(T0 + k * S, frame, k)
        emitted.extend(dec.decode())
    assert len(emitted) >= 3  # released before the end of the file
    emitted.extend(dec.finish())
    rows = pa.Table.from_batches(emitted).to_pylist()
    assert [r["_record"] for r in rows] == list(range(6))  # in order
    assert all(r["lat"] is None for r in rows)
    assert dec.stats.unresolved == 6


def test_holds_expire_when_no_reference_can_come(flight_lines: list) -> None:
    ctx = ReadContext(Path("synthetic"), batch_size=1)
    dec = ModeSDecoder(ctx, "test", chunk=1)
    for k, frame in enumerate(_surface_frames(flight_lines, 3)):
        dec.add(T0 + k * S, frame, k)
        assert list(dec.decode()) == []  # held: a take-off could still resolve them
    # Another aircraft, 301 s later: no reference can resolve the old surface frames now.
    dec.add(T0 + 303 * S, with_parity("8d3981e49914a182408c8a"), 3)
    early = list(dec.decode())
    assert [b.num_rows for b in early] == [1, 1, 1, 1]
    assert dec.stats.unresolved == 3


def test_comm_b_fields_agree_with_pymodes(
    flight: tuple[pa.Table, ReadContext], flight_lines: list
) -> None:
    """Where rs1090 (ours) and pyModeS infer the same Comm-B register, values agree."""
    table, _ = flight
    rows = [r for r in table.to_pylist() if r["df"] in (20, 21)][::5]
    # (ours, pyModeS, tolerance). Selected altitude is sent in 16 ft steps:
    # rs1090 rounds 17,008 ft to 17,000, pyModeS keeps it.
    fields = {
        "6,0": (("ias_kt", "indicated_airspeed", 0), ("mach", "mach", 0.001)),
        "5,0": (
            ("roll_deg", "roll", 0.01),
            ("tas_kt", "true_airspeed", 0),
            ("gs_kt", "groundspeed", 0),
        ),
        "4,0": (("nav_altitude_ft", "selected_altitude_mcp", 16),),
    }
    compared = agreed = 0
    for row in rows:
        d = pms.decode(flight_lines[row["_record"] - 1]["frame"])
        ours = "6,0" if row["mach"] is not None else "5,0" if row["roll_deg"] is not None else None
        ours = ours or ("4,0" if row["nav_altitude_ft"] is not None else None)
        if ours is None or d.get("bds") != ours:
            continue
        compared += 1
        agreed += all(
            d.get(theirs) is not None and abs(row[mine] - d[theirs]) <= tol + 1e-6
            for mine, theirs, tol in fields[ours]
        )
    assert compared > 1000
    assert agreed == compared


def test_bds60_vertical_rate_agrees_with_pymodes(
    flight: tuple[pa.Table, ReadContext], flight_lines: list
) -> None:
    """Every BDS 6,0 reply both decoders see: the barometric rate (else the
    inertial one) equals pyModeS's, -32 ft/min included (rs1090 0.7 says 0)."""
    table, _ = flight
    rows = [r for r in table.to_pylist() if r["df"] in (20, 21) and r["mach"] is not None]
    compared = descending_32 = 0
    for row in rows:
        d = pms.decode(flight_lines[row["_record"] - 1]["frame"])
        if d.get("bds") != "6,0":
            continue
        theirs = d.get("baro_vertical_rate")
        theirs = theirs if theirs is not None else d.get("inertial_vertical_rate")
        assert row["vrate_fpm"] == theirs, row["_record"]
        compared += 1
        descending_32 += theirs == -32
    assert compared > 1000 and descending_32 > 100


def test_files_grouped_by_aircraft(flight_lines: list) -> None:
    """Another aircraft's block, a day later in time, before the flight's block:
    the flight's holds follow its own clock, so its taxi is still positioned."""
    later = round(flight_lines[-1]["timestamp"] * 1e9) + 86_400 * S
    other = [(later + k * S, with_parity("8dabcdef9914a182408c8a")) for k in range(50)]
    items = other + [(round(d["timestamp"] * 1e6) * 1000, d["frame"]) for d in flight_lines]
    table, _ = decode(items, chunk=997)
    flight = table.filter(pa.compute.equal(table["icao24"], "393322"))
    surface = [
        r for r in flight.to_pylist() if r["df"] == 17 and r["on_ground"] and r["gs_kt"] is not None
    ]
    assert len(surface) == 1867
    assert all(r["lat"] is not None for r in surface)
