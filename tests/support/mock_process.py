"""`honcho-mock` as a real process on a loopback port, for tests that signal or kill it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import httpx

from support import ROOT, free_port

# mockserver/http/auth.py switches auth on from these: the tests here drive an auth-less mock, whatever the environment
AUTH_ENVIRONMENT = ("HONCHO_MOCK_AUTH_SECRET", "AUTH_JWT_SECRET", "HONCHO_MOCK_ADMIN_TOKEN")


def clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in AUTH_ENVIRONMENT}


class MockProcess:
    """One `python -m mockserver.cli` process on 127.0.0.1; `stop()` always leaves nothing behind."""

    def __init__(self, *args: str, cwd: Path = ROOT, host: str | None = "127.0.0.1") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [sys.executable, "-m", "mockserver.cli", *(["--host", host] if host else []), "--port", str(self.port), *args]
        self._out = tempfile.TemporaryFile()  # files, not pipes: a chatty server never blocks on a full pipe
        self._err = tempfile.TemporaryFile()
        self.popen = subprocess.Popen(self.args, cwd=cwd, stdout=self._out, stderr=self._err, start_new_session=True,
                                      env=clean_environment())

    def wait_ready(self, timeout: float = 20.0) -> "MockProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"honcho-mock exited with {self.popen.returncode}: {self.output()[1][-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("honcho-mock did not start")

    def signal(self, sig: int) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, sig)

    def wait(self, timeout: float = 20.0) -> int:
        return self.popen.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the process (by its id) and reap it."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def output(self) -> tuple[str, str]:
        """What the process printed so far (stdout, stderr)."""
        texts = []
        for handle in (self._out, self._err):
            handle.seek(0)
            texts.append(handle.read().decode(errors="replace"))
        return texts[0], texts[1]

    def __enter__(self) -> "MockProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
        self._out.close()
        self._err.close()


def run_cli(args: Sequence[str], timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run `honcho-mock` to completion (for invocations that must refuse to start)."""
    return subprocess.run([sys.executable, "-m", "mockserver.cli", "--port", str(free_port()), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=clean_environment())
