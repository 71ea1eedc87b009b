"""The in-memory state of a Honcho deployment. Knows nothing of HTTP.

Records are plain dicts in the API's external shape, `created_at` included as the text
the API answers (UTC, microseconds, `Z`: it sorts as it reads), so the filter language
and the JSON encoder work on them directly, with nothing to format per answer; messages
are packed (state/message_records.py). Every collection is an ordered table scoped to its
parent (state/tables.py: peers and sessions per workspace, messages per session): a list
walks only its own scope, a page of an unfiltered list is sliced without copying the
rest, and a filtered list is answered from indexes (state/indexes.py) where its
conditions allow. The tables keep those indexes in step with whatever is put in or taken
out of them; a record's fields are changed in place only here (or by a fixture load),
and each such change tells its table (`changed`), so that no index goes stale.

All methods are synchronous and are called from the server's one event loop thread, so a
request's changes are applied whole before the next request is looked at.

Every record (workspace, peer, session, message) comes into being in one of the insertion
helpers below (`_insert_*`), and each asks the store's `Admission` first: a cap on what the
mock holds (state/record_cap.py) is then applied by construction, wherever a record is made.
A method that makes several records reserves them all before it changes anything, so that a
refused request changes nothing.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from mockserver.state.clock import Clock
from mockserver.state.filters import compiled_filter
from mockserver.state.message_records import message_record, packed
from mockserver.state.tables import MessageLog, RecordTable, Window
from mockserver.state.tokens import count_tokens
from mockserver.timestamps import format_timestamp, stamp_order

Record = dict[str, Any]
Predicate = Callable[[Mapping[str, Any]], bool]
_record_of: Callable[[Any], Record] = operator.attrgetter("record")  # C-level: called per record of a scan


def _table() -> RecordTable:
    """A table of states (workspaces, peers, sessions), indexed by their records."""
    return RecordTable(_record_of)


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars): what the store keeps is its own,
    whoever holds the input. 3x cheaper than `copy.deepcopy`, which keeps a memo for
    cycles and shared objects that JSON cannot have."""
    kind = value.__class__
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    return value


class NotFound(LookupError):
    """The addressed record does not exist; the message is the real server's wording."""


class Conflict(Exception):
    """The change is refused because of other stored state."""


@dataclass
class SessionState:
    record: Record
    peers: dict[str, Record] = field(default_factory=dict)  # peer id -> SessionPeerConfig
    messages: MessageLog = field(default_factory=MessageLog)
    left: dict[str, Record] = field(default_factory=dict)  # removed peers keep their config (readable, settable)


@dataclass
class ScopeFacts:
    """What makes a peer a scope (3.1-preview): a scope named `therapy` is a peer `scope.therapy`
    that observes its member sessions and never speaks. Held apart from the peer's record, as
    the real server holds its flag apart from the peer's configuration: nothing a client
    writes to a peer can make or unmake a scope."""

    members: dict[str, None] = field(default_factory=dict)  # session ids, longest-standing membership first
    backfill: dict[str, Record] = field(default_factory=dict)  # session id -> {state, updated_at[, docs_copied]}


SCOPE_PREFIX = "scope."  # a scope named `work` is the peer `scope.work` (3.1-preview)
SCOPE_MEMBERSHIP: Record = {"observe_me": False, "observe_others": True}  # a scope's config in each member session


@dataclass
class PeerState:
    record: Record
    sessions: dict[str, SessionState] = field(default_factory=dict)  # every session ever joined
    card: list[str] | None = None
    cards_about: dict[str, list[str]] = field(default_factory=dict)
    scope: ScopeFacts | None = None  # set when this peer is a scope


@dataclass
class WorkspaceState:
    record: Record
    peers: RecordTable = field(default_factory=_table)  # peer id -> PeerState
    sessions: RecordTable = field(default_factory=_table)  # session id -> SessionState, live sessions only
    deleted_sessions: dict[str, SessionState] = field(default_factory=dict)  # kept, inactive
    webhooks: dict[str, Record] = field(default_factory=dict)
    conclusions: dict[str, Record] = field(default_factory=dict)
    events: list[Record] = field(default_factory=list)  # webhook payloads the mock would send, oldest first
    dreams: list[Record] = field(default_factory=list)  # scheduled dreams (their work completes at once)
    scopes: dict[str, None] = field(default_factory=dict)  # the ids of its scope peers (PeerState.scope), oldest first


class Admission:
    """Asked before the store makes records and told when it drops them; this one admits
    everything. A cap (state/record_cap.py) raises from `reserve` or `admit` to refuse."""

    def reserve(self, needed: int) -> None:
        """Refuse unless `needed` more records fit; changes nothing."""

    def admit(self, count: int) -> None:
        """`count` records are about to be made: refuse, or count them."""

    def release(self, count: int) -> None:
        """`count` records are gone."""

    def reset(self, held: int = 0) -> None:
        """The store now holds `held` records (after a reset or a load behind the store's back)."""


class Store:
    """Every workspace and what it holds."""

    def __init__(self, clock: Clock | None = None, admission: Admission | None = None) -> None:
        self.clock = clock or Clock()
        self.admission = admission or Admission()
        self.workspaces: RecordTable = _table()  # workspace id -> WorkspaceState
        # told of every event a workspace emits (webhook delivery listens here when enabled)
        self.event_listeners: list[Callable[[str, Record], None]] = []
        # NOT over a NULL comparison leaves the record out, as SQL does (the version's behaviour
        # `filter_null_logic`, set by the app; state/filters.py)
        self.filter_null_logic = False

    # -- workspaces -------------------------------------------------------------------
    def get_or_create_workspace(self, workspace_id: str, metadata: dict | None = None, configuration: dict | None = None) -> tuple[Record, bool]:
        """The stored workspace, unchanged, or a new one; the flag says which."""
        state = self.workspaces.get(workspace_id)
        if state is not None:
            return state.record, False
        self.admission.admit(1)
        record = {"id": workspace_id, "metadata": copy_json(metadata or {}),
                  "configuration": copy_json(configuration or {}), "created_at": self.clock.stamp()}
        self.workspaces[workspace_id] = WorkspaceState(record)
        return record, True

    def workspace(self, workspace_id: str) -> WorkspaceState | None:
        return self.workspaces.get(workspace_id)

    def list_workspaces(self, filters: Any = None) -> Sequence[Record] | Window:
        return self.workspaces.select(compiled_filter(filters, "workspace", self.filter_null_logic))

    def update_workspace(self, workspace_id: str, metadata: dict | None, configuration: dict | None) -> Record:
        record, _ = self.get_or_create_workspace(workspace_id)
        _apply(self.workspaces, workspace_id, metadata, configuration)
        return record

    def delete_workspace(self, workspace_id: str) -> None:
        state = self.workspaces.get(workspace_id)
        if state is None:
            raise NotFound(f"Workspace {workspace_id} not found")
        if any(s.record["is_active"] for s in state.sessions.values()):
            raise Conflict(f"Cannot delete workspace '{workspace_id}': active session(s) remain. Delete all sessions first.")
        del self.workspaces[workspace_id]
        self.admission.release(workspace_records(state))

    # -- peers ------------------------------------------------------------------------
    def _workspace_for_write(self, workspace_id: str) -> WorkspaceState:
        self.get_or_create_workspace(workspace_id)
        return self.workspaces[workspace_id]

    def get_or_create_peer(self, workspace_id: str, peer_id: str, metadata: dict | None = None, configuration: dict | None = None) -> tuple[Record, bool]:
        """Get-or-create; metadata/configuration sent again replace the stored ones."""
        workspace = self.workspaces.get(workspace_id)
        state = workspace.peers.get(peer_id) if workspace is not None else None
        if state is not None:
            _apply(workspace.peers, peer_id, metadata, configuration)  # type: ignore[union-attr]
            return state.record, False
        self.admission.reserve(self.new_records(workspace_id, peers=[peer_id]))
        workspace = self._workspace_for_write(workspace_id)
        self.admission.admit(1)
        record = {"id": peer_id, "workspace_id": workspace_id, "created_at": self.clock.stamp(),
                  "metadata": copy_json(metadata or {}), "configuration": copy_json(configuration or {})}
        workspace.peers[peer_id] = PeerState(record)
        return record, True

    def peer(self, workspace_id: str, peer_id: str) -> PeerState | None:
        workspace = self.workspaces.get(workspace_id)
        return workspace.peers.get(peer_id) if workspace else None

    def list_peers(self, workspace_id: str, filters: Any = None, kind: str | None = None) -> Sequence[Record] | Window:
        """Ordinary peers (`kind` None), scope peers only (`scope`) or every peer (`all`)."""
        predicate = compiled_filter(filters, "peer", self.filter_null_logic)
        workspace = self.workspaces.get(workspace_id)
        if workspace is None:
            return []
        if kind == "all" or not workspace.scopes and kind is None:
            return workspace.peers.select(predicate)  # the peers table's indexes answer
        wanted = kind == "scope"
        kept = [p.record for p in workspace.peers.values() if (p.scope is not None) is wanted]
        return kept if predicate is None else list(filter(predicate, kept))

    def update_peer(self, workspace_id: str, peer_id: str, metadata: dict | None, configuration: dict | None) -> Record:
        record, created = self.get_or_create_peer(workspace_id, peer_id)
        _apply(self.workspaces[workspace_id].peers, peer_id, metadata, configuration)
        return record

    def peer_sessions(self, workspace_id: str, peer_id: str, filters: Any = None) -> list[Record]:
        """Every session the peer has been in, deleted ones included (inactive)."""
        predicate = compiled_filter(filters, "session", self.filter_null_logic)
        state = self.peer(workspace_id, peer_id)
        if state is None:
            return []
        ordered = sorted((s.record for s in state.sessions.values()), key=lambda r: (stamp_order(r["created_at"]), r["id"]))
        return ordered if predicate is None else list(filter(predicate, ordered))

    # -- scopes -----------------------------------------------------------------------
    def get_or_create_scope(self, workspace_id: str, peer_id: str, metadata: dict | None = None) -> tuple[Record, bool]:
        """The scope peer `peer_id` (metadata sent again replaces the stored one), or a new one
        observing nothing yet; the flag says which. The caller names a peer that is no ordinary peer."""
        state = self.peer(workspace_id, peer_id)
        if state is not None:
            _apply(self.workspaces[workspace_id].peers, peer_id, metadata, None)
            return state.record, False
        record, _ = self.get_or_create_peer(workspace_id, peer_id, metadata, {"observe_me": False})
        workspace = self.workspaces[workspace_id]
        workspace.peers[peer_id].scope = ScopeFacts()
        workspace.scopes[peer_id] = None
        return record, True

    def scope_peers(self, workspace_id: str) -> Window | list[Record]:
        """The scope peers of a workspace, oldest first."""
        workspace = self.workspaces.get(workspace_id)
        if workspace is None:
            return []
        return [workspace.peers[p].record for p in workspace.scopes]

    def join_scope(self, workspace_id: str, peer_id: str, session_ids: Iterable[str]) -> None:
        """The scope observes these (live) sessions from now on: a membership joined again, or
        renewed, counts from now, as the real server stamps `joined_at` on every upsert."""
        workspace = self.workspaces[workspace_id]
        scope_state = workspace.peers[peer_id]
        assert scope_state.scope is not None, f"{peer_id} is no scope"
        for session_id in session_ids:
            session = workspace.sessions[session_id]
            session.left.pop(peer_id, None)
            session.peers.setdefault(peer_id, dict(SCOPE_MEMBERSHIP))
            scope_state.sessions[session_id] = session
            scope_state.scope.members.pop(session_id, None)
            scope_state.scope.members[session_id] = None

    def leave_scope(self, workspace_id: str, peer_id: str, session_id: str) -> None:
        """The scope no longer observes the session (nothing happens when it did not)."""
        workspace = self.workspaces[workspace_id]
        scope_state = workspace.peers[peer_id]
        assert scope_state.scope is not None, f"{peer_id} is no scope"
        session = workspace.sessions.get(session_id)
        if session is not None and peer_id in session.peers:
            session.left[peer_id] = session.peers.pop(peer_id)
        scope_state.scope.members.pop(session_id, None)

    def scope_sessions(self, workspace_id: str, peer_id: str) -> list[Record]:
        """The live sessions a scope observes, longest-standing membership first."""
        workspace = self.workspaces.get(workspace_id)
        state = workspace.peers.get(peer_id) if workspace else None
        if workspace is None or state is None or state.scope is None:
            return []
        return [workspace.sessions[s].record for s in state.scope.members if s in workspace.sessions]

    # -- sessions ---------------------------------------------------------------------
    def session(self, workspace_id: str, session_id: str) -> SessionState | None:
        workspace = self.workspaces.get(workspace_id)
        return workspace.sessions.get(session_id) if workspace else None

    def require_session(self, workspace_id: str, session_id: str) -> SessionState:
        state = self.session(workspace_id, session_id)
        if state is None:
            raise NotFound(f"Session {session_id} not found in workspace {workspace_id}")
        return state

    def get_or_create_session(self, workspace_id: str, session_id: str, metadata: dict | None = None,
                              configuration: dict | None = None, peers: Mapping[str, Mapping[str, Any] | None] | None = None) -> tuple[Record, bool]:
        existing = self.workspaces.get(workspace_id)
        if existing is not None and session_id in existing.deleted_sessions:
            # a deleted session stays stored, inactive: it cannot be got, created or written again
            raise NotFound(f"Session {session_id} not found in workspace {workspace_id}")
        self.admission.reserve(self.new_records(workspace_id, sessions=[session_id], peers=peers or ()))
        workspace = self._workspace_for_write(workspace_id)
        state = workspace.sessions.get(session_id)
        created = state is None
        if state is None:
            self.admission.admit(1)
            record = {"id": session_id, "is_active": True, "workspace_id": workspace_id,
                      "metadata": copy_json(metadata or {}), "configuration": copy_json(configuration or {}),
                      "created_at": self.clock.stamp()}
            state = SessionState(record)
            workspace.sessions[session_id] = state
        else:
            _apply(workspace.sessions, session_id, metadata, configuration)
        if peers:
            self._join(workspace_id, state, peers)
        return state.record, created

    def list_sessions(self, workspace_id: str, filters: Any = None) -> Sequence[Record] | Window:
        predicate = compiled_filter(filters, "session", self.filter_null_logic)
        workspace = self.workspaces.get(workspace_id)
        return workspace.sessions.select(predicate) if workspace else []

    def update_session(self, workspace_id: str, session_id: str, metadata: dict | None, configuration: dict | None) -> Record:
        record, _ = self.get_or_create_session(workspace_id, session_id)
        _apply(self.workspaces[workspace_id].sessions, session_id, metadata, configuration)
        return record

    def delete_session(self, workspace_id: str, session_id: str) -> None:
        """Gone from the workspace's lists; peers that were in it keep it, inactive."""
        state = self.require_session(workspace_id, session_id)
        state.record["is_active"] = False
        workspace = self.workspaces[workspace_id]
        del workspace.sessions[session_id]
        workspace.deleted_sessions[session_id] = state

    def clone_session(self, workspace_id: str, session_id: str, message_id: str | None = None) -> Record:
        source = self.require_session(workspace_id, session_id)
        if message_id is not None and message_id not in source.messages:
            raise NotFound(f"Message with ID {message_id} not found")
        copied_messages = _messages_up_to(source.messages, message_id)
        self.admission.reserve(1 + len(copied_messages))
        clone_id = self.clock.nanoid()
        record, _ = self.get_or_create_session(workspace_id, clone_id, source.record["metadata"], source.record["configuration"])
        workspace = self.workspaces[workspace_id]
        clone = workspace.sessions[clone_id]
        self._join(workspace_id, clone, {pid: dict(cfg) for pid, cfg in source.peers.items() if pid not in workspace.scopes})
        for scope_id in (pid for pid in source.peers if pid in workspace.scopes):  # a clone joins its source's scopes
            self.join_scope(workspace_id, scope_id, [clone_id])
        copies = [packed({**copy_json(message), "id": self.clock.nanoid(), "session_id": clone_id}) for message in copied_messages]
        self.restore_messages(workspace_id, clone_id, copies, fresh=True)
        return record

    # -- session peers ----------------------------------------------------------------
    def _join(self, workspace_id: str, session: SessionState, peers: Mapping[str, Mapping[str, Any] | None]) -> None:
        for peer_id, config in peers.items():
            self.get_or_create_peer(workspace_id, peer_id)
            peer = self.workspaces[workspace_id].peers[peer_id]
            stored = session.peers.setdefault(peer_id, session.left.pop(peer_id, None) or {"observe_me": None, "observe_others": None})
            for key, value in (config or {}).items():
                if value is not None:
                    stored[key] = value
            peer.sessions[session.record["id"]] = session

    def add_session_peers(self, workspace_id: str, session_id: str, peers: Mapping[str, Mapping[str, Any] | None]) -> Record:
        record, _ = self.get_or_create_session(workspace_id, session_id, peers=peers)
        return record

    def set_session_peers(self, workspace_id: str, session_id: str, peers: Mapping[str, Mapping[str, Any] | None]) -> Record:
        self.admission.reserve(self.new_records(workspace_id, sessions=[session_id], peers=peers))
        record, _ = self.get_or_create_session(workspace_id, session_id)
        state = self.workspaces[workspace_id].sessions[session_id]
        scopes = self.workspaces[workspace_id].scopes
        for peer_id in [p for p in state.peers if p not in peers and p not in scopes]:  # scopes keep their sessions
            state.left[peer_id] = state.peers.pop(peer_id)
        self._join(workspace_id, state, peers)
        return record

    def remove_session_peers(self, workspace_id: str, session_id: str, peer_ids: Iterable[str]) -> Record:
        state = self.require_session(workspace_id, session_id)
        for peer_id in peer_ids:
            config = state.peers.pop(peer_id, None)
            if config is not None:  # as on the real server, the membership keeps its config
                state.left[peer_id] = config
        return state.record

    def session_peers(self, workspace_id: str, session_id: str) -> Window | list[Record]:
        state = self.session(workspace_id, session_id)
        workspace = self.workspaces.get(workspace_id)
        if state is None or workspace is None:
            return []
        return [workspace.peers[p].record for p in state.peers if p in workspace.peers and p not in workspace.scopes]

    def _membership(self, workspace_id: str, session_id: str, peer_id: str) -> Record:
        """A peer's config in a session, also after it left (the real server keeps the row)."""
        state = self.require_session(workspace_id, session_id)
        stored = state.peers.get(peer_id) or state.left.get(peer_id)
        if stored is None:
            raise NotFound(f"Peer {peer_id} not found in session {session_id}")
        return stored

    def peer_config(self, workspace_id: str, session_id: str, peer_id: str) -> Record:
        return dict(self._membership(workspace_id, session_id, peer_id))

    def set_peer_config(self, workspace_id: str, session_id: str, peer_id: str, config: Mapping[str, Any]) -> None:
        self._membership(workspace_id, session_id, peer_id).update(
            {k: v for k, v in config.items() if k in ("observe_me", "observe_others")})

    # -- messages ---------------------------------------------------------------------
    def create_messages(self, workspace_id: str, session_id: str, messages: Sequence[Mapping[str, Any]]) -> list[Record]:
        """One batch: shared `created_at`, unknown peers created and added to the session."""
        self.admission.reserve(self.new_records(workspace_id, sessions=[session_id],
                                                peers=[m["peer_id"] for m in messages]) + len(messages))
        self.get_or_create_session(workspace_id, session_id)
        state = self.workspaces[workspace_id].sessions[session_id]
        new_peers = {m["peer_id"]: None for m in messages if m["peer_id"] not in state.peers}
        if new_peers:
            self._join(workspace_id, state, new_peers)
        moment = self.clock.stamp()
        self.admission.admit(len(messages))
        authors = self.workspaces[workspace_id].peers
        names = {peer_id: _stored_id(authors, peer_id) for peer_id in {m["peer_id"] for m in messages}}
        nanoid = self.clock.nanoid
        created = []
        for message in messages:
            metadata, content, stamp = message.get("metadata"), message["content"], message.get("created_at")
            created.append(message_record(nanoid(), content, names[message["peer_id"]], session_id,
                                          copy_json(metadata) if metadata else None,
                                          format_timestamp(stamp) if stamp else moment, workspace_id, count_tokens(content)))
        state.messages.extend(created, fresh=True)
        return created

    def restore_messages(self, workspace_id: str, session_id: str, records: Sequence[Record], fresh: bool = False) -> None:
        """Messages made elsewhere (a clone, a fixture or state file) put in an existing session as they
        are (made with `message_records.message_record` or `packed`, they are stored compactly); one
        with a stored message's id replaces it. `fresh`: every id was made by the store's clock."""
        state = self.require_session(workspace_id, session_id)
        self.admission.admit(len(records))
        authors = self.workspaces[workspace_id].peers
        for record in records:
            if "peer_id" in record:
                record["peer_id"] = _stored_id(authors, record["peer_id"])
        state.messages.extend(records, fresh)

    def list_messages(self, workspace_id: str, session_id: str, filters: Any = None) -> Sequence[Record]:
        predicate = compiled_filter(filters, "message", self.filter_null_logic)
        state = self.session(workspace_id, session_id)
        return state.messages.select(predicate) if state else []

    def message(self, workspace_id: str, session_id: str, message_id: str) -> Record:
        state = self.session(workspace_id, session_id)
        record = state.messages.get(message_id) if state else None
        if record is None:
            raise NotFound(f"Message with ID {message_id} not found")
        return record

    def update_message(self, workspace_id: str, session_id: str, message_id: str, metadata: dict | None) -> Record:
        record = self.message(workspace_id, session_id, message_id)
        if metadata is not None:
            record["metadata"] = copy_json(metadata)
            self.workspaces[workspace_id].sessions[session_id].messages.changed(message_id)
        return record

    def workspace_messages(self, workspace_id: str) -> Iterator[Record]:
        workspace = self.workspaces.get(workspace_id)
        if workspace is None:
            return iter(())
        return (m for s in workspace.sessions.values() for m in s.messages.values())

    # -- whole state ------------------------------------------------------------------
    def reset(self) -> None:
        self.workspaces.clear()
        self.admission.reset()

    def new_records(self, workspace_id: str, *, sessions: Iterable[str] = (), peers: Iterable[str] = ()) -> int:
        """How many records naming these would make: the workspace, sessions and peers not yet stored."""
        workspace = self.workspaces.get(workspace_id)
        if workspace is None:
            return 1 + len(set(sessions)) + len(set(peers))
        stored, deleted, known_peers = workspace.sessions, workspace.deleted_sessions, workspace.peers
        return (len({s for s in sessions if s not in stored and s not in deleted})
                + len({p for p in peers if p not in known_peers}))

    def record_count(self) -> int:
        """Every record held, walking the whole state (deleted sessions and their messages included)."""
        return sum(workspace_records(w) for w in self.workspaces.values())

    def counts(self) -> dict[str, int]:
        return {
            "workspaces": len(self.workspaces),
            "peers": sum(len(w.peers) for w in self.workspaces.values()),
            "sessions": sum(len(w.sessions) for w in self.workspaces.values()),
            "messages": sum(len(s.messages) for w in self.workspaces.values() for s in w.sessions.values()),
        }


def workspace_records(workspace: WorkspaceState) -> int:
    """The workspace itself, its peers, its sessions (deleted ones too) and their messages."""
    sessions = [*workspace.sessions.values(), *workspace.deleted_sessions.values()]
    return 1 + len(workspace.peers) + len(sessions) + sum(len(s.messages) for s in sessions)


def _stored_id(peers: Mapping[str, PeerState], peer_id: str) -> str:
    """The stored peer's own id string: the one text every message of that author holds."""
    peer = peers.get(peer_id)
    return peer.record["id"] if peer is not None else peer_id


def _messages_up_to(messages: Mapping[str, Record], message_id: str | None) -> list[Record]:
    """The messages in order, up to and including `message_id` (all of them without one)."""
    if message_id is None:
        return list(messages.values())
    kept = []
    for record in messages.values():
        kept.append(record)
        if record["id"] == message_id:
            break
    return kept


def _apply(table: RecordTable, key: str, metadata: dict | None, configuration: dict | None) -> None:
    """Metadata and configuration sent again replace the stored ones; the table's indexes are told."""
    if metadata is None and configuration is None:
        return
    record = table.pick(table[key])
    if metadata is not None:
        record["metadata"] = copy_json(metadata)
        table.changed(key)
    if configuration is not None:
        record["configuration"] = copy_json(configuration)
