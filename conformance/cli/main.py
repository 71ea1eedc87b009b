"""`honcho-conformance`: check any deployment of the Honcho v3 API against openapi.yaml.

    honcho-conformance run --base-url URL [--token T] [--spec openapi.yaml] [options]
    honcho-conformance checks        # list the semantic checks and concurrency scenarios
    honcho-conformance replay FILE.har --base-url URL   # replay a recording elsewhere (docs/drift.md)
    honcho-conformance diff --base-url A --against B    # one scenario on two servers, answers compared
    honcho-conformance breaking OLD NEW [--format text|json|markdown|github] [--ignore FILE]
    honcho-conformance mock-coverage --base-url URL [--min-coverage KIND=PERCENT]

One parser; each sub-command's options and work live in a module of this package of its own.
Exit status: 0 when nothing new failed, 1 when something did, 2 for usage errors, 3 when the
server could not be reached at all, 130 when interrupted (Ctrl-C; the run still cleans up).
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from rich.console import Console

from conformance.cli import breaking, checks, drift, mock_coverage, run


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("honcho-contract")
    except PackageNotFoundError:
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="honcho-conformance",
                                     description="Conformance tester for implementations of the Honcho v3 API contract.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    run.add_parser(sub)
    checks.add_parser(sub)
    drift.add_parsers(sub)
    breaking.add_parser(sub)
    mock_coverage.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    if args.command == "breaking":
        return breaking.main(args, sys.stdout.write)
    if args.command == "mock-coverage":
        return mock_coverage.main(args, sys.stdout.write)
    if args.command == "checks":
        return checks.main(console)
    if args.command in ("replay", "diff"):
        return drift.main(args, console)
    return run.main(args, console)
