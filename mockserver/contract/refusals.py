"""A body schema's `x-refusal` (docs/contract.md): rules the real server judges in its handler,
after every other rule, so that a request breaking other rules too gets only the other errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.errors import ApiError


@dataclass(frozen=True)
class Refusal:
    """Errors of the rules it `covers` are judged after every other rule. Other errors are
    reported alone; covered ones alone are answered 422 with the declared string `detail`, or,
    with none declared, left to the operation's handler (which words them)."""

    detail: str | None
    covers: tuple[tuple[tuple[str, ...], frozenset[str] | None], ...]  # (body path, error types or None: any)

    def covered(self, error: dict[str, Any]) -> bool:
        path = [str(part) for part in error["loc"][1:]]
        kind = "missing" if error.get("input") is None and error["type"].endswith("_type") else error["type"]
        return any(_path_matches(pattern, path) and (types is None or kind in types) for pattern, types in self.covers)

    def apply(self, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        others = [e for e in errors if not self.covered(e)]
        if others or self.detail is None:
            return others
        raise ApiError(422, self.detail)


def _path_matches(pattern: tuple[str, ...], path: list[str]) -> bool:
    if pattern and pattern[-1] == "**":
        return len(path) >= len(pattern) and all(p in ("*", q) for p, q in zip(pattern[:-1], path))  # strictly below
    return len(path) == len(pattern) and all(p in ("*", q) for p, q in zip(pattern, path))


def read_refusal(declared: Any) -> Refusal | None:
    """`x-refusal: {detail?, covers: [{path, types?}, ...]}`; a path is body keys joined by `/` (`""`: the body),
    `*` one key, a final `**` anything below; a null where a type was wanted counts as `missing`."""
    if not isinstance(declared, dict):
        return None
    covers = tuple((tuple(part for part in str(entry["path"]).split("/") if part),  # "": the body itself
                    frozenset(entry["types"]) if entry.get("types") else None)
                   for entry in declared.get("covers", ()))
    return Refusal(declared.get("detail"), covers)
