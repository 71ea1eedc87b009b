"""Writing answers to ASGI: compact UTF-8 JSON, as the real server (Starlette) writes it.

orjson encodes a page of records ~10x faster than the standard library (bench/results.md,
P2) and writes the same bytes but for some float exponents (`1.5e-7` where the standard
library writes `1.5e-07`: the same number); what it refuses (integers
beyond 64 bits, lone surrogates from `\ud800` escapes) falls back to the standard library.
"""

from __future__ import annotations

from typing import Any, Iterable

from starlette.types import Send

from mockserver.handler_interface import OperationResult
from mockserver.json_text import encode_json


async def send_bytes(send: Send, status: int, payload: bytes, media_type: str | None, headers: dict[str, str] | None = None) -> None:
    raw_headers = [(b"content-length", str(len(payload)).encode())]
    if media_type:
        raw_headers.append((b"content-type", media_type.encode()))
    for name, value in (headers or {}).items():
        raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


async def send_json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    await send_bytes(send, status, encode_json(body), "application/json", headers)


async def send_stream(send: Send, status: int, chunks: Iterable[bytes], media_type: str, headers: dict[str, str] | None = None) -> None:
    raw_headers = [(b"content-type", media_type.encode())]
    for name, value in (headers or {}).items():
        raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    for chunk in chunks:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


_JSON_TYPE = (b"content-type", b"application/json")


async def write_reply(send: Send, reply: OperationResult) -> None:
    if reply.stream is not None:
        await send_stream(send, reply.status, reply.stream, reply.media_type or "text/event-stream", reply.headers)
    elif reply.status == 204 or reply.media_type is None:
        await send_bytes(send, reply.status, b"", None, reply.headers)
    elif reply.headers:
        await send_json(send, reply.status, reply.body, reply.headers)
    else:  # nearly every answer: JSON without headers of its own, its head written without building it up
        payload = encode_json(reply.body)
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": [(b"content-length", b"%d" % len(payload)), _JSON_TYPE]})
        await send({"type": "http.response.body", "body": payload})
