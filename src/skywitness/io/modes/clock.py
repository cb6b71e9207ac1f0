"""Receiver clocks of Beast and AVR captures: a 48-bit counter at 12 MHz.

The counter has no date. Absolute time is ``start + (counter - first
counter) / 12 MHz`` where ``start`` is :attr:`ReadContext.start_time_ns` or,
when not given, the file's modification time (a note says so: a capture file
is usually last written when the capture ends, so those times are late by up
to the capture's length; pass the start time for real times).

Two special counter values carry no time and get the previous frame's time:
0 (dump1090 without timestamps) and ``FF 00 4D 4C 41 54`` ("MLAT"), which
mlat-client puts on the frames it synthesises from multilateration results.
A counter that goes backwards by more than :data:`BACKWARDS_TOLERANCE_S` is
either a wrap past 2**48 (when the previous value was close to it) or a
receiver restart: the timeline then continues from the previous frame's
time and a note records it. GPS-disciplined receivers (Radarcape) can send
seconds-of-day timestamps instead; they are not recognised and would read as
a 12 MHz counter.
"""

from __future__ import annotations

import os

from skywitness.io.base import ReadContext

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


class Clock12MHz:
    """Turns counter values into UTC nanoseconds for one file."""

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
                "no start time given: the receiver's relative clock is placed at the "
                "file's modification time (pass start_time_ns for absolute times)",
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
