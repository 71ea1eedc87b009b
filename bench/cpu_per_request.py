#!/usr/bin/env python3
"""CPU time and page faults per request of a server under wrk: where does its time go, user or kernel?

    .venv/bin/python bench/cpu_per_request.py [--scenario session,batch] [--connections 32] [--seconds 5]
    .venv/bin/python bench/cpu_per_request.py --ceiling      # and the bare ASGI app, in turn

Starts honcho-mock (and with --ceiling the ceiling, answering the mock's bytes) on
127.0.0.1, seeds the benchmark data through the API, and reads each server's
/proc/PID/stat around its wrk run: user and system CPU and minor page faults, divided by
the requests served. A server that needs more kernel time than
the ceiling for the same system calls is paying for something else: waking its client,
faulting in memory (bench/results.md, "Where the targets stand").
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
import tools  # noqa: E402
import workloads as wl  # noqa: E402
from loadgen import Client, run_wrk  # noqa: E402
from procs import Processes, install_signal_handlers  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def counters(pid: int) -> tuple[int, int, int]:
    """(minor page faults, user ticks, system ticks) of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[7]), int(fields[11]), int(fields[12])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="session,batch", help="comma-separated: " + ", ".join(sorted(wl.SCENARIOS)))
    parser.add_argument("--ceiling", action="store_true", help="measure the ceiling too")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--mock-command", default=None, help="measure this command instead of honcho-mock (see run.py)")
    args = parser.parse_args()
    scenarios = [wl.SCENARIOS[name] for name in args.scenario.split(",")]
    if args.mock_command:
        run.MOCK_COMMAND[:] = shlex.split(args.mock_command)
    install_signal_handlers()
    run.prepare_out()
    wrk = tools.ensure_wrk()
    procs = Processes()
    try:
        servers = run.start_servers(("mock", "ceiling") if args.ceiling else ("mock",), procs, None, "cpu")
        wl.seed_through_api(Client(servers["mock"].port))
        if args.ceiling:
            run.teach_ceiling(servers["ceiling"].port, servers["mock"].port, scenarios)
        print(f"{'request':<26} {'server':<12} {'req/s':>9} {'user µs':>8} {'sys µs':>7} {'faults':>7}")
        for scenario in scenarios:
            body_file = scenario.body_file(run.OUT / "bodies")
            for server in servers.values():
                run_wrk(wrk, server.port, scenario.path, method=scenario.method, body_file=body_file,
                        connections=args.connections, duration=1)  # warm-up
                before = counters(server.proc.pid)
                result = run_wrk(wrk, server.port, scenario.path, method=scenario.method, body_file=body_file,
                                 connections=args.connections, duration=args.seconds)
                after = counters(server.proc.pid)
                served = max(result.rps * args.seconds, 1.0)
                user, system = ((after[i] - before[i]) / TICKS / served * 1e6 for i in (1, 2))
                print(f"{scenario.title:<26} {server.name:<12} {result.rps:>9,.0f} {user:>8.1f} {system:>7.1f} "
                      f"{(after[0] - before[0]) / served:>7.2f}", flush=True)
    finally:
        procs.stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
