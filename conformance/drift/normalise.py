"""Comparing two servers' answers to the same requests: the shared part of `replay` and `diff`.

Two implementations of the API never give byte-equal answers: ids they make themselves
(message, conclusion and webhook ids) differ, timestamps differ, and token counts depend
on each server's tokenizer. So answers are compared after normalisation: server-made ids
are paired as they first appear (`IdMap`) and mapped into the later requests; timestamps
and token counts are compared by presence only. Every remaining difference is one
`Difference`, whose `title` names its root cause without the values (array indices are
written `[*]`), so the same cause on many records is one line of the summary and one
entry of a baseline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

SERVER_MADE_ID = re.compile(r"^[A-Za-z0-9_-]{21}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")
EMBEDDED_ID = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{21}(?![A-Za-z0-9_-])")  # in "Message with ID x not found"
COUNTED_FIELDS = frozenset({"token_count"})
# objects the client writes as it likes: a difference inside one is one difference of the whole
FREE_FORM = (".metadata", ".configuration", ".internal_metadata")
MAX_PER_ANSWER = 10
_INDEX = re.compile(r"\[\d+\]")
_ID_KEY = re.compile(r"\.[A-Za-z0-9_-]{21}(?=\.|\[|$)")  # a map keyed by server-made ids (queue status sessions)


def _general(where: str) -> str:
    """A JSON path as a root cause: indices and server-made keys left out."""
    return _ID_KEY.sub(".<id>", _INDEX.sub("[*]", where)) or "$"


@dataclass(frozen=True)
class Difference:
    """One place where two answers differ: `where` is a JSON path ("" for the status)."""

    where: str
    title: str
    detail: str


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    def parsed(self) -> tuple[bool, Any]:
        """(True, value) when the body is JSON, else (False, None)."""
        if not self.body or "json" not in self.content_type:
            return False, None
        try:
            return True, json.loads(self.body)
        except ValueError:
            return False, None

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


class IdMap:
    """Ids one server made <-> the ids the other made for the same records."""

    def __init__(self) -> None:
        self.forward: dict[str, str] = {}

    def learn(self, first: Any, second: Any) -> None:
        """Pair server-made ids found at the same place of two answers (first pairing wins)."""
        if isinstance(first, dict) and isinstance(second, dict):
            for key in first.keys() & second.keys():
                a, b = first[key], second[key]
                if (key == "id" or key.endswith("_id")) and isinstance(a, str) and isinstance(b, str) \
                        and SERVER_MADE_ID.match(a) and SERVER_MADE_ID.match(b):
                    self.forward.setdefault(a, b)
                else:
                    self.learn(a, b)
        elif isinstance(first, list) and isinstance(second, list):
            for a, b in zip(first, second):
                self.learn(a, b)

    def translate(self, text: str) -> str:
        """A request written for the first server, as the second must get it."""
        for a, b in self.forward.items():
            if a in text:
                text = text.replace(a, b)
        return text


class Stamp(str):
    """A masked timestamp: equal to every other, but it remembers the server's value, so
    records created at one instant (a batch of messages) may come in any order among
    themselves, as the real server orders them by an internal id."""

    raw: str

    def __new__(cls, raw: str) -> "Stamp":
        stamp = super().__new__(cls, "<timestamp>")
        stamp.raw = raw
        return stamp


def normalise(value: Any, ids: dict[str, str] | None = None, key: str = "") -> Any:
    """`value` with ids mapped through `ids`, timestamps and token counts masked."""
    if key in COUNTED_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return "<count>"
    if isinstance(value, dict):
        return {(ids.get(k, k) if ids else k): normalise(v, ids, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, ids) for v in value]
    if isinstance(value, str):
        if TIMESTAMP.match(value):
            return Stamp(value)
        if not ids:
            return value
        if value in ids:
            return ids[value]
        return EMBEDDED_ID.sub(lambda m: ids.get(m.group(0), m.group(0)), value) if len(value) > 21 else value
    return value


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _excerpt(body: bytes, limit: int = 160) -> str:
    text = body[:limit].decode("utf-8", "replace")
    return text + ("..." if len(body) > limit else "") if body else "(no body)"


def _identities(items: list[Any]) -> list[Any] | None:
    """The ids of a list of records, or None when it is not one."""
    if all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        return [i["id"] for i in items]  # an empty list is an empty list of records
    return None


def _ties_only(a: list[Any], ids_a: list[Any], ids_b: list[Any], unordered: bool) -> bool:
    """Whether the two orders differ only among records of `a` created at one instant
    (or, for a list with no defined order, at all)."""
    if unordered:
        return True
    start = 0
    for end in range(1, len(a) + 1):
        stamp = getattr(a[start].get("created_at"), "raw", None)
        if end == len(a) or stamp is None or getattr(a[end].get("created_at"), "raw", None) != stamp:
            if sorted(ids_a[start:end]) != sorted(ids_b[start:end]):
                return False
            start = end
    return True


def _walk_records(a: list[Any], b: list[Any], where: str, names: tuple[str, str], out: list[Difference],
                  unordered: bool) -> bool:
    """Lists of records are compared by identity first: other items, or the same in another
    order, is one root cause; then records with the same id, field by field. False when
    they are not both lists of records."""
    ids_a, ids_b = _identities(a), _identities(b)
    if ids_a is None or ids_b is None:
        return False
    general = _general(where)
    if ids_a != ids_b:
        if sorted(ids_a) == sorted(ids_b):
            if not _ties_only(a, ids_a, ids_b, unordered):
                out.append(Difference(where, f"{general}: the same records in another order",
                                      f"{where}: ids {names[0]} {_short(ids_a)}, {names[1]} {_short(ids_b)}"))
        else:
            only_a = [i for i in ids_a if i not in ids_b]
            only_b = [i for i in ids_b if i not in ids_a]
            out.append(Difference(where, f"{general}: other records",
                                  f"{where}: only {names[0]} lists {_short(only_a)}, only {names[1]} lists {_short(only_b)}"))
    by_id = {item["id"]: item for item in b}
    for index, item in enumerate(a):
        if item["id"] in by_id:
            _walk(item, by_id[item["id"]], f"{where}[{index}]", names, out, unordered)
    return True


def _walk(a: Any, b: Any, where: str, names: tuple[str, str], out: list[Difference], unordered: bool = False) -> None:
    if len(out) >= MAX_PER_ANSWER:
        return
    general = _general(where)
    if isinstance(a, dict) and isinstance(b, dict) and not where.endswith(FREE_FORM):
        for key in sorted(a.keys() | b.keys()):
            path = f"{where}.{key}"
            if key not in b:
                out.append(Difference(path, f"{_general(path)}: only in the {names[0]} answer",
                                      f"{path}: {names[0]} {_short(a[key])}, absent from the {names[1]} answer"))
            elif key not in a:
                out.append(Difference(path, f"{_general(path)}: only in the {names[1]} answer",
                                      f"{path}: {names[1]} {_short(b[key])}, absent from the {names[0]} answer"))
            else:
                _walk(a[key], b[key], path, names, out, unordered)
    elif isinstance(a, list) and isinstance(b, list):
        if _walk_records(a, b, where, names, out, unordered):
            return
        if len(a) != len(b):
            out.append(Difference(where, f"{general}: list lengths differ",
                                  f"{where}: {len(a)} items ({names[0]}), {len(b)} items ({names[1]})"))
        for index, (x, y) in enumerate(zip(a, b)):
            _walk(x, y, f"{where}[{index}]", names, out, unordered)
    elif type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                         and not isinstance(a, bool) and not isinstance(b, bool)):
        out.append(Difference(where, f"{general}: types differ",
                              f"{where}: {names[0]} {_short(a)}, {names[1]} {_short(b)}"))
    elif a != b:
        out.append(Difference(where, f"{general}: values differ",
                              f"{where}: {names[0]} {_short(a)}, {names[1]} {_short(b)}"))


def compare(first: Answer, second: Answer, ids: IdMap, names: tuple[str, str] = ("recorded", "replayed"),
            unordered: bool = False) -> list[Difference]:
    """Learn the answers' id pairs, then every difference between the normalised answers;
    `unordered`: the operation's lists have no defined order (UNORDERED)."""
    a_json, a = first.parsed()
    b_json, b = second.parsed()
    if first.status != second.status:  # the bodies differ as a consequence: one root cause
        return [Difference("", f"status {first.status} ({names[0]}) vs {second.status} ({names[1]})",
                           f"status: {names[0]} {first.status} {_excerpt(first.body)}, "
                           f"{names[1]} {second.status} {_excerpt(second.body)}")]
    found: list[Difference] = []
    if a_json and b_json:
        ids.learn(a, b)
        _walk(normalise(a, ids.forward), normalise(b), "$", names, found, unordered)
    elif first.media_type != second.media_type and (first.body or second.body):
        found.append(Difference("", "content types differ",
                                f"content type: {names[0]} {first.media_type or '(none)'}, "
                                f"{names[1]} {second.media_type or '(none)'}"))
    elif not a_json and not b_json and bool(first.body) != bool(second.body):
        found.append(Difference("", "only one answer has a body",
                                f"body: {names[0]} {len(first.body)} bytes, {names[1]} {len(second.body)} bytes"))
    return found


# Lists the real server answers in no defined order (docs/real-server.md): session peers, webhooks.
UNORDERED = frozenset({"GET /v3/workspaces/{workspace_id}/sessions/{session_id}/peers",
                       "GET /v3/workspaces/{workspace_id}/webhooks"})


def summarise(differences: Iterable[Difference]) -> str:
    return "; ".join(d.detail for d in differences)
