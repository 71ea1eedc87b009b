"""Starting, watching and stopping the processes a benchmark run owns.

Every process is started in its own session (process group), recorded in a registry,
and killed with its whole group when the run ends, however it ends (normal exit,
exception, Ctrl-C, SIGTERM). Nothing is ever killed by name.
"""

from __future__ import annotations

import atexit
import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Sequence

HOST = "127.0.0.1"
PORTS: list[int] | None = None  # `--ports LOW-HIGH`: the ports servers may take, in order (None: any free port)


def use_ports(text: str) -> None:
    """Take servers' ports from `LOW-HIGH` (inclusive) instead of letting the system choose."""
    global PORTS
    low, dash, high = text.partition("-")
    if not (low.isdigit() and dash and high.isdigit() and 1024 <= int(low) <= int(high) <= 65535):
        raise ValueError(f"--ports takes LOW-HIGH within 1024..65535, not {text!r}")
    PORTS = list(range(int(low), int(high) + 1))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the next free one of --ports when given)."""
    if PORTS is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            return sock.getsockname()[1]
    while PORTS:
        port = PORTS.pop(0)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue  # taken by another program: the next one
            return port
    raise RuntimeError("every port of --ports is taken or already used by this run; give a wider range")


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log_path: Path | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class Processes:
    """The registry: everything started through it is stopped by `stop_all`."""

    def __init__(self) -> None:
        self._procs: list[Proc] = []
        atexit.register(self.stop_all)

    def start(self, name: str, argv: Sequence[str], log_path: Path | None = None,
              env: dict[str, str] | None = None, cwd: Path | None = None) -> Proc:
        log = open(log_path, "wb") if log_path is not None else None
        popen = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True,
        )
        proc = Proc(name, popen, log_path, log)
        self._procs.append(proc)
        return proc

    def stop(self, proc: Proc, grace: float = 3.0) -> None:
        """SIGTERM to the process group, SIGKILL after `grace` seconds."""
        if proc.alive():
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        # the group may hold children (node workers) even once the leader is gone
        _signal_group(proc.pid, signal.SIGKILL)
        try:
            proc.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        if proc._log is not None:
            proc._log.close()
            proc._log = None
        if proc in self._procs:
            self._procs.remove(proc)

    def stop_all(self) -> None:
        for proc in list(reversed(self._procs)):
            self.stop(proc)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the group id is the leader's pid (start_new_session)
    except (ProcessLookupError, PermissionError):
        pass


def install_signal_handlers() -> None:
    """SIGTERM, SIGHUP and SIGINT unwind as KeyboardInterrupt, so `finally` blocks stop the servers."""

    def raise_interrupt(signum, frame):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, raise_interrupt)
    # a shell without job control starts background commands with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)


def wait_http(proc: Proc, port: int, path: str = "/", timeout: float = 60.0, method: str = "GET") -> float:
    """Seconds until the server answers any HTTP status on `path`; raises if it dies first."""
    start = time.monotonic()
    while True:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode} before listening:\n{proc.tail()}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request(method, path)
            conn.getresponse().read()
            conn.close()
            return time.monotonic() - start
        except OSError:
            pass
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"{proc.name} did not answer on port {port} within {timeout:.0f}s:\n{proc.tail()}")
        time.sleep(0.1)


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        tasks = list(task_dir.iterdir())
    except OSError:
        return kids
    for task in tasks:
        try:
            kids += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def rss_bytes(pid: int, with_children: bool = True) -> int:
    """Resident memory (VmRSS from /proc) of a process, plus its descendants."""
    total = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
        if with_children:
            todo += _children(current)
    return total
