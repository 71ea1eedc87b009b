"""Session summaries, derived deterministically from the session's messages.

The real server writes a short summary every `messages_per_short_summary` messages
(default 20) and a long one every `messages_per_long_summary` (default 60), in its
background worker. The mock's queue completes work at once, so a summary exists as
soon as a session holds that many messages: it covers the messages up to the last
multiple of the interval, and its text is what the real summarizer writes when it has
no LLM answer: "Conversation with N messages about <first 30 characters of the last
covered message>...". Summaries follow the *current* resolved configuration
(`summary.enabled` and the intervals, session over workspace), and are computed when
read, so the store holds nothing extra.

A summary is `{content, message_id, summary_type, created_at, token_count}` where
`message_id` is the covered message's id, `summary_type` the real server's label
("honcho_chat_summary_short"/"..._long"), `created_at` the covered message's time
(when the instant worker would have written it) and `token_count` the mock's count.
"""

from __future__ import annotations

from typing import Any

from mockserver.honcho.configuration import summary_settings
from mockserver.state.store import Store
from mockserver.state.tokens import count_tokens

Record = dict[str, Any]
SHORT = "honcho_chat_summary_short"
LONG = "honcho_chat_summary_long"


def session_summaries(store: Store, workspace_id: str, session_id: str) -> tuple[Record | None, Record | None]:
    """(short, long) for a live session; (None, None) for a missing one, as on the real server."""
    workspace = store.workspace(workspace_id)
    session = store.session(workspace_id, session_id)
    if workspace is None or session is None:
        return None, None
    settings = summary_settings(session.record, workspace.record)
    if not settings.enabled:
        return None, None
    messages = list(session.messages.values())
    return _summary(messages, settings.messages_per_short, SHORT), _summary(messages, settings.messages_per_long, LONG)


def _summary(messages: list[Record], interval: int, label: str) -> Record | None:
    covered = len(messages) - len(messages) % interval
    if covered == 0:
        return None
    last = messages[covered - 1]
    content = f"Conversation with {min(interval, covered)} messages about {last['content'][:30]}..."
    return {"content": content, "message_id": last["id"], "summary_type": label,
            "created_at": last["created_at"], "token_count": count_tokens(content)}
