"""The server honcho-mock runs on: uvicorn whose answers are held until the loop's turn ends.

Holding answers must never change what a client receives: every connection gets its own
answers, complete and in order, whether it is served alone, among many, pipelined, closed
after the answer, streamed, or gone before its answer was written.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from support import loopback_server

from mockserver.http.serving import (
    CoalescingHttpProtocol,
    _CoalescedWrites,
    _TurnFlusher,
    server_options,
)


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the request's path and body; `/slow` waits for a release event first,
    `/stream` answers in three chunks."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = await Request(scope, receive).body()
    if scope["path"] == "/slow":
        await asyncio.get_running_loop().run_in_executor(None, RELEASE_SLOW.wait, 20)
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for chunk in (b"one ", b"two ", b"three"):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    payload = scope["path"].encode() + b"|" + body
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


RELEASE_SLOW = threading.Event()


@pytest.fixture(scope="module")
def base_url() -> Any:
    with loopback_server(echo_app) as url:
        yield url


def test_the_mock_is_served_with_the_coalescing_protocol() -> None:
    assert server_options()["http"] is CoalescingHttpProtocol
    assert server_options("warning")["access_log"] is False
    assert server_options("info")["access_log"] is True


def test_concurrent_clients_each_get_their_own_answers(base_url: str) -> None:
    async def run() -> list[tuple[str, bytes]]:
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=20) as client:
            async def one(i: int) -> tuple[str, bytes]:
                answer = await client.post(f"/item/{i}", content=f"body {i}".encode())
                return answer.text, answer.content
            return await asyncio.gather(*(one(i) for i in range(400)))

    answers = asyncio.run(run())
    assert [text for text, _ in answers] == [f"/item/{i}|body {i}" for i in range(400)]


def read_answers(sock: socket.socket, count: int) -> list[bytes]:
    """`count` HTTP/1.1 answers with content-length from a raw socket: their bodies, in order."""
    buffer, bodies = b"", []
    while len(bodies) < count:
        head_end = buffer.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buffer[:head_end].decode("latin-1").lower()
            length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
            if len(buffer) >= head_end + 4 + length:
                bodies.append(buffer[head_end + 4:head_end + 4 + length])
                buffer = buffer[head_end + 4 + length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(bodies)} answers"
        buffer += chunk
    return bodies


def test_pipelined_requests_are_answered_in_order(base_url: str) -> None:
    port = int(base_url.rsplit(":", 1)[1])
    requests = b"".join(f"POST /p/{i} HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\n\r\n{i}".encode() for i in range(5))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(requests)
        assert read_answers(sock, 5) == [f"/p/{i}|{i}".encode() for i in range(5)]


def test_connection_close_gets_the_whole_answer_first(base_url: str) -> None:
    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base_url, timeout=20) as client:
            return await asyncio.gather(*(client.post(f"/close/{i}", content=b"x" * 70_000, headers={"connection": "close"})
                                          for i in range(20)))

    for i, answer in enumerate(asyncio.run(run())):
        assert answer.status_code == 200
        assert answer.content == f"/close/{i}|".encode() + b"x" * 70_000


def test_streamed_answers_arrive_whole_among_other_requests(base_url: str) -> None:
    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base_url, timeout=20) as client:
            return await asyncio.gather(*(client.get("/stream" if i % 2 else f"/plain/{i}") for i in range(20)))

    for i, answer in enumerate(asyncio.run(run())):
        assert answer.text == ("one two three" if i % 2 else f"/plain/{i}|")


def test_an_answer_is_not_held_behind_a_request_still_in_flight(base_url: str) -> None:
    """A slow request keeps another task in flight: a fast answer must still go out at the end
    of its turn, not wait for the slow one."""
    RELEASE_SLOW.clear()
    with httpx.Client(base_url=base_url, timeout=20) as slow_client, httpx.Client(base_url=base_url, timeout=20) as fast:
        outcome: dict[str, Any] = {}
        slow = threading.Thread(target=lambda: outcome.update(slow=slow_client.get("/slow").text))
        slow.start()
        try:
            for i in range(5):
                assert fast.get(f"/fast/{i}").text == f"/fast/{i}|"
            assert "slow" not in outcome  # the fast answers came while the slow one was held
        finally:
            RELEASE_SLOW.set()
            slow.join(20)
    assert outcome["slow"] == "/slow|"


def test_a_client_gone_before_its_answer_leaves_the_server_serving(base_url: str) -> None:
    port = int(base_url.rsplit(":", 1)[1])
    for _ in range(10):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /gone HTTP/1.1\r\nhost: x\r\n\r\n")
    assert httpx.get(base_url + "/after", timeout=10).text == "/after|"


class FakeTransport:
    def __init__(self, broken: bool = False) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.broken = broken

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        if self.broken:
            raise OSError("broken transport")
        self.writes.append(data)

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_writes_are_held_to_the_end_of_the_turn_and_joined() -> None:
    async def run() -> None:
        flusher = _TurnFlusher(asyncio.get_running_loop())
        in_flight = {"this request", "another"}
        first, second = FakeTransport(), FakeTransport()
        a, b = _CoalescedWrites(first, flusher, in_flight), _CoalescedWrites(second, flusher, in_flight)  # type: ignore[arg-type]
        a.write(b"head-a ")
        b.write(b"head-b ")
        a.write(b"body-a")
        assert first.writes == [] and second.writes == []
        await asyncio.sleep(0)  # the turn ends
        assert first.writes == [b"head-a body-a"] and second.writes == [b"head-b "]
        assert a.get_extra_info("peername") == "info:peername"

    asyncio.run(run())


def test_a_request_served_alone_is_written_at_once() -> None:
    async def run() -> None:
        transport = FakeTransport()
        writes = _CoalescedWrites(transport, _TurnFlusher(asyncio.get_running_loop()), {"only this request"})  # type: ignore[arg-type]
        writes.write(b"head ")
        writes.write(b"body")
        assert transport.writes == [b"head ", b"body"]

    asyncio.run(run())


def test_close_writes_what_is_held_and_a_closed_transport_gets_nothing() -> None:
    async def run() -> None:
        flusher = _TurnFlusher(asyncio.get_running_loop())
        kept, gone = FakeTransport(), FakeTransport()
        closing = _CoalescedWrites(kept, flusher, {1, 2})  # type: ignore[arg-type]
        closing.write(b"last answer")
        closing.close()
        assert kept.writes == [b"last answer"] and kept.closed
        dropped = _CoalescedWrites(gone, flusher, {1, 2})  # type: ignore[arg-type]
        dropped.write(b"for nobody")
        gone.closed = True  # the client went away within the turn
        await asyncio.sleep(0)
        assert gone.writes == []

    asyncio.run(run())


def test_a_failing_write_does_not_keep_other_connections_answers() -> None:
    async def run() -> None:
        flusher = _TurnFlusher(asyncio.get_running_loop())
        broken, fine = FakeTransport(broken=True), FakeTransport()
        _CoalescedWrites(broken, flusher, {1, 2}).write(b"lost")  # type: ignore[arg-type]
        _CoalescedWrites(fine, flusher, {1, 2}).write(b"delivered")  # type: ignore[arg-type]
        await asyncio.sleep(0)
        assert broken.closed and fine.writes == [b"delivered"]

    asyncio.run(run())
