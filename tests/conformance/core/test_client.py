"""The confined client: other hosts refused, curls recorded, budgets and rate limits kept."""

from __future__ import annotations

import time

import httpx
import pytest

from conformance.core.client import (
    Budget,
    BudgetExceeded,
    ConformanceClient,
    OutsideBaseURL,
    RateLimiter,
)
from conformance.core.vocabulary import (
    curl_command,
)


def test_client_refuses_other_hosts_and_records_curl() -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200, json={"ok": True}))
    client = ConformanceClient("https://honcho.example.com/api", token="s3cret", transport=transport)
    with pytest.raises(OutsideBaseURL):
        client.get("https://evil.example.org/api/v3/workspaces")
    with pytest.raises(OutsideBaseURL):
        client.get("https://honcho.example.com/other")
    assert sent == []
    with client.recording() as steps:
        reply = client.post("/v3/workspaces", json={"id": "w"})
    assert reply.status == 200 and reply.json() == {"ok": True} and steps == [reply.exchange]
    assert str(sent[0].url) == "https://honcho.example.com/api/v3/workspaces"
    curl = reply.exchange.curl()
    assert "s3cret" not in curl and "$HONCHO_API_KEY" in curl and "https://honcho.example.com/api/v3/workspaces" in curl
    assert curl_command("GET", "http://h/x", {}, None) == "curl -sS -X GET http://h/x"


def test_client_budget_and_rate_limit() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    client = ConformanceClient("http://h", transport=transport, budget=Budget(max_requests=3))
    for _ in range(3):
        client.get("/health")
    with pytest.raises(BudgetExceeded):
        client.get("/health")
    assert client.requests_sent == 3
    timed = ConformanceClient("http://h", transport=transport, budget=Budget(max_time=0.05))
    time.sleep(0.06)
    with pytest.raises(BudgetExceeded):
        timed.get("/health")
    limited = ConformanceClient("http://h", transport=transport, rate_limiter=RateLimiter(20))
    started = time.monotonic()
    for _ in range(6):
        limited.get("/health")
    assert time.monotonic() - started >= 0.2  # 6 requests at 20/s: at least 5 intervals of 50 ms
