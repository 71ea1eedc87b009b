"""Whole runs of the engine against our own mock, in-process: every phase, read-only, auth, seeds, budgets,
and a contract that is not Honcho's. Small budgets and no baseline: the mock passes its own contract."""

from __future__ import annotations

import json
import re

import pytest
from support import ROOT
from support.runs import Recorder, describe

from conformance.core.client import (
    ConformanceClient,
)
from conformance.core.config import RunConfig
from conformance.core.openapi import Contract
from conformance.core.transports import ASGIAppTransport
from conformance.core.vocabulary import (
    RunResult,
)
from conformance.engine.runner import Runner
from conformance.honcho.api import HonchoApi
from conformance.honcho.operations import reads_only
from conformance.reporting.json_report import JsonReporter
import honcho_contracts
from mockserver import create_app

BASE_URL = "http://127.0.0.1:8000"


def _run(server, **options) -> tuple[RunResult, Recorder]:  # type: ignore[no-untyped-def]
    recorder = Recorder(ASGIAppTransport(server.app))
    try:
        config = RunConfig(base_url=BASE_URL, transport=recorder, **options)
        return Runner(config).run(), recorder
    finally:
        recorder.inner.close()


@pytest.mark.timeout(240)
@pytest.mark.parametrize("version", [v.name for v in honcho_contracts.served_versions()])
def test_every_phase_in_process_finds_nothing_new_and_cleans_up(version: str, tmp_path) -> None:
    """Our tester against our mock, each Honcho version served detected from its /openapi.json and tested
    against its own contract; the JSON report names it."""
    server = create_app(seed=1, api_version=version)
    recorder = Recorder(ASGIAppTransport(server.app))
    try:
        config = RunConfig(base_url=BASE_URL, transport=recorder, seed=1, profile="quick", max_examples=3,
                           max_requests=20000, max_time=200, json_report=tmp_path / "r.json")
        result = Runner(config, [JsonReporter(tmp_path / "r.json")]).run()
    finally:
        recorder.inner.close()
    assert result.exit_code == 0, describe(result)
    named = json.loads((tmp_path / "r.json").read_text())["api_version"]
    assert (named["name"], named["how"], named["server_says"]) == (version, "detected", version)
    assert named["contract"].startswith(honcho_contracts.get(version).title)
    assert {p.name for p in result.phases} == {"contract", "stateful", "semantics", "model", "concurrency"}
    assert all(p.status in ("passed", "failed") and p.requests > 0 for p in result.phases), result.phases
    assert result.cleanup is not None and result.cleanup.clean and result.cleanup.workspaces_deleted > 0
    assert server.store.counts()["workspaces"] == 0, "every workspace of the run was deleted"
    assert len(recorder.seen) == result.requests


@pytest.mark.timeout(120)
def test_read_only_sends_only_reads_and_invalid_requests() -> None:
    server = create_app(seed=3)
    api = HonchoApi(ConformanceClient(BASE_URL, transport=ASGIAppTransport(server.app)))
    api.create_workspace("existing", {"kind": "alpha"})
    for i in range(4):
        api.create_session("existing", f"s{i}", {"rank": i}, peers={"p": {}})
    api.create_messages("existing", "s0", [{"peer_id": "p", "content": f"m{i}"} for i in range(3)])
    before = json.dumps(server.store.counts())
    spec = Contract.load(ROOT / "openapi.yaml")
    result, recorder = _run(server, seed=3, profile="quick", read_only=True, max_examples=2, max_requests=6000)
    assert result.exit_code == 0, describe(result)
    assert [p.status for p in result.phases if p.name in ("model", "concurrency")] == ["skipped", "skipped"]
    assert json.dumps(server.store.counts()) == before, "a read-only run changed nothing"
    reads = {(op.method.upper(), op.path) for op in spec.operations.values() if reads_only(op)}
    patterns = [(m, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$")) for m, p in reads]
    for method, path, status in recorder.seen:
        is_read = path in ("/health", "/openapi.json") or any(m == method and rx.match(path) for m, rx in patterns)
        assert is_read or status >= 400, f"a write was accepted in read-only mode: {method} {path} -> {status}"
    api.client.close()


@pytest.mark.timeout(120)
def test_token_enables_ignored_auth_and_auth_is_honoured() -> None:
    server = create_app(seed=4, admin_token="conformance-admin")
    result, recorder = _run(server, seed=4, profile="quick", token="conformance-admin", max_examples=2,
                            phases=("contract", "semantics"), checks=("get_or_create", "pages_partition"),
                            include_operations=("get_sessions_v3", "get_or_create_peer"))
    assert result.exit_code == 0, describe(result)
    assert any(status == 401 for _, _, status in recorder.seen), "ignored_auth sent requests without the token"
    # The same run against a server that ignores authentication is reported.
    open_server = create_app(seed=4)
    result, _ = _run(open_server, seed=4, profile="quick", token="conformance-admin", max_examples=2,
                     phases=("contract",), include_operations=("get_sessions_v3",))
    assert any(f.check == "ignored_auth" for f in result.new_failures), describe(result)


@pytest.mark.timeout(120)
def test_same_seed_same_requests() -> None:
    def requests_of(seed: int) -> list[tuple[str, str, int]]:
        result, recorder = _run(create_app(seed=9), seed=seed, run_prefix="cfdet", profile="quick",
                                phases=("semantics", "model"))
        assert result.exit_code == 0, describe(result)
        return recorder.seen

    first = requests_of(21)
    assert first == requests_of(21)
    assert first != requests_of(22)


def test_budget_truncates_and_still_cleans_up() -> None:
    server = create_app(seed=5)
    result, _ = _run(server, seed=5, profile="quick", phases=("semantics", "model"), max_requests=60)
    assert result.phases[0].status == "truncated" and result.phases[1].status == "skipped"
    assert result.stop_reason.startswith("request budget")
    assert result.cleanup is not None and server.store.counts()["workspaces"] == 0
