"""GNSS quality state per aircraft: GPSJam's NACp counter, NIC, position loss."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.errors import UsageError
from skywitness.gnss.jamming import DETECTORS, QualityDetector, detector, gnss_state
from skywitness.gnss.jamming.state import (
    COUNTER_BAD_AT,
    NacpCounter,
    PositionLoss,
    clamped_walk,
    prepare,
    state_summary,
)
from skywitness.io import read_table

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
TRACE = "readsb/trace_full_ac671b.json"
RAW = "rs1090/full_flight_short.jsonl"

COLUMNS: dict[str, pa.DataType] = {
    "time": pa.timestamp("ns", tz="UTC"),
    "icao24": pa.string(),
    "lat": pa.float64(),
    "lon": pa.float64(),
    "alt_baro_ft": pa.float32(),
    "gs_kt": pa.float32(),
    "nic": pa.int8(),
    "nac_p": pa.int8(),
    "on_ground": pa.bool_(),
    "source": pa.string(),
    "record_id": pa.int64(),
}


def reports(rows: list[dict[str, Any]]) -> pa.Table:
    """A report table from dicts; ``t`` is seconds after T0; defaults: airborne ADS-B."""
    data: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for i, row in enumerate(rows):
        data["time"].append(int((T0 + row["t"]) * 1e9))
        data["icao24"].append(row.get("icao24", "abc123"))
        data["lat"].append(row.get("lat"))
        data["lon"].append(row.get("lon"))
        data["alt_baro_ft"].append(row.get("alt", 35000.0))
        data["gs_kt"].append(row.get("gs"))
        data["nic"].append(row.get("nic"))
        data["nac_p"].append(row.get("nac_p"))
        data["on_ground"].append(row.get("on_ground", False))
        data["source"].append(row.get("source", "adsb"))
        data["record_id"].append(row.get("record_id", i))
    arrays = [pa.array(data[n], type=t) for n, t in COLUMNS.items()]
    return pa.Table.from_arrays(arrays, names=list(COLUMNS))


def nacp_sequence(
    values: Sequence[int | None], icao24: str = "abc123", dt: float = 1.0
) -> pa.Table:
    """One aircraft sending a position with each NACp (None: no NACp) every dt seconds."""
    return reports(
        [
            {"t": i * dt, "icao24": icao24, "lat": 50.0, "lon": 10.0 + i * 1e-3, "nac_p": v}
            for i, v in enumerate(values)
        ]
    )


def states(table: pa.Table, column: str = "state_nacp", **kw: Any) -> list[int]:
    return [int(v) for v in gnss_state(table, **kw)[column].to_pylist()]


def reference_counter(values: Sequence[int | None], rise_max: int, fall_min: int) -> list[int]:
    """GPSJam's counter written as the obvious loop: the oracle for the kernel."""
    counter, bad, known, out = 0, False, False, []
    for v in values:
        if v is not None:
            known = True
            if v <= rise_max:
                counter = min(counter + 1, COUNTER_BAD_AT)
            elif v >= fall_min:
                counter = max(counter - 1, 0)
            if counter >= COUNTER_BAD_AT:
                bad = True
            elif counter <= 0:
                bad = False
        out.append((1 if bad else 0) if known else -1)
    return out


# -- GPSJam's NACp counter ---------------------------------------------------------


def test_one_bad_message_is_not_bad() -> None:
    assert states(nacp_sequence([9] * 20 + [0] + [9] * 20)) == [0] * 41


def test_sustained_drop_goes_bad_at_the_18th_message() -> None:
    got = states(nacp_sequence([9] * 5 + [0] * 30), backdate=False)
    assert got == [0] * 5 + [0] * 17 + [1] * 13
    assert COUNTER_BAD_AT == 18
    # Analysing a record, the bad stretch is dated back to its first bad message.
    assert states(nacp_sequence([9] * 5 + [0] * 30)) == [0] * 5 + [1] * 30


def test_recovery_needs_the_counter_back_at_zero() -> None:
    got = states(nacp_sequence([0] * 25 + [10] * 20), backdate=False)
    # Counter clamped at 18 after 25 bad messages; 17 good ones leave it at 1.
    assert got == [0] * 17 + [1] * 8 + [1] * 17 + [0] * 3
    # Back-dated: bad from the first bad message, good from the first good one.
    assert states(nacp_sequence([0] * 25 + [10] * 20)) == [1] * 25 + [0] * 20


def test_counter_is_clamped_at_zero() -> None:
    # A long good history does not delay going bad.
    got = states(nacp_sequence([10] * 500 + [1] * 18), backdate=False)
    assert got[-1] == 1 and got[-2] == 0


@pytest.mark.parametrize(
    ("value", "effect"), [(0, 1), (1, 1), (2, 1), (3, 0), (4, -1), (7, -1), (11, -1)]
)
def test_gpsjam_counter_steps_as_published(value: int, effect: int) -> None:
    # 17 bad messages bring the counter to 17; the probe message decides.
    got = states(nacp_sequence([0] * 17 + [value] + [0]), backdate=False)
    # +1 -> bad at the probe; 0 -> bad at the next message; -1 -> still good after it.
    expected = {1: [1, 1], 0: [0, 1], -1: [0, 0]}[effect]
    assert got[-2:] == expected


def test_hysteresis_band_does_not_flicker() -> None:
    # Alternating bad/good around the threshold keeps the bad state once reached.
    got = states(nacp_sequence([0] * 18 + [9, 0] * 20))
    assert got[17:] == [1] * (len(got) - 17)


def test_unknown_until_the_first_quality_message() -> None:
    got = states(nacp_sequence([None, None, 9, None, 9]))
    assert got == [-1, -1, 0, 0, 0]


def test_silence_forgets_the_counter() -> None:
    rows = [{"t": float(i), "lat": 50.0, "lon": 10.0, "nac_p": 0} for i in range(17)]
    rows += [{"t": 1000.0 + i, "lat": 50.0, "lon": 10.0, "nac_p": 0} for i in range(17)]
    got = states(reports(rows))
    assert got == [0] * 34  # 17 + 17 bad messages, but 983 s apart: never 18 in a row


def test_tunable_sensitivity() -> None:
    table = nacp_sequence([0] * 6)
    got = states(table, detectors={"nacp": NacpCounter(bad_at=5, backdate=False)})
    assert got == [0, 0, 0, 0, 1, 1]


def test_only_the_aircrafts_own_adsb_counts() -> None:
    # MLAT rows carry no self-reported quality: an MLAT-only target is unknown.
    rows = [
        {"t": float(i), "lat": 50.0, "lon": 10.0, "nac_p": 0, "source": "mlat"} for i in range(30)
    ]
    out = gnss_state(reports(rows))
    assert set(out["state_nacp"].to_pylist()) == {-1}
    assert set(out["state"].to_pylist()) == {-1}


# -- NIC -----------------------------------------------------------------------


def test_nic_mode_uses_the_community_threshold() -> None:
    bad = [{"t": float(i), "lat": 50.0, "lon": 10.0, "nic": 5} for i in range(20)]
    good = [{"t": float(i), "lat": 50.0, "lon": 10.0, "nic": 6} for i in range(20)]
    assert states(reports(bad), "state_nic", backdate=False) == [0] * 17 + [1] * 3
    assert states(reports(good), "state_nic") == [0] * 20
    assert states(reports(bad), "state", mode="nic", backdate=False) == [0] * 17 + [1] * 3
    assert states(reports(bad), "state", mode="nic") == [1] * 20
    # The NACp mode knows nothing of NIC: unknown.
    assert states(reports(bad), "state", mode="nacp") == [-1] * 20


def test_one_low_nic_is_not_bad() -> None:
    values = [8] * 10 + [0] + [8] * 10
    rows = [{"t": float(i), "lat": 50.0, "lon": 10.0, "nic": v} for i, v in enumerate(values)]
    assert states(reports(rows), "state_nic") == [0] * 21


# -- position loss -------------------------------------------------------------------


def _flight(
    start: float, end: float, step: float, *, position: bool, icao24: str = "abc123", **kw: Any
) -> list[dict[str, Any]]:
    out = []
    t = start
    while t < end:
        row: dict[str, Any] = {"t": t, "icao24": icao24, "nac_p": 9, **kw}
        if position:
            row.update(lat=50.0 + t * 1e-4, lon=10.0)
        else:
            row.update(alt=35000.0, gs=450.0, nac_p=None)
        out.append(row)
        t += step
    return out


def test_position_loss_while_altitude_keeps_coming() -> None:
    rows = _flight(0, 60, 1.0, position=True)
    rows += _flight(60, 180, 1.0, position=False)
    rows += _flight(180, 200, 1.0, position=True)
    for backdate, first_bad in ((False, 90.0), (True, 60.0)):
        out = gnss_state(reports(rows), backdate=backdate)
        loss = out["state_loss"].to_pylist()
        times = [(t.timestamp() - T0) for t in out["time"].to_pylist()]
        bad_times = [t for t, s in zip(times, loss, strict=True) if s == 1]
        # The last position is at t=59: a real-time monitor calls the loss more than
        # 30 s later; analysing the record, it began with the first report without one.
        assert min(bad_times) == pytest.approx(first_bad)
        assert max(bad_times) == pytest.approx(179.0)
        # Combined state: NACp good, but the loss makes the aircraft bad there.
        assert out["state"].to_pylist() == loss


def test_coverage_gap_is_not_a_loss() -> None:
    rows = _flight(0, 60, 1.0, position=True)
    rows += _flight(400, 460, 1.0, position=True)  # everything stopped for 340 s
    rows += _flight(460, 480, 1.0, position=False)  # then 20 s without position
    rows += _flight(600, 615, 1.0, position=False)  # silence again, 15 s without
    out = gnss_state(reports(rows))
    assert 1 not in out["state_loss"].to_pylist()


def test_fading_out_of_coverage_is_not_a_loss() -> None:
    # Positions and altitude at 2 Hz each; then only a few altitude replies
    # get through (one every 8 s) as the aircraft leaves coverage.
    rows = _flight(0, 120, 0.5, position=True) + _flight(0.25, 120, 0.5, position=False)
    rows += _flight(120, 240, 8.0, position=False)
    out = gnss_state(reports(sorted(rows, key=lambda r: r["t"])))
    assert 1 not in out["state_loss"].to_pylist()
    # The same stretch at the usual rate is a loss.
    rows = _flight(0, 120, 0.5, position=True) + _flight(0.25, 120, 0.5, position=False)
    rows += _flight(120, 240, 0.5, position=False)
    out = gnss_state(reports(rows))
    assert 1 in out["state_loss"].to_pylist()


def test_mlat_positions_do_not_hide_a_loss() -> None:
    # Jammed aircraft: its ADS-B positions stop, multilateration keeps placing it.
    rows = _flight(0, 60, 1.0, position=True)
    rows += _flight(60, 150, 1.0, position=True, source="mlat", alt=35000.0)
    out = gnss_state(reports(rows))
    assert out["state_loss"].to_pylist()[-1] == 1


def test_loss_is_unknown_without_own_positions() -> None:
    rows = _flight(0, 100, 1.0, position=False)  # Mode S only: never a position
    out = gnss_state(reports(rows))
    assert set(out["state_loss"].to_pylist()) == {-1}
    assert state_summary(out).aircraft_unknown_by_mode["loss"] == 1


def test_loss_makes_an_unknown_quality_aircraft_bad() -> None:
    # ADS-B v0 (no NACp) losing its position: unknown to nacp, bad by loss.
    rows = [dict(r, nac_p=None) for r in _flight(0, 60, 1.0, position=True)]
    rows += _flight(60, 120, 1.0, position=False)
    out = gnss_state(reports(rows))
    got = out["state"].to_pylist()
    assert set(got[:60]) == {-1} and got[-1] == 1
    assert states(reports(rows), "state", use_loss=False)[-1] == -1


# -- rows, positions, metadata -------------------------------------------------------


def test_on_ground_rows_are_excluded() -> None:
    rows: list[dict[str, Any]] = [
        {"t": 0.0, "lat": 50.0, "lon": 10.0, "nac_p": 9, "on_ground": True},
        {"t": 1.0, "lat": 50.0, "lon": 10.0, "nac_p": 9, "on_ground": None},
        {"t": 2.0, "lat": 50.0, "lon": 10.0, "nac_p": 9, "on_ground": False},
    ]
    table = reports(rows)
    out = gnss_state(table)
    assert out["record_id"].to_pylist() == [1, 2]
    assert table.num_rows - state_summary(out).rows == 1


def test_position_is_estimated_within_its_age_bound() -> None:
    rows: list[dict[str, Any]] = [{"t": 0.0, "lat": 50.0, "lon": 10.0, "nac_p": 9}]
    rows += [{"t": t, "nac_p": 9} for t in (60.0, 119.0, 121.0)]
    # Another aircraft with no position yet is never placed at this one's.
    rows += [{"t": 1.0, "icao24": "ffffff", "nac_p": 9}]
    out = gnss_state(reports(rows))
    assert out["lat"].to_pylist() == [50.0, 50.0, 50.0, None, None]
    assert out["position_estimated"].to_pylist() == [False, True, True, False, False]


def test_output_sorted_and_independent_of_input_order() -> None:
    a = _flight(0, 40, 1.0, position=True, icao24="aaaaaa")
    b = [dict(r, nac_p=0) for r in _flight(0, 40, 1.0, position=True, icao24="bbbbbb")]
    rows = [dict(r, record_id=i) for i, r in enumerate(a + b)]
    straight = gnss_state(reports(rows))
    shuffled = gnss_state(reports([rows[i] for i in np.random.default_rng(3).permutation(80)]))
    assert straight.equals(shuffled)
    assert straight["icao24"].to_pylist() == ["aaaaaa"] * 40 + ["bbbbbb"] * 40
    summary = state_summary(straight)
    assert (summary.aircraft, summary.aircraft_bad, summary.aircraft_unknown) == (2, 1, 0)
    assert straight.schema.metadata is None  # the counts are read from the columns


def test_detectors_by_name() -> None:
    assert set(DETECTORS) == {"nacp", "nic", "loss"}
    for name in DETECTORS:
        det = detector(name)
        assert isinstance(det, QualityDetector) and det.name == name
    assert detector("loss", after_s=10.0) == PositionLoss(after_s=10.0)
    with pytest.raises(UsageError):
        detector("nope")
    with pytest.raises(UsageError):
        detector("nacp", nonsense=1)
    with pytest.raises(UsageError):
        gnss_state(nacp_sequence([9]), mode="nope")
    with pytest.raises(UsageError):
        gnss_state(nacp_sequence([9]).drop_columns(["icao24"]))
    with pytest.raises(UsageError, match="no 'state' column"):
        state_summary(nacp_sequence([9]))


def test_empty_input() -> None:
    out = gnss_state(reports([]))
    assert out.num_rows == 0 and state_summary(out).aircraft == 0
    assert state_summary(out).aircraft_unknown_by_mode == {"nacp": 0, "nic": 0, "loss": 0}


# -- real recordings -----------------------------------------------------------------


def test_clean_readsb_trace_has_no_bad_aircraft(samples: Path) -> None:
    table = read_table(samples / TRACE)
    for mode in ("nacp", "nic"):
        out = gnss_state(table, mode=mode)
        summary = state_summary(out)
        assert summary.aircraft_bad == 0 and summary.aircraft_unknown == 0
        assert 1 not in out["state"].to_pylist()
        assert 0 in out[f"state_{mode}"].to_pylist()
    assert out.num_rows == 2106  # 394 ground rows left out


def test_raw_frames_v0_flight_is_unknown_for_nacp_and_never_lost(samples: Path) -> None:
    out = gnss_state(read_table(samples / RAW))
    assert state_summary(out).aircraft_unknown_by_mode["nacp"] == 1  # NUCp only: no NACp
    assert set(out["state_nacp"].to_pylist()) == {-1}
    assert 1 not in out["state_loss"].to_pylist()
    assert 0 in out["state_loss"].to_pylist()
    assert set(out["state_nic"].to_pylist()) == {0}  # NIC from NUCp: 7-8, good


# -- the kernel against its oracle, and invariants --------------------------------------


def _walk_reference(step: list[int], reset: list[bool], low: int, high: int) -> list[int]:
    out, c = [], low
    for s, r in zip(step, reset, strict=True):
        c = min(high, max(low, (low if r else c) + s))
        out.append(c)
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-1, 1), st.booleans()), min_size=1, max_size=300),
    st.integers(0, 3),
    st.integers(0, 20),
)
def test_clamped_walk_matches_the_loop(steps: list[tuple[int, bool]], low: int, extra: int) -> None:
    step = [s for s, _ in steps]
    reset = [r and (i % 7 == 0) for i, (_, r) in enumerate(steps)]
    got = clamped_walk(np.array(step, dtype=np.int8), np.array(reset), low, low + extra)
    assert got.tolist() == _walk_reference(step, reset, low, low + extra)


def test_clamped_walk_on_long_sequences() -> None:
    rng = np.random.default_rng(7)
    for n, p_zero in ((100_003, 0.2), (20_000, 0.0)):
        step = rng.integers(-1, 2, n).astype(np.int8)
        step[rng.random(n) < p_zero] = 0
        reset = rng.random(n) < 0.001
        got = clamped_walk(step, reset, 0, 18)
        assert got.tolist() == _walk_reference(step.tolist(), reset.tolist(), 0, 18)


nacp_values = st.one_of(st.none(), st.integers(0, 11))


@settings(max_examples=100, deadline=None)
@given(st.lists(nacp_values, min_size=1, max_size=120))
def test_state_is_the_published_counter(values: list[int | None]) -> None:
    assert states(nacp_sequence(values)) == reference_counter(values, 2, 4)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(4, 11)), min_size=1, max_size=120), st.randoms())
def test_all_good_input_is_never_bad(values: list[int | None], rnd: Any) -> None:
    table = nacp_sequence(values)
    order = list(range(table.num_rows))
    rnd.shuffle(order)
    assert 1 not in states(table.take(order))


@settings(max_examples=60, deadline=None)
@given(st.lists(nacp_values, min_size=1, max_size=60), st.lists(nacp_values, max_size=60))
def test_aircraft_do_not_influence_each_other(
    first: list[int | None], second: list[int | None]
) -> None:
    a = nacp_sequence(first, "aaaaaa")
    b = nacp_sequence(second, "bbbbbb", dt=0.7)
    both = gnss_state(pa.concat_tables([b, a]))
    alone = states(a)
    assert [int(v) for v in both["state_nacp"].to_pylist()[: len(first)]] == alone


def test_prepare_marks_aircraft_and_segments() -> None:
    rows = [{"t": 0.0, "icao24": "bbbbbb"}, {"t": 0.0, "icao24": "aaaaaa"}]
    rows += [{"t": 500.0, "icao24": "aaaaaa"}, {"t": 501.0, "icao24": "aaaaaa"}]
    table, batch = prepare(reports(rows))
    assert table["icao24"].to_pylist() == ["aaaaaa"] * 3 + ["bbbbbb"]
    assert batch.aircraft_start.tolist() == [True, False, False, True]
    assert batch.segment_start.tolist() == [True, True, False, True]
