"""Fixture documents, whole: read from a file, checked, fitted to the record cap, loaded, dumped.

A fixture document is the format `GET /_mock/state` answers and state files hold, so a
dump loads back (`--fixtures`, `POST /_mock/fixtures`, the pytest plugin and `--state-file`
all come here):

    {"api_version": "3.0.12",  # optional: the Honcho version the document is for
     "workspaces": [{"id": "w1", "metadata": {}, "configuration": {},
                     "peers": [{"id": "alice", "metadata": {}}],
                     "sessions": [{"id": "s1", "peers": {"alice": {}},
                                   "messages": [{"peer_id": "alice", "content": "hi"}]}]}]}

Checked whole first, by the API's own rules: a record the API could never have made (an id
outside the id rule, metadata that is not an object, a webhook without a URL, a dream
without its session, a time no store can hold) would load and then make ordinary requests
fail, so the first problem is named by its path (`workspaces[0].sessions[0].messages[1].peer_id`)
and nothing loads. Then fitted to `--max-records` (507 before anything loads). Then loaded:
every field but the ids (and a message's `peer_id`/`content`) is optional; `created_at` and
message ids, when given, are kept, so a dump loads back to the same answers. Workspaces,
peers and sessions are made through the store's own get-or-create. A session's `peers` map
is exact when given (a dump keeps peers that left out of it); when a hand-written session
has no `peers`, the authors of its messages join it, as posting those messages through the
API would. A peer's `sessions` lists every session it has been in, left ones included. A workspace's
`scopes` (3.1-preview) are `{"id": "work", "metadata": {}, "sessions": ["s1"], "backfill_status": {}}`
by their unprefixed names, their members in order of joining; their peers (`scope.work`) are
in neither `peers` nor a session's `peers`.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Mapping

import yaml

from mockserver.json_text import MAX_JSON_DEPTH, TooDeep, check_json_depth
from mockserver.state.message_records import message_record
from mockserver.state.rollback import rollback_copy
from mockserver.state.store import SCOPE_MEMBERSHIP, SCOPE_PREFIX, Conflict, NotFound, Store
from mockserver.state.tokens import count_tokens
from mockserver.timestamps import (
    format_timestamp,
    parse_client_timestamp,
    parse_timestamp,
    stamp_order,
)

FORMAT = "honcho-mock-state/1"


# --------------------------------------------------------------------------- reading
def read_fixtures(path: Path) -> Any:
    """A fixture document from a .json, .yaml or .yml file (YAML errors name the file and line)."""
    with path.open("r", encoding="utf-8") as fh:
        if path.suffix.lower() == ".json":
            return json.load(fh)
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# --------------------------------------------------------------------------- checking
ID_RULE = re.compile(r"[a-zA-Z0-9_-]{1,512}")
SCOPE_NAME = re.compile(r"[a-zA-Z0-9_-]{1,506}")  # a scope's name: its peer `scope.<name>` is a peer id of at most 512
URL_RULE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]")  # WebhookEndpointCreate.url in openapi.yaml
MAX_CONTENT = 25000  # MessageCreate.content maxLength


class DocumentProblem(ValueError):
    """The first problem of a document: where it is and what is wrong."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


def check_document(document: Any, api_version: str | None = None) -> None:
    """Raise DocumentProblem for the first record the API could not have made, or for a
    document made for another Honcho version than `api_version` (its `api_version` key)."""
    if not isinstance(document, Mapping):
        raise DocumentProblem("", "a fixture document is an object with a 'workspaces' list")
    made_for = document.get("api_version")
    if made_for is not None and not isinstance(made_for, str):
        raise DocumentProblem("api_version", "a Honcho version name, e.g. '3.0.12'")
    if made_for is not None and api_version is not None and made_for != api_version:
        raise DocumentProblem("api_version", f"the document is for Honcho {made_for}; this mock serves Honcho "
                                             f"{api_version} (honcho-mock --api-version {made_for})")
    try:
        check_json_depth(document, MAX_JSON_DEPTH + 8)  # a record's metadata may nest as deep as a body's
    except TooDeep:
        raise DocumentProblem("", f"nested deeper than a request body may be ({MAX_JSON_DEPTH} levels)") from None
    workspaces = document.get("workspaces", [])
    _list(workspaces, "workspaces")
    seen: set[str] = set()
    for index, workspace in enumerate(workspaces):
        where = f"workspaces[{index}]"
        _workspace(workspace, where)
        if workspace["id"] in seen:
            raise DocumentProblem(f"{where}.id", f"workspace {workspace['id']!r} is given twice")
        seen.add(workspace["id"])


def _workspace(data: Any, where: str) -> None:
    _object(data, where)
    _id(data, "id", where)
    _json_objects(data, where, "metadata", "configuration")
    _stamp(data, where)
    for index, peer in enumerate(_list(data.get("peers", []), f"{where}.peers")):
        _peer(peer, f"{where}.peers[{index}]")
    sessions = _list(data.get("sessions", []), f"{where}.sessions")
    for index, session in enumerate(sessions):
        _session(session, f"{where}.sessions[{index}]")
    for index, item in enumerate(_list(data.get("conclusions", []), f"{where}.conclusions")):
        at = f"{where}.conclusions[{index}]"
        _object(item, at)
        _text(item, "id", at)
        _text(item, "content", at)
        observer = item.get("observer_id")
        if isinstance(observer, str) and observer.startswith(SCOPE_PREFIX):  # a scope's own conclusion
            _scope_name(observer[len(SCOPE_PREFIX):], f"{at}.observer_id")
        else:
            _id(item, "observer_id", at)
        _id(item, "observed_id", at)
        if item.get("session_id") is not None:
            _id(item, "session_id", at)
        _stamp(item, at)
    for index, scope in enumerate(_list(data.get("scopes", []), f"{where}.scopes")):
        at = f"{where}.scopes[{index}]"
        _object(scope, at)
        if "id" not in scope:
            raise DocumentProblem(f"{at}.id", "missing")
        _scope_name(scope["id"], f"{at}.id")
        _json_objects(scope, at, "metadata", "backfill_status")
        _stamp(scope, at)
        for number, sid in enumerate(_list(scope.get("sessions") or [], f"{at}.sessions")):
            _id_value(sid, f"{at}.sessions[{number}]")
    for index, item in enumerate(_list(data.get("webhooks", []), f"{where}.webhooks")):
        at = f"{where}.webhooks[{index}]"
        _object(item, at)
        _text(item, "id", at)
        _text(item, "url", at)
        if not URL_RULE.match(item["url"]):
            raise DocumentProblem(f"{at}.url", "Invalid URL format (a scheme and a host, as the API requires)")
        _stamp(item, at)
    for index, item in enumerate(_list(data.get("events", []), f"{where}.events")):
        _object(item, f"{where}.events[{index}]")
        _text(item, "type", f"{where}.events[{index}]")
    for index, item in enumerate(_list(data.get("dreams", []), f"{where}.dreams")):
        at = f"{where}.dreams[{index}]"
        _object(item, at)
        for key in ("session_id", "observer", "observed"):
            if key not in item:
                raise DocumentProblem(f"{at}.{key}", "missing (a dream names its session, observer and observed; null for none)")
            if item[key] is not None and not isinstance(item[key], str):
                raise DocumentProblem(f"{at}.{key}", "must be a string or null")


def _peer(data: Any, where: str) -> None:
    _object(data, where)
    _id(data, "id", where)
    _json_objects(data, where, "metadata", "configuration")
    _stamp(data, where)
    if data.get("card") is not None:
        _strings(data["card"], f"{where}.card")
    cards = data.get("cards_about") or {}
    _object(cards, f"{where}.cards_about")
    for target, card in cards.items():
        _id_value(target, f"{where}.cards_about.{target}")
        _strings(card, f"{where}.cards_about.{target}")
    for index, sid in enumerate(_list(data.get("sessions") or [], f"{where}.sessions")):
        _id_value(sid, f"{where}.sessions[{index}]")


def _session(data: Any, where: str) -> None:
    _object(data, where)
    _id(data, "id", where)
    _json_objects(data, where, "metadata", "configuration")
    _stamp(data, where)
    if "is_active" in data and not isinstance(data["is_active"], bool):
        raise DocumentProblem(f"{where}.is_active", "must be a boolean")
    peers = data.get("peers")
    if isinstance(peers, list):
        for index, pid in enumerate(peers):
            _id_value(pid, f"{where}.peers[{index}]")
    elif peers is not None:
        _object(peers, f"{where}.peers")
        for pid, config in peers.items():
            _id_value(pid, f"{where}.peers.{pid}")
            if config is None:
                continue
            _object(config, f"{where}.peers.{pid}")
            for key in ("observe_me", "observe_others"):
                if config.get(key) is not None and not isinstance(config[key], bool):
                    raise DocumentProblem(f"{where}.peers.{pid}.{key}", "must be a boolean or null")
    for index, message in enumerate(_list(data.get("messages", []), f"{where}.messages")):
        at = f"{where}.messages[{index}]"
        _object(message, at)
        _id(message, "peer_id", at)
        _text(message, "content", at)
        if len(message["content"]) > MAX_CONTENT:
            raise DocumentProblem(f"{at}.content", f"longer than the API's {MAX_CONTENT} characters")
        if message.get("id") is not None:
            _text(message, "id", at)
        _json_objects(message, at, "metadata")
        _stamp(message, at)


# -- the small rules ----------------------------------------------------------------------
def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DocumentProblem(where, "must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise DocumentProblem(where, "must be a list")
    return value


def _json_objects(data: Mapping[str, Any], where: str, *keys: str) -> None:
    for key in keys:
        if data.get(key) is not None and not isinstance(data[key], Mapping):
            raise DocumentProblem(f"{where}.{key}", "must be an object (or null)")


def _text(data: Mapping[str, Any], key: str, where: str) -> None:
    if key not in data:
        raise DocumentProblem(f"{where}.{key}", "missing")
    if not isinstance(data[key], str):
        raise DocumentProblem(f"{where}.{key}", "must be a string")


def _id(data: Mapping[str, Any], key: str, where: str) -> None:
    if key not in data:
        raise DocumentProblem(f"{where}.{key}", "missing")
    _id_value(data[key], f"{where}.{key}")


def _id_value(value: Any, where: str) -> None:
    if not isinstance(value, str) or not ID_RULE.fullmatch(value):
        raise DocumentProblem(where, f"{value!r} is not an id the API accepts (^[a-zA-Z0-9_-]+$, 1..512 characters)")


def _scope_name(value: Any, where: str) -> None:
    if not isinstance(value, str) or not SCOPE_NAME.fullmatch(value):
        raise DocumentProblem(where, f"{value!r} is not a scope name the API accepts (^[a-zA-Z0-9_-]+$, 1..506 characters)")


def _strings(value: Any, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise DocumentProblem(where, "must be a list of strings")


def _stamp(data: Mapping[str, Any], where: str) -> None:
    moment = data.get("created_at")
    if moment is None:
        return
    try:
        if not isinstance(moment, str):
            raise ValueError(moment)
        parse_client_timestamp(moment)
    except ValueError:
        raise DocumentProblem(f"{where}.created_at", f"{moment!r} is not an ISO 8601 date-time within years 1..9999 (UTC)") from None


# --------------------------------------------------------------------------- fitting the record cap
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
            total += 1 + len(peers) + len(workspace.get("scopes", []) or [])
        return total
    except (AttributeError, TypeError, KeyError):
        return 0


def check_fixtures(store: Store, document: Any) -> None:
    """Refuse (507) a fixture document that may not fit, before any of it is loaded."""
    store.admission.reserve(fixture_records(document))


# --------------------------------------------------------------------------- loading and dumping


class FixtureError(ValueError):
    """A fixture document that does not have the shape described above."""


def dump_state(store: Store) -> dict[str, Any]:
    workspaces = []
    for workspace in store.workspaces.values():
        sessions = [*workspace.sessions.values(), *workspace.deleted_sessions.values()]
        scopes = workspace.scopes
        dumped = {
            **_plain(workspace.record),
            "peers": [{**_plain(p.record), "card": p.card, "cards_about": dict(p.cards_about), "sessions": _session_order(p.sessions.values())}
                      for p in workspace.peers.values() if p.scope is None],
            "sessions": [
                {**_plain(s.record), "peers": {pid: dict(cfg) for pid, cfg in s.peers.items() if pid not in scopes},
                 "messages": [_plain(m) for m in s.messages.values()]}
                for s in sorted(sessions, key=_creation_key)
            ],
            "conclusions": [_plain(c) for c in workspace.conclusions.values()],
            "webhooks": [_plain(w) for w in workspace.webhooks.values()],
            "events": list(workspace.events),
            "dreams": list(workspace.dreams),
        }
        if scopes:
            dumped["scopes"] = [_dump_scope(workspace.peers[pid]) for pid in scopes]
        workspaces.append(dumped)
    return {"format": FORMAT, "workspaces": workspaces}


def _dump_scope(state: Any) -> dict[str, Any]:
    record = state.record
    return {"id": record["id"][len(SCOPE_PREFIX):], "metadata": record["metadata"], "created_at": record["created_at"],
            "sessions": list(state.scope.members), "backfill_status": {k: dict(v) for k, v in state.scope.backfill.items()},
            "card": state.card, "cards_about": dict(state.cards_about)}


def _creation_key(state: Any) -> tuple[Any, str]:
    """Listing order (creation, then id): a dump is the same however its state was built."""
    return stamp_order(state.record["created_at"]), state.record["id"]


def _session_order(sessions: Any) -> list[str]:
    return [s.record["id"] for s in sorted(sessions, key=_creation_key)]


def _plain(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "workspace_id"}


def load_fixtures(store: Store, document: Any, source: str = "fixture document",
                  api_version: str | None = None) -> dict[str, int]:
    """Add the document's records to the store, all of them or none; answers what was loaded.

    The document is checked whole first (above: the API's rules, the first problem
    named by its path and `source`); then it is applied, and should applying still fail,
    the workspaces it touched and the clock are put back as they were."""
    try:
        check_document(document, api_version)
    except DocumentProblem as exc:
        raise FixtureError(f"{source}: {exc}") from None
    named = [str(w["id"]) for w in document.get("workspaces", [])]
    saved = {str(w["id"]): rollback_copy(store.workspaces[str(w["id"])], w)  # the check refused a workspace given twice
             for w in document.get("workspaces", []) if str(w["id"]) in store.workspaces}
    clock = copy.deepcopy(store.clock)
    before = store.counts()
    try:
        for workspace in document.get("workspaces", []):
            _load_workspace(store, workspace)
    except (KeyError, TypeError, AttributeError, ValueError, RecursionError, NotFound, Conflict) as exc:
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


def _keep_stamp(record: dict[str, Any], source: Mapping[str, Any]) -> None:
    """A record keeps the `created_at` its source gives, in the API's UTC form."""
    if source.get("created_at"):
        record["created_at"] = format_timestamp(parse_timestamp(str(source["created_at"])))


def _load_workspace(store: Store, data: Mapping[str, Any]) -> None:
    ws_id = str(data["id"])
    record, _ = store.get_or_create_workspace(ws_id, data.get("metadata"), data.get("configuration"))
    _keep_stamp(record, data)
    store.workspaces.changed(ws_id)
    for peer in data.get("peers", []):
        peer_record, _ = store.get_or_create_peer(ws_id, str(peer["id"]), peer.get("metadata"), peer.get("configuration"))
        _keep_stamp(peer_record, peer)
        store.workspaces[ws_id].peers.changed(str(peer["id"]))
        state = store.workspaces[ws_id].peers[str(peer["id"])]
        if peer.get("card") is not None:
            state.card = [str(line) for line in peer["card"]]
        for target, card in (peer.get("cards_about") or {}).items():
            state.cards_about[str(target)] = [str(line) for line in card]
    for session in data.get("sessions", []):
        _load_session(store, ws_id, session)
    for scope in data.get("scopes", []):
        _load_scope(store, ws_id, scope)
    _restore_memberships(store, ws_id, data.get("peers", []))
    workspace = store.workspaces[ws_id]
    for kind in ("conclusions", "webhooks"):
        table = getattr(workspace, kind)
        for item in data.get(kind, []):
            record = {**item, "id": str(item["id"])}
            if kind == "webhooks":
                record["workspace_id"] = ws_id
            _keep_stamp(record, item)
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
    _keep_stamp(session_record, session)
    store.workspaces[ws_id].sessions.changed(sid)
    moment = store.clock.stamp()
    records = []
    for source in given:
        peer_id = str(source["peer_id"])
        store.get_or_create_peer(ws_id, peer_id)
        content = str(source["content"])
        record = message_record(str(source.get("id") or store.clock.nanoid()), content, peer_id, sid,
                                dict(source.get("metadata") or {}), moment, ws_id, count_tokens(content))
        _keep_stamp(record, source)
        records.append(record)
    store.restore_messages(ws_id, sid, records, fresh=not any(source.get("id") for source in given))
    if session.get("is_active") is False:
        store.delete_session(ws_id, sid)


def _load_scope(store: Store, ws_id: str, scope: Mapping[str, Any]) -> None:
    """A scope, its live member sessions (in order of joining) and its backfill status."""
    peer_id = SCOPE_PREFIX + str(scope["id"])
    record, _ = store.get_or_create_scope(ws_id, peer_id, scope.get("metadata"))
    _keep_stamp(record, scope)
    workspace = store.workspaces[ws_id]
    workspace.peers.changed(peer_id)  # its stamp, changed in place: the peers' indexes are told
    state = workspace.peers[peer_id]
    members = [str(s) for s in scope.get("sessions") or []]
    store.join_scope(ws_id, peer_id, [s for s in members if s in workspace.sessions])
    for sid in members:  # a member session deleted since stays one, as on the real server
        if sid in workspace.deleted_sessions and state.scope is not None:
            workspace.deleted_sessions[sid].peers[peer_id] = dict(SCOPE_MEMBERSHIP)
            state.sessions[sid] = workspace.deleted_sessions[sid]
            state.scope.members[sid] = None
    if state.scope is not None:
        state.scope.backfill.update({str(k): dict(v) for k, v in (scope.get("backfill_status") or {}).items()})
    if scope.get("card") is not None:
        state.card = [str(line) for line in scope["card"]]
    for target, card in (scope.get("cards_about") or {}).items():
        state.cards_about[str(target)] = [str(line) for line in card]


def _restore_memberships(store: Store, ws_id: str, peers: list[Mapping[str, Any]]) -> None:
    """Sessions a peer has left stay in its own list: put them back from the dump."""
    workspace = store.workspaces[ws_id]
    for peer in peers:
        state = workspace.peers[str(peer["id"])]
        for sid in peer.get("sessions") or []:
            session = workspace.sessions.get(str(sid)) or workspace.deleted_sessions.get(str(sid))
            if session is not None:
                state.sessions.setdefault(session.record["id"], session)
