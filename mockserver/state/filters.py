"""The `filters` language of the Honcho v3 list endpoints, compiled to Python predicates.

The real server (Honcho 3.0.7) turns a filter into SQL over PostgreSQL; the mock keeps
records in memory, so a filter becomes a closure over one record. `compile_filter`
checks the whole filter once and raises `FilterError` (the server's 422) for anything
the server refuses; the predicate it returns is then cheap to run over many records and
never raises.

Rules (the meaning of the language on the real server):

* A filter is an object; its keys are `AND` / `OR` / `NOT` or field names, all ANDed.
  `AND`/`OR`/`NOT` take a list of filters; `NOT [a, b]` means `not a and not b`.
  Sub-filters that add no condition are dropped (so `OR [{"peer_id": "*"}, x]` is just
  `x`), an operator whose list ends up empty adds no condition, and logical operators
  nest at most 5 deep.
* A field takes `"*"` (no condition), a plain value (equality) or an object of
  comparisons `gte lte gt lt ne in contains icontains` (ANDed; any other key in it is an
  error; an operand `"*"` adds no condition).
* `created_at` operands must be ISO 8601 date-time strings (naive means UTC, a date
  alone its midnight). `gte lte gt lt ne` on other plain fields need an operand that
  reads as a number. `in` needs a list, and a `"*"` in it means no condition.
  `contains`/`icontains` are case-insensitive literal substring matches on text fields.
* `metadata` with plain values is JSON containment (`@>`); a key whose value is an
  operator object is compared through its `->>` text form: numerically for numeric
  operands, as text for booleans (`true`/`false`) and other strings; `in`, `contains`
  and `icontains` work on that text form. A missing key or JSON null matches no
  comparison.

Choices where the server gives no 422 (it answers 200, or fails with a 500) and a
meaning had to be picked, following what PostgreSQL would do where it can:

* A plain-field value of the wrong type (`{"peer_id": 5}`, `{"is_active": "yes"}`)
  matches nothing; so do `in` entries of the wrong type. `token_count` reads numeric
  strings as numbers (`"2"` equals 2), as SQL casts the literal to the column type.
  Booleans are not numbers anywhere (`{"token_count": {"gte": true}}` is an error).
  `created_at` is the exception: any operand but a date-time string (or a plain null)
  is an error, since the server rejects unparsable date-times.
* A list or an empty object as a plain-field value is an error (the server cannot bind
  either); use `{"in": [...]}` for several values.
* A numeric comparison on a field whose stored value is not a number (ids, `is_active`)
  matches nothing, e.g. `{"peer_id": {"ne": "5"}}`.
* `null` as a plain value is SQL `IS NULL`; `null` inside `in` matches nothing; `null`
  as the operand of `contains` matches nothing (SQL `ILIKE NULL`).
* `NOT` over a comparison that SQL finds NULL (an operator on a metadata key that is missing,
  null, or unreadable as what the operand asks): with `sql_nulls` (3.0.7, 3.0.12: behaviour
  `filter_null_logic`) the record is left out, as SQL's three-valued logic does; without it
  (3.1-preview) `NOT` keeps every record for which its sub-filter does not hold. A predicate
  that can be NULL carries `unknown(record)`, which the combinators carry up.
* Operand text forms (for `in`, `contains`, and `icontains`) follow the same rule as
  stored values: strings raw, other JSON values as PostgreSQL prints JSON (`true`,
  `1.5`, `{"a": 1}`).
* Text comparisons of metadata values use code-point order (the C collation).
* `metadata` itself (not one of its keys) accepts `contains` with an object or array
  (containment, the way to match keys named like operators) and `in` with a list
  (whole-metadata equality with one entry); other operators on it, and scalar values
  for it, are errors (SQL type errors on the real server). `{"metadata": null}` and
  `{"metadata": [...]}` match nothing, as no metadata object contains them.
* Field values nested deeper than 64 levels are refused.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache
from typing import Any

import orjson

from mockserver.state.json_values import (
    json_contains,
    json_equal,
    json_literal,
    metadata_of,
    read_number,
    stored_boolean,
    stored_datetime,
    stored_metadata_number,
    stored_number,
    stored_text,
    stored_text_field,
)
from mockserver.state.lookups import (
    ARRAY,
    NOTHING,
    NULL,
    OBJECT,
    Equals,
    Within,
    all_of,
    any_of,
    field_view,
    lookup_of,
    metadata_key,
    metadata_number_view,
    metadata_text_view,
    metadata_view,
    ordered_field_view,
    with_lookup,
)

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]

MAX_LOGICAL_DEPTH = 5
MAX_VALUE_DEPTH = 64
WILDCARD = "*"
COMPARISON_OPERATORS = frozenset({"gte", "lte", "gt", "lt", "ne", "in", "contains", "icontains"})
_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "gte": operator.ge,
    "lte": operator.le,
    "gt": operator.gt,
    "lt": operator.lt,
    "ne": operator.ne,
}


class FilterError(ValueError):
    """A filter the server refuses; str(err) is the `detail` string of the 422 answer."""


class _Kind(Enum):
    """How a field's stored values compare."""

    TEXT = "text"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    DATETIME = "datetime"
    JSON = "json"


_FIELDS: dict[str, dict[str, _Kind]] = {
    "workspace": {"id": _Kind.TEXT, "created_at": _Kind.DATETIME, "metadata": _Kind.JSON},
    "peer": {
        "id": _Kind.TEXT,
        "workspace_id": _Kind.TEXT,
        "created_at": _Kind.DATETIME,
        "metadata": _Kind.JSON,
    },
    "session": {
        "id": _Kind.TEXT,
        "workspace_id": _Kind.TEXT,
        "is_active": _Kind.BOOLEAN,
        "created_at": _Kind.DATETIME,
        "metadata": _Kind.JSON,
    },
    "message": {
        "workspace_id": _Kind.TEXT,
        "session_id": _Kind.TEXT,
        "peer_id": _Kind.TEXT,
        "token_count": _Kind.INTEGER,
        "created_at": _Kind.DATETIME,
        "metadata": _Kind.JSON,
    },
    "conclusion": {
        "session_id": _Kind.TEXT,
        "workspace_id": _Kind.TEXT,
        "observer_id": _Kind.TEXT,
        "observed_id": _Kind.TEXT,
        "metadata": _Kind.JSON,
    },
}


@dataclass(frozen=True)
class _Schema:
    """The filterable fields of one resource kind, and its name for error messages."""

    title: str
    fields: Mapping[str, _Kind]


_SCHEMAS = {resource: _Schema(resource.capitalize(), fields) for resource, fields in _FIELDS.items()}


def compile_filter(filters: object, resource: str, sql_nulls: bool = False) -> Predicate | None:
    """Compile a `filters` value for one resource kind into a predicate over stored records.

    Returns None when the filter adds no condition (None, {}, only wildcards, ...).
    Raises FilterError for anything the real server answers 422 to.
    """
    schema = _SCHEMAS.get(resource)
    if schema is None:
        raise ValueError(f"unknown resource kind: {resource!r}")
    if filters is None or (filters.__class__ is dict and not filters):  # the list endpoints' `{}`
        return None
    return _compile_filter(filters, schema, 0, sql_nulls)


def compiled_filter(filters: object, resource: str, sql_nulls: bool = False) -> Predicate | None:
    """`compile_filter` for a filter read from JSON (a request body's), reusing the predicate
    compiled for the same JSON text: clients send the same filter again and again (each page
    of a list, each refresh of a view), and compiling one costs more than answering it from
    an index. Predicates hold only what the filter says, so one serves every request."""
    if filters is None or (filters.__class__ is dict and not filters):
        return None
    try:
        text = orjson.dumps(filters)
    except orjson.JSONEncodeError:  # integers past 64 bits: compiled each time
        return compile_filter(filters, resource, sql_nulls)
    return _compiled_text(text, resource, sql_nulls)


@lru_cache(maxsize=256)
def _compiled_text(text: bytes, resource: str, sql_nulls: bool) -> Predicate | None:
    """A FilterError is raised, never cached: a refused filter is judged again each time."""
    return compile_filter(orjson.loads(text), resource, sql_nulls)


# --- filter objects and logical operators -------------------------------------------


def _compile_filter(node: object, schema: _Schema, depth: int, sql_nulls: bool) -> Predicate | None:
    """One filter object: its logical operators and fields, ANDed."""
    if depth > MAX_LOGICAL_DEPTH:
        raise FilterError(f"Filter nesting exceeds maximum depth of {MAX_LOGICAL_DEPTH}")
    if not isinstance(node, dict):
        raise FilterError(f"Each filter must be an object, not {_json_type(node)}")
    parts = []
    for key, value in node.items():
        if key in _COMBINERS:
            part = _compile_logical(key, value, schema, depth, sql_nulls)
        else:
            part = _compile_field(key, value, schema)
        if part is not None:
            parts.append(part)
    return _all_of(parts)


def _compile_logical(name: str, value: object, schema: _Schema, depth: int, sql_nulls: bool) -> Predicate | None:
    """AND / OR / NOT over a list of sub-filters; those adding no condition are dropped."""
    if not isinstance(value, list):
        raise FilterError(f"{name} operator requires a list of filters")
    subs = (_compile_filter(sub, schema, depth + 1, sql_nulls) for sub in value)
    parts = [part for part in subs if part is not None]
    if name == "NOT" and sql_nulls:
        return _none_of_known(parts)
    return _COMBINERS[name](parts)


def _all_of(parts: list[Predicate]) -> Predicate | None:
    """Every part holds; None when there is nothing to check.

    The combinators loop by hand: they run per record, and a loop beats all() over a generator.
    """
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]

    def predicate(record: Record) -> bool:
        for part in parts:
            if not part(record):
                return False
        return True

    pairs = _with_unknowns(parts)
    if pairs is not None:
        def unknown(record: Record) -> bool:  # no part false, one NULL
            seen = False
            for part, part_unknown in pairs:
                if part_unknown is not None and part_unknown(record):
                    seen = True
                elif not part(record):
                    return False
            return seen
        predicate.unknown = unknown  # type: ignore[attr-defined]
    return with_lookup(predicate, all_of([lookup_of(part) for part in parts]))


def _any_of(parts: list[Predicate]) -> Predicate | None:
    """At least one part holds; None when there is nothing to check."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]

    def predicate(record: Record) -> bool:
        for part in parts:
            if part(record):
                return True
        return False

    pairs = _with_unknowns(parts)
    if pairs is not None:
        predicate.unknown = _none_true_one_unknown(pairs)  # type: ignore[attr-defined]
    return with_lookup(predicate, any_of([lookup_of(part) for part in parts]))


def _none_of(parts: list[Predicate]) -> Predicate | None:
    """No part holds (NOT negates each sub-filter, then ANDs); None when nothing to check."""
    if not parts:
        return None

    def predicate(record: Record) -> bool:
        for part in parts:
            if part(record):
                return False
        return True

    return predicate


def _none_of_known(parts: list[Predicate]) -> Predicate | None:
    """NOT under SQL's NULL logic: every part is known not to hold (a NULL part leaves the record
    out, and makes this NOT NULL in turn)."""
    if not parts:
        return None
    pairs = _with_unknowns(parts)
    if pairs is None:
        return _none_of(parts)

    def predicate(record: Record) -> bool:
        for part, part_unknown in pairs:
            if part(record) or (part_unknown is not None and part_unknown(record)):
                return False
        return True

    predicate.unknown = _none_true_one_unknown(pairs)  # type: ignore[attr-defined]
    return predicate


def _with_unknowns(parts: list[Predicate]) -> list[tuple[Predicate, Callable[[Record], bool] | None]] | None:
    """Each part with its `unknown`, or None when no part can be NULL."""
    pairs = [(part, getattr(part, "unknown", None)) for part in parts]
    return pairs if any(unknown is not None for _, unknown in pairs) else None


def _none_true_one_unknown(pairs: list[tuple[Predicate, Callable[[Record], bool] | None]]) -> Callable[[Record], bool]:
    """NULL for OR and for NOT's AND of negations: no part holds and one part is NULL."""
    def unknown(record: Record) -> bool:
        seen = False
        for part, part_unknown in pairs:
            if part(record):
                return False
            if part_unknown is not None and part_unknown(record):
                seen = True
        return seen
    return unknown


def _null_when_unread(predicate: Predicate, key: str, read: Callable[[Any], Any]) -> Predicate:
    """A comparison on a metadata key is NULL in SQL when the key's value reads as nothing."""
    predicate.unknown = lambda record: read(metadata_of(record).get(key)) is None  # type: ignore[attr-defined]
    return predicate


_COMBINERS: dict[str, Callable[[list[Predicate]], Predicate | None]] = {
    "AND": _all_of,
    "OR": _any_of,
    "NOT": _none_of,
}


def _never(record: Record) -> bool:
    """The condition no record meets (a value no stored value can equal)."""
    return False


with_lookup(_never, NOTHING)


# --- fields ---------------------------------------------------------------------------


def _compile_field(name: str, value: object, schema: _Schema) -> Predicate | None:
    """One `field: value` entry: wildcard, equality or an object of comparisons."""
    kind = schema.fields.get(name)
    if kind is None:
        raise FilterError(
            f"Column '{name}' is not allowed to be filtered on or does not exist on {schema.title}"
        )
    if value == WILDCARD:
        return None
    _check_value_depth(name, value)
    if kind is _Kind.JSON:
        return _compile_metadata(name, value)
    if isinstance(value, dict):
        if not value:
            raise FilterError(
                f"Field '{name}' takes a value or an object of operators "
                f"({', '.join(sorted(COMPARISON_OPERATORS))})"
            )
        return _compile_operators(name, kind, value)
    if isinstance(value, list):
        raise FilterError(f"Field '{name}' takes a single value; use {{\"in\": [...]}} for several")
    return _compile_equality(name, kind, value)


def _check_value_depth(name: str, value: object) -> None:
    """Refuse absurdly nested values, so matching them can recurse without limit checks."""
    if value.__class__ is not dict and value.__class__ is not list:
        return
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_VALUE_DEPTH:
            raise FilterError(
                f"Filter value for '{name}' nests deeper than {MAX_VALUE_DEPTH} levels"
            )
        stack.extend((child, depth + 1) for child in children)


def _has_operator(value: dict[Any, Any]) -> bool:
    """An object holding any comparison operator is read as comparisons, not as a value."""
    return any(key in COMPARISON_OPERATORS for key in value)


def _compile_operators(name: str, kind: _Kind, operators: dict[Any, Any]) -> Predicate | None:
    """The comparisons of one plain field, ANDed."""
    parts = []
    for op, operand in operators.items():
        if op not in COMPARISON_OPERATORS:
            raise FilterError(f"Unsupported operator '{op}' for field '{name}'")
        if operand == WILDCARD:
            continue
        if op in _ORDERINGS:
            part: Predicate | None = _compile_ordering(name, kind, op, operand)
        elif op == "in":
            part = _compile_membership(name, kind, operand)
        else:
            part = _compile_substring(name, kind, op, operand)
        if part is not None:
            parts.append(part)
    return _all_of(parts)


def _compile_equality(name: str, kind: _Kind, operand: object) -> Predicate:
    """`field: value`; null is SQL `IS NULL`, a value of the wrong type matches nothing."""
    read = _READERS[kind]
    if operand is None:
        return with_lookup(lambda record: record.get(name) is None, Equals(field_view(name, read), (NULL,)))
    bound = _coerce(name, kind, operand)
    if bound is None:
        return _never
    return with_lookup(lambda record: read(record.get(name)) == bound, Equals(field_view(name, read), (bound,)))


def _compile_membership(name: str, kind: _Kind, operand: object) -> Predicate | None:
    """`in`: the stored value is one of the listed values; entries of the wrong type never match."""
    if not isinstance(operand, list):
        raise FilterError("Operator 'in' requires a list")
    if WILDCARD in operand:
        return None
    coerced = (_coerce(name, kind, item) for item in operand if item is not None)
    bounds = frozenset(bound for bound in coerced if bound is not None)
    read = _READERS[kind]
    return with_lookup(lambda record: read(record.get(name)) in bounds, Equals(field_view(name, read), tuple(bounds)))


def _compile_ordering(name: str, kind: _Kind, op: str, operand: object) -> Predicate:
    """gte/lte/gt/lt/ne: date-times on `created_at`, numbers on every other field."""
    compare = _ORDERINGS[op]
    bound: Any
    if kind is _Kind.DATETIME:
        bound = _parse_datetime(name, operand)
    else:
        bound = read_number(operand)
        if bound is None:
            raise FilterError(f"Operator '{op}' on field '{name}' requires a numeric value")
    read = stored_datetime if kind is _Kind.DATETIME else stored_number

    def predicate(record: Record) -> bool:
        stored = read(record.get(name))
        return stored is not None and compare(stored, bound)

    return with_lookup(predicate, Within(ordered_field_view(name, read), op, bound))


def _compile_substring(name: str, kind: _Kind, op: str, operand: object) -> Predicate:
    """contains/icontains: case-insensitive literal substring (`ILIKE` with escaped `%`, `_`)."""
    if kind is not _Kind.TEXT:
        raise FilterError(f"Operator '{op}' requires a text field, and '{name}' is not text")
    needle = _operand_text(operand, f"Operator '{op}' on field '{name}'")
    if needle is None:
        return _never
    needle = needle.lower()

    def predicate(record: Record) -> bool:
        stored = record.get(name)
        return isinstance(stored, str) and needle in stored.lower()

    return predicate


def _coerce(name: str, kind: _Kind, operand: object) -> Any:
    """An equality operand as the field's stored values read; None when it can equal none."""
    if kind is _Kind.TEXT:
        return operand if isinstance(operand, str) else None
    if kind is _Kind.BOOLEAN:
        return operand if isinstance(operand, bool) else None
    if kind is _Kind.INTEGER:
        return read_number(operand)
    return _parse_datetime(name, operand)


_READERS: dict[_Kind, Callable[[Any], Any]] = {
    _Kind.TEXT: stored_text_field,
    _Kind.BOOLEAN: stored_boolean,
    _Kind.INTEGER: stored_number,
    _Kind.DATETIME: stored_datetime,
}


# --- metadata -------------------------------------------------------------------------


def _compile_metadata(name: str, value: object) -> Predicate | None:
    """`metadata`: per-key containment and comparisons, or operators on the whole object."""
    if not isinstance(value, dict):
        return _compile_containment(name, value)
    if _has_operator(value):
        return _compile_document_operators(name, value)
    parts = (_compile_metadata_key(key, condition) for key, condition in value.items())
    return _all_of([part for part in parts if part is not None])


def _compile_containment(name: str, wanted: object) -> Predicate:
    """`metadata @> wanted` for an object or array; null matches nothing; scalars are refused."""
    if wanted is None:
        return _never
    if not isinstance(wanted, dict | list):
        raise FilterError(f"Field '{name}' takes an object, not {_json_type(wanted)}")
    holding = all_of([_holding(key, value) for key, value in wanted.items()]) if isinstance(wanted, dict) else None
    return with_lookup(lambda record: json_contains(metadata_of(record), wanted), holding)


def _compile_document_operators(name: str, operators: dict[Any, Any]) -> Predicate | None:
    """Operators on the metadata object itself: `contains` (containment) and `in` (equality)."""
    parts = []
    for op, operand in operators.items():
        if op not in COMPARISON_OPERATORS:
            raise FilterError(f"Unsupported operator '{op}' for field '{name}'")
        if operand == WILDCARD:
            continue
        if op == "contains":
            part: Predicate | None = _compile_containment(name, operand)
        elif op == "in":
            part = _compile_document_membership(operand)
        else:
            raise FilterError(
                f"Operator '{op}' is not supported on field '{name}'; apply it to a metadata key"
            )
        if part is not None:
            parts.append(part)
    return _all_of(parts)


def _compile_document_membership(operand: object) -> Predicate | None:
    """`metadata IN (...)`: the whole metadata object equals one of the listed values."""
    if not isinstance(operand, list):
        raise FilterError("Operator 'in' requires a list")
    if WILDCARD in operand:
        return None
    candidates = tuple(operand)
    return lambda record: any(json_equal(metadata_of(record), item) for item in candidates)


def _compile_metadata_key(key: str, condition: object) -> Predicate | None:
    """One metadata key: wildcard, comparisons, or containment of `{key: condition}`."""
    if condition == WILDCARD:
        return None
    if isinstance(condition, dict) and _has_operator(condition):
        return _compile_key_operators(key, condition)
    if condition is None or condition.__class__ in (str, int, float, bool):
        return with_lookup(_compile_key_equals(key, condition), Equals(metadata_view(key), (metadata_key(condition),)))

    def predicate(record: Record) -> bool:
        metadata = metadata_of(record)
        return key in metadata and json_contains(metadata[key], condition)

    return with_lookup(predicate, _holding(key, condition))


def _holding(key: str, condition: object) -> Equals:
    """What an index can say of `metadata @> {key: condition}`: exactly who holds a scalar,
    and, of an object or array, who holds one of that kind (the predicate judges the rest)."""
    if isinstance(condition, dict):
        return Equals(metadata_view(key), (OBJECT,), exact=False)
    if isinstance(condition, list):
        return Equals(metadata_view(key), (ARRAY,), exact=False)
    return Equals(metadata_view(key), (metadata_key(condition),))


def _compile_key_equals(key: str, wanted: object) -> Predicate:
    """`{key: scalar}`: `json_contains` of a scalar, specialised by the scalar's type. The
    common filter, and the hot loop of a filtered page (3x faster than the general path,
    bench/results.md P5), hence each closure reads the key itself. Stored values are JSON's
    own types, so class checks are exact: 1 equals 1.0, true is not 1."""
    missing = object()
    if wanted is None or wanted.__class__ is bool:
        def same_object(record: Record) -> bool:
            metadata = record.get("metadata")
            return isinstance(metadata, dict) and metadata.get(key, missing) is wanted
        return same_object
    if wanted.__class__ is str:
        def text_equals(record: Record) -> bool:
            metadata = record.get("metadata")
            value = metadata.get(key) if isinstance(metadata, dict) else None
            return value.__class__ is str and value == wanted
        return text_equals

    def number_equals(record: Record) -> bool:
        metadata = record.get("metadata")
        value = metadata.get(key) if isinstance(metadata, dict) else None
        return (value.__class__ is int or value.__class__ is float) and value == wanted
    return number_equals


def _compile_key_operators(key: str, operators: dict[Any, Any]) -> Predicate | None:
    """The comparisons on one metadata key, ANDed."""
    parts = []
    for op, operand in operators.items():
        if op not in COMPARISON_OPERATORS:
            raise FilterError(f"Unsupported operator '{op}' for metadata key '{key}'")
        if operand == WILDCARD:
            continue
        if op in _ORDERINGS:
            part: Predicate | None = _compile_key_ordering(key, op, operand)
        elif op == "in":
            part = _compile_key_membership(key, operand)
        else:
            part = _compile_key_substring(key, op, operand)
        if part is not None:
            parts.append(part)
    return _all_of(parts)


def _compile_key_ordering(key: str, op: str, operand: object) -> Predicate:
    """gte/lte/gt/lt/ne on a key: text for booleans and non-numeric strings, else numeric."""
    compare = _ORDERINGS[op]
    bound: Any
    read: Callable[[Any], Any]
    number = read_number(operand)
    if isinstance(operand, bool):
        bound, read = ("true" if operand else "false"), stored_text
    elif number is not None:
        bound, read = number, stored_metadata_number
    elif isinstance(operand, str):
        bound, read = operand, stored_text
    else:
        raise FilterError(
            f"Operator '{op}' on metadata key '{key}' requires a number, a boolean or a string"
        )

    def predicate(record: Record) -> bool:
        stored = read(metadata_of(record).get(key))
        return stored is not None and compare(stored, bound)

    view = metadata_text_view(key) if read is stored_text else metadata_number_view(key)
    return with_lookup(_null_when_unread(predicate, key, read), Within(view, op, bound))


def _compile_key_membership(key: str, operand: object) -> Predicate | None:
    """`in` on a key: its text form is one of the listed values' text forms."""
    if not isinstance(operand, list):
        raise FilterError("Operator 'in' requires a list")
    if WILDCARD in operand:
        return None
    where = f"Operator 'in' on metadata key '{key}'"
    texts = frozenset(text for item in operand if (text := _operand_text(item, where)) is not None)
    def predicate(record: Record) -> bool:
        return stored_text(metadata_of(record).get(key)) in texts

    return with_lookup(_null_when_unread(predicate, key, stored_text), Equals(metadata_text_view(key), tuple(texts)))


def _compile_key_substring(key: str, op: str, operand: object) -> Predicate:
    """contains/icontains on a key: case-insensitive substring of its text form."""
    needle = _operand_text(operand, f"Operator '{op}' on metadata key '{key}'")
    if needle is None:
        return _never
    needle = needle.lower()

    def predicate(record: Record) -> bool:
        stored = stored_text(metadata_of(record).get(key))
        return stored is not None and needle in stored.lower()

    return _null_when_unread(predicate, key, stored_text)


# --- JSON values ----------------------------------------------------------------------


def _operand_text(operand: object, where: str) -> str | None:
    """The text form of a filter operand, by the same rule as stored values."""
    if operand is None or isinstance(operand, str):
        return operand
    try:
        return json_literal(operand)
    except (ValueError, TypeError):
        raise FilterError(f"{where} got a value with no text form: {_describe(operand)}") from None


# --- numbers and date-times -----------------------------------------------------------


def _parse_datetime(name: str, operand: object) -> datetime:
    """An ISO 8601 date-time operand; naive ones are UTC and a date alone is its midnight."""
    if isinstance(operand, str):
        try:
            parsed = datetime.fromisoformat(operand.strip())
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    raise FilterError(f"Invalid datetime value for {name}: {_describe(operand)}")


# --- error messages -------------------------------------------------------------------


def _describe(value: object) -> str:
    """A short printable form of a client value for an error message."""
    try:
        text = repr(value)
    except ValueError:  # an integer with more digits than Python will print
        return "a number too large to print"
    return text if len(text) <= 100 else text[:97] + "..."


def _json_type(value: object) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"
