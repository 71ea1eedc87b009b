"""JSON values as PostgreSQL reads them: what the filter language compares.

The real server keeps metadata in `jsonb` columns and filters in SQL; the mock reads a
stored value the same way wherever it is compared (the compiled predicates of
state/filters.py, the indexes of state/indexes.py), so both see one meaning:
containment (`@>`) and equality of JSON values, the `->>` text form, numbers in
PostgreSQL's `numeric` order (NaN above everything) and stored timestamps.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

Record = Mapping[str, Any]
NumberKey = tuple[int, Any]
# NaN sorts above every number (PostgreSQL numeric order), so numbers are compared as
# (0, value) and NaN as (1, 0).
_NAN_KEY: NumberKey = (1, 0)
# PostgreSQL's numeric input syntax, which `(metadata ->> key)::numeric` applies.
_PG_NUMERIC = re.compile(
    r"[ \t\n\r\f\v]*(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?"
    r"|nan|[+-]?inf(?:inity)?)[ \t\n\r\f\v]*",
    re.IGNORECASE,
)
_NO_METADATA: dict[str, Any] = {}


def stored_text_field(value: object) -> str | None:
    """A stored id, or None when the record holds no string there."""
    return value if isinstance(value, str) else None


def stored_boolean(value: object) -> bool | None:
    """A stored flag, or None when the record holds no boolean there (1 is not true)."""
    return value if isinstance(value, bool) else None


def stored_number(value: object) -> NumberKey | None:
    """A stored JSON number as an order key, or None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return number_key(value)


def stored_datetime(value: object) -> datetime | None:
    """A stored timestamp (the store keeps the API's ISO text), naive ones read as UTC;
    None when it is not a timestamp."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def metadata_of(record: Record) -> dict[str, Any]:
    """A record's metadata; records without one (conclusions) have `{}`."""
    metadata = record.get("metadata")
    return metadata if isinstance(metadata, dict) else _NO_METADATA


def stored_metadata_number(value: object) -> NumberKey | None:
    """`(metadata ->> key)::numeric`, except that empty or non-numeric text is no match."""
    if isinstance(value, str):
        return pg_numeric(value)
    return stored_number(value)


def json_contains(stored: object, wanted: object) -> bool:
    """PostgreSQL `stored @> wanted` for JSON values below the top level."""
    if isinstance(wanted, dict):
        if not isinstance(stored, dict):
            return False
        for key, value in wanted.items():
            if key not in stored or not json_contains(stored[key], value):
                return False
        return True
    if isinstance(wanted, list):
        if not isinstance(stored, list):
            return False
        return all(any(json_contains(item, value) for item in stored) for value in wanted)
    return scalar_equal(stored, wanted)


def json_equal(stored: object, wanted: object) -> bool:
    """PostgreSQL `jsonb = jsonb`: same shape, same keys, equal scalars (1 equals 1.0)."""
    if isinstance(wanted, dict):
        return (
            isinstance(stored, dict)
            and stored.keys() == wanted.keys()
            and all(json_equal(stored[key], value) for key, value in wanted.items())
        )
    if isinstance(wanted, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(wanted)
            and all(map(json_equal, stored, wanted))
        )
    return scalar_equal(stored, wanted)


def scalar_equal(stored: object, wanted: object) -> bool:
    """JSON scalar equality: numbers numerically, never across types (true is not 1)."""
    if isinstance(wanted, bool) or isinstance(stored, bool):
        return stored is wanted
    if isinstance(wanted, int | float):
        return isinstance(stored, int | float) and stored == wanted
    if isinstance(wanted, str):
        return isinstance(stored, str) and stored == wanted
    return wanted is None and stored is None


def stored_text(value: object) -> str | None:
    """The `->>` text of a stored value; None for JSON null and values with no JSON text."""
    if value is None or isinstance(value, str):
        return value
    try:
        return json_literal(value)
    except (ValueError, TypeError, RecursionError):
        return None


def json_literal(value: object) -> str:
    """JSON text as PostgreSQL prints a jsonb value (key order, spacing, plain numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list):
        return "[" + ", ".join(map(json_literal, value)) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: _jsonb_key_order(item[0]))
        return "{" + ", ".join(f"{json_literal(k)}: {json_literal(v)}" for k, v in items) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _jsonb_key_order(key: object) -> tuple[int, bytes]:
    """jsonb stores object keys shorter first, then by bytes."""
    if not isinstance(key, str):
        raise TypeError("JSON object keys are strings")
    encoded = key.encode("utf-8", "surrogatepass")
    return len(encoded), encoded


def number_key(value: int | float | Decimal) -> NumberKey:
    """An exact order key for a number; NaN sorts above everything, as in PostgreSQL."""
    return _NAN_KEY if value != value else (0, value)


def read_number(operand: object) -> NumberKey | None:
    """A filter operand read as a number like the server reads it (Python `float` syntax).

    Strings keep their exact value (Decimal), so large ids or counts do not round.
    Booleans are not numbers.
    """
    if isinstance(operand, bool):
        return None
    if isinstance(operand, int | float):
        return number_key(operand)
    if not isinstance(operand, str):
        return None
    try:
        approximate = float(operand)
    except ValueError:
        return None
    try:
        return number_key(Decimal(operand))
    except InvalidOperation:  # an exponent beyond Decimal's range: float saturates to inf
        return number_key(approximate)


def pg_numeric(text: str) -> NumberKey | None:
    """Stored text read as PostgreSQL `numeric`; None when PostgreSQL would reject it."""
    if not _PG_NUMERIC.fullmatch(text):
        return None
    try:
        return number_key(Decimal(text))
    except InvalidOperation:
        return None
