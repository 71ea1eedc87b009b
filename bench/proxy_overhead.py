#!/usr/bin/env python3
"""What `honcho-mock --proxy` adds to a request: latency direct, through the proxy, and
through the proxy with --record and --shadow.

    .venv/bin/python bench/proxy_overhead.py [--requests 400]

A honcho-mock process is the deployment; the proxies are honcho-mock --proxy processes in
front of it, all on 127.0.0.1. One client sends the same mix of requests (a message
batch created, a page of messages listed, a message read by id, a refused list) one at a
time to each, and the script prints the median and p99 latency and the requests per
second of each path. Figures move with the machine's load: compare the rows of one run.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "mockserver.cli", "--port", str(port), *args], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"honcho-mock {' '.join(args)} did not start")


def drive(url: str, requests: int, workspace: str) -> list[float]:
    """Latencies (ms) of `requests` requests of the mix."""
    times: list[float] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        client.post("/v3/workspaces", json={"id": workspace})
        base = f"/v3/workspaces/{workspace}/sessions/s1"
        message_id = client.post(base + "/messages", json={"messages": [{"peer_id": "a", "content": "hi"}]}).json()[0]["id"]
        mix = [lambda: client.post(base + "/messages", json={"messages": [{"peer_id": "a", "content": "hello there"}]}),
               lambda: client.post(base + "/messages/list", params={"size": 10, "reverse": "true"}, json={}),
               lambda: client.get(f"{base}/messages/{message_id}"),
               lambda: client.post(f"/v3/workspaces/{workspace}/sessions/list", params={"size": 0})]
        for number in range(requests):
            started = time.perf_counter()
            mix[number % len(mix)]()
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        upstream, upstream_url = start("--seed", "1")
        processes.append(upstream)
        with tempfile.TemporaryDirectory() as scratch:
            plain, plain_url = start("--proxy", upstream_url)
            full, full_url = start("--proxy", upstream_url, "--record", str(Path(scratch) / "bench.har"), "--shadow")
            processes += [plain, full]
            print(f"{'path':<34} {'median ms':>10} {'p99 ms':>8} {'req/s':>7}")
            for label, url, workspace in (("direct", upstream_url, "direct"), ("--proxy", plain_url, "proxied"),
                                          ("--proxy --record --shadow", full_url, "shadowed")):
                times = drive(url, args.requests, workspace)
                p99 = sorted(times)[int(len(times) * 0.99) - 1]
                print(f"{label:<34} {statistics.median(times):>10.2f} {p99:>8.2f} {1000 * len(times) / sum(times):>7.0f}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
