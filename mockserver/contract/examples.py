"""Answers taken from the contract itself: its examples, else a body generated from its schemas.

Two users:
- the Dispatcher's `fallback`: an operation without a stateful handler (any operation of
  a document other than openapi.yaml) answers its first declared 2xx response;
- `faults`: a forced status answers the operation's declared response for that status.

Bodies come from the response's `example`/`examples` (media type first, then schema) and
otherwise from `generate`, a small deterministic generator. Why not a library:
hypothesis-jsonschema draws random values (`.example()` differs run to run, which makes a
mock's answers flaky for the UI tests it serves) and reads drafts 4-7 only, while these
schemas are 2020-12 (`prefixItems`, `$ref` with siblings, `const`); connexion's mock
resolver only returns declared examples. The generator covers the keywords API
documents use (type, enum/const, properties/required, items/prefixItems, bounds, formats,
allOf/anyOf/oneOf, $ref); a `pattern` is satisfied through hypothesis' `from_regex`, shrunk
to its minimal (hence deterministic) match. Every generated body is checked against its
schema; one that fails is logged and still served (never seen on openapi.yaml: a test
generates every response of it).
"""

from __future__ import annotations

import logging
import math
import re
from http import HTTPStatus
from typing import Any, Callable

from mockserver.contract.document import Contract, Operation
from mockserver.contract.validation import (
    ContractValidator,
    OperationValidator,
    is_json_media,
)
from mockserver.handler_interface import Handler, OperationResult, ParsedRequest
from mockserver.state.store import Store

logger = logging.getLogger("mockserver")
MAX_DEPTH = 6  # past this depth only required properties and minimal arrays are generated
_FORMATS = {
    "date-time": "2026-01-01T00:00:00.000000Z",
    "date": "2026-01-01",
    "time": "00:00:00Z",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "uri": "https://example.com/",
    "iri": "https://example.com/",
    "url": "https://example.com/",
    "uri-reference": "/example",
    "uri-template": "https://example.com/{id}",
    "json-pointer": "/example",
    "relative-json-pointer": "0",
    "regex": ".*",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "byte": "",
    "binary": "",
    "password": "password",
}


def reason(status: int) -> str:
    """The `detail` of an error answer the contract does not shape: Honcho's 500 text or the reason phrase."""
    if status == 500:
        return "An unexpected error occurred"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"


class ExampleResponder:
    """Declared responses of a contract as Replies, cached per (operation, status)."""

    def __init__(self, contract: Contract, validators: ContractValidator) -> None:
        self.contract = contract  # the validation view: 2020-12 schemas for 3.0 and 3.1 documents alike
        self.validators = validators
        self._cache: dict[tuple[str, str], tuple[str, Any, str | None]] = {}

    # -- the Dispatcher's fallback ------------------------------------------------------
    def fallback(self, validator: OperationValidator) -> Handler:
        """A handler answering the operation's first declared 2xx response (else `default`, as 200)."""
        operation = validator.operation
        declared = [key for key in operation.responses if str(key)[:1] == "2" and str(key).isdigit()]
        key = str(declared[0]) if declared else ("default" if "default" in operation.responses else None)
        status = int(key) if key and key.isdigit() else 200
        reply = self.reply(operation, status) if key else OperationResult(200, None, media_type=None)

        def answer(store: Store, req: ParsedRequest) -> OperationResult:
            return reply

        return answer

    # -- any status ----------------------------------------------------------------------
    def declared_key(self, operation: Operation, status: int) -> str | None:
        """The responses key that covers `status`: exact, then `4XX`-style range, then `default`."""
        for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
            if key in operation.responses:
                return key
        return None

    def reply(self, operation: Operation, status: int, detail: str | None = None) -> OperationResult:
        """The operation's declared answer for `status`; `{"detail": ...}` when it declares none."""
        key = self.declared_key(operation, status)
        if status in (204, 205, 304) or (100 <= status < 200):
            return OperationResult(status, None, media_type=None)
        if key is None:
            return OperationResult(status, {"detail": detail or reason(status)})
        kind, body, media = self._body(operation, key, status, detail)
        if kind == "none":
            return OperationResult(status, None, media_type=None)
        if media is not None and not is_json_media(media):
            text = body if isinstance(body, str) else str(body)
            return OperationResult(status, None, media_type=media, stream=[text.encode("utf-8")])
        return OperationResult(status, body)

    def _body(self, operation: Operation, key: str, status: int, detail: str | None) -> tuple[str, Any, str | None]:
        cache_key = (operation.operation_id, key if detail is None else f"{key}:{status}:{detail}")
        if cache_key not in self._cache:
            self._cache[cache_key] = self._make_body(operation, key, status, detail)
        return self._cache[cache_key]

    def media_object(self, operation: Operation, key: str) -> tuple[str, dict[str, Any]] | None:
        """The declared response's media type (JSON first) and its Media Type Object; None without content."""
        response = self.contract.resolve(operation.responses[key])
        content = response.get("content") or {}
        if not content:
            return None
        media = next((m for m in content if is_json_media(m)), next(iter(content)))
        return media, self.contract.resolve(content[media]) or {}

    def example_names(self, operation: Operation, key: str) -> list[str]:
        """The names of the declared response's `examples` (OpenAPI's named examples)."""
        found = self.media_object(operation, key)
        examples = found[1].get("examples") if found else None
        return [str(name) for name in examples] if isinstance(examples, dict) else []

    def named_example(self, operation: Operation, key: str, name: str) -> OperationResult | None:
        """The declared response's example called `name` as an answer, or None when it has none by that name."""
        found = self.media_object(operation, key)
        examples = found[1].get("examples") if found else None
        item = self.contract.resolve(examples.get(name)) if isinstance(examples, dict) else None
        if not isinstance(item, dict) or "value" not in item or found is None:
            return None
        status = int(key) if key.isdigit() else 200
        if not is_json_media(found[0]):
            text = item["value"] if isinstance(item["value"], str) else str(item["value"])
            return OperationResult(status, None, media_type=found[0], stream=[text.encode("utf-8")])
        return OperationResult(status, item["value"])

    def valid(self, schema: Any, body: Any) -> bool:
        """Whether `body` is valid against a schema of the contract."""
        return self._valid(schema, body)

    def _make_body(self, operation: Operation, key: str, status: int, detail: str | None) -> tuple[str, Any, str | None]:
        found_media = self.media_object(operation, key)
        if found_media is None:
            return "none", None, None
        media, media_object = found_media
        schema = media_object.get("schema", {})
        found, example = self._example(media_object, schema)
        if found:
            return "body", example, media
        if status >= 400:  # Honcho's error shape, when the declared schema takes it
            candidate = {"detail": detail or reason(status)}
            if self._valid(schema, candidate):
                return "body", candidate, media
        body = generate(schema, self.contract.resolve)
        consistent = consistent_pages(body)
        if self._valid(schema, consistent):
            body = consistent
        if not self._valid(schema, body):
            logger.warning("generated body for %s %s does not match its schema", operation.operation_id, key)
        return "body", body, media

    def _example(self, media_object: dict[str, Any], schema: Any) -> tuple[bool, Any]:
        if "example" in media_object:
            return True, media_object["example"]
        examples = media_object.get("examples")
        if isinstance(examples, dict):
            for item in examples.values():
                item = self.contract.resolve(item)
                if isinstance(item, dict) and "value" in item:
                    return True, item["value"]
        for candidate in (schema, self.contract.resolve(schema)):  # a $ref's siblings first (3.1)
            if isinstance(candidate, dict):
                if isinstance(candidate.get("examples"), list) and candidate["examples"]:
                    return True, candidate["examples"][0]
                if "example" in candidate:
                    return True, candidate["example"]
        return False, None

    def _valid(self, schema: Any, body: Any) -> bool:
        if not isinstance(schema, dict):
            return schema is not False
        return self.validators.schema_validator(schema).is_valid(body)


def consistent_pages(body: Any) -> Any:
    """The body with every page (`{items, total, page, size, pages}`, fastapi-pagination's shape,
    which Honcho's lists answer) telling the truth about its items: a generated page of one item
    says it is page 1 of 1 with a total of 1, not a total of 0."""
    if isinstance(body, list):
        return [consistent_pages(item) for item in body]
    if not isinstance(body, dict):
        return body
    body = {key: consistent_pages(value) for key, value in body.items()}
    if isinstance(body.get("items"), list) and all(isinstance(body.get(k), int) for k in ("total", "page", "size", "pages")):
        count = len(body["items"])
        size = max(count, 1)
        body.update(total=count, page=1, size=size, pages=1 if count else 0)
    return body


# -- the generator ----------------------------------------------------------------------
Resolve = Callable[[Any], Any]


def generate(schema: Any, resolve: Resolve, depth: int = 0) -> Any:
    """A deterministic value valid against `schema` (JSON Schema 2020-12) for the common keywords."""
    schema = resolve(schema)
    if schema is True or not isinstance(schema, dict):
        return {}
    if "$ref" in schema:  # a $ref with siblings (2020-12): both apply
        schema = merge_all([{k: v for k, v in schema.items() if k != "$ref"}, resolve({"$ref": schema["$ref"]})], resolve)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if "default" in schema:
        return schema["default"]
    if isinstance(schema.get("allOf"), list):
        return generate(merge_all([{k: v for k, v in schema.items() if k != "allOf"}, *schema["allOf"]], resolve), resolve, depth)
    for union in ("anyOf", "oneOf"):
        branches = schema.get(union)
        if isinstance(branches, list) and branches:
            rest = {k: v for k, v in schema.items() if k != union}
            non_null = [b for b in branches if resolve(b) != {"type": "null"}]
            if depth >= MAX_DEPTH and len(non_null) < len(branches):
                return None
            return generate(merge_all([rest, (non_null or branches)[0]], resolve), resolve, depth)
    kind = type_of(schema)
    if kind == "null":
        return None
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "string":
        return _string(schema)
    if kind == "array":
        return _array(schema, resolve, depth)
    if kind == "object":
        return _object(schema, resolve, depth)
    return {}


def type_of(schema: dict[str, Any]) -> str | None:
    """The JSON type a schema asks for (its first non-null type), else the one its keywords imply."""
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        kind = non_null[0] if non_null else "null"
    if kind:
        return str(kind)
    if any(k in schema for k in ("properties", "required", "additionalProperties", "minProperties")):
        return "object"
    if any(k in schema for k in ("items", "prefixItems", "minItems")):
        return "array"
    if any(k in schema for k in ("minLength", "maxLength", "pattern", "format")):
        return "string"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return None


def merge_all(schemas: list[Any], resolve: Resolve) -> dict[str, Any]:
    """allOf as one schema: properties and required united, other keywords first-wins."""
    merged: dict[str, Any] = {}
    for part in schemas:
        part = resolve(part)
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("allOf"), list):
            part = merge_all([{k: v for k, v in part.items() if k != "allOf"}, *part["allOf"]], resolve)
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**value, **merged.get("properties", {})}
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            else:
                merged.setdefault(key, value)
    return merged


def _number(schema: dict[str, Any], kind: str) -> int | float:
    """0 when allowed, else the first candidate near the bounds that satisfies them all."""
    low = [b for b in (schema.get("minimum"), schema.get("exclusiveMinimum")) if _is_number(b)]
    high = [b for b in (schema.get("maximum"), schema.get("exclusiveMaximum")) if _is_number(b)]
    step = schema.get("multipleOf") if _is_number(schema.get("multipleOf")) and schema.get("multipleOf") > 0 else None
    candidates: list[float] = [0]
    for bound in low:
        candidates += [bound, bound + 1, bound + 0.5]
    for bound in high:
        candidates += [bound, bound - 1, bound - 0.5]
    if low and high:
        candidates.append((max(low) + min(high)) / 2)
    if step:
        candidates = [m * step for c in candidates for m in (math.ceil(c / step), math.floor(c / step))]
    if kind == "integer":
        candidates = [n for c in candidates for n in (math.ceil(c), math.floor(c))]
    for value in candidates:
        if _in_bounds(schema, value, step):
            return value
    return candidates[0]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _in_bounds(schema: dict[str, Any], value: float, step: float | None) -> bool:
    checks = (("minimum", lambda b: value >= b), ("exclusiveMinimum", lambda b: value > b),
              ("maximum", lambda b: value <= b), ("exclusiveMaximum", lambda b: value < b))
    if any(_is_number(schema.get(k)) and not ok(schema[k]) for k, ok in checks):
        return False
    return step is None or abs(value / step - round(value / step)) < 1e-9


def _string(schema: dict[str, Any]) -> str:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if "pattern" in schema:
        found = _from_pattern(schema["pattern"], low, high)
        if found is not None:
            return found
    text = _FORMATS.get(schema.get("format", ""), "string")
    if len(text) < low:
        text = text + "x" * (low - len(text))
    if high is not None and len(text) > high:
        text = text[:high]
    return text


_PATTERNS: dict[tuple[str, int, int | None], str | None] = {}


def _from_pattern(pattern: str, low: int, high: int | None) -> str | None:
    """The shortest match hypothesis finds for `pattern` within the length bounds (memoised)."""
    key = (pattern, low, high)
    if key not in _PATTERNS:
        from hypothesis import HealthCheck, find, settings
        from hypothesis import strategies as st

        try:
            re.compile(pattern)
            _PATTERNS[key] = find(
                st.from_regex(pattern, fullmatch=False),
                lambda s: len(s) >= low and (high is None or len(s) <= high),
                settings=settings(database=None, derandomize=True, max_examples=500,
                                  suppress_health_check=list(HealthCheck)),
            )
        except Exception:  # an unsupported or unsatisfiable pattern: fall back to the plain string
            _PATTERNS[key] = None
    return _PATTERNS[key]


def _array(schema: dict[str, Any], resolve: Resolve, depth: int) -> list[Any]:
    prefix = schema.get("prefixItems") or []
    items = schema.get("items", {})
    low, high = schema.get("minItems", 0), schema.get("maxItems")
    count = max(low, len(prefix), 1 if depth < MAX_DEPTH and items is not False else 0)
    if high is not None:
        count = min(count, high)
    values = [generate(s, resolve, depth + 1) for s in prefix[:count]]
    while len(values) < count:
        value = generate(items, resolve, depth + 1)
        if schema.get("uniqueItems") and value in values:
            value = _vary(value, len(values))
        values.append(value)
    return values


def _vary(value: Any, n: int) -> Any:
    """A different value of the same kind, for uniqueItems."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + n
    if isinstance(value, str):
        return f"{value}{n}"
    return value


def _object(schema: dict[str, Any], resolve: Resolve, depth: int) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    required = [name for name in schema.get("required", []) if isinstance(name, str)]
    names = list(properties) if depth < MAX_DEPTH else [n for n in properties if n in required]
    result = {name: generate(properties[name], resolve, depth + 1) for name in names}
    extra = schema.get("additionalProperties", True)
    for name in required:  # required but not declared in properties
        if name not in result:
            result[name] = generate(extra if isinstance(extra, dict) else {}, resolve, depth + 1)
    n = 0
    while len(result) < schema.get("minProperties", 0) and extra is not False:
        n += 1
        result.setdefault(f"key{n}", generate(extra if isinstance(extra, dict) else {}, resolve, depth + 1))
    return result
