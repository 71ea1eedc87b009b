"""OpenAPI Overlay 1.0: a document of actions applied in order to another document.

An older or newer Honcho contract is kept as an overlay on the newest released one
(openapi.yaml) rather than as a second whole document, so that what the project learns
about the real server is written once and the differences between versions are all that a
version's file holds. Each action names its `target` with a JSONPath query (RFC 9535,
evaluated by jsonpath-rfc9535) and either removes the nodes it selects (`remove: true`) or
merges `update` into each of them: objects are merged key by key (recursively), a list
node gets `update` appended (a list) or added (anything else), as the Overlay
specification says.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpath_rfc9535 as jsonpath

OVERLAY_VERSIONS = ("1.0.0",)


class OverlayError(ValueError):
    """An overlay that is not one, or an action whose target selects nothing."""


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """`document` (left unchanged) with `overlay`'s actions applied, as a new document.

    An action whose target selects nothing is an error, not a silent no-op: a base document
    that moved under an overlay must be noticed when the overlay is applied.
    """
    if not isinstance(overlay, dict) or str(overlay.get("overlay")) not in OVERLAY_VERSIONS:
        raise OverlayError(f"not an Overlay {'/'.join(OVERLAY_VERSIONS)} document (its `overlay` field)")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError("an overlay needs a non-empty list of `actions`")
    result = copy.deepcopy(document)
    for number, action in enumerate(actions, 1):
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            raise OverlayError(f"action {number}: needs a `target` (a JSONPath query)")
        try:
            nodes = jsonpath.find(action["target"], result)
        except jsonpath.JSONPathError as exc:
            raise OverlayError(f"action {number}: target {action['target']!r}: {exc}") from None
        if not nodes:
            raise OverlayError(f"action {number}: target {action['target']!r} selects nothing in the document")
        if action.get("remove") is True:
            # the deepest and last locations first, so that removing one does not move another
            for location in sorted((node.location for node in nodes), key=lambda loc: (len(loc), loc), reverse=True):
                _remove(result, location)
        elif "update" in action:
            for node in nodes:
                _update(result, node.location, copy.deepcopy(action["update"]))
        else:
            raise OverlayError(f"action {number}: needs `update` or `remove: true`")
    return result


def _parent(document: Any, location: tuple[str | int, ...]) -> Any:
    node = document
    for step in location[:-1]:
        node = node[step]
    return node


def _remove(document: Any, location: tuple[str | int, ...]) -> None:
    if not location:
        raise OverlayError("the document's root cannot be removed")
    del _parent(document, location)[location[-1]]


def _update(document: Any, location: tuple[str | int, ...], update: Any) -> None:
    target = _parent(document, location)[location[-1]] if location else document
    if isinstance(target, dict) and isinstance(update, dict):
        _merge(target, update)
    elif isinstance(target, list):
        target.extend(update if isinstance(update, list) else [update])
    elif location:
        _parent(document, location)[location[-1]] = update
    else:
        raise OverlayError("the document's root can only be merged with an object")


def _merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(target.get(key), dict) and isinstance(value, dict):
            _merge(target[key], value)
        else:
            target[key] = value
