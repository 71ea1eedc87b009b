"""Prism's `Prefer` header over real HTTP: `code=` answers a declared status with a body valid for it,
`example=` a named example of the contract, `dynamic=true` a body drawn from the schema; none of them runs
the operation, a mistake is a 400 naming what the contract offers, other preferences are left alone."""

from __future__ import annotations

import io
from typing import Iterator

import httpx
import pytest
import yaml
from support import DATA, checked, loopback_server

from mockserver import MockServer, create_app

CHAT = "/v3/workspaces/w/peers/alice/chat"
MESSAGE = "/v3/workspaces/w/sessions/s/messages/m1"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[MockServer, str, io.StringIO]]:
    stream = io.StringIO()
    server = create_app(seed=5, request_log="text", log_stream=stream)
    with loopback_server(server.app) as url:
        yield server, url, stream


@pytest.fixture
def api(served: tuple[MockServer, str, io.StringIO]) -> Iterator[httpx.Client]:
    """Every answer checked against openapi.yaml."""
    server, url, _ = served
    server.reset()
    with httpx.Client(base_url=url, timeout=30) as client:
        yield checked(client)


def test_code_answers_the_declared_status_without_running_the_operation(api: httpx.Client,
                                                                         served: tuple[MockServer, str, io.StringIO]) -> None:
    missing = api.get(MESSAGE, headers={"Prefer": "code=404"})
    assert missing.status_code == 404 and missing.headers["x-mock-fault"] == "prefer"
    assert isinstance(missing.json()["detail"], str)
    created = api.post("/v3/workspaces", json={"id": "never-stored"}, headers={"Prefer": "code=201"})
    assert created.status_code == 201 and set(created.json()) >= {"id", "metadata", "created_at"}
    page = api.post("/v3/workspaces/list", json={}, headers={"Prefer": "code=200"}).json()
    assert page["total"] == len(page["items"]) and page["pages"] == (1 if page["items"] else 0)  # self-consistent
    assert served[0].store.counts()["workspaces"] == 0  # nothing ran
    served[0].request_log.flush()  # type: ignore[union-attr]
    assert f"GET {MESSAGE} 404" in served[2].getvalue() and "  Prefer: code=404\n" in served[2].getvalue()


def test_example_answers_a_named_example_of_the_contract(api: httpx.Client) -> None:
    document = yaml.safe_load((DATA.parent.parent / "openapi.yaml").read_text())
    examples = document["paths"]["/v3/workspaces/{workspace_id}/peers/{peer_id}/chat"]["post"]["responses"]["200"][
        "content"]["application/json"]["examples"]
    for name, example in examples.items():
        answer = api.post(CHAT, json={"query": "hi"}, headers={"Prefer": f"example={name}"})
        assert (answer.status_code, answer.json()) == (200, example["value"])
    both = api.post(CHAT, json={"query": "hi"}, headers={"Prefer": "code=200; example=nothing-known"})
    assert (both.status_code, both.json()) == (200, {"content": None})


def test_dynamic_draws_varied_bodies_valid_for_the_schema(api: httpx.Client) -> None:
    bodies = [api.post("/v3/workspaces/w/sessions/list", json={}, headers={"Prefer": "dynamic=true"}).json()
              for _ in range(8)]  # `checked` validates each against the contract
    assert len({repr(b) for b in bodies}) > 1, bodies
    errors = [api.get(MESSAGE, headers={"Prefer": "code=404, dynamic=true"}) for _ in range(3)]
    assert all(e.status_code == 404 and isinstance(e.json()["detail"], str) for e in errors)


def test_a_seeded_mock_draws_the_same_dynamic_bodies() -> None:
    def draws() -> list[object]:
        with loopback_server(create_app(seed=9).app) as url, httpx.Client(base_url=url, timeout=30) as client:
            return [client.post("/v3/workspaces/list", json={}, headers={"Prefer": "dynamic=true"}).json()
                    for _ in range(3)]
    assert draws() == draws()


@pytest.mark.parametrize(("prefer", "says"), [
    ("code=503", "declares no 503 (it declares 200, 400, 401, 404, 413, 422, 507)"),
    ("code=abc", "code must be an HTTP status within 100..599, not 'abc'"),
    ("example=nope", "has no example of that name (it has answered (200), nothing-known (200))"),
    ("code=422, example=answered", "has no example of that name for 422 (it declares no named examples)"),
    ("dynamic=maybe", "dynamic must be true or false, not 'maybe'"),
])
def test_a_preference_the_contract_cannot_meet_is_a_400_saying_why(served: tuple[MockServer, str, io.StringIO],
                                                                   prefer: str, says: str) -> None:
    with httpx.Client(base_url=served[1], timeout=30) as client:
        refused = client.post(CHAT, json={"query": "hi"}, headers={"Prefer": prefer})
    assert refused.status_code == 400 and refused.headers["x-mock-fault"] == "bad-header"
    assert says in refused.json()["detail"], refused.json()


def test_other_preferences_are_left_alone(api: httpx.Client) -> None:
    answer = api.post("/v3/workspaces", json={"id": "w"}, headers={"Prefer": "return=minimal, respond-async"})
    assert answer.status_code == 201 and "x-mock-fault" not in answer.headers


def test_any_document_s_named_examples() -> None:
    with loopback_server(create_app(spec=DATA / "petstore-3.1.yaml").app) as url:
        pets = httpx.get(f"{url}/pets", headers={"Prefer": "example=two"}, timeout=30)
    assert pets.status_code == 200 and [p["name"] for p in pets.json()] == ["Tom", "Rex"]
