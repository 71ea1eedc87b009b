"""Benchmark: does a correct server pass on every seed? The tester against our own mock.

    python bench/conformance_seeds.py                       # default profile on seeds 1..20, thorough on 1..3
    python bench/conformance_seeds.py --default 20 --thorough 3 --first-seed 100

Each run is what `honcho-conformance run --seed N` does against a fresh `honcho-mock --seed N`
(a process on a free 127.0.0.1 port, stopped after the run). Prints one line per run (verdict,
requests, failures by root cause, wall time, the CPU the tester and the mock used, the stateful
phase's links followed) and a summary per profile; every failure of a red run is printed with
its curl. Exit status 1 when any run failed: a correct server must pass on every seed, and when
it does not, either the mock or the tester is wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conformance_speed import MockProcess, load_average  # noqa: E402

from conformance.core.config import RunConfig  # noqa: E402
from conformance.engine.runner import Runner  # noqa: E402


def run_seed(profile: str, seed: int) -> dict:
    with MockProcess(seed) as mock:
        started, cpu, mock_cpu = time.monotonic(), time.process_time(), mock.cpu_seconds()
        result = Runner(RunConfig(base_url=mock.url, profile=profile, seed=seed)).run()
        row = {"seconds": time.monotonic() - started, "tester_cpu": time.process_time() - cpu,
               "mock_cpu": mock.cpu_seconds() - mock_cpu}
    links = (result.coverage or {}).get("summary", {}).get("links", {})
    return {**row, "result": result, "links": f"{links.get('covered', 0)}/{links.get('declared', 0)}"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/conformance_seeds.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--default", type=int, default=20, help="seeds of the default profile (default: 20)")
    parser.add_argument("--thorough", type=int, default=3, help="seeds of the thorough profile (default: 3)")
    parser.add_argument("--quick", type=int, default=0, help="seeds of the quick profile (default: 0)")
    parser.add_argument("--first-seed", type=int, default=1, help="the first seed; the next ones follow it")
    args = parser.parse_args(argv)
    print(f"seeds: honcho-conformance against honcho-mock on loopback, {os.cpu_count()} CPU(s), "
          f"load average {load_average():.1f} at the start", flush=True)
    red = 0
    for profile, count in (("quick", args.quick), ("default", args.default), ("thorough", args.thorough)):
        if count <= 0:
            continue
        passed, seconds, cpus = 0, [], []
        for seed in range(args.first_seed, args.first_seed + count):
            row = run_seed(profile, seed)
            result = row["result"]
            if result.stop_reason == "interrupted":  # Ctrl-C: no verdict on this seed, and no more seeds
                print(f"{profile:8} seed {seed:4}: interrupted after {row['seconds']:.1f}s", flush=True)
                return 130
            causes = len({g.key for g in result.groups() if not g.known})
            ok = result.exit_code == 0
            passed += ok
            seconds.append(row["seconds"])
            cpus.append(row["tester_cpu"] + row["mock_cpu"])
            print(f"{profile:8} seed {seed:4}: {'PASS' if ok else 'FAIL'}  {result.requests:5} requests  "
                  f"{len(result.new_failures)} failures in {causes} root cause(s)  {row['seconds']:6.1f}s wall  "
                  f"cpu {row['tester_cpu']:5.1f}s tester + {row['mock_cpu']:4.1f}s mock  links {row['links']}  "
                  f"load {load_average():.1f}", flush=True)
            for failure in result.new_failures:
                print(f"    [{failure.phase}] {failure.check} | {failure.operation} | {failure.title} | {failure.cause}",
                      flush=True)
                print(f"      {failure.curl}", flush=True)
        red += count - passed
        print(f"{profile}: {passed}/{count} seeds passed; wall {min(seconds):.1f}-{max(seconds):.1f}s "
              f"(mean {sum(seconds) / len(seconds):.1f}s); cpu mean {sum(cpus) / len(cpus):.1f}s", flush=True)
    return 1 if red else 0


if __name__ == "__main__":
    sys.exit(main())
