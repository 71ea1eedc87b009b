"""The precompiled route table routes every request exactly as connexion's router does.

Each request is routed twice by one ContractRouting: through its table (`__call__`) and
through connexion's own RoutingMiddleware (`RoutingMiddleware.__call__`); the scope each
hands on (operationId, base path, path parameters) or the error each raises must agree.
The one deliberate exception, paths holding a newline, is held to starlette's own flat
routes instead: that is how the real server (FastAPI) matches them.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from connexion.middleware.routing import RoutingMiddleware
from connexion.resolver import Resolver
from connexion.spec import Specification
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.routing import Match, Route
from support import DATA, SPEC
from support.routing import route, routing_for_document

from mockserver.contract.document import Contract
from mockserver.http.routing import ContractRouting

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def contract_with_base_path(name: str, server: str | None) -> Contract:
    contract = Contract.load(DATA / name if name != "honcho" else SPEC)
    if server is not None:
        document = copy.deepcopy(contract.document)
        document["servers"] = [{"url": server}]
        contract = Contract(document, contract.source)
    return contract


CONTRACTS = {
    "honcho": contract_with_base_path("honcho", None),
    "petstore": contract_with_base_path("petstore-3.0.yaml", None),
    "petstore under /api/v1": contract_with_base_path("petstore-3.0.yaml", "http://example.test/api/v1"),
}


def routing_for(contract: Contract) -> ContractRouting:
    return routing_for_document(contract.openapi30_view())


ROUTINGS = {name: routing_for(contract) for name, contract in CONTRACTS.items()}


def both(routing: ContractRouting, method: str, path: str, root_path: str = "") -> tuple[Any, Any]:
    fast = route(ContractRouting.__call__, routing, method, path, root_path)
    slow = route(RoutingMiddleware.__call__, routing, method, path, root_path)
    return fast, slow


def flat_route(routing: ContractRouting, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """How FastAPI routes the request: starlette's first route, base path included, that
    fully matches it (operationId, path parameters), or None."""
    mount = routing.router.routes[0]
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for inner in mount.app.routes:
        match, child = Route(mount.path + inner.path, inner.endpoint, methods=inner.methods).matches(scope)
        if match is Match.FULL:
            return inner.endpoint.operation_id, child["path_params"]
    return None


def agree(routing: ContractRouting, method: str, path: str, root_path: str = "") -> None:
    """The table routes as connexion does; a path holding a newline that FastAPI's flat
    routes match is routed as they route it (connexion's Mount answers 404 for it)."""
    fast, slow = both(routing, method, path, root_path)
    flat = flat_route(routing, method, path) if "\n" in path and not root_path else None
    if flat is None:
        assert fast == slow, (method, path, root_path)
    else:
        assert fast[0] == "routed", (method, path, fast)
        assert (fast[1][0]["operation_id"], fast[1][1]) == flat, (method, path)


def concrete_path(base: str, template: str, values: dict[str, str]) -> str:
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return base + path


def base_of(name: str) -> str:
    return "/api/v1" if name.endswith("/api/v1") else ""


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_every_operation_is_found_by_the_table(name: str) -> None:
    routing = ROUTINGS[name]
    assert routing.table is not None, "the table must cover the contract's simple router shape"
    for operation in CONTRACTS[name].iter_operations():
        values = {p["name"]: ("7" if p.get("schema", {}).get("type") == "integer" else "abc-1")
                  for p in operation.parameters if p["in"] == "path"}
        path = concrete_path(base_of(name), operation.path, values)
        method = operation.method.upper()
        found = routing.table.find({"type": "http", "method": method, "path": path, "root_path": ""})
        assert found is not None and found[0] == operation.operation_id, (method, path, found)
        fast, slow = both(routing, method, path)
        assert fast == slow
        assert fast[1][0]["operation_id"] == operation.operation_id


SEGMENT = st.one_of(
    st.sampled_from(["abc", "7", "-1", "0", "list", "search", "v3", "workspaces", "sessions", "messages", "pets",
                     "peers", "", ".", "..", "a b", "%2F", "é", "1.5", "batch", "representation", "queue",
                     "0\n", "a\nb", "\n"]),
    st.text(st.characters(codec="utf-8", exclude_characters="/"), max_size=6),
)


@pytest.mark.parametrize("name", list(CONTRACTS))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_table_and_router_agree_on_any_request(name: str, data: st.DataObject) -> None:
    routing = ROUTINGS[name]
    operations = list(CONTRACTS[name].iter_operations())
    method = data.draw(st.sampled_from(METHODS))
    if data.draw(st.booleans()):  # a contract path with arbitrary parameter values
        operation = data.draw(st.sampled_from(operations))
        names = [p["name"] for p in operation.parameters if p["in"] == "path"]
        path = concrete_path(base_of(name), operation.path, {n: data.draw(SEGMENT) for n in names})
        path += data.draw(st.sampled_from(["", "/", "/extra"]))
    else:  # any path built from the contract's words
        path = "/" + "/".join(data.draw(st.lists(SEGMENT, max_size=8)))
    root_path = data.draw(st.sampled_from(["", "", "/prefix"]))
    if root_path and data.draw(st.booleans()):
        path = root_path + path
    agree(routing, method, path, root_path)


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_paths_with_newlines_route_as_fastapi_routes_them(name: str) -> None:
    """Python's `$` matches before a final newline: `/pets/0\n` is routed by starlette with
    `pet_id` "0\n" (found once by hypothesis), and a newline inside a parameter stays in it."""
    routing = ROUTINGS[name]
    base = base_of(name)
    for path in ("/pets/0\n", "/pets/a\nb", "/pets\n", "/v3/workspaces/w\n", "/v3/workspaces/w\n/peers",
                 "/v3/workspaces/a\nb/sessions/s\n/messages", "/v3/workspaces\n", "/health\n", "\n"):
        for method in ("GET", "POST", "PUT", "DELETE"):
            agree(routing, method, base + path)


def test_a_newline_in_a_parameter_reaches_the_operation() -> None:
    routing = ROUTINGS["honcho"]
    assert routing.table is not None
    found = routing.table.find({"type": "http", "method": "POST", "path": "/v3/workspaces/a\nb/peers", "root_path": ""})
    assert found is not None and found[1] == {"workspace_id": "a\nb"}
    found = routing.table.find({"type": "http", "method": "PUT", "path": "/v3/workspaces/w\n", "root_path": ""})
    assert found is not None and found[1] == {"workspace_id": "w\n"}
    petstore = ROUTINGS["petstore under /api/v1"].table
    assert petstore is not None
    assert petstore.find({"type": "http", "method": "GET", "path": "/api/v1/pets/0\n", "root_path": ""}) is not None
    assert petstore.find({"type": "http", "method": "GET", "path": "/pets/0\n", "root_path": ""}) is None


def test_a_router_of_another_shape_gets_no_table() -> None:
    routing = routing_for(CONTRACTS["petstore"])
    routing.add_api(Specification.load(yaml.safe_load((DATA / "petstore-3.0.yaml").read_text()) | {
        "servers": [{"url": "/other"}]}), resolver=Resolver(function_resolver=lambda op: op))
    assert routing.table is None  # two mounted APIs: connexion's router decides alone
    fast, slow = both(routing, "GET", "/pets")
    assert fast == slow and fast[0] == "routed"


@pytest.mark.parametrize("order", [("/items/{item_id}", "/items/special"), ("/items/special", "/items/{item_id}")])
def test_overlapping_routes_resolve_as_connexion_orders_them(order: tuple[str, str]) -> None:
    def operation(operation_id: str, templated: bool) -> dict[str, Any]:
        parameters = [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}]
        return {"get": {"operationId": operation_id, "parameters": parameters if templated else [],
                        "responses": {"200": {"description": "ok"}}}}
    paths = {path: operation("one" if "{" in path else "special", "{" in path) for path in order}
    contract = Contract({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}, DATA / "overlap")
    routing = routing_for(contract)
    assert routing.table is not None
    for path in ("/items/special", "/items/other"):
        fast, slow = both(routing, "GET", path)
        assert fast == slow
    assert both(routing, "GET", "/items/other")[0][1][0]["operation_id"] == "one"


def test_converted_parameters_route_as_starlette_converts_them() -> None:
    """The mock routes path parameters as text (contract/document.py), but the table serves any
    connexion router: a `format: path` parameter matches across `/` (its method is not
    grouped by depth) and an integer one is converted."""
    def get(operation_id: str, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"get": {"operationId": operation_id, "responses": {"200": {"description": "ok"}},
                        "parameters": [{"name": name, "in": "path", "required": True, "schema": schema}]}}
    paths = {"/files/{name}": get("whole", "name", {"type": "string", "format": "path"}),
             "/files/{name}/meta": get("meta", "name", {"type": "string"}),
             "/pets/{pet_id}": get("pet", "pet_id", {"type": "integer"})}
    routing = routing_for_document({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths})
    assert routing.table is not None and "GET" in routing.table.any_depth
    for path in ("/files/a", "/files/a/b/c", "/files/a/meta", "/files/", "/files", "/pets/7", "/pets/x", "/pets/"):
        fast, slow = both(routing, "GET", path)
        assert fast == slow, path
    assert both(routing, "GET", "/files/a/b/meta")[0][1] == ({"api_base_path": "", "operation_id": "whole"},
                                                            {"name": "a/b/meta"})
    assert both(routing, "GET", "/pets/7")[0][1][1] == {"pet_id": 7}


def test_routing_and_middleware_errors_answer_in_the_error_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    """What routing refuses (404, 405 with Allow) and what fails after it, outside any
    handler, is answered as JSON by the mock's own outermost error piece (app.ErrorsAsJSON)."""
    import httpx
    from support import loopback_server

    from mockserver import create_app
    from mockserver.http.faults import FaultMiddleware

    def broken_plan(self: Any, scope: Any) -> Any:
        raise RuntimeError("a bug after routing")

    server = create_app()
    with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=10) as client:
        missing = client.get("/v3/nowhere")
        wrong = client.patch("/v3/workspaces/w")
        monkeypatch.setattr(FaultMiddleware, "_plan", broken_plan)
        crashed = client.get("/health")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    assert (wrong.status_code, wrong.json()) == (405, {"detail": "Method Not Allowed"})
    assert "PUT" in wrong.headers["allow"]  # starlette names the first route that has the path
    assert (crashed.status_code, crashed.json()) == (500, {"detail": "An unexpected error occurred"})
    assert all(a.headers["content-type"] == "application/json" for a in (missing, wrong, crashed))
