"""What the mock offers outside the contract: reset, state dump, fixtures, seeds, docs, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from starlette.testclient import TestClient
from support import ROOT, free_port

from mockserver import create_app

FIXTURE = {
    "workspaces": [{
        "id": "demo",
        "metadata": {"plan": "free"},
        "peers": [{"id": "alice", "metadata": {"role": "user"}}, {"id": "bot"}],
        "sessions": [
            {"id": "welcome", "metadata": {"pinned": True}, "peers": {"alice": {}, "bot": {"observe_others": True}},
             "messages": [{"peer_id": "alice", "content": "hello"}, {"peer_id": "bot", "content": "hi there", "metadata": {"k": 1}}]},
            {"id": "old", "is_active": False, "peers": ["alice"]},
        ],
    }]
}


def scenario(client: httpx.Client) -> list[object]:
    """A few writes and reads whose answers include server-made ids and times."""
    client.post("/v3/workspaces", json={"id": "w"})
    answers: list[object] = [client.post("/v3/workspaces/w/sessions/s/messages", json={"messages": [{"peer_id": "p", "content": "x"}]}).json()]
    answers.append(client.post("/v3/workspaces/w/sessions/s/clone").json())
    answers.append(client.post("/v3/workspaces/w/sessions/list").json())
    return answers


def test_same_seed_same_answers_and_reset_starts_over() -> None:
    with TestClient(create_app(seed=42).app) as one, TestClient(create_app(seed=42).app) as two:
        first = scenario(one)
        assert first == scenario(two)
        assert one.post("/_mock/reset").status_code == 204
        assert one.post("/v3/workspaces/list").json()["total"] == 0
        assert scenario(one) == first


def test_fixtures_load_and_dump_round_trip() -> None:
    with TestClient(create_app(fixtures=FIXTURE).app) as client:
        assert [s["id"] for s in client.post("/v3/workspaces/demo/sessions/list").json()["items"]] == ["welcome"]
        messages = client.post("/v3/workspaces/demo/sessions/welcome/messages/list").json()["items"]
        assert [m["content"] for m in messages] == ["hello", "hi there"]
        assert client.get("/v3/workspaces/demo/sessions/welcome/peers/bot/config").json() == {"observe_me": None, "observe_others": True}
        alice_sessions = client.post("/v3/workspaces/demo/peers/alice/sessions").json()["items"]
        assert [(s["id"], s["is_active"]) for s in alice_sessions] == [("welcome", True), ("old", False)]
        dump = client.get("/_mock/state").json()
    with TestClient(create_app().app) as copy:
        loaded = copy.post("/_mock/fixtures", json=dump)
        assert loaded.status_code == 200 and loaded.json()["loaded"]["messages"] == 2
        assert copy.get("/_mock/state").json() == dump
        assert copy.post("/v3/workspaces/demo/sessions/welcome/messages/list").json()["items"] == messages


@pytest.mark.parametrize("document", [[], {"workspaces": "x"}, {"workspaces": [{"no": "id"}]}, "not json"])
def test_bad_fixtures_are_refused_and_change_nothing(document: object) -> None:
    with TestClient(create_app(fixtures=FIXTURE).app) as client:
        before = client.get("/_mock/state").json()
        body = document if isinstance(document, str) else json.dumps(document)
        response = client.post("/_mock/fixtures", content=body)
        assert response.status_code == 422 and isinstance(response.json()["detail"], str)
        assert client.get("/_mock/state").json()["workspaces"][0]["id"] == before["workspaces"][0]["id"]


def test_docs_are_served() -> None:
    with TestClient(create_app().app) as client:
        spec = client.get("/openapi.json").json()
        assert spec["openapi"].startswith("3.1") and spec["info"]["version"] == "3.0.12"
        assert yaml.safe_load(client.get("/openapi.yaml").text)["paths"].keys() == spec["paths"].keys()
        ui = client.get("/ui/")
        assert ui.status_code == 200 and "swagger" in ui.text.lower()


def test_cli_serves_fixtures_on_loopback(tmp_path: Path) -> None:
    fixture = tmp_path / "fixture.yaml"
    fixture.write_text(yaml.safe_dump(FIXTURE))
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "mockserver.cli", "--port", str(port), "--fixtures", str(fixture), "--seed", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        banner = process.stdout.readline() if process.stdout else ""
        assert f"http://127.0.0.1:{port}" in banner
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/v3/workspaces/demo/sessions/list", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "mock did not start"
                time.sleep(0.1)
        assert [s["id"] for s in answer.json()["items"]] == ["welcome"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_refuses_a_broken_fixture_file(tmp_path: Path) -> None:
    fixture = tmp_path / "broken.json"
    fixture.write_text("{not json")
    result = subprocess.run([sys.executable, "-m", "mockserver.cli", "--fixtures", str(fixture), "--port", str(free_port())],
                            capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert result.returncode == 2 and "cannot start" in result.stderr


def test_dump_carries_memory_webhooks_and_cards() -> None:
    with TestClient(create_app(fixtures=FIXTURE).app) as client:
        assert client.post("/v3/workspaces/demo/conclusions", json={"conclusions": [
            {"content": "alice likes tea", "observer_id": "bot", "observed_id": "alice", "session_id": "welcome"}]}).status_code == 201
        assert client.post("/v3/workspaces/demo/webhooks", json={"url": "http://hooks.example/hook"}).status_code == 201
        assert client.put("/v3/workspaces/demo/peers/bot/card?target=alice", json={"peer_card": ["likes tea"]}).status_code == 200
        dump = client.get("/_mock/state").json()
        conclusions = client.post("/v3/workspaces/demo/conclusions/list").json()
    with TestClient(create_app().app) as copy:
        copy.post("/_mock/fixtures", json=dump)
        assert copy.get("/_mock/state").json() == dump
        assert copy.post("/v3/workspaces/demo/conclusions/list").json() == conclusions
        assert copy.get("/v3/workspaces/demo/peers/bot/card?target=alice").json() == {"peer_card": ["likes tea"]}
        assert copy.get("/v3/workspaces/demo/webhooks").json()["total"] == 1
