"""Rules on which values a schema allows: its enum, its bounds, `multipleOf` and
`uniqueItems`, its pattern, and the default a server assumes."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from conformance.breaking.changes import short
from conformance.breaking.pairs import Pair
from conformance.breaking.schemas import enum_values, moved

# ---------------------------------------------------------------------------------------- enums


def _enum_move(pair: Pair) -> tuple[list[Any], list[Any], bool, bool] | None:
    """(removed, added, old had an enum, new has one), or None when unchanged."""
    old, new = enum_values(pair.old), enum_values(pair.new)
    if old == new:
        return None
    old_keys = {json.dumps(v, sort_keys=True): v for v in old or []}
    new_keys = {json.dumps(v, sort_keys=True): v for v in new or []}
    removed = [v for k, v in old_keys.items() if k not in new_keys]
    added = [v for k, v in new_keys.items() if k not in old_keys]
    return removed, added, old is not None, new is not None


def _fewer(pair: Pair) -> Iterator[str]:
    """The values are now limited, or fewer of them."""
    move = _enum_move(pair)
    if move:
        removed, _added, had, has = move
        if not had and has:
            yield f"now limited to {short(enum_values(pair.new))}"
        elif has and removed:
            yield f"enum value(s) removed: {short(removed)}"


def _more(pair: Pair, unlimited: str) -> Iterator[str]:
    """The values are no longer limited (`unlimited` says so), or more of them."""
    move = _enum_move(pair)
    if move:
        _removed, added, had, has = move
        if had and not has:
            yield unlimited
        elif had and added:
            yield f"enum value(s) added: {short(added)}"


def request_property_enum_value_removed(pair: Pair) -> Iterator[str]:
    yield from _fewer(pair)


def request_property_enum_value_added(pair: Pair) -> Iterator[str]:
    yield from _more(pair, "enum dropped: any value accepted")


def response_property_enum_value_added(pair: Pair) -> Iterator[str]:
    yield from _more(pair, "enum dropped: any value may be returned")


def response_property_enum_value_removed(pair: Pair) -> Iterator[str]:
    yield from _fewer(pair)


# --------------------------------------------------------------------------------------- bounds
UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")


def _bound_moves(pair: Pair, keys: tuple[str, ...],
                 tighter: Callable[[float, float], bool]) -> Iterator[tuple[str, bool]]:
    """(message, narrowed?) for each bound keyword that changed; an absent bound is unbounded."""
    for key in keys:
        old, new = pair.old.get(key), pair.new.get(key)
        if old == new or not all(isinstance(v, (int, float)) or v is None for v in (old, new)):
            continue
        if old is None:
            yield f"{key} set to {new}", True
        elif new is None:
            yield f"{key} {old} removed", False
        else:
            yield f"{key} {old} -> {new}", tighter(new, old)


def _bounds(pair: Pair, narrowed: bool) -> list[str]:
    """The messages of the bounds that narrowed (or widened)."""
    moves = [*_bound_moves(pair, UPPER, lambda a, b: a < b), *_bound_moves(pair, LOWER, lambda a, b: a > b)]
    return [message for message, narrower in moves if narrower == narrowed]


def request_property_bound_narrowed(pair: Pair) -> Iterator[str]:
    yield from _bounds(pair, narrowed=True)


def request_property_bound_widened(pair: Pair) -> Iterator[str]:
    yield from _bounds(pair, narrowed=False)


def response_property_bound_widened(pair: Pair) -> Iterator[str]:
    yield from _bounds(pair, narrowed=False)


def response_property_bound_narrowed(pair: Pair) -> Iterator[str]:
    yield from _bounds(pair, narrowed=True)


# ------------------------------------------------------------------ multipleOf and uniqueItems
def _refuses_more(written: dict[str, Any], read: dict[str, Any], keyword: str) -> bool:
    """The reader's `keyword` refuses some value the writer's allows."""
    if keyword == "uniqueItems":
        return bool(read.get("uniqueItems")) and not written.get("uniqueItems")
    step, kept = written.get("multipleOf"), read.get("multipleOf")
    # every multiple of the written step is a multiple of the read one when the one divides the other
    return bool(kept) and (not step or (step / kept) != int(step / kept))  # a step of 0 is no step: ignored


def _constraint_moves(pair: Pair) -> Iterator[tuple[str, bool]]:
    """(message, the reader now refuses values the writer may write?) per multipleOf or uniqueItems change."""
    old, new = pair.old.get("multipleOf"), pair.new.get("multipleOf")
    if old != new and all(v is None or isinstance(v, (int, float)) for v in (old, new)):
        yield f"multipleOf {old} -> {new}", _refuses_more(pair.writer, pair.reader, "multipleOf")
    old_unique, new_unique = bool(pair.old.get("uniqueItems")), bool(pair.new.get("uniqueItems"))
    if old_unique != new_unique:
        yield f"uniqueItems {old_unique} -> {new_unique}", _refuses_more(pair.writer, pair.reader, "uniqueItems")


def property_constraint_breaks_reader(pair: Pair) -> Iterator[str]:
    """A request's constraint tightened, or a response's loosened: the reader refuses what the writer writes."""
    yield from (message for message, refuses in _constraint_moves(pair) if refuses)


def constraint_relaxed(pair: Pair) -> Iterator[str]:
    yield from (message for message, refuses in _constraint_moves(pair) if not refuses)


# ------------------------------------------------------------------------- patterns and defaults
def request_property_default_value_changed(pair: Pair) -> Iterator[str]:
    change = moved(pair.old, pair.new, "default")
    if change:
        yield f"default {short(change[0])} -> {short(change[1])}"


def _pattern_change(pair: Pair, reported: Callable[[Any, Any], bool]) -> Iterator[str]:
    """The pattern changed, and `reported(old pattern, new pattern)` says this rule reports it."""
    change = moved(pair.old, pair.new, "pattern")
    if change and reported(*change):
        yield f"pattern {change[0]!r} -> {change[1]!r}"


def request_property_pattern_changed(pair: Pair) -> Iterator[str]:
    yield from _pattern_change(pair, lambda old, new: new is not None)


def request_property_pattern_removed(pair: Pair) -> Iterator[str]:
    yield from _pattern_change(pair, lambda old, new: new is None)


def response_property_pattern_changed(pair: Pair) -> Iterator[str]:
    yield from _pattern_change(pair, lambda old, new: True)
