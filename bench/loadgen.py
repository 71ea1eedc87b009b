"""Driving a server: single HTTP calls (seeding, capturing answers) and wrk load runs."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procs import HOST

LUA = Path(__file__).resolve().parent / "wrk" / "request.lua"
AUTH = {"Authorization": "Bearer bench-token", "Accept": "application/json"}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """A keep-alive HTTP/1.1 connection to one local server."""

    def __init__(self, port: int, timeout: float = 120.0) -> None:
        self.port = port
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Answer:
        payload = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = dict(AUTH)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self._conn.request(method, path, body=payload, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
                return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: dict[str, int]
    latency_us: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return self.latency_us["p50"] / 1000

    @property
    def p99_ms(self) -> float:
        return self.latency_us["p99"] / 1000

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "seconds": self.seconds, "rps": self.rps, "errors": self.errors,
                "latency_us": self.latency_us, **self.extra}


def run_wrk(wrk: str, port: int, path: str, *, method: str = "POST", body_file: Path | None = None,
            connections: int = 32, duration: float = 5.0, timeout_s: float = 10.0) -> WrkResult:
    """One wrk run of `duration` seconds; bounded by a hard timeout as well."""
    seconds = max(1, round(duration))
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", f"--timeout={int(timeout_s)}s",
            "-s", str(LUA), f"http://{HOST}:{port}{path}"]
    env = {**os.environ, "WRK_METHOD": method, "WRK_BODY_FILE": str(body_file) if body_file else ""}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=seconds + timeout_s + 30)
    except BaseException:  # Ctrl-C, timeout: wrk goes too
        try:
            os.killpg(proc.pid, 9)
        except ProcessLookupError:
            pass
        proc.wait()
        raise
    line = next((l for l in out.splitlines() if l.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err.strip()[-500:]} {out.strip()[-500:]}")
    data = json.loads(line[len("WRKJSON "):])
    return WrkResult(data["requests"], data["duration_us"] / 1e6, data["errors"], data["latency_us"])
