"""Reporters: consumers of the engine's events (rich console, JSON, JUnit XML)."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from .coverage import CoverageReport
from .vocabulary import (
    CleanupFinished,
    Event,
    FailureFound,
    Note,
    PhaseFinished,
    PhaseStarted,
    Progress as ProgressEvent,
    RunFinished,
    RunResult,
    RunStarted,
)

STATUS_STYLE = {"passed": "green", "failed": "red", "error": "red", "truncated": "yellow", "skipped": "dim",
                "interrupted": "yellow"}


class ConsoleReporter:
    """Live progress while the run goes, then a summary grouped by root cause."""

    def __init__(self, console: Console | None = None, *, details: int = 15, live: bool = True,
                 json_report: str | Path | None = None) -> None:
        self.console = console or Console(stderr=False)
        self.details = details
        self.json_report = json_report
        self.live = live and self.console.is_terminal
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.failures_seen = 0

    def __call__(self, event: Event) -> None:
        handler = getattr(self, f"on_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def _print(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("soft_wrap", True)  # a line is never wrapped nor cut (a pipe, a CI log)
        (self.progress.console if self.progress is not None else self.console).print(*args, **kwargs)

    def on_RunStarted(self, event: RunStarted) -> None:
        self.console.print(f"[bold]honcho-conformance[/] against [cyan]{escape(event.base_url)}[/]  "
                           f"seed=[bold]{event.seed}[/]  profile={event.profile}  run prefix={event.prefix}"
                           + ("  [yellow]read-only[/]" if event.read_only else ""), soft_wrap=True)
        self.console.print(f"phases: {', '.join(event.phases)}", soft_wrap=True)
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description:<12}"), BarColumn(bar_width=24),
                                 MofNCompleteColumn(), TextColumn("[dim]{task.fields[label]}"), TimeElapsedColumn(),
                                 console=self.console, transient=False, disable=not self.live)
        self.progress.start()

    def on_PhaseStarted(self, event: PhaseStarted) -> None:
        if self.progress is not None:
            self.tasks[event.name] = self.progress.add_task(event.name, total=event.total, label="")

    def on_Progress(self, event: ProgressEvent) -> None:
        task = self.tasks.get(event.phase)
        if self.progress is not None and task is not None:
            label = event.label if len(event.label) <= 60 else event.label[:57] + "..."
            self.progress.update(task, advance=event.advance, label=escape(label))

    def on_FailureFound(self, event: FailureFound) -> None:
        self.failures_seen += 1
        failure = event.failure
        if self.failures_seen <= 200:
            tag = "[yellow]known[/]" if failure.known else "[red]FAIL[/]"
            self._print(f"  {tag} {escape('[' + failure.phase + ']')} {escape(failure.check)} — {escape(failure.operation)} — "
                        f"{escape(failure.title)}", highlight=False)
        elif self.failures_seen == 201:
            self._print("  ... (more failures: see the summary below)")

    def on_PhaseFinished(self, event: PhaseFinished) -> None:
        report = event.report
        task = self.tasks.get(report.name)
        if self.progress is not None and task is not None:
            total = self.progress.tasks[task].total
            self.progress.update(task, total=total if total is not None else self.progress.tasks[task].completed,
                                 completed=total if total is not None else self.progress.tasks[task].completed,
                                 label=report.status)
        style = STATUS_STYLE.get(report.status, "white")
        detail = f" ({escape(report.detail)})" if report.detail else ""
        if not self.live or task is None:
            self._print(f"[{style}]{report.name}: {report.status}[/]{detail} — {report.requests} requests, "
                        f"{report.failures} failures, {report.duration:.1f}s")

    def on_Note(self, event: Note) -> None:
        self._print(f"[dim]note: {escape(event.text)}[/]")

    def on_CleanupFinished(self, event: CleanupFinished) -> None:
        report = event.report
        style = ("yellow" if report.pending else "green") if report.clean else "red"
        at_once = report.workspaces_deleted - (report.workspaces_accepted - len(report.pending))
        parts = [f"{report.workspaces_deleted}/{report.workspaces_found} workspaces removed"]
        if report.workspaces_accepted:
            parts.append(f"{report.workspaces_accepted} deletion(s) accepted (202): "
                         f"{report.workspaces_accepted - len(report.pending)} confirmed gone, {len(report.pending)} still pending")
        if at_once:
            parts.append(f"{at_once} deleted at once")
        self._print(f"[{style}]clean-up[/]: " + "; ".join(parts) + f" ({report.sessions_deleted} sessions)" + (f", left behind: {report.leftovers[:5]}" if report.leftovers else "")
                    + (f", errors: {report.errors[:3]}" if report.errors else ""))

    def on_RunFinished(self, event: RunFinished) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        self.render_summary(event.result)

    def render_summary(self, result: RunResult) -> None:
        console = self.console
        if result.unreachable:
            console.print(f"[bold red]server unreachable[/]: {escape(result.unreachable)}", soft_wrap=True)
            console.print(f"[bold red]NOT RUN[/]: nothing was checked (exit {result.exit_code})", soft_wrap=True)
            return
        phases = Table(title="Phases", show_lines=False)
        for column in ("phase", "status", "requests", "failures", "time"):
            phases.add_column(column, justify="right" if column in ("requests", "failures", "time") else "left")
        for report in result.phases:
            style = STATUS_STYLE.get(report.status, "white")
            status = f"[{style}]{report.status}[/]" + (f" [dim]({escape(report.detail)})[/]" if report.detail else "")
            phases.add_row(report.name, status, str(report.requests), str(report.failures), f"{report.duration:.1f}s")
        console.print(phases)
        if result.coverage:
            console.print(coverage_table(result.coverage))
        groups = result.groups()
        if groups:
            table = Table(title=f"Failures by root cause ({len(groups)} distinct, {len(result.failures)} in all)")
            for column in ("#", "check", "failure", "operations", "count", ""):
                table.add_column(column, overflow="fold")
            for number, group in enumerate(groups, 1):
                table.add_row(str(number), escape(group.check), escape(group.title), escape(group.operation),
                              str(group.count), "[yellow]known[/]" if group.known else "[red]new[/]")
            console.print(table)
            new_groups = [g for g in groups if not g.known]
            shortened = False
            for number, group in enumerate(new_groups[: self.details], 1):
                first = group.first
                console.rule(f"[red]{number}. {escape(group.check)} — {escape(group.title)}[/]", align="left")
                console.print(f"seen {group.count}x in {len(group.operations)} operation(s), seed {first.seed}",
                              highlight=False, soft_wrap=True)
                message = "\n".join(first.message.splitlines()[:14])
                if message:
                    console.print(escape(message), highlight=False)
                if first.response:
                    console.print(f"[dim]response:[/] {escape(elide(first.response[:300]))}", highlight=False, soft_wrap=True)
                if first.steps:
                    console.print(f"[dim]after {len(first.steps)} earlier request(s); last one:[/]", highlight=False)
                    console.print(f"  {escape(elide(first.steps[-1]))}", highlight=False, soft_wrap=True)
                for operation, seen in list(group.operations.items())[:MAX_OPERATIONS_SHOWN]:
                    console.print(f"[bold]{escape(operation)}[/] (x{len(seen)})", highlight=False, soft_wrap=True)
                    curl = next((f.curl for f in seen if f.curl), "")
                    if curl:
                        short = elide(curl)
                        shortened |= short != curl
                        for line in short.splitlines():
                            console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
                more = len(group.operations) - MAX_OPERATIONS_SHOWN
                if more > 0:
                    console.print(f"[dim]... and {more} more operation(s){self._see_report}[/]", soft_wrap=True)
            if shortened:
                console.print(f"[dim]long values are shortened above (…N more…){self._see_report or '; rerun with --json-report FILE for the whole commands'}[/]",
                              soft_wrap=True)
            hidden = len(new_groups) - self.details
            if hidden > 0:
                console.print(f"[dim]... {hidden} more root causes{self._see_report or ' (raise --details, or write --json-report FILE)'}[/]",
                              soft_wrap=True)
        if result.baseline_unseen:
            console.print(f"[dim]baseline entries not seen this run (fixed?): {len(result.baseline_unseen)}[/]")
            for label in result.baseline_unseen[:10]:
                console.print(f"  [dim]- {escape(label)}[/]", soft_wrap=True)
        new, known = len(result.new_failures), len(result.known_failures)
        causes = len({(f.check, f.title) for f in result.new_failures})
        if result.stop_reason == "interrupted":
            verdict = "[bold yellow]INTERRUPTED[/]"
        else:
            verdict = "[bold green]PASSED[/]" if result.exit_code == 0 else "[bold red]FAILED[/]"
        console.print(f"{verdict}: {new} new failure(s) in {causes} root cause(s), "
                      f"{known} known; {result.requests} requests in {result.duration:.1f}s; seed {result.seed} "
                      f"(rerun with --seed {result.seed})" + (f"; stopped: {result.stop_reason}" if result.stop_reason != "completed" else ""),
                      soft_wrap=True)

    @property
    def _see_report(self) -> str:
        return f": see the JSON report {self.json_report}" if self.json_report else ""


MAX_OPERATIONS_SHOWN = 8
ELIDE_AT = 48
_LONG_TOKEN = re.compile(r"[^\s'\"/&=?,:{}\[\]]{%d,}" % (ELIDE_AT + 1))


def elide(text: str, keep: int = 24) -> str:
    """A long run of characters (a fuzzed string, a huge id) shown as its start and its length.

    The summary stays readable; the JSON report keeps every command whole.
    """
    return _LONG_TOKEN.sub(lambda m: f"{m.group(0)[:keep]}…{len(m.group(0)) - keep} more…", text)


def coverage_table(coverage: dict[str, Any]) -> Table:
    """What the run exercised, per kind, with a few of the things it never did."""
    table = Table(title="Coverage of the contract")
    for column in ("kind", "covered", "declared", "%", "never exercised (first ones)"):
        table.add_column(column, justify="right" if column in ("covered", "declared", "%") else "left",
                         overflow="fold")
    report = CoverageReport.from_dict(coverage)
    for kind, row in coverage["summary"].items():
        style = "green" if row["percent"] >= 100 else "yellow" if row["percent"] >= 50 else "red"
        names = [name if len(name) <= 60 else "…" + name[-59:] for name in report.missing(kind)]
        more = f" (+{len(names) - 2} more)" if len(names) > 2 else ""
        table.add_row(kind, str(row["covered"]), str(row["declared"]), f"[{style}]{row['percent']:g}[/]",
                      escape("; ".join(names[:2]) + more))
    return table


class JsonReporter:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A lone surrogate (generated data) is written as its JSON escape, so the file stays UTF-8.
            self.path.write_text(json.dumps(event.result.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n",
                                 encoding="utf-8", errors="backslashreplace")


class JUnitReporter:
    """One testsuite per phase; one testcase per operation (contract) or check (the rest)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_bytes(render_junit(event.result))


def render_junit(result: RunResult) -> bytes:
    root = ET.Element("testsuites", name="honcho-conformance", time=f"{result.duration:.3f}")
    total_tests = total_failures = 0
    by_phase: dict[str, list] = {}
    for failure in result.failures:
        by_phase.setdefault(failure.phase, []).append(failure)
    phase_names = [p.name for p in result.phases] + [p for p in by_phase if p not in {r.name for r in result.phases}]
    reports = {p.name: p for p in result.phases}
    for name in phase_names:
        report = reports.get(name)
        failures = by_phase.get(name, [])
        cases: dict[str, list] = {case: [] for case in (report.cases if report else {})}
        for failure in failures:
            cases.setdefault(failure.case or failure.operation, []).append(failure)
        suite = ET.SubElement(root, "testsuite", name=name, timestamp=time.strftime("%Y-%m-%dT%H:%M:%S",
                                                                                    time.gmtime(result.started_at)),
                              time=f"{report.duration:.3f}" if report else "0")
        failed_cases = 0
        if report is not None and report.status == "skipped":
            case = ET.SubElement(suite, "testcase", classname=f"conformance.{name}", name=name)
            ET.SubElement(case, "skipped", message=report.detail or "skipped")
        for case_name, case_failures in cases.items():
            case = ET.SubElement(suite, "testcase", classname=f"conformance.{name}", name=case_name)
            new = [f for f in case_failures if not f.known]
            if new:
                failed_cases += 1
                keys: dict[tuple, list] = {}
                for f in new:
                    keys.setdefault(f.key, []).append(f)
                element = ET.SubElement(case, "failure", message="; ".join(k[2] for k in keys)[:500],
                                        type=",".join(sorted({k[0] for k in keys})))
                element.text = "\n\n".join(
                    f"{fs[0].check} — {fs[0].operation} — {fs[0].title} (x{len(fs)}, seed {fs[0].seed})\n"
                    f"{fs[0].message[:1500]}\nreproduce: {fs[0].curl}" for fs in keys.values())
            known = [f for f in case_failures if f.known]
            if known:
                out = ET.SubElement(case, "system-out")
                out.text = "known deviations (baseline):\n" + "\n".join(sorted({f.fingerprint for f in known}))
        tests = max(len(cases), 1 if report is not None and report.status == "skipped" else 0)
        suite.set("tests", str(tests))
        suite.set("failures", str(failed_cases))
        suite.set("errors", "1" if report is not None and report.status == "error" else "0")
        suite.set("skipped", "1" if report is not None and report.status == "skipped" else "0")
        total_tests += tests
        total_failures += failed_cases
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    _make_xml_safe(root)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# XML 1.0 allows tab, newline, carriage return and these ranges; anything else (control
# characters, lone surrogates from generated data, U+FFFE/U+FFFF) makes the file unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` with every character XML cannot hold written as a visible escape (\\x1b, \\udc80)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}", text)


def _make_xml_safe(root: ET.Element) -> None:
    for element in root.iter():
        if element.text:
            element.text = xml_text(element.text)
        if element.tail:
            element.tail = xml_text(element.tail)
        for name, value in element.attrib.items():
            element.attrib[name] = xml_text(value)
