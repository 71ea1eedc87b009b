"""The background work queue, as a queue whose work completes at once.

The real server enqueues, for every message (by its position `seq` in the session):
- a summary task when `seq` is a multiple of the short or the long summary interval;
- unless reasoning is disabled, and when the sender is observed (session-peer
  `observe_me`, else the peer's, else yes): a representation task for the sender's own
  representation (observer = observed = sender), and one for every other peer of the
  session whose session config has `observe_others: true` (observer = that peer);
plus a dream task per `schedule_dream`. The mock derives the message tasks from the
stored messages and the current configuration when asked (so the status always
agrees with the store) and keeps dreams in the workspace's state. Every unit is
completed, none pending or in progress; sessions are keyed by their id (the real
server keys them by an internal id the API never shows). `observer_id`/`sender_id`
keep units with that observer OR that sender (summaries have neither); with
`session_id` only that session's units count and `sessions` is null. No filter
combination is refused (the real server's route would answer 400 to one, but its
query refuses none).
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.honcho.configuration import (
    observes_sender,
    reasoning_enabled,
    summary_settings,
)
from mockserver.honcho.webhook_events import QUEUE_EMPTY_EVENT, emit
from mockserver.state.store import SessionState, Store, WorkspaceState

Record = dict[str, Any]


def queue_status(store: Store, workspace_id: str, session_id: str | None = None, observer_id: str | None = None,
                 sender_id: str | None = None) -> Record:
    units = [u for u in work_units(store, workspace_id)
             if (session_id is None or u["session_id"] == session_id) and _by_peer(u, observer_id, sender_id)]
    status: Record = _counts(units)
    if session_id is not None:
        status["sessions"] = None
        return status
    per_session: dict[str, list[Record]] = {}
    for unit in units:
        if unit["session_id"] is not None:
            per_session.setdefault(unit["session_id"], []).append(unit)
    status["sessions"] = {sid: {"session_id": sid, **_counts(group)} for sid, group in per_session.items()} or None
    return status


def schedule_dream(store: Store, workspace_id: str, observer: str, observed: str | None, dream_type: str,
                   session_id: str | None) -> None:
    """Run a dream at once: count it as completed work and record the queue.empty event.

    The observer need not exist (the real server does not check); a dream for a
    workspace that does not exist is accepted and forgotten (the real server fails
    with a 500 there).
    """
    workspace = store.workspace(workspace_id)
    if workspace is None:
        return
    target = observed if observed is not None else observer
    workspace.dreams.append({"task_type": "dream", "dream_type": dream_type, "session_id": session_id,
                                        "observer": observer, "observed": target})
    emit(store, workspace_id, QUEUE_EMPTY_EVENT, {"workspace_id": workspace_id, "queue_type": "dream",
                                                 "session_id": session_id, "sender_name": target,
                                                 "observer_name": observer})


def work_units(store: Store, workspace_id: str) -> list[Record]:
    """Every unit of work the workspace has caused, messages' first, then dreams."""
    workspace = store.workspace(workspace_id)
    if workspace is None:
        return []
    units = [unit for session in workspace.sessions.values() for unit in _message_units(workspace, session)]
    return units + list(workspace.dreams)


def _message_units(workspace: WorkspaceState, session: SessionState) -> Iterator[Record]:
    sid = session.record["id"]
    summaries = summary_settings(session.record, workspace.record)
    for seq, message in enumerate(session.messages.values(), 1):
        if summaries.enabled and (seq % summaries.messages_per_short == 0 or seq % summaries.messages_per_long == 0):
            yield {"task_type": "summary", "session_id": sid, "observer": None, "observed": None}
        sender = message["peer_id"]
        for observer in observers_of(workspace, session, sender):
            yield {"task_type": "representation", "session_id": sid, "observer": observer, "observed": sender}


def observers_of(workspace: WorkspaceState, session: SessionState, sender: str) -> list[str]:
    """The peers whose representation of `sender` a message of theirs in `session` feeds: none when reasoning
    is off or the sender is not observed; else the sender itself, then every other session peer that has
    `observe_others` (the real server enqueues one representation task for each)."""
    peer = workspace.peers.get(sender)
    if not reasoning_enabled(session.record, workspace.record) or not observes_sender(
            session.peers.get(sender), peer.record if peer else None):
        return []
    return [sender, *(other for other, config in session.peers.items()
                      if other != sender and config.get("observe_others"))]


def observed_messages(store: Store, workspace_id: str, observer: str, observed: str,
                      session_id: str | None = None) -> list[Record]:
    """The messages of `observed` whose representation tasks were `observer`'s (in one session if given),
    oldest first: what the real server's deriver would have drawn observations from."""
    workspace = store.workspace(workspace_id)
    if workspace is None:
        return []
    found = []
    for session in workspace.sessions.values():
        if (session_id is None or session.record["id"] == session_id) and observer in observers_of(
                workspace, session, observed):
            found += [m for m in session.messages.values() if m["peer_id"] == observed]
    return found


def _by_peer(unit: Record, observer_id: str | None, sender_id: str | None) -> bool:
    if observer_id is None and sender_id is None:
        return True
    return (observer_id is not None and unit["observer"] == observer_id) or (
        sender_id is not None and unit["observed"] == sender_id)


def _counts(units: list[Record]) -> Record:
    return {"total_work_units": len(units), "completed_work_units": len(units),
            "in_progress_work_units": 0, "pending_work_units": 0}
