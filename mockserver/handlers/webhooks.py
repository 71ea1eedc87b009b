"""Webhook endpoints of a workspace, and the test event."""

from __future__ import annotations

from mockserver.handler_interface import OperationResult, ParsedRequest
from mockserver.handlers.core import require_ids
from mockserver.handlers.registry import operation, paginate
from mockserver.honcho import webhook_events
from mockserver.honcho.webhook_urls import check_webhook_url
from mockserver.state.store import Store


@operation("get_or_create_webhook_endpoint_v3_workspaces__workspace_id__webhooks_post")
def get_or_create_webhook_endpoint(store: Store, req: ParsedRequest) -> OperationResult:
    require_ids(req, "workspace_id")
    check_webhook_url(req.body["url"], req.behaviour)
    record, created = webhook_events.get_or_create_endpoint(store, req.path["workspace_id"], req.body["url"])
    return OperationResult(201 if created else 200, record)


@operation("list_webhook_endpoints_v3_workspaces__workspace_id__webhooks_get")
def list_webhook_endpoints(store: Store, req: ParsedRequest) -> OperationResult:
    return OperationResult(200, paginate(webhook_events.list_endpoints(store, req.path["workspace_id"]), req.query))


@operation("delete_webhook_endpoint_v3_workspaces__workspace_id__webhooks__endpoint_id__delete")
def delete_webhook_endpoint(store: Store, req: ParsedRequest) -> OperationResult:
    webhook_events.delete_endpoint(store, req.path["workspace_id"], req.path["endpoint_id"])
    return OperationResult(204, media_type=None)


@operation("test_emit_v3_workspaces__workspace_id__webhooks_test_get")
def test_emit(store: Store, req: ParsedRequest) -> OperationResult:
    """Records a `test.event` and answers the JSON literal null, as the real server does."""
    workspace_id = req.path["workspace_id"]
    webhook_events.emit(store, workspace_id, webhook_events.TEST_EVENT, {"workspace_id": workspace_id})
    return OperationResult(200, None)
