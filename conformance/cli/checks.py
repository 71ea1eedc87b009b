"""`honcho-conformance checks`: the semantic checks and concurrency scenarios a run can pick from."""

from __future__ import annotations

from typing import Any

from rich.console import Console


def add_parser(sub: Any) -> None:
    sub.add_parser("checks", help="list the semantic checks and concurrency scenarios")


def main(console: Console) -> int:
    from conformance.phases.concurrency import SCENARIOS
    from conformance.semantics import REGISTRY

    for check in REGISTRY.values():
        console.print(f"[bold]{check.name}[/] {'(read-only)' if not check.writes else ''}: {check.description}")
    console.print(f"[bold]concurrency scenarios[/]: {', '.join(SCENARIOS)}")
    return 0
