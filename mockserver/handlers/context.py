"""Session context and summaries: what an agent loads before answering in a session."""

from __future__ import annotations

from mockserver.errors import ApiError
from mockserver.handler_interface import OperationResult, ParsedRequest
from mockserver.handlers.registry import operation
from mockserver.honcho import scopes
from mockserver.honcho.recall_filters import checked_allowlist
from mockserver.honcho.representation import RepresentationQuery
from mockserver.honcho.session_context import session_context
from mockserver.honcho.summaries import session_summaries
from mockserver.state.store import Store


def representation_query(values: dict, include_most_frequent: bool) -> RepresentationQuery:
    """The curation options of a query string or body (absent ones as the real defaults)."""
    flag = values.get("include_most_frequent")
    return RepresentationQuery(
        search_query=values.get("search_query"),
        search_top_k=values.get("search_top_k"),
        search_max_distance=values.get("search_max_distance"),
        include_most_frequent=include_most_frequent if flag is None else bool(flag),
        max_conclusions=values.get("max_conclusions"),
    )


@operation("get_session_context_v3_workspaces__workspace_id__sessions__session_id__context_get")
def get_session_context(store: Store, req: ParsedRequest) -> OperationResult:
    q = req.query
    workspace_id, session_id = req.path["workspace_id"], req.path["session_id"]
    scope_observer, allowlist = scoped_context(store, req) if req.behaviour.scopes else (None, None)
    return OperationResult(200, session_context(
        store, workspace_id, session_id,
        tokens=q.get("tokens"), include_summary=q.get("summary", True),
        peer_target=q.get("peer_target"), peer_perspective=q.get("peer_perspective"),
        limit_to_session=bool(q.get("limit_to_session")), options=representation_query(q, False),
        observer=scope_observer, sessions=allowlist, confined_omits_card=req.behaviour.confined_context_omits_card))


def scoped_context(store: Store, req: ParsedRequest) -> tuple[str | None, list[str] | None]:
    """The 3.1-preview options of a session context, checked in the real server's order: the
    target may be no scope (nor a `scope.` name), the perspective no scope; `scope` reads the
    target as the scope sees it (with `peer_target`, not with `peer_perspective`); `sessions`
    confines the representation to sessions including this one (with `peer_target`, not with
    `scope` or `limit_to_session`). Answers the scope's peer and the allowlist."""
    q, workspace_id = req.query, req.path["workspace_id"]
    target, perspective, scope, sessions = (q.get(k) for k in ("peer_target", "peer_perspective", "scope", "sessions"))
    if perspective and not target:
        raise ApiError(422, "peer_target must be provided if peer_perspective is provided")
    if target is not None:
        scopes.refuse_observed(store, workspace_id, [target], scopes.NOT_A_REPRESENTATION_OF.format(what="a context target"))
    if perspective is not None:
        scopes.refuse_scopes(store, workspace_id, [perspective], "Use the `scope` parameter instead.")
    if scope is not None:
        if perspective:
            raise ApiError(422, "`scope` and `peer_perspective` are mutually exclusive")
        if not target:
            raise ApiError(422, "peer_target must be provided if scope is provided")
    allowlist = None
    if sessions is not None:
        if scope is not None:
            raise ApiError(422, "`sessions` and `scope` are mutually exclusive")
        if q.get("limit_to_session"):
            raise ApiError(422, "`sessions` and `limit_to_session` are mutually exclusive")
        if not target:
            raise ApiError(422, "peer_target must be provided if sessions is provided")
        allowlist = checked_allowlist(sessions, "sessions", must_include=req.path["session_id"])
    if scope is not None and target:
        return scopes.require_scope(store, workspace_id, scope), None
    return None, allowlist


@operation("get_session_summaries_v3_workspaces__workspace_id__sessions__session_id__summaries_get")
def get_session_summaries(store: Store, req: ParsedRequest) -> OperationResult:
    session_id = req.path["session_id"]
    short, long = session_summaries(store, req.path["workspace_id"], session_id)
    return OperationResult(200, {"id": session_id, "short_summary": short, "long_summary": long})
