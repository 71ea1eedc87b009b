"""Rules on what kind of value a schema allows: its JSON types, null, its format."""

from __future__ import annotations

from typing import Any, Callable, Iterator

from conformance.breaking.pairs import Pair
from conformance.breaking.schemas import moved, nullable, types, widens


def _type_change(pair: Pair, reported: Callable[[set[str], set[str]], bool]) -> Iterator[str]:
    """The types changed, and `reported(old types, new types)` says this rule reports it."""
    old, new = types(pair.old), types(pair.new)
    if old != new and reported(old, new):
        yield f"type {sorted(old) or 'any'} -> {sorted(new) or 'any'}"


def request_property_type_changed(pair: Pair) -> Iterator[str]:
    yield from _type_change(pair, lambda old, new: not widens(old, new))


def request_property_type_generalized(pair: Pair) -> Iterator[str]:
    yield from _type_change(pair, widens)


def response_property_type_changed(pair: Pair) -> Iterator[str]:
    yield from _type_change(pair, lambda old, new: not widens(new, old))


def response_property_type_specialized(pair: Pair) -> Iterator[str]:
    yield from _type_change(pair, lambda old, new: widens(new, old))


def request_property_became_not_nullable(pair: Pair) -> Iterator[str]:
    if nullable(pair.old) and not nullable(pair.new):
        yield "null no longer accepted"


def response_property_became_nullable(pair: Pair) -> Iterator[str]:
    if not nullable(pair.old) and nullable(pair.new):
        yield "may now be null"


def nullability_relaxed(pair: Pair) -> Iterator[str]:
    """The reader takes null where the writer never writes it."""
    if nullable(pair.reader) and not nullable(pair.writer):
        yield "null now accepted" if nullable(pair.new) else "never null any more"


def _format_change(pair: Pair, reported: Callable[[Any, Any], bool]) -> Iterator[str]:
    """The format changed, and `reported(old format, new format)` says this rule reports it."""
    change = moved(pair.old, pair.new, "format")
    if change and reported(*change):
        yield f"format {change[0] or '(none)'} -> {change[1] or '(none)'}"


def request_property_format_changed(pair: Pair) -> Iterator[str]:
    yield from _format_change(pair, lambda old, new: new is not None)


def response_property_format_changed(pair: Pair) -> Iterator[str]:
    yield from _format_change(pair, lambda old, new: old is not None)


def format_relaxed(pair: Pair) -> Iterator[str]:
    """The reader no longer holds the writer to a format."""
    yield from _format_change(pair, lambda old, new: pair.written_and_read(old, new)[1] is None)
