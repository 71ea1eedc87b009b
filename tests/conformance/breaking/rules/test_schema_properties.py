"""conformance/breaking/rules/schema_properties.py: each rule on an object's properties,
tripped by a variant and missed by a near one (read-only properties are never sent and
write-only ones never returned)."""

from __future__ import annotations

from support.contract_variants import Case, in_request, in_response, obj, rule_case_tests, schemas, upstream

A, B = {"type": "string"}, {"type": "integer"}
READ_ONLY, WRITE_ONLY = {"type": "integer", "readOnly": True}, {"type": "integer", "writeOnly": True}


def _peer_create(doc: dict, required: str) -> None:
    schemas(doc)["PeerCreate"]["required"].append(required)


def _tenant(doc: dict) -> None:
    schemas(doc)["PeerCreate"]["properties"]["tenant"] = {"type": "string"}
    _peer_create(doc, "tenant")


def _no_workspace_id(doc: dict) -> None:
    schemas(doc)["Peer"]["properties"].pop("workspace_id")
    schemas(doc)["Peer"]["required"].remove("workspace_id")


b_optional, b_required = obj(("a",), a=A, b=B), obj(("a", "b"), a=A, b=B)
only_a = obj(("a",), a=A)

CASES = {
    # a new required property clients must send, against one they never send (read-only)
    "new-required-request-property": Case(
        upstream(new=_tenant), in_request(only_a, obj(("a", "b"), a=A, b=READ_ONLY)), None),
    "new-optional-request-property": Case(in_request(only_a, b_optional), in_request(only_a, b_required),
                                          "new-required-request-property"),
    "request-property-removed": Case(in_request(b_optional, only_a),
                                     in_request(obj(("a",), a=A, b=READ_ONLY), only_a), None),
    "request-property-became-required": Case(upstream(new=lambda d: _peer_create(d, "metadata")),
                                             in_response(b_optional, b_required), "response-property-became-required"),
    "request-property-became-optional": Case(in_request(b_required, b_optional), in_response(b_required, b_optional),
                                             "response-property-became-optional"),
    "response-required-property-removed": Case(upstream(new=_no_workspace_id), in_response(b_optional, only_a),
                                               "response-optional-property-removed"),
    "response-optional-property-removed": Case(in_response(b_optional, only_a), in_response(b_required, only_a),
                                               "response-required-property-removed"),
    # a property that may now be missing, against one clients never read (write-only)
    "response-property-became-optional": Case(
        upstream(new=lambda d: schemas(d)["Peer"]["required"].remove("created_at")),
        in_response(obj(("a", "b"), a=A, b=WRITE_ONLY), obj(("a",), a=A, b=WRITE_ONLY)), None),
    "response-property-added": Case(in_response(only_a, b_optional), in_request(only_a, b_optional),
                                    "new-optional-request-property"),
    "response-property-became-required": Case(in_response(b_optional, b_required), in_request(b_optional, b_required),
                                              "request-property-became-required"),
    # closed to other properties in a request breaks senders; in a response it breaks no reader
    "request-additional-properties-closed": Case(
        upstream(new=lambda d: schemas(d)["PeerCreate"].update(additionalProperties=False)),
        in_response(only_a, {**only_a, "additionalProperties": False}), None),
    "response-additional-properties-opened": Case(
        in_response({**only_a, "additionalProperties": False}, only_a),
        in_request({**only_a, "additionalProperties": False}, only_a), None),
}

(test_every_rule_of_the_family_has_a_case, test_the_variant_trips_the_rule,
 test_the_near_miss_does_not_trip_it) = rule_case_tests("schema_properties", CASES)


def test_a_property_is_named_by_its_path_below_the_body() -> None:
    nested = in_request(obj(items={"type": "array", "items": only_a}),
                        obj(items={"type": "array", "items": obj(("a", "c"), a=A, c=B)}))
    [change] = nested.changes()
    assert (change.location, change.message) == ("request body application/json: items[]",
                                                  "new required property items[].c")


def test_what_a_side_never_sees_is_not_compared_below() -> None:
    """A read-only property's own schema is no request's business (nor a write-only one a response's)."""
    inner_old, inner_new = obj(x=A) | {"readOnly": True}, obj(("y",), x=A, y=B) | {"readOnly": True}
    assert in_request(obj(p=inner_old), obj(p=inner_new)).changes() == []
    assert {c.rule for c in in_response(obj(p=inner_old), obj(p=inner_new)).changes()} == {"response-property-added"}
