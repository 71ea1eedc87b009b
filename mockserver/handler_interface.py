"""The handler interface: what a handler is given and what it gives back.

The Dispatcher (http/) builds a `ParsedRequest` from a validated request; a handler (handlers/)
acts on the store and returns an `OperationResult`, which the HTTP edge writes. Neither side
sees the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

if TYPE_CHECKING:
    from mockserver.state.store import Store


@dataclass(slots=True)
class ParsedRequest:
    """What a handler receives: typed path, query and body values."""

    path: dict[str, str]
    query: dict[str, Any]
    body: Any = None
    form: dict[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class OperationResult:
    """What an operation answers: a status and a JSON body (or none for 204)."""

    status: int
    body: Any = None
    media_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterable[bytes] | None = None


Handler = Callable[["Store", ParsedRequest], "OperationResult"]


@dataclass(frozen=True)
class OperationFacts:
    """What the HTTP edge must know of an operation beyond its handler, declared where the
    handler is registered (handlers/registry.py) so that no table elsewhere can fall out of step."""

    admin_only: bool = False  # auth: only an admin key may call it
    names_in_body: str | None = None  # auth: a create whose resource id is the body's `id` (a hierarchy level)
