"""The smallest value a schema of the contract accepts, and the rule a value breaks."""

from __future__ import annotations

import pytest

from conformance.core.config import default_spec
from conformance.core.minimal_values import NoValue, Values
from conformance.core.openapi import Contract

CONTRACT = Contract.load(default_spec())
VALUES = Values(CONTRACT)


def _parameter_schema(label: str, name: str) -> dict:
    operation = CONTRACT.by_label(label)
    assert operation is not None
    return next(p["schema"] for p in CONTRACT.parameters_of(operation) if p["name"] == name)


def test_an_id_gets_the_smallest_text_its_pattern_and_length_allow_and_a_bad_one_names_the_rule() -> None:
    schema = _parameter_schema("PUT /v3/workspaces/{workspace_id}", "workspace_id")
    value = VALUES.smallest(schema, text=True)
    assert value == "x" and VALUES.accepts(schema, value)
    assert VALUES.first_violation(schema, "no spaces here") == "pattern"
    assert VALUES.first_violation(schema, "x" * 513) in ("maxLength", "pattern")
    assert VALUES.first_violation(schema, "fine-id_1") == ""


def test_an_integer_gets_its_declared_default_else_its_minimum_and_numbers_outside_are_named() -> None:
    schema = _parameter_schema("POST /v3/workspaces/list", "size")
    assert VALUES.smallest(schema, text=True) == schema["default"]  # what a client leaving it out gets
    assert VALUES.smallest({k: v for k, v in schema.items() if k != "default"}, text=True) == 1
    assert VALUES.first_violation(schema, 101) == "maximum"
    assert VALUES.first_violation(schema, 0) == "minimum"


def test_a_request_body_gets_its_required_properties_only_through_its_refs() -> None:
    operation = CONTRACT.by_label("POST /v3/workspaces/{workspace_id}/sessions/{session_id}/messages")
    assert operation is not None
    schema = operation.definition["requestBody"]["content"]["application/json"]["schema"]
    body = VALUES.smallest(schema)
    assert VALUES.accepts(schema, body)
    assert set(body) == {"messages"} and set(body["messages"][0]) == {"content", "peer_id"}
    assert not VALUES.accepts(schema, {"messages": [{"content": "x"}]})  # peer_id is required


def test_a_schema_no_value_can_satisfy_says_so() -> None:
    with pytest.raises(NoValue):
        VALUES.smallest({"type": "string", "pattern": "^only-this-[0-9]{3}$"})
    with pytest.raises(NoValue):
        VALUES.smallest({"type": "array", "minItems": 2, "uniqueItems": True, "items": {"type": "boolean"}})
