"""What an index can answer of a compiled filter: lookups, and the views they read.

state/filters.py compiles a filter into a predicate over one record; where a condition
selects by a value an index can hold (equality and `in` on fields, metadata containment
and equality, comparisons on timestamps and on metadata values read as numbers or as
text), it also attaches a lookup to the predicate (`with_lookup`). The indexes
(state/indexes.py) answer a lookup with the positions of the records it may select,
without reading the others; the predicate stays the meaning, and decides for every
record a lookup does not select exactly.

A `View` is one way of reading a record, named so that an index kept for it can be found
again by a later filter: the key a record has in it is computed by the same readers
(state/json_values.py) the predicate compares with, so both agree by construction. A
record without a key in a view (`SKIP`) is in none of its entries.

- `Equals(view, keys, exact)`: records whose key is one of `keys`. Exact when holding the
  key is the whole condition; not exact when it only narrows (a metadata value that must
  contain an object is, first, an object).
- `Within(view, op, bound)`: records whose key compares with `bound` by `op`
  (gte/lte/gt/lt/ne) in an ordered view.
- `AllOf(parts, exact)`, `AnyOf(parts, exact)`: AND and OR of lookups; an AND is exact
  when every condition of it had an exact lookup, an OR only when all its parts did.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Mapping, Union

from mockserver.state.json_values import (
    metadata_of,
    stored_metadata_number,
    stored_text,
)

Record = Mapping[str, Any]


class _Marker:
    """A key no JSON value reads as: compares equal only to itself."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


SKIP = _Marker("SKIP")  # the record has no key in this view
NULL = _Marker("NULL")  # a plain field holding null (SQL `IS NULL`)
OBJECT = _Marker("OBJECT")  # a metadata value that is a JSON object
ARRAY = _Marker("ARRAY")  # a metadata value that is a JSON array
TRUE, FALSE = _Marker("TRUE"), _Marker("FALSE")  # JSON true/false: `1 == True` in Python, never in JSON
_MISSING = object()


class View:
    __slots__ = ("name", "key", "ordered")

    def __init__(self, name: tuple[str, ...], key: Callable[[Record], Any], ordered: bool) -> None:
        self.name, self.key, self.ordered = name, key, ordered


# The lookups are made per request (a filter is compiled for each): plain classes with slots,
# 10x cheaper to make than frozen dataclasses.
class Equals:
    __slots__ = ("view", "keys", "exact")

    def __init__(self, view: View, keys: tuple[Any, ...], exact: bool = True) -> None:
        self.view, self.keys, self.exact = view, keys, exact


class Within:
    __slots__ = ("view", "op", "bound", "exact")

    def __init__(self, view: View, op: str, bound: Any) -> None:
        self.view, self.op, self.bound, self.exact = view, op, bound, True


class AllOf:
    __slots__ = ("parts", "exact")

    def __init__(self, parts: tuple[Lookup, ...], exact: bool) -> None:
        self.parts, self.exact = parts, exact


class AnyOf:
    __slots__ = ("parts", "exact")

    def __init__(self, parts: tuple[Lookup, ...], exact: bool) -> None:
        self.parts, self.exact = parts, exact


Lookup = Union[Equals, Within, AllOf, AnyOf]
NOTHING = AnyOf((), True)  # the condition no record meets


def with_lookup(predicate: Callable[[Record], bool], lookup: Lookup | None) -> Callable[[Record], bool]:
    """The predicate, carrying what an index can answer of it (a plain attribute: the
    predicate itself is called per record and must stay a bare function)."""
    if lookup is not None:
        predicate.lookup = lookup  # type: ignore[attr-defined]
    return predicate


def lookup_of(predicate: Callable[[Record], bool]) -> Lookup | None:
    return getattr(predicate, "lookup", None)


def all_of(lookups: list[Lookup | None]) -> Lookup | None:
    """The AND of conditions: narrowed by those with a lookup, exact when all had exact ones."""
    known = tuple(lookup for lookup in lookups if lookup is not None)
    if not known:
        return None
    return AllOf(known, len(known) == len(lookups) and all(lookup.exact for lookup in known))


def any_of(lookups: list[Lookup | None]) -> Lookup | None:
    """The OR of conditions: only when every one has a lookup (else any record may match)."""
    if not lookups or any(lookup is None for lookup in lookups):
        return None
    known = tuple(lookup for lookup in lookups if lookup is not None)
    return AnyOf(known, all(lookup.exact for lookup in known))


# --- views ----------------------------------------------------------------------------


@lru_cache(maxsize=64)
def field_view(name: str, reader: Callable[[Any], Any]) -> View:
    """A plain field read for equality: `reader`'s value, NULL for a stored null."""

    def key(record: Record) -> Any:
        raw = record.get(name)
        if raw is None:
            return NULL
        value = reader(raw)
        return SKIP if value is None else value

    return View(("field", name, reader.__name__), key, ordered=False)


@lru_cache(maxsize=64)
def ordered_field_view(name: str, reader: Callable[[Any], Any]) -> View:
    """A plain field read for comparisons (numbers, date-times), in order."""

    def key(record: Record) -> Any:
        value = reader(record.get(name))
        return SKIP if value is None else value

    return View(("ordered-field", name, reader.__name__), key, ordered=True)


def metadata_key(value: Any) -> Any:
    """A metadata value as a key: JSON scalars equal as `{key: scalar}` containment says
    (numbers by value, 1 == 1.0, never true == 1), objects and arrays only as kinds."""
    kind = value.__class__
    if kind is str or kind is int or kind is float:
        return value
    if kind is bool:
        return TRUE if value else FALSE
    if value is None:
        return NULL
    if isinstance(value, dict):
        return OBJECT
    if isinstance(value, list):
        return ARRAY
    return SKIP


@lru_cache(maxsize=1024)
def metadata_view(field: str) -> View:
    """A metadata key's value (`metadata_key`); records without the key have none."""

    def key(record: Record) -> Any:
        value = metadata_of(record).get(field, _MISSING)
        return SKIP if value is _MISSING else metadata_key(value)

    return View(("metadata", field), key, ordered=False)


@lru_cache(maxsize=1024)
def metadata_text_view(field: str) -> View:
    """A metadata key's `->>` text, in code-point order."""
    return _metadata_read_view("metadata-text", field, stored_text)


@lru_cache(maxsize=1024)
def metadata_number_view(field: str) -> View:
    """A metadata key read as a number (`(metadata ->> key)::numeric`), in numeric order."""
    return _metadata_read_view("metadata-number", field, stored_metadata_number)


def _metadata_read_view(name: str, field: str, read: Callable[[Any], Any]) -> View:
    def key(record: Record) -> Any:
        value = read(metadata_of(record).get(field))
        return SKIP if value is None else value

    return View((name, field), key, ordered=True)
