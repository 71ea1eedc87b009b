"""The request log says what the mock did to an answer: a forced status or latency is marked as a fault,
never logged as if the request had earned it (a forced 422 is no validation failure)."""

from __future__ import annotations

import io
import json

import httpx
from support import loopback_server

from mockserver import create_app


def logged(lines: int, *requests: tuple[str, str, dict[str, str]], **options: object) -> list[str]:
    """The log lines of these requests (method, path, headers) sent over HTTP to a mock with `options`."""
    stream = io.StringIO()
    server = create_app(request_log=options.pop("log_format", "text"), log_stream=stream, **options)
    with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=30) as client:
        for method, path, headers in requests:
            client.request(method, path, headers=headers, json={"id": 5} if method == "POST" else None)
    server.close()  # writes whatever the log still holds
    written = stream.getvalue().splitlines()
    assert len(written) == lines, written
    return written


def test_a_forced_status_is_logged_as_a_fault_not_as_a_validation_failure() -> None:
    real, forced = logged(2, ("POST", "/v3/workspaces", {}), ("POST", "/v3/workspaces", {"X-Mock-Status": "422"}))
    assert real.split()[1:4] == ["POST", "/v3/workspaces", "422"] and "body.id:" in real and "fault" not in real
    assert forced.split()[1:4] == ["POST", "/v3/workspaces", "422"]
    assert forced.endswith("  fault: status 422 (X-Mock-Status)"), forced


def test_latency_is_logged_beside_the_answer_it_delayed() -> None:
    slowed, = logged(1, ("POST", "/v3/workspaces", {"X-Mock-Delay": "1"}))
    assert "  fault: latency 1 ms (X-Mock-Delay); body.id: Input should be a valid string" in slowed, slowed
    both, = logged(1, ("GET", "/health", {}), latency=("2",), error_rate=("1:503",))
    assert both.split()[1:4] == ["GET", "/health", "503"]
    assert both.endswith("  fault: status 503 (--error-rate), latency 2 ms (--latency)"), both


def test_the_json_log_names_the_fault_and_leaves_a_forced_answer_without_errors() -> None:
    lines = logged(3, ("POST", "/v3/workspaces", {"X-Mock-Status": "422"}), ("POST", "/v3/workspaces", {}),
                   ("GET", "/health", {"X-Mock-Delay": "1"}), log_format="json")
    forced, real, slowed = map(json.loads, lines)
    assert (forced["status"], forced["fault"], forced["errors"]) == (422, "fault: status 422 (X-Mock-Status)", [])
    assert "fault" not in real and real["errors"][0].startswith("body.id: ")
    assert (slowed["status"], slowed["fault"]) == (200, "fault: latency 1 ms (X-Mock-Delay)")
