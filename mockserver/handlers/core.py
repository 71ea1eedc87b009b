"""Workspaces, peers, sessions and messages: the core of the Honcho API."""

from __future__ import annotations

import re
from typing import Any, Iterable

from mockserver.errors import ApiError, RequestValidationError, pydantic_text
from mockserver.handler_interface import API_VERSION_HEADER, OperationResult, ParsedRequest
from mockserver.handlers.registry import filters_of, operation, paginate
from mockserver.honcho import observers, scopes
from mockserver.json_text import has_lone_surrogate
from mockserver.state.store import Store
from mockserver.timestamps import echo_timestamp, parse_client_timestamp

ID_PATTERN = re.compile(r"^[a-zA-Z0-9_-]+$")  # as the contract writes it, for the error message
_WELL_FORMED_ID = re.compile(r"[a-zA-Z0-9_-]{1,512}").fullmatch  # the rule: ID_PATTERN and the length cap, one C call


def well_formed_id(value: str) -> bool:
    """The id rule of the *Create schemas: what a stored workspace, peer or session id must be."""
    return _WELL_FORMED_ID(value) is not None


def created_or_found(record: dict[str, Any], created: bool) -> OperationResult:
    """Get-or-create answers 201 when it created, 200 when the record existed."""
    return OperationResult(201 if created else 200, record)


def reject_bad_ids(candidates: Iterable[tuple[list[Any], str]]) -> None:
    """Ids that become stored ids outside a *Create body (path, map keys, references) are
    held to the same rules: each `(loc, id)` that breaks them gets the 422 body validation
    gives. (The real server crashes with a 500 on such ids.)"""
    errors = [{"type": "string_pattern_mismatch", "loc": loc, "msg": f"String should match pattern '{ID_PATTERN.pattern}'",
               "input": value, "ctx": {"pattern": ID_PATTERN.pattern}}
              for loc, value in candidates if not _WELL_FORMED_ID(value)]
    if errors:
        raise RequestValidationError(errors)


def require_model_ids(ids: Iterable[str], model: str = "PeerCreate") -> None:
    """Ids a handler turns into a model of its own (the peers map of a session create
    becomes `PeerCreate(name=...)` upstream): the first one refused is a 422 whose string
    `detail` is pydantic's text, as the real server answers, and nothing is created."""
    for value in ids:
        if _WELL_FORMED_ID(value):
            continue
        if has_lone_surrogate(value):
            kind, msg = "string_unicode", "Input should be a valid string, unable to parse raw data as a unicode string"
        elif not value:
            kind, msg = "string_too_short", "String should have at least 1 character"
        elif len(value) > 512:
            kind, msg = "string_too_long", "String should have at most 512 characters"
        else:
            kind, msg = "string_pattern_mismatch", f"String should match pattern '{ID_PATTERN.pattern}'"
        raise ApiError(422, pydantic_text(model, "name", kind, msg, value))


def require_ids(req: ParsedRequest, *names: str) -> None:
    """Path ids that the operation may create."""
    if not all(map(_WELL_FORMED_ID, map(req.path.get, names, ("",) * len(names)))):
        reject_bad_ids((["path", name], req.path.get(name, "")) for name in names)


def well_formed(req: ParsedRequest, *names: str) -> bool:
    """Whether these path ids could name a record at all: one the id rule refuses can never
    have been stored, so an operation whose contract leaves the id free answers "not found"
    for it (as the real server does) rather than create a record under it."""
    return all(map(_WELL_FORMED_ID, map(req.path.get, names, ("",) * len(names))))


def listed_refusals(req: ParsedRequest) -> bool:
    """Whether the version names every refused peer id in one 422 (behaviour peer_name_refusals)."""
    return req.behaviour.peer_name_refusals == "listed"


def check_joining_peers(store: Store, req: ParsedRequest, peer_ids: Iterable[str], action: str) -> None:
    """Peers a request names to join a session (authors, session peers): no scope may (where the
    version has scopes), and, where the version lists refusals, every id it would create must be one."""
    workspace_id = req.path["workspace_id"]
    if req.behaviour.scopes:
        scopes.refuse_scopes(store, workspace_id, peer_ids, action)
    if listed_refusals(req):
        scopes.refuse_new_peer_names(store, workspace_id, peer_ids)


# -- workspaces -------------------------------------------------------------------------
@operation("get_or_create_workspace_v3_workspaces_post", names_in_body="workspace")
def get_or_create_workspace(store: Store, req: ParsedRequest) -> OperationResult:
    body = req.body
    return created_or_found(*store.get_or_create_workspace(body["id"], body.get("metadata"), body.get("configuration")))


@operation("get_all_workspaces_v3_workspaces_list_post", admin_only=True)
def list_workspaces(store: Store, req: ParsedRequest) -> OperationResult:
    return OperationResult(200, paginate(store.list_workspaces(filters_of(req.body)), req.query))


@operation("update_workspace_v3_workspaces__workspace_id__put")
def update_workspace(store: Store, req: ParsedRequest) -> OperationResult:
    require_ids(req, "workspace_id")
    body = req.body or {}
    return OperationResult(200, store.update_workspace(req.path["workspace_id"], body.get("metadata"), body.get("configuration")))


@operation("delete_workspace_v3_workspaces__workspace_id__delete")
def delete_workspace(store: Store, req: ParsedRequest) -> OperationResult:
    store.delete_workspace(req.path["workspace_id"])
    return OperationResult(202, {"message": "Workspace deletion accepted"})


# -- peers ------------------------------------------------------------------------------
@operation("get_or_create_peer_v3_workspaces__workspace_id__peers_post", names_in_body="peer")
def get_or_create_peer(store: Store, req: ParsedRequest) -> OperationResult:
    require_ids(req, "workspace_id")
    body = req.body
    return created_or_found(*store.get_or_create_peer(req.path["workspace_id"], body["id"], body.get("metadata"), body.get("configuration")))


@operation("get_peers_v3_workspaces__workspace_id__peers_list_post")
def list_peers(store: Store, req: ParsedRequest) -> OperationResult:
    kind = (req.body or {}).get("kind") if req.behaviour.scopes else None
    return OperationResult(200, paginate(store.list_peers(req.path["workspace_id"], filters_of(req.body), kind), req.query))


@operation("update_peer_v3_workspaces__workspace_id__peers__peer_id__put")
def update_peer(store: Store, req: ParsedRequest) -> OperationResult:
    """A scope is no peer to update (422, 3.1-preview); a missing peer is created."""
    workspace_id, peer_id = req.path["workspace_id"], req.path["peer_id"]
    if req.behaviour.scopes and scopes.is_scope(store, workspace_id, peer_id):
        raise ApiError(422, f"Peer '{peer_id}' is a scope. Use the scopes routes to manage scopes.")
    if listed_refusals(req):
        require_ids(req, "workspace_id")
        scopes.refuse_new_peer_names(store, workspace_id, [peer_id])
    else:
        require_ids(req, "workspace_id", "peer_id")
    body = req.body or {}
    return OperationResult(200, store.update_peer(req.path["workspace_id"], req.path["peer_id"], body.get("metadata"), body.get("configuration")))


@operation("get_sessions_for_peer_v3_workspaces__workspace_id__peers__peer_id__sessions_post")
def peer_sessions(store: Store, req: ParsedRequest) -> OperationResult:
    records = store.peer_sessions(req.path["workspace_id"], req.path["peer_id"], filters_of(req.body))
    return OperationResult(200, paginate(records, req.query))


# -- sessions ---------------------------------------------------------------------------
@operation("get_or_create_session_v3_workspaces__workspace_id__sessions_post", names_in_body="session")
def get_or_create_session(store: Store, req: ParsedRequest) -> OperationResult:
    require_ids(req, "workspace_id")
    workspace_id, body = req.path["workspace_id"], req.body
    peers = body.get("peers") or {}
    if req.behaviour.scopes or listed_refusals(req):
        check_joining_peers(store, req, peers, scopes.MEMBERSHIP_GUIDANCE)
    else:
        require_model_ids(peers)
    observers.check_peers_joining(store, workspace_id, body["id"], body.get("peers"))
    record, created = store.get_or_create_session(workspace_id, body["id"], body.get("metadata"),
                                                  body.get("configuration"), body.get("peers"))
    if req.behaviour.scopes and body.get("scopes"):  # each scope is created when missing, then joined
        for name in dict.fromkeys(body["scopes"]):
            scope_record, _ = store.get_or_create_scope(workspace_id, scopes.scope_peer_id(name))
            scopes.join(store, workspace_id, scope_record["id"], [body["id"]])
    return created_or_found(record, created)


@operation("get_sessions_v3_workspaces__workspace_id__sessions_list_post")
def list_sessions(store: Store, req: ParsedRequest) -> OperationResult:
    return OperationResult(200, paginate(store.list_sessions(req.path["workspace_id"], filters_of(req.body)), req.query))


@operation("update_session_v3_workspaces__workspace_id__sessions__session_id__put")
def update_session(store: Store, req: ParsedRequest) -> OperationResult:
    if not well_formed(req, "workspace_id", "session_id"):
        store.require_session(req.path["workspace_id"], req.path["session_id"])  # 404: it cannot exist
    body = req.body or {}
    return OperationResult(200, store.update_session(req.path["workspace_id"], req.path["session_id"], body.get("metadata"), body.get("configuration")))


@operation("delete_session_v3_workspaces__workspace_id__sessions__session_id__delete")
def delete_session(store: Store, req: ParsedRequest) -> OperationResult:
    store.delete_session(req.path["workspace_id"], req.path["session_id"])
    return OperationResult(202, {"message": "Session deleted successfully"})


@operation("clone_session_v3_workspaces__workspace_id__sessions__session_id__clone_post")
def clone_session(store: Store, req: ParsedRequest) -> OperationResult:
    return OperationResult(201, store.clone_session(req.path["workspace_id"], req.path["session_id"], req.query.get("message_id")))


@operation("add_peers_to_session_v3_workspaces__workspace_id__sessions__session_id__peers_post")
def add_session_peers(store: Store, req: ParsedRequest) -> OperationResult:
    """Peers added through a get-or-create of the session: an id the id rule refuses, in the path
    or among the keys, is 404 `Session not found` (recorded on 3.0.7 and 3.0.12), nothing changed."""
    if not well_formed(req, "workspace_id", "session_id"):
        raise ApiError(404, "Session not found")
    if req.behaviour.scopes or listed_refusals(req):
        check_joining_peers(store, req, req.body, scopes.MEMBERSHIP_GUIDANCE)
    else:
        refuse_peer_keys(req.body, "Session not found")
    observers.check_peers_joining(store, req.path["workspace_id"], req.path["session_id"], req.body)
    return OperationResult(200, store.add_session_peers(req.path["workspace_id"], req.path["session_id"], req.body))


@operation("set_session_peers_v3_workspaces__workspace_id__sessions__session_id__peers_put")
def set_session_peers(store: Store, req: ParsedRequest) -> OperationResult:
    if req.behaviour.scopes:
        scopes.refuse_scopes(store, req.path["workspace_id"], req.body, scopes.MEMBERSHIP_GUIDANCE)
    if not well_formed(req, "workspace_id", "session_id") or listed_refusals(req):
        store.require_session(req.path["workspace_id"], req.path["session_id"])  # 404: it cannot exist
    if listed_refusals(req):
        scopes.refuse_new_peer_names(store, req.path["workspace_id"], req.body)
    else:
        refuse_peer_keys(req.body, "Failed to set peers for session")
    observers.check_peers_set(req.path["session_id"], req.body)
    return OperationResult(200, store.set_session_peers(req.path["workspace_id"], req.path["session_id"], req.body))


@operation("remove_peers_from_session_v3_workspaces__workspace_id__sessions__session_id__peers_delete")
def remove_session_peers(store: Store, req: ParsedRequest) -> OperationResult:
    if req.behaviour.scopes:
        scopes.refuse_scopes(store, req.path["workspace_id"], req.body, scopes.MEMBERSHIP_GUIDANCE)
    elif listed_refusals(req):
        scopes.refuse_impossible(req.body)
    return OperationResult(200, store.remove_session_peers(req.path["workspace_id"], req.path["session_id"], req.body))


@operation("get_session_peers_v3_workspaces__workspace_id__sessions__session_id__peers_get")
def session_peers(store: Store, req: ParsedRequest) -> OperationResult:
    return OperationResult(200, paginate(store.session_peers(req.path["workspace_id"], req.path["session_id"]), req.query))


@operation("get_peer_config_v3_workspaces__workspace_id__sessions__session_id__peers__peer_id__config_get")
def get_peer_config(store: Store, req: ParsedRequest) -> OperationResult:
    p = req.path
    refuse_scope_membership(store, req, p["peer_id"])
    return OperationResult(200, store.peer_config(p["workspace_id"], p["session_id"], p["peer_id"]))


@operation("set_peer_config_v3_workspaces__workspace_id__sessions__session_id__peers__peer_id__config_put")
def set_peer_config(store: Store, req: ParsedRequest) -> OperationResult:
    p = req.path
    store.require_session(p["workspace_id"], p["session_id"])
    refuse_scope_membership(store, req, p["peer_id"])
    observers.check_config_set(store, p["workspace_id"], p["session_id"], p["peer_id"], req.body)
    store.set_peer_config(p["workspace_id"], p["session_id"], p["peer_id"], req.body)
    return OperationResult(204, media_type=None)


def refuse_scope_membership(store: Store, req: ParsedRequest, peer_id: str) -> None:
    """A scope's config in a session is the scopes routes' to manage, read or written (422)."""
    if req.behaviour.scopes and scopes.is_scope(store, req.path["workspace_id"], peer_id):
        raise ApiError(422, f"Peer name(s) {[peer_id]} are scopes. Scope membership is managed via the scopes routes.")


def refuse_peer_keys(peers: dict[str, Any], detail: str) -> None:
    """Session-peer bodies name peers by their keys; the real server builds a PeerCreate of
    each and, when one is refused, answers 404 with its route's message (recorded: add
    `Session not found`, set `Failed to set peers for session`). Nothing is changed."""
    if not all(map(_WELL_FORMED_ID, peers)):
        raise ApiError(404, detail)


def require_peer_ids(peers: dict[str, Any]) -> None:
    """Peer ids given as map keys (session peers, message authors)."""
    if not all(map(_WELL_FORMED_ID, peers)):
        reject_bad_ids((["body", key], key) for key in peers)


# -- messages ---------------------------------------------------------------------------
@operation("create_messages_for_session_v3_workspaces__workspace_id__sessions__session_id__messages_post")
def create_messages(store: Store, req: ParsedRequest) -> OperationResult:
    require_ids(req, "workspace_id", "session_id")
    messages = req.body["messages"]
    if req.behaviour.scopes or listed_refusals(req):
        check_joining_peers(store, req, [m["peer_id"] for m in messages], "Scope peers cannot author messages.")
    if not all(_WELL_FORMED_ID(m["peer_id"]) for m in messages):
        reject_bad_ids((["body", "messages", i, "peer_id"], m["peer_id"]) for i, m in enumerate(messages))
    if not any(m.get("created_at") for m in messages):  # the common batch: every message stamped now
        return OperationResult(201, store.create_messages(req.path["workspace_id"], req.path["session_id"], messages))
    given = [parse_client_timestamp(m["created_at"]) if m.get("created_at") else None for m in messages]
    prepared = [{**m, "created_at": moment} if moment else m for m, moment in zip(messages, given)]
    records = store.create_messages(req.path["workspace_id"], req.path["session_id"], prepared)
    return OperationResult(201, echo_client_times(records, given))


def echo_client_times(records: list[dict[str, Any]], given: list[Any]) -> list[dict[str, Any]]:
    """The create answer: a client-given `created_at` with the offset it was sent with
    (pydantic echoes the value it read); the store keeps, and later reads give, UTC."""
    return [{**record, "created_at": echo_timestamp(moment)} if moment else record
            for record, moment in zip(records, given)]


@operation("get_messages_v3_workspaces__workspace_id__sessions__session_id__messages_list_post")
def list_messages(store: Store, req: ParsedRequest) -> OperationResult:
    p = req.path
    return OperationResult(200, paginate(store.list_messages(p["workspace_id"], p["session_id"], filters_of(req.body)), req.query))


@operation("get_message_v3_workspaces__workspace_id__sessions__session_id__messages__message_id__get")
def get_message(store: Store, req: ParsedRequest) -> OperationResult:
    p = req.path
    return OperationResult(200, store.message(p["workspace_id"], p["session_id"], p["message_id"]))


@operation("update_message_v3_workspaces__workspace_id__sessions__session_id__messages__message_id__put")
def update_message(store: Store, req: ParsedRequest) -> OperationResult:
    p = req.path
    return OperationResult(200, store.update_message(p["workspace_id"], p["session_id"], p["message_id"], (req.body or {}).get("metadata")))


@operation("health_check_health_get")
def health(store: Store, req: ParsedRequest) -> OperationResult:
    """The real server's answer; a header says which Honcho version the mock serves (docs/versions.md)."""
    return OperationResult(200, {"status": "ok"}, headers={API_VERSION_HEADER: req.api_version})
