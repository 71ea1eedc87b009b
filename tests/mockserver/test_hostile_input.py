"""Hostile input: nothing a client sends makes the mock fail, leak, or change state when refused.

- schemathesis' positive and negative generation over every operation of openapi.yaml
  (at least 5,000 cases) against the mock on a loopback port: no 5xx, every refusal in
  the contract's error shape with a status the contract declares (or one of the known
  gaps below), the state unchanged by every refused request, and neither the bearer
  token sent nor a stack trace ever in an answer;
- bodies over the limit refused (413) before they are read whole, deeply nested JSON,
  huge numbers, null bytes, invalid UTF-8, and slow clients, none of which disturbs the
  other clients' requests;
- the mock binds 127.0.0.1 unless told otherwise, fixtures come only from the path given,
  and error answers carry no secrets or stack traces.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import requests
import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings
from jsonschema import Draft202012Validator
from support import SPEC, loopback_server
from support.mock_process import MockProcess, run_cli

from mockserver import create_app
from mockserver.handlers.registry import OPERATIONS
from mockserver.json_text import MAX_JSON_DEPTH
from mockserver.state.fixtures import dump_state
from mockserver.state.store import Store

SECRET = "sk-hostile-test-4f1c2a9e7b"
CONTRACT = yaml.safe_load(SPEC.read_text())
CASES_PER_OPERATION_AND_MODE = 60
MINIMUM_CASES = 5000

_ERROR_SCHEMA = {
    "anyOf": [{"$ref": "#/components/schemas/HTTPValidationError"}, {"$ref": "#/components/schemas/ErrorDetail"}],
    "components": CONTRACT["components"],
}
ERROR_SHAPE = Draft202012Validator(_ERROR_SCHEMA)


def fingerprint(store: Store) -> str:
    """Everything a request could change: the dump, plus each peer's list of sessions."""
    peers_sessions = [(wid, pid, sorted(p.sessions)) for wid, w in store.workspaces.items() for pid, p in w.peers.items()]
    return repr((dump_state(store), peers_sessions))


def declared_statuses(method: str, path: str) -> set[int]:
    return {int(code) for code in CONTRACT["paths"][path][method.lower()]["responses"] if code.isdigit()}


def routing_miss(status: int, body: Any) -> bool:
    """A path no route matches (a path parameter holding `/`, or empty): connexion's 404/405, not the operation's."""
    return (status, body) in ((404, {"detail": "Not Found"}), (405, {"detail": "Method Not Allowed"}))


def leaks(text: str) -> str | None:
    for needle in (SECRET, "Traceback", 'File "/', "site-packages"):
        if needle in text:
            return needle
    return None


@pytest.mark.timeout(900)  # over 5,000 cases: about 4 minutes on a loaded 2-core machine
def test_schemathesis_positive_and_negative_cases(tmp_path: Path) -> None:
    import schemathesis
    from schemathesis import GenerationMode

    run_seed = int(os.environ.get("HOSTILE_SEED", int.from_bytes(os.urandom(4), "big")))
    server = create_app(seed=3)
    schema = schemathesis.openapi.from_path(SPEC)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(CONTRACT_OPERATIONS)
    problems: list[str] = []
    undeclared: dict[tuple[str, int], str] = {}  # (operation, status) -> the first such answer and its request
    counts = {"cases": 0, "rejected": 0, "unsendable": 0}
    with loopback_server(server.app) as url, requests.Session() as session:
        def make_check(operation: Any, mode: Any, declared: set[int]) -> Any:
            def check(case: Any) -> None:
                before = fingerprint(server.store)
                try:
                    response = case.call(base_url=url, session=session, headers={"Authorization": f"Bearer {SECRET}"},
                                         timeout=30)
                except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, ValueError, UnicodeError):
                    counts["unsendable"] += 1  # the client library itself refuses to send it
                    return
                counts["cases"] += 1
                status, text = response.status_code, response.text
                where = f"{mode.value} {operation.label} -> {status}: {text[:300]}\n    {case.as_curl_command()[:600]}"
                if status >= 500:
                    problems.append("5xx: " + where)
                if (needle := leaks(text + json.dumps(dict(response.headers)))) is not None:
                    problems.append(f"answer contains {needle!r}: " + where)
                if status >= 400:
                    counts["rejected"] += 1
                    try:
                        body = response.json()
                    except ValueError:
                        body = None
                    if body is None or not ERROR_SHAPE.is_valid(body):
                        problems.append("not in the error shape: " + where)
                    if status not in declared and not routing_miss(status, body):
                        undeclared.setdefault((operation.label, status), where)
                    if fingerprint(server.store) != before:
                        problems.append("a refused request changed the state: " + where)
                if server.store.counts()["messages"] > 5000:
                    server.reset()

            return check

        for operation in operations:
            declared = declared_statuses(operation.method, operation.path)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    strategy = operation.as_strategy(generation_mode=mode)
                except Exception as exc:  # noqa: BLE001 (nothing negative can be made for this operation)
                    problems.append(f"cannot generate {mode.value} cases for {operation.label}: {exc!r}")
                    continue
                run = seed(run_seed)(settings(max_examples=CASES_PER_OPERATION_AND_MODE, deadline=None, database=None,
                                              phases=[Phase.generate], suppress_health_check=list(HealthCheck),
                                              print_blob=False)(given(strategy)(make_check(operation, mode, declared))))
                try:
                    run()
                except Exception as exc:  # noqa: BLE001
                    if type(exc).__name__ != "Unsatisfiable":  # e.g. no negative case exists for GET /health
                        problems.append(f"{mode.value} {operation.label}: generation failed: {exc!r}"[:500])
    unexpected = sorted(undeclared)
    summary = (f"seed {run_seed} (rerun with HOSTILE_SEED={run_seed}): {counts['cases']} cases, {counts['rejected']} refused, "
               f"{counts['unsendable']} unsendable; undeclared statuses: {sorted(undeclared)}")
    print(summary)
    assert not problems, summary + "\n" + "\n".join(problems[:30])
    assert not unexpected, (f"statuses the contract does not declare: {unexpected}\n{summary}\n"
                            + "\n".join(undeclared[key] for key in unexpected))
    assert counts["cases"] >= MINIMUM_CASES, summary


CONTRACT_OPERATIONS = [(m, p) for p, ops in CONTRACT["paths"].items() for m in ops
                       if m in ("get", "put", "post", "delete", "patch")]


# -- raw HTTP --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mock() -> Iterator[tuple[Any, str, int]]:
    server = create_app(max_body=64 * 1024)
    with loopback_server(server.app) as url:
        yield server, url, int(url.rsplit(":", 1)[1])


def exchange(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_answer(sock)


def read_answer(sock: socket.socket) -> bytes:
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(65536)
        if not chunk:
            return answer
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def post(path: str, body: bytes, content_type: str = "application/json") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def json_of(answer: bytes) -> Any:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


def test_a_body_over_the_limit_is_refused_before_it_is_sent(mock: tuple[Any, str, int]) -> None:
    _, _, port = mock
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /v3/workspaces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 10000000000\r\n\r\n")  # 10 GB announced, nothing sent
        started = time.monotonic()
        answer = read_answer(sock)
    assert status_of(answer) == 413 and time.monotonic() - started < 3
    assert json_of(answer) == {"detail": "Request body exceeds the limit of 65536 bytes"}


def test_a_chunked_body_is_cut_off_at_the_limit(mock: tuple[Any, str, int]) -> None:
    server, _, port = mock
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /v3/workspaces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        piece = b"[" + b" " * 16382 + b"\n"
        for _ in range(5):  # 80 kB of an endless body; the end is never sent
            sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        answer = read_answer(sock)
    assert status_of(answer) == 413
    assert server.store.counts()["workspaces"] == 0


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH - 2, MAX_JSON_DEPTH + 1, 300, 600, 900, 995, 5000, 200_000])
def test_deeply_nested_json(mock: tuple[Any, str, int], depth: int) -> None:
    server, url, port = mock
    nested = '{"a": ' * depth + "1" + "}" * depth
    listed = "[" * depth + "]" * depth
    bodies = {
        "/v3/workspaces": f'{{"id": "deep{depth}", "metadata": {nested}}}',
        "/v3/workspaces/deep/peers": f'{{"id": "p{depth}", "metadata": {{"x": {listed}}}}}',
        "/v3/workspaces/deep/sessions/s/messages": f'{{"messages": [{{"peer_id": "a", "content": "x", "metadata": {nested}}}]}}',
        "/v3/workspaces/list": f'{{"filters": {{"metadata": {nested}}}}}',
        "/v3/workspaces/deep/sessions/list": '{"filters": ' + '{"AND": [' * depth + "{}" + "]}" * depth + "}",
    }
    for path, body in bodies.items():
        if len(body) > 60_000:
            continue  # over --max-body: that is the other test
        before = dump_state(server.store)
        answer = exchange(port, post(path, body.encode()))
        status = status_of(answer)
        assert status < 500, (path, answer[:300])
        assert ERROR_SHAPE.is_valid(json_of(answer)) if status >= 400 else True, answer[:300]
        if status >= 400:
            assert dump_state(server.store) == before
    assert httpx.get(url + "/_mock/state").status_code == 200  # what was stored can still be dumped and answered


@pytest.mark.parametrize("number", ["1e400", "-1e400", "9" * 5000, "9" * 4000, "1.7976931348623157e308", "NaN",
                                    "-Infinity", "1" + "0" * 400 + ".5", "-0", "1e-400"])
def test_huge_numbers(mock: tuple[Any, str, int], number: str) -> None:
    _, url, port = mock
    answer = exchange(port, post("/v3/workspaces", f'{{"id": "num", "metadata": {{"n": {number}}}}}'.encode()))
    assert status_of(answer) in (200, 201, 400, 422), answer[:300]
    assert ERROR_SHAPE.is_valid(json_of(answer)) if status_of(answer) >= 400 else json_of(answer)["id"] == "num"
    for query in (f"page={number}", f"size={number}", f"page=1{'0' * 50}"):
        answer = exchange(port, post(f"/v3/workspaces/list?{query}", b"{}"))
        assert status_of(answer) in (200, 422), answer[:300]


NULLS_AND_BAD_UTF8 = {
    "null in id": ("/v3/workspaces", b'{"id": "a\\u0000b"}'),
    "null in content": ("/v3/workspaces/nul/sessions/s/messages", b'{"messages": [{"peer_id": "a", "content": "x\\u0000y"}]}'),
    "null in a metadata key": ("/v3/workspaces", b'{"id": "nul", "metadata": {"k\\u0000": "\\u0000"}}'),
    "raw null byte": ("/v3/workspaces", b'{"id": "a\x00b"}'),
    "lone surrogate": ("/v3/workspaces", b'{"id": "sur", "metadata": {"k": "\\ud800"}}'),
    "invalid utf-8 in a string": ("/v3/workspaces", b'{"id": "\xff\xfe"}'),
    "invalid utf-8 body": ("/v3/workspaces", b"\xff\xfe\x00{"),
    "overlong utf-8": ("/v3/workspaces", b'{"id": "\xc0\xae"}'),
    "utf-16 body": ("/v3/workspaces", '{"id": "u16"}'.encode("utf-16")),
    "null in path": ("/v3/workspaces/a%00b/peers", b'{"id": "p"}'),
    "invalid utf-8 in path": ("/v3/workspaces/%FF%FE/peers", b'{"id": "p"}'),
    "invalid utf-8 in query": ("/v3/workspaces/list?page=%FF&size=%00", b"{}"),
    "non-json content type": ("/v3/workspaces", b"\x00\x01\x02"),
}


@pytest.mark.parametrize("name", list(NULLS_AND_BAD_UTF8))
def test_null_bytes_and_invalid_utf8(mock: tuple[Any, str, int], name: str) -> None:
    server, url, port = mock
    path, body = NULLS_AND_BAD_UTF8[name]
    before = dump_state(server.store)
    content_type = "application/octet-stream" if name == "non-json content type" else "application/json"
    answer = exchange(port, post(path, body, content_type))
    status = status_of(answer)
    assert status < 500, answer[:300]
    if status >= 400:
        assert ERROR_SHAPE.is_valid(json_of(answer)), answer[:300]
        assert dump_state(server.store) == before
    assert httpx.get(url + "/_mock/state").status_code == 200


def test_bad_bytes_in_headers_and_request_lines_get_an_answer(mock: tuple[Any, str, int]) -> None:
    _, url, port = mock
    for raw in (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: \xff\xfe\r\n\r\n",
                b"GET /he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n",
                b"\xff\xfe\xfd\r\n\r\n",
                b"POST /v3/workspaces HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                b"POST /v3/workspaces HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"):
        answer = exchange(port, raw)
        assert answer == b"" or status_of(answer) < 500, (raw, answer[:300])
    assert httpx.get(url + "/health").status_code == 200


def test_slow_clients_do_not_hold_up_the_others(mock: tuple[Any, str, int]) -> None:
    """40 clients trickle their requests a byte at a time and never finish while the test runs; 100
    other requests are all answered meanwhile. The condition is what happened, not how long it took:
    every fast request is answered while every slow request is still unfinished."""
    _, url, port = mock
    stop = threading.Event()
    sockets: list[socket.socket] = []
    finished: list[bytes] = []

    def trickle(data: bytes) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sockets.append(sock)
        try:
            for byte in data:
                if stop.is_set():
                    return
                sock.sendall(bytes([byte]))
                stop.wait(0.05)
            finished.append(data)
        except OSError:
            pass

    # at a byte per 50 ms these take minutes to send: they are still arriving when the test ends
    slow_requests = [b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4000 + b"\r\n\r\n",
                     post("/v3/workspaces", b'{"id": "slow", "metadata": {"pad": "' + b"p" * 4000 + b'"}}')]
    threads = [threading.Thread(target=trickle, args=(slow_requests[i % 2],), daemon=True) for i in range(40)]
    for thread in threads:
        thread.start()
    try:
        while len(sockets) < len(threads):  # every slow client is connected and sending
            if not any(thread.is_alive() for thread in threads):
                break
            stop.wait(0.01)

        async def fast() -> list[int]:
            async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                async def one(n: int) -> int:
                    answer = await client.post(f"/v3/workspaces/fast/sessions/s{n % 5}/messages",
                                               json={"messages": [{"peer_id": "a", "content": f"m{n}"}]})
                    return answer.status_code
                return await asyncio.gather(*(one(n) for n in range(100)))

        statuses = asyncio.run(fast())
        assert statuses == [201] * 100
        assert not finished, "a slow request finished sending before the fast ones were all answered"
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        for sock in sockets:
            sock.close()


# -- security ------------------------------------------------------------------------
def test_error_answers_carry_no_secret_and_no_stack_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(store: Any, request: Any) -> Any:
        raise RuntimeError(f"internal failure holding {SECRET} and {request.headers.get('authorization')}")

    monkeypatch.setitem(OPERATIONS, "health_check_health_get", broken)
    server = create_app()
    headers = {"Authorization": f"Bearer {SECRET}", "X-Api-Key": SECRET, "Cookie": f"session={SECRET}"}
    with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=10, headers=headers) as client:
        answers = [
            client.get("/health"),  # a handler that crashes
            client.post("/v3/workspaces", json={"id": "bad id", "metadata": "not an object"}),
            client.post("/v3/workspaces", content=b"{not json"),
            client.post("/v3/workspaces", content=b'{"id": 1e999}', headers={"content-type": "application/json"}),
            client.get("/v3/workspaces/w/sessions/s/messages/nope"),
            client.get("/v3/nowhere"),
            client.patch("/v3/workspaces/w"),
            client.post("/_mock/fixtures", content=b"[1"),
            client.post("/_mock/fixtures", json={"workspaces": [{"id": SECRET.upper(), "sessions": 5}]}),
        ]
    assert answers[0].status_code == 500 and answers[0].json() == {"detail": "An unexpected error occurred"}
    for answer in answers:
        text = answer.text + json.dumps(dict(answer.headers))
        assert leaks(text) is None, (answer.request.url, answer.status_code, text[:500])
        assert answer.headers["content-type"].startswith("application/json")


def test_the_mock_binds_loopback_unless_told_otherwise() -> None:
    from mockserver.cli import build_parser

    assert build_parser().parse_args([]).host == "127.0.0.1"
    with MockProcess(host=None) as process:  # no --host at all
        process.wait_ready()
        listening = _listening_addresses(process.port)
    assert listening == {"127.0.0.1"}, listening


def _listening_addresses(port: int) -> set[str]:
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # LISTEN
                if width == 8:
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.add(f"ipv6:{address}")
    return found


def test_fixtures_come_only_from_the_path_given(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(f"workspaces: !!python/object/apply:builtins.open ['{secret_file}']\n")
    result = run_cli(["--fixtures", str(hostile)])
    assert result.returncode == 2 and SECRET not in result.stderr + result.stdout and "Traceback" not in result.stderr
    included = tmp_path / "include.yaml"
    included.write_text(f"workspaces: [{{id: w, metadata: {{$ref: '{secret_file.as_uri()}'}}}}]\n")
    server = create_app(fixtures=yaml.safe_load(included.read_text()))
    assert server.store.workspaces["w"].record["metadata"] == {"$ref": secret_file.as_uri()}  # kept as data, never read
    with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=10) as client:
        for body in (json.dumps(str(secret_file)), json.dumps({"path": str(secret_file)}),
                     json.dumps({"fixtures": str(secret_file)}), json.dumps({"workspaces": str(secret_file)})):
            answer = client.post("/_mock/fixtures", content=body)  # a document, never a path to read
            assert answer.status_code in (200, 422) and SECRET not in answer.text, answer.text
            assert server.store.counts() == {"workspaces": 1, "peers": 0, "sessions": 0, "messages": 0}
