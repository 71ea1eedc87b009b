"""Recall confined by `filters` on chat and the representation (3.0.12; mockserver/honcho/recall_filters.py):
only `session_id` is taken, as the real server words its refusals; 3.0.7 ignores the key."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockserver import create_app

REFUSED = [
    ({}, "filters must contain 'session_id'"),
    ({"x": 1}, "Unsupported filter key(s) for this endpoint: ['x']. Only 'session_id' is supported."),
    ({"session_id": 3}, 'filters.session_id must be a session id, a list of session ids, or {"in": [...]}'),
    ({"session_id": {"in": "s1"}}, 'filters.session_id must be a session id, a list of session ids, or {"in": [...]}'),
    ({"session_id": ["s1", ""]}, "filters.session_id entries must be non-empty strings"),
    ({"session_id": [f"s{i}" for i in range(1001)]}, "filters.session_id supports at most 1000 sessions per request"),
]


@pytest.fixture(scope="module", params=["3.0.12", "3.0.7"])
def client(request: pytest.FixtureRequest):
    with TestClient(create_app(api_version=request.param).app, base_url="http://testserver") as client:
        client.version = request.param  # type: ignore[attr-defined]
        for session in ("s1", "s2"):
            client.post("/v3/workspaces/w/sessions", json={"id": session, "peers": {"alice": {}}})
            client.post("/v3/workspaces/w/conclusions", json={"conclusions": [
                {"content": f"alice said tea in {session}", "observer_id": "alice", "observed_id": "alice",
                 "session_id": session}]})
        yield client


@pytest.mark.parametrize("route", ["representation", "chat"])
@pytest.mark.parametrize("filters, problem", REFUSED)
def test_filters_other_than_a_session_list_are_refused_by_3_0_12(client, route: str, filters: dict, problem: str) -> None:
    answer = client.post(f"/v3/workspaces/w/peers/alice/{route}", json={"query": "tea", "filters": filters})
    if client.version == "3.0.12":
        assert answer.status_code == 422 and answer.json() == {"detail": problem}
    else:
        assert answer.status_code == 200


def test_the_session_id_must_be_among_the_filters(client) -> None:
    body = {"query": "tea", "session_id": "s2", "filters": {"session_id": "s1"}}
    answer = client.post("/v3/workspaces/w/peers/alice/chat", json=body)
    if client.version == "3.0.12":
        assert answer.json() == {"detail": "session_id must be included in filters.session_id"}


@pytest.mark.parametrize("filters", [{"session_id": "s1"}, {"session_id": ["s1"]}, {"session_id": {"in": ["s1", "s1"]}}])
def test_recall_is_confined_to_the_sessions_named(client, filters: dict) -> None:
    text = client.post("/v3/workspaces/w/peers/alice/representation", json={"filters": filters}).json()["representation"]
    chat = client.post("/v3/workspaces/w/peers/alice/chat", json={"query": "tea", "filters": filters}).json()["content"]
    if client.version == "3.0.12":
        assert "tea in s1" in text and "tea in s2" not in text and "s2" not in chat
    else:  # the key is not 3.0.7's: everything is recalled
        assert "tea in s1" in text and "tea in s2" in text
