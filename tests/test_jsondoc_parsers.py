"""The JSON documents read by the fast parser (orjson) are the standard
library's: same values, and what it refuses goes to the standard parser."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from skywitness.io.base import ReadContext
from skywitness.io.jsondoc import load, loads_line

scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


@settings(max_examples=300)
@given(values)
def test_documents_read_as_the_standard_library_reads_them(value: Any) -> None:
    """Integers beyond 64 bits, NaN and infinity literals (which the fast
    parser refuses) included."""
    text = json.dumps({"aircraft": [value], "now": 1.5})
    doc, bad = load(text.encode(), ReadContext(Path("x.json")), lambda path: False)
    assert bad == 0 and _same(doc, json.loads(text))
    assert _same(loads_line(text), json.loads(text))


def test_duplicate_keys_lone_surrogates_and_utf16_read_as_before() -> None:
    for raw in (b'{"a": 1, "a": 2}', b'{"a": "\\ud800"}', '{"a": 1}'.encode("utf-16")):
        doc, _ = load(raw, ReadContext(Path("x.json")), lambda path: False)
        assert _same(doc, json.loads(raw))
