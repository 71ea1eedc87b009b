"""Test support, in one place: clients that check every answer against openapi.yaml, a loopback
server, and an id map for replays (here); a real `honcho-mock` process (mock_process.py); broken
variants of the mock and stand-ins for the real server (broken.py, standins.py); helpers for
conformance runs (runs.py)."""

from __future__ import annotations

import re
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import uvicorn
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

from mockserver.http.serving import server_options

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SPEC = ROOT / "openapi.yaml"
_OPENAPI: OpenAPI | None = None


def openapi() -> OpenAPI:
    """openapi-core's view of openapi.yaml, built once per test run."""
    global _OPENAPI
    if _OPENAPI is None:
        _OPENAPI = OpenAPI.from_file_path(str(SPEC))
    return _OPENAPI


_VERSION_OPENAPI: dict[str, OpenAPI] = {}


def version_openapi(version: str) -> OpenAPI:
    """openapi-core's view of a Honcho version's whole contract (an overlay applied), built once."""
    if version not in _VERSION_OPENAPI:
        import honcho_contracts

        _VERSION_OPENAPI[version] = OpenAPI.from_dict(honcho_contracts.get(version).document())
    return _VERSION_OPENAPI[version]


def check_response(response: httpx.Response, spec: OpenAPI | None = None) -> None:
    """Raise unless the answer is one the contract (openapi.yaml, or `spec`) allows for this request."""
    request = response.request
    if request.url.path.startswith("/_mock/"):
        return
    content_type = response.headers.get("content-type", "application/json").split(";")[0]
    mock_request = MockRequest(
        "http://localhost:8000", request.method, request.url.path,
        args=dict(request.url.params), data=request.content or None,
        content_type=request.headers.get("content-type", "application/json"),
    )
    mock_response = MockResponse(response.content, response.status_code, dict(response.headers), content_type)
    try:
        (spec or openapi()).validate_response(mock_request, mock_response)
    except (PathNotFound, OperationNotFound):
        # outside the contract: only routing answers (404/405) and CORS preflights live there
        if request.method != "OPTIONS" and response.status_code not in (404, 405):
            raise


def contract_hook(response: httpx.Response) -> None:
    """httpx response hook: read the answer and check it against the contract."""
    response.read()
    check_response(response)


def checked(client: httpx.Client, version: str | None = None) -> httpx.Client:
    """Make every answer `client` receives go through `check_response` (against `version`'s contract)."""
    if version is None:
        client.event_hooks = {"request": [], "response": [contract_hook]}
        return client
    spec = version_openapi(version)

    def hook(response: httpx.Response) -> None:
        response.read()
        check_response(response, spec)

    client.event_hooks = {"request": [], "response": [hook]}
    return client


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll an observable condition (never a fixed sleep): generous, since CI shares its CPU."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def loopback_server(app: Any, timeout: float = 10.0, *, as_uvicorn_does: bool = False) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 in a thread, as honcho-mock serves it (or, `as_uvicorn_does`, with
    uvicorn's own defaults, as the real Honcho server runs); yields the base URL; always stops."""
    port = free_port()
    options = {"log_level": "critical"} if as_uvicorn_does else server_options("error")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("loopback server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


SERVER_MADE_ID = re.compile(r"[A-Za-z0-9_-]{21}")  # a nanoid, as Honcho and the mock make them


class IdMap:
    """Ids a recorded real server made <-> the ids the mock made for the same requests,
    learned from the answers as a replay goes (the replay tests of recorded exchanges)."""

    def __init__(self) -> None:
        self.real_to_mock: dict[str, str] = {}

    def learn(self, real: Any, mock: Any) -> None:
        if isinstance(real, dict) and isinstance(mock, dict):
            for key in real.keys() & mock.keys():
                value = real[key]
                if key in ("id", "session_id") and isinstance(value, str) and SERVER_MADE_ID.fullmatch(value) \
                        and isinstance(mock[key], str):
                    self.real_to_mock.setdefault(value, mock[key])
                self.learn(value, mock[key])
        elif isinstance(real, list) and isinstance(mock, list):
            for r, m in zip(real, mock):
                self.learn(r, m)

    def translate(self, text: str) -> str:
        for real, mock in self.real_to_mock.items():
            text = text.replace(real, mock)
        return text
