"""The request log: one line per request, as a developer watching the mock's terminal wants it.

    10:23:01 POST /v3/workspaces/demo/sessions 422 0.4 ms  body.id: String should have at most 100 characters

Method, path (with its query), status, time in the mock, and for a 4xx its first validation
errors (the `detail` of the answer) on the same line. An answer the request did not earn says so
instead: a forced status or latency (http/faults.py) carries a note in its `http.response.start`
message (`LOG_NOTE`, an extra key servers ignore), logged as `fault: status 422 (X-Mock-Status)`; `--log-format json` writes one JSON
object per line instead, for machines; `--quiet` leaves the log out of the stack altogether.

The hot path pays only for what it must (bench/results.md, "Request log"): the status is read
by a plain function around `send` (no extra coroutine), the answer's body is kept only for a
4xx, and the line is neither formatted nor written during the request: entries are queued and
written together a moment later (FLUSH_DELAY), one write for many requests.
"""

from __future__ import annotations

import asyncio
import sys
import time
from time import perf_counter_ns
from typing import Any, Callable, TextIO

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FLUSH_DELAY = 0.05  # seconds: soon enough for a person, rare enough to cost one write per many requests
MAX_ERRORS = 3  # validation errors shown on a 4xx line
FORMATS = ("text", "json")
LOG_NOTE = "honcho_mock.log_note"  # a key of a response's start message: what the log says of an answer
# how the note of an answer the operation did not give starts (a forced status, a Prefer header): its body is
# the contract's, not a finding
FORCED = ("fault: status", "Prefer:")

# method, path, query, the status (or [status, note, body chunks...] for a noted answer or a 4xx: the note a
# str or None, the chunks a 4xx's body), start and end (perf ns); an entry of atoms only is one object less for
# the garbage collector to follow while it waits to be written
Entry = tuple[str, str, "bytes | None", "int | list[Any]", int, int]


class RequestLog:
    """ASGI middleware that logs every HTTP request once its answer is complete."""

    def __init__(self, app: ASGIApp, log_format: str = "text", stream: TextIO | None = None) -> None:
        if log_format not in FORMATS:
            raise ValueError(f"--log-format must be one of {', '.join(FORMATS)}, not {log_format!r}")
        self.app = app
        self.stream = stream
        self._lines: Callable[[list[Entry], float], str] = _text_lines if log_format == "text" else _json_lines
        self._pending: list[Entry] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flush_loop: asyncio.AbstractEventLoop | None = None  # the loop the planned flush runs on

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer: list[Any] = [0]  # the status (the first message is the response's start), then its note and body

        def watched(message: Message) -> Any:
            if not answer[0]:
                answer[0] = message.get("status", 0)
                if LOG_NOTE in message or 400 <= answer[0] < 500:
                    answer.append(message.get(LOG_NOTE))
            elif answer[0] < 500 and answer[0] >= 400:
                answer.append(message.get("body", b""))
            return send(message)

        started = perf_counter_ns()
        try:
            await self.app(scope, receive, watched)
        finally:
            self._pending.append((scope["method"], scope["path"], scope.get("query_string"),
                                  answer[0] if len(answer) == 1 else answer, started, perf_counter_ns()))
            if self._flush_handle is not None and self._flush_loop is not None and self._flush_loop.is_closed():
                self.flush()  # planned on a loop that ended (a test client's, one per request): written now
            if self._flush_handle is None:
                self._flush_loop = asyncio.get_running_loop()
                self._flush_handle = self._flush_loop.call_later(FLUSH_DELAY, self.flush)

    def flush(self) -> None:
        """Write every queued line (also called at shutdown, so nothing queued is lost)."""
        self._flush_handle = None
        pending, self._pending = self._pending, []
        if not pending:
            return
        stream = self.stream or sys.stdout
        try:
            stream.write(self._lines(pending, time.time() - perf_counter_ns() / 1e9))
            stream.flush()
        except (OSError, ValueError):  # a closed or broken terminal must not break the mock
            pass


def validation_errors(body: bytes | None) -> list[str]:
    """The first errors of a 4xx answer: `loc: msg` of a 422's `detail` list, else its `detail` text."""
    if not body:
        return []
    try:
        detail = orjson.loads(body).get("detail")
    except (orjson.JSONDecodeError, AttributeError):
        return []
    if isinstance(detail, str):
        return [detail]
    if not isinstance(detail, list):
        return []
    errors = []
    for item in detail[:MAX_ERRORS]:
        if isinstance(item, dict):
            where = ".".join(str(part) for part in item.get("loc") or ())
            errors.append(f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", "")))
    if len(detail) > MAX_ERRORS:
        errors.append(f"(+{len(detail) - MAX_ERRORS} more)")
    return errors


class _Clock:
    """Times of day as text, formatted once per second (strftime costs more than the rest of a line)."""

    def __init__(self, pattern: str, convert: Callable[[float], time.struct_time]) -> None:
        self.pattern, self.convert = pattern, convert
        self.second, self.text = -1, ""

    def __call__(self, wall: float) -> str:
        second = int(wall)
        if second != self.second:
            self.second, self.text = second, time.strftime(self.pattern, self.convert(second))
        return self.text


_TENTHS = [f"{tenths // 10}.{tenths % 10}" for tenths in range(1000)]  # "0.0" .. "99.9": formatting a float costs more
_local_clock = _Clock("%H:%M:%S", time.localtime)
_utc_clock = _Clock("%Y-%m-%dT%H:%M:%S", time.gmtime)


def _said(answer: list[Any]) -> list[str]:
    """An answer's note, then a 4xx's errors (none for a forced status: its body is the contract's)."""
    note = answer[1]
    if note is None:
        return validation_errors(b"".join(answer[2:]))
    return [note] if note.startswith(FORCED) else [note, *validation_errors(b"".join(answer[2:]))]


def _text_lines(entries: list[Entry], epoch: float) -> str:
    """`HH:MM:SS METHOD /path?query STATUS 0.4 ms[  errors]` per entry; `epoch` turns ns into wall time."""
    lines = []
    clock = _local_clock
    for method, path, query, answer, started, ended in entries:
        if query:
            path = f"{path}?{query.decode('latin-1')}"
        tenths = (ended - started) // 100_000
        took = _TENTHS[tenths] if tenths < len(_TENTHS) else tenths / 10
        if answer.__class__ is int:
            lines.append(f"{clock(epoch + ended / 1e9)} {method} {path} {answer or 500} {took} ms")
            continue
        line = f"{clock(epoch + ended / 1e9)} {method} {path} {answer[0] or 500} {took} ms"
        said = _said(answer)
        lines.append(f"{line}  {'; '.join(said)}" if said else line)
    lines.append("")
    return "\n".join(lines)


def _json_lines(entries: list[Entry], epoch: float) -> str:
    """One JSON object per entry: time (UTC), method, path, query, status, ms, and errors for a 4xx."""
    lines = []
    for method, path, query, answer, started, ended in entries:
        wall = epoch + ended / 1e9
        status = (answer if answer.__class__ is int else answer[0]) or 500
        record: dict[str, Any] = {"time": f"{_utc_clock(wall)}.{int(wall % 1 * 1000):03d}Z", "method": method,
                                  "path": path, "query": (query or b"").decode("latin-1"),
                                  "status": status, "ms": (ended - started) // 1000 / 1000}
        if answer.__class__ is not int:
            if answer[1] is not None:
                record["fault"] = answer[1]
            if 400 <= status < 500:
                record["errors"] = _said(answer)[answer[1] is not None:]
        lines.append(orjson.dumps(record))
    lines.append(b"")
    return b"\n".join(lines).decode()
