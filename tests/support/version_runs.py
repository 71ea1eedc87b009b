"""Aimed runs of the semantic checks that differ by Honcho version: against a mock of a version, the
version detected or asked for, every request remembered (what a check sent, and what it did not)."""

from __future__ import annotations

from typing import Any

from support.runs import Recorder

from conformance.core.config import RunConfig
from conformance.core.transports import ASGIAppTransport
from conformance.core.vocabulary import RunResult
from conformance.engine.runner import Runner

BASE_URL = "http://127.0.0.1:8000"


def run_checks(app: Any, checks: tuple[str, ...], *, seed: int = 3, **options: Any) -> tuple[RunResult, Recorder]:
    """The semantic phase, only `checks`, against an ASGI app (a mock, or a broken variant of one)."""
    recorder = Recorder(ASGIAppTransport(app))
    try:
        config = RunConfig(base_url=BASE_URL, transport=recorder, seed=seed, profile="quick", phases=("semantics",),
                           checks=checks, max_requests=3000, **options)
        return Runner(config).run(), recorder
    finally:
        recorder.inner.close()


def titles(result: RunResult) -> set[str]:
    """The root causes a run found that are new, as `check: title`."""
    return {f"{f.check}: {f.title}" for f in result.new_failures}
