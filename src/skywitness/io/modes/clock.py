"""Receiver clocks of Beast and AVR captures: 48-bit timestamps of two kinds.

Most receivers (dump1090, readsb, Mode-S Beast) stamp frames with a free
running 12 MHz counter (:class:`Clock12MHz`). It has no date. Absolute time is
``start + (counter - first counter) / 12 MHz`` where ``start`` is
:attr:`ReadContext.start_time_ns` or, when not given, the file's modification
time; a note then names the file and the time assumed (a capture file is
usually last written when the capture ends, so those times are late by up to
the capture's length; pass the start time for real times).

GPS-synchronised receivers (Radarcape and compatibles in GPS mode) stamp
frames with the UTC time of day instead: the top 18 bits are seconds since
midnight, the low 30 bits nanoseconds (mlat-client ``modes_reader.c``, which
also reads the mode from the receiver's status frames: DIP-switch byte bit
0x10 set = GPS timestamps; GPS status byte bit 0x80 clear = old firmware whose
seconds run one ahead of UTC). Read as a 12 MHz counter, each real second
would advance 2**30 ticks, 89 s: a ten-minute capture would spread over
fifteen hours and no even/odd position pair would ever form.
:func:`gps_timestamps` recognises the layout (from status frames, else from
the timestamps themselves) and :class:`GpsClock` reads it. The time of day
needs a date: it comes from the given start time (see :class:`GpsClock`);
without one the file is refused with a message saying so.

Two special counter values carry no time and get the previous frame's time:
0 (dump1090 without timestamps) and ``FF 00 4D 4C 41 54`` ("MLAT"), which
mlat-client puts on the frames it synthesises from multilateration results.
A 12 MHz counter that goes backwards by more than
:data:`BACKWARDS_TOLERANCE_S` is either a wrap past 2**48 (when the previous
value was close to it) or a receiver restart: the timeline then continues
from the previous frame's time and a note records it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

from skywitness.io.base import ReadContext
from skywitness.model.timefmt import iso_utc

#: Ticks per second of the Beast / AVR-MLAT counter (Mode-S Beast documentation).
CLOCK_HZ = 12_000_000
COUNTER_BITS = 48
COUNTER_MODULUS = 1 << COUNTER_BITS
#: Counter value mlat-client stamps on synthetic (multilaterated) frames: "MLAT".
MLAT_MAGIC = 0xFF004D4C4154
#: Frames from one receiver arrive in order; demodulator threads and merged
#: outputs reorder them by milliseconds. A step back longer than this is not
#: reordering but a wrap or a restart.
BACKWARDS_TOLERANCE_S = 1.0
#: A step back is a wrap when the previous counter was within this many seconds
#: of 2**48 (the counter wraps every 271 days).
WRAP_WINDOW_S = 3600.0

NS = 1_000_000_000
DAY_NS = 86_400 * NS
#: GPS timestamps: seconds of day above bit 30, nanoseconds below (mlat-client).
GPS_NANOS_BITS = 30
GPS_NANOS_MASK = (1 << GPS_NANOS_BITS) - 1
#: Radarcape status frame: DIP-switch byte 0 bit 0x10 = GPS timestamps; GPS
#: status byte 2 bit 0x80 = seconds already UTC (mlat-client modes_reader.c).
STATUS_GPS_TIMESTAMPS = 0x10
STATUS_UTC_FIXED = 0x80
#: Without a status frame, timestamps are taken as GPS time of day when the
#: seconds field steps up by one this many times and (nearly) every value has
#: nanoseconds below 10**9 and seconds below 86,400. A 12 MHz counter steps its
#: top 18 bits once per 89 s and spends the last 6 s before each step (7 % of
#: its values) with the low 30 bits above 10**9: ten steps take a quarter of an
#: hour, with ten silent 6-s gaps at exactly the wrong moments needed to pass
#: (modelling choice: no real capture does).
GPS_MIN_SECOND_STEPS = 10
#: Share of out-of-range values tolerated in a GPS capture (a corrupted
#: timestamp must not turn the file into 12 MHz ticks); far below the 7 % of
#: a 12 MHz counter (modelling choice).
GPS_MAX_BAD_SHARE = 0.01
#: A time of day this far below the previous one has passed midnight; this far
#: above it, the frame is a late one from before midnight.
GPS_ROLLOVER_NS = DAY_NS // 2


class Clock(Protocol):
    """Turns a frame's 48-bit timestamp into UTC nanoseconds for one file."""

    last_ns: int | None

    def start_ns(self) -> int:
        """The time given to frames before the first timed one."""
        ...

    def time_ns(self, counter: int, record: int) -> tuple[int, bool]:
        """(UTC ns, is_mlat) for one frame's timestamp."""
        ...


def gps_timestamps(counters: Sequence[int], status: bytes | None = None) -> bool:
    """Do these timestamps (file order; 0 and MLAT included) read as GPS time of day?

    ``status``: the payload of a receiver status frame, which says so outright.
    """
    if status:
        return bool(status[0] & STATUS_GPS_TIMESTAMPS)
    steps = bad = timed = 0
    previous = None
    for c in counters:
        if c in (0, MLAT_MAGIC):
            continue
        timed += 1
        seconds, nanos = c >> GPS_NANOS_BITS, c & GPS_NANOS_MASK
        if nanos >= NS or seconds >= DAY_NS // NS:
            bad += 1
            continue
        if previous is not None and seconds == previous + 1:
            steps += 1
        previous = seconds
    return steps >= GPS_MIN_SECOND_STEPS and bad <= GPS_MAX_BAD_SHARE * timed


def make_clock(ctx: ReadContext, counters: Sequence[int], status: bytes | None = None) -> Clock:
    """The clock for a file whose first timestamps are ``counters`` (see
    :func:`gps_timestamps`)."""
    if gps_timestamps(counters, status):
        utc_ahead = status is not None and len(status) > 2 and not status[2] & STATUS_UTC_FIXED
        return GpsClock(ctx, counters, utc_ahead)
    return Clock12MHz(ctx)


class Clock12MHz:
    """Turns 12 MHz counter values into UTC nanoseconds for one file."""

    def __init__(self, ctx: ReadContext) -> None:
        self._ctx = ctx
        self._start_ns: int | None = ctx.start_time_ns
        self._first: int | None = None
        self._offset = 0  # ticks added to counters after wraps / restarts
        self._last_ticks: int | None = None  # unwrapped ticks of the previous frame
        self._last_counter = 0
        self.last_ns: int | None = None
        self._noted_zero = False

    def start_ns(self) -> int:
        """The file's start time: given, or the file's modification time."""
        if self._start_ns is None:
            try:
                self._start_ns = os.stat(self._ctx.path).st_mtime_ns
            except OSError:
                raise self._ctx.fail("cannot read the file's modification time") from None
            self._ctx.note(
                None,
                "no --start-time given: the receiver's 12 MHz clock has no date, so the "
                "first frame is placed at the file's modification time, "
                f"{iso_utc(self._start_ns)} (usually the end of the capture: times are "
                "late by up to its length); pass --start-time (start_time= in the Python "
                "API) for real times",
            )
        return self._start_ns

    def time_ns(self, counter: int, record: int) -> tuple[int, bool]:
        """(UTC ns, is_mlat) for one frame's counter value."""
        if counter == MLAT_MAGIC:
            return self._untimed(), True
        if counter == 0:
            if not self._noted_zero:
                self._noted_zero = True
                self._ctx.note(
                    record, "frames without timestamp (counter 0) get the previous frame's time"
                )
            return self._untimed(), False
        if self._first is None:
            self._first = counter
        ticks = counter + self._offset
        last = self._last_ticks
        if last is not None and ticks < last - BACKWARDS_TOLERANCE_S * CLOCK_HZ:
            if self._last_counter > COUNTER_MODULUS - WRAP_WINDOW_S * CLOCK_HZ:
                self._offset += COUNTER_MODULUS
            else:
                self._offset += last - ticks
                self._ctx.note(
                    record,
                    "receiver clock went back (restart?): the timeline continues from "
                    "the previous frame's time",
                )
            ticks = counter + self._offset
        if last is None or ticks > last:
            self._last_ticks = ticks
        self._last_counter = counter
        # Rounded to the microsecond like every other reader's times (1 tick = 83 ns).
        t_ns = self.start_ns() + (ticks - self._first) * 1_000_000 // CLOCK_HZ * 1000
        self.last_ns = t_ns
        return t_ns, False

    def _untimed(self) -> int:
        return self.last_ns if self.last_ns is not None else self.start_ns()


class GpsClock:
    """Turns GPS time-of-day timestamps into UTC nanoseconds on the given date.

    The date comes from :attr:`ReadContext.start_time_ns`. A start at
    midnight UTC is taken as a bare date: the first timed frame is on that day.
    Any other start time is the capture's start, perhaps rounded: the first
    frame is placed at the occurrence of its time of day nearest to it. Later
    frames follow, passing midnight when the time of day goes back by more
    than half a day.
    """

    def __init__(self, ctx: ReadContext, counters: Sequence[int], utc_ahead: bool = False) -> None:
        self._ctx = ctx
        #: Old Radarcape firmware: seconds one ahead of UTC (mlat-client).
        self._shift_ns = -NS if utc_ahead else 0
        if ctx.start_time_ns is None:
            raise ctx.fail(
                "the timestamps are GPS time of day (Radarcape GPS mode), which has no "
                "date: pass --start-time (start_time= in the Python API) with the "
                "capture's UTC date or start"
            )
        start = ctx.start_time_ns
        first = next((c for c in counters if c not in (0, MLAT_MAGIC)), None)
        tod = self._tod(first) if first is not None else 0
        day = start - start % DAY_NS
        if start != day:  # a time, not a date: the nearest occurrence
            day = min((day - DAY_NS, day, day + DAY_NS), key=lambda d: abs(d + tod - start))
        self._day_ns = day
        self._first_ns = day + tod
        self.last_ns: int | None = None
        self._noted_zero = False

    def _tod(self, counter: int) -> int:
        seconds, nanos = counter >> GPS_NANOS_BITS, counter & GPS_NANOS_MASK
        return seconds * NS + nanos + self._shift_ns

    def start_ns(self) -> int:
        return self._first_ns

    def time_ns(self, counter: int, record: int) -> tuple[int, bool]:
        """(UTC ns, is_mlat) for one frame's timestamp."""
        if counter in (0, MLAT_MAGIC):
            if counter == 0 and not self._noted_zero:
                self._noted_zero = True
                self._ctx.note(
                    record, "frames without timestamp (counter 0) get the previous frame's time"
                )
            return (self.last_ns if self.last_ns is not None else self._first_ns), counter != 0
        t_ns = self._day_ns + self._tod(counter)
        last = self.last_ns
        if last is not None and t_ns < last - GPS_ROLLOVER_NS:
            self._day_ns += DAY_NS  # past midnight
            t_ns += DAY_NS
        elif last is not None and t_ns > last + GPS_ROLLOVER_NS:
            t_ns -= DAY_NS  # a late frame from before midnight
        t_ns = t_ns // 1000 * 1000  # microseconds, like every other reader's times
        if last is None or t_ns > last:
            self.last_ns = t_ns
        return t_ns, False
