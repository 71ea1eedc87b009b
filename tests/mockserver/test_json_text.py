"""Reading JSON bodies: the orjson fast path reads every body exactly as json.loads did.

`parse_json` tries orjson first and falls back to the standard library; whatever the body,
the value (types included: 1 is not 1.0, -0.0 keeps its sign, big integers stay integers)
or the error answered must be the standard library's.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.errors import ApiError, RequestValidationError
from mockserver.json_text import parse_json


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("out of range")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(name)


def stdlib(raw: bytes) -> tuple[str, Any]:
    try:
        return "value", json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        return "422", (exc.pos, exc.msg)
    except (ValueError, RecursionError):
        return "400", None


def ours(raw: bytes) -> tuple[str, Any]:
    try:
        return "value", parse_json(raw)
    except RequestValidationError as exc:
        item = exc.errors[0]
        return "422", (item["loc"][1], item["ctx"]["error"])
    except ApiError as exc:
        assert exc.status == 400
        return "400", None


def typed(value: Any) -> Any:
    """The value with every scalar tagged by its type, so 1 == 1.0 == True do not pass for each other."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, float):
        return ("float", math.copysign(1, value), repr(value))
    return (type(value).__name__, value)


def same(raw: bytes) -> None:
    expected, got = stdlib(raw), ours(raw)
    assert got[0] == expected[0], raw
    if got[0] == "value":
        assert typed(got[1]) == typed(expected[1]), raw
    else:
        assert got == expected, raw


SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text())
VALUES = st.recursive(SCALARS, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
                      max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(value=VALUES, ascii_only=st.booleans(), spaced=st.booleans())
def test_any_json_document_reads_as_the_standard_library_reads_it(value: Any, ascii_only: bool, spaced: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, separators=(", ", ": ") if spaced else (",", ":"))
    same(text.encode("utf-8", "surrogatepass"))


EDGES = [b"1e400", b"-1e400", b"[1e-400]", b"18446744073709551616", b"-9223372036854775809", b"9223372036854775807",
         b'{"n": 123456789012345678901234567890}', b'"\\ud800"', b"\xef\xbb\xbf{}", b"NaN", b"[Infinity]", b"-0",
         b"-0.0", b'{"a":1,"a":2}', b'"\\u0000"', b"\xff", b'"\xc3"', b"{", b"[1,]", b"", b" ", b"1 2",
         b'"a\tb"', "{}".encode("utf-16"), b"[" * 5000 + b"]" * 5000, b'{"content":"1234567890123456789"}']


def test_edge_documents_read_as_the_standard_library_reads_them() -> None:
    for raw in EDGES:
        same(raw)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=40) | st.text(st.sampled_from('{}[]",:0123456789.eE+-tfnaulrs \\u'), max_size=30).map(str.encode))
def test_any_bytes_read_as_the_standard_library_reads_them(raw: bytes) -> None:
    same(raw)
