"""Replay every exchange recorded against the real Honcho 3.0.7 server, in order, and
compare the mock's answers with the real ones.

Server-made ids differ between the two servers, so ids are mapped as they first appear
(and mapped back into later requests); timestamps are compared by their order only.
A few exchanges are deliberate deviations, listed in DELIBERATE with the reason.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from support import DATA, IdMap, checked

from mockserver import create_app

EXCHANGES = json.loads((DATA / "real_exchanges.json").read_text())["exchanges"]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")  # no fraction when it is zero

# exchanges where the mock answers differently on purpose: (method, path, request body or None)
DELIBERATE = {
    # the real server needs an LLM for chat and answers 500 without one; the mock answers
    ("POST", "/v3/workspaces/w1/peers/alice/chat", None),
    # creating conclusions needs an embedding key on the real server; the mock stores them...
    ("POST", "/v3/workspaces/w1/conclusions", None),
    # ...so a query over them answers (the real server failed on its missing key) ...
    ("POST", "/v3/workspaces/w1/conclusions/query", '{"query": "tea", "filters": {"observer_id": "alice", "observed_id": "alice"}}'),
    # ...and alice's representation now holds the stored conclusion; the recorded server had no LLM, so its
    # deriver drew no observation from alice's messages and her representation stayed empty: the mock's
    # quotes what she said (README, "Chat and representation"), in the representation and in both contexts
    ("POST", "/v3/workspaces/w1/peers/alice/representation", None),
    ("GET", "/v3/workspaces/w1/peers/alice/context", None),
    ("GET", "/v3/workspaces/w1/sessions/s1/context", None),
    # the real queue held work from earlier runs (no worker ran); the mock's queue completes at once
    ("GET", "/v3/workspaces/w1/queue/status", None),
}


def deliberate(exchange: dict[str, Any]) -> bool:
    body = json.dumps(exchange["request"]) if "request" in exchange else None
    return (exchange["method"], exchange["path"], None) in DELIBERATE or (exchange["method"], exchange["path"], body) in DELIBERATE


class ReplayIds(IdMap):
    """The id map, and the real answer as the mock should give it."""

    def normalise(self, value: Any) -> Any:
        """The real answer as the mock should give it: real ids replaced, times masked."""
        if isinstance(value, dict):
            return {self.real_to_mock.get(k, k): self.normalise(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.normalise(v) for v in value]
        if isinstance(value, str):
            return "<time>" if TIMESTAMP.match(value) else self.real_to_mock.get(value, value)
        return value


def mask_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: mask_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_times(v) for v in value]
    return "<time>" if isinstance(value, str) and TIMESTAMP.match(value) else value


def send(client: httpx.Client, ids: ReplayIds, exchange: dict[str, Any]) -> httpx.Response:
    path = ids.translate(exchange["path"])
    if exchange.get("query"):
        path += "?" + ids.translate(exchange["query"] if isinstance(exchange["query"], str) else httpx.QueryParams(exchange["query"]).__str__())
    if "request" in exchange:
        content = ids.translate(json.dumps(exchange["request"])).encode()
    elif "request_raw" in exchange:
        content = exchange["request_raw"].encode()
    else:
        content = b""
    headers = {"content-type": "application/json"} if content else {}
    return client.request(exchange["method"], path, content=content, headers=headers)


def test_replay_matches_the_real_server() -> None:
    server = create_app(seed=11, api_version="3.0.7")  # recorded on a real 3.0.7
    ids = ReplayIds()
    mismatches: list[str] = []
    with TestClient(server.app, base_url="http://testserver") as raw:
        client = checked(raw)
        for number, exchange in enumerate(EXCHANGES):
            response = send(client, ids, exchange)
            if deliberate(exchange):
                continue
            real_body = exchange.get("body")
            mock_body = response.json() if response.content else None
            if real_body is not None and mock_body is not None:
                ids.learn(real_body, mock_body)
            expected = ids.normalise(real_body)
            if response.status_code != exchange["status"] or mask_times(mock_body) != expected:
                mismatches.append(f"#{number} {exchange['method']} {exchange['path']} {exchange.get('query', '')}: "
                                  f"real {exchange['status']} {json.dumps(expected)[:300]}\n   mock {response.status_code} {json.dumps(mask_times(mock_body))[:300]}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("exchange", [e for e in EXCHANGES if e["status"] == 422 and isinstance(e.get("body", {}).get("detail"), list)],
                         ids=lambda e: f"{e['method']} {e['path']} {json.dumps(e.get('request', e.get('request_raw', '')))[:40]}")
def test_validation_errors_are_identical(exchange: dict[str, Any]) -> None:
    """Request-validation 422s need no state: they must match the real server byte for byte."""
    with TestClient(create_app(api_version="3.0.7").app, base_url="http://testserver") as client:
        response = send(client, ReplayIds(), exchange)
    assert response.status_code == 422 and response.json() == exchange["body"]
