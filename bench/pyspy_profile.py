#!/usr/bin/env python3
"""Profile the mock under wrk load with py-spy: where does a request's time go?

    .venv/bin/python bench/pyspy_profile.py [--scenario seed] [--connections 32] [--seconds 15]

Starts honcho-mock on 127.0.0.1, seeds the benchmark data through the API, attaches
`py-spy record` to the server while wrk drives one scenario of bench/run.py, and prints
the functions with the most samples: self time (the function itself) and inclusive time
(the function and what it calls), as shares of the server's busy samples. The collapsed
stacks are kept in bench/out/profile-<scenario>.txt (open them in speedscope.app or
turn them into a flame graph with inferno/flamegraph.pl).

py-spy is a developer tool, not a dependency: `.venv/bin/pip install py-spy` (root, or
ptrace permission, is needed to attach).
"""

from __future__ import annotations

import argparse
import collections
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
import tools  # noqa: E402
import workloads as wl  # noqa: E402
from loadgen import Client, run_wrk  # noqa: E402
from procs import Processes, free_port, install_signal_handlers, wait_http  # noqa: E402
from run import OUT, ROOT, mock_argv  # noqa: E402


def frame_name(frame: str) -> str:
    """`func (path/to/file.py:12)` -> `func (file.py)`: one row per function, not per line."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        path = path.replace(str(ROOT) + "/", "")
    return f"{name} ({path})"


def package_of(name: str) -> str:
    """`func (mockserver/state/clock.py)` -> `mockserver.state.clock`; `func (json/encoder.py)` -> `json`."""
    path = name.rsplit(" (", 1)[-1].rstrip(")")
    parts = path.split("/")
    if parts[0] == "mockserver":
        return "mockserver." + parts[-1].removesuffix(".py")
    return parts[0].removesuffix(".py") if len(parts) > 1 else path


def summarise(collapsed: Path, top: int) -> str:
    self_counts: collections.Counter[str] = collections.Counter()
    package_counts: collections.Counter[str] = collections.Counter()
    incl_counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame_name(f) for f in stack.split(";")]
        if not frames:
            continue
        total += count
        self_counts[frames[-1]] += count
        package_counts[package_of(frames[-1])] += count
        for name in set(frames):
            incl_counts[name] += count
    lines = [f"{total:,} busy samples", "", "self time by package:"]
    lines += [f"  {100 * c / total:5.1f}%  {name}" for name, c in package_counts.most_common()]
    lines += ["", "self time (the function's own code):"]
    lines += [f"  {100 * c / total:5.1f}%  {name}" for name, c in self_counts.most_common(top)]
    lines += ["", "inclusive time (the function and its callees):"]
    lines += [f"  {100 * c / total:5.1f}%  {name}" for name, c in incl_counts.most_common(top * 2)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="seed", choices=sorted(wl.SCENARIOS))
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--mock-command", default=None, help="profile this command instead of honcho-mock (see run.py)")
    parser.add_argument("--native", action="store_true", help="include C frames (py-spy --native)")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        print("py-spy is not installed: .venv/bin/pip install py-spy", file=sys.stderr)
        return 2
    if args.mock_command:
        run.MOCK_COMMAND[:] = shlex.split(args.mock_command)
    install_signal_handlers()
    run.prepare_out()
    wrk = tools.ensure_wrk()
    scenario = wl.SCENARIOS[args.scenario]
    procs = Processes()
    try:
        port = free_port()
        mock = procs.start("mock", mock_argv(port), OUT / "profile-mock.log", cwd=ROOT)
        wait_http(mock, port, "/openapi.json")
        wl.seed_through_api(Client(port))
        body_file = scenario.body_file(OUT / "bodies")
        run_wrk(wrk, port, scenario.path, method=scenario.method, body_file=body_file, connections=args.connections, duration=2)
        collapsed = OUT / f"profile-{scenario.name}.txt"
        argv = [py_spy, "record", "--pid", str(mock.pid), "--rate", str(args.rate), "--duration", str(args.seconds),
                "--format", "raw", "--output", str(collapsed)]
        if args.native:
            argv.append("--native")
        spy = procs.start("py-spy", argv, OUT / "profile-py-spy.log")
        time.sleep(1)
        result = run_wrk(wrk, port, scenario.path, method=scenario.method, body_file=body_file,
                         connections=args.connections, duration=args.seconds - 2)
        spy.popen.wait(timeout=args.seconds + 30)
        print(f"{scenario.title}, {args.connections} connections under py-spy: {result.rps:,.0f} req/s, "
              f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms\n")
        print(summarise(collapsed, args.top))
        print(f"\ncollapsed stacks: {collapsed.relative_to(ROOT)}")
    except subprocess.TimeoutExpired:
        print("py-spy did not finish in time", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
