"""Peer chat without an LLM: a deterministic answer assembled from what is stored.

The real server answers with an agent that searches the observer's knowledge of the
observed peer. The mock gathers the same knowledge — the observer's conclusions about
the observed peer, and the messages the observed peer sent (in sessions the observer
shared with it, unless observer and observed are the same peer; only `session_id`'s
when given) — ranks it against the query (`mockserver.honcho.text_search.rank`) and answers with
the most relevant facts, newest first among equals:

    Based on what I know about alice:
    - alice likes tea
    - alice said: "I drink green tea every morning"

As the real server's agent always says what it knows, a query that shares no word with any fact
is still answered: by the nearest (most recent) facts. Only a peer of whom nothing is known gets None
(the API's `{"content": null}`, which the SDK returns as None). `reasoning_level` does not
change the answer. The answer depends on the stored state alone, so a test pins it by its
fixtures (README, "Chat and representation").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection

from mockserver.honcho.conclusions import conclusions_about
from mockserver.honcho.text_search import newest_first, rank
from mockserver.state.store import Store
from mockserver.timestamps import stamp_order

MAX_FACTS = 3
_PIECES = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Fact:
    text: str
    line: str


def answer(store: Store, workspace_id: str, observer: str, observed: str, query: str,
           session_id: str | None = None, sessions: Collection[str] | None = None) -> str | None:
    """`sessions`: the recall allowlist (3.0.12's `filters.session_id`): knowledge from those sessions only."""
    known = _knowledge(store, workspace_id, observer, observed, session_id, sessions)
    facts = rank(known, query, lambda f: f.text, limit=MAX_FACTS) or rank(known, query, lambda f: f.text,
                                                                           limit=MAX_FACTS, nearest=True)
    if not facts:
        return None
    return "\n".join([f"Based on what I know about {observed}:", *(f"- {fact.line}" for fact in facts)])


def pieces(text: str) -> list[str]:
    """The answer cut into word-sized chunks for streaming; joined they give the answer back."""
    return _PIECES.findall(text)


def _knowledge(store: Store, workspace_id: str, observer: str, observed: str, session_id: str | None,
               sessions: Collection[str] | None = None) -> list[Fact]:
    """Everything the observer may draw on, oldest first (so ties rank newest first)."""
    conclusions = conclusions_about(store, workspace_id, observer, observed, session_id, sessions)
    facts = [(c["created_at"], Fact(c["content"], c["content"])) for c in conclusions]
    messages = [m for m in _messages_of(store, workspace_id, observer, observed, session_id)
                if sessions is None or m["session_id"] in sessions]
    for message in reversed(newest_first(messages)):
        facts.append((message["created_at"], Fact(message["content"], f'{observed} said: "{message["content"]}"')))
    facts.sort(key=lambda entry: stamp_order(entry[0]))
    return [fact for _, fact in facts]


def _messages_of(store: Store, workspace_id: str, observer: str, observed: str, session_id: str | None) -> list[dict]:
    workspace = store.workspace(workspace_id)
    if workspace is None:
        return []
    sessions = [s for s in workspace.sessions.values() if session_id is None or s.record["id"] == session_id]
    if observer != observed:
        sessions = [s for s in sessions if observer in s.peers]
    return [m for s in sessions for m in s.messages.values() if m["peer_id"] == observed]
