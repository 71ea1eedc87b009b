"""Chat's `response_format` as Honcho 3.0.12 judges it (mockserver/honcho/response_format.py), with
the details a real 3.0.12 answers; 3.0.7 has no such field and ignores the key."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockserver import create_app

REFUSED = [
    ({"type": "string"}, "root schema must have type 'object'"),
    ({"type": "object", "properties": {"a": {"$ref": "#/x"}}},
     "unsupported $ref '#/x': only '#/$defs/<name>' or '#/definitions/<name>' references are supported at properties.a"),
    ({"type": "object", "properties": {"a": {"allOf": [{"type": "string"}]}}}, "unsupported construct 'allOf' at properties.a"),
    ({"type": "object", "properties": {"m": {"type": "object", "additionalProperties": {"type": "string"}}}},
     "additionalProperties with a schema is not supported at properties.m"),
    ({"$ref": "#/$defs/R", "$defs": {"R": {"type": "object", "properties": {"n": {"$ref": "#/$defs/R"}}}}},
     "recursive $ref is not supported (cycle: R -> R); restructure the schema so definitions do not reference "
     "themselves at properties.n"),
    ({"$ref": "#/$defs/S", "$defs": {"S": {"type": "string"}}}, "root schema must have type 'object'"),
    ({"type": "object", "properties": {"a": {"type": "date"}}}, "unsupported type 'date' at properties.a"),
    ({"type": "object", "properties": {"a": {"anyOf": []}}}, "'anyOf' must be a non-empty array at properties.a"),
    ({"type": "object", "properties": {"a": {"enum": [1.5]}}},
     "enum values must be strings, integers, booleans, or null at properties.a"),
    ({"type": "object", "properties": {"a": True}}, "boolean schemas are not supported at properties.a"),
    ({"type": "object", "properties": {"a": {"type": "array", "items": {"description": "x"}}}},
     "schema has no recognizable type at properties.a.items"),
]
TAKEN = [
    {"type": "object", "properties": {"answer": {"type": "string", "maxLength": 10}, "n": {"type": ["integer", "null"]},
                                      "tags": {"type": "array", "items": {"enum": ["a", 1, True, None]}},
                                      "ref": {"$ref": "#/definitions/Inner", "description": "sibling wins"}},
     "required": ["answer"], "additionalProperties": False, "definitions": {"Inner": {"properties": {"x": {"type": "null"}}}}},
    {"properties": {"a": {"oneOf": [{"type": "string"}, {"type": "null"}]}}, "$schema": "https://json-schema.org/draft/2020-12/schema"},
    {"type": "object"},
]


@pytest.fixture(scope="module", params=["3.0.12", "3.0.7"])
def client(request: pytest.FixtureRequest):
    with TestClient(create_app(api_version=request.param).app, base_url="http://testserver") as client:
        client.version = request.param  # type: ignore[attr-defined]
        yield client


@pytest.mark.parametrize("schema, problem", REFUSED)
def test_a_format_the_real_server_cannot_use_is_refused_by_3_0_12(client, schema: dict, problem: str) -> None:
    answer = client.post("/v3/workspaces/w/peers/a/chat", json={"query": "hi", "response_format": schema})
    if client.version == "3.0.12":
        assert answer.status_code == 422 and answer.json() == {"detail": f"Invalid response_format: {problem}"}
    else:
        assert answer.status_code == 200


@pytest.mark.parametrize("schema", TAKEN)
def test_the_supported_subset_is_taken(client, schema: dict) -> None:
    assert client.post("/v3/workspaces/w/peers/a/chat", json={"query": "hi", "response_format": schema}).status_code == 200


def test_a_schema_too_large_or_too_deep_is_refused(client) -> None:
    deep: dict = {"type": "string"}
    for _ in range(22):
        deep = {"type": "object", "properties": {"a": deep}}
    wide = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(501)}}
    details = [client.post("/v3/workspaces/w/peers/a/chat", json={"query": "q", "response_format": s}).json()
               for s in (deep, wide)]
    if client.version == "3.0.12":
        assert details == [{"detail": "Invalid response_format: schema nesting exceeds the maximum depth of 20"},
                           {"detail": "Invalid response_format: schema exceeds the maximum of 500 nodes"}]
