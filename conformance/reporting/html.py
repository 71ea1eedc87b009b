"""`--html-report FILE`: one self-contained page about a run, for people.

A reporter like the others (it consumes the engine's events): the coverage as a picture
(one row per operation, one column per status, coloured by declared/seen), the failures
grouped by root cause with their curls, and the run's phases on a timeline. Everything
is inline (CSS, SVG, no script and no external resource), so the page opens from a CI
artifact without a network; every text from the server or the contract is escaped.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import Any

from conformance.core.vocabulary import (
    Event,
    FailureGroup,
    PhaseFinished,
    PhaseStarted,
    RunFinished,
    RunResult,
    RunStarted,
)
from conformance.engine.coverage import KINDS, CoverageReport
from conformance.reporting.reproductions import BodyFiles

CELL, ROW_GAP, LABEL_WIDTH = 22, 4, 520
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
header .meta{opacity:.8;font-size:13px}main{padding:8px 28px 40px;max-width:1400px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:14px 18px;margin:16px 0}
h2{font-size:17px;margin:0 0 10px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceef2;vertical-align:top}
th{font-weight:600;color:#4a5263;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.num{text-align:right;font-variant-numeric:tabular-nums}.verdict{font-weight:700;padding:2px 10px;border-radius:4px}
.passed{background:#dff5e3;color:#0d6b2b}.failed,.error{background:#fde2e1;color:#a3160f}
.truncated{background:#fff2cc;color:#7a5800}.skipped{background:#eceef2;color:#555}
.bar{background:#eceef2;border-radius:3px;height:12px;width:220px;display:inline-block;vertical-align:middle}
.bar span{display:block;height:12px;border-radius:3px}pre{background:#f3f4f7;padding:8px 10px;border-radius:5px;
white-space:pre-wrap;word-break:break-all;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;margin:6px 0}
details{border-top:1px solid #eceef2;padding:6px 0}summary{cursor:pointer;font-weight:600}
.tag{font-size:11px;font-weight:700;padding:1px 6px;border-radius:3px;margin-right:6px}
.tag.new{background:#fde2e1;color:#a3160f}.tag.known{background:#fff2cc;color:#7a5800}
.legend span{display:inline-block;width:12px;height:12px;border-radius:2px;margin:0 4px 0 14px;vertical-align:-1px}
svg text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#1d2330}.muted{color:#6b7385}
"""
COLOURS = {"seen": "#2e9e4f", "missed": "#f2b8b5", "undeclared": "#e8900c"}


class HtmlReporter:
    """Keeps the phases' start times; writes the page when the run finishes."""

    def __init__(self, path: str | Path, bodies: BodyFiles | None = None) -> None:
        self.path = Path(path)
        self.bodies = bodies or BodyFiles.beside(self.path)
        self.run_started: float | None = None
        self.phase_started: dict[str, float] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.run_started = event.timestamp
        elif isinstance(event, PhaseStarted):
            self.phase_started.setdefault(event.name, event.timestamp)
        elif isinstance(event, PhaseFinished):
            self.phase_started.setdefault(event.report.name, event.timestamp - event.report.duration)
        elif isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(render_html(event.result, self.phase_started, self.run_started, self.bodies),
                                 encoding="utf-8")


def render_html(result: RunResult, phase_started: dict[str, float] | None = None,
                run_started: float | None = None, bodies: BodyFiles | None = None) -> str:
    verdict = "passed" if result.exit_code == 0 else "failed"
    groups = result.groups()
    new = [g for g in groups if not g.known]
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(result.started_at))
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>honcho-conformance: {escape(result.base_url)} ({verdict})</title>",
        f"<style>{STYLE}</style></head><body>",
        f'<header><h1>honcho-conformance <span class="verdict {verdict}" id="verdict">{verdict.upper()}</span></h1>'
        f'<div class="meta">{escape(result.base_url)} · {when} · profile {escape(result.profile)} · seed '
        f'{result.seed} · {result.requests} requests in {result.duration:.1f}s · {len(new)} new root cause(s), '
        f'{len(groups) - len(new)} known'
        + (" · read-only" if result.read_only else "")
        + (f" · stopped: {escape(result.stop_reason)}" if result.stop_reason != "completed" else "")
        + "</div>"
        + (f'<div class="meta" id="api-version">{escape(result.api_version.line())}</div>'
           if result.api_version else "")
        + "</header><main>",
        _coverage_section(result.coverage),
        _failures_section(groups, result, bodies or BodyFiles()),
        _phases_section(result, phase_started or {}, run_started or result.started_at),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def render_mock_coverage(report: dict[str, Any], base_url: str) -> str:
    """The page for a running mock's `/_mock/coverage`: what a frontend's tests exercised."""
    summary = report["summary"]
    rows = "".join(
        f'<tr data-kind="{kind}"><td>{kind}</td><td class="num">{summary[kind]["covered"]}</td>'
        f'<td class="num">{summary[kind]["declared"]}</td><td class="num">{summary[kind]["percent"]:g}%</td></tr>'
        for kind in ("operations", "statuses"))
    never = "".join(f"<li>{escape(label)}</li>" for label in report.get("never_called", []))
    legend = ('<p class="legend">Operations by status:<span style="background:' + COLOURS["seen"] + '"></span>declared, '
              'seen<span style="background:' + COLOURS["missed"] + '"></span>declared, never seen<span style="background:'
              + COLOURS["undeclared"] + '"></span>seen, not declared</p>')
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>honcho-mock coverage: {escape(base_url)}</title><style>{STYLE}</style></head><body>",
        f'<header><h1>What the mock\'s clients exercised</h1><div class="meta">{escape(base_url)}/_mock/coverage · '
        f'{time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}</div></header><main>',
        '<section id="coverage"><h2>Coverage of the contract</h2><table><tr><th>kind</th><th>covered</th>'
        f"<th>declared</th><th>%</th></tr>{rows}</table>{legend}{_status_grid(report['operations'])}</section>",
        f'<section id="never-called"><h2>Never called ({len(report.get("never_called", []))})</h2><ul>{never}</ul>'
        "</section></main></body></html>"]) + "\n"


# --------------------------------------------------------------------------- coverage
def _coverage_section(coverage: dict[str, Any] | None) -> str:
    if not coverage:
        return '<section id="coverage"><h2>Coverage</h2><p class="muted">No coverage recorded.</p></section>'
    report = CoverageReport.from_dict(coverage)
    rows = []
    for kind in KINDS:
        row = coverage["summary"][kind]
        percent = row["percent"]
        colour = "#2e9e4f" if percent >= 100 else "#e8b50c" if percent >= 50 else "#d9534f"
        missing = report.missing(kind)
        listed = "".join(f"<li>{escape(name)}</li>" for name in missing[:200])
        more = f"<li class='muted'>… {len(missing) - 200} more</li>" if len(missing) > 200 else ""
        detail = (f"<details><summary>{len(missing)} never exercised</summary><ul>{listed}{more}</ul></details>"
                  if missing else '<span class="muted">everything</span>')
        rows.append(f'<tr data-kind="{kind}"><td>{kind.replace("_", " ")}</td><td class="num">{row["covered"]}</td>'
                    f'<td class="num">{row["declared"]}</td><td class="num">{percent:g}%</td>'
                    f'<td><span class="bar"><span style="width:{min(percent, 100):g}%;background:{colour}"></span>'
                    f"</span></td><td>{detail}</td></tr>")
    table = ("<table><tr><th>kind</th><th>covered</th><th>declared</th><th>%</th><th></th>"
             "<th>not exercised</th></tr>" + "".join(rows) + "</table>")
    legend = ('<p class="legend">Operations by status:<span style="background:' + COLOURS["seen"] + '"></span>declared, '
              'seen<span style="background:' + COLOURS["missed"] + '"></span>declared, never seen<span style="background:'
              + COLOURS["undeclared"] + '"></span>seen, not declared</p>')
    return (f'<section id="coverage"><h2>Coverage of the contract</h2>{table}{legend}'
            f"{_status_grid(coverage['operations'])}</section>")


def _status_key(status: str) -> tuple[int, str]:
    return (int(status) if status.isdigit() else 1000, status)


def _status_grid(operations: list[dict[str, Any]]) -> str:
    """An SVG: a row per operation, a column per status any operation declares or got."""
    statuses = sorted({s for op in operations for s in op["statuses"] if s != "default"}, key=_status_key)
    width = LABEL_WIDTH + len(statuses) * CELL + 10
    height = 24 + len(operations) * (CELL + ROW_GAP)
    parts = [f'<svg id="status-grid" role="img" aria-label="operations by declared statuses" '
             f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for column, status in enumerate(statuses):
        x = LABEL_WIDTH + column * CELL + CELL / 2
        parts.append(f'<text x="{x:g}" y="14" text-anchor="middle">{escape(status)}</text>')
    for row, op in enumerate(operations):
        y = 22 + row * (CELL + ROW_GAP)
        untouched = "" if op["requests"] else ' fill="#a3160f"'
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + CELL - 7}" text-anchor="end"{untouched}>'
                     f'{escape(_clip(op["operation"], 70))}</text>')
        for column, status in enumerate(statuses):
            cell = op["statuses"].get(status)
            if cell is None:
                continue
            state = "seen" if cell["declared"] and cell["seen"] else "missed" if cell["declared"] else "undeclared"
            x = LABEL_WIDTH + column * CELL
            tip = f'{op["operation"]} → {status}: ' + (
                f'seen {cell["seen"]}x' if cell["seen"] else "declared, never seen") + (
                "" if cell["declared"] else " (not declared)")
            parts.append(f'<rect class="cell {state}" data-operation="{escape(op["operation"])}" '
                         f'data-status="{escape(status)}" x="{x + 2}" y="{y}" width="{CELL - 4}" height="{CELL - 4}" '
                         f'rx="3" fill="{COLOURS[state]}"><title>{escape(tip)}</title></rect>')
    parts.append("</svg>")
    return '<div style="overflow-x:auto">' + "".join(parts) + "</div>"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


# --------------------------------------------------------------------------- failures
def _failures_section(groups: list[FailureGroup], result: RunResult, bodies: BodyFiles) -> str:
    if not groups:
        return '<section id="failures"><h2>Failures</h2><p>No failure: every check passed.</p></section>'
    rows, details = [], []
    for number, group in enumerate(groups, 1):
        tag = "known" if group.known else "new"
        rows.append(f'<tr class="group {tag}"><td class="num">{number}</td><td><span class="tag {tag}">{tag}</span>'
                    f"</td><td>{escape(group.check)}</td><td>{escape(group.operation)}</td>"
                    f'<td>{escape(group.title)}</td><td class="num">{group.count}</td></tr>')
        first = group.first
        body = [f"<p>{escape(first.phase)} phase · seen {group.count}x · seed {first.seed}</p>"]
        if first.message:
            body.append(f"<pre>{escape(first.message[:4000])}</pre>")
        if first.response:
            body.append(f'<p class="muted">response</p><pre>{escape(first.response[:2000])}</pre>')
        if first.steps:
            steps = "\n\n".join(first.steps[-10:])
            body.append(f'<p class="muted">after {len(first.steps)} earlier request(s)</p><pre>{escape(steps)}</pre>')
        if first.trigger:
            body.insert(1, f"<p>trigger: {escape(first.trigger)}</p>")
        for operation, seen in group.operations.items():  # each operation its own curl
            failure = next((f for f in seen if f.curl or f.reproduction), None)
            if failure is not None:
                body.append(f'<p class="muted">reproduce {escape(operation)} (x{len(seen)})</p>'
                            f'<pre class="curl">{escape(bodies.curl(failure))}</pre>')
        cause = f" — {escape(group.cause)}" if group.cause and group.cause != first.operation else ""
        details.append(f'<details class="root-cause" id="cause-{number}"><summary><span class="tag {tag}">{tag}</span>'
                       f"{number}. {escape(group.check)} — {escape(group.operation)} — {escape(group.title)}{cause}</summary>"
                       + "".join(body) + "</details>")
    unseen = ""
    if result.baseline_unseen:
        unseen = ("<p class='muted'>Baseline entries not seen this run (fixed?):</p><ul>"
                  + "".join(f"<li>{escape(label)}</li>" for label in result.baseline_unseen) + "</ul>")
    return (f'<section id="failures"><h2>Failures by root cause ({len(groups)} distinct, {len(result.failures)} in all)'
            "</h2><table><tr><th>#</th><th></th><th>check</th><th>operation</th><th>failure</th><th>count</th></tr>"
            + "".join(rows) + "</table>" + "".join(details) + unseen + "</section>")


# --------------------------------------------------------------------------- phases
def _phases_section(result: RunResult, started: dict[str, float], run_started: float) -> str:
    total = max(result.duration, sum(p.duration for p in result.phases), 0.001)
    rows, bars = [], []
    width, bar_height = 900, 18
    cursor = 0.0
    for index, phase in enumerate(result.phases):
        offset = started[phase.name] - run_started if phase.name in started else cursor
        offset = max(0.0, offset)
        cursor = offset + phase.duration
        rows.append(f'<tr class="phase" data-phase="{escape(phase.name)}"><td>{escape(phase.name)}</td>'
                    f'<td><span class="verdict {escape(phase.status)}">{escape(phase.status)}</span>'
                    + (f' <span class="muted">{escape(phase.detail)}</span>' if phase.detail else "")
                    + f'</td><td class="num">{phase.requests}</td><td class="num">{phase.failures}</td>'
                    f'<td class="num">{phase.duration:.1f}s</td><td class="num">{offset:.1f}s</td></tr>')
        x = 110 + offset / total * (width - 120)
        w = max(2.0, phase.duration / total * (width - 120))
        y = 6 + index * (bar_height + 6)
        colour = {"passed": "#2e9e4f", "failed": "#d9534f", "error": "#d9534f", "truncated": "#e8b50c"}.get(
            phase.status, "#b9bfca")
        bars.append(f'<text x="0" y="{y + 13}">{escape(phase.name)}</text><rect class="phase-bar" x="{x:.1f}" '
                    f'y="{y}" width="{w:.1f}" height="{bar_height}" rx="3" fill="{colour}"><title>{escape(phase.name)}: '
                    f"{phase.duration:.1f}s, {phase.requests} requests</title></rect>")
    height = 12 + len(result.phases) * (bar_height + 6)
    timeline = (f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}">' + "".join(bars) + "</svg>")
    cleanup = ""
    if result.cleanup is not None:
        c = result.cleanup
        cleanup = (f"<p>Clean-up: {c.workspaces_deleted} workspace(s) and {c.sessions_deleted} session(s) deleted"
                   + (f", <b>{len(c.leftovers)} left behind</b>" if c.leftovers else "") + ".</p>")
    return ('<section id="phases"><h2>Phases and timings</h2><table><tr><th>phase</th><th>status</th>'
            "<th>requests</th><th>failures</th><th>time</th><th>started at</th></tr>" + "".join(rows)
            + f"</table>{timeline}{cleanup}</section>")
