"""conformance/breaking/rules/request_bodies.py: each rule on an operation's request body,
tripped by a variant of the upstream contract and missed by a near one."""

from __future__ import annotations

from support.contract_variants import PEERS, PEERS_LIST, Case, op, rule_case_tests, upstream


def _no_body(doc: dict) -> None:
    op(doc, PEERS_LIST).pop("requestBody")


def _body_required(doc: dict) -> None:
    op(doc, PEERS_LIST)["requestBody"]["required"] = True


def _also_form(doc: dict) -> None:
    content = op(doc, PEERS)["requestBody"]["content"]
    content["application/x-www-form-urlencoded"] = content["application/json"]


required_body_added = upstream(old=_no_body, new=_body_required)
optional_body_added = upstream(old=_no_body)  # 3.0.11's peers/list body is optional
became_required = upstream(new=_body_required)
form_added = upstream(new=_also_form)

CASES = {
    "added-required-request-body": Case(required_body_added, optional_body_added, "added-optional-request-body"),
    "added-optional-request-body": Case(optional_body_added, required_body_added, "added-required-request-body"),
    "request-body-removed": Case(optional_body_added.reversed(), became_required, "request-body-became-required"),
    "request-body-became-required": Case(became_required, became_required.reversed(), "request-body-became-optional"),
    "request-body-became-optional": Case(became_required.reversed(), became_required, "request-body-became-required"),
    "request-body-media-type-removed": Case(form_added.reversed(), form_added, "request-body-media-type-added"),
    "request-body-media-type-added": Case(form_added, form_added.reversed(), "request-body-media-type-removed"),
}

(test_every_rule_of_the_family_has_a_case, test_the_variant_trips_the_rule,
 test_the_near_miss_does_not_trip_it) = rule_case_tests("request_bodies", CASES)


def test_a_body_given_by_reference_is_read_through_it() -> None:
    """`requestBody: {$ref: ...}` is the body it names: moving a body into components changes nothing."""
    def by_reference(doc: dict) -> None:
        doc["components"]["requestBodies"] = {"PeerCreate": op(doc, PEERS)["requestBody"]}
        op(doc, PEERS)["requestBody"] = {"$ref": "#/components/requestBodies/PeerCreate"}

    assert upstream(new=by_reference).changes() == []
