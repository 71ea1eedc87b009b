"""The tester's reference evaluator of the filter language, and the generator that feeds it."""

from __future__ import annotations

import random

import pytest

from conformance.honcho import filter_generator as fg
from conformance.honcho import filters_reference as fr

SESSIONS = [  # from the recorded exchanges with the real server
    {"id": "s1", "is_active": True, "workspace_id": "w1", "metadata": {"a": 1, "z": True}, "created_at": "2026-11-24T15:23:28.334858Z"},
    {"id": "s2", "is_active": True, "workspace_id": "w1", "metadata": {"a": 1, "b": 2}, "created_at": "2026-11-24T15:23:28.355652Z"},
    {"id": "s4", "is_active": True, "workspace_id": "w1", "metadata": {}, "created_at": "2026-11-24T15:23:28.400551Z"},
    {"id": "s5", "is_active": True, "workspace_id": "w1", "metadata": {"a": 2}, "created_at": "2026-11-24T15:23:52.868439Z"},
]


def selected(filters: object, records: list[dict] = SESSIONS, resource: str = "session") -> list[str]:
    return [r["id"] for r in fr.evaluate(filters, records, resource)]


@pytest.mark.parametrize("filters, expected", [
    (None, ["s1", "s2", "s4", "s5"]),
    ({}, ["s1", "s2", "s4", "s5"]),
    ({"metadata": {"a": 1}}, ["s1", "s2"]),
    ({"is_active": True, "metadata": {"a": {"gte": 1}}}, ["s1", "s2", "s5"]),
    ({"metadata": {"a": {"gt": 1}}}, ["s5"]),
    ({"metadata": {"a": {"ne": 1}}}, ["s5"]),
    ({"metadata": {"a": "*"}}, ["s1", "s2", "s4", "s5"]),
    ({"id": {"in": ["s2", "*"]}}, ["s1", "s2", "s4", "s5"]),
    ({"id": {"in": ["s2", "s4"]}}, ["s2", "s4"]),
    ({"id": {"icontains": "S"}}, ["s1", "s2", "s4", "s5"]),
    ({"OR": [{"id": "s1"}, {"metadata": {"b": 2}}]}, ["s1", "s2"]),
    ({"NOT": [{"id": "s1"}, {"id": "s2"}]}, ["s4", "s5"]),
    ({"AND": []}, ["s1", "s2", "s4", "s5"]),
    ({"created_at": {"gte": "2026-11-24T15:23:28.355652Z"}}, ["s2", "s4", "s5"]),
    ({"created_at": {"lt": "2026-11-24 15:23:29"}}, ["s1", "s2", "s4"]),
    ({"created_at": {"gte": "2026-11-25"}}, []),
    ({"metadata": {"z": True}}, ["s1"]),
    ({"metadata": {"a": {"in": [1]}}}, ["s1", "s2"]),
])
def test_reference_filters(filters: object, expected: list[str]) -> None:
    assert selected(filters) == expected


def test_reference_metadata_containment_and_text_forms() -> None:
    records = [{"id": "p1", "metadata": {"profile": {"role": "admin", "team": "x"}, "n": "5", "flag": True, "day": "2024-02-10"}},
               {"id": "p2", "metadata": {"profile": {"role": "user"}, "n": 7, "flag": False, "day": "2024-01-05"}},
               {"id": "p3", "metadata": {"n": "", "note": "Hello World"}}]
    assert selected({"metadata": {"profile": {"role": "admin"}}}, records, "peer") == ["p1"]
    assert selected({"metadata": {"n": {"gte": 5}}}, records, "peer") == ["p1", "p2"]      # "5" reads as 5; "" never
    assert selected({"metadata": {"n": {"gte": "6"}}}, records, "peer") == ["p2"]
    assert selected({"metadata": {"flag": {"ne": True}}}, records, "peer") == ["p2"]       # text form "false"
    assert selected({"metadata": {"day": {"gt": "2024-01-31"}}}, records, "peer") == ["p1"]
    assert selected({"metadata": {"note": {"contains": "world"}}}, records, "peer") == ["p3"]
    assert selected({"metadata": {"n": {"in": [7, "5"]}}}, records, "peer") == ["p1", "p2"]


@pytest.mark.parametrize("resource", ["workspace", "peer", "session", "message"])
def test_reference_rejects_invalid_filters(resource: str) -> None:
    for filters in fg.invalid_filters(resource):
        with pytest.raises(fr.FilterError):
            fr.compile_filter(filters, resource)
    with pytest.raises(fr.FilterError):
        fr.compile_filter({"peer_id": {"ne": "alice"}}, "message")  # ne needs a number on a plain field


def test_reference_generator_stays_in_the_defined_subset() -> None:
    rng = random.Random(3)
    records = [{"id": f"x{i}", "workspace_id": "w", "created_at": f"2026-01-01T00:00:0{i}.000000Z", "is_active": True,
                "metadata": fg.sample_metadata(rng)} for i in range(8)]
    for _ in range(300):
        filters = fg.random_filter(rng, "session", records)
        fr.evaluate(filters, records, "session")  # never FilterError nor Undefined
