"""Handlers bound to the contract's operationIds.

A handler takes the store and the validated request and returns a `OperationResult`; it never sees
ASGI or HTTP details beyond the status it answers. Routes, parameters and bodies are
declared only in openapi.yaml: a handler is found by the operationId it implements.
"""

from __future__ import annotations

from typing import Any, Callable

from mockserver.handler_interface import Handler, OperationFacts
from mockserver.state.tables import page_of

OPERATIONS: dict[str, Handler] = {}
FACTS: dict[str, OperationFacts] = {}


def operation(operation_id: str, *, admin_only: bool = False, names_in_body: str | None = None) -> Callable[[Handler], Handler]:
    """Register a handler for an operationId of openapi.yaml, with the facts the HTTP edge needs
    of it (auth: `admin_only`; `names_in_body`, the hierarchy level a create's body `id` names)."""

    def register(handler: Handler) -> Handler:
        if operation_id in OPERATIONS:
            raise ValueError(f"two handlers for {operation_id}")
        OPERATIONS[operation_id] = handler
        FACTS[operation_id] = OperationFacts(admin_only=admin_only, names_in_body=names_in_body)
        return handler

    return register


def paginate(records: Any, query: dict[str, Any]) -> dict[str, Any]:
    """A page as the real server answers it: 1-based, `pages` 0 when empty."""
    page, size = query.get("page") or 1, query.get("size") or 50
    total = len(records)
    start = (page - 1) * size
    items = page_of(records, start, start + size, bool(query.get("reverse"))) if start < total else []
    return {"items": items, "total": total, "page": page, "size": size, "pages": -(-total // size)}


def filters_of(body: Any) -> Any:
    """The `filters` of an optional list body (absent, null, {} or {"filters": ...})."""
    return body.get("filters") if isinstance(body, dict) else None
