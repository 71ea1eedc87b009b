"""Reading request bodies within `--max-body`: 413 as soon as a body is known to be too large."""

from __future__ import annotations

from typing import Any

from starlette.types import Receive, Scope

from mockserver.errors import ApiError

DEFAULT_MAX_BODY = 10 * 1024 * 1024


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body exceeds the limit of {limit} bytes")


def refuse_declared_oversize(scope: Scope, limit: int) -> None:
    """413 before reading anything when the Content-Length header already exceeds `limit`."""
    for name, value in scope.get("headers", []):
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise BodyTooLarge(limit)


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body, refused (413) as soon as it is known to exceed `limit`."""
    refuse_declared_oversize(scope, limit)
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):  # the whole body at once
        body: bytes = message.get("body", b"")
        if len(body) > limit:
            raise BodyTooLarge(limit)
        return body
    chunks: list[bytes] = []
    total = 0
    while True:
        if message["type"] == "http.disconnect":
            raise ApiError(400, "Client disconnected")
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
        message = await receive()


def limited_receive(receive: Receive, limit: int) -> Receive:
    """`receive` that raises BodyTooLarge (413) once the body read so far exceeds `limit`."""
    total = 0

    async def limited() -> Any:
        nonlocal total
        message = await receive()
        total += len(message.get("body", b""))
        if total > limit:
            raise BodyTooLarge(limit)
        return message

    return limited
