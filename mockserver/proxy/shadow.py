"""Shadowing a deployment: where the mock's answer to a request differs from the deployment's.

Behind `honcho-mock --proxy URL --shadow`, every request the deployment answers is also
run on the mock's own state, and the two answers are compared after normalisation: ids
the servers made themselves (message, conclusion and webhook ids: 21-character nanoids)
are paired as they first appear and mapped into the requests the mock gets afterwards;
timestamps and token counts, which no two servers share, are compared by their presence
only. What is left is where the mock would mislead a team developing against it.

(The conformance tester has a normaliser of its own, `conformance/drift.py`: the tester
never imports the mock, and the mock does not import the tester.)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

SERVER_MADE_ID = re.compile(r"^[A-Za-z0-9_-]{21}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")
EMBEDDED_ID = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{21}(?![A-Za-z0-9_-])")  # in "Message with ID x not found"
COUNTED_FIELDS = frozenset({"token_count"})  # each server counts tokens with its own tokenizer
MAX_DIFFERENCES = 8
FREE_FORM = (".metadata", ".configuration", ".internal_metadata")  # written by clients as they like


@dataclass
class ShadowResult:
    """The comparison of one exchange: empty `differences` when the mock agreed."""

    operation: str
    differences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"operation": self.operation, "differences": self.differences}


class IdPairs:
    """Deployment ids <-> mock ids of records the servers named themselves."""

    def __init__(self) -> None:
        self.to_mock: dict[str, str] = {}

    def learn(self, upstream: Any, mock: Any) -> None:
        """Pair the ids found at the same place of two answers (first pairing wins)."""
        if isinstance(upstream, dict) and isinstance(mock, dict):
            for key in upstream.keys() & mock.keys():
                a, b = upstream[key], mock[key]
                if (key == "id" or key.endswith("_id")) and isinstance(a, str) and isinstance(b, str) \
                        and SERVER_MADE_ID.match(a) and SERVER_MADE_ID.match(b):
                    self.to_mock.setdefault(a, b)
                else:
                    self.learn(a, b)
        elif isinstance(upstream, list) and isinstance(mock, list):
            for a, b in zip(upstream, mock):
                self.learn(a, b)

    def translate(self, text: str) -> str:
        """A request path or body meant for the deployment, as the mock must get it."""
        for upstream, mock in self.to_mock.items():
            if upstream in text:
                text = text.replace(upstream, mock)
        return text


# Lists the real server answers in no defined order (docs/real-server.md): session peers, webhooks.
UNORDERED = frozenset({"GET /v3/workspaces/{workspace_id}/sessions/{session_id}/peers",
                       "GET /v3/workspaces/{workspace_id}/webhooks"})


class _Stamp(str):
    """A masked timestamp that remembers the deployment's value: records created at one
    instant (a message batch) may come in any order among themselves."""

    raw: str

    def __new__(cls, raw: str) -> "_Stamp":
        stamp = super().__new__(cls, "<timestamp>")
        stamp.raw = raw
        return stamp


def _normal(value: Any, ids: dict[str, str] | None, key: str = "") -> Any:
    if key in COUNTED_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return "<count>"
    if isinstance(value, dict):
        return {(ids.get(k, k) if ids else k): _normal(v, ids, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v, ids) for v in value]
    if isinstance(value, str):
        if TIMESTAMP.match(value):
            return _Stamp(value)
        if not ids:
            return value
        if value in ids:
            return ids[value]
        return EMBEDDED_ID.sub(lambda m: ids.get(m.group(0), m.group(0)), value) if len(value) > 21 else value
    return value


def _record_ids(items: list[Any]) -> list[Any] | None:
    if all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        return [i["id"] for i in items]
    return None


def _ties_only(expected: list[Any], ids_up: list[Any], ids_mock: list[Any]) -> bool:
    """The orders differ only among records the deployment created at one instant."""
    start = 0
    for end in range(1, len(expected) + 1):
        stamp = getattr(expected[start].get("created_at"), "raw", None)
        if end == len(expected) or stamp is None or getattr(expected[end].get("created_at"), "raw", None) != stamp:
            if sorted(ids_up[start:end]) != sorted(ids_mock[start:end]):
                return False
            start = end
    return True


def _walk(expected: Any, actual: Any, where: str, out: list[str], unordered: bool = False) -> None:
    """Differences, the deployment's answer first; lists of records are matched by id, and
    free-form objects (metadata, configuration) compared whole."""
    if len(out) >= MAX_DIFFERENCES:
        return
    if isinstance(expected, dict) and isinstance(actual, dict) and not where.endswith(FREE_FORM):
        for key in sorted(expected.keys() | actual.keys()):
            if key not in actual:
                out.append(f"{where}.{key}: only the deployment has it")
            elif key not in expected:
                out.append(f"{where}.{key}: only the mock has it")
            else:
                _walk(expected[key], actual[key], f"{where}.{key}", out, unordered)
    elif isinstance(expected, list) and isinstance(actual, list):
        ids_up, ids_mock = _record_ids(expected), _record_ids(actual)
        if ids_up is not None and ids_mock is not None:
            if sorted(ids_up) != sorted(ids_mock):
                out.append(f"{where}: other records: deployment {_short(ids_up)}, mock {_short(ids_mock)}")
            elif ids_up != ids_mock and not unordered and not _ties_only(expected, ids_up, ids_mock):
                out.append(f"{where}: the same records in another order: deployment {_short(ids_up)}, "
                           f"mock {_short(ids_mock)}")
            by_id = {item["id"]: item for item in actual}
            for index, item in enumerate(expected):
                if item["id"] in by_id:
                    _walk(item, by_id[item["id"]], f"{where}[{index}]", out, unordered)
            return
        if len(expected) != len(actual):
            out.append(f"{where}: {len(expected)} items from the deployment, {len(actual)} from the mock")
        for index, (a, b) in enumerate(zip(expected, actual)):
            _walk(a, b, f"{where}[{index}]", out, unordered)
    elif expected != actual or isinstance(expected, bool) != isinstance(actual, bool):  # 1 == 1.0, but 1 != true
        out.append(f"{where}: deployment {_short(expected)}, mock {_short(actual)}")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _excerpt(body: bytes, limit: int = 120) -> str:
    text = body[:limit].decode("utf-8", "replace")
    return (text + ("..." if len(body) > limit else "")) if body else "(no body)"


def _json(body: bytes, content_type: str) -> tuple[bool, Any]:
    if not body or "json" not in content_type:
        return False, None
    try:
        return True, json.loads(body)
    except ValueError:
        return False, None


def compare(operation: str, ids: IdPairs, upstream_status: int, upstream_type: str, upstream_body: bytes,
            mock_status: int, mock_type: str, mock_body: bytes) -> ShadowResult:
    """Learn the answers' id pairs, then list where the normalised answers differ."""
    result = ShadowResult(operation)
    up_is_json, up_value = _json(upstream_body, upstream_type)
    mock_is_json, mock_value = _json(mock_body, mock_type)
    if up_is_json and mock_is_json:
        ids.learn(up_value, mock_value)
    if upstream_status != mock_status:  # the bodies differ because of it: one difference
        result.differences.append(f"status: deployment {upstream_status} {_excerpt(upstream_body)}, "
                                  f"mock {mock_status} {_excerpt(mock_body)}")
        return result
    if up_is_json and mock_is_json:
        _walk(_normal(up_value, ids.to_mock), _normal(mock_value, None), "$", result.differences,
              operation in UNORDERED)
    elif upstream_type.split(";")[0].strip() != mock_type.split(";")[0].strip():
        result.differences.append(f"content type: deployment {upstream_type or '(none)'}, mock {mock_type or '(none)'}")
    elif not up_is_json and not mock_is_json and bool(upstream_body) != bool(mock_body):
        result.differences.append("body: only one of the answers has one")
    return result
