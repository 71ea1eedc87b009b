"""Judging a refusal as Honcho words it: a status with a string `detail` (Honcho's own errors), or
FastAPI's 422 whose `detail` lists what failed, where. Shared by the checks of version-dependent
behaviour, where the wording is what a version does by design."""

from __future__ import annotations

from typing import Any

from conformance.core.client import Reply
from conformance.semantics.context import CheckContext


def detail_says(reply: Reply, words: str) -> bool:
    """The body's `detail` is a string holding `words`."""
    body = reply.json()
    return isinstance(body, dict) and isinstance(body.get("detail"), str) and words in body["detail"]


def field_error(reply: Reply, field: str, words: str) -> dict[str, Any] | None:
    """The item of a FastAPI validation `detail` list about `field` whose message holds `words`."""
    body = reply.json()
    items = body.get("detail") if isinstance(body, dict) else None
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("loc"), list) and item["loc"][-1:] == [field] \
                and words in str(item.get("msg", "")):
            return item
    return None


def expect_refused(ctx: CheckContext, reply: Reply, status: int, words: str, what: str) -> bool:
    """`what` must be refused with `status` and a string detail holding `words`."""
    return ctx.check(reply.status == status and detail_says(reply, words), f"{what}: not refused as the version does",
                     f"expected {status} with a detail saying {words!r}; answered {reply.exchange.response_excerpt()}",
                     reply=reply)


def expect_invalid(ctx: CheckContext, reply: Reply, field: str, words: str, what: str) -> bool:
    """`what` must be a 422 whose validation detail names `field` with a message holding `words`."""
    return ctx.check(reply.status == 422 and field_error(reply, field, words) is not None,
                     f"{what}: not refused as the version does",
                     f"expected 422 with a validation error at {field!r} saying {words!r}; answered "
                     f"{reply.exchange.response_excerpt()}", reply=reply)
