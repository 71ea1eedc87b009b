"""A failing request reduced to its trigger, and a 404 told from a vanished resource."""

from __future__ import annotations

import json

from support.standins import Defects307

from conformance.core.client import ConformanceClient
from conformance.core.config import default_spec
from conformance.core.openapi import Contract
from conformance.core.transports import ASGIAppTransport
from conformance.phases.reduction import NUL_CAUSE, Reducer, shape_of
from mockserver import create_app

BASE_URL = "http://127.0.0.1:8000"
CONTRACT = Contract.load(default_spec())


def _reducer(app: object, budget: int = 800) -> Reducer:
    return Reducer(ConformanceClient(BASE_URL, transport=ASGIAppTransport(app)), CONTRACT, "cfr", budget=budget)


def test_a_nul_deep_in_a_wall_of_generated_metadata_is_found_and_the_request_left_is_small() -> None:
    reducer = _reducer(Defects307().app)
    operation = CONTRACT.by_label("POST /v3/workspaces")
    assert operation is not None
    noise = {f"k{i}": {"list": list(range(i)), "text": "x" * 300} for i in range(30)}
    body = {"id": "cfr-w1", "configuration": {"a": [1, 2, {"b": None}]},
            "metadata": {**noise, "where": {"deep": ["ok", "a\x00b" + "y" * 200]}}}
    shape = shape_of(operation, "POST", f"{BASE_URL}/v3/workspaces?x-extra=1", {"Content-Type": "application/json"},
                     json.dumps(body).encode())
    assert shape is not None and shape.query == (("x-extra", "1"),)
    trigger = reducer.reduce("not_a_server_error", operation, shape, 500)
    assert trigger is not None and trigger.cause == NUL_CAUSE and trigger.reply is not None
    sent = json.loads(trigger.reply.exchange.request_body or b"")
    assert sent == {"id": "cfr-w1", "metadata": {"where": {"deep": ["\x00"]}}}, sent  # id is required: it stays
    assert trigger.reply.exchange.url == f"{BASE_URL}/v3/workspaces"
    assert reducer.used <= reducer.per_failure + 10
    used = reducer.used
    again = reducer.reduce("not_a_server_error", operation, shape, 500)  # the same defect: its known trigger
    assert again is not None and again.cause == NUL_CAUSE and reducer.used - used == 2  # sent again, then made valid


def test_what_does_not_fail_again_or_is_out_of_budget_is_said_so() -> None:
    operation = CONTRACT.by_label("PUT /v3/workspaces/{workspace_id}")
    assert operation is not None
    shape = shape_of(operation, "PUT", f"{BASE_URL}/v3/workspaces/cfr-ok", {"content-type": "application/json"}, b"{}")
    assert shape is not None and shape.path == (("workspace_id", "cfr-ok"),)
    trigger = _reducer(create_app(seed=42).app).reduce("not_a_server_error", operation, shape, 500)
    assert trigger is not None and trigger.cause.endswith("did not recur when sent again")
    spent = _reducer(Defects307().app, budget=0).reduce("not_a_server_error", operation, shape, 500)
    assert spent is not None and spent.cause.endswith("not reduced")
    assert _reducer(create_app(seed=42).app).reduce("response_schema_conformance", operation, shape, 500) is None


def test_a_404_about_the_body_is_no_vanished_resource_and_a_missing_one_is() -> None:
    server = create_app(seed=43)
    reducer = _reducer(server.app)
    client = reducer.client
    client.post("/v3/workspaces/cfr-w/sessions", json={"id": "s1"})
    operation = CONTRACT.by_label("PUT /v3/workspaces/{workspace_id}/sessions/{session_id}/peers")
    assert operation is not None
    bad_keys = json.dumps({"no peer id!": {}}).encode()
    shape = shape_of(operation, "PUT", f"{BASE_URL}/v3/workspaces/cfr-w/sessions/s1/peers",
                     {"content-type": "application/json"}, bad_keys)
    assert shape is not None
    assert reducer.send(shape).status == 404  # declared: "Failed to set peers for session"
    assert reducer.resource_answers(operation, shape)  # the smallest body on the same path is answered
    # Most writes get-or-create their session; a message does not come into being by being updated.
    update = CONTRACT.by_label("PUT /v3/workspaces/{workspace_id}/sessions/{session_id}/messages/{message_id}")
    assert update is not None
    gone = shape_of(update, "PUT", f"{BASE_URL}/v3/workspaces/cfr-w/sessions/s1/messages/nosuch",
                    {"content-type": "application/json"}, json.dumps({"metadata": {"k": 1}}).encode())
    assert gone is not None and reducer.send(gone).status == 404
    assert not reducer.resource_answers(update, gone)
