"""Message search in a workspace, a session or among a peer's messages.

As on the real server without embeddings: a case-insensitive substring match over the
contents, newest first, at most `limit`, answered as a plain list. The scope is added
to the caller's `filters` (message filters) and overrides the same keys there.
"""

from __future__ import annotations

from typing import Any, Iterable

from mockserver.errors import ApiError
from mockserver.handler_interface import OperationResult, ParsedRequest
from mockserver.handlers.registry import operation
from mockserver.honcho import scopes
from mockserver.honcho.text_search import search_messages
from mockserver.state.filters import compile_filter
from mockserver.state.store import Store

Record = dict[str, Any]


def _search(req: ParsedRequest, messages: Iterable[Record], scope: dict[str, str]) -> OperationResult:
    body = req.body
    predicate = compile_filter({**(body.get("filters") or {}), **scope}, "message", req.behaviour.filter_null_logic)
    return OperationResult(200, search_messages(messages, body["query"], predicate, body.get("limit") or 10))


@operation("search_workspace_v3_workspaces__workspace_id__search_post")
def search_workspace(store: Store, req: ParsedRequest) -> OperationResult:
    """`scope` (3.1-preview): only the scope's member sessions, none at all for a scope without any."""
    workspace_id = req.path["workspace_id"]
    scope = req.body.get("scope") if req.behaviour.scopes else None
    if scope is None:
        return _search(req, store.workspace_messages(workspace_id), {"workspace_id": workspace_id})
    if "session_id" in (req.body.get("filters") or {}):
        raise ApiError(422, "`scope` and a 'session_id' filter are mutually exclusive")
    members = scopes.member_sessions(store, workspace_id, [scope])
    if not members:
        return OperationResult(200, [])
    return _search(req, store.workspace_messages(workspace_id), {"workspace_id": workspace_id,
                                                                   "session_id": {"in": members}})


@operation("search_session_v3_workspaces__workspace_id__sessions__session_id__search_post")
def search_session(store: Store, req: ParsedRequest) -> OperationResult:
    workspace_id, session_id = req.path["workspace_id"], req.path["session_id"]
    session = store.session(workspace_id, session_id)
    messages = session.messages.values() if session else ()
    return _search(req, messages, {"workspace_id": workspace_id, "session_id": session_id})


@operation("search_peer_v3_workspaces__workspace_id__peers__peer_id__search_post")
def search_peer(store: Store, req: ParsedRequest) -> OperationResult:
    workspace_id, peer_id = req.path["workspace_id"], req.path["peer_id"]
    messages = (m for m in store.workspace_messages(workspace_id) if m["peer_id"] == peer_id)
    return _search(req, messages, {"workspace_id": workspace_id, "peer_id": peer_id})
