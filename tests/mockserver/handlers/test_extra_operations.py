"""Context, summaries, search, uploads, memory (conclusions, representation, cards, chat),
webhooks, the work queue and keys: each operation, its errors, and determinism.

Every answer goes through `support.checked`, which validates it with openapi-core against
openapi.yaml, so each test also proves the answer is one the contract allows.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest
from starlette.testclient import TestClient
from support import checked

from mockserver import MockServer, create_app
from mockserver.honcho.webhook_events import events

W = "/v3/workspaces/w1"


@pytest.fixture(scope="module")
def mock() -> MockServer:
    """One mock for the module (building one takes about a second); each test resets it."""
    return create_app(seed=3)


@pytest.fixture
def server(mock: MockServer) -> MockServer:
    mock.reset()
    return mock


@pytest.fixture
def api(server: MockServer) -> Iterator[httpx.Client]:
    with TestClient(server.app, base_url="http://testserver") as client:
        yield checked(client)


def post_messages(api: httpx.Client, session: str, *messages: tuple[str, str]) -> list[dict[str, Any]]:
    response = api.post(f"{W}/sessions/{session}/messages",
                        json={"messages": [{"peer_id": peer, "content": text} for peer, text in messages]})
    assert response.status_code == 201
    return response.json()


def conclude(api: httpx.Client, *items: dict[str, Any]) -> list[dict[str, Any]]:
    """Conclusions about peers and sessions made first: the real server creates none of them (404)."""
    for peer in {item[key] for item in items for key in ("observer_id", "observed_id")}:
        api.post(f"{W}/peers", json={"id": peer})
    for session in {item["session_id"] for item in items if item.get("session_id")}:
        api.post(f"{W}/sessions", json={"id": session})
    response = api.post(f"{W}/conclusions", json={"conclusions": list(items)})
    assert response.status_code == 201
    return response.json()


def contents(messages: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for m in messages]


def make_pdf(pages: list[str]) -> bytes:
    """A minimal PDF with one Helvetica text line per page (an empty string: an empty page)."""
    objects: dict[int, bytes] = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
                                 3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % p for p in page_ids), len(pages))
    for page_id, text in zip(page_ids, pages):
        stream = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode() if text else b""
        objects[page_id] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1))
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    out = b"%PDF-1.4\n"
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n" % (len(objects) + 1, xref) + b"%%EOF\n"
    return out


def upload(api: httpx.Client, session: str, name: str, content: bytes, media: str, **fields: str) -> httpx.Response:
    return api.post(f"{W}/sessions/{session}/messages/upload", files={"file": (name, content, media)},
                    data={"peer_id": "alice", **fields})


# -- session context --------------------------------------------------------------------
def test_context_lists_the_session_messages_in_order(api):
    post_messages(api, "s1", ("alice", "hello"), ("bob", "hi alice"), ("alice", "third"))
    body = api.get(f"{W}/sessions/s1/context").json()
    assert contents(body["messages"]) == ["hello", "hi alice", "third"]
    assert body["id"] == "s1" and body["summary"] is None
    assert body["peer_representation"] is None and body["peer_card"] is None


def test_context_token_budget_stops_at_the_first_message_that_does_not_fit(api):
    sent = post_messages(api, "s1", ("alice", "a"), ("alice", "several longer words here"), ("bob", "b"))
    first, middle, last = (m["token_count"] for m in sent)
    assert middle > first

    def within(budget: int) -> list[str]:
        return contents(api.get(f"{W}/sessions/s1/context", params={"tokens": budget}).json()["messages"])

    assert within(last + first) == ["b"]  # "a" would fit, but the walk stopped at the middle message
    assert within(last + middle) == ["several longer words here", "b"]
    assert within(last + middle + first) == ["a", "several longer words here", "b"]
    assert within(0) == []


def test_context_of_a_missing_session_is_empty(api):
    response = api.get(f"{W}/sessions/nosuch/context")
    assert response.status_code == 200
    assert response.json()["messages"] == []


def test_context_perspective_needs_a_target(api):
    response = api.get(f"{W}/sessions/s1/context", params={"peer_perspective": "alice"})
    assert response.status_code == 422
    assert response.json() == {"detail": "peer_target must be provided if peer_perspective is provided"}


def test_context_tokens_over_the_maximum_is_a_validation_error(api):
    response = api.get(f"{W}/sessions/s1/context", params={"tokens": 100001})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "tokens"]


def test_context_with_a_target_adds_representation_and_card(api):
    post_messages(api, "s1", ("alice", "hello"), ("bob", "hi"))
    api.put(f"{W}/peers/alice/card", json={"peer_card": ["likes tea"]})
    body = api.get(f"{W}/sessions/s1/context", params={"search_query": "hello", "peer_target": "alice"}).json()
    assert body["peer_representation"].endswith('] alice said: "hello"\n') and body["peer_card"] == ["likes tea"]
    conclude(api, {"content": "alice is kind", "observer_id": "bob", "observed_id": "alice"})
    api.put(f"{W}/peers/bob/card", params={"target": "alice"}, json={"peer_card": ["bob's view of alice"]})
    seen = api.get(f"{W}/sessions/s1/context", params={"peer_target": "alice", "peer_perspective": "bob"}).json()
    assert seen["peer_card"] == ["bob's view of alice"]
    assert "alice is kind" in seen["peer_representation"]
    assert contents(seen["messages"]) == ["hello", "hi"]


def test_context_budget_counts_representation_and_card_first(api):
    api.post(f"{W}/sessions", json={"id": "s1", "peers": {"alice": {"observe_me": False}}})  # an empty representation
    post_messages(api, "s1", ("alice", "one"), ("alice", "two"))
    api.put(f"{W}/peers/alice/card", json={"peer_card": ["x"]})
    assert contents(api.get(f"{W}/sessions/s1/context", params={"tokens": 2, "peer_target": "alice"})
                    .json()["messages"]) == ["two"]


# -- summaries --------------------------------------------------------------------------
def test_summaries_are_null_until_enough_messages(api):
    post_messages(api, "s1", ("alice", "hello"))
    assert api.get(f"{W}/sessions/s1/summaries").json() == {"id": "s1", "short_summary": None, "long_summary": None}
    assert api.get(f"{W}/sessions/nosuch/summaries").json() == {"id": "nosuch", "short_summary": None,
                                                                 "long_summary": None}


def test_a_short_summary_exists_after_the_configured_interval(api):
    api.post(f"{W}/sessions", json={"id": "s1", "configuration": {"summary": {"messages_per_short_summary": 10}}})
    sent = post_messages(api, "s1", *[("alice", f"message number {i}") for i in range(12)])
    summaries = api.get(f"{W}/sessions/s1/summaries").json()
    short = summaries["short_summary"]
    assert summaries["long_summary"] is None
    assert short["message_id"] == sent[9]["id"]
    assert short["summary_type"] == "honcho_chat_summary_short"
    assert short["content"] == "Conversation with 10 messages about message number 9..."
    context = api.get(f"{W}/sessions/s1/context").json()
    assert context["summary"] == short
    assert contents(context["messages"]) == ["message number 10", "message number 11"]
    assert contents(api.get(f"{W}/sessions/s1/context", params={"summary": "false"}).json()["messages"]) == [
        f"message number {i}" for i in range(12)]


def test_default_intervals_and_disabled_summaries(api):
    post_messages(api, "s1", *[("alice", f"m{i}") for i in range(20)])
    assert api.get(f"{W}/sessions/s1/summaries").json()["short_summary"]["content"].startswith("Conversation with 20")
    api.put(f"{W}/sessions/s1", json={"configuration": {"summary": {"enabled": False}}})
    assert api.get(f"{W}/sessions/s1/summaries").json()["short_summary"] is None


# -- search -----------------------------------------------------------------------------
def test_search_matches_substrings_case_insensitively_newest_first(api):
    post_messages(api, "s1", ("alice", "Hello there"), ("bob", "nothing"))
    post_messages(api, "s2", ("bob", "well, HELLO again"))
    found = api.post(f"{W}/search", json={"query": "hello"}).json()
    assert contents(found) == ["well, HELLO again", "Hello there"]
    assert contents(api.post(f"{W}/search", json={"query": "hello", "limit": 1}).json()) == ["well, HELLO again"]
    assert contents(api.post(f"{W}/sessions/s1/search", json={"query": "hello"}).json()) == ["Hello there"]
    assert contents(api.post(f"{W}/peers/bob/search", json={"query": "o"}).json()) == ["well, HELLO again", "nothing"]
    filtered = api.post(f"{W}/search", json={"query": "hello", "filters": {"session_id": "s1"}}).json()
    assert contents(filtered) == ["Hello there"]


def test_search_scope_overrides_the_callers_filters(api):
    post_messages(api, "s1", ("alice", "hello"))
    post_messages(api, "s2", ("alice", "hello too"))
    body = {"query": "hello", "filters": {"session_id": "s2"}}
    assert contents(api.post(f"{W}/sessions/s1/search", json=body).json()) == ["hello"]


def test_search_errors(api):
    assert api.post(f"{W}/search", json={}).status_code == 422
    assert api.post(f"{W}/search", json={"query": "x", "limit": 0}).status_code == 422
    bad = api.post(f"{W}/search", json={"query": "x", "filters": {"nonsense": 1}})
    assert bad.status_code == 422 and isinstance(bad.json()["detail"], str)
    assert api.post("/v3/workspaces/nosuch/search", json={"query": "x"}).json() == []


# -- uploads ----------------------------------------------------------------------------
def test_upload_text_makes_a_message_and_creates_peer_and_session(api):
    response = upload(api, "new", "notes.md", b"# Notes\nbuy tea", "text/markdown",
                      metadata='{"source": "file"}', created_at="2025-05-01T10:00:00Z")
    assert response.status_code == 201
    [message] = response.json()
    assert message["content"] == "# Notes\nbuy tea" and message["peer_id"] == "alice"
    assert message["metadata"] == {"source": "file"}
    assert message["created_at"] == "2025-05-01T10:00:00Z"
    assert [p["id"] for p in api.get(f"{W}/sessions/new/peers").json()["items"]] == ["alice"]


def test_upload_ignores_fields_that_do_not_parse(api):
    [message] = upload(api, "s1", "a.txt", b"hi", "text/plain", metadata="{not json", created_at="yesterday").json()
    assert message["metadata"] == {}


def test_upload_splits_long_text_at_word_boundaries(api):
    text = ("word " * 6000).strip()  # 29999 characters
    messages = upload(api, "s1", "long.txt", text.encode(), "text/plain").json()
    assert len(messages) == 2
    assert "".join(contents(messages)) == text
    assert len(messages[0]["content"]) <= 25000 and messages[0]["content"].endswith(" ")


def test_upload_json_and_pdf(api):
    [from_json] = upload(api, "s1", "d.json", json.dumps({"b": [1, "é"]}).encode(), "application/json").json()
    assert from_json["content"] == '{"b": [1, "é"]}'
    pdf = make_pdf(["Hello from page one", "", "Page three text"])
    [from_pdf] = upload(api, "s1", "d.pdf", pdf, "application/pdf").json()
    assert from_pdf["content"] == "[Page 1]\nHello from page one\n\n[Page 3]\nPage three text"


def test_upload_errors(api):
    unsupported = upload(api, "s1", "x.bin", b"\x00", "application/octet-stream")
    assert unsupported.status_code == 415
    assert unsupported.json()["detail"].startswith("Unsupported file type: application/octet-stream")
    too_large = upload(api, "s1", "big.txt", b"a" * (5_242_880 + 1), "text/plain")
    assert too_large.status_code == 413 and "exceeds maximum allowed size" in too_large.json()["detail"]
    assert upload(api, "s1", "bad.json", b"{", "application/json").json() == {"detail": "Uploaded JSON is invalid"}
    assert upload(api, "s1", "bad.pdf", b"not a pdf", "application/pdf").status_code == 422
    missing = api.post(f"{W}/sessions/s1/messages/upload", data={"peer_id": "alice"},
                       files={"other": ("a.txt", b"x", "text/plain")})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "file"]
    assert upload(api, "s1", "a.txt", b"x", "text/plain", peer_id="bad id!").status_code == 422


def test_upload_into_a_deleted_session_is_404(api):
    post_messages(api, "gone", ("alice", "hello"))
    assert api.delete(f"{W}/sessions/gone").status_code == 202
    response = upload(api, "gone", "a.txt", b"x", "text/plain")
    assert response.status_code == 404
    assert response.json() == {"detail": "Session gone not found in workspace w1"}


# -- conclusions ------------------------------------------------------------------------
def test_conclusions_create_list_and_delete(api):
    made = conclude(api, {"content": "alice likes tea", "observer_id": "alice", "observed_id": "alice"},
                    {"content": "bob thinks alice is kind", "observer_id": "bob", "observed_id": "alice",
                     "session_id": "s9"})
    assert [len(c["id"]) for c in made] == [21, 21] and made[0]["session_id"] is None
    assert {p["id"] for p in api.post(f"{W}/peers/list").json()["items"]} == {"alice", "bob"}
    page = api.post(f"{W}/conclusions/list", params={"size": 1, "reverse": "true"}).json()
    assert page["total"] == 2 and page["pages"] == 2 and page["items"][0]["id"] == made[1]["id"]
    only_bob = api.post(f"{W}/conclusions/list", json={"filters": {"observer_id": "bob"}}).json()
    assert [c["id"] for c in only_bob["items"]] == [made[1]["id"]]
    assert api.delete(f"{W}/conclusions/{made[0]['id']}").status_code == 204
    missing = api.delete(f"{W}/conclusions/{made[0]['id']}")
    assert missing.status_code == 404 and made[0]["id"] in missing.json()["detail"]
    assert api.post(f"{W}/conclusions/list", json={}).json()["total"] == 1
    api.delete(f"{W}/sessions/s9")
    in_deleted = api.post(f"{W}/conclusions", json={"conclusions": [
        {"content": "said in s9", "observer_id": "bob", "observed_id": "bob", "session_id": "s9"}]})
    assert in_deleted.status_code == 404 and in_deleted.json() == {"detail": "Session s9 not found in workspace w1"}


def test_conclusions_name_peers_and_sessions_that_exist(api):
    """Looked up before anything is stored: a missing session first, then a missing peer (recorded)."""
    item = {"content": "x", "observer_id": "alice", "observed_id": "carol", "session_id": "nosuch"}
    api.post(f"{W}/peers", json={"id": "alice"})
    refused = api.post(f"{W}/conclusions", json={"conclusions": [item]})
    assert refused.status_code == 404 and refused.json() == {"detail": "Session nosuch not found in workspace w1"}
    refused = api.post(f"{W}/conclusions", json={"conclusions": [{**item, "session_id": None}]})
    assert refused.status_code == 404 and refused.json() == {"detail": "Peer carol not found in workspace w1"}
    assert api.post(f"{W}/conclusions/list").json()["total"] == 0
    assert {p["id"] for p in api.post(f"{W}/peers/list").json()["items"]} == {"alice"}


def test_conclusion_errors(api):
    assert api.post(f"{W}/conclusions", json={"conclusions": []}).status_code == 422
    bad_id = api.post(f"{W}/conclusions", json={"conclusions": [
        {"content": "x", "observer_id": "bad id!", "observed_id": "alice"}]})
    # no peer can have that id: the real server looks it up and answers 404 (second round)
    assert bad_id.status_code == 404 and bad_id.json() == {"detail": "Peer bad id! not found in workspace w1"}
    assert api.post(f"{W}/conclusions/list").json()["total"] == 0
    bad = api.post(f"{W}/conclusions/list", json={"filters": {"peer_id": "x"}})
    assert bad.status_code == 422 and isinstance(bad.json()["detail"], str)


def test_conclusion_query_needs_observer_and_observed_in_filters(api):
    # The rule is declared (ConclusionQuery.filters and its x-refusal, docs/contract.md): judged after the
    # body's own validation and answered with the real server's string detail.
    for body in ({"query": "x"}, {"query": "x", "observer_id": "alice", "observed_id": "alice"},
                 {"query": "x", "filters": {"observer_id": "a"}}, {"query": "x", "filters": {"observer_id": "a", "observed": ""}},
                 {"query": "x", "filters": {"observer_id": {"in": ["a"]}, "observed_id": "b"}}):
        answer = api.post(f"{W}/conclusions/query", json=body)
        assert answer.status_code == 422, body
        assert answer.json() == {"detail": "observer and observed must be specified for semantic search"}, body
    assert api.post(f"{W}/conclusions/query", json={"query": "x", "filters": {"observer": "a", "observed_id": "b"}}).status_code == 200


def test_conclusion_query_ranks_by_text_match(api):
    scope = {"observer_id": "alice", "observed_id": "alice"}
    conclude(api, {"content": "alice likes green tea", **scope}, {"content": "alice owns a dog", **scope},
             {"content": "alice drinks tea daily", **scope})
    found = api.post(f"{W}/conclusions/query", json={"query": "green tea", "filters": scope}).json()
    # without `distance` the top_k nearest, whatever their distance (second round): the dog comes last
    assert contents(found) == ["alice likes green tea", "alice drinks tea daily", "alice owns a dog"]
    near = api.post(f"{W}/conclusions/query", json={"query": "green tea", "filters": scope, "distance": 0.0}).json()
    assert contents(near) == ["alice likes green tea"]
    aliased = {"query": "dog", "top_k": 1, "filters": {"observer": "alice", "observed": "alice"}}
    assert contents(api.post(f"{W}/conclusions/query", json=aliased).json()) == ["alice owns a dog"]


# -- representation, cards, peer context ------------------------------------------------
def test_representation_is_empty_until_something_is_concluded(api):
    api.post(f"{W}/peers", json={"id": "alice"})
    assert api.post(f"{W}/peers/alice/representation", json={}).json() == {"representation": ""}
    conclude(api, {"content": "alice likes tea", "observer_id": "alice", "observed_id": "alice"},
             {"content": "alice is tall", "observer_id": "bob", "observed_id": "alice"})
    text = api.post(f"{W}/peers/alice/representation", json={}).json()["representation"]
    assert text.startswith("## Explicit Observations\n\n[") and text.endswith("] alice likes tea\n")
    about = api.post(f"{W}/peers/bob/representation", json={"target": "alice"}).json()["representation"]
    assert "alice is tall" in about and "likes tea" not in about
    searched = api.post(f"{W}/peers/alice/representation", json={"search_query": "dogs"}).json()
    assert searched == {"representation": ""}


def test_representation_shows_what_the_peer_said_where_it_was_observed(api):
    """The real server's deriver turns observed messages into observations; the mock quotes them, at once."""
    api.post(f"{W}/sessions", json={"id": "s1", "peers": {"alice": {}, "bob": {"observe_others": True}, "carol": {}}})
    post_messages(api, "s1", ("alice", "hello"), ("alice", "I like green tea"))
    own = api.post(f"{W}/peers/alice/representation", json={}).json()["representation"]
    lines = own.splitlines()
    assert lines[:2] == ["## Explicit Observations", ""] and len(lines) == 4, own
    assert lines[2].endswith('] alice said: "hello"') and lines[3].endswith('] alice said: "I like green tea"')
    seen_by_bob = api.post(f"{W}/peers/bob/representation", json={"target": "alice"}).json()["representation"]
    assert seen_by_bob == own  # bob observes others in s1
    assert api.post(f"{W}/peers/carol/representation", json={"target": "alice"}).json() == {"representation": ""}
    searched = api.post(f"{W}/peers/alice/representation", json={"search_query": "tea"}).json()["representation"]
    assert searched.splitlines()[2:] == [lines[3]]
    # a sender that is not observed feeds no representation (and no representation task: queue status agrees)
    api.put(f"{W}/sessions/s1/peers/alice/config", json={"observe_me": False})
    assert api.post(f"{W}/peers/alice/representation", json={}).json() == {"representation": ""}


def test_representation_errors(api):
    missing = api.post(f"{W}/peers/nobody/representation", json={})
    assert missing.status_code == 200 and missing.json() == {"representation": ""}  # second round: nothing learned
    api.post(f"{W}/peers", json={"id": "alice"})
    assert api.post(f"{W}/peers/alice/representation", json={"session_id": "nosuch"}).status_code == 404
    assert api.post(f"{W}/peers/alice/representation", json={"max_conclusions": 0}).status_code == 422


def test_peer_cards(api):
    api.post(f"{W}/peers", json={"id": "alice"})
    assert api.get(f"{W}/peers/alice/card").json() == {"peer_card": None}
    assert api.put(f"{W}/peers/alice/card", json={"peer_card": ["likes tea"]}).json() == {"peer_card": ["likes tea"]}
    assert api.get(f"{W}/peers/alice/card").json() == {"peer_card": ["likes tea"]}
    assert api.get(f"{W}/peers/alice/card", params={"target": "alice"}).json() == {"peer_card": ["likes tea"]}
    api.put(f"{W}/peers/alice/card", params={"target": "bob"}, json={"peer_card": ["bob is a bot"]})
    assert api.get(f"{W}/peers/alice/card", params={"target": "bob"}).json() == {"peer_card": ["bob is a bot"]}
    assert api.get(f"{W}/peers/alice/card").json() == {"peer_card": ["likes tea"]}
    assert api.get(f"{W}/peers/nobody/card").status_code == 404
    assert api.put(f"{W}/peers/alice/card", json={"peer_card": "nope"}).status_code == 422


def test_peer_context(api):
    api.post(f"{W}/peers", json={"id": "alice"})
    assert api.get(f"{W}/peers/alice/context").json() == {"peer_id": "alice", "target_id": "alice",
                                                          "representation": "", "peer_card": None}
    conclude(api, {"content": "bob plays chess", "observer_id": "alice", "observed_id": "bob"})
    api.put(f"{W}/peers/alice/card", params={"target": "bob"}, json={"peer_card": ["chess player"]})
    body = api.get(f"{W}/peers/alice/context", params={"target": "bob"}).json()
    assert body["target_id"] == "bob" and body["peer_card"] == ["chess player"]
    assert body["representation"].endswith("] bob plays chess\n")
    assert api.get(f"{W}/peers/nobody/context").status_code == 404


# -- chat -------------------------------------------------------------------------------
def test_chat_answers_from_stored_knowledge(api):
    post_messages(api, "s1", ("alice", "I drink green tea every morning"), ("alice", "my dog is Rex"))
    conclude(api, {"content": "alice likes tea", "observer_id": "alice", "observed_id": "alice"})
    answer = api.post(f"{W}/peers/alice/chat", json={"query": "What tea does she like?"}).json()["content"]
    assert answer.splitlines() == ["Based on what I know about alice:", "- alice likes tea",
                                   '- alice said: "I drink green tea every morning"']
    # a query sharing no word with anything known is still answered, from the nearest (newest) facts
    unrelated = api.post(f"{W}/peers/alice/chat", json={"query": "quantum physics"}).json()["content"]
    assert unrelated.splitlines() == ["Based on what I know about alice:", "- alice likes tea",
                                      '- alice said: "my dog is Rex"', '- alice said: "I drink green tea every morning"']
    assert api.post(f"{W}/peers/alice/chat", json={"query": "quantum physics"}).json()["content"] == unrelated


def test_chat_creates_the_peer_and_validates(api):
    assert api.post(f"{W}/peers/newbie/chat", json={"query": "anything?"}).json() == {"content": None}
    assert "newbie" in [p["id"] for p in api.post(f"{W}/peers/list").json()["items"]]
    assert api.post(f"{W}/peers/newbie/chat", json={"query": ""}).status_code == 422
    assert api.post(f"{W}/peers/newbie/chat", json={"query": "x", "reasoning_level": "huge"}).status_code == 422
    assert api.post(f"{W}/peers/bad%20id/chat", json={"query": "x"}).status_code == 422


def test_chat_streams_server_sent_events(api):
    post_messages(api, "s1", ("alice", "I like tea"))
    plain = api.post(f"{W}/peers/alice/chat", json={"query": "tea"}).json()["content"]
    response = api.post(f"{W}/peers/alice/chat", json={"query": "tea", "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in response.text.split("\n\n") if f]
    assert all(f.startswith("data: ") for f in frames)
    payloads = [json.loads(f[len("data: "):]) for f in frames]
    assert payloads[-1] == {"done": True}
    assert all(p["done"] is False and set(p) == {"delta", "done"} for p in payloads[:-1])
    assert "".join(p["delta"]["content"] for p in payloads[:-1]) == plain
    assert frames[0].startswith('data: {"delta": {"content": ')


# -- webhooks ---------------------------------------------------------------------------
def test_webhook_endpoints(server, api):
    api.post("/v3/workspaces", json={"id": "w1"})
    created = api.post(f"{W}/webhooks", json={"url": "http://hooks.example/hook"})
    assert created.status_code == 201
    endpoint = created.json()
    assert set(endpoint) == {"id", "workspace_id", "url", "created_at"} and endpoint["workspace_id"] == "w1"
    again = api.post(f"{W}/webhooks", json={"url": "http://hooks.example/hook"})
    assert again.status_code == 200 and again.json() == endpoint
    page = api.get(f"{W}/webhooks").json()
    assert page["items"] == [endpoint] and page["total"] == 1
    assert api.delete(f"{W}/webhooks/{endpoint['id']}").status_code == 204
    missing = api.delete(f"{W}/webhooks/{endpoint['id']}")
    assert missing.status_code == 404
    assert api.get("/v3/workspaces/nosuch/webhooks").json()["items"] == []
    assert api.post("/v3/workspaces/fresh/webhooks", json={"url": "http://h"}).status_code == 404  # second round
    assert "fresh" not in [w["id"] for w in api.post("/v3/workspaces/list").json()["items"]]


def test_webhook_limit_and_validation(api):
    api.post("/v3/workspaces", json={"id": "w1"})
    for i in range(10):
        assert api.post(f"{W}/webhooks", json={"url": f"http://h/{i}"}).status_code == 201
    full = api.post(f"{W}/webhooks", json={"url": "http://h/10"})
    assert full.status_code == 409
    assert full.json() == {"detail": "Maximum number of webhook endpoints (10) reached for this workspace."}
    assert api.post(f"{W}/webhooks", json={"url": "http://h/3"}).status_code == 200
    assert api.post(f"{W}/webhooks", json={}).status_code == 422


def test_webhook_test_event_is_recorded(server, api):
    api.post("/v3/workspaces", json={"id": "w1"})
    response = api.get(f"{W}/webhooks/test")
    assert response.status_code == 200 and response.content == b"null"
    [event] = events(server.store, "w1")
    assert event["type"] == "test.event" and event["data"] == {"workspace_id": "w1"}


# -- queue, dreams, keys ----------------------------------------------------------------
def test_queue_status_follows_the_stored_messages(api):
    api.post(f"{W}/sessions", json={"id": "s1", "peers": {"alice": {}, "bob": {"observe_others": True}}})
    post_messages(api, "s1", ("alice", "one"), ("bob", "two"))
    status = api.get(f"{W}/queue/status").json()
    # alice: own representation + bob's view of her; bob: own representation
    assert status == {"total_work_units": 3, "completed_work_units": 3, "in_progress_work_units": 0,
                      "pending_work_units": 0,
                      "sessions": {"s1": {"session_id": "s1", "total_work_units": 3, "completed_work_units": 3,
                                          "in_progress_work_units": 0, "pending_work_units": 0}}}
    assert api.get(f"{W}/queue/status", params={"observer_id": "bob"}).json()["total_work_units"] == 2
    assert api.get(f"{W}/queue/status", params={"sender_id": "alice"}).json()["total_work_units"] == 2
    by_session = api.get(f"{W}/queue/status", params={"session_id": "s1"}).json()
    assert by_session["total_work_units"] == 3 and by_session["sessions"] is None
    empty = api.get("/v3/workspaces/nosuch/queue/status").json()
    assert empty["total_work_units"] == 0 and empty["sessions"] is None


def test_queue_respects_observe_me_and_summaries(api):
    api.post(f"{W}/peers", json={"id": "bot", "configuration": {"observe_me": False}})
    api.post(f"{W}/sessions", json={"id": "s1", "configuration": {"summary": {"messages_per_short_summary": 10}}})
    post_messages(api, "s1", *[("bot", f"m{i}") for i in range(10)])
    assert api.get(f"{W}/queue/status").json()["total_work_units"] == 1  # the summary after message 10


def test_schedule_dream(server, api):
    api.post("/v3/workspaces", json={"id": "w1"})
    response = api.post(f"{W}/schedule_dream", json={"observer": "alice", "dream_type": "omni"})
    assert response.status_code == 204 and response.content == b""
    assert api.get(f"{W}/queue/status", params={"observer_id": "alice"}).json()["completed_work_units"] == 1
    assert [e["type"] for e in events(server.store, "w1")] == ["queue.empty"]
    missing = api.post(f"{W}/schedule_dream", json={"observer": "alice"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "dream_type"]
    assert api.post("/v3/workspaces/nosuch/schedule_dream",
                    json={"observer": "a", "dream_type": "omni"}).status_code == 204


def test_keys_are_disabled(api):
    response = api.post("/v3/keys", params={"workspace_id": "w1"})
    assert response.status_code == 405 and response.json() == {"detail": "Feature is disabled"}


# -- determinism ------------------------------------------------------------------------
def scripted_run(server: MockServer) -> list[tuple[int, bytes]]:
    """The same requests against the seeded mock, started afresh."""
    server.reset()
    with TestClient(server.app, base_url="http://testserver") as client:
        api = checked(client)
        post_messages(api, "s1", ("alice", "I like tea"), ("bob", "tea is nice"))
        answers = [
            conclude(api, {"content": "alice likes tea", "observer_id": "alice", "observed_id": "alice"}),
            api.post(f"{W}/webhooks", json={"url": "http://h"}),
            upload(api, "s1", "a.txt", b"uploaded tea", "text/plain"),
            api.post(f"{W}/search", json={"query": "tea"}),
            api.get(f"{W}/sessions/s1/context", params={"peer_target": "alice"}),
            api.post(f"{W}/peers/alice/chat", json={"query": "tea", "stream": True}),
            api.get(f"{W}/queue/status"),
        ]
        return [(a.status_code, a.content) if isinstance(a, httpx.Response) else (201, json.dumps(a).encode())
                for a in answers]


def test_same_state_and_requests_give_the_same_answers(mock):
    assert scripted_run(mock) == scripted_run(mock)


def test_chat_in_a_session_that_does_not_exist_is_404_and_changes_nothing(api):
    answer = api.post(f"{W}/peers/alice/chat", json={"query": "hi", "session_id": "nosuch"})
    assert answer.status_code == 404 and answer.json() == {"detail": "Session nosuch not found in workspace w1"}
    # the real server has created the peer by then; the mock's refusals have no effect (docs/real-server.md)
    assert api.post(f"{W}/peers/list").json()["items"] == []
    streamed = api.post(f"{W}/peers/alice/chat", json={"query": "hi", "session_id": "nosuch", "stream": True})
    assert streamed.status_code == 200  # the stream has begun when the real server looks the session up


def test_a_workspace_with_active_sessions_is_not_deleted_in_honchos_words(api):
    api.post(f"{W}/sessions", json={"id": "s1"})
    answer = api.delete(W)
    assert answer.status_code == 409
    assert answer.json() == {"detail": "Cannot delete workspace 'w1': active session(s) remain. Delete all sessions first."}
