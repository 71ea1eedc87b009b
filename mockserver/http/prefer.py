"""Prism's `Prefer` header: pick the declared answer of a request.

    Prefer: code=404                  the operation's declared 404 (its example, else a body valid for it)
    Prefer: example=answered          the declared response's example of that name (with code=: that status's)
    Prefer: dynamic=true              a body drawn at random from the declared schema, valid for it
    Prefer: code=200, dynamic=true    they combine (`,` or `;` between them)

Like `X-Mock-Status` (faults.py), a preferred answer is given without running the operation: the state
is unchanged. `code=` must name a status the operation declares, and `example=` an example it has: a
mistake is a 400 naming what the contract offers, never a silent fallback. Other preferences
(`return=minimal`, RFC 7240's own) are left alone, as a server that does not support them does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mockserver.contract.document import Operation
from mockserver.contract.dynamic_bodies import dynamic_reply
from mockserver.contract.examples import ExampleResponder
from mockserver.handler_interface import OperationResult

PREFER_HEADER = b"prefer"


@dataclass(frozen=True)
class Preference:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    text: str = ""  # the preferences acted on, as the request log and X-Mock-Fault name them

    @property
    def wanted(self) -> bool:
        return self.code is not None or self.example is not None or self.dynamic


def parse_prefer(raw: bytes | None) -> Preference:
    """The `code`, `example` and `dynamic` preferences of a `Prefer` header (ValueError for a bad value)."""
    if not raw:
        return Preference()
    found: dict[str, str] = {}
    for part in raw.decode("latin-1").replace(";", ",").split(","):
        name, _, value = part.strip().partition("=")
        name, value = name.strip().lower(), value.strip().strip('"')
        if name in ("code", "example", "dynamic"):
            found[name] = value
    code = found.get("code")
    if code is not None and not (code.isascii() and code.isdigit() and 100 <= int(code) <= 599):
        raise ValueError(f"Prefer: code must be an HTTP status within 100..599, not {code!r}")
    dynamic = found.get("dynamic", "false").lower()
    if dynamic not in ("true", "false"):
        raise ValueError(f"Prefer: dynamic must be true or false, not {found['dynamic']!r}")
    if "example" in found and not found["example"]:
        raise ValueError("Prefer: example needs the name of one of the contract's examples")
    text = ", ".join(f"{k}={found[k]}" for k in ("code", "example", "dynamic") if k in found)
    return Preference(int(code) if code is not None else None, found.get("example"), dynamic == "true", text)


def preferred_reply(responder: ExampleResponder, operation: Operation, preference: Preference,
                    status: int | None, rng: random.Random) -> OperationResult:
    """The answer `preference` picks (`status`: a status already forced, which `code=` gives way to)."""
    declared = [str(key) for key in operation.responses]
    status = status if status is not None else preference.code
    if preference.code is not None and responder.declared_key(operation, preference.code) is None:
        raise ValueError(f"Prefer: code={preference.code}: {operation.method.upper()} {operation.path} declares no "
                         f"{preference.code} (it declares {', '.join(declared)})")
    if preference.example is not None:
        return _named(responder, operation, preference.example, status)
    if status is None:  # dynamic=true alone: the answer a request would get, the first declared 2xx
        status = next((int(key) for key in declared if key.isdigit() and key.startswith("2")), 200)
    return dynamic_reply(responder, operation, status, rng) if preference.dynamic else responder.reply(operation, status)


def _named(responder: ExampleResponder, operation: Operation, name: str, status: int | None) -> OperationResult:
    """The example called `name` of the response for `status`, else of the first response (2xx first) having one."""
    keys = [str(key) for key in operation.responses]
    if status is not None:
        key = responder.declared_key(operation, status)
        keys = [key] if key is not None else []
    else:
        keys.sort(key=lambda key: not key.startswith("2"))
    for key in keys:
        found = responder.named_example(operation, key, name)
        if found is not None:
            return found if status is None else OperationResult(status, found.body, found.media_type, found.headers,
                                                                   found.stream)
    offered = [f"{name} ({key})" for key in keys for name in responder.example_names(operation, key)]
    where = f" for {status}" if status is not None else ""
    raise ValueError(f"Prefer: example={name}: {operation.method.upper()} {operation.path} has no example of that "
                     f"name{where} ({'it has ' + ', '.join(offered) if offered else 'it declares no named examples'})")
