"""A reference evaluator of the `filters` language of the Honcho v3 list endpoints.

Written from the language's description (docs/conformance.md summarises it), on its own:
it shares no code with any server or mock. The semantic phase lists a collection once
without a filter, evaluates a filter here over that full list, and asks the server for
the same filter: both answers must be the same records in the same order.

`compile_filter` raises `FilterError` for a filter the server must reject (422) and
`Undefined` for a construct whose meaning the language leaves open (the generator (filter_generator.py)
never produces those; a caller that meets one skips the comparison).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable

Record = dict[str, Any]
Predicate = Callable[[Record], "bool | None"]

OPERATORS = ("gte", "lte", "gt", "lt", "ne", "in", "contains", "icontains")
LOGICAL = ("AND", "OR", "NOT")
MAX_DEPTH = 5
WILDCARD = "*"

TEXT_FIELDS = {"id", "workspace_id", "session_id", "peer_id", "observer_id", "observed_id"}
FIELDS: dict[str, set[str]] = {
    "workspace": {"id", "created_at", "metadata"},
    "peer": {"id", "created_at", "workspace_id", "metadata"},
    "session": {"id", "created_at", "is_active", "workspace_id", "metadata"},
    "message": {"workspace_id", "session_id", "peer_id", "token_count", "created_at", "metadata"},
    "conclusion": {"session_id", "workspace_id", "observer_id", "observed_id", "metadata"},
}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")
_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?)?$")
_AWARE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$")


class FilterError(ValueError):
    """The server must reject this filter with 422 `{"detail": "<message>"}`."""


class Undefined(Exception):
    """The language does not pin down what this filter means; do not compare."""


# --------------------------------------------------------------------------- values
def parse_datetime(value: str) -> datetime:
    """A filter or record timestamp as an aware UTC datetime; FilterError when unreadable."""
    if not isinstance(value, str) or not (_NAIVE.match(value) or _AWARE.match(value)):
        raise FilterError(f"Invalid datetime value: {value!r}")
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise FilterError(f"Invalid datetime value: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def reads_as_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(_NUMBER.match(value.strip())) and value.strip() == value


def as_number(value: Any) -> float:
    return float(value)


def text_form(value: Any) -> str | None:
    """The text a stored JSON value reads as (`->>`): None for missing/null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    raise Undefined("text form of a JSON container")


def contains_json(stored: Any, pattern: Any) -> bool:
    """JSON containment: `stored` holds everything `pattern` says."""
    if isinstance(pattern, dict):
        return isinstance(stored, dict) and all(k in stored and contains_json(stored[k], v) for k, v in pattern.items())
    if isinstance(pattern, list):
        return isinstance(stored, list) and all(any(contains_json(s, p) for s in stored) for p in pattern)
    if isinstance(pattern, bool) or isinstance(stored, bool):
        return isinstance(pattern, bool) and isinstance(stored, bool) and pattern == stored
    if isinstance(pattern, (int, float)):
        return isinstance(stored, (int, float)) and stored == pattern
    return type(stored) is type(pattern) and stored == pattern


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "gte":
        return left >= right
    if op == "lte":
        return left <= right
    if op == "gt":
        return left > right
    if op == "lt":
        return left < right
    if op == "ne":
        return left != right
    raise AssertionError(op)


# --------------------------------------------------------------------------- compiling
def compile_filter(filters: Any, resource: str, sql_nulls: bool = False) -> Predicate:
    """A predicate over records of `resource` (workspace, peer, session, message, conclusion): True,
    False, or None where SQL finds NULL (an operator on a metadata key that reads as nothing).
    `sql_nulls`: `NOT` of NULL is NULL, as on Honcho 3.0.7 and 3.0.12; otherwise `NOT` keeps every
    record its sub-filter does not hold for (3.1-preview)."""
    if resource not in FIELDS:
        raise ValueError(f"unknown resource {resource!r}")
    if filters is None:
        return _always
    if not isinstance(filters, dict):
        raise Undefined("a non-object `filters` is a request-validation error, not a filter")
    predicate = _level(filters, resource, 0, sql_nulls)
    return predicate or _always


def evaluate(filters: Any, records: Iterable[Record], resource: str, sql_nulls: bool = False) -> list[Record]:
    """The records a list keeps: those the filter holds for (not False, not NULL)."""
    predicate = compile_filter(filters, resource, sql_nulls)
    return [r for r in records if predicate(r) is True]


def _always(record: Record) -> bool:
    return True


def _all(preds: list[Predicate]) -> Predicate | None:
    if not preds:
        return None
    if len(preds) == 1:
        return preds[0]
    return lambda r: _and([p(r) for p in preds])


def _and(values: list[bool | None]) -> bool | None:
    """SQL's AND: false wins, then NULL."""
    return False if False in values else None if None in values else True


def _or(values: list[bool | None]) -> bool | None:
    """SQL's OR: true wins, then NULL."""
    return True if True in values else None if None in values else False


def _level(node: Any, resource: str, depth: int, sql_nulls: bool) -> Predicate | None:
    if not isinstance(node, dict):
        raise Undefined("a sub-filter that is not an object")
    preds: list[Predicate] = []
    for key, value in node.items():
        if key in LOGICAL:
            pred = _logical(key, value, resource, depth + 1, sql_nulls)
        else:
            pred = _field(key, value, resource)
        if pred is not None:
            preds.append(pred)
    return _all(preds)


def _logical(op: str, value: Any, resource: str, depth: int, sql_nulls: bool) -> Predicate | None:
    if not isinstance(value, list):
        raise FilterError(f"{op} expects a list of filters")
    if depth > MAX_DEPTH:
        raise FilterError(f"Filter nesting exceeds the maximum depth of {MAX_DEPTH}")
    subs = [p for p in (_level(item, resource, depth, sql_nulls) for item in value) if p is not None]
    if not subs:
        return None
    if op == "AND":
        return lambda r: _and([p(r) for p in subs])
    if op == "OR":
        return lambda r: _or([p(r) for p in subs])
    if sql_nulls:  # NOT of NULL is NULL: the negations ANDed as SQL does
        return lambda r: _and([None if (v := p(r)) is None else not v for p in subs])
    return lambda r: not any(p(r) is True for p in subs)


def _field(name: str, value: Any, resource: str) -> Predicate | None:
    if name not in FIELDS[resource]:
        raise FilterError(f"Column '{name}' is not allowed to be filtered on or does not exist on {resource}")
    if name == "metadata":
        return _metadata(value)
    if isinstance(value, str) and value == WILDCARD:
        return None
    if isinstance(value, dict) and any(k in OPERATORS for k in value):
        bad = [k for k in value if k not in OPERATORS]
        if bad:
            raise FilterError(f"Unsupported operator: {bad[0]}")
        return _all([p for p in (_operator(name, op, v) for op, v in value.items()) if p is not None])
    return _equality(name, value)


def _getter(name: str) -> Callable[[Record], Any]:
    def get(record: Record) -> Any:
        if name not in record:
            raise Undefined(f"record has no {name}")
        return record[name]
    return get


def _equality(name: str, value: Any) -> Predicate:
    get = _getter(name)
    if name == "created_at":
        if not isinstance(value, str):
            raise Undefined("created_at compared with a non-string")
        wanted = parse_datetime(value)
        return lambda r: parse_datetime(get(r)) == wanted
    if name in TEXT_FIELDS:
        if not isinstance(value, str):
            raise Undefined(f"{name} compared with a non-string")
        return lambda r: get(r) == value
    if name == "is_active":
        if not isinstance(value, bool):
            raise Undefined("is_active compared with a non-boolean")
        return lambda r: get(r) is value
    if name == "token_count":
        if isinstance(value, bool) or not isinstance(value, int):
            raise Undefined("token_count compared with a non-integer")
        return lambda r: get(r) == value
    raise Undefined(f"equality on {name}")


def _operator(name: str, op: str, value: Any) -> Predicate | None:
    if isinstance(value, str) and value == WILDCARD:
        return None
    get = _getter(name)
    if op in ("gte", "lte", "gt", "lt", "ne"):
        if name == "created_at":
            if not isinstance(value, str):
                raise Undefined("created_at compared with a non-string")
            bound = parse_datetime(value)
            return lambda r: _compare(op, parse_datetime(get(r)), bound)
        if not reads_as_number(value):
            raise FilterError(f"Operator {op} on {name} needs a numeric value, got {value!r}")
        if name != "token_count":
            raise Undefined(f"numeric comparison on {name}")
        number = as_number(value)
        return lambda r: _compare(op, get(r), number)
    if op == "in":
        if not isinstance(value, list):
            raise FilterError(f"Operator in on {name} needs a list")
        if any(isinstance(v, str) and v == WILDCARD for v in value):
            return None
        if name in TEXT_FIELDS and all(isinstance(v, str) for v in value):
            allowed = set(value)
            return lambda r: get(r) in allowed
        if name == "token_count" and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            numbers = set(value)
            return lambda r: get(r) in numbers
        if name == "created_at" and all(isinstance(v, str) for v in value):
            moments = {parse_datetime(v) for v in value}
            return lambda r: parse_datetime(get(r)) in moments
        raise Undefined(f"in on {name} with these values")
    if op in ("contains", "icontains"):
        if name not in TEXT_FIELDS or not isinstance(value, str):
            raise Undefined(f"{op} on {name}")
        needle = value.lower()
        return lambda r: (text := get(r)) is not None and needle in text.lower()  # SQL: NULL matches no pattern
    raise AssertionError(op)


def _metadata(value: Any) -> Predicate | None:
    if isinstance(value, str) and value == WILDCARD:
        return None
    if not isinstance(value, dict):
        raise Undefined("metadata compared with a non-object")
    if any(k in OPERATORS for k in value):
        raise Undefined("metadata object holding operator keys")
    preds: list[Predicate] = []
    plain: dict[str, Any] = {}
    for key, wanted in value.items():
        if isinstance(wanted, str) and wanted == WILDCARD:
            continue
        if isinstance(wanted, dict) and any(k in OPERATORS for k in wanted):
            bad = [k for k in wanted if k not in OPERATORS]
            if bad:
                raise FilterError(f"Unsupported operator: {bad[0]}")
            preds += [p for p in (_metadata_operator(key, op, v) for op, v in wanted.items()) if p is not None]
        else:
            plain[key] = wanted
    if plain:
        preds.insert(0, lambda r: contains_json(r.get("metadata") or {}, plain))
    return _all(preds)


def _stored(record: Record, key: str) -> Any:
    metadata = record.get("metadata") or {}
    return metadata.get(key) if isinstance(metadata, dict) else None


def _metadata_operator(key: str, op: str, value: Any) -> Predicate | None:
    if isinstance(value, str) and value == WILDCARD:
        return None
    if op in ("gte", "lte", "gt", "lt", "ne"):
        if isinstance(value, bool):
            wanted_text = "true" if value else "false"

            def by_bool(r: Record) -> bool | None:
                text = text_form(_stored(r, key))
                return None if text is None else _compare(op, text, wanted_text)
            return by_bool
        if reads_as_number(value):
            number = as_number(value)

            def by_number(r: Record) -> bool | None:
                text = text_form(_stored(r, key))
                if text is None or not reads_as_number(text):
                    return None  # NULL: missing, null, empty, or no number
                return _compare(op, as_number(text), number)
            return by_number
        if isinstance(value, str):
            def by_text(r: Record) -> bool | None:
                text = text_form(_stored(r, key))
                return None if text is None else _compare(op, text, value)
            return by_text
        raise Undefined(f"metadata {op} with {type(value).__name__}")
    if op == "in":
        if not isinstance(value, list):
            raise FilterError("Operator in needs a list")
        if any(isinstance(v, str) and v == WILDCARD for v in value):
            raise Undefined("wildcard inside a metadata in-list")
        allowed = {text_form(v) for v in value}

        def by_in(r: Record) -> bool | None:
            text = text_form(_stored(r, key))
            return None if text is None else text in allowed
        return by_in
    if op in ("contains", "icontains"):
        if not isinstance(value, str):
            raise Undefined(f"metadata {op} with a non-string")
        needle = value.lower()

        def by_substring(r: Record) -> bool | None:
            text = text_form(_stored(r, key))
            return None if text is None else needle in text.lower()
        return by_substring
    raise AssertionError(op)
