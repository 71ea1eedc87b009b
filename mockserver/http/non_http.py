"""Scopes the mock does not speak: a WebSocket upgrade is refused plainly, never a 500.

The contract is plain HTTP. A WebSocket handshake on any path is closed before it is
accepted, which the server answers with HTTP 403 (the ASGI way to refuse an upgrade; an
app-written response would make uvicorn log an error for a refusal it asked for).
Lifespan and HTTP pass through; any other scope type is ignored.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class RefuseNonHTTP:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "lifespan"):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            message = await receive()
            if message.get("type") == "websocket.connect":
                await send({"type": "websocket.close", "code": 1003, "reason": "this API speaks HTTP only"})
