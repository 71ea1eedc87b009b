"""A body model's properties read under their field names as well as their aliases.

Honcho's create models are pydantic models with `populate_by_name`: `{"name": "x"}` is read
as `{"id": "x"}` (openapi.yaml declares it with `x-field-name`, validation.py reads the
declaration). Here: the body read by alias, and its errors named by the key the client sent.
"""

from __future__ import annotations

from typing import Any, Mapping


def by_alias(names: Mapping[str, str], body: Any) -> tuple[Any, dict[str, str]]:
    """The body with each field name read as its alias (the alias wins when both are
    sent, the field name is then ignored as pydantic ignores an extra key), and which
    aliases were read from a field name."""
    if not names or not isinstance(body, dict) or not any(name in body for name in names.values()):
        return body, {}
    renamed: dict[str, str] = {}
    body = dict(body)
    for alias, name in names.items():
        if name not in body:
            continue
        value = body.pop(name)
        if alias not in body:
            body[alias] = value
            renamed[alias] = name
    return body, renamed


def as_sent(item: dict[str, Any], renamed: Mapping[str, str], sent: Any) -> dict[str, Any]:
    """An error item named by the key the client sent, as pydantic names it."""
    loc = item["loc"]
    if len(loc) > 1 and loc[0] == "body" and loc[1] in renamed:
        item = {**item, "loc": ["body", renamed[loc[1]], *loc[2:]]}
    elif len(loc) == 2 and item["type"] == "missing":
        item = {**item, "input": sent}
    return item
