"""conformance/breaking/rules/schema_unions.py: each rule on a union's alternatives, tripped
by a variant and missed by a near one."""

from __future__ import annotations

from support.contract_variants import Case, in_request, in_response, rule_case_tests, schemas, upstream

TWO = {"anyOf": [{"type": "string"}, {"type": "boolean"}]}
THREE = {"anyOf": [{"type": "string"}, {"type": "boolean"}, {"type": "integer"}]}

id_narrowed = upstream(
    old=lambda d: schemas(d)["PeerCreate"]["properties"].update(id={"anyOf": [{"type": "string"}, {"type": "integer"}]}),
    new=lambda d: schemas(d)["PeerCreate"]["properties"].update(id={"anyOf": [{"type": "string"}]}))

CASES = {
    "request-property-any-of-removed": Case(id_narrowed, in_request(TWO, THREE), "union-alternatives-relaxed"),
    "response-property-any-of-added": Case(
        upstream(new=lambda d: schemas(d)["Peer"]["properties"].update(
            id={"anyOf": [{"type": "string"}, {"type": "integer"}]})),
        in_response(THREE, TWO), "union-alternatives-relaxed"),
    "union-alternatives-relaxed": Case(in_request(TWO, THREE), in_response(TWO, THREE),
                                       "response-property-any-of-added"),
}

(test_every_rule_of_the_family_has_a_case, test_the_variant_trips_the_rule,
 test_the_near_miss_does_not_trip_it) = rule_case_tests("schema_unions", CASES)


def test_alternatives_are_matched_by_reference_and_compared_inside() -> None:
    """A `$ref` alternative is the same alternative in both versions; what changed inside it is
    reported at `<Name>`."""
    def peer_or_null(doc: dict, id_type: str) -> None:
        schemas(doc)["Peer"]["properties"]["id"]["type"] = id_type
        schemas(doc)["Session"]["properties"]["peer"] = {"anyOf": [{"$ref": "#/components/schemas/Peer"},
                                                                   {"type": "integer"}]}

    changes = upstream(old=lambda d: peer_or_null(d, "string"), new=lambda d: peer_or_null(d, "integer")).changes()
    inside = [c for c in changes if "<Peer>" in c.location]
    assert inside and {c.rule for c in inside} == {"response-property-type-changed"}
    assert not [c for c in changes if "union" in c.rule or "any-of" in c.rule]
