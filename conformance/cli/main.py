"""`honcho-conformance`: check any deployment of the Honcho v3 API against openapi.yaml.

    honcho-conformance run --base-url URL [--token T] [-H 'Name: value'] [--exclude-checks NAMES] [options]
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

from conformance.cli import breaking, checks, config_file, drift, mock_coverage, run
from conformance.core.vocabulary import EXIT_USAGE


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("honcho-contract")
    except PackageNotFoundError:
        return "(not installed)"


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; for `run`, with the defaults of the options file that applies (config_file.py)."""
    parser = argparse.ArgumentParser(prog="honcho-conformance",
                                     description="Conformance tester for implementations of the Honcho v3 API contract.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = run.add_parser(sub)
    if list(argv[:1]) == ["run"]:
        config_file.apply(run_parser, argv[1:])
    checks.add_parser(sub)
    drift.add_parsers(sub)
    breaking.add_parser(sub)
    mock_coverage.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    console = Console(soft_wrap=not sys.stdout.isatty())  # in a pipe or a CI log no line is wrapped or cut
    try:
        parser = build_parser(arguments)
    except config_file.ConfigFileError as exc:
        console.print(f"[red]honcho-conformance: {exc}[/]", soft_wrap=True)
        return EXIT_USAGE
    args = parser.parse_args(arguments)
    if args.command == "breaking":
        return breaking.main(args, sys.stdout.write)
    if args.command == "mock-coverage":
        return mock_coverage.main(args, sys.stdout.write)
    if args.command == "checks":
        return checks.main(console)
    if args.command in ("replay", "diff"):
        return drift.main(args, console)
    return run.main(args, console)
