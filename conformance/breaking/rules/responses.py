"""Rules on an operation's declared statuses and on each declared response: its media types
and its headers."""

from __future__ import annotations

from typing import Any, Iterator

from conformance.breaking.documents import media_types
from conformance.breaking.pairs import Pair


def _success(status: str) -> bool:
    return status[:1] in ("2", "3")


def response_success_status_removed(pair: Pair) -> Iterator[str]:
    """The pair holds each version's declared statuses."""
    for status in pair.old:
        if status not in pair.new and _success(status):
            yield f"status {status} removed"


def response_non_success_status_removed(pair: Pair) -> Iterator[str]:
    for status in pair.old:
        if status not in pair.new and not _success(status):
            yield f"status {status} removed"


def response_status_added(pair: Pair) -> Iterator[str]:
    for status in pair.new:
        if status not in pair.old:
            yield f"status {status} added"


def response_media_type_removed(pair: Pair) -> Iterator[str]:
    for media in sorted(set(media_types(pair.old)) - set(media_types(pair.new))):
        yield f"media type {media} removed"


def response_media_type_added(pair: Pair) -> Iterator[str]:
    for media in sorted(set(media_types(pair.new)) - set(media_types(pair.old))):
        yield f"media type {media} added"


def _headers(response: Any) -> dict[str, Any]:
    """Headers by lower-case name (header names are case-insensitive)."""
    headers = response.get("headers") if isinstance(response, dict) else None
    return {k.lower(): v for k, v in (headers or {}).items()} if isinstance(headers, dict) else {}


def response_header_removed(pair: Pair) -> Iterator[str]:
    new = _headers(pair.new)
    for name, header in _headers(pair.old).items():
        if name not in new and isinstance(header, dict) and header.get("required"):
            yield f"required header {name} removed"
