"""State as a JSON-able document: dump it, load fixtures from it.

The fixture format is the dump format, so a dump can be edited and loaded back:

    {"workspaces": [{"id": "w1", "metadata": {}, "configuration": {},
                     "peers": [{"id": "alice", "metadata": {}}],
                     "sessions": [{"id": "s1", "peers": {"alice": {}},
                                   "messages": [{"peer_id": "alice", "content": "hi"}]}]}]}

Every field but the ids (and a message's `peer_id`/`content`) is optional; `created_at`
and message ids, when given, are kept, so a dump loads back to the same answers.
Workspaces, peers and sessions are made through the store's own get-or-create, so
fixtures obey the API's id rules. A session's `peers` map is exact when given (a dump
keeps peers that left out of it); when a hand-written session has no `peers`, the
authors of its messages join it, as posting those messages through the API would.
A peer's `sessions` lists every session it has been in, left ones included.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

from .clock import format_timestamp, parse_timestamp, stamp_order
from .fixture_check import DocumentProblem, check_document
from .store import Store
from .tokens import count_tokens

FORMAT = "honcho-mock-state/1"


class FixtureError(ValueError):
    """A fixture document that does not have the shape described above."""


def dump_state(store: Store) -> dict[str, Any]:
    workspaces = []
    for workspace in store.workspaces.values():
        sessions = [*workspace.sessions.values(), *workspace.deleted_sessions.values()]
        workspaces.append({
            **_plain(workspace.record),
            "peers": [{**_plain(p.record), "card": p.card, "cards_about": dict(p.cards_about), "sessions": _session_order(p.sessions.values())}
                      for p in workspace.peers.values()],
            "sessions": [
                {**_plain(s.record), "peers": {pid: dict(cfg) for pid, cfg in s.peers.items()},
                 "messages": [_plain(m) for m in s.messages.values()]}
                for s in sorted(sessions, key=_creation_key)
            ],
            "conclusions": [_plain(c) for c in workspace.conclusions.values()],
            "webhooks": [_plain(w) for w in workspace.webhooks.values()],
            "events": list(workspace.events),
            "dreams": list(workspace.dreams),
        })
    return {"format": FORMAT, "workspaces": workspaces}


def _creation_key(state: Any) -> tuple[Any, str]:
    """Listing order (creation, then id): a dump is the same however its state was built."""
    return stamp_order(state.record["created_at"]), state.record["id"]


def _session_order(sessions: Any) -> list[str]:
    return [s.record["id"] for s in sorted(sessions, key=_creation_key)]


def _plain(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "workspace_id"}


def load_fixtures(store: Store, document: Any, source: str = "fixture document") -> dict[str, int]:
    """Add the document's records to the store, all of them or none; answers what was loaded.

    The document is checked whole first (fixture_check: the API's rules, the first problem
    named by its path and `source`); then it is applied, and should applying still fail,
    the workspaces it touched and the clock are put back as they were."""
    try:
        check_document(document)
    except DocumentProblem as exc:
        raise FixtureError(f"{source}: {exc}") from None
    named = [str(w["id"]) for w in document.get("workspaces", [])]
    saved = {wid: copy.deepcopy(store.workspaces[wid]) for wid in named if wid in store.workspaces}
    clock = copy.deepcopy(store.clock)
    before = store.counts()
    try:
        for workspace in document.get("workspaces", []):
            _load_workspace(store, workspace)
    except (KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
        for wid in named:
            store.workspaces.pop(wid, None)
            if wid in saved:
                store.workspaces[wid] = saved[wid]
        store.clock = clock
        raise FixtureError(f"{source}: does not load ({exc!r}); nothing was loaded") from None
    finally:
        recount = getattr(store, "recount", None)  # records written past the store's counting methods
        if recount is not None:
            recount()
    after = store.counts()
    return {key: after[key] - before[key] for key in after}


def _stamp(record: dict[str, Any], source: Mapping[str, Any]) -> None:
    if source.get("created_at"):
        record["created_at"] = format_timestamp(parse_timestamp(str(source["created_at"])))


def _load_workspace(store: Store, data: Mapping[str, Any]) -> None:
    ws_id = str(data["id"])
    record, _ = store.get_or_create_workspace(ws_id, data.get("metadata"), data.get("configuration"))
    _stamp(record, data)
    for peer in data.get("peers", []):
        peer_record, _ = store.get_or_create_peer(ws_id, str(peer["id"]), peer.get("metadata"), peer.get("configuration"))
        _stamp(peer_record, peer)
        state = store.workspaces[ws_id].peers[str(peer["id"])]
        if peer.get("card") is not None:
            state.card = [str(line) for line in peer["card"]]
        for target, card in (peer.get("cards_about") or {}).items():
            state.cards_about[str(target)] = [str(line) for line in card]
    for session in data.get("sessions", []):
        _load_session(store, ws_id, session)
    _restore_memberships(store, ws_id, data.get("peers", []))
    workspace = store.workspaces[ws_id]
    for kind in ("conclusions", "webhooks"):
        table = getattr(workspace, kind)
        for item in data.get(kind, []):
            record = {**item, "id": str(item["id"])}
            if kind == "webhooks":
                record["workspace_id"] = ws_id
            _stamp(record, item)
            table[record["id"]] = record
    workspace.events.extend(dict(e) for e in data.get("events", []))
    workspace.dreams.extend(dict(d) for d in data.get("dreams", []))


def _load_session(store: Store, ws_id: str, session: Mapping[str, Any]) -> None:
    sid = str(session["id"])
    listed = session.get("peers")
    peers = {str(p): {} for p in listed} if isinstance(listed, list) else dict(listed or {})
    given = session.get("messages", [])
    if listed is None:
        peers = {str(m["peer_id"]): {} for m in given}
    session_record, _ = store.get_or_create_session(ws_id, sid, session.get("metadata"), session.get("configuration"), peers)
    _stamp(session_record, session)
    moment = store.clock.stamp()
    records = []
    for source in given:
        peer_id = str(source["peer_id"])
        store.get_or_create_peer(ws_id, peer_id)
        content = str(source["content"])
        record = {"id": str(source.get("id") or store.clock.nanoid()), "content": content, "peer_id": peer_id,
                  "session_id": sid, "metadata": dict(source.get("metadata") or {}), "created_at": moment,
                  "workspace_id": ws_id, "token_count": count_tokens(content)}
        _stamp(record, source)
        records.append(record)
    store.restore_messages(ws_id, sid, records)
    if session.get("is_active") is False:
        store.delete_session(ws_id, sid)


def _restore_memberships(store: Store, ws_id: str, peers: list[Mapping[str, Any]]) -> None:
    """Sessions a peer has left stay in its own list: put them back from the dump."""
    workspace = store.workspaces[ws_id]
    for peer in peers:
        state = workspace.peers[str(peer["id"])]
        for sid in peer.get("sessions") or []:
            session = workspace.sessions.get(str(sid)) or workspace.deleted_sessions.get(str(sid))
            if session is not None:
                state.sessions.setdefault(session.record["id"], session)
