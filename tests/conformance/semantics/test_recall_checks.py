"""Recall filters and chat's response_format as each version takes them: green against the mock of each
served version, reported against a mock of the other, and against a server that takes `filters` without
confining what it recalls; chat is never sent to a server that did not refuse the representation's filters."""

from __future__ import annotations

import json

import pytest
from support.broken import Incoming, Rewrite
from support.runs import describe
from support.version_runs import run_checks, titles

import honcho_contracts
from mockserver import create_app

SERVED = [v.name for v in honcho_contracts.served_versions()]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("version", SERVED)
def test_each_served_version_passes_as_itself(version: str) -> None:
    result, recorder = run_checks(create_app(seed=1, api_version=version).app, ("recall_filters",))
    assert result.exit_code == 0, describe(result)
    behaviour = honcho_contracts.get(version).behaviour
    assert behaviour is not None
    chats = [path for method, path, _ in recorder.seen if method == "POST" and path.endswith("/chat")]
    assert bool(chats) == behaviour.recall_filters, "chat only where it must be refused"


@pytest.mark.timeout(120)
def test_a_version_without_filters_tested_as_one_with_them_and_chat_stays_unsent() -> None:
    result, recorder = run_checks(create_app(seed=1, api_version="3.0.7").app, ("recall_filters",),
                                  api_version="3.0.12")
    assert "semantics:recall_filters: a representation with an unsupported filter: not refused as the version does" \
        in titles(result), describe(result)
    assert "semantics:recall_filters: representation recalls a session its filters leave out" in titles(result)
    assert not [p for m, p, _ in recorder.seen if p.endswith("/chat")], "a chat would have reached the language model"


@pytest.mark.timeout(120)
def test_a_version_with_filters_tested_as_one_without_them() -> None:
    result, _ = run_checks(create_app(seed=1, api_version="3.0.12").app, ("recall_filters",), api_version="3.0.7")
    assert "semantics:recall_filters: expected 200, got 422" in titles(result), describe(result)


@pytest.mark.timeout(120)
def test_filters_that_confine_nothing_are_reported() -> None:
    def drop_filters(request: Incoming) -> None:
        data = request.data
        if request.path.endswith("/representation") and isinstance(data, dict) \
                and isinstance(data.get("filters"), dict) and set(data["filters"]) == {"session_id"} \
                and isinstance(data["filters"]["session_id"], (str, list, dict)) and "session_id" not in data:
            data.pop("filters")
            request.body = json.dumps(data).encode()

    result, _ = run_checks(Rewrite(create_app(seed=1, api_version="3.0.12").app, before=drop_filters),
                           ("recall_filters",))
    assert titles(result) == {"semantics:recall_filters: representation recalls a session its filters leave out"}, \
        describe(result)
