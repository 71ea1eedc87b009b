"""Helpers for conformance runs in tests: a transport that remembers what was sent, and a readable
account of a run's failures."""

from __future__ import annotations

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
