"""How honcho-mock is served: uvicorn (uvloop, httptools), answers written at the end of a turn.

Under concurrent load the costliest thing a fast answer does is not the work behind it but
its `send()`: each write to a socket whose client sleeps in `epoll_wait` makes the kernel
wake that client, and on a small virtual machine waking a process on the other CPU costs
~15 µs of kernel time per answer, a third of a whole get-or-create (bench/results.md,
"Write coalescing").
When several requests are in flight, uvicorn's event loop serves them in one turn, so this
protocol keeps each connection's answer until the turn ends and then writes them all,
head and body in one write: the client is woken once per turn instead of once per answer,
as Redis writes its replies just before its event loop sleeps. A request served alone
(one client, one request at a time: the common case of a test suite or an app) is written
at once, exactly as uvicorn writes it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any, Callable

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("uvicorn.error")


class _TurnFlusher:
    """Writes every connection's held bytes once the event loop's current turn is done.

    `call_soon` from inside a turn runs in the next one, after its I/O poll: by then every
    request that was ready in this turn has been answered."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._held: list[_CoalescedWrites] = []

    def hold(self, writes: _CoalescedWrites) -> None:
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(writes)

    def flush(self) -> None:
        held, self._held = self._held, []
        for writes in held:
            try:
                writes.flush()
            except Exception:  # one broken connection must not keep the others' answers
                logger.exception("writing a held answer failed; closing that connection")
                writes.abort()


class _CoalescedWrites:
    """The connection's transport, with writes held while other requests are in flight.

    Everything but `write` and `close` is the transport's own (pausing reads, extra info,
    `is_closing`); `close` writes what is held first, so nothing is lost on `Connection:
    close` or a keep-alive timeout."""

    def __init__(self, transport: asyncio.Transport, flusher: _TurnFlusher, in_flight: set[Any]) -> None:
        self._transport = transport
        self._flusher = flusher
        self._in_flight = in_flight  # uvicorn's set of running request tasks, all connections
        self._held: list[bytes] = []

    def write(self, data: bytes) -> None:
        if self._held:
            self._held.append(data)
        elif len(self._in_flight) <= 1:  # served alone: nobody to share a wake-up with
            self._transport.write(data)
        else:
            self._held.append(data)
            self._flusher.hold(self)

    def flush(self) -> None:
        if not self._held:
            return
        data = b"".join(self._held)
        self._held = []
        if not self._transport.is_closing():  # the client went away: its answer goes nowhere
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, whose answers go out at the end of the loop's turn."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        in_flight = getattr(self, "tasks", None)  # uvicorn's running request tasks (0.2x to 0.5x)
        if in_flight is None:  # a uvicorn that keeps them elsewhere: write as it writes
            super().connection_made(transport)
            return
        flusher = getattr(self.server_state, "turn_flusher", None)
        if flusher is None:  # one per server, and so per event loop
            flusher = self.server_state.turn_flusher = _TurnFlusher(self.loop)  # type: ignore[attr-defined]
        super().connection_made(_CoalescedWrites(transport, flusher, in_flight))  # type: ignore[arg-type]


def server_options(log_level: str = "warning") -> dict[str, Any]:
    """uvicorn's options as honcho-mock runs (the bench ceiling and the tests serve with them too).

    uvicorn formats each access-log line's arguments before its logger drops them: below
    `info` the access log is off, which saves ~3 µs per request."""
    return {"log_level": log_level, "lifespan": "on", "http": CoalescingHttpProtocol,
            "access_log": log_level in ("info", "debug", "trace")}


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything says it serves (OSError if it cannot be):
    as uvicorn binds it (SO_REUSEADDR, IPv6 for an address with a colon), port 0 for any free one."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class ReadyServer(uvicorn.Server):
    """uvicorn's server, which says when it really serves: after its start-up (lifespan, listening)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None,
                 on_shutdown: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._on_ready = on_ready
        self._on_shutdown = on_shutdown

    @classmethod
    def over(cls, app: Any, sock: socket.socket, log_level: str = "warning", on_ready: Callable[[], None] | None = None,
             on_shutdown: Callable[[], None] | None = None) -> "ReadyServer":
        """A server for `app` on the bound `sock` (run it with `run(sockets=[sock])`)."""
        host, port = sock.getsockname()[:2]
        return cls(uvicorn.Config(app, host=host, port=port, **server_options(log_level)), on_ready, on_shutdown)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self._on_ready is not None and not self.should_exit:
            self._on_ready()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown, then `on_shutdown`: before uvicorn re-raises a SIGTERM it caught,
        which ends the process without returning from `run`."""
        await super().shutdown(sockets)
        if self._on_shutdown is not None:
            self._on_shutdown()


def serve(app: Any, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning",
          sock: socket.socket | None = None, on_ready: Callable[[], None] | None = None,
          on_shutdown: Callable[[], None] | None = None) -> None:
    """Serve `app` on `sock` (else on host:port, bound here) until SIGINT/SIGTERM; `on_ready` runs
    once requests are being answered, `on_shutdown` once they no longer are."""
    sock = sock if sock is not None else bind(host, port)
    server = ReadyServer.over(app, sock, log_level, on_ready, on_shutdown)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C, re-raised by uvicorn once it has shut down: a normal end (as uvicorn.run)
        pass
    finally:
        sock.close()
