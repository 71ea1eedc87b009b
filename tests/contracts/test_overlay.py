"""OpenAPI Overlay 1.0 as honcho_contracts/overlay.py applies it: targets are RFC 9535 JSONPath
queries; `remove` deletes what they select, `update` merges objects and appends to lists; a target
that selects nothing is an error (a base that moved under an overlay must be noticed)."""

from __future__ import annotations

import copy

import pytest

from honcho_contracts import OverlayError, apply_overlay

BASE = {"info": {"title": "t", "version": "1"},
        "components": {"schemas": {"A": {"properties": {"x": {"type": "string"}, "y": {"type": "integer"}}},
                                   "E": {"enum": ["a", "b", "c"]}}},
        "tags": [{"name": "one"}]}


def overlay(*actions: dict) -> dict:
    return {"overlay": "1.0.0", "info": {"title": "o", "version": "1"}, "actions": list(actions)}


def test_remove_update_and_append_in_order_leaving_the_base_alone() -> None:
    before = copy.deepcopy(BASE)
    result = apply_overlay(BASE, overlay(
        {"target": "$.components.schemas.A.properties['x','y']", "remove": True},
        {"target": "$.components.schemas.A.properties", "update": {"z": {"type": "boolean"}}},
        {"target": "$.components.schemas.E.enum[?@ == 'b']", "remove": True},
        {"target": "$.tags", "update": {"name": "two"}},
        {"target": "$.info", "update": {"version": "2", "contact": {"name": "me"}}}))
    assert result["components"]["schemas"]["A"] == {"properties": {"z": {"type": "boolean"}}}
    assert result["components"]["schemas"]["E"]["enum"] == ["a", "c"]
    assert result["tags"] == [{"name": "one"}, {"name": "two"}]
    assert result["info"] == {"title": "t", "version": "2", "contact": {"name": "me"}}
    assert BASE == before


def test_removing_several_items_of_one_list() -> None:
    result = apply_overlay(BASE, overlay({"target": "$.components.schemas.E.enum[?@ != 'b']", "remove": True}))
    assert result["components"]["schemas"]["E"]["enum"] == ["b"]


@pytest.mark.parametrize("document, problem", [
    ({"overlay": "2.0.0", "actions": [{"target": "$", "update": {}}]}, "not an Overlay"),
    ({"overlay": "1.0.0", "actions": []}, "non-empty list"),
    (overlay({"update": {}}), "needs a `target`"),
    (overlay({"target": "$.nowhere", "remove": True}), "selects nothing"),
    (overlay({"target": "$.info"}), "needs `update` or `remove"),
    (overlay({"target": "$[", "remove": True}), "action 1: target"),
])
def test_what_is_not_an_overlay_is_refused_in_one_line(document: dict, problem: str) -> None:
    with pytest.raises(OverlayError, match=problem.replace("`", ".").replace("(", ".")):
        apply_overlay(BASE, document)
