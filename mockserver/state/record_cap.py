"""Caps on what the mock holds, answered with a clear error instead of unbounded growth.

`--max-records N` caps the records stored across every workspace: workspaces, peers,
sessions (deleted ones too: they stay stored, inactive) and messages. A request that
would take the total past N is refused whole, before anything changes, with

    507 Insufficient Storage
    {"detail": "Record limit reached: this mock stores at most N records (workspaces,
                peers, sessions and messages); it holds H and the request needs R more.
                Delete a workspace, POST /_mock/reset, or restart with a larger --max-records."}

The count is kept as records are made (no walk over the state per request): `LimitedStore`
is the store with its creating methods guarded. Each guarded method checks what it is
about to add before it changes anything; a handler that calls several of them (say a
conclusion naming a new peer and a new session) can, right at the cap, keep what the
earlier calls made. The body-size cap (`--max-body`, 413) lives in dispatch.py.
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping, Sequence

from ..errors import ApiError
from .store import Record, Store, WorkspaceState

DEFAULT_MAX_RECORDS = 2_000_000
INSUFFICIENT_STORAGE = 507


class RecordLimitReached(ApiError):
    """The store is full: the request would take it past `--max-records`."""

    def __init__(self, limit: int, held: int, needed: int) -> None:
        super().__init__(
            INSUFFICIENT_STORAGE,
            f"Record limit reached: this mock stores at most {limit} records (workspaces, peers, sessions and "
            f"messages); it holds {held} and the request needs {needed} more. Delete a workspace, "
            f"POST /_mock/reset, or restart with a larger --max-records.",
        )
        self.limit = limit
        self.held = held
        self.needed = needed


def count_records(store: Store) -> int:
    """Every record held, walking the whole state (deleted sessions and their messages included)."""
    total = len(store.workspaces)
    for workspace in store.workspaces.values():
        total += _workspace_records(workspace) - 1
    return total


def _workspace_records(workspace: WorkspaceState) -> int:
    sessions = [*workspace.sessions.values(), *workspace.deleted_sessions.values()]
    return 1 + len(workspace.peers) + len(sessions) + sum(len(s.messages) for s in sessions)


class LimitedStore(Store):
    """A `Store` that counts its records and refuses to grow past `max_records` (None: no cap)."""

    def __init__(self, *args: Any, max_records: int | None = DEFAULT_MAX_RECORDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_records = max_records if max_records else None
        self.records = 0
        self._recounted = float("-inf")

    # -- the budget -------------------------------------------------------------------
    def recount(self) -> int:
        self.records = count_records(self)
        self._recounted = time.monotonic()
        return self.records

    def reserve(self, needed: int) -> None:
        """Refuse (507) unless `needed` more records fit; changes nothing."""
        if self.max_records is None or needed <= 0 or self.records + needed <= self.max_records:
            return
        # the running count only drifts if state is changed behind the store's back: trust a recount,
        # at most once a second (a client hammering a full mock must not cost a walk of the state each time)
        if time.monotonic() - self._recounted > 1.0:
            self.recount()
        if self.records + needed > self.max_records:
            raise RecordLimitReached(self.max_records, self.records, needed)

    def _new_workspace(self, workspace_id: str) -> int:
        return 0 if workspace_id in self.workspaces else 1

    def _new_peers(self, workspace_id: str, peer_ids: Iterable[str]) -> int:
        workspace = self.workspaces.get(workspace_id)
        known = workspace.peers if workspace is not None else {}
        return len({p for p in peer_ids if p not in known})

    # -- guarded creators -------------------------------------------------------------
    def get_or_create_workspace(self, workspace_id: str, metadata: dict | None = None,
                                configuration: dict | None = None) -> tuple[Record, bool]:
        self.reserve(self._new_workspace(workspace_id))
        record, created = super().get_or_create_workspace(workspace_id, metadata, configuration)
        self.records += created
        return record, created

    def get_or_create_peer(self, workspace_id: str, peer_id: str, metadata: dict | None = None,
                           configuration: dict | None = None) -> tuple[Record, bool]:
        self.reserve(self._new_workspace(workspace_id) + self._new_peers(workspace_id, [peer_id]))
        record, created = super().get_or_create_peer(workspace_id, peer_id, metadata, configuration)
        self.records += created
        return record, created

    def get_or_create_session(self, workspace_id: str, session_id: str, metadata: dict | None = None,
                              configuration: dict | None = None,
                              peers: Mapping[str, Mapping[str, Any] | None] | None = None) -> tuple[Record, bool]:
        self.reserve(self._new_workspace(workspace_id) + self._new_session(workspace_id, session_id)
                     + self._new_peers(workspace_id, peers or ()))
        record, created = super().get_or_create_session(workspace_id, session_id, metadata, configuration, peers)
        self.records += created
        return record, created

    def _new_session(self, workspace_id: str, session_id: str) -> int:
        workspace = self.workspaces.get(workspace_id)
        if workspace is None:
            return 1
        return 0 if session_id in workspace.sessions or session_id in workspace.deleted_sessions else 1

    def create_messages(self, workspace_id: str, session_id: str, messages: Sequence[Mapping[str, Any]]) -> list[Record]:
        self.reserve(self._new_workspace(workspace_id) + self._new_session(workspace_id, session_id)
                     + self._new_peers(workspace_id, (m["peer_id"] for m in messages)) + len(messages))
        created = super().create_messages(workspace_id, session_id, messages)
        self.records += len(created)
        return created

    def set_session_peers(self, workspace_id: str, session_id: str,
                          peers: Mapping[str, Mapping[str, Any] | None]) -> Record:
        self.reserve(self._new_workspace(workspace_id) + self._new_session(workspace_id, session_id)
                     + self._new_peers(workspace_id, peers))
        return super().set_session_peers(workspace_id, session_id, peers)

    def clone_session(self, workspace_id: str, session_id: str, message_id: str | None = None) -> Record:
        source = self.session(workspace_id, session_id)
        if source is not None:
            self.reserve(1 + _messages_up_to(source.messages, message_id))
        record = super().clone_session(workspace_id, session_id, message_id)
        clone = self.session(workspace_id, record["id"])
        self.records += len(clone.messages) if clone is not None else 0  # the session itself is counted on creation
        return record

    # -- removers ---------------------------------------------------------------------
    def delete_workspace(self, workspace_id: str) -> None:
        workspace = self.workspaces.get(workspace_id)
        held = _workspace_records(workspace) if workspace is not None else 0
        super().delete_workspace(workspace_id)
        if workspace is not None and workspace_id not in self.workspaces:
            self.records -= held

    def reset(self) -> None:
        super().reset()
        self.records = 0


def _messages_up_to(messages: Mapping[str, Record], message_id: str | None) -> int:
    if message_id is None or message_id not in messages:
        return len(messages)
    for position, key in enumerate(messages, 1):
        if key == message_id:
            return position
    return len(messages)


def fixture_records(document: Any) -> int:
    """How many records a fixture document can add at most (0 for a document of the wrong shape)."""
    try:
        total = 0
        for workspace in document.get("workspaces", []) or []:
            peers = {str(p["id"]) for p in workspace.get("peers", []) or []}
            for session in workspace.get("sessions", []) or []:
                messages = session.get("messages", []) or []
                peers.update(str(p) for p in session.get("peers") or {})
                peers.update(str(m["peer_id"]) for m in messages)
                total += 1 + len(messages)
            total += 1 + len(peers)
        return total
    except (AttributeError, TypeError, KeyError):
        return 0


def check_fixtures(store: Store, document: Any) -> None:
    """Refuse (507) a fixture document that may not fit, before any of it is loaded."""
    if isinstance(store, LimitedStore):
        store.reserve(fixture_records(document))


