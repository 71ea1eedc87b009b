"""The innermost ASGI app: validate a routed request, run its handler, write the answer.

connexion's RoutingMiddleware has already matched the path against openapi.yaml and put
the operationId and path parameters in the scope; this app does the rest, so that
every answer (including every error) has the contract's shape.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Iterable, Iterator, Mapping

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

import honcho_contracts
from honcho_contracts import Behaviour

from mockserver.contract.validation import ContractValidator, OperationValidator
from mockserver.errors import ApiError, RequestValidationError
from mockserver.handler_interface import Handler, OperationResult, ParsedRequest
from mockserver.http.bodies import (
    DEFAULT_MAX_BODY,
    BodyTooLarge,
    limited_receive,
    read_body,
    refuse_declared_oversize,
)
from mockserver.http.coverage_log import CoverageLog
from mockserver.http.responses import write_reply
from mockserver.http.routing import ROUTING
from mockserver.state.filters import FilterError
from mockserver.state.store import Conflict, NotFound, Store

logger = logging.getLogger("mockserver")
# bodies larger than this are parsed and validated in a worker thread, so that one request's
# validation (a 3 MB list whose bad item is the last) never holds up the other clients' answers
OFF_LOOP_BYTES = 64 * 1024


class Dispatcher:
    """Runs the handler bound to the routed operationId against the store."""

    def __init__(self, store: Store, validators: ContractValidator, handlers: dict[str, Handler],
                 fallback: Callable[[OperationValidator], Handler] | None = None, max_body: int = DEFAULT_MAX_BODY,
                 coverage: CoverageLog | None = None, behaviour: Behaviour | None = None,
                 api_version: str = honcho_contracts.DEFAULT_VERSION) -> None:
        self.coverage = coverage
        self.behaviour = behaviour or honcho_contracts.get(api_version).behaviour
        self.api_version = api_version
        self.store = store
        self.validators = validators
        self.handlers = handlers
        self.fallback = fallback
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        operation_id = scope.get("extensions", {}).get(ROUTING, {}).get("operation_id")
        if operation_id is None:  # answered by error_pages.py (which says where the API is mounted)
            if self.coverage is not None:
                self.coverage.record(None, 404)
            raise HTTPException(404, "Not Found")
        try:
            reply = await self._answer(operation_id, scope, receive)
        except RequestValidationError as exc:
            reply = OperationResult(422, exc.body())
        except ApiError as exc:
            reply = OperationResult(exc.status, exc.body(), headers=exc.headers)
        except FilterError as exc:
            reply = OperationResult(422, {"detail": str(exc)})
        except NotFound as exc:
            reply = OperationResult(404, {"detail": str(exc)})
        except Conflict as exc:
            reply = OperationResult(409, {"detail": str(exc)})
        except Exception:  # the contract has no 500: log it, answer in the error shape
            logger.exception("handler for %s failed", operation_id)
            reply = OperationResult(500, {"detail": "An unexpected error occurred"})
        if self.coverage is not None:
            self.coverage.record(operation_id, reply.status)
        await write_reply(send, reply)

    async def _answer(self, operation_id: str, scope: Scope, receive: Receive) -> OperationResult:
        validator = self.validators[operation_id]
        headers = RequestHeaders(scope.get("headers", []))
        path, values, errors = validator.parameters(scope.get("path_params", {}), scope.get("query_string", b""), headers)
        body: Any = None
        form: dict[str, Any] = {}
        if validator.takes_multipart:
            form = await self._read_form(scope, receive)
            errors += validator.check_form(form, lambda v: isinstance(v, UploadFile))
        elif validator.body_media is not None:
            raw = await read_body(scope, receive, self.max_body)
            if len(raw) > OFF_LOOP_BYTES:  # listing the errors of a large body can take seconds: not on the loop
                body, body_errors = await asyncio.to_thread(validator.check_json_body, raw, headers.get("content-type"))
            else:
                body, body_errors = validator.check_json_body(raw, headers.get("content-type"))
            errors += body_errors
        if errors:
            raise RequestValidationError(errors)
        handler = self.handlers.get(operation_id)
        if handler is None:
            if self.fallback is None:
                raise ApiError(501, f"Operation {operation_id} is not implemented by this mock")
            handler = self.fallback(validator)
        return handler(self.store, ParsedRequest(path=path, query=values, body=body, form=form, headers=headers,
                                                 behaviour=self.behaviour, api_version=self.api_version))

    async def _read_form(self, scope: Scope, receive: Receive) -> dict[str, Any]:
        refuse_declared_oversize(scope, self.max_body)
        request = Request(scope, limited_receive(receive, self.max_body))  # chunked bodies have no content-length
        try:
            form = await request.form(max_part_size=self.max_body)
        except BodyTooLarge:
            raise
        except Exception as exc:  # malformed multipart: FastAPI answers 400
            raise ApiError(400, "There was an error parsing the body") from exc
        return {key: value for key, value in form.multi_items()}


class RequestHeaders(Mapping[str, str]):
    """The request's headers by lower-cased name (the last of repeated ones), decoded when
    first asked for as a whole: most requests only ever ask for their content type."""

    __slots__ = ("_raw", "_decoded")

    def __init__(self, raw: Iterable[tuple[bytes, bytes]]) -> None:
        self._raw = raw
        self._decoded: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._decoded is None:
            self._decoded = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self._raw}
        return self._decoded

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if self._decoded is None:
            wanted, found = name.encode("latin-1"), None
            for key, value in self._raw:
                if key == wanted or key.lower() == wanted:
                    found = value
            return default if found is None else found.decode("latin-1")
        return self._decoded.get(name, default)

    def __getitem__(self, name: str) -> str:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop: acknowledge the server's lifespan messages."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


