"""`honcho-conformance mock-coverage`: what a frontend's test run exercised of a running honcho-mock, gated.

The mock counts, per operation and declared status, what its clients did (`GET /_mock/coverage`);
this command prints that, lists what was never exercised, writes it as JSON or as an HTML page,
and fails below the `--min-coverage` gates (operations and statuses).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from conformance.engine.coverage import CoverageGateError, parse_gate
from conformance.reporting.html import render_mock_coverage

MOCK_KINDS = ("operations", "statuses")


def add_parser(sub: Any) -> None:
    """`mock-coverage`: what a frontend's test run exercised of a running honcho-mock, gated."""
    parser = sub.add_parser("mock-coverage", help="what clients of a running honcho-mock exercised (GET /_mock/coverage)")
    parser.add_argument("--base-url", required=True, help="the mock, e.g. http://127.0.0.1:8000")
    parser.add_argument("--min-coverage", action="append", default=[], metavar="KIND=PERCENT",
                        help="exit 1 below this coverage (repeatable; kinds: operations, statuses)")
    parser.add_argument("--json", type=str, default=None, metavar="FILE", help="write the mock's report here")
    parser.add_argument("--html-report", type=str, default=None, metavar="FILE",
                        help="write a self-contained page: operations by statuses, seen or not")


def main(args: Any, out: Callable[[str], None]) -> int:
    """Print the mock's coverage, list what was never exercised, judge the gates."""
    import httpx

    try:
        gates = [parse_gate(text) for text in args.min_coverage]
        bad = [kind for kind, _ in gates if kind not in MOCK_KINDS]
        if bad:
            raise CoverageGateError(f"the mock reports {', '.join(MOCK_KINDS)} only, not {', '.join(bad)}")
    except CoverageGateError as exc:
        out(f"honcho-conformance mock-coverage: {exc}\n")
        return 2
    try:
        response = httpx.get(args.base_url.rstrip("/") + "/_mock/coverage", timeout=30, follow_redirects=False)
        report = response.json()
        summary = report["summary"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        out(f"honcho-conformance mock-coverage: no coverage report at {args.base_url}/_mock/coverage ({exc})\n")
        return 2
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
    if args.html_report:
        with open(args.html_report, "w", encoding="utf-8") as fh:
            fh.write(render_mock_coverage(report, args.base_url.rstrip("/")))
    for kind in MOCK_KINDS:
        row = summary[kind]
        out(f"{kind:<11} {row['covered']:>4} of {row['declared']:<4} {row['percent']:g}%\n")
    for label in report.get("never_called", []):
        out(f"  never called: {label}\n")
    for op in report.get("operations", []):
        if op.get("requests") and op.get("statuses_never_seen"):
            out(f"  {op['operation']}: never answered {', '.join(op['statuses_never_seen'])}\n")
    failed = [(kind, minimum) for kind, minimum in gates if summary[kind]["percent"] < minimum]
    for kind, minimum in failed:
        out(f"FAILED: {kind} coverage {summary[kind]['percent']:g}% < {minimum:g}%\n")
    return 1 if failed else 0
