"""Rules on an object schema's properties: added, removed, required or optional, and whether
the object takes properties it does not list. Read-only properties are not sent and
write-only ones not returned, so neither counts on that side."""

from __future__ import annotations

from typing import Iterator

from conformance.breaking.pairs import Pair
from conformance.breaking.schemas import closed, flagged, properties


def new_required_request_property(pair: Pair) -> Iterator[str]:
    (old, _), (new, new_required) = properties(pair.old), properties(pair.new)
    for name in new:
        if name not in old and name in new_required and not flagged(pair.new_doc, new[name], "readOnly"):
            yield f"new required property {pair.below(name)}"


def new_optional_request_property(pair: Pair) -> Iterator[str]:
    (old, _), (new, new_required) = properties(pair.old), properties(pair.new)
    for name in new:
        if name not in old and name not in new_required:
            yield f"new optional property {pair.below(name)}"


def request_property_removed(pair: Pair) -> Iterator[str]:
    (old, _), (new, _) = properties(pair.old), properties(pair.new)
    for name in old:
        if name not in new and not flagged(pair.old_doc, old[name], "readOnly"):
            yield f"property {pair.below(name)} removed"


def request_property_became_required(pair: Pair) -> Iterator[str]:
    (old, old_required), (new, new_required) = properties(pair.old), properties(pair.new)
    for name in sorted((new_required - old_required) & set(old)):
        if name in new and not flagged(pair.new_doc, new[name], "readOnly"):
            yield f"property {pair.below(name)} became required"


def request_property_became_optional(pair: Pair) -> Iterator[str]:
    (_, old_required), (new, new_required) = properties(pair.old), properties(pair.new)
    for name in sorted((old_required - new_required) & set(new)):
        yield f"property {pair.below(name)} became optional"


def response_required_property_removed(pair: Pair) -> Iterator[str]:
    (old, old_required), (new, _) = properties(pair.old), properties(pair.new)
    for name in old:
        if name not in new and name in old_required and not flagged(pair.old_doc, old[name], "writeOnly"):
            yield f"required property {pair.below(name)} removed"


def response_optional_property_removed(pair: Pair) -> Iterator[str]:
    (old, old_required), (new, _) = properties(pair.old), properties(pair.new)
    for name in old:
        if name not in new and name not in old_required:
            yield f"optional property {pair.below(name)} removed"


def response_property_became_optional(pair: Pair) -> Iterator[str]:
    (_, old_required), (new, new_required) = properties(pair.old), properties(pair.new)
    for name in sorted((old_required - new_required) & set(new)):
        if not flagged(pair.new_doc, new[name], "writeOnly"):
            yield f"property {pair.below(name)} became optional"


def response_property_added(pair: Pair) -> Iterator[str]:
    (old, _), (new, new_required) = properties(pair.old), properties(pair.new)
    for name in new:
        if name not in old:
            yield f"new {'required' if name in new_required else 'optional'} property {pair.below(name)}"


def response_property_became_required(pair: Pair) -> Iterator[str]:
    (old, old_required), (_, new_required) = properties(pair.old), properties(pair.new)
    for name in sorted((new_required - old_required) & set(old)):
        yield f"property {pair.below(name)} became required"


def request_additional_properties_closed(pair: Pair) -> Iterator[str]:
    if not closed(pair.old) and closed(pair.new):
        yield "additional properties no longer accepted"


def response_additional_properties_opened(pair: Pair) -> Iterator[str]:
    if closed(pair.old) and not closed(pair.new):
        yield "additional properties may now be returned"
