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
    groups = group_failures(failures)
    new = [g for g in groups if not g.known]
    console.print(f"[bold]{escape(heading)}[/]")
    if not groups:
        console.print("[green]no differences[/]")
    for group in groups:
        mark = "[yellow]known[/]" if group.known else "[red]new[/]"
        console.print(f"  {mark} {escape(group.operation)} | {escape(group.title)}  x{group.count}")
    for group in new[:details]:
        first = group.first
        console.print(f"\n[bold red]{escape(group.operation)}[/]: {escape(group.title)} ({group.count}x)")
        console.print(f"  {escape(first.message)}")
        if first.response:
            console.print("  " + escape(first.response).replace("\n", "\n  "))
        if first.steps:
            console.print("  steps:")
            for step in first.steps:
                console.print(f"    {escape(step)}")
        if first.curl:
            console.print(f"  reproduce: {escape(first.curl)}", soft_wrap=True)
    if len(new) > details:
        console.print(f"\n... {len(new) - details} more root causes (--details N shows more)")
    for label in unseen:
        console.print(f"[yellow]baseline entry not seen (fixed?): {escape(label)}[/]")
    known = sum(g.count for g in groups if g.known)
    console.print(f"\n{sum(g.count for g in new)} new differences in {len(new)} root causes"
                  + (f", {known} known" if known else ""))


def write_json(path: Path, summary: dict[str, Any], failures: list[Failure]) -> None:
    document = {**summary, "groups": [
        {"check": g.check, "operation": g.operation, "title": g.title, "count": g.count, "known": g.known}
        for g in group_failures(failures)], "failures": [f.to_dict() for f in failures]}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
