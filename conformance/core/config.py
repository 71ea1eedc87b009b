"""Run options: one dataclass, filled by the CLI, by tests, or by the benchmark script.

Profiles set how much each phase generates; explicit options override the profile.
"""

from __future__ import annotations

import fnmatch
import os
import random
import re
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import honcho_contracts

PHASES = ("contract", "stateful", "semantics", "model", "concurrency")
# The phases that speak Honcho (its operations, its workspaces): a run of another contract skips them.
HONCHO_PHASES = ("semantics", "model", "concurrency")
PHASE_DESCRIPTIONS = {
    "contract": "schemathesis: every operation, examples + coverage + fuzzing, every applicable check",
    "stateful": "schemathesis: sequences through the links of openapi.yaml",
    "semantics": "the API's meaning: lists, pages, reverse, filters, get-or-create, updates, deletes, isolation",
    "model": "hypothesis state machine: random sequences compared with an in-memory model",
    "concurrency": "the same sequences from N parallel clients; races on shared sessions",
}


def token_from_environment() -> str | None:
    """The bearer token of the environment: `HONCHO_API_KEY` (what the SDKs read and honcho-mock
    prints), else `HONCHO_TOKEN` (what earlier versions read)."""
    return os.environ.get("HONCHO_API_KEY") or os.environ.get("HONCHO_TOKEN") or None


def default_spec() -> Path:
    """The newest released Honcho's contract (openapi.yaml), from the honcho_contracts data
    package: the repository's file in a checkout, its copy in an installed wheel."""
    path = honcho_contracts.default().contract_path
    assert path is not None, "the default Honcho version has a whole contract document"
    return path


@dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int          # schemathesis examples per operation and phase
    stateful_steps: int        # schemathesis stateful: max steps per scenario
    semantic_rounds: int       # how many random filter/page cases per collection
    model_examples: int        # hypothesis state machine: examples
    model_steps: int           # hypothesis state machine: steps per example
    concurrency: int           # parallel clients in the concurrency phase
    shrink: bool = False


PROFILES = {
    "quick": Profile("quick", max_examples=5, stateful_steps=8, semantic_rounds=4, model_examples=4, model_steps=12, concurrency=2),
    "default": Profile("default", max_examples=12, stateful_steps=16, semantic_rounds=20, model_examples=40, model_steps=30, concurrency=4),
    "thorough": Profile("thorough", max_examples=100, stateful_steps=50, semantic_rounds=40, model_examples=60, model_steps=40,
                        concurrency=8, shrink=True),
}


class ConfigError(ValueError):
    pass


@dataclass
class RunConfig:
    base_url: str
    token: str | None = None
    spec: Path | None = None                  # another contract document; None: the chosen version's contract
    api_version: str | None = None            # the Honcho version to test; None: read from the server
    seed: int | None = None
    profile: str = "default"
    phases: tuple[str, ...] = PHASES
    read_only: bool = False
    max_requests: int | None = None
    max_time: float | None = None
    rate_limit: float | None = None          # requests per second, all clients together
    concurrency: int | None = None
    request_timeout: float = 30.0
    max_examples: int | None = None
    stateful_steps: int | None = None
    semantic_rounds: int | None = None
    model_examples: int | None = None
    model_steps: int | None = None
    shrink: bool | None = None
    checks: tuple[str, ...] | None = None    # semantic checks to run (default: all that apply)
    include_checks: tuple[str, ...] = ()      # check names or shell patterns: only these (every phase)
    exclude_checks: tuple[str, ...] = ()      # check names or shell patterns: never these (every phase)
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request (-H "Name: value")
    include_operations: tuple[str, ...] = ()  # regexes on operationId: only these (contract phases)
    exclude_operations: tuple[str, ...] = ()  # regexes on operationId: never these (contract phases)
    run_prefix: str | None = None
    cleanup: bool = True
    deletion_wait: float = 10.0               # seconds to wait for a deletion answered 202 (checks, clean-up)
    junit_xml: Path | None = None
    json_report: Path | None = None
    baseline: Path | None = None
    write_baseline: Path | None = None
    html_report: Path | None = None
    min_coverage: tuple[tuple[str, float], ...] = ()  # (kind, percent): coverage.py's gates
    # Not settable from the command line: an httpx transport to reach the server in-process.
    transport: Any = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"--base-url must be an http(s) URL, got {self.base_url!r}")
        if self.api_version is not None:
            try:
                honcho_contracts.get(self.api_version)
            except honcho_contracts.UnknownVersion as exc:
                raise ConfigError(f"--api-version: {exc}") from None
        if self.profile not in PROFILES:
            raise ConfigError(f"unknown profile {self.profile!r} (choose from {', '.join(PROFILES)})")
        unknown = [p for p in self.phases if p not in PHASES]
        if unknown:
            raise ConfigError(f"unknown phase(s) {', '.join(unknown)} (choose from {', '.join(PHASES)})")
        for pattern in self.include_operations + self.exclude_operations:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"bad operation regex {pattern!r}: {exc}") from exc
        if self.seed is None:
            self.seed = random.SystemRandom().randrange(2**31)
        if self.run_prefix is None:
            self.run_prefix = f"cf{secrets.token_hex(4)}"
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", self.run_prefix):
            raise ConfigError("--run-prefix must be 1..40 characters of A-Za-z0-9_-")
        for name in ("max_requests", "concurrency", "max_examples"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be at least 1")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ConfigError("--rate-limit must be positive")
        if self.deletion_wait < 0:
            raise ConfigError("--deletion-wait must be 0 or more")
        if self.max_time is not None and self.max_time <= 0:
            raise ConfigError("--max-time must be positive")
        for name, value in self.headers:
            if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) or any(c in value for c in "\r\n\x00"):
                raise ConfigError(f"-H {name}: {value!r} is not a header (Name: value)")

    def runs_check(self, name: str) -> bool:
        """Whether --include-checks/--exclude-checks let this check run. A check is matched by its
        name and by its reported name (`semantics:clone_exact` is also `clone_exact`)."""
        names = {name, name.rpartition(":")[2]}
        if self.include_checks and not any(fnmatch.fnmatchcase(n, p) for n in names for p in self.include_checks):
            return False
        return not any(fnmatch.fnmatchcase(n, p) for n in names for p in self.exclude_checks)

    # -- effective values: explicit option, else the profile's -----------------------
    @property
    def profile_values(self) -> Profile:
        return PROFILES[self.profile]

    def _pick(self, name: str) -> Any:
        value = getattr(self, name)
        return getattr(self.profile_values, name) if value is None else value

    @property
    def effective_max_examples(self) -> int:
        return self._pick("max_examples")

    @property
    def effective_stateful_steps(self) -> int:
        return max(2, self._pick("stateful_steps"))

    @property
    def effective_semantic_rounds(self) -> int:
        return self._pick("semantic_rounds")

    @property
    def effective_model_examples(self) -> int:
        return self._pick("model_examples")

    @property
    def effective_model_steps(self) -> int:
        return self._pick("model_steps")

    @property
    def effective_concurrency(self) -> int:
        return self._pick("concurrency")

    @property
    def effective_shrink(self) -> bool:
        return self._pick("shrink")

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def with_changes(self, **changes: Any) -> "RunConfig":
        return replace(self, **changes)
