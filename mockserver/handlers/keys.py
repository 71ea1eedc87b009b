"""`POST /v3/keys`, both ways: with auth off (the default) the real server answers 405; with auth
on, `key_handler` is bound instead (app.py) and issues a JWT scoped by the query."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from mockserver.errors import ApiError
from mockserver.handler_interface import Handler, OperationResult, ParsedRequest
from mockserver.handlers.registry import operation
from mockserver.honcho.keys import AuthSettings
from mockserver.state.store import Store
from mockserver.timestamps import format_timestamp, parse_timestamp


@operation("create_key_v3_keys_post", admin_only=True)
def create_key(store: Store, req: ParsedRequest) -> OperationResult:
    """With auth off the real server answers 405 `{"detail": "Feature is disabled"}`."""
    raise ApiError(405, "Feature is disabled")


def key_handler(settings: AuthSettings) -> Handler:
    """`POST /v3/keys` with auth on: a JWT scoped by the query (admin only, checked by the middleware)."""

    def create_key(store: Store, req: ParsedRequest) -> OperationResult:
        scope = {"w": req.query.get("workspace_id"), "p": req.query.get("peer_id"), "s": req.query.get("session_id")}
        if not any(scope.values()):
            raise ApiError(422, "At least one of workspace_id, peer_id, or session_id must be provided")
        claims: dict[str, Any] = {"t": format_timestamp(datetime.now(timezone.utc))}
        if req.query.get("expires_at"):
            claims["exp"] = format_timestamp(parse_timestamp(req.query["expires_at"]))
        claims.update({name: value for name, value in scope.items() if value})
        return OperationResult(200, {"key": settings.sign(claims)})

    return create_key
