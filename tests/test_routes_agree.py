"""The tester's one route matcher (`conformance.core.routes.Routes`) finds, for every request of the
recorded corpora, the operation the mock's own routing finds (or none where the mock routes none),
and so do variants no recording holds: a trailing `/`, another method, ids with escapes.

Coverage, replay and diff labels, the Locust file and the `Allow` check all ask `Routes`; this is
what keeps them in step with a server that routes as FastAPI and starlette do."""

from __future__ import annotations

import gzip
import json
from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DATA, SPEC
from support.routing import route, routing_for_document

from conformance.core.openapi import Contract as ReadContract
from conformance.core.routes import Routes

from mockserver.contract.document import Contract as MockContract
from mockserver.http.routing import ContractRouting

ROUTING = routing_for_document(MockContract.load(SPEC).openapi30_view())
ROUTES = Routes(ReadContract.load(SPEC))
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def recorded_requests() -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    with gzip.open(DATA / "real-honcho-3.0.7-fuzz.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            entry = json.loads(line)
            seen[(entry["method"], entry["path"])] = None
    for exchange in json.loads((DATA / "real_exchanges.json").read_text())["exchanges"]:
        seen[(exchange["method"], exchange["path"].split("?", 1)[0])] = None
    return list(seen)


RECORDED = recorded_requests()


def mock_operation(method: str, raw_path: str) -> str | None:
    """The operationId the mock's routing hands the request to, or None (404, 405, a redirect)."""
    outcome = route(ContractRouting.__call__, ROUTING, method, unquote(raw_path))
    if outcome[0] == "routed" and outcome[1][0] and outcome[1][0] != "answered":
        return outcome[1][0]["operation_id"]
    return None


def matcher_operation(method: str, raw_path: str) -> str | None:
    operation = ROUTES.match(method, raw_path)
    return operation.operation_id if operation else None


def test_the_corpora_hold_enough_requests_to_mean_something() -> None:
    assert len(RECORDED) > 500
    assert len({matcher_operation(m, p) for m, p in RECORDED}) > 40


@pytest.mark.parametrize("variant", ["as recorded", "trailing slash", "every method"])
def test_every_recorded_request_is_the_same_operation_for_both(variant: str) -> None:
    requests = RECORDED
    if variant == "trailing slash":
        requests = [(m, p.rstrip("/") + "/") for m, p in RECORDED]
    elif variant == "every method":
        requests = sorted({(m, p) for _, p in RECORDED for m in METHODS})
    differ = [(m, p, mock_operation(m, p), matcher_operation(m, p)) for m, p in requests
              if mock_operation(m, p) != matcher_operation(m, p)]
    assert not differ, differ[:10]


SEGMENT = st.one_of(st.sampled_from(["list", "w1", "sessions", "peers", "x%2Fy", "a%20b", "%0A", "_-", "messages"]),
                    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=6)
                    .map(lambda s: quote(s, safe="")))


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(METHODS), template=st.sampled_from(sorted(ReadContract.load(SPEC).paths)),
       values=st.lists(SEGMENT, min_size=4, max_size=4), slash=st.booleans())
def test_generated_requests_are_the_same_operation_for_both(method: str, template: str, values: list[str],
                                                            slash: bool) -> None:
    parts = iter(values)
    path = "/".join(next(parts, "x") if p.startswith("{") else p for p in template.split("/"))
    path = path + "/" if slash else path
    assert mock_operation(method, path) == matcher_operation(method, path), (method, path)


def test_allowed_methods_are_those_of_every_route_of_the_path() -> None:
    assert ROUTES.allowed_methods("/v3/workspaces/w1") == {"PUT", "DELETE"}
    assert ROUTES.allowed_methods("/v3/workspaces/w1/sessions/list") >= {"POST"}
    assert ROUTES.label("POST", "/v3/workspaces/w1/sessions/list/") == "POST (not in the contract)"
