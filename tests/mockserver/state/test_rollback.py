"""A fixture load that fails half-way puts back what it changed, whichever copy it kept: a
workspace's entries alone when the load only adds, the workspace deep-copied when it names a
stored peer or session (state/rollback.py)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.state import fixtures
from mockserver.state.fixtures import FixtureError, dump_state, load_fixtures
from mockserver.state.rollback import rollback_copy

W = "/v3/workspaces/w"


def stored(api_version: str = "3.0.12") -> Any:
    """A mock with a workspace of peers, a live and a deleted session with messages, and a webhook."""
    server = create_app(api_version=api_version, seed=5)
    client = TestClient(server.app)
    client.post(f"{W}/sessions/s1/messages", json={"messages": [{"peer_id": "alice", "content": "hi"},
                                                              {"peer_id": "bob", "content": "hello"}]})
    client.post(f"{W}/sessions/gone/messages", json={"messages": [{"peer_id": "alice", "content": "bye"}]})
    client.delete(f"{W}/sessions/gone")
    client.post(f"{W}/webhooks", json={"url": "https://example.test/hook"})
    if api_version == "3.1-preview":
        client.post(f"{W}/sessions", json={"id": "s3", "scopes": ["work"]})
    return server


def new_session(sid: str, *authors: str) -> dict[str, Any]:
    return {"id": sid, "metadata": {"new": True}, "messages": [{"peer_id": a, "content": f"from {a}"} for a in authors]}


# (a document's workspaces, whether its workspace `w` is copied whole)
DOCUMENTS = {
    "new sessions by new authors": ([{"id": "w", "sessions": [new_session("n1", "carol"), new_session("n2", "dave")]}], False),
    "a new peer and a new workspace": ([{"id": "w", "peers": [{"id": "erin", "metadata": {"x": 1}}],
                                         "sessions": [new_session("n1", "erin"), new_session("n2")]},
                                        {"id": "other", "sessions": [new_session("o1", "zed")]}], False),
    "messages added to a stored session": ([{"id": "w", "sessions": [{"id": "s1", "messages": [
        {"peer_id": "carol", "content": "late"}]}, new_session("n2", "carol")]}], True),
    "a new session by a stored author": ([{"id": "w", "sessions": [new_session("n1", "alice"), new_session("n2")]}], True),
    "a stored peer's card": ([{"id": "w", "peers": [{"id": "bob", "card": ["new"], "sessions": ["gone"]}],
                               "sessions": [new_session("n1"), new_session("n2")]}], True),
    # the store refuses it (a deleted session stays deleted): the load fails there, after n1 loaded
    "the deleted session named again": ([{"id": "w", "sessions": [new_session("n1", "carol"), new_session("gone")]}], True),
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_load_failing_half_way_changes_nothing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    workspaces, whole = DOCUMENTS[name]
    server = stored()
    before = dump_state(server.store)
    copied = rollback_copy(server.store.workspaces["w"], workspaces[0])
    shares = copied.sessions["s1"] is server.store.workspaces["w"].sessions["s1"]
    assert shares is not whole, "an adding load shares the stored sessions; a touching one copies them"

    load_session = fixtures._load_session
    calls = []

    def fails_on_the_last(store: Any, ws_id: str, session: Any) -> None:
        calls.append(session["id"])
        if session["id"] == "n2":
            raise ValueError("applying failed half-way")
        load_session(store, ws_id, session)

    monkeypatch.setattr(fixtures, "_load_session", fails_on_the_last)
    with pytest.raises(FixtureError, match="nothing was loaded"):
        load_fixtures(server.store, {"workspaces": workspaces})
    assert len(calls) >= 2, "the load changed something before it failed"
    assert dump_state(server.store) == before
    client = TestClient(server.app)  # and the mock answers as before, indexes included
    assert [s["id"] for s in client.post(f"{W}/sessions/list", json={"filters": {"metadata": {"new": True}}}).json()["items"]] == []
    assert [p["id"] for p in client.post(f"{W}/peers/list").json()["items"]] == ["alice", "bob"]
    assert client.post(f"{W}/sessions/s1/messages/list").json()["total"] == 2


def test_a_scope_naming_a_stored_session_copies_the_workspace_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    server = stored("3.1-preview")
    before = dump_state(server.store)
    workspaces = [{"id": "w", "scopes": [{"id": "play", "sessions": ["s1"]}], "sessions": [new_session("n2")]}]
    assert rollback_copy(server.store.workspaces["w"], workspaces[0]).sessions["s1"] is not server.store.workspaces["w"].sessions["s1"]

    def fails(store: Any, ws_id: str, session: Any) -> None:
        raise ValueError("applying failed")

    monkeypatch.setattr(fixtures, "_restore_memberships", fails)
    with pytest.raises(FixtureError):
        load_fixtures(server.store, {"workspaces": workspaces})
    assert dump_state(server.store) == before
