"""The `filters` language of the list endpoints, as the real Honcho server reads it: shape, fields,
logical operators, plain fields, created_at, in, contains (metadata in test_filters_metadata.py).

Each rule gets its own cases; the property tests at the end check that no JSON input
makes compilation raise anything but FilterError and that predicates never raise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.filter_records import (
    MESSAGES,
    RESOURCE_FIELDS,
    T0,
    conclusion,
    matching,
    message,
    messages,
    refused,
    session,
)

from mockserver.state.filters import FilterError, compile_filter

# --- shape ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        None,
        {},
        {"peer_id": "*"},
        {"metadata": {"k": "*"}},
        {"token_count": {"gte": "*", "in": ["*"]}},
    ],
)
def test_filters_adding_no_condition_compile_to_none(filters: object) -> None:
    assert compile_filter(filters, "message") is None


@pytest.mark.parametrize("filters", ["x", 5, [], [{"peer_id": "alice"}], True])
def test_a_filter_that_is_not_an_object_is_refused(filters: object) -> None:
    assert refused(filters).startswith("Each filter must be an object")


def test_filter_error_is_a_value_error() -> None:
    assert issubclass(FilterError, ValueError)


def test_unknown_resource_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown resource kind"):
        compile_filter({}, "webhook")


def test_fields_at_one_level_are_anded() -> None:
    assert messages({"peer_id": "alice", "session_id": "s2"}) == ["m3"]


# --- fields allowed per resource ------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "field"),
    [(resource, field) for resource, fields in RESOURCE_FIELDS.items() for field in fields],
)
def test_every_allowed_field_is_accepted(resource: str, field: str) -> None:
    assert compile_filter({field: "*"}, resource) is None


@pytest.mark.parametrize(
    ("resource", "field", "title"),
    [
        ("session", "nonsense_field", "Session"),
        ("workspace", "session_id", "Workspace"),
        ("workspace", "is_active", "Workspace"),
        ("peer", "is_active", "Peer"),
        ("peer", "peer_id", "Peer"),
        ("message", "id", "Message"),
        ("message", "content", "Message"),
        ("conclusion", "id", "Conclusion"),
        ("conclusion", "created_at", "Conclusion"),
        ("message", "and", "Message"),
        ("session", "", "Session"),
    ],
)
def test_unknown_field_message_matches_the_real_server(
    resource: str, field: str, title: str
) -> None:
    assert refused({field: 1}, resource) == (
        f"Column '{field}' is not allowed to be filtered on or does not exist on {title}"
    )


def test_unknown_field_inside_a_logical_operator_is_refused() -> None:
    assert refused({"OR": [{"id": "a"}, {"nonsense_field": 1}]}, "session").startswith(
        "Column 'nonsense_field'"
    )


# --- logical operators ----------------------------------------------------------------


def test_and_requires_every_sub_filter() -> None:
    assert messages({"AND": [{"peer_id": "alice"}, {"token_count": {"gte": 2}}]}) == ["m3"]


def test_or_requires_one_sub_filter() -> None:
    assert messages({"OR": [{"peer_id": "bob"}, {"token_count": 10}]}) == ["m2", "m4"]


def test_not_negates_each_sub_filter_then_ands() -> None:
    assert messages({"NOT": [{"peer_id": "alice"}, {"token_count": 10}]}) == ["m2"]


def test_logical_operators_combine_with_fields() -> None:
    assert messages({"peer_id": "alice", "NOT": [{"session_id": "s2"}]}) == ["m1"]


@pytest.mark.parametrize("name", ["AND", "OR", "NOT"])
def test_empty_logical_list_adds_no_condition(name: str) -> None:
    assert compile_filter({name: []}, "message") is None


@pytest.mark.parametrize("name", ["AND", "OR", "NOT"])
def test_sub_filters_without_conditions_are_dropped(name: str) -> None:
    assert compile_filter({name: [{}, {"peer_id": "*"}, {"AND": []}]}, "message") is None


def test_a_wildcard_branch_of_or_is_dropped_not_taken_as_true() -> None:
    assert messages({"OR": [{"peer_id": "*"}, {"peer_id": "bob"}]}) == ["m2"]


@pytest.mark.parametrize("name", ["AND", "OR", "NOT"])
@pytest.mark.parametrize("value", [None, {}, "x", 1, {"peer_id": "a"}])
def test_logical_operator_needs_a_list(name: str, value: object) -> None:
    assert refused({name: value}) == f"{name} operator requires a list of filters"


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        (None, "null"),
        (5, "a number"),
        ("x", "a string"),
        (["peer_id"], "an array"),
        (True, "a boolean"),
        (("x",), "a tuple"),
    ],
)
def test_logical_list_entries_must_be_objects(entry: object, shown: str) -> None:
    assert refused({"AND": [entry]}) == f"Each filter must be an object, not {shown}"


def nested(levels: int, innermost: object) -> dict[str, Any]:
    """`levels` AND operators, one inside the other, around `innermost`."""
    node: Any = innermost
    for _ in range(levels):
        node = {"AND": [node]}
    return node


def test_five_levels_of_logical_operators_are_allowed() -> None:
    assert messages(nested(5, {"peer_id": "bob"})) == ["m2"]


def test_six_levels_of_logical_operators_are_refused() -> None:
    assert refused(nested(6, {"peer_id": "bob"})) == "Filter nesting exceeds maximum depth of 5"


def test_depth_counts_mixed_operators() -> None:
    deep = {"OR": [{"NOT": [{"AND": [{"OR": [{"NOT": [{"AND": [{"peer_id": "x"}]}]}]}]}]}]}
    assert refused(deep) == "Filter nesting exceeds maximum depth of 5"


def test_a_sixth_level_with_an_empty_list_reaches_no_sub_filter() -> None:
    assert compile_filter(nested(5, {"AND": []}), "message") is None


def test_very_deep_logical_nesting_is_refused_not_crashed() -> None:
    assert refused(nested(5000, {})) == "Filter nesting exceeds maximum depth of 5"


# --- plain fields: equality -----------------------------------------------------------


def test_plain_value_is_equality() -> None:
    assert messages({"peer_id": "alice"}) == ["m1", "m3"]


def test_equality_is_case_sensitive() -> None:
    assert messages({"peer_id": "Alice"}) == []


@pytest.mark.parametrize(
    ("value", "expected"), [(2, ["m2"]), (2.0, ["m2"]), ("2", ["m2"]), (" 10 ", ["m4"])]
)
def test_token_count_equality_is_numeric(value: object, expected: list[str]) -> None:
    assert messages({"token_count": value}) == expected


@pytest.mark.parametrize("value", [True, "two", 2.5, 10**400])
def test_token_count_equality_with_no_equal_number_matches_nothing(value: object) -> None:
    assert messages({"token_count": value}) == []


@pytest.mark.parametrize("value", [5, 5.0, 0, True])
def test_text_field_equality_with_a_non_string_matches_nothing(value: object) -> None:
    assert messages({"peer_id": value}) == []


def test_is_active_equality_takes_booleans_only() -> None:
    records = [session("on", is_active=True), session("off", is_active=False)]
    assert matching({"is_active": True}, records, "session") == ["on"]
    assert matching({"is_active": False}, records, "session") == ["off"]
    assert matching({"is_active": 1}, records, "session") == []
    assert matching({"is_active": "true"}, records, "session") == []


def test_created_at_equality_compares_instants() -> None:
    assert messages({"created_at": "2024-01-01T13:00:00+01:00"}) == ["m1"]
    assert messages({"created_at": "2024-01-01 13:00:00"}) == ["m2"]


def test_null_value_is_sql_is_null() -> None:
    records = [conclusion("c1", session_id=None), conclusion("c2")]
    assert matching({"session_id": None}, records, "conclusion") == ["c1"]
    assert messages({"peer_id": None}) == []


def test_a_list_value_on_a_plain_field_is_refused() -> None:
    assert 'use {"in": [...]}' in refused({"peer_id": ["alice", "bob"]})


def test_an_empty_object_on_a_plain_field_is_refused() -> None:
    assert refused({"peer_id": {}}).startswith(
        "Field 'peer_id' takes a value or an object of operators"
    )


# --- plain fields: comparison objects ------------------------------------------------


@pytest.mark.parametrize(
    ("operators", "expected"),
    [
        ({"gte": 2}, ["m2", "m3", "m4"]),
        ({"gt": 2}, ["m3", "m4"]),
        ({"lte": 2}, ["m1", "m2"]),
        ({"lt": 2}, ["m1"]),
        ({"ne": 2}, ["m1", "m3", "m4"]),
        ({"gte": 2, "lt": 10}, ["m2", "m3"]),
        ({"gte": "5"}, ["m3", "m4"]),
        ({"gte": "4.5"}, ["m3", "m4"]),
        ({"gt": 1.5}, ["m2", "m3", "m4"]),
        ({"gte": "1e1"}, ["m4"]),
        ({"lt": 10**400}, ["m1", "m2", "m3", "m4"]),
        ({"gt": -(10**400)}, ["m1", "m2", "m3", "m4"]),
        ({"gte": "9999999999999999999999999999"}, []),
        ({"lte": "inf"}, ["m1", "m2", "m3", "m4"]),
        ({"gte": "nan"}, []),
        ({"lt": "nan"}, ["m1", "m2", "m3", "m4"]),
    ],
)
def test_numeric_comparisons_on_token_count(operators: dict[str, Any], expected: list[str]) -> None:
    assert messages({"token_count": operators}) == expected


@pytest.mark.parametrize("op", ["gte", "lte", "gt", "lt", "ne"])
@pytest.mark.parametrize("value", ["abc", "", True, None, [1], {"a": 1}, "1_0x", "5\x00"])
def test_numeric_operators_need_a_number(op: str, value: object) -> None:
    assert refused({"token_count": {op: value}}) == (
        f"Operator '{op}' on field 'token_count' requires a numeric value"
    )


def test_ne_on_a_text_field_needs_a_number_as_on_the_real_server() -> None:
    assert (
        refused({"peer_id": {"ne": "alice"}})
        == "Operator 'ne' on field 'peer_id' requires a numeric value"
    )


def test_numeric_comparison_on_a_non_numeric_field_matches_nothing() -> None:
    assert messages({"peer_id": {"ne": "5"}}) == []
    records = [session("on", is_active=True)]
    assert matching({"is_active": {"gte": 0}}, records, "session") == []


def test_unknown_operator_inside_a_comparison_object_is_refused() -> None:
    assert (
        refused({"token_count": {"foo": 1}}) == "Unsupported operator 'foo' for field 'token_count'"
    )
    assert (
        refused({"token_count": {"gte": 1, "eq": 1}})
        == "Unsupported operator 'eq' for field 'token_count'"
    )


def test_an_operator_whose_value_is_a_wildcard_adds_no_condition() -> None:
    assert messages({"token_count": {"gte": "*", "lt": 2}}) == ["m1"]


# --- created_at -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-01T13:00:00Z", ["m3", "m4"]),
        ("2024-01-01T13:00:00+00:00", ["m3", "m4"]),
        ("2024-01-01T14:00:00+01:00", ["m3", "m4"]),
        ("2024-01-01T08:00:00-05:00", ["m3", "m4"]),
        ("2024-01-01T13:00:00", ["m3", "m4"]),
        ("2024-01-01 13:00:00", ["m3", "m4"]),
        ("2024-01-01T12:59:59.999999", ["m2", "m3", "m4"]),
        ("2024-01-01 13:00:00.000001", ["m3", "m4"]),
        ("2024-01-02", ["m3", "m4"]),
        ("  2024-01-02T12:00:00  ", ["m4"]),
    ],
)
def test_created_at_comparisons_parse_iso_8601(value: str, expected: list[str]) -> None:
    assert messages({"created_at": {"gt": value}}) == expected


def test_a_date_alone_is_its_midnight_utc() -> None:
    assert messages({"created_at": {"gte": "2024-01-02", "lt": "2024-01-03"}}) == ["m3"]


def test_created_at_ne_and_lte() -> None:
    assert messages({"created_at": {"ne": "2024-01-01T12:00:00Z"}}) == ["m2", "m3", "m4"]
    assert messages({"created_at": {"lte": "2024-01-01T13:00:00Z"}}) == ["m1", "m2"]


def test_stored_timestamps_may_be_iso_text_or_naive_datetimes_read_as_utc() -> None:
    records = [
        message("naive", created_at=datetime(2024, 1, 1, 12, 0, 0)),
        message("text", created_at="2024-01-01T12:00:00.000000Z"),
        message("earlier", created_at="2024-01-01T11:59:59.999999Z"),
        message("garbage", created_at="not a time"),
    ]
    assert matching({"created_at": {"gte": "2024-01-01T12:00:00Z"}}, records, "message") == [
        "naive", "text"
    ]


@pytest.mark.parametrize(
    "value",
    ["abc", "", "2024-13-01", "2024-01-01T25:00:00", "01/02/2024", "2024-01-01T12:00:00 UTC"],
)
def test_invalid_datetime_is_refused(value: str) -> None:
    assert (
        refused({"created_at": {"gte": value}})
        == f"Invalid datetime value for created_at: {value!r}"
    )


@pytest.mark.parametrize("value", [5, 1.5, True, [2024], None])
def test_created_at_comparisons_need_a_string(value: object) -> None:
    assert refused({"created_at": {"gte": value}}).startswith(
        "Invalid datetime value for created_at"
    )


def test_created_at_equality_with_an_invalid_string_is_refused() -> None:
    assert (
        refused({"created_at": "yesterday"}) == "Invalid datetime value for created_at: 'yesterday'"
    )


def test_created_at_in_parses_each_entry() -> None:
    assert messages(
        {"created_at": {"in": ["2024-01-01T13:00:00Z", "2024-01-02T12:00:00+00:00"]}}
    ) == ["m2", "m3"]
    assert (
        refused({"created_at": {"in": ["2024-01-01", "soon"]}})
        == "Invalid datetime value for created_at: 'soon'"
    )


def test_error_messages_shorten_long_values() -> None:
    detail = refused({"created_at": {"gte": "x" * 1000}})
    assert len(detail) < 200 and detail.endswith("...")
    assert (
        refused({"created_at": 10**5000})
        == "Invalid datetime value for created_at: a number too large to print"
    )


# --- in -------------------------------------------------------------------------------


def test_in_matches_any_listed_value() -> None:
    assert messages({"peer_id": {"in": ["bob", "Carol_50%"]}}) == ["m2", "m4"]
    assert messages({"token_count": {"in": [1, "10", 7]}}) == ["m1", "m4"]


@pytest.mark.parametrize("value", ["alice", 5, None, {"a": 1}, True])
def test_in_requires_a_list(value: object) -> None:
    assert refused({"peer_id": {"in": value}}) == "Operator 'in' requires a list"


def test_a_wildcard_anywhere_in_the_list_adds_no_condition() -> None:
    assert compile_filter({"peer_id": {"in": ["bob", "*"]}}, "message") is None


def test_in_with_an_empty_list_matches_nothing() -> None:
    assert messages({"peer_id": {"in": []}}) == []


def test_in_ignores_entries_of_the_wrong_type() -> None:
    assert messages({"peer_id": {"in": [5, None, ["bob"], {"x": 1}, "bob"]}}) == ["m2"]
    records = [session("on", is_active=True), session("off", is_active=False)]
    assert matching({"is_active": {"in": [1, False]}}, records, "session") == ["off"]


# --- contains / icontains -------------------------------------------------------------


@pytest.mark.parametrize("op", ["contains", "icontains"])
def test_contains_is_a_case_insensitive_substring(op: str) -> None:
    assert messages({"peer_id": {op: "LIC"}}) == ["m1", "m3"]


@pytest.mark.parametrize(
    ("needle", "expected"),
    [("%", ["m4"]), ("_", ["m4"]), ("l_5", ["m4"]), ("a%", []), ("", ["m1", "m2", "m3", "m4"])],
)
def test_contains_treats_percent_and_underscore_literally(needle: str, expected: list[str]) -> None:
    assert messages({"peer_id": {"contains": needle}}) == expected


def test_contains_reads_a_number_operand_as_text() -> None:
    assert messages({"peer_id": {"contains": 50}}) == ["m4"]


def test_contains_null_matches_nothing() -> None:
    assert messages({"peer_id": {"icontains": None}}) == []


@pytest.mark.parametrize("field", ["token_count", "created_at"])
@pytest.mark.parametrize("op", ["contains", "icontains"])
def test_contains_needs_a_text_field(field: str, op: str) -> None:
    assert (
        refused({field: {op: "1"}})
        == f"Operator '{op}' requires a text field, and '{field}' is not text"
    )


# --- properties -----------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([400, 5000]).map(lambda digits: 10**digits),
    st.sampled_from([-(10**400), 2**63]),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "*",
            "",
            "nan",
            "inf",
            "1e999999999999999999",
            "2024-01-01",
            "2024-01-01T00:00:00+01:00",
            "\x00",
            "%_",
            "5",
        ]
    ),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
ALL_FIELDS = sorted(
    {field for fields in RESOURCE_FIELDS.values() for field in fields} | {"id", "nonsense"}
)
OPERATOR_NAMES = st.sampled_from(
    ["gte", "lte", "gt", "lt", "ne", "in", "contains", "icontains", "foo"]
)
OPERATOR_OBJECTS = st.dictionaries(
    OPERATOR_NAMES, JSON_VALUES | st.lists(JSON_SCALARS, max_size=4), max_size=3
)
METADATA_VALUES = st.dictionaries(
    st.sampled_from(["k", "score", "in", "contains"]) | st.text(max_size=4),
    JSON_VALUES | OPERATOR_OBJECTS,
    max_size=3,
)
FIELD_VALUES = JSON_VALUES | OPERATOR_OBJECTS | METADATA_VALUES
FILTERS = st.recursive(
    st.dictionaries(st.sampled_from(ALL_FIELDS), FIELD_VALUES, max_size=3),
    lambda children: st.dictionaries(
        st.sampled_from(["AND", "OR", "NOT"]),
        st.lists(children | JSON_SCALARS, max_size=3) | JSON_SCALARS,
        max_size=3,
    ),
    max_leaves=8,
)
STORED_VALUES = (
    JSON_VALUES | st.datetimes(timezones=st.none() | st.just(UTC)) | st.just(float("nan"))
)
RECORDS = st.fixed_dictionaries(
    {},
    optional={field: STORED_VALUES for field in [*ALL_FIELDS, "is_active"]},
)
RESOURCES = st.sampled_from(sorted(RESOURCE_FIELDS))


def check(filters: object, resource: str, records: list[dict[str, Any]]) -> None:
    """Compiling raises only FilterError; a compiled predicate answers a bool for any record."""
    try:
        predicate = compile_filter(filters, resource)
    except FilterError as err:
        assert str(err)
        return
    if predicate is None:
        return
    for record in records:
        assert type(predicate(record)) is bool


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filters=JSON_VALUES, resource=RESOURCES, records=st.lists(RECORDS, max_size=3))
def test_arbitrary_json_filters_only_raise_filter_error(
    filters: object, resource: str, records: list[dict[str, Any]]
) -> None:
    check(filters, resource, records)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filters=FILTERS, resource=RESOURCES, records=st.lists(RECORDS, max_size=4))
def test_filter_shaped_inputs_only_raise_filter_error(
    filters: object, resource: str, records: list[dict[str, Any]]
) -> None:
    check(filters, resource, records)


TEXTS = st.sampled_from(["a", "ab", "B_%", "5", "*"])
NUMBERS = st.integers(-3, 12) | st.floats(-20, 20) | st.sampled_from(["2", "4.5", "*"])
DATES = st.sampled_from(
    ["2024-01-01", "2024-01-02T00:00:00Z", "2024-01-01 12:30:00", "2024-01-01T12:00:00-03:00", "*"]
)
SMALL_SCALARS = st.none() | st.booleans() | NUMBERS | TEXTS
METADATA_KEYS = st.sampled_from(["k", "score", "tags"])
SMALL_JSON = st.recursive(
    SMALL_SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(METADATA_KEYS, children, max_size=2)
    ),
    max_leaves=6,
)
ORDERING = st.sampled_from(["gte", "lte", "gt", "lt", "ne"])


def comparisons(
    ordered: st.SearchStrategy[Any], listed: st.SearchStrategy[Any], text: bool
) -> st.SearchStrategy[dict[str, Any]]:
    """A non-empty object of operators whose operands suit the field."""
    pairs = st.tuples(ORDERING, ordered) | st.tuples(st.just("in"), st.lists(listed, max_size=3))
    if text:
        pairs |= st.tuples(st.sampled_from(["contains", "icontains"]), listed)
    return st.lists(pairs, min_size=1, max_size=2).map(dict)


PLAIN_CONDITIONS = {
    "created_at": DATES | comparisons(DATES, DATES, text=False),
    "token_count": NUMBERS | comparisons(NUMBERS, NUMBERS, text=False),
    "is_active": st.booleans() | comparisons(NUMBERS, st.booleans(), text=False),
}
TEXT_CONDITION = TEXTS | st.none() | comparisons(NUMBERS, TEXTS, text=True)
METADATA_CONDITIONS = st.dictionaries(
    METADATA_KEYS,
    SMALL_JSON | comparisons(st.booleans() | NUMBERS | TEXTS, SMALL_SCALARS, text=True),
    max_size=2,
)


def field_condition(field: str) -> st.SearchStrategy[tuple[str, Any]]:
    """A well-formed `field: value` entry for that field."""
    if field == "metadata":
        return st.tuples(st.just(field), METADATA_CONDITIONS)
    return st.tuples(st.just(field), PLAIN_CONDITIONS.get(field, TEXT_CONDITION))


def well_formed_filters(resource: str) -> st.SearchStrategy[dict[str, Any]]:
    """Accepted filters over the resource's own fields, nested at most two logical levels deep."""
    fields = st.sampled_from(RESOURCE_FIELDS[resource])
    leaves = st.lists(fields.flatmap(field_condition), max_size=3).map(dict)
    logical = st.sampled_from(["AND", "OR", "NOT"])
    level1 = st.dictionaries(logical, st.lists(leaves, max_size=3), min_size=1)
    level2 = st.dictionaries(logical, st.lists(leaves | level1, max_size=3), min_size=1)
    return leaves | level1 | level2


def typed_records(resource: str) -> st.SearchStrategy[dict[str, Any]]:
    """Records of the resource's external shape with small, colliding values."""
    shape = {
        "id": st.sampled_from(["a", "ab", "B_%"]),
        "workspace_id": st.sampled_from(["a", "ab"]),
        "session_id": st.sampled_from(["a", "ab", "5"]) | st.none(),
        "peer_id": st.sampled_from(["a", "ab"]),
        "observer_id": st.sampled_from(["a", "ab"]),
        "observed_id": st.sampled_from(["a", "ab"]),
        "is_active": st.booleans(),
        "token_count": st.integers(0, 12),
        "created_at": st.integers(-86400, 2 * 86400).map(
            lambda seconds: T0 + timedelta(seconds=seconds)
        ),
        "metadata": st.dictionaries(METADATA_KEYS, SMALL_JSON, max_size=3),
    }
    wanted = [*RESOURCE_FIELDS[resource], "id", "created_at"]
    return st.fixed_dictionaries({field: shape[field] for field in wanted})


@st.composite
def algebra_cases(
    draw: st.DrawFn,
) -> tuple[str, dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A resource, two accepted filters that add conditions, and records of that resource."""
    resource = draw(RESOURCES)
    accepted = well_formed_filters(resource).filter(
        lambda f: compile_filter(f, resource) is not None
    )
    records = draw(st.lists(typed_records(resource), min_size=1, max_size=4))
    return resource, draw(accepted), draw(accepted), records


def passes(filters: object, resource: str, records: list[dict[str, Any]]) -> list[bool]:
    """Which records the filter keeps."""
    predicate = compile_filter(filters, resource)
    assert predicate is not None
    return [predicate(record) for record in records]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(case=algebra_cases())
def test_logical_operators_follow_boolean_algebra(
    case: tuple[str, dict[str, Any], dict[str, Any], list[dict[str, Any]]],
) -> None:
    resource, first, second, records = case
    a, b = passes(first, resource, records), passes(second, resource, records)
    assert passes({"AND": [first, second]}, resource, records) == [
        x and y for x, y in zip(a, b, strict=True)
    ]
    assert passes({"OR": [first, second]}, resource, records) == [
        x or y for x, y in zip(a, b, strict=True)
    ]
    assert passes({"NOT": [first, second]}, resource, records) == [
        not (x or y) for x, y in zip(a, b, strict=True)
    ]
    assert passes({"NOT": [{"NOT": [first]}]}, resource, records) == a


@settings(max_examples=150, deadline=None)
@given(stored=STORED_VALUES, wanted=JSON_VALUES, op=OPERATOR_NAMES)
def test_metadata_predicates_never_raise_on_stored_values(
    stored: object, wanted: object, op: str
) -> None:
    records = [session("x", metadata={"k": stored}), session("y", metadata=stored)]
    check({"metadata": {"k": {op: wanted}}}, "session", records)
    check({"metadata": {"k": wanted}}, "session", records)
    check({"metadata": {op: wanted}}, "session", records)


@settings(max_examples=100, deadline=None)
@given(number=st.floats(allow_nan=False) | st.integers())
def test_token_count_ordering_agrees_with_python_numbers(number: float) -> None:
    got = messages({"token_count": {"gte": number}})
    assert got == [r["id"] for r in MESSAGES if r["token_count"] >= number]


SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([1.0, 0.0, -0.0, 2.5, "1", "a", "", "true"])


@settings(max_examples=300, deadline=None)
@given(stored=STORED_VALUES | SCALARS, wanted=SCALARS, present=st.booleans())
def test_scalar_metadata_conditions_match_as_json_containment(stored: object, wanted: object, present: bool) -> None:
    """`{key: scalar}` has its own fast predicate; it keeps exactly what the general
    containment rule keeps (key present and stored @> wanted)."""
    from mockserver.state.json_values import json_contains

    record = session("x", metadata={"k": stored} if present else {"other": stored})
    expected = present and json_contains(stored, wanted)
    assert passes({"metadata": {"k": wanted}}, "session", [record]) == [expected]


def test_a_filter_sent_again_reuses_its_compiled_predicate() -> None:
    from mockserver.state.filters import compiled_filter

    first = compiled_filter({"metadata": {"tier": "gold"}, "id": {"in": ["a", "b"]}}, "session")
    again = compiled_filter({"metadata": {"tier": "gold"}, "id": {"in": ["a", "b"]}}, "session")
    assert first is again
    assert compiled_filter({"id": {"in": ["a", "b"]}, "metadata": {"tier": "gold"}}, "session") is not first
    assert compiled_filter({"metadata": {"tier": "gold"}}, "peer") is not compiled_filter({"metadata": {"tier": "gold"}}, "session")
    assert compiled_filter({}, "session") is None and compiled_filter(None, "session") is None
    records = [session("a", metadata={"tier": "gold"}), session("b", metadata={"tier": 1}), session("c", metadata={"tier": "gold"})]
    assert [r["id"] for r in records if first(r)] == ["a"]
    assert [r["id"] for r in records if compiled_filter({"metadata": {"tier": 1.0}}, "session")(r)] == ["b"]
    assert compiled_filter({"metadata": {"tier": True}}, "session") is not compiled_filter({"metadata": {"tier": 1}}, "session")
    big = {"metadata": {"n": {"gte": 2**70}}}  # past what orjson writes: compiled each time, same meaning
    assert compiled_filter(big, "session")(session("x", metadata={"n": 2**71}))
    for _ in range(2):  # a refusal is judged every time, never remembered
        with pytest.raises(FilterError, match="Column 'nope'"):
            compiled_filter({"nope": 1}, "session")
