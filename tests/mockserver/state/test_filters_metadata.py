"""The `filters` language on `metadata`: containment, comparisons on one key, and NOT over a
comparison SQL finds NULL (the version's logic)."""

from __future__ import annotations

from typing import Any

import pytest
from support.filter_records import (
    META,
    conclusion,
    matching,
    messages,
    meta,
    refused,
    session,
)

from mockserver.state.filters import compile_filter

# --- metadata: containment ------------------------------------------------------------


def test_metadata_plain_values_are_json_containment() -> None:
    records = [
        session("s1", metadata={"a": 1}),
        session("s2", metadata={"a": 1, "b": 2}),
        session("s3", metadata={"a": 2}),
        session("s4", metadata={}),
    ]
    assert matching({"metadata": {"a": 1}}, records, "session") == ["s1", "s2"]
    assert matching({"metadata": {"a": 1, "b": 2}}, records, "session") == ["s2"]


def test_recorded_exchange_metadata_string_value() -> None:
    assert messages({"metadata": {"k": "v"}}) == ["m2"]


def test_recorded_exchange_is_active_and_metadata_gte() -> None:
    records = [
        session("s1", metadata={"a": 1, "z": True}),
        session("s2", metadata={"a": 1, "b": 2}),
        session("s3", metadata={"a": 2}, is_active=False),
        session("s4", metadata={}),
    ]
    assert matching({"is_active": True, "metadata": {"a": {"gte": 1}}}, records, "session") == [
        "s1",
        "s2",
    ]


def test_nested_objects_match_by_containment() -> None:
    records = [
        session("admin", metadata={"profile": {"role": "admin", "team": "x"}}),
        session("user", metadata={"profile": {"role": "user"}}),
        session("flat", metadata={"role": "admin"}),
    ]
    assert matching({"metadata": {"profile": {"role": "admin"}}}, records, "session") == ["admin"]
    assert matching({"metadata": {"profile": {}}}, records, "session") == ["admin", "user"]


def test_arrays_match_by_containment_ignoring_order() -> None:
    records = [
        session("abc", metadata={"tags": ["a", "b", "c"]}),
        session("a", metadata={"tags": ["a"]}),
        session("str", metadata={"tags": "a"}),
        session("objs", metadata={"tags": [{"n": 1, "m": 2}, {"n": 3}]}),
    ]
    assert matching({"metadata": {"tags": ["c", "a"]}}, records, "session") == ["abc"]
    assert matching({"metadata": {"tags": ["a"]}}, records, "session") == ["abc", "a"]
    assert matching({"metadata": {"tags": "a"}}, records, "session") == ["str"]
    assert matching({"metadata": {"tags": [{"n": 1}]}}, records, "session") == ["objs"]


def test_json_scalars_compare_as_json() -> None:
    records = [
        session("int", metadata={"x": 1}),
        session("float", metadata={"x": 1.0}),
        session("true", metadata={"x": True}),
        session("text", metadata={"x": "1"}),
        session("null", metadata={"x": None}),
    ]
    assert matching({"metadata": {"x": 1}}, records, "session") == ["int", "float"]
    assert matching({"metadata": {"x": True}}, records, "session") == ["true"]
    assert matching({"metadata": {"x": "1"}}, records, "session") == ["text"]
    assert matching({"metadata": {"x": None}}, records, "session") == ["null"]


def test_metadata_wildcard_key_adds_no_condition() -> None:
    assert meta({"metadata": {"score": "*", "other": "*"}}) == [r["id"] for r in META]
    assert compile_filter({"metadata": {}}, "session") is None


def test_metadata_as_a_list_or_null_matches_nothing() -> None:
    assert meta({"metadata": ["score"]}) == []
    assert meta({"metadata": None}) == []


@pytest.mark.parametrize("value", ["x", 5, True])
def test_metadata_as_a_scalar_is_refused(value: object) -> None:
    assert refused({"metadata": value}, "session").startswith("Field 'metadata' takes an object")


def test_conclusions_have_empty_metadata() -> None:
    records = [conclusion("c1")]
    assert matching({"metadata": {"a": 1}}, records, "conclusion") == []
    assert matching({"NOT": [{"metadata": {"a": 1}}]}, records, "conclusion") == ["c1"]
    assert matching({"metadata": {"contains": {}}}, records, "conclusion") == ["c1"]


# --- metadata: comparisons on one key -------------------------------------------------


@pytest.mark.parametrize(
    ("operators", "expected"),
    [
        ({"gte": 4, "lte": 5}, ["n1", "n2", "n3"]),
        ({"gt": 4}, ["n1", "n3"]),
        ({"lt": 5}, ["n2", "n3"]),
        ({"ne": 5}, ["n2", "n3"]),
        ({"gte": "4.5"}, ["n1", "n3"]),
        ({"gte": 4.5, "lt": "5"}, ["n3"]),
    ],
)
def test_numeric_comparisons_on_a_metadata_key(
    operators: dict[str, Any], expected: list[str]
) -> None:
    assert meta({"metadata": {"score": operators}}) == expected


def test_numeric_text_forms_follow_postgresql() -> None:
    records = [
        session("spaces", metadata={"n": " 7 "}),
        session("exp", metadata={"n": "7e0"}),
        session("nan", metadata={"n": "NaN"}),
        session("underscore", metadata={"n": "7_0"}),
        session("hex", metadata={"n": "0x7"}),
    ]
    assert matching({"metadata": {"n": {"gte": 7}}}, records, "session") == ["spaces", "exp", "nan"]
    assert matching({"metadata": {"n": {"lt": 1000}}}, records, "session") == ["spaces", "exp"]


def test_boolean_operand_compares_text_forms() -> None:
    assert meta({"metadata": {"score": {"ne": True}}}) == [
        "n1",
        "n2",
        "n3",
        "n4",
        "n5",
        "n9",
        "n10",
    ]
    assert meta({"metadata": {"score": {"gte": True}}}) == ["n8", "n9"]  # '{' sorts after 't'


def test_non_numeric_string_operand_compares_text() -> None:
    assert meta({"metadata": {"score": {"gte": "2024-02-01"}}}) == [
        "n1",
        "n2",
        "n3",
        "n5",
        "n8",
        "n9",
        "n10",
    ]
    assert meta({"metadata": {"score": {"lt": "2024-04-01", "gt": "2024-02-01"}}}) == ["n10"]


@pytest.mark.parametrize("operand", [None, [1], {"a": 1}])
def test_metadata_ordering_needs_a_number_boolean_or_string(operand: object) -> None:
    assert refused({"metadata": {"score": {"gte": operand}}}, "session") == (
        "Operator 'gte' on metadata key 'score' requires a number, a boolean or a string"
    )


def test_metadata_in_compares_text_forms() -> None:
    assert meta({"metadata": {"score": {"in": ["5", "high"]}}}) == ["n1", "n5"]
    assert meta({"metadata": {"score": {"in": [4.5, True, {"x": 1}]}}}) == ["n3", "n8", "n9"]
    assert meta({"metadata": {"score": {"in": [None, ""]}}}) == ["n4"]
    assert meta({"metadata": {"score": {"in": []}}}) == []
    assert compile_filter({"metadata": {"score": {"in": [1, "*"]}}}, "session") is None
    assert (
        refused({"metadata": {"score": {"in": "5"}}}, "session") == "Operator 'in' requires a list"
    )


def test_object_text_forms_follow_jsonb_key_order_and_spacing() -> None:
    records = [session("obj", metadata={"o": {"bb": [1, 2.5], "a": None, "c": "é\n"}})]
    text = '{"a": null, "c": "é\\n", "bb": [1, 2.5]}'
    assert matching({"metadata": {"o": {"in": [text]}}}, records, "session") == ["obj"]
    assert matching(
        {"metadata": {"o": {"in": [{"c": "é\n", "a": None, "bb": [1, 2.5]}]}}}, records, "session"
    ) == ["obj"]


@pytest.mark.parametrize("op", ["contains", "icontains"])
def test_metadata_contains_searches_the_text_form(op: str) -> None:
    assert meta({"metadata": {"score": {op: "IG"}}}) == ["n5"]
    assert meta({"metadata": {"score": {op: "4"}}}) == ["n2", "n3", "n10"]
    assert meta({"metadata": {"score": {op: "tru"}}}) == ["n8"]
    assert meta({"metadata": {"score": {op: '"x"'}}}) == ["n9"]
    assert meta({"metadata": {"score": {op: None}}}) == []


def test_metadata_comparisons_never_match_missing_or_null_values() -> None:
    for operators in ({"ne": "zzz"}, {"in": ["null", "None"]}, {"contains": ""}):
        assert "n6" not in meta({"metadata": {"score": operators}})
        assert "n7" not in meta({"metadata": {"score": operators}})


def test_keys_named_like_operators_are_read_as_comparisons() -> None:
    records = [session("op", metadata={"k": {"in": 5}}), session("five", metadata={"k": 5})]
    assert matching({"metadata": {"k": {"in": [5]}}}, records, "session") == ["five"]
    assert refused({"metadata": {"k": {"in": [5], "label": "x"}}}, "session") == (
        "Unsupported operator 'label' for metadata key 'k'"
    )


def test_contains_on_metadata_itself_matches_operator_named_keys_literally() -> None:
    records = [session("op", metadata={"k": {"in": 5}}), session("five", metadata={"k": 5})]
    assert matching({"metadata": {"contains": {"k": {"in": 5}}}}, records, "session") == ["op"]


def test_operators_on_metadata_itself() -> None:
    records = [session("a", metadata={"a": 1}), session("ab", metadata={"a": 1, "b": [1, 2]})]
    assert matching({"metadata": {"in": [{"b": [1, 2], "a": 1.0}]}}, records, "session") == ["ab"]
    assert matching({"metadata": {"in": [{"b": [2, 1], "a": 1}]}}, records, "session") == []
    assert matching({"metadata": {"contains": ["a"]}}, records, "session") == []
    assert matching({"metadata": {"contains": None}}, records, "session") == []
    assert compile_filter({"metadata": {"in": ["*"], "contains": "*"}}, "session") is None
    assert refused({"metadata": {"contains": "a"}}, "session").startswith(
        "Field 'metadata' takes an object"
    )
    assert refused({"metadata": {"gte": 1}}, "session") == (
        "Operator 'gte' is not supported on field 'metadata'; apply it to a metadata key"
    )
    assert (
        refused({"metadata": {"in": [{}], "a": 1}}, "session")
        == "Unsupported operator 'a' for field 'metadata'"
    )


def test_a_wildcard_operand_on_a_metadata_key_adds_no_condition() -> None:
    assert meta({"metadata": {"score": {"gte": "*", "lt": 4.5}}}) == ["n2"]
    assert compile_filter({"metadata": {"score": {"gte": "*"}}}, "session") is None


def test_numbers_beyond_decimal_range() -> None:
    assert messages({"token_count": {"lt": "1e999999999999999999999"}}) == ["m1", "m2", "m3", "m4"]
    records = [session("huge", metadata={"n": "1e999999999999999999999"})]
    assert matching({"metadata": {"n": {"gte": 0}}}, records, "session") == []


def test_stored_values_without_json_text_match_no_text_comparison() -> None:
    records = [
        session("int-key", metadata={"k": {1: "x"}}),
        session("tuple", metadata={"k": ("x",)}),
        session("huge", metadata={"k": 10**5000}),
    ]
    for operators in ({"in": ["x"]}, {"contains": "x"}, {"gte": "a"}):
        assert matching({"metadata": {"k": operators}}, records, "session") == []


def test_deeply_nested_values_are_refused() -> None:
    value: Any = "x"
    for _ in range(100):
        value = [value]
    assert (
        refused({"metadata": {"k": value}}, "session")
        == "Filter value for 'metadata' nests deeper than 64 levels"
    )
    assert refused({"peer_id": {"contains": value}}).startswith(
        "Filter value for 'peer_id' nests deeper"
    )


def test_unprintable_operands_are_refused() -> None:
    assert refused({"metadata": {"k": {"contains": 10**5000}}}, "session").endswith(
        "got a value with no text form: a number too large to print"
    )


def test_predicates_are_reusable_and_pure() -> None:
    predicate = compile_filter(
        {"metadata": {"score": {"gte": 4}}, "OR": [{"id": "n1"}, {"id": "n3"}]}, "session"
    )
    assert predicate is not None
    first = [r["id"] for r in META if predicate(r)]
    assert first == [r["id"] for r in META if predicate(r)] == ["n1", "n3"]



def test_not_over_a_null_comparison_follows_the_versions_logic() -> None:
    """SQL's NULL logic (3.0.7, 3.0.12: `sql_nulls`): a record without the key is in neither a
    comparison nor its NOT; without it (3.1-preview) NOT keeps it."""
    records = [session("blue", metadata={"tag": "blue"}), session("red", metadata={"tag": "red"}), session("bare")]
    ne_blue = {"metadata": {"tag": {"ne": "blue"}}}
    for filters, sql, plain in (({"NOT": [ne_blue]}, ["blue"], ["blue", "bare"]),
                                ({"NOT": [{"NOT": [ne_blue]}]}, ["red"], ["red"]),
                                ({"NOT": [{"OR": [ne_blue, {"metadata": {"tag": "red"}}]}]}, ["blue"], ["blue", "bare"]),
                                ({"NOT": [{"AND": [ne_blue, {"metadata": {"tag": "red"}}]}]}, ["blue", "bare"], ["blue", "bare"])):  # NULL AND false is false
        for sql_nulls, wanted in ((True, sql), (False, plain)):
            predicate = compile_filter(filters, "session", sql_nulls)
            assert predicate is not None
            assert [r["id"] for r in records if predicate(r)] == wanted, (filters, sql_nulls)
