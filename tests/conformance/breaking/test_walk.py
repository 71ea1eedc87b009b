"""conformance/breaking/walk.py: two documents walked side by side, each pair handed to the
rules of its area and direction; on the upstream contract, our own, and hand-made variants."""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import replace

import pytest
from support import DATA, ROOT
from support.contract_variants import (
    BASE,
    PEERS_LIST,
    UPSTREAM_OLD,
    in_request,
    in_response,
    obj,
    param,
    schemas,
    upstream,
)

from conformance.breaking import walk
from conformance.breaking.documents import load_document
from conformance.breaking.pairs import AREA_DIRECTIONS, Area, Direction, Pair
from conformance.breaking.registry import TABLE, Rule, rules_for
from conformance.breaking.walk import compare
from conformance.core.openapi import Contract


def test_the_same_document_has_no_change() -> None:
    assert compare(Contract(copy.deepcopy(BASE), name="a"), Contract(copy.deepcopy(BASE), name="b")) == []


def test_each_rule_is_handed_only_pairs_of_its_area_and_direction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule of the table sees pairs on our contract against upstream's, and only pairs of
    its own area and of its direction (a rule of both directions sees both)."""
    seen: dict[str, set[tuple[Area, Direction]]] = defaultdict(set)

    def spying(area: Area, direction: Direction) -> tuple[Rule, ...]:
        def spy(rule: Rule):
            def check(pair: Pair):
                seen[rule.id].add((pair.area, pair.direction))
                return rule.check(pair)
            return check
        return tuple(replace(rule, check=spy(rule)) for rule in rules_for(area, direction))

    monkeypatch.setattr(walk, "rules_for", spying)
    upstream_doc, ours = load_document(UPSTREAM_OLD), load_document(ROOT / "openapi.yaml")
    compare(upstream_doc, ours)
    compare(ours, upstream_doc)
    for rule in TABLE:
        directions = AREA_DIRECTIONS[rule.area] if rule.direction == Direction.BOTH else (rule.direction,)
        assert seen[rule.id] == {(rule.area, d) for d in directions}, rule.id


def test_rules_for_keeps_the_tables_order() -> None:
    handed = rules_for(Area.SCHEMA, Direction.REQUEST)
    assert [r.id for r in handed] == [r.id for r in TABLE if r.area == Area.SCHEMA and r.direction != "response"]


def test_errors_come_first() -> None:
    changes = upstream(new=lambda d: (schemas(d)["PeerCreate"]["properties"].update(nickname={"type": "string"}),
                                      param(d, PEERS_LIST, "size")["schema"].update(maximum=50))).changes()
    assert [c.level for c in changes] == ["error", "info"]


def test_safe_changes_are_not_breaking() -> None:
    def safe(doc: dict) -> None:
        schemas(doc)["PeerCreate"]["properties"]["nickname"] = {"type": "string"}
        doc["paths"]["/v3/workspaces/{workspace_id}/peers/count"] = {"get": {"operationId": "count_peers", "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "integer"}}}}}}}
        param(doc, PEERS_LIST, "size")["schema"].update(maximum=200, default=20)
        schemas(doc)["DialecticOptions"]["properties"]["reasoning_level"]["enum"].append("extreme")

    changes = upstream(new=safe).changes()
    assert {c.rule for c in changes} == {"new-optional-request-property", "endpoint-added",
                                         "request-property-bound-widened", "request-property-enum-value-added",
                                         "request-property-default-value-changed"}
    assert not any(c.breaking for c in changes)


@pytest.mark.parametrize("variant", [
    in_request({"type": "string", "enum": ["a", "b"]}, {"type": "string", "enum": ["a"]}),
    in_response({"type": "string", "enum": ["a"]}, {"type": "string", "enum": ["a", "b"]}),
    in_request({"type": "integer", "maximum": 100}, {"type": "integer", "maximum": 50}),
    in_request(obj(a={"type": "string"}), obj(("a", "b"), a={"type": "string"}, b={"type": "string"})),
    in_request(obj(a={"type": "string"}), obj(("a",), a={"type": "string"})),
    in_response({"type": "string"}, {"type": ["string", "null"]}),
], ids=["request-enum-narrowed", "response-enum-widened", "request-bound-narrowed", "request-property-required-new",
        "request-property-became-required", "response-became-nullable"])
def test_undoing_a_narrowed_request_or_a_widened_response_breaks_nobody(variant) -> None:
    assert any(c.breaking for c in variant.changes())
    undone = variant.reversed().changes()
    assert undone and not any(c.breaking for c in undone), [(c.rule, c.message) for c in undone]


def test_integer_to_number_generalises_a_request_and_specialises_nothing_in_a_response() -> None:
    page_number = upstream(new=lambda d: param(d, PEERS_LIST, "page")["schema"].update(type="number"))
    assert {c.rule: c.breaking for c in page_number.changes()} == {"request-property-type-generalized": False}
    both = upstream(new=lambda d: (param(d, PEERS_LIST, "page")["schema"].update(type="number"),
                                   schemas(d)["Peer"]["properties"]["created_at"].update(type=["string", "integer"])))
    assert {c.rule: c.breaking for c in both.changes()}["response-property-type-changed"] is True


def test_a_3_0_document_and_its_3_1_twin_are_the_same_contract() -> None:
    """nullable, boolean exclusive bounds, allOf of one $ref and an untyped const read as 3.1 does."""
    changes = compare(load_document(DATA / "petstore-3.0.yaml"), load_document(DATA / "petstore-3.1.yaml"))
    assert [c for c in changes if c.level != "info"] == []


def test_a_recursive_schema_terminates() -> None:
    def parent(doc: dict) -> None:
        schemas(doc)["Peer"]["properties"]["parent"] = {"anyOf": [{"$ref": "#/components/schemas/Peer"},
                                                                  {"type": "null"}]}

    changes = upstream(old=parent, new=lambda d: (parent(d), schemas(d)["Peer"]["properties"]["id"].update(
        type="integer"))).changes()
    assert any(c.rule == "response-property-type-changed" for c in changes)


def test_a_renamed_path_parameter_is_the_same_operation_and_parameter() -> None:
    def rename(doc: dict) -> None:
        param(doc, PEERS_LIST, "workspace_id")["name"] = "ws"
        doc["paths"]["/v3/workspaces/{ws}/peers/list"] = doc["paths"].pop(PEERS_LIST)

    assert upstream(new=rename).changes() == []


def test_our_contract_against_upstream_names_the_documented_differences() -> None:
    """openapi.yaml vs upstream 3.0.7, both ways, on real documents: the 422 answers may carry a
    string `detail` (docs/contract.md), a new alternative for clients generated from upstream."""
    upstream_doc, ours = load_document(UPSTREAM_OLD), load_document(ROOT / "openapi.yaml")
    forward = compare(upstream_doc, ours)
    breaking = {(c.rule, c.location.split(" ")[1]) for c in forward if c.breaking}
    assert ("response-property-any-of-added", "422") in breaking
    assert not any(c.rule == "api-removed-without-deprecation" for c in forward), "every upstream operation is kept"
    backward = compare(ours, upstream_doc)
    assert any(c.rule == "response-status-added" for c in forward)
    assert any(c.rule == "response-non-success-status-removed" for c in backward)
