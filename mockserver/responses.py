"""Writing answers to ASGI: compact UTF-8 JSON, as the real server (Starlette) writes it.

orjson encodes a page of records ~10x faster than the standard library (bench/results.md,
P2) and writes the same bytes but for some float exponents (`1.5e-7` where the standard
library writes `1.5e-07`: the same number); what it refuses (integers
beyond 64 bits, lone surrogates from `\ud800` escapes) falls back to the standard library.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable

import orjson
from starlette.types import Send

from .clock import format_timestamp


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode_json(body: Any) -> bytes:
    """Compact UTF-8 JSON; lone surrogates stored from `\\ud800` escapes are escaped back."""
    try:
        return orjson.dumps(body, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        pass
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_default).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, ensure_ascii=True, allow_nan=False, separators=(",", ":"), default=_default).encode("ascii")


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
