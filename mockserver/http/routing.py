"""connexion's routing with a precompiled table in front of it.

connexion's RoutingMiddleware matches a request with starlette's Router: one `matches`
call per route (building a child scope each time) until one fits, ~20 µs per request on
the contract's 46 operations (bench/results.md, P4). `ContractRouting` compiles, from
the same starlette routes, a table per HTTP method that keeps their order and their
path converters, and routes a request it finds there exactly as connexion would: the
operationId and the API's base path in `scope["extensions"]["connexion_routing"]`, the
converted path parameters in `scope["path_params"]`. Anything the table does not find
(404, 405 with its Allow header, trailing-slash redirects, an ASGI `root_path`) goes
through connexion's own router, so those answers are connexion's.

One difference is deliberate: a path holding a newline (`%0A`). connexion mounts the API
under its base path, and the Mount's `.*` stops at a newline, so connexion answers 404;
the real server (FastAPI) matches its routes flat, where a `[^/]+` parameter takes the
newline, and the operation then judges the id. The table routes such paths as FastAPI
does, so `/v3/workspaces/a%0Ab/peers` gets the same 422 as `/v3/workspaces/a%20b/peers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.routing import RoutingMiddleware
from starlette.convertors import Convertor, PathConvertor, StringConvertor
from starlette.routing import Mount, Route, Router
from starlette.types import Receive, Scope, Send


@dataclass(frozen=True)
class RouteEntry:
    pattern: re.Pattern[str]
    convertors: dict[str, Convertor[Any]] | None  # None: every parameter is plain text
    operation_id: str

    def parameters(self, matched: re.Match[str]) -> dict[str, Any]:
        values = matched.groupdict()
        if self.convertors is None:
            return values
        return {k: self.convertors[k].convert(v) for k, v in values.items()}


@dataclass
class RouteGroup:
    """The routes of one method and depth, in starlette's order, looked up by the path's last
    segment: a route ending in literal text (`.../list`) can only match a path ending in it,
    so each literal keeps its own routes with the open-ended ones (`.../{session_id}`) merged
    in order, and any other ending tries the open-ended ones alone. A route is tried only
    where it could match: one regex per request for most paths, where trying the whole group
    cost ~3 µs (bench/results.md)."""

    by_last: dict[str, list[RouteEntry]] = field(default_factory=dict)
    open_ended: list[RouteEntry] = field(default_factory=list)

    @classmethod
    def of(cls, entries: list[tuple[str | None, RouteEntry]]) -> RouteGroup:
        """`entries`: (the route's literal last segment, or None when it holds a parameter), in order."""
        group = cls(open_ended=[entry for last, entry in entries if last is None])
        for literal in {last for last, _ in entries if last is not None}:
            group.by_last[literal] = [entry for last, entry in entries if last in (literal, None)]
        return group

    def candidates(self, path: str) -> list[RouteEntry]:
        last = path[path.rfind("/") + 1:]
        if last.endswith("\n"):  # `$` matches before a final newline: `/list\n` may be the route `/list`
            last = last[:-1]
        return self.by_last.get(last, self.open_ended)


def literal_last_segment(template: str) -> str | None:
    """The last segment of a route's path template when it is plain text, else None."""
    last = template.rsplit("/", 1)[-1]
    return None if "{" in last else last


@dataclass
class RouteTable:
    """The routes of one mounted API, in starlette's order, grouped by method and by the
    number of `/` in the path (a parameter's text holds none, unless it is a `path` one:
    a method with such a route keeps one ordered group, under the count None)."""

    mount: re.Pattern[str]  # the Mount's regex: base path + "/{path:path}"
    base_path: str
    routes: dict[tuple[str, int | None], RouteGroup] = field(default_factory=dict)
    any_depth: set[str] = field(default_factory=set)  # methods whose routes are not grouped by depth

    @classmethod
    def of(cls, router: Router) -> RouteTable | None:
        """The table for connexion's router, or None where its shape is not the simple one
        (one mounted API of plain routes) whose order the table is known to reproduce."""
        if len(router.routes) != 1 or not isinstance(router.routes[0], Mount):
            return None
        mount = router.routes[0]
        api = mount.app
        if not isinstance(api, Router) or isinstance(api.default, Router) or set(mount.param_convertors) != {"path"}:
            return None
        table = cls(mount.path_regex, mount.path)
        routes = [r for r in api.routes if isinstance(r, Route) and r.methods]
        if len(routes) != len(api.routes) or any(getattr(r.endpoint, "operation_id", None) is None for r in routes):
            return None
        table.any_depth = {m for r in routes for m in r.methods  # type: ignore[union-attr]
                           if any(isinstance(c, PathConvertor) for c in r.param_convertors.values())}
        grouped: dict[tuple[str, int | None], list[tuple[str | None, RouteEntry]]] = {}
        for route in routes:
            plain = all(isinstance(c, StringConvertor) for c in route.param_convertors.values())
            entry = RouteEntry(route.path_regex, None if plain else dict(route.param_convertors),
                               route.endpoint.operation_id)
            for method in route.methods:  # type: ignore[union-attr]
                depth = None if method in table.any_depth else route.path.count("/")
                grouped.setdefault((method, depth), []).append((literal_last_segment(route.path), entry))
        table.routes = {key: RouteGroup.of(entries) for key, entries in grouped.items()}
        return table

    def find(self, scope: Scope) -> tuple[str, dict[str, Any]] | None:
        """(operationId, path parameters) of the route starlette would fully match, or None.
        Left to starlette: requests under a `root_path`, whose nesting rules are subtle (a
        path outside the root path is matched whole). A path holding a newline is matched
        as FastAPI's flat routes match it: the base path is a plain prefix, and Python's `$`
        matches before a final newline, so `/pets/0\n` has the parameter "0\n"."""
        path = scope["path"]
        if scope.get("root_path"):
            return None
        if "\n" in path:
            if not path.startswith(self.base_path + "/"):
                return None
            path = path[len(self.base_path):]
        else:
            mounted = self.mount.match(path)
            if mounted is None:
                return None
            path = "/" + mounted["path"]
        method = scope["method"]
        group = self.routes.get((method, None if method in self.any_depth else path.count("/")))
        if group is None:
            return None
        for entry in group.candidates(path):
            matched = entry.pattern.match(path)
            if matched is not None:
                return entry.operation_id, entry.parameters(matched)
        return None


class ContractRouting(RoutingMiddleware):
    """RoutingMiddleware answering from a RouteTable first."""

    table: RouteTable | None = None

    def add_api(self, *args: Any, **kwargs: Any) -> None:
        super().add_api(*args, **kwargs)
        self.table = RouteTable.of(self.router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.table.find(scope) if self.table is not None and scope["type"] == "http" else None
        if found is None:
            await super().__call__(scope, receive, send)
            return
        operation_id, params = found
        routed = scope.copy()  # connexion passes on a copy of the scope too
        given = scope.get("path_params")
        routed["path_params"] = {**given, **params} if given else params
        extensions = routed.get("extensions")
        if extensions is None:
            extensions = routed["extensions"] = {}
        routing = extensions.get(ROUTING_CONTEXT)
        if routing is None:
            routing = extensions[ROUTING_CONTEXT] = {}
        routing["api_base_path"] = self.table.base_path  # type: ignore[union-attr]
        routing["operation_id"] = operation_id
        await self.app(routed, receive, send)


ROUTING = "connexion_routing"
