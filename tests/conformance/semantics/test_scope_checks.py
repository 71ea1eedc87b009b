"""Scopes, where the version has them: green against the mock of every served version with scope operations,
reported against a search that ignores its scope, a 404 in other words, a get-or-create that always creates
and sessions that never leave; not applicable (and said so) where the contract has no scopes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from support.broken import Answer, Incoming, Rewrite
from support.runs import describe
from support.version_runs import run_checks, titles

import honcho_contracts
from conformance.core.vocabulary import Note
from conformance.core.config import RunConfig
from conformance.core.openapi import Contract
from conformance.core.transports import ASGIAppTransport
from conformance.engine.runner import Runner
from conformance.semantics.scope_checks import SCOPES
from mockserver import create_app

CHECKS = ("scope_get_or_create", "scope_sessions", "scope_confinement")
WITH_SCOPES = [v.name for v in honcho_contracts.served_versions()
               if SCOPES(Contract(v.document()), v.behaviour) is None]
WITHOUT_SCOPES = [v.name for v in honcho_contracts.served_versions() if v.name not in WITH_SCOPES]
needs_scopes = pytest.mark.skipif(not WITH_SCOPES, reason="no served version has scopes yet (the mock's scopes work)")
MEMBER_REMOVAL = re.compile(r"^/v3/workspaces/[^/]+/scopes/[^/]+/sessions/[^/]+$")


def scope_mock() -> Any:
    return create_app(seed=1, api_version=WITH_SCOPES[0]).app


@pytest.mark.timeout(120)
@pytest.mark.parametrize("version", WITH_SCOPES or ["(none)"])
@needs_scopes
def test_each_served_version_with_scopes_passes(version: str) -> None:
    result, _ = run_checks(create_app(seed=1, api_version=version).app, CHECKS)
    assert result.exit_code == 0, describe(result)
    assert set(result.phases[0].cases) == set(CHECKS)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("version", WITHOUT_SCOPES)
def test_a_version_without_scopes_says_they_do_not_apply(version: str) -> None:
    notes: list[str] = []
    transport = ASGIAppTransport(create_app(seed=1, api_version=version).app)
    try:
        result = Runner(RunConfig(base_url="http://127.0.0.1:8000", transport=transport, seed=3, profile="quick",
                                  phases=("semantics",), checks=CHECKS),
                        [lambda e: notes.append(e.text) if isinstance(e, Note) else None]).run()
    finally:
        transport.close()
    assert result.exit_code == 0 and result.phases[0].cases == {}
    assert [n for n in notes if n.startswith(f"semantic checks not applicable to Honcho {version}: "
                                             "scope_get_or_create, scope_sessions, scope_confinement")], notes


def _search_ignores_scope(request: Incoming) -> None:
    data = request.data
    if request.path.endswith("/search") and isinstance(data, dict) and data.pop("scope", None) is not None:
        request.body = json.dumps(data).encode()


def _other_404_words(request: Incoming, answer: Answer) -> None:
    if answer.status == 404 and b"Scope " in answer.body:
        answer.data = {"detail": "Not Found"}


def _always_created(request: Incoming, answer: Answer) -> None:
    if request.method == "POST" and request.path.endswith("/scopes") and answer.status == 200:
        answer.status = 201


def _never_leave(request: Incoming) -> Answer | None:
    return Answer(204, [], b"") if request.method == "DELETE" and MEMBER_REMOVAL.match(request.path) else None


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("rewrite", "expected"), [
    ({"before": _search_ignores_scope}, "semantics:scope_confinement: search within a scope finds messages of other "
                                        "sessions"),
    ({"after": _other_404_words}, "semantics:scope_get_or_create: a scope that does not exist: not refused as the "
                                  "version does"),
    ({"after": _always_created}, "semantics:scope_get_or_create: expected 200, got 201"),
    ({"before": _never_leave}, "semantics:scope_sessions: scope sessions after a removal are not the ones left"),
], ids=["search_ignores_scope", "other_404_words", "always_created", "never_leave"])
@needs_scopes
def test_broken_scopes_are_reported(rewrite: dict[str, Any], expected: str) -> None:
    result, _ = run_checks(Rewrite(scope_mock(), **rewrite), CHECKS)
    assert expected in titles(result), describe(result)
