"""The official Python SDK (honcho-ai 2.1.2) against the mock over real HTTP on 127.0.0.1.

One uvicorn server serves the module (started in a thread, always stopped); each test
resets the mock and uses a fresh client, so tests do not depend on each other.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from honcho import Honcho
from support import loopback_server

from mockserver import MockServer, create_app


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[MockServer, str]]:
    mock = create_app(seed=5, api_version="3.0.7")  # the Honcho that honcho-ai 2.1.2 pairs with
    with loopback_server(mock.app) as url:
        yield mock, url


@pytest.fixture
def honcho(served: tuple[MockServer, str]) -> Honcho:
    mock, url = served
    mock.reset()
    return Honcho(base_url=url, workspace_id="sdk", api_key="unused", max_retries=0, timeout=10)


def test_context_and_openai_conversion(honcho: Honcho):
    alice, bot = honcho.peer("alice"), honcho.peer("bot")
    session = honcho.session("chat")
    session.add_messages([alice.message("I love green tea"), bot.message("Noted!"), alice.message("And cats")])
    context = session.context()
    assert [m.content for m in context.messages] == ["I love green tea", "Noted!", "And cats"]
    assert context.summary is None and context.peer_card is None
    assert context.to_openai(assistant=bot) == [
        {"role": "user", "name": "alice", "content": "I love green tea"},
        {"role": "assistant", "name": "bot", "content": "Noted!"},
        {"role": "user", "name": "alice", "content": "And cats"},
    ]
    alice.set_card(["likes tea"])
    targeted = session.context(peer_target="alice", search_query="tea", tokens=50)
    assert targeted.peer_card == ["likes tea"]
    assert targeted.peer_representation.endswith('] alice said: "I love green tea"\n')  # the one message on tea
    assert targeted.to_openai(assistant="bot")[:2] == [
        {"role": "system", "content": f"<peer_representation>{targeted.peer_representation}</peer_representation>"},
        {"role": "system", "content": "<peer_card>['likes tea']</peer_card>"}]
    assert len(session.context(tokens=2).messages) == 1
    assert session.summaries().short_summary is None


def test_search_everywhere(honcho: Honcho):
    alice, bob = honcho.peer("alice"), honcho.peer("bob")
    first, second = honcho.session("one"), honcho.session("two")
    first.add_messages([alice.message("Tea time"), bob.message("coffee please")])
    second.add_messages([bob.message("more TEA")])
    assert [m.content for m in honcho.search("tea")] == ["more TEA", "Tea time"]
    assert [m.content for m in first.search("tea")] == ["Tea time"]
    assert [m.content for m in bob.search("e", limit=1)] == ["more TEA"]
    assert [m.content for m in honcho.search("tea", filters={"peer_id": "alice"})] == ["Tea time"]


def test_chat_and_streaming(honcho: Honcho):
    alice = honcho.peer("alice")
    honcho.session("s").add_messages([alice.message("I walk my dog every morning")])
    answer = alice.chat("Does she have a dog?")
    assert answer is not None and "I walk my dog every morning" in answer
    stream = alice.chat_stream("Does she have a dog?")
    assert "".join(stream) == answer
    assert stream.get_final_response() == {"content": answer}
    # nothing shares a word with the query: the nearest (newest) facts answer it, never None while any is known
    assert alice.chat("astronomy") == answer
    assert honcho.peer("stranger").chat("astronomy") is None


def test_chat_and_representation_speak_of_a_peer_after_two_messages(honcho: Honcho):
    """A frontend developer's first try: two messages, then chat and representation have something to say."""
    alice, bot = honcho.peer("alice"), honcho.peer("bot")
    honcho.session("first").add_messages([alice.message("hi there"), alice.message("I love hiking and green tea")])
    answer = alice.chat("What does alice like?")
    assert answer == ('Based on what I know about alice:\n- alice said: "I love hiking and green tea"\n'
                      '- alice said: "hi there"')
    assert alice.chat("What does alice like?") == answer  # deterministic from the stored state
    representation = alice.representation()
    assert representation.startswith("## Explicit Observations") and 'alice said: "I love hiking and green tea"' in representation
    assert bot.chat("What does alice like?") is None  # bot knows nothing of anybody yet


def test_cards_representation_and_peer_context(honcho: Honcho):
    alice, bob = honcho.peer("alice"), honcho.peer("bob")
    assert alice.get_card() is None
    assert alice.set_card(["likes tea", "lives in Paris"]) == ["likes tea", "lives in Paris"]
    assert alice.get_card() == ["likes tea", "lives in Paris"]
    alice.set_card(["plays chess"], target=bob)
    assert alice.get_card(target="bob") == ["plays chess"]
    assert alice.representation() == ""
    alice.conclusions.create([{"content": "alice likes tea"}])
    assert alice.representation().endswith("] alice likes tea\n")
    context = alice.context()
    assert (context.peer_id, context.target_id, context.peer_card) == ("alice", "alice", ["likes tea", "lives in Paris"])
    assert "alice likes tea" in (context.representation or "")


def test_conclusions(honcho: Honcho):
    alice = honcho.peer("alice", metadata={})
    honcho.peer("bob", metadata={})  # conclusions are about peers that exist (the real server: 404)
    scope = alice.conclusions_of("bob")
    made = scope.create([{"content": "bob likes jazz"}, {"content": "bob owns a bike"}])
    assert [c.content for c in made] == ["bob likes jazz", "bob owns a bike"]
    assert [c.content for c in scope.list()] == ["bob likes jazz", "bob owns a bike"]
    # without a distance the top_k nearest, whatever their distance (second round): the nearest first
    assert [c.content for c in scope.query("jazz")] == ["bob likes jazz", "bob owns a bike"]
    assert "bob owns a bike" in scope.representation()
    scope.delete(made[0].id)
    assert [c.content for c in scope.list()] == ["bob owns a bike"]
    assert list(alice.conclusions.list()) == []


def test_upload_clone_and_queue(honcho: Honcho):
    alice = honcho.peer("alice")
    session = honcho.session("docs")
    uploaded = session.upload_file(("notes.txt", b"first line\nsecond line", "text/plain"), peer=alice,
                                   metadata={"source": "upload"})
    assert [(m.content, m.peer_id, m.metadata) for m in uploaded] == [
        ("first line\nsecond line", "alice", {"source": "upload"})]
    session.add_messages([alice.message("after the upload")])
    clone = session.clone(message_id=uploaded[0].id)
    assert clone.id != session.id
    assert [m.content for m in clone.messages()] == ["first line\nsecond line"]
    status = honcho.queue_status()
    assert status.pending_work_units == 0 and status.total_work_units == status.completed_work_units == 3
    assert status.sessions is not None and set(status.sessions) == {"docs", clone.id}
    assert session.queue_status().sessions is None
    honcho.schedule_dream(observer=alice)
    assert honcho.queue_status(observer=alice).completed_work_units == 4
