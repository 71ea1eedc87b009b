"""Which changes between two versions of an OpenAPI 3.x document break a client.

`honcho-conformance breaking OLD NEW` walks both documents side by side (operations by
method and path, parameters by location and name, request bodies and responses by media
type, schemas property by property, through `$ref`, `allOf` and FastAPI's
`anyOf: [X, {type: null}]`) and hands each pair to small registered rules, in the manner
of oasdiff's checks (their ids follow oasdiff's naming where one exists). A rule has a
fixed level: `error` (breaks a client: exit 1), `warning` (may break one) or `info`.

Rules are direction-aware: a request schema that accepts less (a new required property,
a narrowed enum or bound, a changed type) breaks clients that send what was valid; a
response schema that may return more (a widened enum or bound, a new type, a property
that may now be missing) breaks clients that read it.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import yaml

from conformance.core.openapi import (
    Contract,
    DocumentError,
    flatten_schema,
)

LEVELS = ("error", "warning", "info")
MAX_DEPTH = 48  # schemas nest deeper than this only through recursion the ref guard already stops


class BreakingError(ValueError):
    """An unreadable document or ignore file (exit 2)."""


# --------------------------------------------------------------------------- changes and rules
@dataclass(frozen=True)
class Change:
    rule: str
    level: str
    operation: str  # "GET /v3/..." ("" for the document as a whole)
    location: str   # where in the operation: "request body application/json: items[].level"
    message: str
    accepted: bool = False  # matched by the ignore file

    @property
    def breaking(self) -> bool:
        return self.level == "error" and not self.accepted

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "breaking": self.breaking}


@dataclass
class Pair:
    """What a rule looks at: the old and new versions of one element (None: absent)."""

    old: Any
    new: Any
    operation: str = ""
    location: str = ""
    direction: str = ""  # "request" or "response" for schemas
    context: "Comparison | None" = None


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    scope: str  # operation | parameter | body | response | schema
    description: str
    check: Callable[[Pair], Iterable[str]]


RULES: dict[str, Rule] = {}
SCOPES = ("operation", "parameter", "body", "response", "schema")


def rule(rule_id: str, level: str, scope: str, description: str) -> Callable[[Callable[[Pair], Iterable[str]]], Callable]:
    """Register a rule: a function of a Pair yielding one message per change it finds."""
    assert level in LEVELS and scope in SCOPES and rule_id not in RULES

    def register(function: Callable[[Pair], Iterable[str]]) -> Callable[[Pair], Iterable[str]]:
        RULES[rule_id] = Rule(rule_id, level, scope, description, function)
        return function

    return register


# --------------------------------------------------------------------------- documents
def load_document(path: str | Path) -> Contract:
    """An OpenAPI 3.x document to compare (BreakingError when it cannot be one)."""
    try:
        return Contract.load(path, require_openapi3=True)
    except DocumentError as exc:
        raise BreakingError(str(exc)) from exc


def operations_by_shape(doc: Contract) -> dict[tuple[str, str], tuple[str, dict[str, Any], list[Any]]]:
    """(method, path with its parameters unnamed) -> (label, operation, path-level parameters):
    an operation whose path parameters were renamed is the same operation."""
    return {(op.method, re.sub(r"\{[^}]*\}", "{}", op.path)): (op.label, op.definition, list(op.shared_parameters))
            for op in doc.operations.values()}


def _is_union(schema: dict[str, Any]) -> bool:
    return any(isinstance(schema.get(c), list) and schema[c] for c in ("anyOf", "oneOf"))


def _types(schema: dict[str, Any]) -> set[str]:
    """The non-null JSON types a schema allows (empty: any type); an untyped enum or const
    allows the types of its values."""
    types = schema.get("type") or []
    if not types and isinstance(_enum(schema), list):
        types = [_json_type(v) for v in _enum(schema) or []]
    return {t for t in types if t != "null"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "string")


def _nullable(schema: dict[str, Any]) -> bool:
    return "null" in (schema.get("type") or []) or bool(schema.get("x-nullable"))


def _widens(narrow: set[str], wide: set[str]) -> bool:
    """Every value of `narrow` is a value of `wide` (an integer is a number; no type: any)."""
    if not wide:
        return True
    if not narrow:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _signature(doc: Contract, schema: Any) -> str:
    """How anyOf/oneOf branches are matched across versions: by $ref, else by types."""
    flat, ref = flatten_schema(doc, schema)
    if ref:
        return ref.rsplit("/", 1)[-1]
    return ",".join(sorted(flat.get("type") or ["any"])) + (f":{flat['format']}" if "format" in flat else "")


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- the comparison
@dataclass
class Comparison:
    old: Contract
    new: Contract
    changes: list[Change] = field(default_factory=list)
    _seen: set[tuple[str, str, str, str]] = field(default_factory=set)

    def apply(self, scope: str, pair: Pair) -> None:
        pair.context = self
        for item in RULES.values():
            if item.scope != scope:
                continue
            for message in item.check(pair):
                identity = (item.id, pair.operation, pair.location, message)
                if identity not in self._seen:
                    self._seen.add(identity)
                    self.changes.append(Change(item.id, item.level, pair.operation, pair.location, message))

    def run(self) -> list[Change]:
        old_ops, new_ops = operations_by_shape(self.old), operations_by_shape(self.new)
        for key in [*old_ops, *(k for k in new_ops if k not in old_ops)]:
            old, new = old_ops.get(key), new_ops.get(key)
            label = (new or old)[0]  # type: ignore[index]
            self.apply("operation", Pair(old and old[1], new and new[1], label))
            if old and new:
                self._operation(label, old, new)
        order = {level: n for n, level in enumerate(LEVELS)}
        return sorted(self.changes, key=lambda c: order[c.level])

    def _operation(self, label: str, old: tuple, new: tuple) -> None:
        old_params = self._parameters(self.old, old[2], old[1])
        new_params = self._parameters(self.new, new[2], new[1])
        for key in [*old_params, *(k for k in new_params if k not in old_params)]:
            parameter = new_params.get(key) or old_params[key]
            pair = Pair(old_params.get(key), new_params.get(key), label, f"parameter {key[0]} {parameter['name']}",
                        "request")
            self.apply("parameter", pair)
            if pair.old is not None and pair.new is not None:
                self.schema(pair.old.get("schema"), pair.new.get("schema"), "request", label, pair.location, "")
        old_body, _ = self.old.deref(old[1].get("requestBody"))
        new_body, _ = self.new.deref(new[1].get("requestBody"))
        self.apply("body", Pair(old_body, new_body, label, "request body"))
        if isinstance(old_body, dict) and isinstance(new_body, dict):
            for media, old_media in (old_body.get("content") or {}).items():
                new_media = (new_body.get("content") or {}).get(media)
                if isinstance(old_media, dict) and isinstance(new_media, dict):
                    self.schema(old_media.get("schema"), new_media.get("schema"), "request", label,
                                f"request body {media}", "")
        old_responses, new_responses = old[1].get("responses") or {}, new[1].get("responses") or {}
        for status, old_response in old_responses.items():
            if str(status) not in {str(s) for s in new_responses}:
                continue
            new_response = next(v for s, v in new_responses.items() if str(s) == str(status))
            old_response, _ = self.old.deref(old_response)
            new_response, _ = self.new.deref(new_response)
            where = f"response {status}"
            self.apply("response", Pair(old_response, new_response, label, where))
            for media, old_media in (old_response.get("content") or {}).items():
                new_media = (new_response.get("content") or {}).get(media)
                if isinstance(old_media, dict) and isinstance(new_media, dict):
                    self.schema(old_media.get("schema"), new_media.get("schema"), "response", label,
                                f"{where} {media}", "")

    def _parameters(self, doc: Contract, shared: list[Any], operation: dict[str, Any]) -> dict[tuple[str, str], dict]:
        """Parameters by (location, name); path parameters by position (a rename is no change)."""
        found: dict[tuple[str, str], dict] = {}
        for raw in [*shared, *(operation.get("parameters") or [])]:
            parameter, _ = doc.deref(raw)
            if isinstance(parameter, dict) and "name" in parameter:
                found[(parameter.get("in", "query"), str(parameter["name"]))] = parameter
        path_names = [name for (where, name) in found if where == "path"]
        renamed = {("path", name): ("path", f"#{n + 1}") for n, name in enumerate(path_names)}
        return {renamed.get(key, key): value for key, value in found.items()}

    def schema(self, old: Any, new: Any, direction: str, operation: str, where: str, pointer: str,
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
        old_union, new_union = _is_union(old_flat), _is_union(new_flat)
        if old_union != new_union:  # one side a union, the other one of its alternatives (or not)
            if old_union:
                new_flat = {"anyOf": [new]}
            else:
                old_flat = {"anyOf": [old]}
        location = f"{where}: {pointer}" if pointer else where
        self.apply("schema", Pair(old_flat, new_flat, operation, location, direction))
        skip = "readOnly" if direction == "request" else "writeOnly"
        old_props, new_props = old_flat.get("properties") or {}, new_flat.get("properties") or {}
        for name in old_props:
            if name in new_props and not self._skipped(new_props[name], skip, self.new):
                self.schema(old_props[name], new_props[name], direction, operation, where, _join(pointer, name), stack)
        if isinstance(old_flat.get("items"), (dict, bool)) and isinstance(new_flat.get("items"), (dict, bool)):
            self.schema(old_flat["items"], new_flat["items"], direction, operation, where, (pointer or "") + "[]", stack)
        old_extra, new_extra = old_flat.get("additionalProperties"), new_flat.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.schema(old_extra, new_extra, direction, operation, where, _join(pointer, "*"), stack)
        for combiner in ("anyOf", "oneOf"):
            old_branches = {_signature(self.old, b): b for b in old_flat.get(combiner) or []}
            new_branches = {_signature(self.new, b): b for b in new_flat.get(combiner) or []}
            for signature, branch in old_branches.items():
                if signature in new_branches:
                    self.schema(branch, new_branches[signature], direction, operation, where,
                                f"{pointer}<{signature}>" if pointer else f"<{signature}>", stack)

    @staticmethod
    def _skipped(schema: Any, flag: str, doc: Contract) -> bool:
        flat, _ = doc.deref(schema)
        return isinstance(flat, dict) and flat.get(flag) is True


def _join(pointer: str, name: str) -> str:
    return f"{pointer}.{name}" if pointer else name


def compare(old: Contract, new: Contract) -> list[Change]:
    """Every change from `old` to `new` a rule reports, errors first."""
    return Comparison(old, new).run()


# --------------------------------------------------------------------------- operation rules
@rule("api-removed-without-deprecation", "error", "operation", "an operation is gone (it was not deprecated)")
def _api_removed(pair: Pair) -> Iterator[str]:
    if pair.old is not None and pair.new is None and not pair.old.get("deprecated"):
        yield "operation removed"


@rule("api-removed-after-deprecation", "warning", "operation", "a deprecated operation is gone")
def _deprecated_api_removed(pair: Pair) -> Iterator[str]:
    if pair.old is not None and pair.new is None and pair.old.get("deprecated"):
        yield "deprecated operation removed"


@rule("endpoint-added", "info", "operation", "a new operation")
def _endpoint_added(pair: Pair) -> Iterator[str]:
    if pair.old is None and pair.new is not None:
        yield "operation added"


def _both(pair: Pair) -> bool:
    return pair.old is not None and pair.new is not None


@rule("api-operation-id-updated", "warning", "operation", "the operationId changed (generated clients rename the method)")
def _operation_id(pair: Pair) -> Iterator[str]:
    if _both(pair) and pair.old.get("operationId") != pair.new.get("operationId"):
        yield f"operationId {pair.old.get('operationId')!r} -> {pair.new.get('operationId')!r}"


@rule("api-description-changed", "info", "operation", "the operation's description changed")
def _description(pair: Pair) -> Iterator[str]:
    if _both(pair) and pair.old.get("description") != pair.new.get("description"):
        yield f"description changed: {_short(pair.new.get('description') or '(none)')}"


@rule("api-summary-changed", "info", "operation", "the operation's summary changed")
def _summary(pair: Pair) -> Iterator[str]:
    if _both(pair) and pair.old.get("summary") != pair.new.get("summary"):
        yield f"summary {_short(pair.old.get('summary') or '(none)')!r} -> {_short(pair.new.get('summary') or '(none)')!r}"


@rule("api-deprecated", "info", "operation", "the operation is now deprecated")
def _deprecated(pair: Pair) -> Iterator[str]:
    if _both(pair) and not pair.old.get("deprecated") and pair.new.get("deprecated"):
        yield "operation deprecated"


@rule("api-security-added", "error", "operation", "an operation open to anyone now needs credentials")
def _security_added(pair: Pair) -> Iterator[str]:
    if _both(pair) and pair.context is not None:
        old, new = pair.context.old.security_of(pair.old), pair.context.new.security_of(pair.new)
        if new and not old:
            yield f"security now required: {_short(new)}"


@rule("api-security-removed", "info", "operation", "an operation no longer needs credentials")
def _security_removed(pair: Pair) -> Iterator[str]:
    if _both(pair) and pair.context is not None:
        old, new = pair.context.old.security_of(pair.old), pair.context.new.security_of(pair.new)
        if old and not new:
            yield "security no longer required"


def _statuses(operation: dict[str, Any]) -> list[str]:
    return [str(s) for s in (operation.get("responses") or {})]


@rule("response-success-status-removed", "error", "operation", "a declared 2xx/3xx status is gone")
def _success_removed(pair: Pair) -> Iterator[str]:
    if _both(pair):
        new = set(_statuses(pair.new))
        for status in _statuses(pair.old):
            if status not in new and status[:1] in ("2", "3"):
                yield f"status {status} removed"


@rule("response-non-success-status-removed", "error", "operation", "a declared error status is gone")
def _error_removed(pair: Pair) -> Iterator[str]:
    if _both(pair):
        new = set(_statuses(pair.new))
        for status in _statuses(pair.old):
            if status not in new and status[:1] not in ("2", "3"):
                yield f"status {status} removed"


@rule("response-status-added", "info", "operation", "a new declared status")
def _status_added(pair: Pair) -> Iterator[str]:
    if _both(pair):
        old = set(_statuses(pair.old))
        for status in _statuses(pair.new):
            if status not in old:
                yield f"status {status} added"


# --------------------------------------------------------------------------- parameter rules
def _required(parameter: dict[str, Any] | None) -> bool:
    return bool(parameter and (parameter.get("required") or parameter.get("in") == "path"))


@rule("new-required-request-parameter", "error", "parameter", "a new required parameter")
def _new_required_parameter(pair: Pair) -> Iterator[str]:
    if pair.old is None and _required(pair.new):
        yield "new required parameter"


@rule("new-optional-request-parameter", "info", "parameter", "a new optional parameter")
def _new_optional_parameter(pair: Pair) -> Iterator[str]:
    if pair.old is None and pair.new is not None and not _required(pair.new):
        yield "new optional parameter"


@rule("request-parameter-removed", "warning", "parameter", "a parameter is gone (servers may refuse or ignore it)")
def _parameter_removed(pair: Pair) -> Iterator[str]:
    if pair.old is not None and pair.new is None:
        yield "parameter removed"


@rule("request-parameter-became-required", "error", "parameter", "an optional parameter is now required")
def _parameter_required(pair: Pair) -> Iterator[str]:
    if _both(pair) and not _required(pair.old) and _required(pair.new):
        yield "parameter became required"


@rule("request-parameter-became-optional", "info", "parameter", "a required parameter is now optional")
def _parameter_optional(pair: Pair) -> Iterator[str]:
    if _both(pair) and _required(pair.old) and not _required(pair.new):
        yield "parameter became optional"


# --------------------------------------------------------------------------- request body rules
def _media(body: Any) -> set[str]:
    return set((body or {}).get("content") or {}) if isinstance(body, dict) else set()


@rule("added-required-request-body", "error", "body", "a required request body where there was none")
def _body_added_required(pair: Pair) -> Iterator[str]:
    if not pair.old and isinstance(pair.new, dict) and pair.new.get("required"):
        yield "required request body added"


@rule("added-optional-request-body", "info", "body", "an optional request body where there was none")
def _body_added_optional(pair: Pair) -> Iterator[str]:
    if not pair.old and isinstance(pair.new, dict) and not pair.new.get("required"):
        yield "optional request body added"


@rule("request-body-removed", "warning", "body", "the request body is gone")
def _body_removed(pair: Pair) -> Iterator[str]:
    if pair.old and not pair.new:
        yield "request body removed"


@rule("request-body-became-required", "error", "body", "an optional request body is now required")
def _body_required(pair: Pair) -> Iterator[str]:
    if pair.old and pair.new and not pair.old.get("required") and pair.new.get("required"):
        yield "request body became required"


@rule("request-body-became-optional", "info", "body", "a required request body is now optional")
def _body_optional(pair: Pair) -> Iterator[str]:
    if pair.old and pair.new and pair.old.get("required") and not pair.new.get("required"):
        yield "request body became optional"


@rule("request-body-media-type-removed", "error", "body", "a request media type is no longer accepted")
def _body_media_removed(pair: Pair) -> Iterator[str]:
    if pair.old and pair.new:
        for media in sorted(_media(pair.old) - _media(pair.new)):
            yield f"media type {media} removed"


@rule("request-body-media-type-added", "info", "body", "a new accepted request media type")
def _body_media_added(pair: Pair) -> Iterator[str]:
    if pair.old and pair.new:
        for media in sorted(_media(pair.new) - _media(pair.old)):
            yield f"media type {media} added"


# --------------------------------------------------------------------------- response rules
@rule("response-media-type-removed", "error", "response", "a response media type clients read is gone")
def _response_media_removed(pair: Pair) -> Iterator[str]:
    for media in sorted(_media(pair.old) - _media(pair.new)):
        yield f"media type {media} removed"


@rule("response-media-type-added", "info", "response", "a new response media type")
def _response_media_added(pair: Pair) -> Iterator[str]:
    for media in sorted(_media(pair.new) - _media(pair.old)):
        yield f"media type {media} added"


def _headers(response: Any) -> dict[str, Any]:
    return {k.lower(): v for k, v in ((response or {}).get("headers") or {}).items()}


@rule("response-header-removed", "error", "response", "a required response header is gone")
def _header_removed(pair: Pair) -> Iterator[str]:
    new = _headers(pair.new)
    for name, header in _headers(pair.old).items():
        if name not in new and isinstance(header, dict) and header.get("required"):
            yield f"required header {name} removed"


# --------------------------------------------------------------------------- schema rules
def _request(pair: Pair) -> bool:
    return pair.direction == "request"


@rule("request-property-type-changed", "error", "schema", "a request value's type no longer accepts what it did")
def _request_type(pair: Pair) -> Iterator[str]:
    old, new = _types(pair.old), _types(pair.new)
    if _request(pair) and old != new and not _widens(old, new):
        yield f"type {sorted(old) or 'any'} -> {sorted(new) or 'any'}"


@rule("request-property-type-generalized", "info", "schema", "a request value's type accepts more")
def _request_type_wider(pair: Pair) -> Iterator[str]:
    old, new = _types(pair.old), _types(pair.new)
    if _request(pair) and old != new and _widens(old, new):
        yield f"type {sorted(old) or 'any'} -> {sorted(new) or 'any'}"


@rule("response-property-type-changed", "error", "schema", "a response value may have a type clients do not expect")
def _response_type(pair: Pair) -> Iterator[str]:
    old, new = _types(pair.old), _types(pair.new)
    if not _request(pair) and old != new and not _widens(new, old):
        yield f"type {sorted(old) or 'any'} -> {sorted(new) or 'any'}"


@rule("response-property-type-specialized", "info", "schema", "a response value's type is narrower")
def _response_type_narrower(pair: Pair) -> Iterator[str]:
    old, new = _types(pair.old), _types(pair.new)
    if not _request(pair) and old != new and _widens(new, old):
        yield f"type {sorted(old) or 'any'} -> {sorted(new) or 'any'}"


@rule("request-property-became-not-nullable", "error", "schema", "a request value no longer accepts null")
def _request_not_nullable(pair: Pair) -> Iterator[str]:
    if _request(pair) and _nullable(pair.old) and not _nullable(pair.new):
        yield "null no longer accepted"


@rule("response-property-became-nullable", "error", "schema", "a response value may now be null")
def _response_nullable(pair: Pair) -> Iterator[str]:
    if not _request(pair) and not _nullable(pair.old) and _nullable(pair.new):
        yield "may now be null"


@rule("nullability-relaxed", "info", "schema", "a request value accepts null, or a response value is never null")
def _nullable_safe(pair: Pair) -> Iterator[str]:
    if _request(pair) and not _nullable(pair.old) and _nullable(pair.new):
        yield "null now accepted"
    elif not _request(pair) and _nullable(pair.old) and not _nullable(pair.new):
        yield "never null any more"


def _format_change(pair: Pair) -> tuple[Any, Any] | None:
    old, new = pair.old.get("format"), pair.new.get("format")
    return (old, new) if old != new else None


@rule("request-property-format-changed", "error", "schema", "a request value must now have another format")
def _request_format(pair: Pair) -> Iterator[str]:
    change = _format_change(pair)
    if _request(pair) and change and change[1] is not None:
        yield f"format {change[0] or '(none)'} -> {change[1]}"


@rule("response-property-format-changed", "error", "schema", "a response value may come in another format")
def _response_format(pair: Pair) -> Iterator[str]:
    change = _format_change(pair)
    if not _request(pair) and change and change[0] is not None:
        yield f"format {change[0]} -> {change[1] or '(none)'}"


@rule("format-relaxed", "info", "schema", "a request format dropped or a response format added")
def _format_safe(pair: Pair) -> Iterator[str]:
    change = _format_change(pair)
    if change and ((_request(pair) and change[1] is None) or (not _request(pair) and change[0] is None)):
        yield f"format {change[0] or '(none)'} -> {change[1] or '(none)'}"


def _enum(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def _enum_diff(pair: Pair) -> tuple[list[Any], list[Any], bool, bool] | None:
    """(removed, added, old had an enum, new has one), or None when unchanged."""
    old, new = _enum(pair.old), _enum(pair.new)
    if old == new or (old is None and new is None):
        return None
    old_keys = {json.dumps(v, sort_keys=True): v for v in old or []}
    new_keys = {json.dumps(v, sort_keys=True): v for v in new or []}
    removed = [v for k, v in old_keys.items() if k not in new_keys]
    added = [v for k, v in new_keys.items() if k not in old_keys]
    return removed, added, old is not None, new is not None


@rule("request-property-enum-value-removed", "error", "schema", "a request enum accepts fewer values")
def _request_enum_removed(pair: Pair) -> Iterator[str]:
    diff = _enum_diff(pair)
    if _request(pair) and diff:
        removed, _added, had, has = diff
        if not had and has:
            yield f"now limited to {_short(_enum(pair.new))}"
        elif has and removed:
            yield f"enum value(s) removed: {_short(removed)}"


@rule("request-property-enum-value-added", "info", "schema", "a request enum accepts more values")
def _request_enum_added(pair: Pair) -> Iterator[str]:
    diff = _enum_diff(pair)
    if _request(pair) and diff:
        _removed, added, had, has = diff
        if had and not has:
            yield "enum dropped: any value accepted"
        elif had and added:
            yield f"enum value(s) added: {_short(added)}"


@rule("response-property-enum-value-added", "error", "schema", "a response enum may return values clients do not know")
def _response_enum_added(pair: Pair) -> Iterator[str]:
    diff = _enum_diff(pair)
    if not _request(pair) and diff:
        _removed, added, had, has = diff
        if had and not has:
            yield "enum dropped: any value may be returned"
        elif had and added:
            yield f"enum value(s) added: {_short(added)}"


@rule("response-property-enum-value-removed", "info", "schema", "a response enum returns fewer values")
def _response_enum_removed(pair: Pair) -> Iterator[str]:
    diff = _enum_diff(pair)
    if not _request(pair) and diff:
        removed, _added, had, has = diff
        if not had and has:
            yield f"now limited to {_short(_enum(pair.new))}"
        elif has and removed:
            yield f"enum value(s) removed: {_short(removed)}"


UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")


def _bound_moves(pair: Pair, keys: tuple[str, ...], tighter: Callable[[float, float], bool]) -> Iterator[tuple[str, bool]]:
    """(message, narrowed?) for each bound keyword that changed; an absent bound is unbounded."""
    for key in keys:
        old, new = pair.old.get(key), pair.new.get(key)
        if old == new or not all(isinstance(v, (int, float)) or v is None for v in (old, new)):
            continue
        if old is None:
            yield f"{key} set to {new}", True
        elif new is None:
            yield f"{key} {old} removed", False
        else:
            yield f"{key} {old} -> {new}", tighter(new, old)


def _narrowed(pair: Pair) -> list[str]:
    return [m for m, narrowed in [*_bound_moves(pair, UPPER, lambda a, b: a < b),
                                  *_bound_moves(pair, LOWER, lambda a, b: a > b)] if narrowed]


def _widened(pair: Pair) -> list[str]:
    return [m for m, narrowed in [*_bound_moves(pair, UPPER, lambda a, b: a < b),
                                  *_bound_moves(pair, LOWER, lambda a, b: a > b)] if not narrowed]


@rule("request-property-bound-narrowed", "error", "schema",
      "a request bound is tighter (max decreased, min increased, or a new bound)")
def _request_narrowed(pair: Pair) -> Iterator[str]:
    if _request(pair):
        yield from _narrowed(pair)


@rule("request-property-bound-widened", "info", "schema", "a request bound is looser")
def _request_widened(pair: Pair) -> Iterator[str]:
    if _request(pair):
        yield from _widened(pair)


@rule("response-property-bound-widened", "error", "schema",
      "a response bound is looser (max increased, min decreased, or a bound removed)")
def _response_widened(pair: Pair) -> Iterator[str]:
    if not _request(pair):
        yield from _widened(pair)


@rule("response-property-bound-narrowed", "info", "schema", "a response bound is tighter")
def _response_narrowed(pair: Pair) -> Iterator[str]:
    if not _request(pair):
        yield from _narrowed(pair)


def _constraints(pair: Pair) -> Iterator[tuple[str, Any, Any, bool]]:
    """(keyword, old, new, tighter?) for multipleOf and uniqueItems changes."""
    old, new = pair.old.get("multipleOf"), pair.new.get("multipleOf")
    if old != new and all(v is None or isinstance(v, (int, float)) for v in (old, new)):
        # a new step is tighter unless every multiple of the old one is a multiple of it
        tighter = bool(new) and (not old or (old / new) != int(old / new))  # 0 is no valid step: ignored
        yield "multipleOf", old, new, tighter
    old_unique, new_unique = bool(pair.old.get("uniqueItems")), bool(pair.new.get("uniqueItems"))
    if old_unique != new_unique:
        yield "uniqueItems", old_unique, new_unique, new_unique


@rule("request-property-constraint-tightened", "error", "schema", "a request value has a new multipleOf or uniqueItems")
def _request_constraint(pair: Pair) -> Iterator[str]:
    if _request(pair):
        for keyword, old, new, tighter in _constraints(pair):
            if tighter:
                yield f"{keyword} {old} -> {new}"


@rule("response-property-constraint-loosened", "error", "schema", "a response value lost a multipleOf or uniqueItems")
def _response_constraint(pair: Pair) -> Iterator[str]:
    if not _request(pair):
        for keyword, old, new, tighter in _constraints(pair):
            if not tighter:
                yield f"{keyword} {old} -> {new}"


@rule("constraint-relaxed", "info", "schema", "a request constraint loosened, or a response one tightened")
def _constraint_safe(pair: Pair) -> Iterator[str]:
    for keyword, old, new, tighter in _constraints(pair):
        if tighter != _request(pair):
            yield f"{keyword} {old} -> {new}"


@rule("request-property-default-value-changed", "info", "schema", "what the server assumes when a client omits a value")
def _request_default(pair: Pair) -> Iterator[str]:
    if _request(pair) and pair.old.get("default") != pair.new.get("default"):
        yield f"default {_short(pair.old.get('default'))} -> {_short(pair.new.get('default'))}"


@rule("request-property-pattern-changed", "warning", "schema", "a request string must match a new pattern")
def _request_pattern(pair: Pair) -> Iterator[str]:
    old, new = pair.old.get("pattern"), pair.new.get("pattern")
    if _request(pair) and old != new and new is not None:
        yield f"pattern {old!r} -> {new!r}"


@rule("response-property-pattern-changed", "info", "schema", "a response string's pattern changed")
def _response_pattern(pair: Pair) -> Iterator[str]:
    old, new = pair.old.get("pattern"), pair.new.get("pattern")
    if old != new and (not _request(pair) or new is None):
        yield f"pattern {old!r} -> {new!r}"


def _properties(pair: Pair) -> tuple[dict[str, Any], dict[str, Any], set[str], set[str]]:
    return (pair.old.get("properties") or {}, pair.new.get("properties") or {},
            set(pair.old.get("required") or []), set(pair.new.get("required") or []))


def _flag(pair: Pair, schema: Any, flag: str, new: bool = True) -> bool:
    if pair.context is None:
        return False
    flat, _ = (pair.context.new if new else pair.context.old).deref(schema)
    return isinstance(flat, dict) and flat.get(flag) is True


def _where(pair: Pair, name: str) -> str:
    """The property's path below the pair's location."""
    where = pair.location.split(": ", 1)
    return _join(where[1], name) if len(where) == 2 else name


@rule("new-required-request-property", "error", "schema", "a request object has a new required property")
def _new_required_property(pair: Pair) -> Iterator[str]:
    old, new, _old_required, new_required = _properties(pair)
    if _request(pair):
        for name in new:
            if name not in old and name in new_required and not _flag(pair, new[name], "readOnly"):
                yield f"new required property {_where(pair, name)}"


@rule("new-optional-request-property", "info", "schema", "a request object has a new optional property")
def _new_optional_property(pair: Pair) -> Iterator[str]:
    old, new, _old_required, new_required = _properties(pair)
    if _request(pair):
        for name in new:
            if name not in old and name not in new_required:
                yield f"new optional property {_where(pair, name)}"


@rule("request-property-removed", "warning", "schema", "a request property is gone (servers may refuse or drop it)")
def _request_property_removed(pair: Pair) -> Iterator[str]:
    old, new, _r, _n = _properties(pair)
    if _request(pair):
        for name in old:
            if name not in new and not _flag(pair, old[name], "readOnly", new=False):
                yield f"property {_where(pair, name)} removed"


@rule("request-property-became-required", "error", "schema", "an optional request property is now required")
def _request_required(pair: Pair) -> Iterator[str]:
    old, new, old_required, new_required = _properties(pair)
    if _request(pair):
        for name in sorted((new_required - old_required) & set(old)):
            if name in new and not _flag(pair, new[name], "readOnly"):
                yield f"property {_where(pair, name)} became required"


@rule("request-property-became-optional", "info", "schema", "a required request property is now optional")
def _request_optional(pair: Pair) -> Iterator[str]:
    old, new, old_required, new_required = _properties(pair)
    if _request(pair):
        for name in sorted((old_required - new_required) & set(new)):
            yield f"property {_where(pair, name)} became optional"


@rule("response-required-property-removed", "error", "schema", "a response property clients could rely on is gone")
def _response_required_removed(pair: Pair) -> Iterator[str]:
    old, new, old_required, _n = _properties(pair)
    if not _request(pair):
        for name in old:
            if name not in new and name in old_required and not _flag(pair, old[name], "writeOnly", new=False):
                yield f"required property {_where(pair, name)} removed"


@rule("response-optional-property-removed", "info", "schema", "an optional response property is gone")
def _response_optional_removed(pair: Pair) -> Iterator[str]:
    old, new, old_required, _n = _properties(pair)
    if not _request(pair):
        for name in old:
            if name not in new and name not in old_required:
                yield f"optional property {_where(pair, name)} removed"


@rule("response-property-became-optional", "error", "schema", "a response property may now be missing")
def _response_optional(pair: Pair) -> Iterator[str]:
    old, new, old_required, new_required = _properties(pair)
    if not _request(pair):
        for name in sorted((old_required - new_required) & set(new)):
            if not _flag(pair, new[name], "writeOnly"):
                yield f"property {_where(pair, name)} became optional"


@rule("response-property-added", "info", "schema", "a response object has a new property")
def _response_added(pair: Pair) -> Iterator[str]:
    old, new, _o, new_required = _properties(pair)
    if not _request(pair):
        for name in new:
            if name not in old:
                kind = "required" if name in new_required else "optional"
                yield f"new {kind} property {_where(pair, name)}"


@rule("response-property-became-required", "info", "schema", "a response property is now always present")
def _response_required(pair: Pair) -> Iterator[str]:
    old, new, old_required, new_required = _properties(pair)
    if not _request(pair):
        for name in sorted((new_required - old_required) & set(old)):
            yield f"property {_where(pair, name)} became required"


def _closed(schema: dict[str, Any]) -> bool:
    return schema.get("additionalProperties") is False or schema.get("unevaluatedProperties") is False


@rule("request-additional-properties-closed", "error", "schema", "a request object no longer accepts other properties")
def _request_closed(pair: Pair) -> Iterator[str]:
    if _request(pair) and not _closed(pair.old) and _closed(pair.new):
        yield "additional properties no longer accepted"


@rule("response-additional-properties-opened", "warning", "schema", "a response object may carry unknown properties")
def _response_opened(pair: Pair) -> Iterator[str]:
    if not _request(pair) and _closed(pair.old) and not _closed(pair.new):
        yield "additional properties may now be returned"


def _branches(doc: Contract, schema: dict[str, Any]) -> dict[str, str]:
    return {_signature(doc, b): c for c in ("anyOf", "oneOf") for b in schema.get(c) or []}


@rule("request-property-any-of-removed", "error", "schema", "a request union accepts fewer alternatives")
def _request_branch_removed(pair: Pair) -> Iterator[str]:
    if _request(pair) and pair.context is not None:
        old, new = _branches(pair.context.old, pair.old), _branches(pair.context.new, pair.new)
        for signature in old:
            if new and signature not in new:
                yield f"{old[signature]} alternative {signature} removed"


@rule("response-property-any-of-added", "error", "schema", "a response union may return a new alternative")
def _response_branch_added(pair: Pair) -> Iterator[str]:
    if not _request(pair) and pair.context is not None:
        old, new = _branches(pair.context.old, pair.old), _branches(pair.context.new, pair.new)
        for signature in new:
            if old and signature not in old:
                yield f"{new[signature]} alternative {signature} added"


@rule("union-alternatives-relaxed", "info", "schema", "a request union accepts more, or a response union returns less")
def _branch_safe(pair: Pair) -> Iterator[str]:
    if pair.context is None:
        return
    old, new = _branches(pair.context.old, pair.old), _branches(pair.context.new, pair.new)
    if not old or not new:
        return
    grown = [s for s in new if s not in old] if _request(pair) else [s for s in old if s not in new]
    for signature in grown:
        yield f"alternative {signature} {'added' if _request(pair) else 'removed'}"


# --------------------------------------------------------------------------- accepted changes
@dataclass
class IgnoreEntry:
    rule: str = "*"
    operation: str = "*"
    location: str = "*"
    message: str = "*"
    note: str = ""
    used: bool = False

    def matches(self, change: Change) -> bool:
        return all(fnmatch.fnmatchcase(value, pattern) for value, pattern in (
            (change.rule, self.rule), (change.operation, self.operation), (change.location, self.location),
            (change.message, self.message)))


def load_ignore(path: str | Path) -> list[IgnoreEntry]:
    """An ignore file: accepted changes, each with a note saying why.

    JSON or YAML: `{"version": 1, "accepted": [{"rule": ..., "operation": ..., "location": ...,
    "message": ..., "note": ...}]}`; each field but `note` is a shell wildcard (default `*`).
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BreakingError(f"cannot read ignore file {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("accepted"), list):
        raise BreakingError(f"{path}: an ignore file is {{\"version\": 1, \"accepted\": [...]}}")
    entries = []
    for number, item in enumerate(data["accepted"], 1):
        if not isinstance(item, dict) or not item or set(item) - {"rule", "operation", "location", "message", "note"}:
            raise BreakingError(f"{path}: accepted entry {number} must be an object of rule, operation, location, "
                                "message, note")
        if not all(isinstance(v, str) for v in item.values()):
            raise BreakingError(f"{path}: accepted entry {number}: every field is a string")
        if "rule" in item and not any(fnmatch.fnmatchcase(r, item["rule"]) for r in RULES):
            raise BreakingError(f"{path}: accepted entry {number}: no rule matches {item['rule']!r}")
        entries.append(IgnoreEntry(**item))
    return entries


def accept(changes: list[Change], entries: list[IgnoreEntry]) -> list[Change]:
    """The changes, with those an ignore entry matches marked accepted."""
    result = []
    for change in changes:
        matched = [e for e in entries if e.matches(change)]
        for entry in matched:
            entry.used = True
        result.append(Change(**{**asdict(change), "accepted": bool(matched)}) if matched else change)
    return result


# --------------------------------------------------------------------------- the report
@dataclass
class BreakingReport:
    old: Contract
    new: Contract
    changes: list[Change]
    unused: list[IgnoreEntry] = field(default_factory=list)
    fail_on: str = "error"

    def counts(self) -> dict[str, int]:
        counts = {level: sum(1 for c in self.changes if c.level == level and not c.accepted) for level in LEVELS}
        counts["accepted"] = sum(1 for c in self.changes if c.accepted)
        return counts

    @property
    def exit_code(self) -> int:
        failing = ("error",) if self.fail_on == "error" else ("error", "warning")
        return 1 if any(c.level in failing and not c.accepted for c in self.changes) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": {"path": self.old.name, "version": self.old.version},
            "new": {"path": self.new.name, "version": self.new.version},
            "breaking": any(c.breaking for c in self.changes),
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
            "unused_ignore_entries": [{k: v for k, v in asdict(e).items() if k != "used"} for e in self.unused],
        }

    def text(self) -> str:
        counts = self.counts()
        lines = [f"{self.old.name} ({self.old.version or '?'}) -> {self.new.name} ({self.new.version or '?'}): "
                 f"{len(self.changes)} change(s): {counts['error']} breaking, {counts['warning']} warning(s), "
                 f"{counts['info']} info, {counts['accepted']} accepted"]
        for change in self.changes:
            level = "accepted" if change.accepted else change.level
            where = f" [{change.location}]" if change.location else ""
            lines.append(f"  {level:<8} {change.rule}: {change.operation}{where}: {change.message}")
        for entry in self.unused:
            lines.append(f"  ignore entry not used (outdated?): rule={entry.rule} operation={entry.operation}")
        lines.append("BREAKING" if self.exit_code else "no breaking change" if not counts["error"] else "accepted")
        return "\n".join(lines) + "\n"

    def markdown(self, limit: int = 60000) -> str:
        """A pull-request comment: what breaks (and what may) in a table, the rest folded;
        kept under GitHub's comment size (`limit` characters)."""
        counts = self.counts()
        title = "Breaking changes" if counts["error"] else "No breaking change"
        lines = [f"### {title} in the API contract",
                 "",
                 f"`{Path(self.old.name).name}` ({self.old.version or '?'}) → `{Path(self.new.name).name}` "
                 f"({self.new.version or '?'}): **{counts['error']} breaking**, {counts['warning']} warning(s), "
                 f"{counts['info']} info, {counts['accepted']} accepted.", ""]
        loud = [c for c in self.changes if c.level in ("error", "warning") and not c.accepted]
        quiet = [c for c in self.changes if c not in loud]
        budget = limit - 2000
        if loud:
            lines += _md_table(loud, budget // 2 if quiet else budget)
        if quiet:
            lines += ["", f"<details><summary>{len(quiet)} change(s) that break no client</summary>", ""]
            lines += _md_table(quiet, budget - sum(len(line) + 1 for line in lines))
            lines += ["", "</details>"]
        for entry in self.unused:
            lines.append(f"\nIgnore entry not used (outdated?): `{entry.rule}` `{entry.operation}`")
        return "\n".join(lines) + "\n"

    def github(self) -> str:
        """GitHub Actions workflow commands: each breaking change (and warning) annotates the run."""
        lines = []
        for change in self.changes:
            if change.accepted or change.level == "info":
                continue
            command = "error" if change.level == "error" else "warning"
            where = f" [{change.location}]" if change.location else ""
            text = f"{change.operation}{where}: {change.message}".replace("%", "%25")
            lines.append(f"::{command} title={change.rule}::{text.replace(chr(10), ' ')}")
        counts = self.counts()
        lines.append(f"{counts['error']} breaking change(s), {counts['warning']} warning(s), {counts['info']} info, "
                     f"{counts['accepted']} accepted")
        return "\n".join(lines) + "\n"


def _md_table(changes: list[Change], budget: int) -> list[str]:
    lines = ["| level | rule | operation | where | change |", "| --- | --- | --- | --- | --- |"]
    used = 0
    for number, change in enumerate(changes):
        level = "accepted" if change.accepted else f"**{change.level}**" if change.level == "error" else change.level
        cells = [level, f"`{change.rule}`", f"`{change.operation}`" if change.operation else "", change.location,
                 change.message]
        line = "| " + " | ".join(_md_cell(c) for c in cells) + " |"
        if used + len(line) > budget:
            lines.append(f"\n… and {len(changes) - number} more (see the JSON report)")
            break
        used += len(line) + 1
        lines.append(line)
    return lines


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def check(old_path: str | Path, new_path: str | Path, *, ignore: str | Path | None = None,
          fail_on: str = "error") -> BreakingReport:
    """Compare two documents and apply an ignore file: the whole `breaking` command but output."""
    old, new = load_document(old_path), load_document(new_path)
    entries = load_ignore(ignore) if ignore else []
    try:
        changes = accept(compare(old, new), entries)
    except DocumentError as exc:  # a $ref that names nothing, met on the way
        raise BreakingError(str(exc)) from exc
    return BreakingReport(old, new, changes, [e for e in entries if not e.used], fail_on)
