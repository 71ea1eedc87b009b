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
from importlib import metadata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping
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
