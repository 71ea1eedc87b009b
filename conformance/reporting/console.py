"""The console reporter: live progress while a run goes, then a summary a person reads.

Like every reporter it only consumes the engine's events (core/vocabulary.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from conformance.core.vocabulary import (
    CleanupFinished,
    Event,
    FailureFound,
    Note,
    PhaseFinished,
    PhaseStarted,
    RunFinished,
    RunResult,
    RunStarted,
)
from conformance.core.vocabulary import (
    Progress as ProgressEvent,
)
from conformance.engine.coverage import CoverageReport

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
        if event.api_version is not None:
            self.console.print(f"version: {escape(event.api_version.line())}", soft_wrap=True, highlight=False)
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
