"""What real clients meet: the real server's less obvious behaviour (docs/real-server.md), each
over HTTP, in-process and on a loopback port."""

from __future__ import annotations

import httpx
import pytest


# -- field names as well as aliases ------------------------------------------------------
@pytest.mark.parametrize("path", ["/v3/workspaces", "/v3/workspaces/w/peers", "/v3/workspaces/w/sessions"])
def test_creates_accept_the_field_name_for_id(client: httpx.Client, path: str) -> None:
    response = client.post(path, json={"name": "x1"})
    assert response.status_code == 201 and response.json()["id"] == "x1"
    assert client.post(path, json={"id": "x1"}).status_code == 200  # the same record


def test_the_alias_wins_when_both_are_sent(client: httpx.Client) -> None:
    response = client.post("/v3/workspaces", json={"name": "bob", "id": "carol"})
    assert response.status_code == 201 and response.json()["id"] == "carol"
    names = [w["id"] for w in client.post("/v3/workspaces/list", json={}).json()["items"]]
    assert names == ["carol"]


@pytest.mark.parametrize("value, kind", [("", "string_too_short"), ("bad id", "string_pattern_mismatch"), (5, "string_type")])
def test_a_refusal_names_the_key_that_was_sent(client: httpx.Client, value: object, kind: str) -> None:
    response = client.post("/v3/workspaces/w/peers", json={"name": value})
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["type"] == kind and item["loc"] == ["body", "name"] and item["input"] == value
    assert client.post("/v3/workspaces/list", json={}).json()["total"] == 0


def test_neither_name_is_missing_at_the_alias(client: httpx.Client) -> None:
    response = client.post("/v3/workspaces", json={"metadata": {}})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"type": "missing", "loc": ["body", "id"], "msg": "Field required",
                                          "input": {"metadata": {}}}]


def test_session_create_takes_peer_names_for_peers(client: httpx.Client) -> None:
    response = client.post("/v3/workspaces/w/sessions", json={"name": "s", "peer_names": {"alice": {"observe_me": False}}})
    assert response.status_code == 201
    peers = client.get("/v3/workspaces/w/sessions/s/peers").json()["items"]
    assert [p["id"] for p in peers] == ["alice"]
    assert client.get("/v3/workspaces/w/sessions/s/peers/alice/config").json()["observe_me"] is False
    bad = client.post("/v3/workspaces/w/sessions", json={"id": "s2", "peer_names": {"bob": {"observe_me": []}}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "peer_names", "bob", "observe_me"]


def test_message_creates_do_not_take_peer_name(client: httpx.Client) -> None:
    response = client.post("/v3/workspaces/w/sessions/s/messages", json={"messages": [{"peer_name": "a", "content": "hi"}]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "messages", 0, "peer_id"]


def test_conclusions_accept_observations(client: httpx.Client) -> None:
    conclusion = {"content": "likes tea", "observer_id": "alice", "observed_id": "alice"}
    client.post("/v3/workspaces/w/peers", json={"id": "alice"})
    response = client.post("/v3/workspaces/w/conclusions", json={"observations": [conclusion]})
    assert response.status_code == 201 and response.json()[0]["content"] == "likes tea"


def test_a_json_null_body_is_missing(client: httpx.Client) -> None:
    for path in ("/v3/workspaces", "/v3/workspaces/w/sessions"):
        response = client.post(path, content=b"null", headers={"content-type": "application/json"})
        assert response.status_code == 422
        assert response.json()["detail"] == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]


# -- peer ids as map keys ------------------------------------------------------------------
@pytest.mark.parametrize("key, kind", [("bad id", "string_pattern_mismatch"), ("", "string_too_short"), ("x" * 513, "string_too_long")])
def test_a_session_create_refuses_a_bad_peer_key_and_creates_nothing(client: httpx.Client, key: str, kind: str) -> None:
    response = client.post("/v3/workspaces/w/sessions", json={"id": "s9", "peers": {"ok": {}, key: {}}})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.startswith("1 validation error for PeerCreate\nname\n") and f"[type={kind}," in detail
    assert client.post("/v3/workspaces/list", json={}).json()["total"] == 0


# -- timestamps ------------------------------------------------------------------------------
def test_timestamps_have_no_fraction_when_the_microseconds_are_zero(client: httpx.Client) -> None:
    sent = [{"peer_id": "a", "content": "x", "created_at": "2023-01-01T12:00:00+02:00"},
            {"peer_id": "a", "content": "y", "created_at": "2023-01-01T12:00:00.500000+02:00"},
            {"peer_id": "a", "content": "z", "created_at": "2023-01-01T12:00:00Z"}]
    created = client.post("/v3/workspaces/w/sessions/s/messages", json={"messages": sent})
    assert created.status_code == 201
    assert [m["created_at"] for m in created.json()] == ["2023-01-01T12:00:00+02:00", "2023-01-01T12:00:00.500000+02:00",
                                                         "2023-01-01T12:00:00Z"]
    listed = client.post("/v3/workspaces/w/sessions/s/messages/list", json={}).json()["items"]
    assert [m["created_at"] for m in listed] == ["2023-01-01T10:00:00Z", "2023-01-01T10:00:00.500000Z", "2023-01-01T12:00:00Z"]
    one = client.get(f"/v3/workspaces/w/sessions/s/messages/{listed[1]['id']}").json()
    assert one["created_at"] == "2023-01-01T10:00:00.500000Z"
    newest_first = client.post("/v3/workspaces/w/sessions/s/search", json={"query": ""}).json()
    assert [m["content"] for m in newest_first] == ["z", "y", "x"]  # a fraction-less time sorts as .000000


def test_upload_echoes_the_offset_of_its_created_at(local: httpx.Client) -> None:
    client = local  # the contract-checking hook cannot read a streamed multipart request
    response = client.post("/v3/workspaces/w/sessions/s/messages/upload",
                           data={"peer_id": "a", "created_at": "2023-05-05T08:00:00-03:00"},
                           files={"file": ("a.txt", b"hello", "text/plain")})
    assert response.status_code == 201 and response.json()[0]["created_at"] == "2023-05-05T08:00:00-03:00"
    listed = client.post("/v3/workspaces/w/sessions/s/messages/list", json={}).json()["items"]
    assert listed[0]["created_at"] == "2023-05-05T11:00:00Z"


# -- webhooks, workspace deletion ---------------------------------------------------------------
@pytest.mark.parametrize("url", ["not a url", "", "example.com/hook", "http://"])
def test_a_webhook_url_is_checked(client: httpx.Client, url: str) -> None:
    client.post("/v3/workspaces", json={"id": "w"})
    response = client.post("/v3/workspaces/w/webhooks", json={"url": url})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"type": "value_error", "loc": ["body", "url"], "msg": "Value error, Invalid URL format",
                                          "input": url, "ctx": {"error": {}}}]
    assert client.get("/v3/workspaces/w/webhooks").json()["total"] == 0


def test_a_webhook_under_a_missing_workspace_is_404(client: httpx.Client) -> None:
    response = client.post("/v3/workspaces/nosuch/webhooks", json={"url": "https://example.com/hook"})
    assert response.status_code == 404 and response.json() == {"detail": "Workspace nosuch not found"}
    assert client.post("/v3/workspaces/list", json={}).json()["total"] == 0
    client.post("/v3/workspaces", json={"id": "w"})
    assert client.post("/v3/workspaces/w/webhooks", json={"url": "https://example.com/hook"}).status_code == 201


def test_deleting_a_missing_workspace_is_404(client: httpx.Client) -> None:
    response = client.delete("/v3/workspaces/x")
    assert response.status_code == 404 and response.json() == {"detail": "Workspace x not found"}
    client.put("/v3/workspaces/x", json={})
    assert client.delete("/v3/workspaces/x").status_code == 202


# -- memory ------------------------------------------------------------------------------------
def test_the_representation_of_an_unknown_peer_is_empty(client: httpx.Client) -> None:
    response = client.post("/v3/workspaces/w/peers/nobody/representation", json={})
    assert response.status_code == 200 and response.json() == {"representation": ""}
    assert client.post("/v3/workspaces/list", json={}).json()["total"] == 0  # and nothing is created


@pytest.mark.parametrize("item, detail", [
    ({"observer_id": "", "observed_id": "a"}, "Peer  not found in workspace w"),
    ({"observer_id": "a", "observed_id": "a", "session_id": ""}, "Session  not found in workspace w"),
    ({"observer_id": "", "observed_id": "", "session_id": ""}, "Session  not found in workspace w"),
])
def test_conclusions_naming_an_impossible_id_are_404(client: httpx.Client, item: dict, detail: str) -> None:
    client.post("/v3/workspaces", json={"id": "w"})
    response = client.post("/v3/workspaces/w/conclusions", json={"conclusions": [{"content": "x", **item}]})
    assert response.status_code == 404 and response.json() == {"detail": detail}
    assert client.post("/v3/workspaces/w/peers/list", json={}).json()["total"] == 0


def test_a_conclusion_query_without_distance_finds_the_nearest(client: httpx.Client) -> None:
    stored = [{"content": text, "observer_id": "a", "observed_id": "b"} for text in ("likes green tea", "owns a cat", "lives in Paris")]
    for peer in ("a", "b"):  # conclusions are about peers that exist
        client.post("/v3/workspaces/w/peers", json={"id": peer})
    assert client.post("/v3/workspaces/w/conclusions", json={"conclusions": stored}).status_code == 201
    scope = {"observer_id": "a", "observed_id": "b"}
    found = client.post("/v3/workspaces/w/conclusions/query", json={"query": "coffee", "top_k": 2, "filters": scope}).json()
    assert len(found) == 2  # no shared word, still the two nearest
    ranked = client.post("/v3/workspaces/w/conclusions/query", json={"query": "cat", "top_k": 3, "filters": scope}).json()
    assert [c["content"] for c in ranked][0] == "owns a cat" and len(ranked) == 3
    within = client.post("/v3/workspaces/w/conclusions/query",
                         json={"query": "cat", "top_k": 3, "distance": 0.5, "filters": scope}).json()
    assert [c["content"] for c in within] == ["owns a cat"]


# -- error types where both servers refuse -----------------------------------------------------------
@pytest.mark.parametrize("value, kind", [("AAA", "bool_parsing"), (2, "bool_parsing"), ({}, "bool_type"), ([None], "bool_type")])
def test_a_value_that_is_no_boolean(client: httpx.Client, value: object, kind: str) -> None:
    response = client.post("/v3/workspaces", json={"id": "w", "configuration": {"dream": {"enabled": value}}})
    assert response.status_code == 422
    assert [(e["type"], e["loc"]) for e in response.json()["detail"]] == [(kind, ["body", "configuration", "dream", "enabled"])]


@pytest.mark.parametrize("value, kind", [("AAA", "int_parsing"), (False, "greater_than_equal"), ("5", "greater_than_equal")])
def test_a_value_that_is_no_integer(client: httpx.Client, value: object, kind: str) -> None:
    response = client.post("/v3/workspaces", json={"id": "w", "configuration": {"summary": {"messages_per_short_summary": value}}})
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["type"] == kind and item["input"] == value
    if kind == "greater_than_equal":
        assert item["ctx"] == {"ge": 10} and item["msg"] == "Input should be greater than or equal to 10"


def test_float_bounds_are_printed_as_pydantic_prints_them(client: httpx.Client) -> None:
    response = client.post("/v3/workspaces/w/conclusions/query", json={"query": "", "distance": -1.0})
    [item] = response.json()["detail"]
    assert item["msg"] == "Input should be greater than or equal to 0" and item["ctx"] == {"ge": 0.0}


def test_a_too_long_list_reports_its_length_only(client: httpx.Client) -> None:
    messages = [{"peer_id": "a", "content": 0}] * 101
    response = client.post("/v3/workspaces/w/sessions/s/messages", json={"messages": messages})
    assert [(e["type"], e["loc"]) for e in response.json()["detail"]] == [("too_long", ["body", "messages"])]


def test_an_enum_of_the_wrong_type_is_an_enum_error(client: httpx.Client) -> None:
    response = client.post("/v3/workspaces/w/schedule_dream", json={"observer": "a", "dream_type": 0})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "enum"
    assert response.json()["detail"][0]["msg"] == "Input should be 'omni' or 'card_refresh'"  # 3.0.12's DreamType


@pytest.mark.parametrize("text, reason", [("AAA", "input is too short"), ("", "input is too short"), ("abcd-01-01T00:00:00Z", "invalid character in year")])
def test_a_datetime_that_does_not_parse(client: httpx.Client, text: str, reason: str) -> None:
    response = client.post("/v3/workspaces/w/sessions/s/messages", json={"messages": [{"peer_id": "a", "content": "", "created_at": text}]})
    [item] = response.json()["detail"]
    assert item["type"] == "datetime_from_date_parsing" and item["ctx"] == {"error": reason}


def test_an_upload_without_peer_id_and_file_lists_both(local: httpx.Client) -> None:
    for data in ({}, {"peer_id": ""}):
        response = local.post("/v3/workspaces/w/sessions/s/messages/upload", data=data, files={"x": ("x", b"", "text/plain")})
        assert [e["loc"] for e in response.json()["detail"]] == [["body", "peer_id"], ["body", "file"]]


def test_an_upload_type_is_refused_before_the_ids(local: httpx.Client) -> None:
    response = local.post("/v3/workspaces/w/sessions/s/messages/upload", data={"peer_id": "bad id"},
                          files={"file": ("f", b"\x00\x01", "application/x-thing")})
    assert response.status_code == 415


def test_a_removed_peer_keeps_its_config(client: httpx.Client) -> None:
    client.post("/v3/workspaces/w/sessions", json={"id": "s", "peers": {"a": {"observe_me": False}}})
    assert client.request("DELETE", "/v3/workspaces/w/sessions/s/peers", json=["a"]).status_code == 200
    assert client.get("/v3/workspaces/w/sessions/s/peers").json()["items"] == []
    assert client.get("/v3/workspaces/w/sessions/s/peers/a/config").json() == {"observe_me": False, "observe_others": None}
    assert client.put("/v3/workspaces/w/sessions/s/peers/a/config", json={"observe_others": True}).status_code == 204
    assert client.get("/v3/workspaces/w/sessions/s/peers/a/config").json() == {"observe_me": False, "observe_others": True}
    assert client.get("/v3/workspaces/w/sessions/s/peers/zz/config").status_code == 404


def test_an_empty_session_id_names_no_session(client: httpx.Client) -> None:
    client.post("/v3/workspaces/w/peers", json={"id": "a"})
    response = client.post("/v3/workspaces/w/peers/a/representation", json={"session_id": ""})
    assert response.status_code == 200 and response.json() == {"representation": ""}


def test_session_peer_bodies_with_impossible_keys_are_404_as_recorded(client: httpx.Client) -> None:
    client.post("/v3/workspaces/w/sessions", json={"id": "s", "peers": {"a": {}}})
    added = client.post("/v3/workspaces/w/sessions/s/peers", json={"ok": {}, "bad id": {}})
    assert added.status_code == 404 and added.json() == {"detail": "Session not found"}
    replaced = client.put("/v3/workspaces/w/sessions/s/peers", json={"": {}})
    assert replaced.status_code == 404 and replaced.json() == {"detail": "Failed to set peers for session"}
    assert [p["id"] for p in client.get("/v3/workspaces/w/sessions/s/peers").json()["items"]] == ["a"]


def test_session_context_looks_the_observer_up(client: httpx.Client) -> None:
    client.post("/v3/workspaces/w/sessions", json={"id": "s", "peers": {"a": {}}})
    missing = client.get("/v3/workspaces/w/sessions/s/context", params={"peer_target": "nobody"})
    assert missing.status_code == 404 and missing.json() == {"detail": "Peer nobody not found in workspace w"}
    seen = client.get("/v3/workspaces/w/sessions/s/context", params={"peer_target": "nobody", "peer_perspective": "a"})
    assert seen.status_code == 200 and seen.json()["peer_representation"] == ""


def test_the_upload_form_does_not_take_peer_name(local: httpx.Client) -> None:
    response = local.post("/v3/workspaces/w/sessions/s/messages/upload", data={"peer_name": "a"},
                          files={"file": ("a.txt", b"hi", "text/plain")})
    assert response.status_code == 422
    assert [(e["type"], e["loc"]) for e in response.json()["detail"]] == [("missing", ["body", "peer_id"])]
