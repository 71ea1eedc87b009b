"""Indexes over one ordered collection of records, kept in step with every change.

A collection (state/tables.py: a workspace's sessions or peers, a session's messages, the
workspaces) numbers its records by position, in the order it lists them; a record keeps
its position when it changes, a new one takes the next. `Indexes` holds, for each view
(state/lookups.py) some filter has asked about, every record's key in that view:

- an equality view keeps, per key, the sorted positions of the records holding it (a new
  record appends its position: the common write costs O(1));
- an ordered view keeps the keys sorted, each with its position, so that a comparison is
  two binary searches.

An index is built the first time a filter needs it (one pass over the collection), then
changed with each record made, changed or removed: a collection no filter ever reads
costs nothing. `Indexes.select` answers a lookup with the positions it may select, in
order; an exact lookup's positions are the answer (a page is sliced from them, the total
is their number), otherwise the compiled predicate decides for each candidate, which is
never more than a scan would have judged.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from typing import Any, Callable, Iterator, Mapping, overload

from mockserver.state.lookups import SKIP, AllOf, AnyOf, Equals, Lookup, View, Within

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]


class _EqualityIndex:
    """key -> sorted positions of the records holding it."""

    def __init__(self, key: Callable[[Record], Any]) -> None:
        self.key = key
        self.key_of: list[Any] = []  # by position
        self.postings: dict[Any, list[int]] = {}

    def add(self, position: int, record: Record | None) -> None:
        """A record at a new last position (None: a removed record's place)."""
        key = SKIP if record is None else self.key(record)
        self.key_of.append(key)
        if key is not SKIP:
            posting = self.postings.get(key)
            if posting is None:
                self.postings[key] = [position]
            else:
                posting.append(position)

    def remove(self, position: int) -> None:
        key, self.key_of[position] = self.key_of[position], SKIP
        if key is not SKIP:
            posting = self.postings[key]
            del posting[bisect_left(posting, position)]
            if not posting:
                del self.postings[key]

    def replace(self, position: int, record: Record) -> None:
        self.remove(position)
        key = self.key_of[position] = self.key(record)
        if key is not SKIP:
            insort(self.postings.setdefault(key, []), position)

    def equal(self, keys: tuple[Any, ...]) -> list[int]:
        found = [posting for key in keys if (posting := self.postings.get(key))]
        if len(found) == 1:
            return found[0]
        return sorted(set().union(*found)) if found else []


class _OrderedIndex:
    """Keys in order, each with its record's position (equal keys by position)."""

    def __init__(self, key: Callable[[Record], Any]) -> None:
        self.key = key
        self.key_of: list[Any] = []  # by position
        self.keys: list[Any] = []
        self.positions: list[int] = []

    def add(self, position: int, record: Record | None) -> None:
        key = SKIP if record is None else self.key(record)
        self.key_of.append(key)
        if key is not SKIP:
            at = bisect_right(self.keys, key)  # after equal keys: this position is the largest
            self.keys.insert(at, key)
            self.positions.insert(at, position)

    def remove(self, position: int) -> None:
        key, self.key_of[position] = self.key_of[position], SKIP
        if key is not SKIP:
            at = bisect_left(self.positions, position, bisect_left(self.keys, key), bisect_right(self.keys, key))
            del self.keys[at]
            del self.positions[at]

    def replace(self, position: int, record: Record) -> None:
        self.remove(position)
        key = self.key_of[position] = self.key(record)
        if key is not SKIP:
            at = bisect_left(self.positions, position, bisect_left(self.keys, key), bisect_right(self.keys, key))
            self.keys.insert(at, key)
            self.positions.insert(at, position)

    def equal(self, keys: tuple[Any, ...]) -> list[int]:
        found: list[int] = []
        for key in keys:
            found += self.positions[bisect_left(self.keys, key):bisect_right(self.keys, key)]
        return sorted(set(found)) if len(keys) > 1 else found

    def within(self, op: str, bound: Any) -> list[int]:
        keys, positions = self.keys, self.positions
        if op == "gte":
            found = positions[bisect_left(keys, bound):]
        elif op == "gt":
            found = positions[bisect_right(keys, bound):]
        elif op == "lte":
            found = positions[:bisect_right(keys, bound)]
        elif op == "lt":
            found = positions[:bisect_left(keys, bound)]
        else:  # ne
            found = positions[:bisect_left(keys, bound)] + positions[bisect_right(keys, bound):]
        found.sort()
        return found


class Selection(Sequence[Record]):
    """The records at some positions, in order: a page is sliced from it without reading
    the rest. Valid while its collection is unchanged (within one request)."""

    __slots__ = ("_positions", "_records")

    def __init__(self, positions: list[int], records: list[Any]) -> None:
        self._positions = positions
        self._records = records

    def __len__(self) -> int:
        return len(self._positions)

    def __iter__(self) -> Iterator[Record]:
        return map(self._records.__getitem__, self._positions)

    def __reversed__(self) -> Iterator[Record]:
        return map(self._records.__getitem__, reversed(self._positions))

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            return [self._records[position] for position in self._positions[index]]
        return self._records[self._positions[index]]


class Indexes:
    """The indexes of one collection; `records` is the collection's list by position
    (None where a record was removed), shared with it, not copied."""

    def __init__(self, records: list[Any]) -> None:
        self._records = records
        self._built: dict[tuple[str, ...], _EqualityIndex | _OrderedIndex] = {}

    # -- kept in step -----------------------------------------------------------------
    def added(self, position: int, record: Record) -> None:
        """A record was put at the next position."""
        for index in self._built.values():
            index.add(position, record)

    def replaced(self, position: int, record: Record) -> None:
        """The record at `position` changed (or is another record now)."""
        for index in self._built.values():
            index.replace(position, record)

    def removed(self, position: int) -> None:
        for index in self._built.values():
            index.remove(position)

    # -- answering ----------------------------------------------------------------------
    def select(self, lookup: Lookup, predicate: Predicate) -> Sequence[Record]:
        """The records the filter keeps, in collection order."""
        positions = self._positions(lookup)
        if lookup.exact:
            return Selection(positions, self._records)
        records = self._records
        return [record for record in map(records.__getitem__, positions) if predicate(record)]

    def _positions(self, lookup: Lookup) -> list[int]:
        """Sorted positions of every record the lookup may select (exactly those, when exact)."""
        if isinstance(lookup, Equals):
            return self._index(lookup.view).equal(lookup.keys)
        if isinstance(lookup, Within):
            index = self._index(lookup.view)
            assert isinstance(index, _OrderedIndex)
            return index.within(lookup.op, lookup.bound)
        found = [self._positions(part) for part in lookup.parts]
        if isinstance(lookup, AnyOf):
            if len(found) == 1:
                return found[0]
            return sorted(set().union(*found))
        assert isinstance(lookup, AllOf)
        found.sort(key=len)
        kept = found[0]
        for other in found[1:]:
            if not kept:
                break
            among = set(other)
            kept = [position for position in kept if position in among]
        return kept

    def _index(self, view: View) -> _EqualityIndex | _OrderedIndex:
        index = self._built.get(view.name)
        if index is None:
            index = _OrderedIndex(view.key) if view.ordered else _EqualityIndex(view.key)
            for position, record in enumerate(self._records):
                index.add(position, record)
            self._built[view.name] = index
        return index
