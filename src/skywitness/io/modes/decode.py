"""Raw Mode S frames to canonical reports: the core of the Beast, AVR and JSONL readers.

Readers hand over (time in ns, hex frame, record number) one by one; frames
are decoded in chunks of :data:`DECODE_CHUNK` with one ``rs1090.decode`` call
(its batch path; a malformed frame must never reach it, see
:mod:`~skywitness.io.modes.frames`, and a panic anyway is caught and the
chunk decoded frame by frame so only the bad frame is lost). Each decodable
frame gives one row with ``df``, ``icao24``, ``time``, ``source`` and the
fields it carries (:mod:`~skywitness.io.modes.fields`). Replies whose address
is recovered from the parity (DF0/4/5/16/20/21) are kept only when that
address came in a parity-checked DF11/17/18 frame shortly before
(:data:`ADDRESS_CONFIRM_S`, readsb's rule); otherwise one flipped bit would
make up an aircraft. Those dropped are skipped records, with the reason.

Positions are paired and resolved here rather than by rs1090's batch mode:
rs1090 0.7 restarts its CPR state on every call (streaming loses pairs at
chunk edges), combines even/odd frames without checking that they lie in the
same longitude-zone band, and decodes surface frames against the last
low-altitude position of *any* aircraft, of any age. See
:mod:`~skywitness.io.modes.track` for the rules used instead.

Rows of an aircraft with position frames waiting for a later reference are
held back (in order) until they are resolved, up to :data:`MAX_HELD_ROWS` in
all; batches are therefore in time order per aircraft, not across aircraft.

Times come from the readers: JSON lines carry unix seconds; Beast and
``@``/``<`` AVR lines carry a relative 12 MHz receiver counter placed at the
given start time or the file's modification time, or, from GPS-synchronised
receivers (Radarcape), the GPS time of day placed on the given date
(:mod:`~skywitness.io.modes.clock`); plain ``*`` AVR lines carry no time and
are decoded with distance-only checks (:mod:`~skywitness.io.modes.avr`). Every row
keeps the time of its own frame; none is interpolated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from skywitness.io.base import BatchBuilder, ReadContext, num
from skywitness.io.modes.fields import (
    CAPABILITY_GROUND,
    DF18_NON_ICAO,
    DF18_SOURCES,
    DF18_STANDARD_ME,
    FLIGHT_STATUS_GROUND,
    IMF_CFS,
    Aircraft,
    comm_b,
    extended_squitter,
    geometric_altitude,
    non_icao_imf,
)
from skywitness.io.modes.frames import check_frames, decode_guarded
from skywitness.io.modes.track import NS, POSITION_MAX_SPEED_KT, PositionStats

#: Frames per rs1090 call: large enough to amortise the call (~1 ms), small
#: enough to keep a chunk's decoded dicts to a few tens of MB.
DECODE_CHUNK = 16_384
#: Rows held back while waiting for a position reference, over all aircraft.
#: About 1 kB each: bounds that memory near 100 MB. Beyond it the aircraft
#: holding most rows is released with its pending positions left empty.
MAX_HELD_ROWS = 100_000
#: Per-aircraft state (identity, quality, CPR) is forgotten after this long
#: without a frame, so that noise addresses cannot grow memory without bound.
#: A parked aircraft squitters at least every 5 s; half an hour of silence
#: ends a visit.
AIRCRAFT_TTL_S = 1800.0
#: Replies whose address is overlaid on the parity: any bit error gives
#: another, equally valid-looking address (ICAO Annex 10 Vol IV 3.1.2.3.2.1.3).
PARITY_ADDRESS_DFS = frozenset({0, 4, 5, 16, 20, 21})
#: Such a reply is kept only if its address came in a DF11/17/18 frame (whose
#: parity is checked) at most this long before. readsb (icao_filter.c,
#: mode_s.c) accepts an address/parity reply only if the address is in its
#: ICAO filter, which DF17 and DF11 frames fill and which forgets an address
#: 60 to 120 s after it was last added (MODES_ICAO_FILTER_TTL = 60000 ms,
#: readsb.h; two tables swapped every TTL); dump1090's icao_filter.c has the
#: same rule and TTL. The guaranteed 60 s is used. Unlike readsb, DF11 replies with a nonzero
#: interrogator code and DF18 frames with an ICAO address also count: both
#: pass a parity check here and already make rows of that address.
ADDRESS_CONFIRM_S = 60.0


class ModeSDecoder:
    """Decodes the frames of one file, keeping per-aircraft state across chunks."""

    def __init__(self, ctx: ReadContext, fmt: str, chunk: int = DECODE_CHUNK) -> None:
        self._ctx = ctx
        self._out = BatchBuilder(ctx, fmt)
        self._chunk = max(1, chunk)
        self._times: list[int] = []
        self._frames: list[str] = []
        self._records: list[int] = []
        self._mlat: set[int] = set()
        self._untimed: set[int] = set()
        self._aircraft: dict[str, Aircraft] = {}
        self._holding: dict[str, Aircraft] = {}
        self._held_rows = 0
        self._ready: list[pa.RecordBatch] = []
        self._now_ns = 0
        self._swept_ns = 0
        self._chunk_no = 0  # aircraft seen in the current chunk carry this number
        self.stats = PositionStats()

    @property
    def full(self) -> bool:
        return len(self._frames) >= self._chunk

    def add(
        self, time_ns: int, frame: str, record: int, mlat: bool = False, timed: bool = True
    ) -> None:
        """Queue one frame; call :meth:`decode` when :attr:`full`.

        ``mlat``: the frame was synthesised from multilateration. ``timed``:
        False when the frame's real time is unknown (``time_ns`` is a stand-in);
        time-based position checks are then replaced by distance-only ones.
        """
        if mlat:
            self._mlat.add(len(self._frames))
        if not timed:
            self._untimed.add(len(self._frames))
        self._times.append(time_ns)
        self._frames.append(frame)
        self._records.append(record)

    def decode(self) -> Iterator[pa.RecordBatch]:
        """Decode the queued frames; yield the batches that are complete."""
        self._process()
        yield from self._take()

    def finish(self) -> Iterator[pa.RecordBatch]:
        """Decode what is left, release every held row, flush, report."""
        self._process()
        for key in list(self._holding):
            ac = self._holding[key]
            ac.track.give_up(self.stats)
            self._release(key, ac)
        yield from self._take()
        if (batch := self._out.flush()) is not None:
            yield batch
        self._report()

    def _take(self) -> Iterator[pa.RecordBatch]:
        ready, self._ready = self._ready, []
        yield from ready

    def _process(self) -> None:
        if not self._frames:
            return
        times, frames, records = self._times, self._frames, self._records
        mlat, untimed = self._mlat, self._untimed
        self._times, self._frames, self._records = [], [], []
        self._mlat, self._untimed = set(), set()
        ctx = self._ctx
        checked = check_frames(frames)
        for i, reason in checked.rejected:
            ctx.skip(records[i], reason)
        results, panics = decode_guarded(checked.frames)
        for k, msg in enumerate(results):
            i = checked.index[k]
            if msg is None:
                reason = f"rs1090 panicked: {panics[k]}" if k in panics else "rs1090 cannot decode"
                ctx.skip(records[i], reason)
                continue
            timed = i not in untimed
            self._message(
                msg, checked.dfs[k], checked.frames[k], times[i], records[i], i in mlat, timed
            )
        self._now_ns = max(self._now_ns, max(times))
        self._sweep()
        self._chunk_no += 1

    def _message(
        self, msg: Any, df: int, frame: str, t_ns: int, record: int, mlat: bool, timed: bool
    ) -> None:
        icao = msg.get("icao24") if isinstance(msg, dict) else None
        if not isinstance(icao, str):
            self._ctx.skip(record, "rs1090 gave no address for the frame")
            return
        b0 = int(frame[:2], 16)
        key, source = icao.lower(), "other"
        standard_me = df == 17
        if df == 17:
            source = "adsb"
        elif df == 18:
            cf = b0 & 7
            source = DF18_SOURCES.get(cf, "other")
            standard_me = cf in DF18_STANDARD_ME
            if cf in DF18_NON_ICAO or (cf in IMF_CFS and non_icao_imf(frame, msg.get("bds"))):
                key = "~" + key
        if mlat:
            source = "mlat"
        ac = self._aircraft.get(key)
        if df in PARITY_ADDRESS_DFS:
            confirmed = ac.confirmed_ns if ac is not None else None
            if confirmed is None or abs(t_ns - confirmed) > ADDRESS_CONFIRM_S * NS:
                self._ctx.skip(
                    record,
                    f"DF{df} reply: address {key} (recovered from the parity) not seen in a "
                    f"DF11/17/18 frame in the previous {ADDRESS_CONFIRM_S:.0f} s",
                )
                return
        if ac is None:
            ac = self._aircraft[key] = Aircraft()
        if df in (11, 17) or (df == 18 and not key.startswith("~")):
            ac.confirmed_ns = t_ns
        ac.seen_ns, ac.seen_chunk = t_ns, self._chunk_no
        row: dict[str, Any] = {"time": t_ns, "icao24": key, "df": df, "source": source}
        pending = None
        if df == 17 or df == 11:
            row["on_ground"] = CAPABILITY_GROUND.get(b0 & 7)
        if standard_me:
            # NIC supplement B: DF17 and DF18 CF 0/1 only (TIS-B/ADS-R reuse the bit as IMF).
            pending = extended_squitter(row, msg, frame, ac, t_ns, df == 17 or b0 & 7 < 2)
        elif df in (0, 16):
            row["alt_baro_ft"] = num(msg.get("altitude"))
            row["on_ground"] = bool(b0 & 4)  # vertical status, bit 6
        elif df in (4, 20):
            row["alt_baro_ft"] = num(msg.get("altitude"))
            row["on_ground"] = FLIGHT_STATUS_GROUND.get(b0 & 7)
        elif df in (5, 21):
            ac.squawk(msg.get("squawk"))
            row["on_ground"] = FLIGHT_STATUS_GROUND.get(b0 & 7)
        if df >= 20:
            comm_b(row, msg, frame, ac)
        if "alt_baro_ft" in row:
            geometric_altitude(row, ac, t_ns)
        row.update(ac.sticky)
        if pending is not None:
            frame_cpr = pending if timed else pending._replace(timed=False)
            ac.track.locate(frame_cpr, self.stats, self._ctx.reference)
        if ac.held or ac.track.pending:
            if not ac.held:
                self._holding[key] = ac
            ac.held.append((record, row))
            self._held_rows += 1
            if not ac.track.pending:
                self._release(key, ac)
        elif (batch := self._out.add(record, row)) is not None:
            self._ready.append(batch)

    def _release(self, key: str, ac: Aircraft) -> None:
        """Emit the held rows of one aircraft, in order."""
        for record, row in ac.held:
            if (batch := self._out.add(record, row)) is not None:
                self._ready.append(batch)
        self._held_rows -= len(ac.held)
        ac.held = []
        self._holding.pop(key, None)

    def _clock(self, ac: Aircraft) -> int:
        """Time an aircraft has reached: its own latest frame while it is active
        (files grouped by aircraft are not in global time order), else the stream's."""
        return ac.seen_ns if ac.seen_chunk == self._chunk_no else self._now_ns

    def _sweep(self) -> None:
        """Release holds no future frame can resolve; bound held rows and state."""
        now = self._now_ns
        for key in [k for k, ac in self._holding.items() if ac.track.expired(self._clock(ac))]:
            ac = self._holding[key]
            ac.track.give_up(self.stats)
            self._release(key, ac)
        while self._held_rows > MAX_HELD_ROWS and self._holding:
            key = max(self._holding, key=lambda k: len(self._holding[k].held))
            ac = self._holding[key]
            ac.track.give_up(self.stats)
            self._release(key, ac)
        if now - self._swept_ns > AIRCRAFT_TTL_S * NS / 10:
            ttl = int(AIRCRAFT_TTL_S * NS)
            stale = [k for k, ac in self._aircraft.items() if self._clock(ac) - ac.seen_ns > ttl]
            for key in stale:
                if key not in self._holding:
                    del self._aircraft[key]
            self._swept_ns = now

    def _report(self) -> None:
        """One note per file on positions that could not be used (rows kept)."""
        s = self.stats
        if s.rejected:
            self._ctx.note(
                None,
                f"{s.rejected} decoded positions implied impossible jumps "
                f"(> {POSITION_MAX_SPEED_KT:.0f} kt) "
                "and were left out; their rows are kept without position",
            )
        if s.unresolved:
            self._ctx.note(
                None,
                f"{s.unresolved} position frames had no usable reference (no even/odd "
                "pair, no recent own position; surface pairs also need an older own "
                "position or the receiver location): rows without position",
            )
