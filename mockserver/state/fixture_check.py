"""A fixture or state document checked whole, by the API's own rules, before any of it loads.

A record the API could never have made (an id outside the id rule, metadata that is not an
object, a webhook without a URL, a dream without its session, a time no store can hold)
would load and then make ordinary requests fail. So the whole document is walked first and
the first problem is named by its path, `workspaces[0].sessions[0].messages[1].peer_id`;
nothing is loaded unless the walk finds none.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..json_text import MAX_JSON_DEPTH, TooDeep, check_json_depth
from .clock import parse_client_timestamp

ID_RULE = re.compile(r"[a-zA-Z0-9_-]{1,512}")
URL_RULE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]")  # WebhookEndpointCreate.url in openapi.yaml
MAX_CONTENT = 25000  # MessageCreate.content maxLength


class DocumentProblem(ValueError):
    """The first problem of a document: where it is and what is wrong."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


def check_document(document: Any) -> None:
    """Raise DocumentProblem for the first record the API could not have made."""
    if not isinstance(document, Mapping):
        raise DocumentProblem("", "a fixture document is an object with a 'workspaces' list")
    try:
        check_json_depth(document, MAX_JSON_DEPTH + 8)  # a record's metadata may nest as deep as a body's
    except TooDeep:
        raise DocumentProblem("", f"nested deeper than a request body may be ({MAX_JSON_DEPTH} levels)") from None
    workspaces = document.get("workspaces", [])
    _list(workspaces, "workspaces")
    seen: set[str] = set()
    for index, workspace in enumerate(workspaces):
        where = f"workspaces[{index}]"
        _workspace(workspace, where)
        if workspace["id"] in seen:
            raise DocumentProblem(f"{where}.id", f"workspace {workspace['id']!r} is given twice")
        seen.add(workspace["id"])


def _workspace(data: Any, where: str) -> None:
    _object(data, where)
    _id(data, "id", where)
    _json_objects(data, where, "metadata", "configuration")
    _stamp(data, where)
    for index, peer in enumerate(_list(data.get("peers", []), f"{where}.peers")):
        _peer(peer, f"{where}.peers[{index}]")
    sessions = _list(data.get("sessions", []), f"{where}.sessions")
    for index, session in enumerate(sessions):
        _session(session, f"{where}.sessions[{index}]")
    for index, item in enumerate(_list(data.get("conclusions", []), f"{where}.conclusions")):
        at = f"{where}.conclusions[{index}]"
        _object(item, at)
        _text(item, "id", at)
        _text(item, "content", at)
        _id(item, "observer_id", at)
        _id(item, "observed_id", at)
        if item.get("session_id") is not None:
            _id(item, "session_id", at)
        _stamp(item, at)
    for index, item in enumerate(_list(data.get("webhooks", []), f"{where}.webhooks")):
        at = f"{where}.webhooks[{index}]"
        _object(item, at)
        _text(item, "id", at)
        _text(item, "url", at)
        if not URL_RULE.match(item["url"]):
            raise DocumentProblem(f"{at}.url", "Invalid URL format (a scheme and a host, as the API requires)")
        _stamp(item, at)
    for index, item in enumerate(_list(data.get("events", []), f"{where}.events")):
        _object(item, f"{where}.events[{index}]")
        _text(item, "type", f"{where}.events[{index}]")
    for index, item in enumerate(_list(data.get("dreams", []), f"{where}.dreams")):
        at = f"{where}.dreams[{index}]"
        _object(item, at)
        for key in ("session_id", "observer", "observed"):
            if key not in item:
                raise DocumentProblem(f"{at}.{key}", "missing (a dream names its session, observer and observed; null for none)")
            if item[key] is not None and not isinstance(item[key], str):
                raise DocumentProblem(f"{at}.{key}", "must be a string or null")


def _peer(data: Any, where: str) -> None:
    _object(data, where)
    _id(data, "id", where)
    _json_objects(data, where, "metadata", "configuration")
    _stamp(data, where)
    if data.get("card") is not None:
        _strings(data["card"], f"{where}.card")
    cards = data.get("cards_about") or {}
    _object(cards, f"{where}.cards_about")
    for target, card in cards.items():
        _id_value(target, f"{where}.cards_about.{target}")
        _strings(card, f"{where}.cards_about.{target}")
    for index, sid in enumerate(_list(data.get("sessions") or [], f"{where}.sessions")):
        _id_value(sid, f"{where}.sessions[{index}]")


def _session(data: Any, where: str) -> None:
    _object(data, where)
    _id(data, "id", where)
    _json_objects(data, where, "metadata", "configuration")
    _stamp(data, where)
    if "is_active" in data and not isinstance(data["is_active"], bool):
        raise DocumentProblem(f"{where}.is_active", "must be a boolean")
    peers = data.get("peers")
    if isinstance(peers, list):
        for index, pid in enumerate(peers):
            _id_value(pid, f"{where}.peers[{index}]")
    elif peers is not None:
        _object(peers, f"{where}.peers")
        for pid, config in peers.items():
            _id_value(pid, f"{where}.peers.{pid}")
            if config is None:
                continue
            _object(config, f"{where}.peers.{pid}")
            for key in ("observe_me", "observe_others"):
                if config.get(key) is not None and not isinstance(config[key], bool):
                    raise DocumentProblem(f"{where}.peers.{pid}.{key}", "must be a boolean or null")
    for index, message in enumerate(_list(data.get("messages", []), f"{where}.messages")):
        at = f"{where}.messages[{index}]"
        _object(message, at)
        _id(message, "peer_id", at)
        _text(message, "content", at)
        if len(message["content"]) > MAX_CONTENT:
            raise DocumentProblem(f"{at}.content", f"longer than the API's {MAX_CONTENT} characters")
        if message.get("id") is not None:
            _text(message, "id", at)
        _json_objects(message, at, "metadata")
        _stamp(message, at)


# -- the small rules ----------------------------------------------------------------------
def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DocumentProblem(where, "must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise DocumentProblem(where, "must be a list")
    return value


def _json_objects(data: Mapping[str, Any], where: str, *keys: str) -> None:
    for key in keys:
        if data.get(key) is not None and not isinstance(data[key], Mapping):
            raise DocumentProblem(f"{where}.{key}", "must be an object (or null)")


def _text(data: Mapping[str, Any], key: str, where: str) -> None:
    if key not in data:
        raise DocumentProblem(f"{where}.{key}", "missing")
    if not isinstance(data[key], str):
        raise DocumentProblem(f"{where}.{key}", "must be a string")


def _id(data: Mapping[str, Any], key: str, where: str) -> None:
    if key not in data:
        raise DocumentProblem(f"{where}.{key}", "missing")
    _id_value(data[key], f"{where}.{key}")


def _id_value(value: Any, where: str) -> None:
    if not isinstance(value, str) or not ID_RULE.fullmatch(value):
        raise DocumentProblem(where, f"{value!r} is not an id the API accepts (^[a-zA-Z0-9_-]+$, 1..512 characters)")


def _strings(value: Any, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise DocumentProblem(where, "must be a list of strings")


def _stamp(data: Mapping[str, Any], where: str) -> None:
    moment = data.get("created_at")
    if moment is None:
        return
    try:
        if not isinstance(moment, str):
            raise ValueError(moment)
        parse_client_timestamp(moment)
    except ValueError:
        raise DocumentProblem(f"{where}.created_at", f"{moment!r} is not an ISO 8601 date-time within years 1..9999 (UTC)") from None

