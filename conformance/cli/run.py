"""`honcho-conformance run`: the options of a run, the reporters it writes, and its exit status."""

from __future__ import annotations

import argparse
import fnmatch
from pathlib import Path
from typing import Any

from rich.console import Console

import honcho_contracts
from conformance.core.baseline import Baseline, BaselineError
from conformance.core.config import (
    PHASES,
    PROFILES,
    ConfigError,
    RunConfig,
    token_from_environment,
)
from conformance.core.vocabulary import EXIT_INTERRUPTED, EXIT_USAGE, Listener
from conformance.engine.coverage import CoverageGateError, parse_gate


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _phases(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in names if p not in PHASES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown phase(s): {', '.join(unknown)}; choose from {', '.join(PHASES)}")
    return names


def _coverage_gate(text: str) -> tuple[str, float]:
    try:
        return parse_gate(text)
    except CoverageGateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not a header: write it as 'Name: value'")
    return name.strip(), value.strip()


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    run = sub.add_parser("run", help="run the conformance suite against a server",
                         description="Options may also come from honcho-conformance.toml or the [tool.honcho-conformance] "
                                     "table of pyproject.toml (the command line wins); see docs/conformance.md.")
    run.add_argument("--config", type=Path, default=None, metavar="FILE",
                     help="read options from this TOML file (default: honcho-conformance.toml or pyproject.toml's "
                          "[tool.honcho-conformance], in this directory or the nearest parent)")
    target = run.add_argument_group("target")
    target.add_argument("--base-url", required=True, help="the deployment, e.g. https://honcho.example.com")
    target.add_argument("--token", default=token_from_environment(),
                        help="bearer token (default: $HONCHO_API_KEY, the variable the SDKs and honcho-mock use, "
                             "else $HONCHO_TOKEN); enables the ignored_auth check")
    target.add_argument("-H", "--header", type=_header, action="append", default=[], metavar="'NAME: VALUE'",
                        help="send this header with every request (repeatable), e.g. a gateway's key")
    target.add_argument("--api-version", default=None, metavar="VERSION",
                        help="the Honcho API version to test: " + ", ".join(v.name for v in honcho_contracts.versions())
                             + " (default: read from the server's /openapi.json, its info.version and its routes; "
                               f"{honcho_contracts.DEFAULT_VERSION} when it has none)")
    target.add_argument("--spec", type=Path, default=None,
                        help="another OpenAPI document to test against (default: the contract of the version tested)")
    what = run.add_argument_group("what to run")
    what.add_argument("--profile", choices=sorted(PROFILES), default="default", help="how much to generate (default: default)")
    what.add_argument("--phases", type=_phases, default=PHASES, help=f"comma-separated subset of {','.join(PHASES)}")
    what.add_argument("--checks", default=None, help="comma-separated semantic checks to run (default: all)")
    what.add_argument("--include-checks", type=_names, action="append", default=[], metavar="NAMES",
                      help="run only these checks (comma-separated names or shell patterns, repeatable; every phase: "
                           "schemathesis' checks, semantic checks, scenarios, state_machine; `checks` lists them)")
    what.add_argument("--exclude-checks", type=_names, action="append", default=[], metavar="NAMES",
                      help="never run these checks (comma-separated names or shell patterns, repeatable)")
    what.add_argument("--include-operation", action="append", default=[], metavar="REGEX",
                      help="contract phases: only operations whose operationId matches (repeatable)")
    what.add_argument("--exclude-operation", action="append", default=[], metavar="REGEX",
                      help="contract phases: skip operations whose operationId matches (repeatable)")
    what.add_argument("--seed", type=int, default=None, help="make generation deterministic (default: random, printed)")
    what.add_argument("--max-examples", type=int, default=None, help="schemathesis examples per operation and phase")
    what.add_argument("--concurrency", type=int, default=None, help="parallel clients in the concurrency phase")
    what.add_argument("--shrink", action="store_true", default=None, help="shrink failing examples (more requests)")
    safety = run.add_argument_group("safety")
    safety.add_argument("--read-only", action="store_true", help="send only reads and invalid requests")
    safety.add_argument("--max-requests", type=int, default=None, help="request budget for the whole run")
    safety.add_argument("--max-time", type=_positive_float, default=None, help="time limit in seconds")
    safety.add_argument("--rate-limit", type=_positive_float, default=None, help="requests per second, at most")
    safety.add_argument("--request-timeout", type=_positive_float, default=30.0, help="seconds per request (default: 30)")
    safety.add_argument("--run-prefix", default=None, help="prefix of the run's workspace ids (default: random)")
    safety.add_argument("--no-cleanup", action="store_true", help="leave the run's workspaces in place")
    safety.add_argument("--deletion-wait", type=float, default=10.0, metavar="SECONDS",
                        help="how long to wait for a deletion answered 202 (asynchronous) to show (default: 10)")
    output = run.add_argument_group("output")
    output.add_argument("--junit-xml", type=Path, default=None, help="write a JUnit XML report")
    output.add_argument("--json-report", type=Path, default=None, help="write a JSON report")
    output.add_argument("--html-report", type=Path, default=None,
                        help="write one self-contained HTML page: coverage, failures by root cause, phases")
    output.add_argument("--min-coverage", type=_coverage_gate, action="append", default=[], metavar="KIND=PERCENT",
                        help="fail the run below this coverage (repeatable; kinds: operations, statuses, parameters, "
                             "body_properties, filter_operators, links; a bare PERCENT is operations)")
    output.add_argument("--baseline", type=Path, default=None, help="known deviations: only new failures fail the run")
    output.add_argument("--write-baseline", type=Path, default=None, help="write this run's failures as a baseline")
    output.add_argument("--details", type=int, default=15, help="root causes to show in full")
    output.add_argument("--no-progress", action="store_true", help="no live progress display")
    return run


def config_from_args(args: argparse.Namespace) -> RunConfig:
    return RunConfig(
        base_url=args.base_url, token=args.token or None, spec=args.spec, api_version=args.api_version, seed=args.seed,
        profile=args.profile, phases=tuple(args.phases), read_only=args.read_only, max_requests=args.max_requests,
        max_time=args.max_time, rate_limit=args.rate_limit, concurrency=args.concurrency,
        request_timeout=args.request_timeout, max_examples=args.max_examples, shrink=args.shrink,
        checks=tuple(c.strip() for c in args.checks.split(",")) if args.checks else None,
        include_operations=tuple(args.include_operation), exclude_operations=tuple(args.exclude_operation),
        include_checks=tuple(n for names in args.include_checks for n in names),
        exclude_checks=tuple(n for names in args.exclude_checks for n in names), headers=tuple(args.header),
        run_prefix=args.run_prefix, cleanup=not args.no_cleanup, deletion_wait=args.deletion_wait,
        junit_xml=args.junit_xml, json_report=args.json_report, baseline=args.baseline,
        write_baseline=args.write_baseline, html_report=args.html_report, min_coverage=tuple(args.min_coverage))


def listeners_for(config: RunConfig, console: Console, *, details: int = 15, live: bool = True) -> list[Listener]:
    """The reporters a run writes to: the console always, the files its options name."""
    from conformance.reporting.console import ConsoleReporter
    from conformance.reporting.json_report import JsonReporter
    from conformance.reporting.junit import JUnitReporter
    from conformance.reporting.reproductions import BodyFiles

    bodies = BodyFiles.beside(config.json_report or config.html_report)  # one place, named alike by every report
    listeners: list[Listener] = [ConsoleReporter(console, details=details, live=live, json_report=config.json_report,
                                                 bodies=bodies)]
    if config.json_report:
        listeners.append(JsonReporter(config.json_report, bodies))
    if config.junit_xml:
        listeners.append(JUnitReporter(config.junit_xml, bodies))
    if config.html_report:
        from conformance.reporting.html import HtmlReporter

        listeners.append(HtmlReporter(config.html_report, bodies))
    return listeners


def main(args: argparse.Namespace, console: Console) -> int:
    try:
        config = config_from_args(args)
        if config.spec is not None and not Path(config.spec).is_file():
            raise ConfigError(f"no OpenAPI document at {config.spec} (use --spec)")
        if config.checks:
            from conformance.semantics import REGISTRY

            unknown = [c for c in config.checks if c not in REGISTRY]
            if unknown:
                raise ConfigError(f"unknown semantic check(s): {', '.join(unknown)} (see `honcho-conformance checks`)")
        from conformance.engine.runner import check_names

        known = check_names()
        for pattern in config.include_checks + config.exclude_checks:
            if not fnmatch.filter(known, pattern):
                raise ConfigError(f"--include-checks/--exclude-checks: {pattern!r} names no check "
                                  f"(see `honcho-conformance checks`)")
        from conformance.engine.runner import Runner

        runner = Runner(config, listeners_for(config, console, details=args.details, live=not args.no_progress))
    except (ConfigError, BaselineError) as exc:
        console.print(f"[red]honcho-conformance: {exc}[/]")
        return EXIT_USAGE
    try:
        result = runner.run()
    except KeyboardInterrupt:  # a second Ctrl-C, during clean-up
        console.print("[yellow]interrupted[/] (clean-up cut short: the run's workspaces may be left behind)")
        return EXIT_INTERRUPTED
    if result.stop_reason == "interrupted":
        console.print("[yellow]interrupted[/]")
    if config.write_baseline:
        count = Baseline.write(config.write_baseline, result.failures)
        console.print(f"wrote {count} baseline entries to {config.write_baseline}")
    return result.exit_code
