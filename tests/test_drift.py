"""Drift between the mock and a deployment (docs/drift.md): the validating, recording and
shadowing proxy (`honcho-mock --proxy`), `honcho-conformance replay` of a HAR recording and
`honcho-conformance diff` of two servers.

Deployments here are mocks (healthy, or a deliberately broken variant from
support/broken.py) served on 127.0.0.1; the real server is its recording,
tests/data/real_exchanges.json, turned into a HAR file.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlencode

import harfile
import httpx
import pytest
from support import DATA, loopback_server
from support.broken import VARIANTS, fresh
from support.mock_process import MockProcess

from conformance import cli as conformance_cli
from conformance.core.baseline import Baseline
from conformance.core.client import ConformanceClient
from conformance.core.config import default_spec
from conformance.core.openapi import Contract
from conformance.core.transports import ASGIAppTransport
from conformance.drift.diff import DiffConfig, run_diff
from conformance.drift.replay import load_har, replay
from mockserver import create_app
from mockserver.contract.document import Contract as MockContract
from mockserver.http.har_recording import HarRecorder
from mockserver.proxy.exchange_validation import ExchangeValidator
from mockserver.proxy.forwarding import ProxyApp

REAL = json.loads((DATA / "real_exchanges.json").read_text())["exchanges"]
DELIBERATE = DATA / "real_exchanges_deliberate.json"
CONTRACT = Contract.load(default_spec())
BROKEN = {v.name: v for v in VARIANTS}
pytestmark = pytest.mark.timeout(180)


# --------------------------------------------------------------------------- helpers
def traffic(client: httpx.Client) -> list[httpx.Response]:
    """A small app session: writes, reads by server-made id, pages, filters, a refused request."""
    answers = [client.post("/v3/workspaces", json={"id": "drift", "metadata": {"team": "a"}}),
               client.post("/v3/workspaces/drift/peers", json={"id": "alice"}),
               client.post("/v3/workspaces/drift/sessions", json={"id": "chat", "peers": {"alice": {}}})]
    created = client.post("/v3/workspaces/drift/sessions/chat/messages",
                          json={"messages": [{"peer_id": "alice", "content": "hello there"},
                                             {"peer_id": "alice", "content": "second", "metadata": {"n": 2}}]})
    answers.append(created)
    first = created.json()[0]["id"]
    answers += [
        client.get(f"/v3/workspaces/drift/sessions/chat/messages/{first}"),
        client.put(f"/v3/workspaces/drift/sessions/chat/messages/{first}", json={"metadata": {"read": True}}),
        client.post("/v3/workspaces/drift/sessions/chat/messages/list", params={"reverse": "true", "size": 1}, json={}),
        client.post("/v3/workspaces/drift/sessions/list", json={"filters": {"id": "chat"}}),
        client.post("/v3/workspaces/drift/sessions/list", params={"size": 0}),  # refused: a request violation
        client.post("/v3/workspaces/drift/sessions/chat/clone", params={"message_id": first}),
        client.delete("/v3/workspaces/drift/sessions/chat"),
        client.post("/v3/workspaces/drift/peers/alice/sessions", json={}),
    ]
    return answers


class Proxy:
    """A ProxyApp served on loopback in front of `upstream` (a URL)."""

    def __init__(self, upstream: str, har: Path | None, shadow: bool) -> None:
        contract = MockContract.load()
        self.recorder = HarRecorder(har) if har else None
        self.app = ProxyApp(upstream, ExchangeValidator(contract.document), recorder=self.recorder,
                            shadow=create_app(seed=5).app if shadow else None, max_body=1 << 20)


def report(base_url: str) -> dict[str, Any]:
    return httpx.get(base_url + "/_proxy/report", timeout=10).json()


def record(upstream_app: Any, har: Path, *, shadow: bool = True) -> tuple[dict[str, Any], list[httpx.Response]]:
    """Drive `traffic` through a recording proxy in front of `upstream_app`; the final report."""
    with loopback_server(upstream_app) as upstream:
        proxy = Proxy(upstream, har, shadow)
        with loopback_server(proxy.app) as url:
            with httpx.Client(base_url=url, timeout=20) as client:
                answers = traffic(client)
            final = report(url)
        assert proxy.recorder is not None and proxy.recorder._file.closed, "the proxy's shutdown finishes the HAR"
    return final, answers


def in_process(app: Any) -> Iterator[ConformanceClient]:
    transport = ASGIAppTransport(app)
    try:
        with ConformanceClient("http://replayed.invalid", transport=transport) as client:
            yield client
    finally:
        transport.close()


def real_recording_as_har(path: Path) -> Path:
    """tests/data/real_exchanges.json (the real server, in order) written as HAR 1.2."""
    with harfile.open(path) as har:
        for exchange in REAL:
            query = exchange.get("query")
            if isinstance(query, dict):
                query = urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()})
            url = "http://honcho-3.0.7.invalid" + exchange["path"] + (f"?{query}" if query else "")
            body = json.dumps(exchange["request"]) if "request" in exchange else exchange.get("request_raw")
            request = harfile.Request(
                method=exchange["method"], url=url, httpVersion="HTTP/1.1",
                headers=[harfile.Record(name="content-type", value="application/json")] if body is not None else [],
                postData=harfile.PostData(mimeType="application/json", text=body) if body is not None else None)
            text = json.dumps(exchange["body"]) if "body" in exchange else ""
            response = harfile.Response(status=exchange["status"], statusText="", httpVersion="HTTP/1.1",
                                        content=harfile.Content(size=len(text), text=text,
                                                                mimeType="application/json" if text else ""))
            har.add_entry(startedDateTime="2026-11-24T15:23:28+00:00", time=0, request=request, response=response,
                          timings=harfile.Timings(send=0, wait=0, receive=0))
    return path


def described(failures: list[Any]) -> str:
    return "\n".join(f"{f.operation} | {f.title}: {f.message}" for f in failures) or "(none)"


# --------------------------------------------------------------------------- proxy and replay
def test_a_recording_through_the_proxy_replays_on_a_fresh_mock_without_difference(tmp_path: Path) -> None:
    har = tmp_path / "session.har"
    final, answers = record(create_app(seed=1).app, har)
    assert [a.status_code for a in answers] == [201, 201, 201, 201, 200, 200, 200, 200, 422, 201, 202, 200]
    assert final["exchanges"] == len(answers)
    assert final["violations"]["request"] == 1 and final["violations"]["response"] == 0, final
    assert final["violations"]["by_operation"] == {"POST /v3/workspaces/{workspace_id}/sessions/list": 1}
    assert final["shadow"] == {"compared": len(answers), "differing": 0, "by_operation": {}, "recent_differences": []}

    document = json.loads(har.read_text())
    assert document["log"]["version"] == "1.2" and len(document["log"]["entries"]) == len(answers)
    refused = document["log"]["entries"][8]
    assert refused["response"]["status"] == 422 and "size" in refused["comment"]
    entries = load_har(har)
    assert entries[3].method == "POST" and entries[3].answer.status == 201
    for client in in_process(create_app(seed=99).app):  # other seed: other message ids, mapped
        result = replay(entries, client, CONTRACT)
    assert result.entries == len(answers)
    assert not result.failures, described(result.failures)


def test_credentials_are_not_written_to_the_recording(tmp_path: Path) -> None:
    har = tmp_path / "auth.har"
    with loopback_server(create_app().app) as upstream:
        proxy = Proxy(upstream, har, shadow=False)
        with loopback_server(proxy.app) as url:
            answer = httpx.get(url + "/health", headers={"Authorization": "Bearer secret-jwt"}, timeout=10)
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    text = har.read_text()
    assert "secret-jwt" not in text and "<redacted>" in text


def test_hostile_requests_pass_through_the_proxy_and_are_reported(tmp_path: Path) -> None:
    har = tmp_path / "hostile.har"
    with loopback_server(create_app().app) as upstream:
        proxy = Proxy(upstream, har, shadow=True)
        with loopback_server(proxy.app) as url, httpx.Client(base_url=url, timeout=20) as client:
            json_type = {"content-type": "application/json"}
            answers = [client.post("/v3/workspaces", content=b'\xff\xfe{"id": 1}', headers=json_type),
                       client.post("/v3/workspaces", content=b"[" * 300 + b"]" * 300, headers=json_type),
                       client.post("/v3/workspaces/w/sessions/s/messages/upload", files={"file": ("x.bin", b"\x00\xff")},
                                   data={"peer_id": "a"}),
                       client.get("/v3/no/such/route")]
            final = report(url)
    assert [a.status_code for a in answers] == [400, 400, 415, 404]  # the deployment's answers, unchanged
    assert all(a.headers["content-type"] == "application/json" for a in answers)
    assert final["exchanges"] == 4 and final["violations"]["request"] >= 3
    assert all(len(v["message"]) <= 400 for v in final["recent_violations"])
    assert final["shadow"]["differing"] == 0, final["shadow"]
    entries = load_har(har)
    assert entries[2].body.startswith(b"--") and b"\x00\xff" in entries[2].body  # binary, base64 in the HAR


def test_an_upstream_that_does_not_answer_is_a_502() -> None:
    from support import free_port

    proxy = Proxy(f"http://127.0.0.1:{free_port()}", None, shadow=False)
    with loopback_server(proxy.app) as url:
        answer = httpx.post(url + "/v3/workspaces", json={"id": "w"}, timeout=20)
        final = report(url)
    assert answer.status_code == 502 and "did not answer" in answer.json()["detail"]
    assert final["upstream_failures"] == 1 and final["exchanges"] == 0


def test_a_recording_cut_short_replays_up_to_its_last_complete_entry(tmp_path: Path) -> None:
    har = tmp_path / "session.har"
    record(create_app(seed=1).app, har, shadow=False)
    text = har.read_text()
    cut = tmp_path / "cut.har"
    cut.write_text(text[: len(text) * 2 // 3])  # the recorder killed mid-entry
    entries = load_har(cut)
    assert 0 < len(entries) < len(load_har(har))
    assert [e.target for e in entries] == [e.target for e in load_har(har)[: len(entries)]]


def test_replay_reports_a_deliberately_different_server(tmp_path: Path) -> None:
    har = tmp_path / "session.har"
    record(create_app(seed=1).app, har, shadow=False)
    for client in in_process(BROKEN["wrong_status_code"].build()):
        result = replay(load_har(har), client, CONTRACT)
    assert result.exit_code == 1
    keys = {(f.operation, f.title) for f in result.failures}
    assert keys == {("DELETE /v3/workspaces/{workspace_id}/sessions/{session_id}", "status 202 (recorded) vs 200 (replayed)")}
    (failure,) = result.failures
    assert failure.curl.startswith("curl -sS -X DELETE 'http://replayed.invalid/v3/workspaces/drift/sessions/chat'") \
        or failure.curl.startswith("curl -sS -X DELETE http://replayed.invalid/v3/workspaces/drift/sessions/chat")


def test_the_proxy_shows_where_a_different_upstream_leaves_the_contract_and_the_mock(tmp_path: Path) -> None:
    """Upstream answers `total` as a string: response violations, and the shadow mock disagrees."""
    final, answers = record(BROKEN["wrong_types"].build(), tmp_path / "broken.har")
    assert all(a.status_code < 500 for a in answers)
    lists = {"POST /v3/workspaces/{workspace_id}/sessions/list", "POST /v3/workspaces/{workspace_id}/peers/{peer_id}/sessions",
             "POST /v3/workspaces/{workspace_id}/sessions/{session_id}/messages/list"}
    assert final["violations"]["response"] == 3, final
    assert set(final["violations"]["by_operation"]) == lists  # the refused request's is one of them
    assert final["shadow"]["differing"] == 3 and set(final["shadow"]["by_operation"]) == lists
    assert all(d["differences"] == ['$.total: deployment "1", mock 1'] or "total" in d["differences"][0]
               for d in final["shadow"]["recent_differences"])


def test_the_real_servers_recording_replays_on_the_mock_with_only_its_deliberate_deviations(tmp_path: Path) -> None:
    entries = load_har(real_recording_as_har(tmp_path / "real.har"))
    assert len(entries) == len(REAL)
    baseline = Baseline.load(DELIBERATE)
    for client in in_process(create_app(seed=11, api_version="3.0.7").app):  # a real 3.0.7 recorded it
        result = replay(entries, client, CONTRACT)
    for failure in result.failures:
        failure.known = baseline.matches(failure)
    assert not result.new_failures, described(result.new_failures)
    assert baseline.unseen(result.failures) == [], "every documented deviation still shows (else: remove it)"
    assert {f.operation for f in result.failures} == {e.operation for e in baseline.entries}


# --------------------------------------------------------------------------- diff
def diff(app_a: Any, app_b: Any, seed: int = 3, steps: int = 120) -> Any:
    transport_a, transport_b = ASGIAppTransport(app_a), ASGIAppTransport(app_b)
    try:
        return run_diff(DiffConfig(base_url="http://a.invalid", against="http://b.invalid", seed=seed, steps=steps,
                                   transport=transport_a, against_transport=transport_b), CONTRACT)
    finally:
        transport_a.close()
        transport_b.close()


def test_diff_of_two_mocks_finds_nothing() -> None:
    result = diff(fresh().app, create_app(seed=77).app)
    assert result.steps == 122 and result.compared == 122  # two workspaces, then the scenario
    assert not result.failures, described(result.failures)
    assert not result.cleanup_errors


@pytest.mark.parametrize(("name", "expected"), [
    ("wrong_status_code", {("DELETE /v3/workspaces/{workspace_id}/sessions/{session_id}", "status 202 (A) vs 200 (B)")}),
    ("child_through_other_parent",
     {("GET /v3/workspaces/{workspace_id}/sessions/{session_id}/messages/{message_id}", "status 404 (A) vs 200 (B)")}),
    ("message_order", {("POST /v3/workspaces/{workspace_id}/sessions/{session_id}/messages/list",
                        "$.items: the same records in another order")}),
    ("leak_across_workspaces", None),
    ("reverse_ignored", None),
])
def test_diff_of_the_mock_and_a_broken_variant_finds_the_break(name: str, expected: set[tuple[str, str]] | None) -> None:
    result = diff(fresh().app, BROKEN[name].build())
    assert result.exit_code == 1, f"{name} went unnoticed"
    keys = {(f.operation, f.title) for f in result.failures}
    if expected is not None:
        assert keys == expected, described(result.failures)
    assert all(f.curl and f.seed == 3 and any(s.startswith("B: curl") for s in f.steps) for f in result.failures)
    if name == "reverse_ignored":  # only lists are wrong, in the records they hold
        assert {op for op, _ in keys} <= {CONTRACT.label_of(o) for o in CONTRACT.operations if "list" in o or "sessions_for_peer" in o}
        assert {title for _, title in keys} <= {"$.items: other records", "$.items: the same records in another order"}
    if name == "leak_across_workspaces":  # the neighbour workspace's peers show up in the peer list
        assert {op for op, _ in keys} == {"POST /v3/workspaces/{workspace_id}/peers/list"}
        assert any(title.startswith("$.items") for _, title in keys), keys  # other peers listed (other records, or
        # the neighbour's peers of the same names, their metadata differing)


# --------------------------------------------------------------------------- command lines
def test_replay_command_exit_codes_and_baseline(tmp_path: Path) -> None:
    har = real_recording_as_har(tmp_path / "real.har")
    with loopback_server(create_app(seed=11, api_version="3.0.7").app) as url:  # a real 3.0.7 recorded it
        assert conformance_cli.main(["replay", str(har), "--base-url", url, "--details", "0"]) == 1
    with loopback_server(create_app(seed=11, api_version="3.0.7").app) as url:
        report_path = tmp_path / "replay.json"
        assert conformance_cli.main(["replay", str(har), "--base-url", url, "--baseline", str(DELIBERATE),
                                     "--json-report", str(report_path)]) == 0
    document = json.loads(report_path.read_text())
    assert document["exchanges"] == len(REAL) and document["groups"] and all(g["known"] for g in document["groups"])
    assert conformance_cli.main(["replay", str(tmp_path / "missing.har"), "--base-url", "http://127.0.0.1:9"]) == 2
    assert len(load_har(har, from_host="HONCHO-3.0.7.invalid")) == len(REAL) and load_har(har, from_host="cdn.example") == []


def test_diff_command_against_two_served_mocks() -> None:
    with loopback_server(create_app(seed=1).app) as a, loopback_server(create_app(seed=2).app) as b:
        assert conformance_cli.main(["diff", "--base-url", a, "--against", b, "--seed", "4", "--steps", "40"]) == 0
        # what it created is gone from both
        for url in (a, b):
            listed = httpx.post(url + "/v3/workspaces/list", json={}, timeout=10).json()
            assert listed["items"] == []


def test_honcho_mock_proxy_process_records_until_it_is_stopped(tmp_path: Path) -> None:
    har = tmp_path / "process.har"
    with loopback_server(create_app().app) as upstream:
        proxy = MockProcess("--proxy", upstream, "--record", str(har), "--shadow").wait_ready()
        try:
            created = httpx.post(proxy.url + "/v3/workspaces", json={"id": "p1"}, timeout=10)
            assert created.status_code == 201
            assert httpx.get(proxy.url + "/_proxy/report", timeout=10).json()["exchanges"] == 2  # /health, the create
            proxy.signal(signal.SIGTERM)
            assert proxy.wait() == 0 or proxy.popen.returncode == -signal.SIGTERM
        finally:
            proxy.kill()
        out, _ = proxy.output()
    entries = load_har(har)
    assert [e.answer.status for e in entries][-1] == 201
    assert "2 exchanges proxied" in out and "0 of 2 answers differ" in out


def test_a_session_recorded_by_the_mock_itself_replays_on_another_mock(tmp_path: Path) -> None:
    """`honcho-mock --record FILE` (no proxy): what an app did against the mock, to replay
    against a deployment; the mock's own routes are not recorded."""
    har = tmp_path / "mock.har"
    with MockProcess("--record", str(har), "--seed", "4") as mock:
        mock.wait_ready()
        with httpx.Client(base_url=mock.url, timeout=20) as client:
            traffic(client)
            assert client.post("/_mock/reset").status_code in (200, 204)
        mock.signal(signal.SIGTERM)
        mock.wait()
        out, _ = mock.output()
    assert "recording the exchanges to" in out
    entries = load_har(har)
    assert [e.target for e in entries][:2] == ["/health", "/v3/workspaces"]  # wait_ready's probe, then the app
    assert not any(e.target.startswith("/_mock/") for e in entries)
    for client in in_process(create_app(seed=8).app):
        result = replay(entries, client, CONTRACT)
    assert result.entries == len(entries) and not result.failures, described(result.failures)


def test_record_to_an_unwritable_place_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mockserver import cli

    assert cli.main(["--record", str(tmp_path / "no" / "such" / "dir" / "x.har"), "--port", "1"]) == 2
    assert "cannot start: --record" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--shadow"], ["--proxy", "ftp://x"],
                                  ["--proxy", "http://127.0.0.1:9", "--state-file", "s.json"],
                                  ["--proxy", "http://127.0.0.1:9", "--seed", "1"]])
def test_honcho_mock_refuses_proxy_options_that_do_not_fit(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from mockserver import cli

    assert cli.main(args) == 2
    assert "cannot start" in capsys.readouterr().err


# --------------------------------------------------------------------------- the normalisers
T1, T2 = "2026-11-24T15:23:28.240001Z", "2026-11-24T15:23:29.000000Z"


def _answer(value: Any, status: int = 200) -> Any:
    from conformance.drift.normalise import Answer

    return Answer(status, "application/json", json.dumps(value).encode())


def test_the_testers_normaliser_maps_ids_and_masks_what_servers_make_themselves() -> None:
    from conformance.drift.normalise import IdMap, compare

    ids = IdMap()
    first = [{"id": "a" * 21, "session_id": "s1", "created_at": T1, "token_count": 3, "content": "hi"}]
    second = [{"id": "b" * 21, "session_id": "s1", "created_at": T2, "token_count": 4, "content": "hi"}]
    assert compare(_answer(first), _answer(second), ids) == []
    assert ids.translate(f"/messages/{'a' * 21}") == f"/messages/{'b' * 21}"
    missing = {"detail": f"Message with ID {'a' * 21} not found"}
    assert compare(_answer(missing, 404), _answer({"detail": f"Message with ID {'b' * 21} not found"}, 404), ids) == []
    (status,) = compare(_answer(missing, 404), _answer(missing, 200), ids)
    assert status.title == "status 404 (recorded) vs 200 (replayed)"  # one root cause, not the bodies too
    (kind,) = compare(_answer({"total": 1}), _answer({"total": "1"}), ids)
    assert kind.title == "$.total: types differ"
    assert compare(_answer({"x": 1}), _answer({"x": 1.0}), ids) == []
    (whole,) = compare(_answer({"metadata": {"a": 1, "b": 2}}), _answer({"metadata": {"a": 2}}), ids)
    assert whole.title == "$.metadata: values differ"


def test_record_lists_are_compared_by_identity_with_ties_and_unordered_lists_allowed() -> None:
    from conformance.drift.normalise import IdMap, compare

    batch = [{"id": "m1", "created_at": T1}, {"id": "m2", "created_at": T1}, {"id": "m3", "created_at": T2}]
    swapped_tie = [batch[1], batch[0], batch[2]]
    moved = [batch[2], batch[0], batch[1]]
    assert compare(_answer({"items": batch}), _answer({"items": swapped_tie}), IdMap()) == []
    (order,) = compare(_answer({"items": batch}), _answer({"items": moved}), IdMap())
    assert order.title == "$.items: the same records in another order"
    assert compare(_answer({"items": batch}), _answer({"items": moved}), IdMap(), unordered=True) == []
    (other,) = compare(_answer({"items": batch}), _answer({"items": batch[:2]}), IdMap())
    assert other.title == "$.items: other records" and '"m3"' in other.detail


def test_the_shadow_normaliser_follows_the_same_rules() -> None:
    from mockserver.proxy.shadow import IdPairs, compare

    def body(value: Any) -> bytes:
        return json.dumps(value).encode()

    ids = IdPairs()
    up = [{"id": "a" * 21, "created_at": T1, "token_count": 3, "metadata": {}}]
    mock = [{"id": "b" * 21, "created_at": T2, "token_count": 1, "metadata": {}}]
    assert compare("op", ids, 201, "application/json", body(up), 201, "application/json", body(mock)).differences == []
    assert ids.translate(f"/x/{'a' * 21}") == f"/x/{'b' * 21}"
    batch = [{"id": "m1", "created_at": T1}, {"id": "m2", "created_at": T1}, {"id": "m3", "created_at": T2}]
    moved = [batch[2], batch[0], batch[1]]
    differences = compare("op", IdPairs(), 200, "application/json", body({"items": batch}), 200, "application/json",
                          body({"items": moved})).differences
    assert differences and differences[0].startswith("$.items: the same records in another order")
    peers = "GET /v3/workspaces/{workspace_id}/sessions/{session_id}/peers"
    assert compare(peers, IdPairs(), 200, "application/json", body({"items": batch}), 200, "application/json",
                   body({"items": moved})).differences == []
    assert compare("op", IdPairs(), 200, "application/json", b"{}", 404, "application/json", b"{}").differences == \
        ["status: deployment 200 {}, mock 404 {}"]


def test_the_official_sdk_through_the_shadowing_proxy(tmp_path: Path) -> None:
    """An app on honcho-ai sees no difference through the proxy; its traffic is valid and
    the shadow mock agrees with the deployment; the recording replays on a fresh mock."""
    from honcho import Honcho

    har = tmp_path / "sdk.har"
    with loopback_server(create_app(seed=2).app) as upstream:
        proxy = Proxy(upstream, har, shadow=True)
        with loopback_server(proxy.app) as url:
            honcho = Honcho(base_url=url, workspace_id="sdk-drift", api_key="unused", max_retries=0, timeout=20)
            alice, bot = honcho.peer("alice", metadata={"role": "user"}), honcho.peer("bot")
            chat = honcho.session("chat", metadata={"topic": "tea"})
            chat.add_peers([alice, bot])
            chat.add_messages([alice.message("hello there"), bot.message("hi alice"), alice.message("tea?")])
            first = chat.messages().items[0]
            chat.update_message(first, metadata={"edited": True})
            assert chat.get_message(first.id).metadata == {"edited": True}
            assert [m.content for m in chat.messages(reverse=True, size=2).items] == ["tea?", "hi alice"]
            assert [s.id for s in alice.sessions()] == ["chat"]
            chat.set_metadata({"topic": "coffee"})
            final = report(url)
    assert final["exchanges"] >= 10
    assert final["violations"]["request"] == 0 and final["violations"]["response"] == 0, final["recent_violations"]
    assert final["shadow"]["differing"] == 0, final["shadow"]["recent_differences"]
    for client in in_process(create_app().app):
        result = replay(load_har(har), client, CONTRACT)
    assert not result.failures, described(result.failures)


def test_diff_keeps_to_its_request_budget() -> None:
    transport_a, transport_b = ASGIAppTransport(fresh().app), ASGIAppTransport(create_app().app)
    try:
        result = run_diff(DiffConfig(base_url="http://a.invalid", against="http://b.invalid", seed=1, steps=500,
                                     max_requests=41, transport=transport_a, against_transport=transport_b), CONTRACT)
    finally:
        transport_a.close()
        transport_b.close()
    assert result.steps == 20 and "budget" in result.stopped  # 41 requests: 20 steps on both, the 21st refused
    assert not result.failures and not result.cleanup_errors
