"""Checking a whole exchange (a request and the answer it got) against the contract.

The proxy (`mockserver.http.proxy`) sees traffic between a client and a real deployment
and must say where either side leaves openapi.yaml, as Prism's validating proxy does.
openapi-core does the validating: it finds the operation, reads parameters the way the
document declares them and checks bodies against the 3.1 schemas. Security is not
checked here: whether a deployment runs with auth is its own business, and the
deployment's 401 says so anyway.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from jsonschema_path import SchemaPath
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.validation.request import (
    V31RequestBodyValidator,
    V31RequestParametersValidator,
)
from openapi_core.validation.request.exceptions import MissingRequestBody
from openapi_core.validation.response import V31ResponseValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

_BASE = "http://contract.invalid"
_LABELS_KEPT = 4096


@dataclass(frozen=True)
class Violation:
    """One way an exchange leaves the contract: `side` is "request" or "response"."""

    side: str
    operation: str  # "METHOD /template" or "METHOD /path" when no operation matched
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"side": self.side, "operation": self.operation, "message": self.message}


class _Request:
    """openapi-core's request protocol over plain values."""

    def __init__(self, method: str, path: str, query: Iterable[tuple[str, str]], headers: Mapping[str, str],
                 body: bytes | None) -> None:
        self.host_url = _BASE
        self.path = path
        self.full_url_pattern = _BASE + path
        self.method = method.lower()
        self.parameters = RequestParameters(query=ImmutableMultiDict(list(query)), header=Headers(dict(headers)),
                                            cookie=ImmutableMultiDict(), path={})
        self.content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        self.body = body or None


class _Response:
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status_code = status
        self.data = body
        self.headers = Headers(dict(headers))
        self.content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")


class ExchangeValidator:
    """Validators for requests and answers of one contract document."""

    def __init__(self, document: dict[str, Any]) -> None:
        view = copy.deepcopy(document)
        view["servers"] = [{"url": "/"}]  # the proxy sees paths relative to the API's root
        self._spec = SchemaPath.from_dict(view)
        self._parameters = V31RequestParametersValidator(self._spec)
        self._body = V31RequestBodyValidator(self._spec)
        self._response = V31ResponseValidator(self._spec)
        self._finder = APICallPathFinder(self._spec, base_url=None)
        self._labels: dict[tuple[str, str], str | None] = {}

    def operation_label(self, method: str, path: str) -> str | None:
        """`METHOD /template` of the operation serving this path, or None (remembered: an app
        calls the same paths again and again, and finding one costs a walk over the document)."""
        key = (method, path)
        if key not in self._labels:
            if len(self._labels) >= _LABELS_KEPT:
                self._labels.clear()
            try:
                found = self._finder.find(method.lower(), _BASE + path)
                self._labels[key] = f"{method.upper()} {found.path_result.pattern}"
            except PathError:
                self._labels[key] = None
        return self._labels[key]

    def check(self, method: str, path: str, query: Iterable[tuple[str, str]], request_headers: Mapping[str, str],
              request_body: bytes | None, status: int | None, response_headers: Mapping[str, str],
              response_body: bytes) -> list[Violation]:
        """Every violation of the request, then of the answer (none when `status` is None)."""
        try:
            return self._check(method, path, query, request_headers, request_body, status, response_headers,
                               response_body)
        except Exception as exc:  # noqa: BLE001 - the exchange is still forwarded; the failure is reported
            return [Violation("request", f"{method.upper()} {path}", f"could not be validated ({type(exc).__name__}: "
                              f"{_text(exc)[:200]})")]

    def _check(self, method: str, path: str, query: Iterable[tuple[str, str]], request_headers: Mapping[str, str],
               request_body: bytes | None, status: int | None, response_headers: Mapping[str, str],
               response_body: bytes) -> list[Violation]:
        request = _Request(method, path, query, request_headers, request_body)
        label = self.operation_label(method, path)
        if label is None:
            return [Violation("request", f"{method.upper()} {path}", "no operation of the contract serves this path and method")]
        found: list[Violation] = []
        for validator in (self._parameters, self._body):
            found += [Violation("request", label, _message(exc)) for exc in validator.iter_errors(request)
                      if type(exc) is not MissingRequestBody]  # an optional body left out (a required one is its subclass)
        if status is not None:
            answer = _Response(status, response_headers, response_body)
            found += [Violation("response", label, _message(exc)) for exc in self._response.iter_errors(request, answer)]
        return found


MAX_MESSAGE = 400


def _text(exc: BaseException) -> str:
    """str(exc), which in openapi-core can itself fail (a body that is not UTF-8)."""
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - any failure to describe it is answered with its type
        return type(exc).__name__


def _message(exc: BaseException) -> str:
    text = _describe(exc)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _describe(exc: BaseException) -> str:
    """openapi-core's message, shortened to its headline and the schema errors behind it."""
    details = []
    node: BaseException | None = exc
    while node is not None and not details:
        details = list(getattr(node, "schema_errors", None) or [])
        node = node.__cause__
    head = _text(exc).split(": Value ")[0].split(" Value ")[0]
    if head.startswith("InvalidData"):
        head = "Response body is invalid"
    if not details:
        cause = exc.__cause__
        return head if cause is None or _text(cause) in head else f"{head}: {_text(cause)}"
    parts = [f"{getattr(d, 'json_path', '$')}: {_short(getattr(d, 'message', None) or _text(d))}" for d in details[:5]]
    return f"{head}: " + "; ".join(parts)


def _short(text: str, limit: int = 160) -> str:
    """A schema error's message, whose first part repeats the (maybe huge) instance."""
    return text if len(text) <= limit else text[:60] + " ... " + text[-(limit - 65):]
