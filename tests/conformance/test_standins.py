"""Noise the tester once reported against the real server, each reproduced by a small
stand-in that behaves as the real one does (tests/support/standins.py)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support.runs import describe
from support.standins import (
    AsynchronousDelete,
    FlakyDelete,
    ServerErrorInThreeOperations,
    TiesInAnyOrder,
)

from conformance.core.client import ConformanceClient
from conformance.core.config import RunConfig
from conformance.phases.reduction import NUL_CAUSE
from conformance.core.transports import ASGIAppTransport
from conformance.core.vocabulary import RunResult
from conformance.engine.runner import Runner
from conformance.honcho.api import HonchoApi
from conformance.honcho.workspaces import RunWorkspaces, cleanup
from conformance.phases.model import ModelDisagrees, build_machine

BASE_URL = "http://127.0.0.1:8000"


def run(app: object, **options: object) -> RunResult:
    transport = ASGIAppTransport(app)
    try:
        return Runner(RunConfig(base_url=BASE_URL, transport=transport, seed=5, profile="quick", max_requests=6000,
                                max_time=100, **options)).run()  # type: ignore[arg-type]
    finally:
        transport.close()



@pytest.mark.timeout(120)
def test_a_500_on_one_input_in_three_operations_is_one_finding_listing_them() -> None:
    result = run(ServerErrorInThreeOperations().app, phases=("contract",), max_examples=5,
                 include_operations=("get_all_workspaces", "get_peers_v3", "get_sessions_v3"))
    assert all(f.check == "not_a_server_error" for f in result.failures if f.status == 500), describe(result)
    groups = [g for g in result.groups() if g.check == "not_a_server_error"]
    assert len(groups) == 1, describe(result)
    assert sorted(groups[0].operations) == ["POST /v3/workspaces/list", "POST /v3/workspaces/{workspace_id}/peers/list",
                                            "POST /v3/workspaces/{workspace_id}/sessions/list"]
    assert all(fs[0].curl and "reverse=true" in fs[0].curl for fs in groups[0].operations.values())


@pytest.mark.timeout(120)
def test_an_asynchronous_workspace_deletion_is_waited_for_and_clean_up_confirms_it() -> None:
    standin = AsynchronousDelete(after=3)
    result = run(standin.app, phases=("semantics",), checks=("delete_removes",), deletion_wait=5.0)
    assert result.exit_code == 0, describe(result)
    assert standin.accepted >= 2  # the check's workspace and clean-up's
    report = result.cleanup
    assert report is not None and report.clean and report.pending == []
    assert report.workspaces_accepted == report.workspaces_found == report.workspaces_deleted > 0
    assert standin.server.store.counts()["workspaces"] == 0


@pytest.mark.timeout(120)
def test_a_deletion_never_carried_out_is_pending_not_ignored_and_not_left_behind() -> None:
    standin = AsynchronousDelete(after=None)
    result = run(standin.app, phases=("semantics",), checks=("delete_removes",), deletion_wait=0.5)
    titles = {f.title for f in result.failures}
    assert titles == {"deletion still pending after 0.5 s"}, describe(result)
    assert result.cleanup is not None and result.cleanup.leftovers == [] and result.cleanup.errors == []
    assert result.cleanup.pending and result.cleanup.workspaces_accepted == len(result.cleanup.pending)


def test_clean_up_never_blames_an_id_it_did_not_create_and_retries_after_a_5xx() -> None:
    standin = AsynchronousDelete(after=0)
    api = HonchoApi(ConformanceClient(BASE_URL, transport=ASGIAppTransport(standin.app)))
    api.create_workspace("cfz-made-1")
    report = cleanup(api, "cfz", {"cfz-made-1", "cfz-never-1", "cfz-never-2"}, deletion_wait=2.0)
    assert report.clean and report.workspaces_found == report.workspaces_deleted == 1, report
    flaky = FlakyDelete()
    api = HonchoApi(ConformanceClient(BASE_URL, transport=ASGIAppTransport(flaky.app)))
    api.create_workspace("cfy-made-1")
    report = cleanup(api, "cfy", {"cfy-made-1"}, deletion_wait=2.0)
    assert report.clean and report.workspaces_deleted == 1 and flaky.failed == {"cfy-made-1"}, report
    assert flaky.server.store.counts()["workspaces"] == 0


@pytest.mark.timeout(180)
def test_records_with_equal_timestamps_may_come_in_any_order() -> None:
    standin = TiesInAnyOrder()
    api = HonchoApi(ConformanceClient(BASE_URL, transport=ASGIAppTransport(standin.app)))
    model = build_machine(api, RunWorkspaces("cft"))()
    model.create_session("s1", {}, ["pa", "pb"])  # one request makes both peers: one created_at
    assert standin.reordered == 1
    for size in (1, 2, 10):
        for reverse in (False, True):
            for page in (1, 2):
                model.list_peers({"page": page, "size": size, "reverse": reverse}, None)  # no ModelDisagrees
    model.update_peer("pa", {"k": 1})
    with pytest.raises(ModelDisagrees):  # a tie is no licence to lose or change a record
        standin.server.store.workspace(model.workspace).peers["pa"].record["metadata"] = {"k": 2}
        model.list_peers({"page": 1, "size": 10, "reverse": False}, None)
    result = run(TiesInAnyOrder().app, phases=("model",), model_examples=10, model_steps=20)
    assert result.exit_code == 0, describe(result)


@pytest.mark.timeout(120)
def test_the_real_servers_405_allow_and_clone_leak_are_named_and_the_mock_passes() -> None:
    from support.standins import RealServerDefects

    from mockserver import create_app

    checks = ("method_not_allowed", "clone_exact")
    result = run(RealServerDefects().app, phases=("semantics",), checks=checks)
    titles = {(g.check, g.title) for g in result.groups() if not g.known}  # one finding per defect, nothing else
    assert titles == {("semantics:method_not_allowed", "405 Allow header does not name every method of the path"),
                      ("semantics:clone_exact", "cross-workspace leak: a clone holds another workspace's messages")}, \
        describe(result)
    assert len(result.groups()) == 2, describe(result)
    assert not any(f.status == 500 for f in result.failures)  # the leak is shown without the collision
    allow = [f for f in result.new_failures if f.check == "semantics:method_not_allowed"]
    assert any(f.operation == "PATCH /v3/workspaces/{workspace_id}" and "the path has DELETE, PUT" in f.message for f in allow)
    healthy = run(create_app(seed=36).app, phases=("semantics",), checks=checks)
    assert healthy.exit_code == 0, describe(healthy)


def test_a_declared_rule_over_query_parameters_is_checked_both_ways() -> None:
    from support.broken import Rewrite, fresh

    from mockserver import create_app

    def drop_perspective(request):  # type: ignore[no-untyped-def]
        query = request.query
        if query.pop("peer_perspective", None) is not None:
            request.query = query
        return None

    assert run(create_app(seed=37).app, phases=("semantics",), checks=("declared_rules",)).exit_code == 0
    lax = run(Rewrite(fresh().app, before=drop_perspective), phases=("semantics",), checks=("declared_rules",))
    assert [f.title for f in lax.new_failures] == ["a request breaking a declared rule was not refused"], describe(lax)
    assert lax.new_failures[0].operation == "GET /v3/workspaces/{workspace_id}/sessions/{session_id}/context"


@pytest.mark.timeout(300)
def test_a_handler_that_crashes_and_closes_the_connection_is_one_finding_and_no_phase_ends_early() -> None:
    from support import loopback_server
    from support.standins import CrashAndClose, path_id_outside_the_id_rule

    standin = CrashAndClose(path_id_outside_the_id_rule)
    with loopback_server(standin, as_uvicorn_does=True) as url:
        result = Runner(RunConfig(base_url=url, seed=5, profile="quick", phases=("contract", "stateful", "semantics"),
                                  max_requests=6000, max_time=250)).run()
    assert standin.crashed and standin.cut_off, "the crash happened and closed a connection under the next request"
    assert [(p.name, p.status) for p in result.phases] == [("contract", "failed"), ("stateful", "passed"),
                                                           ("semantics", "passed")], describe(result)
    assert {(f.check, f.operation) for f in result.new_failures} == {
        ("not_a_server_error", "PUT /v3/workspaces/{workspace_id}")}, describe(result)
    assert all(f.curl.startswith("curl") and "-X PUT" in f.curl for f in result.new_failures)


@pytest.mark.timeout(300)
def test_a_request_never_answered_is_one_finding_on_it_and_the_checks_after_it_run(tmp_path: Path) -> None:
    from support import loopback_server
    from support.standins import CrashAndClose, clone

    from conformance.reporting.junit import JUnitReporter

    standin = CrashAndClose(clone, answers=False)
    with loopback_server(standin, as_uvicorn_does=True) as url:
        result = Runner(RunConfig(base_url=url, seed=5, profile="quick", phases=("semantics",),
                                  checks=("clone_exact", "method_not_allowed"), max_time=250),
                        [JUnitReporter(tmp_path / "junit.xml")]).run()
    assert len(standin.crashed) == 2, standin.crashed  # the request, and once more on a new connection
    assert [(f.check, f.title) for f in result.failures] == [
        ("server_crash", "server closed the connection without answering")], describe(result)
    crash = result.failures[0]
    assert crash.operation == "POST /v3/workspaces/{workspace_id}/sessions/{session_id}/clone"
    assert crash.curl.startswith("curl") and "/clone" in crash.curl
    semantics = result.phases[0]
    assert semantics.status == "failed" and "method_not_allowed" in semantics.cases  # the next check still ran
    assert semantics.not_run == {"clone_exact": "stopped: the server left a request unanswered (a server_crash finding)"}
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["clone_exact"].find("skipped") is not None
    assert cases["server_crash"].find("failure") is not None and cases["method_not_allowed"].find("failure") is None



@pytest.mark.timeout(180)
@pytest.mark.parametrize("after", [None, 0, 2], ids=["worker-never-ran", "worker-ran-at-once", "worker-runs-later"])
def test_a_session_deletion_the_worker_carries_out_later_passes_in_either_state(after: int | None) -> None:
    from support.standins import WorkerDeletesSessionsLater

    standin = WorkerDeletesSessionsLater(after)
    result = run(standin.app, phases=("semantics", "model"), checks=("delete_removes",), model_examples=15)
    assert result.exit_code == 0, describe(result)
    assert (standin.purged > 0) == (after is not None)


@pytest.mark.timeout(300)
def test_defects_answered_with_one_500_are_each_their_own_finding_with_a_minimal_curl() -> None:
    from support.standins import Defects307

    operations = ("get_or_create_workspace", "update_workspace", "get_or_create_peer", "get_all_workspaces",
                  "get_peers_v3", "create_conclusions")
    result = run(Defects307().app, phases=("contract",), max_examples=10, include_operations=operations)
    groups = {g.cause: g for g in result.groups() if g.check == "not_a_server_error"}
    assert set(groups) == {"path workspace_id: outside its schema (pattern)", "query page: an integer past 2^31-1",
                           "body conclusions: a value its schema allows", NUL_CAUSE}, describe(result)
    nul = groups[NUL_CAUSE].first  # the metadata's NUL, all else of the body left out but the required id
    assert nul.reproduction is not None and set(json.loads(nul.reproduction.body or b"{}")) == {"id", "metadata"}
    assert sorted(groups["path workspace_id: outside its schema (pattern)"].operations) == [
        "POST /v3/workspaces/{workspace_id}/peers", "PUT /v3/workspaces/{workspace_id}"]
    for operation, failures in groups["query page: an integer past 2^31-1"].operations.items():
        assert failures[0].reproduction is not None and failures[0].reproduction.body is None
        assert re.fullmatch(r"[^?]+\?page=\d+", failures[0].reproduction.url), failures[0].curl  # nothing else left
    conclusion = groups["body conclusions: a value its schema allows"].first
    assert conclusion.reproduction is not None and conclusion.reproduction.body is not None
    body = json.loads(conclusion.reproduction.body)
    assert list(body) == ["conclusions"] and len(body["conclusions"]) == 1
    assert set(body["conclusions"][0]) == {"content", "observer_id", "observed_id"}
    assert all(f.curl.startswith("curl -sS") and f.trigger and f.original_curl for g in groups.values()
               for fs in g.operations.values() for f in fs)
