"""Routes outside the contract, for the people and test suites driving the mock.

- `POST /_mock/reset`: forget everything (a frontend suite calls it between tests).
- `GET /_mock/state`: the whole state as a fixture document.
- `POST /_mock/fixtures`: load a fixture document (JSON body) on top of the state.
- `GET /_mock/coverage`: the operations and statuses clients exercised, and those they
  never did (coverage_log.py); `DELETE /_mock/coverage` starts it over.
- `GET /openapi.json`, `GET /openapi.yaml`: the contract as served (the 3.1 original).
"""

from __future__ import annotations

import json
from typing import Any, Callable

import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import ApiError
from ..json_text import encode_json
from ..state.record_cap import check_fixtures
from ..state.snapshot import FixtureError, dump_state, load_fixtures
from ..state.store import Store
from .bodies import read_body
from .coverage_log import CoverageLog
from .responses import send_bytes, send_json

PREFIX = "/_mock/"


class AdminRoutes:
    """Answers the mock's own routes and passes everything else on."""

    def __init__(self, app: ASGIApp, store: Store, document: dict[str, Any], reset: Callable[[], None],
                 coverage: CoverageLog | None = None) -> None:
        self.app = app
        self.coverage = coverage
        self.store = store
        self.reset = reset
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
            await self._admin(path[len(PREFIX):].rstrip("/"), method, scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _admin(self, action: str, method: str, scope: Scope, receive: Receive, send: Send) -> None:
        if action == "reset" and method == "POST":
            self.reset()
            await send_bytes(send, 204, b"", None)
        elif action == "state" and method == "GET":
            await send_json(send, 200, dump_state(self.store))
        elif action == "fixtures" and method == "POST":
            try:
                document = json.loads(await read_body(scope, receive, 256 * 1024 * 1024))
                check_fixtures(self.store, document)  # 507 before loading anything past --max-records
                loaded = load_fixtures(self.store, document)
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
