"""Which Honcho version a server runs: from its /openapi.json (the routes first, then the number, the
nearest known contract), the default one without it, the one asked for with what the server says beside it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from support import DATA
from support.broken import Answer, Incoming, Rewrite

import honcho_contracts
from conformance.core.client import ConformanceClient
from conformance.core.transports import ASGIAppTransport
from conformance.honcho.version_detection import asked_for, choose, choose_contract, detect, disagrees
from mockserver import create_app

BASE_URL = "http://127.0.0.1:8000"


def document(version: str, says: str | None = "same") -> dict[str, Any]:
    """A version's own contract, saying another `info.version` (None: none at all)."""
    found = honcho_contracts.get(version).document()
    if says is None:
        found["info"].pop("version")
    elif says != "same":
        found["info"]["version"] = says
    return found


@pytest.mark.parametrize("version", [v.name for v in honcho_contracts.versions() if v.contract])
def test_each_contract_is_detected_as_itself(version: str) -> None:
    choice = choose(document(version))
    assert (choice.name, choice.how, choice.server_says) == (version, "detected", version)
    assert f"says {version} and serves exactly the" in choice.reason


def test_the_routes_decide_between_versions_the_number_does_not_tell_apart() -> None:
    """The upstream main branch of 2026-08-20 says 3.0.12 and serves the scope routes."""
    choice = choose(document("3.1-preview", says="3.0.12"))
    assert (choice.name, choice.how) == ("3.1-preview", "detected")
    assert "says 3.0.12 but serves exactly the 53 operations of 3.1-preview's contract" in choice.reason


@pytest.mark.parametrize(("says", "nearest"), [("3.0.11", "3.0.12"), ("3.0.8", "3.0.7"), ("3.2.0", "3.0.12"),
                                               ("v3.0.13", "3.0.12"), ("banana", "3.0.12")])
def test_an_unknown_number_gets_the_nearest_contract_with_the_same_routes(says: str, nearest: str) -> None:
    choice = choose(document("3.0.12", says=says))
    assert (choice.name, choice.how, choice.server_says) == (nearest, "nearest", says)
    assert "a version this tester carries no contract for" in choice.reason


def test_a_newer_server_with_a_route_more_is_nearest_to_the_contract_it_extends() -> None:
    served = document("3.1-preview", says="3.1.0")
    served["paths"]["/v3/workspaces/{workspace_id}/chat"] = {"post": {"responses": {"200": {"description": "ok"}}}}
    choice = choose(served)
    assert (choice.name, choice.how) == ("3.1-preview", "nearest")
    assert "serves 54 operations, nearest to the 53 of 3.1-preview's contract (1 more, 0 fewer)" in choice.reason


def test_path_parameter_names_do_not_matter_and_no_number_leaves_the_routes() -> None:
    served = document("3.1-preview", says=None)
    served["paths"] = {path.replace("{workspace_id}", "{ws}"): item for path, item in served["paths"].items()}
    choice = choose(served)
    assert (choice.name, choice.how, choice.server_says) == ("3.1-preview", "nearest", None)
    assert "names no version" in choice.reason and "exactly the 53 operations" in choice.reason


@pytest.mark.parametrize("body", [None, [], {"openapi": "3.1.0"}, "text"])
def test_no_document_is_the_default_version_said_so(body: Any) -> None:
    choice = choose(body, unreadable="GET /openapi.json answered 404")
    assert (choice.name, choice.how) == (honcho_contracts.DEFAULT_VERSION, "default")
    assert "GET /openapi.json answered 404" in choice.reason or "not an OpenAPI document" in choice.reason


@pytest.mark.parametrize("version", [v.name for v in honcho_contracts.served_versions()])
def test_a_mock_is_detected_over_http(version: str) -> None:
    with ConformanceClient(BASE_URL, transport=ASGIAppTransport(create_app(api_version=version).app)) as client:
        assert detect(client).name == version


def test_a_server_without_openapi_json_gets_the_default() -> None:
    def hide(request: Incoming) -> Answer | None:
        return Answer(404, [], b'{"detail":"Not Found"}') if request.path == "/openapi.json" else None

    app = Rewrite(create_app(api_version="3.0.7").app, before=hide)
    with ConformanceClient(BASE_URL, transport=ASGIAppTransport(app)) as client:
        choice = detect(client)
    assert (choice.name, choice.how) == (honcho_contracts.DEFAULT_VERSION, "default")
    assert "GET /openapi.json answered 404" in choice.reason


def test_a_version_asked_for_says_what_the_server_says() -> None:
    detected = choose(document("3.0.12"))
    agreed, overruled = asked_for("3.0.12", detected), asked_for("3.0.7", detected)
    assert (agreed.name, agreed.how, agreed.server_says) == ("3.0.12", "asked", "3.0.12")
    assert agreed.reason.startswith("--api-version 3.0.12; the server agrees")
    assert overruled.reason.startswith("--api-version 3.0.7; the server itself looks like 3.0.12")
    assert not disagrees(agreed, detected) and disagrees(overruled, detected)
    unknown = choose(None, unreadable="GET /openapi.json answered 404")
    assert not disagrees(asked_for("3.0.7", unknown), unknown)


def test_choose_contract_spec_and_asked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(api_version="3.0.12").app
    with ConformanceClient(BASE_URL, transport=ASGIAppTransport(app)) as client:
        chosen = choose_contract(client, spec=None, asked="3.0.7")
        assert chosen.choice.name == "3.0.7" and chosen.behaviour == honcho_contracts.get("3.0.7").behaviour
        assert chosen.contract.version == "3.0.7" and "honcho_contracts/3.0.7/overlay.yaml" in chosen.choice.contract
        assert chosen.remark.startswith("--api-version 3.0.7 asked for, but the server looks like 3.0.12")
        own = tmp_path / "mine.yaml"
        own.write_text(yaml.safe_dump(copy.deepcopy(honcho_contracts.get("3.0.12").document())))
        chosen = choose_contract(client, spec=own, asked=None)
        assert chosen.choice.name == "3.0.12" and chosen.choice.contract == f"{own} (--spec)" and not chosen.remark
        chosen = choose_contract(client, spec=DATA / "petstore-3.0.yaml", asked=None)
        assert (chosen.choice.name, chosen.choice.how, chosen.behaviour) == (None, "none", None)
