"""Runs the phases of a conformance run and emits events; knows nothing of output.

Layering (a module imports only from the layers before it; none imports upward):
  vocabulary -> config, client, baseline -> deletion -> filters_reference, filter_generator, contract,
  api, workspaces -> semantics (a package) -> model_phase, concurrency, schemathesis_phases,
  load -> engine -> reporters -> cli (locustfile and pytest_suite sit beside cli, on top).
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Callable, Iterable

from conformance.core.baseline import Baseline
from conformance.core.client import (
    Budget,
    BudgetExceeded,
    ConformanceClient,
    OutsideBaseURL,
    RateLimiter,
    TransportFailure,
)
from conformance.core.config import HONCHO_PHASES, PHASE_DESCRIPTIONS, PHASES, RunConfig
from conformance.core.openapi import Contract
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
from conformance.honcho.operations import is_honcho
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
            reachable = self._preflight(api)
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
                if report.status == "skipped" and reachable:  # unreachable: said once, in the summary
                    self.emit(PhaseStarted(name=name, description=report.description))
                    self.emit(PhaseFinished(report=report))
            if interrupted:
                result.stop_reason = "interrupted"
            elif budget.exhausted:
                result.stop_reason = budget.exhausted
            client.listeners.remove(self.coverage)  # what the phases exercised, not the clean-up
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

    def report(self, failure: Failure) -> None:
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
        self.emit(PhaseStarted(name=name, description=report.description, total=total))
        started, sent = time.monotonic(), client.requests_sent
        with self._lock:
            self._phase_failures = self._phase_known = 0

        def progress(label: str) -> None:
            self.emit(Progress(phase=name, label=label))

        try:
            report.cases = self._dispatch(name, config=config, spec=spec, client=client, api=api, workspaces=workspaces,
                                          progress=progress)
            new = self._phase_failures - self._phase_known
            report.status = "failed" if new else "passed"
            if self._phase_known:
                report.detail = f"{self._phase_known} known"
        except BudgetExceeded as exc:
            report.status, report.detail = "truncated", str(exc)
        except TransportFailure as exc:
            report.status, report.detail = "error", str(exc)
            self.report(Failure(check="transport", operation=f"{exc.exchange.method} {exc.exchange.url}",
                                title="server stopped answering", message=str(exc), phase=name, curl=exc.exchange.curl(),
                                seed=config.seed, case=name))
        except OutsideBaseURL as exc:
            report.status, report.detail = "error", str(exc)
            self.report(Failure(check="confinement", operation="(run)", title="request outside the base URL refused",
                                message=str(exc), phase=name, seed=config.seed, case=name))
        except Exception as exc:  # a bug of the suite itself: report it, never hide it
            report.status, report.detail = "error", f"{type(exc).__name__}: {exc}"
            self.report(Failure(check="internal_error", operation="(run)", title=f"{type(exc).__name__} in phase {name}",
                                message="".join(traceback.format_exception(exc))[-4000:], phase=name, seed=config.seed,
                                case=name))
        report.duration = time.monotonic() - started
        report.requests = client.requests_sent - sent
        report.failures = self._phase_failures
        self.emit(PhaseFinished(report=report))

    def _expected_steps(self, name: str, spec: Contract) -> int | None:
        from conformance.phases.concurrency import SCENARIOS
        from conformance.semantics import applicable

        if name == "semantics":
            checks = applicable(self.config.read_only, self.config.checks, spec, self.behaviour)
            return len(checks) + (1 if any(c.uses_world for c in checks) else 0)
        if name == "concurrency":
            return len(SCENARIOS)
        if name == "model":
            return self.config.effective_model_examples
        return None

    def _dispatch(self, name: str, *, config: RunConfig, spec: Contract, client: ConformanceClient, api: HonchoApi,
                  workspaces: RunWorkspaces, progress: Callable[[str], None]) -> dict[str, int]:
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
                              selected=config.checks, progress=progress, deletion_wait=config.deletion_wait,
                              contract=spec, behaviour=self.behaviour)
        if name == "model":
            from conformance.phases.model import run_model

            examples = config.effective_model_examples
            failed = run_model(api=api, workspaces=workspaces, seed=config.seed, examples=examples,
                               steps=config.effective_model_steps, shrink=config.effective_shrink, label=spec.label_of,
                               report=self.report)
            progress(f"{examples} examples")
            return {"state_machine": failed}
        if name == "concurrency":
            from conformance.phases.concurrency import run_concurrency

            return run_concurrency(api=api, workspaces=workspaces, clients=config.effective_concurrency, seed=config.seed,
                                   rounds=max(2, config.effective_semantic_rounds // 4), label=spec.label_of,
                                   report=self.report, progress=progress)
        raise ValueError(name)

    def _say_not_applicable(self, spec: Contract) -> None:
        """The semantic checks the tested version has no use for, said once (a version without scopes)."""
        from conformance.semantics import not_applicable

        skipped = not_applicable(self.config.checks, spec, self.behaviour)
        if skipped:
            version = self.result.api_version.name if self.result.api_version else None
            by_reason: dict[str, list[str]] = {}
            for check, why in skipped.items():
                by_reason.setdefault(why, []).append(check)
            self.emit(Note(f"semantic checks not applicable to {'Honcho ' + version if version else 'this contract'}: "
                           + "; ".join(f"{', '.join(checks)} ({why})" for why, checks in by_reason.items())))

    def _cleanup(self, api: HonchoApi, workspaces: RunWorkspaces) -> Any:
        report = cleanup(api, workspaces.prefix, workspaces.ids, only_listed=self.config.read_only,
                         deletion_wait=self.config.deletion_wait)
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


def run(config: RunConfig, listeners: Iterable[Listener] = ()) -> RunResult:
    return Runner(config, listeners).run()


__all__ = ["Runner", "run", "Progress"]
