"""Rules on what kind of value a schema allows: its JSON types, null, its format."""

from __future__ import annotations

from typing import Any, Iterator

from conformance.breaking.pairs import Pair
from conformance.breaking.schemas import nullable, types, widens


def _type_move(pair: Pair) -> tuple[set[str], set[str], str] | None:
    """(old types, new types, message), or None when the types did not change."""
    old, new = types(pair.old), types(pair.new)
    return None if old == new else (old, new, f"type {sorted(old) or 'any'} -> {sorted(new) or 'any'}")


def request_property_type_changed(pair: Pair) -> Iterator[str]:
    move = _type_move(pair)
    if move and not widens(move[0], move[1]):
        yield move[2]


def request_property_type_generalized(pair: Pair) -> Iterator[str]:
    move = _type_move(pair)
    if move and widens(move[0], move[1]):
        yield move[2]


def response_property_type_changed(pair: Pair) -> Iterator[str]:
    move = _type_move(pair)
    if move and not widens(move[1], move[0]):
        yield move[2]


def response_property_type_specialized(pair: Pair) -> Iterator[str]:
    move = _type_move(pair)
    if move and widens(move[1], move[0]):
        yield move[2]


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


def _formats(pair: Pair) -> tuple[Any, Any]:
    return pair.old.get("format"), pair.new.get("format")


def request_property_format_changed(pair: Pair) -> Iterator[str]:
    old, new = _formats(pair)
    if old != new and new is not None:
        yield f"format {old or '(none)'} -> {new}"


def response_property_format_changed(pair: Pair) -> Iterator[str]:
    old, new = _formats(pair)
    if old != new and old is not None:
        yield f"format {old} -> {new or '(none)'}"


def format_relaxed(pair: Pair) -> Iterator[str]:
    """The reader no longer holds the writer to a format."""
    old, new = _formats(pair)
    if pair.reader.get("format") is None and pair.writer.get("format") is not None:
        yield f"format {old or '(none)'} -> {new or '(none)'}"
