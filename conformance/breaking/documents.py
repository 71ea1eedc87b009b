"""One document as the walk reads it, through the tester's one reader (`conformance.core.openapi`):
operations matched by shape, parameters by place, the request body, the declared responses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conformance.breaking.changes import BreakingError
from conformance.core.openapi import Contract, DocumentError, Operation


def load_document(path: str | Path) -> Contract:
    """An OpenAPI 3.x document to compare (BreakingError when it cannot be one)."""
    try:
        return Contract.load(path, require_openapi3=True)
    except DocumentError as exc:
        raise BreakingError(str(exc)) from exc


def operations_by_shape(doc: Contract) -> dict[tuple[str, str], Operation]:
    """(method, path with its parameters unnamed) -> operation: an operation whose path
    parameters were renamed is the same operation."""
    return {(op.method, re.sub(r"\{[^}]*\}", "{}", op.path)): op for op in doc.operations.values()}


def parameters_by_place(doc: Contract, operation: Operation) -> dict[tuple[str, str], dict[str, Any]]:
    """Parameters by (location, name), the operation's over the path item's; path parameters
    by position (`#1`, `#2`: a renamed path parameter is no change)."""
    found = {(p.get("in", "query"), str(p["name"])): p for p in doc.parameters_of(operation)}
    path_names = [name for (where, name) in found if where == "path"]
    renamed = {("path", name): ("path", f"#{n + 1}") for n, name in enumerate(path_names)}
    return {renamed.get(key, key): value for key, value in found.items()}


def security(doc: Contract, operation: Operation) -> list[Any]:
    """The operation's security requirements as declared (its own, else the document's); an empty
    requirement `{}` among them lets anyone in."""
    declared = operation.definition.get("security", doc.document.get("security"))
    return list(declared) if isinstance(declared, list) else []


def request_body(doc: Contract, operation: Operation) -> Any:
    """The operation's request body, its `$ref` followed (None: it has none)."""
    body, _ = doc.deref(operation.definition.get("requestBody"))
    return body


def responses(operation: Operation) -> dict[str, Any]:
    """The declared responses by status, as text (`200`, `4XX`, `default`)."""
    return {str(status): response for status, response in (operation.definition.get("responses") or {}).items()}


def media_types(container: Any) -> dict[str, Any]:
    """A request body's or a response's content by media type."""
    content = container.get("content") if isinstance(container, dict) else None
    return content if isinstance(content, dict) else {}
