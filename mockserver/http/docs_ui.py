"""The documentation pages over the contract (Swagger UI)."""

from __future__ import annotations

from connexion.middleware.swagger_ui import SwaggerUIMiddleware


class SwaggerUIOnItsPaths(SwaggerUIMiddleware):
    """connexion's Swagger UI, asked only about paths that can be its own: its router
    otherwise costs every API call a route scan (~11 µs, bench/results.md)."""

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] == "http" and "/ui" not in path and not path.endswith(("openapi.json", "openapi.yaml")):
            await self.app(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)
