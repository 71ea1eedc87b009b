"""`honcho-mock --proxy URL`: a validating proxy in front of a real deployment.

Every request is forwarded to the deployment and its answer returned unchanged (but for
hop-by-hop headers), as Prism's proxy does; on the way both are checked against the
contract (`contract/exchange_validation.py`) and each violation is logged and counted.
`--record FILE` writes every exchange to a HAR file (`har_recording.py`); `--shadow` also
runs each request on the mock's own state and reports where the mock's answer differs
from the deployment's (`shadow.py`), so a team sees live where the mock would mislead it.

The proxy's own route is `GET /_proxy/report` (counts, the latest violations and
differences, as JSON); everything else goes to the deployment. Answers are read whole
before they are returned (a streamed chat answer arrives at once). While shadowing,
requests are handled one at a time, so the mock sees them in the deployment's order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import ApiError
from mockserver.http.bodies import read_body
from mockserver.http.har_recording import HarRecorder, RecordedExchange, now
from mockserver.http.responses import send_bytes, send_json
from mockserver.proxy.exchange_validation import ExchangeValidator, Violation
from mockserver.proxy.shadow import IdPairs, ShadowResult, compare

logger = logging.getLogger("mockserver.proxy")

REPORT_PATH = "/_proxy/report"
# RFC 9110 7.6.1 hop-by-hop headers, what httpx recomputes for the decoded body it returns, and
# the two headers the serving uvicorn writes itself
_REQUEST_DROP = frozenset({"host", "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te",
                           "trailer", "transfer-encoding", "upgrade", "content-length"})
_RESPONSE_DROP = frozenset({"date", "server", "connection", "keep-alive", "proxy-authenticate", "trailer", "transfer-encoding",
                            "upgrade", "content-length", "content-encoding"})
RECENT = 100


@dataclass
class ProxyStats:
    """What the proxy has seen so far (GET /_proxy/report, and the summary at shutdown)."""

    upstream: str
    shadow: bool
    exchanges: int = 0
    upstream_failures: int = 0
    request_violations: int = 0
    response_violations: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)
    compared: int = 0
    differing: int = 0
    differing_by_operation: Counter[str] = field(default_factory=Counter)
    recent_violations: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT))
    recent_differences: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT))

    def to_dict(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "upstream": self.upstream, "exchanges": self.exchanges, "upstream_failures": self.upstream_failures,
            "violations": {"request": self.request_violations, "response": self.response_violations,
                           "by_operation": dict(self.by_operation.most_common())},
            "recent_violations": list(self.recent_violations)}
        if self.shadow:
            report["shadow"] = {"compared": self.compared, "differing": self.differing,
                                "by_operation": dict(self.differing_by_operation.most_common()),
                                "recent_differences": list(self.recent_differences)}
        return report

    def summary(self) -> str:
        line = (f"{self.exchanges} exchanges proxied to {self.upstream}: {self.request_violations} request and "
                f"{self.response_violations} response contract violations")
        if self.upstream_failures:
            line += f", {self.upstream_failures} upstream failures"
        if self.shadow:
            line += f"; shadow: {self.differing} of {self.compared} answers differ from the mock's"
        return line


class ProxyApp:
    """The ASGI app of `--proxy`: forwards, validates, records and (optionally) shadows."""

    def __init__(self, upstream: str, validator: ExchangeValidator, *, recorder: HarRecorder | None = None,
                 shadow: ASGIApp | None = None, max_body: int, timeout: float = 60.0,
                 upstream_transport: httpx.AsyncBaseTransport | None = None,
                 on_shutdown: Callable[["ProxyApp"], None] | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.validator = validator
        self.recorder = recorder
        self.shadow_app = shadow
        self.max_body = max_body
        self.timeout = timeout
        self.stats = ProxyStats(self.upstream, shadow is not None)
        self.ids = IdPairs()
        self._upstream_transport = upstream_transport
        self._on_shutdown = on_shutdown
        self._client: httpx.AsyncClient | None = None
        self._shadow_client: httpx.AsyncClient | None = None
        self._order = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------
    def _clients(self) -> tuple[httpx.AsyncClient, httpx.AsyncClient | None]:
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self._upstream_transport, timeout=self.timeout,
                                             follow_redirects=False)
            if self.shadow_app is not None:
                self._shadow_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.shadow_app),
                                                        base_url="http://shadow.invalid", timeout=self.timeout)
        return self._client, self._shadow_client

    async def aclose(self) -> None:
        """Close the connections and finish the recording; safe to call twice."""
        for client in (self._client, self._shadow_client):
            if client is not None:
                await client.aclose()
        self._client = self._shadow_client = None
        if self.recorder is not None:
            self.recorder.close()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                if self._on_shutdown is not None:
                    self._on_shutdown(self)
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- requests ----------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == REPORT_PATH and scope["method"] == "GET":
            await send_json(send, 200, self.stats.to_dict())
            return
        try:
            body = await read_body(scope, receive, self.max_body)
        except ApiError as exc:
            await send_json(send, exc.status, exc.body())
            return
        if self.shadow_app is None:
            await self._handle(scope, body, send)
        else:
            async with self._order:
                await self._handle(scope, body, send)

    async def _handle(self, scope: Scope, body: bytes, send: Send) -> None:
        client, shadow_client = self._clients()
        method = scope["method"]
        query = scope.get("query_string", b"").decode("latin-1")
        target = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        target_url = self.upstream + target + (f"?{query}" if query else "")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])
                   if k.decode("latin-1").lower() not in _REQUEST_DROP]
        started, clock = now(), time.perf_counter()
        try:
            answer = await client.request(method, target_url, headers=headers, content=body)
        except httpx.HTTPError as exc:
            self.stats.upstream_failures += 1
            logger.warning("honcho-mock proxy: %s %s: the deployment did not answer: %s", method, target, exc)
            await send_json(send, 502, {"detail": f"Upstream {self.upstream} did not answer: {type(exc).__name__}"})
            return
        elapsed_ms = (time.perf_counter() - clock) * 1000
        reply_headers = {k: v for k, v in answer.headers.items() if k.lower() not in _RESPONSE_DROP}
        request_headers = dict(headers)
        violations = [] if method == "OPTIONS" else self.validator.check(  # a CORS preflight is no API call
            method, scope["path"], parse_qsl(query, keep_blank_values=True), request_headers, body,
            answer.status_code, dict(answer.headers), answer.content)
        self._count(method, target, violations)
        extra: dict[str, str] = {}
        if violations:
            extra["x-contract-violations"] = str(len(violations))
        shadowed: ShadowResult | None = None
        if shadow_client is not None and method != "OPTIONS":  # a preflight is the deployment's CORS, not the API
            operation = self.validator.operation_label(method, scope["path"]) or f"{method} {scope['path']}"
            shadowed = await self._shadow(shadow_client, operation, method, target, query, headers, body, answer)
            if shadowed.differences:
                extra["x-shadow-differences"] = str(len(shadowed.differences))
        self.stats.exchanges += 1
        if self.recorder is not None:
            notes = [f"{v.side}: {v.message}" for v in violations]
            notes += [f"shadow: {d}" for d in (shadowed.differences if shadowed else [])]
            self.recorder.add(RecordedExchange(started, method, target_url, request_headers, body, answer.status_code,
                                               answer.reason_phrase, reply_headers, answer.content, elapsed_ms,
                                               comment="; ".join(notes) or None))
        content_type = reply_headers.pop("content-type", None)
        await send_bytes(send, answer.status_code, answer.content, content_type, {**reply_headers, **extra})

    def _count(self, method: str, target: str, violations: list[Violation]) -> None:
        for violation in violations:
            if violation.side == "request":
                self.stats.request_violations += 1
            else:
                self.stats.response_violations += 1
            self.stats.by_operation[violation.operation] += 1
            self.stats.recent_violations.append({**violation.to_dict(), "path": target})
            logger.warning("honcho-mock proxy: contract violation (%s) %s [%s]: %s", violation.side,
                           violation.operation, f"{method} {target}", violation.message)

    async def _shadow(self, shadow_client: httpx.AsyncClient, operation: str, method: str, target: str, query: str,
                      headers: list[tuple[str, str]], body: bytes, answer: httpx.Response) -> ShadowResult:
        """The same request on the mock (deployment ids mapped to the mock's), compared."""
        path = self.ids.translate(target)
        mock_query = self.ids.translate(query)
        try:
            mock_body = self.ids.translate(body.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            mock_body = body
        mock_headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        try:
            mock = await shadow_client.request(method, path + (f"?{mock_query}" if mock_query else ""),
                                               headers=mock_headers, content=mock_body)
        except Exception as exc:  # noqa: BLE001 - the client gets the deployment's answer whatever the mock does
            logger.exception("honcho-mock proxy: shadow: the mock failed on %s %s", method, target)
            result = ShadowResult(operation, [f"the mock failed: {type(exc).__name__}: {exc}"])
        else:
            result = compare(operation, self.ids, answer.status_code, answer.headers.get("content-type", ""),
                             answer.content, mock.status_code, mock.headers.get("content-type", ""), mock.content)
        self.stats.compared += 1
        if result.differences:
            self.stats.differing += 1
            self.stats.differing_by_operation[operation] += 1
            self.stats.recent_differences.append({**result.to_dict(), "request": f"{method} {target}"})
            logger.warning("honcho-mock proxy: shadow: the mock answers %s %s differently: %s", method, target,
                           "; ".join(result.differences))
        return result
