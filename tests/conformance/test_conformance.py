"""The conformance tester (conformance/): its parts, and whole runs against our own mock.

Whole runs use small budgets and no baseline: the mock passes its own contract with
nothing to excuse.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from conformance_support.servers import loopback

from conformance import filter_generator as fg
from conformance import filters_reference as fr
from conformance.api import HonchoApi
from conformance.baseline import Baseline, BaselineError
from conformance.cli import main
from conformance.client import (
    ASGIAppTransport,
    Budget,
    BudgetExceeded,
    ConformanceClient,
    OutsideBaseURL,
    RateLimiter,
)
from conformance.config import ConfigError, RunConfig
from conformance.engine import Runner
from conformance.load import LoadScenario
from conformance.vocabulary import Failure, PhaseReport, RunFinished, RunResult, curl_command
from conformance.reporters import JsonReporter, JUnitReporter, render_junit
from conformance.semantics import REGISTRY
from conformance.contract import Contract
from mockserver import create_app

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "http://127.0.0.1:8000"


def describe(result: RunResult) -> str:
    return "\n".join(f"[{f.phase}] {f.check} | {f.operation} | {f.title}\n    {f.message[:300]}\n    {f.curl[:300]}"
                     for f in result.new_failures) or "(none)"


class Recorder(httpx.BaseTransport):
    """Passes requests to another transport and remembers (method, path, status)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.seen: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        with self.lock:
            self.seen.append((request.method, request.url.path, response.status_code))
        return response


# --------------------------------------------------------------------------- the filter reference
SESSIONS = [  # from the recorded exchanges with the real server
    {"id": "s1", "is_active": True, "workspace_id": "w1", "metadata": {"a": 1, "z": True}, "created_at": "2026-11-24T15:23:28.334858Z"},
    {"id": "s2", "is_active": True, "workspace_id": "w1", "metadata": {"a": 1, "b": 2}, "created_at": "2026-11-24T15:23:28.355652Z"},
    {"id": "s4", "is_active": True, "workspace_id": "w1", "metadata": {}, "created_at": "2026-11-24T15:23:28.400551Z"},
    {"id": "s5", "is_active": True, "workspace_id": "w1", "metadata": {"a": 2}, "created_at": "2026-11-24T15:23:52.868439Z"},
]


def selected(filters: object, records: list[dict] = SESSIONS, resource: str = "session") -> list[str]:
    return [r["id"] for r in fr.evaluate(filters, records, resource)]


@pytest.mark.parametrize("filters, expected", [
    (None, ["s1", "s2", "s4", "s5"]),
    ({}, ["s1", "s2", "s4", "s5"]),
    ({"metadata": {"a": 1}}, ["s1", "s2"]),
    ({"is_active": True, "metadata": {"a": {"gte": 1}}}, ["s1", "s2", "s5"]),
    ({"metadata": {"a": {"gt": 1}}}, ["s5"]),
    ({"metadata": {"a": {"ne": 1}}}, ["s5"]),
    ({"metadata": {"a": "*"}}, ["s1", "s2", "s4", "s5"]),
    ({"id": {"in": ["s2", "*"]}}, ["s1", "s2", "s4", "s5"]),
    ({"id": {"in": ["s2", "s4"]}}, ["s2", "s4"]),
    ({"id": {"icontains": "S"}}, ["s1", "s2", "s4", "s5"]),
    ({"OR": [{"id": "s1"}, {"metadata": {"b": 2}}]}, ["s1", "s2"]),
    ({"NOT": [{"id": "s1"}, {"id": "s2"}]}, ["s4", "s5"]),
    ({"AND": []}, ["s1", "s2", "s4", "s5"]),
    ({"created_at": {"gte": "2026-11-24T15:23:28.355652Z"}}, ["s2", "s4", "s5"]),
    ({"created_at": {"lt": "2026-11-24 15:23:29"}}, ["s1", "s2", "s4"]),
    ({"created_at": {"gte": "2026-11-25"}}, []),
    ({"metadata": {"z": True}}, ["s1"]),
    ({"metadata": {"a": {"in": [1]}}}, ["s1", "s2"]),
])
def test_reference_filters(filters: object, expected: list[str]) -> None:
    assert selected(filters) == expected


def test_reference_metadata_containment_and_text_forms() -> None:
    records = [{"id": "p1", "metadata": {"profile": {"role": "admin", "team": "x"}, "n": "5", "flag": True, "day": "2024-02-10"}},
               {"id": "p2", "metadata": {"profile": {"role": "user"}, "n": 7, "flag": False, "day": "2024-01-05"}},
               {"id": "p3", "metadata": {"n": "", "note": "Hello World"}}]
    assert selected({"metadata": {"profile": {"role": "admin"}}}, records, "peer") == ["p1"]
    assert selected({"metadata": {"n": {"gte": 5}}}, records, "peer") == ["p1", "p2"]      # "5" reads as 5; "" never
    assert selected({"metadata": {"n": {"gte": "6"}}}, records, "peer") == ["p2"]
    assert selected({"metadata": {"flag": {"ne": True}}}, records, "peer") == ["p2"]       # text form "false"
    assert selected({"metadata": {"day": {"gt": "2024-01-31"}}}, records, "peer") == ["p1"]
    assert selected({"metadata": {"note": {"contains": "world"}}}, records, "peer") == ["p3"]
    assert selected({"metadata": {"n": {"in": [7, "5"]}}}, records, "peer") == ["p1", "p2"]


@pytest.mark.parametrize("resource", ["workspace", "peer", "session", "message"])
def test_reference_rejects_invalid_filters(resource: str) -> None:
    for filters in fg.invalid_filters(resource):
        with pytest.raises(fr.FilterError):
            fr.compile_filter(filters, resource)
    with pytest.raises(fr.FilterError):
        fr.compile_filter({"peer_id": {"ne": "alice"}}, "message")  # ne needs a number on a plain field


def test_reference_generator_stays_in_the_defined_subset() -> None:
    rng = random.Random(3)
    records = [{"id": f"x{i}", "workspace_id": "w", "created_at": f"2026-01-01T00:00:0{i}.000000Z", "is_active": True,
                "metadata": fg.sample_metadata(rng)} for i in range(8)]
    for _ in range(300):
        filters = fg.random_filter(rng, "session", records)
        fr.evaluate(filters, records, "session")  # never FilterError nor Undefined


# --------------------------------------------------------------------------- the client
def test_client_refuses_other_hosts_and_records_curl() -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200, json={"ok": True}))
    client = ConformanceClient("https://honcho.example.com/api", token="s3cret", transport=transport)
    with pytest.raises(OutsideBaseURL):
        client.get("https://evil.example.org/api/v3/workspaces")
    with pytest.raises(OutsideBaseURL):
        client.get("https://honcho.example.com/other")
    assert sent == []
    with client.recording() as steps:
        reply = client.post("/v3/workspaces", json={"id": "w"})
    assert reply.status == 200 and reply.json() == {"ok": True} and steps == [reply.exchange]
    assert str(sent[0].url) == "https://honcho.example.com/api/v3/workspaces"
    curl = reply.exchange.curl()
    assert "s3cret" not in curl and "$HONCHO_TOKEN" in curl and "https://honcho.example.com/api/v3/workspaces" in curl
    assert curl_command("GET", "http://h/x", {}, None) == "curl -sS -X GET http://h/x"


def test_client_budget_and_rate_limit() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    client = ConformanceClient("http://h", transport=transport, budget=Budget(max_requests=3))
    for _ in range(3):
        client.get("/health")
    with pytest.raises(BudgetExceeded):
        client.get("/health")
    assert client.requests_sent == 3
    timed = ConformanceClient("http://h", transport=transport, budget=Budget(max_time=0.05))
    time.sleep(0.06)
    with pytest.raises(BudgetExceeded):
        timed.get("/health")
    limited = ConformanceClient("http://h", transport=transport, rate_limiter=RateLimiter(20))
    started = time.monotonic()
    for _ in range(6):
        limited.get("/health")
    assert time.monotonic() - started >= 0.2  # 6 requests at 20/s: at least 5 intervals of 50 ms


def test_config_validation() -> None:
    with pytest.raises(ConfigError):
        RunConfig(base_url="ftp://x")
    with pytest.raises(ConfigError):
        RunConfig(base_url="http://x", phases=("nope",))
    config = RunConfig(base_url="http://x/", profile="quick")
    assert config.base_url == "http://x" and config.seed is not None and config.run_prefix.startswith("cf")


def test_read_operations_are_classified() -> None:
    spec = Contract.load(ROOT / "openapi.yaml")
    reads = {op.operation_id for op in spec.operations.values() if op.reads_only}
    assert "get_sessions_v3_workspaces__workspace_id__sessions_list_post" in reads
    assert "get_or_create_workspace_v3_workspaces_post" not in reads
    assert "delete_session_v3_workspaces__workspace_id__sessions__session_id__delete" not in reads
    assert not any(op.startswith(("chat_", "test_emit", "schedule_")) for op in reads)


# --------------------------------------------------------------------------- baseline and reports
def _result() -> RunResult:
    result = RunResult(base_url="http://h", seed=7, prefix="cfx", profile="quick", read_only=False, duration=1.5)
    result.phases = [PhaseReport("contract", status="failed", failures=2, cases={"POST /v3/workspaces": 2, "GET /health": 0}),
                     PhaseReport("semantics", status="passed", cases={"pages_partition": 0})]
    result.failures = [
        Failure("not_a_server_error", "POST /v3/workspaces", "Server error (HTTP 500)", phase="contract", curl="curl -X POST x", seed=7,
                case="POST /v3/workspaces"),
        Failure("not_a_server_error", "POST /v3/workspaces", "Server error (HTTP 500)", phase="contract", curl="curl -X POST y", seed=7,
                case="POST /v3/workspaces"),
        Failure("status_code_conformance", "POST /v3/workspaces", "Undocumented status code (HTTP 400)", phase="contract",
                known=True, case="POST /v3/workspaces"),
    ]
    return result


def test_baseline_matches_writes_and_reports_unseen(tmp_path: Path) -> None:
    result = _result()
    path = tmp_path / "baseline.json"
    assert Baseline.write(path, result.failures) == 2
    baseline = Baseline.load(path)
    assert all(baseline.matches(f) for f in result.failures)
    (tmp_path / "wild.json").write_text(json.dumps({"version": 1, "known": [
        {"check": "status_code_conformance", "operation": "*", "title": "*HTTP 400*"},
        {"check": "gone", "operation": "*", "title": "*"}]}))
    wild = Baseline.load(tmp_path / "wild.json")
    assert [wild.matches(f) for f in result.failures] == [False, False, True]
    assert wild.unseen(result.failures) == ["gone | * | *"]
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(BaselineError):
        Baseline.load(tmp_path / "bad.json")


def test_reports_group_by_root_cause(tmp_path: Path) -> None:
    result = _result()
    assert [(g.check, g.count, g.known) for g in result.groups()] == [("not_a_server_error", 2, False),
                                                                       ("status_code_conformance", 1, True)]
    assert result.exit_code == 1
    root = ET.fromstring(render_junit(result))
    assert root.get("tests") == "3" and root.get("failures") == "1"
    failure = root.find(".//testcase[@name='POST /v3/workspaces']/failure")
    assert failure is not None and "curl -X POST x" in (failure.text or "")
    JsonReporter(tmp_path / "r.json")(RunFinished(result=result))
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["exit_code"] == 1 and report["summary"][0]["count"] == 2 and report["seed"] == 7
    JUnitReporter(tmp_path / "j.xml")(RunFinished(result=result))
    assert ET.parse(tmp_path / "j.xml").getroot().tag == "testsuites"


# --------------------------------------------------------------------------- whole runs against the mock
def _run(server, **options) -> tuple[RunResult, Recorder]:  # type: ignore[no-untyped-def]
    recorder = Recorder(ASGIAppTransport(server.app))
    try:
        config = RunConfig(base_url=BASE_URL, transport=recorder, **options)
        return Runner(config).run(), recorder
    finally:
        recorder.inner.close()


@pytest.mark.timeout(240)
def test_every_phase_in_process_finds_nothing_new_and_cleans_up() -> None:
    server = create_app(seed=1)
    result, recorder = _run(server, seed=1, profile="quick", max_examples=3, max_requests=20000, max_time=200)
    assert result.exit_code == 0, describe(result)
    assert {p.name for p in result.phases} == {"contract", "stateful", "semantics", "model", "concurrency"}
    assert all(p.status in ("passed", "failed") and p.requests > 0 for p in result.phases), result.phases
    assert result.cleanup is not None and result.cleanup.clean and result.cleanup.workspaces_deleted > 0
    assert server.store.counts()["workspaces"] == 0, "every workspace of the run was deleted"
    assert len(recorder.seen) == result.requests


@pytest.mark.timeout(240)
def test_cli_over_loopback_with_reports(tmp_path: Path) -> None:
    server = create_app(seed=2)
    with loopback(server.app) as url:
        code = main(["run", "--base-url", url, "--profile", "quick", "--seed", "2", "--max-examples", "2",
                     "--phases", "contract,semantics,concurrency", "--include-operation", "sessions|messages",
                     "--max-requests", "8000", "--json-report", str(tmp_path / "r.json"),
                     "--junit-xml", str(tmp_path / "j.xml"), "--no-progress"])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 0, json.dumps([f for f in report["failures"] if not f["known"]], indent=1)[:4000]
    assert report["base_url"] == url and report["seed"] == 2 and report["cleanup"]["leftovers"] == []
    assert ET.parse(tmp_path / "j.xml").getroot().get("failures") == "0"
    assert server.store.counts()["workspaces"] == 0


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
    reads = {(op.method.upper(), op.path) for op in spec.operations.values() if op.reads_only}
    patterns = [(m, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$")) for m, p in reads]
    for method, path, status in recorder.seen:
        is_read = path == "/health" or any(m == method and rx.match(path) for m, rx in patterns)
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


def test_unreachable_server_is_one_clear_error_with_its_own_exit_code(tmp_path: Path, capsys) -> None:
    code = main(["run", "--base-url", "http://127.0.0.1:9", "--no-progress", "--request-timeout", "2",
                 "--json-report", str(tmp_path / "r.json")])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 3 and report["exit_code"] == 3 and report["unreachable"].startswith("GET http://127.0.0.1:9/health")
    assert report["failures"] == [] and all(p["status"] == "skipped" for p in report["phases"])
    out = capsys.readouterr().out
    assert out.count("server unreachable") == 1 and "FAILED" not in out and "Failures by root cause" not in out


def test_cli_usage_errors(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("honcho-conformance ")
    assert main(["run", "--base-url", "ftp://nope"]) == 2
    assert main(["run", "--base-url", "http://x", "--checks", "no_such_check"]) == 2
    assert main(["checks"]) == 0


def test_load_scenario_steps_without_locust() -> None:
    server = create_app(seed=6)
    client = ConformanceClient(BASE_URL, transport=ASGIAppTransport(server.app))
    scenario = LoadScenario(HonchoApi(client), "loadtest", seed=6)
    rng = random.Random(6)
    threads = [threading.Thread(target=lambda w=w: [scenario.append_messages(f"w{w}") for _ in range(5)]) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert scenario.get_or_create("contended") == [] and scenario.run_check(rng) == []
    assert scenario.verify() == [] and scenario.failures == []
    assert scenario.cleanup().clean and server.store.counts()["workspaces"] == 0
    client.close()


# --------------------------------------------------------------------------- the package's shape
LAYERS = [
    {"vocabulary"},
    {"config", "client", "baseline"},
    {"deletion"},
    {"filters_reference", "filter_generator", "contract", "api", "workspaces", "drift", "breaking", "coverage"},
    {"semantics"},
    {"model_phase", "concurrency", "schemathesis_phases", "load", "replay", "diff"},
    {"engine"},
    {"reporters", "drift_report", "html_report"},
    {"cli", "locustfile", "pytest_suite", "drift_cli"},
]


def test_layers_never_import_upward_and_never_import_the_mock() -> None:
    import ast

    level = {name: n for n, names in enumerate(LAYERS) for name in names}
    package = ROOT / "conformance"
    for path in sorted(package.rglob("*.py")):
        if path == package / "__init__.py":
            continue
        layer = path.stem if path.parent == package else path.relative_to(package).parts[0]
        assert layer in level, f"{path.name} has no layer"
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = [module.split(".")[-1]] if node.level and module else [a.name for a in node.names] if node.level else []
                if module.startswith("conformance."):
                    names = [module.split(".")[1]]
                assert not module.startswith("mockserver"), f"{path.name} imports the mock"
                for name in names:
                    if name in level:
                        assert level[name] <= level[layer], f"{path.name} imports {name} from a higher layer"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("mockserver") for a in node.names), f"{path.name} imports the mock"


@pytest.mark.timeout(120)
def test_the_same_suite_runs_under_pytest_against_loopback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    server = create_app(seed=8)
    with loopback(server.app) as url:
        env = {**os.environ, "HONCHO_BASE_URL": url, "HONCHO_CONFORMANCE_SEED": "8"}
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
                               "semantics or model or concurrency", str(ROOT / "conformance" / "pytest_suite.py"),
                               "--junitxml", str(tmp_path / "j.xml")],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    suites = ET.parse(tmp_path / "j.xml").getroot()
    assert int(suites.find("testsuite").get("tests")) == len(REGISTRY) + 2
    assert server.store.counts()["workspaces"] == 0


@pytest.mark.timeout(180)
def test_a_spec_that_is_not_honchos_runs_the_generic_phases_only(tmp_path: Path, capsys) -> None:
    spec = ROOT / "tests" / "data" / "petstore-3.0.yaml"
    server = create_app(spec)
    with loopback(server.app) as url:
        code = main(["run", "--base-url", url, "--spec", str(spec), "--profile", "quick", "--seed", "3",
                     "--max-examples", "3", "--no-progress", "--json-report", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "r.json").read_text())
    statuses = {p["name"]: (p["status"], p["detail"]) for p in report["phases"]}
    assert statuses["contract"][0] in ("passed", "failed") and statuses["stateful"][0] in ("passed", "failed")
    assert all(statuses[p] == ("skipped", "not Honcho's contract") for p in ("semantics", "model", "concurrency"))
    assert out.count("is not Honcho's contract") == 1, out
    assert report["cleanup"] is None
    # What it finds is about that document (the mock answers 422s petstore does not list), never a Honcho check.
    assert code in (0, 1) and {f["phase"] for f in report["failures"]} <= {"contract", "stateful"}
    assert not [f for f in report["failures"] if f["check"] in ("internal_error", "engine_error", "cleanup")]
