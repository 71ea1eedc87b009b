"""Known deviations: failures a team has accepted, so CI fails only on new ones.

A baseline file is JSON:

    {"version": 1,
     "known": [{"check": "status_code_conformance",
                "operation": "POST /v3/workspaces",
                "title": "Undocumented status code",
                "note": "why this is accepted"}]}

A failure is known when its check, operation and title match an entry (each field may
use shell wildcards: `*`, `?`). `--write-baseline FILE` writes one entry per root cause of
a run, which is the usual way to start one.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from conformance.core.vocabulary import Failure, group_failures

VERSION = 1


class BaselineError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    check: str
    operation: str
    title: str
    note: str = ""

    def matches(self, failure: Failure) -> bool:
        return (fnmatch.fnmatchcase(failure.check, self.check) and fnmatch.fnmatchcase(failure.operation, self.operation)
                and fnmatch.fnmatchcase(failure.title, self.title))

    @property
    def label(self) -> str:
        return f"{self.check} | {self.operation} | {self.title}"


class Baseline:
    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries = list(entries)

    @classmethod
    def empty(cls) -> "Baseline":
        return cls()

    @classmethod
    def load(cls, path: str | Path) -> "Baseline":
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BaselineError(f"cannot read baseline {path}: {exc}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("known"), list):
            raise BaselineError(f"{path}: expected {{\"version\": 1, \"known\": [...]}}")
        entries = []
        for number, item in enumerate(document["known"]):
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("check", "operation", "title")):
                raise BaselineError(f"{path}: entry {number} needs string check, operation and title")
            entries.append(Entry(item["check"], item["operation"], item["title"], str(item.get("note", ""))))
        return cls(entries)

    def matches(self, failure: Failure) -> bool:
        return any(entry.matches(failure) for entry in self.entries)

    def unseen(self, failures: list[Failure]) -> list[str]:
        """Entries no failure of this run matched: probably fixed, worth removing."""
        return [e.label for e in self.entries if not any(e.matches(f) for f in failures)]

    @staticmethod
    def write(path: str | Path, failures: list[Failure], note: str = "") -> int:
        entries = [{"check": g.check, "operation": operation, "title": g.title, "note": note or f"seen {len(seen)}x"}
                   for g in group_failures(failures) for operation, seen in g.operations.items()]
        document = {"version": VERSION, "known": entries}
        Path(path).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return len(entries)
