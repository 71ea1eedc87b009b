"""Routes outside the contract, for the people and test suites driving the mock.

- `POST /_mock/reset`: forget everything (a frontend suite calls it between tests);
  `POST /_mock/reset?to=fixtures`: back to the start fixtures (`--fixtures`).
- `GET /_mock/state`: the whole state as a fixture document.
- `POST /_mock/fixtures`: load a fixture document (JSON body) on top of the state: checked
  whole first (the API's rules, `--max-body`, `--max-records`), then loaded at once, or
  refused (422 naming the path of the first problem) with nothing loaded.
- `GET /_mock/coverage`: the operations and statuses clients exercised, and those they
  never did (coverage_log.py); `DELETE /_mock/coverage` starts it over.
- `GET /openapi.json`, `GET /openapi.yaml`: the contract as served (the 3.1 original).
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import parse_qsl

import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import ApiError, RequestValidationError
from mockserver.honcho.keys import AuthError, AuthSettings
from mockserver.http.auth import bearer_token
from mockserver.http.bodies import DEFAULT_MAX_BODY, read_body
from mockserver.http.coverage_log import CoverageLog
from mockserver.http.responses import send_bytes, send_json
from mockserver.json_text import encode_json, parse_json
from mockserver.state.fixtures import (
    FixtureError,
    check_fixtures,
    dump_state,
    load_fixtures,
)
from mockserver.state.store import Store

PREFIX = "/_mock/"


class AdminRoutes:
    """Answers the mock's own routes and passes everything else on."""

    def __init__(self, app: ASGIApp, store: Store, document: dict[str, Any], reset: Callable[[bool], None],
                 max_body: int = DEFAULT_MAX_BODY, has_fixtures: bool = False, auth: AuthSettings | None = None,
                 coverage: CoverageLog | None = None, api_version: str | None = None) -> None:
        self.app = app
        self.api_version = api_version  # the Honcho version served: fixtures made for another are refused
        self.coverage = coverage
        self.auth = auth
        self.store = store
        self.reset = reset
        self.max_body = max_body
        self.has_fixtures = has_fixtures
        self._json_spec = encode_json(document)
        self._yaml_spec = yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        if path == "/openapi.json" and method == "GET":
            await send_bytes(send, 200, self._json_spec, "application/json")
        elif path == "/openapi.yaml" and method == "GET":
            await send_bytes(send, 200, self._yaml_spec, "application/yaml")
        elif path.startswith(PREFIX):
            refusal = self._refusal(scope)
            if refusal is not None:
                await send_json(send, 401, {"detail": refusal})
                return
            await self._admin(path[len(PREFIX):].rstrip("/"), method, scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> str | None:
        """With auth on, the mock's own routes (dump, reset, fill the state) need an admin key."""
        if self.auth is None:
            return None
        token = bearer_token(scope)
        if token is None:
            return "No access token provided"
        try:
            claims = self.auth.verify(token)
        except AuthError as exc:
            return exc.detail
        return None if claims.ad else "Resource requires admin privileges"

    async def _admin(self, action: str, method: str, scope: Scope, receive: Receive, send: Send) -> None:
        if action == "reset" and method == "POST":
            target = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("to")
            if target not in (None, "", "empty", "fixtures"):
                await send_json(send, 422, {"detail": f"Unknown reset target {target!r}: use to=fixtures or none"})
                return
            if target == "fixtures" and not self.has_fixtures:
                await send_json(send, 409, {"detail": "No start fixtures to reset to: the mock was started without --fixtures"})
                return
            self.reset(target == "fixtures")
            await send_bytes(send, 204, b"", None)
        elif action == "state" and method == "GET":
            await send_json(send, 200, dump_state(self.store))
        elif action == "fixtures" and method == "POST":
            try:
                document = parse_json(await read_body(scope, receive, self.max_body))
                check_fixtures(self.store, document)  # 507 before loading anything past --max-records
                loaded = load_fixtures(self.store, document, "POST /_mock/fixtures", self.api_version)
            except RequestValidationError as exc:  # not JSON at all
                await send_json(send, 422, {"detail": f"Invalid fixture document: {exc.errors[0]['msg']}"})
                return
            except (ValueError, FixtureError, RecursionError) as exc:
                await send_json(send, 422, {"detail": f"Invalid fixture document: {exc}"})
                return
            except ApiError as exc:  # 413 body too large, 507 record limit
                await send_json(send, exc.status, exc.body(), exc.headers)
                return
            await send_json(send, 200, {"loaded": loaded})
        elif action == "coverage" and self.coverage is not None and method in ("GET", "DELETE"):
            if method == "DELETE":
                self.coverage.clear()
                await send_bytes(send, 204, b"", None)
            else:
                await send_json(send, 200, self.coverage.report())
        elif action in ("reset", "state", "fixtures", "coverage"):
            await send_json(send, 405, {"detail": "Method Not Allowed"})
        else:
            await send_json(send, 404, {"detail": "Not Found"})
