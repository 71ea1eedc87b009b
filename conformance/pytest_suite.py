"""The conformance suite as pytest tests: one per contract phase, semantic check and scenario.

    HONCHO_BASE_URL=https://honcho.example.com python -m pytest conformance/pytest_suite.py -v
    HONCHO_BASE_URL=http://127.0.0.1:8000 python -m pytest conformance/pytest_suite.py -k semantics --junitxml=r.xml

Environment: HONCHO_BASE_URL (required; the tests are skipped without it), HONCHO_API_KEY (or HONCHO_TOKEN),
HONCHO_CONFORMANCE_PROFILE (quick|default|thorough), HONCHO_CONFORMANCE_SEED,
HONCHO_CONFORMANCE_BASELINE (a baseline file), HONCHO_CONFORMANCE_READ_ONLY=1,
HONCHO_CONFORMANCE_MAX_REQUESTS, HONCHO_CONFORMANCE_API_VERSION (default: read from the
server's /openapi.json). Each test is a whole run of its part (with its own
fresh workspaces and clean-up) through the same engine as `honcho-conformance run`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.core.config import RunConfig, token_from_environment
from conformance.core.vocabulary import RunResult
from conformance.engine.runner import Runner
from conformance.semantics import REGISTRY

BASE_URL = os.environ.get("HONCHO_BASE_URL")
pytestmark = pytest.mark.skipif(not BASE_URL, reason="set HONCHO_BASE_URL to the deployment to check")
SEED = int(os.environ.get("HONCHO_CONFORMANCE_SEED", "1"))


def _run(**options: object) -> RunResult:
    baseline = os.environ.get("HONCHO_CONFORMANCE_BASELINE")
    budget = os.environ.get("HONCHO_CONFORMANCE_MAX_REQUESTS")
    config = RunConfig(base_url=BASE_URL or "http://unset", token=token_from_environment(),
                       profile=os.environ.get("HONCHO_CONFORMANCE_PROFILE", "quick"), seed=SEED,
                       read_only=os.environ.get("HONCHO_CONFORMANCE_READ_ONLY", "") not in ("", "0"),
                       baseline=Path(baseline) if baseline else None,
                       max_requests=int(budget) if budget else None,
                       api_version=os.environ.get("HONCHO_CONFORMANCE_API_VERSION") or None,
                       **options)  # type: ignore[arg-type]
    return Runner(config).run()


def _assert_nothing_new(result: RunResult) -> None:
    skipped = [p for p in result.phases if p.status == "skipped"]
    if skipped and len(skipped) == len(result.phases) and not result.failures:
        pytest.skip(", ".join(f"{p.name}: {p.detail}" for p in skipped))
    if result.new_failures:
        lines = []
        for group in result.groups():
            if not group.known:
                lines.append(f"{group.check} | {group.operation} | {group.title} (x{group.count})\n"
                             f"    {group.first.message[:400]}\n    reproduce: {group.first.curl[:1500]}")
        pytest.fail(f"{len(result.new_failures)} new failure(s), seed {result.seed}:\n" + "\n".join(lines),
                    pytrace=False)


@pytest.mark.parametrize("phase", ["contract", "stateful"])
def test_contract(phase: str) -> None:
    _assert_nothing_new(_run(phases=(phase,)))


@pytest.mark.parametrize("check", list(REGISTRY))
def test_semantics(check: str) -> None:
    _assert_nothing_new(_run(phases=("semantics",), checks=(check,)))


def test_model() -> None:
    _assert_nothing_new(_run(phases=("model",)))


def test_concurrency() -> None:
    _assert_nothing_new(_run(phases=("concurrency",)))
