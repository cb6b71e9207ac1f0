"""Shared mutation for the readers' bounded fuzz tests (bench/fuzz.py runs the long campaign)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

#: Replacements that stress JSON readers: wrong types, NaN, overflow, broken syntax.
JSON_JUNK = [b'"x"', b"null", b"[]", b"{}", b"NaN", b"1e999", b"-1", b"true", b'"', b",", b"}"]


def mutate(draw: st.DrawFn, valid: bytes, junk: Sequence[bytes] = JSON_JUNK) -> bytes:
    """Up to four truncations, bit flips or substitutions of ``valid``."""
    data = bytearray(valid)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        kind = draw(st.sampled_from(["truncate", "flip", "substitute"]))
        i = draw(st.integers(0, len(data) - 1))
        if kind == "truncate":
            del data[i:]
        elif kind == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        else:
            j = min(len(data), i + draw(st.integers(1, 12)))
            data[i:j] = draw(st.sampled_from(list(junk)))
    return bytes(data)
