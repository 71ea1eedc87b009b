#!/usr/bin/env python3
"""Soak benchmark: a long run of mixed traffic against one honcho-mock (not a test).

    .venv/bin/python bench/soak.py                      # 10 minutes at 200 requests/s
    .venv/bin/python bench/soak.py --duration 60 --rate 400 --clients 32
    .venv/bin/python bench/soak.py --mock-args "--state-file /tmp/soak.json --save-interval 1"
    .venv/bin/python bench/soak.py --url http://127.0.0.1:8000 --pid 1234   # a mock already running

Unless --url is given it starts `honcho-mock` on 127.0.0.1 (a free port, its own process
group) and kills it when the run ends, however it ends. The traffic is open-loop: requests
are scheduled at --rate per second across --clients connections, whatever the answers'
latency; a mix of creates (peers, sessions, message batches), reads (pages, filtered
lists, single messages, searches), updates and deletes over a few workspaces that grow
for the whole run.

Every --report-every seconds it prints the throughput, p50/p99 latency and errors of the
interval; at the end: totals, overall p50/p99/max, the mock's resident memory (VmRSS)
at start and end, and every kind of error seen with an example. An error is a transport
failure or a 5xx, or a 4xx where the mix expects success. Exit status 1 if any.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def rss_bytes(pid: int | None) -> int | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:.1f} MiB"


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def error(self, kind: str, example: str) -> None:
        self.errors[kind] += 1
        self.examples.setdefault(kind, example[:400])


class Traffic:
    """The request mix; remembers what it made so reads and deletes hit real records."""

    def __init__(self, rng: random.Random, workspaces: int) -> None:
        self.rng = rng
        self.workspaces = [f"soak-w{i}" for i in range(workspaces)]
        self.sessions: dict[str, list[str]] = {w: [] for w in self.workspaces}
        self.messages: dict[tuple[str, str], list[str]] = {}
        self.serial = 0

    def next(self) -> tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None, tuple[int, ...]]:
        """(name, method, path, params, json, expected statuses)."""
        rng = self.rng
        w = rng.choice(self.workspaces)
        base = f"/v3/workspaces/{w}"
        sessions = self.sessions[w]
        self.serial += 1
        roll = rng.random()
        if roll < 0.08 or not sessions:
            sid = f"s{self.serial}"
            sessions.append(sid)
            peers = {f"p{rng.randrange(20)}": {} for _ in range(rng.randrange(1, 4))}
            return "create session", "POST", f"{base}/sessions", None, {"id": sid, "peers": peers,
                                                                             "metadata": {"n": self.serial}}, (200, 201)
        sid = rng.choice(sessions[-50:])
        if roll < 0.40:
            batch = [{"peer_id": f"p{rng.randrange(20)}", "content": f"message {self.serial}-{i} " + "x" * rng.randrange(200),
                      "metadata": {"i": i}} for i in range(rng.randrange(1, 6))]
            return "create messages", "POST", f"{base}/sessions/{sid}/messages", None, {"messages": batch}, (201,)
        if roll < 0.55:
            return "page messages", "POST", f"{base}/sessions/{sid}/messages/list", {"size": 20, "reverse": "true"}, {}, (200,)
        if roll < 0.63:
            return "filter sessions", "POST", f"{base}/sessions/list", {"size": 10}, \
                {"filters": {"metadata": {"n": {"gte": max(0, self.serial - 500)}}}}, (200,)
        if roll < 0.70:
            return "peer sessions", "POST", f"{base}/peers/p{rng.randrange(20)}/sessions", None, {}, (200,)
        if roll < 0.76:
            return "create peer", "POST", f"{base}/peers", None, {"id": f"p{rng.randrange(40)}", "metadata": {"v": self.serial}}, (200, 201)
        if roll < 0.82:
            return "update session", "PUT", f"{base}/sessions/{sid}", None, {"metadata": {"n": self.serial, "touched": True}}, (200,)
        if roll < 0.88:
            return "search", "POST", f"{base}/sessions/{sid}/search", None, {"query": f"message {rng.randrange(self.serial)}"}, (200,)
        if roll < 0.93:
            return "list peers", "POST", f"{base}/peers/list", {"size": 50}, {}, (200,)
        if roll < 0.96 or len(sessions) <= 60:
            return "health", "GET", "/health", None, None, (200,)
        # only sessions out of the window the other requests pick from: none of them can still be in flight
        old = sessions.pop(rng.randrange(len(sessions) - 60))
        return "delete session", "DELETE", f"{base}/sessions/{old}", None, None, (202,)


async def run(args: argparse.Namespace, url: str, pid: int | None) -> int:
    rng = random.Random(args.seed)
    traffic = Traffic(rng, args.workspaces)
    total, interval = Stats(), Stats()
    interval_started = started = time.monotonic()
    rss_start = rss_bytes(pid)
    print(f"soak: {url}  rate {args.rate}/s  clients {args.clients}  duration {args.duration:.0f}s  "
          f"RSS at start {mib(rss_start)}", flush=True)
    print(f"{'t(s)':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'RSS':>11}", flush=True)
    next_slot = 0
    deadline = started + args.duration
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal next_slot
        while True:
            slot = next_slot
            next_slot += 1
            due = started + slot / args.rate
            if due >= deadline:
                return
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            name, method, path, params, body, expected = traffic.next()
            sent = time.monotonic()
            try:
                answer = await client.request(method, path, params=params, json=body)
            except httpx.HTTPError as exc:
                for stats in (total, interval):
                    stats.error(f"transport: {type(exc).__name__}", f"{name}: {method} {path}: {exc!r}")
                continue
            elapsed = time.monotonic() - sent
            total.by_kind.setdefault(name, []).append(elapsed)
            for stats in (total, interval):
                stats.latencies.append(elapsed)
                stats.statuses[answer.status_code] += 1
                if answer.status_code >= 500 or answer.status_code not in expected:
                    stats.error(f"{name}: HTTP {answer.status_code}", f"{method} {path} -> {answer.text[:300]}")

    async def reporter() -> None:
        nonlocal interval, interval_started
        while time.monotonic() < deadline:
            await asyncio.sleep(min(args.report_every, max(0.0, deadline - time.monotonic())))
            now = time.monotonic()
            span = now - interval_started
            print(f"{now - started:6.0f} {len(interval.latencies) / span:8.1f} {percentile(interval.latencies, 0.5) * 1000:8.1f} "
                  f"{percentile(interval.latencies, 0.99) * 1000:8.1f} {sum(interval.errors.values()):7d} {mib(rss_bytes(pid)):>11}",
                  flush=True)
            interval, interval_started = Stats(), now

    async with httpx.AsyncClient(base_url=url, timeout=args.timeout, limits=limits) as client:
        await asyncio.gather(reporter(), *(worker(client) for _ in range(args.clients)))
    elapsed = time.monotonic() - started
    rss_end = rss_bytes(pid)
    done = len(total.latencies)
    print(f"\nsoak: {done} answers in {elapsed:.1f}s = {done / elapsed:.1f} req/s (target {args.rate}/s); "
          f"p50 {percentile(total.latencies, 0.5) * 1000:.1f} ms, p99 {percentile(total.latencies, 0.99) * 1000:.1f} ms, "
          f"max {max(total.latencies, default=float('nan')) * 1000:.1f} ms")
    print(f"soak: statuses {dict(sorted(total.statuses.items()))}")
    print("soak: by request kind: " + "; ".join(
        f"{kind} {len(times)} p50 {percentile(times, 0.5) * 1000:.1f} p99 {percentile(times, 0.99) * 1000:.1f} ms"
        for kind, times in sorted(total.by_kind.items())))
    print(f"soak: RSS at start {mib(rss_start)}, at end {mib(rss_end)}")
    try:
        counts = httpx.get(url + "/_mock/state", timeout=120).json()
        held = sum(len(s["messages"]) for w in counts["workspaces"] for s in w["sessions"])
        print(f"soak: the mock holds {len(counts['workspaces'])} workspaces and {held} messages")
    except (httpx.HTTPError, ValueError, KeyError):
        pass
    if total.errors:
        print(f"soak: {sum(total.errors.values())} ERRORS")
        for kind, count in total.errors.most_common():
            print(f"  {count:6d}  {kind}\n          e.g. {total.examples[kind]}")
        return 1
    print("soak: no errors")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of traffic (default 600 = 10 minutes)")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second, scheduled (default 200)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workspaces", type=int, default=4)
    parser.add_argument("--report-every", type=float, default=10.0, help="seconds between progress lines")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--seed", type=int, default=1, help="the traffic mix's random seed")
    parser.add_argument("--url", default=None, help="an already running mock (default: start one)")
    parser.add_argument("--pid", type=int, default=None, help="with --url: the mock's process id, for RSS")
    parser.add_argument("--mock-args", default="", help="extra honcho-mock options, e.g. \"--state-file /tmp/s.json\"")
    args = parser.parse_args(argv)
    if args.url:
        return asyncio.run(run(args, args.url.rstrip("/"), args.pid))
    port = free_port()
    command = [sys.executable, "-m", "mockserver.cli", "--host", HOST, "--port", str(port), *shlex.split(args.mock_args)]
    log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty mock must never block on a full pipe
    environment = {k: v for k, v in os.environ.items()  # auth stays off unless --mock-args switch it on
                   if k not in ("HONCHO_MOCK_AUTH_SECRET", "AUTH_JWT_SECRET", "HONCHO_MOCK_ADMIN_TOKEN")}
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, start_new_session=True, env=environment)
    try:
        url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log.seek(0)
                print(f"soak: honcho-mock exited with {process.returncode}: {log.read().decode(errors='replace')[-2000:]}")
                return 2
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                print("soak: honcho-mock did not start")
                return 2
            time.sleep(0.1)
        return asyncio.run(run(args, url, process.pid))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # its own process group: only what we started
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
