"""The console reporter: live progress while a run goes, then a summary a person reads.

Like every reporter it only consumes the engine's events (core/vocabulary.py)."""

from __future__ import annotations

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
from rich.text import Text

from conformance.core.vocabulary import (
    CleanupFinished,
    Event,
    FailureFound,
    FailureGroup,
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
from conformance.reporting.reproductions import BodyFiles

STATUS_STYLE = {"passed": "green", "failed": "red", "error": "red", "truncated": "yellow", "skipped": "dim",
                "interrupted": "yellow"}


class ConsoleReporter:
    """Live progress while the run goes, then a summary grouped by root cause."""

    def __init__(self, console: Console | None = None, *, details: int = 15, live: bool = True,
                 json_report: str | Path | None = None, bodies: BodyFiles | None = None) -> None:
        self.console = console or Console(stderr=False)
        self.details = details
        self.json_report = json_report
        self.bodies = bodies or BodyFiles.beside(json_report)
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
        rows = []
        for report in result.phases:
            style = STATUS_STYLE.get(report.status, "white")
            status = f"[{style}]{report.status}[/]" + (f" [dim]({escape(report.detail)})[/]" if report.detail else "")
            rows.append([report.name, status, str(report.requests), str(report.failures), f"{report.duration:.1f}s"])
        self._table("Phases", ["phase", "status", "requests", "failures", "time"], rows, right=(2, 3, 4))
        for report in result.phases:
            if report.not_run and report.status != "skipped":
                names = ", ".join(sorted(report.not_run))
                reasons = "; ".join(sorted(set(report.not_run.values())))
                console.print(f"[yellow]{report.name}: not run[/]: {escape(names)} ({escape(reasons)})", soft_wrap=True)
        if result.coverage:
            self._coverage(result.coverage)
        groups = result.groups()
        if groups:
            self._table(f"Failures by root cause ({len(groups)} distinct, {len(result.failures)} in all)",
                        ["#", "check", "failure", "cause", "operations", "count", ""],
                        [[str(n), escape(g.check), escape(g.title), escape(_cause_label(g)), escape(g.operation),
                          str(g.count), "[yellow]known[/]" if g.known else "[red]new[/]"] for n, g in enumerate(groups, 1)],
                        right=(5,))
            new_groups = [g for g in groups if not g.known]
            for number, group in enumerate(new_groups[: self.details], 1):
                self._group(number, group)
            hidden = len(new_groups) - self.details
            if hidden > 0:
                console.print(f"[dim]... {hidden} more root causes{self._see_report or ' (raise --details, or write --json-report FILE)'}[/]",
                              soft_wrap=True)
            if self.bodies.written:
                console.print(f"[dim]request bodies too long or too raw to print are in {self.bodies.directory} "
                              f"(the curls above read them)[/]", soft_wrap=True)
        if result.baseline_unseen:
            console.print(f"[dim]baseline entries not seen this run (fixed?): {len(result.baseline_unseen)}[/]")
            for label in result.baseline_unseen[:10]:
                console.print(f"  [dim]- {escape(label)}[/]", soft_wrap=True)
        new, known = len(result.new_failures), len(result.known_failures)
        causes = len({g.key for g in groups if not g.known})
        if result.stop_reason == "interrupted":
            verdict = "[bold yellow]INTERRUPTED[/]"
        else:
            verdict = "[bold green]PASSED[/]" if result.exit_code == 0 else "[bold red]FAILED[/]"
        console.print(f"{verdict}: {new} new failure(s) in {causes} root cause(s), "
                      f"{known} known; {result.requests} requests in {result.duration:.1f}s; seed {result.seed} "
                      f"(rerun with --seed {result.seed})" + (f"; stopped: {result.stop_reason}" if result.stop_reason != "completed" else ""),
                      soft_wrap=True)

    def _group(self, number: int, group: FailureGroup) -> None:
        """One root cause in full: what failed, its trigger, and each operation's own runnable curl."""
        console, first = self.console, group.first
        heading = f"{number}. {group.check} — {group.title}" + (f" — {_cause_label(group)}" if group.cause else "")
        if self.console.is_terminal:
            console.rule(f"[red]{escape(heading)}[/]", align="left")
        else:  # a rule is as wide as the console: in a pipe, a plain line of its own
            console.print(f"--- {escape(heading)}", soft_wrap=True, highlight=False)
        console.print(f"seen {group.count}x in {len(group.operations)} operation(s), seed {first.seed}",
                      highlight=False, soft_wrap=True)
        if first.trigger:
            console.print(f"trigger: {escape(first.trigger)}", highlight=False, soft_wrap=True)
        message = "\n".join(first.message.splitlines()[:14])
        if message:
            console.print(escape(message), highlight=False, soft_wrap=True)
        if first.response:
            console.print(f"[dim]response:[/] {escape(first.response[:300])}", highlight=False, soft_wrap=True)
        if first.steps:
            console.print(f"[dim]after {len(first.steps)} earlier request(s); last one:[/]", highlight=False)
            console.print(f"  {escape(first.steps[-1])}", highlight=False, soft_wrap=True)
        for operation, seen in list(group.operations.items())[:MAX_OPERATIONS_SHOWN]:
            console.print(f"[bold]{escape(operation)}[/] (x{len(seen)})", highlight=False, soft_wrap=True)
            failure = next((f for f in seen if f.curl or f.reproduction), None)
            if failure is not None:
                for line in self.bodies.curl(failure).splitlines():
                    console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
        more = len(group.operations) - MAX_OPERATIONS_SHOWN
        if more > 0:
            console.print(f"[dim]... and {more} more operation(s){self._see_report}[/]", soft_wrap=True)

    def _table(self, title: str, columns: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> None:
        """A rich table on a terminal; in a pipe, plain aligned lines that are never wrapped or cut."""
        if self.console.is_terminal:
            table = Table(title=title)
            for index, column in enumerate(columns):
                table.add_column(column, justify="right" if index in right else "left", overflow="fold")
            for row in rows:
                table.add_row(*row)
            self.console.print(table)
            return
        plain = [[Text.from_markup(cell).plain for cell in row] for row in [columns, *rows]]
        widths = [max(len(row[i]) for row in plain) for i in range(len(columns))]
        self.console.print(title, soft_wrap=True, highlight=False)
        for row in plain:
            cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
            self.console.print(escape("  ".join(cells).rstrip()), soft_wrap=True, highlight=False)

    def _coverage(self, coverage: dict[str, Any]) -> None:
        report = CoverageReport.from_dict(coverage)
        rows = []
        for kind, row in coverage["summary"].items():
            style = "green" if row["percent"] >= 100 else "yellow" if row["percent"] >= 50 else "red"
            names = report.missing(kind)
            more = f" (+{len(names) - 2} more)" if len(names) > 2 else ""
            rows.append([kind, str(row["covered"]), str(row["declared"]), f"[{style}]{row['percent']:g}[/]",
                         escape("; ".join(names[:2]) + more)])
        self._table("Coverage of the contract", ["kind", "covered", "declared", "%", "never exercised (first ones)"],
                    rows, right=(1, 2, 3))

    @property
    def _see_report(self) -> str:
        return f": see the JSON report {self.json_report}" if self.json_report else ""


def _cause_label(group: FailureGroup) -> str:
    """The cause, without the operation when the group is one operation's (it is said beside it)."""
    prefix = f"{group.first.operation}: "
    if group.cause == group.first.operation:
        return ""
    return group.cause[len(prefix):] if group.cause.startswith(prefix) else group.cause


MAX_OPERATIONS_SHOWN = 8
