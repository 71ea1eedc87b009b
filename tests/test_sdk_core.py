"""The official Python SDK (honcho-ai 2.1.2) driving a realistic app flow over loopback HTTP."""

from __future__ import annotations

from typing import Iterator

import pytest
from honcho import Honcho
from honcho.api_types import SessionPeerConfig
from support import loopback_server

from mockserver import create_app


@pytest.fixture(scope="module")
def honcho() -> Iterator[Honcho]:
    server = create_app(seed=3, api_version="3.0.7")  # the Honcho that honcho-ai 2.1.2 pairs with
    with loopback_server(server.app) as url:
        yield Honcho(base_url=url, workspace_id="sdk-app", api_key="unused-when-auth-is-off", max_retries=0, timeout=10)


def test_peers_sessions_messages_flow(honcho: Honcho) -> None:
    alice = honcho.peer("alice", metadata={"role": "user"})
    bot = honcho.peer("assistant", metadata={"role": "bot"})
    assert alice.metadata == {"role": "user"}

    sessions = [honcho.session(f"chat-{n}", metadata={"topic": "tea" if n % 2 else "coffee", "n": n}) for n in range(7)]
    chat = sessions[0]
    chat.add_peers([alice, (bot, SessionPeerConfig(observe_others=True))])
    assert sorted(p.id for p in chat.peers()) == ["alice", "assistant"]
    assert chat.get_peer_configuration(bot).observe_others is True

    chat.add_messages([alice.message("hello there"), bot.message("hi alice, how can I help?", metadata={"intent": "greet"}),
                       alice.message("tell me about tea")])
    contents = [m.content for m in chat.messages()]
    assert contents == ["hello there", "hi alice, how can I help?", "tell me about tea"]
    newest_first = chat.messages(reverse=True, size=2)
    assert [m.content for m in newest_first.items] == ["tell me about tea", "hi alice, how can I help?"]
    assert [m.content for m in chat.messages(filters={"peer_id": "assistant"})] == ["hi alice, how can I help?"]

    first = chat.messages().items[0]
    assert chat.get_message(first.id).content == "hello there"
    updated = chat.update_message(first, metadata={"edited": True})
    assert updated.metadata == {"edited": True}

    # pages in both directions, with and without filters
    forward = [s.id for s in honcho.sessions(size=3)]
    assert forward == [f"chat-{n}" for n in range(7)]
    page_two = honcho.sessions(size=3, page=2)
    assert [s.id for s in page_two.items] == ["chat-3", "chat-4", "chat-5"]
    backward = [s.id for s in honcho.sessions(size=2, reverse=True)]
    assert backward == list(reversed(forward))
    tea = [s.id for s in honcho.sessions(filters={"metadata": {"topic": "tea"}})]
    assert tea == ["chat-1", "chat-3", "chat-5"]
    late = [s.id for s in honcho.sessions(filters={"metadata": {"n": {"gte": 5}}})]
    assert late == ["chat-5", "chat-6"]

    chat.set_metadata({"topic": "coffee", "pinned": True})
    assert chat.get_metadata() == {"topic": "coffee", "pinned": True}
    alice.set_metadata({"role": "user", "plan": "pro"})
    assert [p.id for p in honcho.peers(filters={"metadata": {"plan": "pro"}})] == ["alice"]

    chat.set_peers([alice])
    assert [p.id for p in chat.peers()] == ["alice"]
    chat.remove_peers([alice])
    assert chat.peers() == []

    sessions[6].delete()
    assert "chat-6" not in [s.id for s in honcho.sessions()]
    assert "sdk-app" in list(honcho.workspaces())


def test_peer_session_list(honcho: Honcho) -> None:
    bob = honcho.peer("bob")
    for n in range(3):
        honcho.session(f"bob-{n}").add_peers([bob])
    assert [s.id for s in bob.sessions()] == ["bob-0", "bob-1", "bob-2"]
    assert [s.id for s in bob.sessions(reverse=True)] == ["bob-2", "bob-1", "bob-0"]
