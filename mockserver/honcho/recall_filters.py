"""The recall filters 3.0.12 added to chat and the representation (behaviour `recall_filters`).

`filters` there is not the filter language of the lists: it takes only `session_id` (a
session id, a list of them, or `{"in": [...]}`) and confines recall to those sessions, so an
option the server would drop is refused instead (a dropped filter would widen what is
recalled). With a top-level `session_id` as well, the list must include it. Each refusal is
422 with the real server's string `detail`; 3.0.7 ignores the key, as pydantic ignores keys a
model does not declare. (Chat's `response_format`, also 3.0.12's: response_format.py.)
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.errors import ApiError

MAX_SESSIONS = 1000
_SESSION_ID = re.compile(r"[a-zA-Z0-9_-]+").fullmatch


def session_allowlist(filters: Any, must_include: str | None = None, id_rule: bool = False) -> list[str] | None:
    """The sessions `filters` confines recall to (None: no confinement); ApiError 422 otherwise.
    `id_rule` (3.1-preview): an entry must be a session id (`*` or `a b` are refused)."""
    if filters is None:
        return None
    unsupported = set(filters) - {"session_id"}
    if unsupported:
        raise _refused(f"Unsupported filter key(s) for this endpoint: {sorted(unsupported)}. "
                       "Only 'session_id' is supported.")
    if "session_id" not in filters:
        raise _refused("filters must contain 'session_id'")
    value = filters["session_id"]
    if isinstance(value, str):
        entries = [value]
    elif isinstance(value, list):
        entries = list(value)
    elif isinstance(value, dict) and set(value) == {"in"} and isinstance(value["in"], list):
        entries = list(value["in"])
    else:
        raise _refused('filters.session_id must be a session id, a list of session ids, or {"in": [...]}')
    return checked_allowlist(entries, "filters.session_id", must_include, id_rule)


def checked_allowlist(entries: list[Any], field: str, must_include: str | None = None, id_rule: bool = True) -> list[str]:
    """An allowlist of session ids named by `field` (repeats once, in order), or 422: too many,
    an entry that is no non-empty string (or, with `id_rule`, no id at all), or one without
    `must_include`."""
    if len(entries) > MAX_SESSIONS:
        raise _refused(f"{field} supports at most {MAX_SESSIONS} sessions per request")
    for entry in entries:
        if not isinstance(entry, str) or not entry:
            raise _refused(f"{field} entries must be non-empty strings")
        if id_rule and not _SESSION_ID(entry):
            raise _refused(f"Invalid session id in {field}: {entry!r}. Session ids match ^[a-zA-Z0-9_-]+$")
    allowed = list(dict.fromkeys(entries))
    if must_include is not None and must_include not in allowed:
        raise _refused(f"session_id must be included in {field}")
    return allowed


def _refused(detail: str) -> ApiError:
    return ApiError(422, detail)
