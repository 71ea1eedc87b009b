"""The vocabulary every layer shares: recorded exchanges, failures, events, results.

This module is the bottom layer of the package: it imports nothing from it. Phases
produce `Failure`s and emit `Event`s; reporters consume events; the CLI reads the
final `RunResult`. Nothing here knows about HTTP libraries or schemathesis.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

TOKEN_PLACEHOLDER = "$HONCHO_API_KEY"  # the variable the SDKs read and honcho-mock prints
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3  # nothing was checked: the server did not answer at all
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
MAX_BODY_IN_REPORT = 2000


# --------------------------------------------------------------------------- exchanges
@dataclass
class Exchange:
    """One request sent to the server and what came back (or the transport error)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    elapsed: float = 0.0
    error: str | None = None
    index: int = 0

    def curl(self) -> str:
        return curl_command(self.method, self.url, self.request_headers, self.request_body)

    def reproduction(self) -> "Reproduction":
        return Reproduction(self.method, self.url, _kept_headers(self.request_headers), self.request_body)

    def response_excerpt(self, limit: int = 300) -> str:
        if self.error:
            return f"(no response: {self.error})"
        text = self.response_body[:limit].decode("utf-8", "replace")
        more = "..." if len(self.response_body) > limit else ""
        return f"{self.status} {text}{more}"

    def json(self) -> Any:
        return json.loads(self.response_body)


# Headers that only describe the transport: a reproduction does not need them.
_NOISE_HEADERS = {"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"}


def _kept_headers(headers: dict[str, str] | None) -> dict[str, str]:
    return {name: value for name, value in (headers or {}).items()
            if name.lower() not in _NOISE_HEADERS and not name.lower().startswith("x-schemathesis")}


def curl_command(method: str, url: str, headers: dict[str, str] | None, body: bytes | str | None,
                 data_file: str | None = None) -> str:
    """A copy-pasteable curl command; a bearer token is replaced by `$HONCHO_API_KEY`. With
    `data_file`, the body is read from that file (`--data-binary @FILE`: every byte as it is)."""
    parts = ["curl", "-sS", "-X", method.upper(), shlex.quote(url)]
    for name, value in _kept_headers(headers).items():
        if name.lower() == "authorization":
            parts += ["-H", f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"']
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if data_file is not None:
        parts += ["--data-binary", shlex.quote("@" + data_file)]
    elif body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        parts += ["--data-raw", shlex.quote(text)]
    return " ".join(parts)


# A body longer than this, or one a shell argument cannot carry whole (NUL, bytes that are not
# UTF-8, control characters), is read by the curl from a file.
INLINE_BODY = 300
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


@dataclass
class Reproduction:
    """The request that shows a failure, whole: what a runnable curl is made of."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None = None

    @property
    def body_needs_a_file(self) -> bool:
        if not self.body:
            return False
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return len(text) > INLINE_BODY or bool(_UNPRINTABLE.search(text))

    def curl(self, data_file: str | None = None) -> str:
        return curl_command(self.method, self.url, self.headers, self.body, data_file=data_file)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"method": self.method, "url": self.url, "headers": self.headers, "body": None}
        if self.body is not None:
            try:
                data["body"] = self.body.decode("utf-8")
            except UnicodeDecodeError:
                data["body_base64"] = base64.b64encode(self.body).decode("ascii")
        return data


# --------------------------------------------------------------------------- failures
@dataclass
class Failure:
    """One observed deviation from the contract or from the API's meaning.

    `check`, `operation` and `title` together name its root cause: failures that share
    them are one line of the summary and one entry of a baseline.
    """

    check: str
    operation: str
    title: str
    message: str = ""
    phase: str = ""
    curl: str = ""
    steps: list[str] = field(default_factory=list)
    seed: int | None = None
    status: int | None = None
    response: str = ""
    known: bool = False
    case: str = ""  # the test case (JUnit testcase) it belongs to; the operation when empty
    # What it is keyed by besides check and title: the trigger of a reduced failure ("query page: an
    # integer past 2^31-1", phases/reduction.py), the operation for other contract checks, nothing for
    # the semantic checks (their titles name the property).
    cause: str = ""
    trigger: str = ""  # for people: the part that, made valid, makes the failure go away, and its value
    original_curl: str = ""  # the request as generated, when `curl` is the reduced one
    reproduction: Reproduction | None = None  # the request of `curl`, whole (for a runnable curl with its body file)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.check, self.operation, self.title)

    @property
    def fingerprint(self) -> str:
        return " | ".join(self.key)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reproduction"] = self.reproduction.to_dict() if self.reproduction else None
        return data


@dataclass
class FailureGroup:
    """All failures sharing one root cause: one check, one title, one cause (the trigger).

    A cause seen in several operations (the same parameter, the same kind of value) is one
    group that lists each operation (with its own first failure, so its own curl): a team
    fixes the cause once.
    """

    check: str
    title: str
    count: int
    first: Failure
    known: bool
    operations: dict[str, list[Failure]] = field(default_factory=dict)
    cause: str = ""

    @property
    def key(self) -> tuple[str, str, str, bool]:
        return (self.check, self.title, self.cause, self.known)

    @property
    def operation(self) -> str:
        """The one operation, or how many share the cause."""
        return self.first.operation if len(self.operations) == 1 else f"{len(self.operations)} operations"


def group_failures(failures: list[Failure]) -> list[FailureGroup]:
    groups: dict[tuple[str, str, str, bool], FailureGroup] = {}
    for failure in failures:
        key = (failure.check, failure.title, failure.cause, failure.known)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FailureGroup(failure.check, failure.title, 0, failure, failure.known,
                                               cause=failure.cause)
        group.count += 1
        group.operations.setdefault(failure.operation, []).append(failure)
    return sorted(groups.values(), key=lambda g: (g.known, g.check, g.title, g.cause))


# --------------------------------------------------------------------------- phases and results
@dataclass
class PhaseReport:
    name: str
    description: str = ""
    status: str = "pending"  # pending | passed | failed | skipped | truncated | error
    duration: float = 0.0
    requests: int = 0
    failures: int = 0
    detail: str = ""
    # The test cases this phase ran (JUnit lists each): name -> number of failures.
    cases: dict[str, int] = field(default_factory=dict)
    # The test cases it meant to run and did not: name -> why (JUnit: skipped, with the reason).
    not_run: dict[str, str] = field(default_factory=dict)


@dataclass
class CleanupReport:
    prefix: str
    workspaces_found: int = 0      # workspaces of the run the server had
    workspaces_deleted: int = 0    # confirmed gone
    workspaces_accepted: int = 0   # answered 202 (deletion accepted, carried out later)
    pending: list[str] = field(default_factory=list)  # accepted, still listed after the wait
    sessions_deleted: int = 0
    leftovers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: bool = False

    @property
    def clean(self) -> bool:
        return not self.leftovers and not self.errors


@dataclass
class ApiVersionChoice:
    """The Honcho API version a run tests and how it was chosen: every report names it.

    `how` is `asked` (--api-version), `detected` (the server's /openapi.json names it, or names its
    number while serving its routes), `nearest` (the server names a version no contract is carried
    for: the nearest one), `default` (the server has no readable /openapi.json) or `none` (the
    contract, --spec, is not Honcho's)."""

    name: str | None
    how: str
    reason: str
    server_says: str | None = None  # `info.version` of the server's /openapi.json, when it has one
    contract: str = ""  # what the run checks against: a version's contract, or the --spec file

    def line(self) -> str:
        """One line for people: `Honcho API 3.0.12 (detected: ...); contract: ...`."""
        named = f"Honcho API {self.name}" if self.name else "no Honcho API version"
        return f"{named} ({self.how}: {self.reason})" + (f"; contract: {self.contract}" if self.contract else "")


@dataclass
class RunResult:
    base_url: str
    seed: int
    prefix: str
    profile: str
    read_only: bool
    started_at: float = field(default_factory=time.time)
    duration: float = 0.0
    requests: int = 0
    phases: list[PhaseReport] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    cleanup: CleanupReport | None = None
    baseline_unseen: list[str] = field(default_factory=list)
    stop_reason: str = "completed"
    coverage: dict[str, Any] | None = None  # what the run exercised (coverage.py's report)
    unreachable: str = ""  # why the server could not be reached before the first phase
    api_version: ApiVersionChoice | None = None  # the Honcho version tested, and how it was chosen

    @property
    def new_failures(self) -> list[Failure]:
        return [f for f in self.failures if not f.known]

    @property
    def known_failures(self) -> list[Failure]:
        return [f for f in self.failures if f.known]

    @property
    def exit_code(self) -> int:
        if self.unreachable:
            return EXIT_UNREACHABLE
        if self.stop_reason == "interrupted":
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.new_failures else 0

    def groups(self) -> list[FailureGroup]:
        return group_failures(self.failures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "seed": self.seed,
            "run_prefix": self.prefix,
            "profile": self.profile,
            "read_only": self.read_only,
            "started_at": self.started_at,
            "duration_seconds": round(self.duration, 3),
            "requests": self.requests,
            "stop_reason": self.stop_reason,
            "unreachable": self.unreachable,
            "api_version": asdict(self.api_version) if self.api_version else None,
            "exit_code": self.exit_code,
            "summary": [
                {"check": g.check, "title": g.title, "cause": g.cause, "trigger": g.first.trigger, "count": g.count,
                 "known": g.known, "curl": g.first.curl, "seed": g.first.seed,
                 "operations": [{"operation": op, "count": len(fs), "curl": fs[0].curl} for op, fs in g.operations.items()]}
                for g in self.groups()
            ],
            "phases": [asdict(p) for p in self.phases],
            "failures": [f.to_dict() for f in self.failures],
            "cleanup": asdict(self.cleanup) if self.cleanup else None,
            "baseline_unseen": self.baseline_unseen,
            "coverage": self.coverage,
        }


# --------------------------------------------------------------------------- events
@dataclass
class Event:
    timestamp: float = field(default_factory=time.time, init=False)


@dataclass
class RunStarted(Event):
    base_url: str
    seed: int
    prefix: str
    profile: str
    phases: list[str]
    read_only: bool
    api_version: ApiVersionChoice | None = None


@dataclass
class PhaseStarted(Event):
    name: str
    description: str
    total: int | None = None


@dataclass
class Progress(Event):
    phase: str
    advance: int = 1
    label: str = ""
    total: int | None = None


@dataclass
class FailureFound(Event):
    failure: Failure


@dataclass
class PhaseFinished(Event):
    report: PhaseReport


@dataclass
class Note(Event):
    text: str


@dataclass
class CleanupFinished(Event):
    report: CleanupReport


@dataclass
class RunFinished(Event):
    result: RunResult


Listener = Callable[[Event], None]
