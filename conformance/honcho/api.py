"""The Honcho operations the semantic phases use, as plain calls on a ConformanceClient.

Each call returns the `Reply` tagged with its operationId; nothing here judges the
answer (that is the checks' job), so the same calls serve the semantic checks, the
state machine, the concurrency scenarios, the Locust file and the clean-up.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from conformance.core.client import ConformanceClient, Reply
from conformance.honcho.operations import (
    HEALTH,
    MSG_CREATE,
    MSG_GET,
    MSG_LIST,
    MSG_UPDATE,
    PEER_CONFIG,
    PEER_CREATE,
    PEER_LIST,
    PEER_SESSIONS,
    PEER_UPDATE,
    SESSION_CLONE,
    SESSION_CREATE,
    SESSION_DELETE,
    SESSION_LIST,
    SESSION_PEERS,
    SESSION_UPDATE,
    WS_CREATE,
    WS_DELETE,
    WS_LIST,
    WS_SEARCH,
    WS_UPDATE,
)
from conformance.honcho import operations as ops

_UNSET: Any = object()


def seg(value: str) -> str:
    return quote(value, safe="")


class HonchoApi:
    def __init__(self, client: ConformanceClient) -> None:
        self.client = client

    def _call(self, operation: str, method: str, path: str, **kwargs: Any) -> Reply:
        reply = self.client.request(method, path, **kwargs)
        reply.operation = operation
        return reply

    @staticmethod
    def _list_kwargs(page: int | None, size: int | None, reverse: bool | None, filters: Any, body: Any) -> dict[str, Any]:
        params = {"page": page, "size": size, "reverse": reverse}
        kwargs: dict[str, Any] = {"params": params}
        if body is not _UNSET:
            kwargs["json"] = body
        elif filters is not _UNSET:
            kwargs["json"] = {"filters": filters}
        else:
            kwargs["json"] = {}
        return kwargs

    # -- meta ----------------------------------------------------------------------------
    def health(self) -> Reply:
        return self._call(HEALTH, "GET", "/health")

    # -- workspaces ------------------------------------------------------------------------
    def create_workspace(self, workspace_id: str, metadata: Any = _UNSET, **extra: Any) -> Reply:
        body = {"id": workspace_id, **extra}
        if metadata is not _UNSET:
            body["metadata"] = metadata
        return self._call(WS_CREATE, "POST", "/v3/workspaces", json=body)

    def list_workspaces(self, *, page: int | None = None, size: int | None = None, reverse: bool | None = None,
                        filters: Any = _UNSET, body: Any = _UNSET) -> Reply:
        return self._call(WS_LIST, "POST", "/v3/workspaces/list", **self._list_kwargs(page, size, reverse, filters, body))

    def update_workspace(self, workspace_id: str, body: dict[str, Any]) -> Reply:
        return self._call(WS_UPDATE, "PUT", f"/v3/workspaces/{seg(workspace_id)}", json=body)

    def delete_workspace(self, workspace_id: str) -> Reply:
        return self._call(WS_DELETE, "DELETE", f"/v3/workspaces/{seg(workspace_id)}")

    def search_workspace(self, workspace_id: str, query: str, limit: int | None = None) -> Reply:
        body: dict[str, Any] = {"query": query}
        if limit is not None:
            body["limit"] = limit
        return self._call(WS_SEARCH, "POST", f"/v3/workspaces/{seg(workspace_id)}/search", json=body)

    # -- peers -------------------------------------------------------------------------------
    def create_peer(self, workspace_id: str, peer_id: str, metadata: Any = _UNSET, configuration: Any = _UNSET) -> Reply:
        body: dict[str, Any] = {"id": peer_id}
        if metadata is not _UNSET:
            body["metadata"] = metadata
        if configuration is not _UNSET:
            body["configuration"] = configuration
        return self._call(PEER_CREATE, "POST", f"/v3/workspaces/{seg(workspace_id)}/peers", json=body)

    def list_peers(self, workspace_id: str, *, page: int | None = None, size: int | None = None,
                   reverse: bool | None = None, filters: Any = _UNSET, body: Any = _UNSET) -> Reply:
        return self._call(PEER_LIST, "POST", f"/v3/workspaces/{seg(workspace_id)}/peers/list",
                          **self._list_kwargs(page, size, reverse, filters, body))

    def update_peer(self, workspace_id: str, peer_id: str, body: dict[str, Any]) -> Reply:
        return self._call(PEER_UPDATE, "PUT", f"/v3/workspaces/{seg(workspace_id)}/peers/{seg(peer_id)}", json=body)

    def peer_sessions(self, workspace_id: str, peer_id: str, *, page: int | None = None, size: int | None = None,
                      reverse: bool | None = None, filters: Any = _UNSET, body: Any = _UNSET) -> Reply:
        return self._call(PEER_SESSIONS, "POST", f"/v3/workspaces/{seg(workspace_id)}/peers/{seg(peer_id)}/sessions",
                          **self._list_kwargs(page, size, reverse, filters, body))

    # -- sessions ----------------------------------------------------------------------------
    def create_session(self, workspace_id: str, session_id: str, metadata: Any = _UNSET,
                       peers: dict[str, Any] | None = None, configuration: Any = _UNSET,
                       scopes: list[str] | None = None) -> Reply:
        body: dict[str, Any] = {"id": session_id}
        if scopes is not None:  # the 3.1 preview: the scopes the session joins
            body["scopes"] = scopes
        if metadata is not _UNSET:
            body["metadata"] = metadata
        if configuration is not _UNSET:
            body["configuration"] = configuration
        if peers is not None:
            body["peers"] = peers
        return self._call(SESSION_CREATE, "POST", f"/v3/workspaces/{seg(workspace_id)}/sessions", json=body)

    def list_sessions(self, workspace_id: str, *, page: int | None = None, size: int | None = None,
                      reverse: bool | None = None, filters: Any = _UNSET, body: Any = _UNSET) -> Reply:
        return self._call(SESSION_LIST, "POST", f"/v3/workspaces/{seg(workspace_id)}/sessions/list",
                          **self._list_kwargs(page, size, reverse, filters, body))

    def update_session(self, workspace_id: str, session_id: str, body: dict[str, Any]) -> Reply:
        return self._call(SESSION_UPDATE, "PUT", f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}", json=body)

    def delete_session(self, workspace_id: str, session_id: str) -> Reply:
        return self._call(SESSION_DELETE, "DELETE", f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}")

    def session_peers(self, workspace_id: str, session_id: str, *, page: int | None = None, size: int | None = None) -> Reply:
        return self._call(SESSION_PEERS, "GET", f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}/peers",
                          params={"page": page, "size": size})

    def peer_config(self, workspace_id: str, session_id: str, peer_id: str) -> Reply:
        return self._call(PEER_CONFIG, "GET",
                          f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}/peers/{seg(peer_id)}/config")

    # -- messages ----------------------------------------------------------------------------
    def clone_session(self, workspace_id: str, session_id: str, message_id: str | None = None) -> Reply:
        params = {"message_id": message_id} if message_id is not None else None
        return self._call(SESSION_CLONE, "POST", f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}/clone",
                          params=params)

    def create_messages(self, workspace_id: str, session_id: str, messages: list[dict[str, Any]]) -> Reply:
        return self._call(MSG_CREATE, "POST", f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}/messages",
                          json={"messages": messages})

    def list_messages(self, workspace_id: str, session_id: str, *, page: int | None = None, size: int | None = None,
                      reverse: bool | None = None, filters: Any = _UNSET, body: Any = _UNSET) -> Reply:
        return self._call(MSG_LIST, "POST", f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}/messages/list",
                          **self._list_kwargs(page, size, reverse, filters, body))

    def get_message(self, workspace_id: str, session_id: str, message_id: str) -> Reply:
        return self._call(MSG_GET, "GET",
                          f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}/messages/{seg(message_id)}")

    def update_message(self, workspace_id: str, session_id: str, message_id: str, body: dict[str, Any]) -> Reply:
        return self._call(MSG_UPDATE, "PUT",
                          f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}/messages/{seg(message_id)}",
                          json=body)

    # -- webhooks ----------------------------------------------------------------------------
    def create_webhook(self, workspace_id: str, url: Any) -> Reply:
        return self._call(ops.WEBHOOK_CREATE, "POST", f"/v3/workspaces/{seg(workspace_id)}/webhooks", json={"url": url})

    def list_webhooks(self, workspace_id: str) -> Reply:
        return self._call(ops.WEBHOOK_LIST, "GET", f"/v3/workspaces/{seg(workspace_id)}/webhooks")

    def delete_webhook(self, workspace_id: str, endpoint_id: str) -> Reply:
        return self._call(ops.WEBHOOK_DELETE, "DELETE", f"/v3/workspaces/{seg(workspace_id)}/webhooks/{seg(endpoint_id)}")

    # -- what peers know: conclusions, representations, chat, context -------------------------
    def create_conclusions(self, workspace_id: str, conclusions: list[dict[str, Any]]) -> Reply:
        return self._call(ops.CONCLUSIONS_CREATE, "POST", f"/v3/workspaces/{seg(workspace_id)}/conclusions",
                          json={"conclusions": conclusions})

    def representation(self, workspace_id: str, peer_id: str, body: dict[str, Any]) -> Reply:
        return self._call(ops.REPRESENTATION, "POST",
                          f"/v3/workspaces/{seg(workspace_id)}/peers/{seg(peer_id)}/representation", json=body)

    def chat(self, workspace_id: str, peer_id: str, body: dict[str, Any]) -> Reply:
        return self._call(ops.CHAT, "POST", f"/v3/workspaces/{seg(workspace_id)}/peers/{seg(peer_id)}/chat", json=body)

    def session_context(self, workspace_id: str, session_id: str, **params: Any) -> Reply:
        return self._call(ops.SESSION_CONTEXT, "GET",
                          f"/v3/workspaces/{seg(workspace_id)}/sessions/{seg(session_id)}/context", params=params)

    def search_workspace_body(self, workspace_id: str, body: dict[str, Any]) -> Reply:
        return self._call(WS_SEARCH, "POST", f"/v3/workspaces/{seg(workspace_id)}/search", json=body)

    # -- scopes (the 3.1 preview) ----------------------------------------------------------------
    def create_scope(self, workspace_id: str, scope_id: str, metadata: Any = _UNSET) -> Reply:
        body: dict[str, Any] = {"id": scope_id}
        if metadata is not _UNSET:
            body["metadata"] = metadata
        return self._call(ops.SCOPE_CREATE, "POST", f"/v3/workspaces/{seg(workspace_id)}/scopes", json=body)

    def list_scopes(self, workspace_id: str, *, page: int | None = None, size: int | None = None,
                    reverse: bool | None = None) -> Reply:
        return self._call(ops.SCOPE_LIST, "POST", f"/v3/workspaces/{seg(workspace_id)}/scopes/list",
                          **self._list_kwargs(page, size, reverse, _UNSET, _UNSET))

    def get_scope(self, workspace_id: str, scope_id: str) -> Reply:
        return self._call(ops.SCOPE_GET, "GET", f"/v3/workspaces/{seg(workspace_id)}/scopes/{seg(scope_id)}")

    def add_scope_sessions(self, workspace_id: str, scope_id: str, session_ids: list[str]) -> Reply:
        return self._call(ops.SCOPE_ADD_SESSIONS, "POST",
                          f"/v3/workspaces/{seg(workspace_id)}/scopes/{seg(scope_id)}/sessions",
                          json={"session_ids": session_ids})

    def remove_scope_session(self, workspace_id: str, scope_id: str, session_id: str) -> Reply:
        return self._call(ops.SCOPE_REMOVE_SESSION, "DELETE",
                          f"/v3/workspaces/{seg(workspace_id)}/scopes/{seg(scope_id)}/sessions/{seg(session_id)}")

    def scope_sessions(self, workspace_id: str, scope_id: str, *, page: int | None = None, size: int | None = None,
                       reverse: bool | None = None) -> Reply:
        return self._call(ops.SCOPE_SESSIONS, "POST",
                          f"/v3/workspaces/{seg(workspace_id)}/scopes/{seg(scope_id)}/sessions/list",
                          **self._list_kwargs(page, size, reverse, _UNSET, _UNSET))

    def scope_status(self, workspace_id: str, scope_id: str) -> Reply:
        return self._call(ops.SCOPE_STATUS, "GET", f"/v3/workspaces/{seg(workspace_id)}/scopes/{seg(scope_id)}/status")


UNSET = _UNSET
