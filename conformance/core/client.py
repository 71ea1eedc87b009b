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


# What a server that closed or reset the connection looks like to httpx: the request is sent
# again once, on a fresh connection. A timeout is not among them (a hang is a finding itself).
CONNECTION_LOST = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.ConnectError)
# This many requests in a row that fail even when sent again: the server is gone, the run stops.
GONE_AFTER = 3
SERVER_GONE = "server stopped answering"


@dataclass
class ConnectionLost:
    """A connection the server closed or reset under a request.

    `cause` is the request that brought it about: the one answered just before on the same
    connection when sending again worked (a handler that crashes answers, then closes the
    connection: the next request on it is reset), or the request itself when it failed twice
    (or timed out: a request that got no answer in time is not sent again). `victim` is the
    attempt that met the closed connection."""

    cause: Exchange | None
    victim: Exchange
    answered_again: bool


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
        self._tls_context: Any = None
        self._lock = threading.Lock()
        self._count = 0
        self.log: deque[Exchange] = deque(maxlen=keep)
        self._local = threading.local()
        self.listeners: list[Callable[[Exchange], None]] = []
        self.lost_listeners: list[Callable[[ConnectionLost], None]] = []
        self.extra_headers: dict[str, str] = {}  # sent with every request that does not set them itself
        self._failing_in_a_row = 0

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
    def request(self, method: str, path: str, *, params: dict[str, Any] | list[tuple[str, Any]] | None = None,
                json: Any = _MISSING,
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
        if isinstance(params, (list, tuple)):  # pairs, as sent (a name may come twice)
            clean_params: Any = [(k, _param(v)) for k, v in params if v is not None]
        else:
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
        """Send a prepared request: confinement, budget, rate limit, then recording.

        A connection the server closed or reset is reopened and the request sent once more;
        the listeners of `lost_listeners` hear which request brought it about."""
        self.ensure_inside(str(request.url))
        for name, value in self.extra_headers.items():
            if name not in request.headers:
                request.headers[name] = value
        cause = getattr(self._local, "last", None)
        try:
            return self._send_once(request)
        except TransportFailure as first:
            if not isinstance(first.__cause__, CONNECTION_LOST):  # a timeout: no answer in time, not sent again
                self._notify(ConnectionLost(cause=first.exchange, victim=first.exchange, answered_again=False))
                raise
            victim = first.exchange
        self._fresh_connection()
        try:
            reply = self._send_once(request)
        except TransportFailure as second:
            self._notify(ConnectionLost(cause=second.exchange, victim=victim, answered_again=False))
            with self._lock:
                self._failing_in_a_row += 1
                gone = self._failing_in_a_row >= GONE_AFTER
            if gone:
                self.budget.stop_now(f"{SERVER_GONE} ({second.exchange.method} {second.exchange.url}: "
                                     f"{second.exchange.error})")
            raise
        self._notify(ConnectionLost(cause=cause, victim=victim, answered_again=True))
        return reply

    def _send_once(self, request: httpx.Request) -> Reply:
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
        self._local.last = exchange
        with self._lock:
            self._failing_in_a_row = 0
        return Reply(response.status_code, response.headers, payload, exchange)

    def _notify(self, lost: ConnectionLost) -> None:
        for listener in list(self.lost_listeners):
            listener(lost)

    def _fresh_connection(self) -> None:
        """This thread's next request goes out on a new connection: its own pool is dropped (a
        transport the caller gave is not ours to close; its pool drops the broken connection)."""
        if self._transport is not None:
            return
        client = getattr(self._local, "http", None)
        self._local.http = None
        if client is not None:
            with self._clients_lock:
                if client in self._clients:
                    self._clients.remove(client)
            client.close()

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
                                  headers={"user-agent": "honcho-conformance"}, verify=self._tls())
            with self._clients_lock:
                self._clients.append(client)
            self._local.http = client
        return client

    def _tls(self) -> Any:
        """One TLS context for every thread's client: building one costs milliseconds, and
        schemathesis starts a thread (so a client) per operation."""
        with self._clients_lock:
            if self._tls_context is None:
                self._tls_context = httpx.create_ssl_context()
            return self._tls_context

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
