"""The scopes routes (3.1-preview): get-or-create, list, get, membership and backfill status.

A workspace is created by a scope create, as by every other create; the reads under a
missing workspace answer as the real server does (an empty list, or the scope's 404).
"""

from __future__ import annotations

from mockserver.errors import ApiError
from mockserver.handler_interface import OperationResult, ParsedRequest
from mockserver.handlers.core import created_or_found, require_ids
from mockserver.handlers.registry import operation, paginate
from mockserver.honcho import scopes
from mockserver.state.store import Store

NO_CONTENT = OperationResult(204, media_type=None)


@operation("get_or_create_scope_v3_workspaces__workspace_id__scopes_post")
def get_or_create_scope(store: Store, req: ParsedRequest) -> OperationResult:
    require_ids(req, "workspace_id")
    body = req.body
    record, created = store.get_or_create_scope(req.path["workspace_id"], scopes.scope_peer_id(body["id"]),
                                                body.get("metadata"))
    return created_or_found(scopes.scope_view(record), created)


@operation("get_scopes_v3_workspaces__workspace_id__scopes_list_post")
def list_scopes(store: Store, req: ParsedRequest) -> OperationResult:
    page = paginate(store.scope_peers(req.path["workspace_id"]), req.query)
    return OperationResult(200, {**page, "items": [scopes.scope_view(r) for r in page["items"]]})


@operation("get_scope_v3_workspaces__workspace_id__scopes__scope_id__get")
def get_scope(store: Store, req: ParsedRequest) -> OperationResult:
    workspace_id = req.path["workspace_id"]
    peer_id = scopes.require_scope(store, workspace_id, req.path["scope_id"])
    return OperationResult(200, scopes.scope_view(store.workspaces[workspace_id].peers[peer_id].record))


@operation("add_sessions_to_scope_v3_workspaces__workspace_id__scopes__scope_id__sessions_post")
def add_sessions(store: Store, req: ParsedRequest) -> OperationResult:
    """Every session named must be live (404 naming all that are not, sorted); already a member: renewed."""
    workspace_id = req.path["workspace_id"]
    peer_id = scopes.require_scope(store, workspace_id, req.path["scope_id"])
    wanted = sorted(set(req.body["session_ids"]))
    missing = [s for s in wanted if store.session(workspace_id, s) is None]
    if missing:
        raise ApiError(404, f"Session(s) {missing} not found in workspace {workspace_id}")
    scopes.join(store, workspace_id, peer_id, wanted)
    return NO_CONTENT


@operation("remove_session_from_scope_v3_workspaces__workspace_id__scopes__scope_id__sessions__session_id__delete")
def remove_session(store: Store, req: ParsedRequest) -> OperationResult:
    """A live session that is no member: nothing to do (204)."""
    workspace_id, session_id = req.path["workspace_id"], req.path["session_id"]
    peer_id = scopes.require_scope(store, workspace_id, req.path["scope_id"])
    store.require_session(workspace_id, session_id)
    scopes.leave(store, workspace_id, peer_id, session_id)
    return NO_CONTENT


@operation("get_scope_sessions_v3_workspaces__workspace_id__scopes__scope_id__sessions_list_post")
def scope_sessions(store: Store, req: ParsedRequest) -> OperationResult:
    workspace_id = req.path["workspace_id"]
    peer_id = scopes.require_scope(store, workspace_id, req.path["scope_id"])
    return OperationResult(200, paginate(store.scope_sessions(workspace_id, peer_id), req.query))


@operation("get_scope_status_v3_workspaces__workspace_id__scopes__scope_id__status_get")
def scope_status(store: Store, req: ParsedRequest) -> OperationResult:
    workspace_id = req.path["workspace_id"]
    peer_id = scopes.require_scope(store, workspace_id, req.path["scope_id"])
    facts = store.workspaces[workspace_id].peers[peer_id].scope
    assert facts is not None
    return OperationResult(200, {"backfill_status": {k: dict(v) for k, v in facts.backfill.items()}})
