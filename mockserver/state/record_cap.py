"""Caps on what the mock holds, answered with a clear error instead of unbounded growth.

`--max-records N` caps the records stored across every workspace: workspaces, peers,
sessions (deleted ones too: they stay stored, inactive) and messages. A request that
would take the total past N is refused whole, before anything changes, with

    507 Insufficient Storage
    {"detail": "Record limit reached: this mock stores at most N records (workspaces,
                peers, sessions and messages); it holds H and the request needs R more.
                Delete a workspace, POST /_mock/reset, or restart with a larger --max-records."}

The count is kept as records are made (no walk over the state per request): `RecordCap` is
the store's `Admission`, which the store asks wherever it makes a record (state/store.py),
so no creating method, fixture or clone can escape it. Each store method reserves what it
is about to add before it changes anything; a handler that calls several of them (say a
conclusion naming a new peer and a new session) can, right at the cap, keep what the
earlier calls made. The body-size cap (`--max-body`, 413) lives in http/bodies.py.
"""

from __future__ import annotations

import time
from typing import Callable

from mockserver.errors import ApiError
from mockserver.state.clock import Clock
from mockserver.state.store import Admission, Store

DEFAULT_MAX_RECORDS = 2_000_000
INSUFFICIENT_STORAGE = 507


class RecordLimitReached(ApiError):
    """The store is full: the request would take it past `--max-records`."""

    def __init__(self, limit: int, held: int, needed: int) -> None:
        super().__init__(
            INSUFFICIENT_STORAGE,
            f"Record limit reached: this mock stores at most {limit} records (workspaces, peers, sessions and "
            f"messages); it holds {held} and the request needs {needed} more. Delete a workspace, "
            f"POST /_mock/reset, or restart with a larger --max-records.",
        )
        self.limit = limit
        self.held = held
        self.needed = needed


def count_records(store: Store) -> int:
    """Every record held, walking the whole state (deleted sessions and their messages included)."""
    return store.record_count()


class RecordCap(Admission):
    """The store's admission with a cap: at most `max_records` records (None: no cap), counted
    as they are made, so that no request walks the state."""

    def __init__(self, max_records: int | None = DEFAULT_MAX_RECORDS, recount: Callable[[], int] | None = None) -> None:
        self.max_records = max_records if max_records else None
        self.records = 0
        self._recount = recount
        self._recounted = float("-inf")

    def reserve(self, needed: int) -> None:
        if self.max_records is None or needed <= 0 or self.records + needed <= self.max_records:
            return
        # the running count only drifts if state is changed behind the store's back: trust a recount,
        # at most once a second (a client hammering a full mock must not cost a walk of the state each time)
        if self._recount is not None and time.monotonic() - self._recounted > 1.0:
            self.reset(self._recount())
            self._recounted = time.monotonic()
        if self.records + needed > self.max_records:
            raise RecordLimitReached(self.max_records, self.records, needed)

    def admit(self, count: int) -> None:
        self.reserve(count)
        self.records += count

    def release(self, count: int) -> None:
        self.records -= count

    def reset(self, held: int = 0) -> None:
        self.records = held


def capped_store(clock: Clock | None = None, max_records: int | None = DEFAULT_MAX_RECORDS) -> Store:
    """A store whose every record creation is admitted by a `RecordCap`."""
    store = Store(clock)
    store.admission = RecordCap(max_records, recount=store.record_count)
    return store
