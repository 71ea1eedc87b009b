"""One finding per defect: a failing request reduced to what makes it fail.

schemathesis reports each failing example as generated: a wall of random keys, huge ids,
escaped Unicode, and twenty failing examples of one defect look like twenty defects while
five defects answered with one 500 look like one. Here a failing request is sent again,
part by part made smaller (query parameters and headers left out, body keys and list items
removed, long text cut in halves), keeping each change after which it still fails the same
way; then each part left is made valid in turn (an optional one left out, a required one
given the smallest value its schema accepts): the part whose valid value makes the failure go
away is its trigger, and the trigger (where it is, and what its value is: outside its schema,
a text holding NUL, an integer past 32 bits, ...) keys the finding. A failure of an operation
that a trigger already known there explains costs two requests; the reduction itself at most
`per_failure`, and the whole run at most `budget` requests.

Only what is judged on the status of one answer is reduced (a 5xx, an undocumented status, a
valid request refused); a 404 right after a create is checked against the smallest request
the contract allows (`resource_answers`): when that one is answered, the resource is there
and the 404 was about the request's own references, which the contract declares.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from conformance.core.client import BudgetExceeded, ConformanceClient, Reply, TransportFailure
from conformance.core.minimal_values import NoValue, Values
from conformance.core.openapi import Contract, Operation
from conformance.core.routes import template_pattern

NO_BODY: Any = object()
_SKIPPED_HEADERS = {"content-length", "host", "user-agent", "accept", "accept-encoding", "connection", "authorization",
                    "x-schemathesis-testcaseid"}
INT32 = 2**31 - 1
NUL_CAUSE = "a text value holding NUL (\\u0000)"
REDUCED_CHECKS = {"not_a_server_error", "status_code_conformance", "positive_data_acceptance"}


@dataclass(frozen=True)
class Shape:
    """A request in parts: path parameters (decoded), query pairs (text), headers, a JSON body
    (or the raw bytes of any other body)."""

    method: str
    template: str
    path: tuple[tuple[str, str], ...]
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: Any = NO_BODY
    raw: bytes | None = None

    def target(self) -> str:
        path = self.template
        for name, value in self.path:
            path = path.replace("{" + name + "}", quote(value, safe=""))
        return path

    def with_path(self, name: str, value: str) -> "Shape":
        return replace(self, path=tuple((n, value if n == name else v) for n, v in self.path))

    def without_query(self, name: str) -> "Shape":
        return replace(self, query=tuple((n, v) for n, v in self.query if n != name))

    def with_query(self, name: str, value: str) -> "Shape":
        return replace(self, query=tuple((n, value if n == name else v) for n, v in self.query))


def shape_of(operation: Operation, method: str, url: str, headers: dict[str, Any], body: bytes | None,
             base_path: str = "") -> Shape | None:
    """The parts of a request as it was sent, or None when its path is not the operation's."""
    parts = urlsplit(url)
    local = parts.path[len(base_path):] if base_path and parts.path.startswith(base_path) else parts.path
    match = template_pattern(operation.path).match(local)
    if match is None:
        return None
    names = re.findall(r"\{([^}/]+)\}", operation.path)
    segments = _segments(operation.path, local)
    flat_headers = []
    for name, value in headers.items():
        for item in value if isinstance(value, list) else [value]:
            if name.lower() not in _SKIPPED_HEADERS:
                flat_headers.append((name, str(item)))
    content_type = next((v for n, v in flat_headers if n.lower() == "content-type"), "")
    json_body: Any = NO_BODY
    raw = None
    if body:
        if "json" in content_type:
            try:
                json_body = json.loads(body)
            except ValueError:
                raw = body
        else:
            raw = body
    return Shape(method.upper(), operation.path, tuple(zip(names, segments)),
                 tuple(parse_qsl(parts.query, keep_blank_values=True)), tuple(flat_headers), json_body, raw)


def _segments(template: str, local: str) -> list[str]:
    pattern = re.compile("^" + re.sub(r"\\\{[^}/]+\\\}", "([^/]+)", re.escape(template)) + "$")
    found = pattern.match(local)
    return [unquote(v) for v in found.groups()] if found else []


@dataclass
class Trigger:
    """What a failure is keyed by: the part that, made valid, makes it go away."""

    cause: str            # the group key: "query page: an integer past 2^31-1", or "<operation>: every request"
    description: str      # for people: where, and what the value is
    location: tuple[str, str] | None = None  # ("query", "page"); None for the whole request
    reply: Reply | None = None  # the minimal request, answered as it fails


@dataclass
class Reducer:
    """Reduces the failing requests of one run (see the module docstring)."""

    client: ConformanceClient
    contract: Contract
    prefix: str
    budget: int = 800
    per_failure: int = 40
    base_path: str = ""
    values: Values = field(init=False)
    used: int = 0
    known: dict[tuple[str, str, int], list[Trigger]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = Values(self.contract)

    # -- sending ---------------------------------------------------------------------------
    def send(self, shape: Shape) -> Reply | None:
        if self.used >= self.budget:
            raise _OutOfBudget
        self.used += 1
        headers = dict(shape.headers)
        kwargs: dict[str, Any] = {"headers": headers, "params": list(shape.query) or None}
        if shape.raw is not None:
            kwargs["content"] = shape.raw
        elif shape.body is not NO_BODY:
            headers.pop("Content-Type", None)
            headers.pop("content-type", None)
            kwargs["json"] = shape.body
        try:
            return self.client.request(shape.method, shape.target(), **kwargs)
        except TransportFailure:
            return None

    # -- 404 after a create ------------------------------------------------------------------
    def resource_answers(self, operation: Operation, shape: Shape) -> bool:
        """Whether the smallest request the contract allows on this very path is answered with
        something else than 404: the resource is there, a 404 was about the request's own content."""
        smallest = self.smallest_request(operation, shape)
        if smallest is None:
            return False
        try:
            reply = self.send(smallest)
        except _OutOfBudget:
            return False
        return reply is not None and reply.status != 404

    def smallest_request(self, operation: Operation, shape: Shape) -> Shape | None:
        query = []
        for parameter in self.contract.parameters_of(operation):
            if parameter.get("in") == "query" and parameter.get("required"):
                try:
                    query.append((parameter["name"], _text(self.values.smallest(parameter.get("schema"), text=True))))
                except NoValue:
                    return None
        body: Any = NO_BODY
        schema, required = self._body_schema(operation)
        if schema is not None and required:
            try:
                body = self.values.smallest(schema)
            except NoValue:
                return None
        return replace(shape, query=tuple(query), headers=(), body=body, raw=None)

    def _body_schema(self, operation: Operation) -> tuple[Any, bool]:
        body, _ = self.contract.deref(operation.definition.get("requestBody"))
        if not isinstance(body, dict):
            return None, False
        media = (body.get("content") or {}).get("application/json")
        return (media.get("schema") if isinstance(media, dict) else None), bool(body.get("required"))

    # -- reduction ---------------------------------------------------------------------------
    def reduce(self, check: str, operation: Operation, shape: Shape, status: int) -> Trigger | None:
        """The trigger of a failing request, with the minimal request's reply; None when it
        cannot be said (out of budget, or not a check judged on one status)."""
        if check not in REDUCED_CHECKS:
            return None
        fails = self._predicate(check, operation, status)
        key = (check, operation.label, status)
        start = self.used
        try:
            first = self.send(shape)
            if first is None or not fails(shape, first):
                return Trigger(f"{operation.label}: did not recur when sent again",
                               "sent again on its own, the request did not fail the same way (the server's state, "
                               "or what came before it, decides)")
            for known in self.known.get(key, []):  # the same defect as an earlier failure here?
                fixed = self._made_valid(operation, shape, known.location) if known.location else None
                if fixed is not None:
                    reply = self.send(fixed)
                    if reply is not None and not fails(fixed, reply):
                        return replace(known, reply=first)
            minimal, reply = self._shrink(shape, first, fails, start)
            trigger = self._trigger(operation, minimal, reply, fails, start)
        except _OutOfBudget:
            return Trigger(f"{operation.label}: not reduced", "the run's budget for reducing failures is used up")
        except BudgetExceeded:
            raise
        self.known.setdefault(key, []).append(trigger)
        return trigger

    def _predicate(self, check: str, operation: Operation, status: int) -> Callable[[Shape, Reply], bool]:
        if check == "positive_data_acceptance":
            return lambda shape, reply: reply.status == status and self._valid(operation, shape)
        return lambda shape, reply: reply.status == status

    def _valid(self, operation: Operation, shape: Shape) -> bool:
        schema, required = self._body_schema(operation)
        if schema is not None and shape.raw is None:
            if shape.body is NO_BODY:
                if required:
                    return False
            elif not self.values.accepts(schema, shape.body):
                return False
        given = {n for n, _ in shape.query}
        return all(p["name"] in given for p in self.contract.parameters_of(operation)
                   if p.get("in") == "query" and p.get("required"))

    def _shrink(self, shape: Shape, reply: Reply, fails: Callable[[Shape, Reply], bool],
                start: int) -> tuple[Shape, Reply]:
        best, best_reply = shape, reply

        def attempt(candidate: Shape) -> bool:
            nonlocal best, best_reply
            if candidate == best or self.used - start >= self.per_failure:
                return False
            answer = self.send(candidate)
            if answer is not None and fails(candidate, answer):
                best, best_reply = candidate, answer
                return True
            return False

        without_body = tuple((n, v) for n, v in best.headers if n.lower() != "content-type")
        if best.raw is not None or best.body is not NO_BODY:  # no body at all, when it still fails
            attempt(replace(best, body=NO_BODY, raw=None, headers=without_body))
        for name in sorted({n for n, _ in best.query}):
            attempt(best.without_query(name))
        for name, _ in list(best.headers):
            if name.lower() != "content-type":
                attempt(replace(best, headers=tuple((n, v) for n, v in best.headers if n != name)))
        if best.body is not NO_BODY:
            for path in _containers(best.body):  # halves first: a list of a hundred items in a few steps
                while True:
                    value = _get(best.body, path)
                    if not isinstance(value, (dict, list)) or len(value) < 2:
                        break
                    halves = _halves(value)
                    if not (attempt(replace(best, body=_set(best.body, path, halves[0])))
                            or attempt(replace(best, body=_set(best.body, path, halves[1])))):
                        break
            for path in _paths(best.body):
                smaller = _without(best.body, path)
                if smaller is not _UNCHANGED:
                    attempt(replace(best, body=smaller))
            for path in _text_paths(best.body):
                text = _get(best.body, path)
                while isinstance(text, str) and len(text) > 1:
                    half = len(text) // 2
                    if not (attempt(replace(best, body=_set(best.body, path, text[:half])))
                            or attempt(replace(best, body=_set(best.body, path, text[half:])))):
                        break
                    text = _get(best.body, path)
        for name, value in best.path:
            head = self.prefix + "-" if value.startswith(self.prefix + "-") else ""
            while len(value) - len(head) > 1:
                rest = value[len(head):]
                half = len(rest) // 2
                if not (attempt(best.with_path(name, head + rest[:half])) or attempt(best.with_path(name, head + rest[half:]))):
                    break
                value = dict(best.path)[name]
        for name, value in best.query:
            while len(value) > 1:
                half = len(value) // 2
                if not (attempt(best.with_query(name, value[:half])) or attempt(best.with_query(name, value[half:]))):
                    break
                value = dict(best.query)[name]
        return best, best_reply

    def _trigger(self, operation: Operation, shape: Shape, reply: Reply, fails: Callable[[Shape, Reply], bool],
                 start: int) -> Trigger:
        found: list[Trigger] = []
        for location in _locations(shape):
            if self.used - start >= self.per_failure + 10:
                break
            fixed = self._made_valid(operation, shape, location)
            if fixed is None:
                continue
            answer = self.send(fixed)
            if answer is not None and not fails(fixed, answer):
                found.append(self._describe(operation, shape, location, reply))
        if not found and shape.raw is not None:  # a body that is not JSON is sent as it was: it may hold the cause
            return Trigger(f"{operation.label}: its body", "neither its path nor its query makes it fail; its body "
                           "(not JSON, so not taken apart) may", None, reply)
        if not found:
            return Trigger(f"{operation.label}: every request",
                           "no part of the request, made valid, avoids it: any such request of this operation fails",
                           None, reply)
        return found[0]

    def _made_valid(self, operation: Operation, shape: Shape, location: tuple[str, str]) -> Shape | None:
        where, name = location
        try:
            if where == "path":
                value = _text(self.values.smallest(self._parameter_schema(operation, "path", name), text=True))
                current = dict(shape.path).get(name, "")
                if current.startswith(self.prefix + "-"):
                    value = f"{self.prefix}-{value}"
                return shape.with_path(name, value)
            if where == "query":
                parameter = self._parameter(operation, "query", name)
                if parameter is None or not parameter.get("required"):
                    return shape.without_query(name)
                return shape.with_query(name, _text(self.values.smallest(parameter.get("schema"), text=True)))
            if where == "body":
                schema, _ = self._body_schema(operation)
                if name == "" or not isinstance(shape.body, dict):
                    return replace(shape, body=self.values.smallest(schema))
                flat = self._property_schema(schema, name)
                required = name in (self._flat(schema).get("required") or [])
                if not required:
                    return replace(shape, body={k: v for k, v in shape.body.items() if k != name})
                return replace(shape, body={**shape.body, name: self.values.smallest(flat)})
        except NoValue:
            return None
        return None

    def _describe(self, operation: Operation, shape: Shape, location: tuple[str, str], reply: Reply) -> Trigger:
        where, name = location
        if where == "path":
            value: Any = dict(shape.path).get(name)
            schema = self._parameter_schema(operation, "path", name)
        elif where == "query":
            value = dict(shape.query).get(name)
            schema = self._parameter_schema(operation, "query", name)
            value = _typed(value)
        else:
            value = shape.body if name == "" else shape.body.get(name)
            body_schema, _ = self._body_schema(operation)
            schema = body_schema if name == "" else self._property_schema(body_schema, name)
        what = self._classify(schema, value)
        place = f"{where} {name}" if name else where
        cause = NUL_CAUSE if what == NUL_CAUSE else f"{place}: {what}"
        if where == "path" and what.startswith(("the value", "a value its schema allows")):
            # A valid id, made another valid id, names another record: what fails is this record's state.
            what = f"the record it names (its state; any other {name} is answered)"
            cause = f"{operation.label}: {place}: the record it names"
        return Trigger(cause, f"{place} = {_short(value)}: {what}", location, reply)

    def _classify(self, schema: Any, value: Any) -> str:
        if _holds_nul(value):
            return NUL_CAUSE
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT32:
            return "an integer past 2^31-1"
        broken = self.values.first_violation(schema, value) if schema is not None else ""
        if broken:
            return f"outside its schema ({broken})"
        if isinstance(value, str) and not value.isascii():
            return "text outside ASCII"
        if len(_short(value)) <= 24:
            return f"the value {_short(value)}"
        return "a value its schema allows"

    # -- the contract's parts --------------------------------------------------------------
    def _parameter(self, operation: Operation, where: str, name: str) -> dict[str, Any] | None:
        return next((p for p in self.contract.parameters_of(operation) if p.get("in") == where and p.get("name") == name),
                    None)

    def _parameter_schema(self, operation: Operation, where: str, name: str) -> Any:
        parameter = self._parameter(operation, where, name)
        return parameter.get("schema") if parameter else None

    def _flat(self, schema: Any) -> dict[str, Any]:
        from conformance.core.openapi import flatten_schema

        return flatten_schema(self.contract, schema)[0]

    def _property_schema(self, schema: Any, name: str) -> Any:
        return (self._flat(schema).get("properties") or {}).get(name, {})


class _OutOfBudget(Exception):
    pass


_UNCHANGED: Any = object()


def _locations(shape: Shape) -> list[tuple[str, str]]:
    found = [("path", name) for name, _ in shape.path] + [("query", name) for name in dict(shape.query)]
    if isinstance(shape.body, dict):
        found += [("body", name) for name in shape.body]
    elif shape.body is not NO_BODY:
        found.append(("body", ""))
    return found


def _paths(value: Any, depth: int = 0) -> list[tuple[Any, ...]]:
    """Every key and item of a JSON value, outermost first (what removal can try)."""
    found: list[tuple[Any, ...]] = []
    if depth > 4:
        return found
    if isinstance(value, dict):
        for key in list(value):
            found.append((key,))
        for key in list(value):
            found += [(key, *rest) for rest in _paths(value[key], depth + 1)]
    elif isinstance(value, list):
        for index in reversed(range(len(value))):
            found.append((index,))
        for index in range(len(value)):
            found += [(index, *rest) for rest in _paths(value[index], depth + 1)]
    return found[:80]


def _containers(value: Any, path: tuple[Any, ...] = (), depth: int = 0) -> list[tuple[Any, ...]]:
    """The paths of every object and list in a JSON value, outermost first."""
    if depth > 4 or not isinstance(value, (dict, list)):
        return []
    found = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, inner in list(items)[:20]:
        found += _containers(inner, (*path, key), depth + 1)
    return found[:30]


def _halves(value: dict[str, Any] | list[Any]) -> tuple[Any, Any]:
    middle = len(value) // 2
    if isinstance(value, list):
        return value[:middle], value[middle:]
    keys = list(value)
    return {k: value[k] for k in keys[:middle]}, {k: value[k] for k in keys[middle:]}


def _text_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [path] if len(value) > 8 else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _text_paths(v, (*path, k))][:20]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _text_paths(v, (*path, i))][:20]
    return []


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return _UNCHANGED
    return value


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and head in value:
        return {**value, head: _set(value[head], rest, new)}
    if isinstance(value, list) and isinstance(head, int) and head < len(value):
        return [*value[:head], _set(value[head], rest, new), *value[head + 1:]]
    return value


def _without(value: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return _UNCHANGED
    parent = _get(value, path[:-1])
    last = path[-1]
    if isinstance(parent, dict) and last in parent:
        return _set(value, path[:-1], {k: v for k, v in parent.items() if k != last})
    if isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        return _set(value, path[:-1], [v for i, v in enumerate(parent) if i != last])
    return _UNCHANGED


def _holds_nul(value: Any) -> bool:
    """Whether NUL is in any text or key of a JSON value (json.dumps writes it escaped, so look)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _typed(text: Any) -> Any:
    """A query parameter's text as the number or boolean it reads as, else the text."""
    if not isinstance(text, str):
        return text
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, (int, float, bool)) else text


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=True, default=str)
    text = text.encode("unicode_escape").decode("ascii") if isinstance(value, str) else text
    return text if len(text) <= limit else text[: limit - 1] + "…"
