"""What `replay` and `diff` print: differences grouped by root cause, each with its curl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from conformance.core.baseline import Baseline
from conformance.core.vocabulary import Failure, group_failures


def apply_baseline(failures: list[Failure], baseline: Baseline | None) -> list[str]:
    """Mark known failures; the baseline entries nothing matched (fixed?)."""
    if baseline is None:
        return []
    for failure in failures:
        failure.known = baseline.matches(failure)
    return baseline.unseen(failures)


def render(console: Console, heading: str, failures: list[Failure], unseen: list[str], *, details: int = 15) -> None:
    """Every line printed whole: in a pipe or a CI log none is wrapped at the console's width (a
    curl split mid-token cannot be run)."""
    out = _Unwrapped(console)
    groups = group_failures(failures)
    new = [g for g in groups if not g.known]
    out.print(f"[bold]{escape(heading)}[/]")
    if not groups:
        out.print("[green]no differences[/]")
    for group in groups:
        mark = "[yellow]known[/]" if group.known else "[red]new[/]"
        out.print(f"  {mark} {escape(group.operation)} | {escape(group.title)}  x{group.count}")
    for group in new[:details]:
        first = group.first
        out.print(f"\n[bold red]{escape(group.operation)}[/]: {escape(group.title)} ({group.count}x)")
        out.print(f"  {escape(first.message)}")
        if first.response:
            out.print("  " + escape(first.response).replace("\n", "\n  "))
        if first.steps:
            out.print("  steps:")
            for step in first.steps:
                out.print(f"    {escape(step)}")
        if first.curl:
            out.print(f"  reproduce: {escape(first.curl)}", soft_wrap=True)
    if len(new) > details:
        out.print(f"\n... {len(new) - details} more root causes (--details N shows more)")
    for label in unseen:
        out.print(f"[yellow]baseline entry not seen (fixed?): {escape(label)}[/]")
    known = sum(g.count for g in groups if g.known)
    out.print(f"\n{sum(g.count for g in new)} new differences in {len(new)} root causes"
                  + (f", {known} known" if known else ""))


class _Unwrapped:
    """A console whose every print is soft-wrapped (lines are never broken)."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs.setdefault("soft_wrap", True)
        self._console.print(*objects, **kwargs)


def write_json(path: Path, summary: dict[str, Any], failures: list[Failure]) -> None:
    document = {**summary, "groups": [
        {"check": g.check, "operation": g.operation, "title": g.title, "count": g.count, "known": g.known}
        for g in group_failures(failures)], "failures": [f.to_dict() for f in failures]}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
