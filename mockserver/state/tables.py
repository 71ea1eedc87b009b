"""The store's ordered collections, which keep their indexes (state/indexes.py) in step.

- `RecordTable`: the workspaces, and a workspace's peers and sessions. A dict (id ->
  record, or the state holding a record, read through `pick`) in listing order; every way
  of changing it (`[k] = v`, `del`, `pop`, `update`, `clear`, ...) tells its indexes, and
  `changed(key)` tells them of a record whose fields were changed in place.
- `MessageLog`: a session's messages, in order. A list, with the map from message id to
  position made only when an id is first looked up (or a message arrives with an id made
  elsewhere): a million stored messages with server-made ids, read as pages, need no map
  (38 bytes a message, bench/results.md). Read as a mapping (id -> record) like a dict.

Both answer a compiled filter with `select`: a window over everything when it has no
condition, the index's answer when it has a lookup, else a scan.
"""

from __future__ import annotations

import copy
import operator
from itertools import islice
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence
from typing import Any, overload

from mockserver.state.indexes import Indexes, Selection
from mockserver.state.lookups import lookup_of

Record = dict[str, Any]
Predicate = Callable[[Mapping[str, Any]], bool]
_id_of: Callable[[Record], str] = operator.itemgetter("id")


def _same(value: Any) -> Any:
    return value


class Window:
    """An ordered, sized view of records that pages can be sliced from cheaply."""

    def __init__(self, source: Mapping[str, Any] | Sequence[Any], pick: Callable[[Any], Record] = _same) -> None:
        self._source = source
        self._pick = pick

    def __len__(self) -> int:
        return len(self._source)

    def __iter__(self) -> Iterator[Record]:
        values = self._source.values() if isinstance(self._source, Mapping) else self._source
        return map(self._pick, values)

    def __reversed__(self) -> Iterator[Record]:
        values = self._source.values() if isinstance(self._source, Mapping) else self._source
        return map(self._pick, reversed(values))  # type: ignore[call-overload]

    def page(self, start: int, stop: int, reverse: bool = False) -> list[Record]:
        """Records `start` to `stop` (counted from the end when `reverse`): the skipped ones
        are passed over as stored values, only the page's are read as records."""
        values = self._source.values() if isinstance(self._source, Mapping) else self._source
        ordered = reversed(values) if reverse else iter(values)  # type: ignore[call-overload]
        return list(map(self._pick, islice(ordered, start, stop)))


def page_of(records: Sequence[Record] | Window, start: int, stop: int, reverse: bool = False) -> list[Record]:
    """Records `start` to `stop` of an ordered selection (counted from its end when `reverse`),
    without walking the records before the page where the selection can be sliced: page
    1,000 of 100,000 sessions costs what page 1 costs (bench/results.md, growth)."""
    kind = records.__class__
    if kind is Window:
        return records.page(start, stop, reverse)  # type: ignore[union-attr]
    if kind in _SLICED:
        if not reverse:
            return list(records[start:stop])
        total = len(records)
        return list(records[max(total - stop, 0):max(total - start, 0)])[::-1]
    ordered = reversed(records) if reverse else iter(records)
    return list(islice(ordered, start, stop))


class _Positions:
    """A RecordTable's records by position, once some filter wanted an index of them."""

    def __init__(self, table: RecordTable) -> None:
        self.of: dict[str, int] = {}
        self.records: list[Any] = []
        for position, (key, value) in enumerate(dict.items(table)):
            self.of[key] = position
            self.records.append(table.pick(value))
        self.indexes = Indexes(self.records)
        self.removed = 0


class RecordTable(dict):  # type: ignore[type-arg]
    """An insertion-ordered dict of records (or of states whose `pick` is the record)."""

    __slots__ = ("pick", "_positions")

    def __init__(self, pick: Callable[[Any], Record] = _same, items: Iterable[tuple[str, Any]] = ()) -> None:
        super().__init__(items)
        self.pick = pick
        self._positions: _Positions | None = None

    # -- reading --------------------------------------------------------------------------
    def select(self, predicate: Predicate | None) -> Sequence[Record] | Window:
        """The records a compiled filter keeps, in order (a window when it keeps all)."""
        if predicate is None:
            return Window(self, self.pick)
        lookup = lookup_of(predicate)
        if lookup is None:
            return list(filter(predicate, map(self.pick, self.values())))
        if self._positions is None:
            self._positions = _Positions(self)
        return self._positions.indexes.select(lookup, predicate)

    # -- changing -------------------------------------------------------------------------
    def changed(self, key: str) -> None:
        """The record under `key` was changed in place (its metadata, its `created_at`)."""
        held = self._positions
        if held is not None and key in held.of:
            position = held.of[key]
            record = held.records[position] = self.pick(dict.__getitem__(self, key))
            held.indexes.replaced(position, record)

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, value)
        held = self._positions
        if held is None:
            return
        record = self.pick(value)
        position = held.of.get(key)
        if position is None:
            position = held.of[key] = len(held.records)
            held.records.append(record)
            held.indexes.added(position, record)
        else:
            held.records[position] = record
            held.indexes.replaced(position, record)

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self, key)
        held = self._positions
        if held is None:
            return
        position = held.of.pop(key)
        held.records[position] = None
        held.indexes.removed(position)
        held.removed += 1
        if held.removed > 1000 and held.removed * 2 > len(held.records):
            self._positions = None  # mostly holes: made again, compact, when next needed

    _MISSING = object()

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        if key in self:
            value = dict.__getitem__(self, key)
            del self[key]
            return value
        if default is RecordTable._MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[str, Any]:
        key = next(reversed(self))
        return key, self.pop(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *others: Any, **more: Any) -> None:
        for other in (*others, more):
            pairs = other.items() if isinstance(other, Mapping) else other
            for key, value in pairs:
                self[key] = value

    def __ior__(self, other: Any) -> RecordTable:  # type: ignore[override]
        self.update(other)
        return self

    def clear(self) -> None:
        dict.clear(self)
        self._positions = None

    def copy(self) -> RecordTable:  # type: ignore[override]
        return RecordTable(self.pick, dict.items(self))

    def __copy__(self) -> RecordTable:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> RecordTable:
        copied = RecordTable(self.pick)
        memo[id(self)] = copied
        for key, value in dict.items(self):
            dict.__setitem__(copied, key, copy.deepcopy(value, memo))
        return copied

    def __reduce__(self) -> Any:
        return (RecordTable, (self.pick, list(dict.items(self))))


class RecordsView(Sequence[Record]):
    """A MessageLog's records in order, read-only."""

    __slots__ = ("_records",)

    def __init__(self, records: list[Record]) -> None:
        self._records = records

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._records)

    def __reversed__(self) -> Iterator[Record]:
        return reversed(self._records)

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        return self._records[index]


class MessageLog(Mapping[str, Record]):
    """A session's messages in order, read as a mapping id -> record."""

    __slots__ = ("_records", "_ids", "_indexes")

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._records: list[Record] = list(records)
        self._ids: dict[str, int] | None = None
        self._indexes: Indexes | None = None

    # -- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[str]:
        return map(_id_of, self._records)

    def __getitem__(self, message_id: str) -> Record:
        return self._records[self._id_positions()[message_id]]

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._id_positions()

    def get(self, message_id: str, default: Any = None) -> Any:  # type: ignore[override]
        position = self._id_positions().get(message_id)
        return default if position is None else self._records[position]

    def values(self) -> RecordsView:  # type: ignore[override]
        return RecordsView(self._records)

    def keys(self) -> KeysView[str]:
        return KeysView(self)

    def items(self) -> ItemsView[str, Record]:
        return _LogItems(self)

    def select(self, predicate: Predicate | None) -> Sequence[Record]:
        """The messages a compiled filter keeps, in order."""
        if predicate is None:
            return RecordsView(self._records)
        lookup = lookup_of(predicate)
        if lookup is None:
            return list(filter(predicate, self._records))
        if self._indexes is None:
            self._indexes = Indexes(self._records)
        return self._indexes.select(lookup, predicate)

    def _id_positions(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = {record["id"]: position for position, record in enumerate(self._records)}
        return self._ids

    # -- changing -------------------------------------------------------------------------
    def add(self, record: Record, fresh: bool = False) -> None:
        """Store a message, replacing one with its id. `fresh`: its id was made by the
        store's clock, so no stored message can have it unless one came with an id of its
        own (the id map then exists and is asked)."""
        position = None if fresh and self._ids is None else self._id_positions().get(record["id"])
        if position is None:
            position = len(self._records)
            self._records.append(record)
            if self._ids is not None:
                self._ids[record["id"]] = position
            if self._indexes is not None:
                self._indexes.added(position, record)
        else:
            self._records[position] = record
            if self._indexes is not None:
                self._indexes.replaced(position, record)

    def extend(self, records: Iterable[Record], fresh: bool = False) -> None:
        """`add` each record, in order."""
        if fresh and self._ids is None and self._indexes is None:
            self._records.extend(records)  # nothing to look up, nothing to keep in step: a batch's common case
            return
        for record in records:
            self.add(record, fresh)

    def __setitem__(self, message_id: str, record: Record) -> None:
        if record.get("id") != message_id:
            raise ValueError(f"a message is stored under its own id, not {message_id!r}")
        self.add(record)

    def __delitem__(self, message_id: str) -> None:
        del self._records[self._id_positions()[message_id]]
        self._ids = self._indexes = None  # positions moved: made again when next needed

    def changed(self, message_id: str) -> None:
        """The message was changed in place (its metadata)."""
        if self._indexes is not None:
            position = self._id_positions()[message_id]
            self._indexes.replaced(position, self._records[position])

    def copy(self) -> MessageLog:
        return MessageLog(self._records)

    def __copy__(self) -> MessageLog:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> MessageLog:
        return MessageLog(copy.deepcopy(self._records, memo))

    def __reduce__(self) -> Any:
        return (MessageLog, (self._records,))

    def __repr__(self) -> str:
        return f"MessageLog({len(self._records)} messages)"


class _LogItems(ItemsView[str, Record]):
    def __iter__(self) -> Iterator[tuple[str, Record]]:
        log: MessageLog = self._mapping  # type: ignore[assignment]
        return ((record["id"], record) for record in log.values())


_SLICED = (list, RecordsView, Selection)  # selections a page is sliced from directly (page_of)
