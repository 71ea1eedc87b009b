"""conformance/breaking/schemas.py: the facts about one schema that rules and the walk ask for."""

from __future__ import annotations

import pytest

from conformance.breaking.schemas import (
    alternatives,
    closed,
    combiners,
    flagged,
    is_union,
    json_type,
    nullable,
    signature,
    types,
    widens,
)
from conformance.core.openapi import Contract

DOC = Contract({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {
    "Peer": {"type": "object", "readOnly": True}}}}, name="doc")
PEER = {"$ref": "#/components/schemas/Peer"}


@pytest.mark.parametrize(("value", "name"), [(None, "null"), (True, "boolean"), (3, "integer"), (2.5, "number"),
                                             ("a", "string"), ([], "array"), ({}, "object")])
def test_json_type(value: object, name: str) -> None:
    assert json_type(value) == name


def test_types_leave_out_null_and_read_an_untyped_enum_by_its_values() -> None:
    assert types({"type": ["string", "null"]}) == {"string"}
    assert types({"enum": [1, "a", None]}) == {"integer", "string"}
    assert types({"const": True}) == {"boolean"} and types({}) == set()


@pytest.mark.parametrize(("narrow", "wide", "expected"), [
    ({"integer"}, {"number"}, True), ({"number"}, {"integer"}, False), ({"string"}, set(), True),
    (set(), {"string"}, False), ({"string", "integer"}, {"string", "number"}, True)])
def test_widens(narrow: set[str], wide: set[str], expected: bool) -> None:
    assert widens(narrow, wide) is expected


def test_nullable_closed_and_unions() -> None:
    assert nullable({"type": ["null"]}) and nullable({"x-nullable": True}) and not nullable({"type": ["string"]})
    assert closed({"additionalProperties": False}) and closed({"unevaluatedProperties": False}) and not closed({})
    assert is_union({"oneOf": [PEER]}) and not is_union({"anyOf": []})


def test_alternatives_are_told_apart_by_reference_else_by_types_and_format() -> None:
    assert signature(DOC, PEER) == "Peer"
    assert signature(DOC, {"type": "string", "format": "date"}) == "string:date" and signature(DOC, {}) == "any"
    union = {"anyOf": [PEER, {"type": "integer"}], "oneOf": [{"type": "string"}]}
    assert list(alternatives(DOC, union, "anyOf")) == ["Peer", "integer"]
    assert combiners(DOC, union) == {"Peer": "anyOf", "integer": "anyOf", "string": "oneOf"}


def test_flagged_follows_a_reference() -> None:
    assert flagged(DOC, PEER, "readOnly") and not flagged(DOC, PEER, "writeOnly")
