"""conformance/breaking/rules/schema_types.py: each rule on a schema's types, null and format,
tripped by a variant and missed by a near one (often the same change on the other side of
the exchange)."""

from __future__ import annotations

from support.contract_variants import Case, in_request, in_response, rule_case_tests, schemas, upstream

STRING, INTEGER, NUMBER = {"type": "string"}, {"type": "integer"}, {"type": "number"}
NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}

CASES = {
    "request-property-type-changed": Case(
        upstream(new=lambda d: schemas(d)["PeerCreate"]["properties"]["id"].update(type="integer")),
        in_request(INTEGER, NUMBER), "request-property-type-generalized"),
    "request-property-type-generalized": Case(in_request(INTEGER, NUMBER), in_request(STRING, INTEGER),
                                              "request-property-type-changed"),
    "response-property-type-changed": Case(
        upstream(new=lambda d: schemas(d)["Peer"]["properties"]["created_at"].update(type="integer")),
        in_response(NUMBER, INTEGER), "response-property-type-specialized"),
    "response-property-type-specialized": Case(in_response(NUMBER, INTEGER), in_response(INTEGER, NUMBER),
                                               "response-property-type-changed"),
    "request-property-became-not-nullable": Case(
        upstream(new=lambda d: schemas(d)["PeerCreate"]["properties"].update(
            metadata={"type": "object", "additionalProperties": True})),
        in_response(NULLABLE_STRING, STRING), "nullability-relaxed"),
    "response-property-became-nullable": Case(
        upstream(new=lambda d: schemas(d)["Peer"]["properties"]["id"].update(type=["string", "null"])),
        in_request(STRING, NULLABLE_STRING), "nullability-relaxed"),
    "nullability-relaxed": Case(in_request(STRING, NULLABLE_STRING), in_response(STRING, NULLABLE_STRING),
                                "response-property-became-nullable"),
    "request-property-format-changed": Case(
        upstream(new=lambda d: schemas(d)["MessageCreate"]["properties"]["created_at"]["anyOf"][0].update(
            format="date")),
        in_request(DATE, STRING), "format-relaxed"),
    "response-property-format-changed": Case(
        upstream(new=lambda d: schemas(d)["Peer"]["properties"]["created_at"].update(format="date")),
        in_response(STRING, DATE), "format-relaxed"),
    "format-relaxed": Case(in_request(DATE, STRING), in_response(DATE, STRING), "response-property-format-changed"),
}

(test_every_rule_of_the_family_has_a_case, test_the_variant_trips_the_rule,
 test_the_near_miss_does_not_trip_it) = rule_case_tests("schema_types", CASES)


def test_a_response_that_may_be_of_more_types_breaks_and_one_of_fewer_does_not() -> None:
    assert {c.rule for c in in_response(INTEGER, {"type": ["integer", "string"]}).changes()} == {
        "response-property-type-changed"}
    assert {c.rule for c in in_response({"type": ["integer", "string"]}, INTEGER).changes()} == {
        "response-property-type-specialized"}


def test_an_untyped_enum_has_the_types_of_its_values() -> None:
    """`enum: [1, 2]` without `type` allows integers: becoming `type: integer` changes no type."""
    changes = in_request({"enum": [1, 2]}, {"type": "integer", "enum": [1, 2]}).changes()
    assert not [c for c in changes if "type" in c.rule]


def test_fastapi_optional_reads_as_nullable() -> None:
    """`anyOf: [X, {type: null}]` is X that may be null, and `nullable: true` (3.0) the same."""
    fastapi = {"anyOf": [STRING, {"type": "null"}]}
    assert in_request(fastapi, NULLABLE_STRING).changes() == []
    assert in_request({"type": "string", "nullable": True}, NULLABLE_STRING).changes() == []
    assert {c.rule for c in in_request(fastapi, STRING).changes()} == {"request-property-became-not-nullable"}
