"""The only way the conformance suite talks to a server.

`ConformanceClient` wraps an httpx client and enforces the safety rules of a run:
- every request goes to the base URL's scheme, host and port (redirects are never
  followed, absolute URLs elsewhere are refused before anything is sent);
- a request budget and a time limit shared by every phase and thread (`BudgetExceeded`);
- a rate limit across all threads;
- every exchange is recorded and can be replayed as a `curl` command.

Phases built on schemathesis reach the server through the same client, and tests reach the
mock in-process through it too: the transports that make both possible are in transports.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import httpx

from conformance.core.vocabulary import Exchange

_MISSING: Any = object()


class BudgetExceeded(Exception):
    """The run's request budget or time limit is used up."""


class OutsideBaseURL(Exception):
    """A request would have left the base URL's host: refused, nothing was sent."""


class TransportFailure(Exception):
    """The server could not be reached or did not answer (the exchange records why)."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__(exchange.error)
        self.exchange = exchange


class Budget:
    """A request count and a deadline shared by every thread of a run."""

    def __init__(self, max_requests: int | None = None, max_time: float | None = None) -> None:
        self.max_requests = max_requests
        self.started = time.monotonic()
        self.deadline = self.started + max_time if max_time else None
        self.used = 0
        self.exhausted: str | None = None
        self._lock = threading.Lock()

    def charge(self) -> None:
        with self._lock:
            if self.exhausted is None:
                if self.max_requests is not None and self.used >= self.max_requests:
                    self.exhausted = f"request budget of {self.max_requests} used up"
                elif self.deadline is not None and time.monotonic() >= self.deadline:
                    self.exhausted = "time limit reached"
            if self.exhausted is not None:
                raise BudgetExceeded(self.exhausted)
            self.used += 1

    def remaining_time(self) -> float | None:
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())

    def remaining_requests(self) -> int | None:
        if self.max_requests is None:
            return None
        return max(0, self.max_requests - self.used)

    def stop_now(self, reason: str) -> None:
        with self._lock:
            self.exhausted = self.exhausted or reason


class RateLimiter:
    """At most `rate` requests per second, across threads (evenly spaced)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)


@dataclass
class Reply:
    """A server answer, with the exchange that produced it."""

    status: int
    headers: httpx.Headers
    body: bytes
    exchange: Exchange
    operation: str = ""

    _parsed: Any = _MISSING

    def json(self) -> Any:
        """The JSON body; `None` when there is none or it is not JSON."""
        if self._parsed is _MISSING:
            try:
                self._parsed = json.loads(self.body) if self.body else None
            except ValueError:
                self._parsed = None
        return self._parsed

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class ConformanceClient:
    """An httpx client confined to one base URL, with budget, rate limit and recording."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        budget: Budget | None = None,
        rate_limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        keep: int = 20000,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self._origin = (parts.scheme, parts.netloc.lower())
        self._base_path = parts.path.rstrip("/")
        self.token = token
        self.budget = budget or Budget()
        self.rate_limiter = rate_limiter or RateLimiter(None)
        self._transport = transport
        self._timeout = timeout
        self._clients: list[httpx.Client] = []
        self._clients_lock = threading.Lock()
        self._lock = threading.Lock()
        self._count = 0
        self.log: deque[Exchange] = deque(maxlen=keep)
        self._local = threading.local()
        self.listeners: list[Callable[[Exchange], None]] = []

    # -- confinement -------------------------------------------------------------------
    def url_for(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            url = path_or_url
        else:
            url = self.base_url + ("" if path_or_url.startswith("/") else "/") + path_or_url
        self.ensure_inside(url)
        return url

    def ensure_inside(self, url: str) -> None:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin or not parts.path.startswith(self._base_path):
            raise OutsideBaseURL(f"refusing to send a request to {url}: outside {self.base_url}")

    # -- recording ---------------------------------------------------------------------
    @contextmanager
    def recording(self) -> Iterator[list[Exchange]]:
        """Collect the exchanges this thread makes inside the block (nested blocks too)."""
        stack = self._recorders()
        collected: list[Exchange] = []
        stack.append(collected)
        try:
            yield collected
        finally:
            stack.remove(collected)

    def _recorders(self) -> list[list[Exchange]]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    @property
    def requests_sent(self) -> int:
        return self._count

    # -- sending -----------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = _MISSING,
                content: bytes | str | None = None, headers: dict[str, str] | None = None,
                timeout: float | None = None) -> Reply:
        url = self.url_for(path)
        all_headers: dict[str, str] = {}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if json is not _MISSING:
            content = _json_bytes(json)
            all_headers["Content-Type"] = "application/json"
        if isinstance(content, str):
            content = content.encode("utf-8")
        all_headers.update(headers or {})
        clean_params = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        request = self.http_client().build_request(method.upper(), url, params=clean_params or None, content=content,
                                           headers=all_headers, timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
        return self.send(request)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)

    def send(self, request: httpx.Request) -> Reply:
        """Send a prepared request: confinement, budget, rate limit, then recording."""
        self.ensure_inside(str(request.url))
        self.budget.charge()
        self.rate_limiter.acquire()
        body = request.read() or None
        exchange = Exchange(method=request.method, url=str(request.url),
                            request_headers={k: v for k, v in request.headers.items()}, request_body=body)
        started = time.monotonic()
        try:
            response = self.http_client().send(request)
            payload = response.read()
        except httpx.HTTPError as exc:
            exchange.elapsed = time.monotonic() - started
            exchange.error = f"{type(exc).__name__}: {exc}" or type(exc).__name__
            self._record(exchange)
            raise TransportFailure(exchange) from exc
        exchange.elapsed = time.monotonic() - started
        exchange.status = response.status_code
        exchange.response_headers = {k: v for k, v in response.headers.items()}
        exchange.response_body = payload
        self._record(exchange)
        return Reply(response.status_code, response.headers, payload, exchange)

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self._count += 1
            exchange.index = self._count
            self.log.append(exchange)
        for collected in self._recorders():
            collected.append(exchange)
        for listener in list(self.listeners):
            listener(exchange)

    def http_client(self) -> httpx.Client:
        """One httpx client per thread: concurrent phases must not share a connection pool,
        whose races surface as transport errors (EBADF) that are not the server's doing."""
        client = getattr(self._local, "http", None)
        if client is None:
            client = httpx.Client(transport=self._transport, timeout=self._timeout, follow_redirects=False,
                                  headers={"user-agent": "honcho-conformance"})
            with self._clients_lock:
                self._clients.append(client)
            self._local.http = client
        return client

    def close(self) -> None:
        with self._clients_lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    def __enter__(self) -> "ConformanceClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _json_bytes(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: send them as JSON escapes
        return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
