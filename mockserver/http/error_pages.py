"""Errors raised by routing, or by anything after it, answered in the contract's error shape."""

from __future__ import annotations

import logging
import re
from typing import Any, Mapping, Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

from mockserver.http.responses import send_json

logger = logging.getLogger("mockserver")


class ErrorsAsJSON:
    """The outermost piece of connexion's stack: an exception raised by routing (starlette's
    404 and 405, with its Allow header) or by anything after it is answered in the
    contract's error shape. It does the work of starlette's ServerErrorMiddleware and
    connexion's ExceptionMiddleware for this mock, ~5 µs cheaper per request
    (bench/results.md): nothing here raises connexion's own problem exceptions."""

    def __init__(self, app: ASGIApp, base_path: str = "",
                 allow: Sequence[tuple[re.Pattern[str], tuple[str, ...]]] = ()) -> None:
        self.app = app
        self.base_path = base_path  # where the API is mounted: a 404 outside it says so
        self.allow = allow

    def allowed(self, path: str) -> str | None:
        """Every method of every contract path this request path matches: starlette names
        only the first route's (the real server's 405 for `PATCH /v3/workspaces/x` says
        `allow: PUT` where PUT and DELETE exist)."""
        methods = [m for pattern, own in self.allow if pattern.match(path) for m in own]
        return ", ".join(dict.fromkeys(methods)) if methods else None

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        def tracked(message: Any) -> Any:  # a plain function handing back send's awaitable: no coroutine per message
            nonlocal started
            started = True
            return send(message)

        try:
            await self.app(scope, receive, tracked)
        except HTTPException as exc:
            if started:
                raise
            detail = exc.detail
            path = scope.get("path", "")
            if exc.status_code == 404 and self.base_path and not (path + "/").startswith(self.base_path + "/"):
                detail = f"Not Found: this API is served under {self.base_path} (try {self.base_path}{path})"
            headers = dict(exc.headers or {})
            if exc.status_code == 405:
                allow = self.allowed(path)
                if allow:
                    headers = {k: v for k, v in headers.items() if k.lower() != "allow"} | {"allow": allow}
            await send_json(send, exc.status_code, {"detail": detail}, headers)
        except Exception:
            if started:
                raise
            logger.exception("unhandled error for %s %s", scope.get("method"), scope.get("path"))
            await send_json(send, 500, {"detail": "An unexpected error occurred"})


def allow_table(paths: Mapping[str, Any], methods: Sequence[str]) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    """For each path of the contract: a regex of its concrete paths, and its methods."""
    table = []
    for template, item in paths.items():
        if not isinstance(item, dict):
            continue
        own = tuple(m.upper() for m in methods if isinstance(item.get(m), dict))
        parts = re.split(r"(\{[^}/]+\})", template)
        regex = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
        table.append((re.compile(f"^{regex}$"), own))
    return table
