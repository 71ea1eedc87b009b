"""The mock's filter engine (mockserver/state/filters.py) and the tester's reference evaluator
(conformance/filters_reference.py) were written apart, on purpose: neither package imports the
other. Held side by side here on random filters over random records, they must select the same
records, and refuse the same invalid filters.

The mock answers a filter two ways: by scanning with the compiled predicate, or through the
indexes its tables keep (mockserver/state/indexes.py). Both are held to the reference: the
predicate over a plain list, and the tables (the workspaces', peers' and sessions' RecordTable,
a session's MessageLog) over the same records, queried, then changed (records made, changed in
place, replaced, removed) and queried again, so that indexes built by one query must have
followed every change before the next."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.honcho import filters_reference as reference
from conformance.honcho.filter_generator import (
    invalid_filters,
    random_filter,
    sample_metadata,
)
from mockserver.state.filters import FilterError, compile_filter
from mockserver.state.tables import MessageLog, RecordTable

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
RESOURCES = ("workspace", "peer", "session", "message", "conclusion")


def stamp(offset: int) -> str:
    return (T0 + timedelta(minutes=offset)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(resource: str, index: int, rng: random.Random) -> dict[str, Any]:
    """A stored record of `resource` in the API's shape, with generator-vocabulary metadata."""
    base: dict[str, Any] = {"id": f"r{index}", "workspace_id": rng.choice(("w1", "w2")),
                            "created_at": stamp(rng.randrange(-600, 600)), "metadata": sample_metadata(rng)}
    if resource == "workspace":
        del base["workspace_id"]
    if resource == "session":
        base["is_active"] = rng.random() < 0.7
    if resource == "message":
        base.update(session_id=rng.choice(("s1", "s2")), peer_id=rng.choice(("alice", "bob")),
                    token_count=rng.randrange(0, 40), content="text")
    if resource == "conclusion":
        base.update(session_id=rng.choice(("s1", "s2", None)), observer_id=rng.choice(("alice", "bob")),
                    observed_id=rng.choice(("alice", "bob")), content="fact")
    return base


def mock_selects(filters: Any, records: list[dict[str, Any]], resource: str, sql_nulls: bool = False) -> list[str]:
    predicate = compile_filter(filters, resource, sql_nulls)
    return [r["id"] for r in records if predicate is None or predicate(r)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), resource=st.sampled_from(RESOURCES), size=st.integers(0, 12),
       sql_nulls=st.booleans())
def test_both_engines_select_the_same_records(seed: int, resource: str, size: int, sql_nulls: bool) -> None:
    """Under either logic of NOT over NULL (behaviour filter_null_logic)."""
    rng = random.Random(seed)
    records = [record(resource, i, rng) for i in range(size)]
    filters = random_filter(rng, resource, records)
    try:
        expected = [r["id"] for r in reference.evaluate(filters, records, resource, sql_nulls)]
    except reference.Undefined:
        return  # the language leaves this construct open: nothing to compare
    assert mock_selects(filters, records, resource, sql_nulls) == expected, filters


@pytest.mark.parametrize("resource", RESOURCES)
def test_both_engines_refuse_the_same_invalid_filters(resource: str) -> None:
    for filters in invalid_filters(resource):
        with pytest.raises(reference.FilterError):
            reference.compile_filter(filters, resource)
        with pytest.raises(FilterError):
            compile_filter(filters, resource)


def table_of(resource: str, records: list[dict[str, Any]]) -> RecordTable | MessageLog:
    """The records in the table the store keeps them in (conclusions, never indexed by the
    store, in a RecordTable too: the indexes know no resource)."""
    if resource == "message":
        log = MessageLog()
        for item in records:
            log.add(item, fresh=True)
        return log
    return RecordTable(items=((item["id"], item) for item in records))


def reference_ids(filters: Any, records: list[dict[str, Any]], resource: str) -> list[str] | None:
    try:
        return [r["id"] for r in reference.evaluate(filters, records, resource)]
    except reference.Undefined:
        return None  # the language leaves this construct open: nothing to compare


def change_some(table: RecordTable | MessageLog, resource: str, rng: random.Random, made: int) -> None:
    """Records changed as the store changes them: metadata replaced in place (then `changed`),
    records replaced whole under their id, new ones made, sessions and peers removed."""
    stored = list(table.values())
    for item in rng.sample(stored, min(len(stored), rng.randint(0, 3))):
        item["metadata"] = sample_metadata(rng)
        if rng.random() < 0.3 and "created_at" in item:
            item["created_at"] = stamp(rng.randrange(-600, 600))
        table.changed(item["id"])
    for item in rng.sample(stored, min(len(stored), rng.randint(0, 1))):
        table[item["id"]] = {**record(resource, 0, rng), "id": item["id"]}
    for index in range(rng.randint(0, 3)):
        new = record(resource, made + index, rng)
        if isinstance(table, MessageLog):
            table.add(new, fresh=True)
        else:
            table[new["id"]] = new
    if isinstance(table, RecordTable):
        for item in rng.sample(list(table.values()), min(len(table), rng.randint(0, 2))):
            if rng.random() < 0.5:
                del table[item["id"]]
            else:
                table.pop(item["id"])
                if rng.random() < 0.5:
                    table[item["id"]] = item  # back, at the end


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), resource=st.sampled_from(RESOURCES), size=st.integers(0, 30))
def test_indexed_tables_select_what_the_reference_selects_as_state_changes(seed: int, resource: str, size: int) -> None:
    rng = random.Random(seed)
    table = table_of(resource, [record(resource, i, rng) for i in range(size)])
    for round_ in range(4):
        current = list(table.values())
        for _ in range(3):
            filters = random_filter(rng, resource, current)
            expected = reference_ids(filters, current, resource)
            if expected is None:
                continue
            assert [r["id"] for r in table.select(compile_filter(filters, resource))] == expected, filters
            assert mock_selects(filters, current, resource) == expected, filters
        change_some(table, resource, rng, made=size + 10 * round_)
