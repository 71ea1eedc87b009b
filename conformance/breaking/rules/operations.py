"""Rules on an operation as a whole (its presence, name, words, deprecation) and on its
security requirements."""

from __future__ import annotations

from typing import Any, Iterator

from conformance.breaking.changes import short
from conformance.breaking.pairs import Pair


def api_removed_without_deprecation(pair: Pair) -> Iterator[str]:
    if pair.old is not None and pair.new is None and not pair.old.get("deprecated"):
        yield "operation removed"


def api_removed_after_deprecation(pair: Pair) -> Iterator[str]:
    if pair.old is not None and pair.new is None and pair.old.get("deprecated"):
        yield "deprecated operation removed"


def endpoint_added(pair: Pair) -> Iterator[str]:
    if pair.old is None and pair.new is not None:
        yield "operation added"


def api_operation_id_updated(pair: Pair) -> Iterator[str]:
    if pair.both and pair.old.get("operationId") != pair.new.get("operationId"):
        yield f"operationId {pair.old.get('operationId')!r} -> {pair.new.get('operationId')!r}"


def api_description_changed(pair: Pair) -> Iterator[str]:
    if pair.both and pair.old.get("description") != pair.new.get("description"):
        yield f"description changed: {short(pair.new.get('description') or '(none)')}"


def api_summary_changed(pair: Pair) -> Iterator[str]:
    if pair.both and pair.old.get("summary") != pair.new.get("summary"):
        old, new = (short(side.get("summary") or "(none)") for side in (pair.old, pair.new))
        yield f"summary {old!r} -> {new!r}"


def api_deprecated(pair: Pair) -> Iterator[str]:
    if pair.both and not pair.old.get("deprecated") and pair.new.get("deprecated"):
        yield "operation deprecated"


def _needs_credentials(requirements: list[Any]) -> bool:
    """Some requirement must be met: there is one, and none of them is the empty (anonymous) one."""
    return bool(requirements) and not any(r == {} for r in requirements)


def api_security_added(pair: Pair) -> Iterator[str]:
    """The pair holds each version's security requirements as declared."""
    if _needs_credentials(pair.new) and not _needs_credentials(pair.old):
        yield f"security now required: {short(pair.new)}"


def api_security_removed(pair: Pair) -> Iterator[str]:
    if _needs_credentials(pair.old) and not _needs_credentials(pair.new):
        yield "security no longer required"
