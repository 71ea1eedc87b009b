"""What `honcho-mock` tells the person who starts it: "serving" only once it answers, the right
addresses for any document, one-line errors naming the file and the option, and a request log."""

from __future__ import annotations

import io
import json
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from starlette.testclient import TestClient
from support import DATA
from support.mock_process import MockProcess, run_cli

from mockserver import create_app


def wait_for_output(mock: MockProcess, text: str, timeout: float = 30.0) -> str:
    """The process's stdout once it holds `text` (fails if the process exits first)."""
    deadline = time.monotonic() + timeout
    while text not in (out := mock.output()[0]):
        assert mock.popen.poll() is None, mock.output()
        assert time.monotonic() < deadline, mock.output()
        time.sleep(0.02)
    return out


def test_serving_is_printed_once_it_answers() -> None:
    with MockProcess() as mock:
        wait_for_output(mock, "honcho-mock: serving")
        assert httpx.get(mock.url + "/health", timeout=5).status_code == 200  # at once: no retry needed
        out = wait_for_output(mock, "(ReDoc)")  # the lines after it
        assert f"on {mock.url}" in out and "OpenAPI 3.1.0" in out
        assert f"{mock.url}/docs (Swagger UI)" in out and f"{mock.url}/redoc (ReDoc)" in out


def test_a_port_in_use_is_one_line_and_no_serving() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli(["--port", str(port)])
    assert result.returncode == 2 and "serving" not in result.stdout
    assert result.stderr.strip().count("\n") == 0
    assert f"--port {port}" in result.stderr and "in use" in result.stderr


def test_port_zero_prints_the_port_it_got() -> None:
    with MockProcess("--port", "0") as mock:  # the later --port wins
        out = wait_for_output(mock, "honcho-mock: serving")
        url = out.split(" on ", 1)[1].split()[0]
        assert not url.endswith(":0") and httpx.get(url + "/health", timeout=5).status_code == 200


def test_another_spec_under_a_base_path(tmp_path: Path) -> None:
    document = yaml.safe_load((DATA / "petstore-3.1.yaml").read_text())
    document["servers"] = [{"url": "https://{host}/api/{version}", "variables": {
        "host": {"default": "pets.example.com"}, "version": {"default": "v1"}}}]
    spec = tmp_path / "pets.yaml"
    spec.write_text(yaml.safe_dump(document))
    with MockProcess("--spec", str(spec)) as mock:
        out = wait_for_output(mock, "(ReDoc)")  # the last line of the banner
        assert f"on {mock.url}/api/v1\n" in out and "mounted at /api/v1" in out
        assert f"{mock.url}/docs (Swagger UI)" in out  # the docs live at the root whatever the base path
        assert httpx.get(mock.url + "/api/v1/pets", timeout=5).status_code == 200
        missed = httpx.get(mock.url + "/pets", timeout=5)
        assert missed.status_code == 404
        assert missed.json() == {"detail": "Not Found: this API is served under /api/v1 (try /api/v1/pets)"}
        assert httpx.get(mock.url + "/docs", timeout=5).status_code == 200


BAD_SPECS = {
    "bad-ref.yaml": ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n"
                     "        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Nope'}}}}\n",
                     "$ref '#/components/schemas/Nope'"),
    "swagger.yaml": ("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n", "a Swagger 2.0 document"),
    "broken.yaml": ("openapi: 3.1.0\ninfo: {title: t\npaths: {}\n", "at line 3, column 6"),
    "not-openapi.yaml": ("- just\n- a list\n", "not an OpenAPI document"),
    "invalid.yaml": ("openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n", "not a valid OpenAPI document"),
}


@pytest.mark.parametrize("name", sorted(BAD_SPECS))
def test_a_bad_spec_is_one_line_naming_the_file_and_the_option(tmp_path: Path, name: str) -> None:
    text, reason = BAD_SPECS[name]
    spec = tmp_path / name
    spec.write_text(text)
    result = run_cli(["--spec", str(spec)])
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"--spec {spec}" in result.stderr and reason in result.stderr


@pytest.mark.parametrize("name, text, reason", [
    ("broken.yaml", "workspaces:\n  - id: [x\n", "not YAML: did not find expected ',' or ']' at line 3"),
    ("broken.json", "{not json", "not JSON"),
    ("latin1.yaml", None, "not UTF-8 text"),
    ("missing.yaml", "", "cannot read it: No such file or directory"),
    ("wrong-shape.yaml", "- a list\n", "a fixture document is an object"),
])
def test_an_unreadable_fixtures_file_is_one_line(tmp_path: Path, name: str, text: str | None, reason: str) -> None:
    path = tmp_path / name
    if text is None:
        path.write_bytes("workspaces: [{id: caf\u00e9}]\n".encode("latin-1"))
    elif name != "missing.yaml":
        path.write_text(text)
    result = run_cli(["--fixtures", str(path)])
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"--fixtures {path}" in result.stderr and reason in result.stderr and "<unicode string>" not in result.stderr


def test_fixtures_summary_and_a_pasteable_auth_line(tmp_path: Path) -> None:
    fixtures = tmp_path / "demo.yaml"
    fixtures.write_text("workspaces:\n  - id: demo\n    peers: [{id: alice}, {id: bot}]\n"
                        "    sessions: [{id: s1, messages: [{peer_id: alice, content: hi}]}]\n")
    with MockProcess("--fixtures", str(fixtures), "--auth-secret", "dev-secret") as mock:
        out = wait_for_output(mock, "export HONCHO_API_KEY=")  # printed after the fixtures line, in one write
        assert f"loaded fixtures from {fixtures}: 1 workspace, 2 peers, 1 session, 1 message" in out
        export = next(line for line in out.splitlines() if line.startswith("export "))
        shell = subprocess.run(["bash", "-c", f'{export}\nprintf %s "$HONCHO_API_KEY"'], capture_output=True,
                               text=True, timeout=30, check=True)
        answer = httpx.post(mock.url + "/v3/keys", params={"workspace_id": "my-app"},
                            headers={"Authorization": f"Bearer {shell.stdout}"}, timeout=5)
        assert answer.status_code == 200 and answer.json()["key"].count(".") == 2


def test_the_request_log_shows_each_request_and_a_4xx_s_errors() -> None:
    with MockProcess() as mock:
        wait_for_output(mock, "honcho-mock: serving")
        assert httpx.post(mock.url + "/v3/workspaces", json={"id": "ok"}, timeout=5).status_code == 201
        assert httpx.post(mock.url + "/v3/workspaces", json={"id": 5, "metadata": []}, timeout=5).status_code == 422
        assert httpx.post(mock.url + "/v3/workspaces/ok/peers/list?page=0", timeout=5).status_code == 422
        out = wait_for_output(mock, "/peers/list?page=0 422")
    lines = [line for line in out.splitlines() if not line.startswith("honcho-mock:")]
    assert lines[0].split()[1:4] == ["POST", "/v3/workspaces", "201"] and lines[0].endswith(" ms")
    assert lines[1].split()[1:4] == ["POST", "/v3/workspaces", "422"]
    assert "body.id: Input should be a valid string; body.metadata: Input should be a valid dictionary" in lines[1]
    assert lines[2].endswith("query.page: Input should be greater than or equal to 1")


def test_quiet_and_json_formats() -> None:
    with MockProcess("--quiet") as quiet, MockProcess("--log-format", "json") as machine:
        for mock in (quiet, machine):
            wait_for_output(mock, "honcho-mock: serving")
            assert httpx.post(mock.url + "/v3/workspaces", json={"id": "bad id!"}, timeout=5).status_code == 422
            assert httpx.get(mock.url + "/health", timeout=5).status_code == 200
        out = wait_for_output(machine, '"path":"/health"')
        quiet.signal(signal.SIGTERM)  # a clean shutdown writes whatever the log still holds
        assert quiet.wait() in (0, -signal.SIGTERM)  # uvicorn ends by re-raising the SIGTERM it caught
        assert [line for line in quiet.output()[0].splitlines() if not line.startswith("honcho-mock:")] == []
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [("POST", "/v3/workspaces", 422), ("GET", "/health", 200)]
    assert records[0]["errors"] and records[0]["errors"][0].startswith("body.id: ") and "errors" not in records[1]
    assert all(r["time"].endswith("Z") and r["ms"] >= 0 for r in records)


def test_the_log_in_process_is_written_by_batches_and_flushed_at_close() -> None:
    stream = io.StringIO()
    server = create_app(request_log="text", log_stream=stream)
    with TestClient(server.app) as client:
        for index in range(5):
            client.post("/v3/workspaces", json={"id": f"w{index}"})
    server.close()
    assert [line.split()[1:4] for line in stream.getvalue().splitlines()] == [["POST", "/v3/workspaces", "201"]] * 5


def test_ctrl_c_ends_quietly_with_the_log_written() -> None:
    with MockProcess() as mock:
        wait_for_output(mock, "honcho-mock: serving")
        assert httpx.get(mock.url + "/health", timeout=5).status_code == 200
        mock.signal(signal.SIGINT)
        assert mock.wait() == 0
        out, err = mock.output()
    assert "Traceback" not in err and "GET /health 200" in out


def test_references_are_json_pointers_in_a_uri_fragment(tmp_path: Path) -> None:
    from mockserver.contract.document import Contract, SpecError

    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
                "components": {"schemas": {"Pet Name": {"type": "string"}, "a/b": {"type": "integer"}}},
                "paths": {"/x": {"get": {
                    "parameters": [{"name": "q", "in": "query", "schema": {"$ref": "#/components/schemas/Pet%20Name"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/a~1b"}}}}}}},
                          "/y": {"parameters": [{"$ref": "#/paths/~1x/get/parameters/0"}], "get": {"responses": {}}}}}
    spec = tmp_path / "refs.yaml"
    spec.write_text(yaml.safe_dump(document))
    contract = Contract.load(spec)
    assert contract.resolve({"$ref": "#/paths/~1x/get/parameters/0"})["name"] == "q"
    document["paths"]["/y"]["parameters"] = [{"$ref": "#/paths/~1x/get/parameters/7"}]
    spec.write_text(yaml.safe_dump(document))
    with pytest.raises(SpecError, match=r"parameters/7' \(at /paths/~1y/parameters/0\) names nothing"):
        Contract.load(spec)


def test_the_log_goes_on_when_each_request_has_its_own_event_loop() -> None:
    """A test client without `with` runs each request on a new loop: a flush planned on one
    that ended must not stop the log."""
    stream = io.StringIO()
    server = create_app(request_log="text", log_stream=stream)
    client = TestClient(server.app)
    client.get("/health")
    deadline = time.monotonic() + 10
    while "/health" not in stream.getvalue():  # the flush planned on the first loop never ran
        client.get("/v3/workspaces/none/sessions/none/peers")
        assert time.monotonic() < deadline, stream.getvalue()
        time.sleep(0.06)
    server.close()
    assert "GET /health 200" in stream.getvalue()
