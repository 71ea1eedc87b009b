"""Two documents walked side by side: operations by method and path (path parameter names do
not matter), then per operation its security, statuses, parameters by place, request body and
responses by media type, and schemas property by property through `$ref`, `allOf`, items,
additional properties and union alternatives. Each element becomes a `Pair` of its area and
direction, handed to the rules of that area and direction (registry.rules_for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.breaking.changes import LEVELS, Change
from conformance.breaking.documents import (
    media_types,
    operations_by_shape,
    parameters_by_place,
    request_body,
    responses,
    security,
)
from conformance.breaking.pairs import Area, Direction, Pair, join_pointer
from conformance.breaking.registry import rules_for
from conformance.breaking.schemas import UNIONS, alternatives, flagged, is_union
from conformance.core.openapi import Contract, Operation, flatten_schema

MAX_DEPTH = 48  # schemas nest deeper than this only through recursion the ref guard already stops
# What a side of the exchange never sees: read-only properties are not sent, write-only ones not returned.
UNSEEN = {Direction.REQUEST: "readOnly", Direction.RESPONSE: "writeOnly"}


def compare(old: Contract, new: Contract) -> list[Change]:
    """Every change from `old` to `new` a rule reports, errors first."""
    return Walk(old, new).run()


@dataclass
class Walk:
    old: Contract
    new: Contract
    changes: list[Change] = field(default_factory=list)
    _seen: set[tuple[str, str, str, str]] = field(default_factory=set)

    def run(self) -> list[Change]:
        old_ops, new_ops = operations_by_shape(self.old), operations_by_shape(self.new)
        for key in [*old_ops, *(k for k in new_ops if k not in old_ops)]:
            old, new = old_ops.get(key), new_ops.get(key)
            label = (new or old).label  # type: ignore[union-attr]
            self.hand(Area.OPERATION, Direction.BOTH, old and old.definition, new and new.definition, label)
            if old and new:
                self.operation(label, old, new)
        order = {level: n for n, level in enumerate(LEVELS)}
        return sorted(self.changes, key=lambda c: order[c.level])

    def hand(self, area: Area, direction: Direction, old: Any, new: Any, operation: str, place: str = "",
             pointer: str = "") -> None:
        """Hand one pair to the rules of its area and direction; record what they find (once)."""
        pair = Pair(area, direction, old, new, self.old, self.new, operation, place, pointer)
        for rule in rules_for(area, direction):
            for message in rule.check(pair):
                identity = (rule.id, operation, pair.location, message)
                if identity not in self._seen:
                    self._seen.add(identity)
                    self.changes.append(Change(rule.id, rule.level.value, operation, pair.location, message))

    def operation(self, label: str, old: Operation, new: Operation) -> None:
        self.hand(Area.SECURITY, Direction.REQUEST, security(self.old, old), security(self.new, new), label)
        old_responses, new_responses = responses(old), responses(new)
        self.hand(Area.STATUS, Direction.RESPONSE, list(old_responses), list(new_responses), label)
        self.parameters(label, old, new)
        old_body, new_body = request_body(self.old, old), request_body(self.new, new)
        self.hand(Area.BODY, Direction.REQUEST, old_body, new_body, label, "request body")
        self.contents(old_body, new_body, Direction.REQUEST, label, "request body")
        for status, old_response in old_responses.items():
            if status in new_responses:
                old_response, _ = self.old.deref(old_response)
                new_response, _ = self.new.deref(new_responses[status])
                place = f"response {status}"
                self.hand(Area.RESPONSE, Direction.RESPONSE, old_response, new_response, label, place)
                self.contents(old_response, new_response, Direction.RESPONSE, label, place)

    def parameters(self, label: str, old: Operation, new: Operation) -> None:
        old_params, new_params = parameters_by_place(self.old, old), parameters_by_place(self.new, new)
        for key in [*old_params, *(k for k in new_params if k not in old_params)]:
            old_param, new_param = old_params.get(key), new_params.get(key)
            place = f"parameter {key[0]} {(new_param or old_param)['name']}"  # type: ignore[index]
            self.hand(Area.PARAMETER, Direction.REQUEST, old_param, new_param, label, place)
            if old_param is not None and new_param is not None:
                self.schema(old_param.get("schema"), new_param.get("schema"), Direction.REQUEST, label, place)

    def contents(self, old: Any, new: Any, direction: Direction, label: str, place: str) -> None:
        """The schemas of the media types a request body or a response has in both versions."""
        if not isinstance(old, dict) or not isinstance(new, dict):
            return
        new_media = media_types(new)
        for media, old_content in media_types(old).items():
            new_content = new_media.get(media)
            if isinstance(old_content, dict) and isinstance(new_content, dict):
                self.schema(old_content.get("schema"), new_content.get("schema"), direction, label, f"{place} {media}")

    def schema(self, old: Any, new: Any, direction: Direction, operation: str, place: str, pointer: str = "",
               stack: tuple[tuple[str | None, str | None], ...] = ()) -> None:
        """Compare two schemas at one place, then what they contain."""
        if old is None or new is None or len(stack) > MAX_DEPTH:
            return
        old_flat, old_ref = flatten_schema(self.old, old)
        new_flat, new_ref = flatten_schema(self.new, new)
        refs = (old_ref, new_ref)
        if refs != (None, None) and refs in stack:
            return  # a recursive schema: this pair is being compared further up
        stack = (*stack, refs)
        if is_union(old_flat) != is_union(new_flat):  # one side a union, the other one of its alternatives (or not)
            if is_union(old_flat):
                new_flat = {"anyOf": [new]}
            else:
                old_flat = {"anyOf": [old]}
        self.hand(Area.SCHEMA, direction, old_flat, new_flat, operation, place, pointer)

        def inner(old_inner: Any, new_inner: Any, inner_pointer: str) -> None:
            self.schema(old_inner, new_inner, direction, operation, place, inner_pointer, stack)

        old_props, new_props = old_flat.get("properties") or {}, new_flat.get("properties") or {}
        for name in old_props:
            if name in new_props and not flagged(self.new, new_props[name], UNSEEN[direction]):
                inner(old_props[name], new_props[name], join_pointer(pointer, name))
        if isinstance(old_flat.get("items"), (dict, bool)) and isinstance(new_flat.get("items"), (dict, bool)):
            inner(old_flat["items"], new_flat["items"], pointer + "[]")
        old_extra, new_extra = old_flat.get("additionalProperties"), new_flat.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            inner(old_extra, new_extra, join_pointer(pointer, "*"))
        for combiner in UNIONS:
            new_branches = alternatives(self.new, new_flat, combiner)
            for signature, branch in alternatives(self.old, old_flat, combiner).items():
                if signature in new_branches:
                    inner(branch, new_branches[signature], f"{pointer}<{signature}>")
