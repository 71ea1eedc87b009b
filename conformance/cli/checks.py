"""`honcho-conformance checks`: every check a run can pick from (--include-checks/--exclude-checks)."""

from __future__ import annotations

from typing import Any

from rich.console import Console


def add_parser(sub: Any) -> None:
    sub.add_parser("checks", help="list the semantic checks and concurrency scenarios")


def main(console: Console) -> int:
    from conformance.phases.concurrency import SCENARIOS
    from conformance.semantics import REGISTRY

    from conformance.phases.schemathesis_phases import AUTH_CHECKS, CHECKS

    console.print(f"[bold]contract and stateful phases (schemathesis)[/]: {', '.join(CHECKS + AUTH_CHECKS)} "
                  f"(ignored_auth with a token)", soft_wrap=True)
    console.print("[bold]semantic checks[/]:")
    for check in REGISTRY.values():
        console.print(f"  [bold]{check.name}[/] {'(read-only)' if not check.writes else ''}: {check.description}",
                      soft_wrap=True)
    console.print("[bold]model phase[/]: state_machine", soft_wrap=True)
    console.print(f"[bold]concurrency scenarios[/]: {', '.join(SCENARIOS)}", soft_wrap=True)
    console.print("[bold]the run itself[/]: server_crash (a connection the server closed), engine_error, cleanup, "
                  "coverage", soft_wrap=True)
    console.print("--include-checks/--exclude-checks take these names (or shell patterns)", soft_wrap=True)
    return 0
