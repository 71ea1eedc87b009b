"""The smallest value a schema of the contract accepts, and whether a value is one it accepts.

A failing request is reduced to the part that makes it fail by making each of its parts
valid in turn (phases/reduction.py), and a 404 after a create is told from a 404 about the
request's body by sending the request again with the smallest body the contract allows: both
need a value the contract surely accepts for a parameter or a body. JSON Schema 2020-12 (what
OpenAPI 3.1 writes) judges it, through the contract's own `$ref`s.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.core.openapi import Contract, flatten_schema

_URN = "urn:honcho-conformance:contract"
# An address under `.invalid` never resolves: a URL the contract asks for points nowhere.
_TEXT_CANDIDATES = ("x", "x1", "a", "A", "0", "1", "xx", "abc", "https://conformance.invalid/x")
_MAX_DEPTH = 8


class NoValue(ValueError):
    """The schema's smallest value could not be made (or would not validate)."""


class Values:
    """Minimal values and validation for one contract."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        resource = Resource.from_contents(contract.document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(_URN, resource)

    # -- judging ---------------------------------------------------------------------------
    def accepts(self, schema: Any, value: Any) -> bool:
        """Whether `value` is valid against `schema` (a schema of the contract, `$ref`s and all)."""
        try:
            validator = Draft202012Validator(_anchored(schema), registry=self._registry)
            return validator.is_valid(value)
        except Exception:  # a schema jsonschema cannot read: nothing can be said
            return False

    def first_violation(self, schema: Any, value: Any) -> str:
        """The keyword of the first rule `value` breaks (`pattern`, `maxLength`, `type`, ...), or ""."""
        try:
            validator = Draft202012Validator(_anchored(schema), registry=self._registry)
            error = next(iter(validator.iter_errors(value)), None)
        except Exception:
            return ""
        return str(error.validator) if error is not None else ""

    # -- making ----------------------------------------------------------------------------
    def smallest(self, schema: Any, *, text: bool = False) -> Any:
        """The smallest value the schema accepts; `text` for a path or query parameter (what goes
        over the wire is text, so null is no choice). Raises NoValue."""
        value = self._make(schema, text, 0)
        if not self.accepts(schema, value):
            raise NoValue(f"{value!r} does not validate")
        return value

    def _make(self, schema: Any, text: bool, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise NoValue("too deep")
        node, _ = self.contract.deref(schema)
        if isinstance(node, dict) and isinstance(node.get("allOf"), list):  # every part's value, merged
            base = {k: v for k, v in node.items() if k != "allOf"}
            parts = [self._make(part, text, depth + 1) for part in ([base] if base else []) + node["allOf"]]
            if parts and all(isinstance(p, dict) for p in parts):
                return {k: v for part in parts for k, v in part.items()}
            return next((p for p in parts if p is not None), None)
        flat, _ = flatten_schema(self.contract, schema)
        if "const" in flat:
            return copy.deepcopy(flat["const"])
        if isinstance(flat.get("enum"), list) and flat["enum"]:
            chosen = [v for v in flat["enum"] if v is not None] or flat["enum"]
            return copy.deepcopy(chosen[0])
        if "default" in flat and flat["default"] is not None and self.accepts(schema, flat["default"]):
            return copy.deepcopy(flat["default"])
        for combiner in ("anyOf", "oneOf"):
            for branch in flat.get(combiner) or []:
                try:
                    value = self._make(branch, text, depth + 1)
                except NoValue:
                    continue
                if self.accepts(branch, value):
                    return value
        types = flat.get("type") or []
        if isinstance(types, str):
            types = [types]
        if "null" in types and not text:
            return None
        for kind in [t for t in types if t != "null"] or (["object"] if "properties" in flat else ["string"]):
            maker = getattr(self, f"_{kind}", None)
            if maker is not None:
                return maker(flat, text, depth)
        raise NoValue(f"no value for {types}")

    def _object(self, flat: dict[str, Any], text: bool, depth: int) -> dict[str, Any]:
        properties = flat.get("properties") or {}
        return {name: self._make(properties.get(name, {}), False, depth + 1) for name in flat.get("required") or []}

    def _array(self, flat: dict[str, Any], text: bool, depth: int) -> list[Any]:
        count = int(flat.get("minItems") or 0)
        if count > 1 and flat.get("uniqueItems"):
            raise NoValue("unique items")
        return [self._make(flat.get("items", {}), False, depth + 1) for _ in range(count)]

    def _string(self, flat: dict[str, Any], text: bool, depth: int) -> str:
        low, high = int(flat.get("minLength") or 0), flat.get("maxLength")
        form = flat.get("format")
        candidates: tuple[str, ...] = _TEXT_CANDIDATES
        if form == "date-time":
            candidates = ("2024-01-01T00:00:00Z",)
        elif form == "date":
            candidates = ("2024-01-01",)
        elif form in ("uri", "url"):
            candidates = ("https://conformance.invalid/x",)
        pattern = flat.get("pattern")
        for candidate in candidates:
            candidate = candidate + candidate[-1] * max(0, low - len(candidate))
            if high is not None and len(candidate) > high:
                continue
            if pattern is None or re.search(pattern, candidate):
                return candidate
        raise NoValue(f"no text fits {pattern!r}")

    def _integer(self, flat: dict[str, Any], text: bool, depth: int) -> int:
        return int(self._number(flat, text, depth))

    def _number(self, flat: dict[str, Any], text: bool, depth: int) -> float | int:
        if "minimum" in flat:
            return flat["minimum"]
        if "exclusiveMinimum" in flat:
            return flat["exclusiveMinimum"] + 1
        if "maximum" in flat and flat["maximum"] < 1:
            return flat["maximum"]
        if "exclusiveMaximum" in flat and flat["exclusiveMaximum"] <= 1:
            return flat["exclusiveMaximum"] - 1
        return 1

    def _boolean(self, flat: dict[str, Any], text: bool, depth: int) -> bool:
        return False


def _anchored(schema: Any) -> Any:
    """The schema with its local `$ref`s (`#/components/...`) pointing into the contract."""
    if isinstance(schema, dict):
        return {k: (_URN + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _anchored(v))
                for k, v in schema.items()}
    if isinstance(schema, list):
        return [_anchored(v) for v in schema]
    return schema
