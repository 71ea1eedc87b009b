"""conformance/breaking/rules/schema_values.py: each rule on the values a schema allows (enum,
bounds, multipleOf and uniqueItems, pattern, default), tripped by a variant and missed by a
near one."""

from __future__ import annotations

import pytest
from support.contract_variants import (PEERS_LIST, Case, in_request, in_response, param, rule_case_tests,
                                       schemas, upstream)


def s(**keywords: object) -> dict:
    """A string schema with these keywords."""
    return {"type": "string", **keywords}


def n(**keywords: object) -> dict:
    """An integer schema with these keywords (None: left out)."""
    return {"type": "integer", **{k: v for k, v in keywords.items() if v is not None}}


reasoning_max_removed = upstream(
    new=lambda d: schemas(d)["DialecticOptions"]["properties"]["reasoning_level"]["enum"].remove("max"))
level_added = upstream(new=lambda d: schemas(d)["Conclusion"]["properties"]["level"]["enum"].append("abductive"))
size_max_50 = upstream(new=lambda d: param(d, PEERS_LIST, "size")["schema"].update(maximum=50))
peer_id_max_100 = upstream(old=lambda d: schemas(d)["Peer"]["properties"]["id"].update(maxLength=100))
size_step_10 = upstream(new=lambda d: param(d, PEERS_LIST, "size")["schema"].update(multipleOf=10))
tags_unique_dropped = upstream(
    old=lambda d: schemas(d)["Peer"]["properties"].update(tags={"type": "array", "uniqueItems": True}),
    new=lambda d: schemas(d)["Peer"]["properties"].update(tags={"type": "array"}))

CASES = {
    "request-property-enum-value-removed": Case(reasoning_max_removed, reasoning_max_removed.reversed(),
                                                "request-property-enum-value-added"),
    "request-property-enum-value-added": Case(reasoning_max_removed.reversed(), reasoning_max_removed,
                                              "request-property-enum-value-removed"),
    "response-property-enum-value-added": Case(level_added, level_added.reversed(),
                                               "response-property-enum-value-removed"),
    "response-property-enum-value-removed": Case(level_added.reversed(), level_added,
                                                 "response-property-enum-value-added"),
    "request-property-bound-narrowed": Case(size_max_50, size_max_50.reversed(), "request-property-bound-widened"),
    "request-property-bound-widened": Case(size_max_50.reversed(), size_max_50, "request-property-bound-narrowed"),
    "response-property-bound-widened": Case(peer_id_max_100, peer_id_max_100.reversed(),
                                            "response-property-bound-narrowed"),
    "response-property-bound-narrowed": Case(peer_id_max_100.reversed(), peer_id_max_100,
                                             "response-property-bound-widened"),
    "request-property-constraint-tightened": Case(size_step_10, size_step_10.reversed(), "constraint-relaxed"),
    "response-property-constraint-loosened": Case(tags_unique_dropped, tags_unique_dropped.reversed(),
                                                  "constraint-relaxed"),
    "constraint-relaxed": Case(in_request(n(multipleOf=10), n(multipleOf=5)),
                               in_response(n(multipleOf=10), n(multipleOf=5)), "response-property-constraint-loosened"),
    # what a server assumes for an omitted value is a request's business only
    "request-property-default-value-changed": Case(in_request(s(default="a"), s(default="b")),
                                                   in_response(s(default="a"), s(default="b")), None),
    "request-property-pattern-changed": Case(in_request(s(pattern="^a"), s(pattern="^b")),
                                             in_request(s(pattern="^a"), s()), "request-property-pattern-removed"),
    "response-property-pattern-changed": Case(in_response(s(pattern="^a"), s(pattern="^b")),
                                              in_request(s(pattern="^a"), s(pattern="^b")),
                                              "request-property-pattern-changed"),
    "request-property-pattern-removed": Case(in_request(s(pattern="^a"), s()), in_response(s(pattern="^a"), s()),
                                             "response-property-pattern-changed"),
}

(test_every_rule_of_the_family_has_a_case, test_the_variant_trips_the_rule,
 test_the_near_miss_does_not_trip_it) = rule_case_tests("schema_values", CASES)


@pytest.mark.parametrize(("old", "new", "request_rule", "response_rule"), [
    (None, 10, "request-property-constraint-tightened", "constraint-relaxed"),
    (10, None, "constraint-relaxed", "response-property-constraint-loosened"),
    (5, 10, "request-property-constraint-tightened", "constraint-relaxed"),  # every multiple of 10 is one of 5
    (10, 5, "constraint-relaxed", "response-property-constraint-loosened"),
    (10, 3, "request-property-constraint-tightened", "response-property-constraint-loosened"),  # neither divides
])
def test_a_step_breaks_whoever_reads_a_value_the_other_may_write(old: int | None, new: int | None,
                                                                 request_rule: str, response_rule: str) -> None:
    assert {c.rule for c in in_request(n(multipleOf=old), n(multipleOf=new)).changes()} == {request_rule}
    assert {c.rule for c in in_response(n(multipleOf=old), n(multipleOf=new)).changes()} == {response_rule}


def test_an_enum_where_there_was_none_limits_a_request() -> None:
    changes = in_request(s(), s(enum=["a", "b"])).changes()
    assert [(c.rule, c.message) for c in changes] == [("request-property-enum-value-removed", 'now limited to ["a", "b"]')]


def test_a_const_is_an_enum_of_one() -> None:
    assert {c.rule for c in in_response(s(const="a"), s(enum=["a", "b"])).changes()} == {
        "response-property-enum-value-added"}


def test_an_exclusive_bound_of_3_0_reads_as_3_1s() -> None:
    """`exclusiveMaximum: true` beside `maximum: 10` (3.0) is `exclusiveMaximum: 10` (3.1): no change."""
    assert in_request(n(maximum=10, exclusiveMaximum=True), n(exclusiveMaximum=10)).changes() == []
