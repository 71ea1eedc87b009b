"""Rules on a union (`anyOf`, `oneOf`): the alternatives it lists, matched across versions by
`$ref`, else by types and format (schemas.signature)."""

from __future__ import annotations

from typing import Iterator

from conformance.breaking.pairs import Pair
from conformance.breaking.schemas import combiners


def request_property_any_of_removed(pair: Pair) -> Iterator[str]:
    old, new = combiners(pair.old_doc, pair.old), combiners(pair.new_doc, pair.new)
    for signature in old:
        if new and signature not in new:
            yield f"{old[signature]} alternative {signature} removed"


def response_property_any_of_added(pair: Pair) -> Iterator[str]:
    old, new = combiners(pair.old_doc, pair.old), combiners(pair.new_doc, pair.new)
    for signature in new:
        if old and signature not in old:
            yield f"{new[signature]} alternative {signature} added"


def union_alternatives_relaxed(pair: Pair) -> Iterator[str]:
    """The reader takes alternatives the writer never writes."""
    old, new = combiners(pair.old_doc, pair.old), combiners(pair.new_doc, pair.new)
    if old and new:
        written, read = pair.written_and_read(old, new)
        for signature in read:
            if signature not in written:
                yield f"alternative {signature} {'added' if signature in new else 'removed'}"
