"""The mock's own routing, driven directly: which operation (or which refusal) a request gets,
without the rest of the mock. Used by the mock's routing tests and by the tester's route matcher
test, which holds the tester's `Routes` to it."""

from __future__ import annotations

import asyncio
from typing import Any

from connexion.resolver import Resolver
from connexion.spec import Specification
from starlette.exceptions import HTTPException

from mockserver.http.routing import ContractRouting


class Captured(Exception):
    """Raised by the app after routing, carrying what routing handed on."""

    def __init__(self, scope: dict[str, Any]) -> None:
        self.routed = (scope.get("extensions", {}).get("connexion_routing"), scope.get("path_params"))

    @classmethod
    def answer(cls, message: dict[str, Any]) -> Captured:
        """Routing answered by itself (starlette's 405 outside connexion's error handling)."""
        captured = cls({})
        captured.routed = ("answered", message.get("status"), message.get("headers"))
        return captured


async def capture(scope: dict[str, Any], receive: Any, send: Any) -> None:
    raise Captured(scope)


def routing_for_document(document: dict[str, Any]) -> ContractRouting:
    """The mock's routing middleware over a document (its OpenAPI 3.0 view), in front of `capture`."""
    routing = ContractRouting(capture)
    routing.add_api(Specification.load(document), resolver=Resolver(function_resolver=lambda op: op))
    return routing


def route(call: Any, routing: ContractRouting, method: str, path: str, root_path: str = "") -> Any:
    """("routed", (routing context, path parameters)), ("error", status, headers), or routing's own answer."""
    scope = {"type": "http", "method": method, "path": path, "root_path": root_path, "headers": [], "query_string": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        raise Captured.answer(message)

    try:
        asyncio.run(call(routing, scope, receive, send))
    except Captured as routed:
        return ("routed", routed.routed)
    except HTTPException as exc:
        return ("error", exc.status_code, dict(exc.headers or {}))
    raise AssertionError("routing neither routed nor refused")
