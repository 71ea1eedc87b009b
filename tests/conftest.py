"""Fixtures: a fresh mock per test, reached in-process or over a loopback port."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest
from starlette.testclient import TestClient
from support import checked, loopback_server

from mockserver import MockServer, create_app


@pytest.fixture
def server() -> MockServer:
    return create_app(seed=7)


@pytest.fixture(params=["in-process", "loopback"])
def client(request: pytest.FixtureRequest, server: MockServer) -> Iterator[httpx.Client]:
    """A contract-checking client, once over ASGI in-process and once over real HTTP."""
    if request.param == "in-process":
        with TestClient(server.app, base_url="http://testserver") as c:
            yield checked(c)
    else:
        with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=10) as c:
            yield checked(c)


@pytest.fixture
def local(server: MockServer) -> Iterator[httpx.Client]:
    """In-process only, for the many small cases where the transport adds nothing."""
    with TestClient(server.app, base_url="http://testserver") as c:
        yield checked(c)
