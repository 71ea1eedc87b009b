"""Faults and latency on demand: `X-Mock-Status` / `X-Mock-Delay` per request (also from a browser,
through CORS), `--latency` / `--error-rate` rules at start, seeded. Forced answers are checked
against openapi.yaml wherever it declares the status."""

from __future__ import annotations

import time
from typing import Iterator

import httpx
import pytest
from starlette.testclient import TestClient
from support import checked, loopback_server
from support.mock_process import run_cli

from mockserver import MockServer, create_app
from mockserver.http.faults import ErrorRule, LatencyRule, Pattern

LIST_PEERS = "/v3/workspaces/w/peers/list"


@pytest.fixture(scope="module")
def server() -> MockServer:
    return create_app(seed=3)


@pytest.fixture
def api(server: MockServer) -> Iterator[httpx.Client]:
    server.reset()
    with TestClient(server.app, base_url="http://testserver") as client:
        yield checked(client)


@pytest.fixture
def raw(server: MockServer) -> Iterator[httpx.Client]:
    """Unchecked: for answers the contract does not declare."""
    server.reset()
    with TestClient(server.app, base_url="http://testserver") as client:
        yield client


def test_a_forced_declared_status_answers_the_contracts_shape_and_changes_nothing(api: httpx.Client) -> None:
    for status in (404, 422, 401):
        response = api.post("/v3/workspaces/w/sessions/s/messages", headers={"X-Mock-Status": str(status)},
                            json={"messages": [{"peer_id": "p", "content": "lost"}]})
        assert response.status_code == status and isinstance(response.json()["detail"], str)
        assert response.headers["x-mock-fault"] == "header"
    assert api.get("/_mock/state").json()["workspaces"] == []  # the handler never ran


def test_a_forced_success_answers_a_schema_valid_body(api: httpx.Client) -> None:
    response = api.post("/v3/workspaces", json={"id": "w"}, headers={"X-Mock-Status": "201"})
    assert response.status_code == 201 and set(response.json()) >= {"id", "metadata", "created_at"}
    dream = api.post("/v3/workspaces/w/schedule_dream", json={}, headers={"X-Mock-Status": "204"})
    assert (dream.status_code, dream.content) == (204, b"")  # not even validated: the request is never read


def test_an_undeclared_status_still_answers(raw: httpx.Client) -> None:
    for status, detail in ((503, "Service Unavailable"), (500, "An unexpected error occurred"), (429, "Too Many Requests")):
        response = raw.post(LIST_PEERS, headers={"X-Mock-Status": str(status)})
        assert (response.status_code, response.json()) == (status, {"detail": detail})


@pytest.mark.parametrize("headers", [{"X-Mock-Status": "abc"}, {"X-Mock-Status": "99"}, {"X-Mock-Status": "600"},
                                     {"X-Mock-Delay": "-1"}, {"X-Mock-Delay": "60001"}, {"X-Mock-Delay": "1.5s"}])
def test_bad_fault_headers_are_told(raw: httpx.Client, headers: dict[str, str]) -> None:
    response = raw.post(LIST_PEERS, headers=headers)
    assert response.status_code == 400 and "X-Mock-" in response.json()["detail"]


def test_delay_by_header(api: httpx.Client) -> None:
    started = time.monotonic()
    response = api.post(LIST_PEERS, headers={"X-Mock-Delay": "300"})
    assert response.status_code == 200 and time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert api.post(LIST_PEERS, headers={"X-Mock-Delay": "200", "X-Mock-Status": "422"}).status_code == 422
    assert time.monotonic() - started >= 0.2


def test_fault_headers_work_from_a_browser(raw: httpx.Client) -> None:
    origin = {"Origin": "http://localhost:5173"}
    preflight = raw.options(LIST_PEERS, headers={**origin, "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "x-mock-status, x-mock-delay"})
    assert preflight.status_code == 200
    assert "x-mock-status" in preflight.headers["access-control-allow-headers"].lower()
    response = raw.post(LIST_PEERS, headers={**origin, "X-Mock-Status": "503", "X-Mock-Delay": "10"})
    assert response.status_code == 503 and response.headers["access-control-allow-origin"] == "*"


def test_latency_and_error_rate_rules_at_start() -> None:
    server = create_app(latency=("250:POST /v3/workspaces/*/peers/list",), error_rate=("1:503:/v3/workspaces/*/sessions/list",))
    with TestClient(server.app) as client:
        started = time.monotonic()
        assert client.post(LIST_PEERS).status_code == 200
        assert time.monotonic() - started >= 0.25
        started = time.monotonic()
        assert client.post(LIST_PEERS, headers={"X-Mock-Delay": "0"}).status_code == 200  # the header wins
        assert client.post("/v3/workspaces", json={"id": "w"}).status_code == 201
        assert time.monotonic() - started < 0.25
        faulted = client.post("/v3/workspaces/w/sessions/list")
        assert (faulted.status_code, faulted.json()) == (503, {"detail": "Service Unavailable"})
        assert faulted.headers["x-mock-fault"] == "error-rate"
        assert client.post("/v3/workspaces/w/sessions/list", headers={"X-Mock-Status": "200"}).status_code == 200


def test_a_seeded_error_rate_faults_the_same_requests() -> None:
    def outcomes(seed: int) -> list[int]:
        server = create_app(seed=seed, error_rate=("0.5",))
        with TestClient(server.app) as client:
            return [client.get("/health").status_code for _ in range(30)]

    first = outcomes(11)
    assert first == outcomes(11) and {200, 500} == set(first)


def test_rules_parse_and_refuse() -> None:
    assert LatencyRule.parse("800") == LatencyRule(800, 800, Pattern("*"))
    assert LatencyRule.parse("100-300:/v3/*") == LatencyRule(100, 300, Pattern("/v3/*"))
    assert ErrorRule.parse("0.1") == ErrorRule(0.1, 500, Pattern("*"))
    assert ErrorRule.parse("0.2:/v3/keys") == ErrorRule(0.2, 500, Pattern("/v3/keys"))
    assert ErrorRule.parse("1:429:GET /health") == ErrorRule(1, 429, Pattern("/health", "GET"))
    for bad in ("abc", "-5", "300-100", "70000"):
        with pytest.raises(ValueError):
            LatencyRule.parse(bad)
    for bad in ("x", "1.5", "0.5:99", "0.5:700:/v3/*"):
        with pytest.raises(ValueError):
            ErrorRule.parse(bad)
    refused = run_cli(["--error-rate", "2"])
    assert refused.returncode == 2 and "--error-rate" in refused.stderr


def test_faults_over_loopback_and_after_auth() -> None:
    server = create_app(auth_secret="s" * 32)
    assert server.auth is not None
    admin = {"Authorization": f"Bearer {server.auth.admin_jwt()}"}
    with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=10) as client:
        started = time.monotonic()
        response = client.post(LIST_PEERS, headers={**admin, "X-Mock-Delay": "200", "X-Mock-Status": "404"})
        assert response.status_code == 404 and time.monotonic() - started >= 0.2  # an authenticated request's fault
        refused = client.post(LIST_PEERS, headers={"X-Mock-Delay": "50", "X-Mock-Status": "404"})
        assert refused.status_code == 401 and "x-mock-fault" not in refused.headers  # no token: no fault


def test_a_forced_2xx_page_is_self_consistent(server: MockServer, api: httpx.Client) -> None:
    """A forced 200 on any list answers a page that tells the truth about its items."""
    pages = 0
    for operation in server.contract.operations.values():
        schema = (operation.responses.get("200", {}).get("content", {}).get("application/json", {}).get("schema", {}))
        if "Page_" not in str(schema.get("$ref", "")):
            continue
        path = operation.path.replace("{", "").replace("}", "")
        answer = api.request(operation.method.upper(), path, headers={"X-Mock-Status": "200"},
                             json={} if operation.request_body else None)
        page = answer.json()
        assert answer.status_code == 200 and answer.headers["x-mock-fault"] == "header"
        assert page["total"] == len(page["items"]) and page["page"] == 1, (operation.operation_id, page)
        assert page["pages"] == (-(-page["total"] // page["size"]) if page["total"] else 0), (operation.operation_id, page)
        pages += 1
    assert pages >= 8  # every list of the contract
