"""What the compiled filters tell the indexes: a lookup where an index can select, none where
only a scan can judge."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.state.filters import compile_filter
from mockserver.state.lookups import ARRAY, FALSE, NULL, OBJECT, SKIP, TRUE, AllOf, AnyOf, Equals, Within, lookup_of, metadata_key


def lookup(filters: Any, resource: str = "session") -> Any:
    predicate = compile_filter(filters, resource)
    assert predicate is not None
    return lookup_of(predicate)


def test_metadata_keys_equal_as_json_scalars_do() -> None:
    assert metadata_key(1) == metadata_key(1.0) and hash(metadata_key(1)) == hash(metadata_key(1.0))
    assert metadata_key(True) is TRUE and metadata_key(False) is FALSE and metadata_key(True) != metadata_key(1)
    assert metadata_key(None) is NULL and metadata_key({}) is OBJECT and metadata_key([]) is ARRAY
    assert metadata_key("1") != metadata_key(1) and metadata_key(object()) is SKIP


@pytest.mark.parametrize(("filters", "kind", "exact"), [
    ({"metadata": {"tier": "gold"}}, Equals, True),
    ({"metadata": {"tier": {"deep": 1}}}, Equals, False),
    ({"metadata": {"contains": {"a": 1, "b": [1]}}}, AllOf, False),
    ({"metadata": {"n": {"gte": 3}}}, Within, True),
    ({"metadata": {"n": {"in": [1, "a"]}}}, Equals, True),
    ({"id": {"in": ["a", "b"]}}, Equals, True),
    ({"created_at": {"lt": "2024-01-01"}}, Within, True),
    ({"is_active": None}, Equals, True),
    ({"OR": [{"id": "a"}, {"metadata": {"x": 1}}]}, AnyOf, True),
    ({"id": "a", "metadata": {"x": {"contains": "b"}}}, AllOf, False),
    ({"id": 5}, AnyOf, True),  # matches nothing: the empty lookup
])
def test_indexable_conditions_carry_a_lookup(filters: Any, kind: type, exact: bool) -> None:
    found = lookup(filters)
    assert isinstance(found, kind) and found.exact is exact


@pytest.mark.parametrize("filters", [
    {"id": {"contains": "a"}}, {"NOT": [{"id": "a"}]}, {"OR": [{"id": "a"}, {"id": {"icontains": "b"}}]},
    {"metadata": {"in": [{}]}}, {"metadata": {"contains": {}}}, {"metadata": {"k": {"icontains": "x"}}},
])
def test_conditions_only_a_scan_can_judge_carry_none(filters: Any) -> None:
    assert lookup(filters) is None
