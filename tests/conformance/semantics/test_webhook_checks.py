"""Webhook URLs and deletions as each version takes them: green against the mock of each served version,
reported against a mock of another version, against a delete of a missing endpoint answered 204 and a
delete that removes nothing; a server that takes IP literals is never handed the internal ones."""

from __future__ import annotations

import re
from typing import Any

import pytest
from support.broken import Answer, Incoming, Rewrite
from support.runs import describe
from support.version_runs import run_checks, titles

import honcho_contracts
from conformance.semantics.webhook_checks import DOCUMENTATION_URL, INTERNAL_URLS
from mockserver import create_app

CHECKS = ("webhook_urls", "webhook_delete")
SERVED = [v.name for v in honcho_contracts.served_versions()]
WEBHOOK = re.compile(r"^/v3/workspaces/[^/]+/webhooks/[^/]+$")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("version", SERVED)
def test_each_served_version_passes_as_itself(version: str) -> None:
    result, _ = run_checks(create_app(seed=1, api_version=version).app, CHECKS)
    assert result.exit_code == 0, describe(result)
    assert result.api_version is not None and result.api_version.name == version
    assert set(result.phases[0].cases) == set(CHECKS)


@pytest.mark.timeout(120)
def test_a_version_that_takes_ip_literals_tested_as_one_that_refuses_them() -> None:
    sent: list[Any] = []

    def remember(request: Incoming) -> None:
        if request.method == "POST" and request.path.endswith("/webhooks"):
            sent.append((request.data or {}).get("url"))

    app = Rewrite(create_app(seed=1, api_version="3.0.7").app, before=remember)
    result, _ = run_checks(app, ("webhook_urls",), api_version="3.0.12")
    assert "semantics:webhook_urls: a webhook URL naming a private or internal IP address: not refused as the " \
           "version does" in titles(result), describe(result)
    internal = [url for url in sent if url in INTERNAL_URLS]
    assert internal == [DOCUMENTATION_URL], "once one is taken, no loopback or metadata address is registered"


@pytest.mark.timeout(120)
def test_a_version_that_refuses_ip_literals_tested_as_one_that_takes_them() -> None:
    result, _ = run_checks(create_app(seed=1, api_version="3.0.12").app, ("webhook_urls",), api_version="3.0.7")
    assert any(t.startswith("semantics:webhook_urls: expected 200/201, got 422") for t in titles(result)), \
        describe(result)


def _missing_is_204(request: Incoming, answer: Answer) -> None:
    if request.method == "DELETE" and WEBHOOK.match(request.path) and answer.status == 404:
        answer.status, answer.body = 204, b""


def _delete_does_nothing(request: Incoming) -> Answer | None:
    if request.method == "DELETE" and WEBHOOK.match(request.path):
        return Answer(204, [], b"")
    return None


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("rewrite", "title"), [
    ({"after": _missing_is_204}, "deleting a webhook endpoint that is not there: not refused as the version does"),
    ({"before": _delete_does_nothing}, "deleted webhook endpoint still listed"),
], ids=["missing_is_204", "delete_does_nothing"])
def test_broken_deletes_are_reported(rewrite: dict[str, Any], title: str) -> None:
    result, _ = run_checks(Rewrite(create_app(seed=1).app, **rewrite), ("webhook_delete",))
    assert f"semantics:webhook_delete: {title}" in titles(result), describe(result)
