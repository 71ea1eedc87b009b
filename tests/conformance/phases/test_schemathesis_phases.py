"""The steering of schemathesis' cases (a positive case kept inside the contract's parameter rules)
and the reading of its findings."""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace
from typing import Any

from starlette.testclient import TestClient

from conformance.phases.schemathesis_phases import _keep_ordering_rules, _keep_parameter_rules, _names_a_body_reference
import honcho_contracts
from mockserver import create_app

CONTEXT = "/v3/workspaces/{workspace_id}/sessions/{session_id}/context"
# each parameter absent, present but empty, or given (names that exist: peer, session, scope)
CHOICES: dict[str, tuple[Any, ...]] = {
    "peer_target": (None, "", "alice"), "peer_perspective": (None, "", "alice"), "scope": (None, "", "work"),
    "sessions": (None, [""], ["office"]), "limit_to_session": (None, False, True)}


def kept(raw: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    case = SimpleNamespace(query=dict(query))
    _keep_parameter_rules(case, raw)
    return case.query


def test_every_kept_context_query_is_accepted_by_the_preview() -> None:
    """Every combination of the 3.1 preview's context parameters, absent, empty or given, kept
    inside its x-dependentRequired and x-exclusive rules, is a request the mock accepts (the real
    server refuses an empty `scope` or `sessions` without `peer_target`: a kept case has none), but
    for an empty entry of `sessions` kept with `peer_target`, which its own value rule refuses."""
    raw = honcho_contracts.get("3.1-preview").document()["paths"][CONTEXT]["get"]
    with TestClient(create_app(api_version="3.1-preview", seed=5).app, base_url="http://testserver") as client:
        client.post("/v3/workspaces/w/sessions", json={"id": "office", "peers": {"alice": {}}, "scopes": ["work"]})
        for values in itertools.product(*CHOICES.values()):
            query = {name: value for name, value in zip(CHOICES, values) if value is not None}
            sent = kept(raw, query)
            assert sent.items() <= query.items()
            answer = client.get("/v3/workspaces/w/sessions/office/context", params=sent)
            if sent.get("sessions") == [""] and answer.status_code == 422:  # a rule over its value, not the parameters'
                assert answer.json() == {"detail": "sessions entries must be non-empty strings"}, (query, sent)
                continue
            if sent.get("scope") == "":  # kept with peer_target: a scope named "" does not exist (declared 404)
                assert answer.json() == {"detail": "Scope  not found in workspace w"}, (query, sent)
                continue
            assert answer.status_code == 200, (query, sent, answer.json())


def test_a_query_inside_the_rules_is_left_whole() -> None:
    raw = {"x-dependentRequired": {"scope": ["peer_target"]}, "x-exclusive": [["sessions", "scope"]]}
    assert kept(raw, {"scope": "work", "peer_target": "alice", "sessions": [], "search_query": ""}) == {
        "scope": "work", "peer_target": "alice", "sessions": [], "search_query": ""}
    assert kept(raw, {"scope": "", "peer_target": "alice"}) == {"scope": "", "peer_target": "alice"}
    assert kept(raw, {"sessions": ["office"], "scope": None}) == {"sessions": ["office"], "scope": None}


def test_a_trigger_is_left_out_even_empty_and_until_nothing_breaks() -> None:
    raw = {"x-dependentRequired": {"scope": ["peer_target"], "peer_target": ["tokens"]},
           "x-exclusive": [["sessions", "limit_to_session"]]}
    assert kept(raw, {"scope": "", "peer_target": "", "tokens": 5}) == {"peer_target": "", "tokens": 5}
    # peer_target goes (no tokens), which leaves scope without its companion: it goes too
    assert kept(raw, {"scope": "work", "peer_target": "alice"}) == {}
    assert kept(raw, {"sessions": [""], "limit_to_session": True}) == {"limit_to_session": True}
    assert kept(raw, {"sessions": [""], "limit_to_session": False}) == {"sessions": [""], "limit_to_session": False}


def test_a_404_naming_what_the_body_refers_to_is_no_missing_resource() -> None:
    """ensure_resource_availability: a 404 whose detail names a value of the body, at any depth and
    as the real server words it (a repr list, JSON escapes, a generated pair of surrogates), is about
    that reference, not the resource just created."""
    def names(body: Any, detail: str) -> bool:
        return _names_a_body_reference(SimpleNamespace(body=body), json.dumps({"detail": detail}))

    sessions = ["", "'X\udbc3\udcbaQ", "|\udab6\udc40z"]
    as_read = json.loads(json.dumps(sessions))  # the server reads the pairs as one character each
    assert names({"session_ids": sessions}, f"Session(s) {sorted(as_read)} not found in workspace w")
    assert names({"scope": "ÇÄD\u001e"}, "Scope ÇÄD\u001e not found in workspace w")
    assert names({"conclusions": [{"session_id": '"\u0010xyz'}]}, 'Session "\u0010xyz not found in workspace w')
    assert not names({"scope": "abc", "items": ["w"]}, "Workspace w not found")
    assert not names("abc", "abc not found")


def test_a_404_naming_an_empty_id_of_the_body_is_about_the_body() -> None:
    """An empty id a conclusion names is answered `Peer  not found in workspace w`: the body's, however short."""
    case = SimpleNamespace(body={"conclusions": [{"observer_id": "", "observed_id": "", "content": "x"}]})
    assert _names_a_body_reference(case, json.dumps({"detail": "Peer  not found in workspace w5"}))
    assert not _names_a_body_reference(case, json.dumps({"detail": "Workspace w5 not found"}))


def test_a_kept_summary_configuration_is_accepted_whatever_its_thresholds() -> None:
    """A positive body whose summary thresholds break `x-less-than` loses the first one, and the mock
    (which holds the rule) accepts what is left; thresholds in order are left alone."""
    document = honcho_contracts.get("3.0.12").document()
    with TestClient(create_app(seed=5).app, base_url="http://testserver") as client:
        for short, long in ((2432236062.0, 3092.0), (40, 40), (10, 20)):
            body = {"id": "w", "configuration": {"summary": {"messages_per_short_summary": short,
                                                             "messages_per_long_summary": long}}}
            case = SimpleNamespace(body=body, operation=SimpleNamespace(schema=SimpleNamespace(raw_schema=document)))
            _keep_ordering_rules(case)
            assert ("messages_per_short_summary" in body["configuration"]["summary"]) == (short < long)
            assert client.post("/v3/workspaces", json=body).status_code in (200, 201), body
