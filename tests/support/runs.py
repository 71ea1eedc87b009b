"""Helpers for conformance runs in tests: a transport that remembers what was sent, and a readable
account of a run's failures."""

from __future__ import annotations

import hashlib
import re
import threading

import httpx

from conformance.core.vocabulary import (
    Failure,
    PhaseReport,
    RunResult,
)


class Recorder(httpx.BaseTransport):
    """Passes requests to another transport and remembers (method, path, status)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.seen: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        with self.lock:
            self.seen.append((request.method, request.url.path, response.status_code))
        return response


SERVER_MADE_ID = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{21}(?![A-Za-z0-9_-])")


class Digest(httpx.BaseTransport):
    """Passes requests to another transport and keeps each request whole (method, URL, headers
    that are not the transport's own, body), per sender: the main thread's in order, each
    parallel client's (a thread named `conformance-client-N`) in its own order.

    `digest(prefix, base_url)` is one hash of everything sent. The run's random workspace prefix is
    written `{prefix}`, the server's address `{base}`; in the parallel clients' requests server-made ids are written `{id}`
    too, as which client gets which id depends on how the clients interleave."""

    TRANSPORT_HEADERS = {"content-length", "host", "accept", "accept-encoding", "connection", "user-agent"}

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: dict[str, list[tuple[str, str, str, bytes]]] = {}
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = sorted((k.lower(), v) for k, v in request.headers.items() if k.lower() not in self.TRANSPORT_HEADERS)
        sender = threading.current_thread().name
        sender = sender if sender.startswith("conformance-client-") else "main"
        with self.lock:
            self.sent.setdefault(sender, []).append((request.method, str(request.url), repr(headers), request.read()))
        return self.inner.handle_request(request)

    def lines(self, prefix: str, base_url: str) -> dict[str, list[str]]:
        def same(text: str) -> str:
            return text.replace(base_url, "{base}").replace(prefix, "{prefix}")

        out = {}
        for sender, sent in self.sent.items():
            lines = []
            for method, url, headers, body in sent:
                body = body.replace(prefix.encode("utf-8"), b"{prefix}")
                lines.append(f"{method} {same(url)} {same(headers)} {hashlib.sha256(body).hexdigest()[:16]} {body[:100]!r}")
            if sender != "main":
                lines = [SERVER_MADE_ID.sub("{id}", line) for line in lines]
            out[sender] = lines
        return out

    def digest(self, prefix: str, base_url: str) -> str:
        lines = self.lines(prefix, base_url)
        return hashlib.sha256("\n".join(f"{s}: {line}" for s in sorted(lines) for line in lines[s]).encode(
            "utf-8", "surrogatepass")).hexdigest()

    def close(self) -> None:
        self.inner.close()


def describe(result: RunResult) -> str:
    """Every failure of a run, with its message and curl cut short: what an assertion shows."""
    return "\n".join(f"[{f.phase}] {f.check} | {f.operation} | {f.title}\n    {f.message[:300]}\n    {f.curl[:300]}"
                     for f in result.failures) or "(none)"


def sample_result() -> RunResult:
    """A small result of two phases: two failures of one root cause, and a known one."""
    result = RunResult(base_url="http://h", seed=7, prefix="cfx", profile="quick", read_only=False, duration=1.5)
    result.phases = [PhaseReport("contract", status="failed", failures=2, cases={"POST /v3/workspaces": 2, "GET /health": 0}),
                     PhaseReport("semantics", status="passed", cases={"pages_partition": 0})]
    result.failures = [
        Failure("not_a_server_error", "POST /v3/workspaces", "Server error (HTTP 500)", phase="contract", curl="curl -X POST x", seed=7,
                case="POST /v3/workspaces"),
        Failure("not_a_server_error", "POST /v3/workspaces", "Server error (HTTP 500)", phase="contract", curl="curl -X POST y", seed=7,
                case="POST /v3/workspaces"),
        Failure("status_code_conformance", "POST /v3/workspaces", "Undocumented status code (HTTP 400)", phase="contract",
                known=True, case="POST /v3/workspaces"),
    ]
    return result
