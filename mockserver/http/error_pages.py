"""Errors raised by routing, or by anything after it, answered in the contract's error shape."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

from .responses import send_json

logger = logging.getLogger("mockserver")


class ErrorsAsJSON:
    """The outermost piece of connexion's stack: an exception raised by routing (starlette's
    404 and 405, with its Allow header) or by anything after it is answered in the
    contract's error shape. It does the work of starlette's ServerErrorMiddleware and
    connexion's ExceptionMiddleware for this mock, ~5 µs cheaper per request
    (bench/results.md): nothing here raises connexion's own problem exceptions."""

    def __init__(self, app: ASGIApp, base_path: str = "") -> None:
        self.app = app
        self.base_path = base_path  # where the API is mounted: a 404 outside it says so

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except HTTPException as exc:
            if started:
                raise
            detail = exc.detail
            path = scope.get("path", "")
            if exc.status_code == 404 and self.base_path and not (path + "/").startswith(self.base_path + "/"):
                detail = f"Not Found: this API is served under {self.base_path} (try {self.base_path}{path})"
            await send_json(send, exc.status_code, {"detail": detail}, dict(exc.headers or {}))
        except Exception:
            if started:
                raise
            logger.exception("unhandled error for %s %s", scope.get("method"), scope.get("path"))
            await send_json(send, 500, {"detail": "An unexpected error occurred"})
