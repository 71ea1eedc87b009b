"""CORS for browsers: open by default so that a web app on another port can call the mock."""

from __future__ import annotations

from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp


class CORSWhenAsked:
    """Starlette's CORS for requests that carry an `Origin` header (browsers); the others,
    SDKs and test suites, skip it (it rewrites every response's headers otherwise)."""

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            for name, _ in scope.get("headers", ()):  # a loop: any() over a generator costs every request ~1 µs
                if name == b"origin":
                    await self.cors(scope, receive, send)
                    return
        await self.app(scope, receive, send)
