"""The tester's one reader of OpenAPI 3.x documents: operations, `$ref`s and schemas.

Every part of the tester that looks into a contract (the phases, coverage, drift, the
Locust file, `breaking`) reads it through `Contract`, so they agree on which operations
there are (all eight HTTP methods OpenAPI names), what they are called, and what a `$ref`
or a FastAPI-style nullable schema means. Which of those operations are Honcho's is
honcho/operations.py's business; how a concrete request finds its operation is routes.py's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class DocumentError(ValueError):
    """A document that cannot be read, is not OpenAPI, or has a `$ref` that names nothing."""


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # lower case, as OpenAPI writes it
    path: str  # the template, `/v3/workspaces/{workspace_id}`
    definition: dict[str, Any] = field(hash=False, compare=False)
    shared_parameters: tuple[Any, ...] = field(default=(), hash=False, compare=False)  # the path item's own

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


class Contract:
    """One OpenAPI document. `require_openapi3` refuses a document without `openapi: 3.x`
    (what `breaking` compares); a run takes any document with `paths`."""

    def __init__(self, document: dict[str, Any], path: Path | None = None, *, name: str | None = None,
                 require_openapi3: bool = False) -> None:
        label = name or str(path or "openapi")
        if not isinstance(document, dict):
            raise DocumentError(f"{label} is not an OpenAPI document (not an object)")
        if require_openapi3 and not str(document.get("openapi", "")).startswith("3."):
            raise DocumentError(f"{label} is not an OpenAPI 3.x document (no `openapi: 3.x` field)")
        if not isinstance(document.get("paths", {}), dict):
            raise DocumentError(f"{label}: `paths` is not an object")
        self.document = document
        self.path = path
        self.name = label

    @classmethod
    def load(cls, path: str | Path, *, require_openapi3: bool = False) -> "Contract":
        """A JSON or YAML file (JSON by its `.json` suffix)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentError(f"cannot read {path}: {exc}") from exc
        try:
            document = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise DocumentError(f"{path} is neither JSON nor YAML: {exc}") from exc
        if not require_openapi3 and (not isinstance(document, dict) or "paths" not in document):
            raise DocumentError(f"{path} is not an OpenAPI document")
        return cls(document, path, require_openapi3=require_openapi3)

    # -- facts about the document ----------------------------------------------------
    @property
    def version(self) -> str:
        info = self.document.get("info")
        return str(info.get("version", "")) if isinstance(info, dict) else ""

    @property
    def is_30(self) -> bool:
        return str(self.document.get("openapi", "")).startswith("3.0")

    @property
    def paths(self) -> dict[str, Any]:
        return self.document.get("paths") or {}

    @cached_property
    def operations(self) -> dict[str, Operation]:
        """Every operation by operationId (`method_path` where it has none), in document order."""
        found: dict[str, Operation] = {}
        for path, item in self.paths.items():
            item, _ = self.deref(item)
            if not isinstance(item, dict):
                continue
            shared = tuple(item.get("parameters") or ())
            for method in HTTP_METHODS:
                definition = item.get(method)
                if isinstance(definition, dict):
                    op_id = definition.get("operationId") or f"{method}_{path}"
                    found[op_id] = Operation(op_id, method, path, definition, shared)
        return found

    def by_label(self, label: str) -> Operation | None:
        return next((op for op in self.operations.values() if op.label == label), None)

    def label_of(self, operation_id: str) -> str:
        op = self.operations.get(operation_id)
        return op.label if op else operation_id

    def methods_of(self, template: str) -> set[str]:
        """The methods (upper case) a path template of the document declares."""
        item, _ = self.deref(self.paths.get(template))
        return {m.upper() for m in HTTP_METHODS if isinstance(item, dict) and isinstance(item.get(m), dict)}

    def security_of(self, operation: dict[str, Any]) -> list[Any]:
        """The operation's security requirements, the document's where it has none; `{}` (anonymous) left out."""
        security = operation.get("security", self.document.get("security"))
        return [s for s in security or [] if s]

    def parameters_of(self, operation: Operation) -> list[dict[str, Any]]:
        """The path item's and the operation's parameters, `$ref`s followed."""
        found = []
        for raw in [*operation.shared_parameters, *(operation.definition.get("parameters") or [])]:
            parameter, _ = self.deref(raw)
            if isinstance(parameter, dict) and "name" in parameter:
                found.append(parameter)
        return found

    # -- references and schemas ----------------------------------------------------------
    def deref(self, node: Any) -> tuple[Any, str | None]:
        """The node a local `$ref` points at (siblings of the `$ref` win, as in 3.1), and the first ref."""
        seen: list[str] = []
        ref_name = None
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                break
            seen.append(ref)
            ref_name = ref_name or ref
            target: Any = self.document
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            if target is None:
                raise DocumentError(f"{self.name}: unresolvable $ref {ref}")
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings} if siblings and isinstance(target, dict) else target
        return node, ref_name


def flatten_schema(contract: Contract, schema: Any, depth: int = 0) -> tuple[dict[str, Any], str | None]:
    """A schema with its $ref followed, its `allOf` merged in, 3.0's `nullable` and boolean
    exclusive bounds read as 3.1's, and a single-branch-plus-null anyOf/oneOf read as a
    nullable schema (FastAPI writes every Optional field so)."""
    schema, ref = contract.deref(schema)
    if schema is True or schema is None:
        return {}, ref
    if schema is False:
        return {"not": {}}, ref
    if not isinstance(schema, dict):
        return {}, ref
    result = dict(schema)
    if depth < 8 and isinstance(result.get("allOf"), list):
        for part in result.pop("allOf"):
            merged, _ = flatten_schema(contract, part, depth + 1)
            for key, value in merged.items():
                if key == "properties":
                    result["properties"] = {**value, **result.get("properties", {})}
                elif key == "required":
                    result["required"] = sorted(set(result.get("required", [])) | set(value))
                else:
                    result.setdefault(key, value)
    types = result.get("type")
    if isinstance(types, str):
        types = [types]
    if types is not None and result.get("nullable") is True and "null" not in types:
        types = [*types, "null"]
    if types is not None:
        result["type"] = list(types)
    for bound, exclusive in (("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")):
        if result.get(exclusive) is True and bound in result:
            result[exclusive] = result.pop(bound)
        elif result.get(exclusive) is False:
            result.pop(exclusive)
    for combiner in ("anyOf", "oneOf"):
        branches = result.get(combiner)
        if isinstance(branches, list) and depth < 8:
            real = [b for b in branches if not is_null_schema(contract, b)]
            if len(real) == 1 and len(real) < len(branches):
                inner, inner_ref = flatten_schema(contract, real[0], depth + 1)
                result.pop(combiner)
                base = {k: v for k, v in result.items() if k not in ("title", "description", "default", "examples")}
                inner = {**inner, **base}
                inner_types = inner.get("type")
                inner["type"] = list(inner_types or []) + ["null"] if inner_types else None
                if inner["type"] is None:
                    inner.pop("type")
                    inner["x-nullable"] = True
                return inner, ref or inner_ref
    return result, ref


def is_null_schema(contract: Contract, schema: Any) -> bool:
    schema, _ = contract.deref(schema)
    return isinstance(schema, dict) and (schema.get("type") == "null" or schema.get("type") == ["null"])
