"""conformance/breaking/documents.py: a document as the walk reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support.contract_variants import PEERS_LIST, UPSTREAM

from conformance.breaking.changes import BreakingError
from conformance.breaking.documents import (
    load_document,
    media_types,
    operations_by_shape,
    parameters_by_place,
    responses,
    security,
)
from conformance.core.openapi import Contract

DOC = Contract({"openapi": "3.0.3", "security": [{"key": []}], "paths": {
    "/a/{x}/b/{y}": {
        "parameters": [{"name": "x", "in": "path", "required": True}, {"name": "q", "in": "query"}],
        "get": {"parameters": [{"name": "y", "in": "path", "required": True}, {"name": "q", "in": "query",
                                                                              "required": True}],
                "responses": {200: {"description": "ok", "content": {"text/plain": {}}}}},
        "put": {"security": [], "responses": {}}}}}, name="doc")


def test_load_document_reads_json_and_yaml_and_refuses_what_is_not_openapi_3(tmp_path: Path) -> None:
    assert load_document(UPSTREAM).version == "3.0.11"
    as_yaml = tmp_path / "doc.yaml"
    as_yaml.write_text(yaml.safe_dump(DOC.document))
    assert set(load_document(as_yaml).operations) == set(DOC.operations)
    swagger = tmp_path / "swagger.yaml"
    swagger.write_text("swagger: '2.0'\npaths: {}\n")
    with pytest.raises(BreakingError, match="not an OpenAPI 3.x document"):
        load_document(swagger)


def test_operations_are_keyed_by_method_and_path_shape() -> None:
    assert set(operations_by_shape(DOC)) == {("get", "/a/{}/b/{}"), ("put", "/a/{}/b/{}")}


def test_parameters_by_place_number_the_path_ones_and_let_the_operation_win() -> None:
    get = operations_by_shape(DOC)[("get", "/a/{}/b/{}")]
    found = parameters_by_place(DOC, get)
    assert list(found) == [("path", "#1"), ("query", "q"), ("path", "#2")]
    assert found[("query", "q")]["required"] is True and found[("path", "#2")]["name"] == "y"


def test_statuses_are_text_and_media_types_a_mapping() -> None:
    get = operations_by_shape(DOC)[("get", "/a/{}/b/{}")]
    assert list(responses(get)) == ["200"]
    assert list(media_types(responses(get)["200"])) == ["text/plain"]
    assert media_types(None) == {} and media_types({"content": ["text/plain"]}) == {}


def test_security_is_the_operations_own_else_the_documents() -> None:
    ops = operations_by_shape(DOC)
    assert security(DOC, ops[("get", "/a/{}/b/{}")]) == [{"key": []}]
    assert security(DOC, ops[("put", "/a/{}/b/{}")]) == []
    upstream_list = operations_by_shape(load_document(UPSTREAM))[("post", PEERS_LIST.replace("{workspace_id}", "{}"))]
    assert security(load_document(UPSTREAM), upstream_list) == [{"HTTPBearer": []}]
