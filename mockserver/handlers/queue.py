"""The work queue's status, and dreams scheduled by hand."""

from __future__ import annotations

from mockserver.handler_interface import OperationResult, ParsedRequest
from mockserver.handlers.registry import operation
from mockserver.honcho import scopes, work_units
from mockserver.state.store import Store


@operation("get_queue_status_v3_workspaces__workspace_id__queue_status_get")
def get_queue_status(store: Store, req: ParsedRequest) -> OperationResult:
    q = req.query
    return OperationResult(200, work_units.queue_status(store, req.path["workspace_id"], q.get("session_id") or None,
                                              q.get("observer_id") or None, q.get("sender_id") or None))


@operation("schedule_dream_v3_workspaces__workspace_id__schedule_dream_post")
def schedule_dream(store: Store, req: ParsedRequest) -> OperationResult:
    body = req.body
    if req.behaviour.scopes:  # a scope may dream as the observer, never be dreamt about
        observed = body.get("observed") if body.get("observed") is not None else body["observer"]
        scopes.refuse_observed(store, req.path["workspace_id"], [observed],
                               scopes.NOT_A_REPRESENTATION_OF.format(what="the observed peer of a dream"))
    work_units.schedule_dream(store, req.path["workspace_id"], body["observer"], body.get("observed"),
                              body["dream_type"], body.get("session_id"))
    return OperationResult(204, media_type=None)
