"""Rules on one parameter of an operation (its schema is the schema rules' business)."""

from __future__ import annotations

from typing import Any, Iterator

from conformance.breaking.pairs import Pair


def _required(parameter: dict[str, Any] | None) -> bool:
    """A path parameter is required whatever it says."""
    return bool(parameter and (parameter.get("required") or parameter.get("in") == "path"))


def new_required_request_parameter(pair: Pair) -> Iterator[str]:
    if pair.old is None and _required(pair.new):
        yield "new required parameter"


def new_optional_request_parameter(pair: Pair) -> Iterator[str]:
    if pair.old is None and pair.new is not None and not _required(pair.new):
        yield "new optional parameter"


def request_parameter_removed(pair: Pair) -> Iterator[str]:
    if pair.old is not None and pair.new is None:
        yield "parameter removed"


def request_parameter_became_required(pair: Pair) -> Iterator[str]:
    if pair.both and not _required(pair.old) and _required(pair.new):
        yield "parameter became required"


def request_parameter_became_optional(pair: Pair) -> Iterator[str]:
    if pair.both and _required(pair.old) and not _required(pair.new):
        yield "parameter became optional"
