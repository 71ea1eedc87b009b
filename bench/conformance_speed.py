"""Benchmark: how long the default profile takes against the local mock.

    python bench/conformance_speed.py                 # honcho-mock on a free 127.0.0.1 port, default profile
    python bench/conformance_speed.py --runs 3 --target 120

Starts the mock itself (a `honcho-mock` process on loopback, stopped at the end), runs the
whole suite with the chosen profile exactly as `honcho-conformance run` would, and
prints the wall time per phase, the CPU time the tester and the mock each used (what an
idle machine needs: one request at a time, so they add up) and the load average. Exit
status 1 when a run exceeds --target seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import httpx

from conformance.core.config import RunConfig
from conformance.engine.runner import Runner


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MockProcess:
    """`honcho-mock` on 127.0.0.1:PORT for the duration of a `with` block."""

    def __init__(self, seed: int) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        executable = shutil.which("honcho-mock", path=str(Path(sys.executable).parent)) or shutil.which("honcho-mock")
        command = [executable] if executable else [sys.executable, "-m", "mockserver.cli"]
        self.command = command + ["--host", "127.0.0.1", "--port", str(self.port), "--seed", str(seed)]
        self.log = tempfile.TemporaryFile()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "MockProcess":
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("honcho-mock exited during start-up")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("honcho-mock did not answer within 30 s")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the mock process has used so far."""
        if self.process is None:
            return 0.0
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


def run_once(profile: str, seed: int, baseline: Path | None) -> dict[str, Any]:
    with MockProcess(seed) as mock:
        started, cpu = time.monotonic(), time.process_time()
        mock_cpu = mock.cpu_seconds()
        config = RunConfig(base_url=mock.url, profile=profile, seed=seed, baseline=baseline)
        result = Runner(config).run()
        seconds, tester_cpu, mock_cpu = time.monotonic() - started, time.process_time() - cpu, mock.cpu_seconds() - mock_cpu
    return {"seconds": seconds, "tester_cpu": tester_cpu, "mock_cpu": mock_cpu, "requests": result.requests,
            "new": len(result.new_failures), "known": len(result.known_failures),
            "phases": {p.name: (p.status, round(p.duration, 1), p.requests) for p in result.phases},
            "cleanup": result.cleanup.workspaces_deleted if result.cleanup else 0}


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/conformance_speed.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", type=float, default=120.0, help="seconds a run may take")
    parser.add_argument("--baseline", type=Path, default=None, help="known deviations of the mock (optional)")
    args = parser.parse_args(argv)
    print(f"benchmark: profile={args.profile} against honcho-mock on loopback, {os.cpu_count()} CPU(s), "
          f"target {args.target:.0f}s", flush=True)
    slow = False
    for number in range(args.runs):
        row = run_once(args.profile, args.seed + number, args.baseline)
        slow |= row["seconds"] > args.target
        phases = ", ".join(f"{name} {seconds}s/{requests}req" for name, (_, seconds, requests) in row["phases"].items())
        print(f"run {number + 1} (seed {args.seed + number}): {row['seconds']:6.1f}s  {row['requests']} requests  "
              f"{row['new']} new / {row['known']} known failures  [{phases}]", flush=True)
        # On a busy machine the wall time says little: the CPU each side used is what an idle one would need
        # (one request at a time, so the two add up), and the load shows how busy the machine was.
        print(f"      cpu: tester {row['tester_cpu']:.1f}s + mock {row['mock_cpu']:.1f}s = "
              f"{row['tester_cpu'] + row['mock_cpu']:.1f}s; load average {load_average():.1f}", flush=True)
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
