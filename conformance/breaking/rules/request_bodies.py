"""Rules on an operation's request body: whether there is one, whether it is required, and
the media types it is accepted in."""

from __future__ import annotations

from typing import Iterator

from conformance.breaking.documents import media_types
from conformance.breaking.pairs import Pair


def added_required_request_body(pair: Pair) -> Iterator[str]:
    if not pair.old and isinstance(pair.new, dict) and pair.new.get("required"):
        yield "required request body added"


def added_optional_request_body(pair: Pair) -> Iterator[str]:
    if not pair.old and isinstance(pair.new, dict) and not pair.new.get("required"):
        yield "optional request body added"


def request_body_removed(pair: Pair) -> Iterator[str]:
    if pair.old and not pair.new:
        yield "request body removed"


def request_body_became_required(pair: Pair) -> Iterator[str]:
    if pair.old and pair.new and not pair.old.get("required") and pair.new.get("required"):
        yield "request body became required"


def request_body_became_optional(pair: Pair) -> Iterator[str]:
    if pair.old and pair.new and pair.old.get("required") and not pair.new.get("required"):
        yield "request body became optional"


def request_body_media_type_removed(pair: Pair) -> Iterator[str]:
    if pair.old and pair.new:
        for media in sorted(set(media_types(pair.old)) - set(media_types(pair.new))):
            yield f"media type {media} removed"


def request_body_media_type_added(pair: Pair) -> Iterator[str]:
    if pair.old and pair.new:
        for media in sorted(set(media_types(pair.new)) - set(media_types(pair.old))):
            yield f"media type {media} added"
