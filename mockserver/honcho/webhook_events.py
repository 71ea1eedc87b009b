"""Webhook endpoints (`WorkspaceState.webhooks`) and the events the mock would deliver.

Nothing is sent over the network: each event the real server would publish is
appended to the workspace's events as the payload it would POST,
`{"type", "data", "timestamp"}`, for a delivery component (or a test) to read with
`events()`. Endpoints are `{id, workspace_id, url, created_at}`, at most 10 per
workspace (the real WEBHOOK_MAX_WORKSPACE_LIMIT); the same URL again is the existing
endpoint. Unlike the real server (which checks the limit first), an existing URL is
found even when the workspace is full. Creating an endpoint in a workspace that does
not exist creates the workspace (the real server answers 404, which the contract
does not list for this operation).
"""

from __future__ import annotations

from typing import Any

from mockserver.state.store import Conflict, NotFound, Store

Record = dict[str, Any]
MAX_WORKSPACE_LIMIT = 10
MAX_KEPT_EVENTS = 1000  # per workspace: the oldest are dropped, so a busy mock does not grow
TEST_EVENT = "test.event"
QUEUE_EMPTY_EVENT = "queue.empty"


def get_or_create_endpoint(store: Store, workspace_id: str, url: str) -> tuple[Record, bool]:
    workspace = store.workspace(workspace_id)
    if workspace is None:  # the real server looks the workspace up and never creates it here
        raise NotFound(f"Workspace {workspace_id} not found")
    endpoints = workspace.webhooks
    for record in endpoints.values():
        if record["url"] == url:
            return record, False
    if len(endpoints) >= MAX_WORKSPACE_LIMIT:
        raise Conflict(f"Maximum number of webhook endpoints ({MAX_WORKSPACE_LIMIT}) reached for this workspace.")
    record = {"id": store.clock.nanoid(), "workspace_id": workspace_id, "url": url, "created_at": store.clock.stamp()}
    endpoints[record["id"]] = record
    return record, True


def list_endpoints(store: Store, workspace_id: str) -> list[Record]:
    workspace = store.workspace(workspace_id)
    return list(workspace.webhooks.values()) if workspace else []


def delete_endpoint(store: Store, workspace_id: str, endpoint_id: str) -> None:
    workspace = store.workspace(workspace_id)
    if workspace is None or endpoint_id not in workspace.webhooks:
        raise NotFound(f"Webhook endpoint {endpoint_id} not found for workspace {workspace_id}")
    del workspace.webhooks[endpoint_id]


def emit(store: Store, workspace_id: str, event_type: str, data: Record) -> None:
    """Record an event of a workspace that exists (events of unknown workspaces have no owner)."""
    workspace = store.workspace(workspace_id)
    if workspace is None:
        return
    event = {"type": event_type, "data": data, "timestamp": store.clock.stamp()}
    workspace.events.append(event)
    del workspace.events[:-MAX_KEPT_EVENTS]
    for listener in store.event_listeners:
        listener(workspace_id, event)


def events(store: Store, workspace_id: str) -> list[Record]:
    """The events recorded for a workspace, oldest first."""
    workspace = store.workspace(workspace_id)
    return list(workspace.events) if workspace else []
