"""The `replay` and `diff` subcommands of honcho-conformance (docs/drift.md)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console

from conformance.core.baseline import Baseline, BaselineError
from conformance.core.client import ConformanceClient
from conformance.core.config import default_spec, token_from_environment
from conformance.core.openapi import Contract
from conformance.drift.report import apply_baseline, render, write_json


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", default=token_from_environment(),
                        help="bearer token for --base-url (default: $HONCHO_API_KEY, else $HONCHO_TOKEN)")
    parser.add_argument("--spec", type=Path, default=None, help=f"OpenAPI document (default: {default_spec()})")
    parser.add_argument("--baseline", type=Path, default=None, help="known differences: only new ones fail")
    parser.add_argument("--write-baseline", type=Path, default=None, help="write this run's differences as a baseline")
    parser.add_argument("--json-report", type=Path, default=None, help="write the differences as JSON")
    parser.add_argument("--details", type=int, default=15, help="root causes to show in full")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="seconds per request (default: 30)")


def add_parsers(sub: Any) -> None:
    replay = sub.add_parser("replay", help="replay a HAR recording against a server and compare its answers")
    replay.add_argument("recording", type=Path, help="a HAR 1.2 file (e.g. from honcho-mock --proxy URL --record FILE)")
    replay.add_argument("--base-url", required=True, help="the server to replay against")
    replay.add_argument("--from-host", default=None, metavar="HOST[:PORT]",
                        help="replay only the entries recorded against this host (a browser's HAR holds other sites)")
    _common(replay)
    diff = sub.add_parser("diff", help="run one seeded scenario against two servers and compare every answer")
    diff.add_argument("--base-url", required=True, help="server A, the reference")
    diff.add_argument("--against", required=True, help="server B")
    diff.add_argument("--against-token", default=os.environ.get("HONCHO_AGAINST_TOKEN"),
                      help="bearer token for B (default: $HONCHO_AGAINST_TOKEN, else --token)")
    diff.add_argument("--seed", type=int, default=None, help="the scenario's seed (default: random, printed)")
    diff.add_argument("--steps", type=int, default=80, help="scenario steps (default: 80)")
    diff.add_argument("--max-requests", type=int, default=None, help="request budget, both servers together")
    diff.add_argument("--run-prefix", default=None, help="prefix of the scenario's workspace ids (default: random)")
    diff.add_argument("--no-cleanup", action="store_true", help="leave the scenario's workspaces in place")
    _common(diff)


def main(args: argparse.Namespace, console: Console) -> int:
    try:
        for url in filter(None, (args.base_url, getattr(args, "against", None))):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise BaselineError(f"not an http(s) URL: {url!r}")
        contract = Contract.load(args.spec or default_spec())
        baseline = Baseline.load(args.baseline) if args.baseline else None
        if args.command == "replay":
            from conformance.drift.replay import RecordingError, load_har

            try:
                entries = load_har(args.recording, args.from_host)
            except RecordingError as exc:
                raise BaselineError(str(exc)) from exc
        elif args.steps < 1:
            raise BaselineError("--steps must be at least 1")
    except (OSError, ValueError) as exc:  # BaselineError is a ValueError
        console.print(f"[red]honcho-conformance: {exc}[/]")
        return 2
    if args.command == "replay":
        from conformance.drift.replay import replay

        with ConformanceClient(args.base_url, token=args.token or None, timeout=args.request_timeout) as client:
            result = replay(entries, client, contract)
        failures = result.failures
        heading = f"replay of {args.recording} ({result.entries} exchanges) against {args.base_url}"
        summary: dict[str, Any] = {"command": "replay", "recording": str(args.recording), "base_url": args.base_url,
                                   "exchanges": result.entries}
    else:
        from conformance.drift.diff import DiffConfig, run_diff

        config = DiffConfig(base_url=args.base_url, against=args.against, seed=args.seed, steps=args.steps,
                            token=args.token or None, against_token=args.against_token or None,
                            run_prefix=args.run_prefix, cleanup=not args.no_cleanup,
                            request_timeout=args.request_timeout, max_requests=args.max_requests)
        outcome = run_diff(config, contract)
        failures = outcome.failures
        heading = (f"diff: A = {args.base_url}, B = {args.against}; {outcome.steps} steps, seed {outcome.seed} "
                   f"(--seed {outcome.seed} repeats it), workspaces {outcome.prefix}-*")
        summary = {"command": "diff", "base_url": args.base_url, "against": args.against, "seed": outcome.seed,
                   "steps": outcome.steps}
        if outcome.stopped:
            console.print(f"[yellow]stopped early: {outcome.stopped}[/]")
            summary["stopped"] = outcome.stopped
        for error in outcome.cleanup_errors:
            console.print(f"[yellow]clean-up: {error}[/]")
    unseen = apply_baseline(failures, baseline)
    render(console, heading, failures, unseen, details=args.details)
    if args.json_report:
        write_json(args.json_report, summary, failures)
    if args.write_baseline:
        count = Baseline.write(args.write_baseline, failures)
        console.print(f"wrote {count} baseline entries to {args.write_baseline}")
    return 1 if any(not f.known for f in failures) else 0
