"""Which operation of a contract a concrete request is: the tester's one route matcher.

Coverage, replay and diff labels, the Locust file and the `Allow` check all ask here, so a
request is the same operation (or none) for each of them. The rules are those of the
servers the contract describes (FastAPI for Honcho, starlette under the mock): the path is
matched after percent-decoding; a `{parameter}` takes one segment of one or more
characters other than `/`; routes are tried in the order the document declares them, the
first whose template and method fit wins; and a trailing `/` is a different path (those
servers answer it with a redirect, not with the operation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from conformance.core.openapi import Contract, Operation

_PARAMETER = re.compile(r"\{[^}/]+\}")


@dataclass(frozen=True)
class Route:
    operation: Operation
    pattern: re.Pattern[str]


def template_pattern(template: str) -> re.Pattern[str]:
    """The regex a path template matches, as starlette compiles it (`$` also before a final newline)."""
    parts = _PARAMETER.split(template)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


class Routes:
    """The operations of a contract as a router sees them, under an optional base path."""

    def __init__(self, contract: Contract, base_path: str = "") -> None:
        self.base_path = base_path.rstrip("/")
        self._routes = [Route(op, template_pattern(op.path)) for op in contract.operations.values()]

    def _local(self, path: str) -> str | None:
        path = unquote(urlsplit(path).path if "://" in path or "?" in path else path)
        if self.base_path:
            if not path.startswith(self.base_path + "/"):
                return None
            path = path[len(self.base_path):]
        return path

    def match(self, method: str, path: str) -> Operation | None:
        """The operation `method path` reaches (a URL or a path, query allowed), or None."""
        local = self._local(path)
        if local is None:
            return None
        method = method.lower()
        for route in self._routes:
            if route.operation.method == method and route.pattern.match(local):
                return route.operation
        return None

    def allowed_methods(self, path: str) -> set[str]:
        """Every method (upper case) some route of the path takes: what a 405's `Allow` names."""
        local = self._local(path)
        if local is None:
            return set()
        return {r.operation.method.upper() for r in self._routes if r.pattern.match(local)}

    def label(self, method: str, path: str, unmatched: str = "(not in the contract)") -> str:
        """`METHOD /template` of the operation, or `METHOD (not in the contract)`."""
        operation = self.match(method, path)
        return operation.label if operation else f"{method.upper()} {unmatched}"
