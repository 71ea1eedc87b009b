"""Assembling the mock: openapi.yaml served by connexion, handlers acting on a store.

The ASGI stack, outermost first:
  non-HTTP scopes refused (http/non_http.py) -> the request log (http/request_log.py)
  -> the Host check (http/host_check.py) -> --state-file saves (http/autosave.py) -> CORS
  -> the mock's own routes (/_mock/, /openapi.json) -> the docs pages (/docs, /ui/, /redoc)
  -> connexion's middleware list: errors as JSON (ErrorsAsJSON),
     routing by openapi.yaml (http/routing.py), auth when on (http/auth.py), faults (http/faults.py)
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
from typing import Any, TextIO

from connexion import ConnexionMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.types import ASGIApp

import honcho_contracts
from honcho_contracts import ApiVersion

from mockserver import handlers as _handlers  # noqa: F401  (registers every operation)
from mockserver.contract.document import HTTP_METHODS, Contract, SpecError
from mockserver.contract.examples import ExampleResponder
from mockserver.contract.validation import ContractValidator
from mockserver.handlers.keys import key_handler
from mockserver.handlers.registry import FACTS, OPERATIONS
from mockserver.honcho.keys import AuthSettings
from mockserver.honcho.webhook_delivery import WebhookDelivery
from mockserver.http.auth import KEYS_OPERATION, AuthMiddleware
from mockserver.http.autosave import PersistenceMiddleware
from mockserver.http.bodies import DEFAULT_MAX_BODY
from mockserver.http.cors import CORSWhenAsked
from mockserver.http.coverage_log import CoverageLog
from mockserver.http.dispatch import Dispatcher
from mockserver.http.docs_ui import DocsPages
from mockserver.http.error_pages import ErrorsAsJSON, allow_table, routes_elsewhere
from mockserver.http.faults import (
    ErrorRule,
    FaultMiddleware,
    LatencyRule,
    error_rules,
    latency_rules,
)
from mockserver.http.host_check import HostCheck
from mockserver.http.mock_routes import AdminRoutes
from mockserver.http.non_http import RefuseNonHTTP
from mockserver.http.request_log import RequestLog
from mockserver.http.routing import ContractRouting
from mockserver.state.clock import Clock
from mockserver.state.fixtures import check_fixtures, load_fixtures
from mockserver.state.record_cap import DEFAULT_MAX_RECORDS, capped_store
from mockserver.state.state_file import DEFAULT_SAVE_INTERVAL, StateFile
from mockserver.state.store import Store

logger = logging.getLogger("mockserver")


@dataclass
class MockConfig:
    """Everything the command line can set."""

    api_version: str = honcho_contracts.DEFAULT_VERSION  # the Honcho version served: its contract and behaviour
    spec: Path | None = None  # another OpenAPI document to serve instead of that version's contract
    seed: int | None = None
    fixtures: Any = None
    fixtures_source: str = "--fixtures"  # named in a refusal: the file's name when the CLI read it
    max_body: int = DEFAULT_MAX_BODY
    cors: bool = True
    swagger_ui: bool = True
    max_records: int | None = DEFAULT_MAX_RECORDS  # None or 0: no cap (state/record_cap.py)
    state_file: Path | None = None  # opt-in persistence (state/state_file.py, http/autosave.py)
    save_interval: float = DEFAULT_SAVE_INTERVAL
    auth_secret: str | None = None  # http/auth.py: a secret and/or an admin token switch auth on
    admin_token: str | None = None
    latency: tuple[str | LatencyRule, ...] = ()  # http/faults.py: "MS[:PATTERN]"
    error_rate: tuple[str | ErrorRule, ...] = ()  # http/faults.py: "RATE[:STATUS][:PATTERN]"
    webhook_allow: tuple[str, ...] = ()  # honcho/webhook_delivery.py: hosts webhook events may be POSTed to (none: no delivery)
    request_log: str | None = None  # request_log.py: "text" or "json" lines per request (honcho-mock: text)
    log_stream: TextIO | None = None  # where the request log goes (default: stdout)
    # host_check.py: the Host names answered besides IPs and localhost (None: no check, as for an in-process app;
    # honcho-mock passes its bind address and --allowed-host)
    allowed_hosts: tuple[str, ...] | None = None
    bind_host: str = "127.0.0.1"
    reloadable: bool = False  # --watch: the contract's part of the stack can be replaced while serving


class MockServer:
    """The mock as a Python object: its store, its contract and its ASGI app."""

    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.version = served_version(self.config.api_version)
        self.contract = self._read_contract()
        self.store: Store = capped_store(Clock(self.config.seed), max_records=self.config.max_records)
        self.store.filter_null_logic = self.version.behaviour.filter_null_logic
        self.validation_contract = self.contract.validation_view()  # a 3.0 document's schemas read as 2020-12
        self.validators = ContractValidator(self.validation_contract)
        self.examples = ExampleResponder(self.validation_contract, self.validators)
        self.auth = AuthSettings.create(self.config.auth_secret, self.config.admin_token)
        self.coverage = CoverageLog(self.validation_contract, auth=self.auth is not None)  # GET /_mock/coverage
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
                load_fixtures(self.store, self.config.fixtures, self.config.fixtures_source, self.version.name)
        except BaseException:
            if self.state_file is not None:
                self.state_file.close()
            raise

    def close(self) -> None:
        """Save what is unsaved and let go of the state file (after serving, or when start-up stops)."""
        if self.request_log is not None:
            self.request_log.flush()
        if self.state_file is not None:
            if self.state_file.dirty:  # the lifespan shutdown did not save
                self.state_file.save_now(self.store)
            self.state_file.close()

    def reset(self, to_fixtures: bool = False) -> None:
        """Forget all state; a seeded mock starts its ids and clock over. `to_fixtures`: then
        load the start fixtures again (`POST /_mock/reset?to=fixtures`), the state the mock
        started with when it had no state file to restore."""
        self.store.reset()
        self.store.clock = Clock(self.config.seed)
        if to_fixtures and self.config.fixtures is not None:
            load_fixtures(self.store, self.config.fixtures, self.config.fixtures_source, self.version.name)

    @property
    def contract_file(self) -> Path | None:
        """The file that says what is served: --spec's, else the version's own (its document or its overlay)."""
        return self.config.spec if self.config.spec is not None else self.version.contract_path

    def _read_contract(self, fresh: bool = False) -> Contract:
        """--spec's document, else the version's; `fresh` reads the version's files again (--watch)."""
        if self.config.spec is not None:
            return Contract.load(self.config.spec)
        return Contract(self.version.document(fresh=fresh), self.version.contract_path)

    def reload_contract(self) -> None:
        """Read the contract's file again and serve it (--watch), keeping the state and the coverage counts;
        any error leaves the served contract as it was (the caller says why)."""
        if self.slot is None:
            raise RuntimeError("this mock was not built to reload its contract (MockConfig.reloadable)")
        contract = self._read_contract(fresh=True)
        validation_contract = contract.validation_view()
        validators = ContractValidator(validation_contract)
        coverage = CoverageLog(validation_contract, auth=self.auth is not None)
        coverage.counts = self.coverage.counts
        parts = (contract, validation_contract, validators, ExampleResponder(validation_contract, validators), coverage)
        inner, docs = self._contract_stack(*parts)  # built whole before anything served changes
        (self.contract, self.validation_contract, self.validators, self.examples, self.coverage) = parts
        self.docs, self.slot.app = docs, inner

    def _build(self) -> ASGIApp:
        app, self.docs = self._contract_stack(self.contract, self.validation_contract, self.validators, self.examples,
                                              self.coverage)
        self.slot: ContractSlot | None = None
        if self.config.reloadable:
            app = self.slot = ContractSlot(app)
        if self.config.cors:
            app = CORSWhenAsked(app, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                                 expose_headers=["*"])
        if self.state_file is not None:
            app = PersistenceMiddleware(app, self.state_file, self.store)
        if self.config.allowed_hosts is not None:
            app = HostCheck(app, self.config.bind_host, self.config.allowed_hosts)
        self.request_log: RequestLog | None = None
        if self.config.request_log:  # outermost: every request is logged, preflights and /_mock/ ones too
            app = self.request_log = RequestLog(app, self.config.request_log, self.config.log_stream)
        return RefuseNonHTTP(app)

    def _contract_stack(self, contract: Contract, validation_contract: Contract, validators: ContractValidator,
                        examples: ExampleResponder, coverage: CoverageLog) -> tuple[ASGIApp, DocsPages | None]:
        """What depends on the contract: the /_mock/ routes, the docs pages, connexion's routing and the
        middleware after it, the Dispatcher."""
        handlers = OPERATIONS if self.auth is None else {**OPERATIONS, KEYS_OPERATION: key_handler(self.auth)}
        dispatcher = Dispatcher(self.store, validators, handlers, fallback=examples.fallback,
                                max_body=self.config.max_body, coverage=coverage,
                                behaviour=self.version.behaviour, api_version=self.version.name)
        allow = allow_table(contract.document.get("paths", {}), HTTP_METHODS)
        elsewhere = routes_elsewhere(self.version) if self.config.spec is None else ()
        # connexion's own LifespanMiddleware is left out: there is no lifespan handler to run (the Dispatcher
        # acknowledges the server's lifespan messages), and each layer costs every request a coroutine
        middlewares = [functools.partial(ErrorsAsJSON, base_path=contract.base_path, allow=allow,
                                         elsewhere=elsewhere, served=self.version), ContractRouting]
        after_routing: list[Any] = []
        if self.auth is not None:  # first: a fault header acts only on an authenticated request
            after_routing.append(functools.partial(AuthMiddleware, settings=self.auth, contract=validation_contract,
                                                   max_body=self.config.max_body, facts=FACTS, coverage=coverage))
        after_routing.append(functools.partial(FaultMiddleware, contract=validation_contract, responder=examples,
                                               latency=self.latency, errors=self.error_rate, seed=self.config.seed,
                                               coverage=coverage))
        at = middlewares.index(ContractRouting) + 1  # routed: they know the operation and its path parameters
        middlewares[at:at] = after_routing
        connexion_app = ConnexionMiddleware(dispatcher, middlewares=middlewares)
        connexion_app.add_api(
            contract.openapi30_view(),
            resolver=Resolver(function_resolver=_routed_only),
            swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),  # docs_ui.py serves them
        )
        app: ASGIApp = connexion_app
        docs: DocsPages | None = None
        if self.config.swagger_ui:
            app = docs = DocsPages(app, contract.document, contract.base_path)
        app = AdminRoutes(app, self.store, copy.deepcopy(contract.document), self.reset,
                          max_body=self.config.max_body, has_fixtures=self.config.fixtures is not None,
                          auth=self.auth, coverage=coverage, api_version=self.version.name)
        return app, docs

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await self.app(scope, receive, send)


class ContractSlot:
    """The contract's part of the stack, behind one reference that a reload replaces (--watch): a request
    already inside finishes on the contract it started with, the next one meets the new contract."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await self.app(scope, receive, send)


def _routed_only(operation_id: str) -> Any:
    """connexion resolves a function per operation; the Dispatcher does the real binding."""
    return operation_id


def served_version(name: str) -> ApiVersion:
    """The Honcho version `name`, if the mock serves it; SpecError saying which it serves otherwise."""
    try:
        version = honcho_contracts.get(name)
    except honcho_contracts.UnknownVersion as exc:
        raise SpecError(str(exc)) from None
    if not version.served:
        raise SpecError(f"{version.title} is not served by this mock yet; it serves "
                        + ", ".join(v.name for v in honcho_contracts.served_versions()))
    return version


def create_app(spec: str | Path | None = None, **options: Any) -> MockServer:
    """The mock for a Honcho version (`api_version=`, default the newest released) or for the
    OpenAPI document `spec`, ready to be served by any ASGI server."""
    return MockServer(MockConfig(spec=None if spec is None else Path(spec), **options))
