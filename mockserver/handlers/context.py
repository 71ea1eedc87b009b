"""Session context and summaries: what an agent loads before answering in a session."""

from __future__ import annotations

from mockserver.handler_interface import OperationResult, ParsedRequest
from mockserver.handlers.registry import operation
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
    return OperationResult(200, session_context(
        store, req.path["workspace_id"], req.path["session_id"],
        tokens=q.get("tokens"), include_summary=q.get("summary", True),
        peer_target=q.get("peer_target"), peer_perspective=q.get("peer_perspective"),
        limit_to_session=bool(q.get("limit_to_session")), options=representation_query(q, False)))


@operation("get_session_summaries_v3_workspaces__workspace_id__sessions__session_id__summaries_get")
def get_session_summaries(store: Store, req: ParsedRequest) -> OperationResult:
    session_id = req.path["session_id"]
    short, long = session_summaries(store, req.path["workspace_id"], session_id)
    return OperationResult(200, {"id": session_id, "short_summary": short, "long_summary": long})
