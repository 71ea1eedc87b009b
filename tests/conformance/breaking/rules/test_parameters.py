"""conformance/breaking/rules/parameters.py: each rule on one parameter, tripped by a variant
of the upstream contract and missed by a near one."""

from __future__ import annotations

from support.contract_variants import PEERS, PEERS_LIST, Case, op, param, rule_case_tests, upstream


def _tenant(required: bool):
    return lambda d: op(d, PEERS)["parameters"].append(
        {"name": "tenant", "in": "query", "required": required, "schema": {"type": "string"}})


def _rename_workspace_id(doc: dict) -> None:
    param(doc, PEERS_LIST, "workspace_id")["name"] = "workspace"
    doc["paths"]["/v3/workspaces/{workspace}/peers/list"] = doc["paths"].pop(PEERS_LIST)


page_required = upstream(new=lambda d: param(d, PEERS_LIST, "page").update(required=True))

CASES = {
    "new-required-request-parameter": Case(upstream(new=_tenant(True)), upstream(new=_tenant(False)),
                                           "new-optional-request-parameter"),
    "new-optional-request-parameter": Case(upstream(new=_tenant(False)), upstream(new=_tenant(True)),
                                           "new-required-request-parameter"),
    # a parameter gone, against one renamed in the path (the same parameter: path parameters go by position)
    "request-parameter-removed": Case(
        upstream(new=lambda d: op(d, PEERS_LIST)["parameters"].remove(param(d, PEERS_LIST, "reverse"))),
        upstream(new=_rename_workspace_id), None),
    "request-parameter-became-required": Case(page_required, page_required.reversed(),
                                              "request-parameter-became-optional"),
    "request-parameter-became-optional": Case(page_required.reversed(), page_required,
                                              "request-parameter-became-required"),
}

(test_every_rule_of_the_family_has_a_case, test_the_variant_trips_the_rule,
 test_the_near_miss_does_not_trip_it) = rule_case_tests("parameters", CASES)


def test_a_path_parameter_is_required_whatever_it_says() -> None:
    """OpenAPI requires `required: true` on a path parameter; one that leaves it out is required all the same."""
    variant = upstream(old=lambda d: param(d, PEERS_LIST, "workspace_id").pop("required"))
    assert variant.changes() == []


def test_an_operation_parameter_overrides_the_path_item_one() -> None:
    """The operation's own parameter of a name and place wins over the path item's."""
    def shared_size(doc: dict) -> None:
        doc["paths"][PEERS_LIST]["parameters"] = [{"name": "size", "in": "query", "required": True,
                                                   "schema": {"type": "integer"}}]

    assert upstream(new=shared_size).changes() == []
