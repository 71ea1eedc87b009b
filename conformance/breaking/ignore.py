"""The ignore file: changes a team has accepted, each with a note saying why.

JSON or YAML: `{"version": 1, "accepted": [{"rule": ..., "operation": ..., "location": ...,
"message": ..., "note": ...}]}`; each field but `note` is a shell wildcard (default `*`). An
entry that matches no change is reported as outdated.
"""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Iterable

import yaml

from conformance.breaking.changes import BreakingError, Change

FIELDS = ("rule", "operation", "location", "message", "note")


@dataclass
class IgnoreEntry:
    rule: str = "*"
    operation: str = "*"
    location: str = "*"
    message: str = "*"
    note: str = ""
    used: bool = False

    def matches(self, change: Change) -> bool:
        return all(fnmatch.fnmatchcase(value, pattern) for value, pattern in (
            (change.rule, self.rule), (change.operation, self.operation), (change.location, self.location),
            (change.message, self.message)))

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "used"}


def load_ignore(path: str | Path, rule_ids: Iterable[str]) -> list[IgnoreEntry]:
    """The entries of an ignore file; a `rule` pattern must match one of `rule_ids` (a typo
    would otherwise accept nothing, silently)."""
    known = list(rule_ids)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BreakingError(f"cannot read ignore file {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("accepted"), list):
        raise BreakingError(f"{path}: an ignore file is {{\"version\": 1, \"accepted\": [...]}}")
    entries = []
    for number, item in enumerate(data["accepted"], 1):
        if not isinstance(item, dict) or not item or set(item) - set(FIELDS):
            raise BreakingError(f"{path}: accepted entry {number} must be an object of rule, operation, location, "
                                "message, note")
        if not all(isinstance(v, str) for v in item.values()):
            raise BreakingError(f"{path}: accepted entry {number}: every field is a string")
        if "rule" in item and not any(fnmatch.fnmatchcase(r, item["rule"]) for r in known):
            raise BreakingError(f"{path}: accepted entry {number}: no rule matches {item['rule']!r}")
        entries.append(IgnoreEntry(**item))
    return entries


def accept(changes: list[Change], entries: list[IgnoreEntry]) -> list[Change]:
    """The changes, with those an ignore entry matches marked accepted (and the entries marked used)."""
    result = []
    for change in changes:
        matched = [e for e in entries if e.matches(change)]
        for entry in matched:
            entry.used = True
        result.append(replace(change, accepted=True) if matched else change)
    return result
