"""Chat's `response_format` (3.0.12): the subset of JSON Schema the real server can turn into an
answer model, judged before anything is answered (422 `Invalid response_format: ...`).

What is taken: an object root (`type: object`, or no type with `properties` or a `$ref`), whose
nodes are objects built from `type` (string, number, integer, boolean, null, object, array, or a
non-empty list of them), `properties`, `required`, `items`, `enum` (strings, integers, booleans,
null), non-empty `anyOf`/`oneOf`, and `$ref`s to `#/$defs/<name>` or `#/definitions/<name>` of
the root (siblings of a `$ref` override the definition; a definition may not reach itself).
Refused: boolean schemas, `allOf`, `not`, `if`/`then`/`else`, `patternProperties`, a schema as
`additionalProperties`, `$defs` below the root, more than 500 nodes or 20 levels. A refusal names
the construct and where it is (`properties.a`), as the real server words it. Constraint keywords
(minLength, pattern, ...) are hints to the model and pass.

With a format, a real server's `content` is a JSON string of an object matching it (the SDKs
parse it into the caller's model); the mock's is `shaped_answer`: the schema's object with its
properties filled deterministically, strings carrying the mock's plain answer.
"""

from __future__ import annotations

import json
from typing import Any

from mockserver.errors import ApiError

MAX_DEPTH = 20
MAX_NODES = 500
_UNSUPPORTED = ("$defs", "definitions", "allOf", "not", "if", "then", "else", "patternProperties")
_PRIMITIVES = ("string", "number", "integer", "boolean", "null")
_REF_FORMS = ("#/$defs/", "#/definitions/")


class _Refused(ValueError):
    pass


def check_response_format(schema: Any) -> None:
    """ApiError 422 when the real server cannot use `schema` as chat's answer format."""
    if schema is None:
        return
    try:
        _check_root(schema)
    except _Refused as exc:
        raise ApiError(422, f"Invalid response_format: {exc}") from None


def shaped_answer(schema: dict[str, Any], text: str | None) -> str:
    """The mock's answer as the JSON text of an object `schema` (checked already) describes:
    every property given, strings = `text` (or ""), numbers 0, booleans false, arrays empty,
    enums and unions their first choice that is not null, `default`s where declared."""
    root = {key: value for key, value in schema.items() if key != "$schema"}
    definitions = {**(root.pop("definitions", None) or {}), **(root.pop("$defs", None) or {})}
    return json.dumps(_instance(root, definitions, text or "", 0), ensure_ascii=False)


def _instance(node: Any, definitions: dict[str, Any], text: str, depth: int) -> Any:
    if not isinstance(node, dict) or depth > MAX_DEPTH:
        return None
    if "$ref" in node:
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        target = definitions.get(name, {})
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}} if isinstance(target, dict) else {}
    if "default" in node:
        return node["default"]
    if "enum" in node:
        return next((value for value in node["enum"] if value is not None), None)
    for key in ("anyOf", "oneOf"):
        if key in node:
            choices = [c for c in node[key] if not (isinstance(c, dict) and c.get("type") == "null")] or node[key]
            return _instance(choices[0], definitions, text, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None and "properties" in node:
        kind = "object"
    if kind == "object":
        return {key: _instance(value, definitions, text, depth + 1) for key, value in (node.get("properties") or {}).items()}
    return {"string": text, "integer": 0, "number": 0.0, "boolean": False, "array": []}.get(kind)


def _check_root(schema: Any) -> None:
    if not isinstance(schema, dict):
        raise _Refused("response_format must be a JSON Schema object")
    root = {key: value for key, value in schema.items() if key != "$schema"}
    walk = _Walk(_definitions(root))
    kind = root.get("type")
    if not (kind == "object" or (kind is None and ("properties" in root or "$ref" in root))):
        raise _Refused("root schema must have type 'object'")
    if walk.node(root, "", 0) != "object":
        raise _Refused("root schema must have type 'object'")


def _definitions(root: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        given = root.pop(key, None)
        if given is None:
            continue
        if not isinstance(given, dict):
            _refuse(f"'{key}' must be an object", "")
        for name, definition in given.items():
            if not isinstance(name, str) or not name:
                _refuse(f"'{key}' definition names must be non-empty strings", "")
            if name in found:
                _refuse(f"definition '{name}' appears in both '$defs' and 'definitions'", "")
            found[name] = definition
    return found


class _Walk:
    """One pass over a schema: the definitions, the nodes seen, the definitions being expanded."""

    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.seen = 0
        self.expanding: list[str] = []

    def node(self, node: Any, path: str, depth: int) -> str:
        """The kind the node makes ("object" for a model, else "other"); _Refused otherwise."""
        if isinstance(node, dict) and "$ref" in node:
            return self.reference(node, path, depth)
        self.seen += 1
        if self.seen > MAX_NODES:
            raise _Refused(f"schema exceeds the maximum of {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise _Refused(f"schema nesting exceeds the maximum depth of {MAX_DEPTH}")
        if isinstance(node, bool):
            _refuse("boolean schemas are not supported", path)
        if not isinstance(node, dict):
            _refuse("schema must be an object", path)
        for key in _UNSUPPORTED:
            if key in node:
                _refuse(f"unsupported construct '{key}'", path)
        if isinstance(node.get("additionalProperties"), dict):
            _refuse("additionalProperties with a schema is not supported", path)
        if "enum" in node:
            return self.enum(node["enum"], path)
        if "anyOf" in node or "oneOf" in node:
            key = "anyOf" if "anyOf" in node else "oneOf"
            if not isinstance(node[key], list) or not node[key]:
                _refuse(f"'{key}' must be a non-empty array", path)
            for index, member in enumerate(node[key]):
                self.node(member, _child(path, f"{key}[{index}]"), depth + 1)
            return "other"
        kind = node.get("type")
        if isinstance(kind, list):
            if not kind:
                _refuse("'type' array must not be empty", path)
            kinds = [self.node({**node, "type": each}, path, depth) for each in kind]
            return "object" if kinds == ["object"] else "other"
        if kind is None and "properties" in node:
            kind = "object"
        if kind == "object":
            return self.object(node, path, depth)
        if kind == "array":
            if node.get("items") is not None:
                self.node(node["items"], _child(path, "items"), depth + 1)
            return "other"
        if kind in _PRIMITIVES:
            return "other"
        if kind is None:
            _refuse("schema has no recognizable type", path)
        _refuse(f"unsupported type '{kind}'", path)

    def reference(self, node: dict[str, Any], path: str, depth: int) -> str:
        ref = node["$ref"]
        if not isinstance(ref, str):
            _refuse("'$ref' must be a string", path)
        name = next((ref[len(form):] for form in _REF_FORMS if ref.startswith(form)), None)
        if not name or any(char in name for char in "/~%"):
            _refuse(f"unsupported $ref '{ref}': only '#/$defs/<name>' or '#/definitions/<name>' references are "
                    "supported", path)
        if name not in self.definitions:
            _refuse(f"$ref '{ref}' points to an unknown definition", path)
        if name in self.expanding:
            cycle = " -> ".join([*self.expanding[self.expanding.index(name):], name])
            _refuse(f"recursive $ref is not supported (cycle: {cycle}); restructure the schema so definitions do "
                    "not reference themselves", path)
        target = self.definitions[name]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        self.expanding.append(name)
        try:
            return self.node({**target, **siblings} if siblings and isinstance(target, dict) else target, path, depth)
        finally:
            self.expanding.pop()

    def object(self, node: dict[str, Any], path: str, depth: int) -> str:
        properties = node.get("properties", {})
        if not isinstance(properties, dict):
            _refuse("'properties' must be an object", path)
        required = node.get("required", [])
        if not isinstance(required, list) or not all(isinstance(entry, str) for entry in required):
            _refuse("'required' must be an array of strings", path)
        for key, value in properties.items():
            if not isinstance(key, str) or not key:
                _refuse("property names must be non-empty strings", path)
            self.node(value, _child(path, f"properties.{key}"), depth + 1)
        return "object"

    @staticmethod
    def enum(values: Any, path: str) -> str:
        if not isinstance(values, list) or not values:
            _refuse("'enum' must be a non-empty array", path)
        if not all(value is None or isinstance(value, (str, int, bool)) for value in values):
            _refuse("enum values must be strings, integers, booleans, or null", path)
        return "other"


def _child(path: str, segment: str) -> str:
    return f"{path}.{segment}" if path else segment


def _refuse(message: str, path: str) -> Any:
    raise _Refused(f"{message} at {path or 'root'}")
