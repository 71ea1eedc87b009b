"""Session context: the recent messages (and summary, representation, card) that fit a budget.

As the real server does it:
- the budget is `tokens`, or 100000 (GET_CONTEXT_MAX_TOKENS) when not given; a budget
  of 0 or less gives no messages and no summary;
- with `summary`, the longest available summary that fits 40% of the budget is used
  (long over short), its tokens are taken from the budget and only messages after the
  one it covers are candidates;
- messages are taken from the newest back, stopping at the first that does not fit;
- with `peer_target`, the representation and card of the target, seen by
  `peer_perspective` (or by Honcho itself: the target's own), are added and their tokens
  taken from the budget first; `peer_perspective` without `peer_target` is a 422.
A session that does not exist has an empty context (the real server answers 200 too).
"""

from __future__ import annotations

from typing import Any, Sequence

from mockserver.errors import ApiError
from mockserver.honcho.cards import get_card
from mockserver.honcho.representation import RepresentationQuery, representation
from mockserver.honcho.summaries import session_summaries
from mockserver.state.store import NotFound, Store
from mockserver.state.tokens import count_tokens

Record = dict[str, Any]
GET_CONTEXT_MAX_TOKENS = 100_000
SUMMARY_SHARE = 0.4


def session_context(store: Store, workspace_id: str, session_id: str, *, tokens: int | None, include_summary: bool,
                    peer_target: str | None, peer_perspective: str | None, limit_to_session: bool,
                    options: RepresentationQuery, observer: str | None = None, sessions: list[str] | None = None,
                    confined_omits_card: bool = False) -> Record:
    """`observer`: who sees the target instead of the perspective (a scope's peer, 3.1-preview);
    `sessions`: the representation confined to those; `confined_omits_card`: no card when it is
    confined (to `sessions` or this session)."""
    budget = tokens if tokens is not None else GET_CONTEXT_MAX_TOKENS
    if peer_perspective and not peer_target:
        raise ApiError(422, "peer_target must be provided if peer_perspective is provided")
    if not peer_target:
        summary, messages = recent_context(store, workspace_id, session_id, budget, include_summary)
        return {"id": session_id, "messages": messages, "summary": summary, "peer_representation": None, "peer_card": None}
    observer = observer or peer_perspective or peer_target
    if store.peer(workspace_id, observer) is None:  # recorded: the observer is looked up (an unknown target is not)
        raise NotFound(f"Peer {observer} not found in workspace {workspace_id}")
    confined = sessions if sessions is not None else [session_id] if limit_to_session else None
    text = representation(store, workspace_id, observer, peer_target, options, None, confined)
    card = None if confined is not None and confined_omits_card else get_card(store, workspace_id, observer, peer_target)
    budget -= count_tokens(text) + (count_tokens("\n".join(card)) if card else 0)
    summary, messages = recent_context(store, workspace_id, session_id, budget, include_summary)
    return {"id": session_id, "messages": messages, "summary": summary, "peer_representation": text, "peer_card": card}


def recent_context(store: Store, workspace_id: str, session_id: str, budget: int,
                   include_summary: bool) -> tuple[Record | None, list[Record]]:
    """The summary (if any fits) and the newest messages after it that fit what is left."""
    if budget <= 0:
        return None, []
    session = store.session(workspace_id, session_id)
    messages = list(session.messages.values()) if session else []
    summary = _fitting_summary(store, workspace_id, session_id, budget) if include_summary else None
    if summary is not None:
        budget -= summary["token_count"]
        covered = next(i for i, m in enumerate(messages) if m["id"] == summary["message_id"])
        messages = messages[covered + 1:]
    return summary, newest_that_fit(messages, budget)


def newest_that_fit(messages: Sequence[Record], budget: int) -> list[Record]:
    """Walk back from the newest message, stopping at the first that does not fit; oldest first."""
    kept: list[Record] = []
    used = 0
    for message in reversed(messages):
        if used + message["token_count"] > budget:
            break
        used += message["token_count"]
        kept.append(message)
    kept.reverse()
    return kept


def _fitting_summary(store: Store, workspace_id: str, session_id: str, budget: int) -> Record | None:
    short, long = session_summaries(store, workspace_id, session_id)
    limit = int(budget * SUMMARY_SHARE)
    short_len = short["token_count"] if short else 0
    long_len = long["token_count"] if long else 0
    if long is not None and long_len <= limit and long_len > short_len:
        return long
    if short is not None and 0 < short_len <= limit:
        return short
    return None
