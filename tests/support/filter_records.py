"""Records and readers for the filter-language tests (tests/mockserver/state/test_filters*.py):
records in the API's external shape and what a compiled filter keeps of them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mockserver.state.filters import FilterError, compile_filter

T0 = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)

RESOURCE_FIELDS = {
    "workspace": ["id", "created_at", "metadata"],
    "peer": ["id", "workspace_id", "created_at", "metadata"],
    "session": ["id", "workspace_id", "is_active", "created_at", "metadata"],
    "message": ["workspace_id", "session_id", "peer_id", "token_count", "created_at", "metadata"],
    "conclusion": ["session_id", "workspace_id", "observer_id", "observed_id", "metadata"],
}


def message(ident: str, **fields: Any) -> dict[str, Any]:
    """A message record in the API's external shape, with overridable fields."""
    record = {
        "id": ident,
        "workspace_id": "w1",
        "session_id": "s1",
        "peer_id": "alice",
        "content": "hello",
        "metadata": {},
        "token_count": 1,
        "created_at": T0,
    }
    record.update(fields)
    return record


def session(ident: str, **fields: Any) -> dict[str, Any]:
    """A session record in the API's external shape, with overridable fields."""
    record = {
        "id": ident,
        "workspace_id": "w1",
        "is_active": True,
        "metadata": {},
        "configuration": {},
        "created_at": T0,
    }
    record.update(fields)
    return record


def conclusion(ident: str, **fields: Any) -> dict[str, Any]:
    """A conclusion record: no metadata key at all."""
    record = {
        "id": ident,
        "workspace_id": "w1",
        "session_id": "s1",
        "observer_id": "alice",
        "observed_id": "bob",
        "content": "likes tea",
        "created_at": T0,
    }
    record.update(fields)
    return record


MESSAGES = [
    message("m1", peer_id="alice", token_count=1, created_at=T0),
    message(
        "m2", peer_id="bob", token_count=2, metadata={"k": "v"}, created_at=T0 + timedelta(hours=1)
    ),
    message(
        "m3", peer_id="alice", token_count=5, session_id="s2", created_at=T0 + timedelta(days=1)
    ),
    message("m4", peer_id="Carol_50%", token_count=10, created_at=T0 + timedelta(days=2)),
]

META = [
    session("n1", metadata={"score": 5}),
    session("n2", metadata={"score": "4"}),
    session("n3", metadata={"score": 4.5}),
    session("n4", metadata={"score": ""}),
    session("n5", metadata={"score": "high"}),
    session("n6", metadata={"score": None}),
    session("n7", metadata={}),
    session("n8", metadata={"score": True}),
    session("n9", metadata={"score": {"x": 1}}),
    session("n10", metadata={"score": "2024-03-01"}),
]


def matching(filters: object, records: Iterable[Mapping[str, Any]], resource: str) -> list[str]:
    """Ids of the records the compiled filter keeps (all of them when it adds no condition)."""
    predicate = compile_filter(filters, resource)
    return [r["id"] for r in records if predicate is None or predicate(r)]


def messages(filters: object) -> list[str]:
    return matching(filters, MESSAGES, "message")


def meta(filters: object) -> list[str]:
    return matching(filters, META, "session")


def refused(filters: object, resource: str = "message") -> str:
    """The 422 detail the filter earns."""
    with pytest.raises(FilterError) as caught:
        compile_filter(filters, resource)
    return str(caught.value)
