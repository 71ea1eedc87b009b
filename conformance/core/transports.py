"""Every way the tester's requests travel, in one place.

- `ASGIAppTransport`: httpx's synchronous interface over an ASGI app served in-process (the
  mock, in tests), on one event loop of its own, as one uvicorn worker would serve it;
- `Borrowed`: a transport the caller owns and the run must not close;
- `schemathesis_transport`: schemathesis' transport interface over the run's
  ConformanceClient, so that what schemathesis sends obeys the same confinement, budget,
  rate limit and recording as every other request of the run.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx

from conformance.core.client import ConformanceClient, TransportFailure


class ASGIAppTransport(httpx.BaseTransport):
    """A synchronous httpx transport that serves requests from an ASGI app in-process.

    The app runs on one event loop in a background thread (like a single uvicorn worker),
    so requests from many client threads interleave on it as they would on a server.
    """

    def __init__(self, app: Any) -> None:
        import atexit

        import anyio.from_thread

        self._inner = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._closed = False
        # The portal's event loop thread must be stopped before the interpreter tears down.
        atexit.register(self.close)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        inner_request = httpx.Request(request.method, request.url, headers=request.headers, content=content,
                                      extensions=request.extensions)

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._inner.handle_async_request(inner_request)
            payload = await response.aread()
            return response.status_code, response.headers.raw, payload

        status, headers, payload = self._portal.call(call)
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(payload), request=request)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._portal_cm.__exit__(None, None, None)


class Borrowed(httpx.BaseTransport):
    """A transport the caller owns: the run uses it but does not close it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    def close(self) -> None:
        pass


CASE_ID_HEADER = "x-schemathesis-testcaseid"
_BOUNDARY = re.compile(rb"^--([0-9a-f]{32})\r\n")


def steady_boundary(prepared: Any, body: bytes) -> bytes:
    """A multipart body whose boundary is drawn from the body itself, not at random: a seeded
    run sends the same bytes again (requests draws each boundary from os.urandom). The body
    says its boundary even when a negative case declares another content type."""
    match = _BOUNDARY.match(body)
    if match is None:
        return body
    old = match.group(1)
    new = hashlib.sha256(body.replace(old, b"")).hexdigest()[:32].encode("ascii")
    if new in body:  # not seen for a sha-256 prefix; the drawn boundary stays then
        return body
    content_type = prepared.headers.get("Content-Type")
    if content_type:
        prepared.headers["Content-Type"] = content_type.replace(old.decode("ascii"), new.decode("ascii"))
    prepared.body = body.replace(old, new)  # what schemathesis records and prints is what was sent
    return prepared.body


def schemathesis_transport(client: ConformanceClient) -> Any:
    """schemathesis' transport interface (`BaseTransport`) over the run's ConformanceClient.

    A case is serialized by schemathesis' own requests transport (`serialize_case`, so every
    body, query and header is encoded exactly as schemathesis would send it), prepared once
    with `requests` (schemathesis reports and replays a `requests.PreparedRequest`), sent
    through the confined httpx client, and answered as a `schemathesis.Response`."""
    import requests
    import schemathesis
    from schemathesis.transport import BaseTransport
    from schemathesis.transport.requests import REQUESTS_TRANSPORT

    class ConfinedTransport(BaseTransport):
        def serialize_case(self, case: Any, **kwargs: Any) -> dict[str, Any]:
            return REQUESTS_TRANSPORT.serialize_case(case, **kwargs)

        def get_matching_media_types(self, media_type: str) -> Any:  # what can be sent: what requests' can
            return REQUESTS_TRANSPORT.get_matching_media_types(media_type)

        def send(self, case: Any, *, session: Any = None, **kwargs: Any) -> Any:
            data = self.serialize_case(case, **{k: kwargs.get(k) for k in ("base_url", "headers", "params", "cookies")})
            headers = dict(data.pop("headers", None) or {})
            auth = data.pop("auth", None)
            if session is not None:
                for name, value in (session.headers or {}).items():  # the run's headers, below the case's own
                    headers.setdefault(name, value)
                auth = auth if auth is not None else session.auth
            prepared = requests.Request(headers=headers, auth=auth, **data).prepare()
            body = prepared.body.encode("utf-8") if isinstance(prepared.body, str) else prepared.body
            if body:
                body = steady_boundary(prepared, body)
            timeout = case.operation.schema.config.request_timeout_for(operation=case.operation)
            # schemathesis' own case id (drawn at random, meant for its logs) is no part of the request
            sent_headers = {k: v for k, v in prepared.headers.items() if k.lower() != CASE_ID_HEADER}
            request = client.http_client().build_request(prepared.method or "GET", prepared.url or "",
                                                         headers=sent_headers, content=body,
                                                         timeout=timeout if timeout else httpx.USE_CLIENT_DEFAULT)
            try:
                reply = client.send(request)
            except TransportFailure as exc:  # schemathesis reports a requests connection error as a network failure
                raise requests.exceptions.ConnectionError(str(exc), request=prepared) from exc
            grouped: dict[str, list[str]] = {}
            for name, value in reply.headers.multi_items():
                grouped.setdefault(name.lower(), []).append(value)
            return schemathesis.Response(status_code=reply.status, headers=grouped, content=reply.body, request=prepared,
                                         elapsed=reply.exchange.elapsed, verify=True,
                                         message=httpx.codes.get_reason_phrase(reply.status),
                                         encoding=httpx.Response(reply.status, headers=reply.headers).charset_encoding)

    return ConfinedTransport()
