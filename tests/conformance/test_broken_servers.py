"""The conformance tester must report each deliberately broken variant of the mock.

Each variant (tests/support/broken.py) is a realistic bug; its run is aimed at
the phases (and semantic checks or operations) that catch it, with small budgets. The
same aimed run against the healthy mock must report nothing new: what is found in a
broken variant is the bug, not noise.
"""

from __future__ import annotations

import fnmatch

import pytest
from support.broken import VARIANTS, Variant, fresh
from support.runs import describe

from conformance.core.config import RunConfig
from conformance.core.transports import ASGIAppTransport
from conformance.core.vocabulary import RunResult
from conformance.engine.runner import Runner

BASE_URL = "http://127.0.0.1:8000"


def run_against(app: object, v: Variant, seed: int = 5) -> RunResult:
    transport = ASGIAppTransport(app)
    try:
        config = RunConfig(base_url=BASE_URL, transport=transport, seed=seed, profile="quick", phases=v.phases,
                           checks=v.checks, include_operations=v.operations, max_requests=6000, max_time=90,
                           max_examples=v.options.get("max_examples"), concurrency=v.options.get("concurrency"))
        return Runner(config).run()
    finally:
        transport.close()



def test_at_least_twelve_variants_cover_the_required_bugs() -> None:
    names = {v.name for v in VARIANTS}
    required = {"pages_math", "reverse_ignored", "filters_ignored", "size_not_honoured", "required_field_missing",
                "wrong_types", "wrong_content_type", "server_error_on_odd_input", "invalid_input_accepted",
                "wrong_status_code", "delete_without_effect", "stale_lists", "leak_across_workspaces"}
    assert required <= names
    assert len(VARIANTS) >= 12


@pytest.mark.timeout(120)
@pytest.mark.parametrize("v", VARIANTS, ids=lambda v: v.name)
def test_broken_variant_is_reported(v: Variant) -> None:
    result = run_against(v.build(), v)
    assert result.exit_code == 1, f"{v.name} ({v.bug}) went unnoticed:\n{describe(result)}"
    for pattern in v.expect:
        matched = [f for f in result.new_failures if fnmatch.fnmatchcase(f.check, pattern)]
        assert matched, f"{v.name}: no new failure of {pattern}; got:\n{describe(result)}"
        assert all(f.curl for f in matched), "every failure carries a curl reproduction"
        assert all(f.seed == 5 for f in matched)


def _aims() -> list[Variant]:
    seen, aims = set(), []
    for v in VARIANTS:
        key = (v.phases, v.checks, v.operations, tuple(sorted(v.options.items())))
        if key not in seen:
            seen.add(key)
            aims.append(v)
    return aims


@pytest.mark.timeout(120)
@pytest.mark.parametrize("v", _aims(), ids=lambda v: f"aimed-like-{v.name}")
def test_the_same_aimed_run_passes_on_the_healthy_mock(v: Variant) -> None:
    result = run_against(fresh().app, v)
    assert result.exit_code == 0, f"healthy mock, aimed like {v.name}:\n{describe(result)}"
