"""`honcho-conformance breaking OLD NEW`: which changes between two contracts break a client."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from conformance.breaking.changes import BreakingError
from conformance.breaking.check import check
from conformance.breaking.registry import TABLE
from conformance.breaking.report import FORMATS, rule_table


def add_parser(sub: Any) -> None:
    """The `breaking` sub-command's options."""
    parser = sub.add_parser("breaking", help="report changes between two OpenAPI documents that break clients")
    parser.add_argument("old", type=Path, nargs="?", help="the OpenAPI document clients were built against")
    parser.add_argument("new", type=Path, nargs="?", help="the changed document")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), json, markdown for a pull-request comment, or github (workflow "
                             "annotations)")
    parser.add_argument("--output", type=Path, default=None, help="write the report here (default: stdout)")
    parser.add_argument("--ignore", type=Path, default=None, help="accepted changes (JSON or YAML, see docs)")
    parser.add_argument("--fail-on", choices=("error", "warning"), default="error",
                        help="exit 1 on errors (default) or on warnings too")
    parser.add_argument("--rules", action="store_true",
                        help="list the rules (id, level, direction, area, description) and exit; --format json "
                             "or markdown for a table")


def main(args: Any, out: Callable[[str], None]) -> int:
    if args.rules:
        out(rule_table(TABLE, "text" if args.format == "github" else args.format))
        return 0
    if args.old is None or args.new is None:
        out("honcho-conformance breaking: give the OLD and the NEW document\n")
        return 2
    try:
        report = check(args.old, args.new, ignore=args.ignore, fail_on=args.fail_on)
    except BreakingError as exc:
        out(f"honcho-conformance breaking: {exc}\n")
        return 2
    rendered = report.render(args.format)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(rendered, encoding="utf-8")
        if args.format != "text":
            out(report.text())
    else:
        out(rendered)
    return report.exit_code
