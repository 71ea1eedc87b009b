"""Hand-made variants of a contract, for the tests of `breaking` (tests/conformance/breaking/):
two versions of the upstream 3.0.11 document, each with its own edits, or of a one-operation
document whose request body or response is the schema under test; and the cases of the rule
table's rules (one variant that trips a rule, one near miss that does not), turned into tests."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import pytest
from support import DATA

from conformance.breaking.changes import Change, Level
from conformance.breaking.registry import TABLE, Rule
from conformance.breaking.walk import compare
from conformance.core.openapi import Contract

UPSTREAM_OLD, UPSTREAM = DATA / "honcho-openapi-3.0.7.json", DATA / "honcho-openapi-3.0.11.json"
BASE = json.loads(UPSTREAM.read_text())

PEERS = "/v3/workspaces/{workspace_id}/peers"
PEERS_LIST = "/v3/workspaces/{workspace_id}/peers/list"

Edit = Callable[[dict[str, Any]], Any]  # changes a document in place (what it returns is ignored)


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


def op(doc: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    return doc["paths"][path][method]


def param(doc: dict[str, Any], path: str, name: str, method: str = "post") -> dict[str, Any]:
    return next(p for p in op(doc, path, method)["parameters"] if p["name"] == name)


@dataclass(frozen=True)
class Variant:
    """Two versions of a document, built afresh each time."""

    build: Callable[[], tuple[dict[str, Any], dict[str, Any]]]

    def documents(self) -> tuple[Contract, Contract]:
        old, new = self.build()
        return Contract(old, name="old"), Contract(new, name="new")

    def changes(self) -> list[Change]:
        return compare(*self.documents())

    def reversed(self) -> "Variant":
        """The change undone: the new version is the old one."""
        return Variant(lambda: self.build()[::-1])


def upstream(old: Edit | None = None, new: Edit | None = None) -> Variant:
    """3.0.11 twice, with `old` applied to the first copy and `new` to the second."""
    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        versions = copy.deepcopy(BASE), copy.deepcopy(BASE)
        for doc, edit in zip(versions, (old, new)):
            if edit is not None:
                edit(doc)
        return versions
    return Variant(build)


def one_operation(request: Any = None, response: Any = None) -> dict[str, Any]:
    """A document of one operation, `POST /things`, whose JSON request body and 200 answer have these schemas."""
    return {"openapi": "3.1.0", "info": {"title": "things", "version": "1"}, "paths": {"/things": {"post": {
        "operationId": "make_thing",
        "requestBody": {"required": True, "content": {"application/json": {"schema": request or {}}}},
        "responses": {"200": {"description": "made", "content": {"application/json": {"schema": response or {}}}}}}}}}


def in_request(old: Any, new: Any) -> Variant:
    """A request body's schema changes from `old` to `new`."""
    return Variant(lambda: (one_operation(request=copy.deepcopy(old)), one_operation(request=copy.deepcopy(new))))


def in_response(old: Any, new: Any) -> Variant:
    """A response's schema changes from `old` to `new`."""
    return Variant(lambda: (one_operation(response=copy.deepcopy(old)), one_operation(response=copy.deepcopy(new))))


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    """An object schema of these properties."""
    return {"type": "object", "properties": properties, "required": list(required)}


@dataclass(frozen=True)
class Case:
    """How a rule is held: a variant that trips it, and a near miss that must not. `instead` is
    the rule the near miss trips instead (None: the near miss is no change any rule reports)."""

    trips: Variant
    misses: Variant
    instead: str | None


def _found(changes: list[Change]) -> list[tuple[str, str, str]]:
    return [(c.rule, c.location, c.message) for c in changes]


def rule_case_tests(family: str, cases: Mapping[str, Case]) -> tuple[Callable[..., None], ...]:
    """The tests of one rule family (a module of conformance/breaking/rules/), generated from the
    rule table: each of its rules has a case, the case trips it, the near miss does not."""
    rules = [rule for rule in TABLE if rule.family == family]
    ids = [rule.id for rule in rules]

    def test_every_rule_of_the_family_has_a_case() -> None:
        assert rules, f"no rule of the table lives in rules/{family}.py"
        assert sorted(cases) == sorted(ids), "a rule without its case, or a case without its rule"

    @pytest.mark.parametrize("rule", rules, ids=ids)
    def test_the_variant_trips_the_rule(rule: Rule) -> None:
        assert rule.id in cases, f"{rule.id} has no case: add a variant that trips it and a near miss"
        changes = cases[rule.id].trips.changes()
        caught = [c for c in changes if c.rule == rule.id]
        assert caught, f"{rule.id} not tripped; found {_found(changes)}"
        assert all(c.level == rule.level and c.breaking == (rule.level == Level.ERROR) for c in caught)

    @pytest.mark.parametrize("rule", rules, ids=ids)
    def test_the_near_miss_does_not_trip_it(rule: Rule) -> None:
        assert rule.id in cases, f"{rule.id} has no case: add a variant that trips it and a near miss"
        case = cases[rule.id]
        old, new = case.misses.documents()
        assert old.document != new.document, "a near miss that changes nothing proves nothing"
        changes = compare(old, new)
        rules_found = {c.rule for c in changes}
        assert rule.id not in rules_found, _found(changes)
        if case.instead is None:
            assert changes == [], _found(changes)
        else:
            assert case.instead in rules_found, _found(changes)

    return (test_every_rule_of_the_family_has_a_case, test_the_variant_trips_the_rule,
            test_the_near_miss_does_not_trip_it)
