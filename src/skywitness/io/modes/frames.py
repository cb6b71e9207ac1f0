"""Raw Mode S input on its way to the compiled decoder: lines, checks, guarded calls.

rs1090 panics (``PanicException``, a ``BaseException``) on non-hex text and on
odd lengths, and silently returns nothing for frames it cannot parse. Every
frame is therefore checked here first: hex digits only, a length that matches
its downlink format, and the parity (CRC) where the parity can be checked
without knowing the address: DF17/18 extended squitters (remainder 0) and
DF11 all-call replies (remainder = interrogator code, 7 bits at most). Replies
whose address is overlaid on the parity (DF0/4/5/16/20/21) cannot be checked
this way; the decoder recovers their address from the parity.

:func:`decode_guarded` is the only place rs1090 is called: should a frame make
it panic anyway, the panic is caught (by class name, since it derives from
``BaseException``) and the chunk is decoded frame by frame so only that frame
is lost. Interrupts and every other exception go through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rs1090

from skywitness.io.base import ReadContext
from skywitness.io.base import text_lines as base_text_lines

#: Downlink formats of 56-bit (14 hex digit) replies that rs1090 decodes.
SHORT_DFS = frozenset({0, 4, 5, 11})
#: Downlink formats of 112-bit (28 hex digit) replies that rs1090 decodes.
LONG_DFS = frozenset({16, 17, 18, 20, 21})
#: Defined Mode S formats that carry no data skywitness can use (ICAO Annex 10
#: Vol IV 3.1.2.3): DF19 military extended squitter, DF24 Comm-D (ELM).
UNSUPPORTED_DFS = {19: "DF19 military extended squitter", 24: "DF24 Comm-D (ELM) segment"}
SHORT_HEX, LONG_HEX = 14, 28
#: Mode S CRC generator polynomial, 24 bits (ICAO Annex 10 Vol IV 3.1.2.3.3).
CRC_GENERATOR = 0xFFF409
#: DF11 parity may be overlaid with the interrogator code: II (4 bits) or SI
#: (6 bits), so a valid all-call reply leaves at most the low 7 bits set.
DF11_IC_MASK = 0x7F

#: Surveillance and Comm-B replies carry a 3-bit flight status; 6 is reserved
#: and 7 not assigned (ICAO Annex 10 Vol IV 3.1.2.6.5.1). Either value means
#: a corrupt reply (its address, recovered from the parity, is then wrong too,
#: or right by accident as in the AFR34ZG sample, where it invents a squawk).
FLIGHT_STATUS_DFS = frozenset({4, 5, 20, 21})
RESERVED_FLIGHT_STATUS = frozenset({6, 7})

#: Longest text line read (characters). A Mode S line is under 1 kB even with
#: decoded fields; the bound keeps a file without newlines from filling memory.
MAX_LINE_CHARS = 1 << 20

_HEX = re.compile(r"[0-9a-f]+")


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for byte in range(256):
        crc = byte << 16
        for _ in range(8):
            crc = (crc << 1) ^ CRC_GENERATOR if crc & 0x800000 else crc << 1
        table[byte] = crc & 0xFFFFFF
    return table


_CRC_TABLE = _crc_table()


def crc_remainders(frames: Sequence[str], length: int) -> np.ndarray:
    """Parity remainder of each frame (all of ``length`` hex digits), vectorised.

    The remainder is the CRC of the data bits XOR the transmitted parity: 0 for
    a clean extended squitter, the address for replies with address/parity.
    """
    if not frames:
        return np.zeros(0, dtype=np.uint32)
    nbytes = length // 2
    data = np.frombuffer(bytes.fromhex("".join(frames)), dtype=np.uint8).reshape(-1, nbytes)
    crc = np.zeros(len(frames), dtype=np.uint32)
    for col in range(nbytes - 3):
        idx = ((crc >> 16) ^ data[:, col]) & 0xFF
        crc = ((crc << 8) & 0xFFFFFF) ^ _CRC_TABLE[idx]
    parity = (
        (data[:, -3].astype(np.uint32) << 16)
        | (data[:, -2].astype(np.uint32) << 8)
        | data[:, -1].astype(np.uint32)
    )
    return np.asarray(crc ^ parity, dtype=np.uint32)


@dataclass
class CheckedFrames:
    """Frames that passed the checks, with their positions in the input."""

    index: list[int] = field(default_factory=list)  # position in the input chunk
    frames: list[str] = field(default_factory=list)  # lower-case, 14 or 28 digits
    dfs: list[int] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (input position, reason)
    #: Short replies stored padded to 28 digits (the padding is dropped).
    padded: int = 0


def check_frames(frames: Sequence[str]) -> CheckedFrames:
    """Sort a chunk of hex frames into usable ones and rejects (with reasons)."""
    out = CheckedFrames()
    for i, raw in enumerate(frames):
        h = raw.lower()
        n = len(h)
        if n not in (SHORT_HEX, LONG_HEX):
            out.rejected.append((i, f"frame has {n} hex digits; Mode S frames have 14 or 28"))
            continue
        if not _HEX.fullmatch(h):
            out.rejected.append((i, "frame is not hexadecimal"))
            continue
        df = int(h[:2], 16) >> 3
        if df >= 24:
            df = 24  # DF24 is signalled by the first two bits only
        if df in SHORT_DFS:
            if n == LONG_HEX:
                h = h[:SHORT_HEX]
                out.padded += 1
        elif df in LONG_DFS:
            if n == SHORT_HEX:
                out.rejected.append((i, f"DF{df} frame is truncated: 14 hex digits, needs 28"))
                continue
        else:
            what = UNSUPPORTED_DFS.get(df, f"DF{df} is not a Mode S reply format")
            out.rejected.append((i, f"{what}: not decoded"))
            continue
        if df in FLIGHT_STATUS_DFS and (fs := int(h[1], 16) & 7) in RESERVED_FLIGHT_STATUS:
            out.rejected.append((i, f"DF{df} flight status {fs} is reserved: corrupt reply"))
            continue
        out.index.append(i)
        out.frames.append(h)
        out.dfs.append(df)
    _check_parity(out)
    return out


def _check_parity(out: CheckedFrames) -> None:
    """Drop DF11/17/18 frames whose parity does not check (in place)."""
    for df, length, mask in ((11, SHORT_HEX, DF11_IC_MASK), (17, LONG_HEX, 0), (18, LONG_HEX, 0)):
        pos = [k for k, d in enumerate(out.dfs) if d == df]
        if not pos:
            continue
        rem = crc_remainders([out.frames[k] for k in pos], length)
        bad = {pos[j] for j in np.flatnonzero(rem & ~np.uint32(mask) & np.uint32(0xFFFFFF))}
        if not bad:
            continue
        for k in sorted(bad):
            out.rejected.append((out.index[k], f"DF{df} parity (CRC) check failed"))
        keep = [k for k in range(len(out.dfs)) if k not in bad]
        out.index = [out.index[k] for k in keep]
        out.frames = [out.frames[k] for k in keep]
        out.dfs = [out.dfs[k] for k in keep]


def is_panic(exc: BaseException) -> bool:
    """True for pyo3's PanicException (it derives from BaseException, not Exception)."""
    t = type(exc)
    return t.__name__ == "PanicException" and t.__module__ == "pyo3_runtime"


def decode_guarded(frames: list[str]) -> tuple[list[Any], dict[int, str]]:
    """rs1090's batch decode; on a panic, frame by frame. Returns (results, panics).

    ``results[k]`` is the decoded dict or None; ``panics`` maps the positions of
    frames that made rs1090 panic to its message. KeyboardInterrupt, SystemExit
    and everything else that is not a panic propagate unchanged.
    """
    try:
        return list(rs1090.decode(frames)), {}
    except BaseException as exc:
        if not is_panic(exc):
            raise
    results: list[Any] = []
    panics: dict[int, str] = {}
    for k, frame in enumerate(frames):
        try:
            results.append(rs1090.decode(frame))
        except BaseException as exc:
            if not is_panic(exc):
                raise
            results.append(None)
            panics[k] = str(exc).splitlines()[0][:120] if str(exc) else "panic"
    return results, panics


def text_lines(path: Path, ctx: ReadContext) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) of the non-blank lines of a text file, in
    bounded memory (:func:`skywitness.io.base.text_lines`).

    A line longer than :data:`MAX_LINE_CHARS` is skipped; a corrupt or
    truncated gzip ends the file with a skip reason instead of an exception.
    """
    yield from base_text_lines(path, ctx, MAX_LINE_CHARS, "characters")
