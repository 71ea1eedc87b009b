"""What a run exercised of the contract: operations, declared statuses, parameters, body
properties, filter operators and links.

`CoverageRecorder` listens to the confined client (every exchange of every phase, from
every thread, schemathesis' included) and to the stateful phase's followed links; it
matches each request to an operation of the contract and notes what was sent and what
came back. `CoverageReport` is what the reporters print (a table, the JSON report, the
HTML page) and what `--min-coverage` gates judge.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

from conformance.core.openapi import Contract, DocumentError, Operation, flatten_schema
from conformance.core.routes import Routes
from conformance.core.vocabulary import Exchange
from conformance.honcho.filters_reference import LOGICAL, OPERATORS, WILDCARD

# The filter language's parts a run can use (docs/real-server.md, "The filter language"): logical lists, comparison
# operators, `"*"` wildcards, plain equality and metadata containment.
FILTER_PARTS = (*LOGICAL, *OPERATORS, "wildcard", "equality", "metadata")
KINDS = ("operations", "statuses", "parameters", "body_properties", "filter_operators", "links")
KIND_ALIASES = {"properties": "body_properties", "filters": "filter_operators", "status": "statuses"}


class CoverageGateError(ValueError):
    pass


def parse_gate(text: str) -> tuple[str, float]:
    """`KIND=PERCENT` (or a bare PERCENT: operations) for `--min-coverage`."""
    kind, _, value = text.rpartition("=")
    kind = KIND_ALIASES.get(kind.strip(), kind.strip()) or "operations"
    if kind not in KINDS:
        raise CoverageGateError(f"unknown coverage kind {kind!r} (choose from {', '.join(KINDS)})")
    try:
        percent = float(value.strip().rstrip("%"))
    except ValueError:
        raise CoverageGateError(f"--min-coverage takes KIND=PERCENT, got {text!r}") from None
    if not 0 <= percent <= 100:
        raise CoverageGateError(f"a coverage percentage is 0..100, got {percent}")
    return kind, percent


# --------------------------------------------------------------------------- what the contract declares
@dataclass
class DeclaredOperation:
    operation: Operation
    statuses: list[str]
    parameters: list[str]          # "query page", "path workspace_id", "header x-..."
    body_properties: list[str]     # "filters", "messages[].content"


def _body_properties(contract: Contract, definition: dict[str, Any]) -> list[str]:
    body, _ = contract.deref(definition.get("requestBody"))
    media = ((body or {}).get("content") or {}).get("application/json") if isinstance(body, dict) else None
    if not isinstance(media, dict):
        return []
    schema, _ = flatten_schema(contract, media.get("schema"))
    names: list[str] = []
    for name, sub in (schema.get("properties") or {}).items():
        names.append(name)
        flat, _ = flatten_schema(contract, sub)
        if "array" in (flat.get("type") or []):
            items, _ = flatten_schema(contract, flat.get("items"))
            names += [f"{name}[].{inner}" for inner in (items.get("properties") or {})]
    return names


def declared_links(contract: Contract) -> list[str]:
    """Every OpenAPI link, named as schemathesis names the transitions it follows."""
    names = []
    for op in contract.operations.values():
        for status, response in (op.definition.get("responses") or {}).items():
            for link_name, link in ((response or {}).get("links") or {}).items():
                target = contract.operations.get(link.get("operationId", "")) if isinstance(link, dict) else None
                if target is not None:
                    names.append(f"{op.label} -> [{status}] {link_name} -> {target.label}")
    return names


def given_statuses(contract: Contract, definition: dict[str, Any]) -> list[str]:
    """The declared statuses a server can give: a response marked `x-unreachable` (docs/contract.md: no input
    of the operation can lead there) is no gap in a run's coverage."""
    statuses = []
    for status, response in (definition.get("responses") or {}).items():
        try:
            resolved, _ = contract.deref(response)
        except DocumentError:
            resolved = response
        if not (isinstance(resolved, dict) and resolved.get("x-unreachable")):
            statuses.append(str(status))
    return statuses


def declared_operations(contract: Contract) -> list[DeclaredOperation]:
    found = []
    for op in contract.operations.values():
        try:
            parameters = [f"{p.get('in', 'query')} {p['name']}" for p in contract.parameters_of(op)]
            properties = _body_properties(contract, op.definition)
        except DocumentError:  # an unresolvable $ref: the contract phases report the document; count what is clear
            parameters, properties = [], []
        found.append(DeclaredOperation(op, given_statuses(contract, op.definition), parameters, properties))
    return found


# --------------------------------------------------------------------------- recording
def filter_parts(node: Any, found: set[str]) -> None:
    """The parts of the filter language a `filters` object uses."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in LOGICAL:
            found.add(key)
            for inner in value if isinstance(value, list) else [value]:
                filter_parts(inner, found)
        elif key == "metadata" and isinstance(value, dict) and not any(k in OPERATORS for k in value):
            for inner in value.values():  # a key compared, or contained as it is
                if isinstance(inner, dict) and any(k in OPERATORS for k in inner):
                    _field_value(inner, found)
                else:
                    found.add("metadata")
        else:
            _field_value(value, found)


def _field_value(value: Any, found: set[str]) -> None:
    if value == WILDCARD:
        found.add("wildcard")
    elif isinstance(value, dict) and any(k in OPERATORS for k in value):
        found.update(k for k in value if k in OPERATORS)
    else:
        found.add("equality")


@dataclass
class _Seen:
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, int] = field(default_factory=dict)
    body_properties: dict[str, int] = field(default_factory=dict)


class CoverageRecorder:
    """A client listener: what each request exercised. Thread-safe; cheap per exchange."""

    def __init__(self, contract: Contract, base_url: str) -> None:
        self.declared = declared_operations(contract)
        self._declared = {d.operation.operation_id: d for d in self.declared}
        self.routes = Routes(contract, urlsplit(base_url).path)
        self.links = declared_links(contract)
        self._seen: dict[str, _Seen] = {d.operation.operation_id: _Seen() for d in self.declared}
        self._filters: dict[str, int] = {}
        self._links: dict[str, int] = {}
        self._unmatched: dict[str, int] = {}
        self._lock = threading.Lock()

    def match(self, method: str, url: str) -> DeclaredOperation | None:
        operation = self.routes.match(method, url)
        return self._declared[operation.operation_id] if operation else None

    def __call__(self, exchange: Exchange) -> None:
        parts = urlsplit(exchange.url)
        declared = self.match(exchange.method, exchange.url)
        if declared is None:
            with self._lock:
                key = f"{exchange.method} {unquote(parts.path)}"
                if key in self._unmatched or len(self._unmatched) < 200:
                    self._unmatched[key] = self._unmatched.get(key, 0) + 1
            return
        sent = [f"path {p.split(' ', 1)[1]}" for p in declared.parameters if p.startswith("path ")]
        sent += [f"query {name}" for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
        headers = {k.lower() for k in exchange.request_headers}
        sent += [p for p in declared.parameters if p.startswith("header ") and p.split(" ", 1)[1].lower() in headers]
        properties: list[str] = []
        operators: set[str] = set()
        body = _json(exchange.request_body)
        if isinstance(body, dict):
            for name, value in body.items():
                properties.append(name)
                for item in value if isinstance(value, list) else []:
                    if isinstance(item, dict):
                        properties += [f"{name}[].{inner}" for inner in item]
            if exchange.status is not None and exchange.status < 400:
                filter_parts(body.get("filters"), operators)
        with self._lock:
            seen = self._seen[declared.operation.operation_id]
            seen.requests += 1
            status = "no answer" if exchange.status is None else str(exchange.status)
            seen.statuses[status] = seen.statuses.get(status, 0) + 1
            for name in sent:
                seen.parameters[name] = seen.parameters.get(name, 0) + 1
            for name in properties:
                seen.body_properties[name] = seen.body_properties.get(name, 0) + 1
            for name in operators:
                self._filters[name] = self._filters.get(name, 0) + 1

    def link_followed(self, name: str) -> None:
        with self._lock:
            self._links[name] = self._links.get(name, 0) + 1

    def report(self) -> "CoverageReport":
        with self._lock:
            operations = []
            for declared in sorted(self.declared, key=lambda d: d.operation.label):
                seen = self._seen[declared.operation.operation_id]
                statuses = {s: {"declared": True, "seen": _status_seen(seen.statuses, s)} for s in declared.statuses}
                for status, count in sorted(seen.statuses.items()):
                    if not any(_status_matches(status, s) for s in declared.statuses):
                        statuses[status] = {"declared": False, "seen": count}
                operations.append({
                    "operation": declared.operation.label,
                    "operation_id": declared.operation.operation_id,
                    "requests": seen.requests,
                    "statuses": statuses,
                    "parameters": {p: seen.parameters.get(p, 0) for p in declared.parameters},
                    "body_properties": {p: seen.body_properties.get(p, 0) for p in declared.body_properties},
                })
            return CoverageReport(operations, {p: self._filters.get(p, 0) for p in FILTER_PARTS},
                                  {name: self._links.get(name, 0) for name in self.links}, dict(self._unmatched),
                                  {n: c for n, c in sorted(self._links.items()) if n not in self.links})


def _json(body: bytes | None) -> Any:
    if not body or body[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # hostile bodies (deeply nested) are the server's test, not ours
        return None


def _status_matches(status: str, declared: str) -> bool:
    """A declared status covers a seen one: exactly, by range (`4XX`) or as `default`."""
    if declared == status:
        return True
    if len(declared) == 3 and declared[1:].upper() == "XX":
        return status[:1] == declared[:1]
    return False


def _status_seen(seen: dict[str, int], declared: str) -> int:
    if declared == "default":
        return 0  # `default` is never required: it only documents the rest
    return sum(count for status, count in seen.items() if _status_matches(status, declared))


# --------------------------------------------------------------------------- the report
@dataclass
class CoverageReport:
    operations: list[dict[str, Any]]
    filter_operators: dict[str, int]
    links: dict[str, int]
    unmatched: dict[str, int] = field(default_factory=dict)
    # Transitions schemathesis inferred itself (not OpenAPI links of the contract): not counted.
    other_links: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CoverageReport":
        """Back from the JSON report's `coverage` (what reporters are handed)."""
        return cls(data["operations"], data["filter_operators"], data["links"], data.get("unmatched_requests", {}),
                   data.get("inferred_links_followed", {}))

    def totals(self) -> dict[str, tuple[int, int]]:
        """kind -> (covered, declared)."""
        def count(pairs: Iterable[int]) -> tuple[int, int]:
            values = list(pairs)
            return sum(1 for v in values if v), len(values)

        return {
            "operations": count(op["requests"] for op in self.operations),
            "statuses": count(s["seen"] for op in self.operations for code, s in op["statuses"].items()
                              if s["declared"] and code != "default"),
            "parameters": count(v for op in self.operations for v in op["parameters"].values()),
            "body_properties": count(v for op in self.operations for v in op["body_properties"].values()),
            "filter_operators": count(self.filter_operators.values()),
            "links": count(self.links.values()),
        }

    def percent(self, kind: str) -> float:
        covered, total = self.totals()[kind]
        return 100.0 if total == 0 else round(100.0 * covered / total, 1)

    def gate_failures(self, gates: Iterable[tuple[str, float]]) -> list[tuple[str, float, float]]:
        """(kind, minimum, actual) for each gate the run falls below."""
        return [(kind, minimum, self.percent(kind)) for kind, minimum in gates if self.percent(kind) < minimum]

    def missing(self, kind: str) -> list[str]:
        """What was declared but never exercised, by kind (for the table and the HTML page)."""
        if kind == "operations":
            return [op["operation"] for op in self.operations if not op["requests"]]
        if kind == "statuses":
            return [f"{op['operation']} {code}" for op in self.operations for code, s in op["statuses"].items()
                    if s["declared"] and code != "default" and not s["seen"]]
        if kind in ("parameters", "body_properties"):
            return [f"{op['operation']} {name}" for op in self.operations for name, v in op[kind].items() if not v]
        if kind == "filter_operators":
            return [name for name, v in self.filter_operators.items() if not v]
        return [name for name, v in self.links.items() if not v]

    def to_dict(self) -> dict[str, Any]:
        totals = self.totals()
        return {
            "summary": {kind: {"covered": covered, "declared": total, "percent": self.percent(kind)}
                        for kind, (covered, total) in totals.items()},
            "operations": self.operations,
            "filter_operators": self.filter_operators,
            "links": self.links,
            "unmatched_requests": self.unmatched,
            "inferred_links_followed": self.other_links,
        }
