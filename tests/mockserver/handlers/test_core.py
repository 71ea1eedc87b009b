"""Workspaces, peers, sessions and messages, over HTTP, as the real Honcho 3.0.7 answers.

Every answer is also checked against openapi.yaml by the `client` fixture's hook.
"""

from __future__ import annotations

import re

import httpx
import pytest

NANOID = re.compile(r"^[A-Za-z0-9_-]{21}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")  # no fraction when it is zero


def make_world(client: httpx.Client) -> dict[str, list[dict]]:
    """The recorded scenario: w1 with alice and bob, sessions s1..s4, three messages in s1."""
    assert client.post("/v3/workspaces", json={"id": "w1"}).status_code == 201
    client.post("/v3/workspaces/w1/peers", json={"id": "alice"})
    client.post("/v3/workspaces/w1/peers", json={"id": "bob", "metadata": {"role": "bot"}, "configuration": {"observe_me": False}})
    for sid, metadata in (("s1", {"a": 1}), ("s2", {"a": 1, "b": 2}), ("s3", {"a": 2})):
        client.post("/v3/workspaces/w1/sessions", json={"id": sid, "metadata": metadata})
    client.post("/v3/workspaces/w1/sessions", json={"id": "s4", "peers": {"alice": {}, "bob": {"observe_others": True}}})
    messages = client.post("/v3/workspaces/w1/sessions/s1/messages", json={"messages": [
        {"peer_id": "alice", "content": "hello"},
        {"peer_id": "bob", "content": "hi alice", "metadata": {"k": "v"}},
        {"peer_id": "alice", "content": "third"},
    ]}).json()
    return {"messages": messages}


def ids(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_health(client: httpx.Client) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_workspace_get_or_create_keeps_the_stored_record(client: httpx.Client) -> None:
    first = client.post("/v3/workspaces", json={"id": "w1"})
    assert first.status_code == 201
    body = first.json()
    assert body["metadata"] == {} and body["configuration"] == {} and TIMESTAMP.match(body["created_at"])
    again = client.post("/v3/workspaces", json={"id": "w1", "metadata": {"x": 1}})
    assert again.status_code == 200 and again.json() == body


def test_peer_and_session_get_or_create_replace_metadata(client: httpx.Client) -> None:
    client.post("/v3/workspaces", json={"id": "w1"})
    created = client.post("/v3/workspaces/w1/peers", json={"id": "p", "metadata": {"v": 1}})
    assert created.status_code == 201
    again = client.post("/v3/workspaces/w1/peers", json={"id": "p", "metadata": {"v": 2}})
    assert again.status_code == 200 and again.json()["metadata"] == {"v": 2}
    assert again.json()["created_at"] == created.json()["created_at"]
    session = client.post("/v3/workspaces/w1/sessions", json={"id": "s", "metadata": {"v": 1}})
    assert session.status_code == 201 and session.json()["is_active"] is True
    again = client.post("/v3/workspaces/w1/sessions", json={"id": "s", "configuration": {"c": True}})
    assert again.status_code == 200
    assert again.json()["metadata"] == {"v": 1} and again.json()["configuration"] == {"c": True}


def test_recorded_lists(client: httpx.Client) -> None:
    make_world(client)
    page = client.post("/v3/workspaces/w1/sessions/list?page=1&size=2", json={"filters": {"metadata": {"a": 1}}}).json()
    assert ids(page) == ["s1", "s2"] and (page["total"], page["page"], page["size"], page["pages"]) == (2, 1, 2, 1)
    past = client.post("/v3/workspaces/w1/sessions/list?page=2&size=2", json={"filters": {"metadata": {"a": 1}}}).json()
    assert past == {"items": [], "total": 2, "page": 2, "size": 2, "pages": 1}
    assert ids(client.post("/v3/workspaces/w1/sessions/list?reverse=true", json={}).json()) == ["s4", "s3", "s2", "s1"]
    no_body = client.post("/v3/workspaces/w1/sessions/list").json()
    assert ids(no_body) == ["s1", "s2", "s3", "s4"] and no_body["size"] == 50 and no_body["pages"] == 1
    assert ids(client.post("/v3/workspaces/w1/peers/list", json={}).json()) == ["alice", "bob"]
    assert ids(client.post("/v3/workspaces/list", json={}).json()) == ["w1"]
    assert ids(client.get("/v3/workspaces/w1/sessions/s4/peers").json()) == ["alice", "bob"]


def test_list_body_may_be_null(client: httpx.Client) -> None:
    make_world(client)
    response = client.post("/v3/workspaces/w1/sessions/list", content=b"null", headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["total"] == 4


def test_messages_batch(client: httpx.Client) -> None:
    messages = make_world(client)["messages"]
    assert [m["content"] for m in messages] == ["hello", "hi alice", "third"]
    assert [m["token_count"] for m in messages] == [1, 2, 1]
    assert len({m["created_at"] for m in messages}) == 1
    assert all(NANOID.match(m["id"]) for m in messages) and len({m["id"] for m in messages}) == 3
    assert messages[1]["metadata"] == {"k": "v"} and messages[0]["metadata"] == {}
    listed = client.post("/v3/workspaces/w1/sessions/s1/messages/list", json={}).json()
    assert listed["items"] == messages
    reverse = client.post("/v3/workspaces/w1/sessions/s1/messages/list?reverse=true&size=2", json={}).json()
    assert [m["content"] for m in reverse["items"]] == ["third", "hi alice"] and reverse["pages"] == 2
    alice = client.post("/v3/workspaces/w1/sessions/s1/messages/list", json={"filters": {"peer_id": "alice"}}).json()
    assert [m["content"] for m in alice["items"]] == ["hello", "third"]
    by_meta = client.post("/v3/workspaces/w1/sessions/s1/messages/list", json={"filters": {"metadata": {"k": "v"}}}).json()
    assert [m["content"] for m in by_meta["items"]] == ["hi alice"]


def test_message_from_unknown_peer_creates_and_joins(client: httpx.Client) -> None:
    make_world(client)
    created = client.post("/v3/workspaces/w1/sessions/s1/messages", json={"messages": [{"peer_id": "ghost", "content": "x"}]})
    assert created.status_code == 201 and created.json()[0]["peer_id"] == "ghost"
    assert "ghost" in ids(client.get("/v3/workspaces/w1/sessions/s1/peers").json())
    assert "ghost" in ids(client.post("/v3/workspaces/w1/peers/list").json())


def test_messages_to_missing_session_create_it(client: httpx.Client) -> None:
    created = client.post("/v3/workspaces/new-ws/sessions/new-s/messages", json={"messages": [{"peer_id": "p", "content": "hi"}]})
    assert created.status_code == 201
    assert ids(client.post("/v3/workspaces/new-ws/sessions/list").json()) == ["new-s"]


def test_get_and_update_message(client: httpx.Client) -> None:
    first = make_world(client)["messages"][0]
    got = client.get(f"/v3/workspaces/w1/sessions/s1/messages/{first['id']}")
    assert got.status_code == 200 and got.json() == first
    updated = client.put(f"/v3/workspaces/w1/sessions/s1/messages/{first['id']}", json={"metadata": {"e": 1}})
    assert updated.status_code == 200 and updated.json() == {**first, "metadata": {"e": 1}}
    missing = client.get("/v3/workspaces/w1/sessions/s1/messages/nosuchmsg")
    assert missing.status_code == 404 and missing.json() == {"detail": "Message with ID nosuchmsg not found"}
    wrong_parent = client.get(f"/v3/workspaces/w1/sessions/s2/messages/{first['id']}")
    assert wrong_parent.status_code == 404


def test_updates_upsert(client: httpx.Client) -> None:
    make_world(client)
    session = client.put("/v3/workspaces/w1/sessions/s1", json={"metadata": {"a": 1, "z": True}})
    assert session.status_code == 200 and session.json()["metadata"] == {"a": 1, "z": True}
    peer = client.put("/v3/workspaces/w1/peers/alice", json={"metadata": {"n": 1}})
    assert peer.status_code == 200 and peer.json()["metadata"] == {"n": 1}
    workspace = client.put("/v3/workspaces/nosuchws", json={"metadata": {}})
    assert workspace.status_code == 200 and workspace.json()["id"] == "nosuchws"
    assert client.put("/v3/workspaces/w1/sessions/zz", json={"metadata": {}}).json()["is_active"] is True
    assert client.put("/v3/workspaces/w1/peers/zz", json={"metadata": {}}).status_code == 200
    assert "zz" in ids(client.post("/v3/workspaces/w1/sessions/list").json())


def test_missing_parents_give_empty_pages(client: httpx.Client) -> None:
    empty = {"items": [], "total": 0, "page": 1, "size": 50, "pages": 0}
    assert client.post("/v3/workspaces/w1/sessions/nosuch/messages/list", json={}).json() == empty
    assert client.get("/v3/workspaces/nosuchws/sessions/s1/peers").json() == empty
    assert client.post("/v3/workspaces/nosuchws/peers/list").json() == empty
    assert client.post("/v3/workspaces/nosuchws/peers/p/sessions").json() == empty


def test_session_delete(client: httpx.Client) -> None:
    make_world(client)
    deleted = client.delete("/v3/workspaces/w1/sessions/s3")
    assert deleted.status_code == 202 and deleted.json() == {"message": "Session deleted successfully"}
    assert ids(client.post("/v3/workspaces/w1/sessions/list").json()) == ["s1", "s2", "s4"]
    assert client.delete("/v3/workspaces/w1/sessions/s3").status_code == 404
    missing = client.delete("/v3/workspaces/w1/sessions/nosuch")
    assert missing.json() == {"detail": "Session nosuch not found in workspace w1"}


def test_peer_session_list_keeps_deleted_sessions_inactive(client: httpx.Client) -> None:
    make_world(client)
    client.delete("/v3/workspaces/w1/sessions/s4")
    sessions = client.post("/v3/workspaces/w1/peers/alice/sessions", json={}).json()["items"]
    assert [(s["id"], s["is_active"]) for s in sessions] == [("s1", True), ("s4", False)]


def test_workspace_delete(client: httpx.Client) -> None:
    make_world(client)
    conflict = client.delete("/v3/workspaces/w1")
    assert conflict.status_code == 409 and isinstance(conflict.json()["detail"], str)
    for sid in ("s1", "s2", "s3", "s4"):
        client.delete(f"/v3/workspaces/w1/sessions/{sid}")
    accepted = client.delete("/v3/workspaces/w1")
    assert accepted.status_code == 202 and accepted.json() == {"message": "Workspace deletion accepted"}
    assert ids(client.post("/v3/workspaces/list").json()) == []
    assert client.delete("/v3/workspaces/nosuchws").status_code == 404  # second round: a missing workspace is 404


def test_session_peers_add_set_remove(client: httpx.Client) -> None:
    make_world(client)
    added = client.post("/v3/workspaces/w1/sessions/s2/peers", json={"alice": {}, "carol": {"observe_me": False}})
    assert added.status_code == 200 and added.json()["id"] == "s2"
    assert ids(client.get("/v3/workspaces/w1/sessions/s2/peers").json()) == ["alice", "carol"]
    assert client.put("/v3/workspaces/w1/sessions/s2/peers", json={"bob": {}}).status_code == 200
    assert ids(client.get("/v3/workspaces/w1/sessions/s2/peers").json()) == ["bob"]
    removed = client.request("DELETE", "/v3/workspaces/w1/sessions/s2/peers", json=["bob"])
    assert removed.status_code == 200 and ids(client.get("/v3/workspaces/w1/sessions/s2/peers").json()) == []
    # a peer that left keeps the session in its own list
    assert "s2" in ids(client.post("/v3/workspaces/w1/peers/alice/sessions").json())


def test_peer_config(client: httpx.Client) -> None:
    make_world(client)
    assert client.get("/v3/workspaces/w1/sessions/s4/peers/bob/config").json() == {"observe_me": None, "observe_others": True}
    put = client.put("/v3/workspaces/w1/sessions/s4/peers/bob/config", json={"observe_me": False})
    assert put.status_code == 204 and put.content == b""
    assert client.get("/v3/workspaces/w1/sessions/s4/peers/bob/config").json() == {"observe_me": False, "observe_others": True}


def test_clone_copies_messages_and_peers(client: httpx.Client) -> None:
    messages = make_world(client)["messages"]
    clone = client.post("/v3/workspaces/w1/sessions/s1/clone")
    assert clone.status_code == 201
    body = clone.json()
    assert NANOID.match(body["id"]) and body["metadata"] == {"a": 1}
    copied = client.post(f"/v3/workspaces/w1/sessions/{body['id']}/messages/list").json()["items"]
    assert [m["content"] for m in copied] == ["hello", "hi alice", "third"]
    assert {m["id"] for m in copied}.isdisjoint({m["id"] for m in messages})
    assert ids(client.get(f"/v3/workspaces/w1/sessions/{body['id']}/peers").json()) == ["alice", "bob"]
    partial = client.post(f"/v3/workspaces/w1/sessions/s1/clone?message_id={messages[1]['id']}").json()
    assert [m["content"] for m in client.post(f"/v3/workspaces/w1/sessions/{partial['id']}/messages/list").json()["items"]] == ["hello", "hi alice"]
    assert client.post("/v3/workspaces/w1/sessions/nosuch/clone").status_code == 404


@pytest.mark.parametrize("query, body, error", [
    ("size=0", {}, {"type": "greater_than_equal", "loc": ["query", "size"], "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}}),
    ("size=101", {}, {"type": "less_than_equal", "loc": ["query", "size"], "msg": "Input should be less than or equal to 100", "input": "101", "ctx": {"le": 100}}),
    ("page=0", {}, {"type": "greater_than_equal", "loc": ["query", "page"], "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}}),
    ("size=ten", {}, {"type": "int_parsing", "loc": ["query", "size"], "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "ten"}),
    ("reverse=maybe", {}, {"type": "bool_parsing", "loc": ["query", "reverse"], "msg": "Input should be a valid boolean, unable to interpret input", "input": "maybe"}),
    ("", {"filters": "x"}, {"type": "dict_type", "loc": ["body", "filters"], "msg": "Input should be a valid dictionary", "input": "x"}),
])
def test_list_validation_errors(local: httpx.Client, query: str, body: dict, error: dict) -> None:
    response = local.post(f"/v3/workspaces/w1/sessions/list?{query}", json=body)
    assert response.status_code == 422 and response.json() == {"detail": [error]}


@pytest.mark.parametrize("payload, error", [
    ({"id": 123}, {"type": "string_type", "loc": ["body", "id"], "msg": "Input should be a valid string", "input": 123}),
    ({"id": "bad id!"}, {"type": "string_pattern_mismatch", "loc": ["body", "id"], "msg": "String should match pattern '^[a-zA-Z0-9_-]+$'", "input": "bad id!", "ctx": {"pattern": "^[a-zA-Z0-9_-]+$"}}),
    # `$` ends the text, as in pydantic (Python's re would let a final newline through)
    ({"id": "bob\n"}, {"type": "string_pattern_mismatch", "loc": ["body", "id"], "msg": "String should match pattern '^[a-zA-Z0-9_-]+$'", "input": "bob\n", "ctx": {"pattern": "^[a-zA-Z0-9_-]+$"}}),
    ({}, {"type": "missing", "loc": ["body", "id"], "msg": "Field required", "input": {}}),
    ({"id": ""}, {"type": "string_too_short", "loc": ["body", "id"], "msg": "String should have at least 1 character", "input": "", "ctx": {"min_length": 1}}),
    ({"id": "x" * 513}, {"type": "string_too_long", "loc": ["body", "id"], "msg": "String should have at most 512 characters", "input": "x" * 513, "ctx": {"max_length": 512}}),
])
def test_workspace_create_validation(local: httpx.Client, payload: dict, error: dict) -> None:
    response = local.post("/v3/workspaces", json=payload)
    assert response.status_code == 422 and response.json() == {"detail": [error]}


def test_body_errors(local: httpx.Client) -> None:
    invalid = local.post("/v3/workspaces", content=b"not json", headers={"content-type": "application/json"})
    assert invalid.json() == {"detail": [{"type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error", "input": {}, "ctx": {"error": "Expecting value"}}]}
    meta = local.post("/v3/workspaces/w1/sessions", json={"id": "s1", "metadata": "nope"})
    assert meta.json()["detail"] == [{"type": "dict_type", "loc": ["body", "metadata"], "msg": "Input should be a valid dictionary", "input": "nope"}]
    empty = local.post("/v3/workspaces/w1/sessions/s1/messages", json={"messages": []})
    assert empty.json()["detail"] == [{"type": "too_short", "loc": ["body", "messages"], "msg": "List should have at least 1 item after validation, not 0",
                                       "input": [], "ctx": {"field_type": "List", "min_length": 1, "actual_length": 0}}]
    too_many = local.post("/v3/workspaces/w1/sessions/s1/messages", json={"messages": [{"peer_id": "p", "content": "x"}] * 101})
    assert too_many.json()["detail"][0]["type"] == "too_long"
    missing = local.post("/v3/workspaces")
    assert missing.json() == {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]}
    nested = local.post("/v3/workspaces/w1/sessions/s1/messages", json={"messages": [{"peer_id": 5}]})
    assert {(e["type"], tuple(e["loc"])) for e in nested.json()["detail"]} == {
        ("missing", ("body", "messages", 0, "content")), ("string_type", ("body", "messages", 0, "peer_id"))}


def test_bad_filters_are_422_with_a_string_detail(local: httpx.Client) -> None:
    response = local.post("/v3/workspaces/w1/sessions/list", json={"filters": {"nonsense_field": 1}})
    assert response.status_code == 422
    assert response.json() == {"detail": "Column 'nonsense_field' is not allowed to be filtered on or does not exist on Session"}


def test_recorded_filter_with_comparison(client: httpx.Client) -> None:
    make_world(client)
    page = client.post("/v3/workspaces/w1/sessions/list", json={"filters": {"is_active": True, "metadata": {"a": {"gte": 1}}}}).json()
    assert ids(page) == ["s1", "s2", "s3"]


def test_unknown_route_and_method(local: httpx.Client) -> None:
    assert local.get("/v3/nonexistent").json() == {"detail": "Not Found"}
    wrong = local.get("/v3/workspaces")
    assert wrong.status_code == 405 and wrong.json() == {"detail": "Method Not Allowed"}
    assert "POST" in wrong.headers.get("allow", "")


def test_rejected_requests_change_nothing(local: httpx.Client, server) -> None:
    make_world(local)
    before = local.get("/_mock/state").json()
    local.post("/v3/workspaces/w1/sessions/s1/messages", json={"messages": [{"peer_id": "new", "content": "x"}, {"peer_id": "p"}]})
    local.post("/v3/workspaces/w1/sessions/s9/messages", json={"messages": [{"peer_id": "bad peer!", "content": "x"}]})
    local.post("/v3/workspaces/w1/sessions/list", json={"filters": {"OR": "x"}})
    local.put("/v3/workspaces/bad%20id/peers/p", json={"metadata": {}})
    local.post("/v3/workspaces", content=b"{", headers={"content-type": "application/json"})
    assert local.get("/_mock/state").json() == before


def test_cors_preflight(local: httpx.Client) -> None:
    response = local.options("/v3/workspaces", headers={"Origin": "http://app.local", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] in ("*", "http://app.local")


def test_deleted_session_cannot_be_recreated_or_written(client: httpx.Client) -> None:
    make_world(client)
    client.delete("/v3/workspaces/w1/sessions/s2")
    expected = {"detail": "Session s2 not found in workspace w1"}
    assert client.post("/v3/workspaces/w1/sessions", json={"id": "s2"}).json() == expected
    assert client.put("/v3/workspaces/w1/sessions/s2", json={"metadata": {}}).status_code == 404
    assert client.post("/v3/workspaces/w1/sessions/s2/messages", json={"messages": [{"peer_id": "alice", "content": "x"}]}).status_code == 404
    assert client.post("/v3/workspaces/w1/sessions/s2/peers", json={"alice": {}}).status_code == 404
    assert "s2" not in ids(client.post("/v3/workspaces/w1/sessions/list").json())


def test_ids_that_would_be_stored_follow_the_id_rules_to_the_end(local: httpx.Client) -> None:
    """A trailing newline passes a `$`-anchored search; the id rules hold for the whole id."""
    answer = local.post("/v3/workspaces/w1/sessions/s1/peers", json={"bob\n": {}})
    assert answer.status_code == 404 and answer.json() == {"detail": "Session not found"}  # as recorded (fuzz corpus)
    assert local.post("/v3/workspaces/w1/conclusions", json={"conclusions": [  # no such peer can exist: 404 (second round)
        {"content": "x", "observer_id": "a\n", "observed_id": "b"}]}).json()["detail"] == "Peer a\n not found in workspace w1"
    assert local.post("/v3/workspaces/list").json()["total"] == 0


def test_a_newline_in_a_path_id_is_judged_like_any_bad_id(client: httpx.Client) -> None:
    """The real server's routes are flat (FastAPI): `[^/]+` takes `%0A`, so the operation sees
    the id and refuses it as it refuses `a%20b`; connexion's mount alone would answer 404."""
    for quoted, text in (("a%0Ab", "a\nb"), ("ab%0A", "ab\n"), ("a%20b", "a b")):
        answer = client.post(f"/v3/workspaces/{quoted}/peers", json={"id": "p"})
        assert answer.status_code == 422, (quoted, answer.text)
        assert answer.json()["detail"] == [{"type": "string_pattern_mismatch", "loc": ["path", "workspace_id"],
                                            "msg": "String should match pattern '^[a-zA-Z0-9_-]+$'", "input": text,
                                            "ctx": {"pattern": "^[a-zA-Z0-9_-]+$"}}]
    assert client.post("/v3/workspaces/w%0A/sessions/s/messages/list").json()["total"] == 0
    assert client.post("/v3/workspaces/list").json()["total"] == 0


def test_a_path_id_the_contract_leaves_free_is_not_found_and_creates_nothing(client: httpx.Client) -> None:
    """Where openapi.yaml declares no id rule on a path id, an id that cannot exist is simply
    not found (the real server's answer); where a record would be created from it, the rule
    is declared and the answer is 422 (docs/contract.md, "Rules the contract declares")."""
    assert client.put("/v3/workspaces/w%20x/sessions/s1", json={}).status_code == 404
    assert client.put("/v3/workspaces/w1/sessions/s%20x", json={}).status_code == 404
    assert client.put("/v3/workspaces/w1/sessions/s%20x/peers", json={"alice": {}}).status_code == 404
    answer = client.post("/v3/workspaces/w%20x/conclusions", json={"conclusions": [
        {"content": "x", "observer_id": "a", "observed_id": "b"}]})
    assert answer.status_code == 404 and answer.json() == {"detail": "Workspace w x not found"}
    for path in ("/v3/workspaces/w1/sessions/s%20x/peers", "/v3/workspaces/w%20x/sessions/s1/peers"):
        answer = client.post(path, json={"alice": {}})  # recorded on 3.0.7 and 3.0.12
        assert answer.status_code == 404 and answer.json() == {"detail": "Session not found"}
    context = client.get("/v3/workspaces/w%20x/sessions/s%20x/context")  # a session that does not exist: empty
    assert context.status_code == 200 and context.json() == {"id": "s x", "messages": [], "summary": None,
                                                             "peer_representation": None, "peer_card": None}
    for method, path in (("PUT", "/v3/workspaces/w%20x"), ("POST", "/v3/workspaces/w%20x/schedule_dream")):
        answer = client.request(method, path, json={"observer": "a", "dream_type": "omni"} if method == "POST" else {})
        assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][0] == "path", (method, path, answer.text)
    assert client.post("/v3/workspaces/list").json()["total"] == 0
