"""Assembling the mock: openapi.yaml served by connexion, handlers acting on a store.

The ASGI stack, outermost first:
  CORS (starlette) -> the mock's own routes (/_mock/, /openapi.json)
  -> connexion's middleware list: errors as JSON (ErrorsAsJSON), Swagger UI at /ui,
     routing by openapi.yaml (routing.py), faults (faults.py), auth when on (auth.py)
  -> Dispatcher.
connexion's own request validation, security and parameter injection are left out of
its middleware list: the Dispatcher validates against the 3.1 schemas and answers in
FastAPI's error shape, which is what Honcho clients expect.
"""

from __future__ import annotations

import copy
import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connexion import ConnexionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from . import handlers as _handlers  # noqa: F401  (registers every operation)
from .admin import AdminRoutes
from .auth import KEYS_OPERATION, AuthMiddleware, AuthSettings, key_handler
from .clock import Clock
from .contract import DEFAULT_SPEC, Contract
from .delivery import WebhookDelivery
from .dispatch import DEFAULT_MAX_BODY, Dispatcher
from .examples import ExampleResponder
from .faults import ErrorRule, FaultMiddleware, LatencyRule, error_rules, latency_rules
from .handlers.registry import OPERATIONS
from .limits import DEFAULT_MAX_RECORDS, LimitedStore, check_fixtures
from .persistence import DEFAULT_SAVE_INTERVAL, PersistenceMiddleware, StateFile
from .responses import send_json
from .routing import ContractRouting
from .snapshot import load_fixtures
from .store import Store
from .validation import ContractValidator

logger = logging.getLogger("mockserver")


@dataclass
class MockConfig:
    """Everything the command line can set."""

    spec: Path = DEFAULT_SPEC
    seed: int | None = None
    fixtures: Any = None
    max_body: int = DEFAULT_MAX_BODY
    cors: bool = True
    swagger_ui: bool = True
    max_records: int | None = DEFAULT_MAX_RECORDS  # None or 0: no cap (limits.py)
    state_file: Path | None = None  # opt-in persistence (persistence.py)
    save_interval: float = DEFAULT_SAVE_INTERVAL
    auth_secret: str | None = None  # auth.py: a secret and/or an admin token switch auth on
    admin_token: str | None = None
    latency: tuple[str | LatencyRule, ...] = ()  # faults.py: "MS[:PATTERN]"
    error_rate: tuple[str | ErrorRule, ...] = ()  # faults.py: "RATE[:STATUS][:PATTERN]"
    webhook_allow: tuple[str, ...] = ()  # delivery.py: hosts webhook events may be POSTed to (none: no delivery)


class MockServer:
    """The mock as a Python object: its store, its contract and its ASGI app."""

    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.contract = Contract.load(self.config.spec)
        self.store: Store = LimitedStore(Clock(self.config.seed), max_records=self.config.max_records)
        self.validation_contract = self.contract.validation_view()  # a 3.0 document's schemas read as 2020-12
        self.validators = ContractValidator(self.validation_contract)
        self.examples = ExampleResponder(self.validation_contract, self.validators)
        self.auth = AuthSettings.create(self.config.auth_secret, self.config.admin_token)
        self.latency, self.error_rate = latency_rules(self.config.latency), error_rules(self.config.error_rate)
        self.delivery: WebhookDelivery | None = None
        if self.config.webhook_allow:
            self.delivery = WebhookDelivery(self.store, frozenset(self.config.webhook_allow))
            self.store.event_listeners.append(self.delivery)
        self.state_file: StateFile | None = None
        if self.config.state_file is not None:  # loads the saved state (a state file wins over fixtures)
            self.state_file = StateFile(self.config.state_file, self.config.save_interval)
            self.state_file.open(self.store)
        try:
            self.app = self._build()
            if self.config.fixtures is not None and not (self.state_file and self.state_file.restored):
                check_fixtures(self.store, self.config.fixtures)
                load_fixtures(self.store, self.config.fixtures)
        except BaseException:
            if self.state_file is not None:
                self.state_file.close()
            raise

    def reset(self) -> None:
        """Forget all state; a seeded mock starts its ids and clock over."""
        self.store.reset()
        self.store.clock = Clock(self.config.seed)

    def _build(self) -> ASGIApp:
        handlers = OPERATIONS if self.auth is None else {**OPERATIONS, KEYS_OPERATION: key_handler(self.auth)}
        dispatcher = Dispatcher(self.store, self.validators, handlers, fallback=self.examples.fallback,
                                max_body=self.config.max_body)
        middlewares = [ErrorsAsJSON, ContractRouting, LifespanMiddleware]
        after_routing = [functools.partial(FaultMiddleware, contract=self.validation_contract, responder=self.examples,
                                           latency=self.latency, errors=self.error_rate, seed=self.config.seed)]
        if self.auth is not None:
            after_routing.append(functools.partial(AuthMiddleware, settings=self.auth, contract=self.validation_contract,
                                                   max_body=self.config.max_body))
        at = middlewares.index(ContractRouting) + 1  # routed: they know the operation and its path parameters
        middlewares[at:at] = after_routing
        if self.config.swagger_ui:
            middlewares.insert(middlewares.index(ContractRouting), SwaggerUIOnItsPaths)
        connexion_app = ConnexionMiddleware(dispatcher, middlewares=middlewares)
        connexion_app.add_api(
            self.contract.openapi30_view(),
            resolver=Resolver(function_resolver=_routed_only),
            swagger_ui_options=SwaggerUIOptions(swagger_ui=self.config.swagger_ui, spec_path="/openapi.json",
                                                swagger_ui_path="/ui"),
        )
        app: ASGIApp = AdminRoutes(connexion_app, self.store, copy.deepcopy(self.contract.document), self.reset)
        if self.config.cors:
            app = CORSWhenAsked(app, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                                 expose_headers=["*"])
        if self.state_file is not None:
            app = PersistenceMiddleware(app, self.state_file, self.store)
        return app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await self.app(scope, receive, send)


class ErrorsAsJSON:
    """The outermost piece of connexion's stack: an exception raised by routing (starlette's
    404 and 405, with its Allow header) or by anything after it is answered in the
    contract's error shape. It does the work of starlette's ServerErrorMiddleware and
    connexion's ExceptionMiddleware for this mock, ~5 µs cheaper per request
    (bench/results.md): nothing here raises connexion's own problem exceptions."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            await send_json(send, exc.status_code, {"detail": exc.detail}, dict(exc.headers or {}))
        except Exception:
            if started:
                raise
            logger.exception("unhandled error for %s %s", scope.get("method"), scope.get("path"))
            await send_json(send, 500, {"detail": "An unexpected error occurred"})


class CORSWhenAsked:
    """Starlette's CORS for requests that carry an `Origin` header (browsers); the others,
    SDKs and test suites, skip it (it rewrites every response's headers otherwise)."""

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "http" and any(name == b"origin" for name, _ in scope.get("headers", ())):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class SwaggerUIOnItsPaths(SwaggerUIMiddleware):
    """connexion's Swagger UI, asked only about paths that can be its own: its router
    otherwise costs every API call a route scan (~11 µs, bench/results.md)."""

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] == "http" and "/ui" not in path and not path.endswith(("openapi.json", "openapi.yaml")):
            await self.app(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _routed_only(operation_id: str) -> Any:
    """connexion resolves a function per operation; the Dispatcher does the real binding."""
    return operation_id


def create_app(spec: str | Path = DEFAULT_SPEC, **options: Any) -> MockServer:
    """The mock for `spec`, ready to be served by any ASGI server."""
    return MockServer(MockConfig(spec=Path(spec), **options))
