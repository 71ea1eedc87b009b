"""Errors raised by routing, or by anything after it, answered in the contract's error shape."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp

import honcho_contracts
from honcho_contracts import ApiVersion

from mockserver.http.responses import send_json

logger = logging.getLogger("mockserver")


class ErrorsAsJSON:
    """The outermost piece of connexion's stack: an exception raised by routing (starlette's
    404 and 405, with its Allow header) or by anything after it is answered in the
    contract's error shape. It does the work of starlette's ServerErrorMiddleware and
    connexion's ExceptionMiddleware for this mock, ~5 µs cheaper per request
    (bench/results.md): nothing here raises connexion's own problem exceptions."""

    def __init__(self, app: ASGIApp, base_path: str = "",
                 allow: Sequence[tuple[re.Pattern[str], tuple[str, ...]]] = (),
                 elsewhere: Sequence[RouteElsewhere] = (), served: ApiVersion | None = None) -> None:
        self.app = app
        self.base_path = base_path  # where the API is mounted: a 404 outside it says so
        self.allow = allow
        self.elsewhere = elsewhere  # routes of the other Honcho versions: a 404 there says which has it
        self.served = served

    def not_here(self, method: str, path: str) -> str | None:
        """The 404 detail for a route another Honcho version has and the served one lacks
        (`POST /v3/workspaces/w/scopes` on 3.0.12), or None."""
        for route in self.elsewhere:
            if method in route.methods and route.pattern.match(path):
                served = self.served.title if self.served else "another"
                how = f" (honcho-mock --api-version {route.version.name} serves it)" if route.version.served else ""
                return (f"Not Found: {method} {route.template} is a route of the {route.version.title} contract, "
                        f"not of the {served} contract this mock serves{how}")
        return None

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
            elif exc.status_code == 404 and self.elsewhere:
                detail = self.not_here(scope.get("method", ""), path[len(self.base_path):]) or detail
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


@dataclass(frozen=True)
class RouteElsewhere:
    """A route of another Honcho version's contract that the served contract does not have."""

    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    template: str
    version: ApiVersion


def routes_elsewhere(served: ApiVersion) -> list[RouteElsewhere]:
    """The routes (method and path) of every other version with a contract that `served` lacks,
    the nearest version first."""
    known = honcho_contracts.versions()
    own = served.routes()
    found: list[RouteElsewhere] = []
    for version in sorted((v for v in known if v is not served), key=lambda v: abs(known.index(v) - known.index(served))):
        by_template: dict[str, list[str]] = {}
        for method, template in sorted(version.routes() - own):
            by_template.setdefault(template, []).append(method)
        found += [RouteElsewhere(_template_regex(t), tuple(m), t, version) for t, m in by_template.items()]
    return found


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts) + "$")


def allow_table(paths: Mapping[str, Any], methods: Sequence[str]) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    """For each path of the contract: a regex of its concrete paths, and its methods."""
    table = []
    for template, item in paths.items():
        if not isinstance(item, dict):
            continue
        own = tuple(m.upper() for m in methods if isinstance(item.get(m), dict))
        table.append((_template_regex(template), own))
    return table
