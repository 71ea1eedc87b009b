#!/usr/bin/env python3
"""The benchmark: `make bench` (add ARGS="--quick" for a short run).

Sections (pick with --only; the default runs all of them: about 12–15 minutes on 2 cores):
  seed, filtered, session, batch  the mock against Prism static (-v error), Prism dynamic (-d)
                                  and the ceiling (a bare ASGI app on the same uvicorn), driven
                                  in turn (A B C D, A B C D, ...) by wrk at 32 and 1 connections
  growth     page latency at 1,000 / 10,000 / 100,000 sessions (unfiltered, filtered, middle
             page) and a messages page at 1,000 / 100,000 messages in one session
  memory     resident memory of a mock process holding 1,000,000 messages of 200 characters
  conformance  `honcho-conformance run` (default profile) against a fresh mock, timed

Everything listens on 127.0.0.1 (on ports from --ports LOW-HIGH when given, else on any free
ones), every load run is bounded in time, and every process started here is killed (its whole
process group) when the run ends, however it ends. Tools are installed when missing (and only
when a chosen section needs them): wrk with apt-get (as root), Prism with npm into
bench/node_modules at the version pinned in bench/package.json. Figures are printed as one
table; --results FILE also writes them, with a history row, to FILE as markdown (--results
bench/results.md updates the tracked page: nothing in the checkout changes unless asked).
Raw figures and the servers' logs go to --out DIR (default bench/out, ignored by git).
Nothing here asserts a figure.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import report  # noqa: E402
import tools  # noqa: E402
import workloads as wl  # noqa: E402
from loadgen import Client, run_wrk  # noqa: E402
import procs as procs_module  # noqa: E402
from procs import (  # noqa: E402
    Proc,
    Processes,
    free_port,
    install_signal_handlers,
    rss_bytes,
    wait_http,
)

ROOT = BENCH.parent
OUT = BENCH / "out"
# Every server gets the same copy of openapi.yaml, taken when the run starts: Prism reloads
# (and drops its connections) when the file it serves changes, and the file is edited often.
SPEC_SOURCE = ROOT / "openapi.yaml"
SPEC = OUT / "openapi.snapshot.yaml"
VENV_BIN = Path(sys.executable).parent
COMPARED = ("seed", "filtered", "session", "batch")
SECTIONS = (*COMPARED, "growth", "memory", "conformance")
ALL_SERVERS = ("mock", "prism", "prism-dynamic", "ceiling")


@dataclass
class Config:
    runs: int = 3
    duration: float = 5.0
    warmup: float = 1.0
    connections: tuple[int, ...] = (32, 1)
    servers: tuple[str, ...] = ALL_SERVERS
    sections: tuple[str, ...] = SECTIONS
    growth_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    growth_runs: int = 3
    growth_duration: float = 2.0
    message_sizes: tuple[int, ...] = (1_000, 100_000)
    memory_messages: int = 1_000_000
    memory_length: int = 200
    conformance_timeout: float = 600.0
    mode: str = "full"
    label: str = ""
    partial: bool = False
    results_path: Path | None = None  # --results: the markdown page to write (None: print only)
    out: Path = OUT  # --out: raw figures, logs, request bodies


@dataclass
class Server:
    name: str
    proc: Proc
    port: int
    problems: list[str] = field(default_factory=list)


# -- servers --------------------------------------------------------------------------------
MOCK_COMMAND: list[str] = []  # --mock-command: another build of the mock, same options as honcho-mock


_HELP: dict[str, str] = {}


def _mock_base() -> list[str]:
    script = VENV_BIN / "honcho-mock"
    return MOCK_COMMAND or ([str(script)] if script.exists() else [sys.executable, "-m", "mockserver.cli"])


def mock_supports(flag: str) -> bool:
    """Whether this build's command line has `flag` (read once from --help)."""
    if "text" not in _HELP:
        try:
            _HELP["text"] = subprocess.run([*_mock_base(), "--help"], capture_output=True, text=True, timeout=60,
                                           cwd=ROOT).stdout
        except (OSError, subprocess.TimeoutExpired):
            _HELP["text"] = ""
    return flag in _HELP["text"]


def mock_argv(port: int, max_records: int | None = None, max_body: int | None = None) -> list[str]:
    """honcho-mock as a user starts it: defaults (full request validation, no --seed), plus
    --no-auth so that an auth secret in the environment cannot turn requests into 401s;
    the loading mocks (growth, memory) take larger caps where their fixture chunks need them."""
    argv = [*_mock_base(), "--spec", str(SPEC), "--host", "127.0.0.1", "--port", str(port)]
    if mock_supports("--no-auth"):
        argv.append("--no-auth")
    if max_records is not None and mock_supports("--max-records"):
        argv += ["--max-records", str(max_records)]
    if max_body is not None and mock_supports("--max-body"):
        argv += ["--max-body", str(max_body)]
    return argv


def prepare_out(out: Path | None = None) -> None:
    """The output folder (--out; default bench/out), and in it the copy of openapi.yaml that every server of
    a run is given."""
    global OUT, SPEC
    if out is not None:
        OUT, SPEC = out.absolute(), out.absolute() / SPEC.name
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SPEC_SOURCE, SPEC)


def shown(path: Path) -> str:
    """A path as a person reads it: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def start_servers(names: tuple[str, ...], procs: Processes, prism_bin: Path | None, tag: str,
                  problems: list[str] | None = None, max_records: int | None = None) -> dict[str, Server]:
    """Start every named server at once, then wait for each to answer.

    A server other than the mock that does not come up is left out (and noted in
    `problems`); the mock not coming up is an error.
    """
    started: dict[str, Server] = {}
    for name in names:
        port = free_port()
        log = OUT / f"{tag}-{name}.log"
        if name == "mock":
            argv = mock_argv(port, max_records)
        elif name == "ceiling":
            argv = [sys.executable, str(BENCH / "ceiling.py"), "--host", "127.0.0.1", "--port", str(port)]
        elif name in ("prism", "prism-dynamic"):
            if prism_bin is None:
                continue
            argv = [str(prism_bin), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error", str(SPEC)]
            if name == "prism-dynamic":
                argv.append("-d")
        else:
            raise ValueError(name)
        proc = procs.start(name, argv, log, env=tools.NPM_ENV if name.startswith("prism") else None, cwd=ROOT)
        started[name] = Server(name, proc, port)
    for server in list(started.values()):
        try:
            took = wait_http(server.proc, server.port, "/openapi.json" if server.name == "mock" else "/", timeout=90)
        except RuntimeError as exc:
            if server.name == "mock" or problems is None:
                raise
            print(f"  ! {server.name} did not start; going on without it: {exc}", flush=True)
            problems.append(f"{server.name} did not start: {str(exc).splitlines()[0]}")
            procs.stop(server.proc)
            del started[server.name]
            continue
        print(f"  {server.name:14s} pid {server.proc.pid:<7d} http://127.0.0.1:{server.port}  ready in {took:.1f} s", flush=True)
    return started


# -- compared scenarios ---------------------------------------------------------------------
def run_compare(cfg: Config, procs: Processes, wrk: str, prism_bin: Path | None, results: dict[str, Any]) -> None:
    scenarios = [wl.SCENARIOS[name] for name in COMPARED if name in cfg.sections]
    section: dict[str, Any] = {"scenarios": [s.name for s in scenarios], "titles": {s.name: s.title for s in scenarios},
                               "connections": list(cfg.connections), "servers": [], "rows": [], "skipped": {}}
    results["compare"] = section
    print(f"\n== compared scenarios: {', '.join(s.name for s in scenarios)} ==", flush=True)
    servers = start_servers(cfg.servers, procs, prism_bin, "compare", results["meta"]["problems"])
    section["servers"] = [n for n in cfg.servers if n in servers]
    bodies = OUT / "bodies"
    try:
        def reseed() -> None:
            """The mock's state as the scenarios expect it (forgetting what earlier runs wrote)."""
            client = Client(servers["mock"].port)
            client.call("POST", "/_mock/reset")
            wl.seed_through_api(client)
            client.close()

        if "mock" in servers:
            began = time.monotonic()
            reseed()
            print(f"  seeded the mock through the API: {wl.SESSIONS:,} sessions, 2 peers "
                  f"({time.monotonic() - began:.1f} s)", flush=True)
        # the ceiling answers what the mock answered to the very same request
        if "ceiling" in servers:
            if "mock" not in servers:
                raise RuntimeError("the ceiling replays the mock's answers: --servers must include mock")
            teach_ceiling(servers["ceiling"].port, servers["mock"].port, scenarios)
        usable: dict[str, list[str]] = {}
        for scenario in scenarios:
            usable[scenario.name] = []
            for name, server in servers.items():
                answer = Client(server.port).call(scenario.method, scenario.path, raw=scenario.body_bytes())
                if answer.status >= 400:
                    note = f"HTTP {answer.status} before the run: {answer.body[:120].decode(errors='replace')}"
                    section["skipped"][f"{scenario.name}/{name}"] = note.replace("|", "/")
                    print(f"  ! {name} answers {scenario.name} with {note}", flush=True)
                    continue
                usable[scenario.name].append(name)
                print(f"  {scenario.name:9s} {name:14s} HTTP {answer.status}, {len(answer.body):,} bytes", flush=True)
        for scenario in scenarios:
            body_file = scenario.body_file(bodies)
            for conns in cfg.connections:
                names = usable[scenario.name]
                for name in names:  # warm-up, not recorded
                    if scenario.stateful and name == "mock":
                        reseed()
                    run_wrk(wrk, servers[name].port, scenario.path, method=scenario.method, body_file=body_file,
                            connections=conns, duration=cfg.warmup)
                for run in range(cfg.runs):
                    for name in names:
                        server = servers[name]
                        if scenario.stateful and name == "mock":
                            reseed()  # every run writes into the same starting state
                        res = run_wrk(wrk, server.port, scenario.path, method=scenario.method, body_file=body_file,
                                      connections=conns, duration=cfg.duration)
                        rss = rss_bytes(server.proc.pid)
                        section["rows"].append({"scenario": scenario.name, "connections": conns, "server": name, "run": run,
                                                "rps": res.rps, "p50_ms": res.p50_ms, "p99_ms": res.p99_ms,
                                                "errors": res.error_count, "rss": rss, "wrk": res.as_dict()})
                        print(f"  {scenario.name:9s} c={conns:<3d} run {run + 1}/{cfg.runs} {name:14s} "
                              f"{res.rps:9,.0f} req/s  p50 {res.p50_ms:7.2f} ms  p99 {res.p99_ms:8.2f} ms"
                              f"{'  errors ' + str(res.errors) if res.error_count else ''}", flush=True)
    finally:
        for server in servers.values():
            procs.stop(server.proc)


def teach_ceiling(ceiling_port: int, mock_port: int, scenarios: Sequence[wl.Scenario]) -> None:
    """Have the ceiling answer each scenario's request with the bytes the mock answers to it."""
    answers = []
    for scenario in scenarios:
        answer = Client(mock_port).call(scenario.method, scenario.path, raw=scenario.body_bytes())
        path, _, query = scenario.path.partition("?")
        answers.append({"method": scenario.method, "path": path, "query": query,
                        "request": _b64(scenario.body_bytes()), "status": answer.status,
                        "content_type": answer.headers.get("content-type", "application/json"),
                        "body": _b64(answer.body)})
    Client(ceiling_port).call("PUT", "/_ceiling/answers", answers)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- growth ---------------------------------------------------------------------------------
@dataclass
class Point:
    """One growth measurement: a request against a mock holding `size` records."""

    kind: str
    size: int
    title: str
    server: Server
    path: str
    body: Any
    runs: list[Any] = field(default_factory=list)
    total: int | None = None


def start_mock(procs: Processes, tag: str, max_records: int | None = None, max_body: int | None = None) -> Server:
    port = free_port()
    proc = procs.start("mock", mock_argv(port, max_records, max_body), OUT / f"{tag}-mock.log", cwd=ROOT)
    server = Server("mock", proc, port)
    wait_http(proc, port, "/openapi.json", timeout=90)
    return server


def loaded_mock(procs: Processes, tag: str, what: str, documents: Iterable[dict[str, Any]]) -> Server:
    """A fresh mock holding the fixture documents, loaded through POST /_mock/fixtures."""
    server = start_mock(procs, tag)
    client = Client(server.port)
    began = time.monotonic()
    for document in documents:
        wl.load_fixture(client, document)
    client.close()
    print(f"  mock pid {server.proc.pid}: {what} (loaded in {time.monotonic() - began:.1f} s)", flush=True)
    return server


def run_growth(cfg: Config, procs: Processes, wrk: str, results: dict[str, Any]) -> None:
    """Page latency as one workspace (or one session) grows, at 1 connection.

    One mock process per size, all loaded up front through POST /_mock/fixtures, so that
    the sizes can be measured interleaved (1k, 10k, 100k, 1k, 10k, 100k, ...) like the
    compared servers: the ratio between sizes is then not at the mercy of a noisy minute.
    """
    print("\n== growth ==", flush=True)
    section: dict[str, Any] = {"sizes": list(cfg.growth_sizes), "message_sizes": list(cfg.message_sizes), "rows": []}
    results["growth"] = section
    points: list[Point] = []
    servers: list[Server] = []
    try:
        base = "/v3/workspaces/grow/sessions/list"
        for size in cfg.growth_sizes:
            server = loaded_mock(procs, f"growth-sessions-{size}", f"{size:,} sessions in one workspace",
                                 (wl.sessions_fixture("grow", low, high) for low, high in wl.chunks(0, size, 20_000)))
            servers.append(server)
            middle = max(1, size // 50 // 2)
            points += [
                Point("page", size, f"growth: sessions page 1, {size:,} sessions", server, f"{base}?page=1&size=50",
                      {"filters": {}}),
                Point("filtered", size, f"growth: filtered page 1, {size:,} sessions", server, f"{base}?page=1&size=50",
                      {"filters": {"metadata": {"tier": "gold"}}}),
                Point("middle", size, f"growth: sessions page {middle:,}, {size:,} sessions", server,
                      f"{base}?page={middle}&size=50", {"filters": {}}),
            ]
        base = "/v3/workspaces/grow/sessions/big/messages/list"
        for size in cfg.message_sizes:
            server = loaded_mock(procs, f"growth-messages-{size}", f"{size:,} messages in one session",
                                 (wl.messages_fixture("grow", "big", low, high, length=100, with_metadata=True)
                                  for low, high in wl.chunks(0, size, 50_000)))
            servers.append(server)
            points += [
                Point("messages", size, f"growth: messages page 1, {size:,} messages", server, f"{base}?page=1&size=50",
                      {"filters": {}}),
                Point("messages-latest", size, f"growth: latest messages (reverse), {size:,} msgs", server,
                      f"{base}?page=1&size=50&reverse=true", {"filters": {}}),
                Point("messages-filtered", size, f"growth: filtered messages page, {size:,} msgs", server,
                      f"{base}?page=1&size=50", {"filters": {"metadata": {"tier": "gold"}}}),
            ]
        kinds = list(dict.fromkeys(p.kind for p in points))
        for kind in kinds:
            group = [p for p in points if p.kind == kind]
            for point in group:
                point_file = OUT / "bodies" / f"growth-{kind}-{point.size}.json"
                point_file.parent.mkdir(parents=True, exist_ok=True)
                point_file.write_text(json.dumps(point.body))
                answer = Client(point.server.port).call("POST", point.path, point.body)
                if answer.status != 200:
                    raise RuntimeError(f"{point.title}: HTTP {answer.status}: {answer.body[:200]!r}")
                point.total = answer.json().get("total")
                run_wrk(wrk, point.server.port, point.path, body_file=point_file, connections=1, duration=cfg.warmup)
            for _ in range(cfg.growth_runs):
                for point in group:
                    point.runs.append(run_wrk(wrk, point.server.port, point.path,
                                              body_file=OUT / "bodies" / f"growth-{kind}-{point.size}.json",
                                              connections=1, duration=cfg.growth_duration))
            first = group[0]
            for point in group:
                row = {"key": f"{kind}/{point.size}", "title": point.title, "connections": 1,
                       "rps": report.median([r.rps for r in point.runs]),
                       "p50_ms": report.median([r.p50_ms for r in point.runs]),
                       "p99_ms": report.median([r.p99_ms for r in point.runs]),
                       "errors": sum(r.error_count for r in point.runs),
                       "rss": rss_bytes(point.server.proc.pid), "total": point.total}
                if point is not first:
                    ratio = row["p50_ms"] / report.median([r.p50_ms for r in first.runs])
                    row["note"] = f"p50 {ratio:.2f}× the {first.size:,} figure"
                section["rows"].append(row)
                print(f"  {point.title:48s} {row['rps']:8,.0f} req/s  p50 {row['p50_ms']:7.2f} ms  "
                      f"p99 {row['p99_ms']:7.2f} ms  (total {point.total})", flush=True)
    finally:
        for server in servers:
            procs.stop(server.proc)


# -- memory ---------------------------------------------------------------------------------
def run_memory(cfg: Config, procs: Processes, results: dict[str, Any]) -> None:
    """RSS of a real mock process before and after it stores N messages (loaded as fixtures).

    The messages go in through POST /_mock/fixtures in chunks of 50,000 (10 sessions of one
    workspace), i.e. through the store's own create path; what is measured is the server
    process as a user runs it, allocator overhead and the JSON parsing's leftovers included.
    """
    n = cfg.memory_messages
    print(f"\n== memory: {n:,} messages of {cfg.memory_length} characters ==", flush=True)
    # a chunk of 50,000 messages of 200 characters is ~13 MB of JSON, past the default --max-body
    server = start_mock(procs, "memory", max_records=max(2_000_000, 2 * n + 1_000), max_body=64 * 2**20)
    client = Client(server.port, timeout=600)
    try:
        client.call("POST", "/v3/workspaces", {"id": "mem"})
        client.call("POST", "/v3/workspaces/mem/sessions/list", {"filters": {}})  # warm the request path
        time.sleep(0.5)
        before = rss_bytes(server.proc.pid)
        began = time.monotonic()
        sessions = 10
        per_session = -(-n // sessions)
        for s in range(sessions):
            low_s, high_s = s * per_session, min(n, (s + 1) * per_session)
            for low, high in wl.chunks(low_s, high_s, 50_000):
                wl.load_fixture(client, wl.messages_fixture("mem", f"m{s}", low, high, length=cfg.memory_length))
            print(f"  {high_s:,} messages stored, RSS {rss_bytes(server.proc.pid) / 2**20:,.0f} MiB "
                  f"({time.monotonic() - began:.0f} s)", flush=True)
        took = time.monotonic() - began
        time.sleep(0.5)
        after = rss_bytes(server.proc.pid)
        check = client.call("POST", "/v3/workspaces/mem/sessions/m0/messages/list?page=1&size=1", {"filters": {}}).json()
        per_message = (after - before) / n
        memory = {"messages": n, "length": cfg.memory_length, "rss_before": before, "rss_after": after,
                  "per_message": per_message, "load_seconds": took, "stored_in_m0": check.get("total"),
                  "method": "fixtures through POST /_mock/fixtures into a running honcho-mock; VmRSS from /proc"}
        if n < 1_000_000:
            memory["projected_rss"] = before + per_message * 1_000_000
        results["memory"] = memory
        print(f"  RSS {before / 2**20:,.0f} MiB → {after / 2**20:,.0f} MiB: {per_message:,.0f} bytes per message", flush=True)
    finally:
        client.close()
        procs.stop(server.proc)


# -- conformance ----------------------------------------------------------------------------
def conformance_available() -> tuple[list[str] | None, str]:
    script = VENV_BIN / "honcho-conformance"
    probe = subprocess.run([sys.executable, "-c", "import conformance.cli.main"], cwd=ROOT, capture_output=True, text=True)
    if probe.returncode != 0:
        return None, "conformance tester not available"
    argv = [str(script)] if script.exists() else [sys.executable, "-c",
                                                  "import sys; from conformance.cli.main import main; sys.exit(main())"]
    return argv, ""


def count_cases(text: str) -> int | None:
    """The number of cases a run reports, read from its output (a few spellings accepted)."""
    for pattern in (r"(\d[\d,]*)\s+(?:test\s+)?cases\b", r"\bcases[:=]\s*(\d[\d,]*)"):
        found = re.findall(pattern, text, re.IGNORECASE)
        if found:
            return int(found[-1].replace(",", ""))
    counts = re.findall(r"(\d[\d,]*)\s+(passed|failed|errors?|skipped)\b", text, re.IGNORECASE)
    if counts:
        latest: dict[str, int] = {}
        for number, word in counts:
            latest[word.lower()] = int(number.replace(",", ""))
        return sum(latest.values())
    return None


def run_conformance(cfg: Config, procs: Processes, results: dict[str, Any]) -> None:
    """`honcho-conformance run --base-url URL` (default profile) against a fresh mock, timed."""
    print("\n== conformance ==", flush=True)
    argv, why = conformance_available()
    if argv is None:
        print(f"  skipped: {why}", flush=True)
        results["conformance"] = {"skipped": why}
        return
    server = start_mock(procs, "conformance")
    log = OUT / "conformance-run.log"
    report_path = OUT / "conformance-report.json"
    report_path.unlink(missing_ok=True)
    command = [*argv, "run", "--base-url", f"http://127.0.0.1:{server.port}"]
    usage = subprocess.run([*argv, "run", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    if "--json-report" in usage:
        command += ["--json-report", str(report_path)]
    if "--no-progress" in usage:
        command.append("--no-progress")
    try:
        began = time.monotonic()
        proc = procs.start("conformance", command, log, cwd=ROOT, env={"COLUMNS": "120"})
        try:
            code: int | None = proc.popen.wait(timeout=cfg.conformance_timeout)
        except subprocess.TimeoutExpired:
            code = None
        seconds = time.monotonic() - began
        procs.stop(proc)
        cases, requests = count_cases(log.read_text(errors="replace")), None
        if report_path.exists():
            try:
                data = json.loads(report_path.read_text())
                cases = sum(len(phase.get("cases") or {}) for phase in data.get("phases", [])) or cases
                requests = data.get("requests")
            except (ValueError, AttributeError):
                pass
        results["conformance"] = {"seconds": seconds, "exit_code": code, "cases": cases, "requests": requests,
                                  "command": " ".join(command[len(argv):]), "log": shown(log)}
        print(f"  {report.conformance_note(results['conformance'])}; output in {shown(log)}", flush=True)
    finally:
        procs.stop(server.proc)


# -- the run --------------------------------------------------------------------------------
def machine(prism_version: str | None, wrk_version: str) -> dict[str, Any]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 2**20
    except OSError:
        pass
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip() if shutil.which("node") else None
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gib": mem, "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "uvicorn": _version("uvicorn"), "connexion": _version("connexion"),
            "wrk": wrk_version, "prism": prism_version, "node": node}


def _version(package: str) -> str:
    try:
        from importlib.metadata import version
        return version(package)
    except Exception:
        return "?"


def default_label() -> str:
    """The code measured: the commit, marked dirty when mockserver/ has changes (read-only git)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "mockserver"], cwd=ROOT, capture_output=True,
                               text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if head.returncode != 0:
        return "no commit yet"
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def parse_args(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--quick", action="store_true", help="1 run of 2 s per point, 200,000 messages for memory (about 3–5 min)")
    parser.add_argument("--only", default="", help=f"comma-separated sections: {', '.join(SECTIONS)} (also: compare = the first four)")
    parser.add_argument("--skip", default="", help="comma-separated sections to leave out")
    parser.add_argument("--servers", default=",".join(ALL_SERVERS), help=f"compared servers, from {', '.join(ALL_SERVERS)}")
    parser.add_argument("--runs", type=int, help="measured runs per point, interleaved across servers (default 3)")
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 5)")
    parser.add_argument("--warmup", type=float, help="seconds of unrecorded warm-up per server and point (default 1)")
    parser.add_argument("--connections", default="32,1", help="wrk connection counts (default 32,1)")
    parser.add_argument("--growth-sizes", default=None, help="session counts for growth (default 1000,10000,100000)")
    parser.add_argument("--memory-messages", type=int, help="messages stored for the memory figure (default 1,000,000)")
    parser.add_argument("--mock-command", default=None,
                        help="run this command instead of honcho-mock (it gets --spec/--host/--port), e.g. to measure a patched build")
    parser.add_argument("--label", default=None, help="names the code measured in the history (default: git commit)")
    parser.add_argument("--results", type=Path, default=None, metavar="FILE",
                        help="also write the figures, with a history row, to this markdown page "
                             "(bench/results.md: the tracked one; default: print them only)")
    parser.add_argument("--out", type=Path, default=OUT, metavar="DIR",
                        help="where raw figures and server logs go (default bench/out, ignored by git)")
    parser.add_argument("--ports", default=None, metavar="LOW-HIGH",
                        help="the servers listen on ports from this range (default: any free port)")
    args = parser.parse_args(argv)
    if args.ports is not None:
        try:
            procs_module.use_ports(args.ports)
        except ValueError as exc:
            parser.error(str(exc))

    cfg = Config()
    if args.quick:
        cfg.mode, cfg.runs, cfg.duration, cfg.warmup = "quick", 1, 2.0, 1.0
        cfg.growth_runs, cfg.growth_duration, cfg.memory_messages = 1, 2.0, 200_000
    if args.runs is not None:
        cfg.runs = args.runs
    if args.duration is not None:
        cfg.duration = args.duration
    if args.warmup is not None:
        cfg.warmup = args.warmup
    if args.memory_messages is not None:
        cfg.memory_messages = args.memory_messages
    if args.growth_sizes:
        cfg.growth_sizes = tuple(int(x) for x in args.growth_sizes.split(","))
    cfg.connections = tuple(int(x) for x in args.connections.split(",") if x)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    wanted = [x for s in wanted for x in (COMPARED if s == "compare" else (s,))]
    skip = [s.strip() for s in args.skip.split(",") if s.strip()]
    skip = [x for s in skip for x in (COMPARED if s == "compare" else (s,))]
    unknown = [s for s in wanted + skip if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    cfg.sections = tuple(s for s in SECTIONS if s in wanted and s not in skip)
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if any(s not in ALL_SERVERS for s in servers):
        parser.error(f"--servers takes names from {', '.join(ALL_SERVERS)}")
    cfg.servers = tuple(s for s in ALL_SERVERS if s in servers)
    if args.only or args.skip or args.servers != ",".join(ALL_SERVERS):
        cfg.mode += " (partial: " + ",".join(cfg.sections) + ")"
        cfg.partial = True
    cfg.label = args.label if args.label is not None else default_label()
    if args.mock_command:
        MOCK_COMMAND[:] = shlex.split(args.mock_command)
        cfg.mode += " (mock command: " + args.mock_command + ")"
        cfg.partial = True
    cfg.results_path = args.results
    cfg.out = args.out
    return cfg


def draw_picture(results: dict[str, Any], path: Path) -> str | None:
    """The run's picture (bench/plots.py) at path; its name (relative to the results page beside it), None when it
    cannot be drawn."""
    try:
        import plots
        plots.draw(results, path)
    except ImportError as exc:  # `make bench` installs bench/requirements.txt; a bare bench/run.py may lack it
        print(f"  no picture: {exc} (pip install -r bench/requirements.txt)", flush=True)
        return None
    print(f"drew {shown(path)}", flush=True)
    return path.name


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    install_signal_handlers()
    prepare_out(cfg.out)
    began = time.monotonic()
    load_start = os.getloadavg()[0]
    print(f"bench: sections {', '.join(cfg.sections)}; {cfg.runs} run(s) of {cfg.duration:g} s per point", flush=True)
    needs_wrk = any(s in (*COMPARED, "growth") for s in cfg.sections)
    wrk = tools.ensure_wrk() if needs_wrk else None
    prism_bin, prism_version = None, tools.installed_prism_version()
    if any(s in COMPARED for s in cfg.sections) and any(s.startswith("prism") for s in cfg.servers):
        prism_bin, prism_version = tools.ensure_prism()
    results: dict[str, Any] = {"meta": {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "mode": cfg.mode, "label": cfg.label,
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in cfg.__dict__.items()},
        "machine": machine(prism_version, tools.wrk_version(wrk) if wrk else "wrk not used"), "problems": [],
        "method": (f"wrk, 1 thread, {'/'.join(map(str, cfg.connections))} connections, {cfg.runs} interleaved run(s) of "
                   f"{cfg.duration:g} s per point after a {cfg.warmup:g} s warm-up, medians; every request carries "
                   "`Authorization: Bearer …`; the mock runs as `honcho-mock` starts it (full request validation, no --seed); "
                   f"{wl.SESSIONS:,} sessions seeded through the public API; growth at 1 connection, "
                   f"{cfg.growth_runs} run(s) of {cfg.growth_duration:g} s; RSS = VmRSS of the server process (and children)"),
    }}
    procs = Processes()
    code = 0
    try:
        steps = [(any(s in COMPARED for s in cfg.sections), lambda: run_compare(cfg, procs, wrk, prism_bin, results)),
                 ("growth" in cfg.sections, lambda: run_growth(cfg, procs, wrk, results)),
                 ("memory" in cfg.sections, lambda: run_memory(cfg, procs, results)),
                 ("conformance" in cfg.sections, lambda: run_conformance(cfg, procs, results))]
        for wanted, step in steps:
            if not wanted:
                continue
            try:
                step()
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # one broken section does not lose the others' figures
                traceback.print_exc()
                results["meta"]["problems"].append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
                code = 1
    except KeyboardInterrupt:
        print("\nbench: interrupted; stopping every process it started", flush=True)
        procs.stop_all()
        return 130
    finally:
        procs.stop_all()
    results["meta"]["elapsed_s"] = time.monotonic() - began
    results["meta"]["load"] = [load_start, os.getloadavg()[0]]
    stamp = results["meta"]["date"].replace(":", "").replace("-", "")
    raw = OUT / f"results-{stamp}.json"
    raw.write_text(json.dumps(results, indent=1, default=str))
    print("\n" + report.table(results) + "\n\nPerformance targets (informational):\n" + report.targets_text(results)
          + "\n\nTargets for filters, the hot path and memory (informational):\n" + report.targets_text(results, report.targets_filters_hot_path_memory), flush=True)
    # the picture goes with the "Latest run" block of --results FILE (whole runs only), else beside the raw figures
    if cfg.results_path is not None and not cfg.partial:
        results["picture"] = draw_picture(results, cfg.results_path.parent / "results.png")
    else:
        draw_picture(results, raw.with_suffix(".png"))
    if results["meta"]["problems"]:
        print("\nProblems:\n" + "\n".join(f"- {p}" for p in results["meta"]["problems"]), flush=True)
    if cfg.results_path is not None:
        # a partial run (--only, --skip, --servers, --mock-command) adds its history row but
        # leaves the "Latest run" table of the last whole run in place
        report.write_results_md(cfg.results_path, results, latest=not cfg.partial)
        what = "the latest-run table and a history row" if not cfg.partial else "a history row"
        print(f"\nwrote {what} to {shown(cfg.results_path)} (raw figures: {shown(raw)}); "
              f"took {results['meta']['elapsed_s'] / 60:.1f} min", flush=True)
    else:
        print(f"\nraw figures: {shown(raw)} (--results FILE also writes the table as markdown); "
              f"took {results['meta']['elapsed_s'] / 60:.1f} min", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
