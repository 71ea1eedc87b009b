"""`honcho-conformance breaking`: the upstream 3.0.7 -> 3.0.11 change, and hand-made
breaking variants of 3.0.11, each caught by its own rule."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from support import DATA, ROOT

from conformance.breaking.check import check
from conformance.breaking.documents import load_document
from conformance.breaking.registry import RULES
from conformance.breaking.walk import compare
from conformance.core.openapi import Contract

OLD, NEW = DATA / "honcho-openapi-3.0.7.json", DATA / "honcho-openapi-3.0.11.json"
BASE = json.loads(NEW.read_text())

PEERS = "/v3/workspaces/{workspace_id}/peers"
PEERS_LIST = "/v3/workspaces/{workspace_id}/peers/list"
CHAT = "/v3/workspaces/{workspace_id}/peers/{peer_id}/chat"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance.cli", "breaking", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


def op(doc: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    return doc["paths"][path][method]


def param(doc: dict[str, Any], path: str, name: str, method: str = "post") -> dict[str, Any]:
    return next(p for p in op(doc, path, method)["parameters"] if p["name"] == name)


def _set(fn: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], None]:
    return lambda doc: (fn(doc), None)[1]


# Each: rule id -> (change to the old document, change to the new one); both start as 3.0.11.
Mutation = Callable[[dict[str, Any]], None]
NOTHING: Mutation = lambda doc: None
VARIANTS: dict[str, tuple[Mutation, Mutation]] = {
    "api-removed-without-deprecation": (NOTHING, _set(lambda d: d["paths"][PEERS].pop("post"))),
    "api-security-added": (_set(lambda d: op(d, PEERS).pop("security")), NOTHING),
    "response-success-status-removed": (NOTHING, _set(lambda d: op(d, PEERS)["responses"].pop("200"))),
    "response-non-success-status-removed": (NOTHING, _set(lambda d: op(d, PEERS)["responses"].pop("422"))),
    "new-required-request-parameter": (NOTHING, _set(lambda d: op(d, PEERS)["parameters"].append(
        {"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}}))),
    "request-parameter-became-required": (NOTHING, _set(lambda d: param(d, PEERS_LIST, "page").update(required=True))),
    "added-required-request-body": (_set(lambda d: op(d, PEERS_LIST).pop("requestBody")),
                                    _set(lambda d: op(d, PEERS_LIST)["requestBody"].update(required=True))),
    "request-body-became-required": (NOTHING, _set(lambda d: op(d, PEERS_LIST)["requestBody"].update(required=True))),
    "request-body-media-type-removed": (NOTHING, _set(lambda d: op(d, PEERS)["requestBody"].update(
        content={"application/x-www-form-urlencoded": op(d, PEERS)["requestBody"]["content"]["application/json"]}))),
    "response-media-type-removed": (NOTHING, _set(lambda d: op(d, PEERS)["responses"]["200"].update(
        content={"text/plain": {"schema": {"type": "string"}}}))),
    "response-header-removed": (_set(lambda d: op(d, PEERS)["responses"]["200"].update(
        headers={"X-Request-Id": {"required": True, "schema": {"type": "string"}}})), NOTHING),
    "request-property-type-changed": (NOTHING, _set(lambda d: schemas(d)["PeerCreate"]["properties"]["id"].update(
        type="integer"))),
    "response-property-type-changed": (NOTHING, _set(lambda d: schemas(d)["Peer"]["properties"]["created_at"].update(
        type="integer"))),
    "request-property-became-not-nullable": (NOTHING, _set(lambda d: schemas(d)["PeerCreate"]["properties"].update(
        metadata={"type": "object", "additionalProperties": True}))),
    "response-property-became-nullable": (NOTHING, _set(lambda d: schemas(d)["Peer"]["properties"]["id"].update(
        type=["string", "null"]))),
    "request-property-format-changed": (NOTHING, _set(
        lambda d: schemas(d)["MessageCreate"]["properties"]["created_at"]["anyOf"][0].update(format="date"))),
    "response-property-format-changed": (NOTHING, _set(lambda d: schemas(d)["Peer"]["properties"]["created_at"].update(
        format="date"))),
    "request-property-enum-value-removed": (NOTHING, _set(
        lambda d: schemas(d)["DialecticOptions"]["properties"]["reasoning_level"]["enum"].remove("max"))),
    "response-property-enum-value-added": (NOTHING, _set(
        lambda d: schemas(d)["Conclusion"]["properties"]["level"]["enum"].append("abductive"))),
    "request-property-bound-narrowed": (NOTHING, _set(lambda d: param(d, PEERS_LIST, "size")["schema"].update(
        maximum=50))),
    "response-property-bound-widened": (_set(lambda d: schemas(d)["Peer"]["properties"]["id"].update(maxLength=100)),
                                        NOTHING),
    "new-required-request-property": (NOTHING, _set(lambda d: (
        schemas(d)["PeerCreate"]["properties"].update(tenant={"type": "string"}),
        schemas(d)["PeerCreate"]["required"].append("tenant")))),
    "request-property-became-required": (NOTHING, _set(lambda d: schemas(d)["PeerCreate"]["required"].append(
        "metadata"))),
    "response-required-property-removed": (NOTHING, _set(lambda d: (
        schemas(d)["Peer"]["properties"].pop("workspace_id"), schemas(d)["Peer"]["required"].remove("workspace_id")))),
    "response-property-became-optional": (NOTHING, _set(lambda d: schemas(d)["Peer"]["required"].remove(
        "created_at"))),
    "request-additional-properties-closed": (NOTHING, _set(lambda d: schemas(d)["PeerCreate"].update(
        additionalProperties=False))),
    "request-property-any-of-removed": (
        _set(lambda d: schemas(d)["PeerCreate"]["properties"].update(
            id={"anyOf": [{"type": "string"}, {"type": "integer"}]})),
        _set(lambda d: schemas(d)["PeerCreate"]["properties"].update(id={"anyOf": [{"type": "string"}]}))),
    "request-property-constraint-tightened": (NOTHING, _set(lambda d: param(d, PEERS_LIST, "size")["schema"].update(
        multipleOf=10))),
    "response-property-constraint-loosened": (
        _set(lambda d: schemas(d)["Peer"]["properties"].update(tags={"type": "array", "uniqueItems": True})),
        _set(lambda d: schemas(d)["Peer"]["properties"].update(tags={"type": "array"}))),
    "response-property-any-of-added": (NOTHING, _set(lambda d: schemas(d)["Peer"]["properties"].update(
        id={"anyOf": [{"type": "string"}, {"type": "integer"}]}))),
}


def variant(name: str) -> tuple[Contract, Contract]:
    old_change, new_change = VARIANTS[name]
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    old_change(old)
    new_change(new)
    return Contract(old, name="old"), Contract(new, name="new")


def test_upstream_3_0_7_to_3_0_11_is_not_breaking_and_lists_both_changes() -> None:
    report = check(OLD, NEW)
    assert report.exit_code == 0 and not any(c.breaking for c in report.changes)
    rules = {c.rule for c in report.changes}
    assert rules == {"api-description-changed", "response-property-added"}, report.text()
    described = [c for c in report.changes if c.rule == "api-description-changed"]
    assert [c.operation for c in described] == ["GET /v3/workspaces/{workspace_id}/sessions/{session_id}/peers/{peer_id}/config"]
    level = [c for c in report.changes if c.rule == "response-property-added"]
    assert level and all(c.message.endswith("level") and c.level == "info" for c in level)
    assert {c.operation for c in level} >= {"POST /v3/workspaces/{workspace_id}/conclusions/list"}


def test_the_same_document_has_no_change() -> None:
    assert compare(Contract(copy.deepcopy(BASE), name="a"), Contract(copy.deepcopy(BASE), name="b")) == []


def test_every_error_rule_has_a_breaking_variant() -> None:
    errors = {r.id for r in RULES.values() if r.level == "error"}
    assert errors == set(VARIANTS)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_a_breaking_variant_is_caught_by_its_rule(name: str) -> None:
    old, new = variant(name)
    changes = compare(old, new)
    caught = [c for c in changes if c.rule == name]
    assert caught and all(c.breaking for c in caught), [(c.rule, c.message) for c in changes]


@pytest.mark.parametrize("name", ["request-property-enum-value-removed", "response-property-enum-value-added",
                                  "request-property-bound-narrowed", "new-required-request-property",
                                  "request-property-became-required", "response-property-became-nullable"])
def test_the_reverse_change_is_not_breaking(name: str) -> None:
    """Direction matters: undoing a narrowed request (or a widened response) breaks nobody."""
    old, new = variant(name)
    changes = compare(new, old)
    assert changes and not any(c.breaking for c in changes), [(c.rule, c.message) for c in changes]


def test_safe_changes_are_not_breaking() -> None:
    new = copy.deepcopy(BASE)
    schemas(new)["PeerCreate"]["properties"]["nickname"] = {"type": "string"}
    new["paths"]["/v3/workspaces/{workspace_id}/peers/count"] = {"get": {"operationId": "count_peers", "responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "integer"}}}}}}}
    param(new, PEERS_LIST, "size")["schema"]["maximum"] = 200
    param(new, PEERS_LIST, "size")["schema"]["default"] = 20
    schemas(new)["DialecticOptions"]["properties"]["reasoning_level"]["enum"].append("extreme")
    changes = compare(Contract(copy.deepcopy(BASE), name="old"), Contract(new, name="new"))
    rules = {c.rule for c in changes}
    assert {"new-optional-request-property", "endpoint-added", "request-property-bound-widened",
            "request-property-enum-value-added", "request-property-default-value-changed"} <= rules
    assert not any(c.breaking for c in changes)


def test_integer_to_number_generalises_a_request_and_specialises_nothing_in_a_response() -> None:
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    param(new, PEERS_LIST, "page")["schema"]["type"] = "number"
    rules = {c.rule: c.breaking for c in compare(Contract(old, name="old"), Contract(new, name="new"))}
    assert rules == {"request-property-type-generalized": False}
    schemas(new)["Peer"]["properties"]["created_at"]["type"] = ["string", "integer"]
    rules = {c.rule: c.breaking for c in compare(Contract(old, name="old"), Contract(new, name="new"))}
    assert rules["response-property-type-changed"] is True


def test_a_3_0_document_and_its_3_1_twin_are_the_same_contract() -> None:
    """nullable, boolean exclusive bounds, allOf of one $ref and an untyped const read as 3.1 does."""
    changes = compare(load_document(DATA / "petstore-3.0.yaml"), load_document(DATA / "petstore-3.1.yaml"))
    assert [c for c in changes if c.level != "info"] == []


def test_a_recursive_schema_terminates() -> None:
    old = copy.deepcopy(BASE)
    schemas(old)["Peer"]["properties"]["parent"] = {"anyOf": [{"$ref": "#/components/schemas/Peer"}, {"type": "null"}]}
    new = copy.deepcopy(old)
    schemas(new)["Peer"]["properties"]["id"]["type"] = "integer"
    changes = compare(Contract(old, name="old"), Contract(new, name="new"))
    assert any(c.rule == "response-property-type-changed" for c in changes)


def test_the_command_line_formats_and_exit_codes(tmp_path: Path) -> None:
    result = run_cli(OLD, NEW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "api-description-changed" in result.stdout and "level" in result.stdout
    old, new = variant("api-removed-without-deprecation")
    old_path, new_path = tmp_path / "old.json", tmp_path / "new.yaml"
    old_path.write_text(json.dumps(old.document))
    import yaml

    new_path.write_text(yaml.safe_dump(new.document))
    result = run_cli(old_path, new_path, "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["breaking"] is True and report["exit_code"] == 1 and report["counts"]["error"] == 1
    assert [c["operation"] for c in report["changes"] if c["breaking"]] == [f"POST {PEERS}"]
    markdown = tmp_path / "comment.md"
    result = run_cli(old_path, new_path, "--format", "markdown", "--output", markdown)
    assert result.returncode == 1 and "BREAKING" in result.stdout
    text = markdown.read_text()
    assert text.startswith("### Breaking changes") and f"| **error** | `api-removed-without-deprecation` | `POST {PEERS}`" in text


def test_markdown_folds_what_breaks_nobody_and_stays_under_a_comment_size() -> None:
    old = load_document(OLD)
    new = copy.deepcopy(BASE)
    for name in list(new["paths"])[:3]:
        new["paths"].pop(name)
    for n in range(400):
        new["paths"][f"/v3/new/{n}"] = {"get": {"operationId": f"new_{n}", "responses": {"200": {"description": "ok"}}}}
    from conformance.breaking.report import BreakingReport

    report = BreakingReport(old, Contract(new, name="new"), compare(old, Contract(new, name="new")))
    text = report.markdown(limit=8000)
    assert len(text) < 8000
    head, folded = text.split("<details>", 1)
    assert "api-removed-without-deprecation" in head and "endpoint-added" not in head
    assert "endpoint-added" in folded and "more (see the JSON report)" in folded
    annotations = report.github().splitlines()
    assert sum(1 for line in annotations if line.startswith("::error title=api-removed-without-deprecation::")) >= 3
    assert not any("endpoint-added" in line for line in annotations)


def test_an_ignore_file_accepts_a_breaking_change(tmp_path: Path) -> None:
    old, new = variant("request-property-bound-narrowed")
    old_path, new_path = tmp_path / "old.json", tmp_path / "new.json"
    old_path.write_text(json.dumps(old.document))
    new_path.write_text(json.dumps(new.document))
    ignore = tmp_path / "accepted.yaml"
    ignore.write_text("version: 1\naccepted:\n"
                      "  - rule: request-property-bound-narrowed\n    operation: 'POST /v3/workspaces/*/peers/list'\n"
                      "    note: nobody pages by more than 50\n"
                      "  - rule: api-removed-*\n    operation: GET /nowhere\n    note: stale\n")
    result = run_cli(old_path, new_path, "--ignore", ignore, "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["accepted"] == 1 and report["counts"]["error"] == 0
    assert [e["operation"] for e in report["unused_ignore_entries"]] == ["GET /nowhere"]
    assert run_cli(old_path, new_path).returncode == 1


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    not_openapi = tmp_path / "x.json"
    not_openapi.write_text('{"swagger": "2.0", "paths": {}}')
    assert run_cli(not_openapi, NEW).returncode == 2
    assert run_cli(tmp_path / "missing.json", NEW).returncode == 2
    bad_ignore = tmp_path / "ignore.yaml"
    bad_ignore.write_text("version: 1\naccepted:\n  - rule: no-such-rule\n")
    result = run_cli(OLD, NEW, "--ignore", bad_ignore)
    assert result.returncode == 2 and "no-such-rule" in result.stdout
    assert run_cli(OLD).returncode == 2
    listed = run_cli("--rules")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == len(RULES) + 1


def test_warnings_fail_only_when_asked(tmp_path: Path) -> None:
    new = copy.deepcopy(BASE)
    op(new, PEERS_LIST)["parameters"] = [p for p in op(new, PEERS_LIST)["parameters"] if p["name"] != "reverse"]
    path = tmp_path / "new.json"
    path.write_text(json.dumps(new))
    assert [(c.rule, c.level) for c in check(NEW, path).changes] == [("request-parameter-removed", "warning")]
    assert check(NEW, path).exit_code == 0
    assert check(NEW, path, fail_on="warning").exit_code == 1
    assert run_cli(NEW, path, "--fail-on", "warning").returncode == 1


def test_our_contract_against_upstream_names_the_documented_differences() -> None:
    """openapi.yaml vs upstream 3.0.7, both ways, on real documents: the 422 answers may carry a
    string `detail` (docs/contract.md), a new alternative for clients generated from upstream."""
    upstream, ours = load_document(OLD), load_document(ROOT / "openapi.yaml")
    forward = compare(upstream, ours)
    breaking = {(c.rule, c.location.split(" ")[1]) for c in forward if c.breaking}
    assert ("response-property-any-of-added", "422") in breaking
    assert not any(c.rule == "api-removed-without-deprecation" for c in forward), "every upstream operation is kept"
    backward = compare(ours, upstream)
    assert any(c.rule == "response-status-added" for c in forward)
    assert any(c.rule == "response-non-success-status-removed" for c in backward)
