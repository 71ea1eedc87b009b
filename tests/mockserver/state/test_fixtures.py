"""Fixture documents with scopes (3.1-preview): dumped apart from the peers, loaded back whole."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.honcho import cards
from mockserver.state.fixtures import FixtureError, dump_state, load_fixtures

W = "/v3/workspaces/w"


def test_a_dump_with_scopes_loads_back_to_the_same_state() -> None:
    server = create_app(api_version="3.1-preview", seed=3)
    client = TestClient(server.app)
    client.post(f"{W}/sessions/s1/messages", json={"messages": [{"peer_id": "alice", "content": "hi"}]})
    client.post(f"{W}/sessions", json={"id": "s2", "scopes": ["work"]})
    client.post(f"{W}/scopes/work/sessions", json={"session_ids": ["s1"]})
    cards.set_card(server.store, "w", "scope.work", ["scoped"], "alice")  # what the scope's deriver would keep
    client.post(f"{W}/conclusions", json={"conclusions": [{"observer_id": "scope.work", "observed_id": "alice", "content": "c"}]})
    dumped = dump_state(server.store)
    workspace = dumped["workspaces"][0]
    assert [p["id"] for p in workspace["peers"]] == ["alice"]  # the scope's peer is no peer of the dump
    assert [s["peers"] for s in workspace["sessions"]] == [{"alice": {"observe_me": None, "observe_others": None}}, {}]
    assert [(s["id"], s["sessions"], list(s["backfill_status"])) for s in workspace["scopes"]] == [("work", ["s2", "s1"], ["s1"])]

    again = create_app(api_version="3.1-preview", seed=3)
    load_fixtures(again.store, dumped)
    assert dump_state(again.store) == dumped
    reloaded = TestClient(again.app)
    assert [s["id"] for s in reloaded.post(f"{W}/scopes/work/sessions/list").json()["items"]] == ["s2", "s1"]
    assert reloaded.get(f"{W}/sessions/s2/context?peer_target=alice&scope=work").json()["peer_card"] == ["scoped"]


@pytest.mark.parametrize(("scope", "where"), [({"id": "scope.x"}, "workspaces[0].scopes[0].id"),
                                              ({"id": "ok", "sessions": ["a b"]}, "workspaces[0].scopes[0].sessions[0]")])
def test_a_scope_the_api_could_not_have_made_is_refused(scope: dict, where: str) -> None:
    with pytest.raises(FixtureError) as refused:
        load_fixtures(create_app(api_version="3.1-preview").store, {"workspaces": [{"id": "w", "scopes": [scope]}]})
    assert where in str(refused.value)
