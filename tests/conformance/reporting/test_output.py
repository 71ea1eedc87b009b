"""What a team reads: reports a CI parser accepts, console lines a pipe does not break,
one finding per root cause."""

from __future__ import annotations

import io
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console

from conformance.core.vocabulary import Failure, PhaseReport, Reproduction, RunFinished, RunResult
from conformance.reporting.console import ConsoleReporter
from conformance.reporting.json_report import JsonReporter
from conformance.reporting.junit import JUnitReporter, render_junit

NASTY = "ctl\x00\x01\x1b[31m\x7f lone\udc80\ud800 bom\ufffe end"


def _result(failures: list[Failure], phases: list[PhaseReport] | None = None) -> RunResult:
    result = RunResult(base_url="http://127.0.0.1:8000", seed=7, prefix="cfx", profile="quick", read_only=False)
    result.phases = phases or [PhaseReport(name="contract", status="failed", cases={"PUT /v3/workspaces/{workspace_id}": 1})]
    result.failures = failures
    return result


def test_junit_is_well_formed_whatever_the_generated_data_holds(tmp_path: Path) -> None:
    failure = Failure("not_a_server_error", "PUT /v3/workspaces/{workspace_id}", f"Server error {NASTY}", message=NASTY,
                      phase="contract", curl=f"curl -X PUT 'http://x/{NASTY}' -d '{NASTY}'", seed=7,
                      case=f"PUT {NASTY}")
    data = render_junit(_result([failure]))
    root = ET.fromstring(data)  # the XML parser accepts it
    text = ET.tostring(root, encoding="unicode")
    assert "\\x1b" in text and "\\udc80" in text  # what XML cannot hold is shown, not dropped
    JUnitReporter(tmp_path / "j.xml")(RunFinished(result=_result([failure])))
    ET.parse(tmp_path / "j.xml")
    JsonReporter(tmp_path / "r.json")(RunFinished(result=_result([failure])))
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["failures"][0]["message"] == NASTY


def _console_text(result: RunResult, *, json_report: str | None = None) -> str:
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=False, color_system=None)
    ConsoleReporter(console, live=False, json_report=json_report).render_summary(result)
    return out.getvalue()


def test_one_cause_across_operations_is_one_finding_with_each_curl() -> None:
    failures = [Failure("not_a_server_error", f"POST /v3/workspaces/{{workspace_id}}/{kind}/list", "Server error (HTTP 500)",
                        phase="contract", curl=f"curl -X POST http://127.0.0.1:8000/v3/workspaces/w/{kind}/list?reverse=true",
                        seed=7) for kind in ("peers", "sessions", "messages")]
    result = _result(failures)
    groups = result.groups()
    assert len(groups) == 1 and len(groups[0].operations) == 3 and groups[0].count == 3
    text = _console_text(result)
    for kind in ("peers", "sessions", "messages"):
        assert f"curl -X POST http://127.0.0.1:8000/v3/workspaces/w/{kind}/list?reverse=true\n" in text
    assert "1 root cause(s)" in text
    summary = result.to_dict()["summary"]
    assert len(summary) == 1 and [o["count"] for o in summary[0]["operations"]] == [1, 1, 1]


def test_a_curl_is_runnable_as_printed_never_wrapped_or_cut_and_a_raw_body_is_read_from_a_file(tmp_path: Path) -> None:
    from support import loopback_server

    from mockserver import create_app

    long_id = "w" + "0" * 300
    body = json.dumps({"metadata": {"k": "x" * 500, "nul": "a\x00b", "cr": "a\r\nb"}}).encode()
    with loopback_server(create_app(seed=8).app) as url:
        reproduction = Reproduction("PUT", f"{url}/v3/workspaces/{long_id}", {"Content-Type": "application/json"}, body)
        failure = Failure("not_a_server_error", "PUT /v3/workspaces/{workspace_id}", "Server error (HTTP 500)",
                          phase="contract", curl=reproduction.curl(), seed=7, reproduction=reproduction)
        result = _result([failure, Failure("semantics:pages_partition", "POST /v3/workspaces/list", "pages wrong " * 20,
                                           phase="semantics", seed=7)])
        text = _console_text(result, json_report=str(tmp_path / "r.json"))
        line = next(line for line in text.splitlines() if line.strip().startswith("curl "))
        assert long_id in line and "--data-binary @" in line and len(line) > 80  # whole, on one line
        body_file = Path(line.split("--data-binary @")[1].split()[0].strip("'"))
        assert body_file.parent == tmp_path / "r.bodies" and body_file.read_bytes() == body  # every byte as sent
        ran = subprocess.run(["bash", "-c", line.strip()], capture_output=True, timeout=30, check=True)
        assert json.loads(ran.stdout)["metadata"] == {"k": "x" * 500, "nul": "a\x00b", "cr": "a\r\nb"}  # it runs
    table_line = next(line for line in text.splitlines() if "pages wrong" in line)
    assert table_line.count("pages wrong") == 20  # a table row in a pipe is one line, not folded at 80 columns
    JsonReporter(tmp_path / "r.json")(RunFinished(result=result))
    written = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["failures"][0]
    assert written["curl"] == line.strip() and written["body_file"] == str(body_file)
    assert written["reproduction"]["body"] == body.decode()  # the JSON report has the whole value too


def test_a_phase_whose_failures_are_all_known_says_passed_n_known() -> None:
    from conformance.core.baseline import Baseline, Entry
    from conformance.core.config import RunConfig
    from conformance.engine.runner import Runner

    runner = Runner(RunConfig(base_url="http://127.0.0.1:8000"))
    runner.baseline = Baseline([Entry("not_a_server_error", "*", "*")])
    runner.result = _result([])
    runner.report(Failure("not_a_server_error", "GET /x", "Server error (HTTP 500)", phase="contract"))
    assert runner._phase_known == 1 and runner._phase_failures == 1


def test_ctrl_c_stops_the_whole_run_cleans_up_says_interrupted_and_exits_130() -> None:
    from conformance.core.config import RunConfig
    from conformance.core.transports import ASGIAppTransport
    from conformance.core.vocabulary import PhaseStarted
    from conformance.engine.runner import Runner
    from mockserver import create_app

    server = create_app(seed=12)
    seen: list[str] = []

    def listener(event: object) -> None:
        if isinstance(event, PhaseStarted):
            seen.append(event.name)
            if event.name == "model":  # as if Ctrl-C were pressed while the model phase starts
                raise KeyboardInterrupt

    out = io.StringIO()
    reporter = ConsoleReporter(Console(file=out, width=80, color_system=None), live=False)
    transport = ASGIAppTransport(server.app)
    try:
        result = Runner(RunConfig(base_url="http://127.0.0.1:8000", transport=transport, seed=12, profile="quick",
                                  phases=("semantics", "model", "concurrency"), checks=("get_or_create",)),
                        [listener, reporter]).run()
    finally:
        transport.close()
    assert result.exit_code == 130 and result.stop_reason == "interrupted"
    assert [(p.name, p.status) for p in result.phases] == [("semantics", "passed"), ("model", "interrupted"),
                                                           ("concurrency", "skipped")]
    assert result.phases[2].requests == 0 and result.phases[2].detail == "interrupted"  # nothing ran after it
    assert result.cleanup is not None and result.cleanup.clean and server.store.counts()["workspaces"] == 0
    assert "INTERRUPTED" in out.getvalue()
