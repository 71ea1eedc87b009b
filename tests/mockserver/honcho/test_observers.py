"""At most 10 observers in a session (mockserver/honcho/observers.py), counted as both real servers
count them and refused with their 400."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockserver import create_app

OBSERVER = {"observe_others": True}


def refusal(session: str, count: int) -> dict:
    return {"detail": f"Cannot create session {session} with {count} observers. Maximum allowed is 10 observers per "
                      "session. Observers are peers with 'observe_others' set to true."}


@pytest.fixture(params=["3.0.12", "3.0.7"])
def client(request: pytest.FixtureRequest):
    with TestClient(create_app(api_version=request.param).app, base_url="http://testserver") as client:
        yield client


def test_a_session_created_with_11_observers_is_refused_and_not_created(client) -> None:
    peers = {f"o{i}": OBSERVER for i in range(11)}
    answer = client.post("/v3/workspaces/w/sessions", json={"id": "s", "peers": peers})
    assert answer.status_code == 400 and answer.json() == refusal("s", 11)
    assert client.post("/v3/workspaces/w/sessions/list").json()["total"] == 0
    assert client.post("/v3/workspaces/w/sessions", json={"id": "s", "peers": {**peers, "o0": {}}}).status_code == 201


def test_peers_added_count_with_the_observers_already_there(client) -> None:
    client.post("/v3/workspaces/w/sessions", json={"id": "s", "peers": {f"o{i}": OBSERVER for i in range(8)}})
    assert client.post("/v3/workspaces/w/sessions/s/peers", json={"a": OBSERVER, "b": OBSERVER}).status_code == 200
    answer = client.post("/v3/workspaces/w/sessions/s/peers", json={"c": OBSERVER, "o0": OBSERVER})
    assert answer.status_code == 400 and answer.json() == refusal("s", 11)
    assert client.post("/v3/workspaces/w/sessions/s/peers", json={"watcher": {}}).status_code == 200  # no observer named
    assert len(client.get("/v3/workspaces/w/sessions/s/peers").json()["items"]) == 11


def test_a_set_counts_the_set_alone(client) -> None:
    client.post("/v3/workspaces/w/sessions", json={"id": "s", "peers": {f"o{i}": OBSERVER for i in range(10)}})
    assert client.put("/v3/workspaces/w/sessions/s/peers", json={f"n{i}": OBSERVER for i in range(10)}).status_code == 200
    answer = client.put("/v3/workspaces/w/sessions/s/peers", json={f"n{i}": OBSERVER for i in range(11)})
    assert answer.status_code == 400 and answer.json() == refusal("s", 11)


def test_a_peer_becoming_the_eleventh_observer_is_refused(client) -> None:
    client.post("/v3/workspaces/w/sessions", json={"id": "s", "peers": {**{f"o{i}": OBSERVER for i in range(10)}, "p": {}}})
    answer = client.put("/v3/workspaces/w/sessions/s/peers/p/config", json={"observe_others": True})
    assert answer.status_code == 400 and answer.json() == refusal("s", 11)
    assert client.put("/v3/workspaces/w/sessions/s/peers/o1/config", json={"observe_others": True}).status_code == 204
    assert client.get("/v3/workspaces/w/sessions/s/peers/p/config").json()["observe_others"] is None
