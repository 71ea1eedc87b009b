"""What a comparison finds: the levels of a change, the change itself, and the error for input
it cannot read. Every other module of `breaking/` speaks in these terms."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    """How bad a change is for clients: `error` breaks them (exit 1), `warning` may break some
    (exit 1 with `--fail-on warning`), `info` breaks none."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


LEVELS = tuple(level.value for level in Level)  # most severe first: the order of a report


class BreakingError(ValueError):
    """An unreadable document or ignore file (exit 2)."""


@dataclass(frozen=True)
class Change:
    """One change a rule found: where (operation and location) and what (message)."""

    rule: str
    level: str
    operation: str  # "GET /v3/..." ("" for the document as a whole)
    location: str   # where in the operation: "request body application/json: items[].level"
    message: str
    accepted: bool = False  # matched by the ignore file

    @property
    def breaking(self) -> bool:
        return self.level == Level.ERROR and not self.accepted

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "level": str(self.level), "breaking": self.breaking}


def short(value: Any, limit: int = 80) -> str:
    """A value as a message quotes it: on one line, cut at `limit` characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
