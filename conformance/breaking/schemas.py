"""Facts about one flattened schema that rules and the walk ask for: the JSON types it allows,
whether it allows null, its enum, its properties, and how union alternatives are told apart
across two versions of a document."""

from __future__ import annotations

from typing import Any

from conformance.core.openapi import Contract, flatten_schema

UNIONS = ("anyOf", "oneOf")


def moved(old: dict[str, Any], new: dict[str, Any], keyword: str) -> tuple[Any, Any] | None:
    """A keyword's (old, new) values when they differ (None where a version lacks it)."""
    pair = old.get(keyword), new.get(keyword)
    return pair if pair[0] != pair[1] else None


def is_union(schema: dict[str, Any]) -> bool:
    return any(isinstance(schema.get(c), list) and schema[c] for c in UNIONS)


def enum_values(schema: dict[str, Any]) -> list[Any] | None:
    """The values an enum or a const allows (None: not limited to listed values)."""
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "string")


def types(schema: dict[str, Any]) -> set[str]:
    """The non-null JSON types a schema allows (empty: any type); an untyped enum or const
    allows the types of its values."""
    found = schema.get("type") or []
    values = enum_values(schema)
    if not found and values is not None:
        found = [json_type(v) for v in values]
    return {t for t in found if t != "null"}


def nullable(schema: dict[str, Any]) -> bool:
    return "null" in (schema.get("type") or []) or bool(schema.get("x-nullable"))


def widens(narrow: set[str], wide: set[str]) -> bool:
    """Every value of `narrow` is a value of `wide` (an integer is a number; no type: any)."""
    if not wide:
        return True
    if not narrow:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def signature(doc: Contract, schema: Any) -> str:
    """How a union's alternatives are matched across versions: by $ref, else by types and format."""
    flat, ref = flatten_schema(doc, schema)
    if ref:
        return ref.rsplit("/", 1)[-1]
    return ",".join(sorted(flat.get("type") or ["any"])) + (f":{flat['format']}" if "format" in flat else "")


def alternatives(doc: Contract, schema: dict[str, Any], combiner: str) -> dict[str, Any]:
    """The alternatives one keyword (anyOf or oneOf) lists, by signature."""
    return {signature(doc, branch): branch for branch in schema.get(combiner) or []}


def combiners(doc: Contract, schema: dict[str, Any]) -> dict[str, str]:
    """A union's alternatives by signature, each with the keyword that lists it (anyOf or oneOf)."""
    return {signature(doc, branch): c for c in UNIONS for branch in schema.get(c) or []}


def flagged(doc: Contract, schema: Any, flag: str) -> bool:
    """`readOnly: true` or `writeOnly: true` on a schema (its `$ref` followed)."""
    flat, _ = doc.deref(schema)
    return isinstance(flat, dict) and flat.get(flag) is True


def properties(schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """An object schema's properties and the names it requires."""
    return schema.get("properties") or {}, set(schema.get("required") or [])


def closed(schema: dict[str, Any]) -> bool:
    """The object accepts no property it does not list."""
    return schema.get("additionalProperties") is False or schema.get("unevaluatedProperties") is False
