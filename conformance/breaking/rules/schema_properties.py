"""Rules on an object schema's properties: added, removed, required or optional, and whether
the object takes properties it does not list. Read-only properties are not sent and
write-only ones not returned, so neither counts on that side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from conformance.breaking.pairs import Pair
from conformance.breaking.schemas import closed, flagged, properties


@dataclass(frozen=True)
class _Properties:
    """Both versions' properties, and the names that came, went or changed whether required."""

    old: dict[str, Any]
    new: dict[str, Any]
    old_required: set[str]
    new_required: set[str]

    @classmethod
    def of(cls, pair: Pair) -> "_Properties":
        (old, old_required), (new, new_required) = properties(pair.old), properties(pair.new)
        return cls(old, new, old_required, new_required)

    @property
    def added(self) -> list[str]:
        return [name for name in self.new if name not in self.old]

    @property
    def removed(self) -> list[str]:
        return [name for name in self.old if name not in self.new]

    @property
    def became_required(self) -> list[str]:
        return sorted((self.new_required - self.old_required) & set(self.old))

    @property
    def became_optional(self) -> list[str]:
        return sorted((self.old_required - self.new_required) & set(self.new))


def new_required_request_property(pair: Pair) -> Iterator[str]:
    p = _Properties.of(pair)
    for name in p.added:
        if name in p.new_required and not flagged(pair.new_doc, p.new[name], "readOnly"):
            yield f"new required property {pair.below(name)}"


def new_optional_request_property(pair: Pair) -> Iterator[str]:
    p = _Properties.of(pair)
    yield from (f"new optional property {pair.below(name)}" for name in p.added if name not in p.new_required)


def request_property_removed(pair: Pair) -> Iterator[str]:
    p = _Properties.of(pair)
    for name in p.removed:
        if not flagged(pair.old_doc, p.old[name], "readOnly"):
            yield f"property {pair.below(name)} removed"


def request_property_became_required(pair: Pair) -> Iterator[str]:
    p = _Properties.of(pair)
    for name in p.became_required:
        if name in p.new and not flagged(pair.new_doc, p.new[name], "readOnly"):
            yield f"property {pair.below(name)} became required"


def request_property_became_optional(pair: Pair) -> Iterator[str]:
    yield from (f"property {pair.below(name)} became optional" for name in _Properties.of(pair).became_optional)


def response_required_property_removed(pair: Pair) -> Iterator[str]:
    p = _Properties.of(pair)
    for name in p.removed:
        if name in p.old_required and not flagged(pair.old_doc, p.old[name], "writeOnly"):
            yield f"required property {pair.below(name)} removed"


def response_optional_property_removed(pair: Pair) -> Iterator[str]:
    p = _Properties.of(pair)
    yield from (f"optional property {pair.below(name)} removed" for name in p.removed if name not in p.old_required)


def response_property_became_optional(pair: Pair) -> Iterator[str]:
    p = _Properties.of(pair)
    for name in p.became_optional:
        if not flagged(pair.new_doc, p.new[name], "writeOnly"):
            yield f"property {pair.below(name)} became optional"


def response_property_added(pair: Pair) -> Iterator[str]:
    p = _Properties.of(pair)
    for name in p.added:
        yield f"new {'required' if name in p.new_required else 'optional'} property {pair.below(name)}"


def response_property_became_required(pair: Pair) -> Iterator[str]:
    yield from (f"property {pair.below(name)} became required" for name in _Properties.of(pair).became_required)


def request_additional_properties_closed(pair: Pair) -> Iterator[str]:
    if not closed(pair.old) and closed(pair.new):
        yield "additional properties no longer accepted"


def response_additional_properties_opened(pair: Pair) -> Iterator[str]:
    if closed(pair.old) and not closed(pair.new):
        yield "additional properties may now be returned"
