"""`GET /_mock/coverage`: what a frontend's test run exercised of the contract, and what not."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest
from starlette.testclient import TestClient
from support import loopback_server

from mockserver import create_app

CREATE_SESSION = "POST /v3/workspaces/{workspace_id}/sessions"
GET_MESSAGE = "GET /v3/workspaces/{workspace_id}/sessions/{session_id}/messages/{message_id}"


@pytest.fixture(params=["in-process", "loopback"])
def raw(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    server = create_app(seed=3)
    if request.param == "in-process":
        with TestClient(server.app, base_url="http://testserver") as client:
            yield client
    else:
        with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=10) as client:
            yield client


def by_label(report: dict) -> dict[str, dict]:
    return {op["operation"]: op for op in report["operations"]}


def test_coverage_lists_what_was_touched_and_what_never_was(raw: httpx.Client) -> None:
    start = raw.get("/_mock/coverage").json()
    assert start["summary"]["operations"]["covered"] == 0
    assert len(start["never_called"]) == start["summary"]["operations"]["declared"] > 40
    assert raw.post("/v3/workspaces", json={"id": "w"}).status_code == 201
    assert raw.post("/v3/workspaces", json={"id": "w"}).status_code == 200
    assert raw.post("/v3/workspaces/w/sessions", json={"id": "s"}).status_code == 201
    assert raw.post("/v3/workspaces/w/sessions", json={"id": "bad id"}).status_code == 422
    assert raw.get("/v3/workspaces/w/sessions/s/messages/nope").status_code == 404
    assert raw.get("/v3/workspaces/w/sessions/s/messages/nope", headers={"X-Mock-Status": "503"}).status_code == 503
    report = raw.get("/_mock/coverage").json()
    ops = by_label(report)
    workspaces = ops["POST /v3/workspaces"]
    assert workspaces["requests"] == 2
    assert workspaces["statuses"]["200"] == {"declared": True, "seen": 1}
    assert workspaces["statuses"]["201"] == {"declared": True, "seen": 1}
    assert "422" in workspaces["statuses_never_seen"]
    session = ops[CREATE_SESSION]
    assert session["statuses"]["422"]["seen"] == 1 and "200" in session["statuses_never_seen"]
    message = ops[GET_MESSAGE]
    assert message["statuses"]["404"]["seen"] == 1
    assert message["undeclared_statuses_seen"] == ["503"] and message["statuses"]["503"] == {"declared": False, "seen": 1}
    assert report["summary"]["operations"]["covered"] == 3
    assert "POST /v3/workspaces" not in report["never_called"] and "GET /health" in report["never_called"]
    assert report["summary"]["statuses"]["covered"] == 5  # 200, 201; 201, 422; 404 (the 503 is not declared)


def test_reset_keeps_coverage_and_delete_clears_it(raw: httpx.Client) -> None:
    raw.post("/v3/workspaces", json={"id": "w"})
    assert raw.post("/_mock/reset").status_code == 204
    assert by_label(raw.get("/_mock/coverage").json())["POST /v3/workspaces"]["requests"] == 1
    assert raw.delete("/_mock/coverage").status_code == 204
    assert raw.get("/_mock/coverage").json()["summary"]["operations"]["covered"] == 0
    assert raw.put("/_mock/coverage").status_code == 405
    # The mock's own routes are not operations of the contract: they are not counted.
    assert raw.get("/_mock/coverage").json()["summary"]["operations"]["covered"] == 0


def test_auth_refusals_count_as_their_status() -> None:
    server = create_app(seed=1, auth_secret="s3cret")
    with TestClient(server.app, base_url="http://testserver") as client:
        assert client.post("/v3/workspaces", json={"id": "w"}).status_code == 401
        assert server.auth is not None  # with auth on, the /_mock/ routes need the admin key
        report = client.get("/_mock/coverage", headers={"Authorization": f"Bearer {server.auth.admin_jwt()}"}).json()
    workspaces = by_label(report)["POST /v3/workspaces"]
    assert workspaces["requests"] == 1 and workspaces["statuses"]["401"] == {"declared": True, "seen": 1}
    assert "401" not in workspaces["statuses_never_seen"] and "201" in workspaces["statuses_never_seen"]


def test_a_frontend_run_with_the_official_sdk_is_covered() -> None:
    """As a team uses it: its app (here the honcho-ai SDK) runs its tests against the mock,
    then asks what of the API those tests never touched."""
    from honcho import Honcho

    server = create_app(seed=9)
    with loopback_server(server.app) as url:
        honcho = Honcho(base_url=url, workspace_id="frontend", api_key="unused", max_retries=0, timeout=10)
        alice = honcho.peer("alice", metadata={"role": "user"})
        chat = honcho.session("chat-1")
        chat.add_messages([alice.message("hello")])
        assert [m.content for m in chat.messages()] == ["hello"]
        report = httpx.get(f"{url}/_mock/coverage", timeout=10).json()
    ops = by_label(report)
    touched = {label for label, op in ops.items() if op["requests"]}
    assert {"POST /v3/workspaces", "POST /v3/workspaces/{workspace_id}/peers",
            "POST /v3/workspaces/{workspace_id}/sessions/{session_id}/messages",
            "POST /v3/workspaces/{workspace_id}/sessions/{session_id}/messages/list"} <= touched
    assert "DELETE /v3/workspaces/{workspace_id}/sessions/{session_id}" in report["never_called"]
    assert set(report["never_called"]) == set(ops) - touched
    messages = ops["POST /v3/workspaces/{workspace_id}/sessions/{session_id}/messages"]
    assert "422" in messages["statuses_never_seen"], "the error path the frontend never tested"


def test_mock_coverage_command_gates_a_frontend_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conformance.cli.main import main

    server = create_app(seed=2)
    with loopback_server(server.app) as url:
        httpx.post(f"{url}/v3/workspaces", json={"id": "w"}, timeout=10)
        assert main(["mock-coverage", "--base-url", url, "--min-coverage", "operations=1",
                     "--json", str(tmp_path / "c.json")]) == 0
        assert main(["mock-coverage", "--base-url", url, "--min-coverage", "statuses=50"]) == 1
        assert main(["mock-coverage", "--base-url", url, "--min-coverage", "links=5"]) == 2
    report = __import__("json").loads((tmp_path / "c.json").read_text())
    assert by_label(report)["POST /v3/workspaces"]["statuses"]["201"]["seen"] == 1
    assert main(["mock-coverage", "--base-url", url]) == 2, "the mock is gone: no report"


def test_only_statuses_a_server_can_give_are_counted() -> None:
    """243 declared statuses; 11 are 422s no input can cause (`x-unreachable`); with auth off the 45 401s
    and the 200 of POST /v3/keys cannot come, with auth on its 405 cannot: 186 and 231 are counted."""
    off, on = create_app().coverage.report(), create_app(auth_secret="s").coverage.report()
    assert sum(len(op["statuses"]) for op in off["operations"]) == 243
    assert (off["summary"]["statuses"]["declared"], on["summary"]["statuses"]["declared"]) == (186, 231)
    keys_off, keys_on = by_label(off)["POST /v3/keys"], by_label(on)["POST /v3/keys"]
    assert (keys_off["statuses_never_given"], keys_on["statuses_never_given"]) == (["200", "401"], ["405"])
    assert by_label(on)["DELETE /v3/workspaces/{workspace_id}"]["statuses_never_given"] == ["422"]
    assert by_label(on)["GET /health"]["statuses_never_given"] == []
    for op in off["operations"]:
        assert not set(op["statuses_never_seen"]) & set(op["statuses_never_given"]), op


def test_a_full_sdk_flow_covers_what_it_exercised() -> None:
    """A frontend's whole happy path through the SDK: every operation it called is covered by its 2xx, no
    status a server cannot give is left as a gap, and the percentage is over the statuses it could reach."""
    from honcho import Honcho

    server = create_app(seed=4)
    with loopback_server(server.app) as url:
        honcho = Honcho(base_url=url, workspace_id="app", api_key="unused", max_retries=0, timeout=10)
        alice, bot = honcho.peer("alice"), honcho.peer("bot")
        session = honcho.session("s1")
        session.add_peers([alice, bot])
        session.add_messages([alice.message("I love green tea"), bot.message("Noted")])
        list(session.messages())
        session.context()
        session.summaries()
        list(honcho.search("tea"))
        alice.chat("What does alice like?")
        alice.representation()
        alice.set_card(["likes tea"])
        alice.get_card()
        alice.conclusions.create([{"content": "alice likes tea"}])
        list(alice.conclusions.list())
        honcho.queue_status()
        session.delete()
        report = httpx.get(f"{url}/_mock/coverage", timeout=10).json()
    counted = report["summary"]["statuses"]
    assert counted["declared"] == 186 and counted["percent"] == round(100 * counted["covered"] / 186, 1)
    called = [op for op in report["operations"] if op["requests"]]
    assert counted["covered"] == sum(sum(1 for s in op["statuses"].values() if s["seen"] and s["declared"])
                                     for op in called)
    for op in called:
        assert any(code.startswith("2") and state["seen"] for code, state in op["statuses"].items()), op
        assert "401" not in op["statuses_never_seen"] and not op["undeclared_statuses_seen"], op
    # 17 operations, each answered one 2xx: 9.1% of what a server with auth off can give (7.0% of all 243 declared)
    assert (len(called), counted["covered"], counted["percent"]) == (17, 17, 9.1)
