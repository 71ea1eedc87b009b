"""Command-line values checked at start, and the Host check against DNS rebinding, over a real process."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient
from support.mock_process import MockProcess, run_cli

import honcho_contracts
from mockserver import create_app


@pytest.mark.parametrize("args, names", [
    (["--port", "99999"], "--port"),
    (["--port", "-1"], "--port"),
    (["--port", "\u0663"], "--port"),
    (["--save-interval", "nan"], "--save-interval"),
    (["--save-interval", "inf"], "--save-interval"),
    (["--save-interval", "0"], "--save-interval"),
    (["--max-body", "0"], "--max-body"),
    (["--max-records", "-1"], "--max-records"),
    (["--latency", "soon"], "--latency"),
    (["--error-rate", "2"], "--error-rate"),
])
def test_a_bad_command_line_value_is_one_line_and_exit_2(args: list[str], names: str) -> None:
    result = run_cli(args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0] and "Traceback" not in result.stderr, result.stderr


def test_a_bad_fixture_file_names_the_file_and_the_path(tmp_path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text("workspaces:\n  - id: demo\n    sessions:\n      - id: s\n        messages:\n          - {peer_id: a, content: hi}\n"
                    "          - {peer_id: 'bad id', content: no}\n")
    result = run_cli(["--fixtures", str(path)])
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert str(path) in result.stderr and "workspaces[0].sessions[0].messages[1].peer_id" in result.stderr


def test_requests_for_another_sites_name_are_refused() -> None:
    with MockProcess() as mock:
        mock.wait_ready()
        def status(host: str) -> int:
            return httpx.get(mock.url + "/v3/workspaces/w/webhooks", headers={"Host": host}, timeout=10).status_code
        assert status(f"127.0.0.1:{mock.port}") == 200 and status(f"localhost:{mock.port}") == 200
        assert status("app.localhost") == 200 and status("[::1]:80") == 200 and status("10.0.0.7") == 200
        refused = httpx.post(mock.url + "/_mock/reset", headers={"Host": f"rebind.example:{mock.port}"}, timeout=10)
        assert refused.status_code == 403 and "--allowed-host rebind.example" in refused.json()["detail"]
        assert status("rebind.example") == 403
    with MockProcess("--allowed-host", "dev.example", "--allowed-host", ".corp.example") as mock:
        mock.wait_ready()
        for host, expected in (("dev.example", 200), ("a.corp.example:8000", 200), ("corp.example", 200), ("other.example", 403)):
            assert httpx.get(mock.url + "/health", headers={"Host": host}, timeout=10).status_code == expected, host


def test_an_embedded_app_checks_hosts_only_when_asked() -> None:
    with TestClient(create_app().app, base_url="http://testserver") as client:
        assert client.get("/health").status_code == 200
    with TestClient(create_app(allowed_hosts=()).app, base_url="http://testserver") as client:
        assert client.get("/health").status_code == 403
    with TestClient(create_app(allowed_hosts=("testserver",)).app, base_url="http://testserver") as client:
        assert client.get("/health").status_code == 200


def test_version_says_the_release_and_serves_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    from mockserver.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"honcho-mock {version('honcho-contract')}\n"


@pytest.mark.parametrize("args, version, operations", [([], "3.0.12", 46), (["--api-version", "3.0.7"], "3.0.7", 46),
                                                      (["--api-version", "3.1-preview"], "3.1-preview", 53)])
def test_the_api_version_served_is_said_at_start_in_health_and_in_the_contract(args: list[str], version: str,
                                                                               operations: int) -> None:
    with MockProcess(*args) as mock:
        mock.wait_ready()
        health = httpx.get(mock.url + "/health", timeout=10)
        assert health.json() == {"status": "ok"} and health.headers["x-honcho-api-version"] == version
        for contract in ("/openapi.json", "/docs/openapi.json"):  # the contract, and the one the docs pages show
            assert httpx.get(mock.url + contract, timeout=10).json()["info"]["version"] == version
        title = honcho_contracts.get(version).title  # "Honcho 3.0.12", "Honcho 3.1 preview (scopes)"
        assert f"serving the {title} contract ({operations} operations" in mock.output()[0]


def test_a_fixtures_file_names_the_version_it_is_for(tmp_path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text("api_version: '3.0.7'\nworkspaces:\n  - id: demo\n")
    with MockProcess("--fixtures", str(path)) as mock:  # no --api-version: the file's
        mock.wait_ready()
        assert httpx.get(mock.url + "/health", timeout=10).headers["x-honcho-api-version"] == "3.0.7"
    result = run_cli(["--fixtures", str(path), "--api-version", "3.0.12"])
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "api_version: the document is for Honcho 3.0.7; this mock serves Honcho 3.0.12" in result.stderr


@pytest.mark.parametrize("value", ["3.1", "2.0", ""])
def test_a_version_not_served_is_refused_naming_those_that_are(value: str) -> None:
    result = run_cli(["--api-version", value])
    assert result.returncode == 2 and "--api-version" in result.stderr and "3.0.7" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
