"""JSON text in and out: request bodies parsed (and held to a nesting depth, right after
parsing, once), answers and state files encoded.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Iterable

import orjson

from mockserver.errors import ApiError, RequestValidationError
from mockserver.timestamps import format_timestamp


class BodyParseError(ApiError):
    """A body that cannot even be read as text/JSON: FastAPI answers 400."""

    def __init__(self) -> None:
        super().__init__(400, "There was an error parsing the body")


def has_lone_surrogate(text: str) -> bool:
    """A `\\ud800` escape read from JSON: text that no UTF-8 (and no Rust string) can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("Number out of range")
    return value


# orjson reads a body ~3x faster than json.loads with hooks (bench/results.md) and refuses
# everything the standard library would have to judge (NaN, 1e400, lone surrogates, a BOM,
# other encodings, invalid text): those go to the standard library, which answers exactly
# as before. One case it accepts differently, integers past 64 bits (read as floats), is
# kept from it: a body with 19 digits in a row is left to the standard library.
_DIGITS_AS_NINES = bytes.maketrans(b"012345678", b"999999999")


_LONG_NUMBER = b"9" * 19


def parse_json(raw: bytes) -> Any:
    """Parse a JSON body, held to MAX_JSON_DEPTH levels; NaN/Infinity and overflowing
    numbers are not JSON we can echo."""
    value = _parse(raw)
    check_json_depth(value, raw=raw)
    return value


def _parse(raw: bytes) -> Any:
    if _LONG_NUMBER not in raw.translate(_DIGITS_AS_NINES):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ["body", exc.pos], "msg": "JSON decode error",
              "input": {}, "ctx": {"error": exc.msg}}]
        ) from None
    except (ValueError, RecursionError):
        raise BodyParseError() from None


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode_json(body: Any) -> bytes:
    """Compact UTF-8 JSON; lone surrogates stored from `\\ud800` escapes are escaped back."""
    try:
        return orjson.dumps(body, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        pass
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_default).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, ensure_ascii=True, allow_nan=False, separators=(",", ":"), default=_default).encode("ascii")


# -- JSON nesting ----------------------------------------------------------------------
MAX_JSON_DEPTH = 128


class TooDeep(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(400, f"There was an error parsing the body: JSON nested deeper than {limit} levels")


def check_json_depth(value: Any, limit: int = MAX_JSON_DEPTH, raw: bytes | None = None) -> None:
    """Refuse (400) JSON nested past `limit`: copying, storing, saving and answering it would
    run out of stack (a RecursionError half-way through a handler) long before memory.
    Iterative, so any depth json.loads accepted can be measured. Given the `raw` text, a
    body with no more than `limit` brackets in all is passed without a walk."""
    if raw is not None and raw.count(b"{") + raw.count(b"[") <= limit:
        return
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth >= limit:
            raise TooDeep(limit)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
