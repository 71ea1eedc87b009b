"""What `breaking` prints: the report of a comparison as text, JSON, a pull-request comment in
markdown, or GitHub workflow annotations; and the rule table (`--rules`) as text, JSON or
markdown."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from conformance.breaking.changes import LEVELS, Change, Level
from conformance.core.openapi import Contract

if TYPE_CHECKING:
    from conformance.breaking.ignore import IgnoreEntry
    from conformance.breaking.registry import Rule

FORMATS = ("text", "json", "markdown", "github")


@dataclass
class BreakingReport:
    old: Contract
    new: Contract
    changes: list[Change]
    unused: list["IgnoreEntry"] = field(default_factory=list)  # ignore entries that matched nothing
    fail_on: str = "error"

    def counts(self) -> dict[str, int]:
        counts = {level: sum(1 for c in self.changes if c.level == level and not c.accepted) for level in LEVELS}
        counts["accepted"] = sum(1 for c in self.changes if c.accepted)
        return counts

    @property
    def exit_code(self) -> int:
        failing = (Level.ERROR,) if self.fail_on == "error" else (Level.ERROR, Level.WARNING)
        return 1 if any(c.level in failing and not c.accepted for c in self.changes) else 0

    def render(self, fmt: str) -> str:
        """The report in one of FORMATS."""
        return {"text": self.text, "json": self.json, "markdown": self.markdown, "github": self.github}[fmt]()

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": {"path": self.old.name, "version": self.old.version},
            "new": {"path": self.new.name, "version": self.new.version},
            "breaking": any(c.breaking for c in self.changes),
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
            "unused_ignore_entries": [e.to_dict() for e in self.unused],
        }

    def json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def text(self) -> str:
        counts = self.counts()
        lines = [f"{self.old.name} ({self.old.version or '?'}) -> {self.new.name} ({self.new.version or '?'}): "
                 f"{len(self.changes)} change(s): {counts['error']} breaking, {counts['warning']} warning(s), "
                 f"{counts['info']} info, {counts['accepted']} accepted"]
        for change in self.changes:
            level = "accepted" if change.accepted else change.level
            where = f" [{change.location}]" if change.location else ""
            lines.append(f"  {level:<8} {change.rule}: {change.operation}{where}: {change.message}")
        for entry in self.unused:
            lines.append(f"  ignore entry not used (outdated?): rule={entry.rule} operation={entry.operation}")
        lines.append("BREAKING" if self.exit_code else "no breaking change" if not counts["error"] else "accepted")
        return "\n".join(lines) + "\n"

    def markdown(self, limit: int = 60000) -> str:
        """A pull-request comment: what breaks (and what may) in a table, the rest folded;
        kept under GitHub's comment size (`limit` characters)."""
        counts = self.counts()
        title = "Breaking changes" if counts["error"] else "No breaking change"
        lines = [f"### {title} in the API contract",
                 "",
                 f"`{Path(self.old.name).name}` ({self.old.version or '?'}) → `{Path(self.new.name).name}` "
                 f"({self.new.version or '?'}): **{counts['error']} breaking**, {counts['warning']} warning(s), "
                 f"{counts['info']} info, {counts['accepted']} accepted.", ""]
        loud = [c for c in self.changes if c.level in (Level.ERROR, Level.WARNING) and not c.accepted]
        quiet = [c for c in self.changes if c not in loud]
        budget = limit - 2000
        if loud:
            lines += _changes_table(loud, budget // 2 if quiet else budget)
        if quiet:
            lines += ["", f"<details><summary>{len(quiet)} change(s) that break no client</summary>", ""]
            lines += _changes_table(quiet, budget - sum(len(line) + 1 for line in lines))
            lines += ["", "</details>"]
        for entry in self.unused:
            lines.append(f"\nIgnore entry not used (outdated?): `{entry.rule}` `{entry.operation}`")
        return "\n".join(lines) + "\n"

    def github(self) -> str:
        """GitHub Actions workflow commands: each breaking change (and warning) annotates the run."""
        lines = []
        for change in self.changes:
            if change.accepted or change.level == Level.INFO:
                continue
            command = "error" if change.level == Level.ERROR else "warning"
            where = f" [{change.location}]" if change.location else ""
            text = f"{change.operation}{where}: {change.message}".replace("%", "%25")
            lines.append(f"::{command} title={change.rule}::{text.replace(chr(10), ' ')}")
        counts = self.counts()
        lines.append(f"{counts['error']} breaking change(s), {counts['warning']} warning(s), {counts['info']} info, "
                     f"{counts['accepted']} accepted")
        return "\n".join(lines) + "\n"


def _changes_table(changes: list[Change], budget: int) -> list[str]:
    lines = ["| level | rule | operation | where | change |", "| --- | --- | --- | --- | --- |"]
    used = 0
    for number, change in enumerate(changes):
        level = "accepted" if change.accepted else f"**{change.level}**" if change.breaking else change.level
        cells = [level, f"`{change.rule}`", f"`{change.operation}`" if change.operation else "", change.location,
                 change.message]
        line = _row(cells)
        if used + len(line) > budget:
            lines.append(f"\n… and {len(changes) - number} more (see the JSON report)")
            break
        used += len(line) + 1
        lines.append(line)
    return lines


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"


# ------------------------------------------------------------------------------ the rule table
RULE_COLUMNS = ("id", "level", "direction", "area", "description")


def rule_table(rules: Iterable["Rule"], fmt: str) -> str:
    """The rules as `--rules` lists them: text (aligned columns, a header first), json or markdown."""
    rows = [[r.id, str(r.level), str(r.direction), str(r.area), r.description] for r in rules]
    if fmt == "json":
        return json.dumps([dict(zip(RULE_COLUMNS, row)) for row in rows], indent=2) + "\n"
    if fmt == "markdown":
        return "\n".join([_row(RULE_COLUMNS), _row("---" for _ in RULE_COLUMNS),
                          *(_row([f"`{row[0]}`", *row[1:]]) for row in rows)]) + "\n"
    widths = [max(len(row[n]) for row in [list(RULE_COLUMNS), *rows]) for n in range(len(RULE_COLUMNS) - 1)]
    return "".join(" ".join(cell.ljust(width) for cell, width in zip(row, widths)) + f" {row[-1]}\n"
                   for row in [list(RULE_COLUMNS), *rows])
