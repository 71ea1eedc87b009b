"""Assembling the mock: openapi.yaml served by connexion, handlers acting on a store.

The ASGI stack, outermost first:
  CORS (starlette) -> the mock's own routes (/_mock/, /openapi.json)
  -> connexion (errors, Swagger UI at /ui, routing by openapi.yaml) -> Dispatcher.
connexion's own request validation, security and parameter injection are left out of
its middleware list: the Dispatcher validates against the 3.1 schemas and answers in
FastAPI's error shape, which is what Honcho clients expect.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# connexion imports starlette's TestClient at import time, which warns about httpx: noise for users
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from connexion import ConnexionMiddleware  # noqa: E402
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from . import handlers as _handlers  # noqa: F401  (registers every operation)
from .admin import AdminRoutes
from .clock import Clock
from .contract import DEFAULT_SPEC, Contract
from .dispatch import DEFAULT_MAX_BODY, Dispatcher
from .handlers.registry import OPERATIONS
from .responses import encode_json
from .snapshot import load_fixtures
from .store import Store
from .validation import ContractValidator


@dataclass
class MockConfig:
    """Everything the command line can set."""

    spec: Path = DEFAULT_SPEC
    seed: int | None = None
    fixtures: Any = None
    max_body: int = DEFAULT_MAX_BODY
    cors: bool = True
    swagger_ui: bool = True


class MockServer:
    """The mock as a Python object: its store, its contract and its ASGI app."""

    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.contract = Contract.load(self.config.spec)
        self.store = Store(Clock(self.config.seed))
        self.validators = ContractValidator(self.contract)
        self.app = self._build()
        if self.config.fixtures is not None:
            load_fixtures(self.store, self.config.fixtures)

    def reset(self) -> None:
        """Forget all state; a seeded mock starts its ids and clock over."""
        self.store.reset()
        self.store.clock = Clock(self.config.seed)

    def _build(self) -> ASGIApp:
        dispatcher = Dispatcher(self.store, self.validators, OPERATIONS, max_body=self.config.max_body)
        middlewares = [ServerErrorMiddleware, ExceptionMiddleware, RoutingMiddleware, LifespanMiddleware]
        if self.config.swagger_ui:
            middlewares.insert(2, SwaggerUIMiddleware)
        connexion_app = ConnexionMiddleware(dispatcher, middlewares=middlewares)
        connexion_app.add_api(
            self.contract.openapi30_view(),
            resolver=Resolver(function_resolver=_routed_only),
            swagger_ui_options=SwaggerUIOptions(swagger_ui=self.config.swagger_ui, spec_path="/openapi.json",
                                                swagger_ui_path="/ui"),
        )
        connexion_app.add_error_handler(HTTPException, _http_error)
        connexion_app.add_error_handler(Exception, _server_error)
        app: ASGIApp = AdminRoutes(connexion_app, self.store, copy.deepcopy(self.contract.document), self.reset)
        if self.config.cors:
            app = CORSMiddleware(app, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                                 expose_headers=["*"])
        return app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await self.app(scope, receive, send)


def _routed_only(operation_id: str) -> Any:
    """connexion resolves a function per operation; the Dispatcher does the real binding."""
    return operation_id


def _http_error(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
    """Routing errors (404, 405) in FastAPI's shape, with the Allow header kept."""
    return ConnexionResponse(status_code=exc.status_code, body=encode_json({"detail": exc.detail}),
                             mimetype="application/json", headers=dict(exc.headers or {}))


def _server_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return ConnexionResponse(status_code=500, body=encode_json({"detail": "An unexpected error occurred"}),
                             mimetype="application/json")


def create_app(spec: str | Path = DEFAULT_SPEC, **options: Any) -> MockServer:
    """The mock for `spec`, ready to be served by any ASGI server."""
    return MockServer(MockConfig(spec=Path(spec), **options))
