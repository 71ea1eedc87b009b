"""Writing proxied exchanges as an HTTP Archive (HAR 1.2), the format browsers, WireMock,
Prism and `honcho-conformance replay` read.

harfile writes entries as they come, so a long recording does not grow in memory; the
file is complete JSON once `close()` runs (the proxy closes it on shutdown). A body that
is not UTF-8 text is written base64-encoded (`encoding` on the answer's content, the
`base64` comment on a request's postData, which HAR 1.2 has no field for).
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qsl

import harfile

BASE64_COMMENT = "base64"


@dataclass
class RecordedExchange:
    """One request and its answer, as the proxy saw them."""

    started: datetime
    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes
    status: int
    reason: str
    response_headers: Mapping[str, str]
    response_body: bytes
    elapsed_ms: float
    comment: str | None = None


SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
REDACTED = "<redacted>"


def _records(headers: Mapping[str, str]) -> list[harfile.Record]:
    """Headers as HAR records; credentials are not written to disk (a replay brings its own)."""
    return [harfile.Record(name=name, value=REDACTED if name.lower() in SECRET_HEADERS else value)
            for name, value in headers.items()]


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((value for key, value in headers.items() if key.lower() == name), "")


def _text(body: bytes) -> tuple[str, bool]:
    """The body as text, and whether it had to be base64-encoded."""
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _version() -> str:
    try:
        return metadata.version("honcho-contract")
    except metadata.PackageNotFoundError:
        return "0"


class HarRecorder:
    """A HAR file being written; `add` is safe to call from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file = harfile.open(path, creator=harfile.Creator(name="honcho-mock", version=_version()),
                                  comment="exchanges recorded by honcho-mock --proxy")
        self.entries = 0

    def add(self, exchange: RecordedExchange) -> None:
        query = exchange.url.split("?", 1)[1] if "?" in exchange.url else ""
        post_data = None
        if exchange.request_body:
            text, encoded = _text(exchange.request_body)
            post_data = harfile.PostData(mimeType=_header(exchange.request_headers, "content-type"), text=text,
                                         comment=BASE64_COMMENT if encoded else None)
        request = harfile.Request(method=exchange.method, url=exchange.url, httpVersion="HTTP/1.1",
                                  headers=_records(exchange.request_headers),
                                  queryString=[harfile.Record(name=k, value=v)
                                               for k, v in parse_qsl(query, keep_blank_values=True)],
                                  postData=post_data, bodySize=len(exchange.request_body))
        text, encoded = _text(exchange.response_body)
        response = harfile.Response(status=exchange.status, statusText=exchange.reason, httpVersion="HTTP/1.1",
                                    headers=_records(exchange.response_headers),
                                    content=harfile.Content(size=len(exchange.response_body),
                                                            mimeType=_header(exchange.response_headers, "content-type"),
                                                            text=text, encoding="base64" if encoded else None),
                                    redirectURL=_header(exchange.response_headers, "location"),
                                    bodySize=len(exchange.response_body))
        with self._lock:
            if self._file.closed:
                return
            self._file.add_entry(startedDateTime=exchange.started.astimezone(timezone.utc).isoformat(),
                                 time=round(exchange.elapsed_ms, 3), request=request, response=response,
                                 timings=harfile.Timings(send=0, wait=round(exchange.elapsed_ms, 3), receive=0),
                                 comment=exchange.comment)
            self._file.flush()
            self.entries += 1

    def close(self) -> None:
        """Finish the file (idempotent): until then it is not valid JSON."""
        with self._lock:
            self._file.close()


def now() -> datetime:
    return datetime.now(timezone.utc)


# the mock's own routes and documents: no deployment has them, a replay must not send them
NOT_RECORDED = ("/_mock/", "/ui", "/docs", "/redoc", "/openapi.")


class RecordingMiddleware:
    """`honcho-mock --record FILE` without `--proxy`: the mock's own exchanges as HAR, so a
    session an app had with the mock can be replayed against a real deployment
    (`honcho-conformance replay`). The file is finished when the server shuts down."""

    def __init__(self, app: Any, recorder: HarRecorder, base_url: str) -> None:
        self.app = app
        self.recorder = recorder
        self.base_url = base_url.rstrip("/")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            async def finish(message: Any) -> None:
                if message["type"] == "lifespan.shutdown.complete":
                    self.recorder.close()
                await send(message)
            await self.app(scope, receive, finish)
            return
        if scope["type"] != "http" or scope["path"].startswith(NOT_RECORDED):
            await self.app(scope, receive, send)
            return
        started, clock = now(), time.perf_counter()
        body: list[bytes] = []
        answer: dict[str, Any] = {"status": 500, "headers": [], "body": []}

        async def tapped_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                body.append(message.get("body", b""))
            return message

        async def tapped_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                answer["status"], answer["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                answer["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, tapped_receive, tapped_send)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            raw_path = scope.get("raw_path") or scope["path"].encode()
            url = self.base_url + raw_path.decode("latin-1") + (f"?{query}" if query else "")
            self.recorder.add(RecordedExchange(
                started, scope["method"], url, _decoded(scope.get("headers", [])), b"".join(body), answer["status"],
                HTTPStatus(answer["status"]).phrase if answer["status"] in HTTPStatus._value2member_map_ else "",
                _decoded(answer["headers"]), b"".join(answer["body"]), (time.perf_counter() - clock) * 1000))


def _decoded(headers: Any) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in headers}
