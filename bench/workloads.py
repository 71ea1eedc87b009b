"""What the benchmark sends: the seeded data, the four compared requests, growth documents."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from loadgen import Client

WORKSPACE = "bench"
WRITE_WORKSPACE = "bench-write"
SESSIONS = 1_000
TIERS = ("gold", "silver", "bronze", "iron")  # a tier filter matches one session in four
PEERS = ("alice", "bob")


def session_id(i: int) -> str:
    return f"s{i:06d}"


def session_metadata(i: int) -> dict[str, Any]:
    return {"tier": TIERS[i % len(TIERS)], "n": i}


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    method: str
    path: str
    body: Any
    stateful: bool = False  # the answer changes the store (each request adds records)
    needs_messages: bool = False  # reads the seeded chat (seed_through_api(..., messages=True))

    def body_bytes(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":")).encode()

    def body_file(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.json"
        path.write_bytes(self.body_bytes())
        return path


LIST_QUERY = "?page=1&size=50"
SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("seed", "sessions page (empty filter)", "POST",
             f"/v3/workspaces/{WORKSPACE}/sessions/list{LIST_QUERY}", {"filters": {}}),
    Scenario("filtered", "sessions page (metadata filter)", "POST",
             f"/v3/workspaces/{WORKSPACE}/sessions/list{LIST_QUERY}", {"filters": {"metadata": {"tier": "gold"}}}),
    Scenario("session", "get-or-create session", "POST",
             f"/v3/workspaces/{WORKSPACE}/sessions", {"id": session_id(500)}),
    Scenario("batch", "create 10 messages", "POST",
             f"/v3/workspaces/{WRITE_WORKSPACE}/sessions/batch/messages",
             {"messages": [{"peer_id": PEERS[i % 2], "content": f"Message {i} of the benchmark batch: " + "lorem ipsum " * 8}
                           for i in range(10)]},
             stateful=True),
    # not compared with Prism (bench/run.py COMPARED): measured in-process (bench/inprocess.py)
    Scenario("messages", "messages page (1,000 messages)", "POST",
             f"/v3/workspaces/{WORKSPACE}/sessions/chat/messages/list{LIST_QUERY}", {"filters": {}}, needs_messages=True),
    Scenario("messages-filtered", "messages page (metadata filter)", "POST",
             f"/v3/workspaces/{WORKSPACE}/sessions/chat/messages/list{LIST_QUERY}",
             {"filters": {"metadata": {"tier": "gold"}}}, needs_messages=True),
)}
CHAT_MESSAGES = 1_000


def seed_through_api(client: Client, sessions: int = SESSIONS, messages: bool = False) -> None:
    """The compared data set, created with the public API as a client would; `messages`: also
    a chat of CHAT_MESSAGES messages (100 characters, a tier in their metadata) in session `chat`."""
    for workspace in (WORKSPACE, WRITE_WORKSPACE):
        _expect(client.call("POST", "/v3/workspaces", {"id": workspace}), (200, 201))
        for peer in PEERS:
            _expect(client.call("POST", f"/v3/workspaces/{workspace}/peers", {"id": peer}), (200, 201))
    for i in range(sessions):
        _expect(client.call("POST", f"/v3/workspaces/{WORKSPACE}/sessions",
                            {"id": session_id(i), "metadata": session_metadata(i)}), (200, 201))
    _expect(client.call("POST", f"/v3/workspaces/{WRITE_WORKSPACE}/sessions",
                        {"id": "batch", "peers": {p: {} for p in PEERS}}), (200, 201))
    for low, high in chunks(0, CHAT_MESSAGES if messages else 0, 100):
        batch = [{"peer_id": PEERS[i % 2], "content": message_content(i, 100), "metadata": {"tier": TIERS[i % len(TIERS)]}}
                 for i in range(low, high)]
        _expect(client.call("POST", f"/v3/workspaces/{WORKSPACE}/sessions/chat/messages", {"messages": batch}), (201,))


def _expect(answer: Any, statuses: tuple[int, ...]) -> None:
    if answer.status not in statuses:
        raise RuntimeError(f"seeding failed: HTTP {answer.status}: {answer.body[:300]!r}")


# -- growth and memory: documents for POST /_mock/fixtures ----------------------------------
def sessions_fixture(workspace: str, start: int, stop: int) -> dict[str, Any]:
    return {"workspaces": [{"id": workspace, "sessions": [
        {"id": session_id(i), "metadata": session_metadata(i)} for i in range(start, stop)]}]}


_TEXT_RNG = random.Random(5)
_TEXT = "".join(_TEXT_RNG.choice("abcdefghijklmnopqrstuvwxyz      .,") for _ in range(20_000))


def message_content(i: int, length: int = 200) -> str:
    """`length` characters, different for every i (no two messages share a string)."""
    head = f"{i:09d} "
    offset = (i * 7919) % (len(_TEXT) - length)
    return head + _TEXT[offset:offset + length - len(head)]


def messages_fixture(workspace: str, session: str, start: int, stop: int, length: int = 200,
                     with_metadata: bool = False) -> dict[str, Any]:
    messages = []
    for i in range(start, stop):
        message: dict[str, Any] = {"peer_id": PEERS[i % 2], "content": message_content(i, length)}
        if with_metadata:
            message["metadata"] = {"tier": TIERS[i % len(TIERS)]}
        messages.append(message)
    return {"workspaces": [{"id": workspace, "sessions": [{"id": session, "messages": messages}]}]}


def chunks(start: int, stop: int, size: int) -> Iterator[tuple[int, int]]:
    for low in range(start, stop, size):
        yield low, min(stop, low + size)


def load_fixture(client: Client, document: dict[str, Any]) -> dict[str, Any]:
    answer = client.call("POST", "/_mock/fixtures", raw=json.dumps(document, separators=(",", ":")).encode())
    if answer.status != 200:
        raise RuntimeError(f"POST /_mock/fixtures failed: HTTP {answer.status}: {answer.body[:300]!r}")
    return answer.json()
