"""conformance/breaking/rules/operations.py: each rule on an operation as a whole and on its
security, tripped by a variant of the upstream contract and missed by a near one."""

from __future__ import annotations

from support.contract_variants import PEERS, Case, op, rule_case_tests, upstream

COUNT = "/v3/workspaces/{workspace_id}/peers/count"


def _count_peers(doc: dict) -> None:
    doc["paths"][COUNT] = {"get": {"operationId": "count_peers", "responses": {"200": {"description": "ok"}}}}


removed = upstream(new=lambda d: d["paths"][PEERS].pop("post"))
removed_after_deprecation = upstream(old=lambda d: op(d, PEERS).update(deprecated=True),
                                     new=lambda d: d["paths"][PEERS].pop("post"))
summary_changed = upstream(new=lambda d: op(d, PEERS).update(summary="Get or create a peer"))
description_changed = upstream(new=lambda d: op(d, PEERS).update(description="Get a peer, or make it."))
open_to_anyone = upstream(old=lambda d: op(d, PEERS).pop("security"))

CASES = {
    "api-removed-without-deprecation": Case(removed, removed_after_deprecation, "api-removed-after-deprecation"),
    "api-removed-after-deprecation": Case(removed_after_deprecation, removed, "api-removed-without-deprecation"),
    "endpoint-added": Case(upstream(new=_count_peers), upstream(old=_count_peers), "api-removed-without-deprecation"),
    "api-operation-id-updated": Case(
        upstream(new=lambda d: op(d, PEERS).update(operationId="get_or_create_peer")),
        summary_changed, "api-summary-changed"),
    "api-description-changed": Case(description_changed, summary_changed, "api-summary-changed"),
    "api-summary-changed": Case(summary_changed, description_changed, "api-description-changed"),
    "api-deprecated": Case(
        upstream(new=lambda d: op(d, PEERS).update(deprecated=True)),
        upstream(old=lambda d: op(d, PEERS).update(deprecated=True),  # deprecated already: only its words change
                 new=lambda d: op(d, PEERS).update(deprecated=True, description="Deprecated.")),
        "api-description-changed"),
    "api-security-added": Case(open_to_anyone, open_to_anyone.reversed(), "api-security-removed"),
    "api-security-removed": Case(open_to_anyone.reversed(), open_to_anyone, "api-security-added"),
}

(test_every_rule_of_the_family_has_a_case, test_the_variant_trips_the_rule,
 test_the_near_miss_does_not_trip_it) = rule_case_tests("operations", CASES)


def test_security_given_by_the_document_counts_for_every_operation() -> None:
    """An operation without its own `security` takes the document's: setting it there closes every open one."""
    def open_document(doc: dict) -> None:
        for item in doc["paths"].values():
            for operation in item.values():
                operation.pop("security", None)

    changes = upstream(old=open_document,
                       new=lambda d: (open_document(d), d.update(security=[{"HTTPBearer": []}]))).changes()
    closed = {c.operation for c in changes if c.rule == "api-security-added"}
    assert len(closed) == sum(len(item) for item in upstream().build()[0]["paths"].values())


def test_an_anonymous_alternative_keeps_an_operation_open() -> None:
    """`security: [{}]` lets anyone in: adding a scheme beside it needs no credentials."""
    changes = upstream(old=lambda d: op(d, PEERS).update(security=[{}]),
                       new=lambda d: op(d, PEERS).update(security=[{}, {"HTTPBearer": []}])).changes()
    assert not [c for c in changes if c.rule == "api-security-added"]


def test_anonymous_access_beside_a_scheme_opens_an_operation() -> None:
    changes = upstream(new=lambda d: op(d, PEERS).update(security=[{}, {"HTTPBearer": []}])).changes()
    assert [(c.rule, c.level) for c in changes] == [("api-security-removed", "info")]
