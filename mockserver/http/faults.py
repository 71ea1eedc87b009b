"""Faults and latency on demand, for loading states and error screens.

Per request, by header (they work from a browser too: CORS allows any request header):
- `X-Mock-Delay: 800`   wait 800 ms before answering (0..60000);
- `X-Mock-Status: 503`  answer 503 without running the operation (state is untouched).

At start, for every routed request or those whose path matches a glob pattern
(`*` also crosses `/`; an optional method first: `"POST /v3/workspaces/*/sessions"`):
- `--latency MS[:PATTERN]`, `MS` a number or a `MIN-MAX` range drawn uniformly;
- `--error-rate RATE[:STATUS][:PATTERN]`, RATE in 0..1, STATUS 500 unless given.
The first matching rule of each kind applies; a header overrides the rules. Draws come
from one `random.Random`, seeded by `--seed`, so a seeded run faults the same requests.

A forced status S answers the operation's declared response for S (its example, else
Honcho's `{"detail": ...}` when the schema takes it, else a schema-valid generated body:
`examples.ExampleResponder`), so it is valid against the contract wherever the contract
declares S. An undeclared S still answers S with `{"detail": "<reason>"}`: that answer is
outside the contract, as a real outage is. Faulted answers carry `X-Mock-Fault`, and the request
log says what was done (`fault: status 422 (X-Mock-Status)`, `fault: latency 800 ms (--latency)`)
through a note in the answer's start message (request_log.LOG_NOTE).
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
from dataclasses import dataclass
from typing import Iterable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.contract.document import Contract
from mockserver.contract.examples import ExampleResponder
from mockserver.handler_interface import OperationResult
from mockserver.http.coverage_log import CoverageLog
from mockserver.http.prefer import PREFER_HEADER, Preference, parse_prefer, preferred_reply
from mockserver.http.request_log import FORCED, LOG_NOTE
from mockserver.http.responses import write_reply
from mockserver.http.routing import ROUTING

NO_PREFERENCE = Preference()
MAX_DELAY_MS = 60_000
STATUS_HEADER = b"x-mock-status"
DELAY_HEADER = b"x-mock-delay"
_FAULT_HEADERS = frozenset({STATUS_HEADER, DELAY_HEADER, PREFER_HEADER})  # any of these: the request is planned
# what forced a status or a delay, as X-Mock-Fault says it and as the request log names it
ORIGINS = {"header": "X-Mock-Status", "error-rate": "--error-rate", "delay-header": "X-Mock-Delay",
           "latency": "--latency", "prefer": "Prefer"}


@dataclass(frozen=True)
class Pattern:
    """A path glob, optionally for one method only."""

    glob: str = "*"
    method: str | None = None

    @classmethod
    def parse(cls, text: str) -> "Pattern":
        text = text.strip()
        if not text:
            return cls()
        method, _, rest = text.partition(" ")
        if rest and method.isalpha():
            return cls(rest.strip(), method.upper())
        return cls(text)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and fnmatch.fnmatchcase(path, self.glob)


@dataclass(frozen=True)
class LatencyRule:
    low_ms: float
    high_ms: float
    pattern: Pattern = Pattern()

    @classmethod
    def parse(cls, text: str) -> "LatencyRule":
        """`MS[:PATTERN]` or `MIN-MAX[:PATTERN]`."""
        amount, _, pattern = text.partition(":")
        low_text, dash, high_text = amount.strip().partition("-")
        try:
            low = float(low_text)
            high = float(high_text) if dash else low
        except ValueError:
            raise ValueError(f"--latency {text!r}: expected MS or MIN-MAX milliseconds, then an optional :PATTERN") from None
        if not 0 <= low <= high <= MAX_DELAY_MS:
            raise ValueError(f"--latency {text!r}: milliseconds must be within 0..{MAX_DELAY_MS}, MIN <= MAX")
        return cls(low, high, Pattern.parse(pattern))


@dataclass(frozen=True)
class ErrorRule:
    rate: float
    status: int = 500
    pattern: Pattern = Pattern()

    @classmethod
    def parse(cls, text: str) -> "ErrorRule":
        """`RATE[:STATUS][:PATTERN]`."""
        parts = text.split(":", 2)
        try:
            rate = float(parts[0])
        except ValueError:
            raise ValueError(f"--error-rate {text!r}: RATE must be a number within 0..1") from None
        status, rest = 500, parts[1:]
        if rest and rest[0].strip().isascii() and rest[0].strip().isdigit():
            status, rest = int(rest[0]), rest[1:]
        if not 0 <= rate <= 1 or not 200 <= status <= 599:
            raise ValueError(f"--error-rate {text!r}: RATE must be within 0..1 and STATUS within 200..599")
        return cls(rate, status, Pattern.parse(":".join(rest)))


def latency_rules(items: Sequence[str | LatencyRule]) -> tuple[LatencyRule, ...]:
    return tuple(item if isinstance(item, LatencyRule) else LatencyRule.parse(item) for item in items)


def error_rules(items: Sequence[str | ErrorRule]) -> tuple[ErrorRule, ...]:
    return tuple(item if isinstance(item, ErrorRule) else ErrorRule.parse(item) for item in items)


class FaultMiddleware:
    """After connexion's routing: delay and/or short-circuit a routed request."""

    def __init__(self, app: ASGIApp, contract: Contract, responder: ExampleResponder,
                 latency: Sequence[LatencyRule] = (), errors: Sequence[ErrorRule] = (), seed: int | None = None,
                 coverage: CoverageLog | None = None) -> None:
        self.app = app
        self.coverage = coverage
        self.contract = contract
        self.responder = responder
        self.latency = tuple(latency)
        self.errors = tuple(errors)
        self.random = random.Random(seed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation_id = scope.get("extensions", {}).get(ROUTING, {}).get("operation_id") if scope["type"] == "http" else None
        if operation_id is None or operation_id not in self.contract.operations:
            await self.app(scope, receive, send)
            return
        try:
            delay_ms, delay_origin, status, origin, preference = self._plan(scope)
        except ValueError as exc:
            await self._refuse(operation_id, str(exc), send)
            return
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        latency = f"latency {delay_ms:.0f} ms ({ORIGINS[delay_origin]})" if delay_ms else ""
        if status is None and not preference.wanted:
            if delay_ms:
                send = _noted(send, f"fault: {latency}")
            await self.app(scope, receive, send)
            return
        operation = self.contract.operations[operation_id]
        try:
            if preference.wanted:
                reply = preferred_reply(self.responder, operation, preference, status, self.random)
            else:
                reply = self.responder.reply(operation, status)  # type: ignore[arg-type]
        except ValueError as exc:
            await self._refuse(operation_id, str(exc), send)
            return
        origin = origin or "prefer"
        reply = OperationResult(reply.status, reply.body, reply.media_type, {**reply.headers, "x-mock-fault": origin}, reply.stream)
        if self.coverage is not None:
            self.coverage.record(operation_id, reply.status)
        said = [f"Prefer: {preference.text}"] if preference.wanted else []
        if origin != "prefer":
            said.insert(0, f"{FORCED[0]} {reply.status} ({ORIGINS[origin]})")
        await write_reply(_noted(send, ", ".join(said + ([latency] if latency else []))), reply)

    async def _refuse(self, operation_id: str, detail: str, send: Send) -> None:
        """A fault or preference header the mock cannot follow: 400, saying why."""
        if self.coverage is not None:
            self.coverage.record(operation_id, 400)
        await write_reply(send, OperationResult(400, {"detail": detail}, headers={"x-mock-fault": "bad-header"}))

    def _plan(self, scope: Scope) -> tuple[float, str, int | None, str, Preference]:
        """(delay in ms, what set it, forced status or None, what forced it, the Prefer header) for this request."""
        raw = scope.get("headers", [])
        if not self.latency and not self.errors and not _asks_for_faults(raw):
            return 0, "", None, "", NO_PREFERENCE  # the common case: nothing asked, nothing configured
        headers = dict(raw)
        preference = parse_prefer(headers.get(PREFER_HEADER)) if PREFER_HEADER in headers else NO_PREFERENCE
        method, path = scope["method"], scope["path"]
        delay: float = 0
        delay_origin = ""
        if DELAY_HEADER in headers:
            delay = _header_number(headers[DELAY_HEADER], "X-Mock-Delay", 0, MAX_DELAY_MS, "a whole number of milliseconds")
            delay_origin = "delay-header"
        elif self.latency:
            rule = next((r for r in self.latency if r.pattern.matches(method, path)), None)
            if rule is not None:
                delay = rule.low_ms if rule.low_ms == rule.high_ms else self.random.uniform(rule.low_ms, rule.high_ms)
                delay_origin = "latency"
        if STATUS_HEADER in headers:
            status = _header_number(headers[STATUS_HEADER], "X-Mock-Status", 200, 599, "an HTTP status")
            return delay, delay_origin, status, "header", preference
        if not self.errors:
            return delay, delay_origin, None, "", preference
        error = next((r for r in self.errors if r.pattern.matches(method, path)), None)
        if error is not None and self.random.random() < error.rate:
            return delay, delay_origin, error.status, "error-rate", preference
        return delay, delay_origin, None, "", preference


def _asks_for_faults(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a fault header or Prefer is among the request's headers (a loop: `any()` over a
    generator costs every request ~0.5 µs more)."""
    for name, _ in headers:
        if name in _FAULT_HEADERS:
            return True
    return False


def _noted(send: Send, note: str) -> Send:
    """`send`, with `note` added to the answer's start message for the request log."""
    async def noted(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, LOG_NOTE: note}
        await send(message)
    return noted


def _header_number(raw: bytes, name: str, low: int, high: int, what: str) -> int:
    text = raw.decode("latin-1").strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ValueError(f"{name} must be {what} within {low}..{high}, not {text!r}")
    return int(text)


def describe(latency: Sequence[LatencyRule], errors: Sequence[ErrorRule]) -> list[str]:
    """One line per start-up rule, for the command line's banner."""
    lines = []
    for rule in latency:
        amount = f"{rule.low_ms:g}" if rule.low_ms == rule.high_ms else f"{rule.low_ms:g}-{rule.high_ms:g}"
        lines.append(f"latency {amount} ms on {_where(rule.pattern)}")
    for error in errors:
        lines.append(f"{error.rate:.0%} of requests answer {error.status} on {_where(error.pattern)}")
    return lines


def _where(pattern: Pattern) -> str:
    return f"{pattern.method + ' ' if pattern.method else ''}{pattern.glob}"

