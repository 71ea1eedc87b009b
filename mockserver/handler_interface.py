"""The handler interface: what a handler is given and what it gives back.

The Dispatcher (http/) builds a `ParsedRequest` from a validated request; a handler (handlers/)
acts on the store and returns an `OperationResult`, which the HTTP edge writes. Neither side
sees the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import honcho_contracts
from honcho_contracts import Behaviour

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
    # what the Honcho version served does where versions differ (honcho_contracts/<version>/version.yaml)
    behaviour: Behaviour = field(default_factory=lambda: DEFAULT_BEHAVIOUR)
    api_version: str = honcho_contracts.DEFAULT_VERSION  # its name, as /health says it


API_VERSION_HEADER = "x-honcho-api-version"  # on /health: the Honcho version the mock serves
DEFAULT_BEHAVIOUR: Behaviour = honcho_contracts.default().behaviour  # type: ignore[assignment]


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
