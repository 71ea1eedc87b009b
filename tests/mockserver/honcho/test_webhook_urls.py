"""Webhook URLs as each Honcho version judges them (mockserver/honcho/webhook_urls.py): both refuse
other schemes than http(s); 3.0.12 also refuses IP literals of internal addresses, 3.0.7 takes them
(its check swallowed its own refusal). Answers as recorded on the real servers."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockserver import create_app

INTERNAL = ["http://127.0.0.1:9/hook-a", "http://10.1.2.3/x", "http://[::1]/x", "http://0.0.0.0/x",
            "http://169.254.0.1/x", "http://224.0.0.1/x", "https://192.168.1.10:8443/h"]
TAKEN = ["https://example.com/h", "http://localhost/x", "http://8.8.8.8/hook", "HTTP://example.com/upper"]


def refusal(url: str, message: str) -> dict:
    return {"detail": [{"type": "value_error", "loc": ["body", "url"], "msg": f"Value error, {message}", "input": url,
                        "ctx": {"error": {}}}]}


@pytest.fixture(scope="module", params=["3.0.7", "3.0.12"])
def served(request: pytest.FixtureRequest):
    server = create_app(api_version=request.param)
    with TestClient(server.app, base_url="http://testserver") as client:
        client.version = request.param  # type: ignore[attr-defined]
        yield server, client


@pytest.fixture
def client(served):
    server, client = served
    server.reset()  # a workspace holds at most 10 endpoints: each test starts with none
    assert client.post("/v3/workspaces", json={"id": "w"}).status_code == 201
    return client


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_ip_literals_are_refused_by_3_0_12_only(client, url: str) -> None:
    answer = client.post("/v3/workspaces/w/webhooks", json={"url": url})
    if client.version == "3.0.12":
        assert answer.status_code == 422 and answer.json() == refusal(url, "Private/internal IP addresses are not allowed")
    else:
        assert answer.status_code in (200, 201) and answer.json()["url"] == url


@pytest.mark.parametrize("url", TAKEN)
def test_public_addresses_and_host_names_are_taken_by_both(client, url: str) -> None:
    assert client.post("/v3/workspaces/w/webhooks", json={"url": url}).status_code in (200, 201)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "ws://example.com/socket"])
def test_other_schemes_are_refused_by_both(client, url: str) -> None:
    answer = client.post("/v3/workspaces/w/webhooks", json={"url": url})
    assert answer.status_code == 422 and answer.json() == refusal(url, "Only HTTP and HTTPS URLs are allowed")


def test_a_missing_endpoint_is_404_on_both(client) -> None:
    answer = client.delete("/v3/workspaces/w/webhooks/missing-hook")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Webhook endpoint missing-hook not found for workspace w"}


@pytest.mark.parametrize("url", ["l://h]x", "http://[::1/x", "http://a]b/"])
def test_a_url_python_cannot_split_is_an_invalid_url_never_a_500(client, url: str) -> None:
    answer = client.post("/v3/workspaces/w/webhooks", json={"url": url})
    assert answer.status_code == 422 and answer.json() == refusal(url, "Invalid URL format")
