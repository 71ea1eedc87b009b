#!/usr/bin/env python3
"""CPU time of one request through the mock's whole ASGI app, without sockets or a server.

    .venv/bin/python bench/inprocess.py [--scenario seed,batch] [--requests 2000] [--repeat 5]
    .venv/bin/python bench/inprocess.py --scenario batch --profile   # cProfile, top functions

The wrk figures of bench/run.py move with the machine's load; this loop is what each
optimisation was judged by first (bench/results.md, Optimisation log): the same four
requests as bench/run.py, against the same data seeded through the same calls, sent
straight to `MockServer.app`. It prints the best of `--repeat` rounds, in µs of process
CPU per request (what the server would spend on top of the HTTP server's own work).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import workloads as wl  # noqa: E402
from loadgen import AUTH  # noqa: E402

from mockserver import create_app  # noqa: E402
from mockserver.cli import settle_garbage_collector  # noqa: E402


@dataclass
class Answer:
    status: int
    body: bytes


class InProcessClient:
    """The `Client.call` of loadgen.py, answered by an ASGI app in this process."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Answer:
        payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        return self.loop.run_until_complete(self.send(method, path, payload))

    async def send(self, method: str, target: str, payload: bytes) -> Answer:
        path, _, query = target.partition("?")
        headers = [(k.lower().encode(), v.encode()) for k, v in AUTH.items()]
        headers += [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode())]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                 "root_path": "", "headers": headers, "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 40000)}
        messages = [{"type": "http.request", "body": payload, "more_body": False}]
        status, chunks = 0, []

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return Answer(status, b"".join(chunks))

    def round(self, scenario: wl.Scenario, count: int, server: Any = None) -> float:
        """CPU seconds per request over `count` requests (the request log's lines written too)."""
        payload = scenario.body_bytes()

        async def loop() -> None:
            for _ in range(count):
                await self.send(scenario.method, scenario.path, payload)

        started = time.process_time()
        self.loop.run_until_complete(loop())
        if server is not None and server.request_log is not None:
            server.request_log.flush()
        return (time.process_time() - started) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default=",".join(wl.SCENARIOS), help="comma-separated: " + ", ".join(wl.SCENARIOS))
    parser.add_argument("--requests", type=int, default=2000, help="requests per round")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the best is printed")
    parser.add_argument("--profile", action="store_true", help="one cProfile'd round per scenario instead")
    parser.add_argument("--request-log", default="text", choices=["text", "json", "off"],
                        help="the request log as honcho-mock writes it (default text, as it starts; off: --quiet), "
                             "written to /dev/null: its formatting and writes are counted")
    args = parser.parse_args()
    names = [n for n in args.scenario.split(",") if n]
    unknown = [n for n in names if n not in wl.SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    sink = open(os.devnull, "w")
    log = None if args.request_log == "off" else args.request_log
    # as honcho-mock starts it: full validation, unseeded, record cap on, request log on
    server = create_app(request_log=log, log_stream=sink)
    client = InProcessClient(server.app)
    chat = any(wl.SCENARIOS[n].needs_messages for n in names)
    wl.seed_through_api(client, messages=chat)  # type: ignore[arg-type]
    settle_garbage_collector()  # as honcho-mock does once it has started
    for name in names:
        scenario = wl.SCENARIOS[name]
        answer = client.call(scenario.method, scenario.path, raw=scenario.body_bytes())
        if answer.status >= 300:
            raise SystemExit(f"{name}: HTTP {answer.status}: {answer.body[:300]!r}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(client.round, scenario, args.requests)
            print(f"== {name}")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
            continue
        best = min(client.round(scenario, args.requests, server) for _ in range(args.repeat))
        print(f"{name:10s} {best * 1e6:8.1f} µs CPU per request  ({scenario.title})")
        if scenario.stateful:
            server.reset()
            wl.seed_through_api(client, messages=chat)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
