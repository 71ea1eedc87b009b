"""Routing errors in the contract's shape (mockserver/http/error_pages.py): a route that another
Honcho version's contract has is a 404 that says so and names the contract served; any other
unknown route is the real server's plain 404."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockserver import create_app


@pytest.mark.parametrize("version", ["3.0.12", "3.0.7"])
@pytest.mark.parametrize("method, path, template", [
    ("POST", "/v3/workspaces/w/scopes", "/v3/workspaces/{workspace_id}/scopes"),
    ("GET", "/v3/workspaces/w/scopes/s1/status", "/v3/workspaces/{workspace_id}/scopes/{scope_id}/status"),
    ("DELETE", "/v3/workspaces/w/scopes/s1/sessions/x", "/v3/workspaces/{workspace_id}/scopes/{scope_id}/sessions/{session_id}"),
])
def test_a_route_of_a_newer_contract_is_a_404_naming_both_contracts(version: str, method: str, path: str,
                                                                     template: str) -> None:
    with TestClient(create_app(api_version=version).app, base_url="http://testserver") as client:
        answer = client.request(method, path, json={"id": "s1"} if method == "POST" else None)
    assert answer.status_code == 404
    assert answer.json() == {"detail": f"Not Found: {method} {template} is a route of the Honcho 3.1 preview (scopes) "
                                       f"contract, not of the Honcho {version} contract this mock serves "
                                       "(honcho-mock --api-version 3.1-preview serves it)"}


def test_other_unknown_routes_are_the_plain_404_and_another_spec_knows_no_versions(tmp_path) -> None:
    with TestClient(create_app().app, base_url="http://testserver") as client:
        assert client.get("/v3/nothing").json() == {"detail": "Not Found"}
        assert client.get("/v3/workspaces/w/scope").json() == {"detail": "Not Found"}
    spec = tmp_path / "one.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /ping:\n    get:\n"
                    "      responses: {'200': {description: ok}}\n")
    with TestClient(create_app(spec).app, base_url="http://testserver") as client:
        assert client.post("/v3/workspaces/w/scopes", json={}).json() == {"detail": "Not Found"}
