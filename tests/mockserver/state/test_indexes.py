"""Indexes over positions: built when first asked, answering equality, `in`, ranges, AND and
OR as the predicates do (the hypothesis test in tests/test_filter_engines_agree.py holds the
whole language to the reference evaluator; these pin the index's own cases)."""

from __future__ import annotations

from typing import Any

from mockserver.state.filters import compile_filter
from mockserver.state.indexes import Indexes, Selection
from mockserver.state.lookups import lookup_of


def session(i: int, **metadata: Any) -> dict[str, Any]:
    return {"id": f"s{i}", "workspace_id": "w", "is_active": True,
            "created_at": f"2024-01-01T00:00:{i:02d}.000000Z", "metadata": metadata}


def answer(indexes: Indexes, filters: Any, resource: str = "session") -> list[str]:
    predicate = compile_filter(filters, resource)
    lookup = lookup_of(predicate)
    assert lookup is not None, f"{filters} has no lookup"
    return [r["id"] for r in indexes.select(lookup, predicate)]


def scan(records: list[Any], filters: Any, resource: str = "session") -> list[str]:
    predicate = compile_filter(filters, resource)
    return [r["id"] for r in records if r is not None and predicate(r)]


RECORDS = [session(0, n=5), session(1, n="7"), session(2, n=7.0, tag="a"), session(3, n=True),
           session(4, n=None), session(5, n="x"), session(6, n={"deep": 1}), session(7, n=[1, 2]),
           session(8), session(9, n="NaN"), session(10, n=-1, tag="b")]
FILTERS = [
    {"metadata": {"n": 7}}, {"metadata": {"n": "7"}}, {"metadata": {"n": True}}, {"metadata": {"n": 1}},
    {"metadata": {"n": None}}, {"metadata": {"n": {"deep": 1}}}, {"metadata": {"n": [2]}},
    {"metadata": {"n": {"gte": 5}}}, {"metadata": {"n": {"gt": "5"}}}, {"metadata": {"n": {"ne": 7}}},
    {"metadata": {"n": {"lt": "x"}}}, {"metadata": {"n": {"lte": True}}}, {"metadata": {"n": {"gte": "NaN"}}},
    {"metadata": {"n": {"in": [7, "x", True, None]}}}, {"metadata": {"contains": {"n": 7, "tag": "a"}}},
    {"created_at": {"gte": "2024-01-01T00:00:03", "lt": "2024-01-01T00:00:06Z"}},
    {"created_at": {"ne": "2024-01-01T00:00:04Z"}}, {"created_at": "2024-01-01T00:00:02Z"},
    {"id": {"in": ["s1", "s4", "zz"]}}, {"id": "s3"}, {"is_active": True}, {"is_active": "yes"},
    {"OR": [{"metadata": {"tag": "a"}}, {"id": "s4"}, {"metadata": {"n": 5}}]},
    {"AND": [{"metadata": {"n": {"gte": 0}}}, {"metadata": {"n": {"lte": 7}}}]},
    {"metadata": {"tag": "a"}, "id": {"contains": "2"}},  # narrowed by the index, judged by the predicate
]


def test_every_indexed_condition_selects_what_the_scan_selects() -> None:
    records = list(RECORDS)
    indexes = Indexes(records)
    for filters in FILTERS:
        assert answer(indexes, filters) == scan(records, filters), filters


def test_indexes_follow_records_added_replaced_and_removed() -> None:
    records: list[Any] = list(RECORDS)
    indexes = Indexes(records)
    for filters in FILTERS:
        answer(indexes, filters)  # every index built before the changes
    records[2] = session(2, n=5)
    indexes.replaced(2, records[2])
    records[0] = None
    indexes.removed(0)
    records.append(session(11, n=7, tag="a"))
    indexes.added(11, records[11])
    for filters in FILTERS:
        assert answer(indexes, filters) == scan(records, filters), filters


def test_an_index_is_built_once_per_view_when_first_asked() -> None:
    indexes = Indexes(list(RECORDS))
    assert not indexes._built
    answer(indexes, {"metadata": {"n": 7}})
    answer(indexes, {"OR": [{"metadata": {"n": 5}}, {"metadata": {"contains": {"n": True}}}]})  # the same view
    assert len(indexes._built) == 1
    answer(indexes, {"metadata": {"n": {"in": [5, 7]}}})  # `in` compares the text form: another view
    answer(indexes, {"metadata": {"n": {"gte": "a"}}})  # and so does a text comparison
    assert len(indexes._built) == 2


def test_messages_index_their_fields() -> None:
    records = [{"id": f"m{i}", "peer_id": "alice" if i % 3 else "bob", "token_count": i, "session_id": "s",
                "workspace_id": "w", "created_at": "2024-01-01T00:00:00Z", "metadata": {}} for i in range(9)]
    indexes = Indexes(list(records))
    for filters in ({"peer_id": "bob"}, {"peer_id": {"in": ["bob", "carol"]}}, {"token_count": {"gte": "4", "lt": 7}},
                    {"token_count": "3"}, {"token_count": 3.0}, {"session_id": None}, {"peer_id": 5}):
        assert answer(indexes, filters, "message") == scan(records, filters, "message"), filters


def test_a_selection_pages_without_reading_the_rest() -> None:
    records = [session(i) for i in range(10)]
    chosen = Selection([1, 4, 7, 9], records)
    assert len(chosen) == 4 and chosen[1] is records[4] and chosen[-1] is records[9]
    assert [r["id"] for r in chosen[1:3]] == ["s4", "s7"] and [r["id"] for r in reversed(chosen)] == ["s9", "s7", "s4", "s1"]
