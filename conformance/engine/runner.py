"""Runs the phases of a conformance run and emits events; knows nothing of output.

Layering (a module imports only from the layers before it; none imports upward):
  vocabulary -> config, client, baseline -> deletion -> filters_reference, filter_generator, contract,
  api, workspaces -> semantics (a package) -> model_phase, concurrency, schemathesis_phases,
  load -> engine -> reporters -> cli (locustfile and pytest_suite sit beside cli, on top).
"""

from __future__ import annotations

import json

import threading
import time
import traceback
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

from conformance.core.baseline import Baseline
from conformance.core.client import (
    Budget,
    BudgetExceeded,
    ConformanceClient,
    ConnectionLost,
    OutsideBaseURL,
    RateLimiter,
    TransportFailure,
)
from conformance.core.config import HONCHO_PHASES, PHASE_DESCRIPTIONS, PHASES, RunConfig
from conformance.core.openapi import Contract
from conformance.core.routes import Routes
from conformance.core.transports import Borrowed
from conformance.core.vocabulary import (
    CleanupFinished,
    Event,
    Failure,
    FailureFound,
    Listener,
    Note,
    PhaseFinished,
    PhaseReport,
    PhaseStarted,
    Progress,
    RunFinished,
    RunResult,
    RunStarted,
)
from conformance.engine.coverage import CoverageRecorder
from conformance.honcho.api import HonchoApi
from conformance.honcho.deletion import pending_title
from conformance.honcho.operations import WS_DELETE, is_honcho
from conformance.honcho.version_detection import choose_contract
from conformance.honcho.workspaces import RunWorkspaces, cleanup

WRITING_PHASES = ("model", "concurrency")


class Runner:
    def __init__(self, config: RunConfig, listeners: Iterable[Listener] = ()) -> None:
        self.config = config
        self.listeners = list(listeners)
        self.baseline = Baseline.load(config.baseline) if config.baseline else Baseline.empty()
        self._lock = threading.Lock()
        self._phase_failures = 0
        self._phase_known = 0

    def emit(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    # -- the run -------------------------------------------------------------------------
    def run(self) -> RunResult:
        config = self.config
        assert config.seed is not None and config.run_prefix is not None
        budget = Budget(config.max_requests, config.max_time)
        transport = Borrowed(config.transport) if config.transport is not None else None
        client = ConformanceClient(config.base_url, token=config.token, transport=transport, budget=budget,
                                   rate_limiter=RateLimiter(config.rate_limit), timeout=config.request_timeout)
        client.extra_headers = dict(config.headers)
        try:
            chosen = choose_contract(client, spec=config.spec, asked=config.api_version)
        except BaseException:
            client.close()
            raise
        spec, self.behaviour = chosen.contract, chosen.behaviour
        workspaces = RunWorkspaces(config.run_prefix)
        api = HonchoApi(client)
        self.coverage = CoverageRecorder(spec, config.base_url)
        client.listeners.append(self.coverage)
        self._routes = Routes(spec, urlsplit(config.base_url).path)
        self._phase = ""
        self._lost_after_5xx = 0
        self._answered = False  # a server that never answered is unreachable, not crashing
        client.lost_listeners.append(self._connection_lost)
        self._accepted_deletions: set[str] = set()
        client.listeners.append(self._deletion_accepted)
        result = RunResult(base_url=config.base_url, seed=config.seed, prefix=config.run_prefix, profile=config.profile,
                           read_only=config.read_only, api_version=chosen.choice)
        self.result = result
        started = time.monotonic()
        phases = [p for p in PHASES if p in config.phases]
        self.emit(RunStarted(base_url=config.base_url, seed=config.seed, prefix=config.run_prefix,
                             profile=config.profile, phases=phases, read_only=config.read_only,
                             api_version=chosen.choice))
        if chosen.remark:
            self.emit(Note(chosen.remark))
        honcho = is_honcho(spec)
        if not honcho and any(p in HONCHO_PHASES for p in phases):
            self.emit(Note(f"{config.spec} is not Honcho's contract: the generic phases run (contract, stateful); "
                           f"the Honcho phases ({', '.join(p for p in phases if p in HONCHO_PHASES)}) and the "
                           f"workspace clean-up are skipped"))
        try:
            reachable = self._answered = self._preflight(api)
            interrupted = False
            for name in phases:
                report = PhaseReport(name=name, description=PHASE_DESCRIPTIONS[name])
                result.phases.append(report)
                if not reachable:
                    report.status, report.detail = "skipped", "server unreachable"
                elif not honcho and name in HONCHO_PHASES:
                    report.status, report.detail = "skipped", "not Honcho's contract"
                    continue  # said once, above
                elif interrupted:
                    report.status, report.detail = "skipped", "interrupted"
                elif config.read_only and name in WRITING_PHASES:
                    report.status, report.detail = "skipped", "writes (--read-only)"
                elif not self._planned_cases(name, spec):
                    if name == "semantics":
                        self._say_not_applicable(spec)  # the checks selected may be of another version
                    report.status, report.detail = "skipped", ("none of its checks is selected (--include-checks/"
                                                               "--exclude-checks) or applies to this version")
                elif budget.exhausted:
                    report.status, report.detail = "skipped", budget.exhausted
                else:
                    try:
                        self._run_phase(name, report, config=config, spec=spec, client=client, api=api,
                                        workspaces=workspaces)
                    except KeyboardInterrupt:  # Ctrl-C: stop the run, but still clean up what it made
                        interrupted = True
                        report.status, report.detail = "interrupted", "Ctrl-C"
                        self.emit(PhaseFinished(report=report))
                        self.emit(Note("interrupted: stopping the run and cleaning up"))
                if report.status == "skipped" and (honcho or name not in HONCHO_PHASES):
                    report.not_run = {case: report.detail for case in self._planned_cases(name, spec)}
                if report.status == "skipped" and reachable:  # unreachable: said once, in the summary
                    self.emit(PhaseStarted(name=name, description=report.description))
                    self.emit(PhaseFinished(report=report))
            if interrupted:
                result.stop_reason = "interrupted"
            elif budget.exhausted:
                result.stop_reason = budget.exhausted
            client.listeners.remove(self.coverage)  # what the phases exercised, not the clean-up
            if self._lost_after_5xx:
                self.emit(Note(f"the server closed the connection {self._lost_after_5xx} time(s) right after answering "
                               f"5xx (each such answer is a finding of its own); the request that met the closed "
                               f"connection was sent again and answered"))
            self._phase = "cleanup"
            self._judge_coverage()
            if config.cleanup and not result.unreachable and honcho:
                result.cleanup = self._cleanup(api, workspaces)
            else:
                result.cleanup = None
            result.baseline_unseen = self.baseline.unseen(result.failures)
            result.requests = client.requests_sent
            result.duration = time.monotonic() - started
            self.emit(RunFinished(result=result))
            return result
        finally:
            client.close()

    def _judge_coverage(self) -> None:
        report = self.coverage.report()
        self.result.coverage = report.to_dict()
        for kind, minimum, actual in report.gate_failures(self.config.min_coverage):
            self.report(Failure(check="coverage", operation="(run)", title=f"{kind} coverage below {minimum:g}%",
                                message=f"{kind} coverage {actual:g}% < {minimum:g}%; never exercised: "
                                        f"{', '.join(report.missing(kind)[:20])}", phase="coverage",
                                seed=self.config.seed, case=f"coverage:{kind}"))

    def _preflight(self, api: HonchoApi) -> bool:
        try:
            reply = api.health()
        except (TransportFailure, OutsideBaseURL) as exc:
            self.result.unreachable = f"GET {self.config.base_url.rstrip('/')}/health: {exc}"
            return False
        if reply.status >= 500:
            self.emit(Note(f"GET /health answered {reply.status}; continuing"))
        return True

    def _deletion_accepted(self, exchange: Any) -> None:
        """Workspaces of the run whose deletion the server accepted (202): clean-up only confirms them,
        unless a later write succeeded under them (a create may bring a deleted workspace back)."""
        if exchange.method in ("GET", "HEAD") or not 200 <= (exchange.status or 0) < 300:
            return
        workspace_id = _workspace_of(exchange.url) or _created_workspace(exchange)
        if workspace_id is None:
            return
        if exchange.method != "DELETE":
            with self._lock:
                self._accepted_deletions.discard(workspace_id)  # written to since: there again
            return
        operation = self._routes.match("DELETE", exchange.url)  # only a deletion needs the route
        if exchange.status == 202 and operation is not None and operation.operation_id == WS_DELETE:
            with self._lock:
                self._accepted_deletions.add(workspace_id)

    def _connection_lost(self, lost: ConnectionLost) -> None:
        """A connection the server closed under a request: one finding, on the request that caused it."""
        cause = lost.cause
        if not self._answered:
            return
        if lost.answered_again and (cause is None or (cause.status or 0) >= 500):
            with self._lock:
                self._lost_after_5xx += 1  # that 5xx is already a finding (not_a_server_error, or the check's)
            return
        if cause is None:
            return
        operation = self._routes.label(cause.method, cause.url)
        if not lost.answered_again and "Timeout" in (cause.error or ""):
            title = "no answer in time"
            message = f"{cause.method} {cause.url} got no answer within the request timeout: {cause.error}"
        elif lost.answered_again:
            title = "server closed the connection after answering"
            message = (f"{cause.method} {cause.url} was answered {cause.status}, then the server closed the connection "
                       f"without saying so (no `Connection: close`): the next request on it, {lost.victim.method} "
                       f"{lost.victim.url}, failed ({lost.victim.error}) and was answered when sent again on a new "
                       f"connection. A handler that fails after answering does this.")
        else:
            title = "server closed the connection without answering"
            message = (f"{cause.method} {cause.url} got no answer, twice, on two connections: {lost.victim.error}; "
                       f"then {cause.error}")
        self.report(Failure(check="server_crash", operation=operation, title=title, message=message,
                            phase=self._phase or "run", curl=cause.curl(), seed=self.config.seed, status=cause.status,
                            response=cause.response_excerpt(), case="server_crash", cause=operation,
                            reproduction=cause.reproduction()))

    def report(self, failure: Failure) -> None:
        if not self.config.runs_check(failure.check):  # --exclude-checks: not even as a side finding
            return
        failure.known = self.baseline.matches(failure)
        if not failure.case:
            failure.case = failure.operation
        with self._lock:
            self.result.failures.append(failure)
            self._phase_failures += 1
            self._phase_known += failure.known
        self.emit(FailureFound(failure=failure))

    def _run_phase(self, name: str, report: PhaseReport, *, config: RunConfig, spec: Contract, client: ConformanceClient,
                   api: HonchoApi, workspaces: RunWorkspaces) -> None:
        total = self._expected_steps(name, spec)
        self._phase = name
        self.emit(PhaseStarted(name=name, description=report.description, total=total))
        started, sent = time.monotonic(), client.requests_sent
        with self._lock:
            self._phase_failures = self._phase_known = 0

        ran: list[str] = []

        def progress(label: str) -> None:
            ran.append(label)
            self.emit(Progress(phase=name, label=label))

        def not_run(case: str, reason: str) -> None:
            report.not_run[case] = reason

        planned = self._planned_cases(name, spec)
        try:
            report.cases = self._dispatch(name, config=config, spec=spec, client=client, api=api, workspaces=workspaces,
                                          progress=progress, not_run=not_run)
            new = self._phase_failures - self._phase_known
            report.status = "failed" if new else "passed"
            if self._phase_known:
                report.detail = f"{self._phase_known} known"
        except BudgetExceeded as exc:
            report.status, report.detail = "truncated", str(exc)
        except TransportFailure as exc:  # already reported, on the request that caused it (_connection_lost)
            report.status, report.detail = "error", f"no answer: {exc}"
        except OutsideBaseURL as exc:
            report.status, report.detail = "error", str(exc)
            self.report(Failure(check="confinement", operation="(run)", title="request outside the base URL refused",
                                message=str(exc), phase=name, seed=config.seed, case=name))
        except Exception as exc:  # a bug of the suite itself: report it, never hide it
            report.status, report.detail = "error", f"{type(exc).__name__}: {exc}"
            self.report(Failure(check="internal_error", operation="(run)", title=f"{type(exc).__name__} in phase {name}",
                                message="".join(traceback.format_exception(exc))[-4000:], phase=name, seed=config.seed,
                                case=name))
        if report.status not in ("passed", "failed"):  # the phase stopped early: what it never got to
            for case in planned:
                if case not in ran and case not in report.cases and case not in report.not_run:
                    report.not_run[case] = report.detail or report.status
        report.duration = time.monotonic() - started
        report.requests = client.requests_sent - sent
        report.failures = self._phase_failures
        self.emit(PhaseFinished(report=report))

    def _planned_cases(self, name: str, spec: Contract) -> list[str]:
        """The test cases a phase means to run (the JUnit test cases), to tell which did not."""
        from conformance.phases.concurrency import SCENARIOS
        from conformance.phases.schemathesis_phases import CHECKS, selected_operations
        from conformance.semantics import applicable

        if name in ("contract", "stateful") and not any(self.config.runs_check(c) for c in CHECKS):
            return []
        if name == "contract":
            return [spec.label_of(op) for op in selected_operations(spec, self.config)]
        if name == "semantics":
            return [c.name for c in applicable(self.config.read_only, self._semantic_selection(), spec, self.behaviour)]
        if name == "model":
            return ["state_machine"] if self.config.runs_check("state_machine") else []
        if name == "concurrency":
            return [n for n in SCENARIOS if self.config.runs_check(n)]
        return [name]

    def _semantic_selection(self) -> tuple[str, ...]:
        """The semantic checks --checks and --include-checks/--exclude-checks leave."""
        from conformance.semantics import REGISTRY

        return tuple(n for n in REGISTRY if (self.config.checks is None or n in self.config.checks)
                     and self.config.runs_check(n))

    def _expected_steps(self, name: str, spec: Contract) -> int | None:
        from conformance.phases.concurrency import SCENARIOS
        from conformance.semantics import applicable

        if name == "semantics":
            checks = applicable(self.config.read_only, self._semantic_selection(), spec, self.behaviour)
            return len(checks) + (1 if any(c.uses_world for c in checks) else 0)
        if name == "concurrency":
            return len(SCENARIOS)
        if name == "model":
            return self.config.effective_model_examples
        return None

    def _dispatch(self, name: str, *, config: RunConfig, spec: Contract, client: ConformanceClient, api: HonchoApi,
                  workspaces: RunWorkspaces, progress: Callable[[str], None],
                  not_run: Callable[[str, str], None]) -> dict[str, int]:
        assert config.seed is not None
        if name in ("contract", "stateful"):
            from conformance.phases.schemathesis_phases import run_contract

            return run_contract(config=config, spec=spec, client=client, workspaces=workspaces, stateful=name == "stateful",
                                report=self.report, progress=progress, note=lambda text: self.emit(Note(text)),
                                link=self.coverage.link_followed)
        if name == "semantics":
            from conformance.semantics import run_checks

            self._say_not_applicable(spec)
            return run_checks(api=api, workspaces=workspaces, seed=config.seed, rounds=config.effective_semantic_rounds,
                              read_only=config.read_only, label=spec.label_of, report=self.report,
                              selected=self._semantic_selection(), progress=progress, deletion_wait=config.deletion_wait,
                              contract=spec, not_run=not_run, behaviour=self.behaviour)
        if name == "model":
            from conformance.phases.model import run_model

            examples = config.effective_model_examples
            failed = run_model(api=api, workspaces=workspaces, seed=config.seed, examples=examples,
                               steps=config.effective_model_steps, shrink=config.effective_shrink, label=spec.label_of,
                               report=self.report, not_run=not_run)
            progress(f"{examples} examples")
            return {"state_machine": failed}
        if name == "concurrency":
            from conformance.phases.concurrency import run_concurrency

            return run_concurrency(api=api, workspaces=workspaces, clients=config.effective_concurrency, seed=config.seed,
                                   rounds=max(2, config.effective_semantic_rounds // 4), label=spec.label_of,
                                   report=self.report, progress=progress, not_run=not_run, only=config.runs_check)
        raise ValueError(name)

    def _say_not_applicable(self, spec: Contract) -> None:
        """The semantic checks the tested version has no use for, said once (a version without scopes)."""
        from conformance.semantics import not_applicable

        skipped = not_applicable(self._semantic_selection(), spec, self.behaviour)
        if skipped:
            version = self.result.api_version.name if self.result.api_version else None
            by_reason: dict[str, list[str]] = {}
            for check, why in skipped.items():
                by_reason.setdefault(why, []).append(check)
            self.emit(Note(f"semantic checks not applicable to {'Honcho ' + version if version else 'this contract'}: "
                           + "; ".join(f"{', '.join(checks)} ({why})" for why, checks in by_reason.items())))

    def _cleanup(self, api: HonchoApi, workspaces: RunWorkspaces) -> Any:
        report = cleanup(api, workspaces.prefix, workspaces.ids, only_listed=self.config.read_only,
                         deletion_wait=self.config.deletion_wait, accepted_before=sorted(self._accepted_deletions))
        self.emit(CleanupFinished(report=report))
        if report.pending:  # accepted (202) and not yet carried out: not left behind, and said apart
            self.emit(Note(f"clean-up: {len(report.pending)} workspace deletion(s) accepted but "
                           f"{pending_title(self.config.deletion_wait)}: {report.pending[:5]}"))
        if report.leftovers or report.errors:
            self.report(Failure(check="cleanup", operation="DELETE /v3/workspaces/{workspace_id}",
                                title="workspaces of the run left behind",
                                message=f"could not remove {len(report.leftovers)} workspace(s): {report.leftovers[:10]}; "
                                        f"errors: {report.errors[:5]}", phase="cleanup", seed=self.config.seed,
                                case="cleanup"))
        return report


def check_names(token: bool = True) -> list[str]:
    """Every check a run can run or report, by the name --include-checks/--exclude-checks take."""
    from conformance.phases.concurrency import SCENARIOS
    from conformance.phases.schemathesis_phases import AUTH_CHECKS, CHECKS
    from conformance.semantics import REGISTRY

    return [*CHECKS, *(AUTH_CHECKS if token else ()), *REGISTRY, "state_machine", *SCENARIOS, "server_crash",
            "engine_error", "cleanup", "coverage"]


def run(config: RunConfig, listeners: Iterable[Listener] = ()) -> RunResult:
    return Runner(config, listeners).run()


__all__ = ["Runner", "run", "check_names", "Progress"]


def _workspace_of(url: str) -> str | None:
    """The workspace id a /v3/workspaces/{id}/... URL names (None for the workspace collection)."""
    parts = urlsplit(url).path.split("/")
    try:
        at = parts.index("workspaces")
    except ValueError:
        return None
    return unquote(parts[at + 1]) if len(parts) > at + 1 and parts[at + 1] not in ("", "list") else None


def _created_workspace(exchange: Any) -> str | None:
    """The id a POST /v3/workspaces body names (a get-or-create)."""
    if exchange.method != "POST" or not urlsplit(exchange.url).path.rstrip("/").endswith("/workspaces"):
        return None
    try:
        body = json.loads(exchange.request_body or b"")
    except (ValueError, TypeError):
        return None
    return body.get("id") if isinstance(body, dict) and isinstance(body.get("id"), str) else None
