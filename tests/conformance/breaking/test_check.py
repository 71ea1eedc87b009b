"""conformance/breaking/check.py: the whole comparison but its output, on the upstream 3.0.7 ->
3.0.11 change and on files a user hands it (unreadable ones are a BreakingError: exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.contract_variants import BASE, PEERS_LIST, UPSTREAM, UPSTREAM_OLD, op

from conformance.breaking.changes import BreakingError
from conformance.breaking.check import check


def test_upstream_3_0_7_to_3_0_11_is_not_breaking_and_lists_both_changes() -> None:
    report = check(UPSTREAM_OLD, UPSTREAM)
    assert report.exit_code == 0 and not any(c.breaking for c in report.changes)
    assert {c.rule for c in report.changes} == {"api-description-changed", "response-property-added"}, report.text()
    described = [c for c in report.changes if c.rule == "api-description-changed"]
    assert [c.operation for c in described] == [
        "GET /v3/workspaces/{workspace_id}/sessions/{session_id}/peers/{peer_id}/config"]
    level = [c for c in report.changes if c.rule == "response-property-added"]
    assert level and all(c.message.endswith("level") and c.level == "info" for c in level)
    assert {c.operation for c in level} >= {"POST /v3/workspaces/{workspace_id}/conclusions/list"}


def write(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_warnings_fail_only_when_asked(tmp_path: Path) -> None:
    new = json.loads(json.dumps(BASE))
    op(new, PEERS_LIST)["parameters"] = [p for p in op(new, PEERS_LIST)["parameters"] if p["name"] != "reverse"]
    path = write(tmp_path, "new.json", new)
    assert [(c.rule, c.level) for c in check(UPSTREAM, path).changes] == [("request-parameter-removed", "warning")]
    assert check(UPSTREAM, path).exit_code == 0
    assert check(UPSTREAM, path, fail_on="warning").exit_code == 1


def test_an_ignore_file_is_applied(tmp_path: Path) -> None:
    new = json.loads(json.dumps(BASE))
    op(new, PEERS_LIST)["parameters"] = [p for p in op(new, PEERS_LIST)["parameters"] if p["name"] != "reverse"]
    ignore = tmp_path / "accepted.yaml"
    ignore.write_text("version: 1\naccepted:\n  - rule: request-parameter-removed\n    note: nobody reversed\n")
    report = check(UPSTREAM, write(tmp_path, "new.json", new), ignore=ignore, fail_on="warning")
    assert report.exit_code == 0 and [c.accepted for c in report.changes] == [True] and report.unused == []


@pytest.mark.parametrize("content", [
    {"swagger": "2.0", "paths": {}},
    {"openapi": "3.1.0", "paths": []},
    {"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Nope"}}}}}},
])
def test_what_cannot_be_compared_is_a_breaking_error(tmp_path: Path, content: dict) -> None:
    path = write(tmp_path, "doc.json", content)
    with pytest.raises(BreakingError):
        check(path, path)


def test_a_missing_file_is_a_breaking_error(tmp_path: Path) -> None:
    with pytest.raises(BreakingError, match="cannot read"):
        check(tmp_path / "missing.json", UPSTREAM)
