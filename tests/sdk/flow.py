"""A Python app's flow through the official SDK, run by tests/test_sdk_versions.py in its own
process with the SDK version that pairs with the Honcho version the mock serves:

    PYTHONPATH=.venv/sdks/honcho-ai-2.3.0 python tests/sdk/flow.py http://127.0.0.1:PORT 3.0.12

Prints "sdk flow ok <sdk version> <api version>" when every step answered as that Honcho does.
"""

from __future__ import annotations

import sys

import honcho
from honcho import Honcho
from pydantic import BaseModel


class Answer(BaseModel):
    answer: str
    confident: bool


def main(url: str, api_version: str) -> None:
    client = Honcho(base_url=url, workspace_id="sdk-flow", api_key="unused-when-auth-is-off", max_retries=0, timeout=10)
    alice, bot = client.peer("alice", metadata={"role": "user"}), client.peer("assistant")
    chat = client.session("chat-1", metadata={"topic": "tea"})
    chat.add_peers([alice, bot])
    chat.add_messages([alice.message("I drink green tea every morning"), bot.message("noted")])
    assert [m.content for m in chat.messages()] == ["I drink green tea every morning", "noted"]
    assert [p.id for p in client.peers()] == ["alice", "assistant"]
    assert sorted(s.id for s in alice.sessions()) == ["chat-1"]
    context = chat.context(tokens=1000)
    assert [m.content for m in context.messages] == ["I drink green tea every morning", "noted"]
    made = alice.conclusions.create([{"content": "alice likes green tea", "session_id": "chat-1"}])
    assert [c.content for c in made] == ["alice likes green tea"]
    assert "alice likes green tea" in alice.representation()
    answer = alice.chat("what does alice drink?")
    assert answer is not None and "tea" in answer
    found = [m.content for m in client.search("green tea")]
    assert found == ["I drink green tea every morning"], found
    if api_version == "3.0.12":
        assert made[0].level == "explicit"  # 3.0.12's Conclusion.level
        shaped = alice.chat("what does alice drink?", response_format=Answer)
        assert isinstance(shaped, Answer) and "tea" in shaped.answer and shaped.confident is False
        as_dict = alice.chat("what does alice drink?", response_format={"type": "object", "properties": {
            "drinks": {"type": "array", "items": {"type": "string"}}}})
        assert as_dict is not None and '"drinks": []' in as_dict
    print(f"sdk flow ok {honcho.__version__} {api_version}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
