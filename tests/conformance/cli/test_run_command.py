"""`honcho-conformance run` as a user runs it: over loopback with reports, usage errors, an unreachable
server, a contract that is not Honcho's."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import ROOT, loopback_server
from support.broken import Answer, Incoming, Rewrite

from conformance.cli.main import main
from mockserver import create_app


@pytest.mark.timeout(240)
def test_cli_over_loopback_with_reports(tmp_path: Path) -> None:
    server = create_app(seed=2)
    with loopback_server(server.app) as url:
        code = main(["run", "--base-url", url, "--profile", "quick", "--seed", "2", "--max-examples", "2",
                     "--phases", "contract,semantics,concurrency", "--include-operation", "sessions|messages",
                     "--max-requests", "8000", "--json-report", str(tmp_path / "r.json"),
                     "--junit-xml", str(tmp_path / "j.xml"), "--no-progress"])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 0, json.dumps([f for f in report["failures"] if not f["known"]], indent=1)[:4000]
    assert report["base_url"] == url and report["seed"] == 2 and report["cleanup"]["leftovers"] == []
    assert (report["api_version"]["name"], report["api_version"]["how"]) == ("3.0.12", "detected")
    junit = ET.parse(tmp_path / "j.xml").getroot()
    assert junit.get("failures") == "0"
    for suite in junit.iter("testsuite"):
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert properties["honcho.api_version"] == "3.0.12" and properties["honcho.api_version.how"] == "detected"
    assert server.store.counts()["workspaces"] == 0


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
    capsys.readouterr()
    assert main(["run", "--base-url", "http://x", "--api-version", "2.9"]) == 2
    assert "--api-version: no Honcho API version '2.9'" in capsys.readouterr().out
    assert main(["checks"]) == 0


@pytest.mark.timeout(180)
def test_a_spec_that_is_not_honchos_runs_the_generic_phases_only(tmp_path: Path, capsys) -> None:
    spec = ROOT / "tests" / "data" / "petstore-3.0.yaml"
    server = create_app(spec)
    with loopback_server(server.app) as url:
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


def test_the_token_comes_from_honcho_api_key_then_honcho_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.cli.main import build_parser

    monkeypatch.delenv("HONCHO_API_KEY", raising=False)
    monkeypatch.setenv("HONCHO_TOKEN", "old")
    assert build_parser(["run"]).parse_args(["run", "--base-url", "http://x"]).token == "old"
    monkeypatch.setenv("HONCHO_API_KEY", "sdk")
    args = build_parser(["run"]).parse_args(["run", "--base-url", "http://x", "-H", "X-A: 1", "--header", "X-B:2",
                                             "--exclude-checks", "clone_exact,server_crash", "--exclude-checks", "coverage"])
    assert args.token == "sdk" and args.header == [("X-A", "1"), ("X-B", "2")]
    assert [n for names in args.exclude_checks for n in names] == ["clone_exact", "server_crash", "coverage"]


@pytest.mark.timeout(120)
def test_an_excluded_check_does_not_run_anywhere(tmp_path: Path) -> None:
    server = create_app(seed=15)
    with loopback_server(server.app) as url:
        code = main(["run", "--base-url", url, "--profile", "quick", "--seed", "4", "--phases", "semantics,model",
                     "--include-checks", "state_machine,reverse_exact", "--exclude-checks", "reverse_*",
                     "--no-progress", "--junit-xml", str(tmp_path / "j.xml"), "--json-report", str(tmp_path / "r.json")])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 0 and [p["status"] for p in report["phases"]] == ["skipped", "passed"]
    assert report["phases"][0]["detail"].startswith("none of its checks is selected")
    assert main(["run", "--base-url", "http://x", "--exclude-checks", "nope*"]) == 2


@pytest.mark.timeout(120)
def test_the_version_is_the_first_thing_said_detected_asked_or_defaulted(tmp_path: Path, capsys) -> None:
    """The console's first lines name the version tested and how it was chosen; a server without
    /openapi.json gets the default one, said so."""
    def hide(request: Incoming) -> Answer | None:
        return Answer(404, [], b'{"detail":"Not Found"}') if request.path == "/openapi.json" else None

    options = ["--profile", "quick", "--seed", "4", "--phases", "semantics", "--checks", "webhook_delete",
               "--no-progress", "--json-report", str(tmp_path / "r.json")]
    for app, extra, expected in (
            (create_app(seed=4, api_version="3.0.7").app, [], "Honcho API 3.0.7 (detected: the server's /openapi.json "
                                                             "says 3.0.7 and serves exactly the 46 operations"),
            (create_app(seed=4).app, ["--api-version", "3.0.7"], "Honcho API 3.0.7 (asked: --api-version 3.0.7; the "
                                                                "server itself looks like 3.0.12"),
            (Rewrite(create_app(seed=4).app, before=hide), [], "Honcho API 3.0.12 (default: the server's version is "
                                                               "unknown (GET /openapi.json answered 404)")):
        with loopback_server(app) as url:
            code = main(["run", "--base-url", url, *options, *extra])
        lines = capsys.readouterr().out.splitlines()
        assert code in (0, 1) and lines[1].startswith(f"version: {expected}"), lines[:3]
        assert json.loads((tmp_path / "r.json").read_text())["api_version"]["name"] == expected.split()[2]
